/**
 * Which of a density's kernels a set of Hermite moments holds, for the screens that bound g(x)'s
 * sum over its crowded kernels (hermiteCells.ts, two continuous parameters; hermiteLine.ts, one):
 * every observation of rank r below m - 25 (Optuna's weight ramp, a + b r) whose bandwidths are the
 * clip's floor. The others are listed for the caller to sum exactly (`direct`): the prior, the
 * wider kernels in the ramp, the newest 25 (which weigh 1). The subclass keeps the moments, told
 * which kernel to add, remove or re-rank; this class decides which, from what changed.
 */

/** Updates of the moments after which they are formed from scratch (rounding accumulates). */
const REBUILD_AFTER = 200_000;

/** What the moments' owner reads of the kernels, as `IncrementalJointAbove` holds them (slot 0 the prior). */
export interface RampKernels {
  readonly count: number;
  /** Trial number per slot. */
  readonly numbers: Int32Array;
  /** Slots of the observations (slot 0, the prior, excluded) by trial number. */
  readonly byTime: Int32Array;
  /** The rank of the kernel in `slot` in time order (its place in `byTime`). */
  rankOf(slot: number): number;
}

export abstract class RampMoments<K extends RampKernels> {
  /** The slots summed by the caller, as of the last `sync`: the prior, the newest 25, the wider kernels. */
  direct = new Int32Array(64);
  directCount = 0;

  /** The ramp's a and b (weight a + b r at rank r), as of the last `sync`. */
  protected a = 0;
  protected b = 0;
  /** Changes to the moments since they were last formed from scratch (their rounding grows with them). */
  protected updates = 0;
  /** Per slot: the trial whose kernel is held for it (-1: none), and its rank. */
  protected heldNumber = new Int32Array(0);
  protected heldRank = new Float64Array(0);

  private heldUpTo = 0;
  /** The observations and the ramp's end at the last sync. */
  private syncedM = 0;
  private syncedRampEnd = 0;
  /**
   * Per slot, 1 when its kernel is in the ramp but wider than the floor (summed by the caller), and
   * those slots (some perhaps no longer so: `sync` drops them from the list).
   */
  private wide = new Uint8Array(0);
  private wideList = new Int32Array(64);
  private wideCount = 0;

  /**
   * Hold kernel i with weight a + b r_i for every observation of rank r_i below m - 25 at the floor,
   * and list the other slots (and the prior's) in `direct`. For m > 26 observations (the ramp's
   * weights). With `touched`, the slots whose kernels changed or joined since the last call, when
   * no rank changed and none left (kernels only joined, as the newest): only those are looked at,
   * and the ranks that entered the ramp. Without it, every rank is (one pass; the moments of the
   * kernels that joined, left or changed rank are updated).
   */
  sync(k: K, touched: ArrayLike<number> | null = null): void {
    const m = k.count - 1;
    this.ensureSlots(k.count);
    const full = touched === null || this.syncedM === 0 || m < this.syncedM || this.updates > REBUILD_AFTER;
    if (this.updates > REBUILD_AFTER) this.clear();
    this.startSync();
    this.a = 1 / m;
    this.b = (1 - 1 / m) / (m - 26);
    const rampEnd = m - 25;
    if (full) {
      this.wideCount = 0;
      this.wide.fill(0);
      for (let r = 0; r < m; r++) this.follow(k, k.byTime[r], r, rampEnd);
      // Slots emptied since (the kernels moved or left).
      for (let slot = k.count; slot < this.heldUpTo; slot++) if (this.heldNumber[slot] !== -1) this.release(slot);
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
    // The caller's slots: the prior, the wide kernels in the ramp, the newest 25.
    if (this.direct.length < k.count) this.direct = new Int32Array(2 * k.count);
    let direct = 0;
    this.direct[direct++] = 0;
    // (A slot is listed once: it is added when its flag goes from 0 to 1, and an entry whose flag
    // went back to 0 is dropped here, at the end of every sync.)
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

  /** Called at the start of every `sync` (the weights are about to change). */
  protected startSync(): void {}

  /** Whether kernel `slot`'s bandwidths are the floor (it may then be held). */
  protected abstract atFloor(k: K, slot: number): boolean;

  /** Add kernel `slot` (at the floor, of rank `rank`) to the moments, and keep what `remove` will need. */
  protected abstract add(k: K, slot: number, rank: number): void;

  /** Take the kernel held for `slot` (rank `heldRank[slot]`) out of the moments. */
  protected abstract remove(slot: number): void;

  /** The kernel held for `slot` moves from rank `heldRank[slot]` to `rank`. */
  protected abstract moveRank(slot: number, rank: number): void;

  /** Forget every kernel's moments (`clear` forgets which are held). */
  protected abstract clearMoments(): void;

  /** Room for `size` slots in the subclass's per-slot records (`grown`). */
  protected abstract growSlots(size: number): void;

  /** `x` in a new array of `size`, the rest filled with `fill`. */
  protected static grown<T extends Float64Array | Int32Array>(x: T, size: number, fill: number): T {
    const y = new (x.constructor as new (n: number) => T)(size);
    y.fill(fill);
    y.set(x);
    return y;
  }

  /** Kernel `slot`, of rank r: held if in the ramp (below rampEnd) and at the floor, else apart. */
  private follow(k: K, slot: number, r: number, rampEnd: number): void {
    const held = this.heldNumber[slot];
    if (r < rampEnd && this.atFloor(k, slot)) {
      if (this.wide[slot] === 1) this.wide[slot] = 0;
      const number = k.numbers[slot];
      if (held === number) {
        if (this.heldRank[slot] !== r) {
          this.moveRank(slot, r);
          this.heldRank[slot] = r;
        }
        return;
      }
      if (held !== -1) this.release(slot);
      this.add(k, slot, r);
      this.heldNumber[slot] = number;
      this.heldRank[slot] = r;
    } else {
      if (held !== -1) this.release(slot);
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

  private release(slot: number): void {
    this.remove(slot);
    this.heldNumber[slot] = -1;
  }

  /** Forget every kernel (the moments are formed again by the next sync, a full one). */
  private clear(): void {
    this.clearMoments();
    this.heldNumber.fill(-1);
    this.updates = 0;
  }

  private ensureSlots(n: number): void {
    if (this.heldNumber.length >= n) return;
    const size = Math.max(256, 2 * n);
    this.heldNumber = RampMoments.grown(this.heldNumber, size, -1);
    this.heldRank = RampMoments.grown(this.heldRank, size, 0);
    const wide = new Uint8Array(size);
    wide.set(this.wide);
    this.wide = wide;
    this.growSlots(size);
  }
}
