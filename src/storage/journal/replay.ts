/**
 * The state a journal describes, rebuilt by applying its logs in order with Optuna 5.0's rules
 * (JournalStorageReplayResult), so that every reader — Optuna or tunelab, any process — derives the
 * same studies, ids, numbers and states from the same logs:
 * - study ids count CREATE_STUDY logs that took effect, from 0; a name already in use is ignored;
 * - trial ids count every trial ever created in the journal, from 0 (a deleted study keeps its
 *   trials' ids used); numbers count the trials of the study;
 * - a write to a missing study or trial, or to a finished trial, is ignored; so is a claim
 *   (RUNNING) of a trial already RUNNING, and a parameter whose distribution is incompatible with
 *   the one the first trial of the study that has this parameter used.
 * A log this worker wrote is not ignored silently: its outcome (applied, or the error Optuna would
 * raise to its writer) is recorded for the storage to return or throw.
 */
import { distributionIncompatibility, toExternal, type Distribution } from '../../distributions';
import { dict, hasKey, ownValue, setKey } from '../../dict';
import {
  DuplicatedStudyError,
  InvalidArgumentError,
  StorageError,
  StudyNotFoundError,
  TrialFinishedError,
  TrialNotFoundError,
} from '../../errors';
import { isFinished, snapshotTrial, TrialState, type Direction, type FrozenTrial, type TrialRecord } from '../../frozenTrial';
import { DistributionCache } from '../rdb/codec';
import { JournalOperation, parseJournalDatetime, type JournalLog } from './log';

export interface ReplayTrial extends TrialRecord {
  studyId: number;
  snapshot: FrozenTrial | null;
}

export interface ReplayStudy {
  studyId: number;
  name: string;
  directions: Direction[];
  userAttrs: Record<string, unknown>;
  systemAttrs: Record<string, unknown>;
  trials: ReplayTrial[];
  /** Per parameter name, the trial with the lowest number that has it (what Optuna's check compares with). */
  firstWithParam: Map<string, ReplayTrial>;
  /** Snapshots by number, refreshed lazily from `changed` (a read costs O(changes)). */
  snapshots: FrozenTrial[];
  changed: Set<ReplayTrial>;
}

/** What became of a log this worker wrote. */
export type OwnOutcome = { applied: true; studyId?: number; trialId?: number } | { applied: false; error?: Error };

const TRIAL_STATES = new Set<number>([0, 1, 2, 3, 4]);

export class JournalReplay {
  /** How many logs have been applied (the next log number to read). */
  logsRead = 0;
  readonly studies = new Map<number, ReplayStudy>();
  readonly trials: ReplayTrial[] = [];
  private nextStudyId = 0;
  private readonly distributions = new DistributionCache();
  /** Outcome of the last log of this worker, taken by the storage after a sync. */
  private own: OwnOutcome | null = null;

  constructor(readonly workerId: string) {}

  takeOwnOutcome(): OwnOutcome | null {
    const o = this.own;
    this.own = null;
    return o;
  }

  apply(logs: Iterable<JournalLog>): void {
    for (const log of logs) {
      this.logsRead++;
      const mine = log.worker_id === this.workerId;
      const outcome = this.applyOne(log, mine);
      if (mine) this.own = outcome;
    }
  }

  private applyOne(log: JournalLog, mine: boolean): OwnOutcome {
    switch (log.op_code) {
      case JournalOperation.CREATE_STUDY:
        return this.createStudy(log);
      case JournalOperation.DELETE_STUDY:
        return this.withStudy(log, (s) => {
          this.studies.delete(s.studyId);
        });
      case JournalOperation.SET_STUDY_USER_ATTR:
        return this.withStudy(log, (s) => mergeAttr(s.userAttrs, log.user_attr));
      case JournalOperation.SET_STUDY_SYSTEM_ATTR:
        return this.withStudy(log, (s) => mergeAttr(s.systemAttrs, log.system_attr));
      case JournalOperation.CREATE_TRIAL:
        return this.createTrial(log);
      case JournalOperation.SET_TRIAL_PARAM:
        return this.withTrial(log, (t) => this.setParam(t, log, mine));
      case JournalOperation.SET_TRIAL_STATE_VALUES:
        return this.withTrial(log, (t) => this.setState(t, log));
      case JournalOperation.SET_TRIAL_INTERMEDIATE_VALUE:
        return this.withTrial(log, (t) => {
          t.intermediateValues.set(Number(log.step), Number(log.intermediate_value));
        });
      case JournalOperation.SET_TRIAL_USER_ATTR:
        return this.withTrial(log, (t) => mergeAttr(t.userAttrs, log.user_attr));
      case JournalOperation.SET_TRIAL_SYSTEM_ATTR:
        return this.withTrial(log, (t) => mergeAttr(t.systemAttrs, log.system_attr));
      case JournalOperation.DISCARD_TRIALS:
        return { applied: false };
      default:
        throw new StorageError(
          `The journal holds log ${this.logsRead - 1} with op_code ${JSON.stringify(log.op_code)}, which Optuna 5.0 does not define; ` +
            'it was written by another program. Open the journal with the program that wrote it.',
        );
    }
  }

  private createStudy(log: JournalLog): OwnOutcome {
    const name = String(log.study_name);
    for (const s of this.studies.values()) {
      if (s.name === name) {
        return {
          applied: false,
          error: new DuplicatedStudyError(
            `A study named '${name}' already exists. Pass loadIfExists: true to resume it, or choose another name.`,
          ),
        };
      }
    }
    const studyId = this.nextStudyId++;
    const directions = (Array.isArray(log.directions) ? log.directions : []).map((d): Direction => (d === 2 ? 'maximize' : 'minimize'));
    this.studies.set(studyId, {
      studyId,
      name,
      directions,
      userAttrs: dict(),
      systemAttrs: dict(),
      trials: [],
      firstWithParam: new Map(),
      snapshots: [],
      changed: new Set(),
    });
    return { applied: true, studyId };
  }

  private withStudy(log: JournalLog, change: (s: ReplayStudy) => void): OwnOutcome {
    const s = this.studies.get(Number(log.study_id));
    if (!s) return { applied: false, error: new StudyNotFoundError(`No study with id ${String(log.study_id)} in the journal.`) };
    change(s);
    return { applied: true, studyId: s.studyId };
  }

  private createTrial(log: JournalLog): OwnOutcome {
    const s = this.studies.get(Number(log.study_id));
    if (!s) return { applied: false, error: new StudyNotFoundError(`No study with id ${String(log.study_id)} in the journal.`) };
    const trialId = this.trials.length;
    const distributions = dict<Distribution>();
    const internalParams = dict<number>();
    const params = dict<FrozenTrial['params'][string]>();
    for (const [k, v] of Object.entries(asObject(log.distributions))) setKey(distributions, k, this.distributions.get(String(v), k));
    for (const [k, v] of Object.entries(asObject(log.params))) {
      const d = ownValue(distributions, k);
      if (!d) throw new StorageError(`Trial ${trialId} in the journal has a value for parameter '${k}' but no distribution.`);
      setKey(internalParams, k, Number(v));
      setKey(params, k, toExternal(d, Number(v)));
    }
    const state = hasKey(log, 'state') && TRIAL_STATES.has(Number(log.state)) ? (Number(log.state) as TrialState) : TrialState.RUNNING;
    const value = log.value;
    const values = Array.isArray(log.values) ? log.values.map(Number) : typeof value === 'number' ? [value] : null;
    const intermediateValues = new Map<number, number>();
    for (const [k, v] of Object.entries(asObject(log.intermediate_values))) intermediateValues.set(Number(k), Number(v));
    const t: ReplayTrial = {
      trialId,
      number: s.trials.length,
      studyId: s.studyId,
      state,
      values,
      datetimeStart: parseJournalDatetime(log.datetime_start),
      datetimeComplete: hasKey(log, 'datetime_complete') ? parseJournalDatetime(log.datetime_complete) : null,
      params,
      internalParams,
      distributions,
      intermediateValues,
      userAttrs: dict(asObject(log.user_attrs)),
      systemAttrs: dict(asObject(log.system_attrs)),
      snapshot: null,
    };
    this.trials.push(t);
    s.trials.push(t);
    for (const name of Object.keys(distributions)) this.noteParam(s, name, t);
    s.snapshots.push(freeze(t));
    return { applied: true, studyId: s.studyId, trialId };
  }

  private withTrial(log: JournalLog, change: (t: ReplayTrial) => OwnOutcome | void): OwnOutcome {
    const id = Number(log.trial_id);
    const t = Number.isInteger(id) ? this.trials[id] : undefined;
    if (!t) return { applied: false, error: new TrialNotFoundError(`No trial with id ${String(log.trial_id)} in the journal.`) };
    if (isFinished(t.state)) {
      return {
        applied: false,
        error: new TrialFinishedError(`Trial ${t.number} is already finished (${TrialState[t.state]}); it cannot be changed.`),
      };
    }
    const outcome = change(t) ?? { applied: true, trialId: t.trialId };
    if (outcome.applied) this.touch(t);
    return outcome;
  }

  private setParam(t: ReplayTrial, log: JournalLog, mine: boolean): OwnOutcome {
    const name = String(log.param_name);
    const distribution = this.distributions.get(String(log.distribution), name);
    const problem = this.incompatibility(t.studyId, name, distribution);
    if (problem) return { applied: false, error: mine ? new InvalidArgumentError(problem) : undefined };
    const internal = Number(log.param_value_internal);
    setKey(t.distributions, name, distribution);
    setKey(t.internalParams, name, internal);
    setKey(t.params, name, toExternal(distribution, internal));
    this.noteParam(this.study(t.studyId), name, t);
    return { applied: true, trialId: t.trialId };
  }

  private noteParam(s: ReplayStudy, name: string, t: ReplayTrial): void {
    const first = s.firstWithParam.get(name);
    if (!first || t.number < first.number) s.firstWithParam.set(name, t);
  }

  /**
   * Optuna's check_distribution_compatibility against the first trial of the study (by number)
   * that has the parameter: the same kind, the same log flag, the same categorical choices.
   */
  incompatibility(studyId: number, name: string, d: Distribution): string | null {
    const other = this.studies.get(studyId)?.firstWithParam.get(name);
    const prev = other && ownValue(other.distributions, name);
    return other && prev ? distributionIncompatibility(name, prev, d, `in trial ${other.number}`) : null;
  }

  private setState(t: ReplayTrial, log: JournalLog): OwnOutcome {
    const state = Number(log.state) as TrialState;
    if (!TRIAL_STATES.has(state)) throw new StorageError(`The journal sets trial ${t.number} to an unknown state ${String(log.state)}.`);
    // A claim of a trial another worker is already running is refused (Optuna's rule).
    if (state === TrialState.RUNNING && t.state === TrialState.RUNNING) return { applied: false };
    if (state === TrialState.RUNNING) t.datetimeStart = parseJournalDatetime(log.datetime_start);
    if (isFinished(state)) t.datetimeComplete = parseJournalDatetime(log.datetime_complete);
    t.state = state;
    if (Array.isArray(log.values)) t.values = log.values.map(Number);
    return { applied: true, trialId: t.trialId };
  }

  private touch(t: ReplayTrial): void {
    t.snapshot = null;
    this.studies.get(t.studyId)?.changed.add(t);
  }

  study(studyId: number): ReplayStudy {
    const s = this.studies.get(studyId);
    if (!s) throw new StudyNotFoundError(`No study with id ${studyId} in the journal.`);
    return s;
  }

  trial(trialId: number): ReplayTrial {
    const t = Number.isInteger(trialId) ? this.trials[trialId] : undefined;
    if (!t) throw new TrialNotFoundError(`No trial with id ${trialId} in the journal.`);
    return t;
  }

  /** The study's trials by number, as immutable snapshots (only changed trials are re-frozen). */
  snapshots(s: ReplayStudy): FrozenTrial[] {
    for (const t of s.changed) s.snapshots[t.number] = freeze(t);
    s.changed.clear();
    return s.snapshots;
  }
}

export function freeze(t: ReplayTrial): FrozenTrial {
  return (t.snapshot ??= snapshotTrial(t, { copy: true }));
}

function asObject(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** Apply a one-key `{key: value}` attribute write (Optuna asserts exactly one key). */
function mergeAttr(target: Record<string, unknown>, update: unknown): void {
  for (const [k, v] of Object.entries(asObject(update))) setKey(target, k, v);
}
