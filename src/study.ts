import type { Distribution, ParamValue } from './distributions';
import { toWellFormed } from './storage/storable';
import { InvalidArgumentError, isTrialPruned, OptimizeInterruptedError, TrialPruned, TunelabError } from './errors';
import { isFinished, lastStep, TRIAL_STATE_NAMES, TrialState, trialStateName, type Direction, type FrozenTrial } from './frozenTrial';
import { getDefaultObserverFactory, type OptimizeEnd, type OptimizeObserver } from './progress';
import { errorRepr, logTrialCompleted, logTrialFailed, logTrialPruned } from './trialLog';
import { THREAD_ERROR_CLASSES } from './parallel/protocol';
import { interruptOnCtrlC } from './ctrlC';
import { checkSignalOption, getOptimizeInterruptSource, onFirstAbort } from './optimizeSignal';
import type { Pruner } from './pruners/base';
import { getParamImportances, type ImportanceOptions } from './importance';
import type { Sampler } from './samplers/base';
import type { Storage } from './storage';
import { FAIL_REASON_KEY, FIXED_PARAMS_KEY, Trial } from './trial';
import { hasKey, ownValue, plainCopy } from './dict';
import { trialsTable, type TrialsTable } from './export';
import { isFeasible } from './multiobjective/constraints';
import { dominates } from './multiobjective/pareto';
import { HeartbeatMonitor, type HeartbeatOptions } from './parallel/heartbeat';
import { isModuleObjective, type ModuleObjective } from './parallel/moduleObjective';
import { optimizeWithModuleObjective } from './parallel/threads';
import { runWithSeed } from './reproducibility/context';
import { trialSeedFor } from './reproducibility/seeds';
import { recordedTrialSeed, recordStudySeed, TRIAL_SEED_KEY } from './reproducibility/studyRecords';
import { reproduceTrial, type ReproduceOptions, type ReproduceReport } from './reproducibility/reproduce';
import { runtime } from './runtime';
import { checkMetricNames, METRIC_NAMES_KEY, StudyAttributes } from './study/attributes';
import { addTrialsToStorage } from './study/addTrials';
import { recordAlgorithmWrites } from './study/algorithmWrites';
import { studyKeyOf, viewOf, type AlgorithmResult, type StudyView } from './study/view';

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
  /** How many trials run concurrently (async objectives overlap; default 1). */
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
}

export interface TellOptions {
  /** COMPLETE (default with values), PRUNED or FAIL. */
  state?: TrialState;
  /** Do nothing if the trial is already finished instead of throwing. */
  skipIfFinished?: boolean;
  /** Why the trial failed (recorded as a system attribute). */
  failReason?: string;
}

// Studies inside optimize(), in the runtime object so a kernel interrupt reaches every loaded copy of tunelab.
const activeStudies = (runtime.activeStudies ??= new Set());

/**
 * Interrupt every running `optimize` in this process (Ctrl-C in plain Node; the kernel aborts its
 * interrupt source's signal instead, see setOptimizeInterruptSource): each stops after
 * its running trials and then throws OptimizeInterruptedError, as Python's KeyboardInterrupt leaves
 * Optuna's optimize.
 */
export function stopAllStudies(): void {
  for (const s of activeStudies) s.interrupt();
}

/**
 * A study: an optimisation task over one objective (or several), with its trials held in storage.
 * Create one with `createStudy`.
 */
export class Study implements StudyView {
  private cache: FrozenTrial[] = [];
  private cacheVersion = 0;
  private bestMemo: { version: number; trial: FrozenTrial | null } | null = null;
  /** Trials before this index are finished (see `ask`). */
  private waitingScanFrom = 0;
  private stopRequested = false;
  private interruptRequested = false;
  private readonly running = new Map<number, Trial>();
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
  ) {}

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
    return this.cache;
  }

  /** Trials filtered by state. */
  getTrials(opts: { states?: readonly TrialState[] } = {}): FrozenTrial[] {
    const states = opts.states;
    if (!states) return [...this.cache];
    return this.cache.filter((t) => states.includes(t.state));
  }

  /**
   * The trials running in this process (from optimize or ask) as they are now: parameters suggested
   * and values reported so far, which `trials` shows only after the next refresh.
   */
  runningTrials(): FrozenTrial[] {
    return [...this.running.values()].map((t) => t.snapshot());
  }

  /** Re-read the trials from storage (other workers may have added some). */
  async refresh(): Promise<void> {
    const trials = await this.storage.getAllTrials(this.studyId);
    // Trials running in this process are shown as they are now (parameters suggested, values reported),
    // not as storage last saw them: their writes are queued, and samplers (constant liar, GP) and
    // pruners must see them without waiting for the queue to drain.
    for (const [number, live] of this.running) {
      if (trials[number]?.trialId === live.trialId && trials[number].state === TrialState.RUNNING) {
        trials[number] = live.snapshot();
      }
    }
    this.cache = trials;
    this.cacheVersion++;
  }

  /** The best COMPLETE trial of a single-objective study (feasible only, when constraints were recorded). */
  get bestTrial(): FrozenTrial {
    if (this.isMultiObjective) {
      throw new InvalidArgumentError('bestTrial is for single-objective studies; use bestTrials (the Pareto front).');
    }
    if (!this.bestMemo || this.bestMemo.version !== this.cacheVersion) {
      const sign = this.directions[0] === 'minimize' ? 1 : -1;
      let best: FrozenTrial | null = null;
      for (const t of this.cache) {
        // With constraints recorded (constraintsFunc), only feasible trials can be best.
        if (t.state !== TrialState.COMPLETE || !t.values || !isFeasible(t)) continue;
        if (!best || sign * (t.values[0] - best.values![0]) < 0) best = t;
      }
      this.bestMemo = { version: this.cacheVersion, trial: best };
    }
    if (!this.bestMemo.trial) {
      throw new TunelabError(
        `Study '${this.studyName}' has no COMPLETE trial yet, so it has no best trial. Run optimize() first.`,
      );
    }
    return this.bestMemo.trial;
  }

  get bestValue(): number {
    return this.bestTrial.values![0];
  }

  get bestParams(): Record<string, ParamValue> {
    return plainCopy(this.bestTrial.params);
  }

  /** Pareto-optimal COMPLETE trials, feasible ones only under constraints (one objective: the trials sharing the best value). */
  get bestTrials(): FrozenTrial[] {
    const complete = this.cache.filter((t) => t.state === TrialState.COMPLETE && t.values && isFeasible(t));
    return complete.filter((t) => !complete.some((o) => o !== t && dominates(o.values!, t.values!, this.directions)));
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
  async enqueueTrial(
    params: Record<string, ParamValue>,
    opts: { userAttrs?: Record<string, unknown>; skipIfExists?: boolean } = {},
  ): Promise<void> {
    if (params === null || typeof params !== 'object') {
      throw new InvalidArgumentError('enqueueTrial(params): params must be an object of parameter values.');
    }
    if (opts.skipIfExists) {
      await this.refresh();
      const same = (t: FrozenTrial) => {
        const fixed = (ownValue(t.systemAttrs, FIXED_PARAMS_KEY) as Record<string, ParamValue> | undefined) ?? t.params;
        const keys = Object.keys(params);
        return keys.length === Object.keys(fixed).length && keys.every((k) => hasKey(fixed, k) && fixed[k] === params[k]);
      };
      if (this.cache.some(same)) return;
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
    await addTrialsToStorage(this.storage, this.studyId, [...trials], this.directions.length, this.cache);
    await this.refresh();
  }

  /**
   * Start a trial without running an objective (Optuna's ask-and-tell interface). Enqueued trials come
   * first. `fixedDistributions` are suggested immediately, so the returned trial already has them.
   */
  async ask(fixedDistributions: Record<string, Distribution> = {}): Promise<Trial> {
    if (this.seedToRecord) {
      this.seed = await recordStudySeed(this.storage, this.studyId, { recordEnvironment: false });
      this.seedToRecord = false;
    }
    await this.heartbeat?.failStaleTrials(this);
    await this.refresh();
    let base: FrozenTrial | null = null;
    const WAITING = TrialState.WAITING;
    // Finished trials never become WAITING again, so the scan for enqueued trials starts after the
    // leading run of finished ones (keeps ask O(1) instead of O(trials) in a long study).
    const cache = this.cache;
    if (this.waitingScanFrom > cache.length) this.waitingScanFrom = 0;
    while (this.waitingScanFrom < cache.length && isFinished(cache[this.waitingScanFrom].state)) this.waitingScanFrom++;
    for (let i = this.waitingScanFrom; i < cache.length; i++) {
      const waiting = cache[i];
      if (waiting.state !== WAITING) continue;
      if (await this.storage.setTrialState(waiting.trialId, TrialState.RUNNING, null, WAITING)) {
        base = await this.storage.getTrial(waiting.trialId);
        break;
      }
    }
    if (!base) base = await this.storage.createNewTrial(this.studyId);
    await this.heartbeat?.start(base.trialId);
    if (!this.updateCached(base)) await this.refresh();
    const started = base;
    await this.recordAlgorithmWrites(started, await this.sampler.beforeTrial?.(this.view, started));
    const sampler = this.sampler;
    const view = this.view;
    const trial = new Trial(this, base, () => {
      const space = sampler.inferRelativeSearchSpace(view, started);
      return { space, params: Object.keys(space).length > 0 ? sampler.sampleRelative(view, started, space) : {} };
    });
    if (recordedTrialSeed(base.systemAttrs) === undefined) trial.setSystemAttr(TRIAL_SEED_KEY, trialSeedFor(this.seed, trial.number));
    this.running.set(trial.number, trial);
    for (const [name, d] of Object.entries(fixedDistributions)) trial.suggest(name, d);
    return trial;
  }

  /**
   * Finish a trial: with values (COMPLETE), or with a state (PRUNED, FAIL). Values that are not finite
   * numbers, or the wrong count for the study's directions, record the trial as FAIL with the reason.
   */
  async tell(
    trialOrNumber: Trial | number,
    values?: ObjectiveValue | null,
    opts: TellOptions = {},
  ): Promise<FrozenTrial> {
    let found = typeof trialOrNumber === 'number' ? this.running.get(trialOrNumber) : trialOrNumber;
    if (!found && typeof trialOrNumber === 'number') {
      // Asked by another process (`tunelab ask`, `optuna ask`, a worker): finish it from its stored snapshot.
      const adopted = await this.adoptStoredTrial(trialOrNumber, opts);
      if (!(adopted instanceof Trial)) return adopted;
      found = adopted;
    }
    if (!found) throw new InvalidArgumentError('tell(trial): pass a Trial or a trial number.');
    const trial: Trial = found;
    let state = opts.state ?? TrialState.COMPLETE;
    let failReason = opts.failReason;
    let recorded: number[] | null = null;
    if (state === TrialState.COMPLETE) {
      const checked = this.checkValues(values);
      if (typeof checked === 'string') {
        state = TrialState.FAIL;
        failReason = checked;
      } else {
        recorded = checked;
      }
    } else if (state === TrialState.PRUNED) {
      // Like Optuna, a pruned trial keeps its last reported value so plots and samplers can use it.
      const snap = trial.snapshot();
      const step = lastStep(snap);
      const v = step === undefined ? undefined : snap.intermediateValues.get(step);
      if (v !== undefined && Number.isFinite(v) && !this.isMultiObjective) recorded = [v];
    } else if (state !== TrialState.FAIL) {
      throw new InvalidArgumentError('tell(): state must be COMPLETE, PRUNED or FAIL.');
    }
    // An error message may quote anything, a lone surrogate included: store it as well-formed text.
    if (state === TrialState.FAIL && failReason) trial.setSystemAttr(FAIL_REASON_KEY, toWellFormed(failReason));
    // A write of this trial failing (or finishing it failing) records it FAIL rather than leaving it
    // RUNNING for ever, then reports the original error.
    const writeOrFail = async <T>(write: () => Promise<T>): Promise<T> => {
      try {
        return await write();
      } catch (err) {
        this.heartbeat?.stop(trial.trialId);
        await this.failAfterWriteError(trial, err);
        throw err;
      }
    };
    await writeOrFail(() => trial.flush());
    // Not a storage write: an error here (a user's constraintsFunc, say) leaves the trial RUNNING, so
    // the caller records it FAIL with that error as the reason, as for an error in the objective.
    await this.recordAlgorithmWrites(trial, await this.sampler.afterTrial?.(this.view, trial.snapshot(), state, recorded));
    const changed = await writeOrFail(() => {
      this.heartbeat?.stop(trial.trialId);
      return this.storage.setTrialState(trial.trialId, state, recorded, TrialState.RUNNING);
    });
    trial.markFinished(state);
    this.running.delete(trial.number);
    if (!changed && !opts.skipIfFinished) {
      throw new InvalidArgumentError(`Trial ${trial.number} was already finished; pass skipIfFinished: true to ignore.`);
    }
    const frozen = await this.storage.getTrial(trial.trialId);
    if (!this.updateCached(frozen)) await this.refresh();
    return frozen;
  }

  /**
   * The RUNNING trial `number` as stored, wrapped so that tell() can finish it; a finished trial is
   * returned as is with skipIfFinished (Optuna's tell-by-number semantics) and refused otherwise.
   */
  private async adoptStoredTrial(number: number, opts: TellOptions): Promise<Trial | FrozenTrial> {
    await this.refresh();
    const stored = this.cache[number]?.number === number ? this.cache[number] : this.cache.find((t) => t.number === number);
    if (!stored) {
      throw new InvalidArgumentError(`tell(${number}): study '${this.studyName}' has no trial number ${number}; ask for it first.`);
    }
    if (isFinished(stored.state) && opts.skipIfFinished) return stored;
    if (stored.state !== TrialState.RUNNING) {
      throw new InvalidArgumentError(
        `tell(${number}): trial ${number} is ${TRIAL_STATE_NAMES[stored.state]}, not RUNNING` +
          (isFinished(stored.state) ? '; pass skipIfFinished: true to ignore finished trials.' : '.'),
      );
    }
    return new Trial(this, stored, () => ({ space: {}, params: {} }));
  }

  /** Best effort: finish `trial` as FAIL with the write error as its reason (the storage may be gone). */
  private async failAfterWriteError(trial: Trial, err: unknown): Promise<void> {
    const reason = toWellFormed(`A storage write of this trial failed: ${err instanceof Error ? err.message : String(err)}`);
    // A write-behind storage reports a failed batched write once, at the next setTrialState: try twice.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await this.storage.setTrialSystemAttr(trial.trialId, FAIL_REASON_KEY, reason).catch(() => undefined);
        await this.storage.setTrialState(trial.trialId, TrialState.FAIL, null, TrialState.RUNNING);
        break;
      } catch {
        // retried once, then given up: heartbeats (or the next worker's failStaleTrials) clean up
      }
    }
    trial.markFinished(TrialState.FAIL);
    this.running.delete(trial.number);
  }

  /**
   * Put one trial's new snapshot into the cache without re-reading the study, when the cache is
   * consistent with it (the trial is cached already, or is the next number). Returns false when
   * other workers have added trials meanwhile, so the caller must refresh. Copy-on-write: arrays
   * handed out earlier by `trials` never change under their holder.
   */
  private updateCached(t: FrozenTrial): boolean {
    const known = this.cache[t.number];
    if (known ? known.trialId !== t.trialId : t.number !== this.cache.length) return false;
    const next = this.cache.slice();
    next[t.number] = t;
    this.cache = next;
    this.cacheVersion++;
    return true;
  }

  private checkValues(values: ObjectiveValue | null | undefined): number[] | string {
    const arr = typeof values === 'number' ? [values] : Array.isArray(values) ? [...values] : null;
    if (!arr) {
      return `The objective returned ${describeValue(values)}; it must return a number${
        this.isMultiObjective ? ` array of length ${this.directions.length}` : ''
      }.`;
    }
    if (arr.length !== this.directions.length) {
      return `The objective returned ${arr.length} values but the study has ${this.directions.length} direction(s).`;
    }
    for (const v of arr) {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        return `The objective returned ${describeValue(v)}; values must be finite numbers.`;
      }
    }
    return arr;
  }

  /** Write what a sampler hook returned for `trial` (see AlgorithmWrites). */
  private recordAlgorithmWrites(trial: { trialId: number }, writes: AlgorithmResult): Promise<void> {
    return recordAlgorithmWrites({ storage: this.storage, studyId: this.studyId, trialId: trial.trialId, stop: () => this.stop() }, writes);
  }

  /**
   * @internal The live object of a trial running in this process, or undefined. (Samplers and
   * pruners see running trials as snapshots, through `view.runningTrials()`.)
   */
  liveTrial(number: number): Trial | undefined {
    return this.running.get(number);
  }

  /**
   * Importance of each parameter, largest first: PED-ANOVA by default (as Optuna 5.0), fANOVA
   * (`evaluator: 'fanova'`) or mean decrease in impurity (`evaluator: 'mdi'`). Reads the trials in this study object; call `refresh()` first to include
   * trials other processes added. See `getParamImportances`.
   */
  importances(opts: ImportanceOptions = {}): Record<string, number> {
    return getParamImportances(this, opts);
  }

  /**
   * Stop `optimize` after the trials now running finish (callable from a callback or a widget);
   * optimize then returns normally, as after Optuna's `study.stop()`.
   */
  stop(): void {
    this.stopRequested = true;
  }

  /**
   * Interrupt `optimize`: it stops after the trials now running finish and then throws
   * OptimizeInterruptedError (what Ctrl-C or an aborted `signal` does; see stopAllStudies).
   */
  interrupt(): void {
    this.stopRequested = true;
    this.interruptRequested = true;
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
    checkSignalOption(opts.signal);
    if (isModuleObjective(objective) || opts.workers !== undefined) {
      return optimizeWithModuleObjective(this, objective, opts);
    }
    if (typeof objective !== 'function') {
      throw new InvalidArgumentError('optimize(objective): objective must be a function (trial) => number.');
    }
    const { nTrials, timeout } = opts;
    const nJobs = opts.nJobs ?? 1;
    if (nTrials !== undefined && !(Number.isInteger(nTrials) && nTrials >= 0)) {
      throw new InvalidArgumentError(`optimize: nTrials must be a non-negative integer, got ${nTrials}.`);
    }
    if (timeout !== undefined && !(typeof timeout === 'number' && timeout >= 0)) {
      throw new InvalidArgumentError(`optimize: timeout is in seconds and must be >= 0, got ${timeout}.`);
    }
    if (!(Number.isInteger(nJobs) && nJobs >= 1)) {
      throw new InvalidArgumentError(`optimize: nJobs must be a positive integer, got ${nJobs}.`);
    }
    checkCatchRule(opts.catch);
    this.stopRequested = false;
    this.interruptRequested = false;
    // The host's interrupts (the tunelab kernel's) come through its source, whatever the progress display.
    const host = getOptimizeInterruptSource();
    const deadline = timeout === undefined ? Infinity : Date.now() + timeout * 1000;
    const observer: OptimizeObserver | undefined =
      opts.showProgressBar === false ? undefined : getDefaultObserverFactory()(this, { nTrials, timeoutSeconds: timeout });
    let launched = 0;
    let finished = 0;
    let fatal: unknown = null;
    const worker = async () => {
      while (!this.stopRequested && fatal === null && Date.now() < deadline) {
        if (nTrials !== undefined && launched >= nTrials) break;
        launched++;
        const frozen = await this.runOneTrial(objective, opts, (err) => {
          if (fatal === null) fatal = err;
        });
        finished++;
        observer?.onTrialFinished(this, frozen);
        host?.poll?.();
        for (const cb of opts.callbacks ?? []) await cb(this, frozen);
        await yieldToEventLoopEvery(YIELD_INTERVAL_MS);
      }
    };
    activeStudies.add(this);
    // A host with an interrupt source handles SIGINT itself (in the kernel, Ctrl-C's handler would
    // even break the kernel's: vm's breakOnSigint hides its listener while a cell's first part runs).
    const releaseCtrlC = host ? () => undefined : interruptOnCtrlC(stopAllStudies);
    // An aborted signal interrupts this call as a kernel interrupt or Ctrl-C does (at once if it already is).
    const aborted: { reason: unknown }[] = [];
    const stopListening = onFirstAbort([opts.signal, host?.signal()], (reason) => {
      aborted.push({ reason });
      this.interrupt();
    });
    let end: OptimizeEnd = { kind: 'finished' };
    try {
      const results = await Promise.allSettled(Array.from({ length: nJobs }, worker));
      const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (fatal === null && rejected) fatal = rejected.reason;
      // An interrupt wins over an error it caused (a loop check throwing inside the objective).
      if (this.interruptRequested) fatal = new OptimizeInterruptedError(this.studyName, finished, aborted[0]);
      if (fatal !== null) {
        end = fatal instanceof OptimizeInterruptedError ? { kind: 'interrupted', error: fatal } : { kind: 'failed', error: fatal };
      } else if (this.stopRequested) {
        end = { kind: 'stopped' };
      }
    } finally {
      stopListening();
      activeStudies.delete(this);
      releaseCtrlC();
      observer?.onEnd(this, end);
    }
    if (fatal !== null) throw fatal;
  }

  private async runOneTrial(objective: Objective, opts: OptimizeOptions, onFatal: (e: unknown) => void): Promise<FrozenTrial> {
    const trial = await this.ask();
    let value: ObjectiveValue | undefined;
    try {
      value = await runWithSeed(trial.seed, () => objective(trial));
      const frozen = await this.tell(trial, value);
      if (frozen.state === TrialState.COMPLETE) logTrialCompleted(frozen, () => this.bestForLog(), this.metricNames);
      else logTrialFailed(frozen, String(ownValue(frozen.systemAttrs, FAIL_REASON_KEY) ?? 'invalid value'), value);
      return frozen;
    } catch (err) {
      if (trial.state !== TrialState.RUNNING) throw err; // tell itself failed: a storage problem
      if (isTrialPruned(err)) {
        const pruned = await this.tell(trial, null, { state: TrialState.PRUNED });
        logTrialPruned(pruned, err.message === new TrialPruned().message ? '' : err.message);
        return pruned;
      }
      const frozen = await this.tell(trial, null, { state: TrialState.FAIL, failReason: describeError(err) });
      logTrialFailed(frozen, errorRepr(err), value, stackBelowMessage(err));
      if (!isCaught(opts.catch ?? false, err)) onFatal(err);
      return frozen;
    }
  }

  /**
   * Re-run finished trial `trialNumber` with its recorded parameters and seed, in a scratch in-memory
   * copy of this study (this study is not changed), and report whether the value is bit-identical,
   * how far off it is otherwise, and how this environment differs from the one recorded.
   */
  async reproduce(trialNumber: number, objective: Objective, opts: ReproduceOptions = {}): Promise<ReproduceReport> {
    return reproduceTrial(this, trialNumber, objective, opts);
  }

  /** The best trial for the "Best is trial ..." log line, or null when there is none (or it cannot be computed). */
  private bestForLog(): FrozenTrial | null {
    try {
      return this.bestTrial;
    } catch {
      return null;
    }
  }

  /** console.log(study) and the kernel show a summary: name, directions, trials by state name, best. */
  [Symbol.for('nodejs.util.inspect.custom')](depth: number, options: object, inspect: (v: unknown, o: object) => string): string {
    const states: Record<string, number> = {};
    for (const t of this.cache) states[trialStateName(t.state)] = (states[trialStateName(t.state)] ?? 0) + 1;
    const best = this.isMultiObjective ? null : this.bestForLog();
    const shown = {
      studyName: this.studyName,
      directions: this.directions,
      trials: this.cache.length,
      states,
      ...(best ? { bestTrial: best.number, bestValue: best.values![0] } : {}),
      ...(this.isMultiObjective ? { paretoFront: this.bestTrials.length } : {}),
    };
    return depth < 0 ? `[Study ${this.studyName}]` : `Study ${inspect(shown, options)}`;
  }

  /** One row per trial (number, state, values, params, user attributes, times) with CSV/JSON export. */
  trialsDataFrame(): TrialsTable {
    return trialsTable(this.cache, this.directions.length, this.metricNames);
  }
}

/**
 * With memory storage and a synchronous objective, optimize() would run entirely on microtasks and
 * starve the event loop: no timer, signal handler or incoming message (a Stop button, a kernel
 * interrupt) could run until it finished. So the trial loop gives the event loop a turn whenever this
 * much time has passed since the last one (a cost of microseconds, a few dozen times per second).
 */
const YIELD_INTERVAL_MS = 25;
let lastYield = performance.now();

async function yieldToEventLoopEvery(intervalMs: number): Promise<void> {
  if (performance.now() - lastYield < intervalMs) return;
  await new Promise<void>((resolve) => setImmediate(resolve));
  lastYield = performance.now();
}

function checkCatchRule(rule: unknown): void {
  const ok =
    rule === undefined ||
    typeof rule === 'boolean' ||
    typeof rule === 'function' ||
    (Array.isArray(rule) && rule.every((cls) => typeof cls === 'function'));
  if (!ok) {
    throw new InvalidArgumentError(
      `optimize: catch must be a list of error classes (e.g. [RangeError], or [Error] for every error), true, false or a predicate; got ${describeValue(rule)}.`,
    );
  }
}

function isCaught(rule: NonNullable<OptimizeOptions['catch']>, err: unknown): boolean {
  if (typeof rule === 'boolean') return rule;
  if (Array.isArray(rule)) {
    // An error from a worker thread is a copy: it carries the names of its classes instead.
    const threadClasses = typeof err === 'object' && err !== null ? (err as { [THREAD_ERROR_CLASSES]?: string[] })[THREAD_ERROR_CLASSES] : undefined;
    return rule.some((cls) => err instanceof cls || (threadClasses !== undefined && threadClasses.includes(cls.name)));
  }
  return (rule as (e: unknown) => boolean)(err);
}

/** The stack trace lines under an error's first line (Optuna logs the traceback under the failure). */
function stackBelowMessage(err: unknown): string | undefined {
  if (!(err instanceof Error) || !err.stack) return undefined;
  const lines = err.stack.split('\n');
  const firstFrame = lines.findIndex((l) => /^\s+at /.test(l));
  return firstFrame < 0 ? undefined : lines.slice(firstFrame).join('\n');
}

function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return `thrown value: ${String(err)}`;
}

function describeValue(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (v === undefined) return 'undefined';
  try {
    return `${typeof v} ${JSON.stringify(v)}`.slice(0, 120);
  } catch {
    return typeof v;
  }
}
