/**
 * `FixedTrial`, as Optuna's `optuna.trial.FixedTrial`: a trial that answers each suggest with a
 * value given up front, outside any study. Use it to test an objective (`objective(new
 * FixedTrial({ lr: 0.01, layers: 2 }))`), or to re-run a configuration a study found
 * (`FixedTrial.fromTrial(study.bestTrial)`, which also carries the trial's recorded seed).
 *
 * It follows Optuna's: a parameter without a value throws, a value outside the distribution is used
 * with a warning (a process warning, as PartialFixedSampler's), an integer parameter given a
 * fraction is truncated, `shouldPrune()` is false, and attributes and constraints are kept on the
 * object (test/studyapi/fixedTrial.test.ts compares it with Optuna's, call for call).
 * Unlike Optuna's, a report is checked and kept (`intermediateValues`), so a test can read what the
 * objective reported, and `seed` answers when one was given.
 */
import {
  containsInternal,
  describeDistribution,
  distributionIncompatibility,
  toExternal,
  toInternal,
  type Distribution,
  type ParamValue,
} from './distributions';
import { constraintAttrToSet } from './constraintRecord';
import { hasKey, ownValue, plainCopy } from './dict';
import { InvalidArgumentError, ParameterConflictError, TunelabError } from './errors';
import { TrialState, type FrozenTrial } from './frozenTrial';
import { checkOptionKeys, optionKeys } from './options';
import { recordedTrialSeed } from './reproducibility/studyRecords';
import { checkSeed } from './rng';
import type { Study } from './study';
import { checkSuggestArguments } from './suggestApi';
import { TrialFields } from './trialFields';
import type { Trial } from './trial';
import { requireInt } from './validate';

export interface FixedTrialOptions {
  /** The trial's number (default 0), as Optuna's `FixedTrial(params, number)`. */
  number?: number;
  /** What `trial.seed` answers (a trial's recorded seed, to re-run it); without one, reading `seed` throws. */
  seed?: number;
}

const FIXED_TRIAL_OPTION_KEYS = optionKeys<FixedTrialOptions>({ number: true, seed: true });

export class FixedTrial extends TrialFields implements Trial {
  readonly number: number;
  readonly datetimeStart: Date = new Date();
  /** The values given, by parameter name (see trialFields.ts for why a plain object). */
  private readonly given: Record<string, ParamValue>;
  private readonly givenSeed: number | undefined;

  /** `params`: the value of every parameter the objective will suggest, by name. */
  constructor(params: Record<string, ParamValue>, opts: FixedTrialOptions = {}) {
    super();
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      throw new InvalidArgumentError(
        `new FixedTrial(params): params must be an object of parameter values by name, got ${JSON.stringify(params)}.`,
      );
    }
    checkOptionKeys('FixedTrial', opts, FIXED_TRIAL_OPTION_KEYS);
    const { number = 0, seed } = opts ?? {};
    requireInt('FixedTrial', 'number', number, 0);
    checkSeed('FixedTrial', seed);
    this.number = number;
    this.givenSeed = seed;
    this.given = plainCopy(params);
  }

  /** A FixedTrial with a finished trial's parameters, number and recorded seed (to re-run it). */
  static fromTrial(trial: FrozenTrial): FixedTrial {
    return new FixedTrial(trial.params, { number: trial.number, seed: recordedTrialSeed(trial.systemAttrs) });
  }

  /** A FixedTrial belongs to no study: reading this throws. */
  get study(): Study {
    throw new TunelabError(
      `A FixedTrial belongs to no study, so trial.study cannot be read (trial ${this.number}). ` +
        'Run the objective in a study (study.optimize) to use its study, or pass what it needs to the objective directly.',
    );
  }

  /** A FixedTrial is not stored: reading this throws. */
  get trialId(): number {
    throw new TunelabError(`A FixedTrial is not stored, so it has no trialId (trial ${this.number}).`);
  }

  /** RUNNING: a FixedTrial is never finished by a study. */
  get state(): TrialState {
    return TrialState.RUNNING;
  }

  get seed(): number {
    if (this.givenSeed === undefined) {
      throw new InvalidArgumentError(
        `This FixedTrial was given no seed: pass one (new FixedTrial(params, { seed })), or make it with FixedTrial.fromTrial(frozenTrial) to use the trial's recorded seed.`,
      );
    }
    return this.givenSeed;
  }

  /** The given value of `name`, checked against `distribution` as Optuna's FixedTrial checks it. */
  suggest(name: string, distribution: Distribution): ParamValue {
    checkSuggestArguments(name, distribution);
    if (!hasKey(this.given, name)) {
      throw new InvalidArgumentError(
        `FixedTrial has no value for parameter '${name}': give it when making the trial, new FixedTrial({ ${JSON.stringify(name)}: ... }).`,
      );
    }
    const earlier = ownValue(this.distributions, name);
    const conflict = earlier && distributionIncompatibility(name, earlier, distribution, 'earlier in this trial');
    if (conflict) throw new ParameterConflictError(conflict);
    const value = this.given[name];
    const internal = internalValue(name, distribution, value);
    if (!containsInternal(distribution, internal)) {
      // As Optuna (a Python warning there, a process warning here): the given value is what the user
      // asked to evaluate, so it is used.
      process.emitWarning(
        `FixedTrial: the value ${JSON.stringify(value)} of parameter '${name}' is outside ${describeDistribution(distribution)}.`,
      );
    }
    // An integer parameter given a fraction is truncated, as Optuna's int() does (with the warning above).
    const suggested = distribution.kind === 'int' ? Math.trunc(internal) : toExternal(distribution, internal);
    this.recordParam(name, internal, suggested, distribution);
    return suggested;
  }

  /** Checked as a study's trial checks it, and kept (the first value of a step). */
  report(value: number, step: number): void {
    this.recordReport(value, step);
  }

  /** Always false: no pruner watches a FixedTrial. */
  shouldPrune(): boolean {
    return false;
  }

  setUserAttr(key: string, value: unknown): void {
    this.recordAttr('user', key, value);
  }

  setSystemAttr(key: string, value: unknown): void {
    this.recordAttr('system', key, value);
  }

  setConstraint(key: string, value: number): void {
    const attr = constraintAttrToSet(this.systemAttrs, this.number, key, value);
    if (attr !== null) this.setSystemAttr(attr, value);
  }

  /** The trial as a pruner would see it (RUNNING; trialId -1, since it is not stored). */
  snapshot(): FrozenTrial {
    return this.runningSnapshot(-1, this.number, this.datetimeStart);
  }

  /** Nothing to wait for: a FixedTrial writes to no storage. */
  flush(): void {}

  /** console.log(trial) and the kernel show the trial's number and the parameters suggested so far. */
  [Symbol.for('nodejs.util.inspect.custom')](depth: number, options: object, inspect: (v: unknown, o: object) => string): string {
    const shown = { number: this.number, params: this.params, userAttrs: this.userAttrs };
    return depth < 0 ? `[FixedTrial ${this.number}]` : `FixedTrial ${inspect(shown, options)}`;
  }
}

/** The given value in the distribution's internal form; a value of the wrong kind throws, naming the parameter. */
function internalValue(name: string, d: Distribution, value: ParamValue): number {
  if (d.kind !== 'categorical') {
    // As Optuna's to_internal_repr: not a number, NaN, or not positive on a log scale is refused.
    const problem =
      typeof value !== 'number'
        ? 'is not a number'
        : Number.isNaN(value)
          ? 'is NaN'
          : d.log && value <= 0
            ? 'is not positive (the scale is log)'
            : '';
    if (problem) {
      throw new InvalidArgumentError(
        `FixedTrial: parameter '${name}' is ${describeDistribution(d)}, but its given value ${String(value)} ${problem}.`,
      );
    }
    return value as number;
  }
  try {
    return toInternal(d, value);
  } catch {
    throw new InvalidArgumentError(
      `FixedTrial: the value ${JSON.stringify(value)} of parameter '${name}' is not one of its choices ${JSON.stringify(d.choices)}.`,
    );
  }
}
