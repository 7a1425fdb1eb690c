/**
 * Which chosen points cover a point d within the box of a point p, asked for many p (`LazyGreedy`'s
 * test of which points a choice left out of its selection can matter to).
 *
 * A point s covers d within p's box when s <= max(d, p) in every loss: wherever s exceeds d, p must
 * reach s. Then the box from max(d, p) to the reference point lies inside the one from max(s, p),
 * so what d would cover of p's box, s covers already. Only the losses where s exceeds d matter. A
 * point s exceeding d in loss k alone covers d within the box of every p whose loss k is at least
 * s's: per loss, the least such s there (`reach`) answers for all of them, and a p that could be
 * uncovered lies below `reach` in every loss (which a caller scanning many points tests first).
 * With three objectives (the points mutually non-dominated, so s exceeds d somewhere, and not
 * everywhere unless p is dominated) the others exceed d in two losses: per pair of losses, the
 * points exceeding d in both (and not the third) as a staircase of their least pairs. A query is
 * then three comparisons and three bisections. More objectives keep the others and pass over them.
 */
import { upperBound } from '../../sortedSearch';
import type { LossColumns } from './lossColumns';

export class Cover {
  /** Some point weakly dominates d: it covers d in every box. */
  always = false;
  /** Per loss, the least loss there of a point exceeding d in that loss alone (Infinity: none). */
  readonly reach: number[];
  private readonly pairs: Staircase[] | null;
  private readonly others: (readonly number[])[] = [];

  private constructor(private readonly d: readonly number[]) {
    this.reach = new Array<number>(d.length).fill(Infinity);
    this.pairs = d.length === 3 ? [new Staircase(), new Staircase(), new Staircase()] : null;
  }

  /** `points` in their order; with `columns` (the same points in columns), read from there, in order. */
  static of(d: readonly number[], points: readonly (readonly number[])[], columns?: LossColumns): Cover {
    const cover = new Cover(d);
    if (columns === undefined) {
      for (const s of points) cover.add(s);
      return cover;
    }
    // (Reading the vectors themselves missed the cache at nearly every point: they lie scattered.)
    // The reach first. Then only the points below it in every loss: one that is not cannot cover d
    // within the box of a point below the reach (it would lie within max(d, p), below the reach),
    // and the others answer for the rest. Most points are left out, by one test.
    const dims = d.length;
    const cols = columns.columns;
    const n = columns.length;
    const reach = cover.reach;
    for (let t = 0; t < n; t++) {
      let count = 0;
      let last = -1;
      for (let k = 0; k < dims && count < 2; k++) {
        if (cols[k][t] > d[k]) {
          count++;
          last = k;
        }
      }
      if (count === 0) cover.always = true;
      else if (count === 1 && cols[last][t] < reach[last]) reach[last] = cols[last][t];
    }
    if (cover.always) return cover;
    const s = new Array<number>(dims);
    for (let t = 0; t < n; t++) {
      if (!columns.below(t, reach)) continue;
      for (let k = 0; k < dims; k++) s[k] = cols[k][t];
      cover.add(s, points[t]);
    }
    return cover;
  }

  /** Point s (`vector`: the same losses, kept where a query needs them later). */
  add(s: readonly number[], vector = s): void {
    const d = this.d;
    let count = 0;
    let last = -1;
    for (let k = 0; k < d.length; k++) {
      if (s[k] > d[k]) {
        count++;
        last = k;
      }
    }
    if (count === 0) this.always = true;
    else if (count === 1) {
      if (s[last] < this.reach[last]) this.reach[last] = s[last];
    } else if (this.pairs === null) {
      this.others.push(vector);
    } else if (count === 2) {
      // Pair 0: losses 0 and 1; pair 1: losses 0 and 2; pair 2: losses 1 and 2.
      if (last === 1) this.pairs[0].add(s[0], s[1]);
      else if (s[1] <= d[1]) this.pairs[1].add(s[0], s[2]);
      else this.pairs[2].add(s[1], s[2]);
    }
    // Three objectives, exceeding d everywhere: s would cover it only in the box of a point s dominates.
  }

  /** True when some point added covers d within p's box. */
  within(p: readonly number[]): boolean {
    if (this.always) return true;
    const reach = this.reach;
    for (let k = 0; k < reach.length; k++) if (reach[k] <= p[k]) return true;
    return this.pairs === null ? this.othersCover(p) : this.pairsCover(p[0], p[1], p[2]);
  }

  /**
   * `within(points.at(r))`, its losses read from row r of `columns` (the same points in columns): the
   * vectors lie scattered, and a pass over many points read through them missed the cache at each.
   */
  withinRow(columns: LossColumns, r: number, points: { at(r: number): readonly number[] }): boolean {
    if (this.always) return true;
    const reach = this.reach;
    const cols = columns.columns;
    for (let k = 0; k < reach.length; k++) if (reach[k] <= cols[k][r]) return true;
    return this.pairs === null ? this.othersCover(points.at(r)) : this.pairsCover(cols[0][r], cols[1][r], cols[2][r]);
  }

  /** Three objectives: some point exceeding d in two losses covers it within the box of (p0, p1, p2). */
  private pairsCover(p0: number, p1: number, p2: number): boolean {
    const pairs = this.pairs!;
    return pairs[0].below(p0, p1) || pairs[1].below(p0, p2) || pairs[2].below(p1, p2);
  }

  private othersCover(p: readonly number[]): boolean {
    const d = this.d;
    return this.others.some((s) => s.every((v, i) => v <= Math.max(d[i], p[i])));
  }
}

/** Points (a, b) as the staircase of their least pairs: a ascending, b descending. */
class Staircase {
  private readonly a: number[] = [];
  private readonly b: number[] = [];

  add(a: number, b: number): void {
    const xs = this.a;
    const ys = this.b;
    // The first step with a larger first value; the one before it has the least second value of those before.
    const at = upperBound(xs, a);
    if (at > 0 && ys[at - 1] <= b) return; // a step below it already
    // The steps it dominates start at the first one with first value >= a.
    let from = at;
    while (from > 0 && xs[from - 1] === a) from--;
    let to = from;
    while (to < xs.length && ys[to] >= b) to++;
    xs.splice(from, to - from, a);
    ys.splice(from, to - from, b);
  }

  /** True when some point has a <= x and b <= y. */
  below(x: number, y: number): boolean {
    const at = upperBound(this.a, x);
    return at > 0 && this.b[at - 1] <= y;
  }
}
