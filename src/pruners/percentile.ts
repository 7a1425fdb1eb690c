import { InvalidArgumentError } from '../errors';
import { TrialState, type FrozenTrial } from '../frozenTrial';
import type { StudyView } from '../study/view';
import type { Pruner } from './base';
import { isFirstStepInInterval, lastReport, pruningDirection } from './shared';
import { requireInt } from '../validate';

export interface PercentilePrunerOptions {
  /** Completed trials needed before any pruning (default 5). */
  nStartupTrials?: number;
  /** Steps of each trial during which it is never pruned (default 0). */
  nWarmupSteps?: number;
  /** Check only every this many steps after the warmup (default 1). */
  intervalSteps?: number;
  /** Completed trials that must have reported the step before it is compared (default 1). */
  nMinTrials?: number;
}

/**
 * Prunes a trial whose best intermediate value so far is worse than the given percentile of the
 * completed trials' values at the same step (Optuna's PercentilePruner). For a minimised study,
 * percentile 25 keeps only trials inside the best quarter.
 */
export class PercentilePruner implements Pruner {
  readonly percentile: number;
  readonly nStartupTrials: number;
  readonly nWarmupSteps: number;
  readonly intervalSteps: number;
  readonly nMinTrials: number;
  protected readonly label: string = 'PercentilePruner';

  constructor(percentile: number, opts: PercentilePrunerOptions = {}) {
    if (!(typeof percentile === 'number' && percentile >= 0 && percentile <= 100)) {
      throw new InvalidArgumentError(`PercentilePruner: percentile must lie in [0, 100], got ${String(percentile)}.`);
    }
    this.percentile = percentile;
    this.nStartupTrials = opts.nStartupTrials ?? 5;
    this.nWarmupSteps = opts.nWarmupSteps ?? 0;
    this.intervalSteps = opts.intervalSteps ?? 1;
    this.nMinTrials = opts.nMinTrials ?? 1;
    requireInt('PercentilePruner', 'nStartupTrials', this.nStartupTrials, 0);
    requireInt('PercentilePruner', 'nWarmupSteps', this.nWarmupSteps, 0);
    requireInt('PercentilePruner', 'intervalSteps', this.intervalSteps, 1);
    requireInt('PercentilePruner', 'nMinTrials', this.nMinTrials, 1);
  }

  prune(study: StudyView, trial: FrozenTrial): boolean {
    const completed = study.trials.filter((t) => t.state === TrialState.COMPLETE);
    if (completed.length === 0 || completed.length < this.nStartupTrials) return false;
    const last = lastReport(trial);
    if (!last || last.step < this.nWarmupSteps) return false;
    if (!isFirstStepInInterval(last.step, trial.intermediateValues.keys(), this.nWarmupSteps, this.intervalSteps)) {
      return false;
    }
    const direction = pruningDirection(study, this.label);
    // The trial is judged by its best value so far, so a noisy dip at one step does not kill it.
    const best = bestIgnoringNaN(trial.intermediateValues.values(), direction === 'maximize');
    if (Number.isNaN(best)) return true;

    const atStep: number[] = [];
    for (const t of completed) {
      const v = t.intermediateValues.get(last.step);
      if (v !== undefined) atStep.push(v);
    }
    if (atStep.length < this.nMinTrials) return false;
    const q = direction === 'maximize' ? 100 - this.percentile : this.percentile;
    const threshold = percentileIgnoringNaN(atStep, q);
    if (Number.isNaN(threshold)) return false;
    return direction === 'maximize' ? best < threshold : best > threshold;
  }
}

/** Prunes a trial whose best intermediate value is worse than the median of completed trials at that step. */
export class MedianPruner extends PercentilePruner {
  protected override readonly label: string = 'MedianPruner';

  constructor(opts: PercentilePrunerOptions = {}) {
    super(50, opts);
  }
}

function bestIgnoringNaN(values: Iterable<number>, maximize: boolean): number {
  let best = NaN;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    if (Number.isNaN(best) || (maximize ? v > best : v < best)) best = v;
  }
  return best;
}

/** The q-th percentile with linear interpolation between order statistics (numpy's default), NaNs ignored. */
export function percentileIgnoringNaN(values: readonly number[], q: number): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const h = ((sorted.length - 1) * q) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const frac = h - lo;
  if (frac === 0) return sorted[lo];
  return sorted[lo] + frac * (sorted[hi] - sorted[lo]);
}
