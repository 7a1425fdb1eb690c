import { isSingle, type Distribution } from '../../distributions';
import { InvalidArgumentError } from '../../errors';
import { TrialState, type FrozenTrial } from '../../frozenTrial';
import { recordConstraints, trialConstraints, type ConstraintsFunc } from '../../multiobjective/constraints';
import { checkSeed, Rng } from '../../rng';
import type { Study } from '../../study';
import type { Sampler } from '../base';
import { sampleUniformInternal } from '../random';
import { IntersectionSearchSpace } from '../searchSpace';
import { LogEIAcquisition, maximizeAcquisition, type ConstraintModel } from './acquisition';
import { SpaceEncoding } from './encoding';
import { fitGaussianProcess, GaussianProcess, type GPData } from './gp';
import { hasKey, setKey } from '../../dict';

export interface GPSamplerOptions {
  seed?: number;
  /** Trials drawn at random before the GP takes over (default 10). */
  nStartupTrials?: number;
  /** The objective has no noise: pin the noise variance at its floor (default false). */
  deterministicObjective?: boolean;
  /** Constraint values per trial (<= 0 satisfied); EI is multiplied by the probability of feasibility. */
  constraintsFunc?: ConstraintsFunc;
}

/**
 * Gaussian-process Bayesian optimisation for single-objective studies.
 *
 * Every trial it (1) encodes the intersection search space into the unit cube (log params in log
 * space, ints and stepped floats on padded grids, categoricals compared by a Hamming kernel),
 * (2) standardises the objective (as a maximisation), (3) fits a Matern 5/2 ARD GP by maximising
 * the marginal likelihood with weak priors, warm-started from the previous trial's hyperparameters,
 * and (4) proposes the maximiser of log expected improvement (times the probability of feasibility
 * under constraints), found by screening random candidates and polishing the best few with
 * gradient steps and discrete moves. Parameters outside the intersection space are sampled at random.
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

  constructor(opts: GPSamplerOptions = {}) {
    checkSeed('GPSampler', opts.seed);
    this.rng = new Rng(opts.seed);
    this.randomRng = new Rng(opts.seed === undefined ? undefined : `${opts.seed}:independent`);
    this.nStartupTrials = opts.nStartupTrials ?? 10;
    if (!(Number.isInteger(this.nStartupTrials) && this.nStartupTrials >= 0)) {
      throw new InvalidArgumentError(`GPSampler: nStartupTrials must be a non-negative integer, got ${opts.nStartupTrials}.`);
    }
    this.deterministic = opts.deterministicObjective ?? false;
    this.constraintsFunc = opts.constraintsFunc;
  }

  reseedRng(seed?: number): void {
    checkSeed('GPSampler.reseedRng', seed);
    this.rng = new Rng(seed);
    this.randomRng = new Rng(seed === undefined ? undefined : `${seed}:independent`);
  }

  inferRelativeSearchSpace(study: Study): Record<string, Distribution> {
    const out: Record<string, Distribution> = {};
    for (const [name, d] of Object.entries(this.searchSpace.calculate(study))) if (!isSingle(d)) setKey(out, name, d);
    return out;
  }

  sampleRelative(study: Study, trial: FrozenTrial, space: Record<string, Distribution>): Record<string, number> {
    if (study.isMultiObjective) {
      throw new InvalidArgumentError(
        'GPSampler optimises a single objective; use NSGAIISampler (the default) for multi-objective studies.',
      );
    }
    const enc = new SpaceEncoding(space);
    if (enc.size === 0) return {};
    const hasSpace = (t: FrozenTrial) => enc.dims.every((d) => hasKey(t.internalParams, d.name));
    const trials = study.getTrials({ states: [TrialState.COMPLETE] }).filter((t) => t.values && hasSpace(t));
    if (trials.length < this.nStartupTrials || trials.length === 0) return {};
    // Constant liar for concurrent trials (nJobs > 1, several asks before a tell): trials still
    // running count as observed at the worst value so far, which removes their neighbourhood's
    // expected improvement and keeps parallel workers from proposing the same point.
    const running = study
      .getTrials({ states: [TrialState.RUNNING] })
      .filter((t) => t.trialId !== trial.trialId && hasSpace(t));

    const n = trials.length;
    const dim = enc.size;
    const nAll = n + running.length;
    const x = new Float64Array(nAll * dim);
    trials.forEach((t, i) => enc.encode(t.internalParams, x, i * dim));
    running.forEach((t, i) => enc.encode(t.internalParams, x, (n + i) * dim));
    const sign = study.direction === 'minimize' ? -1 : 1;
    const raw = trials.map((t) => sign * t.values![0]);
    const worst = Math.min(...raw);
    const y = standardise([...raw, ...running.map(() => worst)]);
    const spaceKey = enc.dims.map((d) => `${d.name}:${d.kind}`).join('|');
    const objective = this.fit(`${spaceKey}#objective`, { x, y: y.values, n: nAll, dim, categorical: enc.categorical });

    // Constraints: one GP per constraint on the trials that recorded them.
    const constraintModels: ConstraintModel[] = [];
    let feasible = trials.map(() => true);
    if (this.constraintsFunc) {
      const cons = trials.map(trialConstraints);
      const withCons = cons.map((c, i) => (c ? i : -1)).filter((i) => i >= 0);
      feasible = cons.map((c) => !c || c.every((v) => v <= 0));
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
        constraintModels.push({ gp, threshold: (0 - cy.mean) / cy.std });
      }
    }
    let best: number | null = null;
    const order: number[] = [];
    for (let i = 0; i < n; i++) {
      if (!feasible[i]) continue;
      order.push(i);
      if (best === null || y.values[i] > best) best = y.values[i];
    }
    order.sort((a, b) => y.values[b] - y.values[a]);
    const incumbents = order.slice(0, 5).map((i) => x.slice(i * dim, i * dim + dim));
    const acq = new LogEIAcquisition(best === null ? null : objective, best, constraintModels, dim);
    // Screening costs ~n^2/2 per candidate (a triangular solve): keep the total bounded as n grows
    // (2048 candidates up to ~60 trials, ~200 at 200 trials; local search makes up the difference).
    const nCandidates = Math.max(128, Math.min(2048, Math.round(4e6 / (0.5 * n * n + n * dim + 1))));
    const { x: bestX } = maximizeAcquisition(acq, enc, {
      rng: this.rng,
      nCandidates,
      // Past 120 trials each local step costs ~n^2: fewer, shorter polishes keep suggest fast.
      nLocal: n > 120 ? 2 : 5,
      incumbents,
      maxIter: n > 120 ? 15 : 30,
    });
    return enc.decode(bestX);
  }

  sampleIndependent(_study: Study, _trial: FrozenTrial, _name: string, distribution: Distribution): number {
    return sampleUniformInternal(this.randomRng, distribution);
  }

  async afterTrial(study: Study, trial: FrozenTrial, state: TrialState, values: readonly number[] | null): Promise<void> {
    if (this.constraintsFunc) await recordConstraints(study, trial, state, values, this.constraintsFunc);
  }

  private fit(key: string, data: GPData): GaussianProcess {
    const warm = this.warm.get(key) ?? null;
    const fits = (this.fitCount.get(key) ?? 0) + 1;
    this.fitCount.set(key, fits);
    // Past ~120 trials one more point barely moves the likelihood optimum: re-optimise every 5th
    // trial and otherwise reuse the warm hyperparameters (one factorisation), keeping suggest fast.
    if (warm !== null && data.n >= 120 && fits % 5 !== 0) return new GaussianProcess(data, warm);
    // A warm start from the previous optimum converges in a few iterations (the optimisation in
    // effect continues across trials); cold fits and small data sets get random restarts.
    const cold = warm === null || data.n < 30;
    const gp = fitGaussianProcess(data, {
      deterministic: this.deterministic,
      warmStart: warm,
      randomRestarts: cold ? 2 : 0,
      maxIter: cold ? 60 : data.n < 60 ? 20 : data.n < 120 ? 8 : 3,
      rng: this.rng,
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
