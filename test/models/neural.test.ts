import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import {
  backendInfo,
  createStudy,
  crossValidate,
  datasets,
  mlp,
  cnn,
  lstm,
  schedules,
  StandardScaler,
  trainTestSplit,
  TrialPruned,
  TrialState,
  type Pruner,
} from '../../src';

const iris = datasets.iris();
const Xs = new StandardScaler().fit(iris.X).transform(iris.X);
const split = trainTestSplit(Xs, iris.y, { testSize: 0.3, seed: 1, stratify: true });

describe('tfjs backend and loading', () => {
  it('require("tunelab") does not load tfjs; models load it on first use', () => {
    const code = `require(${JSON.stringify(require.resolve('../../src'))});
      process.stdout.write(String(Object.keys(require.cache).some((k) => k.includes('@tensorflow'))));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'false');
  });

  it('backendInfo names the backend and why (wasm here: tfjs-node is not installed)', async () => {
    const info = await backendInfo();
    assert.ok(['tensorflow', 'wasm', 'cpu'].includes(info.backend));
    assert.ok(info.reason.length > 10);
    if (info.backend === 'wasm') {
      assert.match(info.reason, /tfjs-node is not installed/);
      assert.ok(info.skipped.some((s) => s.backend === 'tensorflow'));
      assert.ok(info.cpuFallbackKernels.includes('Conv2DBackpropFilter'));
    }
  });

  it('on wasm, matMul with transposed operands (the fast path tunelab installs) equals a plain product', async () => {
    const info = await backendInfo();
    const { loadTf } = await import('../../src/backend');
    const tf = await loadTf();
    const a = tf.randomUniform([6, 9], -1, 1, 'float32', 1);
    const b = tf.randomUniform([4, 6], -1, 1, 'float32', 2);
    const got = tf.matMul(a, b, true, true).arraySync() as number[][];
    const A = a.arraySync() as number[][];
    const B = b.arraySync() as number[][];
    for (let i = 0; i < 9; i++) {
      for (let j = 0; j < 4; j++) {
        let s = 0;
        for (let k = 0; k < 6; k++) s += A[k][i] * B[j][k];
        assert.ok(Math.abs(s - got[i][j]) < 1e-5, `${info.backend}: [${i}, ${j}] ${got[i][j]} vs ${s}`);
      }
    }
    a.dispose();
    b.dispose();
  });
});

describe('neural networks', () => {
  it('a seeded MLP trained twice gives identical weights (dropout, input noise and shuffling included)', async () => {
    const params = {
      hiddenUnits: 12,
      hiddenLayers: 2,
      dropout: 0.3,
      inputNoise: 0.1,
      epochs: 4,
      batchSize: 16,
      learningRate: 0.01,
      seed: 42,
    };
    const a = await mlp(params).fit(split.XTrain, split.yTrain);
    const b = await mlp(params).fit(split.XTrain, split.yTrain);
    const c = await mlp({ ...params, seed: 43 }).fit(split.XTrain, split.yTrain);
    assert.deepEqual(a.getWeights(), b.getWeights());
    assert.notDeepEqual(a.getWeights(), c.getWeights());
    for (const m of [a, b, c]) m.dispose();
  });

  it('seeded LSTM and CNN runs are reproducible too', async () => {
    const seq = datasets.addingProblem(64, { length: 6, seed: 3 });
    const lstmParams = {
      inputShape: [6, 2] as [number, number],
      task: 'regression' as const,
      hiddenSize: 6,
      dropout: 0.2,
      inputNoise: 0.05,
      epochs: 2,
      batchSize: 16,
      seed: 9,
    };
    const l1 = await lstm(lstmParams).fit(seq.X, seq.y);
    const l2 = await lstm(lstmParams).fit(seq.X, seq.y);
    assert.deepEqual(l1.getWeights(), l2.getWeights());
    const img = datasets.rectangles(48, { size: 8, seed: 5 });
    const cnnParams = {
      inputShape: [8, 8, 1] as [number, number, number],
      filters: [3],
      denseUnits: 4,
      dropout: 0.25,
      epochs: 2,
      batchSize: 16,
      seed: 9,
    };
    const c1 = await cnn(cnnParams).fit(img.X, img.y);
    const c2 = await cnn(cnnParams).fit(img.X, img.y);
    assert.deepEqual(c1.getWeights(), c2.getWeights());
    for (const m of [l1, l2, c1, c2]) m.dispose();
  });

  it('reports the validation metric to the trial every epoch and throws TrialPruned when the pruner says so', async () => {
    // Prune any trial as soon as it has reported 3 epochs.
    const pruner: Pruner = { prune: (_s, t) => t.intermediateValues.size >= 3 };
    const study = await createStudy({ direction: 'maximize', pruner });
    let epochsSeen = 0;
    await study.optimize(
      async (trial) => {
        const model = mlp({ hiddenUnits: trial.suggestInt('units', 4, 16), epochs: 10, learningRate: 0.02, seed: 1 });
        try {
          await model.fit(split.XTrain, split.yTrain, {
            validationData: [split.XTest, split.yTest],
            trial,
            onEpochEnd: () => void epochsSeen++,
          });
        } finally {
          model.dispose();
        }
        return model.score(split.XTest, split.yTest);
      },
      { nTrials: 1, showProgressBar: false, catch: false },
    );
    const t = study.trials[0];
    assert.equal(t.state, TrialState.PRUNED);
    assert.deepEqual([...t.intermediateValues.keys()], [0, 1, 2]);
    assert.equal(epochsSeen, 3);
    for (const v of t.intermediateValues.values()) assert.ok(v >= 0 && v <= 1);
  });

  it('early stopping stops after `patience` epochs without improvement', async () => {
    // A learning rate this small cannot move the validation loss by minDelta, so no epoch after the first improves.
    const model = mlp({ hiddenUnits: 8, epochs: 30, learningRate: 1e-9, optimizer: 'sgd', momentum: 0, seed: 2 });
    await model.fit(split.XTrain, split.yTrain, {
      validationData: [split.XTest, split.yTest],
      metric: 'loss',
      earlyStopping: { patience: 2, minDelta: 1e-3 },
    });
    assert.equal(model.history.length, 4);
    assert.equal(model.bestEpoch, 0);
    model.dispose();
  });

  it('early stopping with minEpochs and a patience that grows with the best epoch (patienceIncrease)', async () => {
    const frozen = mlp({ hiddenUnits: 8, epochs: 30, learningRate: 1e-9, optimizer: 'sgd', momentum: 0, seed: 2 });
    await frozen.fit(split.XTrain, split.yTrain, {
      validationData: [split.XTest, split.yTest],
      metric: 'loss',
      earlyStopping: { patience: 2, minDelta: 1e-3, minEpochs: 10 },
    });
    assert.equal(frozen.history.length, 10, 'minEpochs keeps a stalled run going to epoch 10');
    frozen.dispose();
    // A learning run: replay the rule on the recorded validation losses and check fit stopped where the rule says.
    const model = mlp({ hiddenUnits: 8, epochs: 80, learningRate: 0.3, optimizer: 'sgd', momentum: 0, batchSize: 20, seed: 4 });
    // Validation accuracy on 45 iris rows plateaus (equal accuracy is no improvement), so the rule fires.
    await model.fit(split.XTrain, split.yTrain, {
      validationData: [split.XTest, split.yTest],
      metric: 'accuracy',
      earlyStopping: { patience: 0, minEpochs: 5, patienceIncrease: 2 },
    });
    const losses = model.history.map((r) => -(r.valAccuracy as number));
    let best = Infinity;
    let bestEpoch = -1;
    let waited = 0;
    let expectedLength = 80;
    for (let e = 0; e < losses.length; e++) {
      if (losses[e] < best) {
        best = losses[e];
        bestEpoch = e;
        waited = 0;
      } else if (++waited > Math.max(0, bestEpoch + 1) && e + 1 >= 5) {
        expectedLength = e + 1;
        break;
      }
    }
    assert.equal(model.history.length, expectedLength, `losses ${losses.map((l) => l.toFixed(4)).join(' ')}`);
    assert.equal(model.bestEpoch, bestEpoch);
    assert.ok(model.history.length < 80, 'the run stopped early');
    model.dispose();
    await assert.rejects(
      () =>
        mlp({ epochs: 1 }).fit(split.XTrain, split.yTrain, {
          validationData: [split.XTest, split.yTest],
          earlyStopping: { patience: 1, patienceIncrease: 0.5 },
        }),
      /patienceIncrease must be >= 1/,
    );
  });

  it('applies a learning-rate schedule through a tfjs callback, per batch or per epoch', async () => {
    const n = split.XTrain.length; // 105 rows, batch 20 -> 6 batches per epoch
    const perBatch = schedules.step({ lr: 0.1, stepSize: 4, gamma: 0.5 });
    const m1 = mlp({ hiddenUnits: 4, epochs: 3, batchSize: 20, optimizer: 'sgd', momentum: 0, seed: 3 });
    await m1.fit(split.XTrain, split.yTrain, { validationData: [split.XTest, split.yTest], schedule: perBatch });
    const batches = 3 * Math.ceil(n / 20);
    assert.equal(m1.history[2].lr, perBatch.at(batches - 1));
    assert.equal((m1.tfModel?.optimizer as unknown as { learningRate: number }).learningRate, perBatch.at(batches - 1));
    const perEpoch = schedules.exponential({ lr: 0.05, gamma: 0.5 });
    const m2 = mlp({ hiddenUnits: 4, epochs: 3, optimizer: 'adam', seed: 3 });
    await m2.fit(split.XTrain, split.yTrain, { validationData: [split.XTest, split.yTest], schedule: perEpoch, schedulePer: 'epoch' });
    assert.deepEqual(
      m2.history.map((h) => h.lr),
      [0.05, 0.025, 0.0125],
    );
    m1.dispose();
    m2.dispose();
  });

  it('fit calls user callbacks (the `callbacks` option) at every hook, epochs in order with the record history keeps, and stops when one asks', async () => {
    const batchSize = 25;
    const stopAt = 2;
    const events: string[] = [];
    let batches = 0;
    const model = mlp({ hiddenUnits: 4, epochs: 6, batchSize, seed: 7 });
    await model.fit(split.XTrain, split.yTrain, {
      validationData: [split.XTest, split.yTest],
      onEpochEnd: (r) => void events.push(`onEpochEnd option ${r.epoch}`),
      callbacks: [
        {
          onTrainBegin: () => void events.push('trainBegin'),
          onEpochBegin: (e) => void events.push(`epochBegin ${e}`),
          onBatchBegin: () => void batches++,
          onEpochEnd: (e, logs) => {
            events.push(`epochEnd ${e}`);
            assert.equal(logs, model.history[e], 'the record the history keeps');
            assert.ok(logs.valAccuracy !== undefined && logs.valLoss !== undefined);
            return e === stopAt ? { stopTraining: true } : undefined;
          },
          onTrainEnd: (h) => void events.push(`trainEnd ${h.length}`),
        },
      ],
    });
    const expected = ['trainBegin'];
    for (let e = 0; e <= stopAt; e++) expected.push(`epochBegin ${e}`, `onEpochEnd option ${e}`, `epochEnd ${e}`);
    expected.push(`trainEnd ${stopAt + 1}`);
    assert.deepEqual(events, expected);
    assert.equal(model.history.length, stopAt + 1);
    assert.equal(batches, (stopAt + 1) * Math.ceil(split.XTrain.length / batchSize));
    assert.equal(model.bestEpoch, stopAt, 'without early stopping the model keeps its last epoch');
    model.dispose();
  });

  it("MLP learns iris and works under crossValidate as an Estimator, which frees each fold's tensors", async () => {
    const { loadTf } = await import('../../src/backend');
    const tf = await loadTf();
    const before = tf.memory().numTensors;
    const r = await crossValidate(mlp({ hiddenUnits: 16, epochs: 40, learningRate: 0.03, batchSize: 16, seed: 5 }), Xs, iris.y, { cv: 3 });
    assert.equal(r.testScore.length, 3);
    assert.ok(r.mean > 0.85, `mean accuracy ${r.mean}`);
    assert.equal(tf.memory().numTensors, before);
  });

  it('LSTM learns the adding problem better than the constant baseline (MSE 1/6)', async () => {
    const train = datasets.addingProblem(512, { length: 10, seed: 1 });
    const test = datasets.addingProblem(128, { length: 10, seed: 2 });
    const model = lstm({ inputShape: [10, 2], task: 'regression', hiddenSize: 16, epochs: 12, learningRate: 0.01, batchSize: 32, seed: 1 });
    await model.fit(train.X, train.y, { validationData: [test.X, test.y] });
    const last = model.history[model.history.length - 1].valLoss as number;
    assert.ok(last < 1 / 6, `validation MSE ${last}`);
    model.dispose();
  });

  it('sequence-output LSTM predicts toy-chorale frames and CNN trains on rectangles', async () => {
    const ch = datasets.toyChorales(24, { length: 12, seed: 1 });
    const seq = lstm({ inputShape: [11, 48], task: 'multilabel', sequenceOutput: true, hiddenSize: 8, epochs: 2, seed: 1 });
    await seq.fit(ch.X, ch.Y, { validationSplit: 0.25 });
    assert.equal(seq.predictRaw(ch.X.slice(0, 2))[0].length, 11 * 48);
    assert.ok(Number.isFinite(seq.score(ch.X, ch.Y)));
    seq.dispose();
    const rect = datasets.rectangles(120, { size: 10, seed: 4 });
    const conv = cnn({ inputShape: [10, 10, 1], filters: [4], kernelSize: 3, pooling: 'max', denseUnits: 8, epochs: 2, seed: 4 });
    await conv.fit(rect.X, rect.y, { validationSplit: 0.25 });
    assert.equal(conv.history.length, 2);
    assert.ok(conv.history.every((h) => Number.isFinite(h.loss)));
    conv.dispose();
  });

  it("initial weights follow initDistribution x initScale (Bergstra & Bengio's two schemes) and readoutZeroInit", async () => {
    // A learning rate of 1e-12 leaves the weights at their initial draw after one epoch.
    const img = datasets.rectangles(40, { size: 12, seed: 2 });
    const fanIn = 144;
    const units = 64;
    const initial = async (p: Parameters<typeof mlp>[0]) =>
      (
        await mlp({ hiddenUnits: units, optimizer: 'sgd', momentum: 0, learningRate: 1e-12, epochs: 1, seed: 3, ...p }).fit(img.X, img.y)
      ).getWeights();
    const stats = (w: number[]) => ({ maxAbs: Math.max(...w.map(Math.abs)), std: Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length) });
    const glorot = Math.sqrt(6 / (fanIn + units));
    const cases = [
      { p: { initDistribution: 'uniform', initScale: 'glorot' }, bound: glorot, std: glorot / Math.sqrt(3) },
      { p: { initDistribution: 'normal', initScale: 'glorot' }, bound: Infinity, std: glorot },
      { p: { initDistribution: 'uniform', initScale: 0.5 }, bound: 0.5 / Math.sqrt(fanIn), std: 0.5 / Math.sqrt(fanIn) / Math.sqrt(3) },
      { p: { initDistribution: 'normal', initScale: 1.5 }, bound: Infinity, std: 1.5 / Math.sqrt(fanIn) },
    ] as const;
    for (const c of cases) {
      const [kernel] = await initial({ ...c.p, readoutZeroInit: true });
      const st = stats(kernel);
      const what = JSON.stringify(c.p) + ' ' + JSON.stringify(st);
      assert.equal(kernel.length, fanIn * units);
      assert.ok(Math.abs(st.std / c.std - 1) < 0.05, `${what}: std should be ${c.std}`);
      if (Number.isFinite(c.bound))
        assert.ok(
          st.maxAbs <= c.bound * (1 + 1e-6) && st.maxAbs > 0.97 * c.bound,
          `${what}: weights should fill [-${c.bound}, ${c.bound}]`,
        );
      else assert.ok(st.maxAbs > 3 * c.std, `${what}: a normal draw of ${kernel.length} weights reaches past 3 standard deviations`);
    }
    const zeroOut = await initial({ initDistribution: 'normal', initScale: 1, readoutZeroInit: true });
    assert.ok(Math.max(...zeroOut[2].map(Math.abs)) < 1e-9, 'readoutZeroInit: the output kernel starts at 0');
    const defaults = await initial({});
    assert.ok(Math.max(...defaults[2].map(Math.abs)) > 0.1, 'the default output layer is Glorot-uniform');
    assert.throws(() => mlp({ initScale: -1 }), /initScale must be 'glorot' or a positive number/);
    assert.throws(() => mlp({ initDistribution: 'cauchy' as never }), /initDistribution must be/);
  });

  it('per-step classification LSTM (softmax at every step) learns to recall the previous symbol', async () => {
    // Step t's label is the symbol seen at step t - 1 (symbol 0 at step 0): a task that needs memory.
    const K = 4;
    const T = 8;
    const make = (n: number, seed: number) => {
      let s = seed;
      const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) >> 16) % K;
      const seqs = Array.from({ length: n }, () => Array.from({ length: T }, next));
      return {
        X: seqs.map((q) => q.map((k) => Array.from({ length: K }, (_, c) => (c === k ? 1 : 0)))),
        y: seqs.map((q) => q.map((_, t) => (t === 0 ? 0 : q[t - 1]))),
      };
    };
    const train = make(512, 1);
    const valid = make(128, 2);
    const model = lstm({
      inputShape: [T, K],
      task: 'classification',
      sequenceOutput: true,
      hiddenSize: 16,
      epochs: 15,
      learningRate: 0.02,
      optimizer: 'adam',
      batchSize: 32,
      seed: 1,
    });
    await model.fit(train.X, train.y, { validationData: [valid.X, valid.y] });
    const predicted = model.predictSteps(valid.X);
    assert.deepEqual([predicted.length, predicted[0].length], [128, T]);
    let right = 0;
    predicted.forEach((row, i) => row.forEach((k, t) => (right += k === valid.y[i][t] ? 1 : 0)));
    const framewise = right / (128 * T);
    assert.ok(framewise > 0.9, `framewise accuracy ${framewise} (chance ${1 / K})`);
    // score() and the accuracy tfjs computed on the validation data each epoch agree with it.
    assert.ok(Math.abs(model.score(valid.X, valid.y) - framewise) < 1e-12);
    assert.ok(Math.abs((model.history[model.history.length - 1].valAccuracy as number) - framewise) < 1e-6);
    for (const step of model
      .predictRaw(valid.X.slice(0, 1))[0]
      .reduce<number[][]>((acc, v, j) => (j % K ? acc[acc.length - 1].push(v) : acc.push([v]), acc), [])) {
      assert.ok(Math.abs(step.reduce((a, b) => a + b, 0) - 1) < 1e-5, 'a softmax at every step');
    }
    assert.throws(() => model.predict(valid.X), /use predictSteps/);
    await assert.rejects(
      () =>
        model.fit(
          train.X,
          train.y.map((q) => q[0]),
        ),
      /one class label per time step/,
    );
    await assert.rejects(
      () =>
        model.fit(
          train.X,
          train.y.map((q, i) => (i === 3 ? q.slice(1) : q)),
        ),
      /must hold 8 step labels/,
    );
    model.dispose();
  });

  it('explains bad hyperparameters and missing validation data', async () => {
    assert.throws(() => mlp({ dropout: 1 }), /dropout must be in \[0, 1\)/);
    assert.throws(() => mlp({ optimizer: 'lbfgs' as never }), /optimizer must be/);
    await assert.rejects(
      () => mlp({ epochs: 1 }).fit(split.XTrain, split.yTrain, { earlyStopping: { patience: 1 } }),
      /needs validationData/,
    );
    assert.ok(new TrialPruned() instanceof Error);
  });
});
