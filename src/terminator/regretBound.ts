import { isSingle, type Distribution } from '../distributions';
import { InvalidArgumentError } from '../errors';
import type { Direction, FrozenTrial } from '../frozenTrial';
import { Rng } from '../rng';
import { fitGaussianProcess, type GaussianProcess } from '../samplers/gp/gp';
import { SpaceEncoding } from '../samplers/gp/encoding';
import { intersectionSearchSpace } from '../samplers/searchSpace';
import { SobolSequence } from '../samplers/sobol';
import { completeTrials, DEFAULT_MIN_N_TRIALS, type ImprovementEvaluator } from './evaluators';
import { requireInt } from '../validate';
import { checkOptionKeys, optionKeys } from '../options';

export interface RegretBoundEvaluatorOptions {
  /** Fraction of the complete trials (the best ones) the GP is fitted on (default 0.5). */
  topTrialsRatio?: number;
  /** ...but at least this many (default 20), or all when there are fewer. */
  minNTrials?: number;
  /** Seed of the candidate points the upper confidence bound is maximised over. */
  seed?: number;
}

const REGRET_BOUND_EVALUATOR_OPTION_KEYS = optionKeys<RegretBoundEvaluatorOptions>({ topTrialsRatio: true, minNTrials: true, seed: true });

/** Candidate points for max UCB over the space (Optuna's optimize_acqf_sample). */
const N_CANDIDATES = 2048;
/** Confidence of the bound (Optuna's delta). */
const DELTA = 0.1;

/**
 * Upper bound of the regret of the best trial so far (Optuna's RegretBoundEvaluator): a GP is fitted
 * to the top trials (in maximisation form, standardised), and the bound is
 *   max_x UCB(x) - max_{top trials} LCB,   UCB/LCB = mean +/- sqrt(beta var),
 *   beta = 2 log(D n^2 pi^2 / (6 delta)) / 5   (Srinivas et al.'s beta, scaled down by 5 as the paper does),
 * with max UCB taken over the top trials and 2048 scrambled Sobol points, then scaled back by the
 * top values' standard deviation. tunelab's GP (Matern 5/2 ARD, the same priors) stands in for
 * Optuna's, so values agree with Optuna's up to the hyperparameter fit and the candidate points.
 */
export class RegretBoundEvaluator implements ImprovementEvaluator {
  readonly topTrialsRatio: number;
  readonly minNTrials: number;
  private readonly rng: Rng;

  constructor(opts: RegretBoundEvaluatorOptions = {}) {
    checkOptionKeys('RegretBoundEvaluator', opts, REGRET_BOUND_EVALUATOR_OPTION_KEYS);
    this.topTrialsRatio = opts.topTrialsRatio ?? 0.5;
    this.minNTrials = opts.minNTrials ?? DEFAULT_MIN_N_TRIALS;
    if (!(this.topTrialsRatio > 0 && this.topTrialsRatio <= 1)) {
      throw new InvalidArgumentError(`RegretBoundEvaluator: topTrialsRatio must be in (0, 1], got ${String(opts.topTrialsRatio)}.`);
    }
    requireInt('RegretBoundEvaluator', 'minNTrials', this.minNTrials, 1);
    this.rng = new Rng(opts.seed);
  }

  evaluate(trials: readonly FrozenTrial[], direction: Direction): number {
    const complete = completeTrials(trials);
    if (complete.length === 0) {
      throw new InvalidArgumentError('RegretBoundEvaluator: no trial has completed yet, so the regret bound cannot be evaluated.');
    }
    const encoding = terminatorEncoding(complete);
    if (encoding.size === 0) {
      throw new InvalidArgumentError(
        'RegretBoundEvaluator: the trials share no parameter that varies (empty intersection search space); ' +
          'use BestValueStagnationEvaluator for such studies.',
      );
    }
    const dim = encoding.size;
    const sign = direction === 'minimize' ? -1 : 1;
    const values = complete.map((t) => sign * t.values![0]);
    const top = topIndices(values, this.topTrialsRatio, this.minNTrials);
    const n = top.length;
    const x = new Float64Array(n * dim);
    top.forEach((i, r) => encoding.encode(complete[i].internalParams, x, r * dim));
    const topValues = top.map((i) => values[i]);
    const mean = topValues.reduce((a, b) => a + b, 0) / n;
    const std = Math.max(1e-10, Math.sqrt(topValues.reduce((a, v) => a + (v - mean) ** 2, 0) / n));
    const y = Float64Array.from(topValues, (v) => (v - mean) / std);
    const gp = fitTerminatorGP(encoding, x, y, { deterministic: false, warmStart: null, rng: this.rng });
    return standardizedRegretBound(gp, encoding, x, n, DELTA, this.rng) * std;
  }
}

/** The complete trials' shared parameters that vary, encoded for the GP as the GP sampler does. */
export function terminatorEncoding(complete: readonly FrozenTrial[]): SpaceEncoding {
  const space: Record<string, Distribution> = {};
  for (const [name, d] of Object.entries(intersectionSearchSpace(complete))) {
    // A parameter with a single possible value carries no information for the GP.
    if (!isSingle(d)) space[name] = d;
  }
  return new SpaceEncoding(space);
}

/** One fit from the default (or given) hyperparameters, as Optuna fits the terminator's GPs. */
export function fitTerminatorGP(
  encoding: SpaceEncoding,
  x: Float64Array,
  y: Float64Array,
  opts: { deterministic: boolean; warmStart: Float64Array | null; rng: Rng },
): GaussianProcess {
  return fitGaussianProcess(
    { x, y, n: y.length, dim: encoding.size, categorical: encoding.categorical },
    { deterministic: opts.deterministic, warmStart: opts.warmStart, randomRestarts: 0, maxIter: 200, rng: opts.rng },
  );
}

/**
 * max_x UCB(x) - max over the given points of LCB(x), in the GP's standardised units, with
 * beta = 2 log(D n^2 pi^2 / (6 delta)) / 5 and the max over x taken on the points and 2048
 * scrambled Sobol candidates (Optuna's _compute_standardized_regret_bound).
 */
export function standardizedRegretBound(
  gp: GaussianProcess,
  encoding: SpaceEncoding,
  x: Float64Array,
  n: number,
  delta: number,
  rng: Rng,
): number {
  const dim = encoding.size;
  const beta = (2 * Math.log((dim * n * n * Math.PI * Math.PI) / 6 / delta)) / 5;
  const atPoints = confidenceBounds(gp, x, n, beta);
  const atCandidates = confidenceBounds(gp, candidatePoints(encoding, rng), N_CANDIDATES, beta);
  return Math.max(max(atPoints.ucb), max(atCandidates.ucb)) - max(atPoints.lcb);
}

/** Scrambled Sobol points in the unit cube, discrete dimensions on their grid, categoricals as indices. */
function candidatePoints(encoding: SpaceEncoding, rng: Rng): Float64Array {
  const dim = encoding.size;
  const sobol = new SobolSequence(dim, { scramble: true, seed: rng.int(0, 2 ** 31 - 2) });
  const out = new Float64Array(N_CANDIDATES * dim);
  for (let i = 0; i < N_CANDIDATES; i++) {
    const u = Float64Array.from(sobol.point(i));
    encoding.dims.forEach((d, k) => {
      if (d.kind === 'categorical') u[k] = Math.min(d.choices - 1, Math.floor(u[k] * d.choices));
    });
    encoding.snap(u);
    out.set(u, i * dim);
  }
  return out;
}

/**
 * Indices of the top trials (values in maximisation form): the best clamp(floor(n ratio), minN, n),
 * plus any trial tied with the last one, as Optuna's partition-and-threshold selection keeps them.
 */
function topIndices(values: readonly number[], ratio: number, minN: number): number[] {
  const n = values.length;
  const topN = Math.min(n, Math.max(minN, Math.floor(n * ratio)));
  const threshold = [...values].sort((a, b) => b - a)[topN - 1];
  return values.map((_, i) => i).filter((i) => values[i] >= threshold);
}

function confidenceBounds(gp: GaussianProcess, xs: Float64Array, m: number, beta: number): { ucb: Float64Array; lcb: Float64Array } {
  const mean = new Float64Array(m);
  const variance = new Float64Array(m);
  gp.predictBatch(xs, m, mean, variance);
  const ucb = new Float64Array(m);
  const lcb = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const halfWidth = Math.sqrt(beta * variance[j]);
    ucb[j] = mean[j] + halfWidth;
    lcb[j] = mean[j] - halfWidth;
  }
  return { ucb, lcb };
}

function max(a: Float64Array): number {
  let m = -Infinity;
  for (const v of a) if (v > m) m = v;
  return m;
}
