/**
 * Which Optuna schema revision a database holds, and what tunelab may do with it. Shared by opening a
 * storage (src/storage/rdb/storage.ts) and `tunelab storage upgrade` (./upgrade.ts), so both name the
 * same revisions and give the same advice.
 *
 * The contract:
 * - no Optuna tables: a new database; opening creates the head schema (v3.2.0.a), upgrading refuses;
 * - v3.2.0.a (head): read and written;
 * - v3.0.0.d (Optuna 3.0/3.1): opened read-only. Reads work; every write throws a StorageError that
 *   names `tunelab storage upgrade URL` (and `optuna storage upgrade --storage URL`). Nothing is ever
 *   changed behind the user's back: upgrading makes Optuna 3.0/3.1 refuse the database, so it must be
 *   the user's decision;
 * - older Optuna revisions: refused; only Optuna's own upgrade migrates them;
 * - anything else (a newer Optuna, or not Optuna): refused;
 * - Optuna tables without a revision (no alembic_version, or an empty one): Optuna creates its tables
 *   first and writes the revision a moment later, so another process may be creating the database
 *   right now. Opening waits for it (`SCHEMA_CREATION_WAIT_MS`), then refuses it as half-initialised;
 *   only a file whose version_info names an Optuna 0.x release is judged older than alembic at once.
 */
import type { SqlRunner } from './connection';
import { HEAD_REVISION, OLDER_REVISIONS, PREVIOUS_REVISION, TABLE_NAMES, type Dialect } from './schema';

/** PostgreSQL advisory lock taken while creating or upgrading the schema (one DDL writer at a time). */
export const SCHEMA_LOCK_KEY = 7342001;

/**
 * How long opening waits for a schema another process is creating (Optuna takes about half a second
 * from its first table to its alembic revision) before calling it half-initialised.
 */
export const SCHEMA_CREATION_WAIT_MS = 5_000;

export type SchemaState =
  /** No Optuna table; `otherTables` are another application's (SQLite's own sqlite_* excluded). */
  | { kind: 'empty'; otherTables: string[] }
  /** Optuna tables, no alembic_version, and a version_info written by Optuna 0.x: Optuna before 1.0. */
  | { kind: 'pre-alembic' }
  /** Optuna tables but no revision yet (alembic_version missing or empty): being created, or an interrupted creation. */
  | { kind: 'creating'; alembicTable: boolean }
  | { kind: 'revision'; revision: string; missingTables: string[] };

export async function listTables(runner: SqlRunner, dialect: Dialect): Promise<Set<string>> {
  const rows =
    dialect === 'sqlite'
      ? await runner.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      : await runner.all<{ name: string }>(
          'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()',
        );
  return new Set(rows.map((r) => r.name));
}

export async function inspectSchema(runner: SqlRunner, dialect: Dialect): Promise<SchemaState> {
  const tables = await listTables(runner, dialect);
  const alembicTable = tables.has('alembic_version');
  if (alembicTable) {
    const versions = await runner.all<{ version_num: string }>('SELECT version_num FROM alembic_version');
    if (versions.length > 0) {
      return { kind: 'revision', revision: versions[0].version_num, missingTables: TABLE_NAMES.filter((t) => !tables.has(t)) };
    }
  }
  const optunaTables = TABLE_NAMES.filter((t) => tables.has(t));
  if (optunaTables.length === 0) return { kind: 'empty', otherTables: [...tables].filter((t) => !t.startsWith('sqlite_')).sort() };
  if (!alembicTable && (await writtenByOptuna0(runner, tables))) return { kind: 'pre-alembic' };
  return { kind: 'creating', alembicTable };
}

/**
 * Whether version_info names an Optuna 0.x release: a database from before alembic (Optuna 1.0). A
 * database Optuna is creating now has no version_info row yet, or one naming the running release.
 */
async function writtenByOptuna0(runner: SqlRunner, tables: Set<string>): Promise<boolean> {
  if (!tables.has('version_info')) return false;
  try {
    const rows = await runner.all<{ library_version: unknown }>('SELECT library_version FROM version_info');
    return rows.some((r) => typeof r.library_version === 'string' && r.library_version.startsWith('0.'));
  } catch {
    return false; // a version_info of another shape: judged as being created, then as half-initialised
  }
}

/** What to say of a database still in the `creating` state after waiting for it. */
export function halfInitialisedMessage(where: string, alembicTable: boolean, waitedMs: number): string {
  const what = alembicTable ? "its 'alembic_version' table is empty" : "it has no 'alembic_version' table";
  const waited = waitedMs > 0 ? ` after ${waitedMs / 1000} s` : '';
  return (
    `${where} has Optuna tables but no schema revision (${what})${waited}: it looks half-initialised. Another process ` +
    `(Optuna or tunelab) may be creating it right now, or a creation was interrupted. If one is creating it, try again ` +
    `in a moment; if not, and it holds nothing you need, remove it (for SQLite, delete the file) or point storage at a ` +
    `new database, and let tunelab or Optuna create the schema afresh. Nothing was changed.`
  );
}

/**
 * Why tunelab will not add its tables to this database, or undefined. A SQLite file belongs to one
 * application: one whose tables are not Optuna's is someone else's data, and creating Optuna's schema
 * in it would change their file. (A PostgreSQL database is commonly shared by several applications'
 * tables, and Optuna itself creates its tables next to them, so tunelab does too.)
 */
export function foreignMessage(state: SchemaState, dialect: Dialect, where: string): string | undefined {
  if (state.kind !== 'empty' || dialect !== 'sqlite' || state.otherTables.length === 0) return undefined;
  const shown = state.otherTables.slice(0, 5).join(', ') + (state.otherTables.length > 5 ? ', ...' : '');
  return (
    `${where} is a database of another application (tables: ${shown}) with no Optuna tables; tunelab does not add its ` +
    `tables to another application's file. Point storage at a new file (sqlite:///studies.db) or at one written by ` +
    `tunelab or Optuna. Nothing was changed.`
  );
}

/** The URL as a user may paste it into a command, without a password in it. */
export function shownUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:PASSWORD@');
}

/** How to move a v3.0.0.d database to the head: tunelab's command, or Optuna's. */
export function upgradeAdvice(url: string): string {
  const u = shownUrl(url);
  return `Upgrade it once with 'tunelab storage upgrade ${u}' (or 'optuna storage upgrade --storage ${u}')`;
}

/** Why tunelab cannot write a v3.0.0.d database, and what to run. */
export function readOnlyMessage(where: string, url: string): string {
  return (
    `${where} uses Optuna storage schema '${PREVIOUS_REVISION}' (Optuna 3.0/3.1), which tunelab opens read-only; ` +
    `it writes schema '${HEAD_REVISION}' (Optuna 3.2 to 5.0). ${upgradeAdvice(url)}; after that tunelab and Optuna 3.2+ ` +
    `write it, and Optuna 3.0/3.1 no longer open it. Nothing was changed.`
  );
}

/**
 * Why a database in `state` cannot be used at all (undefined when it can: empty, head, or v3.0.0.d
 * with every table).
 */
export function unusableMessage(state: SchemaState, where: string): string | undefined {
  if (state.kind === 'empty') return undefined;
  if (state.kind === 'creating') return halfInitialisedMessage(where, state.alembicTable, 0);
  if (state.kind === 'pre-alembic') {
    return (
      `${where} has an Optuna 'studies' table but no 'alembic_version': it was written by an Optuna release older than 1.0. ` +
      `Upgrade it with Optuna ('optuna storage upgrade --storage URL'), then open it again. Nothing was changed.`
    );
  }
  const { revision } = state;
  if (revision === HEAD_REVISION || revision === PREVIOUS_REVISION) {
    if (state.missingTables.length === 0) return undefined;
    return (
      `${where} says schema ${revision} but lacks the tables ${state.missingTables.join(', ')}; it is damaged or not an ` +
      `Optuna database. Point storage at a new database. Nothing was changed.`
    );
  }
  const advice = OLDER_REVISIONS.includes(revision)
    ? `It was written by an Optuna older than 3.0. Upgrade it with Optuna 5: 'optuna storage upgrade --storage URL', then open it again.`
    : `It was written by a newer Optuna than tunelab knows (or is not an Optuna database). Use a new database for tunelab, ` +
      `or copy the study into a ${HEAD_REVISION} database with that Optuna (optuna.copy_study).`;
  return (
    `${where} uses Optuna storage schema '${revision}', but tunelab reads schemas '${HEAD_REVISION}' and ` +
    `'${PREVIOUS_REVISION}' and writes '${HEAD_REVISION}'. ${advice} Nothing was changed.`
  );
}
