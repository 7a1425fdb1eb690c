/**
 * Random experiment efficiency curves (Bergstra & Bengio 2012, section 2): how good a model a random
 * search of s trials finds, as a function of s.
 *
 * A search picks the trial with the best validation score, but a validation score measured on a
 * finite set is uncertain, so several trials may be statistically tied for best. The paper therefore
 * scores an experiment not by the test score of the single arg-best trial but by a mixture: each
 * trial's test score weighted by the probability that it is the best on validation, when each
 * validation score is a Gaussian with its own mean and standard deviation (for an accuracy p on n
 * examples, sqrt(p (1 - p) / n)). The experiment's score has mean sum_i w_i mu_i and variance
 * sum_i w_i (mu_i^2 + sigma_i^2) - mean^2.
 *
 * From S i.i.d. trials, S/s disjoint experiments of size s (s = 1, 2, 4, ...) give the distribution
 * of that score at each size: the efficiency curve, drawn by the paper as box plots.
 */
import { InvalidArgumentError } from './errors';
import { checkOptionKeys, optionKeys } from './options';
import { ndtr } from './samplers/tpe/truncnorm';
import { requireInt } from './validate';

/** One trial's validation and test scores, each as a mean and a standard deviation. */
export interface ScoredTrial {
  valid: number;
  validStd: number;
  test: number;
  testStd: number;
}

export interface BestTrialMixture {
  /** P(trial i has the best validation score), summing to 1. */
  weights: number[];
  /** The score-weighted mixture of test scores. */
  mean: number;
  /** Its variance: sum_i w_i (test_i^2 + testStd_i^2) - mean^2. */
  variance: number;
}

/** Standard deviation of an accuracy (or error rate) p measured on n examples: sqrt(p (1 - p) / n). */
export function binomialStd(p: number, n: number): number {
  if (!(p >= 0 && p <= 1)) throw new InvalidArgumentError(`binomialStd: p must be in [0, 1], got ${p}.`);
  requireInt('binomialStd', 'n', n, 1);
  return Math.sqrt((p * (1 - p)) / n);
}

/** The standard normal CDF (the Chebyshev erfc TPE's truncated normals use: relative error below 1.2e-7). */
const normalCdf = ndtr;

// Quadrature nodes of a standard normal on [-8, 8] (midpoint rule, weights normalised to 1).
const NODES = 801;
const HALF_WIDTH = 8;
const quadrature = (() => {
  const u: number[] = [];
  const w: number[] = [];
  const h = (2 * HALF_WIDTH) / NODES;
  for (let k = 0; k < NODES; k++) {
    const x = -HALF_WIDTH + (k + 0.5) * h;
    u.push(x);
    w.push(Math.exp(-0.5 * x * x));
  }
  const total = w.reduce((a, b) => a + b, 0);
  return { u, w: w.map((v) => v / total) };
})();

// A standard deviation of 0 (an accuracy of exactly 0 or 1) is a point mass; a tiny floor keeps the
// quadrature well defined and splits exact ties evenly.
const MIN_STD = 1e-9;

function checkTrials(where: string, trials: readonly ScoredTrial[]): void {
  if (trials.length === 0) throw new InvalidArgumentError(`${where}: needs at least one trial.`);
  trials.forEach((t, i) => {
    for (const k of ['valid', 'validStd', 'test', 'testStd'] as const) {
      if (!Number.isFinite(t[k]))
        throw new InvalidArgumentError(`${where}: trial ${i} has ${k} = ${t[k]}; scores and standard deviations must be finite numbers.`);
    }
    if (t.validStd < 0 || t.testStd < 0) throw new InvalidArgumentError(`${where}: trial ${i} has a negative standard deviation.`);
  });
}

export interface BestTrialMixtureOptions {
  /** Whether higher validation scores are better (default 'maximize'). */
  direction?: 'maximize' | 'minimize';
}
const BEST_TRIAL_MIXTURE_OPTION_KEYS = optionKeys<BestTrialMixtureOptions>({ direction: true });

/**
 * The probability that each trial is the best on validation (higher is better unless
 * `direction: 'minimize'`), and the resulting mixture of test scores.
 */
export function bestTrialMixture(trials: readonly ScoredTrial[], opts: BestTrialMixtureOptions = {}): BestTrialMixture {
  checkOptionKeys('bestTrialMixture', opts, BEST_TRIAL_MIXTURE_OPTION_KEYS);
  checkTrials('bestTrialMixture', trials);
  const sign = (opts.direction ?? 'maximize') === 'maximize' ? 1 : -1;
  // Work with "higher is better" validation scores.
  const mu = trials.map((t) => sign * t.valid);
  const sd = trials.map((t) => Math.max(t.validStd, MIN_STD));
  // A trial more than 2 x 8 standard deviations below another has no measurable chance of being best.
  const floor = Math.max(...mu.map((m, i) => m - HALF_WIDTH * sd[i]));
  const contenders = mu.map((_, i) => i).filter((i) => mu[i] + HALF_WIDTH * sd[i] >= floor);
  const raw = trials.map(() => 0);
  for (const i of contenders) {
    // w_i = E over x ~ N(mu_i, sd_i) of prod_{j != i} P(score_j < x).
    let w = 0;
    for (let k = 0; k < NODES; k++) {
      const x = mu[i] + sd[i] * quadrature.u[k];
      let p = quadrature.w[k];
      for (const j of contenders) {
        if (j === i) continue;
        p *= normalCdf((x - mu[j]) / sd[j]);
        if (p === 0) break;
      }
      w += p;
    }
    raw[i] = w;
  }
  const total = raw.reduce((a, b) => a + b, 0);
  const weights = total > 0 ? raw.map((w) => w / total) : raw.map((_, i) => (contenders.includes(i) ? 1 / contenders.length : 0));
  const mean = weights.reduce((s, w, i) => s + w * trials[i].test, 0);
  const second = weights.reduce((s, w, i) => s + w * (trials[i].test ** 2 + trials[i].testStd ** 2), 0);
  return { weights, mean, variance: Math.max(second - mean * mean, 0) };
}

export interface EfficiencyPoint {
  /** Experiment size s. */
  size: number;
  /** One mixture per disjoint experiment of s trials (pool[0..s), pool[s..2s), ...). */
  experiments: BestTrialMixture[];
  /** Quantiles of the experiments' mixture means (linear interpolation, as numpy's default). */
  min: number;
  q25: number;
  median: number;
  q75: number;
  max: number;
  /** Mean over experiments of their mixture means. */
  mean: number;
}

/** Linear-interpolation quantile of an ascending array (numpy's default method). */
function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new InvalidArgumentError('quantileSorted: empty array.');
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export interface RandomEfficiencyCurveOptions extends BestTrialMixtureOptions {
  /** The experiment sizes (default: powers of two up to the pool size). */
  sizes?: number[];
}
const RANDOM_EFFICIENCY_CURVE_OPTION_KEYS = optionKeys<RandomEfficiencyCurveOptions>({ direction: true, sizes: true });

/**
 * The random experiment efficiency curve of a pool of i.i.d. trials (in the order they were drawn):
 * for each size s in `sizes` (default 1, 2, 4, ... up to the pool size), floor(S/s) disjoint
 * experiments, each scored by {@link bestTrialMixture}.
 */
export function randomEfficiencyCurve(pool: readonly ScoredTrial[], opts: RandomEfficiencyCurveOptions = {}): EfficiencyPoint[] {
  checkOptionKeys('randomEfficiencyCurve', opts, RANDOM_EFFICIENCY_CURVE_OPTION_KEYS);
  checkTrials('randomEfficiencyCurve', pool);
  const sizes = opts.sizes ?? Array.from({ length: Math.floor(Math.log2(pool.length)) + 1 }, (_, k) => 2 ** k);
  return sizes.map((s) => {
    requireInt('randomEfficiencyCurve', 'each experiment size (at most the pool size)', s, 1, pool.length);
    const experiments: BestTrialMixture[] = [];
    for (let start = 0; start + s <= pool.length; start += s)
      experiments.push(bestTrialMixture(pool.slice(start, start + s), { direction: opts.direction }));
    const means = experiments.map((e) => e.mean).sort((a, b) => a - b);
    return {
      size: s,
      experiments,
      min: means[0],
      q25: quantileSorted(means, 0.25),
      median: quantileSorted(means, 0.5),
      q75: quantileSorted(means, 0.75),
      max: means[means.length - 1],
      mean: means.reduce((a, b) => a + b, 0) / means.length,
    };
  });
}
