/**
 * Multi-seed evaluation: score one configuration over k seeds, reporting each seed's score as a
 * step, so that `WilcoxonPruner` (which pairs a trial's steps with the best trial's) can stop a
 * configuration that is clearly worse after a few seeds instead of all k.
 */
import { InvalidArgumentError, TrialPruned } from '../errors';
import { runWithSeed } from './context';
import { deriveSeed, SEED_SET_SALT } from './seeds';
import { requireInt } from '../validate';
import { checkOptionKeys, optionKeys } from '../options';

/** User attributes evaluateSeeds records (after every seed, so a pruned trial keeps its partial summary). */
export const SEED_SCORES_ATTR = 'seed_scores';
export const SEED_MEAN_ATTR = 'seed_mean';
export const SEED_STD_ATTR = 'seed_std';
export const SEEDS_ATTR = 'seeds';

/** The part of a trial evaluateSeeds uses. */
export interface SeedEvaluationTrial {
  readonly number: number;
  readonly study: { readonly seed: number };
  report(value: number, step: number): void;
  shouldPrune(): boolean;
  setUserAttr(key: string, value: unknown): void;
}

export interface EvaluateSeedsOptions {
  /** The seeds to use (length >= k); default: the study's seed set (see `studySeedSet`). */
  seeds?: readonly number[];
  /**
   * When the pruner says stop: 'throw' (default) ends the trial PRUNED; 'returnMean' returns the
   * mean over the seeds evaluated so far, recording the trial COMPLETE (what Optuna's WilcoxonPruner
   * documentation suggests, as one seed's score is a poor estimate).
   */
  whenPruned?: 'throw' | 'returnMean';
}

const EVALUATE_SEEDS_OPTION_KEYS = optionKeys<EvaluateSeedsOptions>({ seeds: true, whenPruned: true });

/**
 * The study's seed set: seed i is deriveSeed(deriveSeed(studySeed, SEED_SET_SALT), i), the same for
 * every trial (common random numbers), so the per-seed scores of two configurations pair up.
 */
export function studySeedSet(studySeed: number, k: number): number[] {
  const base = deriveSeed(studySeed, SEED_SET_SALT);
  return Array.from({ length: k }, (_, i) => deriveSeed(base, i));
}

function meanOf(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n - 1 in the denominator; 0 for one value). */
export function sampleStd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = meanOf(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / (xs.length - 1));
}

/**
 * Evaluate `score(seed, i)` for i = 0..k-1 and return the mean. Each call runs with `seed` as the
 * ambient seed, so tunelab models, splitters and generators built inside it without a seed follow
 * it. Each score is reported as step i; after each the pruner is asked (throwing TrialPruned, or
 * returning the partial mean, when it says stop). The user attributes `seeds`, `seed_scores`,
 * `seed_mean` and `seed_std` record the seeds and scores so far.
 */
export async function evaluateSeeds(
  trial: SeedEvaluationTrial,
  k: number,
  score: (seed: number, index: number) => number | Promise<number>,
  opts: EvaluateSeedsOptions = {},
): Promise<number> {
  checkOptionKeys('evaluateSeeds', opts, EVALUATE_SEEDS_OPTION_KEYS);
  requireInt('evaluateSeeds', 'k (the number of seeds)', k, 1);
  if (typeof score !== 'function')
    throw new InvalidArgumentError('evaluateSeeds(trial, k, score): score must be a function (seed, index) => number.');
  if (opts.seeds !== undefined && opts.seeds.length < k) {
    throw new InvalidArgumentError(`evaluateSeeds: ${k} seeds requested but opts.seeds lists only ${opts.seeds.length}.`);
  }
  const seeds = opts.seeds ? opts.seeds.slice(0, k) : studySeedSet(trial.study.seed, k);
  const scores: number[] = [];
  for (let i = 0; i < k; i++) {
    const seed = seeds[i];
    const value = await runWithSeed(seed, () => score(seed, i));
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new InvalidArgumentError(
        `evaluateSeeds: the score for seed ${seed} (index ${i}) of trial ${trial.number} is ${String(value)}; it must be a finite number.`,
      );
    }
    scores.push(value);
    trial.report(value, i);
    trial.setUserAttr(SEEDS_ATTR, seeds.slice(0, i + 1));
    trial.setUserAttr(SEED_SCORES_ATTR, [...scores]);
    trial.setUserAttr(SEED_MEAN_ATTR, meanOf(scores));
    trial.setUserAttr(SEED_STD_ATTR, sampleStd(scores));
    if (i < k - 1 && trial.shouldPrune()) {
      if (opts.whenPruned === 'returnMean') return meanOf(scores);
      throw new TrialPruned(`pruned after ${i + 1} of ${k} seeds (mean so far ${meanOf(scores)})`);
    }
  }
  return meanOf(scores);
}
