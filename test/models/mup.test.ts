/**
 * muP for the MLP (Yang & Hu et al. 2022, Table 8 relative to a base width; see src/models/mup.ts).
 * The invariants the paper promises are measured on the real network: coordinate sizes at init,
 * the change of each layer's activations after one step, per-variable Adam learning rates, and muP
 * at the base width being exactly the standard parametrization.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { datasets, mlp, StandardScaler, InvalidArgumentError, type schedules } from '../../src';
import { widthScaling, type MLPParams } from '../../src/entries/models';
import { python } from '../cv/python';

const iris = datasets.iris();
const X = new StandardScaler().fit(iris.X).transform(iris.X);
const y = iris.y.map((v) => v - 1); // a regression target, so the model's raw output is the readout
const BASE = 64;
const WIDTHS = [64, 256, 1024];

/** A schedule whose rate is 0: fitting with it leaves the model at its initial weights. */
const frozen: schedules.Schedule = { name: 'frozen', params: {}, at: () => 0 };

type Vec = Float64Array;
const rms = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0) / v.length);

/**
 * The forward pass written out from the weights (kernel [in][out] row-major, then bias per dense
 * layer): every pre-activation and the output, which must equal the model's own prediction.
 */
function forward(weights: number[][], rows: number[][], widths: number[], outputMultiplier: number): Vec[] {
  const layers = weights.length / 2;
  let h: Vec = Float64Array.from(rows.flat());
  let fanIn = rows[0].length;
  const pre: Vec[] = [];
  for (let l = 0; l < layers; l++) {
    const W = weights[2 * l];
    const b = weights[2 * l + 1];
    const fanOut = widths[l];
    const last = l === layers - 1;
    const z = new Float64Array(rows.length * fanOut);
    for (let r = 0; r < rows.length; r++) {
      for (let i = 0; i < fanIn; i++) {
        const a = h[r * fanIn + i] * (last ? outputMultiplier : 1);
        if (a === 0) continue;
        for (let j = 0; j < fanOut; j++) z[r * fanOut + j] += a * W[i * fanOut + j];
      }
      for (let j = 0; j < fanOut; j++) z[r * fanOut + j] += b[j];
    }
    pre.push(z);
    h = z.map((v) => Math.max(v, 0));
    fanIn = fanOut;
  }
  return pre;
}

interface Coordinates {
  /** RMS of each hidden layer's pre-activations and of the output, at init. */
  init: number[];
  /** RMS of the change of the same quantities after one full-batch step. */
  change: number[];
}

async function coordinates(params: Partial<MLPParams>): Promise<Coordinates> {
  const p = { hiddenLayers: 2, task: 'regression' as const, epochs: 1, batchSize: X.length, seed: 7, ...params };
  const width = p.hiddenUnits as number;
  const multiplier = p.parameterization === 'mup' ? (p.baseWidth as number) / width : 1;
  const widths = [...Array(p.hiddenLayers).fill(width), 1];
  const atInit = await mlp(p).fit(X, y, { schedule: frozen });
  const stepped = await mlp(p).fit(X, y);
  const before = forward(atInit.getWeights(), X, widths, multiplier);
  const after = forward(stepped.getWeights(), X, widths, multiplier);
  // The written-out forward pass is the model's (this also checks the output multiplier).
  const predicted = atInit.predictRaw(X).map((r) => r[0]);
  const mine = before[before.length - 1];
  predicted.forEach((v, i) =>
    assert.ok(Math.abs(v - mine[i]) <= 1e-4 * (1 + Math.abs(v)), `forward pass: row ${i} model ${v} vs ${mine[i]}`),
  );
  atInit.dispose();
  stepped.dispose();
  return { init: before.map(rms), change: before.map((z, l) => rms(z.map((v, i) => after[l][i] - v))) };
}

const ratio = (a: number, b: number) => a / b;
const show = (rows: Map<number, Coordinates>, key: keyof Coordinates) =>
  [...rows].map(([w, c]) => `width ${w}: ${c[key].map((v) => v.toExponential(2)).join(' ')}`).join('\n');

describe('muP (Tensor Programs V) for mlp()', () => {
  it('widthScaling states Table 8 relative to the base width for Adam and SGD', () => {
    const o = { parameterization: 'mup' as const, inputDim: 4, width: 256, baseWidth: 64, hiddenLayers: 2, outputs: 3 };
    const adam = widthScaling({ ...o, optimizer: 'adam' });
    assert.deepEqual(
      adam.map((l) => l.role),
      ['input', 'hidden', 'output'],
    );
    assert.deepEqual(
      adam.map((l) => [l.kernelLr, l.biasLr]),
      [
        [1, 1],
        [1 / 4, 1],
        [1, 1],
      ],
    );
    assert.deepEqual(
      adam.map((l) => l.inputMultiplier),
      [1, 1, 1 / 4],
    );
    assert.deepEqual(
      adam.map((l) => l.initVarianceScale),
      [(4 + 256) / (4 + 64), 1, (256 + 3) / (64 + 3)],
    );
    const sgd = widthScaling({ ...o, optimizer: 'sgd' });
    assert.deepEqual(
      sgd.map((l) => [l.kernelLr, l.biasLr]),
      [
        [4, 4],
        [1, 4],
        [4, 1],
      ],
    );
    for (const l of widthScaling({ ...o, optimizer: 'adam', parameterization: 'standard' }))
      assert.deepEqual([l.kernelLr, l.biasLr, l.inputMultiplier, l.initVarianceScale], [1, 1, 1, 1]);
    for (const l of widthScaling({ ...o, optimizer: 'sgd', width: 64 }))
      assert.deepEqual([l.kernelLr, l.biasLr, l.inputMultiplier, l.initVarianceScale], [1, 1, 1, 1]);
    assert.throws(() => mlp({ parameterization: 'mup' }), InvalidArgumentError);
    assert.throws(() => mlp({ parameterization: 'mup', baseWidth: 0 }), /baseWidth/);
    assert.throws(() => mlp({ parameterization: 'nope' as 'mup', baseWidth: 8 }), /'standard' or 'mup'/);
  });

  it('Adam gets a learning rate per variable (not a scaled gradient): the first step moves each weight by lr x its factor', async () => {
    const lr = 1e-3;
    const params = {
      hiddenUnits: 256,
      hiddenLayers: 2,
      parameterization: 'mup' as const,
      baseWidth: BASE,
      task: 'regression' as const,
      epochs: 1,
      batchSize: X.length,
      learningRate: lr,
      seed: 3,
    };
    const init = await mlp(params).fit(X, y, { schedule: frozen });
    const stepped = await mlp(params).fit(X, y);
    const w0 = init.getWeights();
    const w1 = stepped.getWeights();
    // Adam's first step is lr * g / (|g| + eps) = lr * sign(g) wherever |g| >> eps.
    const expected = [1, 1, 1 / 4, 1, 1, 1].map((f) => lr * f); // input W, b; hidden W (1/r), b; output W, b
    const largest = w0.map((w, v) => Math.max(...w.map((x, i) => Math.abs(w1[v][i] - x))));
    largest.forEach((got, v) =>
      assert.ok(
        Math.abs(got - expected[v]) <= 0.02 * expected[v],
        `variable ${v}: largest step ${got}, expected ${expected[v]} (all: ${largest.join(', ')})`,
      ),
    );
    init.dispose();
    stepped.dispose();
  });

  it('(a) at init, muP keeps every pre-activation the same size across widths and its output shrinks as 1/sqrt(width); standard (Glorot) shrinks the input layer', async () => {
    const rows = { standard: new Map<number, Coordinates>(), mup: new Map<number, Coordinates>() };
    for (const width of WIDTHS) {
      rows.standard.set(width, await coordinates({ hiddenUnits: width, learningRate: 1e-3 }));
      rows.mup.set(width, await coordinates({ hiddenUnits: width, learningRate: 1e-3, parameterization: 'mup', baseWidth: BASE }));
    }
    const grew = (k: keyof typeof rows, l: number) => ratio(rows[k].get(1024)!.init[l], rows[k].get(64)!.init[l]);
    const context = `\nRMS of layer 1, layer 2 pre-activations and of the output\nstandard:\n${show(rows.standard, 'init')}\nmup:\n${show(rows.mup, 'init')}`;
    for (const l of [0, 1])
      assert.ok(
        grew('mup', l) > 0.5 && grew('mup', l) < 2,
        `muP layer ${l + 1} pre-activation RMS changed ${grew('mup', l).toFixed(2)}x from width 64 to 1024${context}`,
      );
    // muP's readout multiplier base/width on Theta(1) weights: the output is Theta(1/sqrt(width)),
    // 4x smaller at 16x the width (it vanishes in the limit, as with Table 3's 1/fan_in^2 init).
    assert.ok(
      grew('mup', 2) > 0.25 / 2 && grew('mup', 2) < 0.25 * 2,
      `muP output RMS should shrink about 4x, changed ${grew('mup', 2).toFixed(3)}x${context}`,
    );
    // Glorot's input-layer variance 2/(d_in + width) falls with width, so the standard network's
    // first pre-activations shrink as 1/sqrt(width) (muP keeps the base width's variance instead);
    // square hidden layers keep the ratio they are given (2/(n + n) = 1/fan_in).
    assert.ok(
      grew('standard', 0) > 0.25 / 2 && grew('standard', 0) < 0.25 * 2,
      `standard layer 1 should shrink about 4x, changed ${grew('standard', 0).toFixed(3)}x${context}`,
    );
    const hiddenKept = grew('standard', 1) / grew('standard', 0);
    assert.ok(hiddenKept > 0.5 && hiddenKept < 2, `standard layer 2 should keep layer 1's ratio, got ${hiddenKept.toFixed(2)}${context}`);
  });

  it('(b) after one Adam step each layer moves by a width-independent amount under muP; under standard the output moves ~width times more', async () => {
    const rows = { standard: new Map<number, Coordinates>(), mup: new Map<number, Coordinates>() };
    for (const width of WIDTHS) {
      rows.standard.set(width, await coordinates({ hiddenUnits: width, learningRate: 1e-3 }));
      rows.mup.set(width, await coordinates({ hiddenUnits: width, learningRate: 1e-3, parameterization: 'mup', baseWidth: BASE }));
    }
    const context = `\nstandard:\n${show(rows.standard, 'change')}\nmup:\n${show(rows.mup, 'change')}`;
    for (const l of [0, 1, 2]) {
      const r = ratio(rows.mup.get(1024)!.change[l], rows.mup.get(64)!.change[l]);
      assert.ok(r > 0.5 && r < 2, `muP layer ${l + 1}: change grew ${r.toFixed(2)}x from width 64 to 1024${context}`);
    }
    // Standard: the output sums `width` coordinates whose weights all moved by ~lr, so its change
    // grows ~width (16x; less since Glorot's hidden activations shrink); layer 2 grows as
    // width x its shrinking inputs (~16 / 4). The first layer (fan_in fixed) does not grow.
    const grew = (l: number) => ratio(rows.standard.get(1024)!.change[l], rows.standard.get(64)!.change[l]);
    assert.ok(grew(2) > 6, `standard output: change grew only ${grew(2).toFixed(2)}x from width 64 to 1024${context}`);
    assert.ok(grew(1) > 2, `standard layer 2: change grew only ${grew(1).toFixed(2)}x from width 64 to 1024${context}`);
    assert.ok(grew(0) > 0.5 && grew(0) < 2, `standard layer 1: change grew ${grew(0).toFixed(2)}x${context}`);
  });

  it('(c) at width == baseWidth muP is the standard parametrization: same init and the same training, Adam and SGD', async () => {
    for (const optimizer of ['adam', 'sgd', 'momentum'] as const) {
      const params = {
        hiddenUnits: 32,
        hiddenLayers: 2,
        optimizer,
        learningRate: optimizer === 'adam' ? 1e-2 : 0.05,
        epochs: 3,
        batchSize: 16,
        seed: 11,
      };
      const sp = await mlp(params).fit(X, iris.y);
      const mup = await mlp({ ...params, parameterization: 'mup', baseWidth: 32 }).fit(X, iris.y);
      assert.deepEqual(mup.getWeights(), sp.getWeights(), optimizer);
      const wider = await mlp({ ...params, parameterization: 'mup', baseWidth: 16 }).fit(X, iris.y);
      assert.notDeepEqual(wider.getWeights(), sp.getWeights(), `${optimizer}: muP at twice its base width differs from standard`);
      for (const m of [sp, mup, wider]) m.dispose();
    }
  });

  it('readoutZeroInit starts the output kernel at zero; learning-rate schedules set every group from the base rate', async () => {
    const m = mlp({
      hiddenUnits: 128,
      hiddenLayers: 2,
      parameterization: 'mup',
      baseWidth: 32,
      readoutZeroInit: true,
      epochs: 2,
      learningRate: 0.01,
      seed: 1,
    });
    await m.fit(X, iris.y, { schedule: frozen });
    const w = m.getWeights();
    assert.ok(
      w[4].every((v) => v === 0),
      'output kernel is zero at init',
    );
    assert.ok(w[2].some((v) => v !== 0));
    const opt = m.tfModel?.optimizer as unknown as { setLearningRate(lr: number): void; learningRates(): Map<string, number> };
    opt.setLearningRate(0.02);
    const rates = [...opt.learningRates().values()].sort((a, b) => a - b);
    assert.deepEqual(rates, [0.005, 0.02, 0.02, 0.02, 0.02, 0.02]);
    m.dispose();
  });
});

describe("muP with Bergstra & Bengio's init schemes (initDistribution, initScale)", () => {
  const d = X[0].length;
  const initial = async (p: Partial<MLPParams>) => {
    const m = mlp({ task: 'regression', hiddenLayers: 2, optimizer: 'sgd', epochs: 1, batchSize: 150, seed: 5, ...p });
    await m.fit(X, y, { schedule: frozen });
    const w = m.getWeights();
    m.dispose();
    return w;
  };
  const near = (got: number, want: number, what: string) =>
    assert.ok(Math.abs(got / want - 1) < 0.1, `${what}: rms ${got.toFixed(5)}, expected ${want.toFixed(5)}`);

  it('at width == baseWidth muP with a scheme is the standard parametrization with that scheme (init and training)', async () => {
    for (const scheme of [
      { initDistribution: 'normal', initScale: 'glorot' },
      { initDistribution: 'uniform', initScale: 0.7 },
      { initDistribution: 'normal', initScale: 1.5 },
    ] as const) {
      const params: Partial<MLPParams> = {
        ...scheme,
        hiddenUnits: 32,
        hiddenLayers: 2,
        optimizer: 'sgd',
        learningRate: 0.05,
        epochs: 3,
        batchSize: 16,
        seed: 11,
      };
      const sp = await mlp(params).fit(X, iris.y);
      const mup = await mlp({ ...params, parameterization: 'mup', baseWidth: 32 }).fit(X, iris.y);
      assert.deepEqual(mup.getWeights(), sp.getWeights(), JSON.stringify(scheme));
      const plain = await mlp({ ...params, initDistribution: 'uniform', initScale: 'glorot' }).fit(X, iris.y);
      assert.notDeepEqual(plain.getWeights(), sp.getWeights(), `${JSON.stringify(scheme)} is not the default init`);
      for (const m of [sp, mup, plain]) m.dispose();
    }
  });

  it("'glorot' under muP keeps the input layer at its base-width variance and hidden layers at 1/fanIn; a fan-in scale is muP already", async () => {
    const width = 512;
    const base = 32;
    const mupOf = { parameterization: 'mup', baseWidth: base } as const;
    // N(0, 1) x sqrt(6 / (fanIn + fanOut)): the input layer's fanOut is the base width under muP, the width under standard.
    const normal = await initial({ hiddenUnits: width, initDistribution: 'normal', initScale: 'glorot', ...mupOf });
    near(rms(normal[0]), Math.sqrt(6 / (d + base)), 'muP normal glorot, input layer');
    near(rms(normal[2]), Math.sqrt(6 / (2 * width)), 'muP normal glorot, hidden layer');
    const normalSp = await initial({ hiddenUnits: width, initDistribution: 'normal', initScale: 'glorot' });
    near(rms(normalSp[0]), Math.sqrt(6 / (d + width)), 'standard normal glorot, input layer');
    near(rms(normalSp[2]), Math.sqrt(6 / (2 * width)), 'standard normal glorot, hidden layer');
    // U[-1, 1] x c / sqrt(fanIn) (rms c / sqrt(3 fanIn)): the same under both parametrizations.
    const c = 0.7;
    for (const p of [{}, mupOf]) {
      const fanIn = await initial({ hiddenUnits: width, initDistribution: 'uniform', initScale: c, ...p });
      const what = `uniform x ${c}/sqrt(fanIn) ${JSON.stringify(p)}`;
      near(rms(fanIn[0]), c / Math.sqrt(3 * d), `${what}, input layer`);
      near(rms(fanIn[2]), c / Math.sqrt(3 * width), `${what}, hidden layer`);
      assert.ok(
        fanIn[2].reduce((m, v) => Math.max(m, Math.abs(v)), 0) <= (c / Math.sqrt(width)) * (1 + 1e-6),
        `${what}: hidden weights within +-c/sqrt(fanIn)`,
      );
    }
    // muP's output layer is its own (Glorot at the base width, times the 1/r multiplier), whatever the scheme.
    const defaults = await initial({ hiddenUnits: width, ...mupOf });
    assert.deepEqual(normal[4], defaults[4], "the output kernel does not depend on the hidden layers' scheme");
  });
});

describe("muP as PyTorch trains the paper's Table 3 form", () => {
  it('after 5 full-batch Adam or SGD steps, tunelab (Table 8: output multiplier) and PyTorch (Table 3: no multiplier, scaled output init and lr) predict the same', async () => {
    const base = 64;
    const width = 256;
    const steps = 5;
    const cases = [
      { optimizer: 'adam' as const, lr: 3e-3 },
      { optimizer: 'sgd' as const, lr: 0.02 },
    ];
    const ours: number[][] = [];
    const inputs = [];
    for (const c of cases) {
      const params = {
        hiddenUnits: width,
        hiddenLayers: 2,
        parameterization: 'mup' as const,
        baseWidth: base,
        task: 'regression' as const,
        optimizer: c.optimizer,
        momentum: 0,
        learningRate: c.lr,
        batchSize: X.length,
        seed: 5,
      };
      const init = await mlp({ ...params, epochs: 1 }).fit(X, y, { schedule: frozen });
      const trained = await mlp({ ...params, epochs: steps }).fit(X, y);
      ours.push(trained.predictRaw(X).map((r) => r[0]));
      // The same epsilon as tfjs's Adam on this backend (its float32 epsilon), so only the parametrization differs.
      inputs.push({ ...c, width, base, steps, eps: 1e-7, dims: [X[0].length, width, width, 1], X, y, weights: init.getWeights() });
      init.dispose();
      trained.dispose();
    }
    const theirs = python<number[][]>(join(__dirname, 'mup_torch_table3.py'), inputs);
    cases.forEach((c, k) => {
      const scale = Math.max(...theirs[k].map(Math.abs));
      const worst = Math.max(...theirs[k].map((v, i) => Math.abs(v - ours[k][i])));
      assert.ok(
        worst <= 2e-3 * scale,
        `${c.optimizer}: largest difference ${worst} (predictions up to ${scale}); tunelab ${ours[k].slice(0, 4)} vs torch ${theirs[k].slice(0, 4)}`,
      );
      // And training did move the predictions (the comparison is not of two untouched networks).
      assert.ok(Math.max(...ours[k].map((v) => Math.abs(v))) > 0.05, `${c.optimizer}: predictions barely moved`);
    });
  });
});
