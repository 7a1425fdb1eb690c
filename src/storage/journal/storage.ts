/**
 * JournalStorage: studies kept as Optuna 5.0's operation log (see ./log.ts for the format and
 * ./replay.ts for the rules), on a file or a Redis server. Optuna and tunelab workers can append to
 * the same journal at once and each derives the same studies from it.
 *
 * Every write appends one log and then reads the journal up to and past it: what the log did (a new
 * trial's id, a refused claim, a duplicated name) is decided by replaying it in journal order, exactly
 * as every other reader will. Reads first bring the replay up to date, reading only the logs appended
 * since the last read. Within this process all operations of one JournalStorage run one at a time
 * (Optuna holds a thread lock for the same reason).
 *
 * Not in Optuna's journal format, so not here: heartbeats (Optuna's JournalStorage is not a
 * BaseHeartbeat storage either; createStudy's heartbeatInterval is ignored on it, as on memory).
 */
import { randomUUID } from 'node:crypto';
import { distributionsEqual, type Distribution } from '../../distributions';
import { hasKey, ownValue } from '../../dict';
import { InvalidArgumentError, StorageError, StudyNotFoundError, TrialFinishedError } from '../../errors';
import { isFinished, TrialState, type Direction, type FrozenTrial } from '../../frozenTrial';
import { defaultStudyName, expectedPriorState, type Storage, type StudySummary, type TrialTemplate } from '../base';
import { checkAttribute, checkName, checkParam, checkTemplate, storedForm } from '../storable';
import type { JournalBackend } from './backend';
import { DIRECTION_CODE, formatJournalDatetime, journalDistributionJson, JournalOperation, type JournalLog } from './log';
import { AsyncMutex } from './mutex';
import { pyFloat } from './pyjson';
import { freeze, JournalReplay, type OwnOutcome, type ReplayTrial } from './replay';

export class JournalStorage implements Storage {
  readonly url: string;
  /** This process's worker id in the logs it writes (Optuna: a UUID and the thread id). */
  readonly workerId = `${randomUUID()}-${process.pid}`;
  private readonly replay = new JournalReplay(this.workerId);
  private readonly mutex = new AsyncMutex();

  constructor(readonly backend: JournalBackend) {
    this.url = backend.url;
  }

  // ---- studies ----

  async createNewStudy(directions: Direction[], studyName?: string): Promise<number> {
    if (studyName !== undefined) checkName('study name', studyName);
    const name = studyName ?? defaultStudyName();
    const outcome = await this.write(JournalOperation.CREATE_STUDY, {
      study_name: name,
      directions: directions.map((d) => DIRECTION_CODE[d]),
    });
    return required(outcome).studyId!;
  }

  async deleteStudy(studyId: number): Promise<void> {
    await this.write(JournalOperation.DELETE_STUDY, { study_id: studyId }, () => this.replay.study(studyId));
  }

  async getStudyIdFromName(studyName: string): Promise<number> {
    checkName('study name', studyName);
    await this.sync();
    for (const s of this.replay.studies.values()) if (s.name === studyName) return s.studyId;
    throw new StudyNotFoundError(`No study named '${studyName}' in ${this.url}.`);
  }

  async getStudyNameFromId(studyId: number): Promise<string> {
    await this.sync();
    return this.replay.study(studyId).name;
  }

  async getStudyDirections(studyId: number): Promise<Direction[]> {
    await this.sync();
    return [...this.replay.study(studyId).directions];
  }

  async getAllStudies(): Promise<StudySummary[]> {
    await this.sync();
    return [...this.replay.studies.values()].map((s) => {
      const trials = this.replay.snapshots(s);
      const complete = trials.filter((t) => t.state === TrialState.COMPLETE && t.values);
      let best: number[] | null = null;
      if (s.directions.length === 1 && complete.length > 0) {
        const sign = s.directions[0] === 'minimize' ? 1 : -1;
        best = [...[...complete].sort((a, b) => sign * (a.values![0] - b.values![0]))[0].values!];
      }
      const starts = trials.map((t) => t.datetimeStart).filter((d): d is Date => d !== null);
      return {
        studyId: s.studyId,
        studyName: s.name,
        directions: [...s.directions],
        nTrials: trials.length,
        bestValues: best,
        datetimeStart: starts.length ? new Date(Math.min(...starts.map((d) => d.getTime()))) : null,
        userAttrs: storedCopy(s.userAttrs),
        systemAttrs: storedCopy(s.systemAttrs),
      };
    });
  }

  async setStudyUserAttr(studyId: number, key: string, value: unknown): Promise<void> {
    checkAttribute('Study user attribute', key, value);
    await this.write(JournalOperation.SET_STUDY_USER_ATTR, { study_id: studyId, user_attr: { [key]: value } }, () =>
      this.replay.study(studyId),
    );
  }

  async setStudySystemAttr(studyId: number, key: string, value: unknown): Promise<void> {
    checkAttribute('Study system attribute', key, value);
    await this.write(JournalOperation.SET_STUDY_SYSTEM_ATTR, { study_id: studyId, system_attr: { [key]: value } }, () =>
      this.replay.study(studyId),
    );
  }

  async setStudySystemAttrIfAbsent(studyId: number, key: string, value: unknown): Promise<boolean> {
    checkAttribute('Study system attribute', key, value);
    return this.mutex.run(async () => {
      // Check and append atomically: the append happens only if no log was added since the check.
      for (let attempt = 0; attempt < 10_000; attempt++) {
        await this.syncUnlocked();
        if (hasKey(this.replay.study(studyId).systemAttrs, key)) return false;
        const log = this.log(JournalOperation.SET_STUDY_SYSTEM_ATTR, { study_id: studyId, system_attr: { [key]: value } });
        if (await this.backend.appendLogsIfCount([log], this.replay.logsRead)) {
          await this.syncUnlocked();
          return this.outcome().applied;
        }
      }
      throw new StorageError(`Could not claim study system attribute '${key}' in ${this.url}: other writers kept appending. Try again.`);
    });
  }

  async getStudyUserAttrs(studyId: number): Promise<Record<string, unknown>> {
    await this.sync();
    return storedCopy(this.replay.study(studyId).userAttrs);
  }

  async getStudySystemAttrs(studyId: number): Promise<Record<string, unknown>> {
    await this.sync();
    return storedCopy(this.replay.study(studyId).systemAttrs);
  }

  // ---- trials ----

  async createNewTrial(studyId: number, template?: TrialTemplate): Promise<FrozenTrial> {
    if (template) checkTemplate(template);
    const now = formatJournalDatetime(new Date());
    const fields: JournalLog = { study_id: studyId, datetime_start: now };
    if (template && (template.state !== undefined || template.userAttrs || template.systemAttrs)) {
      // Optuna's template form (what enqueue_trial writes): every field of the trial spelled out.
      const state = template.state ?? TrialState.RUNNING;
      Object.assign(fields, {
        state,
        value: null,
        values: null,
        datetime_start: state === TrialState.RUNNING ? now : null,
        distributions: {},
        params: {},
        user_attrs: template.userAttrs ?? {},
        system_attrs: template.systemAttrs ?? {},
        intermediate_values: {},
      });
    }
    const outcome = await this.write(JournalOperation.CREATE_TRIAL, fields, () => this.replay.study(studyId));
    return freeze(this.replay.trial(required(outcome).trialId!));
  }

  /**
   * Add finished (or waiting) trials as they are, datetimes included: one CREATE_TRIAL log in
   * Optuna's template form per trial, all appended under one lock (what Optuna's copy_study writes).
   * copyStudy uses it.
   */
  async addTrials(studyId: number, trials: readonly FrozenTrial[]): Promise<void> {
    for (const t of trials) {
      checkTemplate(t);
      for (const [name, d] of Object.entries(t.distributions)) checkParam(name, d);
    }
    const logs = trials.map((t) => this.log(JournalOperation.CREATE_TRIAL, templateFields(studyId, t)));
    await this.mutex.run(async () => {
      await this.syncUnlocked();
      this.replay.study(studyId);
      if (logs.length) await this.backend.appendLogs(logs);
      await this.syncUnlocked();
      this.replay.takeOwnOutcome();
    });
  }

  async setTrialParam(trialId: number, name: string, internalValue: number, distribution: Distribution): Promise<void> {
    checkParam(name, distribution);
    const fields = {
      trial_id: trialId,
      param_name: name,
      param_value_internal: distribution.kind === 'categorical' ? Math.round(internalValue) : pyFloat(internalValue),
      distribution: journalDistributionJson(distribution),
    };
    await this.write(JournalOperation.SET_TRIAL_PARAM, fields, () => {
      const t = this.writable(trialId);
      const existing = ownValue(t.distributions, name);
      if (existing && !distributionsEqual(existing, distribution)) {
        throw new InvalidArgumentError(`Parameter '${name}' was already set in this trial with another distribution.`);
      }
      const problem = this.replay.incompatibility(t.studyId, name, distribution);
      if (problem) throw new InvalidArgumentError(problem);
    });
  }

  async setTrialState(trialId: number, state: TrialState, values?: readonly number[] | null, expectedState?: TrialState): Promise<boolean> {
    const expected = expectedPriorState(state, expectedState);
    const fields: JournalLog = { trial_id: trialId, state, values: values ? values.map(pyFloat) : null };
    const now = formatJournalDatetime(new Date());
    if (state === TrialState.RUNNING) fields.datetime_start = now;
    else if (isFinished(state)) fields.datetime_complete = now;
    const outcome = await this.write(JournalOperation.SET_TRIAL_STATE_VALUES, fields, () => this.replay.trial(trialId).state === expected, {
      tolerateRefusal: true,
    });
    return outcome.applied;
  }

  async setTrialIntermediateValue(trialId: number, step: number, value: number): Promise<void> {
    await this.write(JournalOperation.SET_TRIAL_INTERMEDIATE_VALUE, { trial_id: trialId, step, intermediate_value: pyFloat(value) }, () =>
      this.writable(trialId),
    );
  }

  async setTrialUserAttr(trialId: number, key: string, value: unknown): Promise<void> {
    checkAttribute('User attribute', key, value);
    await this.write(JournalOperation.SET_TRIAL_USER_ATTR, { trial_id: trialId, user_attr: { [key]: value } }, () =>
      this.writable(trialId),
    );
  }

  async setTrialSystemAttr(trialId: number, key: string, value: unknown): Promise<void> {
    checkAttribute('System attribute', key, value);
    await this.write(JournalOperation.SET_TRIAL_SYSTEM_ATTR, { trial_id: trialId, system_attr: { [key]: value } }, () =>
      this.writable(trialId),
    );
  }

  async getTrial(trialId: number): Promise<FrozenTrial> {
    await this.sync();
    return freeze(this.replay.trial(trialId));
  }

  async getAllTrials(studyId: number, states?: readonly TrialState[]): Promise<FrozenTrial[]> {
    await this.sync();
    const all = this.replay.snapshots(this.replay.study(studyId));
    return states ? all.filter((t) => states.includes(t.state)) : all.slice();
  }

  async close(): Promise<void> {
    await this.mutex.run(() => this.backend.close());
  }

  // ---- the journal ----

  /** Bring the replay up to date with the backend. */
  private sync(): Promise<void> {
    return this.mutex.run(() => this.syncUnlocked());
  }

  private async syncUnlocked(): Promise<void> {
    this.replay.apply(await this.backend.readLogs(this.replay.logsRead));
  }

  private log(op: JournalOperation, fields: JournalLog): JournalLog {
    return { op_code: op, worker_id: this.workerId, ...fields };
  }

  private outcome(): OwnOutcome {
    const o = this.replay.takeOwnOutcome();
    if (!o)
      throw new StorageError(`The log just appended to ${this.url} was not read back; the journal may have been replaced while open.`);
    return o;
  }

  /**
   * Append one log and replay up to it. `precheck` runs on the up-to-date replay first and throws (or
   * returns false: refused) without writing anything when the write cannot succeed; the log's own outcome
   * in journal order is final (another writer may have finished the trial in between).
   */
  private write(
    op: JournalOperation,
    fields: JournalLog,
    precheck?: () => unknown,
    opts: { tolerateRefusal?: boolean } = {},
  ): Promise<OwnOutcome> {
    return this.mutex.run(async () => {
      // Read what is there first, precheck or not (it is usually nothing new): a journal that cannot be
      // read (another kind of file, a damaged line) is refused before anything is appended to it.
      await this.syncUnlocked();
      if (precheck && precheck() === false) return { applied: false };
      await this.backend.appendLogs([this.log(op, fields)]);
      await this.syncUnlocked();
      const o = this.outcome();
      if (!o.applied && o.error && !(opts.tolerateRefusal && o.error instanceof TrialFinishedError)) throw o.error;
      return o;
    });
  }

  private writable(trialId: number): ReplayTrial {
    const t = this.replay.trial(trialId);
    if (isFinished(t.state)) {
      throw new TrialFinishedError(`Trial ${t.number} is already finished (${TrialState[t.state]}); it cannot be changed.`);
    }
    return t;
  }
}

/** Optuna's CREATE_TRIAL fields for a template trial (create_new_trial with template_trial). */
function templateFields(studyId: number, t: FrozenTrial): JournalLog {
  const fields: JournalLog = {
    study_id: studyId,
    datetime_start: t.datetimeStart ? formatJournalDatetime(t.datetimeStart) : null,
    state: t.state,
  };
  const values = t.values;
  if (values && values.length > 1) {
    fields.value = null;
    fields.values = values.map(pyFloat);
  } else {
    fields.value = values && values.length === 1 ? pyFloat(values[0]) : null;
    fields.values = null;
  }
  if (t.datetimeComplete) fields.datetime_complete = formatJournalDatetime(t.datetimeComplete);
  fields.distributions = Object.fromEntries(Object.entries(t.distributions).map(([k, d]) => [k, journalDistributionJson(d)]));
  fields.params = Object.fromEntries(
    Object.entries(t.distributions).map(([k, d]) => [
      k,
      d.kind === 'categorical' ? Math.round(t.internalParams[k]) : pyFloat(t.internalParams[k]),
    ]),
  );
  fields.user_attrs = { ...t.userAttrs };
  fields.system_attrs = { ...t.systemAttrs };
  fields.intermediate_values = Object.fromEntries([...t.intermediateValues].map(([step, v]) => [String(step), pyFloat(v)]));
  return fields;
}

/** The outcome of a write that cannot be refused silently (creating a study or a trial). */
function required(o: OwnOutcome): Extract<OwnOutcome, { applied: true }> {
  if (!o.applied) throw new StorageError('The journal ignored a write that should have taken effect; the journal may be damaged.');
  return o;
}

function storedCopy(attrs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(attrs))
    Object.defineProperty(out, k, { value: storedForm(attrs[k]), writable: true, enumerable: true, configurable: true });
  return out;
}
