import {
  containsInternal,
  describeDistribution,
  distributionsCompatible,
  distributionsEqual,
  isSingle,
  toExternal,
  toInternal,
  type Distribution,
  type ParamValue,
} from './distributions';
import { trialOps } from './storage/base';
import { isThenable } from './thenable';
import { copyKeys, hasKey, ownValue, plainCopy, setKey } from './dict';
import { InvalidArgumentError, ParameterConflictError, TrialFinishedError } from './errors';
import { logWarning } from './logging';
import { TrialState, trialStateName, type FrozenTrial } from './frozenTrial';
import { constraintAttrToSet } from './constraintRecord';
import type { Study } from './study';
import { asPruneDecision } from './pruners/base';
import { checkSuggestArguments, type SuggestApi } from './suggestApi';
import { TrialFields } from './trialFields';
import { runWithoutSeed } from './reproducibility/context';
import { PRUNED_AFTER_REPORTS_KEY, recordedTrialSeed } from './reproducibility/studyRecords';

/** Key under which an enqueued trial carries its fixed parameters (Optuna's name). */
export const FIXED_PARAMS_KEY = 'fixed_params';
/** Key under which a FAIL trial records why it failed. */
export const FAIL_REASON_KEY = 'fail_reason';

/**
 * One evaluation of the objective: what an objective receives, from a study (`optimize`, `ask`) or
 * as a `FixedTrial` with given parameters (to test an objective or re-run a configuration).
 * Suggestions are synchronous, so an objective reads like plain code with `if` for conditional
 * parameters. An interface, as Optuna's `BaseTrial`, rather than the study's class, so that an
 * objective typed `(trial: Trial) => ...` takes both.
 */
export interface Trial extends SuggestApi {
  /** The study the trial belongs to (a FixedTrial belongs to none: reading it throws). */
  readonly study: Study;
  /** Sequential number of the trial within its study (0-based, like Optuna). */
  readonly number: number;
  /** Storage-wide identifier (a FixedTrial is not stored: reading it throws). */
  readonly trialId: number;
  /** RUNNING until the study records the outcome, then COMPLETE, PRUNED or FAIL. */
  readonly state: TrialState;
  readonly datetimeStart: Date | null;
  /**
   * This trial's seed, recorded with it: `deriveSeed(study seed, trial number)` (see
   * reproducibility/seeds.ts). While a study runs the objective (optimize, reproduce), tunelab's
   * seeded components given no seed draw their seeds from it; use it for your own randomness (`new
   * Rng(trial.seed)`) too. A FixedTrial answers the seed it was given.
   */
  readonly seed: number;
  /** Parameters suggested so far (a copy), like Optuna's `trial.params`. */
  readonly params: Record<string, ParamValue>;
  /** Distributions of the parameters suggested so far (a copy). */
  readonly paramDistributions: Record<string, Distribution>;
  /** User attributes set so far (a copy). */
  readonly userAttrs: Record<string, unknown>;
  /** Intermediate values reported so far (a copy). */
  readonly intermediateValues: Map<number, number>;
  /** The constraint values recorded so far, by name (listed ones as '0', '1', ...), as Optuna 5's `trial.constraints`. */
  readonly constraints: Record<string, number>;
  /**
   * Report an intermediate objective value at `step` (an epoch, a fold, a resource unit).
   * Pruners compare these across trials. Reporting a step twice keeps the first value, as Optuna does.
   */
  report(value: number, step: number): void;
  /** Whether the study's pruner says this trial should stop now. Throw `new TrialPruned()` if so. */
  shouldPrune(): boolean;
  setUserAttr(key: string, value: unknown): void;
  /**
   * Record one constraint of this trial, as Optuna 5's `trial.set_constraint(key, value)`: the trial
   * is feasible when every constraint value is <= 0. Stored as the system attribute
   * `constraints:<key>`, which `bestTrial`/`bestTrials`, the constrained samplers and Optuna read.
   * A key set twice keeps its first value (with a warning), as in Optuna.
   */
  setConstraint(key: string, value: number): void;
  setSystemAttr(key: string, value: unknown): void;
  /** The trial as samplers and pruners see it, with everything suggested and reported so far. */
  snapshot(): FrozenTrial;
  /**
   * Wait until the trial's writes are stored. A trial's suggestions, reports and attributes go to
   * an asynchronous storage (SQLite, PostgreSQL, a journal) in order on their own, and `tell` waits
   * for them; await this when another process must see them first. Rethrows a write's error.
   */
  flush(): void | Promise<void>;
}

/**
 * A study's trial. Writes go at once to a storage that answers at once (memory), and are otherwise
 * queued in order and flushed when the trial is told, so a network database never blocks a
 * suggestion.
 */
export class StudyTrial extends TrialFields implements Trial {
  private readonly fixedParams: Record<string, ParamValue>;
  /** The parameters the trial held when it started (a WAITING trial added with its values). */
  private readonly storedBeforeStart: ReadonlySet<string>;
  /** This trial's writes that wait for an asynchronous storage, in order (see `queue`). */
  private pendingWrites: Promise<void> | null = null;
  private writeError: unknown = null;
  private finalState: TrialState | null = null;
  private relative: { space: Record<string, Distribution>; params: Record<string, number> } | null = null;

  /** Not for users: a study's trials come from optimize / Study.ask(); others are FixedTrials. */
  constructor(
    readonly study: Study,
    private readonly base: FrozenTrial,
    /**
     * Relative sampling, run on the first suggest that needs it (as Optuna does): a sampler error
     * then fails this trial like any error in the objective instead of failing `ask`.
     */
    private readonly sampleRelative: () => { space: Record<string, Distribution>; params: Record<string, number> },
  ) {
    super();
    copyKeys(this.currentUserAttrs, base.userAttrs);
    copyKeys(this.systemAttrs, base.systemAttrs);
    this.fixedParams = plainCopy((ownValue(base.systemAttrs, FIXED_PARAMS_KEY) as Record<string, ParamValue> | undefined) ?? {});
    this.storedBeforeStart = new Set(Object.keys(base.internalParams));
    for (const name of Object.keys(base.internalParams)) {
      setKey(this.internalParams, name, base.internalParams[name]);
      setKey(this.currentParams, name, base.params[name]);
      setKey(this.distributions, name, base.distributions[name]);
    }
    for (const [step, v] of base.intermediateValues) this.intermediate.set(step, v);
  }

  get number(): number {
    return this.base.number;
  }

  get trialId(): number {
    return this.base.trialId;
  }

  get state(): TrialState {
    return this.finalState ?? TrialState.RUNNING;
  }

  get datetimeStart(): Date | null {
    return this.base.datetimeStart;
  }

  get seed(): number {
    const seed = recordedTrialSeed(this.systemAttrs);
    if (seed === undefined) throw new InvalidArgumentError(`Trial ${this.number} has no recorded seed (it was not started by Study.ask).`);
    return seed;
  }

  /**
   * Suggest from any distribution. Suggesting a name again returns the same value (with another
   * range of the same kind too, and a warning, as Optuna); as another kind of parameter it throws,
   * since the objective would get a value of the wrong type.
   */
  suggest(name: string, distribution: Distribution): ParamValue {
    this.assertRunning('suggest a parameter');
    checkSuggestArguments(name, distribution);
    const existing = ownValue(this.distributions, name);
    if (existing) {
      if (!distributionsEqual(existing, distribution)) {
        // As Optuna: the same kind of parameter suggested again with another range (or a value the
        // trial held before it started, whatever range the objective now gives it) keeps the first
        // value, with a RuntimeWarning for a second suggest as Optuna gives. Another kind would hand the objective
        // a value of the wrong type (a float from suggestInt), so that stays an error.
        if (!distributionsCompatible(existing, distribution)) {
          throw new ParameterConflictError(
            `Parameter '${name}' was already suggested in trial ${this.number} with ${describeDistribution(existing)}; ` +
              `it cannot be suggested again with ${describeDistribution(distribution)}. Use a different name for the second parameter.`,
          );
        }
        if (!this.storedBeforeStart.has(name)) {
          process.emitWarning(
            `Parameter '${name}' was suggested again in trial ${this.number} with ${describeDistribution(distribution)}; ` +
              `the value of its first suggestion (${describeDistribution(existing)}) is kept. One name with two ranges in a trial is usually a mistake.`,
            'RuntimeWarning',
          );
        }
      }
      return this.currentParams[name];
    }
    this.study.checkParamDistribution(name, distribution, this.number);
    const internal = this.pickInternal(name, distribution);
    this.record(name, internal, distribution);
    return this.currentParams[name];
  }

  private pickInternal(name: string, d: Distribution): number {
    if (hasKey(this.fixedParams, name)) {
      const internal = d.kind === 'categorical' ? toInternal(d, this.fixedParams[name]) : fixedNumber(name, d, this.fixedParams[name]);
      if (!containsInternal(d, internal)) {
        // As Optuna (and PartialFixedSampler): the enqueued value is what the user asked to evaluate.
        logWarning(
          `Fixed parameter '${name}' with value ${JSON.stringify(this.fixedParams[name])} is out of range for ${describeDistribution(d)}.`,
        );
      }
      return internal;
    }
    if (isSingle(d)) return d.kind === 'categorical' ? 0 : d.low;
    // Samplers draw from their own seeded streams, never from the trial's (a re-run skips them).
    this.relative ??= runWithoutSeed(this.sampleRelative);
    const rel = ownValue(this.relative.space, name);
    if (rel && hasKey(this.relative.params, name) && distributionsEqual(rel, d)) return this.relative.params[name];
    return runWithoutSeed(() => this.study.sampler.sampleIndependent(this.study.view, this.snapshot(), name, d));
  }

  private record(name: string, internal: number, d: Distribution): void {
    this.recordParam(name, internal, toExternal(d, internal), d);
    this.queue(() => trialOps(this.study.storage).setTrialParam(this.trialId, name, internal, d));
  }

  report(value: number, step: number): void {
    this.assertRunning('report');
    this.assertSingleObjective('report');
    if (!this.recordReport(value, step)) return;
    this.queue(() => trialOps(this.study.storage).setTrialIntermediateValue(this.trialId, step, value));
  }

  shouldPrune(): boolean {
    this.assertRunning('ask the pruner');
    this.assertSingleObjective('shouldPrune');
    const decision = asPruneDecision(runWithoutSeed(() => this.study.pruner.prune(this.study.view, this.snapshot())));
    // What the pruner asks to record (rung values) is queued with this trial's other writes and seen
    // at once by the pruner's next call and by the other trials running in this process.
    for (const [key, value] of Object.entries(decision.trialSystemAttrs ?? {})) this.setSystemAttr(key, value);
    if (decision.prune && !hasKey(this.systemAttrs, PRUNED_AFTER_REPORTS_KEY)) {
      this.setSystemAttr(PRUNED_AFTER_REPORTS_KEY, this.intermediate.size);
    }
    return decision.prune;
  }

  /** As Optuna: pruning compares one value per step, which a study of several objectives does not have. */
  private assertSingleObjective(method: 'report' | 'shouldPrune'): void {
    if (this.study.directions.length > 1) {
      throw new InvalidArgumentError(
        `Trial.${method} is not supported for multi-objective optimization (as in Optuna): a study of ${this.study.directions.length} objectives cannot be pruned. Record per-step values with setUserAttr instead.`,
      );
    }
  }

  setUserAttr(key: string, value: unknown): void {
    this.assertRunning('set a user attribute');
    this.recordAttr('user', key, value);
    this.queue(() => trialOps(this.study.storage).setTrialUserAttr(this.trialId, key, value));
  }

  setConstraint(key: string, value: number): void {
    this.assertRunning('set a constraint');
    const attr = constraintAttrToSet(this.systemAttrs, this.number, key, value);
    if (attr !== null) this.setSystemAttr(attr, value);
  }

  setSystemAttr(key: string, value: unknown): void {
    this.recordAttr('system', key, value);
    this.queue(() => trialOps(this.study.storage).setTrialSystemAttr(this.trialId, key, value));
  }

  snapshot(): FrozenTrial {
    return this.runningSnapshot(this.base.trialId, this.base.number, this.base.datetimeStart);
  }

  /** console.log(trial) and the kernel show the trial's number, state by name and parameters. */
  [Symbol.for('nodejs.util.inspect.custom')](depth: number, options: object, inspect: (v: unknown, o: object) => string): string {
    const shown = { number: this.number, state: trialStateName(this.state), params: this.params, userAttrs: this.userAttrs };
    return depth < 0 ? `[Trial ${this.number}]` : `Trial ${inspect(shown, options)}`;
  }

  /** Wait for queued writes (when there are any); rethrow the first storage error. */
  flush(): void | Promise<void> {
    if (this.pendingWrites) return this.pendingWrites.then(() => this.rethrowWriteError());
    this.rethrowWriteError();
  }

  private rethrowWriteError(): void {
    if (this.writeError) throw this.writeError;
  }

  /** @internal */
  markFinished(state: TrialState): void {
    this.finalState = state;
  }

  /**
   * Write to storage in order without blocking the objective: a storage that answers at once
   * (memory) is written now; an asynchronous one's writes are chained, each starting when the one
   * before has settled. Either way the first error is kept for `flush`, which tell() calls.
   */
  private queue(write: () => void | Promise<void>): void {
    if (this.pendingWrites) {
      this.pendingWrites = this.pendingWrites.then(write).catch(this.keepWriteError);
      return;
    }
    try {
      const pending = write();
      if (isThenable(pending)) this.pendingWrites = Promise.resolve(pending).catch(this.keepWriteError);
    } catch (err) {
      this.keepWriteError(err);
    }
  }

  private readonly keepWriteError = (err: unknown): void => {
    if (!this.writeError) this.writeError = err;
  };

  private assertRunning(action: string): void {
    if (this.finalState !== null) {
      throw new TrialFinishedError(`Trial ${this.number} is already finished; it cannot ${action}.`);
    }
  }
}

/**
 * An enqueued (fixed) value of a float or int parameter, checked as Optuna checks it: a number, or
 * a string that reads as one ('3'); positive on a log scale; an int's fraction dropped as Python's
 * int() drops it (with a warning). Anything else fails the trial at its suggest call, naming it.
 */
function fixedNumber(name: string, d: Distribution & { kind: 'float' | 'int' }, given: unknown): number {
  const value = typeof given === 'number' ? given : typeof given === 'string' && given.trim() !== '' ? Number(given) : Number.NaN;
  if (Number.isNaN(value)) {
    throw new InvalidArgumentError(
      `Fixed parameter '${name}' has the value ${JSON.stringify(given) ?? String(given)}, which is not a number: a ${d.kind} parameter takes a number.`,
    );
  }
  if (d.log && value <= 0) {
    throw new InvalidArgumentError(
      `Fixed parameter '${name}' has the value ${value}, but a parameter on a log scale takes a positive value.`,
    );
  }
  if (d.kind === 'int' && Number.isFinite(value) && !Number.isInteger(value)) {
    logWarning(
      `Fixed parameter '${name}' has the value ${value}, which is not an integer; ${Math.trunc(value)} is used, as Optuna's int() does.`,
    );
    return Math.trunc(value);
  }
  return value;
}
