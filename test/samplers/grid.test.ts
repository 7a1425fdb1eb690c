import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createStudy, InvalidArgumentError, loadStudy, TrialState } from '../../src';
import { InMemoryStorage } from '../../src/entries/storage';
import { GridSampler, GRID_DUPLICATE_KEY, GRID_ID_KEY } from '../../src/samplers/grid';

const grid = { x: [-1, 0, 1], act: ['relu', 'tanh'], n: [1, 2] } as const;

const objective = (t: import('../../src').Trial) =>
  (t.suggestFloat('x', -1, 1) as number) ** 2 +
  (t.suggestCategorical('act', ['relu', 'tanh']) === 'relu' ? 0 : 1) +
  t.suggestInt('n', 1, 2);

describe('GridSampler', () => {
  it('evaluates every point of the cartesian product exactly once, then stops the study', async () => {
    const study = await createStudy({ sampler: new GridSampler({ ...grid }, { seed: 0 }) });
    await study.optimize(objective, { nTrials: 100, showProgressBar: false });
    assert.equal(study.trials.length, 12);
    const seen = new Set(study.trials.map((t) => JSON.stringify([t.params.x, t.params.act, t.params.n])));
    assert.equal(seen.size, 12);
    const ids = study.trials.map((t) => t.systemAttrs[GRID_ID_KEY]).sort((a, b) => (a as number) - (b as number));
    assert.deepEqual(
      ids,
      Array.from({ length: 12 }, (_, i) => i),
    );
    assert.ok(study.trials.every((t) => t.state === TrialState.COMPLETE));
  });

  it('visits the grid in a seeded order: same seed same order, another seed another order', async () => {
    const run = async (seed: number) => {
      const study = await createStudy({ sampler: new GridSampler({ ...grid }, { seed }) });
      await study.optimize(objective, { showProgressBar: false });
      return study.trials.map((t) => t.systemAttrs[GRID_ID_KEY]);
    };
    assert.deepEqual(await run(7), await run(7));
    assert.notDeepEqual(await run(7), await run(8));
  });

  it('never gives the same point to two workers sharing one storage', async () => {
    const storage = new InMemoryStorage();
    const s1 = await createStudy({ storage, studyName: 'shared', sampler: new GridSampler({ ...grid }, { seed: 1 }) });
    const s2 = await loadStudy({ storage, studyName: 'shared', sampler: new GridSampler({ ...grid }, { seed: 2 }) });
    const slow = async (t: import('../../src').Trial) => {
      await new Promise((r) => setTimeout(r, 1));
      return objective(t);
    };
    await Promise.all([
      s1.optimize(slow, { nTrials: 50, showProgressBar: false, nJobs: 2 }),
      s2.optimize(slow, { nTrials: 50, showProgressBar: false, nJobs: 2 }),
    ]);
    await s1.refresh();
    const fresh = s1.trials.filter((t) => t.systemAttrs[GRID_DUPLICATE_KEY] !== true);
    assert.equal(fresh.length, 12);
    assert.equal(new Set(fresh.map((t) => t.systemAttrs[GRID_ID_KEY])).size, 12);
    // Workers that started after the grid ran out re-evaluate (marked) points; there are at most a few.
    assert.ok(s1.trials.length - fresh.length <= 4, `duplicates: ${s1.trials.length - fresh.length}`);
  });

  it('re-evaluates a marked duplicate when asked after the grid is exhausted', async () => {
    const study = await createStudy({ sampler: new GridSampler({ x: [0, 1] }, { seed: 0 }) });
    await study.optimize((t) => t.suggestInt('x', 0, 1), { showProgressBar: false });
    assert.equal(study.trials.length, 2);
    await study.optimize((t) => t.suggestInt('x', 0, 1), { nTrials: 5, showProgressBar: false });
    assert.equal(study.trials.length, 3);
    assert.equal(study.trials[2].systemAttrs[GRID_DUPLICATE_KEY], true);
  });

  it('throws clear errors for parameters outside the grid and bad grids', async () => {
    const study = await createStudy({ sampler: new GridSampler({ x: [0, 1] }, { seed: 0 }) });
    const trial = await study.ask();
    assert.throws(
      () => trial.suggestFloat('y', 0, 1),
      (e: unknown) => e instanceof InvalidArgumentError && /'y', which is not in the grid \[x\]/.test((e as Error).message),
    );
    // As Optuna 5.0: a grid value outside the suggested range is used, with a warning.
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const x = trial.suggestFloat('x', 2, 3);
      assert.ok(x === 0 || x === 1);
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /GridSampler: grid value [01] of 'x' is outside the suggested float range \[2, 3\]; it is used as given\./);
    const strings = await createStudy({ sampler: new GridSampler({ x: ['a'] }, { seed: 0 }) });
    const st = await strings.ask();
    assert.throws(() => st.suggestFloat('x', 0, 1), /grid value "a" of 'x' is not a number, but 'x' is suggested as float/);
    assert.throws(() => new GridSampler({}), /no parameters/);
    assert.throws(() => new GridSampler({ x: [] }), /non-empty array/);
    assert.throws(() => new GridSampler({ x: [1, 1] }), /duplicates/);
    assert.throws(() => new GridSampler({ x: [NaN] }), /not a finite number/);
  });
});
