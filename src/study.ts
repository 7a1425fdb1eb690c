/**
 * The Study class: the public face of a study. What its methods do lives in src/study/, one module
 * per concern as in Optuna's `study/` package: ask.ts and tell.ts (starting and finishing trials),
 * optimize.ts (the trial loop), addTrials.ts (imported trials), attributes.ts, best.ts,
 * trialCache.ts (the trials as this process knows them), lifecycle.ts (createStudy, loadStudy...),
 * services.ts (what a study delegates to importance, reproduction and worker threads, which it does
 * not import: lifecycle.ts wires them in).
 */
import { distributionIncompatibility, type Distribution, type ParamValue } from './distributions';
import { InvalidArgumentError, ParameterConflictError, TunelabError } from './errors';
import { TrialState, trialStateName, type Direction, type FrozenTrial } from './frozenTrial';
import type { Pruner } from './pruners/base';
import type { ImportanceOptions } from './importance';
import type { Sampler } from './samplers/base';
import type { Storage } from './storage';
import { FAIL_REASON_KEY, FIXED_PARAMS_KEY, type StudyTrial, type Trial } from './trial';
import { hasKey, ownValue, plainCopy } from './dict';
import { trialsTableOf, type TrialsTable, type TrialsTableOptions } from './export';
import type { HeartbeatMonitor, HeartbeatOptions } from './parallel/heartbeat';
import type { ModuleObjective } from './parallel/moduleObjective';
import type { ReproduceOptions, ReproduceReport } from './reproducibility/reproduce';
import { addTrialsToStorage } from './study/addTrials';
import { askSteps } from './study/ask';
import { checkMetricNames, METRIC_NAMES_KEY, StudyAttributes } from './study/attributes';
import { BestTrialTracker, bestTrialOrNull, paretoFrontOf } from './study/best';
import { optimizeStudy, StopRequest } from './study/optimize';
import type { StudyServices } from './study/services';
import { tellSteps } from './study/tell';
import { TrialCache } from './study/trialCache';
import { runStepsAsync, type Steps } from './steps';
import { checkOptionKeys } from './options';
import { logInfo, logWarning } from './logging';
import { formatParams } from './trialLog';
import { ENQUEUE_TRIAL_OPTION_KEYS, GET_TRIALS_OPTION_KEYS } from './study/optionKeys';
import { studyKeyOf, viewOf, type PeekedTrials, type StudyView } from './study/view';

export { stopAllStudies } from './study/activeStudies';
import { isActive } from './study/activeStudies';

/** What an objective may return: one value, or one per direction for multi-objective studies. */
export type ObjectiveValue = number | readonly number[];
export type Objective = (trial: Trial) => ObjectiveValue | Promise<ObjectiveValue>;
export type StudyCallback = (study: Study, trial: FrozenTrial) => void | Promise<void>;
type ErrorClass = abstract new (...args: never[]) => Error;

export interface CreateStudyOptions extends HeartbeatOptions<Study> {
  studyName?: string;
  /** One objective ('minimize' by default). */
  direction?: Direction;
  /** Several objectives (multi-objective optimisation). */
  directions?: Direction[];
  sampler?: Sampler;
  pruner?: Pruner;
  /** undefined for memory, a URL ('sqlite:///study.db', 'postgresql://...') or a Storage object. */
  storage?: string | Storage;
  /** Resume the study of that name if it exists instead of throwing. */
  loadIfExists?: boolean;
  /**
   * The study seed (an integer in [0, 2**32 - 1]), recorded with the study: every trial's seed
   * derives from it, and the default sampler is seeded from it. Without one a random seed is recorded.
   */
  seed?: number;
}

/** loadStudy's options: the study's name and storage, and this process's sampler and pruner for it. */
export interface LoadStudyOptions extends HeartbeatOptions<Study> {
  /** The study to load; left out, the storage's only study (an error naming them when it holds several), as Optuna 5. */
  studyName?: string;
  storage: string | Storage;
  sampler?: Sampler;
  pruner?: Pruner;
}

/** enqueueTrial's options, as Optuna's `enqueue_trial(params, user_attrs, skip_if_exists)`. */
export interface EnqueueTrialOptions {
  /** User attributes the trial starts with. */
  userAttrs?: Record<string, unknown>;
  /** Enqueue nothing when a trial with these fixed parameters already exists (finished or not). */
  skipIfExists?: boolean;
}

export interface OptimizeOptions {
  /** Number of trials to run in this call. */
  nTrials?: number;
  /** Stop starting new trials after this many seconds. */
  timeout?: number;
  callbacks?: StudyCallback[];
  /**
   * Which objective errors are recorded as FAIL while the study goes on, as Optuna's `catch`: a list
   * of error classes (`[Error]` for all), true (all), or a predicate. Any other error is recorded as
   * FAIL too, then thrown out of optimize once the running trials finish. Default: none (`[]`), as
   * in Optuna. Returning NaN, a non-number or the wrong count of values is not an error: the trial
   * is recorded FAIL with a warning and the study goes on.
   */
  catch?: boolean | ErrorClass[] | ((error: unknown) => boolean);
  /** How many trials run concurrently (async objectives overlap; default 1; -1: one per CPU, as Optuna). */
  nJobs?: number;
  /** Show progress: a terminal bar in a TTY, a live monitor in the tunelab kernel. Default true. */
  showProgressBar?: boolean;
  /**
   * Run trials in this many worker threads (CPU-bound objectives). The objective must then be named by
   * module, `objectiveFromModule('./objective.ts', 'exportName')`, since functions cannot cross threads.
   */
  workers?: number;
  /**
   * Interrupts this call when it aborts (`AbortSignal.timeout(ms)`, an AbortController's signal): no
   * new trial starts, the running ones finish, and optimize throws OptimizeInterruptedError whose
   * `cause` is the signal's reason, as a kernel interrupt or Ctrl-C does. Already aborted: no trial runs.
   */
  signal?: AbortSignal;
  /**
   * Run a full garbage collection after each trial, as Optuna's `gc_after_trial` (default false):
   * for objectives that leave large garbage behind (datasets, models), so that the next trial starts
   * with the heap clear. It collects this thread's heap; with `workers`, the objectives' own memory
   * is in their threads. Tensors are not garbage until disposed (`tf.dispose`, `tf.tidy`).
   */
  gcAfterTrial?: boolean;
}

export interface TellOptions {
  /** COMPLETE (default with values), PRUNED or FAIL. */
  state?: TrialState;
  /** Do nothing if the trial is already finished instead of throwing. */
  skipIfFinished?: boolean;
  /** Why the trial failed (recorded as a system attribute). */
  failReason?: string;
}

/**
 * A study: an optimisation task over one objective (or several), with its trials held in storage.
 * Create one with `createStudy`.
 */
export class Study implements StudyView {
  private readonly trialCache: TrialCache<StudyTrial>;
  private bestTracker: BestTrialTracker | null = null;
  private readonly stopRequest = new StopRequest();
  /** The study seed (recorded as the study system attribute 'tunelab:seed'); trial seeds derive from it. */
  seed = 0;
  /**
   * @internal A loaded study that has no recorded seed records one at its first `ask`, not when it is
   * loaded: reading a study (a dashboard's, another tool's file) writes nothing.
   */
  seedToRecord = false;
  /** @internal heartbeats of running trials and stale-trial detection (createStudy's heartbeatInterval) */
  heartbeat: HeartbeatMonitor<Study> | null = null;

  /**
   * Not for users: create a study with createStudy / loadStudy. Deliberately not tagged internal:
   * stripped from the .d.ts (stripInternal), the class would declare an implicit `new Study()`.
   */
  constructor(
    readonly studyName: string,
    readonly studyId: number,
    readonly storage: Storage,
    readonly directions: readonly Direction[],
    readonly sampler: Sampler,
    readonly pruner: Pruner,
    /** @internal What this study delegates to modules it must not import (wired by lifecycle.ts). */
    readonly services: StudyServices,
  ) {
    this.trialCache = new TrialCache(storage, studyId);
  }

  private viewMemo: StudyView | undefined;
  /**
   * The read-only view of this study that its sampler and pruner receive (directions, trials, running
   * trials): what they want recorded they return as data, which the study writes.
   */
  get view(): StudyView {
    return (this.viewMemo ??= viewOf(this));
  }

  /** The identity of the stored study: the same object for every Study on this storage object and study id. */
  get studyKey(): object {
    return studyKeyOf(this.storage, this.studyId);
  }

  /** The direction of a single-objective study. */
  get direction(): Direction {
    if (this.directions.length !== 1) {
      throw new InvalidArgumentError('This study has several objectives; read `directions` instead of `direction`.');
    }
    return this.directions[0];
  }

  get isMultiObjective(): boolean {
    return this.directions.length > 1;
  }

  /** All trials, ordered by number (a cached snapshot, refreshed by every ask/tell and by `refresh()`). */
  get trials(): readonly FrozenTrial[] {
    return this.trialCache.all;
  }

  /** All trials without a copy, and how many times they changed (see `StudyView.peekTrials`). */
  peekTrials(): PeekedTrials {
    return { trials: this.trialCache.current, changes: this.trialCache.changeCount };
  }

  /**
   * Trials filtered by state. `deepcopy` is taken for Optuna's habit and changes nothing: the trials
   * handed out are never changed under their holder.
   */
  getTrials(opts: { states?: readonly TrialState[]; deepcopy?: boolean } = {}): FrozenTrial[] {
    checkOptionKeys('getTrials', opts, GET_TRIALS_OPTION_KEYS);
    const states = opts.states;
    if (!states) return [...this.trialCache.current];
    return this.trialCache.current.filter((t) => states.includes(t.state));
  }

  /**
   * The trials running in this process (from optimize or ask) as they are now: parameters suggested
   * and values reported so far, which `trials` shows only after the next refresh.
   */
  runningTrials(): FrozenTrial[] {
    return this.trialCache.runningSnapshots();
  }

  /** Re-read the trials from storage (other workers may have added some). */
  async refresh(): Promise<void> {
    await this.trialCache.refresh();
  }

  /** The best COMPLETE trial of a single-objective study (feasible only, when constraints were recorded). */
  get bestTrial(): FrozenTrial {
    if (this.isMultiObjective) {
      throw new InvalidArgumentError('bestTrial is for single-objective studies; use bestTrials (the Pareto front).');
    }
    // The tracker looks only at trials new or unfinished since its last call: cheap when nothing changed.
    this.bestTracker ??= new BestTrialTracker(this.directions[0]);
    const best = this.bestTracker.bestOf(this.trialCache.current);
    if (!best) {
      if (this.trialCache.current.some((t) => t.state === TrialState.COMPLETE)) {
        // Optuna: "No feasible trials are completed yet."
        throw new TunelabError(
          `Study '${this.studyName}' has no feasible COMPLETE trial yet (every one violates a constraint), so it has no best trial.`,
        );
      }
      throw new TunelabError(`Study '${this.studyName}' has no COMPLETE trial yet, so it has no best trial. Run optimize() first.`);
    }
    return best;
  }

  get bestValue(): number {
    return this.bestTrial.values![0];
  }

  get bestParams(): Record<string, ParamValue> {
    return plainCopy(this.bestTrial.params);
  }

  /** Pareto-optimal COMPLETE trials, feasible ones only under constraints (one objective: the trials sharing the best value). */
  get bestTrials(): FrozenTrial[] {
    return paretoFrontOf(this.trialCache.current, this.directions);
  }

  private attributesMemo: StudyAttributes | undefined;
  private get attributes(): StudyAttributes {
    return (this.attributesMemo ??= new StudyAttributes(this.storage, this.studyId));
  }

  /** Store a user attribute of the study (JSON data), as Optuna's `study.set_user_attr`. */
  async setUserAttr(key: string, value: unknown): Promise<void> {
    await this.attributes.setUser(key, value);
  }

  /**
   * The study's user attributes (a copy), as Optuna's `study.user_attrs`: as read when the study was
   * created or loaded, plus this object's own `setUserAttr` writes. Another process's writes appear
   * after `await study.refreshAttrs()` (or read them now with `await study.getUserAttrs()`).
   */
  get userAttrs(): Record<string, unknown> {
    return this.attributes.userAttrs;
  }

  /** Read the user attributes from storage now. */
  async getUserAttrs(): Promise<Record<string, unknown>> {
    return this.storage.getStudyUserAttrs(this.studyId);
  }

  /**
   * The study's system attributes (a copy; same freshness as `userAttrs`). Optuna 5 no longer has
   * `Study.system_attrs`; tunelab keeps it read-mostly for inspection (metric names, grid points...).
   */
  get systemAttrs(): Record<string, unknown> {
    return this.attributes.systemAttrs;
  }

  /** Read the system attributes from storage now. */
  async getSystemAttrs(): Promise<Record<string, unknown>> {
    return this.storage.getStudySystemAttrs(this.studyId);
  }

  async setSystemAttr(key: string, value: unknown): Promise<void> {
    await this.attributes.setSystem(key, value);
  }

  /** Re-read `userAttrs`, `systemAttrs` and `metricNames` from storage (other processes may have written them). */
  async refreshAttrs(): Promise<void> {
    await this.attributes.reload();
  }

  /**
   * Name each objective (Optuna's `set_metric_names`, stored where Optuna keeps it: the system
   * attribute 'study:metric_names'). Plots title their axes and `trialsDataFrame` names its value
   * columns (`values_<name>`) with them.
   */
  async setMetricNames(names: string[]): Promise<void> {
    await this.attributes.setSystem(METRIC_NAMES_KEY, checkMetricNames(names, this.directions.length));
  }

  /** The names set by `setMetricNames` (or by Optuna's `set_metric_names`), or null. */
  get metricNames(): string[] | null {
    return this.attributes.metricNames;
  }

  /**
   * Queue a trial with fixed parameter values; the next `ask` (or optimize) evaluates it first.
   * Parameters the objective suggests that are not fixed here are sampled as usual.
   */
  async enqueueTrial(params: Record<string, ParamValue>, opts: EnqueueTrialOptions = {}): Promise<void> {
    if (params === null || typeof params !== 'object') {
      throw new InvalidArgumentError('enqueueTrial(params): params must be an object of parameter values.');
    }
    checkOptionKeys('enqueueTrial', opts, ENQUEUE_TRIAL_OPTION_KEYS);
    if (opts.skipIfExists) {
      await this.refresh();
      const same = (t: FrozenTrial) => {
        const fixed = (ownValue(t.systemAttrs, FIXED_PARAMS_KEY) as Record<string, ParamValue> | undefined) ?? t.params;
        const keys = Object.keys(params);
        return keys.length === Object.keys(fixed).length && keys.every((k) => hasKey(fixed, k) && fixed[k] === params[k]);
      };
      if (this.trialCache.current.some(same)) {
        logInfo(`Trial with params ${formatParams({ params, distributions: {} })} already exists. Skipping enqueue.`); // Optuna's line
        return;
      }
    }
    await this.storage.createNewTrial(this.studyId, {
      state: TrialState.WAITING,
      userAttrs: opts.userAttrs,
      systemAttrs: { [FIXED_PARAMS_KEY]: plainCopy(params) },
    });
    await this.refresh();
  }

  /**
   * Add a trial made with `createTrial` (or taken from another study) as it is, as Optuna's
   * `study.add_trial`: checked first (state rules, params inside their distributions, one value per
   * objective), then numbered after the last trial. Samplers learn from it like any other trial.
   */
  async addTrial(trial: FrozenTrial): Promise<void> {
    await this.addTrials([trial]);
  }

  /** Add several trials at once (one write for the batch on SQLite and PostgreSQL); none is added if one is invalid. */
  async addTrials(trials: Iterable<FrozenTrial>): Promise<void> {
    await this.refresh();
    await addTrialsToStorage(this.storage, this.studyId, [...trials], this.directions.length, this.trialCache.all);
    await this.refresh();
  }

  /**
   * Start a trial without running an objective (Optuna's ask-and-tell interface). Enqueued trials come
   * first. `fixedDistributions` are suggested immediately, so the returned trial already has them.
   */
  ask(fixedDistributions: Record<string, Distribution> = {}): Promise<Trial> {
    return runStepsAsync(this.askSteps(fixedDistributions));
  }

  /**
   * Finish a trial: with values (COMPLETE), or with a state (PRUNED, FAIL) and no values. Values that
   * are NaN or not numbers, or the wrong count for the study's directions, record the trial as FAIL
   * with the reason and a warning, as Optuna does; +-Infinity is recorded as a value.
   */
  tell(trialOrNumber: Trial | number, values?: ObjectiveValue | null, opts: TellOptions = {}): Promise<FrozenTrial> {
    return runStepsAsync(this.tellSteps(trialOrNumber, values, opts)).then((told) => {
      // As Optuna warns: values that cannot be recorded are not an error, but must not pass unseen.
      // (optimize logs its own lines for a trial its objective failed.)
      if (told.state === TrialState.FAIL && (opts.state ?? TrialState.COMPLETE) === TrialState.COMPLETE) {
        logWarning(
          `Trial ${told.number} failed: ${String(ownValue(told.systemAttrs, FAIL_REASON_KEY) ?? 'its values could not be recorded')}`,
        );
      }
      return told;
    });
  }

  /** @internal `ask` as steps (src/steps.ts): the trial loop runs them without a promise where it can. */
  askSteps(fixedDistributions: Record<string, Distribution> = {}): Steps<StudyTrial> {
    return askSteps(this, this.trialCache, fixedDistributions);
  }

  /** @internal `tell` as steps (src/steps.ts). */
  tellSteps(trialOrNumber: Trial | number, values?: ObjectiveValue | null, opts: TellOptions = {}): Steps<FrozenTrial> {
    return tellSteps(this, this.trialCache, trialOrNumber, values, opts);
  }

  /**
   * @internal Throw unless `name` may be suggested with `distribution` in trial `trialNumber`, by
   * Optuna's rule (`check_distribution_compatibility`): a name keeps the kind of parameter it was
   * first stored with, its log scale and, for a categorical one, its choices; the range may change.
   */
  checkParamDistribution(name: string, distribution: Distribution, trialNumber: number): void {
    const first = this.trialCache.firstDistribution(name);
    if (first === undefined) {
      this.trialCache.noteDistribution(name, distribution, trialNumber);
      return;
    }
    const problem = distributionIncompatibility(name, first.distribution, distribution, `in trial ${first.firstTrial}`);
    if (problem) throw new ParameterConflictError(problem);
  }

  /**
   * @internal The live object of a trial running in this process, or undefined. (Samplers and
   * pruners see running trials as snapshots, through `view.runningTrials()`.)
   */
  liveTrial(number: number): StudyTrial | undefined {
    return this.trialCache.running.get(number);
  }

  /**
   * Importance of each parameter, largest first: PED-ANOVA by default (as Optuna 5.0), fANOVA
   * (`evaluator: 'fanova'`) or mean decrease in impurity (`evaluator: 'mdi'`). Reads the trials in this study object; call `refresh()` first to include
   * trials other processes added. See `getParamImportances`.
   */
  importances(opts: ImportanceOptions = {}): Record<string, number> {
    return this.services.importances(this, opts);
  }

  /**
   * Stop `optimize` after the trials now running finish (callable from a callback or a widget);
   * optimize then returns normally, as after Optuna's `study.stop()`.
   */
  stop(): void {
    if (!isActive(this)) {
      // As Optuna (a RuntimeError there): outside optimize there is nothing to stop, and a later
      // optimize would not stop either.
      throw new InvalidArgumentError(
        `study.stop() ends a running optimize of '${this.studyName}': call it from the objective or a callback. To bound a later optimize, give it nTrials, a timeout or a signal.`,
      );
    }
    this.stopRequest.stop();
  }

  /**
   * Interrupt `optimize`: it stops after the trials now running finish and then throws
   * OptimizeInterruptedError (what Ctrl-C or an aborted `signal` does; see stopAllStudies).
   */
  interrupt(): void {
    this.stopRequest.interrupt();
  }

  /**
   * Run the objective for `nTrials` trials (or until `timeout` seconds, `stop()`, or the sampler says
   * the space is exhausted), logging one line per finished trial (see logging.ts). As in Optuna, a
   * trial whose objective throws is recorded FAIL; unless the error's class is listed in `catch`,
   * optimize then throws it once the running trials finish. An interrupt (`opts.signal` aborting,
   * the kernel's interrupt, Ctrl-C, stopAllStudies) throws OptimizeInterruptedError the same way;
   * `stop()` ends it normally.
   */
  async optimize(objective: Objective | ModuleObjective, opts: OptimizeOptions = {}): Promise<void> {
    return optimizeStudy(this, this.stopRequest, objective, opts);
  }

  /**
   * Re-run finished trial `trialNumber` with its recorded parameters and seed, in a scratch in-memory
   * copy of this study (this study is not changed), and report whether the value is bit-identical,
   * how far off it is otherwise, and how this environment differs from the one recorded.
   */
  async reproduce(trialNumber: number, objective: Objective, opts: ReproduceOptions = {}): Promise<ReproduceReport> {
    return this.services.reproduce(this, trialNumber, objective, opts);
  }

  /** console.log(study) and the kernel show a summary: name, directions, trials by state name, best. */
  [Symbol.for('nodejs.util.inspect.custom')](depth: number, options: object, inspect: (v: unknown, o: object) => string): string {
    const trials = this.trialCache.all;
    const states: Record<string, number> = {};
    for (const t of trials) states[trialStateName(t.state)] = (states[trialStateName(t.state)] ?? 0) + 1;
    const best = this.isMultiObjective ? null : bestTrialOrNull(this);
    const shown = {
      studyName: this.studyName,
      directions: this.directions,
      trials: trials.length,
      states,
      ...(best ? { bestTrial: best.number, bestValue: best.values![0] } : {}),
      ...(this.isMultiObjective ? { paretoFront: this.bestTrials.length } : {}),
    };
    return depth < 0 ? `[Study ${this.studyName}]` : `Study ${inspect(shown, options)}`;
  }

  /**
   * One row per trial (number, state, values, params, user attributes, times) with CSV/JSON export;
   * `attrs` picks and orders the columns as Optuna's `trials_dataframe(attrs=...)` does.
   */
  trialsDataFrame(opts: TrialsTableOptions = {}): TrialsTable {
    return trialsTableOf(this.trialCache.all, this.directions.length, this.metricNames, opts);
  }
}
