/**
 * CmaEsSampler's Optuna 5.0 options beyond the plain run: learning rate adaptation (`lrAdapt`,
 * LRA-CMA-ES), warm starting from another study's trials (`sourceTrials`, WS-CMA-ES) and
 * `considerPrunedTrials`. The two algorithms' steps are compared with the `cmaes` package Optuna
 * 5.0 runs them with (its `_lr_adaptation` and `get_warm_start_mgd`) on the same inputs; the options
 * are checked through studies.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { createStudy, RandomSampler, TrialPruned, type Trial } from '../../src';
import { CmaEsSampler, CMA_GENERATION_KEY, CMA_STATE_KEY } from '../../src/samplers/cmaes';
import { adaptLearningRates, initialState, warmStartDistribution, type CmaState, type LearningRates } from '../../src/samplers/cmaes/cma';
import { symmetricEigen } from '../../src/samplers/cmaes/eigen';
import { Rng } from '../../src/rng';
import { PYTHON } from '../helpers/python';

function python(script: string, input: unknown): unknown {
  return JSON.parse(execFileSync(PYTHON, ['-c', script], { input: JSON.stringify(input), encoding: 'utf8', timeout: 120_000 }));
}

/** A random symmetric positive definite n x n matrix (row-major): A A^T + 0.1 I. */
function randomSpd(rng: Rng, n: number): number[] {
  const a = Array.from({ length: n * n }, () => rng.normal());
  const out = new Array<number>(n * n).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) out[i * n + j] += a[i * n + k] * a[j * n + k];
  for (let i = 0; i < n; i++) out[i * n + i] += 0.1;
  return out;
}

function assertClose(actual: readonly number[], expected: readonly number[], what: string, tolerance = 1e-9): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((v, i) => {
    const scale = Math.max(1, Math.abs(expected[i]));
    assert.ok(Math.abs(v - expected[i]) <= tolerance * scale, `${what}[${i}]: ${v} vs cmaes ${expected[i]}`);
  });
}

const LRA_PY = `
import json, sys
import numpy as np
from cmaes import CMA
cases = json.load(sys.stdin)
out = []
for c in cases:
    n = c['n']
    cma = CMA(mean=np.zeros(n), sigma=1.0, lr_adapt=True)
    cma._mean = np.array(c['newMean'], dtype=float)
    cma._sigma = c['newSigma']
    cma._C = np.array(c['newCov'], dtype=float).reshape(n, n)
    lr = c['lr']
    cma._Emean = np.array(lr['eMean'], dtype=float).reshape(n, 1)
    cma._ESigma = np.array(lr['eSigma'], dtype=float).reshape(n * n, 1)
    cma._Vmean, cma._VSigma, cma._eta_mean, cma._eta_Sigma = lr['vMean'], lr['vSigma'], lr['etaMean'], lr['etaSigma']
    old_cov = np.array(c['oldCov'], dtype=float).reshape(n, n)
    eig, vec = np.linalg.eigh(old_cov)
    old_invsqrt = vec @ np.diag(1 / np.sqrt(eig)) @ vec.T
    cma._lr_adaptation(np.array(c['oldMean'], dtype=float), c['oldSigma'], c['oldSigma'] ** 2 * old_cov, old_invsqrt)
    out.append({'mean': cma._mean.tolist(), 'sigma': float(cma._sigma), 'cov': cma._C.reshape(-1).tolist(),
                'eMean': cma._Emean.reshape(-1).tolist(), 'eSigma': cma._ESigma.reshape(-1).tolist(),
                'vMean': float(cma._Vmean), 'vSigma': float(cma._VSigma), 'etaMean': float(cma._eta_mean), 'etaSigma': float(cma._eta_Sigma)})
print(json.dumps(out))
`;

const WARM_PY = `
import json, sys
import numpy as np
from cmaes import get_warm_start_mgd
cases = json.load(sys.stdin)
out = []
for solutions in cases:
    mean, sigma, cov = get_warm_start_mgd([(np.array(x, dtype=float), v) for x, v in solutions])
    out.append({'mean': mean.tolist(), 'sigma': float(sigma), 'cov': cov.reshape(-1).tolist()})
print(json.dumps(out))
`;

/** A quadratic bowl with its minimum at (0.8, 0.2, 0.6) of the unit cube. */
const bowl = (t: Trial): number =>
  (t.suggestFloat('x', 0, 1) - 0.8) ** 2 + (t.suggestFloat('y', 0, 1) - 0.2) ** 2 + (t.suggestFloat('z', 0, 1) - 0.6) ** 2;

describe('CMA-ES learning rate adaptation and warm starting, against the cmaes package Optuna 5.0 runs', () => {
  it("adapts the learning rates and moves the distribution as cmaes's LRA-CMA-ES does, step for step", () => {
    const rng = new Rng(11);
    const cases = [2, 3, 5].flatMap((n) =>
      [0, 1, 2].map((k) => {
        const eMean = Array.from({ length: n }, () => 0.3 * rng.normal());
        const eSigma = Array.from({ length: n * n }, () => 0.2 * rng.normal());
        const lr: LearningRates = {
          eMean,
          eSigma,
          // Past the averages' squared norms, as a run's are: just past them (consistent updates,
          // a high signal-to-noise ratio) in one case of three.
          vMean: eMean.reduce((a, v) => a + v * v, 0) + (k === 0 ? 1e-4 : 0.5 * rng.random() + 0.01),
          vSigma: eSigma.reduce((a, v) => a + v * v, 0) + (k === 0 ? 1e-4 : 0.5 * rng.random() + 0.01),
          etaMean: 0.2 + 0.8 * rng.random(),
          etaSigma: 0.2 + 0.8 * rng.random(),
        };
        return {
          n,
          oldMean: Array.from({ length: n }, () => rng.random()),
          oldSigma: 0.05 + 0.3 * rng.random(),
          oldCov: randomSpd(rng, n),
          newMean: Array.from({ length: n }, () => rng.random()),
          newSigma: 0.05 + 0.3 * rng.random(),
          newCov: randomSpd(rng, n),
          lr,
        };
      }),
    );
    const theirs = python(LRA_PY, cases) as (LearningRates & { mean: number[]; sigma: number; cov: number[] })[];
    cases.forEach((c, k) => {
      const prev: CmaState = { ...initialState(c.oldMean, c.oldSigma, 8, { separable: false, margin: null }), cov: c.oldCov };
      const next: CmaState = {
        ...initialState(c.newMean, c.newSigma, 8, { separable: false, margin: null }),
        cov: c.newCov,
        lr: structuredClone(c.lr),
      };
      const { values, vectors } = symmetricEigen(Float64Array.from(c.oldCov), c.n);
      adaptLearningRates(prev, next, vectors, values.map(Math.sqrt));
      const what = `case ${k} (n = ${c.n})`;
      const t = theirs[k];
      assertClose([next.lr!.etaMean, next.lr!.etaSigma], [t.etaMean, t.etaSigma], `${what} learning rates`);
      assertClose(next.lr!.eMean, t.eMean, `${what} E mean`);
      assertClose(next.lr!.eSigma, t.eSigma, `${what} E Sigma`);
      assertClose([next.lr!.vMean, next.lr!.vSigma], [t.vMean, t.vSigma], `${what} V`);
      assertClose(next.mean, t.mean, `${what} mean`);
      assertClose([next.sigma], [t.sigma], `${what} sigma`);
      assertClose(next.cov, t.cov, `${what} C`);
    });
    // The cases move the rates both ways.
    assert.ok(theirs.some((t, k) => t.etaMean < cases[k].lr.etaMean) && theirs.some((t, k) => t.etaMean > cases[k].lr.etaMean));
  });

  it("warm-starts from the best tenth of the source solutions as cmaes's get_warm_start_mgd does", () => {
    const rng = new Rng(5);
    const cases = [
      [10, 2],
      [37, 3],
      [120, 4],
    ].map(([count, n]) =>
      Array.from({ length: count }, () => [Array.from({ length: n }, () => rng.random()), rng.normal()] as [number[], number]),
    );
    const theirs = python(WARM_PY, cases) as { mean: number[]; sigma: number; cov: number[] }[];
    cases.forEach((solutions, k) => {
      const ours = warmStartDistribution(solutions.map(([x, value]) => ({ x, value })));
      assertClose(ours.mean, theirs[k].mean, `case ${k} mean`, 1e-12);
      assertClose([ours.sigma], [theirs[k].sigma], `case ${k} sigma`, 1e-10);
      assertClose(ours.cov, theirs[k].cov, `case ${k} C`, 1e-10);
    });
  });
});

describe("CmaEsSampler's lrAdapt, sourceTrials and considerPrunedTrials", () => {
  it('starts where the source study did best with sourceTrials, and says what it needs', async () => {
    const source = await createStudy({ sampler: new RandomSampler({ seed: 3 }) });
    await source.optimize(bowl, { nTrials: 60, showProgressBar: false });
    const firstGeneration = async (sampler: CmaEsSampler): Promise<number> => {
      const study = await createStudy({ sampler });
      await study.optimize(bowl, { nTrials: 9, showProgressBar: false });
      // Trials 1-8 are the first generation (trial 0 is the random start); their mean distance from the minimum.
      const dist = study.trials
        .slice(1)
        .map((t) => Math.hypot((t.params.x as number) - 0.8, (t.params.y as number) - 0.2, (t.params.z as number) - 0.6));
      return dist.reduce((a, b) => a + b, 0) / dist.length;
    };
    const warm = await firstGeneration(new CmaEsSampler({ seed: 1, sourceTrials: source.trials }));
    const cold = await firstGeneration(new CmaEsSampler({ seed: 1 }));
    const sourceBest = source.bestTrial;
    const sourceBestDist = Math.hypot(
      (sourceBest.params.x as number) - 0.8,
      (sourceBest.params.y as number) - 0.2,
      (sourceBest.params.z as number) - 0.6,
    );
    assert.ok(warm < cold / 2, `warm-started generation ${warm.toFixed(3)} from the minimum, against ${cold.toFixed(3)} cold`);
    assert.ok(warm < 4 * sourceBestDist + 0.1, `near where the source's best trials lie (${sourceBestDist.toFixed(3)})`);

    const few = source.trials.slice(0, 9);
    const study = await createStudy({ sampler: new CmaEsSampler({ seed: 1, sourceTrials: few }) });
    await assert.rejects(
      study.optimize(bowl, { nTrials: 3, showProgressBar: false }),
      /sourceTrials holds 9 usable trial\(s\) over this search space \(x, y, z\); .* give at least 10 COMPLETE trials/,
    );
    assert.throws(() => new CmaEsSampler({ sourceTrials: source.trials, sigma0: 0.1 }), /sigma0 cannot be given with it/);
    assert.throws(() => new CmaEsSampler({ sourceTrials: source.trials, useSeparableCma: true }), /cannot warm-start separable CMA-ES/);
    assert.throws(() => new CmaEsSampler({ sourceTrials: {} as never }), /sourceTrials must be an array of trials/);
    assert.throws(
      () => new CmaEsSampler({ sourceTrials: [source.trials[0], {}] as never }),
      /sourceTrials must be an array of trials .*; item 1 is not a trial/,
    );
  });

  it('adapts its learning rates with lrAdapt (down on an objective that is only noise), kept with the stored state', async () => {
    const noise = new Rng(9);
    const study = await createStudy({ sampler: new CmaEsSampler({ seed: 2, lrAdapt: true }) });
    await study.optimize(
      (t) => {
        t.suggestFloat('x', 0, 1);
        t.suggestFloat('y', 0, 1);
        return noise.random();
      },
      { nTrials: 300, showProgressBar: false },
    );
    const states = study.trials.map((t) => t.systemAttrs[CMA_STATE_KEY]).filter((s): s is string => typeof s === 'string');
    const last = JSON.parse(states[states.length - 1]) as { state: CmaState };
    assert.ok(last.state.generation > 40, `${last.state.generation} generations`);
    assert.ok(last.state.lr, 'the stored state carries the learning rates');
    assert.ok(
      last.state.lr.etaMean < 0.5 && last.state.lr.etaSigma < 0.5,
      `the rates fell on noise: ${last.state.lr.etaMean}, ${last.state.lr.etaSigma}`,
    );
    const plain = await createStudy({ sampler: new CmaEsSampler({ seed: 2 }) });
    await plain.optimize(bowl, { nTrials: 20, showProgressBar: false });
    const plainState = JSON.parse(
      plain.trials
        .map((t) => t.systemAttrs[CMA_STATE_KEY])
        .filter((s) => typeof s === 'string')
        .pop() as string,
    ) as { state: CmaState };
    assert.equal(plainState.state.lr, undefined, 'no learning rates without lrAdapt');
    assert.throws(() => new CmaEsSampler({ lrAdapt: true, useSeparableCma: true }), /lrAdapt works with the full CMA-ES only/);
    assert.throws(() => new CmaEsSampler({ lrAdapt: true, withMargin: true }), /lrAdapt works with the full CMA-ES only/);
  });

  it('counts PRUNED trials that reported as solutions with considerPrunedTrials, at their last report', async () => {
    const generations = async (considerPrunedTrials: boolean): Promise<number> => {
      const study = await createStudy({ sampler: new CmaEsSampler({ seed: 4, considerPrunedTrials }) });
      await study.optimize(
        (t) => {
          const value = bowl(t);
          t.report(value + 1, 0);
          t.report(value, 1);
          // Every other trial is pruned after its reports.
          if (t.number % 2 === 1) throw new TrialPruned();
          return value;
        },
        { nTrials: 81, showProgressBar: false },
      );
      return study.trials[80].systemAttrs[CMA_GENERATION_KEY] as number;
    };
    const counted = await generations(true);
    const left = await generations(false);
    // The 80 trials after the first fill generations of 4 + floor(3 ln 3) = 7 when every trial counts,
    // about half as many when only COMPLETE ones do.
    const popsize = 4 + Math.floor(3 * Math.log(3));
    assert.equal(counted, Math.floor((80 - 1) / popsize));
    assert.ok(left <= counted / 2, `${left} generations from the COMPLETE trials alone, ${counted} with the pruned ones`);
  });
});
