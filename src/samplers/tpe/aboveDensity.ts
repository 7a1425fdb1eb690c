/**
 * The "above" density g(x) of TPE, and the speed-ups that keep it cheap on long studies. The sampler
 * asks for g(x) of a split; this module decides how to compute it, in one place:
 * - plain: a Parzen estimator built from the above trials' values (small histories, custom
 *   weights);
 * - presorted: the same estimator, taking each parameter's sorted order from columns kept sorted
 *   across trials instead of sorting per suggestion;
 * - incremental: for one numeric parameter (continuous or discrete), a density maintained across
 *   trials (`incrementalAbove.ts`), updated as trials join the above group instead of rebuilt;
 * - incremental joint: the same for several parameters sampled jointly (the default, multivariate
 *   TPE; `incrementalJointAbove.ts`), continuous ones or a mixed space (`mixedKernelSum.ts`);
 * - kept list: for one categorical parameter, its mixture formed from the above list kept across
 *   trials (`categoricalAbove.ts`).
 * All five give the same proposals as the plain path, switched on with `useFromScratchPaths`
 * (test/samplers/incrementalAbove.test.ts and incrementalJointAbove.test.ts compare them; the joint
 * one sums continuous kernels in another order, so its log densities agree to rounding; a mixed
 * space's to the bit).
 */
import { distributionsEqual, type Distribution } from '../../distributions';
import { TrialState, type FrozenTrial } from '../../frozenTrial';
import type { StudyView } from '../../study/view';
import { CategoricalAbove } from './categoricalAbove';
import { IncrementalAboveDensity } from './incrementalAbove';
import { IncrementalJointAbove, JOINT_INCREMENTAL_MIN } from './incrementalJointAbove';
import { gatherObservations, ParamColumn, type Split } from './observations';
import { ParzenEstimator, paramModel, SortedUnivariateDensity, type ParamModel, type ParzenEstimatorParameters } from './parzenEstimator';
import { defaultWeights } from './weights';
import { mapPacked } from '../../packedArrays';
import { lowerBound, mergeNumbers, upperBound } from '../../sortedSearch';

// Plain constant for the per-trial loops (an enum member read through a module binding is slower).
const RUNNING = TrialState.RUNNING;

/** Above observations from which g(x) is maintained incrementally (the magic clip floor is constant from 98). */
const INCREMENTAL_MIN = 128;

/**
 * Beyond how many moves between the groups (trials in and out, `Split.aboveMoves`) a density of
 * `length` entries takes them at once (`IncrementalAboveDensity.moveMany`: its sums formed afresh,
 * a pass over its observations) rather than one by one (each shifting the sums of every cell and
 * block, and the lists).
 */
function manyMoves(length: number): number {
  return 16 + (length >> 6);
}

interface AboveCache {
  column: ParamColumn;
  /** Trial numbers of the split's above list (chronological) that the density has seen. */
  numbers: Int32Array;
  length: number;
  /** Those that have the parameter, in time order (the weight ranks). */
  kept: number[];
  density: IncrementalAboveDensity | null;
  /** The `aboveToken` of the split last seen (see `Split.aboveToken`). */
  token: object | undefined;
  /**
   * The place in `numbers` of the first running trial (constant liar), `length` when none. A running
   * trial may yet gain the parameter, and its seq changes when it finishes: the entries from there
   * on are read again at every call.
   */
  firstRunning: number;
  /** The running trials among `kept`, with their values (not in the column's sorted list). */
  runningValues: Map<number, number>;
}

/**
 * The seq of a running trial's value (see `ParamColumn.sortedSeq`): after every finished trial's,
 * and in time order among running trials, as the from-scratch estimator sorts them (running trials'
 * values merged after the sorted column's).
 */
const RUNNING_SEQ = 2 ** 40;

/** The above trials that have every one of some parameters, followed from split to split (`followList`). */
interface AboveList {
  /** The columns the list was read from (a changed distribution makes new ones). */
  columns: readonly ParamColumn[];
  /** The above trials that have every parameter (numbers, values): `count` of them, in time order. */
  numbers: Int32Array;
  values: Float64Array[];
  count: number;
  /** Entries of the split's above list read so far, and that split's `aboveToken`. */
  aboveSeen: number;
  token: object | undefined;
  /** Buffers of `numbers`' and `values`' size that a changed list is merged into (then swapped). */
  spareNumbers: Int32Array;
  spareValues: Float64Array[];
}

interface JointCache extends AboveList {
  density: IncrementalJointAbove | null;
  /** `count` when the density was last synced (-1: not synced with the current list). */
  synced: number;
}

/** An empty list of the above trials that have every one of `columns`' parameters. */
function emptyAboveList(columns: readonly ParamColumn[]): AboveList {
  return {
    columns: [...columns],
    numbers: new Int32Array(256),
    values: mapPacked(columns, () => new Float64Array(256)),
    count: 0,
    aboveSeen: 0,
    token: undefined,
    spareNumbers: new Int32Array(0),
    spareValues: [],
  };
}

/** What the sampler needs of g(x). */
export interface AboveDensity {
  /** log g(x) of each joint sample, written to `out` when given (of the samples' length), else to a new array. */
  logPdf(samples: readonly Float64Array[], out?: Float64Array): Float64Array;
  /**
   * The index of the sample with the largest logL[s] - log g(x_s), the first among equals (what an
   * argmax over `logPdf` gives), for a density that can find it without forming every sum.
   * `logG` (of the samples' length) receives log g where it computes them all.
   */
  bestRatio?(samples: readonly Float64Array[], logL: Float64Array, logG: Float64Array): number;
}

/** Samplers told to take only the plain paths (see `useFromScratchPaths`). */
const fromScratch = new WeakSet<object>();

/**
 * Makes a sampler compute every split and both densities (l and g) from scratch, as the plain
 * algorithm does. For tests that check the incremental paths give the same proposals; not part of
 * the public API.
 */
export function useFromScratchPaths<T extends object>(sampler: T): T {
  fromScratch.add(sampler);
  return sampler;
}

/** Whether `useFromScratchPaths` was called on this sampler. */
export function usesFromScratchPaths(sampler: object): boolean {
  return fromScratch.has(sampler);
}

/** The above densities of one sampler: its sorted columns and incremental caches, per study. */
export class AboveDensities {
  private readonly columns = new Map<string, ParamColumn>();
  /** Per parameter, the above density maintained across trials (see `incrementalAbove`). */
  private readonly aboveCaches = new Map<string, AboveCache>();
  /** Per joint space (its names), the joint above density maintained across trials. */
  private readonly jointCaches = new Map<string, JointCache>();
  /** Per categorical parameter sampled on its own, its above list and density. */
  private readonly categoricalCaches = new Map<string, AboveList & { density: CategoricalAbove }>();
  private columnsStudy: StudyView | null = null;

  /**
   * @param parzen the estimators' parameters
   * @param incremental false: always the plain path (see `useFromScratchPaths`)
   */
  constructor(
    private readonly parzen: ParzenEstimatorParameters,
    private readonly incremental: () => boolean,
  ) {}

  /**
   * g(x) for one proposal: the incrementally maintained density of one continuous parameter when
   * this case allows it, else an estimator built from the above trials' values (from the columns'
   * sorted orders when the history is large). The one place the path is chosen.
   */
  estimator(split: Split, names: string[], columns: ParamColumn[], models: ParamModel[]): AboveDensity {
    // One parameter is the same model whether sampled jointly or not (bandwidths are per parameter).
    const model = models[0];
    const univariate = names.length === 1 && model.kind === 'numeric';
    if (this.incremental() && names.length === 1 && model.kind === 'categorical') {
      return this.incrementalCategorical(split, names[0], columns[0], model.nChoices);
    }
    if (this.incremental() && (univariate || models.length > 1)) {
      // The densities take running trials too (constant liar): their parameters are final once
      // proposed, and they join and leave the list like trials moving between the groups.
      const cached = univariate
        ? this.incrementalAbove(split, names[0], columns[0], models[0])
        : this.incrementalJoint(split, names, columns, models);
      if (cached) return cached;
    }
    const above = gatherObservations(split, split.above, columns);
    if (above.kept.length <= 64) return new ParzenEstimator(above.values, models, this.parzen);
    if (univariate) return this.presortedEstimator(split, above.kept, above.values, columns[0], models);
    const positions = this.incremental() ? sortedPositions(split, above.kept, columns, models) : null;
    return new ParzenEstimator(above.values, models, this.parzen, undefined, positions ?? false);
  }

  /**
   * The incrementally maintained above density of one numeric parameter (continuous or discrete),
   * or null when this case needs the from-scratch path (custom weights, too few observations). The cache
   * follows the above list from split to split: newer trials are appended, older ones (displaced
   * from the good group) inserted at their time rank, and trials that joined the good group removed
   * (`mergeOlder`). Running trials (constant liar) are held as finished ones are, and the entries
   * from the first of them on are read again at the next split (`truncate`).
   */
  private incrementalAbove(split: Split, name: string, column: ParamColumn, model: ParamModel): IncrementalAboveDensity | null {
    if (model.kind !== 'numeric' || this.parzen.weights !== defaultWeights || !this.parzen.considerMagicClip) return null;
    let cache = this.aboveCaches.get(name);
    if (!cache || cache.column !== column) {
      cache = {
        column,
        numbers: new Int32Array(256),
        length: 0,
        kept: [],
        density: null,
        token: undefined,
        firstRunning: 0,
        runningValues: new Map(),
      };
      this.aboveCaches.set(name, cache);
    }
    const { trials, above } = split;
    // A split from the tracker says whether only newer trials were appended, or which leading
    // entries are those the cache read, or how trials moved; else compare the lists. Entries from
    // the first running trial on are read again in any case.
    const appendedOnly = split.aboveToken !== undefined && split.aboveToken === cache.token && above.length >= cache.length;
    const keptEntries = Math.min(appendedOnly ? cache.length : keptAboveEntries(split, cache.token, cache.length), cache.firstRunning);
    const moves = split.aboveMoves;
    const holdsRunning = cache.firstRunning < cache.length;
    const moved = !holdsRunning && !appendedOnly && moves !== undefined && cache.token !== undefined && moves.from === cache.token;
    cache.token = split.aboveToken;
    // Cutting the list back to the entries kept reads the rest again, each leaving the density and
    // joining it again: where the moves are fewer (a trial went back far into the list, as a
    // single-objective study's good trials are displaced: 18 entries a trial and parameter, most of
    // a long univariate study's time), they are applied instead.
    const cheaperMoves = moved && moves.left.length + moves.joined.length < cache.length - keptEntries;
    let followed: boolean;
    if (appendedOnly && !holdsRunning) followed = true;
    else if (keptEntries > 0 && !cheaperMoves) followed = this.truncate(cache, keptEntries);
    else if (moved) followed = this.applyMoves(cache, split, column, moves);
    // Compared by trial number, up to the first running trial held.
    else followed = (!holdsRunning || this.truncate(cache, cache.firstRunning)) && this.mergeOlder(cache, split, column);
    if (!followed) {
      cache.length = 0;
      cache.kept = [];
      cache.density = null;
      cache.runningValues.clear();
    }
    let firstRunning = -1;
    const values: number[] = [];
    const seqs: number[] = [];
    const numbers: number[] = [];
    for (let i = cache.length; i < above.length; i++) {
      const t = trials[above[i]];
      if (cache.length === cache.numbers.length) {
        const grown = new Int32Array(cache.length * 2);
        grown.set(cache.numbers);
        cache.numbers = grown;
      }
      const running = t.state === RUNNING;
      if (running && firstRunning < 0) firstRunning = cache.length;
      cache.numbers[cache.length++] = t.number;
      const v = column.get(t);
      if (v !== v) continue; // the trial lacks this parameter
      cache.kept.push(t.number);
      values.push(v);
      // Constant liar: a running trial's value is final once suggested, but it is not in the
      // column's sorted list yet.
      if (running) cache.runningValues.set(t.number, v);
      seqs.push(running ? RUNNING_SEQ + t.number : column.sortedSeq(t.number));
      numbers.push(t.number);
    }
    cache.firstRunning = firstRunning < 0 ? cache.length : firstRunning;
    if (cache.density) {
      if (numbers.length > 0) cache.density.append(values, seqs, numbers);
      return cache.density;
    }
    if (cache.kept.length < INCREMENTAL_MIN) return null;
    cache.density = this.buildIncremental(model, column, cache.kept, cache.runningValues);
    return cache.density;
  }

  /**
   * Cut the cache's list to its first `length` entries (those the new split kept, before any
   * running trial): the later ones leave the density, newest first (no rank after them moves).
   * False when the density cannot follow (too few would be left): rebuild.
   */
  private truncate(cache: AboveCache, length: number): boolean {
    const kept = cache.kept;
    for (let i = cache.length - 1; i >= length; i--) {
      const number = cache.numbers[i];
      if (kept.length === 0 || kept[kept.length - 1] !== number) continue; // the trial lacks this parameter
      if (cache.density && !cache.density.removeOlder(number)) return false;
      kept.pop();
    }
    cache.length = length;
    cache.runningValues.clear(); // they were all past the first running trial
    return true;
  }

  /**
   * The incrementally maintained joint above density of several parameters (continuous, discrete
   * or categorical), or null when this case needs the from-scratch path (custom weights, no magic
   * clip, too few observations). Running trials in the list (constant liar) are held like finished ones: their
   * parameters do not change, and their leaving or joining is a change in the middle of the list.
   */
  private incrementalJoint(
    split: Split,
    names: readonly string[],
    columns: readonly ParamColumn[],
    models: readonly ParamModel[],
  ): IncrementalJointAbove | null {
    if (this.parzen.weights !== defaultWeights || !this.parzen.considerMagicClip) return null;
    const key = names.join('\n');
    let cache = this.jointCaches.get(key);
    if (!cache || cache.columns.some((c, j) => c !== columns[j])) {
      cache = { ...emptyAboveList(columns), density: null, synced: -1 };
      this.jointCaches.set(key, cache);
    }
    const { previous, keptCount } = followList(cache, split);
    const count = cache.count;
    if (count < JOINT_INCREMENTAL_MIN) {
      cache.synced = -1;
      return null;
    }
    cache.density ??= new IncrementalJointAbove(models, this.parzen);
    // The kept entries of the list the density was last synced with need no comparing.
    cache.density.sync(cache.numbers, cache.values, count, cache.synced === previous ? keptCount : 0);
    cache.synced = count;
    return cache.density;
  }

  /**
   * The above density of one categorical parameter, from its above list kept across trials (for
   * any weights: the density calls them as the estimator built from scratch does).
   */
  private incrementalCategorical(split: Split, name: string, column: ParamColumn, nChoices: number): CategoricalAbove {
    let cache = this.categoricalCaches.get(name);
    if (!cache || cache.columns[0] !== column) {
      // Bounded: a define-by-run space may visit many parameters.
      if (this.categoricalCaches.size >= 64) this.categoricalCaches.clear();
      cache = { ...emptyAboveList([column]), density: new CategoricalAbove(nChoices, this.parzen) };
      this.categoricalCaches.set(name, cache);
    }
    followList(cache, split);
    cache.density.sync(cache.values[0], cache.count);
    return cache.density;
  }

  /**
   * Bring the cache up to the split's above list when older trials joined it (trials displaced from
   * the good group by better new ones) — the usual reason the list is not just extended — or left
   * it (they joined the good group: it grew, or with several objectives its selection changed).
   * Returns false when the density cannot follow (a joining trial is running, or too few would be
   * left): rebuild. Leaves the newer trials after the last cached one to the caller.
   */
  private mergeOlder(cache: AboveCache, split: Split, column: ParamColumn): boolean {
    const { trials, above } = split;
    const old = cache.numbers;
    const len = cache.length;
    if (len === 0) return true;
    const merged = new Int32Array(Math.max(old.length, above.length));
    const joined: FrozenTrial[] = [];
    const left: number[] = [];
    let c = 0;
    for (let i = 0, j = 0; i < len;) {
      const t = j < above.length ? trials[above[j]] : null;
      if (t === null || t.number > old[i]) {
        left.push(old[i++]); // no longer in the list: it joined the good group
        continue;
      }
      if (t.number === old[i]) {
        i++;
      } else if (t.state !== RUNNING) {
        joined.push(t);
      } else {
        return false;
      }
      merged[c++] = t.number;
      j++;
    }
    for (const number of left) {
      const kept = cache.kept;
      const at = lowerBound(kept, number);
      if (at === kept.length || kept[at] !== number) continue; // the trial lacks this parameter
      if (cache.density && !cache.density.removeOlder(number)) return false;
      kept.splice(at, 1);
    }
    for (const t of joined) {
      const v = column.get(t);
      if (v !== v) continue; // the trial lacks this parameter
      // Its time rank among the kept trials (ascending numbers).
      const kept = cache.kept;
      const lo = lowerBound(kept, t.number);
      kept.splice(lo, 0, t.number);
      cache.density?.insertOlder(v, column.sortedSeq(t.number), t.number, lo);
    }
    cache.numbers = merged;
    cache.length = c;
    return true;
  }

  /**
   * Bring the cache up to the split's above list by the moves its tracker reports (`aboveMoves`,
   * relative to the split the cache last followed): the trials that joined the good group leave,
   * those back from it join at their time rank, without reading the rest of the list. Returns false
   * when the density cannot follow (as `mergeOlder`). Leaves the newer trials to the caller.
   */
  private applyMoves(cache: AboveCache, split: Split, column: ParamColumn, moves: NonNullable<Split['aboveMoves']>): boolean {
    // Nothing followed yet (the last split's list was left half read): the caller starts afresh.
    if (cache.density === null || cache.length === 0) return false;
    if (moves.left.length + moves.joined.length > manyMoves(cache.length)) return this.applyManyMoves(cache, split, column, moves);
    const { trials } = split;
    for (const i of moves.left) {
      const number = trials[i].number;
      cache.length = removeNumber(cache.numbers, cache.length, number);
      const kept = cache.kept;
      const at = lowerBound(kept, number);
      if (at === kept.length || kept[at] !== number) continue; // the trial lacks this parameter
      if (!cache.density.removeOlder(number)) return false;
      kept.splice(at, 1);
    }
    for (const i of moves.joined) {
      const t = trials[i];
      if (cache.length === cache.numbers.length) {
        const grown = new Int32Array(cache.length * 2);
        grown.set(cache.numbers);
        cache.numbers = grown;
      }
      cache.length = insertNumber(cache.numbers, cache.length, t.number);
      const v = column.get(t);
      if (v !== v) continue; // the trial lacks this parameter
      const kept = cache.kept;
      const lo = lowerBound(kept, t.number);
      kept.splice(lo, 0, t.number);
      cache.density.insertOlder(v, column.sortedSeq(t.number), t.number, lo);
    }
    return true;
  }

  /** `applyMoves` for many moves: the lists merged once, the density's sums formed afresh once (`moveMany`). */
  private applyManyMoves(cache: AboveCache, split: Split, column: ParamColumn, moves: NonNullable<Split['aboveMoves']>): boolean {
    const { trials } = split;
    const leftNumbers = moves.left.map((i) => trials[i].number);
    const joinedNumbers = moves.joined.map((i) => trials[i].number);
    const kept = cache.kept;
    // The trials that lack the parameter are in the list, not in the density.
    const leftKept = leftNumbers.filter((number) => {
      const at = lowerBound(kept, number);
      return at < kept.length && kept[at] === number;
    });
    const values: number[] = [];
    const seqs: number[] = [];
    const numbers: number[] = [];
    for (const i of moves.joined) {
      const t = trials[i];
      const v = column.get(t);
      if (v !== v) continue;
      values.push(v);
      seqs.push(column.sortedSeq(t.number));
      numbers.push(t.number);
    }
    if (!cache.density!.moveMany(leftKept, values, seqs, numbers)) return false;
    cache.kept = mergeNumbers(kept, kept.length, leftKept, numbers);
    cache.numbers = Int32Array.from(mergeNumbers(cache.numbers, cache.length, leftNumbers, joinedNumbers));
    cache.length = cache.numbers.length;
    return true;
  }

  /**
   * A fresh incremental density of the kept trials, from the column's sorted values, with the
   * running ones (`running`: their values) merged in after the finished ones of equal value.
   */
  private buildIncremental(
    model: ParamModel & { kind: 'numeric' },
    column: ParamColumn,
    kept: readonly number[],
    running: ReadonlyMap<number, number>,
  ): IncrementalAboveDensity | null {
    const n = kept.length;
    const maxNumber = kept[n - 1];
    const rank = new Int32Array(maxNumber + 1).fill(-1);
    for (let r = 0; r < n; r++) rank[kept[r]] = r;
    const values = new Float64Array(n);
    const seqs = new Float64Array(n);
    const numbers = new Int32Array(n);
    const ranks = new Int32Array(n);
    const { values: sv, numbers: sn } = column.sorted();
    // The running trials by value, then time (few: one per other worker).
    const extra = [...running.entries()].sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    let e = 0;
    let c = 0;
    const put = (value: number, seq: number, k: number) => {
      values[c] = value;
      seqs[c] = seq;
      numbers[c] = k;
      ranks[c] = rank[k];
      c++;
    };
    for (let p = 0; p < sv.length; p++) {
      const k = sn[p];
      if (k > maxNumber || rank[k] < 0) continue;
      for (; e < extra.length && extra[e][1] < sv[p]; e++) put(extra[e][1], RUNNING_SEQ + extra[e][0], extra[e][0]);
      put(sv[p], column.sortedSeq(k), k);
    }
    for (; e < extra.length; e++) put(extra[e][1], RUNNING_SEQ + extra[e][0], extra[e][0]);
    if (c !== n) return null; // defensive: every kept trial is finished (in the sorted column) or running
    return IncrementalAboveDensity.build(model, this.parzen, values, seqs, numbers, ranks);
  }

  /**
   * The "above" estimator of one numeric parameter built from the column's incrementally sorted
   * values, so large histories cost no sort per suggestion. Same model as the plain constructor:
   * the weights follow the trials' chronological order.
   */
  private presortedEstimator(
    split: Split,
    kept: readonly number[],
    plainValues: Float64Array[],
    column: ParamColumn,
    models: ReturnType<typeof paramModel>[],
  ): AboveDensity {
    const n = kept.length;
    const weights = this.parzen.weights(n);
    // The kept trials are in chronological order (not always `trials`': constant liar's running
    // trials follow the finished ones there).
    const maxNumber = n > 0 ? split.trials[kept[n - 1]].number : 0;
    const rank = new Int32Array(maxNumber + 1).fill(-1);
    const running: number[] = [];
    for (let r = 0; r < n; r++) {
      const t = split.trials[kept[r]];
      rank[t.number] = r;
      if (t.state === RUNNING) running.push(r);
    }
    const values = new Float64Array(n);
    const w = new Float64Array(n);
    const { values: sv, numbers: sn } = column.sorted();
    let c = 0;
    for (let p = 0; p < sv.length; p++) {
      const k = sn[p];
      const r = k <= maxNumber ? rank[k] : -1;
      if (r < 0) continue;
      values[c] = sv[p];
      w[c] = weights[r];
      c++;
    }
    if (running.length > 0) {
      // Constant liar: running trials' values are not in the finished column; merge them in.
      const extra = mapPacked(running, (r) => ({ v: column.get(split.trials[kept[r]]), w: weights[r] }));
      const all = Array.from({ length: c }, (_, i) => ({ v: values[i], w: w[i] })).concat(extra);
      all.sort((a, b) => a.v - b.v);
      all.forEach((e, i) => {
        values[i] = e.v;
        w[i] = e.w;
      });
      c = all.length;
    }
    if (c !== n) return new ParzenEstimator(plainValues, models, this.parzen); // defensive: never expected
    const model = models[0];
    if (model.kind === 'numeric' && model.q === null) return new SortedUnivariateDensity(model, values, w, this.parzen);
    return new ParzenEstimator([values], models, this.parzen, w, true);
  }

  /** The parameter's column of finished values, kept sorted across trials of one study. */
  column(study: StudyView, name: string, dist: Distribution): ParamColumn {
    if (this.columnsStudy !== study) {
      this.columns.clear();
      this.aboveCaches.clear();
      this.jointCaches.clear();
      this.columnsStudy = study;
    }
    let c = this.columns.get(name);
    if (!c || (c.dist !== dist && !distributionsEqual(c.dist, dist))) {
      c = new ParamColumn(name, dist);
      this.columns.set(name, c);
    }
    return c;
  }
}

/**
 * For a joint estimator over the observations of the trials `kept` (split indices, in observation
 * order), each numeric parameter's sorted position of every observation, read from the columns'
 * incrementally sorted values instead of sorting: the same positions as the estimator's own
 * stable sort (equal values in observation order), so the same kernels. Null when a kept trial is
 * running (its value is not in the sorted column); categorical parameters get null entries.
 */
function sortedPositions(
  split: Split,
  kept: readonly number[],
  columns: readonly ParamColumn[],
  models: readonly ParamModel[],
): Array<Int32Array | null> | null {
  const n = kept.length;
  let maxNumber = 0;
  for (let r = 0; r < n; r++) {
    const t = split.trials[kept[r]];
    if (t.state === RUNNING) return null;
    if (t.number > maxNumber) maxNumber = t.number;
  }
  const rank = new Int32Array(maxNumber + 1).fill(-1);
  for (let r = 0; r < n; r++) rank[split.trials[kept[r]].number] = r;
  const order = new Int32Array(n);
  const key = new Float64Array(n);
  return mapPacked(models, (m, j) => {
    if (m.kind !== 'numeric') return null;
    const { values: sv, numbers: sn } = columns[j].sorted();
    let c = 0;
    for (let p = 0; p < sv.length && c < n; p++) {
      const k = sn[p];
      const r = k <= maxNumber ? rank[k] : -1;
      if (r < 0) continue;
      order[c] = r;
      key[c] = m.log ? Math.log(sv[p]) : sv[p];
      c++;
    }
    if (c !== n) return null;
    // Runs of equal (modelled) values: observation order, as a stable sort leaves them.
    for (let a = 0; a < n;) {
      let b = a + 1;
      while (b < n && key[b] === key[a]) b++;
      if (b - a > 1) order.subarray(a, b).sort();
      a = b;
    }
    const pos = new Int32Array(n);
    for (let k = 0; k < n; k++) pos[order[k]] = k;
    return pos;
  });
}

/** Removes `number` from the first `length` entries of `numbers` (ascending), if there; returns the new length. */
function removeNumber(numbers: Int32Array, length: number, number: number): number {
  const at = lowerBound(numbers, number, length);
  if (at === length || numbers[at] !== number) return length;
  numbers.copyWithin(at, at + 1, length);
  return length - 1;
}

/** Inserts `number` into the first `length` entries of `numbers` (ascending; room for one more); returns the new length. */
function insertNumber(numbers: Int32Array, length: number, number: number): number {
  const at = lowerBound(numbers, number, length);
  numbers.copyWithin(at + 1, at, length);
  numbers[at] = number;
  return length + 1;
}

/**
 * How many leading entries of `split.above` are those of the list the cache last read (`token`,
 * `seen` entries read), as the split's `aboveKept` says; 0 when it says nothing of that list.
 */
function keptAboveEntries(split: Split, token: object | undefined, seen: number): number {
  if (token === undefined || !split.aboveKept) return 0;
  for (const k of split.aboveKept) if (k.from === token) return Math.min(k.length, seen);
  return 0;
}

/**
 * Bring `cache` up to the split's above list: the above trials that have every parameter, in time
 * order. The split says which leading entries of its list are those the cache read: all of them
 * when the list was only appended to since (the same token), else those it kept (a trial went back
 * to its place in the middle, or a running trial left). Only the rest is read. Returns the list's
 * length before, and how many of its entries stayed in place.
 */
function followList(cache: AboveList, split: Split): { previous: number; keptCount: number } {
  const columns = cache.columns;
  const { trials, above } = split;
  const appendedOnly = split.aboveToken !== undefined && split.aboveToken === cache.token && above.length >= cache.aboveSeen;
  const keptEntries = appendedOnly ? cache.aboveSeen : keptAboveEntries(split, cache.token, cache.aboveSeen);
  cache.token = split.aboveToken;
  const previous = cache.count;
  // The cache's observations among those entries (it lists trial numbers, ascending).
  let keptCount = appendedOnly ? previous : 0;
  if (!appendedOnly && keptEntries > 0) keptCount = upperBound(cache.numbers, trials[above[keptEntries - 1]].number, previous);
  let count = keptCount;
  if (cache.numbers.length < above.length) {
    // The previous list is kept whole: appended to, or merged from (below).
    const grow = (a: Float64Array) => {
      const b = new Float64Array(above.length * 2);
      b.set(a.subarray(0, previous));
      return b;
    };
    const numbers = new Int32Array(above.length * 2);
    numbers.set(cache.numbers.subarray(0, previous));
    cache.numbers = numbers;
    cache.values = mapPacked(cache.values, grow);
  }
  const d = columns.length;
  // A list the split says nothing of (another tracker's, or one that started again): the trials
  // still listed are copied from the previous list, by trial number, rather than read from the
  // trials again, into the spare buffers, which then take its place.
  const merge = keptEntries === 0 && previous > 0;
  const fromNumbers = cache.numbers;
  const fromValues = cache.values;
  let numbers = fromNumbers;
  let values = fromValues;
  if (merge) {
    if (cache.spareNumbers.length < numbers.length) {
      cache.spareNumbers = new Int32Array(numbers.length);
      cache.spareValues = mapPacked(values, (v) => new Float64Array(v.length));
    }
    numbers = cache.spareNumbers;
    values = cache.spareValues;
  }
  let c = 0;
  outer: for (let r = keptEntries; r < above.length; r++) {
    const t = trials[above[r]];
    if (merge) {
      const number = t.number;
      while (c < previous && fromNumbers[c] < number) c++;
      if (c < previous && fromNumbers[c] === number) {
        for (let j = 0; j < d; j++) values[j][count] = fromValues[j][c];
        numbers[count++] = number;
        continue;
      }
    }
    for (let j = 0; j < d; j++) {
      const v = columns[j].get(t);
      if (v !== v) continue outer; // the trial lacks this parameter
      values[j][count] = v;
    }
    numbers[count++] = t.number;
  }
  if (merge) {
    cache.spareNumbers = fromNumbers;
    cache.spareValues = fromValues;
    cache.numbers = numbers;
    cache.values = values;
  }
  cache.count = count;
  cache.aboveSeen = above.length;
  return { previous, keptCount };
}
