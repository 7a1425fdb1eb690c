import { distributionIncompatibility, distributionsEqual, toExternal, type Distribution } from '../distributions';
import { dict, hasKey, ownValue, plainCopy, setKey } from '../dict';
import { DuplicatedStudyError, InvalidArgumentError, StudyNotFoundError, TrialFinishedError, TrialNotFoundError } from '../errors';
import { frozenTrial, isFinished, TrialState, type Direction, type FrozenTrial, type TrialRecord } from '../frozenTrial';
import { checkAttribute, checkName, checkParam, checkTemplate, storedForm } from './storable';
import {
  defaultStudyName,
  expectedPriorState,
  type ImmediateTrialOps,
  type Storage,
  type StudySummary,
  type TrialTemplate,
  type TrialWriteLog,
  type TrialWrites,
} from './base';

/**
 * A trial as stored. Its containers (`params`, `internalParams`, `distributions`, `userAttrs`,
 * `systemAttrs`, `values`) are shared with the snapshots handed out: a snapshot freezes them, and a
 * write to a frozen one replaces it with a copy first (`unshared`). So a snapshot costs no copying,
 * and a trial copies a container once per write after a snapshot, not every container per snapshot.
 * They are plain objects, read with `ownValue` and written with `setKey` (dict.ts).
 */
interface MutableTrial extends TrialRecord {
  studyId: number;
  /** Cached immutable snapshot; dropped on every write so reads cost nothing when nothing changed. */
  snapshot: FrozenTrial | null;
}

type TrialDictKey = 'params' | 'internalParams' | 'distributions' | 'userAttrs' | 'systemAttrs';

/** What a new trial's containers start as: one frozen empty object, copied on the first write. */
const EMPTY: Record<string, never> = Object.freeze({}) as Record<string, never>;

/** Trial `t`'s container `key`, ready for a write (a copy when a snapshot shares it). */
function unshared<K extends TrialDictKey>(t: MutableTrial, key: K): MutableTrial[K] {
  const d = t[key];
  return Object.isFrozen(d) ? (t[key] = plainCopy(d) as MutableTrial[K]) : d;
}

interface MemStudy {
  studyId: number;
  name: string;
  directions: Direction[];
  userAttrs: Record<string, unknown>;
  systemAttrs: Record<string, unknown>;
  trials: MutableTrial[];
  /**
   * name -> (distribution, number of the first trial that used it): a name keeps its kind, log scale
   * and choices across a study (Optuna's check_distribution_compatibility).
   */
  paramDistributions: Map<string, { distribution: Distribution; firstTrial: number }>;
  /** Snapshots by trial number, brought up to date lazily from `changed`, so a read costs O(changes). */
  snapshots: FrozenTrial[];
  changed: Set<MutableTrial>;
  /**
   * The numbers of the trials written, in the order of the writes (a write to the trial last logged
   * is not logged again): entry i is write-log position `logStart + i` (`writeLog`).
   */
  log: number[];
  logStart: number;
}

/**
 * Write-log entries kept beyond four per trial before the older half is forgotten (readers whose
 * cursor is older read every trial again): a trial takes two to five entries (created, suggested,
 * told), so a reader that refreshes once a trial never falls behind.
 */
const LOG_SLACK = 4096;

/** Studies held in this process's memory: the default when no storage URL is given. */
export class InMemoryStorage implements Storage {
  readonly url = 'memory';
  private studies = new Map<number, MemStudy>();
  private trials = new Map<number, MutableTrial>();
  private nextStudyId = 1;
  private nextTrialId = 1;

  readonly writeLog: TrialWriteLog = {
    trialsWrittenSince: (studyId: number, cursor: number | null): TrialWrites | null => {
      const s = this.study(studyId);
      const end = s.logStart + s.log.length;
      if (cursor === null) return { trials: this.immediate.getAllTrials(studyId), cursor: end };
      if (cursor < s.logStart || cursor > end) return null;
      this.bringSnapshotsUpToDate(s);
      const numbers = [...new Set(s.log.slice(cursor - s.logStart))].sort((a, b) => a - b);
      return { trials: numbers.map((n) => s.snapshots[n]), cursor: end };
    },
  };

  /** The trial operations, performed at once (see ImmediateTrialOps); the Storage methods of the same names wrap them. */
  readonly immediate: ImmediateTrialOps = {
    createNewTrial: (studyId: number, template: TrialTemplate = {}): FrozenTrial => {
      checkTemplate(template);
      const s = this.study(studyId);
      const state = template.state ?? TrialState.RUNNING;
      const t: MutableTrial = {
        trialId: this.nextTrialId++,
        number: s.trials.length,
        studyId,
        state,
        values: null,
        datetimeStart: state === TrialState.RUNNING ? new Date() : null,
        datetimeComplete: null,
        params: EMPTY,
        internalParams: EMPTY,
        distributions: EMPTY,
        intermediateValues: new Map(),
        userAttrs: storedAttrs(template.userAttrs),
        systemAttrs: storedAttrs(template.systemAttrs),
        snapshot: null,
      };
      s.trials.push(t);
      s.snapshots.push(freeze(t));
      logWrite(s, t.number);
      this.trials.set(t.trialId, t);
      return freeze(t);
    },
    setTrialParam: (trialId: number, name: string, internalValue: number, distribution: Distribution): void => {
      checkParam(name, distribution);
      const t = this.writable(trialId);
      const seen = this.study(t.studyId).paramDistributions;
      const previous = seen.get(name);
      const problem = previous && distributionIncompatibility(name, previous.distribution, distribution, `in trial ${previous.firstTrial}`);
      if (problem) throw new InvalidArgumentError(problem);
      if (!previous) seen.set(name, { distribution, firstTrial: t.number });
      const existing = ownValue(t.distributions, name);
      if (existing && !distributionsEqual(existing, distribution)) {
        throw new InvalidArgumentError(`Parameter '${name}' was already set in this trial with another distribution.`);
      }
      setKey(unshared(t, 'distributions'), name, distribution);
      setKey(unshared(t, 'internalParams'), name, internalValue);
      setKey(unshared(t, 'params'), name, toExternal(distribution, internalValue));
      this.touch(t);
    },
    setTrialState: (trialId: number, state: TrialState, values?: readonly number[] | null, expectedState?: TrialState): boolean => {
      const t = this.trial(trialId);
      const expected = expectedPriorState(state, expectedState);
      if (t.state !== expected) return false;
      t.state = state;
      if (state === TrialState.RUNNING) t.datetimeStart = new Date();
      if (isFinished(state)) t.datetimeComplete = new Date();
      if (values) t.values = [...values];
      this.touch(t);
      return true;
    },
    setTrialIntermediateValue: (trialId: number, step: number, value: number): void => {
      const t = this.writable(trialId);
      t.intermediateValues.set(step, value);
      this.touch(t);
    },
    setTrialUserAttr: (trialId: number, key: string, value: unknown): void => {
      checkAttribute('User attribute', key, value);
      const t = this.writable(trialId);
      setKey(unshared(t, 'userAttrs'), key, storedForm(value));
      this.touch(t);
    },
    setTrialSystemAttr: (trialId: number, key: string, value: unknown): void => {
      checkAttribute('System attribute', key, value);
      const t = this.writable(trialId);
      setKey(unshared(t, 'systemAttrs'), key, storedForm(value));
      this.touch(t);
    },
    getTrial: (trialId: number): FrozenTrial => {
      return freeze(this.trial(trialId));
    },
    getAllTrials: (studyId: number, states?: readonly TrialState[]): FrozenTrial[] => {
      const s = this.study(studyId);
      this.bringSnapshotsUpToDate(s);
      return states ? s.snapshots.filter((t) => states.includes(t.state)) : s.snapshots.slice();
    },
  };

  async createNewStudy(directions: Direction[], studyName?: string): Promise<number> {
    if (studyName !== undefined) checkName('study name', studyName);
    const name = studyName ?? defaultStudyName();
    for (const s of this.studies.values()) {
      if (s.name === name) {
        throw new DuplicatedStudyError(
          `A study named '${name}' already exists. Pass loadIfExists: true to resume it, or choose another name.`,
        );
      }
    }
    const studyId = this.nextStudyId++;
    this.studies.set(studyId, {
      studyId,
      name,
      directions: [...directions],
      userAttrs: dict(),
      systemAttrs: dict(),
      trials: [],
      paramDistributions: new Map(),
      snapshots: [],
      changed: new Set(),
      log: [],
      logStart: 0,
    });
    return studyId;
  }

  async deleteStudy(studyId: number): Promise<void> {
    const s = this.study(studyId);
    for (const t of s.trials) this.trials.delete(t.trialId);
    this.studies.delete(studyId);
  }

  async getStudyIdFromName(studyName: string): Promise<number> {
    checkName('study name', studyName);
    for (const s of this.studies.values()) if (s.name === studyName) return s.studyId;
    throw new StudyNotFoundError(
      `No study named '${studyName}' in ${this.url} storage. Memory storage lives in one process and one storage object: ` +
        'pass the same storage object, or create the study first with createStudy({ studyName, storage }).',
    );
  }

  async getStudyNameFromId(studyId: number): Promise<string> {
    return this.study(studyId).name;
  }

  async getStudyDirections(studyId: number): Promise<Direction[]> {
    return [...this.study(studyId).directions];
  }

  async getAllStudies(): Promise<StudySummary[]> {
    return [...this.studies.values()].map((s) => {
      const complete = s.trials.filter((t) => t.state === TrialState.COMPLETE && t.values);
      let best: number[] | null = null;
      if (s.directions.length === 1 && complete.length > 0) {
        const sign = s.directions[0] === 'minimize' ? 1 : -1;
        best = [...complete.sort((a, b) => sign * (a.values![0] - b.values![0]))[0].values!];
      }
      const starts = s.trials.map((t) => t.datetimeStart).filter((d): d is Date => d !== null);
      return {
        studyId: s.studyId,
        studyName: s.name,
        directions: [...s.directions],
        nTrials: s.trials.length,
        bestValues: best,
        datetimeStart: starts.length ? new Date(Math.min(...starts.map((d) => d.getTime()))) : null,
        userAttrs: { ...s.userAttrs },
        systemAttrs: { ...s.systemAttrs },
      };
    });
  }

  async setStudyUserAttr(studyId: number, key: string, value: unknown): Promise<void> {
    checkAttribute('Study user attribute', key, value);
    this.study(studyId).userAttrs[key] = storedForm(value);
  }

  async setStudySystemAttr(studyId: number, key: string, value: unknown): Promise<void> {
    checkAttribute('Study system attribute', key, value);
    this.study(studyId).systemAttrs[key] = storedForm(value);
  }

  async setStudySystemAttrIfAbsent(studyId: number, key: string, value: unknown): Promise<boolean> {
    checkAttribute('Study system attribute', key, value);
    const attrs = this.study(studyId).systemAttrs;
    if (hasKey(attrs, key)) return false;
    attrs[key] = storedForm(value);
    return true;
  }

  async getStudyUserAttrs(studyId: number): Promise<Record<string, unknown>> {
    return { ...this.study(studyId).userAttrs };
  }

  async getStudySystemAttrs(studyId: number): Promise<Record<string, unknown>> {
    return { ...this.study(studyId).systemAttrs };
  }

  async createNewTrial(studyId: number, template: TrialTemplate = {}): Promise<FrozenTrial> {
    return this.immediate.createNewTrial(studyId, template);
  }

  /**
   * Add trials as they are (state, values, params, reports, attributes, datetimes), numbered after
   * the study's last trial: `study.addTrials` and `copyStudy`, as the RDB storages' addTrials.
   */
  async addTrials(studyId: number, trials: readonly FrozenTrial[]): Promise<void> {
    const s = this.study(studyId);
    for (const t of trials) {
      checkTemplate(t);
      for (const [name, d] of Object.entries(t.distributions)) checkParam(name, d);
    }
    for (const t of trials) {
      const m: MutableTrial = {
        trialId: this.nextTrialId++,
        number: s.trials.length,
        studyId,
        state: t.state,
        values: t.values ? [...t.values] : null,
        datetimeStart: t.datetimeStart,
        datetimeComplete: t.datetimeComplete,
        params: plainCopy(t.params),
        internalParams: plainCopy(t.internalParams),
        distributions: plainCopy(t.distributions),
        intermediateValues: new Map(t.intermediateValues),
        userAttrs: storedAttrs(t.userAttrs),
        systemAttrs: storedAttrs(t.systemAttrs),
        snapshot: null,
      };
      for (const [name, d] of Object.entries(t.distributions)) {
        if (!s.paramDistributions.has(name)) s.paramDistributions.set(name, { distribution: d, firstTrial: m.number });
      }
      s.trials.push(m);
      s.snapshots.push(freeze(m));
      logWrite(s, m.number);
      this.trials.set(m.trialId, m);
    }
  }

  async setTrialParam(trialId: number, name: string, internalValue: number, distribution: Distribution): Promise<void> {
    return this.immediate.setTrialParam(trialId, name, internalValue, distribution);
  }

  async setTrialState(trialId: number, state: TrialState, values?: readonly number[] | null, expectedState?: TrialState): Promise<boolean> {
    return this.immediate.setTrialState(trialId, state, values, expectedState);
  }

  async setTrialIntermediateValue(trialId: number, step: number, value: number): Promise<void> {
    return this.immediate.setTrialIntermediateValue(trialId, step, value);
  }

  async setTrialUserAttr(trialId: number, key: string, value: unknown): Promise<void> {
    return this.immediate.setTrialUserAttr(trialId, key, value);
  }

  async setTrialSystemAttr(trialId: number, key: string, value: unknown): Promise<void> {
    return this.immediate.setTrialSystemAttr(trialId, key, value);
  }

  async getTrial(trialId: number): Promise<FrozenTrial> {
    return this.immediate.getTrial(trialId);
  }

  async getAllTrials(studyId: number, states?: readonly TrialState[]): Promise<FrozenTrial[]> {
    return this.immediate.getAllTrials(studyId, states);
  }

  /** A trial changed: drop its cached snapshot and queue it for the study's snapshot list. */
  private touch(t: MutableTrial): void {
    t.snapshot = null;
    const s = this.study(t.studyId);
    s.changed.add(t);
    logWrite(s, t.number);
  }

  /** The study's snapshot list with the changed trials' new snapshots. */
  private bringSnapshotsUpToDate(s: MemStudy): void {
    for (const t of s.changed) s.snapshots[t.number] = freeze(t);
    s.changed.clear();
  }

  async close(): Promise<void> {}

  private study(studyId: number): MemStudy {
    const s = this.studies.get(studyId);
    if (!s) throw new StudyNotFoundError(`No study with id ${studyId} in memory storage.`);
    return s;
  }

  private trial(trialId: number): MutableTrial {
    const t = this.trials.get(trialId);
    if (!t) throw new TrialNotFoundError(`No trial with id ${trialId} in memory storage.`);
    return t;
  }

  private writable(trialId: number): MutableTrial {
    const t = this.trial(trialId);
    if (isFinished(t.state)) {
      throw new TrialFinishedError(`Trial ${t.number} is already finished (${TrialState[t.state]}); it cannot be changed.`);
    }
    return t;
  }
}

/** Attributes as stored: copies, so later changes to the caller's objects do not reach the storage. */
function storedAttrs(from: Record<string, unknown> | undefined): Record<string, unknown> {
  const keys = from ? Object.keys(from) : [];
  if (keys.length === 0) return EMPTY;
  const d: Record<string, unknown> = {};
  for (const k of keys) setKey(d, k, storedForm(from![k]));
  return d;
}

/** Log a write to trial `number` of study `s` (see `MemStudy.log`), forgetting the older half of a long log. */
function logWrite(s: MemStudy, number: number): void {
  const log = s.log;
  if (log.length > 0 && log[log.length - 1] === number) return;
  log.push(number);
  if (log.length > LOG_SLACK + 4 * s.trials.length) {
    const half = log.length >> 1;
    s.log = log.slice(half);
    s.logStart += half;
  }
}

/** The trial's snapshot: its containers frozen and shared (see MutableTrial), the reports copied. */
function freeze(t: MutableTrial): FrozenTrial {
  return (t.snapshot ??= frozenTrial({
    trialId: t.trialId,
    number: t.number,
    state: t.state,
    values: t.values ? Object.freeze(t.values) : null,
    datetimeStart: t.datetimeStart,
    datetimeComplete: t.datetimeComplete,
    params: Object.freeze(t.params),
    internalParams: Object.freeze(t.internalParams),
    distributions: Object.freeze(t.distributions),
    // A Map cannot be frozen: each snapshot gets its own.
    intermediateValues: new Map(t.intermediateValues),
    userAttrs: Object.freeze(t.userAttrs),
    systemAttrs: Object.freeze(t.systemAttrs),
  }));
}
