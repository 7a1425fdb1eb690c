/**
 * Successive-halving searches with scikit-learn 1.9's semantics (HalvingGridSearchCV,
 * HalvingRandomSearchCV): every candidate is first cross-validated with a small resource (a
 * subsample of the rows, or a small value of an estimator parameter such as an iteration count),
 * the best 1/factor go on to `factor` times the resource, until one iteration is left. The
 * schedule (iterations, resources and candidate counts per iteration) is scikit-learn's, number
 * for number, and so is the choice of survivors given the same scores.
 */
import { showDeeper } from '../constructedDisplay';
import { InvalidArgumentError } from '../errors';
import { checkSearchInput, type Estimator, type Matrix, type Params, type Vector } from '../models/estimator';
import type { NoInference } from '../options';
import { Rng } from '../rng';
import { StepInterrupts } from '../stepInterrupts';
import {
  rankCandidates,
  resolveCV,
  resolveRefit,
  runFolds,
  sampleCandidates,
  expandGrid,
  type CandidateResult,
  type DistributionsFor,
  type ParamGrid,
  type ParamGridFor,
  type ParamSampler,
  type SearchOptions,
  type SearchResult,
} from './search';
import type { Fold, Splitter } from './splitters';
import { pythonLog } from './pythonLog';
import { checkOptionKeys, seedOrRandomState, type RandomStateOption } from '../options';
import { HALVING_GRID_OPTION_KEYS, HALVING_RANDOM_OPTION_KEYS } from './optionKeys';

/** The resource that grows: training rows ('nSamples', scikit-learn's 'n_samples') or an estimator parameter's name. */
export type HalvingResource = 'nSamples' | (string & {});

export interface HalvingOptions extends SearchOptions, RandomStateOption {
  /** Keep the best 1/factor of the candidates and multiply the resource by factor each iteration (default 3). */
  factor?: number;
  /** Default 'nSamples'. A parameter name (e.g. 'epochs', 'nEstimators') needs maxResources. */
  resource?: HalvingResource;
  /** The most resource a candidate gets; 'auto' (default) is the number of rows, for resource 'nSamples' only. */
  maxResources?: 'auto' | number;
  /**
   * The first iteration's resource. 'smallest' (for 'nSamples': 2 x folds, x classes for a classifier;
   * for a parameter: 1), 'exhaust' (default: the largest that still lets the last iteration use
   * maxResources), or a number.
   */
  minResources?: 'exhaust' | 'smallest' | number;
  /**
   * When the resources run out before the candidates are down to a few, keep eliminating at the
   * smallest resource until the schedule fits (default false: stop after the possible iterations).
   */
  aggressiveElimination?: boolean;
  /** Seeds the row subsampling (and, for halvingRandomSearchCV, the candidate sampling); or `randomState`, scikit-learn's name. */
  seed?: number;
}

/** A row of cvResults: which iteration evaluated the candidate and with how much resource. */
export interface HalvingCandidateResult extends CandidateResult {
  /** The iteration (0-based; scikit-learn's `iter` column). */
  iter: number;
  /** The resource the candidate was given (scikit-learn's `n_resources` column). */
  nResources: number;
}

export interface HalvingSearchResult<E extends Estimator = Estimator, P extends Params = Params> extends SearchResult<E, P> {
  cvResults: HalvingCandidateResult[];
  /** Iterations run. */
  nIterations_: number;
  /** Resource of each iteration. */
  nResources_: number[];
  /** Candidates evaluated in each iteration. */
  nCandidates_: number[];
  /** Candidates left after the last iteration. */
  nRemainingCandidates_: number;
  /** Iterations needed to get down to one candidate (1 + floor(log_factor(candidates))). */
  nRequiredIterations_: number;
  /** Iterations the resources allow (1 + floor(log_factor(maxResources_ / minResources_))). */
  nPossibleIterations_: number;
  minResources_: number;
  maxResources_: number;
}

/** What decides a halving schedule, resolved from the options and the data. */
export interface HalvingScheduleInput {
  nCandidates: number;
  factor: number;
  /** The resolved first resource before 'exhaust' is applied. */
  minResources: number;
  maxResources: number;
  exhaust: boolean;
  aggressiveElimination: boolean;
}

export interface HalvingSchedule {
  minResources_: number;
  nRequiredIterations: number;
  nPossibleIterations: number;
  nIterations: number;
  /** The resource of each iteration (the candidate count is known only once survivors are chosen). */
  resources: number[];
}

// Python's math.log(x, base) to the last bit (floor(log(243, 3)) is 4 there; see pythonLog.ts).
const logBase = pythonLog;
// Python's `a // b` on positive numbers.
const floorDiv = (a: number, b: number) => Math.floor(a / b);

/** scikit-learn's BaseSuccessiveHalving._run_search arithmetic. */
export function halvingSchedule(input: HalvingScheduleInput): HalvingSchedule {
  const { nCandidates, factor, maxResources, aggressiveElimination } = input;
  const nRequiredIterations = 1 + Math.floor(logBase(nCandidates, factor));
  let minResources_ = input.minResources;
  if (input.exhaust) minResources_ = Math.max(minResources_, floorDiv(maxResources, factor ** (nRequiredIterations - 1)));
  const nPossibleIterations = 1 + Math.floor(logBase(floorDiv(maxResources, minResources_), factor));
  const nIterations = aggressiveElimination ? nRequiredIterations : Math.min(nPossibleIterations, nRequiredIterations);
  const resources: number[] = [];
  for (let itr = 0; itr < nIterations; itr++) {
    const power = aggressiveElimination ? Math.max(0, itr - nRequiredIterations + nPossibleIterations) : itr;
    resources.push(Math.min(Math.trunc(factor ** power * minResources_), maxResources));
  }
  return { minResources_, nRequiredIterations, nPossibleIterations, nIterations, resources };
}

/**
 * The best `k` candidates of an iteration, worst first (scikit-learn's `_top_k`: an ascending sort
 * with NaN scores counted below every number).
 */
export function topK(rows: readonly { params: Params; meanTestScore: number }[], k: number): Params[] {
  const order = rows.map((_, i) => i);
  const score = (i: number) => rows[i].meanTestScore;
  order.sort((a, b) => {
    const nanA = Number.isNaN(score(a));
    const nanB = Number.isNaN(score(b));
    if (nanA || nanB) return nanA === nanB ? 0 : nanA ? -1 : 1;
    return score(a) - score(b);
  });
  return order.slice(Math.max(0, order.length - k)).map((i) => rows[i].params);
}

function uniqueCount(y: Vector): number {
  return new Set(y).size;
}

interface Resolved {
  factor: number;
  resource: HalvingResource;
  minResources: number;
  maxResources: number;
  exhaust: boolean;
  aggressiveElimination: boolean;
}

function resolveOptions(where: string, model: Estimator, X: Matrix, y: Vector, splitter: Splitter, opts: HalvingOptions): Resolved {
  const factor = opts.factor ?? 3;
  // scikit-learn accepts any factor > 0 and fails later (a division by zero, an empty result) at 1 or less.
  if (!(typeof factor === 'number' && factor > 1 && Number.isFinite(factor)))
    throw new InvalidArgumentError(
      `${where}: factor must be a number greater than 1 (each iteration keeps 1/factor of the candidates), got ${String(factor)}.`,
    );
  const resource = opts.resource ?? 'nSamples';
  if (resource !== 'nSamples' && !Object.prototype.hasOwnProperty.call(model.getParams(), resource)) {
    throw new InvalidArgumentError(
      `${where}: cannot use resource '${resource}', which is not a parameter of the estimator (its parameters: ${Object.keys(model.getParams()).join(', ')}). Use 'nSamples' or one of those.`,
    );
  }
  const setting = opts.minResources ?? 'exhaust';
  let minResources: number;
  if (setting === 'smallest' || setting === 'exhaust') {
    // scikit-learn's "magic factor" 2: at least two rows per fold (and per class for a classifier).
    minResources = resource === 'nSamples' ? splitter.getNSplits() * 2 * (model.estimatorType === 'classifier' ? uniqueCount(y) : 1) : 1;
  } else if (Number.isInteger(setting) && setting > 0) {
    minResources = setting;
  } else {
    throw new InvalidArgumentError(`${where}: minResources must be 'exhaust', 'smallest' or a positive integer, got ${String(setting)}.`);
  }
  const maxSetting = opts.maxResources ?? 'auto';
  let maxResources: number;
  if (maxSetting === 'auto') {
    if (resource !== 'nSamples')
      throw new InvalidArgumentError(`${where}: resource '${resource}' needs a numeric maxResources ('auto' means the number of rows).`);
    maxResources = X.length;
  } else if (Number.isInteger(maxSetting) && maxSetting > 0) {
    maxResources = maxSetting;
    if (resource === 'nSamples' && maxResources > X.length) {
      throw new InvalidArgumentError(
        `${where}: maxResources (${maxResources}) is more rows than X has (${X.length}); with resource 'nSamples' use 'auto' or at most ${X.length}.`,
      );
    }
  } else {
    throw new InvalidArgumentError(`${where}: maxResources must be 'auto' or a positive integer, got ${String(maxSetting)}.`);
  }
  if (minResources > maxResources)
    throw new InvalidArgumentError(`${where}: minResources (${minResources}) is greater than maxResources (${maxResources}).`);
  return {
    factor,
    resource,
    minResources,
    maxResources,
    exhaust: setting === 'exhaust',
    aggressiveElimination: opts.aggressiveElimination ?? false,
  };
}

/**
 * The folds of one iteration with resource 'nSamples': each fold's train and test rows subsampled
 * to `fraction` of their size (truncated, as scikit-learn's int()). One seeded permutation per
 * fold, so an iteration's rows include the previous iteration's.
 */
function subsampledFolds(folds: readonly Fold[], fraction: number, seed: number): Fold[] {
  const pick = (indices: readonly number[], salt: number) => {
    const n = Math.trunc(fraction * indices.length);
    const shuffled = new Rng(seed + salt).shuffle([...indices]);
    return shuffled.slice(0, n).sort((a, b) => a - b);
  };
  return folds.map((f, i) => ({ train: pick(f.train, 2 * i), test: pick(f.test, 2 * i + 1) }));
}

async function runHalving(
  where: string,
  model: Estimator,
  candidates: Params[],
  X: Matrix,
  y: Vector,
  opts: HalvingOptions,
  resolved: Resolved,
  splitter: Splitter,
): Promise<HalvingSearchResult> {
  if (candidates.length === 0) throw new InvalidArgumentError(`${where}: there are no candidates to search.`);
  const refit = resolveRefit(where, opts.refit);
  const { resource, factor } = resolved;
  if (resource !== 'nSamples' && candidates.some((c) => Object.prototype.hasOwnProperty.call(c, resource))) {
    throw new InvalidArgumentError(
      `${where}: cannot use parameter '${resource}' as the resource since it is also searched. Drop it from the search space.`,
    );
  }
  const schedule = halvingSchedule({ ...resolved, nCandidates: candidates.length });
  const interrupts = new StepInterrupts(where, opts.signal, {
    unit: 'candidate evaluation(s)',
    total: evaluationCount(candidates.length, schedule.nIterations, factor),
    kept: 'their rows went to onCandidate',
  });
  const folds = [...splitter.split(X, y)];
  const subsampleSeed = seedOrRandomState(where, opts) ?? new Rng().int(0, 2 ** 31 - 1);
  const rows: Omit<HalvingCandidateResult, 'rank'>[] = [];
  const nCandidates_: number[] = [];
  let current = candidates;
  for (let itr = 0; itr < schedule.nIterations; itr++) {
    const nResources = schedule.resources[itr];
    nCandidates_.push(current.length);
    const iterFolds = resource === 'nSamples' ? subsampledFolds(folds, nResources / X.length, subsampleSeed) : folds;
    const cv: Splitter = { getNSplits: () => iterFolds.length, split: () => iterFolds[Symbol.iterator]() };
    if (resource !== 'nSamples') current = current.map((c) => ({ ...c, [resource]: nResources }));
    const iterRows: Omit<HalvingCandidateResult, 'rank'>[] = [];
    for (const params of current) {
      const cvr = await runFolds(model.clone(params), X, y, { cv, scoring: opts.scoring }, () => interrupts.check(rows.length));
      const row = { params, splitScores: cvr.testScore, meanTestScore: cvr.mean, stdTestScore: cvr.std, iter: itr, nResources };
      iterRows.push(row);
      rows.push(row);
      opts.onCandidate?.({ ...row, rank: NaN }, rows.length - 1);
    }
    current = topK(iterRows, Math.ceil(current.length / factor));
  }
  const cvResults = rankCandidates(rows) as HalvingCandidateResult[];
  // The best of the last iteration (the first of equal scores), not of all iterations.
  const last = schedule.nIterations - 1;
  let bestIndex = -1;
  cvResults.forEach((r, i) => {
    if (r.iter !== last) return;
    if (bestIndex < 0) bestIndex = i;
    else if (
      !Number.isNaN(r.meanTestScore) &&
      (Number.isNaN(cvResults[bestIndex].meanTestScore) || r.meanTestScore > cvResults[bestIndex].meanTestScore)
    )
      bestIndex = i;
  });
  const best = cvResults[bestIndex];
  if (refit) interrupts.check(rows.length);
  const bestEstimator = refit ? await model.clone(best.params).fit(X, y) : null;
  return showDeeper(
    {
      bestParams: best.params,
      bestScore: best.meanTestScore,
      bestIndex,
      bestEstimator,
      cvResults,
      nIterations_: schedule.nIterations,
      nResources_: schedule.resources,
      nCandidates_,
      nRemainingCandidates_: current.length,
      nRequiredIterations_: schedule.nRequiredIterations,
      nPossibleIterations_: schedule.nPossibleIterations,
      minResources_: schedule.minResources_,
      maxResources_: resolved.maxResources,
    },
    2,
  );
}

/** How many candidate evaluations the iterations make: each keeps the best 1/factor (as topK) of the one before. */
function evaluationCount(nCandidates: number, nIterations: number, factor: number): number {
  let total = 0;
  for (let itr = 0, n = nCandidates; itr < nIterations; itr++, n = Math.min(n, Math.ceil(n / factor))) total += n;
  return total;
}

/** Successive halving over every point of `paramGrid` (scikit-learn's HalvingGridSearchCV). */
export async function halvingGridSearchCV<P extends Params, E extends Estimator<P> = Estimator<P>>(
  estimator: E & Estimator<P>,
  paramGrid: NoInference<ParamGridFor<P>>,
  X: Matrix,
  y: Vector,
  opts: HalvingOptions = {},
): Promise<HalvingSearchResult<E, P>> {
  checkOptionKeys('halvingGridSearchCV', opts, HALVING_GRID_OPTION_KEYS);
  checkSearchInput('halvingGridSearchCV', estimator, X, y);
  const model = estimator as Estimator;
  const splitter = resolveCV(opts.cv, model);
  const resolved = resolveOptions('halvingGridSearchCV', model, X, y, splitter, opts);
  return (await runHalving(
    'halvingGridSearchCV',
    model,
    expandGrid(paramGrid as ParamGrid),
    X,
    y,
    opts,
    resolved,
    splitter,
  )) as unknown as HalvingSearchResult<E, P>;
}

/**
 * Successive halving over `nCandidates` configurations sampled from `distributions` (scikit-learn's
 * HalvingRandomSearchCV). nCandidates 'exhaust' (default) samples maxResources / minResources of
 * them, so the last iteration can use all the resources; it cannot be combined with minResources
 * 'exhaust'. When every parameter is a list, candidates are distinct points of their grid (at most
 * the whole grid), as scikit-learn samples without replacement then.
 */
export async function halvingRandomSearchCV<P extends Params, E extends Estimator<P> = Estimator<P>>(
  estimator: E & Estimator<P>,
  distributions: NoInference<DistributionsFor<P>>,
  X: Matrix,
  y: Vector,
  opts: HalvingOptions & { nCandidates?: 'exhaust' | number } = {},
): Promise<HalvingSearchResult<E, P>> {
  checkOptionKeys('halvingRandomSearchCV', opts, HALVING_RANDOM_OPTION_KEYS);
  checkSearchInput('halvingRandomSearchCV', estimator, X, y);
  const where = 'halvingRandomSearchCV';
  const model = estimator as Estimator;
  const nCandidates = opts.nCandidates ?? 'exhaust';
  // scikit-learn's HalvingRandomSearchCV defaults min_resources to 'smallest'.
  const withDefaults = { ...opts, minResources: opts.minResources ?? 'smallest' };
  if (nCandidates === 'exhaust' && withDefaults.minResources === 'exhaust') {
    throw new InvalidArgumentError(
      `${where}: nCandidates and minResources cannot both be 'exhaust'; set one of them to a number (or minResources to 'smallest').`,
    );
  }
  if (nCandidates !== 'exhaust' && !(Number.isInteger(nCandidates) && nCandidates > 0)) {
    throw new InvalidArgumentError(`${where}: nCandidates must be 'exhaust' or a positive integer, got ${String(nCandidates)}.`);
  }
  const splitter = resolveCV(opts.cv, model);
  const resolved = resolveOptions(where, model, X, y, splitter, withDefaults);
  const n = nCandidates === 'exhaust' ? floorDiv(resolved.maxResources, resolved.minResources) : nCandidates;
  const result = await runHalving(
    where,
    model,
    sampleCandidates(distributions as Record<string, ParamSampler>, n, seedOrRandomState(where, opts)),
    X,
    y,
    opts,
    resolved,
    splitter,
  );
  // Typed as the model searched (see search.ts's `typed`).
  return result as unknown as HalvingSearchResult<E, P>;
}
