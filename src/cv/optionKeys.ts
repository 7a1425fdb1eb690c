/**
 * The keys of the searches' option objects, checked at run time as the engine's other options are
 * (src/options.ts): a misspelt `{ n_iter: 50 }` would otherwise run the default ten candidates. Each
 * list is an `EveryKey` object, so the compiler keeps it equal to its interface.
 */
import { optionKeys, type RandomStateOption } from '../options';
import type { HalvingOptions } from './halving';
import type { CrossValidateOptions, NestedCVOptions, SearchOptions, TuneCVOptions } from './search';

const SEARCH = { cv: true, scoring: true, refit: true, onCandidate: true, signal: true } as const;

export const SEARCH_OPTION_KEYS = optionKeys<SearchOptions>(SEARCH);

export const RANDOMIZED_SEARCH_OPTION_KEYS = optionKeys<SearchOptions & RandomStateOption & { nIter?: number; seed?: number }>({
  ...SEARCH,
  nIter: true,
  seed: true,
  randomState: true,
});

export const TUNE_CV_OPTION_KEYS = optionKeys<TuneCVOptions>({
  ...SEARCH,
  nTrials: true,
  timeout: true,
  study: true,
  existingStudy: true,
  showProgressBar: true,
});

export const CROSS_VALIDATE_OPTION_KEYS = optionKeys<CrossValidateOptions>({
  cv: true,
  scoring: true,
  returnTrainScore: true,
  onFold: true,
  signal: true,
});

export const NESTED_CV_OPTION_KEYS = optionKeys<NestedCVOptions>({
  outerCv: true,
  innerCv: true,
  scoring: true,
  onFold: true,
  signal: true,
});

const HALVING = {
  ...SEARCH,
  factor: true,
  resource: true,
  maxResources: true,
  minResources: true,
  aggressiveElimination: true,
  seed: true,
  randomState: true,
} as const;

export const HALVING_GRID_OPTION_KEYS = optionKeys<HalvingOptions>(HALVING);

export const HALVING_RANDOM_OPTION_KEYS = optionKeys<HalvingOptions & { nCandidates?: 'exhaust' | number }>({
  ...HALVING,
  nCandidates: true,
});
