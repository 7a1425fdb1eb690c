/**
 * The "above" density g(x) of one categorical parameter sampled on its own (several objectives, or
 * univariate TPE), from the above list kept across trials (`AboveDensities` follows it as it does
 * a joint space's). The estimator built from scratch read every above trial's value again each
 * trial and built kernels for them (a third of a long two-objective study's time, with a
 * categorical parameter); this density forms the same mixture from the list, by the same
 * expressions (`computeWeights`, `categoricalRow`, `categoricalMixture`), so it gives the same
 * doubles. The sampler's choice (`bestRatio`) reads the choices' weights from one pass over the list
 * and forms the mixture only where choices score too close for that to tell them apart.
 */
import type { AboveDensity } from './aboveDensity';
import { argmaxRatio } from './nearFirstSum';
import { categoricalMixture, categoricalRow, computeWeights, type ParzenEstimatorParameters } from './parzenEstimator';
import { defaultWeightAt, defaultWeights } from './weights';

/**
 * How far (log) a choice's probability from its hits' weights (`bestRatio`) may be from the
 * from-scratch mixture's, per observation: both add the same nonnegative terms, grouped otherwise,
 * each within (n + a few) units of rounding (EPSILON / 2) of the exact sum, n the observations. Four
 * per observation covers the two with room; the logs round besides by a unit of their size.
 */
const ROUGH_MARGIN_PER_OBSERVATION = 4 * Number.EPSILON;

export class CategoricalAbove implements AboveDensity {
  private values: Float64Array = new Float64Array(0);
  private count = 0;
  /** Each choice's probability under the current list (null: not formed since the list changed). */
  private probs: Float64Array | null = null;

  constructor(
    private readonly nChoices: number,
    private readonly params: ParzenEstimatorParameters,
  ) {}

  /** The above trials' choices (indices) are now `values[0 .. count)`, in time order. */
  sync(values: Float64Array, count: number): void {
    this.values = values;
    this.count = count;
    this.probs = null;
  }

  logPdf(samples: readonly Float64Array[], out: Float64Array = new Float64Array(samples[0].length)): Float64Array {
    const probs = (this.probs ??= this.mixture());
    const xs = samples[0];
    for (let s = 0; s < xs.length; s++) out[s] = Math.log(probs[xs[s]]);
    return out;
  }

  /**
   * The index of the sample with the largest logL[s] - log g(x_s), the first among equals, as an
   * argmax over `logPdf` gives: each choice's probability from its trials' total weight (one pass
   * adding a weight per trial, where the mixture adds one per trial and choice and builds the
   * weights first), and the from-scratch mixture only when choices score within the two sums'
   * rounding of each other (in a long study with a five-way choice, a tenth of the time at 9,000
   * trials went to the mixture). Other weights than the default: the mixture.
   */
  bestRatio(samples: readonly Float64Array[], logL: Float64Array, logG: Float64Array): number {
    if (this.probs !== null || this.params.weights !== defaultWeights) return argmaxRatio(logL, this.logPdf(samples, logG));
    const n = this.count;
    const choices = this.nChoices;
    const values = this.values;
    // Optuna's default weights, each where it is needed rather than in an array first.
    const hits = new Float64Array(choices);
    let all = 0;
    for (let i = 0; i < n; i++) {
      const w = defaultWeightAt(i, n);
      hits[values[i]] += w;
      all += w;
    }
    const priorWeight = this.params.priorWeight;
    const { pHit, pMiss } = categoricalRow(choices, priorWeight, n);
    // Every term's share of each choice, the prior's spread evenly, and the hits' extra.
    const shared = all * pMiss + priorWeight / choices;
    const logTotal = Math.log(all + priorWeight);
    const xs = samples[0];
    const scores = new Float64Array(xs.length);
    let best = -Infinity;
    let magnitude = 0;
    for (let s = 0; s < xs.length; s++) {
      const logSum = Math.log(shared + (pHit - pMiss) * hits[xs[s]]);
      scores[s] = logL[s] - (logSum - logTotal);
      if (scores[s] > best) best = scores[s];
      magnitude = Math.max(magnitude, Math.abs(logL[s]) + Math.abs(logSum) + Math.abs(logTotal));
    }
    const margin = ROUGH_MARGIN_PER_OBSERVATION * (n + 16) + 8 * Number.EPSILON * magnitude;
    // One choice within the margin of the best: its samples share log l and log g (the same choice,
    // the same densities), so the first of them is the argmax's choice.
    let first = -1;
    for (let s = 0; s < xs.length; s++) {
      if (!(scores[s] >= best - margin)) continue;
      if (first < 0) first = s;
      else if (xs[s] !== xs[first] || !Object.is(logL[s], logL[first])) return argmaxRatio(logL, this.logPdf(samples, logG));
    }
    return first < 0 ? argmaxRatio(logL, this.logPdf(samples, logG)) : first;
  }

  /** The list's mixture, as the estimator built from scratch forms it. */
  private mixture(): Float64Array {
    const n = this.count;
    const row = { ...categoricalRow(this.nChoices, this.params.priorWeight, n), nChoices: this.nChoices };
    return categoricalMixture(this.values, n, computeWeights(n, this.params), row);
  }
}
