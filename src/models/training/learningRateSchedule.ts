/**
 * A learning-rate schedule as a training callback (Keras's LearningRateScheduler): the schedule's
 * step counts batches (per: 'batch', applied before each batch) or epochs (per: 'epoch', applied
 * before each epoch) from the start of fit. The applying itself is ../../schedules/callback.ts,
 * which users can also hand to tfjs directly.
 */
import { scheduleCallback, type LearningRateOwner } from '../../schedules/callback';
import type { Schedule } from '../../schedules/index';
import type { TrainingCallback } from './callback';

export interface LearningRateScheduleCallback extends TrainingCallback {
  /** The learning rate most recently applied (what the epoch's record shows). */
  readonly lastLr: number;
}

export function learningRateScheduleCallback(
  schedule: Schedule,
  optimizer: LearningRateOwner,
  per: 'batch' | 'epoch',
): LearningRateScheduleCallback {
  const applier = scheduleCallback(schedule, optimizer, { per });
  // Only the hook that applies it is defined: a per-epoch schedule then costs nothing per batch.
  return per === 'batch'
    ? {
        onBatchBegin: (batch: number) => applier.onBatchBegin(batch),
        get lastLr() {
          return applier.lastLr;
        },
      }
    : {
        onEpochBegin: (epoch: number) => applier.onEpochBegin(epoch),
        get lastLr() {
          return applier.lastLr;
        },
      };
}
