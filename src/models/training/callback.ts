/**
 * The hooks a training run calls, at Keras's points (keras.callbacks.Callback): once before and
 * after training, before and after every epoch, and before every batch for the few callbacks that
 * need it (a per-batch learning-rate schedule). A callback stops training the Keras way, by saying
 * so from onEpochEnd (here as data, `{ stopTraining: true }`, rather than a flag on the model); the
 * epoch's other callbacks still run and onTrainEnd follows. A callback that throws (pruning throws
 * TrialPruned) ends the run there: the error reaches fit's caller and onTrainEnd is not called.
 *
 * Nothing here names tfjs: the trainer, the callbacks and their tests run without it.
 */

/** One epoch of a fit, as `history` keeps it and callbacks see it (Keras's `logs`). */
export interface EpochRecord {
  epoch: number;
  loss: number;
  valLoss?: number;
  valAccuracy?: number;
  /** Learning rate at the end of the epoch. */
  lr: number;
}

/** What onEpochEnd may return: `{ stopTraining: true }` ends the run after this epoch. */
export type EpochDecision = { stopTraining: boolean } | void;

/**
 * A training callback (fit's `callbacks` option). Every hook is optional and may be async; fit
 * awaits each in turn, in the order the callbacks were given.
 */
export interface TrainingCallback {
  onTrainBegin?(): void | Promise<void>;
  onEpochBegin?(epoch: number): void | Promise<void>;
  /**
   * Before each batch (`batch` counts from 0 within the epoch). Only define it if you need it:
   * a run with a per-batch hook hands tfjs a callback and awaits it on every batch.
   */
  onBatchBegin?(batch: number): void | Promise<void>;
  /** After the epoch, its validation scored; `logs` is the record `history` keeps. Return `{ stopTraining: true }` to stop. */
  onEpochEnd?(epoch: number, logs: Readonly<EpochRecord>): EpochDecision | Promise<EpochDecision>;
  /** After the last epoch (or the one a callback stopped at), with every epoch's record. */
  onTrainEnd?(history: ReadonlyArray<Readonly<EpochRecord>>): void | Promise<void>;
}

/** @internal The validation metric pruning and early stopping watch. */
export type Monitor = 'accuracy' | 'loss';

/** @internal The monitored value of an epoch, undefined when the fit had no validation data. */
export function monitoredValue(logs: Readonly<EpochRecord>, monitor: Monitor): number | undefined {
  return monitor === 'accuracy' ? logs.valAccuracy : logs.valLoss;
}
