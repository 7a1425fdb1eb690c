/**
 * SQLite storage (`sqlite:///relative/path.db`, `sqlite:////absolute/path.db`, as SQLAlchemy and
 * Optuna spell them): Optuna's schema in one file, WAL mode so readers never block the writer, and a
 * busy timeout so several processes can share the file.
 *
 * Other people's files: opening changes nothing. The file is switched to WAL (which rewrites its
 * header and adds -wal/-shm files) only when tunelab creates the database or is about to write to it;
 * a read-only open (`tunelab studies`) never does. A file or directory this process may not write is
 * opened read-only, so what Optuna can read tunelab reads too, and a write names the permission.
 *
 * better-sqlite3 is synchronous, and a write that finds the file locked busy-waits, blocking the whole
 * thread. So within one thread all connections to the same file share one queue: an asynchronous
 * transaction (BEGIN ... await ... COMMIT) is never interleaved with another operation on that file,
 * and a connection never busy-waits on a lock held by its own thread (which would never be released).
 * Other processes are different threads: there the busy timeout simply waits for them.
 */
import { accessSync, constants as fsConstants, existsSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { StorageError } from '../errors';
import { requireOptional } from '../optionalDependency';
import type { RdbConnection, SqlRunner } from './rdb/connection';
import { RdbStorage } from './rdb/storage';

export interface SqliteOptions {
  /** How long a write waits for another process's write to finish (ms). Default 30 s. */
  busyTimeoutMs?: number;
  /** Open for reading only: the file must exist and is never changed (not even switched to WAL). */
  readOnly?: boolean;
}

const writableBy = (path: string): boolean => {
  try {
    accessSync(path, fsConstants.W_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * Why this process cannot write the database at `path` (an existing file), or null. SQLite writes
 * through a -journal (rollback mode) or -wal/-shm files (WAL mode) next to the database, so the
 * directory must be writable as well as the file.
 */
function permissionProblem(path: string): string | null {
  if (!writableBy(path)) {
    return (
      `the file ${path} is not writable by this process (permissions). Reading works; to write, give this user ` +
      'write permission on the file (and its directory), or copy the file to a place you may write.'
    );
  }
  const dir = dirname(path);
  if (!writableBy(dir)) {
    return (
      `the directory ${dir} is not writable by this process (permissions), so SQLite cannot create the ` +
      `${basename(path)}-journal / -wal files it writes through. Reading works; to write, give this user write ` +
      'permission on the directory, or copy the file to a place you may write.'
    );
  }
  return null;
}

/** The file path of a sqlite URL, or ':memory:'. */
export function sqlitePathFromUrl(url: string): string {
  const m = /^sqlite:\/\/\/(.*)$/.exec(url);
  if (!m || m[1] === '') {
    throw new StorageError(
      `'${url}' is not a SQLite URL. Write 'sqlite:///relative/path.db' or 'sqlite:////absolute/path.db' (three slashes, then the path).`,
    );
  }
  // As SQLAlchemy reads the URL (so that Optuna and tunelab open the same file): %XX escapes are
  // decoded, and a '%' that starts none is kept.
  const path = m[1].split('?')[0].replace(/(%[0-9a-fA-F]{2})+/g, (escaped) => {
    try {
      return decodeURIComponent(escaped);
    } catch {
      return escaped; // not UTF-8: kept as written
    }
  });
  return path === ':memory:' ? path : resolve(path);
}

/** What to do with a damaged database file (the same advice whoever detects the damage). */
function damagedMessage(path: string, finding: string): string {
  return (
    `${path} is damaged: ${finding}. tunelab does not write to a damaged database (a write could spread the damage, ` +
    `and values read from it may be wrong). Restore it from a backup, or recover what is readable into a new file with ` +
    `the sqlite3 shell ('sqlite3 ${basename(path)} .recover | sqlite3 recovered.db') and use that. The file was not modified.`
  );
}

function translate(err: unknown, path: string): unknown {
  const code = (err as { code?: string }).code ?? '';
  const msg = err instanceof Error ? err.message : String(err);
  if (code.startsWith('SQLITE_CORRUPT')) return new StorageError(damagedMessage(path, `SQLite says '${msg}'`));
  if (code === 'SQLITE_NOTADB' || /not a database/.test(msg)) {
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
  if (code === 'SQLITE_READONLY_DIRECTORY' || (code === 'SQLITE_CANTOPEN' && existsSync(path) && !writableBy(dirname(path)))) {
    return new StorageError(
      `Cannot read ${path}: it is a WAL-mode database and SQLite must create ${basename(path)}-shm next to it to read it, ` +
        `but the directory ${dirname(path)} is not writable by this process (permissions). Give this user write permission ` +
        'on the directory, or copy the file (with its -wal file, if any) to a place you may write. The file was not modified.',
    );
  }
  if (code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY')) {
    const cause = existsSync(path) ? permissionProblem(path) : null;
    return new StorageError(
      `Cannot write to ${path} (SQLite says: ${msg}): ${cause ?? "check the file's and its directory's permissions."}`,
    );
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
    readonly readOnlyCause: string | null = null,
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

  /**
   * Before the first write (RdbStorage calls it once, outside any transaction): check the file's
   * structure, then switch to WAL, which rewrites the header, only now that tunelab is about to write.
   *
   * PRAGMA quick_check reads every page and checks the b-tree structure (not index contents): about
   * 8-15 ms for a 10,000-trial study file (6 MB), so it runs on every open for writing rather than
   * only after a detected unclean shutdown (a hot -wal file is replayed silently by SQLite, and a file
   * damaged by a copy or a disk gives no sign at all).
   */
  prepareForWrites(): Promise<void> {
    return this.exclusive(async () => {
      if (this.readOnlyCause !== null) throw new StorageError(`Cannot write to ${this.description}: ${this.readOnlyCause}`);
      if (this.description === ':memory:') return;
      try {
        const findings = (this.db.pragma('quick_check(5)') as { quick_check: string }[]).map((r) => r.quick_check);
        if (findings.length !== 1 || findings[0] !== 'ok') {
          const lines = findings
            .join('\n')
            .split('\n')
            .filter((l) => l.trim() !== '' && !l.startsWith('*** in database'));
          throw new StorageError(
            damagedMessage(this.description, `SQLite's integrity check (PRAGMA quick_check) reports: ${lines.join('; ')}`),
          );
        }
        if (this.db.pragma('journal_mode', { simple: true }) !== 'wal') this.db.pragma('journal_mode = WAL');
      } catch (err) {
        throw translate(err, this.description);
      }
    });
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
    if ((options.mustExist || options.readOnly) && !existsSync(path)) {
      throw new StorageError(`There is no database at ${path}. Check the path in the URL (sqlite:///relative or sqlite:////absolute).`);
    }
  }
  const cause =
    path === ':memory:'
      ? null
      : options.readOnly
        ? `${path} was opened read-only (for listing); nothing is written through it.`
        : existsSync(path)
          ? permissionProblem(path)
          : null;
  // Loaded here, not at the top: `require('tunelab')` must not load a native module.
  const Database = requireOptional<typeof BetterSqlite3>('better-sqlite3', 'SQLite storage (sqlite:/// URLs)', StorageError);
  let db: BetterSqlite3.Database;
  try {
    db = new Database(path, {
      timeout: options.busyTimeoutMs ?? 30_000,
      fileMustExist: (options.mustExist ?? false) || cause !== null,
      readonly: cause !== null,
    });
  } catch (err) {
    throw translate(err, path);
  }
  try {
    // Reading the header first: a file that is not a database fails here, before anything is written.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    if (cause === null) db.pragma('synchronous = NORMAL'); // with WAL: durable across process crashes, fsync at checkpoints
  } catch (err) {
    db.close();
    throw translate(err, path);
  }
  return new SqliteConnection(db, path, cause);
}

/** Open (creating if needed) an Optuna-schema SQLite database. */
export async function openSqliteStorage(url: string, options: SqliteOptions = {}): Promise<RdbStorage> {
  // Nothing about the file changes here: WAL is switched on before the first write (prepareForWrites).
  return RdbStorage.openWith(url, await openSqliteConnection(url, options), { readOnly: options.readOnly });
}
