/**
 * The trainer and its callbacks (src/models/training), driven by scripted epochs instead of tfjs:
 * the hook order Keras defines, stopping as data, errors ending the run, and each callback's rule
 * (early stopping, pruning, learning-rate schedules) replayed independently on crafted sequences.
 * The same callbacks on real networks are tested in neural.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrialPruned } from '../../src/errors';
import { schedules } from '../../src';
import type { EpochRecord, TrainingCallback } from '../../src/models/training/callback';
import { EarlyStoppingCallback, type EarlyStopping } from '../../src/models/training/earlyStopping';
import { learningRateScheduleCallback } from '../../src/models/training/learningRateSchedule';
import { pruningCallback } from '../../src/models/training/pruning';
import { train, type EpochRunner } from '../../src/models/training/trainer';

/** A model whose epochs are scripted: epoch e has training loss losses[e] and validation loss valLosses[e]. */
function scripted(opts: {
  losses: number[];
  valLosses?: number[];
  valAccuracies?: number[];
  batches?: number;
  lr?: () => number;
}): EpochRunner & { batchHookGiven: boolean[] } {
  const batchHookGiven: boolean[] = [];
  return {
    batchHookGiven,
    async trainEpoch(epoch, onBatchBegin) {
      batchHookGiven.push(onBatchBegin !== null);
      for (let b = 0; b < (opts.batches ?? 3); b++) await onBatchBegin?.(b);
      return opts.losses[epoch];
    },
    learningRate: opts.lr ?? (() => 0.1),
    validate() {
      return opts.valLosses
        ? { valLoss: opts.valLosses[trainedEpochs(batchHookGiven)], valAccuracy: opts.valAccuracies?.[trainedEpochs(batchHookGiven)] }
        : null;
    },
  };
}
/** The epoch just trained, from how many epochs the runner has run. */
const trainedEpochs = (given: boolean[]) => given.length - 1;

/** Records every hook call as a string. */
function recorder(events: string[], name = ''): TrainingCallback {
  return {
    onTrainBegin: () => void events.push(`${name}trainBegin`),
    onEpochBegin: (e) => void events.push(`${name}epochBegin ${e}`),
    onEpochEnd: (e, logs) => void events.push(`${name}epochEnd ${e} loss=${logs.loss}`),
    onTrainEnd: (h) => void events.push(`${name}trainEnd ${h.length}`),
  };
}

/** A weight of a fake model: copies are counted, so a test can tell none leaked. */
class FakeWeight {
  static live = 0;
  constructor(readonly value: number) {}
  clone(): FakeWeight {
    FakeWeight.live++;
    return new FakeWeight(this.value);
  }
  dispose(): void {
    FakeWeight.live--;
  }
}
/** A one-weight model whose weight is the number of the epoch last trained. */
function fakeModel() {
  return {
    weights: [new FakeWeight(-1)],
    getWeights() {
      return this.weights;
    },
    setWeights(w: FakeWeight[]) {
      this.weights = w.map((x) => new FakeWeight(x.value));
    },
  };
}

/**
 * Early stopping's rule written out independently: the best epoch is the last one that beat the
 * best so far by more than minDelta; training stops after the first epoch e (counting epochs from
 * 1, at least minEpochs) whose distance to the best epoch exceeds the patience, grown to
 * (patienceIncrease - 1) * (best epoch + 1) when that is larger. Returns the epochs run and the best epoch.
 */
function replay(valLosses: number[], rule: EarlyStopping): { epochs: number; bestEpoch: number } {
  let bestEpoch = -1;
  for (let e = 0; e < valLosses.length; e++) {
    if (bestEpoch < 0 || valLosses[e] < valLosses[bestEpoch] - (rule.minDelta ?? 0)) bestEpoch = e;
    const patience = Math.max(rule.patience, rule.patienceIncrease === undefined ? 0 : (rule.patienceIncrease - 1) * (bestEpoch + 1));
    if (e - bestEpoch > patience && e + 1 >= (rule.minEpochs ?? 0)) return { epochs: e + 1, bestEpoch };
  }
  return { epochs: valLosses.length, bestEpoch };
}

// A validation loss that improves, stalls, improves a little, then slowly gets worse.
const VAL_LOSSES = [1.0, 0.8, 0.79, 0.85, 0.7, 0.71, 0.72, 0.69, 0.73, 0.74, 0.75, 0.76, 0.77, 0.78, 0.79, 0.8, 0.81, 0.82];
const TRAIN_LOSSES = VAL_LOSSES.map((v) => v / 2);

describe('trainer', () => {
  it("calls the callbacks at Keras's hook points, epochs in order, each epoch's logs in the history", async () => {
    const events: string[] = [];
    const seen: EpochRecord[] = [];
    const history: EpochRecord[] = [];
    const epochs = 4;
    const runner = scripted({ losses: TRAIN_LOSSES, valLosses: VAL_LOSSES, valAccuracies: VAL_LOSSES.map((v) => 1 - v) });
    await train(runner, {
      epochs,
      history,
      callbacks: [recorder(events, 'a:'), recorder(events, 'b:'), { onEpochEnd: (_e, logs) => void seen.push(logs) }],
    });
    const expected = ['a:trainBegin', 'b:trainBegin'];
    for (let e = 0; e < epochs; e++) {
      expected.push(
        `a:epochBegin ${e}`,
        `b:epochBegin ${e}`,
        `a:epochEnd ${e} loss=${TRAIN_LOSSES[e]}`,
        `b:epochEnd ${e} loss=${TRAIN_LOSSES[e]}`,
      );
    }
    expected.push(`a:trainEnd ${epochs}`, `b:trainEnd ${epochs}`);
    assert.deepEqual(events, expected);
    assert.deepEqual(
      history,
      Array.from({ length: epochs }, (_, e) => ({
        epoch: e,
        loss: TRAIN_LOSSES[e],
        lr: 0.1,
        valLoss: VAL_LOSSES[e],
        valAccuracy: 1 - VAL_LOSSES[e],
      })),
    );
    assert.deepEqual(seen, history, 'onEpochEnd gets the record the history keeps');
    assert.deepEqual(runner.batchHookGiven, [false, false, false, false], 'no callback has a per-batch hook, so the runner gets none');
  });

  it('hands the runner a per-batch hook only when a callback has one, and records no validation scores without validation data', async () => {
    const batches: string[] = [];
    const history: EpochRecord[] = [];
    const runner = scripted({ losses: TRAIN_LOSSES, batches: 2 });
    await train(runner, {
      epochs: 2,
      history,
      callbacks: [{ onEpochBegin: (e) => void batches.push(`epoch ${e}`), onBatchBegin: (b) => void batches.push(`batch ${b}`) }],
    });
    assert.deepEqual(batches, ['epoch 0', 'batch 0', 'batch 1', 'epoch 1', 'batch 0', 'batch 1']);
    assert.deepEqual(runner.batchHookGiven, [true, true]);
    assert.ok(history.every((r) => !('valLoss' in r) && !('valAccuracy' in r)));
  });

  it('stops after the epoch a callback returns stopTraining from; the later callbacks still see that epoch and onTrainEnd runs', async () => {
    const events: string[] = [];
    const history: EpochRecord[] = [];
    const stopAt = 2;
    const stopper: TrainingCallback = { onEpochEnd: (e) => (e === stopAt ? { stopTraining: true } : undefined) };
    await train(scripted({ losses: TRAIN_LOSSES }), { epochs: 10, history, callbacks: [stopper, recorder(events)] });
    assert.equal(history.length, stopAt + 1);
    assert.equal(events.filter((e) => e.startsWith('epochEnd')).length, stopAt + 1);
    assert.equal(events[events.length - 1], `trainEnd ${stopAt + 1}`);
  });

  it('ends the run at the first error: no later callback, no onTrainEnd, and the history holds the epochs up to it', async () => {
    const events: string[] = [];
    const history: EpochRecord[] = [];
    const failAt = 1;
    const failing: TrainingCallback = {
      onEpochEnd: (e) => {
        if (e === failAt) throw new Error(`failed at ${e}`);
      },
    };
    await assert.rejects(
      () => train(scripted({ losses: TRAIN_LOSSES }), { epochs: 5, history, callbacks: [failing, recorder(events)] }),
      new RegExp(`failed at ${failAt}`),
    );
    assert.equal(history.length, failAt + 1);
    assert.deepEqual(
      events.filter((e) => e.startsWith('epochEnd')),
      Array.from({ length: failAt }, (_, e) => `epochEnd ${e} loss=${TRAIN_LOSSES[e]}`),
    );
    assert.ok(!events.some((e) => e.startsWith('trainEnd')));
  });
});

describe('early stopping callback', () => {
  const rules: EarlyStopping[] = [
    { patience: 2 },
    { patience: 2, minDelta: 0.05 },
    { patience: 0, minEpochs: 6 },
    { patience: 1, patienceIncrease: 2 },
    { patience: 5, patienceIncrease: 1.25 },
  ];

  for (const rule of rules) {
    it(`stops where its rule says on a crafted validation-loss sequence, and restores the best epoch's weights: ${JSON.stringify(rule)}`, async () => {
      const expected = replay(VAL_LOSSES, rule);
      assert.ok(expected.epochs < VAL_LOSSES.length, 'the crafted sequence makes this rule stop early');
      const model = fakeModel();
      const bestEpochs: number[] = [];
      const es = new EarlyStoppingCallback({ monitor: 'loss', rule, model, onBestEpoch: (e) => bestEpochs.push(e) });
      const runner = scripted({ losses: TRAIN_LOSSES, valLosses: VAL_LOSSES });
      const trainEpoch = runner.trainEpoch;
      runner.trainEpoch = async (epoch, hook) => {
        model.weights = [new FakeWeight(epoch)];
        return trainEpoch(epoch, hook);
      };
      const history: EpochRecord[] = [];
      try {
        await train(runner, { epochs: VAL_LOSSES.length, history, callbacks: [es] });
      } finally {
        es.dispose();
      }
      assert.equal(history.length, expected.epochs);
      assert.equal(bestEpochs[bestEpochs.length - 1], expected.bestEpoch);
      assert.equal(model.weights[0].value, expected.bestEpoch, "the best epoch's weights are back");
      assert.equal(FakeWeight.live, 0, 'every copied weight was freed');
    });
  }

  it('keeps the last weights with restoreBestWeights: false, and watches accuracy upwards', async () => {
    const accuracies = VAL_LOSSES.map((v) => 1 - v);
    const rule = { patience: 2, restoreBestWeights: false };
    const expected = replay(
      accuracies.map((a) => -a),
      rule,
    );
    const model = fakeModel();
    let bestEpoch = -1;
    const es = new EarlyStoppingCallback({ monitor: 'accuracy', rule, model, onBestEpoch: (e) => (bestEpoch = e) });
    const runner = scripted({ losses: TRAIN_LOSSES, valLosses: VAL_LOSSES, valAccuracies: accuracies });
    const history: EpochRecord[] = [];
    await train(runner, { epochs: VAL_LOSSES.length, history, callbacks: [es] });
    es.dispose();
    assert.equal(history.length, expected.epochs);
    assert.equal(bestEpoch, expected.bestEpoch);
    assert.notEqual(bestEpoch, history.length - 1);
    assert.equal(model.weights[0].value, -1, 'no weights were set back');
  });

  it('without a rule: never stops, copies no weights, and the best epoch is the last one after training', async () => {
    const model = fakeModel();
    const bestEpochs: number[] = [];
    const es = new EarlyStoppingCallback({ monitor: 'loss', model, onBestEpoch: (e) => bestEpochs.push(e) });
    const history: EpochRecord[] = [];
    await train(scripted({ losses: TRAIN_LOSSES, valLosses: VAL_LOSSES }), { epochs: VAL_LOSSES.length, history, callbacks: [es] });
    assert.equal(history.length, VAL_LOSSES.length);
    assert.equal(bestEpochs[bestEpochs.length - 1], VAL_LOSSES.length - 1);
    // During training it tracked the best validation loss so far (what a pruned run reports).
    const argmin = VAL_LOSSES.indexOf(Math.min(...VAL_LOSSES));
    assert.equal(bestEpochs[bestEpochs.length - 2], argmin);
    assert.equal(FakeWeight.live, 0);
  });
});

describe('pruning callback', () => {
  it('reports the monitored metric at step = epoch and throws TrialPruned at the epoch the pruner says so', async () => {
    const reports: Array<[number, number]> = [];
    const pruneAfter = 3;
    const trial = {
      report: (value: number, step: number) => void reports.push([step, value]),
      shouldPrune: () => reports.length >= pruneAfter,
    };
    const events: string[] = [];
    const history: EpochRecord[] = [];
    await assert.rejects(
      () =>
        train(scripted({ losses: TRAIN_LOSSES, valLosses: VAL_LOSSES }), {
          epochs: 10,
          history,
          callbacks: [pruningCallback(trial, 'loss'), recorder(events)],
        }),
      (e: unknown) =>
        e instanceof TrialPruned &&
        new RegExp(`pruned at epoch ${pruneAfter - 1} \\(loss ${VAL_LOSSES[pruneAfter - 1]}\\)`).test(e.message),
    );
    assert.deepEqual(
      reports,
      VAL_LOSSES.slice(0, pruneAfter).map((v, e) => [e, v]),
    );
    assert.equal(history.length, pruneAfter);
    assert.ok(
      !events.includes(`epochEnd ${pruneAfter - 1} loss=${TRAIN_LOSSES[pruneAfter - 1]}`),
      'callbacks after pruning do not see the pruned epoch',
    );
    assert.ok(!events.some((e) => e.startsWith('trainEnd')));
  });

  it('reports nothing without validation data', async () => {
    let reported = 0;
    const trial = { report: () => void reported++, shouldPrune: () => true };
    await train(scripted({ losses: TRAIN_LOSSES }), { epochs: 3, history: [], callbacks: [pruningCallback(trial, 'accuracy')] });
    assert.equal(reported, 0);
  });
});

describe('learning-rate schedule callback', () => {
  const schedule = schedules.step({ lr: 0.1, stepSize: 4, gamma: 0.5 });

  it('per batch: sets the rate before every batch, counting batches across epochs', async () => {
    // tfjs's SGD optimizer sets its rate through setLearningRate.
    const optimizer = {
      learningRate: 1,
      setLearningRate(lr: number) {
        this.learningRate = lr;
      },
    };
    const set: number[] = [];
    const cb = learningRateScheduleCallback(schedule, optimizer, 'batch');
    const batches = 3;
    const epochs = 4;
    const runner = scripted({ losses: TRAIN_LOSSES, batches, lr: () => cb.lastLr });
    const history: EpochRecord[] = [];
    await train(runner, { epochs, history, callbacks: [cb, { onBatchBegin: () => void set.push(optimizer.learningRate) }] });
    assert.deepEqual(
      set,
      Array.from({ length: epochs * batches }, (_, step) => schedule.at(step)),
    );
    assert.deepEqual(
      history.map((r) => r.lr),
      Array.from({ length: epochs }, (_, e) => schedule.at((e + 1) * batches - 1)),
    );
  });

  it('per epoch: sets the rate before every epoch and asks the runner for no per-batch hook', async () => {
    // tfjs's SGD optimizer sets its rate through setLearningRate.
    const optimizer = {
      learningRate: 1,
      setLearningRate(lr: number) {
        this.learningRate = lr;
      },
    };
    const cb = learningRateScheduleCallback(schedule, optimizer, 'epoch');
    const runner = scripted({ losses: TRAIN_LOSSES, lr: () => optimizer.learningRate });
    const history: EpochRecord[] = [];
    await train(runner, { epochs: 6, history, callbacks: [cb] });
    assert.deepEqual(
      history.map((r) => r.lr),
      Array.from({ length: 6 }, (_, e) => schedule.at(e)),
    );
    assert.deepEqual(runner.batchHookGiven, Array(6).fill(false));
    assert.equal(cb.lastLr, schedule.at(5));
  });
});
