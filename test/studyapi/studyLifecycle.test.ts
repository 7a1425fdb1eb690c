/**
 * The module-level study functions that take a storage (`getAllStudySummaries`, `getAllStudyNames`,
 * `deleteStudy`, `copyStudy`), as Optuna's: what they return, and that a storage they open from a URL
 * is closed when they finish (its connections, a PostgreSQL pool or a Redis socket, would otherwise
 * keep the process alive), while a Storage object passed in stays open.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { copyStudy, createStudy, deleteStudy, getAllStudyNames, getAllStudySummaries } from '../../src';
import { InMemoryStorage } from '../../src/entries/storage';
import { registerStorageBackend } from '../../src/storage';

/** A memory storage reached through a URL of its own scheme, which counts its closes. */
class CountedStorage extends InMemoryStorage {
  closes = 0;
  override async close(): Promise<void> {
    this.closes++;
    await super.close();
  }
}

const shared = new CountedStorage();
registerStorageBackend('counted:', async () => shared);

describe('getAllStudySummaries, getAllStudyNames, deleteStudy and copyStudy', () => {
  it('list, copy and delete studies as Optuna does, closing a storage opened from a URL', async () => {
    await createStudy({ storage: shared, studyName: 'first' });
    const second = await createStudy({ storage: shared, studyName: 'second', direction: 'maximize' });
    await second.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 3, showProgressBar: false });

    assert.deepEqual(await getAllStudyNames('counted://'), ['first', 'second']);
    assert.equal(shared.closes, 1, 'the storage opened from the URL is closed');
    const summaries = await getAllStudySummaries('counted://');
    assert.deepEqual(
      summaries.map((s) => [s.studyName, s.nTrials]),
      [
        ['first', 0],
        ['second', 3],
      ],
    );
    assert.equal(shared.closes, 2);

    const target = new CountedStorage();
    await copyStudy({ fromStudyName: 'second', fromStorage: 'counted://', toStorage: target, toStudyName: 'copy' });
    assert.equal(shared.closes, 3, 'copyStudy closes the storage it opened');
    assert.equal(target.closes, 0, 'and leaves the one passed in open');
    assert.deepEqual(await getAllStudyNames(target), ['copy']);
    assert.equal((await getAllStudySummaries(target))[0].nTrials, 3);

    await deleteStudy({ studyName: 'first', storage: 'counted://' });
    assert.equal(shared.closes, 4, 'deleteStudy closes the storage it opened');
    assert.deepEqual(await getAllStudyNames(shared), ['second']);
    assert.equal(shared.closes, 4, 'a Storage object passed in stays open');
  });
});
