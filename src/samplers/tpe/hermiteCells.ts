/**
 * Bounds on g(x)'s sum over its crowded kernels in time independent of their number: a fast Gauss
 * transform (Greengard and Strain 1991) with rigorous error bounds, kept across trials.
 *
 * Why. Late in a long two-parameter study most bad trials crowd the good region, where TPE's
 * candidates score within a hair of each other, so an exact choice needs nearly every term near
 * each candidate, and those grow with the history (nearFirstSum.ts). But past 98 observations the
 * kernels in a crowded region all have the magic clip's floor as bandwidth (their neighbours are
 * closer than range/100), so their sum is a Gauss transform with one bandwidth per parameter: the
 * kernels of each grid cell (CELL_WIDTH floors wide) sum to a truncated Hermite expansion about the
 * cell's centre, whose coefficients (moments of the kernels' offsets) are updated as kernels join and
 * leave. A point's sum is then read off the cells around it, at a cost that does not grow with the
 * history, with a bound on what the truncation and the cells left out can add.
 *
 * The weights. Optuna's weights ramp with a kernel's rank r in time order: a + b r (a = 1/m,
 * b = (1 - 1/m)/(m - 26) for m observations) for all but the newest 25, which weigh 1. a and b move
 * every trial, so each cell keeps two sets of moments, of e_i and of e_i r_i (e_i the kernel's
 * height relative to an untruncated floor kernel), combined when read. A kernel whose rank moves
 * (a trial before it moved between the good and the bad) has its second moments updated. Kernels
 * outside the ramp or wider than the floor are left to the caller (`direct`), summed exactly.
 *
 * The bounds. Per parameter, in units u = (y - mu) / (sqrt 2 sigma) where a kernel is e^-u^2, a
 * kernel at offset s from its cell's centre (|s| <= r) seen from offset t is
 * e^-(t-s)^2 = sum_n s^n / n! h_n(t), h_n(t) = e^-t^2 H_n(t). By Cramér's inequality,
 * |h_n(t)| <= K 2^(n/2) sqrt(n!) e^(-t^2/2), so the terms from order p on add at most
 * K e^(-t^2/2) sum_{n >= p} (sqrt 2 r)^n / sqrt(n!) per unit weight; for the product of the two
 * parameters, |A0 A1 - P0 P1| <= |R0| a1 + (a0 + |R0|) |R1| with A the kernel, P its truncation,
 * R the rest and a the largest value of the kernel over the cell. The caller asks for a relative
 * precision: a cell whose smallest and largest values over the cell are that close is not expanded
 * (that interval is used as it is), the others are expanded to the lowest order whose bound is
 * that close, and the cells beyond REACH are bounded by their total weight at the nearest distance.
 * Rounding is covered by a relative allowance that grows with the updates since the moments were
 * last rebuilt from scratch (REBUILD_AFTER, rampMoments.ts).
 *
 * Groups. In a mixed space of two continuous parameters and categorical ones, a kernel's term is
 * also multiplied by its categorical factor (per categorical parameter, the probability of the
 * candidate's choice given the kernel's: a hit or a miss), which is the same for every kernel of a
 * combination of choices (a group) seen from one candidate. So each group keeps its own moments
 * per cell, and `bounds` weighs each group's by its factor at the candidate (hermiteLine.ts does the
 * same for one continuous parameter).
 */

import { RampMoments, type RampKernels } from './rampMoments';

/**
 * The most terms of the expansion per parameter (the moments kept), and a cell's side in
 * bandwidths: the kernels' offsets from its centre are then at most r = CELL_WIDTH / (2 sqrt 2)
 * in units u, and the terms from ORDER on at most 1.3e-6 of a unit weight. Measured on the last 50
 * choices of an organic 6,000-trial run, replayed: cells 2 bandwidths wide with 15 terms took 0.32
 * ms a choice, 1.5 wide with 13 terms 0.35; 1 wide with 10 terms was the slowest in an earlier
 * version (0.53 against 0.42).
 */
export const ORDER = 15;
const TERMS = ORDER * ORDER;
export const CELL_WIDTH = 2;
/** Cells summed on each side of a point's own (8 bandwidths); those beyond are bounded as a whole. */
export const REACH = Math.ceil(8 / CELL_WIDTH);
/** The lowest order a cell is expanded to. */
export const MIN_ORDER = 2;
/** The largest offset of a kernel from its cell's centre, in units u (a hair more, for rounding). */
export const CELL_RADIUS = (CELL_WIDTH / (2 * Math.SQRT2)) * (1 + 1e-9);
/** Cramér's constant, rounded up: |H_n(t)| e^(-t^2/2) <= K sqrt(2^n n!). */
const CRAMER = 1.0865;

/** The kernels the cells are kept for, as `IncrementalJointAbove` holds them (two parameters). */
export interface CellKernels extends RampKernels {
  readonly mus: readonly Float64Array[];
  readonly logHeights: Float64Array;
  /** Per parameter and slot, the bandwidth. */
  readonly sigmas: readonly Float64Array[];
  /** With groups: the group of the kernel in `slot` (its combination of categorical choices). */
  groupOf?(slot: number): number;
}

/** A grid of cells over two parameters' ranges, with the Hermite moments of the kernels in each. */
export class HermiteCells extends RampMoments<CellKernels> {
  readonly floor0: number;
  readonly floor1: number;
  /** log of an untruncated floor kernel's height (the reference for e_i). */
  readonly logFloorHeight: number;

  private readonly nx: number;
  private readonly ny: number;
  private readonly side0: number;
  private readonly side1: number;
  /** 1 / (sqrt 2 sigma): model units to units u. */
  private readonly scale0: number;
  private readonly scale1: number;
  /** The largest offset from a cell's centre, in units u (a hair more, for rounding). */
  private readonly r: number;
  /** Per order p <= ORDER and unit weight, the bound on the terms from p on, without its e^(-t^2/2). */
  private readonly tails: Float64Array;

  /** Per cell (cx * ny + cy) and group g, at cell * groups + g: its block of moments, or -1. */
  private readonly blockOf: Int32Array;
  private blocks = 0;
  /** Per block, ORDER x ORDER moments of e_i, and of e_i r_i. */
  private m0 = new Float64Array(16 * TERMS);
  private m1 = new Float64Array(16 * TERMS);
  /**
   * The blocks read since the last sync, their moments combined with its weights (a + b r_i), up
   * to the highest order asked of each: per block, the sync (epoch) of its combination, its place
   * in `comb`, and that order.
   */
  private comb = new Float64Array(64 * TERMS);
  private combined = 0;
  private combEpoch = new Int32Array(16);
  private combAt = new Int32Array(16);
  private combOrder = new Uint8Array(16);
  private epoch = 0;
  /** Per group, the sums of e_i and e_i r_i over its kernels in the cells. */
  private readonly total0: Float64Array;
  private readonly total1: Float64Array;

  /** Per slot held (`heldNumber`): its cell and group (cell groups + g), e, means. */
  private heldCell = new Int32Array(0);
  private heldE = new Float64Array(0);
  private heldMu0 = new Float64Array(0);
  private heldMu1 = new Float64Array(0);

  private readonly mono0 = new Float64Array(ORDER);
  private readonly mono1 = new Float64Array(ORDER);
  /** Per column and row around a point: Hermite functions, largest and smallest kernel value, e^(-t^2/2). */
  private readonly colH = new Float64Array((2 * REACH + 1) * ORDER);
  private readonly rowH = new Float64Array((2 * REACH + 1) * ORDER);
  private readonly colMax = new Float64Array(2 * REACH + 1);
  private readonly rowMax = new Float64Array(2 * REACH + 1);
  private readonly colMin = new Float64Array(2 * REACH + 1);
  private readonly rowMin = new Float64Array(2 * REACH + 1);
  private readonly colHalf = new Float64Array(2 * REACH + 1);
  private readonly rowHalf = new Float64Array(2 * REACH + 1);
  /** Per cell around a point (column-major) and group, its weight sum_i (a + b r_i) e_i, 0 for none; per group, those summed. */
  private readonly boxWeights: Float64Array;
  private readonly groupBox: Float64Array;
  /** Every group's factor 1 (`bounds` without factors). */
  private readonly ones: Float64Array;

  /**
   * @param low0, high0, low1, high1 the parameters' ranges (modelling space)
   * @param floor0, floor1 the magic clip's floor in each (the crowded kernels' bandwidths)
   * @param groups the number of groups (combinations of categorical choices; `CellKernels.groupOf`)
   */
  constructor(
    private readonly low0: number,
    high0: number,
    private readonly low1: number,
    high1: number,
    floor0: number,
    floor1: number,
    readonly groups = 1,
  ) {
    super();
    this.floor0 = floor0;
    this.floor1 = floor1;
    this.side0 = CELL_WIDTH * floor0;
    this.side1 = CELL_WIDTH * floor1;
    this.nx = Math.max(1, Math.ceil((high0 - low0) / this.side0));
    this.ny = Math.max(1, Math.ceil((high1 - low1) / this.side1));
    this.scale0 = 1 / (Math.SQRT2 * floor0);
    this.scale1 = 1 / (Math.SQRT2 * floor1);
    this.r = CELL_RADIUS;
    this.tails = tailBounds(this.r);
    this.blockOf = new Int32Array(this.nx * this.ny * groups).fill(-1);
    this.total0 = new Float64Array(groups);
    this.total1 = new Float64Array(groups);
    this.boxWeights = new Float64Array((2 * REACH + 1) ** 2 * groups);
    this.groupBox = new Float64Array(groups);
    this.ones = new Float64Array(groups).fill(1);
    this.logFloorHeight = Math.log(1 / (2 * Math.PI * floor0 * floor1));
  }

  /** The total weight the cells hold, sum_i (a + b r_i) e_i. */
  get weight(): number {
    let weight = 0;
    for (let g = 0; g < this.groups; g++) weight += this.groupWeight(g);
    return weight;
  }

  /** The total weight the cells hold of group g. */
  groupWeight(g: number): number {
    return this.a * this.total0[g] + this.b * this.total1[g];
  }

  protected startSync(): void {
    this.epoch++;
    this.combined = 0;
  }

  protected atFloor(k: CellKernels, slot: number): boolean {
    return k.sigmas[0][slot] === this.floor0 && k.sigmas[1][slot] === this.floor1;
  }

  /**
   * Bounds on sum_i f_(g_i) (a + b r_i) e_i e^-(u_i0^2 + u_i1^2) over the kernels in the cells at the
   * point (y0, y1) (modelling space), into out[0] (lower) and out[1] (upper); f_g = `factors[g]` >= 0
   * (every group's 1 without factors).
   */
  bounds(y0: number, y1: number, precision: number, out: Float64Array, factors: Float64Array = this.ones): void {
    const hx = clampIndex(Math.floor((y0 - this.low0) / this.side0), this.nx);
    const hy = clampIndex(Math.floor((y1 - this.low1) / this.side1), this.ny);
    const x0 = Math.max(0, hx - REACH);
    const x1 = Math.min(this.nx - 1, hx + REACH);
    const yFrom = Math.max(0, hy - REACH);
    const yTo = Math.min(this.ny - 1, hy + REACH);
    hermiteAxis(y0, this.low0, this.side0, this.scale0, this.r, x0, x1, this.colH, this.colMax, this.colMin, this.colHalf);
    hermiteAxis(y1, this.low1, this.side1, this.scale1, this.r, yFrom, yTo, this.rowH, this.rowMax, this.rowMin, this.rowHalf);
    const { a, b, m0, m1, ny, blockOf, tails, groups, groupBox } = this;
    const side = 2 * REACH + 1;
    const boxWeights = this.boxWeights;
    groupBox.fill(0);
    // First every cell's weight per group (0 for none), and the sum's scale: each weight, times its
    // group's factor, at its cell's centre.
    let central = 0;
    let cells = 0;
    for (let cx = x0; cx <= x1; cx++) {
      const c = cx - x0;
      const row = cx * ny;
      for (let cy = yFrom; cy <= yTo; cy++) {
        for (let g = 0; g < groups; g++) {
          const block = blockOf[(row + cy) * groups + g];
          const w = block < 0 ? 0 : a * m0[block * TERMS] + b * m1[block * TERMS];
          boxWeights[(c * side + cy - yFrom) * groups + g] = w;
          if (!(w > 0)) continue;
          groupBox[g] += w;
          cells++;
          central += factors[g] * w * this.colH[c * ORDER] * this.rowH[(cy - yFrom) * ORDER];
        }
      }
    }
    // Each cell may be off by its share of the precision asked for: a cell whose crude bounds are
    // that close is taken as it is, the others are expanded to the lowest order that is that close.
    const allowance = (precision * central) / Math.max(1, cells);
    const rounding = 1e-12 + 1e-16 * this.updates;
    let lo = 0;
    let hi = 0;
    for (let cx = x0; cx <= x1; cx++) {
      const c = cx - x0;
      const row = cx * ny;
      const max0 = this.colMax[c];
      const min0 = this.colMin[c];
      const half0 = this.colHalf[c];
      for (let cy = yFrom; cy <= yTo; cy++) {
        for (let g = 0; g < groups; g++) {
          // A group's factor multiplies its weight (by 1 for a single group: the same doubles).
          const w = factors[g] * boxWeights[(c * side + cy - yFrom) * groups + g];
          if (!(w > 0)) continue;
          const block = blockOf[(row + cy) * groups + g];
          const d = cy - yFrom;
          const max1 = this.rowMax[d];
          const cellHigh = w * max0 * max1;
          const cellLow = w * min0 * this.rowMin[d];
          if (cellHigh - cellLow <= allowance) {
            lo += cellLow;
            hi += cellHigh;
            continue;
          }
          const half1 = this.rowHalf[d];
          let order = MIN_ORDER;
          while (order < ORDER && truncation(w, tails[order], half0, half1, max0, max1) > allowance) order++;
          const value = factors[g] * this.expand(block, c * ORDER, d * ORDER, order);
          const err = truncation(w, tails[order], half0, half1, max0, max1) + w * rounding;
          lo += Math.max(cellLow, value - err);
          hi += Math.min(cellHigh, value + err);
        }
      }
    }
    // The cells beyond reach: all their weight at the nearest distance any of them can be.
    const gap = Math.min(
      x0 > 0 ? (y0 - (this.low0 + x0 * this.side0)) * this.scale0 : Infinity,
      x1 < this.nx - 1 ? (this.low0 + (x1 + 1) * this.side0 - y0) * this.scale0 : Infinity,
      yFrom > 0 ? (y1 - (this.low1 + yFrom * this.side1)) * this.scale1 : Infinity,
      yTo < this.ny - 1 ? (this.low1 + (yTo + 1) * this.side1 - y1) * this.scale1 : Infinity,
    );
    if (gap < Infinity) {
      let reachable = 0;
      for (let g = 0; g < groups; g++) {
        const weight = this.groupWeight(g);
        reachable += factors[g] * (Math.max(0, weight - groupBox[g]) + 1e-12 * weight);
      }
      const g = Math.max(0, gap);
      hi += reachable * Math.exp(-g * g);
    }
    out[0] = lo * (1 - 1e-12);
    out[1] = hi * (1 + 1e-12);
  }

  /** The block's expansion (moments combined with this sync's weights) at a column's and row's Hermite functions. */
  private expand(block: number, col: number, row: number, order: number): number {
    if (this.combEpoch[block] !== this.epoch) {
      this.combEpoch[block] = this.epoch;
      this.combOrder[block] = 0;
      this.combAt[block] = this.combined++;
      if (this.comb.length < this.combined * TERMS) {
        const grown = new Float64Array(2 * this.comb.length);
        grown.set(this.comb);
        this.comb = grown;
      }
    }
    const comb = this.comb;
    const c = this.combAt[block] * TERMS;
    const o = block * TERMS;
    const done = this.combOrder[block];
    if (done < order) {
      this.combOrder[block] = order;
      const { a, b, m0, m1 } = this;
      for (let i = 0; i < order; i++) {
        for (let j = i < done ? done : 0; j < order; j++) comb[c + i * ORDER + j] = a * m0[o + i * ORDER + j] + b * m1[o + i * ORDER + j];
      }
    }
    const colH = this.colH;
    const rowH = this.rowH;
    let sum = 0;
    // Two rows' dot products side by side: each is a chain of dependent additions, formed in the
    // same order as alone, and the rows are added in order. An odd last row is formed twice over,
    // side by side, and added once.
    for (let i = 0; i < order; i += 2) {
      const paired = i + 1 < order;
      let inner = 0;
      let next = 0;
      const ci = c + i * ORDER;
      const cn = paired ? ci + ORDER : ci;
      for (let j = 0; j < order; j++) {
        const r = rowH[row + j];
        inner += comb[ci + j] * r;
        next += comb[cn + j] * r;
      }
      sum += colH[col + i] * inner;
      if (paired) sum += colH[col + i + 1] * next;
    }
    return sum;
  }

  /** Adds kernel `slot` (its means, its height e relative to a floor kernel's, its group) at rank `rank` to its cell. */
  protected add(k: CellKernels, slot: number, rank: number): void {
    const mu0 = k.mus[0][slot];
    const mu1 = k.mus[1][slot];
    const e = Math.exp(k.logHeights[slot] - this.logFloorHeight);
    const g = k.groupOf ? k.groupOf(slot) : 0;
    const cell = this.cellOf(mu0, mu1);
    const key = cell * this.groups + g;
    let block = this.blockOf[key];
    if (block < 0) block = this.newBlock(key);
    this.addMoments(block, mu0, mu1, cell, e, e * rank);
    this.heldCell[slot] = key;
    this.heldE[slot] = e;
    this.heldMu0[slot] = mu0;
    this.heldMu1[slot] = mu1;
    this.total0[g] += e;
    this.total1[g] += e * rank;
  }

  protected remove(slot: number): void {
    const e = this.heldE[slot];
    const rank = this.heldRank[slot];
    const key = this.heldCell[slot];
    const g = key % this.groups;
    this.addMoments(this.blockOf[key], this.heldMu0[slot], this.heldMu1[slot], (key - g) / this.groups, -e, -e * rank);
    this.total0[g] -= e;
    this.total1[g] -= e * rank;
  }

  protected moveRank(slot: number, rank: number): void {
    const e = this.heldE[slot];
    const delta = e * (rank - this.heldRank[slot]);
    const key = this.heldCell[slot];
    const g = key % this.groups;
    this.addMoments(this.blockOf[key], this.heldMu0[slot], this.heldMu1[slot], (key - g) / this.groups, 0, delta);
    this.total1[g] += delta;
  }

  /** Adds c0 and c1 times the moments of a kernel at (mu0, mu1) to a block's two sets. */
  private addMoments(block: number, mu0: number, mu1: number, cell: number, c0: number, c1: number): void {
    const cx = (cell / this.ny) | 0;
    const cy = cell - cx * this.ny;
    monomials((mu0 - (this.low0 + (cx + 0.5) * this.side0)) * this.scale0, this.mono0);
    monomials((mu1 - (this.low1 + (cy + 0.5) * this.side1)) * this.scale1, this.mono1);
    const o = block * TERMS;
    const { m0, m1, mono0, mono1 } = this;
    for (let i = 0; i < ORDER; i++) {
      const p0 = c0 * mono0[i];
      const p1 = c1 * mono0[i];
      const oi = o + i * ORDER;
      for (let j = 0; j < ORDER; j++) {
        m0[oi + j] += p0 * mono1[j];
        m1[oi + j] += p1 * mono1[j];
      }
    }
    this.updates++;
  }

  private cellOf(mu0: number, mu1: number): number {
    const cx = clampIndex(Math.floor((mu0 - this.low0) / this.side0), this.nx);
    const cy = clampIndex(Math.floor((mu1 - this.low1) / this.side1), this.ny);
    return cx * this.ny + cy;
  }

  /** A block of moments for `key` (a cell and group: cell groups + g). */
  private newBlock(key: number): number {
    const block = this.blocks++;
    if (this.m0.length < this.blocks * TERMS) {
      const grow = (x: Float64Array): Float64Array<ArrayBuffer> => {
        const y = new Float64Array(2 * x.length);
        y.set(x);
        return y;
      };
      this.m0 = grow(this.m0);
      this.m1 = grow(this.m1);
      // Fresh per-block records: no block has been combined for this sync yet (epochs start at 1).
      this.combEpoch = new Int32Array(this.m0.length / TERMS);
      this.combAt = new Int32Array(this.combEpoch.length);
      this.combOrder = new Uint8Array(this.combEpoch.length);
    }
    this.blockOf[key] = block;
    return block;
  }

  protected clearMoments(): void {
    this.m0.fill(0);
    this.m1.fill(0);
    this.combEpoch.fill(0);
    this.total0.fill(0);
    this.total1.fill(0);
  }

  protected growSlots(size: number): void {
    this.heldCell = RampMoments.grown(this.heldCell, size, 0);
    this.heldE = RampMoments.grown(this.heldE, size, 0);
    this.heldMu0 = RampMoments.grown(this.heldMu0, size, 0);
    this.heldMu1 = RampMoments.grown(this.heldMu1, size, 0);
  }
}

/**
 * The bound on a cell's truncated terms: weight w, per-unit tail bound `tail` of the order, and per
 * parameter e^(-t^2/2) and the kernel's largest value over the cell (|A0 A1 - P0 P1|, see above).
 */
function truncation(w: number, tail: number, half0: number, half1: number, max0: number, max1: number): number {
  const r0 = tail * half0;
  return w * (r0 * max1 + (max0 + r0) * tail * half1);
}

/**
 * Per order p <= ORDER and unit weight, the bound on an expansion's terms from p on, without its
 * e^(-t^2/2), for kernels at most r from their cell's centre (units u).
 */
export function tailBounds(r: number): Float64Array {
  // Terms from p on: K sum_{n >= p} q^n / sqrt(n!) <= K q^p / sqrt(p!) / (1 - q / sqrt(p + 1)).
  const q = Math.SQRT2 * r;
  const tails = new Float64Array(ORDER + 1);
  let term = 1;
  for (let p = 0; p <= ORDER; p++) {
    if (p > 0) term *= q / Math.sqrt(p);
    const ratio = q / Math.sqrt(p + 1);
    tails[p] = ratio < 1 ? (CRAMER * term) / (1 - ratio) : Infinity;
  }
  return tails;
}

/** out[n] = s^n / n! for n < ORDER. */
export function monomials(s: number, out: Float64Array): void {
  out[0] = 1;
  for (let n = 1; n < ORDER; n++) out[n] = (out[n - 1] * s) / n;
}

export function clampIndex(i: number, n: number): number {
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}

/**
 * Per cell from `from` to `to` along one parameter seen from y (cells `side` wide from `low`, `scale`
 * model units to units u, kernels' offsets from their cell's centre at most r in units u): Hermite
 * functions h_0 .. h_(ORDER-1) (at i ORDER for the i-th cell), the kernel's largest and smallest
 * values over the cell, and e^(-t^2/2) for the tail bound.
 */
export function hermiteAxis(
  y: number,
  low: number,
  side: number,
  scale: number,
  r: number,
  from: number,
  to: number,
  h: Float64Array,
  max: Float64Array,
  min: Float64Array,
  half: Float64Array,
): void {
  const rr = Math.exp(-r * r);
  for (let c = from; c <= to; c++) {
    const i = c - from;
    const t = (y - (low + (c + 0.5) * side)) * scale;
    const at = Math.abs(t);
    // e^-(|t| - r)^2 (1 within r) and e^-(|t| + r)^2 from e^-t^2 and e^(2 r |t|): two exponentials, not four.
    const gauss = Math.exp(-t * t);
    if (gauss > 1e-250) {
      const spread = Math.exp(2 * r * at) * rr;
      max[i] = at > r ? gauss * spread : 1;
      min[i] = (gauss * (rr * rr)) / spread;
    } else {
      // (Far outside the range: e^-t^2 is subnormal or 0, and products of it lose their precision.)
      max[i] = Math.exp(-(at - r) * (at - r));
      min[i] = 0;
    }
    half[i] = Math.sqrt(gauss);
    // h_0 = e^-t^2, h_1 = 2 t h_0, h_(n+1) = 2 t h_n - 2 n h_(n-1).
    const o = i * ORDER;
    h[o] = gauss;
    h[o + 1] = 2 * t * h[o];
    for (let n = 1; n < ORDER - 1; n++) h[o + n + 1] = 2 * t * h[o + n] - 2 * n * h[o + n - 1];
  }
}
