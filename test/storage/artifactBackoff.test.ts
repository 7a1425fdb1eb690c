/**
 * `Backoff` (Optuna 5.0's `optuna.artifacts.Backoff`): an artifact store whose failing operations are
 * retried with exponential backoff, each failure logged; a missing artifact and a refused id are
 * not retried; a stream is sent again whole on a retry; uploads and downloads go through it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { addLogHandler, createStudy, downloadArtifact, FileSystemArtifactStore, uploadArtifact } from '../../src';
import { ArtifactNotFoundError, Backoff, type ArtifactStore } from '../../src/entries/artifacts';

const dir = mkdtempSync(join(tmpdir(), 'tunelab-backoff-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A store in memory that fails its first `failures` calls of each operation, as a flaky network store might. */
class FlakyStore implements ArtifactStore {
  readonly files = new Map<string, Buffer>();
  readonly calls: string[] = [];
  private left: Record<string, number>;
  constructor(failures: number) {
    this.left = { openReader: failures, write: failures, remove: failures };
  }
  private fail(op: string): void {
    this.calls.push(op);
    if (this.left[op]-- > 0) throw new Error(`${op}: connection reset`);
  }
  async openReader(id: string): Promise<Readable> {
    this.fail('openReader');
    const bytes = this.files.get(id);
    if (!bytes) throw new ArtifactNotFoundError(`no ${id}`);
    return Readable.from([bytes]);
  }
  async write(id: string, content: Readable | Uint8Array): Promise<void> {
    this.fail('write');
    const chunks: Buffer[] = [];
    for await (const c of content instanceof Uint8Array ? Readable.from([content]) : content) chunks.push(c as Buffer);
    this.files.set(id, Buffer.concat(chunks));
  }
  async remove(id: string): Promise<void> {
    this.fail('remove');
    if (!this.files.delete(id)) throw new ArtifactNotFoundError(`no ${id}`);
  }
}

const FAST = { minDelay: 0.001, maxDelay: 0.004 };

async function collect(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('Backoff', () => {
  it('retries a failing operation, logging each failure, and sends a stream again whole', async () => {
    const flaky = new FlakyStore(2);
    const store = new Backoff(flaky, FAST);
    const logged: string[] = [];
    const remove = addLogHandler((r) => logged.push(r.message));
    try {
      await store.write('a', Readable.from([Buffer.from('hello '), Buffer.from('world')]));
      assert.equal(await collect(await store.openReader('a')), 'hello world');
      await store.remove('a');
    } finally {
      remove();
    }
    assert.deepEqual(flaky.calls, ['write', 'write', 'write', 'openReader', 'openReader', 'openReader', 'remove', 'remove', 'remove']);
    assert.equal(flaky.files.size, 0);
    assert.deepEqual(
      logged.filter((m) => m.startsWith('Failed')).map((m) => m.replace(/: .*/, '')),
      [
        'Failed to write artifact=a n_retry=0',
        'Failed to write artifact=a n_retry=1',
        'Failed to open artifact=a n_retry=0',
        'Failed to open artifact=a n_retry=1',
        'Failed to delete artifact=a n_retry=0',
        'Failed to delete artifact=a n_retry=1',
      ],
    );
  });

  it('gives up after maxRetries attempts with the last error, and does not retry a missing artifact', async () => {
    const flaky = new FlakyStore(5);
    await assert.rejects(new Backoff(flaky, { ...FAST, maxRetries: 3 }).write('b', new Uint8Array([1])), /write: connection reset/);
    assert.equal(flaky.calls.length, 3);
    const healthy = new FlakyStore(0);
    await assert.rejects(new Backoff(healthy, FAST).openReader('missing'), ArtifactNotFoundError);
    assert.deepEqual(healthy.calls, ['openReader'], 'a missing artifact is not retried');
    assert.throws(() => new Backoff(healthy, { maxRetries: 0 }), /maxRetries must be an integer > 0/);
    assert.throws(() => new Backoff(healthy, { minDelay: 1, maxDelay: 1 }), /maxDelay must exceed minDelay/);
    assert.throws(() => new Backoff({} as ArtifactStore), /backend must be an artifact store/);
  });

  it('carries uploads and downloads to the store it wraps', async () => {
    const base = join(dir, 'store');
    mkdirSync(base);
    const store = new Backoff(new FileSystemArtifactStore(base), FAST);
    const study = await createStudy();
    const file = join(dir, 'weights.bin');
    writeFileSync(file, 'weights');
    const id = await uploadArtifact({ artifactStore: store, filePath: file, studyOrTrial: study });
    await downloadArtifact({ artifactStore: store, artifactId: id, filePath: join(dir, 'back.bin') });
    assert.equal(readFileSync(join(dir, 'back.bin'), 'utf8'), 'weights');
  });
});
