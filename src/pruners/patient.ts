import { showAsConstructed } from '../constructedDisplay';
import { InvalidArgumentError } from '../errors';
import type { FrozenTrial } from '../frozenTrial';
import type { StudyView } from '../study/view';
import type { PruneDecision, Pruner } from './base';
import { pruningDirection } from './shared';
import { requireInt } from '../validate';
import { checkOptionKeys, optionKeys } from '../options';

export interface PatientPrunerOptions {
  /** Steps without improvement tolerated before the wrapped pruner is consulted. */
  patience: number;
  /** How far the recent best may fall behind the earlier best before the trial counts as stalled (default 0). */
  minDelta?: number;
}

/**
 * Waits out a plateau (Optuna's PatientPruner): it consults the wrapped pruner (or prunes outright
 * when `wrapped` is null) only when the best of the last `patience + 1` values is worse than the best
 * value before them by more than `minDelta`. Until then the trial is left alone, however it ranks.
 */
const PATIENT_PRUNER_OPTION_KEYS = optionKeys<PatientPrunerOptions>({ patience: true, minDelta: true });

export class PatientPruner implements Pruner {
  readonly patience: number;
  readonly minDelta: number;

  constructor(
    readonly wrapped: Pruner | null,
    opts: PatientPrunerOptions,
  ) {
    checkOptionKeys('PatientPruner', opts, PATIENT_PRUNER_OPTION_KEYS);
    showAsConstructed(this, 'PatientPruner', [wrapped, opts]);
    this.patience = opts?.patience;
    this.minDelta = opts?.minDelta ?? 0;
    requireInt('PatientPruner', 'patience', this.patience, 0);
    if (!(typeof this.minDelta === 'number' && this.minDelta >= 0)) {
      throw new InvalidArgumentError(`PatientPruner: minDelta must be a number >= 0, got ${String(this.minDelta)}.`);
    }
  }

  prune(study: StudyView, trial: FrozenTrial): boolean | PruneDecision {
    const steps = [...trial.intermediateValues.keys()].sort((a, b) => a - b);
    if (steps.length <= this.patience + 1) return false;
    const split = steps.length - this.patience - 1;
    const values = (s: number[]) => s.map((k) => trial.intermediateValues.get(k)!);
    const before = values(steps.slice(0, split));
    const recent = values(steps.slice(split));
    const direction = pruningDirection(study, 'PatientPruner');
    // NaN comparisons are false, so a run of NaNs never counts as "stalled" (numpy's nanmin gives the same).
    const stalled =
      direction === 'minimize'
        ? nanExtreme(before, Math.min) + this.minDelta < nanExtreme(recent, Math.min)
        : nanExtreme(before, Math.max) - this.minDelta > nanExtreme(recent, Math.max);
    if (!stalled) return false;
    return this.wrapped ? this.wrapped.prune(study, trial) : true;
  }
}

function nanExtreme(values: number[], pick: (...v: number[]) => number): number {
  const finiteOrInf = values.filter((v) => !Number.isNaN(v));
  return finiteOrInf.length === 0 ? NaN : pick(...finiteOrInf);
}
