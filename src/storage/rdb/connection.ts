import type { Dialect } from './schema';

export type Row = Record<string, unknown>;

/** What each statement of a script returned. */
export interface ScriptResult {
  rows: Row[];
  rowCount: number;
}

/** Statements use `?` placeholders; each driver adapts them to its own syntax. */
export interface SqlRunner {
  all<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Execute a statement; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

/**
 * What RdbStorage needs from a database driver: statements, write transactions and close.
 * `transaction` runs `fn` with exclusive write access to what it touches (SQLite: BEGIN IMMEDIATE,
 * PostgreSQL: BEGIN + row locks taken by the statements) and commits, or rolls back if fn throws.
 */
export interface RdbConnection extends SqlRunner {
  readonly dialect: Dialect;
  /** Where the data lives, for messages (a file path, or host:port/db without the password). */
  readonly description: string;
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /**
   * Why this connection may only read, or null: a read-only open (`tunelab studies`), or a SQLite
   * file or directory this process may not write. Every write then throws a StorageError naming it.
   */
  readonly readOnlyCause?: string | null;
  /**
   * Called once before the first write (and before creating the schema). SQLite checks the file's
   * integrity and switches it to WAL here, never on open: a file that is only read stays as it was.
   */
  prepareForWrites?(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A network database's connection (PostgreSQL's), with what the write-behind wrapper
 * (./writeBehind.ts) needs besides statements.
 */
export interface ScriptConnection extends RdbConnection {
  /**
   * Run statements without parameters as one transaction in one round trip and return each
   * statement's rows, to cut latency on hot paths. The statements carry only numbers and the
   * storage's own constants: a user's string never enters one (values from users are bound
   * parameters of `run`/`all`).
   */
  script(statements: readonly string[]): Promise<ScriptResult[]>;
  /**
   * How many statements/scripts every connection of this kind in this process has completed so far
   * (a process-wide counter), so a caller can tell whether others finished during its own.
   */
  readonly operationsCompleted: number;
}
