import { isSingle, type Distribution } from '../../distributions';
import { InvalidArgumentError } from '../../errors';
import { TrialState, withTrialChanges, type FrozenTrial } from '../../frozenTrial';
import { checkSeed, Rng } from '../../rng';
import type { Study } from '../../study';
import { CONSTRAINTS_KEY, type Sampler } from '../base';
import { sampleUniformInternal } from '../random';
import { GroupDecomposedSearchSpace, IntersectionSearchSpace } from '../searchSpace';
import { selectBelowMultiObjective } from './multiObjective';
import { computeSplit, gatherObservations, ParamColumn, SplitTracker, type Split } from './observations';
import { distributionsEqual } from '../../distributions';
import { IncrementalAboveDensity } from './incrementalAbove';
import { ParzenEstimator, paramModel, SortedUnivariateDensity, type ParamModel, type ParzenEstimatorParameters } from './parzenEstimator';
import { hasKey, setKey } from '../../dict';

/** Above observations from which g(x) is maintained incrementally (the magic clip floor is constant from 98). */
const INCREMENTAL_MIN = 128;

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
}

// Plain constant for the per-trial loops (an enum member read through a module binding is slower).
const RUNNING = TrialState.RUNNING;

/** Optuna's default gamma: the best 10% of the finished trials, at most 25. */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/** Optuna's default gamma with several objectives: the best 10% of the finished trials, no cap. */
export function defaultGammaMultiObjective(n: number): number {
  return Math.ceil(0.1 * n);
}

/** Hyperopt's gamma: ceil(0.25 sqrt(n)), at most 25. */
export function hyperoptDefaultGamma(n: number): number {
  return Math.min(Math.ceil(0.25 * Math.sqrt(n)), 25);
}

/**
 * Optuna's default observation weights: all 1 below 25 observations; otherwise the newest 25 weigh
 * 1 and the older n - 25 ramp linearly from 1/n up to 1, so old history fades.
 */
export function defaultWeights(n: number): Float64Array {
  const w = new Float64Array(n);
  if (n < 25) return w.fill(1);
  const ramp = n - 25;
  for (let i = 0; i < ramp; i++) w[i] = ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1);
  for (let i = ramp; i < n; i++) w[i] = 1;
  return w;
}

export interface TPESamplerOptions {
  seed?: number;
  /** Random trials before TPE starts modelling (default 10). */
  nStartupTrials?: number;
  /** Candidates drawn from l(x) per suggestion; the best l/g wins (default 24). */
  nEiCandidates?: number;
  /**
   * How many finished trials form the good group, given their count (default `defaultGamma`, or
   * `defaultGammaMultiObjective` for several objectives).
   */
  gamma?: (n: number) => number;
  /** Weights of n observations, oldest first (default `defaultWeights`). */
  weights?: (n: number) => ArrayLike<number>;
  /** Weight of the prior kernel (default 1.0). */
  priorWeight?: number;
  /** Lower-bound bandwidths by range/min(100, n + 2) (default true). */
  considerMagicClip?: boolean;
  /** Let the outermost kernels reach the range bounds (default false). */
  considerEndpoints?: boolean;
  /**
   * Model the intersection search space jointly. Default (undefined) as Optuna 5.0: true for
   * single-objective studies, false for multi-objective ones.
   */
  multivariate?: boolean;
  /** Model each group of co-occurring parameters jointly (conditional spaces); implies multivariate. */
  group?: boolean;
  /**
   * Count running trials as bad ones so parallel workers explore different points (default true,
   * as in Optuna 5.0). A sequential study has no other running trial, so it changes nothing there.
   */
  constantLiar?: boolean;
  /**
   * Constraint values of a finished trial (<= 0 means satisfied). Feasible trials rank first; the
   * values are stored in the trial's system attribute `constraints`.
   */
  constraintsFunc?: (trial: FrozenTrial) => number[];
  /**
   * @internal Tests only: rebuild the above estimator from scratch every trial instead of
   * maintaining it across trials (the two give the same proposals).
   */
  _noIncremental?: boolean;
}

/**
 * Tree-structured Parzen Estimator (Bergstra et al. 2011), following Optuna's TPESampler and its
 * defaults. After `nStartupTrials` random trials, the finished trials are split into the best
 * gamma(n) ("below") and the rest ("above"); a Parzen estimator l(x) is fitted to the first and g(x)
 * to the second, `nEiCandidates` points are drawn from l, and the one maximising l(x)/g(x) (the
 * expected-improvement criterion) is proposed.
 *
 * As in Optuna 5.0, single-objective studies model the intersection search space jointly by default
 * (multivariate; a parameter outside it is sampled on its own), multi-objective ones one parameter
 * at a time; `group` splits a conditional space into its branches. For several objectives the good
 * group is chosen by nondomination rank, then hypervolume subset selection (MOTPE). With
 * `constantLiar` (default) running trials count among the bad ones.
 */
export class TPESampler implements Sampler {
  private readonly nStartupTrials: number;
  private readonly nEiCandidates: number;
  private readonly gamma: ((n: number) => number) | undefined;
  private readonly parzen: ParzenEstimatorParameters;
  private readonly multivariate: boolean | undefined;
  private readonly group: boolean;
  private readonly constantLiar: boolean;
  private readonly constraintsFunc: ((trial: FrozenTrial) => number[]) | undefined;
  private rng: Rng;
  private randomRng: Rng;
  private readonly intersection = new IntersectionSearchSpace({ includePruned: true });
  private readonly groups = new GroupDecomposedSearchSpace({ includePruned: true });
  private lastGroups: Array<Record<string, Distribution>> = [];
  /** The relative search space last inferred (to read relative proposals other workers shared). */
  private lastSpace: Record<string, Distribution> = {};
  private splitMemo: { trials: readonly FrozenTrial[]; study: Study; current: number; split: Split } | null = null;
  /**
   * Constant liar: the relative proposals of this sampler's running trials, by trial number, so
   * other trials asked meanwhile see them before the objective suggests them (Optuna shares them
   * through the system attributes `tpe:relative_params:<i>`, which are read too).
   */
  private readonly runningRelative = new Map<number, { space: Record<string, Distribution>; params: Record<string, number> }>();
  private readonly splitTracker = new SplitTracker();
  private readonly columns = new Map<string, ParamColumn>();
  /** Per parameter, the above density maintained across trials (see `incrementalAbove`). */
  private readonly aboveCaches = new Map<string, AboveCache>();
  /** Off only to compare against the from-scratch path in tests. */
  private readonly incremental: boolean;
  private columnsStudy: Study | null = null;

  constructor(opts: TPESamplerOptions = {}) {
    checkSeed('TPESampler', opts.seed);
    const int = (name: string, v: number | undefined, dflt: number, min: number) => {
      if (v === undefined) return dflt;
      if (!Number.isInteger(v) || v < min) {
        throw new InvalidArgumentError(`TPESampler: ${name} must be an integer >= ${min}, got ${String(v)}.`);
      }
      return v;
    };
    this.nStartupTrials = int('nStartupTrials', opts.nStartupTrials, 10, 0);
    this.nEiCandidates = int('nEiCandidates', opts.nEiCandidates, 24, 1);
    const priorWeight = opts.priorWeight ?? 1.0;
    if (!(Number.isFinite(priorWeight) && priorWeight > 0)) {
      throw new InvalidArgumentError(`TPESampler: priorWeight must be a positive finite number, got ${String(priorWeight)}.`);
    }
    for (const key of ['gamma', 'weights', 'constraintsFunc'] as const) {
      if (opts[key] !== undefined && typeof opts[key] !== 'function') {
        throw new InvalidArgumentError(`TPESampler: ${key} must be a function, got ${typeof opts[key]}.`);
      }
    }
    if (opts.group && opts.multivariate === false) {
      throw new InvalidArgumentError('TPESampler: group: true needs multivariate (groups are modelled jointly); leave multivariate unset or true.');
    }
    const removed = opts as Record<string, unknown>;
    for (const key of ['normalizeKernels']) {
      if (removed[key] !== undefined) {
        throw new InvalidArgumentError(
          `TPESampler: the option ${key} no longer exists: kernels are always normalised and the prior always considered, as in Optuna 5.0. Remove it.`,
        );
      }
    }
    this.gamma = opts.gamma;
    this.multivariate = opts.multivariate;
    this.group = opts.group ?? false;
    this.constantLiar = opts.constantLiar ?? true;
    this.constraintsFunc = opts.constraintsFunc;
    this.parzen = {
      priorWeight,
      considerMagicClip: opts.considerMagicClip ?? true,
      considerEndpoints: opts.considerEndpoints ?? false,
      weights: opts.weights ?? defaultWeights,
    };
    this.incremental = !opts._noIncremental;
    this.rng = new Rng(opts.seed);
    this.randomRng = new Rng(opts.seed === undefined ? undefined : `${opts.seed}/startup`);
  }

  reseedRng(seed?: number): void {
    checkSeed('TPESampler.reseedRng', seed);
    this.rng = new Rng(seed);
    this.randomRng = new Rng(seed === undefined ? undefined : `${seed}/startup`);
  }

  /** Optuna 5.0's rule: multivariate unless set, single-objective studies only (group implies it). */
  private isMultivariate(study: Study): boolean {
    if (this.multivariate !== undefined) return this.multivariate;
    return this.group || !study.isMultiObjective;
  }

  inferRelativeSearchSpace(study: Study): Record<string, Distribution> {
    if (!this.isMultivariate(study)) return {};
    const out: Record<string, Distribution> = {};
    if (this.group) {
      this.lastGroups = this.groups.calculate(study);
      for (const g of this.lastGroups) for (const [name, d] of Object.entries(g)) if (!isSingle(d)) setKey(out, name, d);
      this.lastSpace = out;
      return out;
    }
    for (const [name, d] of Object.entries(this.intersection.calculate(study))) if (!isSingle(d)) setKey(out, name, d);
    this.lastSpace = out;
    return out;
  }

  sampleRelative(study: Study, trial: FrozenTrial, searchSpace: Record<string, Distribution>): Record<string, number> {
    let out: Record<string, number> = {};
    if (!this.group) {
      out = this.sampleJoint(study, trial, searchSpace);
    } else {
      for (const g of this.lastGroups) {
        const sub: Record<string, Distribution> = {};
        for (const name of Object.keys(g)) if (hasKey(searchSpace, name)) setKey(sub, name, searchSpace[name]);
        for (const [name, v] of Object.entries(this.sampleJoint(study, trial, sub))) setKey(out, name, v);
      }
    }
    if (this.constantLiar && Object.keys(out).length > 0) {
      const space: Record<string, Distribution> = {};
      for (const name of Object.keys(out)) setKey(space, name, searchSpace[name]);
      this.runningRelative.set(trial.number, { space, params: out });
    }
    return out;
  }

  sampleIndependent(study: Study, trial: FrozenTrial, paramName: string, distribution: Distribution): number {
    const split = this.split(study, trial);
    if (split.nFinished < this.nStartupTrials) return sampleUniformInternal(this.randomRng, distribution);
    const r = this.propose(study, split, [paramName], [distribution]);
    return r[0];
  }

  async afterTrial(study: Study, trial: FrozenTrial, state: TrialState, values: readonly number[] | null): Promise<void> {
    this.runningRelative.delete(trial.number);
    if (!this.constraintsFunc || (state !== TrialState.COMPLETE && state !== TrialState.PRUNED)) return;
    const c = this.constraintsFunc(withTrialChanges(trial, { state, values }));
    if (!Array.isArray(c) || c.some((v) => typeof v !== 'number' || Number.isNaN(v))) {
      throw new InvalidArgumentError(
        `TPESampler: constraintsFunc must return an array of numbers (<= 0 means satisfied); got ${JSON.stringify(c)} for trial ${trial.number}.`,
      );
    }
    await study.storage.setTrialSystemAttr(trial.trialId, CONSTRAINTS_KEY, [...c]);
  }

  private sampleJoint(study: Study, trial: FrozenTrial, space: Record<string, Distribution>): Record<string, number> {
    const names = Object.keys(space).sort();
    if (names.length === 0) return {};
    const split = this.split(study, trial);
    if (split.nFinished < this.nStartupTrials) return {};
    const picked = this.propose(study, split, names, names.map((n) => space[n]));
    const out: Record<string, number> = {};
    names.forEach((n, j) => setKey(out, n, picked[j]));
    return out;
  }

  /** Fit l and g on the trials that have every name, draw candidates from l, return the best l/g. */
  private propose(study: Study, split: Split, names: string[], dists: Distribution[]): number[] {
    const models = dists.map(paramModel);
    const columns = names.map((name, j) => this.column(study, name, dists[j]));
    const below = gatherObservations(split, split.below, columns);
    // Several objectives: the good observations weigh the same (Optuna 5.0).
    const weightsBelow = study.isMultiObjective ? new Float64Array(below.kept.length).fill(1) : undefined;
    const l = new ParzenEstimator(below.values, models, this.parzen, weightsBelow);
    const g = this.aboveEstimator(split, names, columns, models);
    const candidates = l.sample(this.rng, this.nEiCandidates);
    const ll = l.logPdf(candidates);
    const lg = g.logPdf(candidates);
    let best = 0;
    let bestScore = -Infinity;
    for (let s = 0; s < candidates[0].length; s++) {
      const score = ll[s] - lg[s];
      if (score > bestScore) {
        bestScore = score;
        best = s;
      }
    }
    return candidates.map((c) => c[best]);
  }

  /** g(x): maintained across trials when possible, else built from the above trials' values. */
  private aboveEstimator(
    split: Split,
    names: string[],
    columns: ParamColumn[],
    models: ParamModel[],
  ): { logPdf(samples: readonly Float64Array[]): Float64Array } {
    // One parameter is the same model whether sampled jointly or not (bandwidths are per parameter).
    const univariate = names.length === 1 && models[0].kind === 'numeric';
    if (univariate && this.incremental) {
      // Running trials that lack the parameter add nothing: the finished trials' split then serves.
      let finished: Split | null = split;
      if (split.running) {
        const column = columns[0];
        const anyHasIt = split.running.indices.some((i) => !Number.isNaN(column.get(split.trials[i])));
        finished = anyHasIt ? null : split.running.finished;
      }
      const cached = finished && this.incrementalAbove(finished, names[0], columns[0], models[0]);
      if (cached) return cached;
    }
    const above = gatherObservations(split, split.above, columns);
    if (above.kept.length <= 64) return new ParzenEstimator(above.values, models, this.parzen);
    if (univariate) return this.presortedEstimator(split, above.kept, above.values, columns[0], models);
    const positions = this.incremental ? sortedPositions(split, above.kept, columns, models) : null;
    return new ParzenEstimator(above.values, models, this.parzen, undefined, positions ?? false);
  }

  /**
   * The incrementally maintained above density of one continuous parameter, or null when this case
   * needs the from-scratch path (custom weights, too few observations, discrete values, running
   * trials). The cache follows the above list while each split only adds trials to it: newer ones
   * are appended, older ones (displaced from the good group) inserted at their time rank. A trial
   * leaving the list (gamma(n) grew, or one finished out of order) rebuilds it.
   */
  private incrementalAbove(split: Split, name: string, column: ParamColumn, model: ParamModel): IncrementalAboveDensity | null {
    if (model.kind !== 'numeric' || model.q !== null || this.parzen.weights !== defaultWeights || !this.parzen.considerMagicClip) return null;
    let cache = this.aboveCaches.get(name);
    if (!cache || cache.column !== column) {
      cache = { column, numbers: new Int32Array(256), length: 0, kept: [], density: null, token: undefined };
      this.aboveCaches.set(name, cache);
    }
    const { trials, above } = split;
    // A split from the tracker says whether only newer trials were appended; else compare the lists.
    const appendedOnly = split.aboveToken !== undefined && split.aboveToken === cache.token && above.length >= cache.length;
    cache.token = split.aboveToken;
    if (!appendedOnly && !this.mergeOlder(cache, split, column)) {
      cache.length = 0;
      cache.kept = [];
      cache.density = null;
    }
    const values: number[] = [];
    const seqs: number[] = [];
    const numbers: number[] = [];
    for (let i = cache.length; i < above.length; i++) {
      const t = trials[above[i]];
      if (t.state === RUNNING) {
        // Constant liar: a running trial's value is not final; keep the from-scratch path.
        cache.length = 0;
        cache.kept = [];
        cache.density = null;
        return null;
      }
      if (cache.length === cache.numbers.length) {
        const grown = new Int32Array(cache.length * 2);
        grown.set(cache.numbers);
        cache.numbers = grown;
      }
      cache.numbers[cache.length++] = t.number;
      const v = column.get(t);
      if (v !== v) continue; // the trial lacks this parameter
      cache.kept.push(t.number);
      values.push(v);
      seqs.push(column.sortedSeq(t.number));
      numbers.push(t.number);
    }
    if (cache.density) {
      if (numbers.length > 0) cache.density.append(values, seqs, numbers);
      return cache.density;
    }
    if (cache.kept.length < INCREMENTAL_MIN) return null;
    cache.density = this.buildIncremental(model, column, cache.kept);
    return cache.density;
  }

  /** A fresh incremental density of the kept trials, from the column's sorted values. */

  /**
   * Bring the cache up to the split's above list when older trials joined it (trials displaced from
   * the good group by better new ones) — the usual reason the list is not just extended. Returns
   * false when a trial the cache holds has left the list (or a joining one is running): rebuild.
   * Leaves the newer trials after the last cached one to the caller.
   */
  private mergeOlder(cache: AboveCache, split: Split, column: ParamColumn): boolean {
    const { trials, above } = split;
    const old = cache.numbers;
    const len = cache.length;
    if (len === 0) return true;
    const merged = new Int32Array(Math.max(old.length, above.length));
    const joined: FrozenTrial[] = [];
    let c = 0;
    for (let i = 0, j = 0; i < len; ) {
      if (j >= above.length) return false;
      const t = trials[above[j]];
      if (t.number === old[i]) {
        i++;
      } else if (t.number < old[i] && t.state !== RUNNING) {
        joined.push(t);
      } else {
        return false;
      }
      merged[c++] = t.number;
      j++;
    }
    for (const t of joined) {
      const v = column.get(t);
      if (v !== v) continue; // the trial lacks this parameter
      // Its time rank among the kept trials (ascending numbers).
      const kept = cache.kept;
      let lo = 0;
      let hi = kept.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (kept[mid] < t.number) lo = mid + 1;
        else hi = mid;
      }
      kept.splice(lo, 0, t.number);
      cache.density?.insertOlder(v, column.sortedSeq(t.number), t.number, lo);
    }
    cache.numbers = merged;
    cache.length = c;
    return true;
  }

  private buildIncremental(model: ParamModel & { kind: 'numeric' }, column: ParamColumn, kept: readonly number[]): IncrementalAboveDensity | null {
    const n = kept.length;
    const maxNumber = kept[n - 1];
    const rank = new Int32Array(maxNumber + 1).fill(-1);
    for (let r = 0; r < n; r++) rank[kept[r]] = r;
    const values = new Float64Array(n);
    const seqs = new Float64Array(n);
    const numbers = new Int32Array(n);
    const ranks = new Int32Array(n);
    const { values: sv, numbers: sn } = column.sorted();
    let c = 0;
    for (let p = 0; p < sv.length; p++) {
      const k = sn[p];
      if (k > maxNumber || rank[k] < 0) continue;
      values[c] = sv[p];
      seqs[c] = column.sortedSeq(k);
      numbers[c] = k;
      ranks[c] = rank[k];
      c++;
    }
    if (c !== n) return null; // defensive: every kept trial is finished, so it is in the sorted column
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
  ): { logPdf(samples: readonly Float64Array[]): Float64Array } {
    const n = kept.length;
    const weights = this.parzen.weights(n);
    const maxNumber = split.trials.length > 0 ? split.trials[split.trials.length - 1].number : 0;
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
      const extra = running.map((r) => ({ v: column.get(split.trials[kept[r]]), w: weights[r] }));
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

  private column(study: Study, name: string, dist: Distribution): ParamColumn {
    if (this.columnsStudy !== study) {
      this.columns.clear();
      this.aboveCaches.clear();
      this.columnsStudy = study;
    }
    let c = this.columns.get(name);
    if (!c || (c.dist !== dist && !distributionsEqual(c.dist, dist))) {
      c = new ParamColumn(name, dist);
      this.columns.set(name, c);
    }
    return c;
  }

  /**
   * The good/bad split of the study's current trials for `current`, computed once per snapshot of
   * the trials. The finished trials are split as without constant liar (incrementally when the
   * tracker allows); with constant liar the other running trials then join the bad group.
   */
  private split(study: Study, current: FrozenTrial): Split {
    const trials = study.trials;
    const memo = this.splitMemo;
    if (memo && memo.trials === trials && memo.study === study && memo.current === current.number) return memo.split;
    const opts = {
      directions: study.directions,
      constantLiar: false,
      constraints: this.constraintsFunc !== undefined,
      gamma: this.gamma ?? (study.isMultiObjective ? defaultGammaMultiObjective : defaultGamma),
      splitMultiObjective: selectBelowMultiObjective,
    };
    let split =
      this.incremental && SplitTracker.supports(opts) ? this.splitTracker.update(study, trials, opts) : computeSplit(trials, opts);
    if (this.constantLiar) {
      let running: FrozenTrial[] | null = null;
      for (const t of trials) {
        if (t.state !== RUNNING || t.number === current.number) continue;
        (running ??= []).push(this.withRelativeParams(t));
      }
      if (running) split = withRunning(split, running);
    }
    this.splitMemo = { trials, study, current: current.number, split };
    return split;
  }

  /**
   * A running trial as constant liar sees it: its parameters plus the relative proposals it has not
   * suggested yet (from this sampler, or from Optuna's `tpe:relative_params:<i>` attributes).
   */
  private withRelativeParams(t: FrozenTrial): FrozenTrial {
    const own = this.runningRelative.get(t.number);
    let space: Record<string, Distribution> | undefined = own?.space;
    let internal: Record<string, number> | undefined = own?.params;
    if (!own) {
      const shared = sharedRelativeParams(t, this.lastSpace);
      if (shared) ({ space, internal } = shared);
    }
    if (!space || !internal) return t;
    const distributions = { ...space, ...t.distributions };
    const internalParams = { ...internal, ...t.internalParams };
    return withTrialChanges(t, { distributions, internalParams });
  }
}

/**
 * For a joint estimator over the observations of the trials `kept` (split indices, in observation
 * order), each numeric parameter's sorted position of every observation, read from the columns'
 * incrementally sorted values instead of sorting: the same positions as the estimator's own
 * stable sort (equal values in observation order), so the same kernels. Null when a kept trial is
 * running (its value is not in the sorted column); categorical parameters get null entries.
 */
function sortedPositions(split: Split, kept: readonly number[], columns: readonly ParamColumn[], models: readonly ParamModel[]): Array<Int32Array | null> | null {
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
  return models.map((m, j) => {
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
    for (let a = 0; a < n; ) {
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

const RELATIVE_PARAMS_KEY = 'tpe:relative_params';

/**
 * Relative proposals an Optuna worker shared for its running trial: JSON of external values in
 * chunks `tpe:relative_params:0`, `:1`... Only parameters of `space` (the current relative search
 * space) are kept, converted to internal values; a torn or foreign record is ignored.
 */
function sharedRelativeParams(
  t: FrozenTrial,
  space: Record<string, Distribution>,
): { space: Record<string, Distribution>; internal: Record<string, number> } | null {
  const first = t.systemAttrs[`${RELATIVE_PARAMS_KEY}:0`];
  if (typeof first !== 'string') return null;
  let text = first;
  for (let i = 1; ; i++) {
    const part = t.systemAttrs[`${RELATIVE_PARAMS_KEY}:${i}`];
    if (typeof part !== 'string') break;
    text += part;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null; // a writer may be halfway through its chunks (Optuna falls back the same way)
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const outSpace: Record<string, Distribution> = {};
  const internal: Record<string, number> = {};
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    const d = space[name];
    if (!d) continue;
    const v = toInternal(d, value);
    if (v === undefined) continue;
    outSpace[name] = d;
    internal[name] = v;
  }
  return Object.keys(internal).length > 0 ? { space: outSpace, internal } : null;
}

function toInternal(d: Distribution, value: unknown): number | undefined {
  if (d.kind === 'categorical') {
    const i = d.choices.findIndex((c) => c === value);
    return i < 0 ? undefined : i;
  }
  return typeof value === 'number' && value >= d.low && value <= d.high ? value : undefined;
}

/**
 * The split with running trials added to the bad group (constant liar), everything in trial-number
 * order as `computeSplit` keeps it. Running trials do not count as finished.
 */
function withRunning(split: Split, running: readonly FrozenTrial[]): Split {
  const m = split.trials.length;
  const r = running.length;
  const trials: FrozenTrial[] = new Array(m + r);
  const newIndex = new Int32Array(m);
  const runningIndex: number[] = [];
  let i = 0;
  let j = 0;
  for (let k = 0; k < m + r; k++) {
    if (j >= r || (i < m && split.trials[i].number < running[j].number)) {
      newIndex[i] = k;
      trials[k] = split.trials[i++];
    } else {
      runningIndex.push(k);
      trials[k] = running[j++];
    }
  }
  const below = split.below.map((b) => newIndex[b]);
  const above = new Int32Array(split.above.length + r);
  let a = 0;
  let q = 0;
  for (let k = 0; k < above.length; k++) {
    if (q >= r || (a < split.above.length && newIndex[split.above[a]] < runningIndex[q])) above[k] = newIndex[split.above[a++]];
    else above[k] = runningIndex[q++];
  }
  const lossVectors = split.lossVectors.length === 0 ? [] : trials.map(() => null as readonly number[] | null);
  if (lossVectors.length > 0) for (let k = 0; k < m; k++) lossVectors[newIndex[k]] = split.lossVectors[k];
  let violations: Float64Array | null = null;
  if (split.violations) {
    violations = new Float64Array(m + r);
    for (let k = 0; k < m; k++) violations[newIndex[k]] = split.violations[k];
  }
  return { trials, below, above, nFinished: split.nFinished, lossVectors, violations, running: { indices: runningIndex, finished: split } };
}
