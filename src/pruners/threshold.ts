import { showAsConstructed } from '../constructedDisplay';
import { InvalidArgumentError } from '../errors';
import type { FrozenTrial } from '../frozenTrial';
import type { StudyView } from '../study/view';
import type { Pruner } from './base';
import { isFirstStepInInterval, lastReport } from './shared';
import { requireInt } from '../validate';
import { checkOptionKeys, optionKeys } from '../options';

export interface ThresholdPrunerOptions {
  /** Prune when the latest value falls below this. */
  lower?: number;
  /** Prune when the latest value rises above this. */
  upper?: number;
  nWarmupSteps?: number;
  intervalSteps?: number;
}

const THRESHOLD_PRUNER_OPTION_KEYS = optionKeys<ThresholdPrunerOptions>({
  lower: true,
  upper: true,
  nWarmupSteps: true,
  intervalSteps: true,
});

/**
 * Prunes a trial whose latest intermediate value leaves [lower, upper], or is NaN (Optuna's
 * ThresholdPruner): a guard against diverging runs, independent of other trials and of direction.
 */
export class ThresholdPruner implements Pruner {
  readonly lower: number;
  readonly upper: number;
  readonly nWarmupSteps: number;
  readonly intervalSteps: number;

  constructor(opts: ThresholdPrunerOptions) {
    showAsConstructed(this, 'ThresholdPruner', [opts]);
    checkOptionKeys('ThresholdPruner', opts, THRESHOLD_PRUNER_OPTION_KEYS);
    if (opts?.lower === undefined && opts?.upper === undefined) {
      throw new InvalidArgumentError('ThresholdPruner: give lower, upper or both (e.g. { upper: 1e3 }).');
    }
    for (const key of ['lower', 'upper'] as const) {
      const v = opts[key];
      if (v !== undefined && (typeof v !== 'number' || Number.isNaN(v))) {
        throw new InvalidArgumentError(`ThresholdPruner: ${key} must be a number, got ${String(v)}.`);
      }
    }
    this.lower = opts.lower ?? -Infinity;
    this.upper = opts.upper ?? Infinity;
    if (this.lower > this.upper) {
      throw new InvalidArgumentError(`ThresholdPruner: lower (${this.lower}) is above upper (${this.upper}).`);
    }
    this.nWarmupSteps = opts.nWarmupSteps ?? 0;
    this.intervalSteps = opts.intervalSteps ?? 1;
    requireInt('ThresholdPruner', 'nWarmupSteps', this.nWarmupSteps, 0);
    requireInt('ThresholdPruner', 'intervalSteps', this.intervalSteps, 1);
  }

  prune(_study: StudyView, trial: FrozenTrial): boolean {
    const last = lastReport(trial);
    if (!last || last.step < this.nWarmupSteps) return false;
    if (!isFirstStepInInterval(last.step, trial.intermediateValues.keys(), this.nWarmupSteps, this.intervalSteps)) {
      return false;
    }
    return Number.isNaN(last.value) || last.value < this.lower || last.value > this.upper;
  }
}
