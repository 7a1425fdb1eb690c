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
 * - anything else (a newer Optuna, or not Optuna): refused.
 */
import type { SqlRunner } from './connection';
import { HEAD_REVISION, OLDER_REVISIONS, PREVIOUS_REVISION, TABLE_NAMES, type Dialect } from './schema';

/** PostgreSQL advisory lock taken while creating or upgrading the schema (one DDL writer at a time). */
export const SCHEMA_LOCK_KEY = 7342001;

export type SchemaState =
  /** No Optuna table; `otherTables` are another application's (SQLite's own sqlite_* excluded). */
  | { kind: 'empty'; otherTables: string[] }
  /** Optuna tables but no alembic_version: Optuna before 1.0. */
  | { kind: 'pre-alembic' }
  | { kind: 'revision'; revision: string | undefined; missingTables: string[] };

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
  if (!tables.has('alembic_version')) {
    if (tables.has('studies')) return { kind: 'pre-alembic' };
    return { kind: 'empty', otherTables: [...tables].filter((t) => !t.startsWith('sqlite_')).sort() };
  }
  const versions = await runner.all<{ version_num: string }>('SELECT version_num FROM alembic_version');
  return { kind: 'revision', revision: versions[0]?.version_num, missingTables: TABLE_NAMES.filter((t) => !tables.has(t)) };
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
  const advice = OLDER_REVISIONS.includes(revision ?? '')
    ? `It was written by an Optuna older than 3.0. Upgrade it with Optuna 5: 'optuna storage upgrade --storage URL', then open it again.`
    : `It was written by a newer Optuna than tunelab knows (or is not an Optuna database). Use a new database for tunelab, ` +
      `or copy the study into a ${HEAD_REVISION} database with that Optuna (optuna.copy_study).`;
  return (
    `${where} uses Optuna storage schema '${revision ?? '(none)'}', but tunelab reads schemas '${HEAD_REVISION}' and ` +
    `'${PREVIOUS_REVISION}' and writes '${HEAD_REVISION}'. ${advice} Nothing was changed.`
  );
}
