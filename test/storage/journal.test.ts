/**
 * JournalStorage (Optuna 5.0's journal format) against the shared Storage contract, on the file
 * backend (Optuna's default symlink lock, and the open(O_CREAT|O_EXCL) lock) and on the Redis backend
 * (a private redis-server).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addLogHandler, createStudy, TrialState, JournalFileBackend, StorageError, JournalRedisBackend, JournalStorage } from '../../src';
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

  it('refuses an SQLite database or any other file before writing a byte to it', async () => {
    const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
    // An SQLite database written by tunelab, given as a journal (a bare path on the command line is one).
    const dbPath = join(dir, 'victim.db');
    const db = await createStudy({ storage: `sqlite:///${dbPath}`, studyName: 'kept' });
    await db.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 2, showProgressBar: false });
    await db.storage.close();
    const before = sha(dbPath);
    for (const attempt of [
      () => createStudy({ storage: `journal:///${dbPath}`, studyName: 'x' }),
      async () => new JournalStorage(new JournalFileBackend(dbPath)).createNewStudy(['minimize'], 'x'),
    ]) {
      await assert.rejects(attempt(), (err: Error) => {
        assert.ok(err instanceof StorageError);
        assert.match(err.message, /victim\.db is an SQLite database, not an Optuna journal file; use sqlite:\/\/\/.*victim\.db/);
        assert.doesNotMatch(err.message, /damaged|backup/);
        return true;
      });
    }
    assert.equal(sha(dbPath), before, 'the database is byte-for-byte unchanged');
    // Other content: a text file, a JSON Lines file of something else, text without a newline.
    for (const [name, text, problem] of [
      ['notes.txt', 'hello world\nmore notes\n', /its first line is not JSON \(it starts with "hello world"\)/],
      ['data.jsonl', '{"text": "a record"}\n{"text": "another"}\n', /its first line is a JSON object without an op_code/],
      ['oneline.txt', 'no newline at all', /holds no complete line/],
    ] as const) {
      const path = join(dir, name);
      writeFileSync(path, text);
      await assert.rejects(createStudy({ storage: `journal:///${path}` }), (err: Error) => {
        assert.ok(err instanceof StorageError);
        assert.match(err.message, new RegExp(`${name.replace('.', '\\.')} is not an Optuna journal file`));
        assert.match(err.message, problem);
        assert.match(err.message, /Nothing was written to it/);
        assert.doesNotMatch(err.message, /damaged|backup/);
        return true;
      });
      assert.equal(readFileSync(path, 'utf8'), text, `${name} is unchanged`);
    }
    // A file that was empty when the backend opened it and then became something else: read, refused, not appended to.
    const late = join(dir, 'late.log');
    const storage = new JournalStorage(new JournalFileBackend(late));
    writeFileSync(late, 'plain text\nwritten later\n');
    await assert.rejects(storage.createNewStudy(['minimize'], 'x'), /late\.log is not an Optuna journal file: its first line is not JSON/);
    assert.equal(readFileSync(late, 'utf8'), 'plain text\nwritten later\n');
  });

  it('explains a malformed journal URL and a missing directory', async () => {
    await assert.rejects(getStorage('journal://x.log'), /not a journal file URL.*journal:\/\/\//);
    await assert.rejects(getStorage(`journal:///${join(dir, 'no', 'such', 'x.log')}`), /directory .* does not exist/);
    await assert.rejects(getStorage(`journal:///${join(dir, 'absent.log')}`, { readOnly: true }), /does not exist/);
  });
});

/** The log records (level and message) and Node process warnings emitted while `body` runs. */
async function capturingWarnings(body: () => Promise<unknown>): Promise<{ logs: string[]; processWarnings: string[] }> {
  const logs: string[] = [];
  const processWarnings: string[] = [];
  const onWarning = (w: Error) => processWarnings.push(w.message);
  const removeHandler = addLogHandler((r) => logs.push(`${r.levelName} ${r.message}`));
  process.on('warning', onWarning);
  try {
    await body();
  } finally {
    process.off('warning', onWarning);
    removeHandler();
  }
  return { logs, processWarnings };
}

describe('Journal file locks', () => {
  it('releases a lock left by a dead process once it is older than the grace period, as Optuna does', async () => {
    const path = join(dir, 'stale.log');
    const storage = new JournalStorage(new JournalFileBackend(path, { lock: new JournalFileSymlinkLock(path, { gracePeriodSeconds: 1 }) }));
    const id = await storage.createNewStudy(['minimize'], 'stale');
    symlinkSync(path, `${path}.lock`); // what a writer killed while appending leaves behind
    const { logs, processWarnings } = await capturingWarnings(() =>
      within(20_000, 'the append after the stale lock is released', storage.setStudyUserAttr(id, 'after', 'stale lock')),
    );
    assert.deepEqual(await storage.getStudyUserAttrs(id), { after: 'stale lock' });
    assert.equal(existsSync(`${path}.lock`), false, 'the lock is released after the append');
    // Optuna's message, on tunelab's log at WARNING (not a Node process warning).
    assert.deepEqual(logs, [
      'WARNING The existing lock file has not been released for an extended period. Forcibly releasing the lock file.',
    ]);
    assert.deepEqual(processWarnings, []);
    await storage.close();
  });

  it("logs Optuna's warning while another process holds the lock, every warning interval", async () => {
    const path = join(dir, 'slow.log');
    const lock = new JournalFileOpenLock(path, { gracePeriodSeconds: null, warningIntervalSeconds: 1 });
    const storage = new JournalStorage(new JournalFileBackend(path, { lock }));
    const holder = new JournalFileOpenLock(path);
    await holder.acquire();
    const released = new Promise<void>((resolve) => setTimeout(() => void holder.release().then(resolve), 2_500));
    const { logs, processWarnings } = await capturingWarnings(async () => {
      await storage.createNewStudy(['minimize'], 'waited');
      await released;
    });
    // Optuna: f"It is taking longer than {warning_interval} seconds to acquire the lock file: {path} Retrying..."
    const line = `WARNING It is taking longer than 1.0 seconds to acquire the lock file: ${path}.lock Retrying...`;
    // Two intervals passed before the holder let go (a third only if its release was very late).
    assert.ok(logs.length >= 2 && logs.every((l) => l === line), logs.join('\n'));
    assert.deepEqual(processWarnings, []);
    assert.deepEqual(
      (await storage.getAllStudies()).map((s) => s.studyName),
      ['waited'],
    );
    assert.throws(() => new JournalFileOpenLock(path, { warningIntervalSeconds: 0 }), /warningIntervalSeconds must be a positive number/);
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
