import {
  containsInternal,
  distributionsEqual,
  distributionToJson,
  toExternal,
  toInternal,
  type Distribution,
  type ParamValue,
} from './distributions';
import { dict, hasKey } from './dict';
import { InvalidArgumentError } from './errors';
import { frozenTrial, isFinished, TrialState, type FrozenTrial, type FrozenTrialData } from './frozenTrial';
import { CONSTRAINTS_KEY } from './samplers/base';
import { checkAttribute, checkParam, storedForm } from './storage/storable';
import { checkOptionKeys, optionKeys } from './options';

/** What `createTrial` takes: Optuna's `optuna.trial.create_trial` keyword arguments, in camelCase. */
export interface CreateTrialOptions {
  /** COMPLETE by default, as in Optuna. */
  state?: TrialState;
  /** The objective value of a single-objective trial (give `value` or `values`, not both). */
  value?: number | null;
  values?: readonly number[] | null;
  /** External parameter values (what an objective would have seen), one per distribution. */
  params?: Record<string, ParamValue>;
  distributions?: Record<string, Distribution>;
  userAttrs?: Record<string, unknown>;
  systemAttrs?: Record<string, unknown>;
  /** step -> reported value. */
  intermediateValues?: Record<number, number> | ReadonlyMap<number, number>;
  /** Constraint values by name (feasible when all are <= 0), stored as Optuna 5's `constraints:<key>`. */
  constraints?: Record<string, number>;
}

const CREATE_TRIAL_OPTION_KEYS = optionKeys<CreateTrialOptions>({
  state: true,
  value: true,
  values: true,
  params: true,
  distributions: true,
  userAttrs: true,
  systemAttrs: true,
  intermediateValues: true,
  constraints: true,
});

/**
 * A finished (or waiting) trial built by hand, to be added to a study with `study.addTrial` — say, to
 * seed a sampler with evaluations made elsewhere. As Optuna's `create_trial`: the start time is now
 * (none for WAITING), a finished trial completes at its start, and the trial is checked as Optuna's
 * `FrozenTrial._validate` checks it. Its `trialId` and `number` are -1 until it is added.
 */
export function createTrial(opts: CreateTrialOptions = {}): FrozenTrial {
  checkOptionKeys('createTrial', opts, CREATE_TRIAL_OPTION_KEYS);
  const state = opts.state ?? TrialState.COMPLETE;
  if (!(state in TrialState) || typeof state !== 'number') {
    throw new InvalidArgumentError(`createTrial: state must be a TrialState, got ${JSON.stringify(state)}.`);
  }
  const hasValue = opts.value !== undefined && opts.value !== null;
  const hasValues = opts.values !== undefined && opts.values !== null;
  if (hasValue && hasValues) throw new InvalidArgumentError('Specify only one of `value` and `values`.');
  let values: number[] | null = null;
  if (hasValue) values = [opts.value as number];
  if (hasValues) {
    if (!Array.isArray(opts.values)) throw new InvalidArgumentError('createTrial: values must be an array of numbers.');
    values = [...opts.values];
  }
  if (values?.some((v) => typeof v !== 'number')) {
    throw new InvalidArgumentError(`createTrial: objective values must be numbers, got ${JSON.stringify(values)}.`);
  }

  const distributions = dict<Distribution>(opts.distributions ?? {});
  const params = dict<ParamValue>();
  const internalParams = dict<number>();
  for (const [name, value] of Object.entries(opts.params ?? {})) {
    params[name] = value;
    if (!hasKey(distributions, name)) continue; // reported by validateTrial as inconsistent
    checkParam(name, distributions[name]);
    internalParams[name] = internalOrNaN(distributions[name], value);
  }
  const intermediateValues = new Map<number, number>();
  const reports = opts.intermediateValues ?? {};
  const entries: Array<[number, number]> =
    reports instanceof Map ? [...reports] : Object.entries(reports).map(([k, v]) => [Number(k), v as number]);
  for (const [step, v] of entries) {
    if (!Number.isInteger(step) || step < 0 || typeof v !== 'number') {
      throw new InvalidArgumentError(
        `createTrial: intermediateValues maps integer steps >= 0 to numbers; got step ${String(step)} -> ${String(v)}.`,
      );
    }
    intermediateValues.set(step, v);
  }
  const userAttrs = copyAttrs('User attribute', opts.userAttrs);
  const systemAttrs = copyAttrs('System attribute', opts.systemAttrs);
  for (const [key, v] of Object.entries(opts.constraints ?? {})) {
    if (typeof v !== 'number' || Number.isNaN(v)) {
      throw new InvalidArgumentError(
        `Attempted to set a constraint for '${key}', but ${Number.isNaN(v) ? 'NaN' : typeof v} is not allowed.`,
      );
    }
    const k = `${CONSTRAINTS_KEY}:${key}`;
    if (!hasKey(systemAttrs, k)) systemAttrs[k] = v; // as Optuna: the first value of a key wins
  }

  const start = state === TrialState.WAITING ? null : new Date();
  const trial = frozenTrial({
    trialId: -1,
    number: -1,
    state,
    values,
    datetimeStart: start,
    datetimeComplete: isFinished(state) ? start : null,
    params,
    internalParams,
    distributions,
    intermediateValues,
    userAttrs,
    systemAttrs,
  });
  validateTrial(trial);
  return trial;
}

/**
 * Optuna's `FrozenTrial._validate`, message for message: datetimes that fit the state, values that
 * fit the state, one distribution per parameter, every parameter inside its distribution.
 */
export function validateTrial(t: FrozenTrialData): void {
  if (t.state !== TrialState.WAITING && t.datetimeStart === null) {
    throw new InvalidArgumentError('`datetime_start` is supposed to be set when the trial state is not waiting.');
  }
  if (isFinished(t.state)) {
    if (t.datetimeComplete === null) throw new InvalidArgumentError('`datetime_complete` is supposed to be set for a finished trial.');
  } else if (t.datetimeComplete !== null) {
    throw new InvalidArgumentError('`datetime_complete` is supposed to be None for an unfinished trial.');
  }
  if (t.state === TrialState.FAIL && t.values !== null) {
    throw new InvalidArgumentError(`values should be None for a failed trial, but got ${JSON.stringify(t.values)}.`);
  }
  if (t.state === TrialState.COMPLETE) {
    if (t.values === null) throw new InvalidArgumentError('values should be set for a complete trial.');
    if (t.values.some((v) => Number.isNaN(v))) throw new InvalidArgumentError('values should not contain NaN.');
  }
  const paramNames = Object.keys(t.params).sort();
  const distNames = Object.keys(t.distributions).sort();
  if (paramNames.join('\u0000') !== distNames.join('\u0000')) {
    throw new InvalidArgumentError(
      `Inconsistent parameters ${JSON.stringify(paramNames)} and distributions ${JSON.stringify(distNames)}: ` +
        'give one distribution for each parameter.',
    );
  }
  for (const name of paramNames) {
    const d = t.distributions[name];
    const value = t.params[name];
    const internal = internalOrNaN(d, value);
    if (!containsInternal(d, internal) || (d.kind === 'int' && !Number.isInteger(internal))) {
      throw new InvalidArgumentError(
        `The value ${JSON.stringify(value)} of parameter '${name}' isn't contained in the distribution ${distributionToJson(d)}.`,
      );
    }
  }
}

/**
 * Check trials before `study.addTrials` writes any of them: each as `validateTrial`, values one per
 * objective, and each parameter of the same kind (and categorical choices) as the study's earlier
 * trials and the batch's, as Optuna's storages insist.
 */
export function checkTrialsToAdd(trials: readonly FrozenTrial[], nObjectives: number, existing: readonly FrozenTrial[]): void {
  const seen = new Map<string, { d: Distribution; where: string }>();
  for (const t of existing) {
    for (const [name, d] of Object.entries(t.distributions)) if (!seen.has(name)) seen.set(name, { d, where: `trial ${t.number}` });
  }
  for (const [i, t] of trials.entries()) {
    if (t === null || typeof t !== 'object' || !('state' in t)) {
      throw new InvalidArgumentError(`addTrials: item ${i} is not a trial; build one with createTrial({...}).`);
    }
    validateTrial(t);
    if (t.values !== null && t.values.length !== nObjectives) {
      throw new InvalidArgumentError(
        `The added trial has ${t.values.length} values, which is different from the number of objectives ${nObjectives} ` +
          'in the study (determined by Study.directions).',
      );
    }
    for (const [name, d] of Object.entries(t.distributions)) {
      const prior = seen.get(name);
      if (!prior) {
        seen.set(name, { d, where: `added trial ${i}` });
        continue;
      }
      const p = prior.d;
      if (p.kind !== d.kind || (p.kind === 'categorical' && !distributionsEqual(p, d))) {
        throw new InvalidArgumentError(
          `Parameter '${name}' of the added trial ${i} is ${distributionToJson(d)}, but ${prior.where} has ${distributionToJson(p)}: ` +
            'a name must keep its distribution kind (and categorical choices) across a study.',
        );
      }
    }
  }
}

/** The snapshot storages write for an added trial: internal values recomputed from its params. */
export function trialToAdd(t: FrozenTrial): FrozenTrial {
  const internalParams = dict<number>();
  const params = dict<ParamValue>();
  for (const [name, d] of Object.entries(t.distributions)) {
    internalParams[name] = toInternal(d, t.params[name]);
    params[name] = toExternal(d, internalParams[name]);
  }
  return frozenTrial({ ...t, params, internalParams });
}

function internalOrNaN(d: Distribution, value: ParamValue): number {
  try {
    const internal = toInternal(d, value);
    return typeof internal === 'number' ? internal : NaN;
  } catch {
    return NaN; // not a choice of a categorical: reported as "isn't contained"
  }
}

function copyAttrs(label: string, from: Record<string, unknown> | undefined): Record<string, unknown> {
  const out = dict<unknown>();
  for (const [k, v] of Object.entries(from ?? {})) {
    checkAttribute(label, k, v);
    out[k] = storedForm(v);
  }
  return out;
}
