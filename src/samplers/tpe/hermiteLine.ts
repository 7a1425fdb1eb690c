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
import { CELL_RADIUS, CELL_WIDTH, clampIndex, hermiteAxis, MIN_ORDER, monomials, ORDER, REACH, tailBounds } from './hermiteCells';
import { RampMoments, type RampKernels } from './rampMoments';

/** The kernels the line is kept for, as `IncrementalJointAbove` holds them. */
export interface LineKernels extends RampKernels {
  /** The continuous parameter's per-slot mean (modelling space), bandwidth and log truncation mass. */
  readonly mus: Float64Array;
  readonly sigmas: Float64Array;
  readonly logZs: Float64Array;
  /** Per slot, its group: the combination of its categorical choices, numbered 0 .. groups - 1. */
  groupOf(slot: number): number;
}

export class HermiteLine extends RampMoments<LineKernels> {
  readonly floor: number;
  /** log of an untruncated floor kernel's height, 1 / (sqrt(2 pi) floor): the reference for e_i. */
  readonly logFloorHeight: number;

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
  /** Per slot held (`heldNumber`): its block, e, mean. */
  private heldBlock = new Int32Array(0);
  private heldE = new Float64Array(0);
  private heldMu = new Float64Array(0);

  private readonly mono = new Float64Array(ORDER);
  /** Per cell around a point: Hermite functions, largest and smallest kernel value, e^(-t^2/2). */
  private readonly h = new Float64Array((2 * REACH + 1) * ORDER);
  private readonly max = new Float64Array(2 * REACH + 1);
  private readonly min = new Float64Array(2 * REACH + 1);
  private readonly half = new Float64Array(2 * REACH + 1);
  /** Per cell around a point and group: its weight sum_i (a + b r_i) e_i; per group, those summed. */
  private readonly boxWeights: Float64Array;
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
    super();
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
   * Bounds on sum_g factors[g] sum_(i in g) (a + b r_i) e_i e^(-u_i^2) over the kernels the line
   * holds, seen from y (modelling space), into out[0] (lower) and out[1] (upper), each cell off by
   * at most its share of `precision` times the sum. `factors[g]` >= 0: what a kernel of group g is
   * multiplied by (its categorical terms at the point, in the caller's scale).
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

  protected atFloor(k: LineKernels, slot: number): boolean {
    return k.sigmas[slot] === this.floor;
  }

  /** Adds kernel `slot` (its mean, group and height e = 1 / its truncation mass) at rank `rank` to its cell. */
  protected add(k: LineKernels, slot: number, rank: number): void {
    const mu = k.mus[slot];
    const g = k.groupOf(slot);
    const e = Math.exp(-k.logZs[slot]);
    const cell = clampIndex(Math.floor((mu - this.low) / this.side), this.cells);
    const block = cell * this.groups + g;
    this.addMoments(block, mu, e, e * rank);
    this.heldBlock[slot] = block;
    this.heldE[slot] = e;
    this.heldMu[slot] = mu;
    this.total0[g] += e;
    this.total1[g] += e * rank;
  }

  protected remove(slot: number): void {
    const e = this.heldE[slot];
    const rank = this.heldRank[slot];
    const block = this.heldBlock[slot];
    const g = block % this.groups;
    this.addMoments(block, this.heldMu[slot], -e, -e * rank);
    this.total0[g] -= e;
    this.total1[g] -= e * rank;
  }

  protected moveRank(slot: number, rank: number): void {
    const e = this.heldE[slot];
    const delta = e * (rank - this.heldRank[slot]);
    const block = this.heldBlock[slot];
    this.addMoments(block, this.heldMu[slot], 0, delta);
    this.total1[block % this.groups] += delta;
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

  protected clearMoments(): void {
    this.m0.fill(0);
    this.m1.fill(0);
    this.total0.fill(0);
    this.total1.fill(0);
  }

  protected growSlots(size: number): void {
    this.heldBlock = RampMoments.grown(this.heldBlock, size, 0);
    this.heldE = RampMoments.grown(this.heldE, size, 0);
    this.heldMu = RampMoments.grown(this.heldMu, size, 0);
  }
}
