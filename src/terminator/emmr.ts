import { InvalidArgumentError } from '../errors';
import type { Direction, FrozenTrial } from '../frozenTrial';
import { Rng } from '../rng';
import { MIN_NOISE } from '../samplers/gp/gp';
import { normalCdf, normalPdf } from '../samplers/gp/normal';
import { completeTrials, type ImprovementEvaluator } from './evaluators';
import { fitTerminatorGP, standardizedRegretBound, terminatorEncoding } from './regretBound';
import { requireInt } from '../validate';
import { checkOptionKeys, optionKeys } from '../options';

export interface EMMREvaluatorOptions {
  /** The objective has no noise (the GP's noise stays at its floor). Default false. */
  deterministicObjective?: boolean;
  /** Confidence parameter of the regret bound inside the criterion (default 0.1). */
  delta?: number;
  /** Complete trials needed before the criterion is computed (default 2, at least 2). */
  minNTrials?: number;
  /** Seed of the candidate points of the inner regret bound. */
  seed?: number;
}

const EMMR_EVALUATOR_OPTION_KEYS = optionKeys<EMMREvaluatorOptions>({
  deterministicObjective: true,
  delta: true,
  minNTrials: true,
  seed: true,
});

/** What "never terminate" evaluates to, as Optuna: a huge but finite improvement. */
const NO_TERMINATION = Number.MAX_VALUE * 0.1;

/**
 * Expected minimum model regret (Ishibashi et al., AISTATS 2023), Optuna's EMMREvaluator: how much
 * the last trial changed the GP's view of the optimum, bounded with the KL divergence between the
 * posteriors before and after it. Two GPs are fitted (on trials 1..t-1 and 1..t, the second warm
 * started from the first), on standardised values, and the criterion is
 *   delta_mu + v phi(g) + v g Phi(g) + kappa_{t-1} sqrt(KL / 2)
 * in standardised units (as Optuna returns it). Pair it with MedianErrorEvaluator, as Optuna's
 * documentation does.
 */
export class EMMREvaluator implements ImprovementEvaluator {
  readonly deterministicObjective: boolean;
  readonly delta: number;
  readonly minNTrials: number;
  private readonly rng: Rng;

  constructor(opts: EMMREvaluatorOptions = {}) {
    checkOptionKeys('EMMREvaluator', opts, EMMR_EVALUATOR_OPTION_KEYS);
    this.deterministicObjective = opts.deterministicObjective ?? false;
    this.delta = opts.delta ?? 0.1;
    this.minNTrials = requireInt('EMMREvaluator', 'minNTrials', opts.minNTrials ?? 2, 2);
    if (!(this.delta > 0 && this.delta < 1)) {
      throw new InvalidArgumentError(`EMMREvaluator: delta must be in (0, 1), got ${String(opts.delta)}.`);
    }
    this.rng = new Rng(opts.seed);
  }

  evaluate(trials: readonly FrozenTrial[], direction: Direction): number {
    const complete = completeTrials(trials);
    if (complete.length < this.minNTrials) return NO_TERMINATION;
    const encoding = terminatorEncoding(complete);
    if (encoding.size === 0) {
      process.emitWarning('EMMREvaluator: the trials share no parameter that varies; termination will never occur in this study.');
      return NO_TERMINATION;
    }
    const n = complete.length;
    const dim = encoding.size;
    const x = new Float64Array(n * dim);
    complete.forEach((t, i) => encoding.encode(t.internalParams, x, i * dim));
    const point = (i: number) => x.subarray(i * dim, i * dim + dim);
    const sign = direction === 'minimize' ? -1 : 1;
    const scores = clipInfinities(complete.map((t) => sign * t.values![0]));
    const mean = scores.reduce((a, b) => a + b, 0) / n;
    const std = Math.max(2.2250738585072014e-308, Math.sqrt(scores.reduce((a, v) => a + (v - mean) ** 2, 0) / n));
    const y = Float64Array.from(scores, (v) => (v - mean) / std);

    const opts = { deterministic: this.deterministicObjective, rng: this.rng };
    const xBefore = x.subarray(0, (n - 1) * dim);
    const yBefore = y.subarray(0, n - 1);
    const gpBefore = fitTerminatorGP(encoding, xBefore, yBefore, { ...opts, warmStart: null });
    const gpNow = fitTerminatorGP(encoding, x, y, { ...opts, warmStart: gpBefore.theta });

    const bestNow = argmax(y, n);
    const bestBefore = argmax(y, n - 1);
    const covBest =
      bestNow === bestBefore ? gpNow.predict(point(bestNow)).variance : gpNow.posteriorCovariance(point(bestNow), point(bestBefore));
    const atLast = gpNow.predict(point(n - 1));
    const varNowAtBestBefore = gpNow.predict(point(bestBefore)).variance;
    const now = gpNow.predict(point(bestNow));
    const muBeforeAtBestBefore = gpBefore.predict(point(bestBefore)).mean;
    const kappa = standardizedRegretBound(gpBefore, encoding, xBefore, n - 1, this.delta, this.rng);

    // Theorem 1: the expected change of the regret of the incumbent.
    const deltaMu = muBeforeAtBestBefore - now.mean;
    const v = Math.sqrt(Math.max(1e-10, now.variance - 2 * covBest + varNowAtBestBefore));
    const g = (now.mean - muBeforeAtBestBefore) / v;
    // Eq. 4: KL divergence between the posteriors with and without the last observation (lambda = 1 / noise floor).
    const lambda = 1 / MIN_NOISE;
    const s2 = atLast.variance;
    const kl =
      0.5 * Math.log(1 + lambda * s2) -
      (0.5 * s2) / (s2 + 1 / lambda) +
      (0.5 * s2 * (y[n - 1] - atLast.mean) ** 2) / (s2 + 1 / lambda) ** 2;
    const criterion = deltaMu + v * normalPdf(g) + v * g * normalCdf(g) + kappa * Math.sqrt(0.5 * kl);
    return Math.min(Number.MAX_VALUE * 0.5, criterion);
  }
}

/** First index of the largest of the first m values. */
function argmax(values: Float64Array, m: number): number {
  let best = 0;
  for (let i = 1; i < m; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Infinite values clipped to the finite range (Optuna's warn_and_convert_inf), so the GP can fit them. */
function clipInfinities(values: number[]): number[] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === values.length) return values;
  process.emitWarning('EMMREvaluator: non-finite objective values are clipped to the finite range for the GP fit.');
  const lo = finite.length ? Math.min(...finite) : 0;
  const hi = finite.length ? Math.max(...finite) : 0;
  return values.map((v) => Math.min(hi, Math.max(lo, v)));
}
