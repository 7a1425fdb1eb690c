/**
 * JournalStorage (Optuna 5.0's journal format) against the shared Storage contract, on the file
 * backend (Optuna's default symlink lock, and the open(O_CREAT|O_EXCL) lock) and on the Redis backend
 * (a private redis-server).
 */
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createStudy, TrialState, JournalFileBackend, StorageError, JournalRedisBackend, JournalStorage } from '../../src';
import { getStorage, JournalFileOpenLock, JournalFileSymlinkLock } from '../../src/entries/storage';
import { within } from '../helpers/async';
import { startRedis, type RedisServer } from '../helpers/redis';
import { incrementalReadContract, namesContract, quotingContract, storableContract, storageContract, type FreshDatabase } from './contract';

const dir = mkdtempSync(join(tmpdir(), 'tunelab-journal-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

/** Optuna's JournalStorage has no heartbeats (it is not a BaseHeartbeat storage): neither has tunelab's. */
const noHeartbeats = (fresh: FreshDatabase) =>
  it('has no heartbeats, as Optuna 5.0 has none for this storage: heartbeatInterval is ignored', async () => {
    const open = await fresh();
    const s = await open();
    assert.equal(s.recordHeartbeat, undefined);
    assert.equal(s.failStaleTrials, undefined);
    const study = await createStudy({ storage: s, studyName: 'no-heartbeat', heartbeatInterval: 1 });
    assert.equal(study.heartbeat, null);
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 2, showProgressBar: false });
    assert.deepEqual(
      study.trials.map((t) => t.state),
      [TrialState.COMPLETE, TrialState.COMPLETE],
    );
    await s.close();
  });

const coreContracts = (fresh: FreshDatabase) => {
  storageContract(fresh);
  incrementalReadContract(fresh);
  noHeartbeats(fresh);
};

const allContracts = (fresh: FreshDatabase) => {
  coreContracts(fresh);
  storableContract(fresh);
  quotingContract(fresh);
  namesContract(fresh);
};

describe('Journal file storage (journal:/// URL, symlink lock): the Storage contract', () => {
  allContracts(async () => {
    const url = `journal:///${join(dir, `contract-${counter++}.log`)}`;
    return () => getStorage(url);
  });
});

describe('Journal file storage with JournalFileOpenLock: the Storage contract', () => {
  coreContracts(async () => {
    const path = join(dir, `open-lock-${counter++}.log`);
    return async () => new JournalStorage(new JournalFileBackend(path, { lock: new JournalFileOpenLock(path) }));
  });
});

describe('Journal Redis storage: the Storage contract', () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedis();
  });
  after(() => redis?.destroy());
  // A fresh key prefix per test: a new journal on the same server.
  allContracts(async () => {
    const prefix = `contract-${counter++}`;
    return async () => new JournalStorage(new JournalRedisBackend(redis.url(), { prefix }));
  });
  describe('with useCluster (INCR then SET, as Optuna on a Redis cluster)', () => {
    coreContracts(async () => {
      const prefix = `cluster-${counter++}`;
      return async () => new JournalStorage(new JournalRedisBackend(redis.url(3), { prefix, useCluster: true }));
    });
  });
});

describe('Journal file: lines being written and damaged files', () => {
  it('leaves a line still being written for the next read, and names a damaged line followed by others', async () => {
    const path = join(dir, 'partial.log');
    const writer = new JournalStorage(new JournalFileBackend(path));
    const id = await writer.createNewStudy(['minimize'], 'partial');
    const reader = new JournalStorage(new JournalFileBackend(path));
    assert.equal(await reader.getStudyIdFromName('partial'), id);
    // Another worker's log, caught half written (no newline yet): not read, not counted.
    const line = `{"op_code":2,"worker_id":"other-1","study_id":${id},"user_attr":{"k":1.5}}`;
    appendFileSync(path, line.slice(0, 25));
    assert.deepEqual(await reader.getStudyUserAttrs(id), {});
    appendFileSync(path, `${line.slice(25)}\n`);
    assert.deepEqual(await reader.getStudyUserAttrs(id), { k: 1.5 });
    assert.deepEqual(await writer.getStudyUserAttrs(id), { k: 1.5 });
    // A line that is not JSON, followed by more lines, is damage: named, with what to do.
    appendFileSync(path, `not json\n${line}\n`);
    await assert.rejects(new JournalStorage(new JournalFileBackend(path)).getAllStudies(), (err: Error) => {
      assert.ok(err instanceof StorageError);
      assert.match(err.message, /Line 3 of the journal file .*partial\.log is not a JSON log.*damaged/);
      return true;
    });
    await writer.close();
    await reader.close();
  });

  it('explains a malformed journal URL and a missing directory', async () => {
    await assert.rejects(getStorage('journal://x.log'), /not a journal file URL.*journal:\/\/\//);
    await assert.rejects(getStorage(`journal:///${join(dir, 'no', 'such', 'x.log')}`), /directory .* does not exist/);
    await assert.rejects(getStorage(`journal:///${join(dir, 'absent.log')}`, { readOnly: true }), /does not exist/);
  });
});

describe('Journal file locks', () => {
  it('releases a lock left by a dead process once it is older than the grace period, as Optuna does', async () => {
    const path = join(dir, 'stale.log');
    const storage = new JournalStorage(new JournalFileBackend(path, { lock: new JournalFileSymlinkLock(path, { gracePeriodSeconds: 1 }) }));
    const id = await storage.createNewStudy(['minimize'], 'stale');
    symlinkSync(path, `${path}.lock`); // what a writer killed while appending leaves behind
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      await within(20_000, 'the append after the stale lock is released', storage.setStudyUserAttr(id, 'after', 'stale lock'));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(await storage.getStudyUserAttrs(id), { after: 'stale lock' });
    assert.equal(existsSync(`${path}.lock`), false, 'the lock is released after the append');
    assert.ok(
      warnings.some((w) => /has not been released for 1 s; releasing it by force/.test(w)),
      warnings.join('\n'),
    );
    await storage.close();
  });

  it('gives up after timeoutSeconds with a message naming the lock file when the grace period is off', async () => {
    const path = join(dir, 'held.log');
    const lock = new JournalFileOpenLock(path, { gracePeriodSeconds: null, timeoutSeconds: 0.3 });
    const storage = new JournalStorage(new JournalFileBackend(path, { lock }));
    const holder = new JournalFileOpenLock(path);
    await holder.acquire();
    try {
      await assert.rejects(storage.createNewStudy(['minimize'], 'never'), (err: Error) => {
        assert.ok(err instanceof StorageError);
        assert.match(err.message, /Timed out after 0\.3 s waiting for the lock file .*held\.log\.lock/);
        return true;
      });
    } finally {
      await holder.release();
    }
    assert.deepEqual(await storage.getAllStudies(), []);
    await storage.createNewStudy(['minimize'], 'now');
    assert.deepEqual(
      (await storage.getAllStudies()).map((s) => s.studyName),
      ['now'],
    );
    await storage.close();
  });
});
