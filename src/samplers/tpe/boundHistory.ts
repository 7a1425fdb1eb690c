/**
 * The bounds that a chain of greedy hypervolume selections found (`LazyGreedy` in
 * `multiObjective.ts`), kept for the later selections of the chain. In a chain, each selection
 * replays the one before it (the same reference point): it keeps the choices that still stand and
 * makes the rest again.
 *
 * A bound on a point's contribution found by a selection with its first `at` choices holds for any
 * chosen set that holds them: a contribution only shrinks as the set grows. So it holds in a later
 * selection while the current choice sequence begins with the same `at` choices, that is while
 * every choice before position `at` was made by that selection or an earlier one (`madeBy`, which
 * never decreases along the sequence, as each selection rewrites a suffix of it).
 *
 * It also holds once the choices it was found with are each made again or covered: a contribution
 * depends only on what the chosen set covers within the point's box, so if each of those choices
 * missing from the current set A has its part of the box (the box from max(d, p) to the reference
 * point) inside the part of some s in A (s <= max(d, p) in every loss), A covers there all they
 * covered. A replay checks that against the previous selection's sequence (`EarlierChoices`): a
 * choice it displaced is usually covered so, by the point that displaced it or its neighbours,
 * except near it.
 */
import { upperBound } from '../../sortedSearch';

/** Bounds kept per trial: the oldest go first. */
const KEPT_PER_TRIAL = 16;
/** No selection: larger than any selection's number. */
const NONE = 0x7fffffff;

export class BoundHistory {
  /**
   * Per position of the current choice sequence, the selection that made the choice there (NONE
   * where no selection of the chain made one: past the infinite volume, where the rest are taken
   * in order, or not yet).
   */
  private madeByPosition = new Int32Array(64).fill(NONE);
  /** Per trial (its index in the losses), its bounds: the selection, `at` and the value, three numbers each. */
  private readonly byTrial: (number[] | undefined)[] = [];
  private selections = 0;
  /** The latest selection of the chain: only it reads and writes here. */
  owner: object | null = null;

  /** A selection joins the chain (it is the latest now); returns its number. */
  begin(owner: object): number {
    this.owner = owner;
    return ++this.selections;
  }

  /** Selection `selection` made the choice at `position`. */
  made(position: number, selection: number): void {
    if (position >= this.madeByPosition.length) {
      const grown = new Int32Array(2 * position + 2).fill(NONE);
      grown.set(this.madeByPosition);
      this.madeByPosition = grown;
    }
    this.madeByPosition[position] = selection;
  }

  /** Who made each of the first `count` choices of the current sequence. */
  madeBy(count: number): Int32Array {
    const out = new Int32Array(count).fill(NONE);
    out.set(this.madeByPosition.subarray(0, Math.min(count, this.madeByPosition.length)));
    return out;
  }

  /** Selection `selection` found `value` bounding the trial's contribution, given its first `at` choices. */
  record(trial: number, selection: number, at: number, value: number): void {
    let list = this.byTrial[trial];
    if (list === undefined) {
      // Grown densely: writing far past the end would turn the array into a slow dictionary.
      while (this.byTrial.length < trial) this.byTrial.push(undefined);
      list = [];
      this.byTrial[trial] = list;
    }
    if (list.length === 3 * KEPT_PER_TRIAL) list.splice(0, 3);
    list.push(selection, at, value);
  }

  /** Moves every trial from index `at` up by one (a trial that finished late was inserted there). */
  shiftFrom(at: number): void {
    if (at < this.byTrial.length) this.byTrial.splice(at, 0, undefined);
  }

  /** The trial left the front: its bounds are of no more use. */
  forget(trial: number): void {
    if (trial < this.byTrial.length) this.byTrial[trial] = undefined;
  }

  /**
   * The lowest of the trial's bounds below `ceiling` that holds now, Infinity when none does: one
   * found with choices the current sequence begins with (among its first `made`), or, after a
   * replay (`earlier`), with choices the previous sequence began with that are made or covered
   * within the box of p (the trial's losses, `point` its position here) by the points chosen.
   */
  lowest(
    point: number,
    trial: number,
    made: number,
    ceiling: number,
    earlier: EarlierChoices | null,
    p: readonly number[],
    chosen: readonly (readonly number[])[],
  ): number {
    const list = trial < this.byTrial.length ? this.byTrial[trial] : undefined;
    let lowest = Infinity;
    if (list === undefined) return lowest;
    const madeBy = this.madeByPosition;
    // Those that hold with the choices made; the most choices any lower one needs checked against
    // the previous sequence's (0: none).
    let check = 0;
    for (let k = 0; k < list.length; k += 3) {
      const value = list[k + 2];
      if (value >= ceiling || value >= lowest) continue;
      const at = list[k + 1];
      if (at <= made && (at === 0 || madeBy[at - 1] <= list[k])) lowest = value;
      else if (at > check && earlier !== null && earlier.followed(at, list[k])) check = at;
    }
    if (check === 0) return lowest;
    const holding = earlier!.heldUpTo(point, check, p, chosen);
    for (let k = 0; k < list.length; k += 3) {
      const at = list[k + 1];
      const value = list[k + 2];
      if (value < ceiling && value < lowest && at <= holding && earlier!.followed(at, list[k])) lowest = value;
    }
    return lowest;
  }
}

/**
 * After a replay: the previous selection's choices, which of them are not made (again) in the
 * current one, and where the ones not made are covered (see `BoundHistory`).
 */
export class EarlierChoices {
  /** The previous selection's choices (their loss vectors), and who made each (`BoundHistory.madeBy` as it was). */
  private readonly choices: (readonly number[])[];
  private readonly madeBy: Int32Array;
  /** The previous choices not made here (their steps, ascending). */
  private readonly missing: number[] = [];
  /** Per previous choice not made here, which chosen points cover it where (built when first asked). */
  private readonly covers: (Cover | undefined)[] = [];
  /** The previous choice (its step) of each point here, -1 for none. */
  private readonly stepOf: Int32Array;
  /**
   * Per point here, how many previous choices were last found made or covered within its box: as
   * points are chosen the covers only grow, so they stay so, and the next check starts there.
   */
  private readonly held: Int32Array;

  /**
   * @param n the number of points here
   * @param picked the previous choices (its positions), `points` its loss vectors, `moved` their positions here (-1: gone)
   * @param madeBy who made each previous choice (`BoundHistory.madeBy`)
   * @param carried how many of them the replay carried over
   */
  constructor(
    n: number,
    picked: readonly number[],
    points: readonly (readonly number[])[],
    moved: Int32Array,
    madeBy: Int32Array,
    carried: number,
  ) {
    this.choices = picked.map((o) => points[o]);
    this.madeBy = madeBy;
    for (let t = carried; t < picked.length; t++) this.missing.push(t);
    this.stepOf = new Int32Array(n).fill(-1);
    picked.forEach((o, t) => {
      if (moved[o] >= 0) this.stepOf[moved[o]] = t;
    });
    this.held = new Int32Array(n).fill(carried);
  }

  /** Whether a bound selection `selection` found with its first `at` choices held in the previous sequence. */
  followed(at: number, selection: number): boolean {
    return at <= this.choices.length && (at === 0 || this.madeBy[at - 1] <= selection);
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
   * How many of the previous choices, from the first, are each made here or covered within the box
   * of point j (losses p) by a point chosen here (`chosen`); at most `upTo`, as no more are needed.
   */
  heldUpTo(j: number, upTo: number, p: readonly number[], chosen: readonly (readonly number[])[]): number {
    const held = this.held;
    if (held[j] >= upTo) return upTo;
    const missing = this.missing;
    // The first choice not made at or after where the last check stopped.
    let lo = 0;
    let hi = missing.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (missing[mid] < held[j]) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < missing.length && missing[k] < upTo; k++) {
      const t = missing[k];
      let cover = this.covers[t];
      if (cover === undefined) {
        cover = Cover.of(this.choices[t], chosen);
        this.covers[t] = cover;
      }
      if (!cover.within(p)) {
        held[j] = t;
        return t;
      }
    }
    held[j] = upTo;
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
