/**
 * MOTPE's good group (Optuna 5.0's rule): whole Pareto fronts while they fit, then, from the front
 * that does not fit, the points a greedy hypervolume subset selection picks.
 *
 * A sampler chooses it every trial, so its cost is what a long multi-objective study pays per
 * trial. `ParetoSplitTracker` keeps the first front across trials and chooses from it with
 * `FrontSelection`; what it cannot keep (early trials, constraints) takes `selectBelowMultiObjective`.
 * There the fronts are peeled only as far as the good group reaches, and two objectives are ranked
 * by one sort; the greedy selection updates each point's exclusive contribution instead of
 * recomputing the selection's hypervolume for every candidate (which made a 1,000-trial
 * two-objective study cost 100 ms a trial, against Optuna 5.0's 13). */
import { lexCompare } from '../../multiobjective/hypervolume';
import { dominates } from '../../multiobjective/pareto';
import { FrontPoints, LazyGreedy } from './lazyGreedy';
import { LossColumns } from './lossColumns';

const EPS = 1e-12;

/**
 * The good group of `nBelow` points among `losses` (every objective minimised), as positions into
 * `losses`: whole fronts best first, then the boundary front's hypervolume subset selection.
 */
export function selectBelowMultiObjective(
  losses: readonly (readonly number[])[],
  nBelow: number,
  order: Int32Array = lexOrder(losses),
): number[] {
  if (nBelow <= 0) return [];
  const chosen: number[] = [];
  for (const front of frontsCovering(losses, nBelow, order)) {
    if (chosen.length + front.length <= nBelow) {
      chosen.push(...front);
      if (chosen.length === nBelow) break;
      continue;
    }
    chosen.push(...new FrontSelection(losses, front).select(nBelow - chosen.length));
    break;
  }
  return chosen;
}

/**
 * `selectBelowMultiObjective` for a sampler's successive splits. Each call's points are the last
 * call's (the same arrays, see `computeSplit`'s loss vectors) plus the trials finished since: their
 * lexicographic order is kept from one call to the next and the new points merged into it, instead
 * of every point sorted again (a sixth of a two-objective study's time). Points that do not begin
 * with the last call's are sorted afresh.
 */
export class GoodGroupSelector {
  private points: readonly (readonly number[])[] = [];
  private order: Int32Array = new Int32Array(0);

  readonly select = (losses: readonly (readonly number[])[], nBelow: number): number[] =>
    selectBelowMultiObjective(losses, nBelow, this.lexOrder(losses));

  private lexOrder(losses: readonly (readonly number[])[]): Int32Array {
    const m = this.points.length;
    let kept = m <= losses.length;
    for (let i = 0; kept && i < m; i++) kept = losses[i] === this.points[i];
    const n = losses.length;
    let order: Int32Array;
    if (!kept) {
      order = lexOrder(losses);
    } else {
      const added = lexOrder(losses, m);
      order = new Int32Array(n);
      // Merge: equal points keep position order, and every earlier point precedes the new ones.
      let a = 0;
      let b = 0;
      for (let k = 0; k < n; k++) {
        if (b >= added.length || (a < m && lexCompare(losses[this.order[a]], losses[added[b]]) <= 0)) order[k] = this.order[a++];
        else order[k] = added[b++];
      }
    }
    this.points = losses.slice();
    this.order = order;
    return order;
  }
}

/** Positions `from`.. of `losses` in lexicographic order of their vectors, equal ones by position. */
export function lexOrder(losses: readonly (readonly number[])[], from = 0): Int32Array {
  const order = new Int32Array(losses.length - from);
  for (let i = 0; i < order.length; i++) order[i] = from + i;
  if (losses.length > 0 && losses[0].length === 2) {
    // Typed arrays: the sort reads them far faster than the loss vectors (a fifth of a profile).
    const first = new Float64Array(losses.length);
    const second = new Float64Array(losses.length);
    for (let i = from; i < losses.length; i++) {
      first[i] = losses[i][0];
      second[i] = losses[i][1];
    }
    return order.sort((a, b) => first[a] - first[b] || second[a] - second[b] || a - b);
  }
  return order.sort((a, b) => lexCompare(losses[a], losses[b]) || a - b);
}

/**
 * The nondominated fronts, best first, each in ascending position, as far as needed to hold
 * `count` points (all of them when there are fewer). `order`: the points' `lexOrder`.
 */
export function frontsCovering(losses: readonly (readonly number[])[], count: number, order: Int32Array = lexOrder(losses)): number[][] {
  if (losses.length > 0 && losses[0].length === 2) return fronts2d(losses, count, order);
  // In lexicographic order a point can only be dominated by points before it, and it is in the
  // next front unless one of that front's points dominates it (a dominated dominator is itself
  // dominated by one of them). Each front costs a pass over the points left times its own size.
  let left = Array.from(order);
  const fronts: number[][] = [];
  for (let covered = 0; covered < count && left.length > 0;) {
    const front: number[] = [];
    const rest: number[] = [];
    for (const p of left) (front.some((q) => dominates(losses[q], losses[p])) ? rest : front).push(p);
    fronts.push(front.sort((a, b) => a - b));
    covered += front.length;
    left = rest;
  }
  return fronts;
}

/**
 * Two objectives: every point's front by one pass in lexicographic order. A point can only be
 * dominated by points before it, and a front dominates it exactly when the front's point of least
 * second loss does (that point has no larger first loss); fronts dominate a point in a prefix (a
 * point of front k + 1 is itself dominated by one of front k), so its front is found by bisection.
 * Equal points dominate neither each other and share a front. O(n log n).
 */
function fronts2d(losses: readonly (readonly number[])[], count: number, order: Int32Array): number[][] {
  const n = losses.length;
  // Per front, its least second loss and the first loss of the first point that has it.
  const least1: number[] = [];
  const least0: number[] = [];
  const rank = new Int32Array(n);
  for (const p of order) {
    const p0 = losses[p][0];
    const p1 = losses[p][1];
    let lo = 0;
    let hi = least1.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (least1[mid] < p1 || (least1[mid] === p1 && least0[mid] < p0)) lo = mid + 1;
      else hi = mid;
    }
    if (lo === least1.length) {
      least1.push(p1);
      least0.push(p0);
    } else if (p1 < least1[lo]) {
      least1[lo] = p1;
      least0[lo] = p0;
    }
    rank[p] = lo;
  }
  // The fronts needed to hold `count` points, in ascending position.
  const sizes = new Int32Array(least1.length);
  for (let i = 0; i < n; i++) sizes[rank[i]]++;
  let needed = 0;
  for (let covered = 0; needed < sizes.length && covered < count; needed++) covered += sizes[needed];
  const fronts: number[][] = Array.from({ length: needed }, () => []);
  for (let i = 0; i < n; i++) if (rank[i] < needed) fronts[rank[i]].push(i);
  return fronts;
}

/** Optuna 5.0's reference point for a front whose worst losses are `worst`: each pushed 10% further out (EPS for 0). */
function referencePoint(worst: readonly number[]): number[] {
  return worst.map((w) => {
    const r = Math.max(1.1 * w, 0.9 * w);
    return r === 0 ? EPS : r;
  });
}

/**
 * Optuna 5.0's subset selection within one front: greedily by hypervolume contribution, over the
 * distinct loss vectors in lexicographic order (the first of equals wins), each represented by its
 * first position; when there are fewer distinct vectors than the size, all of them and then the
 * earliest repeats; with an infinite reference point, the first distinct vectors.
 *
 * Greedy choices do not depend on how many points are wanted, so a selection keeps its choices
 * and a larger size continues from them: a sampler whose front stays while gamma(n) grows pays
 * for the new choices only. With three or more objectives, a selection for a front that changed
 * (points joined it, and left it dominated) follows the previous front's selection (`previous`,
 * with the same reference point): its choices move only near the points that joined or left, so
 * the previous choices and their contributions bound what the new selection's candidates are worth,
 * and only the candidates near the changes are evaluated (`LazyGreedy.following`). Where a point
 * joined and none left, and the point would not be chosen, the selection itself is kept (`admit`).
 */
export class FrontSelection {
  /** The front's positions where it holds repeats (`select` takes them after the distinct vectors), else null; a copy: `shiftFrom` moves them. */
  private readonly front: number[] | null;
  /** The first position of each distinct vector, in lexicographic order. */
  private readonly unique: number[];
  private readonly points: FrontPoints;
  private readonly finite: boolean;
  private readonly greedy: Greedy2d | null = null;
  /** Three or more objectives: the greedy choices so far (indices into `unique`). */
  private readonly lazy: LazyGreedy | null = null;
  private readonly ref: readonly number[];
  /** Whether the columns are the caller's (`distinct`): a point that joins is in them when `admit` is asked. */
  private readonly shared: boolean;

  /**
   * @param front positions into `losses`, ascending
   * @param byValue the same positions in lexicographic order of their vectors, equal ones by position (sorted here when absent)
   * @param previous the selection for an earlier front of the same points (positions into the same `losses`)
   * @param columns the loss vectors of `byValue` in columns (copied here unless `distinct`)
   * @param distinct whether the caller knows no two of the vectors are equal: the pass looking for
   *   repeats is skipped, and `columns` are read as they are, so the caller changes them only once
   *   it asks nothing more of this selection than to be followed (`previous` of the next one)
   */
  constructor(
    losses: readonly (readonly number[])[],
    front: readonly number[],
    byValue: readonly number[] = Array.from(lexOrder(front.map((i) => losses[i])), (j) => front[j]),
    previous?: FrontSelection,
    columns?: LossColumns,
    distinct = false,
  ) {
    const vectors =
      (distinct ? columns : columns?.copy()) ??
      LossColumns.of(
        byValue.map((i) => losses[i]),
        front.length > 0 ? losses[front[0]].length : 0,
      );
    if (distinct) {
      this.unique = byValue.slice();
    } else {
      // Equal vectors are neighbours in lexicographic order: the first of each stays.
      this.unique = [];
      let repeats: Uint8Array | null = null;
      for (let r = 0; r < byValue.length; r++) {
        if (r > 0 && vectors.equal(r - 1, r)) (repeats ??= new Uint8Array(byValue.length))[r] = 1;
        else this.unique.push(byValue[r]);
      }
      if (repeats !== null) vectors.compact(repeats);
    }
    this.shared = distinct;
    this.front = this.unique.length < front.length ? [...front] : null;
    this.points = new FrontPoints(losses, this.unique);
    this.ref = front.length > 0 ? referencePoint(vectors.worst()) : [];
    this.finite = this.ref.every(Number.isFinite);
    if (this.finite && this.ref.length === 2) this.greedy = new Greedy2d(vectors, this.ref);
    if (this.finite && this.ref.length > 2) {
      const followed = previous?.lazy && sameVector(previous.ref, this.ref) ? this.follow(previous, previous.lazy, vectors) : null;
      this.lazy = followed ?? new LazyGreedy(this.points, this.ref, vectors);
    }
  }

  /** A selection guided by the previous front's (see the class comment), or null. */
  private follow(previous: FrontSelection, choices: LazyGreedy, vectors: LossColumns): LazyGreedy | null {
    // The previous points' positions here (-1: the point left the front); the others joined it.
    // Both lists hold distinct vectors in lexicographic order, so one walk pairs them, comparing
    // vectors only where the lists part (a point joined, left, or an equal one of lower position
    // took its place): a table by trial took a pass over every trial and two over each list.
    const unique = this.unique;
    const before = previous.unique;
    const moved = new Int32Array(before.length);
    const joined: number[] = [];
    let j = 0;
    for (let o = 0; o < before.length; o++) {
      const id = before[o];
      while (j < unique.length && unique[j] !== id && lexCompare(this.points.at(j), previous.points.at(o)) < 0) joined.push(j++);
      moved[o] = j < unique.length && unique[j] === id ? j++ : -1;
    }
    while (j < unique.length) joined.push(j++);
    return LazyGreedy.following(this.points, this.ref, vectors, choices, moved, joined);
  }

  /**
   * Point i (loss vector x) joined the front at position p of its lexicographic order, and none left:
   * true, this selection kept for the new front, when its choices stay the same (`LazyGreedy.admit`);
   * false, nothing changed, when a new selection must be made (the new point would be chosen, or the
   * front's worst losses, `worst`, moved the reference point). Only a selection of distinct vectors
   * over three objectives whose columns are the caller's keeps; the caller has put x at row p.
   */
  admit(i: number, x: readonly number[], p: number, worst: readonly number[]): boolean {
    if (this.lazy === null || !this.shared || this.front !== null || !sameVector(referencePoint(worst), this.ref)) return false;
    if (!this.lazy.admit(p, x)) return false;
    this.unique.splice(p, 0, i);
    return true;
  }

  /** Moves every position from `at` up by one (a point was inserted there into `losses`). */
  shiftFrom(at: number): void {
    for (const list of [this.front ?? [], this.unique]) for (let j = 0; j < list.length; j++) if (list[j] >= at) list[j]++;
  }

  select(size: number): number[] {
    const unique = this.unique;
    if (unique.length <= size) {
      if (this.front === null) return [...unique];
      const taken = new Set(unique);
      const repeats = this.front.filter((i) => !taken.has(i));
      return [...unique, ...repeats.slice(0, size - unique.length)];
    }
    if (!this.finite) return unique.slice(0, size);
    const picked = this.greedy ? this.greedy.extendTo(size) : this.lazy!.extendTo(size);
    const chosen = new Array<number>(size);
    for (let j = 0; j < size; j++) chosen[j] = unique[picked[j]];
    return chosen;
  }
}

/**
 * Two objectives: in lexicographic order the front's second losses descend, so a point's exclusive
 * contribution is the box from it to the corner (the nearest chosen point's first loss after it, the
 * nearest's second loss before it, the reference point where there is none). The points between two
 * chosen points (a gap) share that corner; choosing a point splits its gap in two, each with its own
 * corner, and each gap keeps its best point, and the best of all is the best gap's, found through a
 * heap of the gaps. The first in order wins among equals, and a NaN (from infinite losses) beats
 * every number, as numpy's argmax has it. O(front log front) on average, where recomputing every
 * contribution at every choice was O(front times size). A split finds each new gap's best in one
 * pass over it (contributions formed as they are compared: a tenth of a long two-objective study's
 * time went to two passes, one writing each point's corner and contribution, one reading them).
 */
class Greedy2d {
  private readonly first: Float64Array;
  private readonly second: Float64Array;
  /** The gaps [start, end) of points not chosen, each one's corner, best point and its contribution; at most one per point and one more. */
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly corners0: Float64Array;
  private readonly corners1: Float64Array;
  private readonly bests: Int32Array;
  private readonly bestValues: Float64Array;
  private gaps = 0;
  /** The gaps in a heap by their best points. */
  private readonly heap: Int32Array;
  private heapSize = 0;
  /** The points chosen so far, in order. */
  private readonly picked: number[] = [];

  constructor(points: LossColumns, ref: readonly number[]) {
    const n = points.length;
    this.first = points.columns[0];
    this.second = points.columns[1];
    this.starts = new Int32Array(n + 1);
    this.ends = new Int32Array(n + 1);
    this.corners0 = new Float64Array(n + 1);
    this.corners1 = new Float64Array(n + 1);
    this.bests = new Int32Array(n + 1);
    this.bestValues = new Float64Array(n + 1);
    this.heap = new Int32Array(n + 1);
    if (n > 0) this.push(0, n, ref[0], ref[1]);
  }

  /** The first `size` choices (indices into the points; size < the number of points). */
  extendTo(size: number): readonly number[] {
    const { first, second } = this;
    while (this.picked.length < size) {
      const g = this.pop();
      const b = this.bests[g];
      this.picked.push(b);
      const start = this.starts[g];
      const end = this.ends[g];
      const corner0 = this.corners0[g];
      const corner1 = this.corners1[g];
      // The points before b now end at b's first loss, those after it at its second.
      if (b > start) this.push(start, b, Math.min(first[b], corner0), corner1);
      if (end > b + 1) this.push(b + 1, end, corner0, Math.min(second[b], corner1));
    }
    return this.picked;
  }

  /** Contribution a before contribution b (a NaN first), of points `i` and `j`: larger, then earlier. */
  private static before(a: number, i: number, b: number, j: number): boolean {
    if (a > b || (a !== a && b === b)) return true;
    if (b > a || (b !== b && a === a)) return false;
    return i < j;
  }

  /** The gap [start, end) with its corner, into the heap by its best point. */
  private push(start: number, end: number, corner0: number, corner1: number): void {
    const { first, second } = this;
    let best = start;
    let bestValue = (corner0 - first[start]) * (corner1 - second[start]);
    for (let j = start + 1; j < end; j++) {
      const value = (corner0 - first[j]) * (corner1 - second[j]);
      // A later point beats the best only by more (or by a NaN over a number).
      if (value > bestValue || (value !== value && bestValue === bestValue)) {
        best = j;
        bestValue = value;
      }
    }
    const g = this.gaps++;
    this.starts[g] = start;
    this.ends[g] = end;
    this.corners0[g] = corner0;
    this.corners1[g] = corner1;
    this.bests[g] = best;
    this.bestValues[g] = bestValue;
    const heap = this.heap;
    let i = this.heapSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.gapBefore(g, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = g;
  }

  private gapBefore(g: number, h: number): boolean {
    return Greedy2d.before(this.bestValues[g], this.bests[g], this.bestValues[h], this.bests[h]);
  }

  private pop(): number {
    const heap = this.heap;
    const top = heap[0];
    const last = heap[--this.heapSize];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= this.heapSize) break;
      if (child + 1 < this.heapSize && this.gapBefore(heap[child + 1], heap[child])) child++;
      if (!this.gapBefore(heap[child], last)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function sameVector(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, k) => v === b[k]);
}
