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
    const chosen = new ChosenPoints3d(Math.max(64, 2 * points.length));
    // A stable sort keeps equal third losses in the order they came, as `add` does.
    const order = points.map((_, i) => i).sort((a, b) => points[a][2] - points[b][2]);
    order.forEach((i, at) => {
      chosen.x[at] = points[i][0];
      chosen.y[at] = points[i][1];
      chosen.z[at] = points[i][2];
      chosen.order[at] = i;
    });
    chosen.count = points.length;
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
    const came = this.count;
    let at = this.count++;
    for (; at > 0 && z[at - 1] > p[2]; at--) {
      x[at] = x[at - 1];
      y[at] = y[at - 1];
      z[at] = z[at - 1];
      order[at] = order[at - 1];
    }
    x[at] = p[0];
    y[at] = p[1];
    z[at] = p[2];
    order[at] = came;
  }

  /** The hypervolume of the chosen points limited to p's box (their losses raised to p's), up to `ref`. */
  coveredWithin(p: readonly number[], ref: readonly number[]): number {
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
      else if (!over0) return boxVolume(p, ref); // it weakly dominates p: its box covers p's
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
    for (let j = 0; j < count && z[j] <= a2; j++) {
      if (x[j] > a0 || y[j] > a1) continue;
      sweep.x[m] = Math.max(x[j], p0);
      sweep.y[m] = Math.max(y[j], p1);
      sweep.z[m] = Math.max(z[j], p2);
      m++;
    }
    return sweptVolume3d(sweep.x, sweep.y, sweep.z, m, ref);
  }
}
