/**
 * Cross-validated evaluation and hyperparameter searches in scikit-learn's vocabulary:
 * crossValidate, gridSearchCV, randomizedSearchCV, tuneCV (a tunelab study: any sampler and
 * pruner, folds reported as steps) and nestedCV. Every search refits the best configuration on
 * all the data it was given (refit: true by default), as scikit-learn does.
 */
import { deferredDistributionErrors, toExternal, type Distribution, type ParamValue } from '../distributions';
import { checkOptionKeys, seedOrRandomState, type RandomStateOption } from '../options';
import {
  CROSS_VALIDATE_OPTION_KEYS,
  NESTED_CV_OPTION_KEYS,
  RANDOMIZED_SEARCH_OPTION_KEYS,
  SEARCH_OPTION_KEYS,
  TUNE_CV_OPTION_KEYS,
} from './optionKeys';
import { InvalidArgumentError, OptimizeInterruptedError, TrialPruned } from '../errors';
import {
  accuracy,
  checkSearchInput,
  meanSquaredError,
  r2,
  take,
  type Estimator,
  type Matrix,
  type Params,
  type Vector,
} from '../models/estimator';
import { balancedAccuracy, f1Score, meanAbsoluteError, precisionScore, recallScore, rootMeanSquaredError } from '../models/metrics';
import { showDeeper } from '../constructedDisplay';
import { hasKey } from '../dict';
import { logWarning } from '../logging';
import { Rng } from '../rng';
import type { NoInference } from '../options';
import { checkSignalOption } from '../optimizeSignal';
import { sampleUniformInternal } from '../samplers/random';
import type { SearchSpace, SpaceDefinition } from '../space';
import { StepInterrupts } from '../stepInterrupts';
import type { CreateStudyOptions, Study } from '../study';
import { createStudy } from '../study/lifecycle';
import type { Trial } from '../trial';
import { KFold, StratifiedKFold, type Fold, type Splitter } from './splitters';
import { requireInt } from '../validate';

/**
 * scikit-learn's scorer names for the metrics computed from predictions (higher is better: errors
 * are negated, its 'neg_' convention). Scorers that need probabilities (roc_auc, neg_log_loss) are not
 * among them: pass a function of (yTrue, yPred) instead.
 */
const SCORERS = {
  accuracy,
  balanced_accuracy: balancedAccuracy,
  f1: (a: Vector, b: Vector) => f1Score(a, b),
  f1_macro: (a: Vector, b: Vector) => f1Score(a, b, { average: 'macro' }),
  f1_micro: (a: Vector, b: Vector) => f1Score(a, b, { average: 'micro' }),
  f1_weighted: (a: Vector, b: Vector) => f1Score(a, b, { average: 'weighted' }),
  precision: (a: Vector, b: Vector) => precisionScore(a, b),
  precision_macro: (a: Vector, b: Vector) => precisionScore(a, b, { average: 'macro' }),
  precision_micro: (a: Vector, b: Vector) => precisionScore(a, b, { average: 'micro' }),
  precision_weighted: (a: Vector, b: Vector) => precisionScore(a, b, { average: 'weighted' }),
  recall: (a: Vector, b: Vector) => recallScore(a, b),
  recall_macro: (a: Vector, b: Vector) => recallScore(a, b, { average: 'macro' }),
  recall_micro: (a: Vector, b: Vector) => recallScore(a, b, { average: 'micro' }),
  recall_weighted: (a: Vector, b: Vector) => recallScore(a, b, { average: 'weighted' }),
  r2,
  neg_mean_squared_error: (a: Vector, b: Vector) => -meanSquaredError(a, b),
  neg_root_mean_squared_error: (a: Vector, b: Vector) => -rootMeanSquaredError(a, b),
  neg_mean_absolute_error: (a: Vector, b: Vector) => -meanAbsoluteError(a, b),
} satisfies Record<string, (yTrue: Vector, yPred: Vector) => number>;

/** A scorer name (scikit-learn's) or a function of (yTrue, yPred); higher is better. */
export type Scoring = keyof typeof SCORERS | ((yTrue: Vector, yPred: Vector) => number);
/** A splitter, or a fold count (StratifiedKFold for classifiers, KFold for regressors, as scikit-learn). */
export type CV = Splitter | number;

export function resolveScoring(scoring: Scoring | undefined, model: Estimator): (yTrue: Vector, yPred: Vector) => number {
  if (typeof scoring === 'function') return scoring;
  const name = scoring ?? (model.estimatorType === 'classifier' ? 'accuracy' : 'r2');
  if (typeof name === 'string' && hasKey(SCORERS, name)) return SCORERS[name as keyof typeof SCORERS];
  const hint = Array.isArray(scoring)
    ? ' Several scorers at once (a list) are not supported: run one search per scorer, or score with a function.'
    : '';
  throw new InvalidArgumentError(
    `scoring must be one of ${Object.keys(SCORERS).join(', ')} or a function (yTrue, yPred) => number; got ${JSON.stringify(scoring)}.${hint}`,
  );
}

/** `refit` (default true): whether to fit the best configuration on all the data; only true or false, as there is one scorer. */
export function resolveRefit(where: string, refit: unknown): boolean {
  if (refit === undefined) return true;
  if (typeof refit !== 'boolean') {
    throw new InvalidArgumentError(
      `${where}: refit must be true or false, got ${JSON.stringify(refit)} (a search scores with one scorer, so there is no metric to name).`,
    );
  }
  return refit;
}

export function resolveCV(cv: CV | undefined, model: Estimator): Splitter {
  if (cv === undefined || typeof cv === 'number') {
    const nSplits = cv ?? 5;
    return model.estimatorType === 'classifier' ? new StratifiedKFold({ nSplits }) : new KFold({ nSplits });
  }
  const splitter = cv as Partial<Splitter> | null;
  if (
    typeof splitter !== 'object' ||
    splitter === null ||
    typeof splitter.split !== 'function' ||
    typeof splitter.getNSplits !== 'function'
  ) {
    throw new InvalidArgumentError(
      `cv must be a fold count or a splitter (new KFold(), new StratifiedKFold(), new ShuffleSplit(), or an object with split(X, y) and getNSplits()); got ${JSON.stringify(cv)}.`,
    );
  }
  return cv;
}

/** Free what a fold's estimator holds outside the JS heap (tfjs tensors); classical models have nothing to free. */
export function disposeIfPossible(est: Estimator): void {
  (est as { dispose?: () => void }).dispose?.();
}

export function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}
export function std(xs: readonly number[]): number {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
}

export interface CrossValidateOptions {
  cv?: CV;
  scoring?: Scoring;
  returnTrainScore?: boolean;
  /** Called after each fold (fold index from 0, its test score); lets tuneCV report folds to a trial. */
  onFold?: (fold: number, testScore: number) => void | Promise<void>;
  /**
   * Stops between folds once it aborts (as optimize's `signal`; the tunelab kernel's interrupt does
   * the same): the fold being fitted finishes, no other starts, and crossValidate throws
   * OptimizeInterruptedError whose `cause` is the signal's reason. The finished folds went to onFold.
   */
  signal?: AbortSignal;
}

export interface CrossValidateResult {
  testScore: number[];
  trainScore?: number[];
  fitTimeMs: number[];
  scoreTimeMs: number[];
  mean: number;
  std: number;
}

/** Fit a fresh clone of `model` on each training fold and score it on the test fold. */
export async function crossValidate(model: Estimator, X: Matrix, y: Vector, opts: CrossValidateOptions = {}): Promise<CrossValidateResult> {
  checkOptionKeys('crossValidate', opts, CROSS_VALIDATE_OPTION_KEYS);
  checkSearchInput('crossValidate', model, X, y);
  const { signal, ...rest } = opts;
  const splitter = resolveCV(opts.cv, model);
  const interrupts = new StepInterrupts('crossValidate', signal, {
    unit: 'fold(s)',
    total: splitter.getNSplits(),
    kept: 'their scores went to onFold',
  });
  return runFolds(model, X, y, { ...rest, cv: splitter }, (finished) => interrupts.check(finished));
}

/**
 * crossValidate's folds. `beforeFold` (called with the folds finished so far) is where a run stops
 * for an interrupt: a search counts its candidates there, not the folds of one candidate.
 */
export async function runFolds(
  model: Estimator,
  X: Matrix,
  y: Vector,
  opts: Omit<CrossValidateOptions, 'signal'>,
  beforeFold: (finished: number) => void,
): Promise<CrossValidateResult> {
  const splitter = resolveCV(opts.cv, model);
  const score = resolveScoring(opts.scoring, model);
  const result: CrossValidateResult = { testScore: [], fitTimeMs: [], scoreTimeMs: [], mean: NaN, std: NaN };
  if (opts.returnTrainScore) result.trainScore = [];
  let f = 0;
  for (const { train, test } of splitter.split(X, y)) {
    beforeFold(f);
    const est = model.clone();
    try {
      const XTrain = take(X, train);
      const yTrain = take(y, train);
      const t0 = performance.now();
      await est.fit(XTrain, yTrain);
      const t1 = performance.now();
      const s = score(take(y, test), est.predict(take(X, test)));
      result.scoreTimeMs.push(performance.now() - t1);
      result.fitTimeMs.push(t1 - t0);
      result.testScore.push(s);
      if (result.trainScore) result.trainScore.push(score(yTrain, est.predict(XTrain)));
      await opts.onFold?.(f++, s);
    } finally {
      disposeIfPossible(est);
    }
  }
  result.mean = mean(result.testScore);
  result.std = std(result.testScore);
  return result;
}

/** One evaluated configuration of a search (sklearn's cv_results_ as rows). */
export interface CandidateResult {
  params: Params;
  splitScores: number[];
  meanTestScore: number;
  stdTestScore: number;
  /** 1 for the best mean score; ties share the lowest rank (sklearn's rank_test_score). */
  rank: number;
  /** Only for tuneCV: 'COMPLETE' or 'PRUNED' (a pruned candidate has fewer split scores). */
  state?: string;
}

/**
 * A search's outcome, typed by the model searched: `bestParams` holds the model's hyperparameters
 * that were searched (so `new SVC(result.bestParams)` compiles), `bestEstimator` is that model's class.
 */
export interface SearchResult<E extends Estimator = Estimator, P extends Params = Params> {
  bestParams: Partial<P>;
  bestScore: number;
  bestIndex: number;
  /** The best configuration refit on all the data (null with refit: false). */
  bestEstimator: E | null;
  cvResults: CandidateResult[];
}

export interface SearchOptions {
  cv?: CV;
  scoring?: Scoring;
  refit?: boolean;
  /** Called after each candidate is evaluated (for progress displays). */
  onCandidate?: (result: CandidateResult, index: number) => void;
  /**
   * Stops between folds once it aborts (as optimize's `signal`; the tunelab kernel's interrupt does
   * the same): the fold being fitted finishes, no other starts (nor the refit), and the search throws
   * OptimizeInterruptedError whose `cause` is the signal's reason. The candidates evaluated went to
   * onCandidate; one interrupted between its folds is not reported.
   */
  signal?: AbortSignal;
}

/** A grid: each parameter's list of values; or a list of grids whose points are concatenated (sklearn's ParameterGrid). */
export type ParamGrid = Record<string, readonly unknown[]> | ReadonlyArray<Record<string, readonly unknown[]>>;

/**
 * The search helpers take the model's hyperparameter names only (any name for an untyped
 * Estimator), so a misspelt key in a grid, a distribution map, a tuneCV function's result or a
 * typed space is a compile error, as it is in the model's own options; at run time `clone` throws.
 */
export type GridFor<P> = { [K in keyof P]?: readonly unknown[] };
export type ParamGridFor<P> = GridFor<P> | ReadonlyArray<GridFor<P>>;
export type DistributionsFor<P> = { [K in keyof P]?: ParamSampler };
export type SuggestFor<P> = (trial: Trial) => { [K in keyof P]?: unknown };
/** A typed space whose parameter names are all hyperparameters of the model (else a type naming the stray ones). */
export type SpaceFor<S extends SpaceDefinition, P> = SearchSpace<S> &
  ([Exclude<keyof S, keyof P>] extends [never] ? unknown : { readonly 'not a parameter of the model': Exclude<keyof S, keyof P> });

/** All points of a grid in scikit-learn's order: keys sorted, the last key varying fastest. */
export function expandGrid(grid: ParamGrid): Params[] {
  const grids = Array.isArray(grid)
    ? (grid as ReadonlyArray<Record<string, readonly unknown[]>>)
    : [grid as Record<string, readonly unknown[]>];
  const points: Params[] = [];
  for (const g of grids) {
    const keys = Object.keys(g).sort();
    for (const k of keys) {
      if (!Array.isArray(g[k]) || g[k].length === 0) {
        throw new InvalidArgumentError(`paramGrid: "${k}" must be a non-empty array of values, got ${JSON.stringify(g[k])}.`);
      }
    }
    let acc: Params[] = [{}];
    for (const k of keys) acc = acc.flatMap((p) => g[k].map((v) => ({ ...p, [k]: v })));
    points.push(...acc);
  }
  return points;
}

export function rankCandidates(results: Omit<CandidateResult, 'rank'>[]): CandidateResult[] {
  const scores = results.map((r) => (Number.isNaN(r.meanTestScore) ? -Infinity : r.meanTestScore));
  return results.map((r, i) => ({ ...r, rank: 1 + scores.filter((s) => s > scores[i]).length }));
}

async function evaluateCandidates(
  where: string,
  model: Estimator,
  candidates: Params[],
  X: Matrix,
  y: Vector,
  opts: SearchOptions,
): Promise<SearchResult> {
  checkSearchInput(where, model, X, y);
  const refit = resolveRefit(where, opts.refit);
  // An interrupted search counts the candidates it evaluated (its steps), not the folds of one of them.
  const interrupts = new StepInterrupts(where, opts.signal, {
    unit: 'candidate(s)',
    total: candidates.length,
    kept: 'their rows went to onCandidate',
  });
  const splitter = resolveCV(opts.cv, model);
  const folds = [...splitter.split(X, y)];
  const fixed: Splitter = { getNSplits: () => folds.length, split: () => folds[Symbol.iterator]() };
  const rows: Omit<CandidateResult, 'rank'>[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const cvr = await runFolds(model.clone(candidates[i]), X, y, { cv: fixed, scoring: opts.scoring }, () => interrupts.check(i));
    const row = { params: candidates[i], splitScores: cvr.testScore, meanTestScore: cvr.mean, stdTestScore: cvr.std };
    rows.push(row);
    opts.onCandidate?.({ ...row, rank: NaN }, i);
  }
  if (refit) interrupts.check(candidates.length);
  return finishSearch(model, rankCandidates(rows), X, y, refit);
}

async function finishSearch(model: Estimator, cvResults: CandidateResult[], X: Matrix, y: Vector, refit: boolean): Promise<SearchResult> {
  // The first candidate of rank 1 wins, as sklearn's rank_test_score.argmin().
  const bestIndex = cvResults.findIndex((r) => r.rank === 1);
  if (bestIndex < 0) throw new InvalidArgumentError('search: no candidate finished with a score.');
  const best = cvResults[bestIndex];
  const bestEstimator = refit ? await model.clone(best.params).fit(X, y) : null;
  return showDeeper({ bestParams: best.params, bestScore: best.meanTestScore, bestIndex, bestEstimator, cvResults }, 2);
}

/** Evaluate every point of `paramGrid` by cross-validation (the same folds for all), then refit the best. */
export async function gridSearchCV<P extends Params, E extends Estimator<P> = Estimator<P>>(
  model: E & Estimator<P>,
  paramGrid: NoInference<ParamGridFor<P>>,
  X: Matrix,
  y: Vector,
  opts: SearchOptions = {},
): Promise<SearchResult<E, P>> {
  checkOptionKeys('gridSearchCV', opts, SEARCH_OPTION_KEYS);
  return typed(await evaluateCandidates('gridSearchCV', model as Estimator, expandGrid(paramGrid as ParamGrid), X, y, opts));
}

/**
 * A search's result under its model's types. The search works on the untyped Estimator; its best
 * estimator is a clone of the model given (the same class) and its parameters the model's.
 */
export function typed<E extends Estimator, P extends Params>(result: SearchResult): SearchResult<E, P> {
  return result as unknown as SearchResult<E, P>;
}

/** A parameter to sample: a tunelab distribution (floatDistribution, intDistribution, categoricalDistribution) or a list to choose from uniformly. */
export type ParamSampler = Distribution | readonly unknown[];

/** Sample `nIter` configurations (seeded) from `distributions`, evaluate each by cross-validation, refit the best. */
export async function randomizedSearchCV<P extends Params, E extends Estimator<P> = Estimator<P>>(
  model: E & Estimator<P>,
  distributions: NoInference<DistributionsFor<P>>,
  X: Matrix,
  y: Vector,
  opts: SearchOptions & RandomStateOption & { nIter?: number; seed?: number } = {},
): Promise<SearchResult<E, P>> {
  checkOptionKeys('randomizedSearchCV', opts, RANDOMIZED_SEARCH_OPTION_KEYS);
  const nIter = opts.nIter ?? 10;
  requireInt('randomizedSearchCV', 'nIter', nIter, 1);
  return typed(
    await evaluateCandidates(
      'randomizedSearchCV',
      model as Estimator,
      sampleCandidates(
        distributions as Record<string, ParamSampler>,
        nIter,
        seedOrRandomState('randomizedSearchCV', opts),
        'randomizedSearchCV',
      ),
      X,
      y,
      opts,
    ),
  );
}

/**
 * `n` configurations drawn (seeded) from `distributions`, keys in sorted order, as scikit-learn's
 * ParameterSampler draws them: when every parameter is a list, distinct points of their grid (at most
 * all of them; `where` names the search in the warning when there are fewer than `n`), otherwise
 * independent samples.
 */
export function sampleCandidates(distributions: Record<string, ParamSampler>, n: number, seed?: number, where?: string): Params[] {
  const values = Object.values(distributions);
  if (values.length > 0 && values.every((d) => Array.isArray(d))) {
    const points = expandGrid(distributions as Record<string, readonly unknown[]>);
    if (points.length < n && where !== undefined) {
      logWarning(
        `${where}: the lists make ${points.length} distinct configurations, fewer than nIter=${n}; running ${points.length}. To try every configuration, use gridSearchCV.`,
      );
    }
    const order = new Rng(seed).shuffle(points.map((_, i) => i));
    return order.slice(0, Math.min(n, points.length)).map((i) => points[i]);
  }
  const rng = new Rng(seed);
  const keys = Object.keys(distributions).sort();
  // An invalid float()/int() (low above high, log with low <= 0): its error, under the key's name.
  for (const k of keys) {
    const d = distributions[k];
    if (typeof d === 'object' && d !== null && !Array.isArray(d)) deferredDistributionErrors.get(d)?.(k);
  }
  const candidates: Params[] = [];
  for (let i = 0; i < n; i++) {
    const p: Params = {};
    for (const k of keys) {
      const d = distributions[k];
      p[k] = Array.isArray(d) ? rng.choice(d) : toExternal(d as Distribution, sampleUniformInternal(rng, d as Distribution));
    }
    candidates.push(p);
  }
  return candidates;
}

export interface TuneCVOptions extends SearchOptions {
  nTrials?: number;
  timeout?: number;
  /** Study options (sampler, pruner, storage, studyName...); the direction is always 'maximize' (scores are higher-better). */
  study?: Omit<CreateStudyOptions, 'direction' | 'directions'>;
  /** An existing study to add trials to instead of creating one. */
  existingStudy?: Study;
  showProgressBar?: boolean;
  /**
   * Passed to the study's optimize: once it aborts, the trial running finishes, no other starts, and
   * tuneCV throws optimize's OptimizeInterruptedError (the trials stay in the study: pass
   * `existingStudy`, or a storage in `study`, to keep them after the interrupt).
   */
  signal?: AbortSignal;
}

export interface TuneCVResult<E extends Estimator = Estimator, P extends Params = Params> extends SearchResult<E, P> {
  study: Study;
}

/**
 * Tune `model` with a tunelab study: each trial suggests params (a function of the trial or a
 * declarative `space`), cross-validates them reporting the running mean score after every fold as
 * step = fold index, and asks the pruner, so a bad configuration stops after its first folds.
 */
export async function tuneCV<P extends Params, S extends SpaceDefinition = SpaceDefinition, E extends Estimator<P> = Estimator<P>>(
  estimator: E & Estimator<P>,
  searchSpace: NoInference<SuggestFor<P>> | SpaceFor<S, NoInference<P>>,
  X: Matrix,
  y: Vector,
  opts: TuneCVOptions = {},
): Promise<TuneCVResult<E, P>> {
  checkOptionKeys('tuneCV', opts, TUNE_CV_OPTION_KEYS);
  checkSearchInput('tuneCV', estimator, X, y);
  const refit = resolveRefit('tuneCV', opts.refit);
  const model = estimator as Estimator;
  checkSignalOption(opts.signal, 'tuneCV');
  const suggest =
    typeof searchSpace === 'function'
      ? (searchSpace as (t: Trial) => Params)
      : (t: Trial) => (searchSpace as SearchSpace<S>).suggest(t) as Params;
  const study = opts.existingStudy ?? (await createStudy({ ...opts.study, direction: 'maximize' }));
  const splitter = resolveCV(opts.cv, model);
  const folds = [...splitter.split(X, y)];
  const fixed: Splitter = { getNSplits: () => folds.length, split: () => folds[Symbol.iterator]() };
  const rows: Omit<CandidateResult, 'rank'>[] = [];
  await study.optimize(
    async (trial) => {
      const params = suggest(trial);
      const scores: number[] = [];
      const row = { params, splitScores: scores, meanTestScore: NaN, stdTestScore: NaN, state: 'RUNNING' };
      try {
        // A running trial finishes its folds after an interrupt (optimize's rule), so no check between them.
        await runFolds(
          model.clone(params),
          X,
          y,
          {
            cv: fixed,
            scoring: opts.scoring,
            onFold: (fold, s) => {
              scores.push(s);
              trial.report(mean(scores), fold);
              if (trial.shouldPrune())
                throw new TrialPruned(`pruned after fold ${fold + 1} of ${folds.length} (mean score ${mean(scores)})`);
            },
          },
          () => undefined,
        );
        row.state = 'COMPLETE';
        row.meanTestScore = mean(scores);
        row.stdTestScore = std(scores);
        return row.meanTestScore;
      } catch (e) {
        row.state = e instanceof TrialPruned ? 'PRUNED' : 'FAIL';
        throw e;
      } finally {
        rows.push(row);
        opts.onCandidate?.({ ...row, rank: NaN }, rows.length - 1);
      }
    },
    // A candidate whose fit throws is a FAIL row and the search goes on, as scikit-learn's searches
    // do by default (error_score=nan), not the end of the search (optimize's own default).
    {
      nTrials: opts.nTrials ?? 20,
      timeout: opts.timeout,
      showProgressBar: opts.showProgressBar ?? false,
      catch: [Error],
      signal: opts.signal,
    },
  );
  if (rows.length > 0 && !rows.some((r) => r.state === 'COMPLETE')) {
    const pruned = rows.filter((r) => r.state === 'PRUNED').length;
    throw new InvalidArgumentError(
      `tuneCV: none of the ${rows.length} trials completed (${pruned} pruned, ${rows.length - pruned} failed), so there is no best configuration to return or refit. Loosen the pruner, or pass existingStudy to keep the trials.`,
    );
  }
  const search = await finishSearch(model, rankCandidates(rows), X, y, refit);
  return showDeeper({ ...typed<E, P>(search), study }, 2);
}

/** How nestedCV searches inside each outer training fold (keyed by the model's hyperparameter names). */
export type InnerSearch<P = Params> =
  | { kind: 'grid'; paramGrid: ParamGridFor<P> }
  | { kind: 'random'; distributions: DistributionsFor<P>; nIter?: number; seed?: number }
  | { kind: 'tune'; space: SuggestFor<P> | SearchSpace<SpaceDefinition>; nTrials?: number; study?: TuneCVOptions['study'] };

/** One finished outer fold (the row the CVResults widget renders). */
export interface NestedFoldResult {
  outerFold: number;
  /** Test score on the outer fold of the inner search's refit best estimator. */
  score: number;
  params: Params;
  innerResults?: CandidateResult[];
}

export interface NestedCVOptions {
  outerCv?: CV;
  innerCv?: CV;
  scoring?: Scoring;
  onFold?: (row: NestedFoldResult) => void | Promise<void>;
  /**
   * Stops between outer folds, and inside the inner search as that search's `signal` does, once it
   * aborts: nestedCV then throws OptimizeInterruptedError counting the outer folds finished (their
   * rows went to onFold), whose `cause` is the signal's reason.
   */
  signal?: AbortSignal;
}

export interface NestedCVResult {
  outerScores: number[];
  mean: number;
  std: number;
  folds: NestedFoldResult[];
}

/**
 * Nested cross-validation: in every outer fold run the inner search on the outer training part
 * (inner folds are split from that part alone), refit the winner there, and score it on the outer
 * test part. An unbiased estimate of the whole tune-then-train procedure (sklearn's
 * cross_val_score(GridSearchCV(...), X, y, cv=outer)). `onFold` sees each row as soon as its fold ends.
 */
export async function nestedCV<P extends Params>(
  estimator: Estimator<P>,
  search: NoInference<InnerSearch<P>>,
  X: Matrix,
  y: Vector,
  opts: NestedCVOptions = {},
): Promise<NestedCVResult> {
  checkOptionKeys('nestedCV', opts, NESTED_CV_OPTION_KEYS);
  checkSearchInput('nestedCV', estimator, X, y);
  const kind = (search as { kind?: unknown } | null)?.kind;
  if (kind !== 'grid' && kind !== 'random' && kind !== 'tune') {
    throw new InvalidArgumentError(
      `nestedCV: search.kind must be 'grid' (with paramGrid), 'random' (with distributions) or 'tune' (with space); got ${JSON.stringify(kind)}.`,
    );
  }
  const model = estimator as Estimator;
  const outer = resolveCV(opts.outerCv, model);
  const score = resolveScoring(opts.scoring, model);
  const interrupts = new StepInterrupts('nestedCV', opts.signal, {
    unit: 'outer fold(s)',
    total: outer.getNSplits(),
    kept: 'their rows went to onFold',
  });
  const folds: NestedFoldResult[] = [];
  let outerFold = 0;
  for (const { train, test } of outer.split(X, y) as Iterable<Fold>) {
    interrupts.check(outerFold);
    const XTrain = take(X, train);
    const yTrain = take(y, train);
    const found = await innerSearch(model, search, XTrain, yTrain, {
      cv: opts.innerCv,
      scoring: opts.scoring,
      refit: true,
      signal: opts.signal,
    }).catch((err: unknown) => {
      // Interrupted inside the inner search: nestedCV's own error, counted in outer folds.
      if (err instanceof OptimizeInterruptedError) interrupts.check(outerFold);
      throw err;
    });
    const best = found.bestEstimator as Estimator;
    const row: NestedFoldResult = {
      outerFold,
      score: score(take(y, test), best.predict(take(X, test))),
      params: found.bestParams,
      innerResults: found.cvResults,
    };
    disposeIfPossible(best);
    folds.push(row);
    await opts.onFold?.(row);
    outerFold++;
  }
  const outerScores = folds.map((f) => f.score);
  return showDeeper({ outerScores, mean: mean(outerScores), std: std(outerScores), folds }, 2);
}

function innerSearch(model: Estimator, search: InnerSearch, X: Matrix, y: Vector, inner: SearchOptions): Promise<SearchResult> {
  switch (search.kind) {
    case 'grid':
      return gridSearchCV(model, search.paramGrid as ParamGrid, X, y, inner);
    case 'random':
      return randomizedSearchCV(model, search.distributions as Record<string, ParamSampler>, X, y, {
        ...inner,
        nIter: search.nIter,
        seed: search.seed,
      });
    case 'tune':
      return tuneCV(model, search.space as SuggestFor<Params>, X, y, { ...inner, nTrials: search.nTrials, study: search.study });
  }
}

export type { ParamValue };
