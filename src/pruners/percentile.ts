import { showAsConstructed } from '../constructedDisplay';
import { InvalidArgumentError } from '../errors';
import { TrialState, type FrozenTrial } from '../frozenTrial';
import type { StudyView } from '../study/view';
import { FinishedTrialsRecord } from '../study/unfinishedTrials';
import { upperBound } from '../sortedSearch';
import type { Pruner } from './base';
import { isFirstStepInInterval, lastReport, pruningDirection } from './shared';
import { requireInt } from '../validate';
import { checkOptionKeys, optionKeys } from '../options';

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

const PERCENTILE_PRUNER_OPTION_KEYS = optionKeys<PercentilePrunerOptions>({
  nStartupTrials: true,
  nWarmupSteps: true,
  intervalSteps: true,
  nMinTrials: true,
});

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
  private readonly completed = new CompletedStepValues();

  constructor(percentile: number, opts: PercentilePrunerOptions = {}) {
    showAsConstructed(this, 'PercentilePruner', [percentile, opts]);
    checkOptionKeys(new.target.name, opts, PERCENTILE_PRUNER_OPTION_KEYS);
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
    const completed = this.completed.update(study);
    if (completed === 0 || completed < this.nStartupTrials) return false;
    const last = lastReport(trial);
    if (!last || last.step < this.nWarmupSteps) return false;
    if (!isFirstStepInInterval(last.step, trial.intermediateValues.keys(), this.nWarmupSteps, this.intervalSteps)) {
      return false;
    }
    const direction = pruningDirection(study, this.label);
    // The trial is judged by its best value so far, so a noisy dip at one step does not kill it.
    const best = bestIgnoringNaN(trial.intermediateValues.values(), direction === 'maximize');
    if (Number.isNaN(best)) return true;

    const atStep = this.completed.at(last.step);
    if (atStep.count < this.nMinTrials) return false;
    const q = direction === 'maximize' ? 100 - this.percentile : this.percentile;
    const threshold = percentileOfSorted(atStep.sorted, q);
    if (Number.isNaN(threshold)) return false;
    return direction === 'maximize' ? best < threshold : best > threshold;
  }
}

/** Prunes a trial whose best intermediate value is worse than the median of completed trials at that step. */
export class MedianPruner extends PercentilePruner {
  protected override readonly label: string = 'MedianPruner';

  constructor(opts: PercentilePrunerOptions = {}) {
    super(50, opts);
    showAsConstructed(this, 'MedianPruner', [opts]);
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
  return percentileOfSorted(
    values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b),
    q,
  );
}

/** `percentileIgnoringNaN` of values already sorted ascending, without NaNs. */
function percentileOfSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const h = ((sorted.length - 1) * q) / 100;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const frac = h - lo;
  if (frac === 0) return sorted[lo];
  return sorted[lo] + frac * (sorted[hi] - sorted[lo]);
}

/**
 * The completed trials' intermediate values, per step asked for, kept across prune checks: a check
 * read every trial of the study and sorted the step's values (trials of ten checks cost 1.2 ms at
 * 5,000 trials of a Random study with 1,482 completed, 0.05 ms with this). A step's values are kept
 * sorted, NaNs counted apart, and brought up to date when asked for with the trials completed
 * since; a completed trial's values never change. (Two studies taking turns with one pruner make
 * it start afresh at each turn: correct, as slow as before.)
 */
class CompletedStepValues {
  /** The completed trials, in the order first seen completed. */
  private completed: FrozenTrial[] = [];
  /** Per step asked for: its values ascending without NaNs, how many values (NaNs too), how many of `completed` read. */
  private readonly byStep = new Map<number, { sorted: number[]; count: number; read: number }>();
  private readonly record = new FinishedTrialsRecord(
    (t) => {
      if (t.state === TrialState.COMPLETE) this.completed.push(t);
    },
    () => {
      this.completed = [];
      this.byStep.clear();
    },
  );

  /** Brought up to date with `study`'s trials; returns how many are COMPLETE. */
  update(study: StudyView): number {
    this.record.update(study);
    return this.completed.length;
  }

  /** The completed trials' values at `step` (as of the last `update`). */
  at(step: number): { readonly sorted: readonly number[]; readonly count: number } {
    let entry = this.byStep.get(step);
    if (entry === undefined) this.byStep.set(step, (entry = { sorted: [], count: 0, read: 0 }));
    const { sorted } = entry;
    for (; entry.read < this.completed.length; entry.read++) {
      const v = this.completed[entry.read].intermediateValues.get(step);
      if (v === undefined) continue;
      entry.count++;
      if (!Number.isNaN(v)) sorted.splice(upperBound(sorted, v), 0, v);
    }
    return entry;
  }
}
