/**
 * TPE's choice among its candidates for a joint g(x) over three or more continuous parameters, or
 * over a mixed space, without forming most of the sums in full (the maintained "above" density of
 * multivariate TPE; nearFirstSum.ts does this for two continuous parameters).
 *
 * TPE proposes the candidate with the largest log l(x) - log g(x). Past 98 bad trials the clip's
 * floor stops moving, and where trials crowd (the region TPE samples most) every kernel has the
 * floor as its bandwidth in every parameter. Such a kernel's term at a point is at most its weight
 * times e^-(c d^2), d the distance in any one parameter and c that parameter's curvature. So the
 * narrow kernels are kept in a grid of cells over the first three parameters, and a candidate's
 * sum is formed over a box of cells that grows out from its own cell, one face at a time: always
 * the face nearest the candidate. After each step, what was summed bounds the candidate's sum from
 * below, and that plus the count of kernels not yet visited times the largest weight times
 * e^-(c d^2), d the distance to the box's nearest face, from above: both bound its score. Every
 * candidate first sums its own cell; a race then refines the candidate that might score highest,
 * and drops every candidate proven to score lower than another by more than LOSS_MARGIN, until one
 * is left or those left have complete sums (the kernels outside the box weigh less than 2^-60 of
 * the sum, below its rounding).
 *
 * What it saves, and what it cannot. On Hartmann-3 (an organic seeded run), at 9,000-10,000 trials a
 * choice sums about 0.8 terms per kernel (7,300) where the full sums take 24; a quarter of the
 * candidates are dropped after their own cell. Proving that a close loser loses takes most of its
 * sum, which is most of the kernels within a few floors of it, and where trials crowd that count
 * grows with the history: the cost per trial still grows, though far slower than with the full
 * sums (from the third thousand trials to the tenth, 0.19 to 0.51 ms against 1.05 to 4.07,
 * interleaved, in the twentieth session). Boxes grown by a ring of cells all round, as they were
 * until the twenty-third session, took 11,400 terms a choice at 10,000 trials. The kernels wider
 * than the floor in one of the three parameters (edges and sparse stretches) and the prior are
 * summed in full for every candidate.
 *
 * A mixed space (mixedKernelSum.ts) is raced the same way over its first three numeric parameters:
 * a discrete parameter's kernels at the floor are as narrow around their values, and a candidate
 * stands for its value's cell, the bounds measured from the cell's edges (a value wide where a step
 * is wider than the cells would be: a layer count's kernels barely reach the next value, so its
 * cells keep them apart); categorical parameters only bound a term by their largest. The terms
 * come through `GridTerms`, which each kind of mixture forms as its full sum does. In an organic
 * 10,000-trial run of a model's mixed space (a learning rate, a float, a layer count, a unit count,
 * an optimiser), a choice visits about 0.7 kernels per kernel of g where the full sums visit 24
 * (5,400 at 10,000 trials; 7,300 with boxes grown by whole rings).
 *
 * The choice is the one the full sums make: a candidate is dropped only when it loses by more than
 * LOSS_MARGIN in log space, far above the sums' rounding, and the candidates left at the end, if
 * more than one is within LOSS_MARGIN of the best, are scored again by the full sums (complete sums
 * hold the full sums' terms in another order, a product mixture's to the bit and a mixed space's to
 * rounding, and a mixed space's full sum leaves out terms below e^-40 of its largest: where the
 * full sums tie, as for candidates only the prior reaches, those last bits would break the tie).
 */
import { expNonPositive } from './expNonPositive';
import { gridIndex } from './nearFirstSum';
import { logSumProductKernels, type ProductKernels } from './productKernelSum';

/**
 * The kernels as the grid files them: kernel 0 the prior; `mus` and `curvatures` (1 / (2 sigma^2))
 * per parameter in the modelling space, of which the first three at most are the grid's (a product
 * mixture's own arrays; a mixed space passes its first three numeric parameters'). A kernel is
 * near, and filed in a cell, when its bandwidth is the clip's floor in every grid parameter.
 */
export interface GridKernels {
  readonly count: number;
  readonly mus: readonly Float64Array[];
  readonly curvatures: readonly Float64Array[];
  /**
   * Where the terms can read their kernels' data from the grid's own copy (`GridTerms.addPacked`):
   * how to lay out a kernel's. The grid then keeps each near kernel's in its lists' order.
   */
  readonly packer?: GridPacker;
}

/**
 * A kernel's data as its terms read it, `width` values per kernel: what changes only with the
 * kernel (the grid is told of such changes through `sync`'s touched slots), not its weight.
 */
export interface GridPacker {
  readonly width: number;
  /** The values of kernels slots[from] .. slots[to - 1] into out, kernel slots[r]'s at [r width, (r + 1) width). */
  pack(slots: Int32Array, from: number, to: number, out: Float64Array): void;
}

/**
 * The candidates' terms, as `bestRatio` sums them. Kernel i's term at candidate s is scaled by
 * e^-top and, for a near kernel, is at most maxWeight e^-(c d^2) for d the distance from its mean to
 * s's interval in any one grid parameter (the candidate's point, or a discrete value's cell: see
 * `bestRatio`) and c that parameter's curvature at the floor (so at most maxWeight).
 */
export interface GridTerms {
  readonly top: number;
  readonly maxWeight: number;
  /** `sum` plus the scaled terms of kernels order[from] .. order[to - 1] at candidate s, one by one in that order. */
  addTerms(order: Int32Array, from: number, to: number, s: number, sum: number): number;
  /**
   * The same, each kernel's data read from `packed` (at its position times the packer's width) as
   * the `GridKernels.packer` of the sync laid it out, its weight still by slot.
   */
  addPacked?(packed: Float64Array, order: Int32Array, from: number, to: number, s: number, sum: number): number;
  /** log of candidate s's full sum, unscaled (for a sum whose scaled form nears underflow). */
  logSum(s: number): number;
}

/**
 * The grid's cells, in clip floors per parameter (the first three parameters). In an organic
 * 8,000-trial Hartmann-3 run, the last thousand trials cost 0.54, 0.43, 0.39 and 0.50 (two runs),
 * 0.60, 0.63 and 0.83 ms/trial with cells of 1, 1.5, 2, 2.5, 3 and 4 floors (single runs: this
 * machine's noise is about 20%); 0.57 with 3 floors and every candidate summing its first ring
 * before the race.
 */
const CELL_WIDTH = 2;

/** Parameters the grid spans (the first three; the others only lower a term, which the bounds allow). */
const GRID_DIMS = 3;

/** How much lower than the best a candidate's score must be proven before it is dropped. */
const LOSS_MARGIN = 1e-9;

/** Marks a kernel in neither list (`rowOfSlot`): one that joined since the last sync, or an unused slot. */
const ABSENT = -2;
/** Marks a kernel summed for every candidate (`rowOfSlot`). */
const REST = -1;

/** A sum whose kernels outside its box weigh below this fraction of it is complete (below its rounding). */
const COMPLETE = 2 ** -60;

/** Allowance for rounding in the cells' edges (of a cell's width: a mean is put in its cell by rounded arithmetic, `gridIndex`). */
const EDGE_SLACK = 1e-9;

export class NearFirstGrid {
  /** Kernels visited (summed) by the walks, from the first. */
  visits = 0;

  /** The grid parameters (one to three; the grid's others have one cell). */
  private g = 0;
  /** The grid: per grid parameter, its low end, its cells' width (and inverse), their count; the curvature of a kernel at the floor. */
  private readonly lows = new Float64Array(GRID_DIMS);
  private readonly widths = new Float64Array(GRID_DIMS);
  private readonly perWidths = new Float64Array(GRID_DIMS);
  private readonly cells = new Int32Array(GRID_DIMS);
  private readonly minCurvatures = new Float64Array(GRID_DIMS);
  private rows = 0;

  /**
   * The near kernels (at the floor in every grid parameter) by row, then by third index: row r
   * (the cells with first index r / cells[1] and second r % cells[1]) holds order[rowStart[r]] ..
   * order[rowStart[r + 1] - 1], their cells found through `cellsBefore`. Rows, not cells: the grid has
   * about 125,000 cells (2,500 rows), and a pass over the cells of a coarser grid every choice
   * (39,000 of them) cost more than it saved.
   */
  private order = new Int32Array(0);
  /**
   * Per row and third index q (at row (cells[2] + 1) + q): the row's kernels in cells before q, so
   * that a run of a row's cells is found at once. Relative to the row, so a kernel joining or
   * leaving changes only its row's entries (a binary search per row and run took a third of the
   * race's time once the race grew boxes face by face). A row's entries are counted when first
   * read after the lists were sorted anew (`rowEpoch`): counting every row's at each sort cost more
   * than the searches saved in a 1,000-trial study, where the lists are sorted every tenth trial.
   */
  private cellsBefore = new Int32Array(0);
  /** Per row, the sort (`epoch`) its `cellsBefore` entries were counted in. */
  private rowEpoch = new Int32Array(0);
  private epoch = 0;
  private nearCount = 0;
  private rowStart = new Int32Array(1);
  /**
   * With a packer (`GridKernels.packer`): each near kernel's data for its terms in the lists' order,
   * `width` values each, so that a race reads a cell's kernels in one run of memory rather than
   * gathering them by slot from an array per value (the terms took three quarters of a Hartmann-3
   * choice's time at 10,000 trials). The weights, which change every trial, are still read by slot.
   */
  private packed = new Float64Array(0);
  private packer: GridPacker | null = null;
  private width = 0;
  /** The other kernels, the prior first: summed in full for every candidate. */
  private rest = new Int32Array(0);
  private restCount = 0;
  /** Per kernel: its row (or REST, or ABSENT) and third index, as the lists hold it. */
  private rowOfSlot = new Int32Array(0);
  private columnOfSlot = new Int32Array(0);

  /**
   * Per candidate: its point, the sum so far, the near kernels visited, its cell, the box of cells
   * summed (per grid parameter its first and last index), its score's bounds.
   */
  private points = new Float64Array(0);
  private sums = new Float64Array(0);
  private visited = new Int32Array(0);
  private homes = new Int32Array(0);
  private boxLow = new Int32Array(0);
  private boxHigh = new Int32Array(0);
  /** Per candidate, the nearest face of its box (`nearestFace`). */
  private faces = new Int8Array(0);
  /** The candidates still in the race, in order (`bestRatio`). */
  private alive = new Int32Array(0);
  private low = new Float64Array(0);
  private high = new Float64Array(0);
  /** Per candidate and grid parameter: the half-width of the interval it stands for (`bestRatio`). */
  private halfWidths = new Float64Array(0);
  private complete = new Uint8Array(0);

  /**
   * Bring the lists up to date with `k` (three or more parameters, kernel 0 the prior), over the
   * first three parameters' ranges `lows[j]` .. `highs[j]` (modelling space) with the clip's floors
   * `floors[j]`. `touched` lists the kernels that joined or changed since the last sync (their means
   * never change while they stay in their slots), or is null when kernels left or were renumbered:
   * then every kernel is sorted into the lists again (two counting sorts: by third index, then by
   * row). The weights and heights are read from `k` as the sums are formed, so they may change
   * freely. `steps[j]`: a discrete grid parameter's step when its cells should be a value wide
   * (where a step is wider than CELL_WIDTH floors: each value then has a cell of its own), else 0.
   */
  sync(
    k: GridKernels,
    touched: readonly number[] | null,
    lows: readonly number[],
    highs: readonly number[],
    floors: readonly number[],
    steps?: readonly number[],
  ): void {
    this.g = Math.min(GRID_DIMS, k.mus.length);
    let moved = false;
    for (let j = 0; j < GRID_DIMS; j++) {
      // A parameter the grid does not span is one cell over [0, 1]: every kernel and point in it.
      const spanned = j < this.g;
      const width = spanned ? Math.max(CELL_WIDTH * floors[j], steps?.[j] ?? 0) : 1;
      const cells = spanned ? Math.max(1, Math.ceil((highs[j] - lows[j]) / width)) : 1;
      const low = spanned ? lows[j] : 0;
      if (low !== this.lows[j] || width !== this.widths[j] || cells !== this.cells[j]) moved = true;
      this.lows[j] = low;
      this.widths[j] = width;
      this.perWidths[j] = 1 / width;
      this.cells[j] = cells;
      // A kernel at the floor has curvature 1 / (2 floor^2), computed from its bandwidth by rounded
      // operations: the threshold allows for that. Every near kernel's curvature is at least this.
      this.minCurvatures[j] = spanned ? (0.5 / (floors[j] * floors[j])) * (1 - 1e-9) : 0;
    }
    this.rows = this.cells[0] * this.cells[1];
    const width = k.packer?.width ?? 0;
    if (width !== this.width) moved = true;
    this.packer = k.packer ?? null;
    this.width = width;
    if (this.rowOfSlot.length < k.count) {
      // Doubled: the mixture gains a kernel most trials.
      const grown = new Int32Array(2 * k.count).fill(ABSENT);
      grown.set(this.rowOfSlot);
      this.rowOfSlot = grown;
      const columns = new Int32Array(2 * k.count);
      columns.set(this.columnOfSlot);
      this.columnOfSlot = columns;
      const order = new Int32Array(2 * k.count);
      order.set(this.order.subarray(0, this.nearCount));
      this.order = order;
      const rest = new Int32Array(2 * k.count);
      rest.set(this.rest.subarray(0, this.restCount));
      this.rest = rest;
    }
    if (this.packed.length < width * this.order.length) {
      const packed = new Float64Array(width * this.order.length);
      packed.set(this.packed.subarray(0, Math.min(this.packed.length, width * this.nearCount)));
      this.packed = packed;
    }
    if (touched === null || moved || this.restCount === 0) {
      this.rebuild(k);
    } else {
      // A kernel missing from the list that should hold it cannot happen while the lists follow the
      // kernels; should it, they are sorted anew rather than searched past their end.
      for (const slot of touched) {
        if (!this.update(k, slot)) {
          this.rebuild(k);
          break;
        }
      }
    }
  }

  /**
   * The index of the point with the largest logL[s] - log g(y_s), the first among equals, as an
   * argmax over every log g would give (`sync` first). `points[j][s]` in the modelling space (the
   * grid parameters' first, as in `sync`); `halfWidths[j][s]`, where given, the half-width of the
   * interval candidate s stands for in grid parameter j (a discrete value's cell: `GridTerms`
   * bounds a term by the distance to it), else 0; `terms` the candidates' terms; `logTotal` the log
   * of the mixture's total weight (log g = top + log sum - logTotal).
   */
  bestRatio(
    terms: GridTerms,
    points: readonly Float64Array[],
    logL: Float64Array,
    logTotal: number,
    halfWidths?: ReadonlyArray<Float64Array | null>,
  ): number {
    const size = logL.length;
    this.prepare(size);
    const alive = this.alive;
    let count = size;
    for (let s = 0; s < size; s++) {
      this.start(terms, s, points, halfWidths);
      this.bound(terms, s, logL[s], logTotal);
      alive[s] = s;
    }
    // A candidate's bounds only narrow as its box grows (the terms added were within what the
    // bound allowed for them), so the best lower bound so far holds for the rest of the race.
    let bestLow = -Infinity;
    for (let s = 0; s < size; s++) if (this.low[s] > bestLow) bestLow = this.low[s];
    for (;;) {
      // Drop the candidates proven to lose, and refine the one that might score highest (the first
      // among equals).
      let kept = 0;
      let next = -1;
      for (let a = 0; a < count; a++) {
        const s = alive[a];
        if (this.high[s] < bestLow - LOSS_MARGIN) continue;
        alive[kept++] = s;
        if (!this.complete[s] && (next < 0 || this.high[s] > this.high[next])) next = s;
      }
      count = kept;
      if (kept === 1) return alive[0];
      if (next < 0) break;
      this.widen(terms, next);
      this.bound(terms, next, logL[next], logTotal);
      if (this.low[next] > bestLow) bestLow = this.low[next];
    }
    // Every candidate left has its complete sum: the argmax's choice among them. A complete sum is
    // the full sum's terms in another order, with terms the full sum may leave out (a mixed space's
    // sum skips those below e^-40 of its largest): the two agree far within LOSS_MARGIN, but where
    // candidates tie in the full sums (candidates only the prior reaches score the same) the tie
    // would be broken by those last bits. So the candidates within LOSS_MARGIN of the best are
    // scored again by the full sums, as the argmax scores them.
    const left = Array.from(alive.subarray(0, count));
    let bestScore = -Infinity;
    for (const s of left) if (this.low[s] > bestScore) bestScore = this.low[s];
    let best = -1;
    let bestFull = -Infinity;
    const close = left.filter((s) => this.low[s] >= bestScore - LOSS_MARGIN);
    for (const s of close) {
      const score = close.length === 1 ? this.low[s] : logL[s] - (terms.logSum(s) - logTotal);
      if (score > bestFull) {
        best = s;
        bestFull = score;
      }
    }
    return best < 0 ? 0 : best;
  }

  /** Every kernel sorted into the lists anew. */
  private rebuild(k: GridKernels): void {
    const n = k.count;
    const g2 = this.cells[2];
    const rows = this.rows;
    if (this.rowStart.length < rows + 1) this.rowStart = new Int32Array(rows + 1);
    const rowStart = this.rowStart;
    rowStart.fill(0, 0, rows + 1);
    if (this.cellsBefore.length < rows * (g2 + 1)) this.cellsBefore = new Int32Array(rows * (g2 + 1));
    if (this.rowEpoch.length < rows) this.rowEpoch = new Int32Array(rows);
    this.epoch++;
    const columnStart = new Int32Array(g2 + 1);
    const rowOf = this.rowOfSlot;
    const columnOf = this.columnOfSlot;
    rowOf.fill(ABSENT, n);
    this.rest[0] = 0;
    this.restCount = 1;
    rowOf[0] = REST;
    // Count the near kernels per row and third index (and list the others).
    for (let i = 1; i < n; i++) {
      if (this.isNear(k, i)) {
        const row = this.rowOf(k, i);
        const column = this.columnOf(k, i);
        rowOf[i] = row;
        columnOf[i] = column;
        rowStart[row + 1]++;
        columnStart[column + 1]++;
      } else {
        rowOf[i] = REST;
        this.rest[this.restCount++] = i;
      }
    }
    for (let q = 0; q < g2; q++) columnStart[q + 1] += columnStart[q];
    for (let r = 0; r < rows; r++) rowStart[r + 1] += rowStart[r];
    this.nearCount = rowStart[rows];
    // By third index, then (stably) by row: start[x] runs to the next one's start meanwhile.
    const byColumn = new Int32Array(this.nearCount);
    for (let i = 1; i < n; i++) if (rowOf[i] >= 0) byColumn[columnStart[columnOf[i]]++] = i;
    for (let r = 0; r < this.nearCount; r++) {
      const i = byColumn[r];
      const at = rowStart[rowOf[i]]++;
      this.order[at] = i;
    }
    for (let r = rows; r > 0; r--) rowStart[r] = rowStart[r - 1];
    rowStart[0] = 0;
    this.packer?.pack(this.order, 0, this.nearCount, this.packed);
  }

  /** Position r's packed data from its kernel. */
  private pack(r: number): void {
    this.packer!.pack(this.order, r, r + 1, this.packed);
  }

  /** The position of near kernel `slot` in the lists (it is in row `row`, third index `column`), or -1. */
  private positionOf(slot: number, row: number, column: number): number {
    const end = this.cellStart(row, column + 1);
    let at = this.cellStart(row, column);
    while (at < end && this.order[at] !== slot) at++;
    return at < end ? at : -1;
  }

  /** The position of the first kernel of row `row` in a cell at third index `q` or later. */
  private cellStart(row: number, q: number): number {
    if (this.rowEpoch[row] !== this.epoch) this.countRow(row);
    return this.rowStart[row] + this.cellsBefore[row * (this.cells[2] + 1) + q];
  }

  /** Row `row`'s `cellsBefore` entries from its kernels. */
  private countRow(row: number): void {
    const span = this.cells[2] + 1;
    const at = row * span;
    const before = this.cellsBefore;
    before.fill(0, at, at + span);
    for (let r = this.rowStart[row]; r < this.rowStart[row + 1]; r++) before[at + this.columnOfSlot[this.order[r]] + 1]++;
    for (let q = at; q < at + span - 1; q++) before[q + 1] += before[q];
    this.rowEpoch[row] = this.epoch;
  }

  /** One more (`by` 1) or one fewer (-1) kernel in row `row` at third index `column`. */
  private countInCell(row: number, column: number, by: number): void {
    if (this.rowEpoch[row] === this.epoch) {
      const span = this.cells[2] + 1;
      for (let q = row * span + column + 1; q < (row + 1) * span; q++) this.cellsBefore[q] += by;
    }
    for (let r = row + 1; r <= this.rows; r++) this.rowStart[r] += by;
  }

  /** Kernel `slot` (joined or changed) into its list, out of the one it was in; false if it was not found there. */
  private update(k: GridKernels, slot: number): boolean {
    if (slot === 0 || slot >= k.count) return true;
    const was = this.rowOfSlot[slot];
    if (this.isNear(k, slot)) {
      const row = this.rowOf(k, slot);
      const column = this.columnOf(k, slot);
      if (was === row && this.columnOfSlot[slot] === column) {
        // In its place already; its bandwidths (so its packed data) may have changed.
        if (!this.packer) return true;
        const at = this.positionOf(slot, row, column);
        if (at < 0) return false;
        this.pack(at);
        return true;
      }
      if (!this.takeOut(slot)) return false;
      // After the kernels of its cell already there.
      const at = this.cellStart(row, column + 1);
      this.order.copyWithin(at + 1, at, this.nearCount);
      const width = this.width;
      if (width > 0) this.packed.copyWithin(width * (at + 1), width * at, width * this.nearCount);
      this.order[at] = slot;
      if (this.packer) this.pack(at);
      this.nearCount++;
      this.countInCell(row, column, 1);
      this.rowOfSlot[slot] = row;
      this.columnOfSlot[slot] = column;
    } else if (was !== REST) {
      if (!this.takeOut(slot)) return false;
      this.rest[this.restCount++] = slot;
      this.rowOfSlot[slot] = REST;
    }
    return true;
  }

  /** Kernel `slot` out of the list it is in (if any); false if that list does not hold it. */
  private takeOut(slot: number): boolean {
    const row = this.rowOfSlot[slot];
    if (row === REST) {
      let at = 1;
      while (at < this.restCount && this.rest[at] !== slot) at++;
      if (at === this.restCount) return false;
      this.rest.copyWithin(at, at + 1, this.restCount);
      this.restCount--;
    } else if (row >= 0) {
      const at = this.positionOf(slot, row, this.columnOfSlot[slot]);
      if (at < 0) return false;
      this.order.copyWithin(at, at + 1, this.nearCount);
      const width = this.width;
      if (width > 0) this.packed.copyWithin(width * at, width * (at + 1), width * this.nearCount);
      this.nearCount--;
      this.countInCell(row, this.columnOfSlot[slot], -1);
    }
    this.rowOfSlot[slot] = ABSENT;
    return true;
  }

  /** Whether kernel i is at the floor in every grid parameter. */
  private isNear(k: GridKernels, i: number): boolean {
    const c = k.curvatures;
    const min = this.minCurvatures;
    for (let j = 0; j < this.g; j++) if (!(c[j][i] >= min[j])) return false;
    return true;
  }

  /** Kernel i's row. */
  private rowOf(k: GridKernels, i: number): number {
    const q0 = gridIndex(k.mus[0][i], this.lows[0], this.perWidths[0], this.cells[0]);
    return this.g < 2 ? q0 : q0 * this.cells[1] + gridIndex(k.mus[1][i], this.lows[1], this.perWidths[1], this.cells[1]);
  }

  /** Kernel i's third index. */
  private columnOf(k: GridKernels, i: number): number {
    return this.g < 3 ? 0 : gridIndex(k.mus[2][i], this.lows[2], this.perWidths[2], this.cells[2]);
  }

  /** Room for `size` candidates. */
  private prepare(size: number): void {
    if (this.sums.length < size) {
      this.sums = new Float64Array(size);
      this.visited = new Int32Array(size);
      this.homes = new Int32Array(GRID_DIMS * size);
      this.boxLow = new Int32Array(GRID_DIMS * size);
      this.boxHigh = new Int32Array(GRID_DIMS * size);
      this.faces = new Int8Array(size);
      this.alive = new Int32Array(size);
      this.low = new Float64Array(size);
      this.high = new Float64Array(size);
      this.complete = new Uint8Array(size);
    }
    if (this.points.length < GRID_DIMS * size) {
      this.points = new Float64Array(GRID_DIMS * size);
      this.halfWidths = new Float64Array(GRID_DIMS * size);
    }
  }

  /** Candidate s's sum over the other kernels and its own cell. */
  private start(terms: GridTerms, s: number, points: readonly Float64Array[], halfWidths?: ReadonlyArray<Float64Array | null>): void {
    for (let j = 0; j < GRID_DIMS; j++) {
      const y = j < this.g ? points[j][s] : 0;
      this.points[GRID_DIMS * s + j] = y;
      this.halfWidths[GRID_DIMS * s + j] = (j < this.g && halfWidths?.[j]?.[s]) || 0;
      const home = gridIndex(y, this.lows[j], this.perWidths[j], this.cells[j]);
      this.homes[GRID_DIMS * s + j] = home;
      this.boxLow[GRID_DIMS * s + j] = home;
      this.boxHigh[GRID_DIMS * s + j] = home;
    }
    this.sums[s] = terms.addTerms(this.rest, 0, this.restCount, s, 0);
    this.visits += this.restCount;
    this.visited[s] = 0;
    this.complete[s] = 0;
    const h = GRID_DIMS * s;
    this.addCells(terms, s, this.homes[h] * this.cells[1] + this.homes[h + 1], this.homes[h + 2], this.homes[h + 2]);
  }

  /**
   * c d^2 for the face of candidate s's box nearest its interval (d the distance, c that
   * parameter's curvature at the floor), among the faces with cells beyond them: every near kernel
   * outside the box is at least that far in that parameter. The face goes to `faces[s]` (2 j for
   * parameter j's low side, 2 j + 1 for its high side; Infinity and -1 when the box is the grid).
   */
  private nearestFace(s: number): number {
    let reach = Infinity;
    let face = -1;
    for (let j = 0; j < GRID_DIMS; j++) {
      const at = GRID_DIMS * s + j;
      const width = this.widths[j];
      const c = this.minCurvatures[j];
      const y = this.points[at];
      const slack = EDGE_SLACK * width + this.halfWidths[at];
      const low = this.boxLow[at];
      const high = this.boxHigh[at];
      if (low > 0) {
        const gap = Math.max(0, y - (this.lows[j] + low * width) - slack);
        if (c * gap * gap < reach) {
          reach = c * gap * gap;
          face = 2 * j;
        }
      }
      if (high < this.cells[j] - 1) {
        const gap = Math.max(0, this.lows[j] + (high + 1) * width - y - slack);
        if (c * gap * gap < reach) {
          reach = c * gap * gap;
          face = 2 * j + 1;
        }
      }
    }
    this.faces[s] = face;
    return reach;
  }

  /**
   * Candidate s's box one cell wider at its nearest face (as its last bound found it: the bound's
   * distance is that face's), the new slab's kernels into its sum. Growing the nearest face alone,
   * rather than a ring of cells all round, adds only the cells that raise the bound's distance: in
   * an organic Hartmann-3 run, a choice at 9,000-10,000 trials visited 7,300 kernels where whole
   * rings visited 11,400 (in about 110 smaller steps rather than 24).
   */
  private widen(terms: GridTerms, s: number): void {
    const face = this.faces[s];
    if (face < 0) return;
    const h = GRID_DIMS * s;
    const j = face >> 1;
    const q = face & 1 ? ++this.boxHigh[h + j] : --this.boxLow[h + j];
    const g1 = this.cells[1];
    const lo0 = j === 0 ? q : this.boxLow[h];
    const hi0 = j === 0 ? q : this.boxHigh[h];
    const lo1 = j === 1 ? q : this.boxLow[h + 1];
    const hi1 = j === 1 ? q : this.boxHigh[h + 1];
    const lo2 = j === 2 ? q : this.boxLow[h + 2];
    const hi2 = j === 2 ? q : this.boxHigh[h + 2];
    // A row's kernels are in order of third index: one run per row for the cells lo2 .. hi2.
    for (let q0 = lo0; q0 <= hi0; q0++) for (let q1 = lo1; q1 <= hi1; q1++) this.addCells(terms, s, q0 * g1 + q1, lo2, hi2);
  }

  /**
   * Candidate s's sum plus the terms of the kernels in row `row`'s cells a .. b. Terms are added to
   * the running sum itself, as the full sum adds them: a far candidate's sum is its prior term's,
   * every other term too small to change it, and a run summed apart first would change its last
   * bits, and break ties that the full sums make between candidates only the prior reaches.
   */
  private addCells(terms: GridTerms, s: number, row: number, a: number, b: number): void {
    if (this.rowStart[row] === this.rowStart[row + 1]) return;
    const from = this.cellStart(row, a);
    const to = this.cellStart(row, b + 1);
    if (from === to) return;
    this.visits += to - from;
    this.visited[s] += to - from;
    this.sums[s] =
      this.packer && terms.addPacked
        ? terms.addPacked(this.packed, this.order, from, to, s, this.sums[s])
        : terms.addTerms(this.order, from, to, s, this.sums[s]);
  }

  /**
   * Candidate s's score bounds from its sum and the count of near kernels outside its box (each
   * term there is at most the largest weight times e^-(c d^2), d the distance from the box's
   * nearest face to the candidate's interval, c that parameter's curvature at the floor); both equal
   * once the sum is complete.
   */
  private bound(terms: GridTerms, s: number, logL: number, logTotal: number): void {
    const reach = this.nearestFace(s);
    const sum = this.sums[s];
    const top = terms.top;
    const beyond = reach === Infinity ? 0 : (this.nearCount - this.visited[s]) * terms.maxWeight * Math.exp(-reach);
    // Nothing beyond the box: complete whatever the sum (a NaN one, from a corrupted term, would
    // otherwise never be, and the race would widen its box, which spans the grid, forever).
    if (beyond === 0 || beyond <= sum * COMPLETE) {
      this.complete[s] = 1;
      let logG: number;
      if (sum > 1e-250) {
        logG = top + Math.log(sum) - logTotal;
      } else {
        logG = terms.logSum(s) - logTotal;
      }
      this.low[s] = logL - logG;
      this.high[s] = this.low[s];
      return;
    }
    this.low[s] = logL - (top + Math.log((sum + beyond) * (1 + 1e-12)) - logTotal);
    this.high[s] = sum > 0 ? logL - (top + Math.log(sum * (1 - 1e-12)) - logTotal) : Infinity;
  }
}

/** Values per kernel in `ProductGridTerms.packer`'s layout: three means, three curvatures, the log height. */
const PRODUCT_WIDTH = 7;

/**
 * A product mixture's terms (every parameter continuous): w_i e^(log h_i - sum_j c_ij (y_j - mu_ij)^2
 * - top), top its largest log height, each exponent formed as `logSumProductKernels` forms it (the
 * height, less each parameter's part in turn, less `top`), so that a term is the same double there
 * and here.
 */
export class ProductGridTerms implements GridTerms {
  readonly top: number;
  readonly maxWeight: number;
  private readonly d: number;
  /** The candidates' points, d values each. */
  private readonly points: Float64Array;

  /**
   * `points[j][s]`: candidate s in parameter j (modelling space); `scratch` at least `k.count` long;
   * `maxWeight` the observations' largest weight (kernels 1 ..), when the caller keeps it.
   */
  constructor(
    private readonly k: ProductKernels,
    points: readonly Float64Array[],
    private readonly scratch: Float64Array,
    maxWeight?: number,
  ) {
    const d = k.mus.length;
    this.d = d;
    this.top = k.maxLogHeight;
    if (maxWeight === undefined) {
      maxWeight = 0;
      for (let i = 1; i < k.count; i++) if (k.weights[i] > maxWeight) maxWeight = k.weights[i];
    }
    this.maxWeight = maxWeight;
    const size = d > 0 ? points[0].length : 0;
    this.points = new Float64Array(d * size);
    for (let s = 0; s < size; s++) for (let j = 0; j < d; j++) this.points[d * s + j] = points[j][s];
  }

  addTerms(order: Int32Array, from: number, to: number, s: number, sum: number): number {
    const k = this.k;
    const w = k.weights;
    const logHeights = k.logHeights;
    const top = this.top;
    const d = this.d;
    const points = this.points;
    const at = d * s;
    if (d === 3) {
      // The commonest case unrolled.
      const [mu0, mu1, mu2] = k.mus;
      const [c0, c1, c2] = k.curvatures;
      const y0 = points[at];
      const y1 = points[at + 1];
      const y2 = points[at + 2];
      for (let r = from; r < to; r++) {
        const i = order[r];
        const d0 = y0 - mu0[i];
        const d1 = y1 - mu1[i];
        const d2 = y2 - mu2[i];
        const x = logHeights[i] - d0 * d0 * c0[i] - d1 * d1 * c1[i] - d2 * d2 * c2[i];
        sum += w[i] * expNonPositive(x - top);
      }
      return sum;
    }
    for (let r = from; r < to; r++) {
      const i = order[r];
      let x = logHeights[i];
      for (let j = 0; j < d; j++) {
        const dj = points[at + j] - k.mus[j][i];
        x -= dj * dj * k.curvatures[j][i];
      }
      sum += w[i] * expNonPositive(x - top);
    }
    return sum;
  }

  /** The layout `addPacked` reads, for a mixture of three parameters: each kernel's three means, three curvatures and log height. */
  static packer(k: ProductKernels): GridPacker {
    return {
      width: PRODUCT_WIDTH,
      pack(slots: Int32Array, from: number, to: number, out: Float64Array): void {
        const [mu0, mu1, mu2] = k.mus;
        const [c0, c1, c2] = k.curvatures;
        const logHeights = k.logHeights;
        for (let r = from; r < to; r++) {
          const i = slots[r];
          const at = PRODUCT_WIDTH * r;
          out[at] = mu0[i];
          out[at + 1] = mu1[i];
          out[at + 2] = mu2[i];
          out[at + 3] = c0[i];
          out[at + 4] = c1[i];
          out[at + 5] = c2[i];
          out[at + 6] = logHeights[i];
        }
      },
    };
  }

  addPacked(packed: Float64Array, order: Int32Array, from: number, to: number, s: number, sum: number): number {
    // As `addTerms` forms them (three parameters), the same operations in the same order.
    const w = this.k.weights;
    const top = this.top;
    const at = this.d * s;
    const y0 = this.points[at];
    const y1 = this.points[at + 1];
    const y2 = this.points[at + 2];
    for (let r = from; r < to; r++) {
      const o = PRODUCT_WIDTH * r;
      const d0 = y0 - packed[o];
      const d1 = y1 - packed[o + 1];
      const d2 = y2 - packed[o + 2];
      const x = packed[o + 6] - d0 * d0 * packed[o + 3] - d1 * d1 * packed[o + 4] - d2 * d2 * packed[o + 5];
      sum += w[order[r]] * expNonPositive(x - top);
    }
    return sum;
  }

  logSum(s: number): number {
    return logSumProductKernels(this.k, this.points.slice(this.d * s, this.d * s + this.d), this.scratch);
  }
}
