/**
 * JournalStorage (Optuna 5.0's journal format) against the shared Storage contract, on the file
 * backend (Optuna's default symlink lock, and the open(O_CREAT|O_EXCL) lock) and on the Redis backend
 * (a private redis-server).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { getStorage, JournalFileBackend, JournalFileOpenLock, JournalRedisBackend, JournalStorage } from '../../src';
import { startRedis, type RedisServer } from '../helpers/redis';
import { namesContract, quotingContract, storableContract, storageContract, type FreshDatabase } from './contract';

const dir = mkdtempSync(join(tmpdir(), 'tunelab-journal-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

const allContracts = (fresh: FreshDatabase) => {
  storageContract(fresh, { heartbeats: false });
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
  storageContract(
    async () => {
      const path = join(dir, `open-lock-${counter++}.log`);
      return async () => new JournalStorage(new JournalFileBackend(path, { lock: new JournalFileOpenLock(path) }));
    },
    { heartbeats: false },
  );
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
});
