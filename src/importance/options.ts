/**
 * The option groups that fanova's and getParamImportances' options are made of. They live outside
 * the area's index, which exports only the options users pass (FanovaOptions, ImportanceOptions).
 */
import type { FrozenTrial } from '../frozenTrial';
import type { EveryKey } from '../options';
import type { ImportanceOptions } from './index';

export interface ForestSettings {
  /** Trees in the forest (default 64, as Optuna). */
  nTrees?: number;
  /** Depth limit of each tree (default 64). */
  maxDepth?: number;
  /** Fewest samples a node needs to be split (default 2). */
  minSamplesSplit?: number;
  /** Fewest samples in a leaf (default 1). */
  minSamplesLeaf?: number;
  /** Seed of the forest's bootstrap and tie-breaking (default 0, so results repeat). */
  seed?: number;
}

export interface StudyDataOptions {
  /** Parameters to analyse (default: those every COMPLETE trial has, with one distribution). */
  params?: readonly string[];
  /** The value to explain (default: the objective value; required for multi-objective studies). */
  target?: (trial: FrozenTrial) => number;
}

/**
 * Every key of getParamImportances' options, checked at run time (src/options.ts); plotParamImportances
 * takes them too, and checks them under its own name.
 */
export const IMPORTANCE_OPTION_FIELDS: EveryKey<ImportanceOptions> = {
  evaluator: true,
  normalize: true,
  nTrees: true,
  maxDepth: true,
  minSamplesSplit: true,
  minSamplesLeaf: true,
  seed: true,
  params: true,
  target: true,
  targetQuantile: true,
  regionQuantile: true,
  evaluateOnLocal: true,
};
