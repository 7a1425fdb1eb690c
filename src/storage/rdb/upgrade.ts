/**
 * `upgradeStorage(url)`: tunelab's counterpart of `optuna storage upgrade` for the one migration it
 * knows, v3.0.0.d (Optuna 3.0/3.1) -> v3.2.0.a (Optuna 3.2-5.0). The migration is what Optuna's
 * alembic script does (index `trials_study_id_key` on trials(study_id)) plus what its upgrade command
 * records (alembic_version, version_info's library version), in one transaction: the database is
 * either upgraded whole or left as it was.
 *
 * Never run implicitly: after it, Optuna 3.0/3.1 refuse the database, so only the user decides.
 */
import { StorageError, TunelabError } from '../../errors';
import type { RdbConnection } from './connection';
import { inspectSchema, SCHEMA_LOCK_KEY, unusableMessage } from './revision';
import { HEAD_REVISION, PREVIOUS_REVISION, upgradeStatements } from './schema';

export interface UpgradeOutcome {
  /** The database, for messages (a file path, or host:port/db without the password). */
  where: string;
  /** The revision found. */
  from: string;
  /** The revision it is at now (always the head). */
  to: string;
  /** false when it was already at the head and nothing was done. */
  upgraded: boolean;
}

async function openConnection(url: string): Promise<RdbConnection> {
  if (url.startsWith('sqlite:')) return require('../sqlite').openSqliteConnection(url, { mustExist: true });
  if (/^postgres(ql)?(\+\w+)?:/.test(url)) return require('../postgres').openPostgresConnection(url);
  throw new StorageError(
    `'${url}' is not a database URL. Only SQLite (sqlite:///path.db) and PostgreSQL (postgresql://user:pass@host:port/db) ` +
      'storages have a schema to upgrade.',
  );
}

/** Upgrade the database at `url` to the head revision (see the module comment). */
export async function upgradeStorage(url: string): Promise<UpgradeOutcome> {
  const db = await openConnection(url);
  const where = db.description;
  try {
    return await db.transaction(async (tx) => {
      // Serialise with tunelab processes creating the schema, and with a concurrent upgrade.
      if (db.dialect === 'postgres') await tx.all(`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK_KEY})`);
      const state = await inspectSchema(tx, db.dialect);
      if (state.kind === 'empty') {
        throw new StorageError(
          `${where} holds no Optuna storage (no Optuna tables), so there is nothing to upgrade. tunelab creates the ` +
            `schema (${HEAD_REVISION}) the first time a study is stored there. Nothing was changed.`,
        );
      }
      const problem = unusableMessage(state, where);
      if (problem !== undefined) throw new StorageError(problem);
      const from = state.kind === 'revision' ? state.revision : '(none)';
      if (from === HEAD_REVISION) return { where, from, to: HEAD_REVISION, upgraded: false };
      if (from !== PREVIOUS_REVISION) throw new StorageError(`${where}: unexpected schema '${from}'. Nothing was changed.`);
      for (const statement of upgradeStatements()) {
        try {
          await tx.run(statement);
        } catch (err) {
          if (err instanceof TunelabError) throw err;
          throw new StorageError(
            `Upgrading ${where} failed at '${statement}': ${(err as Error).message}. The transaction was rolled back; ` +
              `nothing was changed. If an index named trials_study_id_key already exists, it was not made by Optuna's migration: ` +
              `drop or rename it, then run the upgrade again.`,
          );
        }
      }
      const after = await inspectSchema(tx, db.dialect);
      if (after.kind !== 'revision' || after.revision !== HEAD_REVISION) {
        // Another writer changed alembic_version between our read and update (SQLite's write lock and
        // PostgreSQL's advisory lock make this unreachable for tunelab); roll back rather than guess.
        throw new StorageError(`${where} changed while it was being upgraded. Nothing was changed; run the upgrade again.`);
      }
      return { where, from, to: HEAD_REVISION, upgraded: true };
    });
  } finally {
    await db.close();
  }
}
