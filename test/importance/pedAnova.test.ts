import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  createStudy,
  distributionToJson,
  getParamImportances,
  InvalidArgumentError,
  RandomSampler,
  Rng,
  TrialState,
  type Direction,
  type FrozenTrial,
  type Study,
} from '../../src';
import { pedAnovaImportances } from '../../src/entries/importance';
import { PYTHON } from '../helpers/python';

interface Case {
  targetQuantile: number;
  regionQuantile: number;
  evaluateOnLocal: boolean;
  params: string[] | null;
  /** target = targetSign * values[targetIndex] when given. */
  targetIndex: number | null;
  targetSign: 1 | -1;
}

const base: Case = { targetQuantile: 0.1, regionQuantile: 1, evaluateOnLocal: true, params: null, targetIndex: null, targetSign: 1 };

/** The importance options a case stands for (its targetIndex and targetSign become the target). */
function optionsOf(c: Case) {
  const { targetIndex: _index, targetSign: _sign, ...rest } = c;
  return { ...rest, params: c.params ?? undefined, target: targetOf(c) };
}

interface OptunaAnswer {
  raw: Record<string, number>[];
  normalized: Record<string, number>[];
  default: Record<string, number> | null;
}

function askOptuna(study: Study, cases: Case[]): OptunaAnswer {
  const trials = study.trials.map((t) => ({
    state: TrialState[t.state],
    params: t.params,
    distributions: Object.fromEntries(Object.entries(t.distributions).map(([k, d]) => [k, distributionToJson(d)])),
    values: t.values,
  }));
  const run = spawnSync(PYTHON, [join(__dirname, 'fixtures', 'optuna_ped_anova.py')], {
    input: JSON.stringify({ directions: study.directions, trials, cases }),
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    timeout: 180_000,
  });
  assert.equal(run.status, 0, `optuna_ped_anova.py failed (status ${run.status}, signal ${run.signal}): ${run.stderr.slice(-4000)}`);
  return JSON.parse(run.stdout) as OptunaAnswer;
}

function targetOf(c: Case): ((t: FrozenTrial) => number) | undefined {
  const index = c.targetIndex;
  return index === null ? undefined : (t) => c.targetSign * t.values![index];
}

/** Same keys, values within `tol` relative (absolute below 1e-12), and the same ranking where values differ. */
function assertSameImportances(ours: Record<string, number>, theirs: Record<string, number>, tol: number, what: string): number {
  const context = `${what}: tunelab ${JSON.stringify(ours)} Optuna ${JSON.stringify(theirs)}`;
  assert.deepEqual(Object.keys(ours).sort(), Object.keys(theirs).sort(), context);
  let worst = 0;
  for (const k of Object.keys(theirs)) {
    const error = Math.abs(ours[k] - theirs[k]) / Math.max(1e-12, Math.abs(theirs[k]));
    if (Math.abs(theirs[k]) > 1e-12) worst = Math.max(worst, error);
    assert.ok(Math.abs(ours[k] - theirs[k]) <= Math.max(1e-12, tol * Math.abs(theirs[k])), `${k} ${context}`);
  }
  // Ranking: order by value, breaking exact ties by name (the libraries order ties differently).
  const rank = (r: Record<string, number>) =>
    Object.keys(theirs).sort((a, b) => (Math.abs(theirs[b] - theirs[a]) > 1e-9 * Math.abs(theirs[a]) ? r[b] - r[a] : a.localeCompare(b)));
  assert.deepEqual(rank(ours), rank(theirs), `ranking ${context}`);
  return worst;
}

/** Model tuning with a conditional branch, a log int, a stepped float, a categorical, a useless and a fixed parameter. */
async function tuningStudy(direction: Direction, seed: number, nTrials: number): Promise<Study> {
  const study = await createStudy({ direction, sampler: new RandomSampler({ seed }) });
  const noise = new Rng(seed + 1);
  const sign = direction === 'minimize' ? 1 : -1;
  for (let i = 0; i < nTrials; i++) {
    const t = await study.ask();
    const lr = t.suggestFloat('lr', 1e-5, 1e-1, { log: true });
    const units = t.suggestInt('units', 16, 256, { log: true });
    const optimizer = t.suggestCategorical('optimizer', ['sgd', 'adam', 'rmsprop']);
    const dropout = t.suggestFloat('dropout', 0, 0.5, { step: 0.05 });
    t.suggestFloat('unused', 0, 1);
    t.suggestInt('fixed', 3, 3);
    const model = t.suggestCategorical('model', ['mlp', 'tree']);
    let extra: number;
    if (model === 'mlp') extra = 0.5 * t.suggestInt('layers', 1, 6);
    else extra = (t.suggestFloat('depth', 1, 20) - 12) ** 2 / 40;
    const loss =
      (Math.log10(lr) + 3) ** 2 +
      0.8 * Math.log2(256 / units) +
      { sgd: 1, adam: 0, rmsprop: 0.2 }[optimizer as string]! +
      0.6 * dropout +
      extra +
      0.05 * noise.normal();
    if (i % 17 === 5) await study.tell(t, null, { state: TrialState.FAIL });
    else await study.tell(t, sign * loss);
  }
  return study;
}

const TOLERANCE = 1e-12;

describe('PED-ANOVA against Optuna 5.0', () => {
  for (const direction of ['minimize', 'maximize'] as const) {
    it(`gives Optuna's importances on the same trials (${direction}, conditional parameters, every option)`, async () => {
      const study = await tuningStudy(direction, direction === 'minimize' ? 0 : 1, 200);
      const cases: Case[] = [
        base,
        { ...base, targetQuantile: 0.2, regionQuantile: 0.5 },
        { ...base, targetQuantile: 0.05, evaluateOnLocal: false },
        { ...base, params: ['units', 'depth', 'lr'] },
        // A user target is "lower is better" whatever the direction.
        { ...base, targetIndex: 0, targetSign: direction === 'minimize' ? 1 : -1 },
      ];
      const optuna = askOptuna(study, cases);
      let worst = 0;
      cases.forEach((c, i) => {
        const opts = optionsOf(c);
        worst = Math.max(worst, assertSameImportances(pedAnovaImportances(study, opts), optuna.raw[i], TOLERANCE, `raw case ${i}`));
        worst = Math.max(
          worst,
          assertSameImportances(getParamImportances(study, opts), optuna.normalized[i], TOLERANCE, `normalized case ${i}`),
        );
      });
      // The default evaluator is Optuna 5.0's default: PED-ANOVA with its defaults.
      assertSameImportances(getParamImportances(study), optuna.default!, TOLERANCE, 'default evaluator');
      assertSameImportances(study.importances(), optuna.default!, TOLERANCE, 'study.importances()');
      const importances = getParamImportances(study);
      assert.equal(importances.fixed, 0, 'a single-valued parameter has no importance');
      assert.ok(importances.layers > 0 && importances.depth > 0, `conditional parameters are assessed: ${JSON.stringify(importances)}`);
      console.log(
        `PED-ANOVA (${direction}): ${cases.length} option sets equal Optuna's; largest relative difference ${worst.toExponential(2)}`,
      );
    });
  }

  it('assesses multi-objective studies without a target as Optuna does (non-domination rank, hypervolume ties)', async () => {
    const study = await createStudy({ directions: ['minimize', 'maximize'], sampler: new RandomSampler({ seed: 9 }) });
    for (let i = 0; i < 120; i++) {
      const t = await study.ask();
      const a = t.suggestFloat('a', 0, 1);
      const b = t.suggestFloat('b', 0, 1);
      const c = t.suggestInt('c', 0, 4);
      await study.tell(t, [a + 0.1 * c, Math.sin(3 * b) - 0.5 * a]);
    }
    const cases: Case[] = [base, { ...base, targetQuantile: 0.25, regionQuantile: 0.6 }, { ...base, targetIndex: 1, targetSign: -1 }];
    const optuna = askOptuna(study, cases);
    cases.forEach((c, i) => {
      const opts = optionsOf(c);
      assertSameImportances(pedAnovaImportances(study, opts), optuna.raw[i], TOLERANCE, `multi-objective raw case ${i}`);
      assertSameImportances(getParamImportances(study, opts), optuna.normalized[i], TOLERANCE, `multi-objective normalized case ${i}`);
    });
  });

  it('refuses bad quantiles and unknown parameters with typed errors; too few trials give equal importances', async () => {
    const study = await tuningStudy('minimize', 3, 30);
    assert.throws(() => pedAnovaImportances(study, { targetQuantile: 0.5, regionQuantile: 0.5 }), InvalidArgumentError);
    assert.throws(() => getParamImportances(study, { params: ['nope'] }), /'nope'/);
    const tiny = await createStudy();
    await tiny.optimize((t) => t.suggestFloat('x', 0, 1) + t.suggestFloat('y', 0, 1), { nTrials: 1 });
    assert.deepEqual(getParamImportances(tiny), { x: 0.5, y: 0.5 });
    assert.deepEqual(getParamImportances(await createStudy()), {});
  });
});
