/**
 * The points a three-objective greedy hypervolume selection has chosen (`LazyGreedy` in
 * `multiObjective.ts`), asked for the volume they cover within one point's box: a point's
 * contribution is its box less that volume.
 *
 * Only the chosen points near p count. Limited to p's box, a chosen point q becomes max(q, p). On
 * a front q exceeds p in one or two losses. Where it exceeds p in loss k alone, max(q, p) is p with
 * loss k raised to q's, and its box holds the box of every limited point whose loss k is at least
 * as large. So with a_k the least such loss (the reference point's where there is none), only the
 * chosen points with every loss k at most a_k add to the covered volume, and those are p's
 * neighbours: at 5,000 trials of a three-objective study the sweep took about a tenth of the
 * chosen points, where it took all of them (their coordinates kept in typed arrays by third loss,
 * which the first pass reads in a few nanoseconds a point). The volume is the same up to rounding:
 * the points left out are covered, but in the sweep they would have split slabs.
 */
import { boxVolume, sweepPoints, sweptVolume3d } from '../../multiobjective/hypervolume';
import { lowerBound, upperBound } from '../../sortedSearch';
import { LossColumns } from './lossColumns';

export class ChosenPoints3d {
  /** The chosen points' losses in ascending order of the third (equal ones in the order they came), and the order each came in. */
  private x: Float64Array;
  private y: Float64Array;
  private z: Float64Array;
  private order: Int32Array;
  private count = 0;

  constructor(capacity = 64) {
    this.x = new Float64Array(capacity);
    this.y = new Float64Array(capacity);
    this.z = new Float64Array(capacity);
    this.order = new Int32Array(capacity);
  }

  /** The points, as if added in this order. */
  static of(points: readonly (readonly number[])[]): ChosenPoints3d {
    return ChosenPoints3d.ofColumns(LossColumns.of(points, 3));
  }

  /** The points of `columns` (three losses), as if added in their order. */
  static ofColumns(columns: LossColumns): ChosenPoints3d {
    const n = columns.length;
    const [x, y, z] = columns.columns;
    const chosen = new ChosenPoints3d(Math.max(64, 2 * n));
    // The third losses sorted as numbers (natively), then each point placed at the first free place
    // of its value: equal third losses keep the order they came in, as `add` does. (A sort of the
    // indices with a comparator took about 0.2 ms for 900 chosen points, a tenth of a
    // three-objective trial whose selection changed at 9,000 trials.)
    const sorted = z.slice(0, n).sort();
    const taken = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const first = lowerBound(sorted, z[i], n);
      const at = first + taken[first]++;
      chosen.x[at] = x[i];
      chosen.y[at] = y[i];
      chosen.z[at] = z[i];
      chosen.order[at] = i;
    }
    chosen.count = n;
    return chosen;
  }

  /** The first `count` points added, as if only they had been (a pass, where adding them again sorts them again). */
  prefix(count: number): ChosenPoints3d {
    const out = new ChosenPoints3d(Math.max(64, 2 * count));
    let m = 0;
    for (let i = 0; i < this.count; i++) {
      if (this.order[i] >= count) continue;
      out.x[m] = this.x[i];
      out.y[m] = this.y[i];
      out.z[m] = this.z[i];
      out.order[m] = this.order[i];
      m++;
    }
    out.count = m;
    return out;
  }

  get size(): number {
    return this.count;
  }

  add(p: readonly number[]): void {
    if (this.count === this.x.length) {
      const grow = <T extends Float64Array | Int32Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(2 * a.length);
        b.set(a);
        return b;
      };
      this.x = grow(this.x);
      this.y = grow(this.y);
      this.z = grow(this.z);
      this.order = grow(this.order);
    }
    const { x, y, z, order } = this;
    const came = this.count++;
    // After the points of third loss up to p's; those after move up by one (the shift is often long:
    // the choices come in no order of their third loss).
    const at = upperBound(z, p[2], came);
    if (at < came) {
      x.copyWithin(at + 1, at, came);
      y.copyWithin(at + 1, at, came);
      z.copyWithin(at + 1, at, came);
      order.copyWithin(at + 1, at, came);
    }
    x[at] = p[0];
    y[at] = p[1];
    z[at] = p[2];
    order[at] = came;
  }

  /**
   * The hypervolume of the chosen points limited to p's box (their losses raised to p's), up to
   * `ref`. With `near`, what it found is kept there (see `NearChosen`).
   */
  coveredWithin(p: readonly number[], ref: readonly number[], near?: NearChosen): number {
    const { x, y, z, count } = this;
    const p0 = p[0];
    const p1 = p[1];
    const p2 = p[2];
    let a0 = ref[0];
    let a1 = ref[1];
    let a2 = ref[2];
    // The points up to p's third loss first: they exceed p in the first loss, the second or both.
    let i = 0;
    for (; i < count && z[i] <= p2; i++) {
      const over0 = x[i] > p0;
      const over1 = y[i] > p1;
      if (over0 && !over1) a0 = Math.min(a0, x[i]);
      else if (over1 && !over0) a1 = Math.min(a1, y[i]);
      else if (!over0) {
        // It weakly dominates p: its box covers p's.
        near?.keepCovered(this.count);
        return boxVolume(p, ref);
      }
    }
    // Then those above it: the first that exceeds p in the third loss alone has the least such.
    for (; i < count; i++) {
      if (x[i] <= p0 && y[i] <= p1) {
        a2 = z[i];
        break;
      }
    }
    const sweep = sweepPoints(count);
    let m = 0;
    near?.keepReach(a0, a1, a2, count);
    for (let j = 0; j < count && z[j] <= a2; j++) {
      if (x[j] > a0 || y[j] > a1) continue;
      sweep.x[m] = Math.max(x[j], p0);
      sweep.y[m] = Math.max(y[j], p1);
      sweep.z[m] = Math.max(z[j], p2);
      near?.keep(x[j], y[j], z[j]);
      m++;
    }
    const volume = sweptVolume3d(sweep.x, sweep.y, sweep.z, m, ref);
    near?.keepVolume(volume);
    return volume;
  }
}

/**
 * One point's chosen neighbours, from one evaluation of its contribution to the next: what
 * `coveredWithin` found for it (the reach a_k and the chosen points within it, in the sweep's
 * order), brought up to date by looking at the points chosen since, one comparison each, instead
 * of a pass over all of them. The reach only falls as points are chosen, so a point once outside it
 * stays outside: the points kept are those `coveredWithin` would sweep, in its order (ascending
 * third loss, equal ones in the order they were chosen), and the volume is the same to the bit.
 * Where the points chosen since are all outside the reach, the volume is the last one. (A
 * candidate near a choice the guide moved is evaluated again at most choices after it, each time
 * with the whole pass: 260 of 400 evaluations a trial at 6,000 trials of a three-objective study.)
 */
export class NearChosen {
  /** The chosen points looked at: the first `seen` in the order they were chosen. */
  private seen = 0;
  private covered = false;
  private a0 = Infinity;
  private a1 = Infinity;
  private a2 = Infinity;
  /** The chosen points within the reach, in the sweep's order: the first `count`, three losses each. */
  private readonly kept: number[] = [];
  private count = 0;
  private volume = 0;

  keepCovered(seen: number): void {
    this.covered = true;
    this.seen = seen;
  }

  keepReach(a0: number, a1: number, a2: number, seen: number): void {
    this.a0 = a0;
    this.a1 = a1;
    this.a2 = a2;
    this.seen = seen;
  }

  /** A point within the reach, after those kept (the sweep's order is the caller's). */
  keep(x: number, y: number, z: number): void {
    // (A plain array: typed arrays of this size are allocated outside the heap, slowly.)
    const at = 3 * this.count++;
    this.kept[at] = x;
    this.kept[at + 1] = y;
    this.kept[at + 2] = z;
  }

  keepVolume(volume: number): void {
    this.volume = volume;
  }

  /** The reach found (or p's losses where a chosen point covers p: it lies within them), three values appended to `out`. */
  reachInto(out: number[], p: readonly number[]): void {
    if (this.covered) out.push(p[0], p[1], p[2]);
    else out.push(this.a0, this.a1, this.a2);
  }

  /**
   * `coveredWithin(p, ref)` for the first `upTo` points chosen (`chosen`, in the order chosen; the
   * first `seen` of them known here): all of them unless told.
   */
  coveredWithin(p: readonly number[], ref: readonly number[], chosen: LossColumns, upTo = chosen.length): number {
    if (this.covered) return boxVolume(p, ref);
    const p0 = p[0];
    const p1 = p[1];
    const p2 = p[2];
    const columns = chosen.columns;
    const x = columns[0];
    const y = columns[1];
    const z = columns[2];
    let a0 = this.a0;
    let a1 = this.a1;
    let a2 = this.a2;
    let changed = false;
    let fell = false;
    for (let t = this.seen; t < upTo; t++) {
      const s0 = x[t];
      const s1 = y[t];
      const s2 = z[t];
      // A point that matters is within the reach: one that covers p lies below p, which lies below
      // the reach, and one that lowers the reach in loss k lies below it there and below p in the
      // others. Most lie outside, most often in the first or second loss already (tested as the
      // largest of the three differences, the evaluations again took a quarter longer).
      if (!(s0 <= a0 && s1 <= a1 && s2 <= a2)) continue;
      const over0 = s0 > p0;
      const over1 = s1 > p1;
      const over2 = s2 > p2;
      if (!over0 && !over1 && !over2) {
        this.keepCovered(upTo);
        return boxVolume(p, ref);
      }
      if (over0 && !over1 && !over2) {
        if (s0 < a0) {
          a0 = s0;
          fell = true;
        }
      } else if (over1 && !over0 && !over2) {
        if (s1 < a1) {
          a1 = s1;
          fell = true;
        }
      } else if (over2 && !over0 && !over1 && s2 < a2) {
        a2 = s2;
        fell = true;
      }
      // Within the reach so far (a point found outside stays outside: the reach only falls).
      this.insert(s0, s1, s2);
      changed = true;
    }
    this.keepReach(a0, a1, a2, upTo);
    if (fell) changed = this.dropOutside() || changed;
    if (!changed) return this.volume;
    const m = this.count;
    const kept = this.kept;
    const sweep = sweepPoints(m);
    for (let i = 0; i < m; i++) {
      sweep.x[i] = Math.max(kept[3 * i], p0);
      sweep.y[i] = Math.max(kept[3 * i + 1], p1);
      sweep.z[i] = Math.max(kept[3 * i + 2], p2);
    }
    this.volume = sweptVolume3d(sweep.x, sweep.y, sweep.z, m, ref);
    return this.volume;
  }

  /** A chosen point (chosen after every point kept) after the kept points of third loss up to its own. */
  private insert(s0: number, s1: number, s2: number): void {
    this.keep(s0, s1, s2);
    const kept = this.kept;
    let at = 3 * (this.count - 1);
    for (; at > 0 && kept[at - 1] > s2; at -= 3) {
      kept[at] = kept[at - 3];
      kept[at + 1] = kept[at - 2];
      kept[at + 2] = kept[at - 1];
    }
    kept[at] = s0;
    kept[at + 1] = s1;
    kept[at + 2] = s2;
  }

  /** Drops the kept points the reach has fallen below; true if any. */
  private dropOutside(): boolean {
    const { kept, a0, a1, a2 } = this;
    let m = 0;
    for (let i = 0; i < this.count; i++) {
      const x = kept[3 * i];
      const y = kept[3 * i + 1];
      const z = kept[3 * i + 2];
      if (x > a0 || y > a1 || z > a2) continue;
      kept[3 * m] = x;
      kept[3 * m + 1] = y;
      kept[3 * m + 2] = z;
      m++;
    }
    const dropped = m < this.count;
    // The array keeps its length: `keep` writes over the dropped entries. (Cut to 3 m, it was grown
    // again by the next point kept, a new backing store each time: a selection made afresh over an
    // 8,500-point front took 117-184 ms without this, 110-142 with it, six runs of each alternated.)
    this.count = m;
    return dropped;
  }
}
