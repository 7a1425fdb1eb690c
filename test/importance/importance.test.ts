import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  categoricalDistribution,
  createStudy,
  distributionToJson,
  fanova,
  floatDistribution,
  getParamImportances,
  InvalidArgumentError,
  RandomSampler,
  Rng,
  TrialState,
  type Study,
  type Trial,
} from '../../src';
import { PYTHON } from '../helpers/python';

const close = (actual: number, expected: number, tol: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual.toFixed(4)} vs analytic ${expected.toFixed(4)} (tolerance ${tol})`);

describe('fANOVA recovers known variance decompositions', () => {
  it('f = cos(2 pi x1) + 2 x2^2 + 3 x1 x3 with x4 irrelevant: main effects and the x1-x3 interaction', () => {
    const rng = new Rng(1);
    const X: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const x = [rng.random(), rng.random(), rng.random(), rng.random()];
      X.push(x);
      y.push(Math.cos(2 * Math.PI * x[0]) + 2 * x[1] ** 2 + 3 * x[0] * x[2]);
    }
    const u = floatDistribution(0, 1);
    const result = fanova({ X, y, distributions: { x1: u, x2: u, x3: u, x4: u } }, { nTrees: 16, seed: 3 });
    // For x ~ U(0,1): Var cos(2 pi x) = 1/2, Var 2x^2 = 16/45, and 3 x1 x3 splits into main effects
    // 3/2 (x1 - 1/2), 3/2 (x3 - 1/2) (variance 9/48 each) and the interaction 3 (x1-1/2)(x3-1/2) (9/144).
    // cos(2 pi x) and x are uncorrelated on [0, 1], so the x1 terms add.
    const V1 = 1 / 2 + 9 / 48;
    const V2 = 16 / 45;
    const V3 = 9 / 48;
    const V13 = 9 / 144;
    const V = V1 + V2 + V3 + V13;
    close(result.main.x1.mean, V1 / V, 0.03, 'x1');
    close(result.main.x2.mean, V2 / V, 0.03, 'x2');
    close(result.main.x3.mean, V3 / V, 0.03, 'x3');
    assert.ok(result.main.x4.mean < 0.005, `irrelevant x4 gets ${result.main.x4.mean}`);
    const x1x3 = result.interactions.find((p) => p.params.join() === 'x1,x3')!;
    assert.equal(result.interactions[0], x1x3, 'the largest interaction is x1 x x3');
    close(x1x3.mean, V13 / V, 0.02, 'x1 x x3');
    for (const p of result.interactions.slice(1)) assert.ok(p.mean < 0.02, `${p.params} spurious interaction ${p.mean}`);
    for (const name of result.params) assert.ok(result.main[name].std >= 0 && result.main[name].std < 0.05);
    assert.equal(result.nTrees, 16);
  });

  it('measures log-scaled parameters in log space and categoricals with unit width per choice', () => {
    const rng = new Rng(2);
    const lr = floatDistribution(1e-4, 1, { log: true });
    const kind = categoricalDistribution(['a', 'b', 'c', 'd']);
    const effect: Record<string, number> = { a: 0, b: 1, c: 0, d: 3 };
    const X: Record<string, number | string>[] = [];
    const y: number[] = [];
    for (let i = 0; i < 1500; i++) {
      const row = { lr: Math.exp(rng.uniform(Math.log(1e-4), 0)), kind: rng.choice(['a', 'b', 'c', 'd']) };
      X.push(row);
      // Linear in log10(lr): uniform on [-4, 0] in log space, variance 16/12 * 0.75^2.
      y.push(0.75 * Math.log10(row.lr) + effect[row.kind]);
    }
    const result = fanova({ X, y, distributions: { lr, kind } }, { nTrees: 16 });
    const vLr = (16 / 12) * 0.75 ** 2; // 0.75
    const vKind = 1.5; // effects 0, 1, 0, 3 with mean 1
    close(result.main.lr.mean, vLr / (vLr + vKind), 0.03, 'lr');
    close(result.main.kind.mean, vKind / (vLr + vKind), 0.03, 'kind');
    assert.ok(result.interactions[0].mean < 0.02);
  });

  it('attributes a pure categorical x continuous interaction to the pair, not to either parameter', () => {
    const rng = new Rng(4);
    const X: Array<[string, number]> = [];
    const y: number[] = [];
    for (let i = 0; i < 1500; i++) {
      const row: [string, number] = [rng.choice(['up', 'down']), rng.random()];
      X.push(row);
      // Averaged over the sign the slope vanishes, and averaged over x both signs give 0.
      y.push((row[0] === 'up' ? 1 : -1) * (row[1] - 0.5));
    }
    const distributions = { sign: categoricalDistribution(['up', 'down']), x: floatDistribution(0, 1) };
    const result = fanova({ X, y, distributions }, { nTrees: 16 });
    assert.ok(result.main.sign.mean < 0.02 && result.main.x.mean < 0.03, JSON.stringify(result.main));
    close(result.interactions[0].mean, 1, 0.04, 'sign x x');
  });

  it('is reproducible for a seed', () => {
    const data = { X: [[0.1], [0.5], [0.9], [0.3]], y: [1, 2, 3, 2.5], distributions: { a: floatDistribution(0, 1) } };
    assert.deepEqual(fanova(data, { seed: 7 }), fanova(data, { seed: 7 }));
  });

  it('rejects bad data with clear errors', () => {
    const d = { a: floatDistribution(0, 1) };
    assert.throws(() => fanova({ X: [[0.5], [2]], y: [1, 2], distributions: d }), /outside its distribution/);
    assert.throws(() => fanova({ X: [[0.5]], y: [1, 2], distributions: d }), /one value per row/);
    assert.throws(() => fanova({ X: [[0.5], [0.6]], y: [1, NaN], distributions: d }), /finite/);
    assert.throws(() => fanova({ X: [[0.5], [0.6]], y: [1, 1], distributions: d }), /does not vary/);
  });
});

/** A study over a typical model-tuning space with a known ranking of importances. */
async function tuningStudy(seed: number, nTrials: number): Promise<Study> {
  const study = await createStudy({ sampler: new RandomSampler({ seed }) });
  const noise = new Rng(seed + 1);
  for (let i = 0; i < nTrials; i++) {
    const t: Trial = await study.ask();
    const lr = t.suggestFloat('lr', 1e-5, 1e-1, { log: true });
    const units = t.suggestInt('units', 16, 256, { log: true });
    const optimizer = t.suggestCategorical('optimizer', ['sgd', 'adam', 'rmsprop']);
    const dropout = t.suggestFloat('dropout', 0, 0.5, { step: 0.05 });
    t.suggestFloat('unused', 0, 1);
    t.suggestInt('fixed', 3, 3);
    const value =
      (Math.log10(lr) + 3) ** 2 + // the learning rate dominates, optimum at 1e-3
      0.8 * Math.log2(256 / units) + // more units help
      { sgd: 1, adam: 0, rmsprop: 0.2 }[optimizer] +
      0.6 * dropout +
      0.01 * noise.normal();
    await study.tell(t, value);
  }
  return study;
}

describe('getParamImportances', () => {
  it('ranks parameters, sums to 1, gives single-valued parameters 0, and is exposed as study.importances()', async () => {
    const study = await tuningStudy(0, 150);
    const imp = getParamImportances(study, { evaluator: 'fanova' });
    assert.deepEqual(Object.keys(imp).slice(0, 3), ['lr', 'units', 'optimizer']);
    assert.equal(imp.fixed, 0);
    close(
      Object.values(imp).reduce((a, b) => a + b, 0),
      1,
      1e-9,
      'sum',
    );
    const values = Object.values(imp);
    assert.deepEqual(
      values,
      [...values].sort((a, b) => b - a),
      'sorted descending',
    );
    assert.deepEqual(study.importances({ evaluator: 'fanova' }), imp);
    const raw = study.importances({ evaluator: 'fanova', normalize: false });
    assert.ok(raw.lr > 0.5 && raw.lr < 1, 'unnormalised fANOVA importance is the variance fraction');
    const mdi = study.importances({ evaluator: 'mdi' });
    assert.deepEqual(Object.keys(mdi)[0], 'lr');
    close(
      Object.values(mdi).reduce((a, b) => a + b, 0),
      1,
      1e-9,
      'mdi sum',
    );
    const some = getParamImportances(study, { evaluator: 'fanova', params: ['units', 'dropout'] });
    assert.deepEqual(Object.keys(some), ['units', 'dropout']);
  });

  it('fANOVA uses a target for multi-objective studies and needs two COMPLETE trials (PED-ANOVA, the default, needs neither)', async () => {
    const multi = await createStudy({ directions: ['minimize', 'minimize'], sampler: new RandomSampler({ seed: 1 }) });
    assert.throws(() => getParamImportances(multi, { evaluator: 'fanova' }), /needs at least two COMPLETE trials|needs a target/);
    for (let i = 0; i < 30; i++) {
      const t = await multi.ask();
      const a = t.suggestFloat('a', 0, 1);
      const b = t.suggestFloat('b', 0, 1);
      await multi.tell(t, [a, b * 10]);
    }
    assert.throws(() => getParamImportances(multi, { evaluator: 'fanova' }), /needs a target/);
    assert.equal(Object.keys(getParamImportances(multi, { evaluator: 'fanova', target: (t) => t.values![1] }))[0], 'b');
    assert.deepEqual(Object.keys(getParamImportances(multi)).sort(), ['a', 'b']);
    const empty = await createStudy();
    assert.throws(() => getParamImportances(empty, { evaluator: 'fanova' }), InvalidArgumentError);
  });

  it('skips trials that are not COMPLETE or lack a parameter', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 2 }) });
    for (let i = 0; i < 40; i++) {
      const t = await study.ask();
      const a = t.suggestFloat('a', 0, 1);
      const b = t.suggestFloat('b', 0, 1);
      if (i % 5 === 0) t.suggestFloat('rare', 0, 1);
      if (i % 7 === 0) await study.tell(t, null, { state: TrialState.FAIL });
      else await study.tell(t, 5 * a + b);
    }
    const imp = getParamImportances(study, { evaluator: 'fanova' });
    assert.deepEqual(Object.keys(imp), ['a', 'b'], 'rare is not in every COMPLETE trial');
    // PED-ANOVA (Optuna 5.0's default) assesses conditional parameters too.
    assert.deepEqual(Object.keys(getParamImportances(study)).sort(), ['a', 'b', 'rare']);
  });
});

/** Optuna's importances of the same COMPLETE trials, rebuilt in Optuna 5.0 by create_trial/add_trial. */
function optunaImportances(study: Study, seed: number) {
  const trials = study.trials
    .filter((t) => t.state === TrialState.COMPLETE)
    .map((t) => ({
      params: t.params,
      distributions: Object.fromEntries(Object.entries(t.distributions).map(([k, d]) => [k, distributionToJson(d)])),
      value: t.values![0],
    }));
  const run = spawnSync(PYTHON, [join(__dirname, 'fixtures', 'optuna_importance.py')], {
    input: JSON.stringify({ trials, seed }),
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  assert.equal(run.status, 0, `Optuna run failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as { fanova: Record<string, number>; mdi: Record<string, number> };
}

describe('rankings agree with Optuna 5.0 on the same trials', () => {
  for (const seed of [0, 1]) {
    it(`FanovaImportanceEvaluator and MeanDecreaseImpurityImportanceEvaluator, study seed ${seed}`, async () => {
      const study = await tuningStudy(seed, 200);
      const optuna = optunaImportances(study, seed);
      const ours = { fanova: study.importances({ evaluator: 'fanova' }), mdi: study.importances({ evaluator: 'mdi' }) };
      for (const kind of ['fanova', 'mdi'] as const) {
        // Rank the parameters that carry signal; 'unused' and 'fixed' are ~0 in both and may swap.
        const ranked = (imp: Record<string, number>) => Object.keys(imp).filter((k) => k !== 'unused' && k !== 'fixed');
        const both = `ours ${JSON.stringify(ours[kind])} optuna ${JSON.stringify(optuna[kind])}`;
        assert.deepEqual(ranked(ours[kind]), ranked(optuna[kind]), `${kind}: ${both}`);
        // fANOVA values differ by design here: tunelab measures log-scaled parameters in log space,
        // Optuna 5.0 in raw space (transform_log=False). MDI does not depend on the measure.
        if (kind === 'mdi') {
          for (const k of ['lr', 'units', 'optimizer']) assert.ok(Math.abs(ours.mdi[k] - optuna.mdi[k]) < 0.1, `mdi ${k}: ${both}`);
        }
      }
    });
  }

  it('fANOVA values match where both measure the same space (uniform floats and ints)', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 5 }) });
    for (let i = 0; i < 200; i++) {
      const t = await study.ask();
      const a = t.suggestFloat('a', 0, 1);
      const b = t.suggestFloat('b', -1, 1);
      const c = t.suggestInt('c', 0, 10);
      const d = t.suggestFloat('d', 0, 1);
      await study.tell(t, Math.sin(3 * a) + b * b + 0.05 * c + 0.5 * a * d);
    }
    const optuna = optunaImportances(study, 0).fanova;
    const ours = study.importances({ evaluator: 'fanova' });
    assert.deepEqual(Object.keys(ours), Object.keys(optuna), `ours ${JSON.stringify(ours)} optuna ${JSON.stringify(optuna)}`);
    for (const k of Object.keys(ours)) close(ours[k], optuna[k], 0.05, `fanova ${k} (Optuna's value as reference)`);
  });
});
