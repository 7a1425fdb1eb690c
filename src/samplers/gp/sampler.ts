import { showAsConstructed } from '../../constructedDisplay';
import { isSingle, type Distribution } from '../../distributions';
import { TrialState, type FrozenTrial } from '../../frozenTrial';
import { constraintsToRecord, trialConstraints, type ConstraintsFunc } from '../../multiobjective/constraints';
import { checkSeed, Rng } from '../../rng';
import type { AlgorithmResult, StudyView } from '../../study/view';
import type { Sampler } from '../base';
import { IndependentFallback } from '../independent';
import { IntersectionSearchSpace } from '../searchSpace';
import { LogEIAcquisition, maximizeAcquisition, type Acquisition, type ConstraintModel } from './acquisition';
import { nonDominatedBoxes, normalBaseSamples, paretoFront, referencePoint } from './boxes';
import { LogEHVIAcquisition, QLogEHVIAcquisition } from './ehvi';
import { QLogEIAcquisition, RunningConditional } from './qbatch';
import { runningParams } from './running';
import { SpaceEncoding } from './encoding';
import { fitGaussianProcess, GaussianProcess, type GPData } from './gp';
import { hasKey, setKey } from '../../dict';
import { requireInt } from '../../validate';
import { checkOptionKeys, optionKeys } from '../../options';

/** Quasi-Monte Carlo samples per log EHVI / qLogEI evaluation (Optuna 5.0's defaults). */
const QMC_SAMPLES = 128;
/** From this many observations on, hyperparameters are re-optimised every 5th (10th) trial only. */
const REFIT_EVERY_FROM = 60;
/** Multiply-adds spent screening random candidates per proposal (see maximize). */
const SCREEN_BUDGET = 2e6;

export interface GPSamplerOptions {
  seed?: number;
  /** Trials drawn at random before the GP takes over (default 10). */
  nStartupTrials?: number;
  /** The objective has no noise: pin the noise variance at its floor (default false). */
  deterministicObjective?: boolean;
  /** Constraint values per trial (<= 0 satisfied); EI is multiplied by the probability of feasibility. */
  constraintsFunc?: ConstraintsFunc;
  /**
   * Draws the parameters outside the search space every trial shares (conditional ones) (default: uniformly at random from this sampler's seeded stream), as
   * Optuna's `independent_sampler`; its own hooks run beside this sampler's.
   */
  independentSampler?: Sampler;
  /** Log Optuna's warning for each parameter drawn independently once the model is in use (default true). */
  warnIndependentSampling?: boolean;
}

const GP_SAMPLER_OPTION_KEYS = optionKeys<GPSamplerOptions>({
  seed: true,
  nStartupTrials: true,
  deterministicObjective: true,
  constraintsFunc: true,
  independentSampler: true,
  warnIndependentSampling: true,
});

/**
 * Gaussian-process Bayesian optimisation for single- and multi-objective studies.
 *
 * Every trial it (1) encodes the intersection search space into the unit cube (log params in log
 * space, ints and stepped floats on padded grids, categoricals compared by a Hamming kernel),
 * (2) standardises the objective (as a maximisation), (3) fits a Matern 5/2 ARD GP by maximising
 * the marginal likelihood with weak priors, warm-started from the previous trial's hyperparameters,
 * and (4) proposes the maximiser of log expected improvement (times the probability of feasibility
 * under constraints), found by screening random candidates and polishing the best few with
 * gradient steps and discrete moves. Parameters outside the intersection space are sampled at random.
 * Multi-objective studies get one GP per objective and log expected hypervolume improvement (with
 * constraints, times the probability of feasibility), as Optuna 5.0's GPSampler.
 * Trials still running (optimize with nJobs or workers, several asks before a tell) enter as the
 * rest of a q-batch: single-objective proposals maximise qLogEI over the candidate and fantasies at
 * the running points, multi-objective ones qLogEHVI over per-sample fronts with fantasies (Optuna 5.0).
 */
export class GPSampler implements Sampler {
  private rng: Rng;
  private randomRng: Rng;
  private readonly nStartupTrials: number;
  private readonly deterministic: boolean;
  private readonly constraintsFunc?: ConstraintsFunc;
  private readonly searchSpace = new IntersectionSearchSpace();
  /** Hyperparameters of the last fit per model (objective, constraint k), keyed by the space. */
  private warm = new Map<string, Float64Array>();
  private fitCount = new Map<string, number>();
  /** This sampler's proposals for trials still running, by trial number (see runningParams). */
  private readonly runningRelative = new Map<number, Record<string, number>>();
  private readonly independent: IndependentFallback;

  constructor(opts: GPSamplerOptions = {}) {
    showAsConstructed(this, 'GPSampler', [opts]);
    checkOptionKeys('GPSampler', opts, GP_SAMPLER_OPTION_KEYS);
    checkSeed('GPSampler', opts.seed);
    this.rng = new Rng(opts.seed);
    this.randomRng = new Rng(opts.seed === undefined ? undefined : `${opts.seed}:independent`);
    this.nStartupTrials = requireInt('GPSampler', 'nStartupTrials', opts.nStartupTrials ?? 10, 0);
    this.deterministic = opts.deterministicObjective ?? false;
    this.constraintsFunc = opts.constraintsFunc;
    this.independent = new IndependentFallback(
      'GPSampler',
      'dynamic search space is not supported by `GPSampler`',
      opts.independentSampler,
      opts.warnIndependentSampling ?? true,
      () => this.randomRng,
    );
  }

  reseedRng(seed?: number): void {
    checkSeed('GPSampler.reseedRng', seed);
    this.rng = new Rng(seed);
    this.randomRng = new Rng(seed === undefined ? undefined : `${seed}:independent`);
    this.independent.reseedRng(seed);
  }

  inferRelativeSearchSpace(study: StudyView): Record<string, Distribution> {
    const out: Record<string, Distribution> = {};
    for (const [name, d] of Object.entries(this.searchSpace.calculate(study))) if (!isSingle(d)) setKey(out, name, d);
    return out;
  }

  sampleRelative(study: StudyView, trial: FrozenTrial, space: Record<string, Distribution>): Record<string, number> {
    const enc = new SpaceEncoding(space);
    if (enc.size === 0) return {};
    const hasSpace = (t: FrozenTrial) => enc.dims.every((d) => hasKey(t.internalParams, d.name));
    const trials = study.getTrials({ states: [TrialState.COMPLETE] }).filter((t) => t.values && hasSpace(t));
    if (trials.length < this.nStartupTrials || trials.length === 0) return {};
    const running = this.runningPoints(study, trial, space, enc);
    const proposal = study.isMultiObjective
      ? this.proposeMultiObjective(study, trials, enc, running)
      : this.proposeSingleObjective(study, trials, enc, running);
    const params = enc.decode(proposal);
    this.runningRelative.set(trial.number, params);
    return params;
  }

  /**
   * The other running trials whose parameters cover the space (suggested, proposed by this sampler,
   * or shared by an Optuna worker), encoded R x dim, as Optuna 5.0 collects them for its q-batch
   * acquisitions.
   */
  private runningPoints(study: StudyView, trial: FrozenTrial, space: Record<string, Distribution>, enc: SpaceEncoding): Float64Array {
    const rows: Float64Array[] = [];
    for (const t of study.getTrials({ states: [TrialState.RUNNING] })) {
      if (t.trialId === trial.trialId) continue;
      const params = runningParams(t, space, this.runningRelative.get(t.number));
      if (!params) continue;
      const row = new Float64Array(enc.size);
      enc.encode(params, row);
      rows.push(row);
    }
    const out = new Float64Array(rows.length * enc.size);
    rows.forEach((r, i) => out.set(r, i * enc.size));
    return out;
  }

  /**
   * log EI (times P(feasible) under constraints); with running trials, the q-batch log EI over the
   * candidate and the running points (Optuna 5.0's qLogEI), so concurrent workers spread out.
   */
  private proposeSingleObjective(study: StudyView, trials: FrozenTrial[], enc: SpaceEncoding, running: Float64Array): Float64Array {
    const n = trials.length;
    const dim = enc.size;
    const x = new Float64Array(n * dim);
    trials.forEach((t, i) => enc.encode(t.internalParams, x, i * dim));
    const sign = study.direction === 'minimize' ? -1 : 1;
    const y = standardise(trials.map((t) => sign * t.values![0]));
    const spaceKey = this.spaceKey(enc);
    const objective = this.fit(`${spaceKey}#objective`, { x, y: y.values, n, dim, categorical: enc.categorical });
    const { models: constraintModels, feasible } = this.constraintModels(trials, x, enc, spaceKey);
    let best: number | null = null;
    const order: number[] = [];
    for (let i = 0; i < n; i++) {
      if (!feasible[i]) continue;
      order.push(i);
      if (best === null || y.values[i] > best) best = y.values[i];
    }
    order.sort((a, b) => y.values[b] - y.values[a]);
    const incumbents = order.slice(0, 5).map((i) => x.slice(i * dim, i * dim + dim));
    const nRunning = running.length / dim;
    const acq =
      nRunning > 0
        ? new QLogEIAcquisition(objective, best, running, normalBaseSamples(QMC_SAMPLES, nRunning + 1, this.rng), constraintModels, dim)
        : new LogEIAcquisition(best === null ? null : objective, best, constraintModels, dim);
    return this.maximize(acq, enc, n, 1, incumbents);
  }

  /**
   * Multi-objective proposal as Optuna 5.0's GPSampler makes it: one GP per standardised objective,
   * log EHVI over the box decomposition of the non-dominated region of the feasible observations
   * (reference point 10% beyond the worst), plus log P(feasible) per constraint GP; local search
   * starts from up to five random Pareto-optimal trials.
   */
  private proposeMultiObjective(study: StudyView, trials: FrozenTrial[], enc: SpaceEncoding, running: Float64Array): Float64Array {
    const n = trials.length;
    const dim = enc.size;
    const m = study.directions.length;
    const x = new Float64Array(n * dim);
    trials.forEach((t, i) => enc.encode(t.internalParams, x, i * dim));
    const spaceKey = this.spaceKey(enc);
    const ys: Float64Array[] = trials.map(() => new Float64Array(m));
    const gps = study.directions.map((direction, d) => {
      const sign = direction === 'minimize' ? -1 : 1;
      const col = standardise(trials.map((t) => sign * t.values![d]));
      col.values.forEach((v, i) => (ys[i][d] = v));
      return this.fit(`${spaceKey}#objective${d === 0 ? '' : d}`, { x, y: col.values, n, dim, categorical: enc.categorical });
    });
    const { models: constraintModels, feasible } = this.constraintModels(trials, x, enc, spaceKey);
    const feasibleIdx = trials.map((_, i) => i).filter((i) => feasible[i]);
    const feasibleY = feasibleIdx.map((i) => ys[i]);
    const ref = referencePoint(feasibleY, m);
    const nRunning = running.length / dim;
    const acq: Acquisition =
      nRunning > 0 && feasibleY.length > 0
        ? new QLogEHVIAcquisition(
            gps.map((gp) => new RunningConditional(gp, running, normalBaseSamples(QMC_SAMPLES, nRunning + 1, this.rng))),
            feasibleY,
            ref,
            constraintModels,
            dim,
          )
        : new LogEHVIAcquisition(
            gps,
            feasibleY.length > 0 ? nonDominatedBoxes(feasibleY, ref) : null,
            normalBaseSamples(QMC_SAMPLES, m, this.rng),
            constraintModels,
            dim,
          );
    const pareto = new Set(paretoFront(feasibleY));
    const paretoIdx = feasibleIdx.filter((i) => pareto.has(ys[i]));
    const incumbents = this.rng
      .shuffle(paretoIdx)
      .slice(0, 5)
      .map((i) => x.slice(i * dim, i * dim + dim));
    return this.maximize(acq, enc, n, m, incumbents);
  }

  /** One GP per constraint (fitted on the trials that recorded constraints) and each trial's feasibility. */
  private constraintModels(
    trials: readonly FrozenTrial[],
    x: Float64Array,
    enc: SpaceEncoding,
    spaceKey: string,
  ): { models: ConstraintModel[]; feasible: boolean[] } {
    const models: ConstraintModel[] = [];
    if (!this.constraintsFunc) return { models, feasible: trials.map(() => true) };
    const dim = enc.size;
    const cons = trials.map(trialConstraints);
    const withCons = cons.map((c, i) => (c ? i : -1)).filter((i) => i >= 0);
    const feasible = cons.map((c) => !c || c.every((v) => v <= 0));
    const k = withCons.length > 0 ? cons[withCons[0]]!.length : 0;
    for (let j = 0; j < k && withCons.length > 0; j++) {
      const cx = new Float64Array(withCons.length * dim);
      withCons.forEach((ti, r) => cx.set(x.subarray(ti * dim, ti * dim + dim), r * dim));
      const cy = standardise(withCons.map((ti) => cons[ti]![j]));
      const gp = this.fit(`${spaceKey}#constraint${j}`, {
        x: cx,
        y: cy.values,
        n: withCons.length,
        dim,
        categorical: enc.categorical,
      });
      models.push({ gp, threshold: (0 - cy.mean) / cy.std });
    }
    return { models, feasible };
  }

  /** Maximise an acquisition with a screening budget that shrinks as the models grow. */
  private maximize(acq: Acquisition, enc: SpaceEncoding, n: number, nModels: number, incumbents: Float64Array[]): Float64Array {
    const dim = enc.size;
    // Screening costs ~n^2/2 per candidate and model (a triangular solve): keep the total bounded as
    // n grows (~1900 candidates at 40 trials, ~360 at 100, the floor of 128 from ~190; local search
    // from the best few makes up the difference).
    const nCandidates = Math.max(128, Math.min(2048, Math.round(SCREEN_BUDGET / (nModels * (0.5 * n * n + n * dim) + 1))));
    const { x } = maximizeAcquisition(acq, enc, {
      rng: this.rng,
      nCandidates,
      // Each local step costs ~n^2: fewer (past 60 trials), shorter (past 120) polishes keep suggest fast.
      nLocal: n > 120 ? 2 : n > 60 ? 3 : 5,
      incumbents,
      maxIter: n > 120 ? 15 : 30,
    });
    return x;
  }

  private spaceKey(enc: SpaceEncoding): string {
    return enc.dims.map((d) => `${d.name}:${d.kind}`).join('|');
  }

  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): number {
    const modelInUse = study.getTrials({ states: [TrialState.COMPLETE] }).length >= this.nStartupTrials;
    return this.independent.sample(study, trial, name, distribution, modelInUse);
  }

  beforeTrial(study: StudyView, trial: FrozenTrial): AlgorithmResult | Promise<AlgorithmResult> {
    return this.independent.beforeTrial(study, trial, undefined);
  }

  afterTrial(
    study: StudyView,
    trial: FrozenTrial,
    state: TrialState,
    values: readonly number[] | null,
  ): AlgorithmResult | Promise<AlgorithmResult> {
    this.runningRelative.delete(trial.number);
    const own = this.constraintsFunc ? constraintsToRecord(trial, state, values, this.constraintsFunc) : undefined;
    return this.independent.afterTrial(study, trial, state, values, own);
  }

  private fit(key: string, data: GPData): GaussianProcess {
    const warm = this.warm.get(key) ?? null;
    const fits = (this.fitCount.get(key) ?? 0) + 1;
    this.fitCount.set(key, fits);
    // Past ~60 trials one more point barely moves the likelihood optimum: re-optimise every 5th
    // trial (every 10th past 120, where a refit costs ~70 ms) and otherwise reuse the warm hyperparameters (one factorisation), keeping suggest fast.
    const every = data.n >= 120 ? 10 : 5;
    if (warm !== null && data.n >= REFIT_EVERY_FROM && fits % every !== 0) return new GaussianProcess(data, warm);
    // A warm start from the previous optimum converges in a few iterations (the optimisation in
    // effect continues across trials); cold fits and small data sets get random restarts.
    const cold = warm === null || data.n < 30;
    const gp = fitGaussianProcess(data, {
      deterministic: this.deterministic,
      warmStart: warm,
      randomRestarts: cold ? 2 : 0,
      maxIter: cold ? 60 : data.n < 60 ? 20 : data.n < 120 ? 8 : 3,
      rng: this.rng,
      // Warm refits stop at Optuna's gtol (1e-2): the optimum moves little between trials.
      gradTol: cold ? 1e-4 : 1e-2,
    });
    this.warm.set(key, gp.theta);
    return gp;
  }
}

/** Standardise to zero mean, unit variance (std 1 when all values are equal). */
function standardise(values: readonly number[]): { values: Float64Array; mean: number; std: number } {
  const n = values.length;
  let mean = 0;
  for (const v of values) mean += v / n;
  let varSum = 0;
  for (const v of values) varSum += (v - mean) ** 2;
  const std = n > 1 && varSum > 0 ? Math.sqrt(varSum / n) : 1;
  return { values: Float64Array.from(values, (v) => (v - mean) / std), mean, std };
}
