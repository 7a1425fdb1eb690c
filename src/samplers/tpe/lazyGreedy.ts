/**
 * Three or more objectives: Optuna 5.0's greedy hypervolume subset selection within one front
 * (`FrontSelection` in `multiObjective.ts`), found lazily, and for a front that changed, guided by
 * the previous front's selection.
 *
 * Lazily: a point's contribution only shrinks as points are chosen (hypervolume is submodular), so
 * any value it once had bounds it; the points wait in a heap by their bounds, and each choice
 * evaluates them in bound order until none left can beat (or tie, the earlier point winning) the
 * best contribution found. (Optuna 5.0 also evaluates in bound order, but re-sorts every point at
 * every choice, after lowering each bound to the point's box less the part the latest choice
 * covers; the choices are the same.)
 *
 * Guided: in a long three-objective study nearly every trial joins the first front (93% of the
 * trials of a 6,000-trial DTLZ2 study are on it), so the front changes every trial while the good
 * group takes a tenth of the trials; made afresh, a selection costs a heap of the whole front and
 * its evaluations. But a point's contribution depends only on the points chosen near it, and the
 * new front's selection is the previous one's with a few choices moved, near where points joined
 * or left. Let O_J be the previous selection's first J choices and a its next one, chosen with
 * contribution v: every point of the previous front had a contribution at most v given O_J. If the
 * choices here (S) hold O_J but for a few left out (holes), then a point q that no hole matters to
 * within its box (a point of S covers the hole there, see `Cover`) has a contribution given S at
 * most its contribution given S and the holes, which hold O_J: at most v. So only the points a hole
 * may matter to (found when the hole is made, by a pass over the front that rejects nearly all of
 * them by a few comparisons), those that joined the front and the next previous choice need their
 * contributions evaluated: a candidate worth more than v (or as much, and earlier than a) is the
 * choice; else a is left out too and the next previous choice, worth less, is the bar. While the
 * choices are the previous ones (no hole yet), a's contribution is v exactly, unevaluated; after
 * they part, too, where none of the differences (holes, and points chosen out of the previous
 * order) lies within the box its contribution was found from (`unchangedNear`). Past the
 * previous selection's choices, the selection goes on lazily, the bounds the previous selections
 * found carried over. Over that study's trials 5,500-6,000 a selection evaluated 285 contributions
 * a trial (of 560 choices, 44 of them where the choices had parted, 2.4 holes), where, replayed up
 * to the first choice a joined point displaced and lazy from there, it evaluated 300 and looked up
 * 1,600 bounds its predecessors had found, each checked against the choices it was found with:
 * 2.18-2.34 ms a trial over the sixth thousand trials against 5.60, and 3.65-3.68 over the tenth
 * against 11.84-11.98 (with the columns of `LossColumns` and the copies of `ChosenPoints3d`).
 *
 * A contribution is the point's box less the hypervolume of the chosen points limited to that box
 * (Optuna's "decremental" form; with three objectives, a sweep over the chosen points near it,
 * `ChosenPoints3d`). The hypervolume of all the chosen points with and without the point
 * (Optuna's form for three objectives) took 2.7 times Optuna's time per trial in a 1,000-trial
 * three-objective study. The two forms are equal; their rounding can differ in the last bits, which
 * decides between points whose contributions tie exactly (on a grid), in either library. A point
 * evaluated again starts from what its last evaluation found (`NearChosen`: the chosen points near
 * it, brought up to date by the points chosen since), not from a pass over all the chosen points:
 * the candidates near the choices a guide moved are evaluated again at most of the choices after
 * them (260 of the 400 evaluations a trial at 6,000 trials).
 */
import { boxVolume, hypervolume } from '../../multiobjective/hypervolume';
import { lowerBound } from '../../sortedSearch';
import { ChosenPoints3d, NearChosen } from './chosenPoints3d';
import { Cover } from './cover';
import { FrontGrid } from './frontGrid';
import { LossColumns } from './lossColumns';

/**
 * A front's distinct loss vectors by position: position j holds `losses[ids[j]]` (the caller keeps
 * the two in step). Passes over the front and evaluations read its columns (`LossColumns`); a
 * vector is read where a selection needs the point itself (a choice, a left-out choice, a box): an
 * array of them, made for each front, cost a pass over it every trial.
 */
export class FrontPoints {
  constructor(
    private readonly losses: readonly (readonly number[])[],
    private readonly ids: readonly number[],
  ) {}

  get length(): number {
    return this.ids.length;
  }

  at(j: number): readonly number[] {
    return this.losses[this.ids[j]];
  }
}

/** Chosen points whose first `valid` (in the order they were added) are a selection's first choices. */
interface ChosenSource {
  readonly points: ChosenPoints3d;
  readonly valid: number;
}

/** A step no selection reaches. */
const NEVER = 0x7fffffff;

/**
 * The holes of one selection after which it files the front in a grid (`FrontGrid`) rather than
 * pass over it for each: filing takes a few passes' worth, and most selections that follow a
 * previous one leave out a choice or two (late in a long DTLZ2 study, one a trial whose good group
 * changed by one or two members; hundreds where it changed by more than a hundred).
 */
const GRID_AFTER_HOLES = 4;

/** What a guided selection keeps of the previous one (see the file comment). */
interface Guide {
  /** The previous selection's choices as positions here (-1: gone from the front), and the contribution each had. */
  readonly choices: Int32Array;
  readonly values: readonly number[];
  /** The previous choices' loss vectors (a choice gone from the front still makes a hole). */
  readonly vectors: readonly (readonly number[])[];
  /** Three objectives: the previous choices' reaches (three each, see `LazyGreedy.reaches`), else null. */
  readonly reaches: readonly number[] | null;
  /** Three objectives: the places of the previous choices passed without being chosen here (a place's point may be chosen since). */
  readonly holes: number[];
  /** The points chosen here out of the previous order: each when chosen was not among the previous choices passed. */
  readonly extras: number[];
  /** Per point, its place among the previous choices (-1: none); made at the first extra. */
  placeOf: Int32Array | null;
  /** How many previous choices are passed: chosen here, or left out (holes). */
  next: number;
  /** Whether the choices here have differed from the previous ones (else they are its first `next`). */
  diverged: boolean;
  /** How many of the first choices here are the previous selection's first. */
  agreed: number;
  /** Three objectives: chosen points whose first `valid` are the previous selection's first choices (see `chosenSource`). */
  readonly previousChosen: ChosenSource | null;
  /** Per number of previous choices passed, the first step here at which they were (NEVER: not yet). */
  readonly passedAt: Int32Array;
  /**
   * Per point, where its bound came from the previous selection: the number of previous choices
   * from which it holds there, and so here once as many are passed (-1: the bound is this
   * selection's own, from step `boundAt`).
   */
  carriedFrom: Int32Array;
  /** Per point, whether its contribution is evaluated here (it joined the front, a hole may matter to it, or it was a previous choice's turn). */
  explicit: Uint8Array;
  /** How many points are explicit (the chosen ones among them: a guided choice is a candidate first). */
  explicitCount: number;
  /** The explicit points not chosen, by their bounds. */
  readonly candidates: PointHeap;
}

export class LazyGreedy {
  /** The choices, in order, and the contribution each had when chosen. */
  readonly picked: number[] = [];
  readonly values: number[] = [];
  /**
   * Three objectives: per choice, the reach of the chosen points before it when its contribution
   * was found (see `ChosenPoints3d`; the point itself where one covered it), three values each, so
   * that a later selection whose choices before it differ only outside that box knows the
   * contribution unchanged, to the bit (`unchangedNear`). Null for more objectives.
   */
  readonly reaches: number[] | null;
  /** Per point, an upper bound on its contribution from step `boundAt` on (a chosen point: its contribution when chosen). */
  private bound: Float64Array;
  private boundAt: Int32Array;
  private chosenMask: Uint8Array;
  /** The chosen points, in order, and in columns (for the passes of `limitedVolume` and `NearChosen`). */
  private readonly chosen: (readonly number[])[] = [];
  private readonly chosenColumns: LossColumns;
  /** Three objectives: the chosen points again, for the volume they cover within a box; the first `synced` of them, made when first needed. */
  private chosen3d: ChosenPoints3d | null = null;
  private synced = 0;
  /** The losses of the point being evaluated (`evaluate`). */
  private readonly scratch: number[];
  /** Three objectives: per point evaluated, its chosen neighbours, for its next evaluation. */
  private readonly near: (NearChosen | undefined)[];
  private volume = 0;
  /** Once the volume is infinite: the points left, ascending (Optuna's rule: taken in order). */
  private rest: number[] | null = null;
  /** Following the previous selection; null once lazy. */
  private guide: Guide | null = null;
  /** Three objectives: the holes met so far, and past GRID_AFTER_HOLES the front in a grid (with room for a query's answer). */
  private holes = 0;
  private frontGrid: { grid: FrontGrid; found: Int32Array } | null = null;
  /** Lazily: the points not chosen, by their bounds; null until the first lazy choice. */
  private heap: PointHeap | null = null;
  /**
   * Lazily: per point, the step its bound was last evaluated at (-1: not since the selection became
   * lazy). `boundAt` cannot tell: a guide that runs out gives every point a bound from that step.
   */
  private exactAt: Int32Array | null = null;
  /** How many choices the guide made, and how many contributions were evaluated (for tests and measurements). */
  guidedChoices = 0;
  evaluations = 0;

  /**
   * @param points the front's distinct loss vectors, in lexicographic order (which breaks ties)
   * @param ref the reference point (finite)
   * @param columns the same vectors in columns (for passes over them all)
   * @param boxes whether the bounds start as the points' boxes (a guided selection takes them from the previous one)
   */
  constructor(
    private readonly points: FrontPoints,
    private readonly ref: readonly number[],
    private readonly columns: LossColumns,
    boxes = true,
  ) {
    const n = points.length;
    this.bound = new Float64Array(n);
    if (boxes) for (let j = 0; j < n; j++) this.bound[j] = boxVolume(points.at(j), ref);
    this.boundAt = new Int32Array(n);
    this.chosenMask = new Uint8Array(n);
    this.near = new Array<NearChosen | undefined>(n);
    this.chosenColumns = new LossColumns(ref.length);
    this.reaches = ref.length === 3 ? [] : null;
    this.scratch = new Array<number>(ref.length).fill(0);
  }

  /**
   * A selection guided by the previous front's (`previous`, with the same reference point; its point
   * o is at position moved[o] here, -1 for a point no longer there; `joined`: the points new here).
   * Null when there is nothing to follow (no choices, or an infinite volume).
   */
  static following(
    points: FrontPoints,
    ref: readonly number[],
    columns: LossColumns,
    previous: LazyGreedy,
    moved: Int32Array,
    joined: readonly number[],
  ): LazyGreedy | null {
    const count = previous.picked.length;
    if (count === 0 || !Number.isFinite(previous.volume)) return null;
    // The bounds come from the previous selection (each at most the point's box), the boxes only for
    // the points that joined: a pass computing every box read every point, a fifth of this time.
    const greedy = new LazyGreedy(points, ref, columns, false);
    const n = points.length;
    const carriedFrom = new Int32Array(n).fill(-1);
    const explicit = new Uint8Array(n);
    const candidates = new PointHeap(64); // grows: a guide's candidates are the few points near the changes
    // The previous selection's bounds, each holding here once as many previous choices are passed
    // as it needed there. A bound it had carried itself held there from the step its own guide had
    // passed enough. If its guide never got so far, the bound still holds at its last step where
    // the choices its guide did not pass (and it did not make) are covered within the point's box
    // (see `Cover`): its choices and holes, with those, hold the choices the bound was found with.
    // Else it takes the bar the guide got to. (A bound lost so, its point's turn was evaluated
    // again in every lazy choice: a thousand evaluations each, in a 6,000-trial study.)
    const before = previous.guide;
    const beforeBar = before === null ? Infinity : before.values[Math.min(before.next, before.choices.length - 1)];
    let unpassed: Cover[] | null = null;
    const { bound } = greedy;
    for (let o = 0; o < moved.length; o++) {
      const j = moved[o];
      if (j < 0) continue;
      let value = previous.bound[o];
      let from = previous.boundAt[o];
      const carried = before === null ? -1 : before.carriedFrom[o];
      if (carried >= 0) {
        from = before!.passedAt[carried];
        if (from === NEVER) {
          unpassed ??= previous.unpassedCovers();
          if (coveredByAll(unpassed, columns, j, points)) {
            from = count;
          } else {
            // (A bar may exceed the point's box.)
            value = Math.min(beforeBar, boxVolume(points.at(j), ref));
            from = before!.passedAt[before!.next];
          }
        }
      }
      bound[j] = value;
      carriedFrom[j] = from;
    }
    // The points that joined are evaluated here, their boxes first.
    for (const j of joined) {
      bound[j] = boxVolume(points.at(j), ref);
      explicit[j] = 1;
      candidates.push(j, bound[j]);
    }
    const choices = new Int32Array(count);
    for (let t = 0; t < count; t++) choices[t] = moved[previous.picked[t]];
    const passedAt = new Int32Array(count + 1).fill(NEVER);
    passedAt[0] = 0;
    greedy.guide = {
      choices,
      values: previous.values,
      reaches: previous.reaches,
      holes: [],
      extras: [],
      placeOf: null,
      vectors: previous.picked.map((o) => previous.points.at(o)),
      next: 0,
      diverged: false,
      agreed: 0,
      previousChosen: previous.chosenSource(),
      passedAt,
      carriedFrom,
      explicit,
      explicitCount: joined.length,
      candidates,
    };
    return greedy;
  }

  /** The first `size` choices (indices into the points; size < the number of points). */
  extendTo(size: number): readonly number[] {
    const picked = this.picked;
    while (picked.length < size) {
      if (this.rest === null && !Number.isFinite(this.volume)) {
        // Every contribution is taken as infinite (Optuna's rule past an infinite volume): the first
        // points left, in order.
        this.rest = [];
        for (let j = 0; j < this.points.length; j++) if (!this.chosenMask[j]) this.rest.push(j);
      }
      if (this.rest !== null) {
        picked.push(...this.rest.splice(0, size - picked.length));
        break;
      }
      if (this.guide !== null && this.guidedChoice()) continue;
      this.lazyChoice();
    }
    return picked;
  }

  /**
   * Three objectives: a point joins the front at position p (loss vector x; the points from p move
   * up by one) and none leaves. The choices made so far stay the same when at each step the point's
   * contribution given the choices before it is below the choice's, or equal and later in order:
   * the other points' contributions are what they were, so each choice is still the best. Then the
   * point is taken in as a point not chosen, with the last contribution found as its bound, and true
   * is returned; false, nothing changed, where it would be chosen (or this is not three objectives,
   * or its volume is infinite). Most new points of a long study join the front so: made afresh from
   * this selection, the next one passed over the front and made every choice again (half a trial's
   * time at 9,000 trials of a three-objective study, for the same choices).
   */
  admit(p: number, x: readonly number[]): boolean {
    if (this.ref.length !== 3 || this.rest !== null || !Number.isFinite(this.volume)) return false;
    const { picked, values, ref } = this;
    const own = boxVolume(x, ref);
    if (!Number.isFinite(own)) return false;
    // Whether the point, worth c at step t, beats that step's choice (`picked` holds positions before
    // the shift: the point comes first among equals when its position is at most the choice's).
    const beats = (c: number, t: number) => c > values[t] || (c === values[t] && p <= picked[t]);
    let value = own;
    let at = 0;
    let near: NearChosen | undefined;
    for (let t = 0; t < picked.length; t++) {
      if (!beats(value, t)) continue;
      // Its bound reaches this step's choice: its contribution given the choices before it.
      if (t > 0) {
        if (near === undefined) {
          near = new NearChosen();
          value = own - this.chosenPoints3d().prefix(t).coveredWithin(x, ref, near);
        } else {
          value = own - near.coveredWithin(x, ref, this.chosenColumns, t);
        }
      }
      at = t;
      if (beats(value, t)) return false;
    }
    this.insertPoint(p, value, at, near);
    return true;
  }

  /** Opens position p for a point not chosen, its bound `value` from step `at` (see `admit`). */
  private insertPoint(p: number, value: number, at: number, near: NearChosen | undefined): void {
    const n = this.points.length; // the points held before (the caller puts the new one in its list after)
    this.bound = withSlot(this.bound, p, n);
    this.boundAt = withSlot(this.boundAt, p, n);
    this.chosenMask = withSlot(this.chosenMask, p, n);
    this.near.splice(p, 0, near);
    this.frontGrid = null; // filed by position
    this.bound[p] = value;
    this.boundAt[p] = at;
    this.chosenMask[p] = 0;
    shiftPositions(this.picked, p);
    if (this.heap !== null) {
      this.exactAt = withSlot(this.exactAt!, p, n);
      this.exactAt[p] = -1;
      this.heap.openSlot(p);
      this.heap.push(p, value);
    }
    const g = this.guide;
    if (g !== null) {
      shiftPositions(g.choices, p);
      shiftPositions(g.extras, p);
      g.carriedFrom = withSlot(g.carriedFrom, p, n);
      g.explicit = withSlot(g.explicit, p, n);
      if (g.placeOf !== null) {
        g.placeOf = withSlot(g.placeOf, p, n);
        g.placeOf[p] = -1;
      }
      g.candidates.openSlot(p);
      // Evaluated here, as a point that joined is: a candidate.
      this.makeExplicit(p, value, at);
    }
  }

  /** For the choices its guide did not pass and it did not make, which chosen points cover them where. */
  private unpassedCovers(): Cover[] {
    const g = this.guide!;
    const covers: Cover[] = [];
    for (let t = g.next; t < g.choices.length; t++) {
      const a = g.choices[t];
      if (a < 0 || !this.chosenMask[a]) covers.push(Cover.of(g.vectors[t], this.chosen, this.chosenColumns));
    }
    return covers;
  }

  /** One choice as the guide finds it (see the file comment); false when the guide has run out (the selection is lazy from now on). */
  private guidedChoice(): boolean {
    const g = this.guide!;
    const { bound, chosenMask } = this;
    const step = this.picked.length;
    const count = g.choices.length;
    if (!g.diverged && this.followsOn(g, step)) return true;
    for (;;) {
      // Pass the previous choices made here already, and those gone from the front (holes).
      while (g.next < count) {
        const a = g.choices[g.next];
        if (a >= 0 && !chosenMask[a]) break;
        if (a < 0) {
          this.leaveOut(g);
          g.diverged = true;
        }
        this.pass(g, step);
      }
      if (g.next === count) {
        this.becomeLazy();
        return false;
      }
      const a = g.choices[g.next];
      const bar = g.values[g.next];
      // Its contribution: the previous one exactly while the choices here are the previous ones, or
      // differ only away from it.
      if (!g.explicit[a]) this.makeExplicit(a, !g.diverged || this.unchangedNear(g) ? bar : this.evaluate(a), step);
      // The best candidate: the top of the heap once its bound is its contribution now.
      const heap = g.candidates;
      let x = heap.top();
      while (this.boundAt[x] !== step) {
        bound[x] = this.evaluate(x);
        this.boundAt[x] = step;
        heap.lowerTop(bound[x]);
        x = heap.top();
      }
      const c = bound[x];
      if (c > bar || (c === bar && x <= a)) {
        heap.pop();
        if (x !== a) {
          g.diverged = true;
          g.extras.push(x);
        }
        // (A contribution not evaluated here is the previous choice's: a at its turn, unevaluated.)
        this.take(x, c, this.near[x] === undefined && x === a ? g.next : -1);
        if (!g.diverged) g.agreed = this.picked.length;
        this.guidedChoices++;
        return true;
      }
      // a is worth less than before: left out for now (still a candidate), the next previous choice is the bar.
      this.leaveOut(g);
      this.pass(g, step);
      g.diverged = true;
    }
  }

  /**
   * While the choices are the previous ones, most choices are the next previous one, unevaluated,
   * no candidate's bound reaching its contribution: taken so at once, where the general way put it
   * among the candidates to take it out again (a tenth of a trial's time late in a long study,
   * where a selection makes a thousand choices). False, nothing chosen, where it is not so simple.
   */
  private followsOn(g: Guide, step: number): boolean {
    const { choices, candidates } = g;
    while (g.next < choices.length && choices[g.next] >= 0 && this.chosenMask[choices[g.next]]) this.pass(g, step);
    if (g.next === choices.length) return false;
    const a = choices[g.next];
    if (a < 0 || g.explicit[a]) return false;
    const bar = g.values[g.next];
    if (candidates.size > 0 && candidates.topKey() >= bar) return false;
    this.markExplicit(a, bar, step);
    this.take(a, bar, g.next);
    g.agreed = this.picked.length;
    this.guidedChoices++;
    return true;
  }

  /** The next previous choice is passed and not chosen: a hole (see `hole`). */
  private leaveOut(g: Guide): void {
    if (this.reaches !== null) g.holes.push(g.next);
    this.hole(g.vectors[g.next]);
  }

  /**
   * Three objectives, the choices here having parted from the previous ones: whether the next
   * previous choice's contribution is still the one it had, to the bit. It was the box less the
   * chosen points' volume within it, found from those within its reach (the box up to, per loss,
   * the least loss there of a chosen point exceeding it in that loss alone). The choices here differ
   * from those before it by the holes and the points chosen out of the previous order; where none
   * of them lies within the reach, the reach and the points within it are the same, and so is the
   * sweep over them. A point evaluated here instead passed over every chosen point (3 to 5 us): a
   * selection that parts from the previous one evaluates each previous choice after that.
   */
  private unchangedNear(g: Guide): boolean {
    const reaches = g.reaches;
    if (reaches === null || g.holes.length + g.extras.length > 64) return false;
    const r0 = reaches[3 * g.next];
    const r1 = reaches[3 * g.next + 1];
    const r2 = reaches[3 * g.next + 2];
    for (const t of g.holes) {
      const at = g.choices[t];
      if (at >= 0 && this.chosenMask[at]) continue; // chosen since: no longer a hole
      const h = g.vectors[t];
      if (h[0] <= r0 && h[1] <= r1 && h[2] <= r2) return false;
    }
    if (g.extras.length > 0) {
      const placeOf = (g.placeOf ??= placesOf(g.choices, this.points.length));
      const [c0, c1, c2] = this.columns.columns;
      for (const x of g.extras) {
        const place = placeOf[x];
        if (place >= 0 && place < g.next) continue; // a previous choice passed since: in both
        if (c0[x] <= r0 && c1[x] <= r1 && c2[x] <= r2) return false;
      }
    }
    return true;
  }

  private pass(g: Guide, step: number): void {
    g.next++;
    if (g.passedAt[g.next] === NEVER) g.passedAt[g.next] = step;
  }

  /** Point j's contribution is `value` at this step, and it is a candidate from now on. */
  private makeExplicit(j: number, value: number, step: number): void {
    this.markExplicit(j, value, step);
    this.guide!.candidates.push(j, value);
  }

  /** Point j's contribution is `value` at this step: explicit, not yet among the candidates. */
  private markExplicit(j: number, value: number, step: number): void {
    const g = this.guide!;
    this.bound[j] = value;
    this.boundAt[j] = step;
    g.carriedFrom[j] = -1;
    g.explicit[j] = 1;
    g.explicitCount++;
  }

  /**
   * A previous choice (its loss vector h) is not among the choices here: every point it may matter
   * to within its box, that no chosen point covers it for, becomes a candidate.
   */
  private hole(h: readonly number[]): void {
    const g = this.guide!;
    const n = this.points.length;
    // Once every point is explicit there is nothing to find (a new point near the first choices
    // changes most choices after them: in one such trial, 747 of 749 holes).
    if (g.explicitCount === n) return;
    const cover = Cover.of(h, this.chosen, this.chosenColumns);
    if (cover.always) return;
    const reach = cover.reach;
    const columns = this.columns;
    const step = this.picked.length;
    const cols = columns.columns;
    if (cols.length === 3 && ++this.holes > GRID_AFTER_HOLES) {
      // The same points, found through the grid (in another order, which no result depends on:
      // each is evaluated on its own, and the candidates' heap orders them by bound and position).
      this.frontGrid ??= { grid: FrontGrid.of(columns, n), found: new Int32Array(n) };
      const { grid, found } = this.frontGrid;
      const count = grid.below(reach[0], reach[1], reach[2], found);
      for (let i = 0; i < count; i++) this.holeMayMatter(found[i], cover, step);
      return;
    }
    // The points are in lexicographic order: those below the reach in the first loss come first.
    // The next two losses are tested here with their columns and bounds read once (through
    // `columns.below` the pass took half again as long: most points fail there), the rest after.
    const end = lowerBound(cols[0], reach[0], n);
    const c1 = cols[1];
    const c2 = cols[2];
    const r1 = reach[1];
    const r2 = reach[2];
    const more = cols.length > 3;
    for (let j = 0; j < end; j++) {
      if (!(c1[j] < r1 && c2[j] < r2)) continue;
      if (more && !columns.below(j, reach)) continue;
      this.holeMayMatter(j, cover, step);
    }
  }

  /** Point j lies below a hole's reach: it becomes a candidate unless chosen, one already, or the hole is covered in its box. */
  private holeMayMatter(j: number, cover: Cover, step: number): void {
    if (this.chosenMask[j] || this.guide!.explicit[j]) return;
    if (!cover.withinRow(this.columns, j, this.points)) this.makeExplicit(j, this.evaluate(j), step);
  }

  /**
   * The guide has run out, every previous choice passed: every point not explicit takes as its
   * bound the lesser of the last bar and its carried bound (which needs at most every previous
   * choice passed, see `following`), and the selection goes on lazily.
   */
  private becomeLazy(): void {
    const g = this.guide!;
    const { points, bound, boundAt, chosenMask } = this;
    const step = this.picked.length;
    const bar = g.values[g.choices.length - 1];
    for (let j = 0; j < points.length; j++) {
      if (chosenMask[j] || g.explicit[j]) continue;
      bound[j] = Math.min(bar, bound[j]);
      boundAt[j] = step;
    }
    this.guide = null;
  }

  /** One choice by bounds alone (see the file comment). */
  private lazyChoice(): void {
    const { bound, boundAt } = this;
    if (this.heap === null) {
      this.heap = new PointHeap(this.points.length);
      this.heap.fill(this.points.length, this.chosenMask, bound);
      this.exactAt = new Int32Array(this.points.length).fill(-1);
    }
    const { heap, exactAt } = this;
    const step = this.picked.length;
    // Evaluate the top until its bound is its contribution now: no other bound beats it then (or ties
    // it from an earlier point), and contributions are at most their bounds (finite or infinite,
    // never NaN). The top sinks in place: taken out and put back, it went down the heap twice.
    let j = heap.top();
    while (exactAt![j] !== step) {
      bound[j] = this.evaluate(j);
      boundAt[j] = step;
      exactAt![j] = step;
      heap.lowerTop(bound[j]);
      j = heap.top();
    }
    heap.pop();
    this.take(j, bound[j]);
  }

  /**
   * Point j's contribution given the choices so far: the part of its box that no chosen point
   * covers, its box less the hypervolume of the chosen points limited to it.
   */
  private evaluate(j: number): number {
    this.evaluations++;
    // The point's losses from the columns: its vector, reached through the list of the front's
    // points and the study's list of losses, lay scattered in memory (a cache miss at each step).
    const p = this.columns.rowInto(j, this.scratch);
    const { ref, chosen } = this;
    const own = boxVolume(p, ref);
    if (!Number.isFinite(own)) return Infinity;
    if (chosen.length === 0) return own;
    // More objectives pass over every chosen point each time: their neighbours kept as for three
    // (tried) saved nothing, the neighbours' hypervolume taking as long, and the points kept across
    // evaluations doubled the collector's time.
    if (ref.length !== 3) return own - limitedVolume(p, this.chosenColumns, ref);
    const near = this.near[j];
    if (near !== undefined) return own - near.coveredWithin(p, ref, this.chosenColumns);
    const found = new NearChosen();
    this.near[j] = found;
    return own - this.chosenPoints3d().coveredWithin(p, ref, found);
  }

  /**
   * Chosen points for a sweep whose first `valid` are this selection's first choices: its own, or,
   * if they hold fewer, those the previous selection's guide had where the choices agree. A
   * selection that made its choices as its guide did, unevaluated, has none of its own: its
   * successor still finds the points it needs (sorting them again took a tenth of a 6,000-trial
   * three-objective study's time).
   */
  private chosenSource(): ChosenSource | null {
    const inherited = this.guide?.previousChosen ?? null;
    const valid = inherited === null ? 0 : Math.min(inherited.valid, this.guide!.agreed);
    if (this.chosen3d !== null && this.synced >= valid) return { points: this.chosen3d, valid: this.synced };
    return inherited === null ? null : { points: inherited.points, valid };
  }

  /**
   * The chosen points for a sweep, brought up to date: choices a guide made unevaluated are added
   * at once, from the previous selections' points where the choices agree (`chosenSource`), else
   * sorted.
   */
  private chosenPoints3d(): ChosenPoints3d {
    const chosen = this.chosen;
    if (this.chosen3d === null || this.synced + 64 < chosen.length) {
      const previous = this.guide?.previousChosen ?? null;
      const agreed = previous === null ? 0 : Math.min(this.guide!.agreed, previous.valid);
      if (previous !== null && agreed > this.synced && agreed + 64 >= chosen.length) {
        this.chosen3d = previous.points.prefix(agreed);
        this.synced = agreed;
      } else {
        this.chosen3d = ChosenPoints3d.ofColumns(this.chosenColumns);
        this.synced = chosen.length;
      }
    }
    for (let t = this.synced; t < chosen.length; t++) this.chosen3d.add(chosen[t]);
    this.synced = chosen.length;
    return this.chosen3d;
  }

  /**
   * Point j is the next choice, with contribution c: found by its evaluation, or (`guided` >= 0) the
   * previous selection's choice of that place, unevaluated.
   */
  private take(j: number, c: number, guided = -1): void {
    const reaches = this.reaches;
    if (reaches !== null) {
      const near = this.near[j];
      if (near !== undefined) near.reachInto(reaches, this.points.at(j));
      else if (guided >= 0) for (let k = 0; k < 3; k++) reaches.push(this.guide!.reaches![3 * guided + k]);
      else reaches.push(this.ref[0], this.ref[1], this.ref[2]); // the first choice, its box unevaluated
    }
    this.bound[j] = c;
    this.boundAt[j] = this.picked.length;
    this.picked.push(j);
    this.values.push(c);
    this.volume += c;
    this.chosenMask[j] = 1;
    this.chosen.push(this.points.at(j));
    // (From the columns: the vector itself lies elsewhere in memory, a cache miss a choice.)
    this.chosenColumns.pushFrom(this.columns, j);
  }
}

/** Per point, its place among `choices` (positions; -1 for none). */
function placesOf(choices: Int32Array, n: number): Int32Array {
  const placeOf = new Int32Array(n).fill(-1);
  for (let t = 0; t < choices.length; t++) if (choices[t] >= 0) placeOf[choices[t]] = t;
  return placeOf;
}

/** Positions from p up by one (a point was inserted there; -1 stays). */
function shiftPositions(list: number[] | Int32Array, p: number): void {
  for (let i = 0; i < list.length; i++) if (list[i] >= p) list[i]++;
}

/**
 * `array`, whose first n entries are per position, with position p opened (those from p up by one;
 * p keeps its old entry till set): in place where there is room, else in an array twice as long.
 */
function withSlot<T extends Float64Array | Int32Array | Uint8Array>(array: T, p: number, n: number): T {
  if (n < array.length) {
    array.copyWithin(p + 1, p, n);
    return array;
  }
  const grown = new (array.constructor as new (length: number) => T)(Math.max(64, 2 * n));
  grown.set(array.subarray(0, p));
  grown.set(array.subarray(p, n), p + 1);
  return grown;
}

/** Whether each cover holds within the box of point j (`Cover.withinRow`; none: true). */
function coveredByAll(covers: readonly Cover[], columns: LossColumns, j: number, points: FrontPoints): boolean {
  for (const cover of covers) if (!cover.withinRow(columns, j, points)) return false;
  return true;
}

/**
 * Points in a max-heap by a key each had when pushed, the earlier point first among equal keys. The
 * keys are kept by place in the heap, beside the points: a sift compares two children side by side
 * in memory, where keys kept by point were read from scattered places (in a selection made afresh
 * over an 8,500-point front, 105,000 evaluations each sank the top through about 13 levels, and
 * those comparisons took a seventh of the selection's time).
 */
class PointHeap {
  private items: Int32Array;
  private keys: Float64Array;
  private count = 0;

  constructor(capacity: number) {
    this.items = new Int32Array(Math.max(16, capacity));
    this.keys = new Float64Array(this.items.length);
  }

  get size(): number {
    return this.count;
  }

  top(): number {
    return this.items[0];
  }

  topKey(): number {
    return this.keys[0];
  }

  push(j: number, key: number): void {
    if (this.count === this.items.length) {
      const items = new Int32Array(2 * this.count);
      items.set(this.items);
      this.items = items;
      const keys = new Float64Array(2 * this.count);
      keys.set(this.keys);
      this.keys = keys;
    }
    const { items, keys } = this;
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!above(key, j, keys[parent], items[parent])) break;
      items[i] = items[parent];
      keys[i] = keys[parent];
      i = parent;
    }
    items[i] = j;
    keys[i] = key;
  }

  /**
   * The points below n not chosen, keyed by `keys`, into an empty heap: ordered from the bottom up,
   * each parent sifted down once (pushed one at a time, the points of a long three-objective study's
   * front took a sift each: 0.37 ms a selection that went on lazily at 9,000 trials).
   */
  fill(n: number, chosen: Uint8Array, keys: Float64Array): void {
    if (this.items.length < n) {
      this.items = new Int32Array(n);
      this.keys = new Float64Array(n);
    }
    let m = 0;
    for (let j = 0; j < n; j++) {
      if (chosen[j]) continue;
      this.items[m] = j;
      this.keys[m] = keys[j];
      m++;
    }
    this.count = m;
    for (let i = (m >> 1) - 1; i >= 0; i--) this.siftDown(i, this.items[i], this.keys[i]);
  }

  /** Position p opened (the points from p up by one): the heap's order stays. */
  openSlot(p: number): void {
    shiftPositions(this.items.subarray(0, this.count), p);
  }

  /** The top's key falls to `key` (a bound evaluated again): it sinks to its place. */
  lowerTop(key: number): void {
    this.siftDown(0, this.items[0], key);
  }

  pop(): number {
    const top = this.items[0];
    const last = --this.count;
    if (last > 0) this.siftDown(0, this.items[last], this.keys[last]);
    return top;
  }

  /** Point j with key `key` into place i, sunk below the points above it. */
  private siftDown(i: number, j: number, key: number): void {
    const { items, keys } = this;
    const n = this.count;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && above(keys[child + 1], items[child + 1], keys[child], items[child])) child++;
      if (!above(keys[child], items[child], key, j)) break;
      items[i] = items[child];
      keys[i] = keys[child];
      i = child;
    }
    items[i] = j;
    keys[i] = key;
  }
}

/** Whether point a with key ka goes above point b with key kb in a `PointHeap`. */
function above(ka: number, a: number, kb: number, b: number): boolean {
  return ka > kb || (ka === kb && a < b);
}

/**
 * More than three objectives: the hypervolume of the chosen points limited to p's box (each one's
 * losses raised to p's). As for three (`ChosenPoints3d`), a chosen point exceeding p in loss k alone
 * limits to a point that weakly dominates every limited point whose loss k is at least as large, so
 * only the chosen points within the least such loss in every loss go to the hypervolume: the same
 * points survive its own filter of dominated ones, so the same volume, to the bit, from a few points
 * near p instead of all of them (sorted and filtered at every evaluation: most of a four-objective
 * study's time).
 */
function limitedVolume(p: readonly number[], chosen: LossColumns, ref: readonly number[]): number {
  const d = p.length;
  const n = chosen.length;
  const columns = chosen.columns;
  const reach = ref.slice();
  for (let t = 0; t < n; t++) {
    let over = -1;
    let count = 0;
    for (let k = 0; k < d; k++) {
      if (columns[k][t] > p[k]) {
        count++;
        over = k;
      }
    }
    if (count === 1 && columns[over][t] < reach[over]) reach[over] = columns[over][t];
  }
  const near: number[][] = [];
  for (let t = 0; t < n; t++) {
    let within = true;
    for (let k = 0; k < d && within; k++) within = columns[k][t] <= reach[k];
    if (!within) continue;
    const limited = new Array<number>(d);
    for (let k = 0; k < d; k++) limited[k] = Math.max(columns[k][t], p[k]);
    near.push(limited);
  }
  return hypervolume(near, ref);
}
