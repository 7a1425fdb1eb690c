/**
 * The "above" density g(x) of one categorical parameter sampled on its own (several objectives, or
 * univariate TPE), from the above list kept across trials (`AboveDensities` follows it as it does
 * a joint space's). The estimator built from scratch read every above trial's value again each
 * trial and built kernels for them (a third of a long two-objective study's time, with a
 * categorical parameter); this density forms the same mixture from the list, by the same
 * expressions (`computeWeights`, `categoricalRow`, `categoricalMixture`), so it gives the same
 * doubles.
 */
import type { AboveDensity } from './aboveDensity';
import { categoricalMixture, categoricalRow, computeWeights, type ParzenEstimatorParameters } from './parzenEstimator';

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

  /** The list's mixture, as the estimator built from scratch forms it. */
  private mixture(): Float64Array {
    const n = this.count;
    const row = { ...categoricalRow(this.nChoices, this.params.priorWeight, n), nChoices: this.nChoices };
    return categoricalMixture(this.values, n, computeWeights(n, this.params), row);
  }
}
