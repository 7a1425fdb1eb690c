/**
 * Apply a schedule while tfjs trains: a plain tfjs callback object (no tfjs import needed) that
 * sets the optimizer's learning rate before every batch (per: 'batch') or every epoch
 * (per: 'epoch'). The step counter keeps counting across several model.fit calls, so training
 * one epoch per fit call (as tunelab's models do, to shuffle with a seeded Rng) still follows the
 * schedule from step 0 to the end.
 */
import { checkOptionKeys, optionKeys } from '../options';
import { InvalidArgumentError } from '../errors';
import type { Schedule } from './index';

/** The part of a tfjs optimizer we touch: SGD/momentum have setLearningRate; Adam, RMSProp, Adagrad read `learningRate` at each update. */
export interface LearningRateOwner {
  setLearningRate?(lr: number): void;
}

export function setOptimizerLearningRate(optimizer: LearningRateOwner, lr: number): void {
  if (typeof optimizer.setLearningRate === 'function') optimizer.setLearningRate(lr);
  else if ('learningRate' in optimizer) (optimizer as { learningRate: number }).learningRate = lr;
  else throw new InvalidArgumentError('schedule callback: this optimizer has no learning rate to set.');
}

export interface ScheduleCallback {
  onEpochBegin(epoch: number): Promise<void>;
  onBatchBegin(batch: number): Promise<void>;
  /** Steps applied so far (batches or epochs). */
  readonly step: number;
  /** The learning rate most recently applied. */
  readonly lastLr: number;
  /** Every (step, lr) applied, for plotting what training actually used. */
  readonly history: Array<[number, number]>;
}

export interface ScheduleCallbackOptions {
  per?: 'batch' | 'epoch';
}
const SCHEDULE_CALLBACK_OPTION_KEYS = optionKeys<ScheduleCallbackOptions>({ per: true });

export function scheduleCallback(schedule: Schedule, optimizer: LearningRateOwner, opts: ScheduleCallbackOptions = {}): ScheduleCallback {
  checkOptionKeys('scheduleCallback', opts, SCHEDULE_CALLBACK_OPTION_KEYS);
  const per = opts.per ?? 'batch';
  if (per !== 'batch' && per !== 'epoch')
    throw new InvalidArgumentError(`scheduleCallback: per must be 'batch' or 'epoch', got ${String(per)}.`);
  let step = 0;
  let lastLr = NaN;
  const history: Array<[number, number]> = [];
  const apply = () => {
    lastLr = schedule.at(step);
    setOptimizerLearningRate(optimizer, lastLr);
    history.push([step, lastLr]);
    step++;
  };
  return {
    async onEpochBegin() {
      if (per === 'epoch') apply();
    },
    async onBatchBegin() {
      if (per === 'batch') apply();
    },
    get step() {
      return step;
    },
    get lastLr() {
      return lastLr;
    },
    history,
  };
}
