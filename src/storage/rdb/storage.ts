/**
 * The Storage interface over Optuna's RDB schema, shared by SQLite and PostgreSQL. Dialect
 * differences stay small (placeholder casts, row locks, time arithmetic) and live in `SqlDialect`.
 *
 * Scale choices (the problems Optuna users report):
 * - trials are loaded with ONE statement per call (a UNION ALL over the trial tables), never a query
 *   per trial;
 * - `getAllTrials` is incremental: each Storage instance keeps the trials it has read, and a call reads
 *   only trials created since (trial_id above the largest seen) and trials that were unfinished at the
 *   last read; finished trials never change, so they are never read twice;
 * - trial numbers come from MAX(number) on an index over (study_id, number), not COUNT(*).
 */
import { dict } from '../../dict';
import { distributionIncompatibility, distributionToJson, toExternal, type Distribution } from '../../distributions';
import {
  DuplicatedStudyError,
  InvalidArgumentError,
  StorageError,
  StudyNotFoundError,
  TrialFinishedError,
  TrialNotFoundError,
} from '../../errors';
import { isFinished, snapshotTrial, TrialState, type Direction, type FrozenTrial, type TrialRecord } from '../../frozenTrial';
import { defaultStudyName, expectedPriorState, newTrialSnapshot, type Storage, type StudySummary, type TrialTemplate } from '../base';
import {
  decodeJson,
  decodeValue,
  directionFromName,
  directionToName,
  DistributionCache,
  encodeIntermediate,
  encodeJson,
  encodeValue,
  formatDatetime,
  parseDatetime,
  STATE_NAME,
  stateFromName,
} from './codec';
import type { RdbConnection, Row, SqlRunner } from './connection';
import {
  foreignMessage,
  halfInitialisedMessage,
  inspectSchema,
  listTables,
  readOnlyMessage,
  SCHEMA_CREATION_WAIT_MS,
  SCHEMA_LOCK_KEY,
  unusableMessage,
  type SchemaState,
} from './revision';
import { checkAttribute, checkName, checkParam, checkTemplate } from '../storable';
import { createSchemaStatements, EXTRA_INDEX_STATEMENTS, HEAD_REVISION, PREVIOUS_REVISION, TABLE_NAMES, type Dialect } from './schema';

/** SQL fragments that differ between SQLite and PostgreSQL. */
export class SqlDialect {
  constructor(readonly name: Dialect) {}
  /** A placeholder whose type PostgreSQL cannot infer (inside SELECT lists). */
  p(type: 'int' | 'float' | 'text' | 'trialvaluetype' | 'trialintermediatevaluetype'): string {
    if (this.name === 'sqlite') return '?';
    const pg = { int: 'INTEGER', float: 'DOUBLE PRECISION', text: 'TEXT' } as Record<string, string>;
    return `CAST(? AS ${pg[type] ?? type})`;
  }
  /** Enum and timestamp columns as text. */
  text(col: string): string {
    return this.name === 'sqlite' ? col : `${col}::text`;
  }
  /** `IN <list>` for a list passed as one parameter (see listParam). */
  get inList(): string {
    return this.name === 'sqlite' ? 'IN (SELECT value FROM json_each(?))' : '= ANY(CAST(? AS INTEGER[]))';
  }
  listParam(ids: number[]): unknown {
    return this.name === 'sqlite' ? JSON.stringify(ids) : ids;
  }
  get forUpdate(): string {
    return this.name === 'sqlite' ? '' : ' FOR UPDATE';
  }
  /** Heartbeat older than `?` seconds, by the database's own clock (as Optuna compares them). */
  get staleHeartbeat(): string {
    return this.name === 'sqlite'
      ? // CURRENT_TIMESTAMP, as the heartbeat itself (whole seconds in SQLite), as Optuna compares: against
        // julianday('now') a heartbeat written at 12:00:03.99 (stored as :03) would look 1 s old at :04.01.
        '(julianday(CURRENT_TIMESTAMP) - julianday(h.heartbeat)) * 86400.0 > ?'
      : "h.heartbeat < LOCALTIMESTAMP - CAST(? AS DOUBLE PRECISION) * INTERVAL '1 second'";
  }
}

/** What this process has read of one study's trials (see the module comment). */
interface StudyCache {
  ordered: FrozenTrial[]; // by number
  indexById: Map<number, number>;
  maxTrialId: number;
  unfinished: Set<number>;
  /** name -> distribution first seen for it in this study (Optuna's compatibility check). */
  paramDistributions: Map<string, { distribution: Distribution; trialNumber: number }>;
}

/** A row of `loadSql`'s statement, decoded by `buildTrials`. */
interface TrialRow {
  k: number;
  id: number;
  n: number | null;
  s: string | null;
  f: number | null;
  j: string | null;
  d1: string | null;
  d2: string | null;
}

/**
 * The kinds of row `loadSql` returns (its column k): one per table a trial is spread over, and one
 * that says the study exists.
 */
const LOADED_ROW = { trial: 0, param: 1, value: 2, intermediate: 3, userAttr: 4, systemAttr: 5, studyExists: 9 } as const;

/**
 * The Storage over one RdbConnection. It sends every statement itself, unless wrapped: a wrapper
 * (WriteBehindStorage, ./writeBehind.ts, for PostgreSQL) may send its own statements over the same
 * connection, forwards every other call to this storage, and keeps what this storage knows current
 * through these methods, like Optuna's `_CachedStorage` through `RDBStorage`'s:
 * - `requireWritable()` before each write it sends, and `checkParamCompatibility` before a parameter;
 * - `refreshQuery(studyId)` is the read of what changed in a study since this storage last read it,
 *   `applyRefresh` merges that read's rows, `cachedTrials` answers from the reads merged so far;
 * - `rememberTrial` after it created a trial, `studyOfTrial` to find a trial's study, and
 *   `studyNotFound` for the error when its statement found no study;
 * - `staleTrialIds` lists the trials `failStaleTrials` would fail, for the wrapper to fail them
 *   through its own `setTrialState` (Optuna's `_get_stale_trial_ids`).
 * None of them sends a statement except `requireWritable` (the first write's preparation, and the
 * schema check on a database at v3.0.0.d) and `staleTrialIds`.
 */
export class RdbStorage implements Storage {
  private readonly sql: SqlDialect;
  private readonly caches = new Map<number, StudyCache>();
  /** trial id -> study id, for trials this process touched (param compatibility checks). */
  private readonly trialStudy = new Map<number, number>();
  private readonly distributions = new DistributionCache();
  /** loadSql's texts by selection: a handful of constant texts with placeholders. */
  private readonly loadSqlCache = new Map<string, string>();

  constructor(
    readonly url: string,
    private readonly db: RdbConnection,
  ) {
    this.sql = new SqlDialect(db.dialect);
  }

  /**
   * Check (or create) the schema, then return a storage over the connection. `readOnly` (what
   * `tunelab studies` uses) never changes the database: no schema is created, no index added, and every
   * write throws. Speed-ups for a kind of database (PostgreSQL's write-behind) wrap the storage this
   * returns; the backend's opener decides.
   */
  static async openWith(url: string, db: RdbConnection, options: { readOnly?: boolean } = {}): Promise<RdbStorage> {
    const storage = new RdbStorage(url, db);
    storage.accessReason =
      db.readOnlyCause ??
      (options.readOnly ? `${db.description} was opened read-only (for listing); nothing is written through it.` : null);
    try {
      await storage.prepareSchema();
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
    return storage;
  }

  // ---------------------------------------------------------------- schema

  /**
   * Why this storage may not write, or null when it may: set when the database is at Optuna 3.0/3.1's
   * revision (v3.0.0.d), which tunelab reads but never changes on its own (see ./revision.ts).
   */
  private readOnlyReason: string | null = null;

  private revision: string = HEAD_REVISION;

  /** Why this connection may not write at all (read-only open, file permissions), or null. */
  private accessReason: string | null = null;

  /** The once-per-storage preparation before the first write (see RdbConnection.prepareForWrites). */
  private writesPrepared: Promise<void> | null = null;

  /** The database's alembic revision when it was opened (or after an upgrade was noticed). */
  get schemaRevision(): string {
    return this.revision;
  }

  /** Whether writes are allowed (false on a v3.0.0.d database until it is upgraded). */
  get writable(): boolean {
    return this.readOnlyReason === null && this.accessReason === null;
  }

  /**
   * The database's schema once no other process is creating it: Optuna creates its tables, then
   * writes its revision a moment later; a database caught in between is read again for a few seconds
   * (SCHEMA_CREATION_WAIT_MS), then refused as half-initialised rather than judged by what it lacks.
   */
  private async settledSchema(): Promise<SchemaState> {
    const started = performance.now();
    for (;;) {
      const state = await inspectSchema(this.db, this.db.dialect);
      if (state.kind !== 'creating') return state;
      if (performance.now() - started >= SCHEMA_CREATION_WAIT_MS) {
        throw new StorageError(halfInitialisedMessage(this.db.description, state.alembicTable, SCHEMA_CREATION_WAIT_MS));
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async prepareSchema(): Promise<void> {
    let state = await this.settledSchema();
    const foreign = foreignMessage(state, this.db.dialect, this.db.description);
    if (foreign !== undefined) throw new StorageError(foreign);
    if (state.kind === 'empty') {
      if (this.accessReason !== null) {
        throw new StorageError(
          `${this.db.description} has no Optuna tables (no study was ever stored there), and tunelab may not create them: ` +
            `${this.accessReason} Nothing was changed.`,
        );
      }
      await this.prepareForWrites();
      await this.db.transaction(async (tx) => {
        // Two processes may open a fresh database at once: serialise and re-check. Optuna takes no
        // lock and creates its tables one by one: any Optuna table means another process is creating
        // the schema, so leave it to that process and wait for it (settledSchema below).
        if (this.db.dialect === 'postgres') await tx.all(`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK_KEY})`);
        const tables = await listTables(tx, this.db.dialect);
        if (TABLE_NAMES.some((t) => tables.has(t))) return;
        for (const statement of createSchemaStatements(this.db.dialect)) await tx.run(statement);
        for (const statement of EXTRA_INDEX_STATEMENTS) await tx.run(statement);
      });
      state = await this.settledSchema();
    }
    const problem = unusableMessage(state, this.db.description);
    if (problem !== undefined || state.kind !== 'revision') throw new StorageError(problem ?? `${this.db.description}: no Optuna schema.`);
    this.revision = state.revision;
    if (state.revision === PREVIOUS_REVISION) {
      this.readOnlyReason = readOnlyMessage(this.db.description, this.url);
      return;
    }
    // A shared PostgreSQL database gets tunelab's index at open (unless opened read-only); a SQLite
    // file only when tunelab first writes to it (prepareForWrites), so reading changes nothing.
    if (this.db.dialect === 'postgres' && this.accessReason === null) await this.addExtraIndexes();
  }

  private async addExtraIndexes(): Promise<void> {
    for (const statement of EXTRA_INDEX_STATEMENTS) {
      // A database where this role may not create indexes still works, only slower: an optimisation.
      await this.db.run(statement).catch(() => undefined);
    }
  }

  /** Once, before the first write: the connection's own preparation (SQLite: check, WAL), then the index. */
  private prepareForWrites(): Promise<void> {
    this.writesPrepared ??= (async () => {
      await this.db.prepareForWrites?.();
      if (this.db.dialect === 'sqlite') await this.addExtraIndexes();
    })();
    // A failed preparation is retried by the next write (and throws again if the cause remains).
    this.writesPrepared.catch(() => {
      this.writesPrepared = null;
    });
    return this.writesPrepared;
  }

  /**
   * Every write goes through here first (a wrapper's own writes too). On a v3.0.0.d database it throws
   * the StorageError that names the upgrade command, before anything is sent; if the database was
   * upgraded meanwhile (by `tunelab storage upgrade` from another process) the storage becomes
   * writable without reopening. Resolves at once when `writable` is true and the first write's
   * preparation is done.
   */
  async requireWritable(): Promise<void> {
    if (this.accessReason !== null) {
      throw new StorageError(`Cannot write to ${this.db.description}: ${this.accessReason}`);
    }
    if (this.readOnlyReason === null) {
      await this.prepareForWrites();
      return;
    }
    const state = await inspectSchema(this.db, this.db.dialect);
    if (state.kind === 'revision' && state.revision === HEAD_REVISION && state.missingTables.length === 0) {
      this.readOnlyReason = null;
      this.revision = HEAD_REVISION;
      await this.prepareForWrites();
      return;
    }
    throw new StorageError(this.readOnlyReason);
  }

  // ---------------------------------------------------------------- studies

  async createNewStudy(directions: Direction[], studyName?: string): Promise<number> {
    if (studyName !== undefined) checkName('study name', studyName);
    await this.requireWritable();
    const name = studyName ?? defaultStudyName();
    return this.db.transaction(async (tx) => {
      const rows = await tx.all<{ study_id: number }>(
        'INSERT INTO studies (study_name) VALUES (?) ON CONFLICT (study_name) DO NOTHING RETURNING study_id',
        [name],
      );
      if (rows.length === 0) {
        throw new DuplicatedStudyError(
          `A study named '${name}' already exists in ${this.db.description}. Pass loadIfExists: true to resume it, or choose another name.`,
        );
      }
      const studyId = Number(rows[0].study_id);
      for (let i = 0; i < directions.length; i++) {
        await tx.run('INSERT INTO study_directions (direction, study_id, objective) VALUES (?, ?, ?)', [
          directionToName(directions[i]),
          studyId,
          i,
        ]);
      }
      return studyId;
    });
  }

  async deleteStudy(studyId: number): Promise<void> {
    await this.requireWritable();
    await this.db.transaction(async (tx) => {
      await this.requireStudy(tx, studyId);
      const ofStudy = 'trial_id IN (SELECT trial_id FROM trials WHERE study_id = ?)';
      for (const table of [
        'trial_heartbeats',
        'trial_intermediate_values',
        'trial_values',
        'trial_params',
        'trial_system_attributes',
        'trial_user_attributes',
      ]) {
        await tx.run(`DELETE FROM ${table} WHERE ${ofStudy}`, [studyId]);
      }
      for (const table of ['trials', 'study_directions', 'study_system_attributes', 'study_user_attributes', 'studies']) {
        await tx.run(`DELETE FROM ${table} WHERE study_id = ?`, [studyId]);
      }
    });
    this.caches.delete(studyId);
  }

  private async requireStudy(runner: SqlRunner, studyId: number, lock = false): Promise<void> {
    const rows = await runner.all(`SELECT study_id FROM studies WHERE study_id = ?${lock ? this.sql.forUpdate : ''}`, [studyId]);
    if (rows.length === 0) throw this.studyNotFound(studyId);
  }

  /** The error for a study that is gone; forgets what was read of it, so nothing stale is served. */
  studyNotFound(studyId: number): StudyNotFoundError {
    this.caches.delete(studyId);
    return new StudyNotFoundError(`No study with id ${studyId} in ${this.db.description} (it may have been deleted).`);
  }

  async getStudyIdFromName(studyName: string): Promise<number> {
    checkName('study name', studyName);
    const rows = await this.db.all<{ study_id: number }>('SELECT study_id FROM studies WHERE study_name = ?', [studyName]);
    if (rows.length === 0) {
      throw new StudyNotFoundError(
        `No study named '${studyName}' in ${this.db.description}. Create it with createStudy({ studyName, storage }), ` +
          `or list the studies there with 'tunelab studies --storage URL'.`,
      );
    }
    return Number(rows[0].study_id);
  }

  async getStudyNameFromId(studyId: number): Promise<string> {
    const rows = await this.db.all<{ study_name: string }>('SELECT study_name FROM studies WHERE study_id = ?', [studyId]);
    if (rows.length === 0) throw this.studyNotFound(studyId);
    return rows[0].study_name;
  }

  async getStudyDirections(studyId: number): Promise<Direction[]> {
    const rows = await this.db.all<{ direction: string }>(
      `SELECT ${this.sql.text('direction')} AS direction FROM study_directions WHERE study_id = ? ORDER BY objective`,
      [studyId],
    );
    if (rows.length === 0) {
      await this.requireStudy(this.db, studyId);
      return ['minimize'];
    }
    return rows.map((r) => directionFromName(r.direction));
  }

  async getAllStudies(): Promise<StudySummary[]> {
    const s = this.sql;
    const studies = await this.db.all<{ study_id: number; study_name: string }>(
      'SELECT study_id, study_name FROM studies ORDER BY study_id',
    );
    const dirs = await this.db.all<{ study_id: number; direction: string }>(
      `SELECT study_id, ${s.text('direction')} AS direction FROM study_directions ORDER BY study_id, objective`,
    );
    const counts = await this.db.all<{ study_id: number; n: number; start: string | null }>(
      `SELECT study_id, COUNT(*) AS n, MIN(${s.text('datetime_start')}) AS start FROM trials GROUP BY study_id`,
    );
    // Best single-objective values, aggregated in SQL: finite min/max plus whether any infinity occurs.
    const best = await this.db.all<{ study_id: number; lo: number | null; hi: number | null; pinf: number; ninf: number }>(
      `SELECT t.study_id AS study_id,
              MIN(CASE WHEN ${s.text('v.value_type')} = 'FINITE' THEN v.value END) AS lo,
              MAX(CASE WHEN ${s.text('v.value_type')} = 'FINITE' THEN v.value END) AS hi,
              SUM(CASE WHEN ${s.text('v.value_type')} = 'INF_POS' THEN 1 ELSE 0 END) AS pinf,
              SUM(CASE WHEN ${s.text('v.value_type')} = 'INF_NEG' THEN 1 ELSE 0 END) AS ninf
         FROM trials t JOIN trial_values v ON v.trial_id = t.trial_id
        WHERE ${s.text('t.state')} = 'COMPLETE' AND v.objective = 0
        GROUP BY t.study_id`,
    );
    const userAttrs = await this.db.all<{ study_id: number; key: string; value_json: string }>(
      'SELECT study_id, "key", value_json FROM study_user_attributes',
    );
    const systemAttrs = await this.db.all<{ study_id: number; key: string; value_json: string }>(
      'SELECT study_id, "key", value_json FROM study_system_attributes',
    );
    const group = <T extends { study_id: number }>(rows: T[]) => {
      const m = new Map<number, T[]>();
      for (const r of rows) {
        const id = Number(r.study_id);
        if (!m.has(id)) m.set(id, []);
        m.get(id)!.push(r);
      }
      return m;
    };
    const dirsBy = group(dirs);
    const countBy = group(counts);
    const bestBy = group(best);
    const uBy = group(userAttrs);
    const sBy = group(systemAttrs);
    const attrs = (rows: { key: string; value_json: string }[] | undefined) =>
      Object.fromEntries((rows ?? []).map((r) => [r.key, decodeJson(r.value_json)]));
    return studies.map((st) => {
      const id = Number(st.study_id);
      const directions = (dirsBy.get(id) ?? []).map((d) => directionFromName(d.direction));
      if (directions.length === 0) directions.push('minimize');
      const c = countBy.get(id)?.[0];
      const b = bestBy.get(id)?.[0];
      let bestValues: number[] | null = null;
      if (directions.length === 1 && b) {
        const v =
          directions[0] === 'minimize'
            ? Number(b.ninf) > 0
              ? -Infinity
              : (b.lo ?? (Number(b.pinf) > 0 ? Infinity : null))
            : Number(b.pinf) > 0
              ? Infinity
              : (b.hi ?? (Number(b.ninf) > 0 ? -Infinity : null));
        if (v !== null) bestValues = [Number(v)];
      }
      return {
        studyId: id,
        studyName: st.study_name,
        directions,
        nTrials: c ? Number(c.n) : 0,
        bestValues,
        datetimeStart: parseDatetime(c?.start ?? null),
        userAttrs: attrs(uBy.get(id)),
        systemAttrs: attrs(sBy.get(id)),
      };
    });
  }

  private async upsertStudyAttr(table: string, studyId: number, key: string, value: unknown, overwrite: boolean): Promise<boolean> {
    checkAttribute(table === 'study_user_attributes' ? 'Study user attribute' : 'Study system attribute', key, value);
    await this.requireWritable();
    const p = this.sql.p.bind(this.sql);
    const changed = await this.db.run(
      `INSERT INTO ${table} (study_id, "key", value_json)
       SELECT ${p('int')}, ${p('text')}, ${p('text')} WHERE EXISTS (SELECT 1 FROM studies WHERE study_id = ?)
       ON CONFLICT (study_id, "key") DO ${overwrite ? 'UPDATE SET value_json = excluded.value_json' : 'NOTHING'}`,
      [studyId, key, encodeJson(value), studyId],
    );
    if (changed === 0) await this.requireStudy(this.db, studyId);
    return changed > 0;
  }

  async setStudyUserAttr(studyId: number, key: string, value: unknown): Promise<void> {
    await this.upsertStudyAttr('study_user_attributes', studyId, key, value, true);
  }

  async setStudySystemAttr(studyId: number, key: string, value: unknown): Promise<void> {
    await this.upsertStudyAttr('study_system_attributes', studyId, key, value, true);
  }

  /** The unique (study_id, key) constraint makes this a single atomic claim across all processes. */
  async setStudySystemAttrIfAbsent(studyId: number, key: string, value: unknown): Promise<boolean> {
    return this.upsertStudyAttr('study_system_attributes', studyId, key, value, false);
  }

  private async studyAttrs(table: string, studyId: number): Promise<Record<string, unknown>> {
    const rows = await this.db.all<{ key: string; value_json: string }>(`SELECT "key", value_json FROM ${table} WHERE study_id = ?`, [
      studyId,
    ]);
    if (rows.length === 0) await this.requireStudy(this.db, studyId);
    return Object.fromEntries(rows.map((r) => [r.key, decodeJson(r.value_json)]));
  }

  async getStudyUserAttrs(studyId: number): Promise<Record<string, unknown>> {
    return this.studyAttrs('study_user_attributes', studyId);
  }

  async getStudySystemAttrs(studyId: number): Promise<Record<string, unknown>> {
    return this.studyAttrs('study_system_attributes', studyId);
  }

  // ---------------------------------------------------------------- trials: writes

  async createNewTrial(studyId: number, template: TrialTemplate = {}): Promise<FrozenTrial> {
    checkTemplate(template);
    await this.requireWritable();
    const state = template.state ?? TrialState.RUNNING;
    if (state !== TrialState.RUNNING && state !== TrialState.WAITING) {
      throw new InvalidArgumentError('createNewTrial: a new trial is RUNNING or WAITING.');
    }
    const start = state === TrialState.RUNNING ? new Date() : null;
    const userAttrs = { ...(template.userAttrs ?? {}) };
    const systemAttrs = { ...(template.systemAttrs ?? {}) };
    const created = await this.db.transaction(async (tx) => {
      // Optuna's protocol: lock the study row, then number = trials already in the study. Both
      // Optuna and tunelab writers take this lock, so numbers stay consecutive and unique.
      await this.requireStudy(tx, studyId, true);
      const rows = await tx.all<{ trial_id: number; number: number }>(
        `INSERT INTO trials (number, study_id, state, datetime_start, datetime_complete)
         VALUES ((SELECT COALESCE(MAX(number), -1) + 1 FROM trials WHERE study_id = ?), ?, ?, ?, NULL)
         RETURNING trial_id, number`,
        [studyId, studyId, STATE_NAME[state], start ? formatDatetime(start) : null],
      );
      const id = Number(rows[0].trial_id);
      for (const [k, v] of Object.entries(userAttrs)) {
        await tx.run('INSERT INTO trial_user_attributes (trial_id, "key", value_json) VALUES (?, ?, ?)', [id, k, encodeJson(v)]);
      }
      for (const [k, v] of Object.entries(systemAttrs)) {
        await tx.run('INSERT INTO trial_system_attributes (trial_id, "key", value_json) VALUES (?, ?, ?)', [id, k, encodeJson(v)]);
      }
      return { trialId: id, number: Number(rows[0].number) };
    });
    const { trialId, number } = created;
    this.rememberTrial(trialId, studyId);
    return newTrialSnapshot(trialId, number, state, start, userAttrs, systemAttrs);
  }

  /**
   * Note that a trial just created belongs to a study, before any read shows it: its parameters are
   * checked against the study's, and `studyOfTrial` finds it.
   */
  rememberTrial(trialId: number, studyId: number): void {
    this.trialStudy.set(trialId, studyId);
  }

  /** The study of a trial this storage created or read, else undefined. */
  studyOfTrial(trialId: number): number | undefined {
    return this.trialStudy.get(trialId);
  }

  /**
   * Copy finished (or waiting) trials into a study as they are: states, values, params, intermediate
   * values, attributes and datetimes. Numbers continue the target study's numbering. Used by copyStudy.
   */
  async addTrials(studyId: number, trials: readonly FrozenTrial[]): Promise<void> {
    await this.requireWritable();
    await this.db.transaction(async (tx) => {
      await this.requireStudy(tx, studyId, true);
      const next = await tx.all<{ n: number }>('SELECT COALESCE(MAX(number), -1) + 1 AS n FROM trials WHERE study_id = ?', [studyId]);
      let number = Number(next[0].n);
      for (const t of trials) {
        const rows = await tx.all<{ trial_id: number }>(
          'INSERT INTO trials (number, study_id, state, datetime_start, datetime_complete) VALUES (?, ?, ?, ?, ?) RETURNING trial_id',
          [
            number++,
            studyId,
            STATE_NAME[t.state],
            t.datetimeStart ? formatDatetime(t.datetimeStart) : null,
            t.datetimeComplete ? formatDatetime(t.datetimeComplete) : null,
          ],
        );
        const id = Number(rows[0].trial_id);
        for (const [name, d] of Object.entries(t.distributions)) {
          await tx.run('INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) VALUES (?, ?, ?, ?)', [
            id,
            name,
            t.internalParams[name],
            distributionJson(d),
          ]);
        }
        for (const [i, v] of (t.values ?? []).entries()) {
          const [value, type] = encodeValue(v);
          await tx.run('INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES (?, ?, ?, ?)', [id, i, value, type]);
        }
        for (const [step, v] of t.intermediateValues) {
          const [value, type] = encodeIntermediate(v);
          await tx.run(
            'INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, intermediate_value_type) VALUES (?, ?, ?, ?)',
            [id, step, value, type],
          );
        }
        for (const [table, attrs] of [
          ['trial_user_attributes', t.userAttrs],
          ['trial_system_attributes', t.systemAttrs],
        ] as const) {
          for (const [k, v] of Object.entries(attrs)) {
            await tx.run(`INSERT INTO ${table} (trial_id, "key", value_json) VALUES (?, ?, ?)`, [id, k, encodeJson(v)]);
          }
        }
      }
    });
    if (this.db.dialect === 'postgres' && trials.length >= 1000) {
      // After a bulk import PostgreSQL has no statistics for the new rows until autovacuum runs, and
      // plans made meanwhile scan whole tables. Refresh them now (as pg_restore users do); skip if
      // this role may not.
      await this.db
        .run('ANALYZE trials, trial_params, trial_values, trial_intermediate_values, trial_user_attributes, trial_system_attributes')
        .catch(() => undefined);
    }
  }

  /** Trials may be written while RUNNING or WAITING; explain why a write changed nothing. */
  private async notWritable(trialId: number, action: string): Promise<never> {
    const rows = await this.db.all<{ number: number; state: string }>(
      `SELECT number, ${this.sql.text('state')} AS state FROM trials WHERE trial_id = ?`,
      [trialId],
    );
    if (rows.length === 0) throw new TrialNotFoundError(`No trial with id ${trialId} in ${this.db.description}.`);
    throw new TrialFinishedError(`Trial ${rows[0].number} is already finished (${rows[0].state}); it cannot ${action}.`);
  }

  private writableGuard(): string {
    return `WHERE EXISTS (SELECT 1 FROM trials WHERE trial_id = ? AND ${this.sql.text('state')} IN ('RUNNING', 'WAITING'))`;
  }

  async setTrialParam(trialId: number, name: string, internalValue: number, distribution: Distribution): Promise<void> {
    checkParam(name, distribution);
    await this.requireWritable();
    this.checkParamCompatibility(trialId, name, distribution);
    const p = this.sql.p.bind(this.sql);
    const changed = await this.db.run(
      `INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json)
       SELECT ${p('int')}, ${p('text')}, ${p('float')}, ${p('text')} ${this.writableGuard()}
       ON CONFLICT (trial_id, param_name) DO UPDATE SET param_value = excluded.param_value, distribution_json = excluded.distribution_json`,
      [trialId, name, internalValue, distributionJson(distribution), trialId],
    );
    if (changed === 0) await this.notWritable(trialId, `take parameter '${name}'`);
  }

  /**
   * Optuna refuses a parameter whose distribution kind, log scale or categorical choices changed
   * within a study (check_distribution_compatibility): throws InvalidArgumentError, and otherwise
   * remembers a name seen for the first time. Judged on the trials read so far; a trial whose study
   * this storage does not know is not checked.
   */
  checkParamCompatibility(trialId: number, name: string, d: Distribution): void {
    const studyId = this.trialStudy.get(trialId);
    const cache = studyId === undefined ? undefined : this.caches.get(studyId);
    if (!cache) return;
    const previous = cache.paramDistributions.get(name);
    if (!previous) {
      cache.paramDistributions.set(name, { distribution: d, trialNumber: -1 });
      return;
    }
    const where = previous.trialNumber >= 0 ? `in trial ${previous.trialNumber}` : 'earlier in this study';
    const problem = distributionIncompatibility(name, previous.distribution, d, where);
    if (problem) throw new InvalidArgumentError(problem);
  }

  async setTrialState(trialId: number, state: TrialState, values?: readonly number[] | null, expectedState?: TrialState): Promise<boolean> {
    await this.requireWritable();
    const expected = expectedPriorState(state, expectedState);
    const now = formatDatetime(new Date());
    const sets = ['state = ?'];
    const params: unknown[] = [STATE_NAME[state]];
    if (state === TrialState.RUNNING) {
      sets.push('datetime_start = ?');
      params.push(now);
    }
    if (isFinished(state)) {
      sets.push('datetime_complete = ?');
      params.push(now);
    }
    params.push(trialId, STATE_NAME[expected]);
    const changed =
      this.db.dialect === 'postgres'
        ? await this.setStateInOneStatement(sets, params, values ?? [])
        : await this.db.transaction(async (tx) => {
            const n = await tx.run(`UPDATE trials SET ${sets.join(', ')} WHERE trial_id = ? AND state = ?`, params);
            if (n === 0) return false;
            for (const [i, v] of (values ?? []).entries()) {
              const [value, type] = encodeValue(v);
              await tx.run(
                `INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES (?, ?, ?, ?)
           ON CONFLICT (trial_id, objective) DO UPDATE SET value = excluded.value, value_type = excluded.value_type`,
                [trialId, i, value, type],
              );
            }
            return true;
          });
    if (!changed) {
      const exists = await this.db.all('SELECT 1 AS x FROM trials WHERE trial_id = ?', [trialId]);
      if (exists.length === 0) throw new TrialNotFoundError(`No trial with id ${trialId} in ${this.db.description}.`);
    }
    return changed;
  }

  /** PostgreSQL: the guarded UPDATE and the values upsert as one atomic statement (one round trip). */
  private async setStateInOneStatement(sets: string[], params: unknown[], values: readonly number[]): Promise<boolean> {
    const encoded = values.map(encodeValue);
    const rows = await this.db.all<{ changed: number }>(
      `WITH u AS (UPDATE trials SET ${sets.join(', ')} WHERE trial_id = ? AND state = ? RETURNING trial_id),
       v AS (INSERT INTO trial_values (trial_id, objective, value, value_type)
             SELECT u.trial_id, x.objective, x.value, CAST(x.value_type AS trialvaluetype)
               FROM u, unnest(CAST(? AS INTEGER[]), CAST(? AS DOUBLE PRECISION[]), CAST(? AS TEXT[])) AS x(objective, value, value_type)
             ON CONFLICT (trial_id, objective) DO UPDATE SET value = excluded.value, value_type = excluded.value_type
             RETURNING 1)
       SELECT (SELECT COUNT(*) FROM u) AS changed, (SELECT COUNT(*) FROM v) AS written`,
      [...params, encoded.map((_, i) => i), encoded.map((e) => e[0]), encoded.map((e) => e[1])],
    );
    return Number(rows[0].changed) > 0;
  }

  async setTrialIntermediateValue(trialId: number, step: number, value: number): Promise<void> {
    await this.requireWritable();
    const p = this.sql.p.bind(this.sql);
    const [v, type] = encodeIntermediate(value);
    const changed = await this.db.run(
      `INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, intermediate_value_type)
       SELECT ${p('int')}, ${p('int')}, ${p('float')}, ${p('trialintermediatevaluetype')} ${this.writableGuard()}
       ON CONFLICT (trial_id, step) DO UPDATE SET intermediate_value = excluded.intermediate_value,
         intermediate_value_type = excluded.intermediate_value_type`,
      [trialId, step, v, type, trialId],
    );
    if (changed === 0) await this.notWritable(trialId, `report a value at step ${step}`);
  }

  private async setTrialAttr(table: string, trialId: number, key: string, value: unknown): Promise<void> {
    checkAttribute(table === 'trial_user_attributes' ? 'User attribute' : 'System attribute', key, value);
    await this.requireWritable();
    const p = this.sql.p.bind(this.sql);
    const changed = await this.db.run(
      `INSERT INTO ${table} (trial_id, "key", value_json) SELECT ${p('int')}, ${p('text')}, ${p('text')} ${this.writableGuard()}
       ON CONFLICT (trial_id, "key") DO UPDATE SET value_json = excluded.value_json`,
      [trialId, key, encodeJson(value), trialId],
    );
    if (changed === 0) await this.notWritable(trialId, `set attribute '${key}'`);
  }

  async setTrialUserAttr(trialId: number, key: string, value: unknown): Promise<void> {
    await this.setTrialAttr('trial_user_attributes', trialId, key, value);
  }

  async setTrialSystemAttr(trialId: number, key: string, value: unknown): Promise<void> {
    await this.setTrialAttr('trial_system_attributes', trialId, key, value);
  }

  // ---------------------------------------------------------------- trials: reads

  /**
   * One statement that returns every row of the selected trials, tagged by table (column k, a
   * LOADED_ROW kind); `buildTrials` decodes them.
   */
  private loadSql(selection: string, withStudyCheck: boolean): string {
    const key = `${withStudyCheck}|${selection}`;
    const cached = this.loadSqlCache.get(key);
    if (cached) return cached;
    const s = this.sql;
    const inSel = 'IN (SELECT trial_id FROM sel)';
    const floatNull = 'CAST(NULL AS DOUBLE PRECISION)';
    const K = LOADED_ROW;
    const parts = [
      `SELECT ${K.trial} AS k, t.trial_id AS id, t.number AS n, ${s.text('t.state')} AS s, ${floatNull} AS f, CAST(NULL AS TEXT) AS j,
              ${s.text('t.datetime_start')} AS d1, ${s.text('t.datetime_complete')} AS d2 FROM trials t WHERE t.trial_id ${inSel}`,
      // n: param_id, the order the parameters were suggested in (buildTrials keeps it, as Optuna does).
      `SELECT ${K.param}, p.trial_id, p.param_id, p.param_name, p.param_value, p.distribution_json, NULL, NULL FROM trial_params p WHERE p.trial_id ${inSel}`,
      `SELECT ${K.value}, v.trial_id, v.objective, ${s.text('v.value_type')}, v.value, NULL, NULL, NULL FROM trial_values v WHERE v.trial_id ${inSel}`,
      `SELECT ${K.intermediate}, i.trial_id, i.step, ${s.text('i.intermediate_value_type')}, i.intermediate_value, NULL, NULL, NULL
         FROM trial_intermediate_values i WHERE i.trial_id ${inSel}`,
      `SELECT ${K.userAttr}, a.trial_id, NULL, a."key", NULL, a.value_json, NULL, NULL FROM trial_user_attributes a WHERE a.trial_id ${inSel}`,
      `SELECT ${K.systemAttr}, b.trial_id, NULL, b."key", NULL, b.value_json, NULL, NULL FROM trial_system_attributes b WHERE b.trial_id ${inSel}`,
    ];
    if (withStudyCheck) parts.push(`SELECT ${K.studyExists}, study_id, NULL, NULL, NULL, NULL, NULL, NULL FROM studies WHERE study_id = ?`);
    const text = `WITH sel AS (SELECT trial_id FROM trials WHERE ${selection}) ${parts.join(' UNION ALL ')}`;
    this.loadSqlCache.set(key, text);
    return text;
  }

  private buildTrials(rows: readonly TrialRow[]): { trials: TrialRecord[]; studyFound: boolean } {
    const byId = new Map<number, TrialRecord>();
    const pending: TrialRow[] = [];
    const paramRows: TrialRow[] = [];
    let paramsSorted = true;
    let studyFound = false;
    for (const r of rows) {
      const k = Number(r.k);
      if (k === LOADED_ROW.studyExists) {
        studyFound = true;
      } else if (k === LOADED_ROW.trial) {
        byId.set(Number(r.id), {
          trialId: Number(r.id),
          number: Number(r.n),
          state: stateFromName(r.s!),
          values: null,
          datetimeStart: parseDatetime(r.d1),
          datetimeComplete: parseDatetime(r.d2),
          // Keyed by user strings: no prototype, so any name (even "__proto__") is stored as data.
          params: dict(),
          internalParams: dict(),
          distributions: dict(),
          intermediateValues: new Map(),
          userAttrs: dict(),
          systemAttrs: dict(),
        });
      } else if (k === LOADED_ROW.param) {
        if (paramsSorted && paramRows.length > 0 && Number(paramRows[paramRows.length - 1].n) > Number(r.n)) paramsSorted = false;
        paramRows.push(r);
      } else {
        pending.push(r);
      }
    }
    // A trial's params in suggestion order (param_id), as memory and journal storages and Optuna
    // (`sorted(trial.params, key=lambda p: p.param_id)`) give them: the database returns them in index
    // order (alphabetical), and samplers that map params to dimensions by order (QMC) depend on it.
    if (!paramsSorted) paramRows.sort((a, b) => Number(a.n) - Number(b.n));
    for (const r of paramRows) {
      const t = byId.get(Number(r.id));
      if (!t) continue;
      const d = this.distributions.get(r.j!, r.s!);
      const internal = Number(r.f);
      t.distributions[r.s!] = d;
      t.internalParams[r.s!] = internal;
      t.params[r.s!] = toExternal(d, internal);
    }
    for (const r of pending) {
      const t = byId.get(Number(r.id));
      if (!t) continue; // a row of a trial created between the CTE and the branch (SQLite snapshot prevents it)
      switch (Number(r.k)) {
        case LOADED_ROW.value:
          (t.values ??= [])[Number(r.n)] = decodeValue(r.f === null ? null : Number(r.f), r.s!);
          break;
        case LOADED_ROW.intermediate:
          t.intermediateValues.set(Number(r.n), decodeValue(r.f === null ? null : Number(r.f), r.s!));
          break;
        case LOADED_ROW.userAttr:
          t.userAttrs[r.s!] = decodeJson(r.j);
          break;
        case LOADED_ROW.systemAttr:
          t.systemAttrs[r.s!] = decodeJson(r.j);
          break;
      }
    }
    return { trials: [...byId.values()], studyFound };
  }

  private freeze(t: TrialRecord): FrozenTrial {
    return snapshotTrial(t, { copy: false });
  }

  async getTrial(trialId: number): Promise<FrozenTrial> {
    const rows = await this.db.all<TrialRow>(this.loadSql('trial_id = ?', false), [trialId]);
    const { trials } = this.buildTrials(rows);
    if (trials.length === 0) throw new TrialNotFoundError(`No trial with id ${trialId} in ${this.db.description}.`);
    return this.freeze(trials[0]);
  }

  /**
   * Which trials a refresh must read: new ones, and those unfinished at the last read. Constant SQL
   * text with parameters, so SQLite and PostgreSQL prepare and plan it once per connection.
   */
  private changedSelection(studyId: number, cache: StudyCache | undefined, alias = ''): { where: string; params: unknown[] } {
    if (!cache) return { where: `${alias}study_id = ?`, params: [studyId] };
    // `+study_id` keeps SQLite on the primary key (a range from the last id seen), which stays flat as
    // the study grows, instead of scanning every trial of the study through the study_id index.
    return {
      where: `(${alias}trial_id > ? OR ${alias}trial_id ${this.sql.inList}) AND +${alias}study_id = ?`,
      params: [cache.maxTrialId, this.sql.listParam([...cache.unfinished]), studyId],
    };
  }

  async getAllTrials(studyId: number, states?: readonly TrialState[]): Promise<FrozenTrial[]> {
    const { sql, params } = this.refreshQuery(studyId);
    return this.applyRefresh(studyId, await this.db.all(sql, params), states);
  }

  /**
   * The statement (`?` placeholders, and their values: integers and a list of integers) that reads
   * every trial of a study changed since the reads merged so far, and whether the study exists. Its
   * rows go to `applyRefresh`.
   */
  refreshQuery(studyId: number): { sql: string; params: unknown[] } {
    const selection = this.changedSelection(studyId, this.caches.get(studyId));
    return { sql: this.loadSql(selection.where, true), params: [...selection.params, studyId] };
  }

  /**
   * Merge the rows of a `refreshQuery` statement (as the connection returned them) into the study's
   * cache; return the trials (all, or of `states`). Throws StudyNotFoundError when the study is gone.
   */
  applyRefresh(studyId: number, rows: readonly Row[], states?: readonly TrialState[]): FrozenTrial[] {
    let cache = this.caches.get(studyId);
    // refreshQuery's statement selects exactly TrialRow's columns.
    const { trials, studyFound } = this.buildTrials(rows as unknown as readonly TrialRow[]);
    if (!studyFound) throw this.studyNotFound(studyId);
    if (!cache) {
      cache = { ordered: [], indexById: new Map(), maxTrialId: 0, unfinished: new Set(), paramDistributions: new Map() };
      this.caches.set(studyId, cache);
    }
    let needsSort = false;
    for (const b of trials) {
      const frozen = this.freeze(b);
      this.trialStudy.set(b.trialId, studyId);
      const at = cache.indexById.get(b.trialId);
      if (at === undefined) {
        const last = cache.ordered[cache.ordered.length - 1];
        if (last && last.number > frozen.number) needsSort = true;
        cache.indexById.set(b.trialId, cache.ordered.length);
        cache.ordered.push(frozen);
      } else {
        cache.ordered[at] = frozen;
      }
      if (b.trialId > cache.maxTrialId) cache.maxTrialId = b.trialId;
      if (isFinished(b.state)) cache.unfinished.delete(b.trialId);
      else cache.unfinished.add(b.trialId);
      for (const [name, d] of Object.entries(b.distributions)) {
        const seen = cache.paramDistributions.get(name);
        if (!seen || seen.trialNumber < 0 || seen.trialNumber > b.number) {
          cache.paramDistributions.set(name, { distribution: d, trialNumber: b.number });
        }
      }
    }
    if (needsSort) {
      cache.ordered.sort((a, b) => a.number - b.number || a.trialId - b.trialId);
      cache.indexById = new Map(cache.ordered.map((t, i) => [t.trialId, i]));
    }
    return this.cachedTrials(studyId, states)!;
  }

  /** The cached trials of a study (as of the last refresh), or undefined if never read. */
  cachedTrials(studyId: number, states?: readonly TrialState[]): FrozenTrial[] | undefined {
    const cache = this.caches.get(studyId);
    if (!cache) return undefined;
    if (!states) return cache.ordered.slice();
    return cache.ordered.filter((t) => states.includes(t.state));
  }

  // ---------------------------------------------------------------- heartbeats

  async recordHeartbeat(trialId: number): Promise<void> {
    await this.requireWritable();
    // The database's clock, as Optuna uses, so workers on machines with skewed clocks agree.
    await this.db.run(
      `INSERT INTO trial_heartbeats (trial_id, heartbeat) VALUES (?, CURRENT_TIMESTAMP)
       ON CONFLICT (trial_id) DO UPDATE SET heartbeat = CURRENT_TIMESTAMP`,
      [trialId],
    );
  }

  async failStaleTrials(studyId: number, graceSeconds: number): Promise<number[]> {
    const failed: number[] = [];
    for (const id of await this.staleTrialIds(studyId, graceSeconds)) {
      if (await this.setTrialState(id, TrialState.FAIL, null, TrialState.RUNNING)) failed.push(id);
    }
    return failed;
  }

  /**
   * The RUNNING trials of a study whose heartbeat is older than `graceSeconds` by the database's clock
   * (trials that never beat are not judged, as in Optuna). Only a storage that may write asks: the
   * caller fails them next.
   */
  async staleTrialIds(studyId: number, graceSeconds: number): Promise<number[]> {
    await this.requireWritable();
    // Trials known finished never run again, so only new or unfinished ones need looking at.
    const selection = this.changedSelection(studyId, this.caches.get(studyId), 't.');
    const stale = await this.db.all<{ trial_id: number }>(
      `SELECT t.trial_id AS trial_id FROM trials t JOIN trial_heartbeats h ON h.trial_id = t.trial_id
        WHERE ${selection.where} AND ${this.sql.text('t.state')} = 'RUNNING' AND ${this.sql.staleHeartbeat}`,
      [...selection.params, graceSeconds],
    );
    return stale.map((r) => Number(r.trial_id));
  }

  async close(): Promise<void> {
    this.caches.clear();
    await this.db.close();
  }
}

function distributionJson(d: Distribution): string {
  return distributionToJson(d);
}
