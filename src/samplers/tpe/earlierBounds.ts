/**
 * What a replayed greedy hypervolume selection (`LazyGreedy.replay` in `multiObjective.ts`) keeps
 * of the earlier selection's bounds that did not carry over, and the test that tells when one
 * holds again.
 *
 * A bound on a point's contribution, found with the earlier selection's first `at` choices C,
 * holds for a chosen set A once A covers within the point's box all that C covers there: a
 * contribution only shrinks as the chosen set grows, and depends only on what the set covers
 * within the point's box. It is enough that each choice d of C missing from A has its part of the
 * box (the box from max(d, p) to the reference point) inside the part of some s in A, that is,
 * s <= max(d, p) in every loss.
 */

/** A bound an earlier selection held: for a point (its position here), found with `at` of its choices. */
export interface EarlierBound {
  point: number;
  at: number;
  value: number;
}

/**
 * The bounds an earlier selection held with more choices than a replay carried over, per point
 * (positions here) in ascending counts, and which of the earlier choices are not made here.
 */
export class EarlierBounds {
  /** Per point, its bounds: entries [start, end) of `at` and `value`. */
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly at: Int32Array;
  readonly value: Float64Array;
  /** The earlier choices' loss vectors. */
  private readonly choices: (readonly number[])[];
  /** The earlier choices not made here (their steps, ascending). */
  private readonly missing: number[] = [];
  /** Per earlier choice not made here, which chosen points cover it where (built when first asked). */
  private readonly covers: (Cover | undefined)[] = [];
  /** The earlier choice (its step) of each point here, -1 for none. */
  private readonly stepOf: Int32Array;

  /**
   * @param n the number of points here
   * @param picked the earlier choices (its positions), `points` its loss vectors, `moved` its positions here (-1: gone)
   * @param bounds its bounds to keep (sorted here)
   * @param carried how many of its choices the replay carried over
   */
  constructor(
    n: number,
    picked: readonly number[],
    points: readonly (readonly number[])[],
    moved: Int32Array,
    bounds: EarlierBound[],
    carried: number,
  ) {
    bounds.sort((a, b) => a.point - b.point || a.at - b.at);
    this.start = new Int32Array(n);
    this.end = new Int32Array(n);
    this.at = Int32Array.from(bounds, (b) => b.at);
    this.value = Float64Array.from(bounds, (b) => b.value);
    for (let k = bounds.length - 1; k >= 0; k--) this.start[bounds[k].point] = k;
    for (let k = 0; k < bounds.length; k++) this.end[bounds[k].point] = k + 1;
    this.choices = picked.map((o) => points[o]);
    for (let t = carried; t < picked.length; t++) this.missing.push(t);
    this.stepOf = new Int32Array(n).fill(-1);
    picked.forEach((o, t) => {
      if (moved[o] >= 0) this.stepOf[moved[o]] = t;
    });
  }

  /** Point j (a position here), with losses s, was chosen here. */
  taken(j: number, s: readonly number[]): void {
    const step = this.stepOf[j];
    if (step >= 0) {
      const at = this.missing.indexOf(step);
      if (at >= 0) this.missing.splice(at, 1);
    }
    for (const t of this.missing) this.covers[t]?.add(s);
  }

  /**
   * How many of the earlier choices, from the first, are each made here or covered within p's box
   * by a point chosen here (`chosen`); at most `upTo`, as no more are needed.
   */
  heldUpTo(upTo: number, p: readonly number[], chosen: readonly (readonly number[])[]): number {
    const missing = this.missing;
    for (let k = 0; k < missing.length && missing[k] < upTo; k++) {
      const t = missing[k];
      let cover = this.covers[t];
      if (cover === undefined) {
        cover = Cover.of(this.choices[t], chosen);
        this.covers[t] = cover;
      }
      if (!cover.within(p)) return t;
    }
    return upTo;
  }
}

/**
 * Which points cover a point d within the box of a point p, asked for many p. A point s covers d
 * within p's box when s <= max(d, p) in every loss: wherever s exceeds d, p must reach s. So only
 * the losses where s exceeds d matter, and with three objectives (the points mutually
 * non-dominated, so s exceeds d somewhere, and not everywhere unless p is dominated) they are one
 * or two of them: per loss, the least s there among the points exceeding d in it alone; per pair
 * of losses, the points exceeding d in both (and not in the third) as a staircase of their least
 * pairs. A query is then three comparisons and three bisections, where a pass over the chosen
 * points took most of a long study's replays. More objectives keep the points and pass over them.
 */
class Cover {
  /** Some point weakly dominates d: it covers d in every box. */
  private always = false;
  private readonly single = [Infinity, Infinity, Infinity];
  private readonly pairs = [new Staircase(), new Staircase(), new Staircase()];
  private readonly others: (readonly number[])[] = [];

  private constructor(private readonly d: readonly number[]) {}

  static of(d: readonly number[], points: readonly (readonly number[])[]): Cover {
    const cover = new Cover(d);
    for (const s of points) cover.add(s);
    return cover;
  }

  add(s: readonly number[]): void {
    const d = this.d;
    if (d.length !== 3) {
      this.others.push(s);
      return;
    }
    const over0 = s[0] > d[0];
    const over1 = s[1] > d[1];
    const over2 = s[2] > d[2];
    const count = +over0 + +over1 + +over2;
    if (count === 0) this.always = true;
    else if (count === 1) {
      const i = over0 ? 0 : over1 ? 1 : 2;
      if (s[i] < this.single[i]) this.single[i] = s[i];
    } else if (count === 2) {
      // Pair 0: losses 0 and 1; pair 1: losses 0 and 2; pair 2: losses 1 and 2.
      if (!over2) this.pairs[0].add(s[0], s[1]);
      else if (!over1) this.pairs[1].add(s[0], s[2]);
      else this.pairs[2].add(s[1], s[2]);
    }
    // Exceeding d everywhere, s would cover it only in the box of a point s dominates.
  }

  /** True when some point added covers d within p's box. */
  within(p: readonly number[]): boolean {
    if (this.always) return true;
    const d = this.d;
    if (d.length !== 3) return this.others.some((s) => s.every((v, i) => v <= Math.max(d[i], p[i])));
    const single = this.single;
    if (single[0] <= p[0] || single[1] <= p[1] || single[2] <= p[2]) return true;
    return this.pairs[0].below(p[0], p[1]) || this.pairs[1].below(p[0], p[2]) || this.pairs[2].below(p[1], p[2]);
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

/** The first index whose value exceeds x in an ascending array. */
function upperBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
