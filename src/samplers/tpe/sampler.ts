import { showAsConstructed } from '../../constructedDisplay';
import { isSingle, type Distribution } from '../../distributions';
import { InvalidArgumentError } from '../../errors';
import { TrialState, withTrialChanges, type FrozenTrial } from '../../frozenTrial';
import { checkSeed, Rng } from '../../rng';
import { peekTrials, type AlgorithmResult, type StudyView } from '../../study/view';
import { FinishedTrialsRecord } from '../../study/unfinishedTrials';
import type { Sampler } from '../base';
import { constraintsToRecord } from '../../multiobjective/constraints';
import { sampleUniformInternal } from '../random';
import { GroupDecomposedSearchSpace, IntersectionSearchSpace } from '../searchSpace';
import { GoodGroupSelector } from './multiObjective';
import { AboveDensities, usesFromScratchPaths } from './aboveDensity';
import { IncrementalAboveDensity } from './incrementalAbove';
import { goodGroupNumbers, IncrementalBelow } from './incrementalBelow';
import { KernelCellMasses } from './discreteCells';
import { argmaxRatio } from './nearFirstSum';
import { computeSplit, gatherObservations, SplitTracker, type ParamColumn, type Split } from './observations';
import { ParetoSplitTracker } from './paretoSplit';
import { RunningSplits } from './runningSplit';
import { ParzenEstimator, paramModel, type ParamModel, type ParzenEstimatorParameters } from './parzenEstimator';
import { defaultGamma, defaultGammaMultiObjective, defaultWeights } from './weights';
import { hasKey, ownValue, setKey } from '../../dict';
import { intOr } from '../../validate';
import { mapPacked } from '../../packedArrays';
import { checkOptionKeys, optionKeys } from '../../options';

// Plain constant for the per-trial loops (an enum member read through a module binding is slower).
const RUNNING = TrialState.RUNNING;

export { defaultGamma, defaultGammaMultiObjective, defaultWeights, hyperoptDefaultGamma } from './weights';

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
}

const TPE_SAMPLER_OPTION_KEYS = optionKeys<TPESamplerOptions>({
  seed: true,
  nStartupTrials: true,
  nEiCandidates: true,
  gamma: true,
  weights: true,
  priorWeight: true,
  considerMagicClip: true,
  considerEndpoints: true,
  multivariate: true,
  group: true,
  constantLiar: true,
  constraintsFunc: true,
});

/** What TPE needs of l(x): candidates drawn from it, and their log densities. */
type BelowEstimator = Pick<ParzenEstimator, 'sample' | 'logPdf'> & Partial<Pick<IncrementalBelow, 'roughLogPdf'>>;

/** A proposal's candidates (one array per parameter) and their log densities under l and g. */
interface CandidateBuffers {
  draws: Float64Array[];
  logL: Float64Array;
  logG: Float64Array;
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
  /** Per parameter set (names joined), the last good-trial estimator and what it was fitted to. */
  private readonly belowMemo = new Map<
    string,
    {
      columns: readonly ParamColumn[];
      multiObjective: boolean;
      values: readonly Float64Array[];
      estimator: BelowEstimator;
      /** The split's `belowToken` the estimator was fitted for (the same group: the same values). */
      belowToken: object | undefined;
    }
  >();
  /** Several objectives: per continuous parameter, its good trials' estimator kept across trials. */
  private readonly incrementalBelows = new Map<string, IncrementalBelow>();
  /** The good group's trial numbers for the split last asked (`goodGroupNumbers`). */
  private goodNumbersMemo: { split: Split; numbers: Int32Array } | null = null;
  /** Per discrete parameter, its good trials' kernels' cell masses (`cellMassesFor`). */
  private readonly cellMasses = new Map<string, KernelCellMasses>();
  private splitMemo: { trials: readonly FrozenTrial[]; changes?: number; study: StudyView; current: number; split: Split } | null = null;
  /** Constant liar's splits (the running trials joining the bad group), built from one to the next. */
  private readonly runningSplits = new RunningSplits();
  /** The study's unfinished trials, where constant liar finds the running ones (see `split`). */
  private readonly runningScan = new FinishedTrialsRecord(
    () => undefined,
    () => this.runningSplits.reset(),
  );
  /**
   * Constant liar: the relative proposals of this sampler's running trials, by trial number, so
   * other trials asked meanwhile see them before the objective suggests them (Optuna shares them
   * through the system attributes `tpe:relative_params:<i>`, which are read too).
   */
  private readonly runningRelative = new Map<number, { space: Record<string, Distribution>; params: Record<string, number> }>();
  private readonly splitTracker = new SplitTracker();
  private readonly paretoSplitTracker = new ParetoSplitTracker();
  /** Several objectives: the good group's selection, keeping the trials' order from one split to the next. */
  private readonly goodGroup = new GoodGroupSelector();
  /**
   * The candidates' arrays, kept from one proposal to the next: typed arrays of more than 64 bytes
   * live outside V8's heap, and allocating and collecting one costs microseconds (four per trial).
   */
  private candidateBuffers: CandidateBuffers | null = null;
  /** g(x) and the sorted columns and caches that keep it cheap (aboveDensity.ts). */
  private readonly above: AboveDensities;

  constructor(opts: TPESamplerOptions = {}) {
    showAsConstructed(this, 'TPESampler', [opts]);
    deprecatedInOptuna(opts);
    checkSeed('TPESampler', opts.seed);
    const int = (name: string, v: number | undefined, dflt: number, min: number) => intOr('TPESampler', name, v, dflt, min);
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
      throw new InvalidArgumentError(
        'TPESampler: group: true needs multivariate (groups are modelled jointly); leave multivariate unset or true.',
      );
    }
    const removed = opts as Record<string, unknown>;
    for (const key of ['normalizeKernels']) {
      if (removed[key] !== undefined) {
        throw new InvalidArgumentError(
          `TPESampler: the option ${key} no longer exists: kernels are always normalised and the prior always considered, as in Optuna 5.0. Remove it.`,
        );
      }
    }
    checkOptionKeys('TPESampler', opts, TPE_SAMPLER_OPTION_KEYS);
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
    this.above = new AboveDensities(this.parzen, () => this.incremental);
    this.rng = new Rng(opts.seed);
    this.randomRng = new Rng(opts.seed === undefined ? undefined : `${opts.seed}/startup`);
  }

  reseedRng(seed?: number): void {
    checkSeed('TPESampler.reseedRng', seed);
    this.rng = new Rng(seed);
    this.randomRng = new Rng(seed === undefined ? undefined : `${seed}/startup`);
  }

  /** Optuna 5.0's rule: multivariate unless set, single-objective studies only (group implies it). */
  private isMultivariate(study: StudyView): boolean {
    if (this.multivariate !== undefined) return this.multivariate;
    return this.group || !study.isMultiObjective;
  }

  inferRelativeSearchSpace(study: StudyView): Record<string, Distribution> {
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

  sampleRelative(study: StudyView, trial: FrozenTrial, searchSpace: Record<string, Distribution>): Record<string, number> {
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

  sampleIndependent(study: StudyView, trial: FrozenTrial, paramName: string, distribution: Distribution): number {
    const split = this.split(study, trial);
    if (split.nFinished < this.nStartupTrials) return sampleUniformInternal(this.randomRng, distribution);
    const r = this.propose(study, split, [paramName], [distribution]);
    return r[0];
  }

  afterTrial(_study: StudyView, trial: FrozenTrial, state: TrialState, values: readonly number[] | null): AlgorithmResult {
    this.runningRelative.delete(trial.number);
    if (!this.constraintsFunc) return;
    return constraintsToRecord(trial, state, values, this.constraintsFunc, 'TPESampler');
  }

  private sampleJoint(study: StudyView, trial: FrozenTrial, space: Record<string, Distribution>): Record<string, number> {
    const names = Object.keys(space);
    if (names.length === 0) return {};
    // The inferred space comes with its names sorted already; sorting anew each trial cost an allocation.
    if (!namesAscending(names)) names.sort();
    const split = this.split(study, trial);
    if (split.nFinished < this.nStartupTrials) return {};
    const picked = this.propose(
      study,
      split,
      names,
      mapPacked(names, (n) => space[n]),
    );
    const out: Record<string, number> = {};
    names.forEach((n, j) => setKey(out, n, picked[j]));
    return out;
  }

  /** Fit l and g on the trials that have every name, draw candidates from l, return the best l/g. */
  private propose(study: StudyView, split: Split, names: string[], dists: Distribution[]): number[] {
    const models = mapPacked(dists, paramModel);
    const columns = mapPacked(names, (name, j) => this.above.column(study, name, dists[j]));
    const l = this.belowEstimator(study, split, names, columns, models);
    const g = this.above.estimator(split, names, columns, models);
    const buffers = this.candidateBuffersFor(names.length);
    const candidates = l.sample(this.rng, this.nEiCandidates, buffers.draws);
    // A discrete parameter's kept good group scores its candidates by runs of kernels, exactly only
    // where the choice comes down to them, for a density that can tell where (its own above density).
    const rough = g instanceof IncrementalAboveDensity && l.roughLogPdf ? l.roughLogPdf(candidates, buffers.logL) : null;
    if (rough) {
      const chosen = (g as IncrementalAboveDensity).bestRatio(candidates, buffers.logL, buffers.logG, rough);
      return mapPacked(candidates, (c) => c[chosen]);
    }
    const ll = l.logPdf(candidates, buffers.logL);
    const best = g.bestRatio ? g.bestRatio(candidates, ll, buffers.logG) : argmaxRatio(ll, g.logPdf(candidates, buffers.logG));
    return mapPacked(candidates, (c) => c[best]);
  }

  private candidateBuffersFor(d: number): CandidateBuffers {
    const size = this.nEiCandidates;
    if (this.candidateBuffers?.draws.length !== d) {
      this.candidateBuffers = {
        draws: Array.from({ length: d }, () => new Float64Array(size)),
        logL: new Float64Array(size),
        logG: new Float64Array(size),
      };
    }
    return this.candidateBuffers;
  }

  /**
   * l(x), the good trials' estimator. The good group changes only when a new trial ranks among the
   * best gamma(n) or gamma(n) grows (in a long study, one trial in tens), so the estimator of the
   * last proposal over the same parameters is reused while its observations are the same values in
   * the same order: it is a function of them alone (with the default weights, which depend only
   * on their count; a custom weights function is called anew each time, as Optuna does).
   */
  private belowEstimator(
    study: StudyView,
    split: Split,
    names: readonly string[],
    columns: readonly ParamColumn[],
    models: ParamModel[],
  ): BelowEstimator {
    const multiObjective = study.isMultiObjective;
    if (multiObjective && names.length === 1 && this.incremental) {
      const kept = this.incrementalBelow(split, names[0], columns[0], models[0]);
      if (kept) return kept;
    }
    const key = names.join('\u0000');
    const memo = this.belowMemo.get(key);
    // Not for `useFromScratchPaths` samplers: the tests compare the two paths' proposals.
    const reusable = this.incremental && (this.parzen.weights === defaultWeights || multiObjective);
    const sameFit = reusable && memo && memo.multiObjective === multiObjective && memo.columns.every((c, j) => c === columns[j]);
    // The same good group (a tracker's token says so: its trials' values are final) needs no
    // reading: with several objectives it is a tenth of the history, read every trial otherwise.
    if (sameFit && split.belowToken !== undefined && memo.belowToken === split.belowToken) return memo.estimator;
    const below = gatherObservations(split, split.below, columns);
    if (sameFit && memo.values.every((v, j) => sameValues(v, below.values[j]))) {
      memo.belowToken = split.belowToken;
      return memo.estimator;
    }
    // Several objectives: the good observations weigh the same (Optuna 5.0).
    const weightsBelow = multiObjective ? new Float64Array(below.kept.length).fill(1) : undefined;
    const estimator = new ParzenEstimator(below.values, models, this.parzen, weightsBelow);
    // From 98 observations the magic clip's floor stays, and with it most kernels.
    if (this.incremental && names.length === 1 && below.kept.length >= 98) {
      const cells = this.cellMassesFor(names[0], models[0]);
      if (cells) estimator.shareCellMasses(cells);
    }
    if (reusable) {
      // Bounded: a define-by-run space may visit many parameter sets.
      if (this.belowMemo.size >= 64 && !memo) this.belowMemo.clear();
      this.belowMemo.set(key, { columns, multiObjective, values: below.values, estimator, belowToken: split.belowToken });
    }
    return estimator;
  }

  /** A discrete parameter's kernels' cell masses, kept across its good groups' estimators (null for any other parameter). */
  private cellMassesFor(name: string, model: ParamModel): KernelCellMasses | null {
    if (model.kind !== 'numeric' || model.q === null) return null;
    let table = this.cellMasses.get(name);
    if (!table || !table.fits(model)) {
      // Bounded: a define-by-run space may visit many parameters.
      if (this.cellMasses.size >= 64) this.cellMasses.clear();
      table = new KernelCellMasses(model, model.q);
      this.cellMasses.set(name, table);
    }
    return table;
  }

  /**
   * Several objectives, one numeric parameter: its good trials' estimator, kept across trials and
   * brought up to the split's good group (null while fewer than 98 good trials have it: then built
   * from scratch).
   */
  private incrementalBelow(split: Split, name: string, column: ParamColumn, model: ParamModel): IncrementalBelow | null {
    if (model.kind !== 'numeric' || !this.parzen.considerMagicClip) return null;
    let kept = this.incrementalBelows.get(name);
    if (!kept || kept.column !== column) {
      // Bounded: a define-by-run space may visit many parameters.
      if (this.incrementalBelows.size >= 64) this.incrementalBelows.clear();
      kept = new IncrementalBelow(model, this.parzen, column, this.cellMassesFor(name, model) ?? undefined);
      this.incrementalBelows.set(name, kept);
    }
    return kept.sync(split.trials, split.below, this.goodGroupNumbers(split)) ? kept : null;
  }

  /** `goodGroupNumbers` of the split, read once for all its parameters. */
  private goodGroupNumbers(split: Split): Int32Array {
    const memo = this.goodNumbersMemo;
    if (memo !== null && memo.split === split) return memo.numbers;
    const numbers = goodGroupNumbers(split.trials, split.below);
    this.goodNumbersMemo = { split, numbers };
    return numbers;
  }

  /**
   * The good/bad split of the study's current trials for `current`, computed once per snapshot of
   * the trials. The finished trials are split as without constant liar (incrementally when the
   * tracker allows); with constant liar the other running trials then join the bad group.
   */
  /** False for samplers passed to `useFromScratchPaths` (tests of the incremental paths). */
  private get incremental(): boolean {
    return !usesFromScratchPaths(this);
  }

  private split(study: StudyView, current: FrozenTrial): Split {
    // Read without a copy where the study allows (the trackers read only what is new in them): the
    // same array, changed in place, so the memo also compares the study's count of changes.
    const { trials, changes } = peekTrials(study);
    const memo = this.splitMemo;
    if (memo && memo.trials === trials && memo.changes === changes && memo.study === study && memo.current === current.number) {
      return memo.split;
    }
    const opts = {
      directions: study.directions,
      constantLiar: false,
      constraints: this.constraintsFunc !== undefined,
      gamma: this.gamma ?? (study.isMultiObjective ? defaultGammaMultiObjective : defaultGamma),
      splitMultiObjective: this.goodGroup.select,
    };
    let split = !this.incremental
      ? computeSplit(trials, opts)
      : SplitTracker.supports(opts)
        ? this.splitTracker.update(study, trials, opts)
        : ParetoSplitTracker.supports(opts)
          ? this.paretoSplitTracker.update(study, trials, opts)
          : computeSplit(trials, opts);
    if (this.constantLiar) {
      // Finished trials stay finished: only the unfinished ones are looked at again (a long study
      // would otherwise walk its whole history every trial to find the one or two running).
      const scanned = this.runningScan.update(study);
      let running: FrozenTrial[] | null = null;
      for (const t of this.runningScan.unfinishedOf(scanned)) {
        if (t.state !== RUNNING || t.number === current.number) continue;
        (running ??= []).push(this.withRelativeParams(t));
      }
      split = this.runningSplits.extend(split, running ?? []);
    }
    this.splitMemo = { trials, changes, study, current: current.number, split };
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

function sameValues(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function namesAscending(names: readonly string[]): boolean {
  for (let i = 1; i < names.length; i++) if (!(names[i - 1] < names[i])) return false;
  return true;
}

/**
 * Options Optuna 5.0 still takes only to deprecate them, whose defaults are what tunelab does: an
 * Optuna user porting a script is told why they are not needed, rather than "unknown option".
 */
const DEPRECATED_IN_OPTUNA: Record<string, string> = {
  considerPrior: "Optuna deprecates consider_prior (4.3) and always uses the prior, as tunelab's TPESampler does",
  warnIndependentSampling:
    "Optuna deprecates warn_independent_sampling (4.9) and no longer warns by default; tunelab's TPESampler never warns",
};

function deprecatedInOptuna(opts: unknown): void {
  if (opts === null || typeof opts !== 'object') return;
  for (const key of Object.keys(opts)) {
    const why = ownValue(DEPRECATED_IN_OPTUNA, key);
    if (why !== undefined) throw new InvalidArgumentError(`TPESampler: ${key} is not an option here: ${why}. Leave it out.`);
  }
}
