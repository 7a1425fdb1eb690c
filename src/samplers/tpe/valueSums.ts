/**
 * A discrete parameter's clipped kernels (those at the magic clip's floor, which share one
 * bandwidth), counted per grid value with their time ranks, for an "above" density
 * (`IncrementalAboveDensity`): per value v, A_v the clipped kernels at v and B_v the sum of their
 * ranks. The ramp's weights alpha + beta r then weigh the value's kernels alpha A_v + beta B_v
 * together, whatever alpha and beta are this trial (the newest 25, weighted 1, are corrected for
 * apart), so the density's sums by runs of equal kernels need not pass over every kernel.
 *
 * The sums are `RankedCellMoments`' with one moment of 1 per kernel: counts and rank sums, whole
 * numbers far below 2^53, which doubles add, subtract and shift exactly.
 *
 * A value's clipped kernels are equal only if their means are the same double: the first mean at
 * a value is kept, and a kernel at the same value with another mean (a stepped float read back in
 * two roundings) makes `add` refuse, and the caller stop keeping these sums.
 */
import type { NumericModel } from './parzenEstimator';
import { RankedCellMoments } from './rankedMoments';

const ONE = Float64Array.of(1);

export class ValueSums {
  private readonly sums: RankedCellMoments;
  /** Per grid value, its clipped kernels' mean (NaN until one arrives). */
  private readonly means: Float64Array;

  private constructor(
    /** Grid values. */
    readonly cells: number,
    private readonly low: number,
    private readonly step: number,
    ranked: boolean,
  ) {
    this.sums = new RankedCellMoments(cells, 1, ONE, ranked);
    this.means = new Float64Array(cells).fill(NaN);
  }

  /** Sums for a discrete parameter of at most `maxCells` grid values (`ranked`: see `RankedCellMoments`); null for any other. */
  static for(model: NumericModel, maxCells: number, ranked = true): ValueSums | null {
    if (model.q === null) return null;
    const { low, high } = model.dist;
    const cells = Math.round((high - low) / model.q) + 1;
    return cells <= maxCells ? new ValueSums(cells, low, model.q, ranked) : null;
  }

  isMember(number: number): boolean {
    return this.sums.isMember(number);
  }

  /** Whether grid value c has a clipped kernel. */
  used(c: number): boolean {
    return this.sums.used(c);
  }

  /** The mean of grid value c's clipped kernels. */
  meanOf(c: number): number {
    return this.means[c];
  }

  /**
   * Trial `number`'s kernel, at internal value `value` and mean `mu`, is now clipped, at time rank
   * `rank` (`deferred`: while building, for a `refresh` to come). False, with nothing changed, when
   * the value's clipped kernels have another mean.
   */
  add(number: number, rank: number, value: number, mu: number, deferred: boolean): boolean {
    const c = Math.min(this.cells - 1, Math.max(0, Math.round((value - this.low) / this.step)));
    const kept = this.means[c];
    if (kept !== kept) this.means[c] = mu;
    else if (!Object.is(kept, mu)) return false;
    this.sums.add(number, rank, c, 1, 0, deferred);
    return true;
  }

  remove(number: number, rank: number): void {
    this.sums.remove(number, rank);
  }

  shiftAfter(number: number, delta: number): void {
    this.sums.shiftAfter(number, delta);
  }

  reserve(number: number): void {
    this.sums.reserve(number);
  }

  /** See `RankedCellMoments.suspend`. */
  suspend(): void {
    this.sums.suspend();
  }

  get stale(): boolean {
    return this.sums.stale;
  }

  refresh(byRank: readonly number[]): void {
    this.sums.refresh(byRank);
  }

  /**
   * Each used grid value's clipped kernels' total weight into out[c]: alpha A_c + beta B_c, and for
   * the newest (ranks `ramp` on, weighted 1) the difference from the ramp's weight.
   */
  weights(alpha: number, beta: number, ramp: number, byRank: readonly number[], out: Float64Array): void {
    for (let c = 0; c < this.cells; c++) if (this.sums.used(c)) this.sums.combine(c, alpha, beta, out, c);
    for (let r = ramp; r < byRank.length; r++) {
      const number = byRank[r];
      if (this.sums.isMember(number)) this.sums.addScaled(number, 1 - (alpha + beta * r), out);
    }
  }
}
