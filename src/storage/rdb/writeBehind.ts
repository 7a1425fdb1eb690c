/**
 * Write-behind for a network database (PostgreSQL), where each round trip costs more than the SQL it
 * carries: a Storage that wraps an RdbStorage, as Optuna's `_CachedStorage` wraps `RDBStorage`. It
 * sends the hot paths of a trial itself, over the RdbStorage's connection, and forwards every other
 * call once its pending writes are committed. A trial of the Study loop writes in 3 round trips
 * whatever it writes (create, one batch of writes, finish) instead of RdbStorage's 5 plus one per
 * parameter, report and attribute (creating alone is BEGIN, lock, insert, COMMIT):
 *
 * - Write-behind for trial writes (params, intermediate values, attributes): the call returns at once
 *   and the write joins a batch, sent before the next operation of this storage or, at the latest,
 *   after the current burst of synchronous suggestions (setImmediate), so other workers still see a
 *   running trial's params almost immediately (what TPE's constant liar reads). A batch is one
 *   statement with one bound parameter, the writes as JSON (`WRITE_BATCH_SQL`).
 * - Creating a trial (lock + insert) and finishing one (guarded update + values) are each one
 *   transaction in one simple-protocol query, together with a read of the study's changed trials.
 *
 * No user string (parameter names, attribute keys and values, distributions) ever enters SQL text:
 * they travel only in the bound JSON of a write batch. The simple-protocol scripts carry numbers
 * (`int`, `float`) and this module's own constants (`constant`: state names, value types, dates).
 * - Same-tick reads: that read (or any refresh) answers the `getAllTrials` calls made in the same
 *   run of the microtask queue that delivered it, before anything else is done on this storage. The
 *   Study refreshes right after creating and after finishing a trial, so those refreshes cost nothing.
 *   Such a read returns what the database held when the script ran, one round trip earlier. It is
 *   only reused when no other storage operation of this process completed during that round trip
 *   (so a write this process saw finish is always visible), and it expires when the microtask queue
 *   drains (process.nextTick) or on any other operation of this storage. The one ordering this does
 *   not give: if another process's commit is announced to this one through some other channel
 *   (a pipe, a socket) during that same round trip, the reused read may not show it yet.
 *
 * Ordering: every operation waits until the batches issued before it are committed, so a read always
 * sees this process's earlier writes. A batched write that finds its trial already finished cannot
 * throw at the call; the error is raised by the next setTrialState of that trial (a trial finished by
 * this storage is refused immediately).
 */
import { InvalidArgumentError, TrialFinishedError, TrialNotFoundError } from '../../errors';
import { distributionToJson, type Distribution } from '../../distributions';
import { isFinished, TrialState, type Direction, type FrozenTrial } from '../../frozenTrial';
import { expectedPriorState, newTrialSnapshot, type Storage, type StudySummary, type TrialTemplate } from '../base';
import { encodeIntermediate, encodeJson, encodeValue, formatDatetime, STATE_NAME } from './codec';
import type { ScriptConnection, ScriptResult } from './connection';
import type { RdbStorage } from './storage';
import { checkAttribute, checkParam, checkTemplate } from '../storable';

/** One write of a batch, as the JSON record WRITE_BATCH_SQL reads. */
interface BatchRecord {
  kind: 'param' | 'intermediate' | 'user_attr' | 'system_attr';
  trial_id: number;
  /** Parameter name or attribute key. */
  name: string | null;
  step: number | null;
  /** Parameter value (internal) or intermediate value; null for the non-finite kinds. */
  number: number | null;
  /** Distribution JSON, attribute value JSON, or intermediate value type. */
  text: string | null;
}

interface PendingWrite {
  trialId: number;
  record: BatchRecord;
  /** For the error if the trial turns out to be finished: "take parameter 'x'". */
  action: string;
}

/**
 * Every write of a batch in one statement: the records arrive as one bound JSON parameter; those
 * whose trial is writable (RUNNING or WAITING, as Optuna's check_trial_is_updatable) go to their tables; the statement returns the trials whose writes landed.
 * (A data-modifying WITH runs whether or not the final SELECT reads it.) A record per row and
 * column: `writeBatch` keeps the last write of each, since one INSERT ... ON CONFLICT may not update
 * a row twice. Params are inserted in the batch's order (`ord`), so their param_ids keep the order they
 * were suggested in, which is the order every reader gives them back (a join may reorder rows).
 */
const WRITE_BATCH_SQL = `
WITH batch AS (
  SELECT * FROM ROWS FROM (jsonb_to_recordset(CAST(? AS jsonb))
    AS (kind text, trial_id integer, name text, step integer, number float8, text text))
    WITH ORDINALITY AS b(kind, trial_id, name, step, number, text, ord)),
writable AS (
  SELECT batch.* FROM batch JOIN trials t ON t.trial_id = batch.trial_id
   WHERE t.state IN ('RUNNING', 'WAITING')),
params AS (
  INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json)
  SELECT trial_id, name, number, text FROM writable WHERE kind = 'param' ORDER BY ord
  ON CONFLICT (trial_id, param_name) DO UPDATE SET param_value = excluded.param_value, distribution_json = excluded.distribution_json),
intermediate AS (
  INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, intermediate_value_type)
  SELECT trial_id, step, number, CAST(text AS trialintermediatevaluetype) FROM writable WHERE kind = 'intermediate'
  ON CONFLICT (trial_id, step) DO UPDATE SET intermediate_value = excluded.intermediate_value,
    intermediate_value_type = excluded.intermediate_value_type),
user_attrs AS (
  INSERT INTO trial_user_attributes (trial_id, "key", value_json)
  SELECT trial_id, name, text FROM writable WHERE kind = 'user_attr'
  ON CONFLICT (trial_id, "key") DO UPDATE SET value_json = excluded.value_json),
system_attrs AS (
  INSERT INTO trial_system_attributes (trial_id, "key", value_json)
  SELECT trial_id, name, text FROM writable WHERE kind = 'system_attr'
  ON CONFLICT (trial_id, "key") DO UPDATE SET value_json = excluded.value_json)
SELECT DISTINCT trial_id FROM writable`;

const int = (n: number): string => {
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`Expected an integer id, got ${n}.`);
  return String(n);
};
/** A finite float (or NULL) as an exact literal: JS's shortest repr round-trips through float8. */
const float = (v: number | null): string => {
  if (v === null) return 'NULL';
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidArgumentError(`Expected a finite number, got ${String(v)}.`);
  return `'${String(v)}'::float8`;
};
/**
 * One of this module's own constants (a state name, a value type, a formatted date) as an SQL
 * literal. Refuses anything else, so a user string cannot reach a script by mistake.
 */
const constant = (text: string): string => {
  if (!/^[A-Z_]+$|^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/.test(text))
    throw new Error(`not a constant of the storage: ${JSON.stringify(text)}`);
  return `'${text}'`;
};

export class WriteBehindStorage implements Storage {
  readonly url: string;
  private pending: PendingWrite[] = [];
  private settled: Promise<void> = Promise.resolve();
  private flushScheduled = false;
  private readonly deferredErrors = new Map<number, unknown>();
  private readonly finishedHere = new Set<number>();
  /** Studies whose cache was refreshed in the current microtask-queue run, with nothing done since. */
  private readonly fresh = new Set<number>();
  private expiryScheduled = false;

  /**
   * @param rdb the storage every call not sent here is forwarded to; it keeps the trials read (see
   *   the wrapper methods RdbStorage documents).
   * @param db the connection `rdb` was opened over: this storage's own statements go there too, so
   *   both see one database and one count of completed operations.
   */
  constructor(
    private readonly rdb: RdbStorage,
    private readonly db: ScriptConnection,
  ) {
    this.url = rdb.url;
  }

  // ------------------------------------------------------------ the pipeline

  /** Wait until every batch issued so far is committed (batches may be issued while we wait). */
  private async waitSettled(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.settled;
      await seen;
    } while (seen !== this.settled);
  }

  /** Whether the last runScript had the process's storage to itself (see markFresh). */
  private lastScriptAlone = false;

  /**
   * Sends the pending writes (one statement), then runs `extra` (one script: a transaction in one
   * round trip). A script of several statements has no bound parameters in PostgreSQL's simple
   * protocol, and it must be several statements: creating a trial locks the study row and only then
   * counts its trials, which needs the fresh snapshot a new statement takes (one statement would count
   * with the snapshot it took before waiting for the lock, and two workers could get the same number).
   */
  private async runScript(extra: string[]): Promise<ScriptResult[]> {
    await this.waitSettled();
    const writes = this.pending.splice(0);
    if (writes.length > 0) {
      const batch = this.writeBatch(writes);
      this.settled = batch.then(
        () => undefined,
        () => undefined,
      );
      await batch;
    }
    if (extra.length === 0) return [];
    const before = this.db.operationsCompleted;
    const results = await this.db.script(extra);
    // Ours is the only operation of any connection in this process that completed meanwhile.
    this.lastScriptAlone = this.db.operationsCompleted === before + 1;
    return results;
  }

  /** One batch of writes; a trial whose writes were refused (finished meanwhile) fails at its setTrialState. */
  private async writeBatch(writes: PendingWrite[]): Promise<void> {
    const last = new Map<string, BatchRecord>();
    for (const { record: r } of writes) {
      const key = `${r.kind}\u0000${r.trial_id}\u0000${r.kind === 'intermediate' ? r.step : r.name}`;
      last.delete(key); // re-inserted at the end: the batch keeps the order of the last writes
      last.set(key, r);
    }
    let landed: Set<number>;
    try {
      const rows = await this.db.all<{ trial_id: number }>(WRITE_BATCH_SQL, [JSON.stringify([...last.values()])]);
      landed = new Set(rows.map((r) => Number(r.trial_id)));
    } catch (err) {
      for (const w of writes) if (!this.deferredErrors.has(w.trialId)) this.deferredErrors.set(w.trialId, err);
      throw err;
    }
    for (const w of writes) {
      if (!landed.has(w.trialId) && !this.deferredErrors.has(w.trialId)) {
        this.deferredErrors.set(
          w.trialId,
          new TrialFinishedError(`Trial (id ${w.trialId}) was already finished; it could not ${w.action}.`),
        );
      }
    }
  }

  /** Call right after applying a read's rows, while still in the callback that delivered them. */
  private markFresh(studyId: number): void {
    if (!this.lastScriptAlone) return;
    this.fresh.add(studyId);
    if (this.expiryScheduled) return;
    this.expiryScheduled = true;
    // A tick queued from a promise continuation runs once the whole microtask queue has drained,
    // i.e. before Node delivers the next I/O or timer callback.
    process.nextTick(() => {
      this.fresh.clear();
      this.expiryScheduled = false;
    });
  }

  private enqueue(write: PendingWrite): void {
    this.fresh.clear();
    this.pending.push(write);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.pending.length > 0) this.runScript([]).catch(() => undefined);
    });
  }

  /** Before any other operation: send pending writes and wait for them. */
  private async barrier(): Promise<void> {
    this.fresh.clear();
    if (this.pending.length > 0) await this.runScript([]);
    else await this.waitSettled();
  }

  private refuseIfFinished(trialId: number, action: string): void {
    if (this.finishedHere.has(trialId)) {
      throw new TrialFinishedError(`Trial (id ${trialId}) is already finished; it cannot ${action}.`);
    }
  }

  /** The read of a study's changed trials (RdbStorage.refreshQuery) with its values inlined: integers only. */
  private refreshStatement(studyId: number): string {
    const { sql, params } = this.rdb.refreshQuery(studyId);
    let i = 0;
    const text = sql.replace(/\?/g, () => {
      const p = params[i++];
      return Array.isArray(p) ? `'{${p.map((x) => int(x as number)).join(',')}}'` : int(p as number);
    });
    if (i !== params.length) throw new Error(`refreshQuery gave ${params.length} values for ${i} placeholders.`);
    return text;
  }

  // ------------------------------------------------------------ trial writes (write-behind)

  async setTrialParam(trialId: number, name: string, internalValue: number, distribution: Distribution): Promise<void> {
    checkParam(name, distribution);
    if (!this.rdb.writable) await this.rdb.requireWritable(); // v3.0.0.d: throws, naming the upgrade command
    this.refuseIfFinished(trialId, `take parameter '${name}'`);
    this.rdb.checkParamCompatibility(trialId, name, distribution);
    if (!Number.isFinite(internalValue)) throw new InvalidArgumentError(`Parameter '${name}' must be finite, got ${internalValue}.`);
    this.enqueue({
      trialId,
      action: `take parameter '${name}'`,
      record: {
        kind: 'param',
        trial_id: trialId,
        name,
        step: null,
        number: internalValue,
        text: distributionToJson(distribution),
      },
    });
  }

  async setTrialIntermediateValue(trialId: number, step: number, value: number): Promise<void> {
    if (!this.rdb.writable) await this.rdb.requireWritable(); // v3.0.0.d: throws, naming the upgrade command
    this.refuseIfFinished(trialId, `report a value at step ${step}`);
    if (!Number.isSafeInteger(step)) throw new InvalidArgumentError(`Expected an integer step, got ${step}.`);
    const [v, type] = encodeIntermediate(value);
    this.enqueue({
      trialId,
      action: `report a value at step ${step}`,
      record: { kind: 'intermediate', trial_id: trialId, name: null, step, number: v, text: type },
    });
  }

  private enqueueAttr(kind: 'user_attr' | 'system_attr', trialId: number, key: string, value: unknown): void {
    this.refuseIfFinished(trialId, `set attribute '${key}'`);
    this.enqueue({
      trialId,
      action: `set attribute '${key}'`,
      record: { kind, trial_id: trialId, name: key, step: null, number: null, text: encodeJson(value) },
    });
  }

  async setTrialUserAttr(trialId: number, key: string, value: unknown): Promise<void> {
    checkAttribute('User attribute', key, value);
    if (!this.rdb.writable) await this.rdb.requireWritable(); // v3.0.0.d: throws, naming the upgrade command
    this.enqueueAttr('user_attr', trialId, key, value);
  }

  async setTrialSystemAttr(trialId: number, key: string, value: unknown): Promise<void> {
    checkAttribute('System attribute', key, value);
    if (!this.rdb.writable) await this.rdb.requireWritable(); // v3.0.0.d: throws, naming the upgrade command
    this.enqueueAttr('system_attr', trialId, key, value);
  }

  // ------------------------------------------------------------ hot paths with piggybacked reads

  async getAllTrials(studyId: number, states?: readonly TrialState[]): Promise<FrozenTrial[]> {
    if (this.fresh.has(studyId) && this.pending.length === 0) {
      const cached = this.rdb.cachedTrials(studyId, states);
      if (cached) return cached;
    }
    this.fresh.clear();
    const [load] = await this.runScript([this.refreshStatement(studyId)]);
    const trials = this.rdb.applyRefresh(studyId, load.rows, states);
    this.markFresh(studyId);
    return trials;
  }

  async createNewTrial(studyId: number, template: TrialTemplate = {}): Promise<FrozenTrial> {
    checkTemplate(template);
    if (!this.rdb.writable) await this.rdb.requireWritable(); // v3.0.0.d: throws, naming the upgrade command
    const attrs = Object.keys(template.userAttrs ?? {}).length + Object.keys(template.systemAttrs ?? {}).length;
    if (attrs > 0) {
      await this.barrier();
      return this.rdb.createNewTrial(studyId, template);
    }
    const state = template.state ?? TrialState.RUNNING;
    if (state !== TrialState.RUNNING && state !== TrialState.WAITING) {
      throw new InvalidArgumentError('createNewTrial: a new trial is RUNNING or WAITING.');
    }
    const start = state === TrialState.RUNNING ? new Date() : null;
    const s = int(studyId);
    this.fresh.clear();
    // Optuna's protocol: lock the study row, number = trials so far. In READ COMMITTED each statement of the script takes a new snapshot, so the INSERT sees every
    // trial committed by whoever held the study lock before us.
    const [, inserted, load] = await this.runScript([
      `SELECT study_id FROM studies WHERE study_id = ${s} FOR UPDATE`,
      `INSERT INTO trials (number, study_id, state, datetime_start, datetime_complete)
       SELECT (SELECT COALESCE(MAX(number), -1) + 1 FROM trials WHERE study_id = ${s}), ${s}, ${constant(STATE_NAME[state])},
              ${start ? constant(formatDatetime(start)) : 'NULL'}, NULL
       WHERE EXISTS (SELECT 1 FROM studies WHERE study_id = ${s})
       RETURNING trial_id, number`,
      this.refreshStatement(studyId),
    ]);
    const row = inserted.rows[0] as { trial_id: number; number: number } | undefined;
    if (!row) throw this.rdb.studyNotFound(studyId);
    const trialId = Number(row.trial_id);
    this.rdb.rememberTrial(trialId, studyId);
    this.rdb.applyRefresh(studyId, load.rows);
    this.markFresh(studyId);
    return newTrialSnapshot(trialId, Number(row.number), state, start);
  }

  async setTrialState(trialId: number, state: TrialState, values?: readonly number[] | null, expectedState?: TrialState): Promise<boolean> {
    if (!this.rdb.writable) await this.rdb.requireWritable(); // v3.0.0.d: throws, naming the upgrade command
    const deferred = this.deferredErrors.get(trialId);
    if (deferred !== undefined) {
      this.deferredErrors.delete(trialId);
      throw deferred;
    }
    const expected = expectedPriorState(state, expectedState);
    const now = constant(formatDatetime(new Date()));
    const sets = [`state = ${constant(STATE_NAME[state])}`];
    if (state === TrialState.RUNNING) sets.push(`datetime_start = ${now}`);
    if (isFinished(state)) sets.push(`datetime_complete = ${now}`);
    const encoded = (values ?? []).map(encodeValue);
    const array = (items: string[], type: string) => (items.length ? `ARRAY[${items.join(', ')}]::${type}[]` : `'{}'::${type}[]`);
    const update = `WITH u AS (UPDATE trials SET ${sets.join(', ')} WHERE trial_id = ${int(trialId)} AND state = ${constant(STATE_NAME[expected])} RETURNING trial_id),
       v AS (INSERT INTO trial_values (trial_id, objective, value, value_type)
             SELECT u.trial_id, x.objective, x.value, CAST(x.value_type AS trialvaluetype)
               FROM u, unnest(${array(
                 encoded.map((_, i) => String(i)),
                 'integer',
               )}, ${array(
                 encoded.map((e) => float(e[0])),
                 'float8',
               )},
                              ${array(
                                encoded.map((e) => constant(e[1])),
                                'text',
                              )}) AS x(objective, value, value_type)
             ON CONFLICT (trial_id, objective) DO UPDATE SET value = excluded.value, value_type = excluded.value_type
             RETURNING 1)
       SELECT (SELECT COUNT(*) FROM u) AS changed, (SELECT COUNT(*) FROM v) AS written, (SELECT COUNT(*) FROM trials WHERE trial_id = ${int(trialId)}) AS found`;
    const studyId = this.rdb.studyOfTrial(trialId);
    this.fresh.clear();
    const results = await this.runScript(studyId === undefined ? [update] : [update, this.refreshStatement(studyId)]);
    const outcome = results[0].rows[0] as { changed: number; found: number };
    if (Number(outcome.found) === 0) throw new TrialNotFoundError(`No trial with id ${trialId} in ${this.db.description}.`);
    const changed = Number(outcome.changed) > 0;
    if (changed && isFinished(state)) this.finishedHere.add(trialId);
    if (studyId !== undefined) {
      this.rdb.applyRefresh(studyId, results[1].rows);
      this.markFresh(studyId);
    }
    return changed;
  }

  /** Fails stale trials through this storage's setTrialState, so a trial failed here is refused at once. */
  async failStaleTrials(studyId: number, graceSeconds: number): Promise<number[]> {
    await this.barrier();
    const failed: number[] = [];
    for (const id of await this.rdb.staleTrialIds(studyId, graceSeconds)) {
      if (await this.setTrialState(id, TrialState.FAIL, null, TrialState.RUNNING)) failed.push(id);
    }
    return failed;
  }

  // ------------------------------------------------------------ everything else: forwarded after the barrier

  async createNewStudy(directions: Direction[], studyName?: string): Promise<number> {
    await this.barrier();
    return this.rdb.createNewStudy(directions, studyName);
  }
  async deleteStudy(studyId: number): Promise<void> {
    await this.barrier();
    return this.rdb.deleteStudy(studyId);
  }
  async getStudyIdFromName(studyName: string): Promise<number> {
    await this.barrier();
    return this.rdb.getStudyIdFromName(studyName);
  }
  async getStudyNameFromId(studyId: number): Promise<string> {
    await this.barrier();
    return this.rdb.getStudyNameFromId(studyId);
  }
  async getStudyDirections(studyId: number): Promise<Direction[]> {
    await this.barrier();
    return this.rdb.getStudyDirections(studyId);
  }
  async getAllStudies(): Promise<StudySummary[]> {
    await this.barrier();
    return this.rdb.getAllStudies();
  }
  async setStudyUserAttr(studyId: number, key: string, value: unknown): Promise<void> {
    await this.barrier();
    return this.rdb.setStudyUserAttr(studyId, key, value);
  }
  async setStudySystemAttr(studyId: number, key: string, value: unknown): Promise<void> {
    await this.barrier();
    return this.rdb.setStudySystemAttr(studyId, key, value);
  }
  async setStudySystemAttrIfAbsent(studyId: number, key: string, value: unknown): Promise<boolean> {
    await this.barrier();
    return this.rdb.setStudySystemAttrIfAbsent(studyId, key, value);
  }
  async getStudyUserAttrs(studyId: number): Promise<Record<string, unknown>> {
    await this.barrier();
    return this.rdb.getStudyUserAttrs(studyId);
  }
  async getStudySystemAttrs(studyId: number): Promise<Record<string, unknown>> {
    await this.barrier();
    return this.rdb.getStudySystemAttrs(studyId);
  }
  async addTrials(studyId: number, trials: readonly FrozenTrial[]): Promise<void> {
    await this.barrier();
    return this.rdb.addTrials(studyId, trials);
  }
  async getTrial(trialId: number): Promise<FrozenTrial> {
    await this.barrier();
    return this.rdb.getTrial(trialId);
  }
  async recordHeartbeat(trialId: number): Promise<void> {
    await this.barrier();
    return this.rdb.recordHeartbeat(trialId);
  }
  /** Pending writes are sent first; closing goes on if that fails: the connections must be released even when the server is gone. */
  async close(): Promise<void> {
    await this.barrier().catch(() => undefined);
    return this.rdb.close();
  }
}
