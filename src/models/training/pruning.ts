/**
 * Pruning (Optuna's TFKerasPruningCallback): after every epoch, report the monitored validation
 * metric to the trial at step = epoch and throw TrialPruned when the study's pruner says so. The
 * throw ends fit there; the objective lets it through and the study marks the trial PRUNED.
 */
import { TrialPruned } from '../../errors';
import type { Trial } from '../../trial';
import { monitoredValue, type EpochRecord, type Monitor, type TrainingCallback } from './callback';

/** The part of a trial pruning uses. */
export type PrunableTrial = Pick<Trial, 'report' | 'shouldPrune'>;

export function pruningCallback(trial: PrunableTrial, monitor: Monitor): TrainingCallback {
  return {
    onEpochEnd(epoch: number, logs: Readonly<EpochRecord>): void {
      const value = monitoredValue(logs, monitor);
      if (value === undefined) return;
      trial.report(value, epoch);
      if (trial.shouldPrune()) throw new TrialPruned(`pruned at epoch ${epoch} (${monitor} ${value})`);
    },
  };
}
