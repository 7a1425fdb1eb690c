import { showAsConstructed } from '../../constructedDisplay';
import { containsInternal, describeDistribution, isSingle, type Distribution } from '../../distributions';
import { InvalidArgumentError } from '../../errors';
import { lastStep, TrialState, type FrozenTrial } from '../../frozenTrial';
import { checkSeed, Rng } from '../../rng';
import { peekTrials, type AlgorithmResult, type StudyView } from '../../study/view';
import { FinishedTrialsRecord } from '../../study/unfinishedTrials';
import type { Sampler } from '../base';
import { discreteCell, SpaceEncoding } from '../gp/encoding';
import { IndependentFallback } from '../independent';
import { IntersectionSearchSpace } from '../searchSpace';
import { defaultPopsize, initialState, sampleCandidate, shouldStop, tell, warmStartDistribution, type CmaState } from './cma';
import { applyMargin, type MarginCell } from './margin';
import { hasKey, ownValue, setKey } from '../../dict';
import { requireInt } from '../../validate';
import { checkOptionKeys, optionKeys } from '../../options';

/** Trial system attributes (generation bookkeeping shared across processes through storage). */
export const CMA_RESTART_KEY = 'cma:restart';
export const CMA_GENERATION_KEY = 'cma:generation';
/** JSON of the optimiser state, stored on the first trial of each generation. */
export const CMA_STATE_KEY = 'cma:state';
/**
 * With margin: the continuous unit-cube candidate behind the trial's (rounded) params. The update
 * must learn from it, not from the rounded values, or the margin's spread would be rounded away.
 */
export const CMA_X_KEY = 'cma:x';

export interface CmaEsSamplerOptions {
  seed?: number;
  /**
   * Where the first run starts, by parameter (`trial.params` values, one for each parameter CMA-ES
   * models), as Optuna's `x0`; default the middle of each range (of its logarithm on a log scale).
   * Restarts start from random points, as in Optuna. Not with `sourceTrials`, as in Optuna. (Optuna
   * 4.9 deprecates `x0` for removal in 6.0; tunelab keeps it.)
   */
  x0?: Readonly<Record<string, number>> | null;
  /** Initial step size in the unit cube the parameters are normalised to (default 1/6). */
  sigma0?: number;
  /** Random trials before CMA-ES starts (default 1). */
  nStartupTrials?: number;
  /** 'ipop': restart with an `incPopsize` times larger population when a run stalls (default null). */
  restartStrategy?: 'ipop' | null;
  incPopsize?: number;
  /** Diagonal covariance (sep-CMA): linear cost per dimension, good for many weakly coupled params. */
  useSeparableCma?: boolean;
  /**
   * CMA-ES with margin (Hamano et al. 2022) for int and stepped dimensions: keeps the probability of
   * leaving the current grid value at least 1/(n * popsize) per dimension, so they keep exploring.
   */
  withMargin?: boolean;
  /** Population size (default 4 + floor(3 ln n)). */
  popsize?: number;
  /**
   * Learning rate adaptation (LRA-CMA-ES, Nomura et al. 2023), Optuna's `lr_adapt`: the mean's and
   * the covariance's learning rates follow how consistent their updates are, which lets the default
   * population solve multimodal and noisy problems. Not with `useSeparableCma` or `withMargin`, as
   * in Optuna.
   */
  lrAdapt?: boolean;
  /**
   * Trials of an earlier study on a similar task to warm-start from (WS-CMA-ES, Nomura et al. 2021),
   * Optuna's `source_trials`: the first run starts from the distribution of their best tenth (those
   * whose parameters are exactly this search space's, COMPLETE, or PRUNED with reports when
   * `considerPrunedTrials`; at least ten). Not with `sigma0` or `useSeparableCma`, as in Optuna.
   */
  sourceTrials?: readonly FrozenTrial[] | null;
  /**
   * Let PRUNED trials that reported count as solutions, with the value of their last report (Optuna's
   * `consider_pruned_trials`; default false: only COMPLETE trials update the distribution).
   */
  considerPrunedTrials?: boolean;
  /**
   * Draws the parameters CMA-ES does not model (categoricals, and any outside the search space every trial shares) (default: uniformly at random from this sampler's seeded stream), as
   * Optuna's `independent_sampler`; its own hooks run beside this sampler's.
   */
  independentSampler?: Sampler;
  /** Log Optuna's warning for each parameter drawn independently once the model is in use (default true). */
  warnIndependentSampling?: boolean;
}

const CMA_ES_SAMPLER_OPTION_KEYS = optionKeys<CmaEsSamplerOptions>({
  seed: true,
  x0: true,
  sigma0: true,
  nStartupTrials: true,
  restartStrategy: true,
  incPopsize: true,
  useSeparableCma: true,
  withMargin: true,
  popsize: true,
  lrAdapt: true,
  sourceTrials: true,
  considerPrunedTrials: true,
  independentSampler: true,
  warnIndependentSampling: true,
});

interface StoredState {
  names: string[];
  restart: number;
  state: CmaState;
}

/**
 * CMA-ES for single-objective studies over float and int parameters (categoricals are sampled
 * independently at random, as in Optuna). Parameters are normalised to the unit cube (log params in
 * log space). Each trial records its restart and generation; the trial that opens a generation also
 * records the full optimiser state, so a study continued from another process (shared storage)
 * resumes the same run.
 */
export class CmaEsSampler implements Sampler {
  private rng: Rng;
  private readonly sigma0: number;
  private readonly x0: Readonly<Record<string, number>> | null;
  private readonly nStartupTrials: number;
  private readonly restartStrategy: 'ipop' | null;
  private readonly incPopsize: number;
  private readonly separable: boolean;
  private readonly withMargin: boolean;
  private readonly popsize: number | null;
  private readonly lrAdapt: boolean;
  private readonly sourceTrials: readonly FrozenTrial[] | null;
  private readonly considerPrunedTrials: boolean;
  private readonly searchSpace = new IntersectionSearchSpace();
  private readonly pending = new Map<number, Record<string, number>>();
  private readonly generations: CompletedGenerations;
  private readonly independent: IndependentFallback;

  constructor(opts: CmaEsSamplerOptions = {}) {
    showAsConstructed(this, 'CmaEsSampler', [opts]);
    checkOptionKeys('CmaEsSampler', opts, CMA_ES_SAMPLER_OPTION_KEYS);
    checkSeed('CmaEsSampler', opts.seed);
    this.rng = new Rng(opts.seed);
    this.sigma0 = opts.sigma0 ?? 1 / 6;
    this.x0 = checkX0(opts.x0);
    this.lrAdapt = opts.lrAdapt ?? false;
    this.sourceTrials = opts.sourceTrials ?? null;
    this.considerPrunedTrials = opts.considerPrunedTrials ?? false;
    this.generations = new CompletedGenerations(this.considerPrunedTrials);
    this.independent = new IndependentFallback(
      'CmaEsSampler',
      'dynamic search space and categorical parameters are not supported by `CmaEsSampler`',
      opts.independentSampler,
      opts.warnIndependentSampling ?? true,
      () => this.rng,
    );
    if (this.sourceTrials !== null) {
      const trials: unknown = this.sourceTrials;
      const notTrial = Array.isArray(trials) ? trials.findIndex((t) => !isTrialLike(t)) : -1;
      if (!Array.isArray(trials) || notTrial >= 0) {
        throw new InvalidArgumentError(
          `CmaEsSampler: sourceTrials must be an array of trials (another study's \`trials\`)${notTrial >= 0 ? `; item ${notTrial} is not a trial` : ''}.`,
        );
      }
    }
    // As Optuna's CmaEsSampler refuses them.
    if (this.sourceTrials !== null && this.x0 !== null) {
      throw new InvalidArgumentError('CmaEsSampler: sourceTrials sets the initial distribution, so x0 cannot be given with it.');
    }
    if (this.sourceTrials !== null && opts.sigma0 !== undefined) {
      throw new InvalidArgumentError('CmaEsSampler: sourceTrials sets the initial distribution, so sigma0 cannot be given with it.');
    }
    if (this.sourceTrials !== null && opts.useSeparableCma) {
      throw new InvalidArgumentError(
        'CmaEsSampler: sourceTrials cannot warm-start separable CMA-ES (its covariance is diagonal); drop one of them.',
      );
    }
    if (opts.useSeparableCma && opts.withMargin) {
      // As Optuna 5.0, which has no separable CMA-ES with margin.
      throw new InvalidArgumentError('CmaEsSampler: useSeparableCma and withMargin cannot be combined; choose one.');
    }
    if (this.lrAdapt && (opts.useSeparableCma || opts.withMargin)) {
      throw new InvalidArgumentError('CmaEsSampler: lrAdapt works with the full CMA-ES only, not with useSeparableCma or withMargin.');
    }
    if (!(this.sigma0 > 0)) throw new InvalidArgumentError(`CmaEsSampler: sigma0 must be > 0, got ${opts.sigma0}.`);
    this.nStartupTrials = opts.nStartupTrials ?? 1;
    this.restartStrategy = opts.restartStrategy ?? null;
    if (this.restartStrategy !== null && this.restartStrategy !== 'ipop') {
      throw new InvalidArgumentError(`CmaEsSampler: restartStrategy must be 'ipop' or null, got '${String(opts.restartStrategy)}'.`);
    }
    this.incPopsize = opts.incPopsize ?? 2;
    if (!(this.incPopsize >= 1)) throw new InvalidArgumentError(`CmaEsSampler: incPopsize must be >= 1, got ${opts.incPopsize}.`);
    this.separable = opts.useSeparableCma ?? false;
    this.withMargin = opts.withMargin ?? false;
    this.popsize = opts.popsize ?? null;
    if (this.popsize !== null) requireInt('CmaEsSampler', 'popsize', this.popsize, 2);
  }

  reseedRng(seed?: number): void {
    checkSeed('CmaEsSampler.reseedRng', seed);
    this.rng = new Rng(seed);
    this.independent.reseedRng(seed);
  }

  inferRelativeSearchSpace(study: StudyView): Record<string, Distribution> {
    const out: Record<string, Distribution> = {};
    for (const [name, d] of Object.entries(this.searchSpace.calculate(study))) {
      if (!isSingle(d) && d.kind !== 'categorical') setKey(out, name, d);
    }
    return out;
  }

  /** Advance the run and draw this trial's point; the independent sampler's hook runs beside it. */
  beforeTrial(study: StudyView, trial: FrozenTrial): AlgorithmResult | Promise<AlgorithmResult> {
    return this.independent.beforeTrial(study, trial, this.advance(study, trial));
  }

  /** Advance the run (tell a finished generation, restart if stalled) and draw this trial's point. */
  private advance(study: StudyView, trial: FrozenTrial): AlgorithmResult {
    if (study.isMultiObjective) {
      throw new InvalidArgumentError('CmaEsSampler optimises a single objective; use NSGAIISampler for multi-objective studies.');
    }
    const space = this.inferRelativeSearchSpace(study);
    const enc = new SpaceEncoding(space);
    const completed = this.generations.of(study);
    if (enc.size === 0 || completed.count < this.nStartupTrials) return;
    const names = enc.dims.map((d) => d.name);
    const sign = study.direction === 'maximize' ? -1 : 1;

    // (Without a copy of the list: the newest state is most often on the last trials.)
    const { trials } = peekTrials(study);
    let stored = latestState(trials, names);
    let storeOnThisTrial = false;
    if (!stored) {
      const popsize = this.popsize ?? defaultPopsize(enc.size);
      const restart = maxRestart(trials) + 1;
      const state =
        restart === 0 && this.sourceTrials ? this.warmStarted(enc, popsize, sign) : this.freshState(enc, this.initialMean(enc), popsize);
      stored = { names, restart, state };
      storeOnThisTrial = true;
    } else {
      const { restart, state } = stored;
      const members = completed
        .members(restart, state.generation)
        .filter((t) => names.every((nm) => hasKey(t.internalParams, nm)))
        .slice(0, state.popsize);
      if (members.length >= state.popsize) {
        const solutions = members.map((t) => ({
          x: candidateOf(t, enc, state.margin !== null),
          value: sign * solutionValue(t, this.considerPrunedTrials)!,
        }));
        let next = tell(state, solutions);
        applyMargin(next, (i, m) => marginCell(enc, i, m));
        let nextRestart = restart;
        if (
          this.restartStrategy === 'ipop' &&
          shouldStop(
            next,
            solutions.map((s) => s.value),
          )
        ) {
          // IPOP (Auger & Hansen 2005): restart from a random mean with a larger population.
          nextRestart = restart + 1;
          const popsize = Math.round(state.popsize * this.incPopsize);
          const mean = Array.from({ length: enc.size }, () => this.rng.random());
          next = this.freshState(enc, mean, popsize);
        }
        stored = { names, restart: nextRestart, state: next };
        storeOnThisTrial = true;
      }
    }
    const x = sampleCandidate(stored.state, this.rng);
    this.pending.set(trial.trialId, enc.decode(x));
    // The run's state travels with the trials (as Optuna's CMA-ES keeps it), so any process can resume it.
    const writes: Record<string, unknown> = { [CMA_RESTART_KEY]: stored.restart, [CMA_GENERATION_KEY]: stored.state.generation };
    if (storeOnThisTrial) writes[CMA_STATE_KEY] = JSON.stringify(stored);
    if (stored.state.margin !== null) writes[CMA_X_KEY] = x;
    return { trialSystemAttrs: writes };
  }

  sampleRelative(_study: StudyView, trial: FrozenTrial, space: Record<string, Distribution>): Record<string, number> {
    const values = this.pending.get(trial.trialId);
    this.pending.delete(trial.trialId);
    if (!values) return {};
    const out: Record<string, number> = {};
    for (const name of Object.keys(space)) if (hasKey(values, name)) setKey(out, name, values[name]);
    return out;
  }

  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): number {
    const modelInUse = this.generations.of(study).count >= this.nStartupTrials;
    return this.independent.sample(study, trial, name, distribution, modelInUse);
  }

  afterTrial(
    study: StudyView,
    trial: FrozenTrial,
    state: TrialState,
    values: readonly number[] | null,
  ): AlgorithmResult | Promise<AlgorithmResult> {
    return this.independent.afterTrial(study, trial, state, values, undefined);
  }

  /**
   * The first run's mean in the unit cube: `x0` encoded, else the middle. A parameter `x0` leaves
   * out, or gives a value its distribution does not hold, is an error that names it.
   */
  private initialMean(enc: SpaceEncoding): number[] {
    const x0 = this.x0;
    if (x0 === null) return new Array(enc.size).fill(0.5);
    const internal: Record<string, number> = {};
    for (const dim of enc.dims) {
      const value = ownValue(x0, dim.name);
      if (value === undefined) {
        throw new InvalidArgumentError(
          `CmaEsSampler: x0 has no value for '${dim.name}'; give one for every parameter CMA-ES models (${enc.dims.map((d) => d.name).join(', ')}).`,
        );
      }
      if (!containsInternal(dim.distribution, value)) {
        throw new InvalidArgumentError(
          `CmaEsSampler: x0's ${value} for '${dim.name}' is outside its ${describeDistribution(dim.distribution)}.`,
        );
      }
      setKey(internal, dim.name, value);
    }
    const mean = new Float64Array(enc.size);
    enc.encode(internal, mean);
    return Array.from(mean);
  }

  private freshState(enc: SpaceEncoding, mean: number[], popsize: number): CmaState {
    const hasDiscrete = enc.dims.some((d) => d.kind === 'discrete');
    // Margin alpha = 1/(n * lambda), the default of Hamano et al.
    const margin = this.withMargin && hasDiscrete ? 1 / (enc.size * popsize) : null;
    return initialState(mean, this.sigma0, popsize, { separable: this.separable, margin, lrAdapt: this.lrAdapt });
  }

  /** The first run's state warm-started from the source trials (WS-CMA-ES), as Optuna 5.0 builds it. */
  private warmStarted(enc: SpaceEncoding, popsize: number, sign: number): CmaState {
    const names = enc.dims.map((d) => d.name);
    const solutions: { x: number[]; value: number }[] = [];
    for (const t of this.sourceTrials!) {
      const value = solutionValue(t, this.considerPrunedTrials);
      const own = Object.keys(t.distributions);
      // As Optuna: a source trial counts when its parameters are exactly the search space's.
      if (value === null || own.length !== names.length || !names.every((name) => hasKey(t.distributions, name))) continue;
      const x = new Float64Array(enc.size);
      enc.encode(t.internalParams, x);
      solutions.push({ x: Array.from(x), value: sign * value });
    }
    if (solutions.length < 10) {
      throw new InvalidArgumentError(
        `CmaEsSampler: sourceTrials holds ${solutions.length} usable trial(s) over this search space (${names.join(', ')}); warm starting takes the best tenth of them, so give at least 10 COMPLETE trials with exactly these parameters.`,
      );
    }
    const { mean, sigma, cov } = warmStartDistribution(solutions);
    // (Optuna keeps sigma above 1e-8 so that the optimiser can start.)
    const margin = this.withMargin && enc.dims.some((d) => d.kind === 'discrete') ? 1 / (enc.size * popsize) : null;
    return initialState(mean, Math.max(sigma, 1e-8), popsize, { separable: false, margin, lrAdapt: this.lrAdapt, cov });
  }
}

/** Whether `t` has what warm starting reads of a trial (a state, its distributions and parameters). */
function isTrialLike(t: unknown): boolean {
  if (t === null || typeof t !== 'object') return false;
  const { state, distributions, internalParams } = t as Partial<FrozenTrial>;
  return (
    typeof state === 'number' &&
    typeof distributions === 'object' &&
    distributions !== null &&
    typeof internalParams === 'object' &&
    internalParams !== null
  );
}

/**
 * A trial's value as a CMA-ES solution: a COMPLETE trial's, and with `considerPruned` a PRUNED
 * trial's last report (Optuna's `consider_pruned_trials`); null for any other trial.
 */
function solutionValue(t: FrozenTrial, considerPruned: boolean): number | null {
  if (t.state === TrialState.COMPLETE) return t.values![0];
  if (!considerPruned || t.state !== TrialState.PRUNED) return null;
  const step = lastStep(t);
  return step === undefined ? null : t.intermediateValues.get(step)!;
}

/**
 * A study's COMPLETE trials (and PRUNED ones that reported, when asked) by the restart and generation
 * they were sampled in, kept across trials:
 * only the trials new or unfinished since the last look are read. (A filter of every trial each
 * trial: the last 2,000 of 10,000 Hartmann-3 trials cost 0.43-0.46 ms a trial, now 0.05-0.06.)
 */
export class CompletedGenerations {
  count = 0;
  /** `considerPruned`: PRUNED trials that reported count too (CmaEsSampler's `considerPrunedTrials`). */
  constructor(private readonly considerPruned = false) {}

  /** Per `restart/generation`, the trials' numbers, ascending. */
  private readonly byGeneration = new Map<string, number[]>();
  private trials: readonly FrozenTrial[] = [];
  private readonly record = new FinishedTrialsRecord(
    (t) => this.add(t),
    () => {
      this.byGeneration.clear();
      this.count = 0;
    },
  );

  /** Brought up to date with the study's trials. */
  of(study: StudyView): this {
    this.trials = this.record.update(study);
    return this;
  }

  /** The COMPLETE trials of one generation, by number. */
  members(restart: number, generation: number): FrozenTrial[] {
    return (this.byGeneration.get(`${restart}/${generation}`) ?? []).map((n) => this.trials[n]);
  }

  private add(t: FrozenTrial): void {
    if (solutionValue(t, this.considerPruned) === null) return;
    this.count++;
    const restart = t.systemAttrs[CMA_RESTART_KEY];
    const generation = t.systemAttrs[CMA_GENERATION_KEY];
    if (typeof restart !== 'number' || typeof generation !== 'number') return;
    const key = `${restart}/${generation}`;
    let numbers = this.byGeneration.get(key);
    if (!numbers) this.byGeneration.set(key, (numbers = []));
    // By number (a trial that finished after newer ones goes among them).
    let at = numbers.length;
    while (at > 0 && numbers[at - 1] > t.number) at--;
    numbers.splice(at, 0, t.number);
  }
}

/** The most recent stored optimiser state for this parameter set (by trial number). */
function latestState(trials: readonly FrozenTrial[], names: string[]): StoredState | null {
  for (let i = trials.length - 1; i >= 0; i--) {
    const raw = trials[i].systemAttrs[CMA_STATE_KEY];
    if (typeof raw !== 'string') continue;
    const parsed = JSON.parse(raw) as StoredState;
    return parsed.names.join('\u0000') === names.join('\u0000') ? parsed : null;
  }
  return null;
}

/**
 * The unit-cube point a finished trial contributes to the update: with margin, the stored continuous
 * candidate when it still rounds to the trial's params (an enqueued or overridden trial falls back to
 * its own params); without margin, the params themselves, as Optuna does.
 */
function candidateOf(t: FrozenTrial, enc: SpaceEncoding, useStored: boolean): number[] {
  const own = new Float64Array(enc.size);
  enc.encode(t.internalParams, own);
  const stored = t.systemAttrs[CMA_X_KEY];
  if (useStored && Array.isArray(stored) && stored.length === enc.size) {
    const x = stored as number[];
    const decoded = enc.decode(x);
    if (enc.dims.every((d) => ownValue(decoded, d.name) === ownValue(t.internalParams, d.name))) return [...x];
  }
  return Array.from(own);
}

/** The grid cell of discrete dimension i around unit-cube coordinate u, and whether it has neighbours. */
function marginCell(enc: SpaceEncoding, i: number, u: number): MarginCell | null {
  const cell = discreteCell(enc.dims[i], u);
  if (!cell) return null;
  const point = new Array<number>(enc.size).fill(0);
  point[i] = u;
  const around = enc.neighbours(point, i);
  return { lo: cell[0], hi: cell[1], hasBelow: around.some((w) => w < cell[0]), hasAbove: around.some((w) => w > cell[1]) };
}

function maxRestart(trials: readonly FrozenTrial[]): number {
  let r = -1;
  for (const t of trials) {
    const v = t.systemAttrs[CMA_RESTART_KEY];
    if (typeof v === 'number') r = Math.max(r, v);
  }
  return r;
}

/** `x0` checked: null, or an object of finite numbers by parameter name. */
function checkX0(x0: unknown): Readonly<Record<string, number>> | null {
  if (x0 === undefined || x0 === null) return null;
  if (typeof x0 !== 'object' || Array.isArray(x0) || !Object.values(x0).every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new InvalidArgumentError(
      `CmaEsSampler: x0 must be an object of finite numbers by parameter name (e.g. { lr: 0.01, layers: 3 }), got ${JSON.stringify(x0)}.`,
    );
  }
  return x0 as Record<string, number>;
}
