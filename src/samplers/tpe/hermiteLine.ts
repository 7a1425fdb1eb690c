/**
 * Bounds on g(x)'s sum over its crowded kernels for a mixed space of one continuous parameter and
 * categorical ones (an optimiser and its learning rate), in time independent of their number: the
 * one-parameter form of the Hermite cells (hermiteCells.ts, where the method and its bounds are
 * set out), with the kernels of each combination of categorical choices (a group) kept apart.
 *
 * Why. With one numeric parameter the race through the grid (nearFirstGrid.ts) has only that
 * parameter to tell kernels apart by, and a converging study crowds them into a few of its cells:
 * in an organic run of {optimiser: 3 choices, learning rate: log float}, a choice summed about 70%
 * of every candidate's kernels (55,000 terms a choice at 5,000 trials), and a trial's cost grew
 * linearly with the history.
 *
 * A kernel's categorical factor is its hit or miss probability in each categorical parameter, the
 * same for every kernel of a group seen from a given candidate. So a candidate's sum over the cells
 * is the sum over groups of that factor times the group's one-parameter Gauss transform, each kept
 * as the Hermite moments of its kernels per cell (two sets, for the weights' ramp a + b r). The
 * prior, the newest 25 (outside the ramp) and the kernels wider than the floor are left to the
 * caller (`direct`), summed exactly.
 */
import {
  CELL_RADIUS,
  CELL_WIDTH,
  clampIndex,
  hermiteAxis,
  MIN_ORDER,
  monomials,
  ORDER,
  REACH,
  REBUILD_AFTER,
  tailBounds,
} from './hermiteCells';

/** The kernels the line is kept for, as `IncrementalJointAbove` holds them. */
export interface LineKernels {
  readonly count: number;
  /** The continuous parameter's per-slot mean (modelling space), bandwidth and log truncation mass. */
  readonly mus: Float64Array;
  readonly sigmas: Float64Array;
  readonly logZs: Float64Array;
  /** Per slot, its group: the combination of its categorical choices, numbered 0 .. groups - 1. */
  groupOf(slot: number): number;
  /** Trial number per slot. */
  readonly numbers: Int32Array;
  /** Slots of the observations (slot 0, the prior, excluded) by trial number. */
  readonly byTime: Int32Array;
  /** The rank of the kernel in `slot` in time order (its place in `byTime`). */
  rankOf(slot: number): number;
}

export class HermiteLine {
  readonly floor: number;
  /** log of an untruncated floor kernel's height, 1 / (sqrt(2 pi) floor): the reference for e_i. */
  readonly logFloorHeight: number;
  /** The slots summed by the caller, as of the last `sync`: the prior, the newest 25, the wider kernels. */
  direct = new Int32Array(64);
  directCount = 0;

  private readonly cells: number;
  private readonly side: number;
  /** 1 / (sqrt 2 sigma): model units to units u. */
  private readonly scale: number;
  private readonly tails: Float64Array;
  /**
   * Per cell c and group g (block c groups + g), ORDER moments of e_i, and of e_i r_i, of the
   * kernels' offsets from the cell's centre: e_i the kernel's height relative to an untruncated
   * floor kernel (1 / its truncation mass), r_i its rank in time order.
   */
  private readonly m0: Float64Array;
  private readonly m1: Float64Array;
  /** Per group, the sums of e_i and of e_i r_i over its kernels in the cells. */
  private readonly total0: Float64Array;
  private readonly total1: Float64Array;
  /** The ramp's a and b. */
  private a = 0;
  private b = 0;
  private updates = 0;

  /** Per slot: the trial whose kernel the line holds for it (-1: none), its rank, block, e, mean. */
  private heldNumber = new Int32Array(0);
  private heldRank = new Float64Array(0);
  private heldBlock = new Int32Array(0);
  private heldE = new Float64Array(0);
  private heldMu = new Float64Array(0);
  private heldUpTo = 0;
  private syncedM = 0;
  private syncedRampEnd = 0;
  /** As in HermiteCells: per slot 1 when its kernel is in the ramp but wider than the floor, and those slots. */
  private wide = new Uint8Array(0);
  private wideList = new Int32Array(64);
  private wideCount = 0;

  private readonly mono = new Float64Array(ORDER);
  /** Per cell around a point: Hermite functions, largest and smallest kernel value, e^(-t^2/2). */
  private readonly h = new Float64Array((2 * REACH + 1) * ORDER);
  private readonly max = new Float64Array(2 * REACH + 1);
  private readonly min = new Float64Array(2 * REACH + 1);
  private readonly half = new Float64Array(2 * REACH + 1);
  /** Per cell around a point and group: its weight sum_i (a + b r_i) e_i; per group, those summed. */
  private boxWeights: Float64Array;
  private readonly groupBox: Float64Array;

  /**
   * @param low, high the parameter's range (modelling space)
   * @param floor the magic clip's floor (the crowded kernels' bandwidth)
   * @param groups the number of combinations of categorical choices
   */
  constructor(
    private readonly low: number,
    high: number,
    floor: number,
    readonly groups: number,
  ) {
    this.floor = floor;
    this.side = CELL_WIDTH * floor;
    this.cells = Math.max(1, Math.ceil((high - low) / this.side));
    this.scale = 1 / (Math.SQRT2 * floor);
    this.tails = tailBounds(CELL_RADIUS);
    this.m0 = new Float64Array(this.cells * groups * ORDER);
    this.m1 = new Float64Array(this.cells * groups * ORDER);
    this.total0 = new Float64Array(groups);
    this.total1 = new Float64Array(groups);
    this.boxWeights = new Float64Array((2 * REACH + 1) * groups);
    this.groupBox = new Float64Array(groups);
    this.logFloorHeight = -Math.log(floor) - 0.5 * Math.log(2 * Math.PI);
  }

  /** The total weight the line holds of group g, sum_i (a + b r_i) e_i over its kernels. */
  groupWeight(g: number): number {
    return this.a * this.total0[g] + this.b * this.total1[g];
  }

  /**
   * Make the line hold kernel i with weight a + b r_i for every observation of rank r_i below
   * m - 25 whose bandwidth is the floor, and list the other slots (and the prior's) in `direct`:
   * as `HermiteCells.sync` (m > 26 observations; `touched` as there).
   */
  sync(k: LineKernels, touched: ArrayLike<number> | null = null): void {
    const m = k.count - 1;
    this.ensureSlots(k.count);
    const full = touched === null || this.syncedM === 0 || m < this.syncedM || this.updates > REBUILD_AFTER;
    if (this.updates > REBUILD_AFTER) this.clear();
    this.a = 1 / m;
    this.b = (1 - 1 / m) / (m - 26);
    const rampEnd = m - 25;
    if (full) {
      this.wideCount = 0;
      this.wide.fill(0);
      for (let r = 0; r < m; r++) this.follow(k, k.byTime[r], r, rampEnd);
      for (let slot = k.count; slot < this.heldUpTo; slot++) if (this.heldNumber[slot] !== -1) this.drop(slot);
    } else {
      for (let r = Math.max(0, this.syncedRampEnd); r < rampEnd; r++) this.follow(k, k.byTime[r], r, rampEnd);
      for (let i = 0; i < touched.length; i++) {
        const slot = touched[i];
        if (slot > 0 && slot < k.count) this.follow(k, slot, k.rankOf(slot), rampEnd);
      }
    }
    this.heldUpTo = k.count;
    this.syncedM = m;
    this.syncedRampEnd = rampEnd;
    if (this.direct.length < k.count) this.direct = new Int32Array(2 * k.count);
    let direct = 0;
    this.direct[direct++] = 0;
    let kept = 0;
    for (let i = 0; i < this.wideCount; i++) {
      const slot = this.wideList[i];
      if (this.wide[slot] !== 1) continue;
      this.wideList[kept++] = slot;
      this.direct[direct++] = slot;
    }
    this.wideCount = kept;
    for (let r = Math.max(0, rampEnd); r < m; r++) this.direct[direct++] = k.byTime[r];
    this.directCount = direct;
  }

  /**
   * Bounds on sum_g factors[g] sum_(i in g) (a + b r_i) e_i e^(-u_i^2) over the kernels the line
   * holds, seen from y (modelling space), into out[0] (lower) and out[1] (upper), each cell off by
   * at most its share of `precision` times the sum. `factors[g]` >= 0: what a kernel of group g is
   * multiplied by (its categorical terms, relative to their largest).
   */
  bounds(y: number, factors: Float64Array, precision: number, out: Float64Array): void {
    const groups = this.groups;
    const home = clampIndex(Math.floor((y - this.low) / this.side), this.cells);
    const from = Math.max(0, home - REACH);
    const to = Math.min(this.cells - 1, home + REACH);
    hermiteAxis(y, this.low, this.side, this.scale, CELL_RADIUS, from, to, this.h, this.max, this.min, this.half);
    const { a, b, m0, m1, tails, h, boxWeights, groupBox } = this;
    groupBox.fill(0);
    // Every cell's weight per group (0 for none), and the sum's scale: each weight at its cell's centre.
    let central = 0;
    let filled = 0;
    for (let c = from; c <= to; c++) {
      const i = c - from;
      for (let g = 0; g < groups; g++) {
        const o = (c * groups + g) * ORDER;
        const w = a * m0[o] + b * m1[o];
        boxWeights[i * groups + g] = w;
        if (!(w > 0)) continue;
        groupBox[g] += w;
        filled++;
        central += factors[g] * w * h[i * ORDER];
      }
    }
    const allowance = (precision * central) / Math.max(1, filled);
    const rounding = 1e-12 + 1e-16 * this.updates;
    let lo = 0;
    let hi = 0;
    for (let c = from; c <= to; c++) {
      const i = c - from;
      const max = this.max[i];
      const min = this.min[i];
      const half = this.half[i];
      for (let g = 0; g < groups; g++) {
        const w = boxWeights[i * groups + g];
        if (!(w > 0)) continue;
        const fw = factors[g] * w;
        const cellHigh = fw * max;
        const cellLow = fw * min;
        if (cellHigh - cellLow <= allowance) {
          lo += cellLow;
          hi += cellHigh;
          continue;
        }
        let order = MIN_ORDER;
        while (order < ORDER && fw * tails[order] * half > allowance) order++;
        const o = (c * groups + g) * ORDER;
        let value = 0;
        for (let n = 0; n < order; n++) value += (a * m0[o + n] + b * m1[o + n]) * h[i * ORDER + n];
        value *= factors[g];
        const err = fw * (tails[order] * half + rounding);
        lo += Math.max(cellLow, value - err);
        hi += Math.min(cellHigh, value + err);
      }
    }
    // The cells beyond reach: all their weight at the nearest distance any of them can be.
    const gap = Math.min(
      from > 0 ? (y - (this.low + from * this.side)) * this.scale : Infinity,
      to < this.cells - 1 ? (this.low + (to + 1) * this.side - y) * this.scale : Infinity,
    );
    if (gap < Infinity) {
      let reachable = 0;
      for (let g = 0; g < groups; g++) {
        const weight = this.groupWeight(g);
        reachable += factors[g] * (Math.max(0, weight - groupBox[g]) + 1e-12 * weight);
      }
      const d = Math.max(0, gap);
      hi += reachable * Math.exp(-d * d);
    }
    out[0] = lo * (1 - 1e-12);
    out[1] = hi * (1 + 1e-12);
  }

  /** Kernel `slot`, of rank r: on the line if in the ramp (below rampEnd) and at the floor, else apart. */
  private follow(k: LineKernels, slot: number, r: number, rampEnd: number): void {
    const held = this.heldNumber[slot];
    if (r < rampEnd && k.sigmas[slot] === this.floor) {
      if (this.wide[slot] === 1) this.wide[slot] = 0;
      const number = k.numbers[slot];
      if (held === number) {
        if (this.heldRank[slot] !== r) this.rerank(slot, r);
        return;
      }
      if (held !== -1) this.drop(slot);
      this.place(slot, number, r, k.mus[slot], k.groupOf(slot), Math.exp(-k.logZs[slot]));
    } else {
      if (held !== -1) this.drop(slot);
      if (r < rampEnd && this.wide[slot] === 0) {
        this.wide[slot] = 1;
        if (this.wideCount === this.wideList.length) {
          const grown = new Int32Array(2 * this.wideList.length);
          grown.set(this.wideList);
          this.wideList = grown;
        }
        this.wideList[this.wideCount++] = slot;
      } else if (r >= rampEnd && this.wide[slot] === 1) {
        this.wide[slot] = 0;
      }
    }
  }

  /** Adds kernel mu of group g, height e and rank r to its cell, held for `slot`. */
  private place(slot: number, number: number, rank: number, mu: number, g: number, e: number): void {
    const cell = clampIndex(Math.floor((mu - this.low) / this.side), this.cells);
    const block = cell * this.groups + g;
    this.addMoments(block, mu, e, e * rank);
    this.heldNumber[slot] = number;
    this.heldRank[slot] = rank;
    this.heldBlock[slot] = block;
    this.heldE[slot] = e;
    this.heldMu[slot] = mu;
    this.total0[g] += e;
    this.total1[g] += e * rank;
  }

  /** Removes the kernel held for `slot`. */
  private drop(slot: number): void {
    const e = this.heldE[slot];
    const rank = this.heldRank[slot];
    const block = this.heldBlock[slot];
    const g = block % this.groups;
    this.addMoments(block, this.heldMu[slot], -e, -e * rank);
    this.total0[g] -= e;
    this.total1[g] -= e * rank;
    this.heldNumber[slot] = -1;
  }

  /** The kernel held for `slot` now has rank r. */
  private rerank(slot: number, rank: number): void {
    const e = this.heldE[slot];
    const delta = e * (rank - this.heldRank[slot]);
    const block = this.heldBlock[slot];
    this.addMoments(block, this.heldMu[slot], 0, delta);
    this.total1[block % this.groups] += delta;
    this.heldRank[slot] = rank;
  }

  /** Adds c0 and c1 times the moments of a kernel at mu to a block's two sets. */
  private addMoments(block: number, mu: number, c0: number, c1: number): void {
    const cell = (block / this.groups) | 0;
    monomials((mu - (this.low + (cell + 0.5) * this.side)) * this.scale, this.mono);
    const o = block * ORDER;
    const { m0, m1, mono } = this;
    for (let n = 0; n < ORDER; n++) {
      m0[o + n] += c0 * mono[n];
      m1[o + n] += c1 * mono[n];
    }
    this.updates++;
  }

  /** Forget every kernel (the moments are rebuilt by the next sync). */
  private clear(): void {
    this.m0.fill(0);
    this.m1.fill(0);
    this.total0.fill(0);
    this.total1.fill(0);
    this.heldNumber.fill(-1);
    this.updates = 0;
  }

  private ensureSlots(n: number): void {
    if (this.heldNumber.length >= n) return;
    const size = Math.max(256, 2 * n);
    const grow = <T extends Float64Array | Int32Array>(x: T, fill: number): T => {
      const y = new (x.constructor as new (n: number) => T)(size);
      y.fill(fill);
      y.set(x);
      return y;
    };
    this.heldNumber = grow(this.heldNumber, -1);
    this.heldRank = grow(this.heldRank, 0);
    this.heldBlock = grow(this.heldBlock, 0);
    this.heldE = grow(this.heldE, 0);
    this.heldMu = grow(this.heldMu, 0);
    const wide = new Uint8Array(size);
    wide.set(this.wide);
    this.wide = wide;
  }
}
