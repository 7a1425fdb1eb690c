/**
 * SQLite storage (`sqlite:///relative/path.db`, `sqlite:////absolute/path.db`, as SQLAlchemy and
 * Optuna spell them): Optuna's schema in one file, WAL mode so readers never block the writer, and a
 * busy timeout so several processes can share the file.
 *
 * better-sqlite3 is synchronous, and a write that finds the file locked busy-waits, blocking the whole
 * thread. So within one thread all connections to the same file share one queue: an asynchronous
 * transaction (BEGIN ... await ... COMMIT) is never interleaved with another operation on that file,
 * and a connection never busy-waits on a lock held by its own thread (which would never be released).
 * Other processes are different threads: there the busy timeout simply waits for them.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { StorageError } from '../errors';
import type { RdbConnection, SqlRunner } from './rdb/connection';
import { RdbStorage } from './rdb/storage';

export interface SqliteOptions {
  /** How long a write waits for another process's write to finish (ms). Default 30 s. */
  busyTimeoutMs?: number;
}

/** The file path of a sqlite URL, or ':memory:'. */
export function sqlitePathFromUrl(url: string): string {
  const m = /^sqlite:\/\/\/(.*)$/.exec(url);
  if (!m || m[1] === '') {
    throw new StorageError(
      `'${url}' is not a SQLite URL. Write 'sqlite:///relative/path.db' or 'sqlite:////absolute/path.db' (three slashes, then the path).`,
    );
  }
  const path = m[1].split('?')[0];
  return path === ':memory:' ? path : resolve(path);
}

function translate(err: unknown, path: string): unknown {
  const code = (err as { code?: string }).code ?? '';
  const msg = err instanceof Error ? err.message : String(err);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || /not a database/.test(msg)) {
    return new StorageError(
      `${path} is not an SQLite database (SQLite says: ${msg}). Point storage at a new file or at a database ` +
        'written by tunelab or Optuna. The file was not modified.',
    );
  }
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY')) {
    return new StorageError(
      `${path} stayed locked by another process for longer than the busy timeout. Another writer holds a long ` +
        'transaction; retry, or use PostgreSQL for many concurrent workers.',
    );
  }
  if (code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY')) {
    return new StorageError(`${path} is read-only for this process (${msg}). Check the file's permissions.`);
  }
  if (code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_FULL') {
    return new StorageError(`Cannot use ${path}: ${msg}. Check that the directory exists, is writable and has space.`);
  }
  return err;
}

/** One operation queue per database file in this thread (see the module comment). */
const fileQueues = new Map<string, { tail: Promise<unknown>; users: number }>();

export class SqliteConnection implements RdbConnection {
  readonly dialect = 'sqlite' as const;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  private readonly queue: { tail: Promise<unknown>; users: number };
  private inTransaction = false;

  constructor(
    private readonly db: BetterSqlite3.Database,
    readonly description: string,
  ) {
    const key = description === ':memory:' ? Symbol() : description;
    let q = typeof key === 'string' ? fileQueues.get(key) : undefined;
    if (!q) {
      q = { tail: Promise.resolve(), users: 0 };
      if (typeof key === 'string') fileQueues.set(key, q);
    }
    q.users++;
    this.queue = q;
  }

  private prepare(sql: string): BetterSqlite3.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      if (this.statements.size > 500) this.statements.clear();
      this.statements.set(sql, s);
    }
    return s;
  }

  private direct = {
    all: async <T>(sql: string, params: readonly unknown[] = []): Promise<T[]> => {
      try {
        return this.prepare(sql).all(...params) as T[];
      } catch (err) {
        throw translate(err, this.description);
      }
    },
    run: async (sql: string, params: readonly unknown[] = []): Promise<number> => {
      try {
        const s = this.prepare(sql);
        if (s.reader) return s.all(...params).length;
        return s.run(...params).changes;
      } catch (err) {
        throw translate(err, this.description);
      }
    },
  };

  /** Run `fn` after everything queued before it; the queue keeps going if it fails. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.queue.tail.then(fn);
    this.queue.tail = result.catch(() => undefined);
    return result;
  }

  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.exclusive(() => this.direct.all<T>(sql, params));
  }

  run(sql: string, params?: readonly unknown[]): Promise<number> {
    return this.exclusive(() => this.direct.run(sql, params));
  }

  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      if (this.inTransaction) throw new Error('nested SQLite transaction');
      // IMMEDIATE takes the write lock up front, so a transaction never fails half-way on a busy file.
      await this.direct.run('BEGIN IMMEDIATE');
      this.inTransaction = true;
      try {
        const out = await fn(this.direct);
        await this.direct.run('COMMIT');
        return out;
      } catch (err) {
        try {
          this.db.exec('ROLLBACK');
        } catch {
          /* already rolled back by SQLite */
        }
        throw err;
      } finally {
        this.inTransaction = false;
      }
    });
  }

  async close(): Promise<void> {
    await this.exclusive(async () => {
      if (!this.db.open) return;
      this.db.close();
      if (--this.queue.users === 0 && fileQueues.get(this.description) === this.queue) fileQueues.delete(this.description);
    });
  }

  /** Switch to WAL once the file is known to be ours (switching rewrites the header). */
  enableWal(): void {
    if (this.description !== ':memory:') this.db.pragma('journal_mode = WAL');
  }
}

/**
 * Open a connection to the SQLite file of `url` (creating the file unless `mustExist`), without
 * looking at its schema. RdbStorage and `tunelab storage upgrade` build on it.
 */
export async function openSqliteConnection(url: string, options: SqliteOptions & { mustExist?: boolean } = {}): Promise<SqliteConnection> {
  const path = sqlitePathFromUrl(url);
  if (path !== ':memory:') {
    const dir = dirname(path);
    if (!existsSync(dir)) {
      throw new StorageError(`Cannot create ${path}: the directory ${dir} does not exist. Create it first.`);
    }
    if (existsSync(path) && statSync(path).isDirectory()) {
      throw new StorageError(`${path} is a directory, not an SQLite database file. Give the path of a file.`);
    }
    if (options.mustExist && !existsSync(path)) {
      throw new StorageError(`There is no database at ${path}. Check the path in the URL (sqlite:///relative or sqlite:////absolute).`);
    }
  }
  // Loaded here, not at the top: `require('tunelab')` must not load a native module.
  let Database: typeof BetterSqlite3;
  try {
    Database = require('better-sqlite3');
  } catch (err) {
    throw new StorageError(
      `SQLite storage needs the 'better-sqlite3' package, which failed to load (${(err as Error).message}). ` +
        'Install it with: npm install better-sqlite3',
    );
  }
  let db: BetterSqlite3.Database;
  try {
    db = new Database(path, { timeout: options.busyTimeoutMs ?? 30_000, fileMustExist: options.mustExist ?? false });
  } catch (err) {
    throw translate(err, path);
  }
  try {
    // Reading the header first: a file that is not a database fails here, before anything is written.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    db.pragma('synchronous = NORMAL'); // with WAL: durable across process crashes, fsync at checkpoints
  } catch (err) {
    db.close();
    throw translate(err, path);
  }
  return new SqliteConnection(db, path);
}

/** Open (creating if needed) an Optuna-schema SQLite database. */
export async function openSqliteStorage(url: string, options: SqliteOptions = {}): Promise<RdbStorage> {
  const connection = await openSqliteConnection(url, options);
  const storage = await RdbStorage.openWith(url, connection);
  // A database tunelab may only read (Optuna 3.0/3.1's schema) stays byte-for-byte as it was: switching
  // to WAL rewrites the file header, so it keeps its journal mode.
  if (!storage.writable) return storage;
  try {
    connection.enableWal();
  } catch (err) {
    await storage.close();
    throw translate(err, connection.description);
  }
  return storage;
}

