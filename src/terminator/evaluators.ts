import { InvalidArgumentError } from '../errors';
import { TrialState, type Direction, type FrozenTrial } from '../frozenTrial';
import { requireInt } from '../validate';

/**
 * The two measurements Optuna's Terminator compares (Makarova et al. 2022, "Automatic termination for
 * hyperparameter optimization"): how much the objective may still improve, and how large its
 * statistical error is. Both are plain functions of the trials, so a history can be replayed (see
 * terminatorImprovementHistory) and plotted.
 */

/** Room left for improvement, on the objective's scale (Optuna's BaseImprovementEvaluator). */
export interface ImprovementEvaluator {
  evaluate(trials: readonly FrozenTrial[], direction: Direction): number;
}

/** Statistical error of the objective, on its scale (Optuna's BaseErrorEvaluator). */
export interface ErrorEvaluator {
  evaluate(trials: readonly FrozenTrial[], direction: Direction): number;
}

/** Trials Optuna's terminator default: the first 20 complete trials never terminate, and RegretBound fits at least 20. */
export const DEFAULT_MIN_N_TRIALS = 20;

/** Python's sys.float_info.min, which Optuna's MedianErrorEvaluator negates as its "do not stop yet". */
const SMALLEST_NORMAL = 2.2250738585072014e-308;

/** The system attribute reportCrossValidationScores writes (Optuna's key, so studies interoperate). */
export const CROSS_VALIDATION_SCORES_KEY = 'terminator:cv_scores';

export function completeTrials(trials: readonly FrozenTrial[]): FrozenTrial[] {
  return trials.filter((t) => t.state === TrialState.COMPLETE && t.values !== null);
}

/** The first best COMPLETE trial, as Python's max/min picks it. */
export function firstBestTrial(complete: readonly FrozenTrial[], direction: Direction): FrozenTrial {
  let best = complete[0];
  for (const t of complete) {
    if (direction === 'maximize' ? t.values![0] > best.values![0] : t.values![0] < best.values![0]) best = t;
  }
  return best;
}

/**
 * Improvement = maxStagnationTrials minus the number of complete trials since the best one
 * (Optuna's BestValueStagnationEvaluator). With StaticErrorEvaluator(0) the study stops once the
 * best value has not improved for more than maxStagnationTrials complete trials.
 */
export class BestValueStagnationEvaluator implements ImprovementEvaluator {
  readonly maxStagnationTrials: number;

  constructor(maxStagnationTrials = 30) {
    requireInt('BestValueStagnationEvaluator', 'maxStagnationTrials', maxStagnationTrials, 0);
    this.maxStagnationTrials = maxStagnationTrials;
  }

  evaluate(trials: readonly FrozenTrial[], direction: Direction): number {
    const complete = completeTrials(trials);
    if (complete.length === 0) {
      throw new InvalidArgumentError('BestValueStagnationEvaluator: no trial has completed yet, so the stagnation cannot be evaluated.');
    }
    let bestStep = 0;
    complete.forEach((t, i) => {
      const best = complete[bestStep].values![0];
      const v = t.values![0];
      if (direction === 'maximize' ? best < v : best > v) bestStep = i;
    });
    return this.maxStagnationTrials - (complete.length - 1 - bestStep);
  }
}

/**
 * Error = the standard deviation of the mean of the best trial's cross-validation scores, with the
 * Nadeau-Bengio correction for overlapping training folds: sqrt((1/k + 1/(k-1)) var(scores))
 * (Optuna's CrossValidationErrorEvaluator). Call reportCrossValidationScores in the objective.
 */
export class CrossValidationErrorEvaluator implements ErrorEvaluator {
  evaluate(trials: readonly FrozenTrial[], direction: Direction): number {
    const complete = completeTrials(trials);
    if (complete.length === 0) {
      throw new InvalidArgumentError('CrossValidationErrorEvaluator: no trial has completed yet.');
    }
    const best = firstBestTrial(complete, direction);
    const scores = best.systemAttrs[CROSS_VALIDATION_SCORES_KEY];
    if (!Array.isArray(scores) || scores.length < 2 || !scores.every((s) => typeof s === 'number')) {
      throw new InvalidArgumentError(
        `CrossValidationErrorEvaluator: the best trial (trial ${best.number}) has no cross-validation scores. ` +
          'Call reportCrossValidationScores(trial, scores) in the objective with the per-fold scores.',
      );
    }
    const k = scores.length;
    const mean = (scores as number[]).reduce((a, b) => a + b, 0) / k;
    const variance = (scores as number[]).reduce((a, s) => a + (s - mean) ** 2, 0) / k;
    return Math.sqrt((1 / k + 1 / (k - 1)) * variance);
  }
}

/** Error = a constant the user chooses (Optuna's StaticErrorEvaluator): stop once the improvement falls below it. */
export class StaticErrorEvaluator implements ErrorEvaluator {
  constructor(readonly constant: number) {
    if (typeof constant !== 'number' || Number.isNaN(constant)) {
      throw new InvalidArgumentError(`StaticErrorEvaluator: constant must be a number, got ${String(constant)}.`);
    }
  }

  evaluate(): number {
    return this.constant;
  }
}

/**
 * Error = a fraction of the median improvement over the first trials (Optuna's MedianErrorEvaluator):
 * the improvement evaluator is run on trials [warmUp, warmUp + i) for i = 1..nInitialTrials, and the
 * threshold is thresholdRatio times the median of those; it is computed once and then kept.
 */
export class MedianErrorEvaluator implements ErrorEvaluator {
  readonly warmUpTrials: number;
  readonly nInitialTrials: number;
  readonly thresholdRatio: number;
  private threshold: number | null = null;

  constructor(
    readonly pairedImprovementEvaluator: ImprovementEvaluator,
    opts: { warmUpTrials?: number; nInitialTrials?: number; thresholdRatio?: number } = {},
  ) {
    this.warmUpTrials = opts.warmUpTrials ?? 10;
    this.nInitialTrials = opts.nInitialTrials ?? 20;
    this.thresholdRatio = opts.thresholdRatio ?? 0.01;
    requireInt('MedianErrorEvaluator', 'warmUpTrials', this.warmUpTrials, 0);
    requireInt('MedianErrorEvaluator', 'nInitialTrials', this.nInitialTrials, 1);
    if (!(this.thresholdRatio > 0 && Number.isFinite(this.thresholdRatio))) {
      throw new InvalidArgumentError(`MedianErrorEvaluator: thresholdRatio must be a positive number, got ${String(opts.thresholdRatio)}.`);
    }
  }

  evaluate(trials: readonly FrozenTrial[], direction: Direction): number {
    if (this.threshold !== null) return this.threshold;
    const complete = completeTrials(trials).sort((a, b) => a.number - b.number);
    // Not enough trials yet: a negative error never terminates (improvements are non-negative).
    if (complete.length < this.warmUpTrials + this.nInitialTrials) return -SMALLEST_NORMAL;
    const criteria: number[] = [];
    for (let i = 1; i <= this.nInitialTrials; i++) {
      criteria.push(this.pairedImprovementEvaluator.evaluate(complete.slice(this.warmUpTrials, this.warmUpTrials + i), direction));
    }
    criteria.sort((a, b) => a - b);
    this.threshold = Math.min(Number.MAX_VALUE, criteria[Math.floor(criteria.length / 2)] * this.thresholdRatio);
    return this.threshold;
  }
}
