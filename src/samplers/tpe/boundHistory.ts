import { mapPacked } from '../../packedArrays';
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
  /**
   * Per trial (its index in the losses), its bounds in KEPT_PER_TRIAL slots from trial *
   * KEPT_PER_TRIAL, ascending by value (equal ones in the order found): the selection that found
   * each, with how many of its choices (`at`), the value, and when it was recorded (the oldest goes
   * first). Typed arrays, grown as trials come: a lookup reads them in order and stops at the first
   * that holds.
   */
  private selectionOf = new Int32Array(0);
  private recordedOf = new Float64Array(0);
  private records = 0;
  private atOf = new Int32Array(0);
  private valueOf = new Float64Array(0);
  private countOf = new Uint8Array(0);
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
    if (trial >= this.countOf.length) this.grow(trial + 1);
    const base = trial * KEPT_PER_TRIAL;
    const { selectionOf, atOf, valueOf, recordedOf } = this;
    let n = this.countOf[trial];
    if (n === KEPT_PER_TRIAL) {
      let oldest = base;
      for (let k = base + 1; k < base + n; k++) if (recordedOf[k] < recordedOf[oldest]) oldest = k;
      for (let k = oldest; k < base + n - 1; k++) {
        selectionOf[k] = selectionOf[k + 1];
        atOf[k] = atOf[k + 1];
        valueOf[k] = valueOf[k + 1];
        recordedOf[k] = recordedOf[k + 1];
      }
      n--;
    }
    let k = base + n;
    for (; k > base && valueOf[k - 1] > value; k--) {
      selectionOf[k] = selectionOf[k - 1];
      atOf[k] = atOf[k - 1];
      valueOf[k] = valueOf[k - 1];
      recordedOf[k] = recordedOf[k - 1];
    }
    selectionOf[k] = selection;
    atOf[k] = at;
    valueOf[k] = value;
    recordedOf[k] = this.records++;
    this.countOf[trial] = n + 1;
  }

  private grow(trials: number): void {
    const size = Math.max(trials, 2 * this.countOf.length, 64);
    const slots = size * KEPT_PER_TRIAL;
    this.selectionOf = copyInto(new Int32Array(slots), this.selectionOf);
    this.atOf = copyInto(new Int32Array(slots), this.atOf);
    this.valueOf = copyInto(new Float64Array(slots), this.valueOf);
    this.recordedOf = copyInto(new Float64Array(slots), this.recordedOf);
    this.countOf = copyInto(new Uint8Array(size), this.countOf);
  }

  /** The trial left the front: its bounds are of no more use. */
  forget(trial: number): void {
    if (trial < this.countOf.length) this.countOf[trial] = 0;
  }

  /**
   * The lowest of the trial's bounds below `ceiling` that holds now, Infinity when none does: one
   * found with choices the current sequence begins with (among its first `made`), or, after a
   * replay (`earlier`), with choices the previous sequence began with that are made or covered
   * within the box of p (the trial's losses, `point` its position here) by the points chosen.
   * The bounds are read lowest first, and the previous sequence is checked only as far as the
   * first one that needs it asks (and once: past the first choice neither made nor covered, none
   * holds through it).
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
    if (trial >= this.countOf.length) return Infinity;
    const base = trial * KEPT_PER_TRIAL;
    const end = base + this.countOf[trial];
    const madeBy = this.madeByPosition;
    const { selectionOf, atOf, valueOf } = this;
    // How many of the previous sequence's choices are known made or covered; `exact` once the
    // first that is not was found (none beyond it then).
    let held = 0;
    let exact = false;
    for (let k = base; k < end; k++) {
      const value = valueOf[k];
      if (value >= ceiling) break;
      const at = atOf[k];
      const selection = selectionOf[k];
      if (at <= made && (at === 0 || madeBy[at - 1] <= selection)) return value;
      if (earlier === null || !earlier.followed(at, selection)) continue;
      if (at <= held) return value;
      if (exact) continue;
      held = earlier.heldUpTo(point, at, p, chosen);
      if (held >= at) return value;
      exact = true;
    }
    return Infinity;
  }
}

/** `to` with `from` copied to its start. */
function copyInto<A extends Int32Array | Float64Array | Uint8Array>(to: A, from: A): A {
  to.set(from);
  return to;
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
  /**
   * Three objectives: each cover's least loss per objective among the points exceeding its choice
   * there alone (`Cover`), three per step side by side, which settle most checks: a check reads
   * them for consecutive steps, where it read them from each cover in turn.
   */
  private readonly singles: Float64Array;
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
    this.choices = mapPacked(picked, (o) => points[o]);
    this.madeBy = madeBy;
    for (let t = carried; t < picked.length; t++) this.missing.push(t);
    this.stepOf = new Int32Array(n).fill(-1);
    picked.forEach((o, t) => {
      if (moved[o] >= 0) this.stepOf[moved[o]] = t;
    });
    this.held = new Int32Array(n).fill(carried);
    this.singles = new Float64Array(3 * picked.length);
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
    const singles = this.singles;
    const three = p.length === 3;
    const p0 = p[0];
    const p1 = p[1];
    const p2 = p[2];
    for (let k = lo; k < missing.length && missing[k] < upTo; k++) {
      const t = missing[k];
      let cover = this.covers[t];
      if (cover === undefined) {
        cover = Cover.of(this.choices[t], chosen, singles, 3 * t);
        this.covers[t] = cover;
      }
      const b = 3 * t;
      if (three ? singles[b] <= p0 || singles[b + 1] <= p1 || singles[b + 2] <= p2 || cover.pairsWithin(p) : cover.within(p)) continue;
      held[j] = t;
      return t;
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
  private readonly pairs = [new Staircase(), new Staircase(), new Staircase()];
  private readonly others: (readonly number[])[] = [];

  /**
   * @param singles where the per-loss minima are kept, three from `at` (-Infinity in each once
   * some point weakly dominates d: it covers d in every box)
   */
  private constructor(
    private readonly d: readonly number[],
    private readonly singles: Float64Array,
    private readonly at: number,
  ) {
    singles.fill(Infinity, at, at + 3);
  }

  static of(d: readonly number[], points: readonly (readonly number[])[], singles: Float64Array, at: number): Cover {
    const cover = new Cover(d, singles, at);
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
    if (count === 0) this.singles.fill(-Infinity, this.at, this.at + 3);
    else if (count === 1) {
      const i = this.at + (over0 ? 0 : over1 ? 1 : 2);
      if (s[i - this.at] < this.singles[i]) this.singles[i] = s[i - this.at];
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
    const d = this.d;
    if (d.length !== 3) return this.others.some((s) => s.every((v, i) => v <= Math.max(d[i], p[i])));
    const { singles, at } = this;
    return singles[at] <= p[0] || singles[at + 1] <= p[1] || singles[at + 2] <= p[2] || this.pairsWithin(p);
  }

  /** Three objectives: whether a point exceeding d in two losses covers it within p's box (the minima aside). */
  pairsWithin(p: readonly number[]): boolean {
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
