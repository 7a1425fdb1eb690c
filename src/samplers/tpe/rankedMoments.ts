/**
 * The Hermite moments of a univariate "above" density's clipped kernels, per cell, in the two sums
 * its ramp of weights needs (incrementalAbove.ts): per cell c,
 *   A_c = sum_p m_p        and        B_c = sum_p r_p m_p,
 * over the kernels p filed in c, m_p their power moments (K values) and r_p their time ranks among
 * all the density's observations. Optuna's default weights are alpha + beta r on the ramp, so the
 * ramp's mixture in a cell is alpha A_c + beta B_c, whatever alpha and beta are this trial (the
 * newest 25, weighted 1, are corrected for apart: there are few of them).
 *
 * Why this shape. A trial joining or leaving the bad group from the middle of its history shifts
 * the rank of every later kernel by one: B_c moves by the sum of the later kernels' moments, and A_c
 * not at all. Those later sums come from prefix sums of the moments over blocks of BLOCK trial
 * numbers (a rank is a position in trial-number order), plus a pass over the one block the trial is
 * in: a shift costs the cells times K plus a block's members, not one update per later kernel. In a
 * 10,000-trial two-objective study, where about one trial joins the bad group and one leaves it each
 * trial, that is a few thousand operations where shifting the kernels' ranks took about 2,400
 * kernels times K.
 *
 * Each change is added as a difference. The sums are formed afresh after REFRESH_AFTER changes, so
 * their rounding cannot build up over a long study.
 */

/** Trial numbers per block of the prefix sums (a power of two). */
const BLOCK_BITS = 7;

/** Changes taken as differences before the sums are formed afresh. */
const REFRESH_AFTER = 512;

export class RankedCellMoments {
  /** Per trial number: 1 when it is a member (a clipped kernel of the density). */
  private member = new Uint8Array(0);
  /** Per trial number: its cell, and its K moments at [K number, K number + K). */
  private cellOfNumber = new Int32Array(0);
  private moments = new Float64Array(0);
  /**
   * Inclusive prefix sums over blocks: at ((b cells + c) K + k), the k-th moment summed over the
   * members of cell c in blocks 0 .. b. The last block's are A.
   */
  private prefix = new Float64Array(0);
  private blocks = 0;
  /** Per cell, B (K values each). */
  private readonly ranked: Float64Array;
  /** Per cell, its members. */
  private readonly counts: Int32Array;
  /** Changes since the sums were last formed afresh. */
  private changes = 0;
  /** Whether the sums wait for a `refresh` (`suspend`). */
  private suspended = false;

  /**
   * `cells` cells of `k` moments each, `invFact[k]` = 1 / k!. Without `rankedSums` (equal weights:
   * beta is 0, and only A is read) B is not kept, and a change moves A alone (the last block's prefix
   * sums), where it moved every later block's for the shifts of B (at 9,000 trials, 70 blocks a
   * change); A is the same to the bit.
   */
  constructor(
    private readonly cells: number,
    private readonly k: number,
    private readonly invFact: Float64Array,
    private readonly rankedSums = true,
  ) {
    this.ranked = new Float64Array(cells * k);
    this.counts = new Int32Array(cells);
  }

  isMember(number: number): boolean {
    return number < this.member.length && this.member[number] === 1;
  }

  /** Whether cell c holds a member. */
  used(c: number): boolean {
    return this.counts[c] > 0;
  }

  /** alpha A_c + beta B_c into out[at .. at + K) (c a `used` cell). */
  combine(c: number, alpha: number, beta: number, out: Float64Array, at: number): void {
    const K = this.k;
    const a = ((this.blocks - 1) * this.cells + c) * K;
    const b = c * K;
    const prefix = this.prefix;
    const ranked = this.ranked;
    for (let k = 0; k < K; k++) out[at + k] = alpha * prefix[a + k] + beta * ranked[b + k];
  }

  /** factor times member `number`'s moments added to out[c K ..], c its cell; returns c. */
  addScaled(number: number, factor: number, out: Float64Array): number {
    const K = this.k;
    const c = this.cellOfNumber[number];
    const m = this.moments;
    const from = number * K;
    for (let k = 0; k < K; k++) out[c * K + k] += factor * m[from + k];
    return c;
  }

  /**
   * Trial `number` becomes a member at time rank `rank`, in cell `cell`, its kernel of height h (with
   * the normaliser) at u bandwidths from the cell's centre: moments h u^k / k!. With `deferred`,
   * only its moments are kept, for a `refresh` to come (building from many kernels at once).
   */
  add(number: number, rank: number, cell: number, h: number, u: number, deferred = false): void {
    this.room(number);
    const K = this.k;
    const m = this.moments;
    const from = number * K;
    let term = h;
    for (let k = 0; k < K; k++) {
      m[from + k] = term * this.invFact[k];
      term *= u;
    }
    this.member[number] = 1;
    this.cellOfNumber[number] = cell;
    this.counts[cell]++;
    if (deferred) return;
    this.addToSums(number, rank, 1);
  }

  /** Member `number`, at time rank `rank`, leaves. */
  remove(number: number, rank: number): void {
    if (!this.isMember(number)) return;
    this.addToSums(number, rank, -1);
    this.member[number] = 0;
    this.counts[this.cellOfNumber[number]]--;
  }

  /**
   * The members numbered above `number` move `delta` in time rank (an observation before them
   * joined or left): B_c gains delta times their moments.
   */
  shiftAfter(number: number, delta: number): void {
    if (this.suspended || !this.rankedSums) return;
    const b = number >> BLOCK_BITS;
    if (b >= this.blocks) return; // no member is numbered above it
    const K = this.k;
    const cells = this.cells;
    const prefix = this.prefix;
    const ranked = this.ranked;
    // Blocks after b: the last block's prefix less block b's. None when b is the last block (the
    // newest trials, which truncating a list removes one by one: a pass adding zeros to every cell).
    if (b < this.blocks - 1) {
      const last = (this.blocks - 1) * cells * K;
      const at = b * cells * K;
      for (let c = 0; c < cells; c++) {
        if (this.counts[c] === 0) continue;
        const o = c * K;
        for (let k = 0; k < K; k++) ranked[o + k] += delta * (prefix[last + o + k] - prefix[at + o + k]);
      }
    }
    // Block b's members after `number`.
    const end = Math.min((b + 1) << BLOCK_BITS, this.member.length);
    const m = this.moments;
    for (let q = number + 1; q < end; q++) {
      if (this.member[q] !== 1) continue;
      const o = this.cellOfNumber[q] * K;
      const from = q * K;
      for (let k = 0; k < K; k++) ranked[o + k] += delta * m[from + k];
    }
    this.changes++;
  }

  /**
   * Until the next `refresh`, members join and leave without the sums following: a batch of many
   * changes, after which the sums are formed afresh once (each change moves the sums of its cell
   * in every later block, and each shift every cell's).
   */
  suspend(): void {
    this.suspended = true;
  }

  /** Whether enough changes were added as differences that the sums should be formed afresh. */
  get stale(): boolean {
    return this.changes >= REFRESH_AFTER;
  }

  /** The sums formed afresh from the members, `byRank` every observation's trial number in time order. */
  refresh(byRank: readonly number[]): void {
    const K = this.k;
    const cells = this.cells;
    const maxNumber = byRank.length > 0 ? byRank[byRank.length - 1] : 0;
    this.room(maxNumber);
    const prefix = this.prefix;
    const ranked = this.ranked;
    const m = this.moments;
    prefix.fill(0, 0, this.blocks * cells * K);
    ranked.fill(0);
    // Each block's own sums first, then accumulated over the blocks.
    for (let r = 0; r < byRank.length; r++) {
      const q = byRank[r];
      if (this.member[q] !== 1) continue;
      const o = this.cellOfNumber[q] * K;
      const p = (q >> BLOCK_BITS) * cells * K + o;
      const from = q * K;
      if (this.rankedSums) {
        for (let k = 0; k < K; k++) {
          const v = m[from + k];
          prefix[p + k] += v;
          ranked[o + k] += r * v;
        }
      } else {
        for (let k = 0; k < K; k++) prefix[p + k] += m[from + k];
      }
    }
    const stride = cells * K;
    for (let b = 1; b < this.blocks; b++) {
      const at = b * stride;
      for (let i = 0; i < stride; i++) prefix[at + i] += prefix[at - stride + i];
    }
    this.changes = 0;
    this.suspended = false;
  }

  /** sign times member `number`'s moments into the prefix sums of its block and later ones, and rank times that into B. */
  private addToSums(number: number, rank: number, sign: number): void {
    if (this.suspended) return;
    const K = this.k;
    const cells = this.cells;
    const c = this.cellOfNumber[number];
    const from = number * K;
    const m = this.moments;
    const prefix = this.prefix;
    const ranked = this.ranked;
    const o = c * K;
    const scale = sign * rank;
    if (this.rankedSums) for (let k = 0; k < K; k++) ranked[o + k] += scale * m[from + k];
    // Without B only the last block's prefix sums (A) are read: the others wait for the next refresh,
    // which forms them all from the members.
    for (let b = this.rankedSums ? number >> BLOCK_BITS : Math.max(0, this.blocks - 1); b < this.blocks; b++) {
      const p = b * cells * K + o;
      for (let k = 0; k < K; k++) prefix[p + k] += sign * m[from + k];
    }
    this.changes++;
  }

  /** Room for trials numbered up to `number`. */
  reserve(number: number): void {
    this.room(number);
  }

  /** Room for trial `number` and its block. */
  private room(number: number): void {
    const K = this.k;
    if (number >= this.member.length) {
      // With room for half as many trials again: sums built for the good group of a long study
      // (formed afresh when many trials change groups at once) were sized to its newest trial, and
      // the next trial to join it copied them all (K moments per trial number) into a larger array.
      const size = Math.max(2 * this.member.length, number + 1 + (number >> 1), 256);
      const member = new Uint8Array(size);
      member.set(this.member);
      this.member = member;
      const cellOf = new Int32Array(size);
      cellOf.set(this.cellOfNumber);
      this.cellOfNumber = cellOf;
      const moments = new Float64Array(size * K);
      moments.set(this.moments);
      this.moments = moments;
    }
    const needed = (number >> BLOCK_BITS) + 1;
    if (needed <= this.blocks) return;
    const stride = this.cells * K;
    if (this.prefix.length < needed * stride) {
      const prefix = new Float64Array(Math.max(needed, 2 * this.blocks) * stride);
      prefix.set(this.prefix.subarray(0, this.blocks * stride));
      this.prefix = prefix;
    }
    // A new block's prefix is the last one's: it has no members yet.
    for (let b = this.blocks; b < needed; b++) {
      if (b > 0) this.prefix.copyWithin(b * stride, (b - 1) * stride, b * stride);
      else this.prefix.fill(0, 0, stride);
    }
    this.blocks = needed;
  }
}
