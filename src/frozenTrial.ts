import type { Distribution, ParamValue } from './distributions';
import { TunelabError } from './errors';
import { microsPastMillisecond } from './datetime';
import { plainCopy } from './dict';
import { constraintsByKey } from './constraintRecord';
import { recordedTrialSeed } from './reproducibility/studyRecords';

/** Trial states, with Optuna's names and numeric codes. */
export enum TrialState {
  RUNNING = 0,
  COMPLETE = 1,
  PRUNED = 2,
  FAIL = 3,
  WAITING = 4,
}

export const TRIAL_STATE_NAMES: Record<TrialState, 'RUNNING' | 'COMPLETE' | 'PRUNED' | 'FAIL' | 'WAITING'> = {
  [TrialState.RUNNING]: 'RUNNING',
  [TrialState.COMPLETE]: 'COMPLETE',
  [TrialState.PRUNED]: 'PRUNED',
  [TrialState.FAIL]: 'FAIL',
  [TrialState.WAITING]: 'WAITING',
};

/** The name Optuna prints for a state ('COMPLETE'), or the number itself when it is not a state. */
export function trialStateName(state: TrialState): string {
  return TRIAL_STATE_NAMES[state] ?? String(state);
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom');
type InspectFn = (value: unknown, options: object) => string;

/**
 * How console.log, the REPL and the tunelab kernel print a trial: its state by name
 * (`state: 'COMPLETE'`, as Optuna prints TrialState.COMPLETE) instead of the enum's number, and its
 * dictionaries as plain objects. Only the display changes:
 * `trial.state` stays the number storages and comparisons use. On the shared prototype below.
 */
function inspectTrial(this: FrozenTrial, depth: number, options: { depth?: number | null }, inspect: InspectFn): string {
  if (depth < 0) return `[FrozenTrial ${this.number} ${trialStateName(this.state)}]`;
  const shown = {
    ...this,
    state: trialStateName(this.state),
    params: { ...this.params },
    internalParams: { ...this.internalParams },
    distributions: { ...this.distributions },
    userAttrs: { ...this.userAttrs },
    systemAttrs: { ...this.systemAttrs },
  };
  return `FrozenTrial ${inspect(shown, { ...options, depth: options.depth == null ? options.depth : options.depth - 1 })}`;
}

export function isFinished(state: TrialState): boolean {
  return state === TrialState.COMPLETE || state === TrialState.PRUNED || state === TrialState.FAIL;
}

/** Optimisation direction of one objective. */
export type Direction = 'minimize' | 'maximize';

/** The stored fields of a trial snapshot (everything but the derived `value` and `duration`). */
export interface FrozenTrialData {
  readonly trialId: number;
  readonly number: number;
  readonly state: TrialState;
  /** Objective values (one per direction) for COMPLETE trials; null otherwise. */
  readonly values: readonly number[] | null;
  readonly datetimeStart: Date | null;
  readonly datetimeComplete: Date | null;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly internalParams: Readonly<Record<string, number>>;
  readonly distributions: Readonly<Record<string, Distribution>>;
  /** step -> reported value */
  readonly intermediateValues: ReadonlyMap<number, number>;
  readonly userAttrs: Readonly<Record<string, unknown>>;
  readonly systemAttrs: Readonly<Record<string, unknown>>;
}

/**
 * A snapshot of one trial, as storage returns it and samplers, pruners and users read it.
 * `params` holds external values (what the objective saw); `internalParams` the floats samplers
 * model (categoricals as choice indices), kept side by side so no sampler re-encodes per call.
 * Build one with `frozenTrial(data)` (or `withTrialChanges`), never with an object literal or a
 * spread: `value`, `duration`, `constraints` and `seed` are getters shared by every snapshot.
 */
export interface FrozenTrial extends FrozenTrialData {
  /**
   * The objective value of a single-objective trial (`values[0]`), or null when the trial has no
   * values (RUNNING, WAITING, FAIL, PRUNED without reports). Throws a MultiObjectiveValueError, with
   * Optuna 5's message, when the trial has several values: read `values` instead.
   */
  readonly value: number | null;
  /**
   * Wall-clock time from start to completion in milliseconds, or null while the trial has not both
   * started and finished (Optuna's `duration` is a timedelta; a number of ms is JavaScript's unit).
   */
  readonly duration: number | null;
  /**
   * The recorded constraint values by name (Optuna 5's `FrozenTrial.constraints`): the trial is
   * feasible when every one is <= 0. Empty when none were recorded.
   */
  readonly constraints: Readonly<Record<string, number>>;
  /**
   * The seed the trial ran with (`trial.seed` while it ran, recorded with it), or null for a trial
   * that has none (added with `createTrial`, or written by Optuna).
   */
  readonly seed: number | null;
}

/** `trial.value` read on a trial with several objective values (Optuna raises a RuntimeError). */
export class MultiObjectiveValueError extends TunelabError {}

/** Optuna 5.0's message for `FrozenTrial.value` on a multi-objective trial, word for word. */
export const MULTI_OBJECTIVE_VALUE_MESSAGE = 'This attribute is not available during multi-objective optimization.';

/**
 * The class behind every snapshot. The derived fields (`value`, `duration`, `constraints`, `seed`) are getters on its
 * prototype, so JSON.stringify and structured clones carry only the stored fields. A constructor that
 * assigns the twelve fields in one order gives every snapshot one shape: about 100 ns to build
 * against 460 for `Object.create(prototype)` filled by `Object.assign` (measured in isolation; a trial
 * builds several). Not exported: snapshots come from `frozenTrial`.
 */
class TrialSnapshot implements FrozenTrial {
  declare readonly trialId: number;
  declare readonly number: number;
  declare readonly state: TrialState;
  declare readonly values: readonly number[] | null;
  declare readonly datetimeStart: Date | null;
  declare readonly datetimeComplete: Date | null;
  declare readonly params: Readonly<Record<string, ParamValue>>;
  declare readonly internalParams: Readonly<Record<string, number>>;
  declare readonly distributions: Readonly<Record<string, Distribution>>;
  declare readonly intermediateValues: ReadonlyMap<number, number>;
  declare readonly userAttrs: Readonly<Record<string, unknown>>;
  declare readonly systemAttrs: Readonly<Record<string, unknown>>;

  constructor(d: FrozenTrialData) {
    const self = this as { -readonly [K in keyof FrozenTrialData]: FrozenTrialData[K] };
    self.trialId = d.trialId;
    self.number = d.number;
    self.state = d.state;
    self.values = d.values;
    self.datetimeStart = d.datetimeStart;
    self.datetimeComplete = d.datetimeComplete;
    self.params = d.params;
    self.internalParams = d.internalParams;
    self.distributions = d.distributions;
    self.intermediateValues = d.intermediateValues;
    self.userAttrs = d.userAttrs;
    self.systemAttrs = d.systemAttrs;
    Object.freeze(this);
  }

  get value(): number | null {
    if (!this.values) return null;
    if (this.values.length > 1) {
      throw new MultiObjectiveValueError(`${MULTI_OBJECTIVE_VALUE_MESSAGE} Read \`values\` (one per direction) instead.`);
    }
    return this.values[0] ?? null;
  }

  get duration(): number | null {
    return trialDurationMs(this);
  }

  get constraints(): Readonly<Record<string, number>> {
    return constraintsByKey(this.systemAttrs) ?? {};
  }

  get seed(): number | null {
    return recordedTrialSeed(this.systemAttrs) ?? null;
  }
}
Object.defineProperty(TrialSnapshot.prototype, INSPECT, { value: inspectTrial, enumerable: false });
// Shared by every snapshot: nothing may change what `value` or `duration` mean for all of them.
Object.freeze(TrialSnapshot.prototype);

/** A trial snapshot from its stored fields (not copied; the result is frozen, its containers are not). */
export function frozenTrial(data: FrozenTrialData): FrozenTrial {
  return new TrialSnapshot(data);
}

/** A snapshot like `t` with some fields replaced (what `{ ...t, state }` would be, getters kept). */
export function withTrialChanges(t: FrozenTrialData, changes: Partial<FrozenTrialData>): FrozenTrial {
  return frozenTrial({ ...pickData(t), ...changes });
}

function pickData(d: FrozenTrialData): FrozenTrialData {
  return {
    trialId: d.trialId,
    number: d.number,
    state: d.state,
    values: d.values,
    datetimeStart: d.datetimeStart,
    datetimeComplete: d.datetimeComplete,
    params: d.params,
    internalParams: d.internalParams,
    distributions: d.distributions,
    intermediateValues: d.intermediateValues,
    userAttrs: d.userAttrs,
    systemAttrs: d.systemAttrs,
  };
}

/** The single objective value of a trial, or undefined (multi-objective, or not COMPLETE). */
export function trialValue(t: FrozenTrialData): number | undefined {
  return t.values && t.values.length === 1 ? t.values[0] : undefined;
}

/**
 * Wall-clock duration in milliseconds, or null while the trial has not both started and finished.
 * Fractional when the storage recorded microseconds (as Optuna does).
 */
export function trialDurationMs(t: FrozenTrialData): number | null {
  if (!t.datetimeStart || !t.datetimeComplete) return null;
  const ms = t.datetimeComplete.getTime() - t.datetimeStart.getTime();
  const micros = microsPastMillisecond(t.datetimeComplete) - microsPastMillisecond(t.datetimeStart);
  return micros === 0 ? ms : ms + micros / 1000;
}

/** The last reported step, or undefined if the trial reported nothing. */
export function lastStep(t: FrozenTrial): number | undefined {
  let last: number | undefined;
  for (const s of t.intermediateValues.keys()) if (last === undefined || s > last) last = s;
  return last;
}

/** The mutable form of a trial that storages build up from writes or rows before snapshotting it. */
export interface TrialRecord {
  trialId: number;
  number: number;
  state: TrialState;
  values: number[] | null;
  datetimeStart: Date | null;
  datetimeComplete: Date | null;
  params: Record<string, ParamValue>;
  internalParams: Record<string, number>;
  distributions: Record<string, Distribution>;
  intermediateValues: Map<number, number>;
  userAttrs: Record<string, unknown>;
  systemAttrs: Record<string, unknown>;
}

/**
 * An immutable snapshot of a record. With `copy`, the record's containers are copied (the record
 * goes on changing, as in memory storage); without, they are frozen in place (a record built from
 * database rows and then dropped).
 */
export function snapshotTrial(t: TrialRecord, opts: { copy: boolean }): FrozenTrial {
  const own = <T extends object>(o: T): T =>
    opts.copy ? (Array.isArray(o) ? ([...o] as T) : (plainCopy(o as Record<string, unknown>) as T)) : o;
  return frozenTrial({
    trialId: t.trialId,
    number: t.number,
    state: t.state,
    values: t.values ? Object.freeze(own(t.values)) : null,
    datetimeStart: t.datetimeStart,
    datetimeComplete: t.datetimeComplete,
    params: Object.freeze(own(t.params)),
    internalParams: Object.freeze(own(t.internalParams)),
    distributions: Object.freeze(own(t.distributions)),
    intermediateValues: opts.copy ? new Map(t.intermediateValues) : t.intermediateValues,
    userAttrs: Object.freeze(own(t.userAttrs)),
    systemAttrs: Object.freeze(own(t.systemAttrs)),
  });
}
