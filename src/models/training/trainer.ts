/**
 * The epoch loop, Keras's `fit` without the model: for each epoch it calls the callbacks'
 * onEpochBegin, has the model train one epoch and score its validation data, appends the epoch's
 * record to the history, calls onEpochEnd and stops early when a callback asks to. What one epoch
 * of training means (tfjs, seeded shuffling, batches) is the runner's business (./seededEpochs.ts);
 * what happens around it (pruning, early stopping, schedules) is the callbacks'.
 */
import type { EpochRecord, TrainingCallback } from './callback';

/** The model's side of the loop. */
export interface EpochRunner {
  /**
   * Train one epoch and return its mean training loss. `onBatchBegin`, when given, must be awaited
   * before every batch; it is null when no callback has a per-batch hook.
   */
  trainEpoch(epoch: number, onBatchBegin: ((batch: number) => Promise<void>) | null): Promise<number>;
  /** The learning rate the optimizer ended the epoch with. */
  learningRate(): number;
  /** The validation scores after the epoch (valAccuracy for classifiers), or null without validation data. */
  validate(): { valLoss: number; valAccuracy?: number } | null;
}

export interface TrainOptions {
  epochs: number;
  /** Called in this order at every hook point. */
  callbacks: readonly TrainingCallback[];
  /** Receives each epoch's record as soon as it is complete (before onEpochEnd), so it is whole up to a thrown error. */
  history: EpochRecord[];
}

/** Run up to `epochs` epochs; resolves when training ends, rejects with the first error a callback or the runner throws. */
export async function train(runner: EpochRunner, { epochs, callbacks, history }: TrainOptions): Promise<void> {
  const batchHooks = callbacks.filter((cb) => cb.onBatchBegin !== undefined);
  const onBatchBegin =
    batchHooks.length === 0
      ? null
      : async (batch: number) => {
          for (const cb of batchHooks) await cb.onBatchBegin?.(batch);
        };
  for (const cb of callbacks) await cb.onTrainBegin?.();
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (const cb of callbacks) await cb.onEpochBegin?.(epoch);
    const loss = await runner.trainEpoch(epoch, onBatchBegin);
    const logs: EpochRecord = { epoch, loss, lr: runner.learningRate() };
    const scores = runner.validate();
    if (scores) {
      logs.valLoss = scores.valLoss;
      if (scores.valAccuracy !== undefined) logs.valAccuracy = scores.valAccuracy;
    }
    history.push(logs);
    // Keras semantics: every callback sees the epoch, then the run stops if any of them asked to.
    let stop = false;
    for (const cb of callbacks) {
      const decision = await cb.onEpochEnd?.(epoch, logs);
      if (decision && decision.stopTraining) stop = true;
    }
    if (stop) break;
  }
  for (const cb of callbacks) await cb.onTrainEnd?.(history);
}
