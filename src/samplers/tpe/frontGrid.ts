/**
 * A three-objective front's positions filed by their second and third losses, for the question a
 * guided selection asks at each previous choice it leaves out (`LazyGreedy.hole`): which points lie
 * below a reach in every loss. A pass over the front answers it by testing every point below the
 * reach in the first loss, about half the front; late in a long study a trial whose new point
 * changes many choices asks it hundreds of times over an 8,500-point front. The points below a
 * reach lie near the left-out choice on the front, so the grid visits only its cells below the
 * reach in the second and third losses, and in each only the positions below it in the first: a
 * cell lists its positions ascending, and the front is in lexicographic order, so ascending in the
 * first loss.
 */
import type { LossColumns } from './lossColumns';
import { gridIndex } from './nearFirstSum';

/** Points per cell, about (the grid has about n / POINTS_PER_CELL cells, square). */
const POINTS_PER_CELL = 8;

export class FrontGrid {
  private constructor(
    private readonly columns: LossColumns,
    private readonly side: number,
    private readonly low1: number,
    private readonly low2: number,
    private readonly perWidth1: number,
    private readonly perWidth2: number,
    /** Per cell (second loss's index times side, plus the third's), where its positions start in `positions`; one more entry at the end. */
    private readonly cellStart: Int32Array,
    private readonly positions: Int32Array,
  ) {}

  /** The grid of the first `n` rows of `columns` (three losses, in lexicographic order). */
  static of(columns: LossColumns, n = columns.length): FrontGrid {
    const [, c1, c2] = columns.columns;
    let low1 = Infinity;
    let high1 = -Infinity;
    let low2 = Infinity;
    let high2 = -Infinity;
    for (let j = 0; j < n; j++) {
      if (c1[j] < low1) low1 = c1[j];
      if (c1[j] > high1) high1 = c1[j];
      if (c2[j] < low2) low2 = c2[j];
      if (c2[j] > high2) high2 = c2[j];
    }
    const side = Math.max(1, Math.round(Math.sqrt(n / POINTS_PER_CELL)));
    // A span of zero (every point equal there) is one cell wide.
    const perWidth1 = high1 > low1 ? side / (high1 - low1) : 0;
    const perWidth2 = high2 > low2 ? side / (high2 - low2) : 0;
    const grid = new FrontGrid(columns, side, low1, low2, perWidth1, perWidth2, new Int32Array(side * side + 1), new Int32Array(n));
    const cellOf = new Int32Array(n);
    for (let j = 0; j < n; j++) {
      const cell = gridIndex(c1[j], low1, perWidth1, side) * side + gridIndex(c2[j], low2, perWidth2, side);
      cellOf[j] = cell;
      grid.cellStart[cell + 1]++;
    }
    for (let c = 0; c < side * side; c++) grid.cellStart[c + 1] += grid.cellStart[c];
    // By cell, each cell's positions ascending (a counting sort is stable).
    const next = grid.cellStart.slice(0, side * side);
    for (let j = 0; j < n; j++) grid.positions[next[cellOf[j]]++] = j;
    return grid;
  }

  /**
   * The positions j with every loss below the reach (c0 < r0, c1 < r1, c2 < r2) into `out` (at
   * least as long as the front), each cell's ascending; returns how many.
   */
  below(r0: number, r1: number, r2: number, out: Int32Array): number {
    const [c0, c1, c2] = this.columns.columns;
    const { side, cellStart, positions } = this;
    // The cells whose lower edges lie below the reach: a point below it is in one of them. (An
    // infinite reach over a span of zero would make NaN, which `gridIndex` takes to the first cell.)
    const last1 = r1 === Infinity ? side - 1 : gridIndex(r1, this.low1, this.perWidth1, side);
    const last2 = r2 === Infinity ? side - 1 : gridIndex(r2, this.low2, this.perWidth2, side);
    let count = 0;
    for (let q1 = 0; q1 <= last1; q1++) {
      for (let q2 = 0; q2 <= last2; q2++) {
        const cell = q1 * side + q2;
        const end = cellStart[cell + 1];
        for (let at = cellStart[cell]; at < end; at++) {
          const j = positions[at];
          if (!(c0[j] < r0)) break; // the cell's later positions are no lower in the first loss
          if (c1[j] < r1 && c2[j] < r2) out[count++] = j;
        }
      }
    }
    return count;
  }
}
