import { distributionsEqual, type Distribution } from '../../distributions';
import { TrialState, type Direction, type FrozenTrial } from '../../frozenTrial';
import { CONSTRAINTS_KEY } from '../base';
import { ownValue } from '../../dict';
import { mapPacked } from '../../packedArrays';

// Enum members as plain constants: this code runs once per trial for every past trial.
const COMPLETE = TrialState.COMPLETE;
const PRUNED = TrialState.PRUNED;
const RUNNING = TrialState.RUNNING;
const WAITING = TrialState.WAITING;

/**
 * The trials TPE learns from, ranked and split into "below" (good) and "above" (the rest).
 *
 * Ranking follows Optuna: COMPLETE trials by their (sign-adjusted) value; PRUNED trials after them,
 * deeper steps first, then by the last intermediate value; pruned trials that reported nothing
 * after those; RUNNING trials last (only with constant liar: they count as bad, so parallel
 * workers spread out instead of piling onto the same promising point). With several objectives the
 * COMPLETE trials are ranked by nondomination and hypervolume, PRUNED ones after them. With
 * constraints, feasible trials come first and infeasible ones (a positive total violation) follow
 * by total violation; running trials are never in the good group (Optuna 5.0's `_split_trials`).
 */
export interface Split {
  /**
   * Trials considered (COMPLETE, PRUNED, and RUNNING with constant liar), by number; except that
   * the running trials a sampler adds to a finished split (`RunningSplits`) follow its trials.
   */
  readonly trials: readonly FrozenTrial[];
  /** Indices into `trials` of the good group, in chronological order (by trial number). */
  readonly below: Int32Array;
  /** Indices of the others, in chronological order (by trial number). */
  readonly above: Int32Array;
  /** Finished trials among `trials` (what n_startup_trials and gamma count). */
  readonly nFinished: number;
  /** Objective vectors (sign-adjusted to minimisation) per index; empty for one objective. */
  readonly lossVectors: readonly (readonly number[] | null)[];
  /** Constraint violation per index (0 = feasible), or null without constraints. */
  readonly violations: Float64Array | null;
  /**
   * Set by `SplitTracker`: the same token as an earlier split's means this split's `above` list
   * starts with that split's whole `above` list (only newer trials were appended since).
   */
  readonly aboveToken?: object;
  /**
   * Set by `ParetoSplitTracker` when the good group was chosen again, and by `SplitTracker` when
   * trials went back into the middle of the list: how this split's `above` list follows from the
   * list of the split whose `aboveToken` was `from` (the tracker's previous one): the indices in
   * `left` left it (they joined the good group), those in `joined` came into it among its entries
   * (back from the good group, or finished after newer trials), and the trials newer than all of
   * that list's were appended as ever.
   */
  readonly aboveMoves?: { readonly from: object; readonly left: readonly number[]; readonly joined: readonly number[] };
  /**
   * Set when the `above` list changed other than by appending since a split whose `aboveToken` was
   * `from` (a trial went back to its place in the middle, or a running trial left): this list's
   * first `length` entries are still the first `length` entries of that one (the same trials,
   * though their indices into `trials` may have moved), so a density that followed that list keeps
   * those and reads only the rest.
   */
  readonly aboveKept?: readonly { readonly from: object; readonly length: number }[];
  /**
   * Set by `ParetoSplitTracker`: the same token as an earlier split's means this split's `below`
   * list holds the same trials (the good group did not change in between).
   */
  readonly belowToken?: object;
}

export interface SplitOptions {
  directions: readonly Direction[];
  constantLiar: boolean;
  constraints: boolean;
  gamma: (n: number) => number;
  /** Chooses the good group for several objectives (nondomination ranks + hypervolume). */
  splitMultiObjective?: (losses: readonly (readonly number[])[], nBelow: number) => number[];
}

/**
 * Each finished trial's loss vector (its values with maximised objectives negated), by its values
 * array: a finished trial's values never change, and a multi-objective split needs every trial's
 * vector every trial. The same array each time also lets the good-group selection recognise the
 * trials it has already sorted (`GoodGroupSelector`).
 */
const lossVectors = new WeakMap<readonly number[], { signs: string; loss: readonly number[] }>();

export function lossVector(values: readonly number[], signs: readonly number[], signsKey: string): readonly number[] {
  const hit = lossVectors.get(values);
  if (hit && hit.signs === signsKey) return hit.loss;
  const loss = mapPacked(values, (v, i) => signs[i] * v);
  lossVectors.set(values, { signs: signsKey, loss });
  return loss;
}

/** Writes the sort key (a, b) of trial t at index i: lexicographic, smaller is better. */
function writeRankKey(t: FrozenTrial, sign: number, keyA: Float64Array, keyB: Float64Array, i: number): void {
  if (t.state === COMPLETE) {
    keyA[i] = -Infinity;
    keyB[i] = sign * t.values![0];
    return;
  }
  if (t.state === PRUNED) {
    let step = -1;
    let value = 0;
    for (const [s, v] of t.intermediateValues) {
      if (s > step) {
        step = s;
        value = v;
      }
    }
    if (step < 0) {
      keyA[i] = 1;
      keyB[i] = 0;
    } else {
      keyA[i] = -step;
      keyB[i] = Number.isNaN(value) ? Infinity : sign * value;
    }
    return;
  }
  keyA[i] = Infinity; // RUNNING under constant liar
  keyB[i] = Infinity;
}

export function computeSplit(all: readonly FrozenTrial[], opts: SplitOptions): Split {
  const multi = opts.directions.length > 1;
  const signs = mapPacked(opts.directions, (d) => (d === 'minimize' ? 1 : -1));
  const trials: FrozenTrial[] = [];
  for (const t of all) {
    if (t.state === COMPLETE) {
      if (t.values && t.values.length === signs.length) trials.push(t);
    } else if (t.state === PRUNED || (opts.constantLiar && t.state === RUNNING)) {
      trials.push(t);
    }
  }
  const m = trials.length;
  let nFinished = 0;
  for (const t of trials) if (t.state !== RUNNING) nFinished++;
  const nBelow = Math.max(0, Math.min(nFinished, Math.floor(opts.gamma(nFinished))));
  const signsKey = signs.join();
  const lossVectors = multi ? trials.map((t) => (t.state === COMPLETE ? lossVector(t.values!, signs, signsKey) : null)) : [];

  let violations: Float64Array | null = null;
  if (opts.constraints) {
    violations = new Float64Array(m);
    trials.forEach((t, i) => {
      violations![i] = t.state === RUNNING ? 0 : totalViolation(t);
    });
  }

  const keyA = new Float64Array(m);
  const keyB = new Float64Array(m);
  for (let i = 0; i < m; i++) writeRankKey(trials[i], signs[0], keyA, keyB, i);
  const bestOf = (indices: number[], k: number): number[] => {
    if (multi) {
      // The best COMPLETE trials by nondomination (and hypervolume), then PRUNED ones by their keys.
      const complete = indices.filter((i) => lossVectors[i] !== null);
      const kc = Math.min(k, complete.length);
      const picked =
        kc > 0
          ? opts.splitMultiObjective!(
              complete.map((i) => lossVectors[i]!),
              kc,
            ).map((j) => complete[j])
          : [];
      if (kc === k) return picked;
      return picked.concat(
        smallestK(
          indices.filter((i) => lossVectors[i] === null),
          k - kc,
          keyA,
          keyB,
        ),
      );
    }
    return smallestK(indices, k, keyA, keyB);
  };

  let belowIdx: number[];
  // Running trials (constant liar) only ever join the bad group.
  const everyone: number[] = [];
  for (let i = 0; i < m; i++) if (trials[i].state !== RUNNING) everyone.push(i);
  if (violations) {
    const v = violations;
    const byViolation = [...everyone].sort((a, b) => v[a] - v[b] || a - b);
    if (nBelow >= byViolation.length || v[byViolation[nBelow]] > 0) {
      // Not enough feasible trials: all of them plus the least violating infeasible ones.
      belowIdx = byViolation.slice(0, nBelow);
    } else {
      belowIdx = bestOf(
        everyone.filter((i) => v[i] === 0),
        nBelow,
      );
    }
  } else {
    belowIdx = bestOf(everyone, nBelow);
  }
  const isBelow = new Uint8Array(m);
  for (const i of belowIdx) isBelow[i] = 1;
  const below = new Int32Array(belowIdx.length);
  const above = new Int32Array(m - belowIdx.length);
  let b = 0;
  let a = 0;
  for (let i = 0; i < m; i++) {
    if (isBelow[i]) below[b++] = i;
    else above[a++] = i;
  }
  return { trials, below, above, nFinished, lossVectors, violations };
}

/**
 * Walks two ascending lists together: `onlyBefore(i)` for each position i of `before` whose value
 * `after` lacks, `onlyAfter(j)` for each position j of `after` whose value `before` lacks (how a
 * group changed between two splits).
 */
export function sortedDifference(
  before: ArrayLike<number>,
  after: ArrayLike<number>,
  onlyBefore: (i: number) => void,
  onlyAfter: (j: number) => void,
): void {
  let a = 0;
  let b = 0;
  while (a < before.length || b < after.length) {
    const x = a < before.length ? before[a] : Infinity;
    const y = b < after.length ? after[b] : Infinity;
    if (x === y) {
      a++;
      b++;
    } else if (x < y) {
      onlyBefore(a++);
    } else {
      onlyAfter(b++);
    }
  }
}

/** A growable list of indices: the split trackers' bad groups, in ascending order. */
export class IndexList {
  private items = new Int32Array(256);
  private size = 0;

  push(i: number): void {
    if (this.size === this.items.length) {
      const grown = new Int32Array(2 * this.items.length);
      grown.set(this.items);
      this.items = grown;
    }
    this.items[this.size++] = i;
  }

  /** Inserts i at its place in ascending order (near the end, in the trackers' use); returns that place. */
  insertInOrder(i: number): number {
    this.push(i);
    let p = this.size - 1;
    while (p > 0 && this.items[p - 1] > i) {
      this.items[p] = this.items[p - 1];
      p--;
    }
    this.items[p] = i;
    return p;
  }

  /** Adds 1 to every entry from `from` up (a trial was inserted at index `from` before them). */
  shiftFrom(from: number): void {
    for (let p = this.size - 1; p >= 0 && this.items[p] >= from; p--) this.items[p]++;
  }

  get length(): number {
    return this.size;
  }

  clear(): void {
    this.size = 0;
  }

  /** The list (a view: valid until it next changes). */
  view(): Int32Array {
    return this.items.subarray(0, this.size);
  }
}

/**
 * Follows a study's trial list from one call to the next for the split trackers: each call hands
 * out the trials finished since the last one that the tracker keeps, in number order. A trial may
 * finish after newer ones already handed out (parallel workers): the tracker places it among them.
 * Null when the list cannot be followed (another study, a shorter list, a trial out of place): the
 * tracker then starts again from the whole list and calls `restart`.
 */
export class FinishedTrialsFeed {
  private owner: unknown = null;
  /** Snapshot entries already looked at, and those that were not finished then. */
  private seen = 0;
  private pending: number[] = [];

  next(owner: unknown, all: readonly FrozenTrial[], keep: (t: FrozenTrial) => boolean): FrozenTrial[] | null {
    if (owner !== this.owner || all.length < this.seen) return null;
    const fresh: FrozenTrial[] = [];
    const stillPending: number[] = [];
    for (const num of this.pending) {
      const t = all[num];
      if (t === undefined || t.number !== num) return null;
      if (t.state === RUNNING || t.state === WAITING) stillPending.push(num);
      else if (keep(t)) fresh.push(t);
    }
    for (let i = this.seen; i < all.length; i++) {
      const t = all[i];
      if (t.number !== i) return null;
      if (t.state === RUNNING || t.state === WAITING) stillPending.push(i);
      else if (keep(t)) fresh.push(t);
    }
    if (fresh.length > 1) fresh.sort((a, b) => a.number - b.number);
    this.seen = all.length;
    this.pending = stillPending;
    return fresh;
  }

  /** Follows `all` from now on, its finished trials taken. */
  restart(owner: unknown, all: readonly FrozenTrial[]): void {
    this.owner = owner;
    this.seen = all.length;
    this.pending = [];
    for (let i = 0; i < all.length; i++) if (all[i].state === RUNNING || all[i].state === WAITING) this.pending.push(i);
  }
}

/**
 * The split of a single-objective study without constant liar, kept up to date across trials: each
 * call looks only at the trials that finished since the last one, so a study of n trials costs
 * O(new trials + gamma) per call instead of O(n). The best gamma(n) are merged with the new trials
 * (they can only displace members of the current best set), the others are appended to the above
 * list. A trial that finished after newer ones (parallel workers) is placed among them by number,
 * the indices after it moving up by one. Anything unusual (another study, a change of gamma(n) or
 * of the options, fewer trials than before) recomputes everything with `computeSplit`.
 *
 * With constraints, `computeSplit` takes the best feasible trials while more than gamma(n) are
 * feasible, else every feasible one and the least violating others. Both are the smallest by one
 * key: an infeasible trial ranks after every feasible one, by its total violation.
 *
 * The returned split's `trials` and `above` share storage with the tracker: they are valid until
 * the next call.
 */
export class SplitTracker {
  private readonly feed = new FinishedTrialsFeed();
  private considered: FrozenTrial[] = [];
  private keyA = new Float64Array(256);
  private keyB = new Float64Array(256);
  /** Whether trials' constraints are read, and each trial's total violation then (0: feasible). */
  private constraints = false;
  private violations = new Float64Array(256);
  /** The below set as indices into `considered`, ascending. */
  private best: number[] = [];
  private readonly aboveList = new IndexList();
  private token: object = {};
  /** The `aboveKept` and `aboveMoves` of the split last returned. */
  private kept: Split['aboveKept'] = undefined;
  private moves: Split['aboveMoves'] = undefined;

  /** Whether these options allow incremental tracking (else callers use `computeSplit`). */
  static supports(opts: SplitOptions): boolean {
    return opts.directions.length === 1 && !opts.constantLiar;
  }

  update(owner: unknown, all: readonly FrozenTrial[], opts: SplitOptions): Split {
    const fresh = opts.constraints === this.constraints ? this.feed.next(owner, all, isConsidered) : null;
    if (fresh === null) return this.reset(owner, all, opts);
    const m0 = this.considered.length;
    const m = m0 + fresh.length;
    const k = Math.max(0, Math.min(m, Math.floor(opts.gamma(m))));
    if (k !== this.best.length) return this.reset(owner, all, opts);
    this.kept = undefined;
    this.moves = undefined;
    if (fresh.length === 0) return this.snapshot(m);

    this.ensureKeys(m);
    const sign = opts.directions[0] === 'minimize' ? 1 : -1;
    // Where the new trials went, ascending (they come by number, so one placed later never lands
    // before one placed earlier).
    const placed = fresh.map((t) => this.place(t, sign));
    // The new best k among the old best and the new trials, visited in increasing index order (ties
    // keep the earlier trial).
    const candidates = mergeAscending(this.best, placed);
    const best = smallestK(candidates, k, this.keyA, this.keyB).sort(ascending);
    const inBest = new Set(best);
    // The first place of the above list that changed (a place at or past its former length: it only
    // grew), and the trials that went in among its former entries rather than after them.
    const before = this.aboveList.length;
    const lastBefore = before > 0 ? this.considered[this.aboveList.view()[before - 1]].number : -Infinity;
    let changedFrom = before;
    const joined: number[] = [];
    const enter = (i: number) => {
      changedFrom = Math.min(changedFrom, this.aboveList.insertInOrder(i));
      if (this.considered[i].number < lastBefore) joined.push(i);
    };
    for (const i of placed) if (!inBest.has(i)) enter(i);
    // Displaced from the best set: back into the above list at its chronological place.
    for (const i of this.best) if (!inBest.has(i)) enter(i);
    this.best = best;
    if (changedFrom < before) {
      // Not only appended to: a new version of the list, whose first entries are the previous one's,
      // and which is the previous one with `joined` inserted, then newer trials appended.
      this.kept = [{ from: this.token, length: changedFrom }];
      this.moves = { from: this.token, left: [], joined };
      this.token = {};
    }
    return this.snapshot(m);
  }

  /** Puts a newly finished trial in `considered` at its place by number; returns its index. */
  private place(t: FrozenTrial, sign: number): number {
    const list = this.considered;
    let at = list.length;
    if (at > 0 && list[at - 1].number > t.number) {
      // Finished after newer trials: by bisection among them (most often one or two from the end).
      let lo = 0;
      while (lo < at) {
        const mid = (lo + at) >>> 1;
        if (list[mid].number < t.number) lo = mid + 1;
        else at = mid;
      }
      list.splice(at, 0, t);
      this.keyA.copyWithin(at + 1, at, list.length - 1);
      this.keyB.copyWithin(at + 1, at, list.length - 1);
      this.violations.copyWithin(at + 1, at, list.length - 1);
      for (let j = this.best.length - 1; j >= 0 && this.best[j] >= at; j--) this.best[j]++;
      this.aboveList.shiftFrom(at);
    } else {
      list.push(t);
    }
    this.writeKey(t, sign, at);
    return at;
  }

  /** Trial t's rank key at index i (see the class comment for constraints). */
  private writeKey(t: FrozenTrial, sign: number, i: number): void {
    writeRankKey(t, sign, this.keyA, this.keyB, i);
    if (!this.constraints) return;
    const violation = totalViolation(t);
    this.violations[i] = violation;
    if (violation > 0) {
      this.keyA[i] = Infinity;
      this.keyB[i] = violation;
    }
  }

  private snapshot(m: number): Split {
    const below = Int32Array.from(this.best);
    return {
      trials: this.considered,
      below,
      above: this.aboveList.view(),
      nFinished: m,
      lossVectors: [],
      violations: this.constraints ? this.violations.subarray(0, m) : null,
      aboveToken: this.token,
      aboveKept: this.kept,
      aboveMoves: this.moves,
    };
  }

  private reset(owner: unknown, all: readonly FrozenTrial[], opts: SplitOptions): Split {
    const split = computeSplit(all, opts);
    this.feed.restart(owner, all);
    this.considered = [...split.trials];
    this.constraints = opts.constraints;
    const m = this.considered.length;
    this.ensureKeys(m);
    const sign = opts.directions[0] === 'minimize' ? 1 : -1;
    for (let i = 0; i < m; i++) this.writeKey(this.considered[i], sign, i);
    this.best = smallestK(Array.from(split.below), split.below.length, this.keyA, this.keyB).sort(ascending);
    this.aboveList.clear();
    for (const i of split.above) this.aboveList.push(i);
    this.token = {};
    this.kept = undefined;
    this.moves = undefined;
    return this.snapshot(m);
  }

  private ensureKeys(m: number): void {
    if (m <= this.keyA.length) return;
    const size = Math.max(m, 2 * this.keyA.length);
    const grow = (a: Float64Array) => {
      const b = new Float64Array(size);
      b.set(a);
      return b;
    };
    this.keyA = grow(this.keyA);
    this.keyB = grow(this.keyB);
    this.violations = grow(this.violations);
  }
}

/**
 * A finished trial's total constraint violation, sum(max(0, c)), over the list stored by a
 * `constraintsFunc` (`constraints`) and any per-key values (`constraints:<key>`, Optuna 5.0's
 * `set_constraint`). A trial with no record is feasible (0), as in Optuna 5.0.
 */
export function totalViolation(t: FrozenTrial): number {
  // Optuna's dict of constraints: the list's entries under keys "0", "1"..., then per-key values
  // (which replace a list entry of the same key).
  const byKey = new Map<string, unknown>();
  const list = t.systemAttrs[CONSTRAINTS_KEY];
  if (Array.isArray(list)) list.forEach((c, i) => byKey.set(String(i), c));
  const prefix = `${CONSTRAINTS_KEY}:`;
  for (const key in t.systemAttrs) if (key.startsWith(prefix)) byKey.set(key.slice(prefix.length), t.systemAttrs[key]);
  let v = 0;
  for (const c of byKey.values()) if (typeof c === 'number' && c > 0) v += c;
  return v;
}

/** Whether a finished trial takes part in a single-objective split (as `computeSplit` decides). */
function isConsidered(t: FrozenTrial): boolean {
  return (t.state === COMPLETE && !!t.values && t.values.length === 1) || t.state === PRUNED;
}

const ascending = (a: number, b: number): number => a - b;

/** The entries of two ascending lists (without common entries) in one ascending list. */
function mergeAscending(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) out.push(j >= b.length || (i < a.length && a[i] < b[j]) ? a[i++] : b[j++]);
  return out;
}

/** The k smallest indices by (keyA, keyB) (ties: earlier index first), without sorting everything. */
function smallestK(indices: number[], k: number, keyA: Float64Array, keyB: Float64Array): number[] {
  if (k <= 0) return [];
  // i ranks before j (indices are visited in increasing order, so ties keep the earlier one).
  const less = (i: number, j: number) => keyA[i] < keyA[j] || (keyA[i] === keyA[j] && keyB[i] < keyB[j]);
  if (k >= indices.length) return [...indices];
  if (k > 64) {
    const sorted = [...indices].sort((i, j) => (less(i, j) ? -1 : less(j, i) ? 1 : i - j));
    return sorted.slice(0, k);
  }
  // Keep a sorted buffer of the best k; insertion is cheap because k is small (<= 25 by default).
  const buf: number[] = [];
  for (const i of indices) {
    if (buf.length === k) {
      if (!less(i, buf[k - 1])) continue;
      buf.pop();
    }
    let p = buf.length;
    while (p > 0 && less(i, buf[p - 1])) p--;
    buf.splice(p, 0, i);
  }
  return buf;
}

/**
 * One parameter's internal values by trial number, for one current distribution. Values of
 * finished trials never change, so each is computed once; the column is rebuilt only when the
 * distribution of the parameter changes.
 */
export class ParamColumn {
  private values = new Float64Array(64);
  private final = new Uint8Array(64);
  /** Finished trials' values in ascending order, with their trial numbers (kept sorted by insertion). */
  private sortedValues = new Float64Array(64);
  private sortedNumbers = new Int32Array(64);
  private nSorted = 0;
  /** Per trial number, the order in which its value became final (ties in the sorted list keep it). */
  private seqs = new Float64Array(64);
  private nextSeq = 0;
  /**
   * Trial numbers whose final values are not yet in the sorted list. They are merged in when the
   * list is read, in one sort-and-merge pass when there are many (a resumed study's first
   * suggestion sees its whole history at once: inserting one by one would be quadratic).
   */
  private pending: number[] = [];

  constructor(
    readonly name: string,
    readonly dist: Distribution,
  ) {}

  /** The trial's value, or NaN when it lacks the parameter or has an incompatible distribution. */
  get(t: FrozenTrial): number {
    const k = t.number;
    if (k < this.final.length && this.final[k]) return this.values[k];
    const v = compatibleValue(t, this.name, this.dist) ?? NaN;
    if (t.state !== RUNNING && t.state !== WAITING) {
      if (k >= this.final.length) this.grow(k + 1);
      this.values[k] = v;
      this.final[k] = 1;
      if (v === v) {
        this.seqs[k] = this.nextSeq++;
        this.pending.push(k);
      }
    }
    return v;
  }

  /** When the trial's value became final (0, 1, ...): equal values are sorted by it. */
  sortedSeq(k: number): number {
    return this.seqs[k];
  }

  /** Finished trials' values in ascending order and their trial numbers (views, do not modify). */
  sorted(): { values: Float64Array; numbers: Int32Array } {
    if (this.pending.length > 0) this.mergePending();
    return { values: this.sortedValues.subarray(0, this.nSorted), numbers: this.sortedNumbers.subarray(0, this.nSorted) };
  }

  private mergePending(): void {
    const pending = this.pending;
    this.pending = [];
    const total = this.nSorted + pending.length;
    if (total > this.sortedValues.length) {
      const size = Math.max(total, 2 * this.sortedValues.length);
      const values = new Float64Array(size);
      values.set(this.sortedValues.subarray(0, this.nSorted));
      const numbers = new Int32Array(size);
      numbers.set(this.sortedNumbers.subarray(0, this.nSorted));
      this.sortedValues = values;
      this.sortedNumbers = numbers;
    }
    if (pending.length <= 16) {
      for (const k of pending) this.insertSorted(this.values[k], k);
      return;
    }
    // Sort the newcomers by (value, seq), then merge from the back; on equal values the entries
    // already sorted (smaller seq) stay first.
    const vals = this.values;
    const seqs = this.seqs;
    pending.sort((a, b) => vals[a] - vals[b] || seqs[a] - seqs[b]);
    const sv = this.sortedValues;
    const sn = this.sortedNumbers;
    let i = this.nSorted - 1;
    let j = pending.length - 1;
    for (let out = total - 1; j >= 0; out--) {
      const k = pending[j];
      if (i >= 0 && sv[i] > vals[k]) {
        sv[out] = sv[i];
        sn[out] = sn[i];
        i--;
      } else {
        sv[out] = vals[k];
        sn[out] = k;
        j--;
      }
    }
    this.nSorted = total;
  }

  /** Insert one value after any equal ones (capacity is ensured by the caller). */
  private insertSorted(v: number, k: number): void {
    let lo = 0;
    let hi = this.nSorted;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sortedValues[mid] <= v) lo = mid + 1;
      else hi = mid;
    }
    this.sortedValues.copyWithin(lo + 1, lo, this.nSorted);
    this.sortedNumbers.copyWithin(lo + 1, lo, this.nSorted);
    this.sortedValues[lo] = v;
    this.sortedNumbers[lo] = k;
    this.nSorted++;
  }

  private grow(min: number): void {
    const size = Math.max(min, this.final.length * 2);
    const values = new Float64Array(size);
    values.set(this.values);
    const final = new Uint8Array(size);
    final.set(this.final);
    const seqs = new Float64Array(size);
    seqs.set(this.seqs);
    this.values = values;
    this.final = final;
    this.seqs = seqs;
  }
}

/**
 * The values of the columns' parameters in the trials at `indices`, keeping the trials where every
 * parameter is present with a compatible distribution (same kind; a value inside the current
 * range; categorical values re-indexed into the current choices).
 */
export function gatherObservations(
  split: Split,
  indices: Int32Array,
  columns: readonly ParamColumn[],
): { values: Float64Array[]; kept: number[] } {
  const d = columns.length;
  const buf = mapPacked(columns, () => new Float64Array(indices.length));
  const kept: number[] = [];
  const row = new Float64Array(d);
  let count = 0;
  outer: for (let r = 0; r < indices.length; r++) {
    const t = split.trials[indices[r]];
    for (let j = 0; j < d; j++) {
      const v = columns[j].get(t);
      if (v !== v) continue outer; // NaN: missing
      row[j] = v;
    }
    for (let j = 0; j < d; j++) buf[j][count] = row[j];
    count++;
    kept.push(indices[r]);
  }
  // Views rather than copies (the buffers are this call's own): a typed array's copy costs microseconds.
  return { values: count === indices.length ? buf : mapPacked(buf, (b) => b.subarray(0, count)), kept };
}

function compatibleValue(t: FrozenTrial, name: string, d: Distribution): number | undefined {
  const own = ownValue(t.distributions, name);
  if (own === undefined) return undefined;
  const internal = ownValue(t.internalParams, name);
  if (own === d || distributionsEqual(own, d)) return internal;
  if (own.kind !== d.kind) return undefined;
  if (d.kind === 'categorical') {
    const external = ownValue(t.params, name);
    const i = d.choices.findIndex((c) => c === external);
    return i < 0 ? undefined : i;
  }
  return internal !== undefined && internal >= d.low && internal <= d.high ? internal : undefined;
}
