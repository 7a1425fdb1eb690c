import { StorageError } from '../errors';
import type { Storage } from './base';
import { InMemoryStorage } from './memory';

export type { ImmediateTrialOps, Storage, StudySummary, TrialTemplate, TrialWriteLog, TrialWrites } from './base';
export { InMemoryStorage } from './memory';
export {
  JournalFileBackend,
  JournalFileOpenLock,
  JournalFileSymlinkLock,
  JournalOperation,
  JournalRedisBackend,
  JournalStorage,
  type JournalBackend,
  type JournalFileLock,
  type JournalFileOptions,
  type JournalLog,
  type JournalRedisOptions,
  type LockOptions,
} from './journal';

export {
  GrpcStorageProxy,
  runGrpcProxyServer,
  type GrpcProxyServer,
  type GrpcProxyServerOptions,
  type GrpcStorageProxyOptions,
} from './grpc';

/** Opens a storage for a URL scheme. Backends register themselves so `src/` loads drivers lazily. */
export type StorageOpener = (url: string, options?: OpenOptions) => Promise<Storage>;

export interface OpenOptions {
  /**
   * Only read: the database is never changed (no schema created, no index, SQLite stays in its
   * journal mode) and every write throws. For commands that list or show studies.
   */
  readOnly?: boolean;
}

const openers = new Map<string, StorageOpener>();

/** Register a backend for URLs starting with `scheme` (e.g. 'sqlite:', 'postgresql:'). */
export function registerStorageBackend(scheme: string, opener: StorageOpener): void {
  openers.set(scheme, opener);
}

/** Whether `v` is a Storage (it has the methods a study calls first), not some other object given as one. */
function isStorage(v: unknown): v is Storage {
  const s = v as Partial<Record<keyof Storage, unknown>> | null;
  return typeof s === 'object' && s !== null && typeof s.createNewStudy === 'function' && typeof s.getAllTrials === 'function';
}

/**
 * Resolve what the user passed as `storage`: undefined or 'memory' for in-process memory, a Storage
 * object as is, or a URL whose scheme picks a registered backend.
 */
export async function getStorage(storage: string | Storage | undefined, options: OpenOptions = {}): Promise<Storage> {
  if (storage === undefined || storage === 'memory' || storage === ':memory:') return new InMemoryStorage();
  if (typeof storage !== 'string') {
    if (isStorage(storage)) return storage;
    const what =
      storage === null
        ? 'null'
        : typeof storage === 'object'
          ? `an object with the keys ${Object.keys(storage).join(', ') || '(none)'}`
          : typeof storage;
    throw new StorageError(
      `A storage is a URL such as 'sqlite:///studies.db' or a Storage object (InMemoryStorage, JournalStorage, ...); got ${what}.`,
    );
  }
  const scheme = storage.slice(0, storage.indexOf(':') + 1);
  const opener = openers.get(scheme);
  if (!opener) {
    const known = ['memory', ...openers.keys()].join(', ');
    throw new StorageError(
      `Unknown storage URL '${storage.replace(/:[^:@/]*@/, ':***@')}'. Use one of the schemes: ${known} ` +
        "(for example 'sqlite:///path/to/study.db').",
    );
  }
  return opener(storage, options);
}

/**
 * Run `use` on a storage: one opened here from a URL is closed after it, whatever `use` does (its
 * connections, a PostgreSQL pool or a Redis socket, would otherwise keep the process alive); a
 * Storage object passed in stays open, as its owner may go on using it.
 */
export async function usingStorage<T>(
  storage: string | Storage,
  use: (opened: Storage) => Promise<T>,
  options: OpenOptions = {},
): Promise<T> {
  const opened = await getStorage(storage, options);
  try {
    return await use(opened);
  } finally {
    if (typeof storage === 'string') await opened.close();
  }
}

// Database backends. Each opener requires its driver only when a URL of that scheme is opened, so
// `require('tunelab')` loads neither better-sqlite3 (native) nor pg.
registerStorageBackend('sqlite:', (url, options) => require('./sqlite').openSqliteStorage(url, options));
registerStorageBackend('postgresql:', (url, options) => require('./postgres').openPostgresStorage(url, options));
registerStorageBackend('postgres:', (url, options) => require('./postgres').openPostgresStorage(url, options));
// SQLAlchemy spellings (psycopg2, and psycopg 3, SQLAlchemy 2.1's default), so a URL copied from an
// Optuna script works as is.
registerStorageBackend('postgresql+psycopg2:', (url, options) => require('./postgres').openPostgresStorage(url, options));
registerStorageBackend('postgresql+psycopg:', (url, options) => require('./postgres').openPostgresStorage(url, options));
// Optuna's journal format (a file of JSON lines, or a Redis server), loaded on first use as well.
registerStorageBackend('journal:', (url, options) => require('./journal').openJournalFileStorage(url, options));
registerStorageBackend('redis:', (url) => require('./journal').openJournalRedisStorage(url));
// Optuna's gRPC storage proxy (a server in front of a database), through @grpc/grpc-js on first use.
registerStorageBackend('grpc:', (url) => require('./grpc').openGrpcStorage(url));
