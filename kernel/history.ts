/**
 * The kernel's input history, answered to `history_request` (tail, range, search), kept like
 * IPython's: a SQLite database with a `sessions` table (one row per kernel start, numbered in
 * increasing order) and a `history` table of (session, line, source), plus `output_history` for the
 * text/plain of each cell's result. A line is the cell's execution count.
 *
 * Where: $TUNELAB_HISTORY_FILE (":memory:" keeps nothing on disk), else
 * `$XDG_DATA_HOME/tunelab/history.sqlite` (default `~/.local/share/tunelab/history.sqlite`).
 *
 * The history must never stop or slow the kernel: the database is opened on first use (not at
 * start-up); cells are written in one transaction after their reply has gone out (WAL mode without
 * a sync per commit); and a file that is corrupt, unwritable or fails later is replaced by an
 * in-memory database holding the current session, with one warning on stderr.
 */
import { mkdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';

export const HISTORY_FILE_ENV = 'TUNELAB_HISTORY_FILE';
const IN_MEMORY = ':memory:';

/** Where the history lives for this environment. */
export function historyFile(env: NodeJS.ProcessEnv = process.env): string {
  const override = env[HISTORY_FILE_ENV];
  if (override) return override === IN_MEMORY ? override : path.resolve(override);
  return path.join(env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share'), 'tunelab', 'history.sqlite');
}

/** One history reply item: `[session, line, input]`, or `[session, line, [input, output]]` with output. */
export type HistoryItem = [number, number, string] | [number, number, [string, string | null]];

/** The fields of a history_request (Jupyter messaging 5.3) this kernel reads. */
export interface HistoryQuery {
  hist_access_type?: unknown;
  output?: unknown;
  session?: unknown;
  start?: unknown;
  stop?: unknown;
  n?: unknown;
  pattern?: unknown;
  unique?: unknown;
}

/** A history_request that cannot be answered (unknown access type, wrong field types). */
export class HistoryRequestError extends Error {
  override name = 'HistoryRequestError';
}

interface Row {
  session: number;
  line: number;
  source: string;
  output: string | null;
}

interface Pending {
  line: number;
  source: string;
  output: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  session INTEGER PRIMARY KEY AUTOINCREMENT, start TIMESTAMP, end TIMESTAMP, num_cmds INTEGER, remark TEXT);
CREATE TABLE IF NOT EXISTS history (
  session INTEGER, line INTEGER, source TEXT, source_raw TEXT, PRIMARY KEY (session, line));
CREATE TABLE IF NOT EXISTS output_history (
  session INTEGER, line INTEGER, output TEXT, PRIMARY KEY (session, line));
`;

const SELECT = `SELECT h.session AS session, h.line AS line, h.source_raw AS source, o.output AS output
  FROM history h LEFT JOIN output_history o ON o.session = h.session AND o.line = h.line`;
/**
 * Only the latest occurrence of each input: the largest (session, line), as one number (IPython
 * ranks them the same way). Not insertion order, which interleaves when two kernels write.
 */
const ORDER_KEY = (t: string) => `(${t}.session * 4294967296 + ${t}.line)`;
const LATEST_OF_EACH = `${ORDER_KEY('h')} IN (SELECT max(${ORDER_KEY('g')}) FROM history g GROUP BY g.source_raw)`;

export class History {
  private db: BetterSqlite3.Database | undefined;
  private sessionNumber = 0;
  /** Set on the first failure: from then on the session stays in memory (and nothing more is said). */
  private warned = false;
  /** Every cell of this session, so a database that fails mid-session can be rebuilt in memory. */
  private readonly thisSession: Pending[] = [];
  private readonly unwritten: Pending[] = [];
  private flushScheduled = false;
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly warn: (text: string) => void,
  ) {}

  /**
   * Opens the database and starts this kernel's session, so sessions are numbered in the order
   * kernels start. Called once the kernel is serving; never throws.
   */
  open(): void {
    try {
      this.database();
    } catch (err) {
      this.warnOnce(`the input history is unavailable (${(err as Error).message}); history requests answer nothing`);
    }
  }

  /** Records an executed cell (its line is its execution count); written soon, off the reply's path. */
  record(line: number, source: string): void {
    const entry = { line, source, output: null };
    this.thisSession.push(entry);
    this.unwritten.push(entry);
    this.scheduleFlush();
  }

  /** The text/plain of a cell's result. */
  recordOutput(line: number, output: string): void {
    let entry: Pending | undefined;
    for (let i = this.thisSession.length - 1; i >= 0 && !entry; i--) if (this.thisSession[i].line === line) entry = this.thisSession[i];
    if (!entry) return;
    entry.output = output;
    if (!this.unwritten.includes(entry)) this.unwritten.push(entry);
    this.scheduleFlush();
  }

  /** Answers a history_request's content with its `history` list. */
  query(q: HistoryQuery): HistoryItem[] {
    const withOutput = q.output === true;
    const unique = q.unique === true;
    const type = q.hist_access_type ?? 'range';
    const db = this.database();
    this.flush();
    let rows: Row[];
    if (type === 'tail') {
      // IPython's default tail is 10 lines.
      rows = this.tail(db, optionalInteger(q.n, 'n') ?? 10, unique);
    } else if (type === 'search') {
      if (q.pattern !== undefined && typeof q.pattern !== 'string') {
        throw new HistoryRequestError(
          `history_request search: "pattern" must be a string (a glob with * and ?), got ${JSON.stringify(q.pattern)}`,
        );
      }
      rows = this.search(db, (q.pattern as string | undefined) ?? '*', optionalInteger(q.n, 'n'), unique);
    } else if (type === 'range') {
      const session = optionalInteger(q.session, 'session') ?? 0;
      // Like IPython: 0 is the current session, a negative number counts back from it.
      const absolute = session <= 0 ? this.sessionNumber + session : session;
      rows = this.range(db, absolute, optionalInteger(q.start, 'start') ?? 1, optionalInteger(q.stop, 'stop'));
    } else {
      throw new HistoryRequestError(`history_request: hist_access_type must be "tail", "range" or "search", got ${JSON.stringify(type)}`);
    }
    return rows.map((r) => (withOutput ? [r.session, r.line, [r.source, r.output]] : [r.session, r.line, r.source]));
  }

  /** Writes what is pending and closes the database (kernel shutdown, process exit). */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    const db = this.db;
    this.db = undefined;
    if (!db) return;
    this.guard(() => {
      db.prepare('UPDATE sessions SET end = ?, num_cmds = ? WHERE session = ?').run(
        sqliteTimestamp(),
        this.thisSession.length,
        this.sessionNumber,
      );
    });
    try {
      db.close();
    } catch {
      // closing can only fail on a database we are abandoning anyway
    }
  }

  // A negative limit is no limit (SQLite's LIMIT -1), as in IPython, which passes n through.
  private tail(db: BetterSqlite3.Database, n: number | undefined, unique: boolean): Row[] {
    const where = unique ? `WHERE ${LATEST_OF_EACH}` : '';
    const rows = db.prepare(`${SELECT} ${where} ORDER BY h.session DESC, h.line DESC LIMIT ?`).all(n ?? -1) as Row[];
    return rows.reverse();
  }

  private search(db: BetterSqlite3.Database, pattern: string, n: number | undefined, unique: boolean): Row[] {
    const latest = unique ? `AND ${LATEST_OF_EACH}` : '';
    const rows = db
      .prepare(`${SELECT} WHERE h.source_raw GLOB ? ${latest} ORDER BY h.session DESC, h.line DESC LIMIT ?`)
      .all(pattern, n ?? -1) as Row[];
    return rows.reverse();
  }

  private range(db: BetterSqlite3.Database, session: number, start: number, stop: number | undefined): Row[] {
    if (stop === undefined) {
      return db.prepare(`${SELECT} WHERE h.session = ? AND h.line >= ? ORDER BY h.line`).all(session, start) as Row[];
    }
    return db.prepare(`${SELECT} WHERE h.session = ? AND h.line >= ? AND h.line < ? ORDER BY h.line`).all(session, start, stop) as Row[];
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.closed) return;
    this.flushScheduled = true;
    // After the execute_reply has been sent: the write never delays a cell's answer.
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    }).unref();
  }

  private flush(): void {
    if (this.unwritten.length === 0 || this.closed) return;
    const batch = this.unwritten.splice(0);
    try {
      const db = this.database();
      // If the file fails, database() next gives the in-memory copy, rebuilt from this session's cells.
      if (!this.guard(() => this.write(db, batch))) this.database();
    } catch (err) {
      // Not even an in-memory database (the native module cannot load): nothing to keep it in.
      this.warnOnce(`the input history is unavailable (${(err as Error).message}); history requests answer nothing`);
    }
  }

  private write(db: BetterSqlite3.Database, entries: Pending[]): void {
    const insertInput = db.prepare('INSERT OR REPLACE INTO history (session, line, source, source_raw) VALUES (?, ?, ?, ?)');
    const insertOutput = db.prepare('INSERT OR REPLACE INTO output_history (session, line, output) VALUES (?, ?, ?)');
    db.transaction(() => {
      for (const e of entries) {
        insertInput.run(this.sessionNumber, e.line, e.source, e.source);
        if (e.output !== null) insertOutput.run(this.sessionNumber, e.line, e.output);
      }
    })();
  }

  /** The open database: the file on first use, or the in-memory fallback once the file has failed. */
  private database(): BetterSqlite3.Database {
    if (this.db) return this.db;
    if (this.file !== IN_MEMORY && !this.warned) {
      const db = this.openFile();
      if (db) return (this.db = db);
    }
    const memory = this.openAt(IN_MEMORY);
    this.db = memory;
    // Whatever this session recorded before the file failed is kept.
    this.write(memory, this.thisSession);
    return memory;
  }

  private openFile(): BetterSqlite3.Database | undefined {
    let db: BetterSqlite3.Database | undefined;
    const ok = this.guard(() => {
      mkdirSync(path.dirname(this.file), { recursive: true });
      db = this.openAt(this.file);
    });
    if (ok) return db;
    try {
      db?.close();
    } catch {
      // already unusable
    }
    return undefined;
  }

  /** Opens (creating the tables) and starts this kernel's session there. */
  private openAt(file: string): BetterSqlite3.Database {
    // Loaded here, not at start-up: a kernel that is never asked for history never pays for it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Database = require('better-sqlite3') as typeof BetterSqlite3;
    const db = new Database(file, { timeout: 1000 });
    if (file !== IN_MEMORY) {
      // WAL without a sync per commit: several kernels may write at once, and a commit costs no fsync.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.exec(SCHEMA);
    if (this.sessionNumber === 0) {
      this.sessionNumber = Number(db.prepare('INSERT INTO sessions (start) VALUES (?)').run(sqliteTimestamp()).lastInsertRowid);
    } else {
      // The in-memory fallback keeps the session number the file gave (or 1 if it never opened).
      db.prepare('INSERT INTO sessions (session, start) VALUES (?, ?)').run(this.sessionNumber, sqliteTimestamp());
    }
    return db;
  }

  private warnOnce(text: string): void {
    if (this.warned) return;
    this.warned = true;
    this.warn(text);
  }

  /** Runs a database operation; a failure switches to memory for the rest of the session, warning once. */
  private guard(op: () => void): boolean {
    try {
      op();
      return true;
    } catch (err) {
      this.warnOnce(
        `the input history file ${this.file} cannot be used (${(err as Error).message}); this session's history ` +
          `is kept in memory only. Move the file away, or set ${HISTORY_FILE_ENV} to another path.`,
      );
      const failed = this.db;
      this.db = undefined;
      if (failed && !failed.memory) {
        try {
          failed.close();
        } catch {
          // already unusable
        }
      }
      return false;
    }
  }
}

function optionalInteger(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new HistoryRequestError(`history_request: "${field}" must be an integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** "YYYY-MM-DD HH:MM:SS.mmm" in UTC: the form Python's sqlite3 `timestamp` converter (IPython's reader) parses. */
function sqliteTimestamp(): string {
  return new Date().toISOString().replace('T', ' ').replace('Z', '');
}
