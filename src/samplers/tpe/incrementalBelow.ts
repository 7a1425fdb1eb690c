/**
 * l(x) of one numeric parameter for multi-objective TPE, kept across trials.
 *
 * With several objectives the good group is a tenth of the history, all of its observations weigh
 * the same (Optuna 5.0), and a trial changes it by a move or two: a trial joins the front, another
 * is displaced from the chosen part of it, and now and then the group grows by one. Built afresh,
 * the estimator sorted the group and formed every bandwidth each trial, and summed each candidate
 * over every good kernel within reach (about 0.3 ms a trial of the 0.84 at 10,000 trials of a
 * two-objective study; 0.68 with this). Here the group's kernels live in an `IncrementalAboveDensity` with equal
 * weights, which follows the moves (each changes only its own kernel and its sorted neighbours)
 * and sums the crowded kernels through its cells.
 *
 * It draws its candidates as `ParzenEstimator` does, from the same kernels to the bit (the same
 * bandwidth rule, the prior last) in the same order of random numbers, so the candidates are the
 * same; a continuous parameter's log densities agree with the from-scratch sums to about 1e-14.
 *
 * A discrete parameter (an integer, a stepped float) scores its candidates by runs of equal kernels
 * (`roughLogPdf`: a value's clipped kernels have one cell mass), within a margin of the
 * from-scratch sums, and its above density's choice takes the exact sums, to the bit, only for the
 * values it comes down to. Built afresh each trial, the estimator of a two-objective study with two
 * integers passed over the good group for every distinct candidate: with its building, a fifth of
 * the time at 9,000 trials.
 */
import type { Rng } from '../../rng';
import type { FrozenTrial } from '../../frozenTrial';
import { IncrementalAboveDensity, type RoughLogDensity } from './incrementalAbove';
import type { KernelCellMasses } from './discreteCells';
import { sortedDifference, type ParamColumn } from './observations';
import {
  computeWeights,
  cumulativeWeights,
  drawFromKernel,
  kernelMasses,
  ParzenEstimator,
  searchCumulative,
  type ParamModel,
  type ParzenEstimatorParameters,
} from './parzenEstimator';
import { lowerBound } from '../../sortedSearch';

/** Good observations below which the estimator is built from scratch (the magic clip's floor moves with their count). */
const INCREMENTAL_FROM = 98;

export class IncrementalBelow {
  private density: IncrementalAboveDensity | null = null;
  /** The trial numbers of the good group the density follows, ascending. */
  private group: Int32Array = new Int32Array(0);
  /** The trial numbers of those that have the parameter, ascending (the density's time order). */
  private kept: number[] = [];
  /** The mixture's running weight sums for `cumFor` observations (they depend only on the count). */
  private cum: Float64Array = new Float64Array(0);
  private cumFor = -1;

  /** `cellMasses`: a discrete parameter's kernels' cell masses, kept by the caller across the densities this builds. */
  constructor(
    private readonly model: ParamModel & { kind: 'numeric' },
    private readonly params: ParzenEstimatorParameters,
    readonly column: ParamColumn,
    private readonly cellMasses?: KernelCellMasses,
  ) {}

  /**
   * Follow the good group `below` (indices into `trials`, every one finished; `numbers`, where
   * given, their trial numbers, which this keeps and never changes). False when the estimator should
   * be built from scratch instead: fewer than INCREMENTAL_FROM of the trials have the parameter.
   */
  sync(trials: readonly FrozenTrial[], below: Int32Array, numbers: Int32Array = goodGroupNumbers(trials, below)): boolean {
    if (below.length < INCREMENTAL_FROM) {
      // Too few whatever they hold (the first tenth of a study's trials): nothing to follow yet.
      this.density = null;
      this.group = new Int32Array(0);
      return false;
    }
    // Compared by trial number: a split's indices may denote other trials once its tracker starts
    // over (a trial that finished late takes its place in the list).
    let ascending = true;
    for (let b = 1; b < numbers.length && ascending; b++) ascending = numbers[b] > numbers[b - 1];
    const was = this.group;
    this.group = ascending ? numbers : numbers.slice().sort();
    if (!this.density || !ascending) return this.rebuild(trials, below);
    const joined: number[] = [];
    const left: number[] = [];
    sortedDifference(
      was,
      numbers,
      (a) => left.push(was[a]),
      (b) => joined.push(below[b]),
    );
    // Followed up to about as many moves as a rebuild costs: at 9,000 trials of a three-objective
    // study a move cost about 6 µs a parameter and a rebuild of the 900-trial group 2.8 ms (a cut at a
    // sixteenth of the group rebuilt it for a trial whose group changed by 45 members or more).
    if (joined.length + left.length <= 32 + (this.kept.length >> 1) && this.follow(trials, joined, left)) return true;
    return this.rebuild(trials, below);
  }

  /**
   * Apply the moves (the indices into `trials` of the trials that joined, the numbers of those that
   * left) to the density; false (the density then unusable) when it cannot follow them.
   */
  private follow(trials: readonly FrozenTrial[], joined: readonly number[], left: readonly number[]): boolean {
    const density = this.density!;
    const kept = this.kept;
    for (const number of left) {
      const at = lowerBound(kept, number);
      if (at === kept.length || kept[at] !== number) continue; // the trial lacks this parameter
      if (!density.removeOlder(number)) return false;
      kept.splice(at, 1);
    }
    for (const i of joined) {
      const t = trials[i];
      const v = this.column.get(t);
      if (v !== v) continue;
      const at = lowerBound(kept, t.number);
      kept.splice(at, 0, t.number);
      density.insertOlder(v, this.column.sortedSeq(t.number), t.number, at);
    }
    return true;
  }

  private rebuild(trials: readonly FrozenTrial[], below: Int32Array): boolean {
    this.density = null;
    const entries: Array<{ value: number; seq: number; number: number }> = [];
    for (const i of below) {
      const t = trials[i];
      const v = this.column.get(t);
      if (v === v) entries.push({ value: v, seq: this.column.sortedSeq(t.number), number: t.number });
    }
    this.kept = entries.map((e) => e.number).sort((x, y) => x - y);
    if (entries.length < INCREMENTAL_FROM) return false;
    const rank = new Map(this.kept.map((number, r) => [number, r]));
    entries.sort((x, y) => x.value - y.value || x.seq - y.seq);
    this.density = IncrementalAboveDensity.build(
      this.model,
      this.params,
      Float64Array.from(entries, (e) => e.value),
      Float64Array.from(entries, (e) => e.seq),
      Int32Array.from(entries, (e) => e.number),
      Int32Array.from(entries, (e) => rank.get(e.number)!),
      true,
      this.cellMasses,
    );
    return true;
  }

  /** `size` draws (internal values) into out[0], as `ParzenEstimator.sample` draws them. */
  sample(rng: Rng, size: number, out: Float64Array[]): Float64Array[] {
    const n = this.kept.length;
    if (this.cumFor !== n) {
      this.cum = cumulativeWeights(computeWeights(n, this.params, new Float64Array(n).fill(1)));
      this.cumFor = n;
    }
    const m = this.model;
    const density = this.density!;
    const total = this.cum[n];
    for (let s = 0; s < size; s++) {
      const active = searchCumulative(this.cum, rng.random() * total);
      // The prior kernel comes last, at the range's centre with the range as its bandwidth.
      const [mu, sigma] = active < n ? density.kernelAt(active) : [0.5 * (m.low + m.high), m.high - m.low];
      const [massLow, massHigh] = kernelMasses(m, mu, sigma);
      out[0][s] = drawFromKernel(m, mu, sigma, rng.random(), massLow, massHigh);
    }
    return out;
  }

  /** log l(x) at each sample (internal values, in samples[0]): a discrete parameter's to the bit. */
  logPdf(samples: readonly Float64Array[], out: Float64Array = new Float64Array(samples[0].length)): Float64Array {
    if (this.model.q === null) return this.density!.logPdf(samples, out);
    const xs = samples[0];
    const exact = this.exactLogPdfs(new Set(xs));
    for (let s = 0; s < xs.length; s++) out[s] = exact.get(xs[s])!;
    return out;
  }

  /**
   * A discrete parameter's log l(x) at each sample by runs of equal kernels, into `out`, and how far
   * each may be from the from-scratch estimator's, with the exact values on demand: for a choice
   * that scores most candidates roughly (`IncrementalAboveDensity.bestRatio`). Null for a continuous
   * parameter (its `logPdf` costs no pass over the kernels).
   */
  roughLogPdf(samples: readonly Float64Array[], out: Float64Array): RoughLogDensity | null {
    if (this.model.q === null) return null;
    const xs = samples[0];
    const { logs, margin } = this.density!.roughLogPdfs(new Set(xs));
    let exact: ReadonlyMap<number, number> | null = null;
    for (let s = 0; s < xs.length; s++) {
      let v = logs.get(xs[s])!;
      // Underflowed runs (a mass of 0 everywhere but the prior's, which cannot underflow for a sane
      // range): the exact value instead.
      if (!Number.isFinite(v)) v = (exact ??= this.exactLogPdfs(new Set(xs))).get(xs[s])!;
      out[s] = v;
    }
    return { margin, exactLogPdfs: (values) => this.exactLogPdfs(values) };
  }

  /**
   * A discrete parameter's log l at each of `values` as the from-scratch estimator forms it, to the
   * bit: its observations in the good group's order (ascending trial numbers), then the prior.
   */
  private exactLogPdfs(values: ReadonlySet<number>): Map<number, number> {
    const density = this.density!;
    const out = density.exactUniformLogPdfs(this.kept, values);
    let estimator: ParzenEstimator | null = null;
    for (const [x, v] of out) {
      if (v === v) continue;
      // The sum underflowed: the from-scratch estimator's own log-space sum (built once for them all).
      estimator ??= new ParzenEstimator(
        [density.valuesOf(this.kept)],
        [this.model],
        this.params,
        new Float64Array(this.kept.length).fill(1),
      );
      out.set(x, estimator.logPdf([Float64Array.of(x)])[0]);
    }
    return out;
  }
}

/**
 * The trial numbers of the good group `below` (indices into `trials`), in its order: read once per
 * split for every parameter's `IncrementalBelow` (each read them from the trials: scattered reads of
 * a tenth of the history, a twentieth of a three-objective study's trial at 9,000 trials).
 */
export function goodGroupNumbers(trials: readonly FrozenTrial[], below: Int32Array): Int32Array {
  const numbers = new Int32Array(below.length);
  for (let b = 0; b < below.length; b++) numbers[b] = trials[below[b]].number;
  return numbers;
}
