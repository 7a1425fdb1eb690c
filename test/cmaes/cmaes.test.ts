import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { createStudy, type Trial } from '../../src';
import { InMemoryStorage } from '../../src/entries/storage';
import { PYTHON } from '../helpers/python';
import { CmaEsSampler, CMA_GENERATION_KEY, CMA_RESTART_KEY, CMA_STATE_KEY, type CmaEsSamplerOptions } from '../../src/samplers/cmaes';

const ellipsoid = (t: Trial) => {
  let s = 0;
  for (let i = 0; i < 4; i++) s += 10 ** (i / 2) * (t.suggestFloat(`x${i}`, -5, 5) - 1) ** 2;
  return s;
};

async function run(opts: CmaEsSamplerOptions, objective: (t: Trial) => number, nTrials: number) {
  const study = await createStudy({ sampler: new CmaEsSampler(opts) });
  await study.optimize(objective, { nTrials, showProgressBar: false });
  return study;
}

describe('CmaEsSampler', () => {
  it('converges on a convex ill-conditioned quadratic, full and separable', async () => {
    for (const useSeparableCma of [false, true]) {
      const study = await run({ seed: 1, useSeparableCma }, ellipsoid, 400);
      assert.ok(study.bestValue < 1e-3, `separable=${useSeparableCma}: best ${study.bestValue}`);
      const gens = study.trials.map((t) => (t.systemAttrs[CMA_GENERATION_KEY] as number | undefined) ?? -1);
      assert.ok(gens[399] >= 40, `generations advanced to ${gens[399]}`);
      // Generation numbers never decrease and each holds popsize = 4 + floor(3 ln 4) = 8 trials.
      for (let i = 2; i < 400; i++) assert.ok(gens[i] >= gens[i - 1]);
      assert.equal(gens.filter((g) => g === 5).length, 8);
    }
  });

  it('IPOP restarts a stalled run with a doubled population', async () => {
    // Integer plateaus: once the run sits on the optimum plateau every value is equal, so the
    // tolfun test fires and IPOP restarts from a random mean.
    const plateau = (t: Trial) => Math.round(t.suggestFloat('x', -3, 3) ** 2 + t.suggestFloat('y', -3, 3) ** 2);
    const study = await run({ seed: 2, restartStrategy: 'ipop' }, plateau, 260);
    const restarts = study.trials.map((t) => (t.systemAttrs[CMA_RESTART_KEY] as number | undefined) ?? -1);
    assert.ok(Math.max(...restarts) >= 1, 'at least one restart happened');
    const popsizes = new Map<number, number>();
    for (const t of study.trials) {
      const raw = t.systemAttrs[CMA_STATE_KEY];
      if (typeof raw === 'string') {
        const s = JSON.parse(raw);
        popsizes.set(s.restart, s.state.popsize);
      }
    }
    assert.equal(popsizes.get(0), 6); // 4 + floor(3 ln 2)
    assert.equal(popsizes.get(1), 12);
    const noRestart = await run({ seed: 2 }, plateau, 260);
    assert.ok(noRestart.trials.every((t) => ((t.systemAttrs[CMA_RESTART_KEY] as number | undefined) ?? 0) === 0));
  });

  it('with margin keeps integer parameters exploring neighbouring values', async () => {
    const objective = (t: Trial) =>
      (t.suggestInt('a', -10, 10) - 3) ** 2 + (t.suggestInt('b', 0, 20) - 7) ** 2 + t.suggestFloat('c', -1, 1) ** 2;
    const distinctLate = async (withMargin: boolean) => {
      const study = await run({ seed: 4, withMargin }, objective, 300);
      assert.equal(study.bestParams.a, 3);
      assert.equal(study.bestParams.b, 7);
      return new Set(study.trials.slice(-60).map((t) => `${t.params.a},${t.params.b}`)).size;
    };
    const plain = await distinctLate(false);
    const margin = await distinctLate(true);
    assert.ok(margin > 1, `margin explores ${margin} integer pairs late in the run`);
    assert.ok(margin > plain, `margin ${margin} vs plain ${plain}`);
  });

  it('samples categoricals independently and resumes a run from storage in a new sampler', async () => {
    const storage = new InMemoryStorage();
    const objective = (t: Trial) => (t.suggestCategorical('kind', ['a', 'b']) === 'a' ? 0 : 1) + ellipsoid(t);
    const first = await createStudy({ storage, studyName: 's', sampler: new CmaEsSampler({ seed: 5 }) });
    assert.deepEqual(Object.keys(first.sampler.inferRelativeSearchSpace(first, first.trials[0]!) ?? {}), []);
    await first.optimize(objective, { nTrials: 40, showProgressBar: false });
    assert.deepEqual(Object.keys(first.sampler.inferRelativeSearchSpace(first, first.trials[0])), ['x0', 'x1', 'x2', 'x3']);
    assert.ok(new Set(first.trials.map((t) => t.params.kind)).size === 2);
    const genBefore = first.trials[39].systemAttrs[CMA_GENERATION_KEY] as number;
    const second = await createStudy({ storage, studyName: 's', loadIfExists: true, sampler: new CmaEsSampler({ seed: 6 }) });
    await second.optimize(objective, { nTrials: 16, showProgressBar: false });
    const genAfter = second.trials[55].systemAttrs[CMA_GENERATION_KEY] as number;
    assert.ok(genAfter > genBefore, `generation continued from ${genBefore} to ${genAfter}`);
    assert.equal(second.trials[55].systemAttrs[CMA_RESTART_KEY], 0);
  });

  it("starts the first run at x0, as Optuna's x0, and refuses an x0 it cannot use", async () => {
    // On [0, 1] ranges Optuna's transformed space is tunelab's unit cube, so sigma0 means the same on
    // both sides: the first generation (trials 1-6) must lie around x0 in both libraries.
    const x0 = { x: 0.2, y: 0.9 };
    const firstGeneration = (params: { x: number; y: number }[]) => {
      const gen = params.slice(1, 7);
      return [gen.reduce((a, p) => a + p.x, 0) / gen.length, gen.reduce((a, p) => a + p.y, 0) / gen.length];
    };
    const objective = (t: Trial) => (t.suggestFloat('x', 0, 1) - 0.5) ** 2 + (t.suggestFloat('y', 0, 1) - 0.5) ** 2;
    for (const seed of [1, 2, 3]) {
      const study = await run({ seed, x0, sigma0: 0.03 }, objective, 7);
      const [mx, my] = firstGeneration(study.trials.map((t) => t.params as { x: number; y: number }));
      assert.ok(Math.abs(mx - x0.x) < 0.06 && Math.abs(my - x0.y) < 0.06, `seed ${seed}: first generation's mean (${mx}, ${my})`);
    }
    const theirs = JSON.parse(
      execFileSync(
        PYTHON,
        [
          '-c',
          `import json, warnings, optuna
warnings.filterwarnings('ignore')
optuna.logging.set_verbosity(optuna.logging.ERROR)
out = []
for seed in (1, 2, 3):
    study = optuna.create_study(sampler=optuna.samplers.CmaEsSampler(x0={'x': 0.2, 'y': 0.9}, sigma0=0.03, seed=seed))
    study.optimize(lambda t: (t.suggest_float('x', 0, 1) - 0.5) ** 2 + (t.suggest_float('y', 0, 1) - 0.5) ** 2, n_trials=7)
    out.append([t.params for t in study.trials])
print(json.dumps(out))`,
        ],
        { encoding: 'utf8' },
      ),
    ) as { x: number; y: number }[][];
    for (const params of theirs) {
      const [mx, my] = firstGeneration(params);
      assert.ok(Math.abs(mx - x0.x) < 0.06 && Math.abs(my - x0.y) < 0.06, `Optuna's first generation's mean (${mx}, ${my})`);
    }
    await assert.rejects(
      run({ x0: { x: 0.2 } }, objective, 3),
      /x0 has no value for 'y'; give one for every parameter CMA-ES models \(x, y\)/,
    );
    await assert.rejects(run({ x0: { x: 0.2, y: 1.5 } }, objective, 3), /x0's 1\.5 for 'y' is outside its float \[0, 1\]/);
    assert.throws(() => new CmaEsSampler({ x0: { x: 'a' } as never }), /x0 must be an object of finite numbers by parameter name/);
    assert.throws(
      () => new CmaEsSampler({ x0, sourceTrials: [] }),
      /sourceTrials sets the initial distribution, so x0 cannot be given with it/,
    );
  });

  it('is reproducible with a seed', async () => {
    const a = await run({ seed: 9 }, ellipsoid, 30);
    const b = await run({ seed: 9 }, ellipsoid, 30);
    assert.deepEqual(
      a.trials.map((t) => t.params),
      b.trials.map((t) => t.params),
    );
  });
});
