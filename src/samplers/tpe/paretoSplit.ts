/**
 * The split of a multi-objective study kept up to date across trials (`computeSplit`'s, without
 * constant liar).
 *
 * The good group is the best gamma(n) finished trials by Pareto fronts, then by hypervolume within
 * the front that does not fit whole. Chosen from scratch, that sorts every finished trial into
 * fronts every trial. But in a long study the first front alone holds more than gamma(n) points (a
 * third of a 1,000-trial two-objective study, where gamma takes a tenth), so the group is chosen
 * from it; and a new trial changes the first front only when no point of it dominates the trial
 * (about a third of the trials). So this tracker keeps the first front across trials and chooses
 * the group again only when the front or gamma(n) has changed, and with three objectives not even
 * then when a point joined the front, dominating none, that the selection would not choose
 * (`FrontSelection.admit`: most trials late in such a study). Otherwise the new trials join the
 * bad group at its end, under the same `aboveToken`: the bad group's densities take them as
 * appended instead of comparing lists. A trial that finished after newer ones (parallel workers)
 * takes its place by number, the indices after it moving up by one; in the bad group, the split
 * says which entries before it stayed (`aboveKept`).
 *
 * With constraints, the front is the feasible trials' (the infeasible ones stay in the bad group
 * while feasible trials outnumber the good one). When the first front is smaller than gamma(n)
 * (early in a study), or fewer trials are feasible and COMPLETE than gamma(n), or a loss is NaN,
 * the split is `computeSplit`'s.
 *
 * The returned split's `trials`, `below`, `above`, `lossVectors` and `violations` share storage
 * with the tracker: they are valid until the next call.
 */
import { TrialState, type FrozenTrial } from '../../frozenTrial';
import { lexCompare } from '../../multiobjective/hypervolume';
import { FrontSelection, frontsCovering } from './multiObjective';
import { lowerBound } from '../../sortedSearch';
import { mapPacked } from '../../packedArrays';
import { LossColumns } from './lossColumns';
import {
  computeSplit,
  FinishedTrialsFeed,
  IndexList,
  lossVector,
  sortedDifference,
  totalViolation,
  type Split,
  type SplitOptions,
} from './observations';

export class ParetoSplitTracker {
  private readonly feed = new FinishedTrialsFeed();
  /** The signs of the objectives (1 minimise, -1 maximise), as `lossVector` keys them. */
  private signsKey = '';
  /** Whether trials' constraints are read (`SplitOptions.constraints`). */
  private constraints = false;
  private considered: FrozenTrial[] = [];
  /** Per index into `considered`, its loss vector; null for a PRUNED trial. */
  private losses: (readonly number[] | null)[] = [];
  /** Per index, its total constraint violation (0: feasible; all 0 without constraints). */
  private violations = new Float64Array(256);
  private nFeasible = 0;
  private nFeasibleComplete = 0;
  private hasNaN = false;
  /** Indices of the first front (the feasible COMPLETE trials no other dominates), ascending. */
  private front: number[] = [];
  /** The same in lexicographic order of their loss vectors, equal ones by index (what the selection sorts them into). */
  private byValue: number[] = [];
  /**
   * Their loss vectors in that order, in columns (the passes over the front read them). The current
   * selection may read them as they are: they change only with the front, when it stops choosing.
   */
  private columns = new LossColumns(0);
  /** Whether two of the front's vectors may be equal (once found, till a restart): else its selections skip looking for repeats. */
  private mayRepeat = false;
  /** The selection within the current front (it keeps its greedy choices as gamma(n) grows); null when the front changed. */
  private selection: FrontSelection | null = null;
  /** The selection of the front before it last changed (a new selection starts from its choices). */
  private previousSelection: FrontSelection | null = null;
  /** The size of the current good group, -1 when it must be chosen again (the front changed). */
  private chosenFor = -1;
  private below = new Int32Array(0);
  private readonly aboveList = new IndexList();
  private token: object = {};
  private belowToken: object = {};
  /**
   * The trials the previous split returned covered (its `above` list ran over indices below this)
   * and its `aboveToken`, null when it was `computeSplit`'s: what `aboveMoves` are relative to.
   */
  private returnedFor = 0;
  private returnedToken: object | null = null;
  /** The `aboveKept` of the split to return (a trial that finished late joined the bad group's middle). */
  private kept: Split['aboveKept'] = undefined;

  /** Whether these options allow incremental tracking (else callers use `computeSplit`). */
  static supports(opts: SplitOptions): boolean {
    return opts.directions.length > 1 && !opts.constantLiar;
  }

  update(owner: unknown, all: readonly FrozenTrial[], opts: SplitOptions): Split {
    const d = opts.directions.length;
    const keep = (t: FrozenTrial) => (t.state === TrialState.COMPLETE && t.values?.length === d) || t.state === TrialState.PRUNED;
    const signs = mapPacked(opts.directions, (dir) => (dir === 'minimize' ? 1 : -1));
    const same = signs.join() === this.signsKey && opts.constraints === this.constraints;
    const fresh = same ? this.feed.next(owner, all, keep) : null;
    this.kept = undefined;
    if (fresh === null) {
      this.restart(owner, all, signs, opts.constraints, keep);
    } else {
      const before = this.aboveList.length;
      let changedFrom = before;
      let late = false;
      for (const t of fresh) {
        // Its place by number: the end, unless it finished after newer trials (parallel workers).
        const at = this.placeByNumber(t.number);
        late ||= at < this.considered.length;
        this.add(t, signs, at);
        // Unchanged group: the new trial joins the bad group at its place (the newest at the end).
        if (this.chosenFor >= 0) changedFrom = Math.min(changedFrom, this.aboveList.insertInOrder(at));
      }
      // A trial joined the middle of the list: moves from the previous split (were the group chosen
      // again below) would not say so.
      if (late) this.returnedToken = null;
      if (this.chosenFor >= 0 && changedFrom < before) {
        this.kept = [{ from: this.token, length: changedFrom }];
        this.token = {};
      }
    }
    const m = this.considered.length;
    const k = Math.max(0, Math.min(m, Math.floor(opts.gamma(m))));
    // With constraints, computeSplit takes the good group from the feasible trials only while they
    // outnumber it.
    if (this.hasNaN || (this.constraints && this.nFeasible <= k) || this.nFeasibleComplete < k || this.front.length < k) {
      this.chosenFor = -1;
      this.returnedToken = null;
      return computeSplit(all, opts);
    }
    const moves = k !== this.chosenFor ? this.choose(k) : undefined;
    this.returnedFor = m;
    this.returnedToken = this.token;
    return {
      trials: this.considered,
      below: this.below,
      above: this.aboveList.view(),
      nFinished: m,
      lossVectors: this.losses,
      violations: this.constraints ? this.violations.subarray(0, m) : null,
      aboveToken: this.token,
      aboveMoves: moves,
      aboveKept: this.kept,
      belowToken: this.belowToken,
    };
  }

  /** Where a trial numbered `number` goes in `considered`: after every trial numbered lower. */
  private placeByNumber(number: number): number {
    const list = this.considered;
    let hi = list.length;
    if (hi === 0 || list[hi - 1].number < number) return hi;
    let lo = 0;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid].number < number) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Moves every index from `at` up by one, for a trial inserted there: the violations, the front
   * (in both orders), the good group, the bad group and the selections.
   */
  private shiftFrom(at: number): void {
    const m = this.considered.length;
    this.ensureViolations(m + 1);
    this.violations.copyWithin(at + 1, at, m);
    const up = (list: number[] | Int32Array) => {
      for (let j = 0; j < list.length; j++) if (list[j] >= at) list[j]++;
    };
    up(this.front);
    up(this.byValue);
    up(this.below);
    this.aboveList.shiftFrom(at);
    this.selection?.shiftFrom(at);
    this.previousSelection?.shiftFrom(at);
  }

  /**
   * Takes a newly finished trial at index `i` (its place by number: the end, unless it finished
   * after newer trials, whose indices then move up by one).
   */
  private add(t: FrozenTrial, signs: readonly number[], i: number): void {
    if (i < this.considered.length) this.shiftFrom(i);
    this.considered.splice(i, 0, t);
    const violation = this.setViolation(i, t);
    if (t.state !== TrialState.COMPLETE) {
      this.losses.splice(i, 0, null);
      return;
    }
    const loss = lossVector(t.values!, signs, this.signsKey);
    this.losses.splice(i, 0, loss);
    if (loss.some(Number.isNaN)) this.hasNaN = true;
    if (violation > 0) return; // infeasible: in the bad group while feasible trials outnumber the good one
    this.nFeasibleComplete++;
    const columns = this.columns;
    if (loss.length === 2) {
      // Two objectives: along the front in lexicographic order the second loss falls, so the one
      // point before the new one's place is the only one that can dominate it, and those it
      // dominates follow its place in a run.
      const byValue = this.byValue;
      const at = this.placeByValue(loss, i);
      if (at > 0 && columns.dominates(at - 1, loss)) return;
      let end = at;
      while (end < byValue.length && columns.dominatedBy(loss, end)) end++;
      // Out of the front by index too (it is ascending: found by bisection).
      for (let r = at; r < end; r++) this.front.splice(lowerBound(this.front, byValue[r]), 1);
      this.front.splice(lowerBound(this.front, i), 0, i);
      byValue.splice(at, end - at, i);
      columns.splice(at, end - at, loss);
      this.noteRepeats(at);
    } else {
      // A point that dominates the new one sorts before it in lexicographic order, and one it
      // dominates after it.
      const byValue = this.byValue;
      const at = this.placeByValue(loss, i);
      if (columns.firstDominating(loss, at) >= 0) return;
      const first = columns.nextDominatedBy(loss, at);
      const dominates = first < byValue.length;
      if (dominates) {
        const dropped = new Uint8Array(byValue.length);
        const gone = new Set<number>();
        for (let r = first; r < byValue.length; r++) {
          if (!columns.dominatedBy(loss, r)) continue;
          dropped[r] = 1;
          gone.add(byValue[r]);
        }
        this.front = this.front.filter((q) => !gone.has(q));
        this.byValue = byValue.filter((_, r) => !dropped[r]);
        columns.compact(dropped);
      }
      this.front.splice(lowerBound(this.front, i), 0, i);
      // The points it dominated came after its place.
      this.byValue.splice(at, 0, i);
      columns.splice(at, 0, loss);
      this.noteRepeats(at);
      // Where the selection's choices stay (`FrontSelection.admit`), so does the good group: the new
      // trial joins the bad group as a trial off the front does.
      if (!dominates && !this.mayRepeat && this.chosenFor >= 0 && this.selection?.admit(i, loss, at, columns.worst())) return;
    }
    this.previousSelection = this.selection ?? this.previousSelection;
    this.selection = null;
    this.chosenFor = -1;
  }

  /** Notes whether the vector just placed at row r of the front's columns equals a neighbour (equal vectors are neighbours). */
  private noteRepeats(r: number): void {
    const columns = this.columns;
    if ((r > 0 && columns.equal(r - 1, r)) || (r + 1 < columns.length && columns.equal(r, r + 1))) this.mayRepeat = true;
  }

  /** Where trial i's loss vector goes in `byValue`: after every vector that sorts before it, and after equal ones of lower index. */
  private placeByValue(loss: readonly number[], i: number): number {
    const losses = this.losses;
    const byValue = this.byValue;
    let lo = 0;
    let hi = byValue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = lexCompare(losses[byValue[mid]]!, loss);
      if (c < 0 || (c === 0 && byValue[mid] < i)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Follows `all` afresh: computeSplit's trials, loss vectors and violations, and the first front. */
  private restart(
    owner: unknown,
    all: readonly FrozenTrial[],
    signs: readonly number[],
    constraints: boolean,
    keep: (t: FrozenTrial) => boolean,
  ): void {
    this.signsKey = signs.join();
    this.constraints = constraints;
    this.considered = all.filter(keep);
    this.feed.restart(owner, all);
    this.losses = this.considered.map((t) => (t.state === TrialState.COMPLETE ? lossVector(t.values!, signs, this.signsKey) : null));
    this.nFeasible = 0;
    const candidates: number[] = [];
    this.hasNaN = false;
    for (let i = 0; i < this.considered.length; i++) {
      const violation = this.setViolation(i, this.considered[i]);
      const loss = this.losses[i];
      if (loss === null) continue;
      if (loss.some(Number.isNaN)) this.hasNaN = true;
      if (violation === 0) candidates.push(i);
    }
    this.nFeasibleComplete = candidates.length;
    const candidateLosses = candidates.map((i) => this.losses[i]!);
    this.front = this.hasNaN ? [] : (frontsCovering(candidateLosses, 1)[0] ?? []).map((j) => candidates[j]);
    const losses = this.losses;
    this.byValue = [...this.front].sort((a, b) => lexCompare(losses[a]!, losses[b]!) || a - b);
    this.columns = LossColumns.of(
      this.byValue.map((i) => losses[i]!),
      signs.length,
    );
    this.mayRepeat = false;
    for (let r = 1; r < this.columns.length && !this.mayRepeat; r++) this.mayRepeat = this.columns.equal(r - 1, r);
    this.selection = null;
    this.previousSelection = null; // its positions are the old list's
    this.chosenFor = -1;
    this.returnedToken = null; // the indices may have moved: no moves relative to earlier splits
  }

  /** Records trial t's violation at index i (0 without constraints), counting the feasible ones. */
  private setViolation(i: number, t: FrozenTrial): number {
    this.ensureViolations(i + 1);
    const violation = this.constraints ? totalViolation(t) : 0;
    this.violations[i] = violation;
    if (violation === 0) this.nFeasible++;
    return violation;
  }

  private ensureViolations(size: number): void {
    if (size <= this.violations.length) return;
    const grown = new Float64Array(Math.max(size, 2 * this.violations.length));
    grown.set(this.violations);
    this.violations = grown;
  }

  /**
   * Chooses the good group of k from the first front (which holds at least k), as `computeSplit`
   * would; returns how the bad group moved since the previous split returned (`Split.aboveMoves`).
   */
  private choose(k: number): Split['aboveMoves'] {
    // The front holds COMPLETE trials only, whose loss vectors are set.
    const losses = this.losses as readonly (readonly number[])[];
    const front = this.front;
    let chosen: readonly number[] = front;
    if (k === 0) {
      chosen = [];
    } else if (front.length > k) {
      this.selection ??= new FrontSelection(
        losses,
        front,
        this.byValue,
        this.previousSelection ?? undefined,
        this.columns,
        !this.mayRepeat,
      );
      this.previousSelection = null;
      chosen = this.selection.select(k);
    }
    const previous = this.below;
    this.below = Int32Array.from(chosen).sort();
    const moves = this.returnedToken ? this.movesSince(previous, this.returnedFor, this.returnedToken) : undefined;
    const m = this.considered.length;
    this.aboveList.clear();
    for (let i = 0, b = 0; i < m; i++) {
      if (b < k && this.below[b] === i) b++;
      else this.aboveList.push(i);
    }
    this.chosenFor = k;
    this.token = {};
    this.belowToken = {};
    this.kept = undefined; // the list was made again
    return moves;
  }

  /**
   * How the bad group changed from the previous split's (whose good group was `previous` and whose
   * lists covered the first `covered` trials) to the current good group's: the trials of those
   * that joined the good group, and those that came back from it.
   */
  private movesSince(previous: Int32Array, covered: number, from: object): Split['aboveMoves'] {
    const left: number[] = [];
    const joined: number[] = [];
    const now = this.below;
    sortedDifference(
      previous,
      now,
      (a) => joined.push(previous[a]),
      (b) => {
        if (now[b] < covered) left.push(now[b]);
      },
    );
    return { from, left, joined };
  }
}
