import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createStudy, RandomSampler, type Sampler } from '../../src';
import { hypervolume, isFeasible } from '../../src/multiobjective';
import { GPSampler } from '../../src/samplers/gp';
import { nonDominatedBoxes, paretoFront, referencePoint } from '../../src/samplers/gp/boxes';
import { Rng } from '../../src/rng';
import { PYTHON } from '../helpers/python';

// Branin-Currin (Daulton et al. 2020's two-objective benchmark), both minimised on [0, 1]^2.
function branin(a: number, b: number): number {
  return (b - (5.1 / (4 * Math.PI ** 2)) * a * a + (5 / Math.PI) * a - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(a) + 10;
}
function currin(x1: number, x2: number): number {
  const f = 1 - Math.exp(-1 / (2 * Math.max(x2, 1e-9)));
  return (f * (2300 * x1 ** 3 + 1900 * x1 ** 2 + 2092 * x1 + 60)) / (100 * x1 ** 3 + 500 * x1 ** 2 + 4 * x1 + 20);
}
const REF = [18, 6];
const N_TRIALS = 25;
const SEEDS = [0, 1];

async function braninCurrinHypervolume(sampler: Sampler): Promise<number> {
  const study = await createStudy({ directions: ['minimize', 'minimize'], sampler });
  await study.optimize(
    (t) => {
      const x1 = t.suggestFloat('x1', 0, 1);
      const x2 = t.suggestFloat('x2', 0, 1);
      return [branin(15 * x1 - 5, 15 * x2), currin(x1, x2)];
    },
    { nTrials: N_TRIALS, showProgressBar: false },
  );
  return hypervolume(
    study.trials.map((t) => t.values as number[]),
    REF,
  );
}

/** Hypervolume improvement of y over `front` from the boxes (maximisation). */
function boxHvi(front: number[][], ref: number[], y: number[]): number {
  const boxes = nonDominatedBoxes(front, ref);
  let total = 0;
  for (let b = 0; b < boxes.count; b++) {
    let v = 1;
    for (let d = 0; d < boxes.m; d++) v *= Math.min(Math.max(y[d] - boxes.lower[b * boxes.m + d], 0), boxes.width[b * boxes.m + d]);
    total += v;
  }
  return total;
}

describe('GPSampler multi-objective (log EHVI)', () => {
  it('box decomposition gives the exact hypervolume improvement (2 and 3 objectives)', () => {
    const rng = new Rng(7);
    for (const m of [2, 3]) {
      for (let rep = 0; rep < 20; rep++) {
        const pts = Array.from({ length: 3 + rng.int(0, 12) }, () => Array.from({ length: m }, () => rng.random()));
        const ref = Array.from(referencePoint(pts, m));
        const y = Array.from({ length: m }, () => rng.random() * 1.3 - 0.1);
        // The reference: tunelab's exact hypervolume (minimisation) of the negated points.
        const loss = (ps: number[][]) => ps.map((p) => p.map((v) => -v));
        const expected =
          hypervolume(
            loss([...pts, y]),
            ref.map((r) => -r),
          ) -
          hypervolume(
            loss(pts),
            ref.map((r) => -r),
          );
        const got = boxHvi(pts, ref, y);
        assert.ok(Math.abs(got - expected) < 1e-9 * Math.max(1, expected), `m=${m} rep=${rep}: boxes ${got} vs exact ${expected}`);
        assert.ok(paretoFront(pts).length >= 1);
      }
    }
  });

  it(`reaches Optuna 5.0 GPSampler's hypervolume on Branin-Currin after ${N_TRIALS} trials`, { timeout: 600_000 }, async (t) => {
    const optuna = JSON.parse(
      execFileSync(PYTHON, [join(__dirname, 'optuna_gp_mo.py')], {
        input: JSON.stringify({ seeds: SEEDS, nTrials: N_TRIALS }),
        encoding: 'utf8',
        timeout: 540_000,
      }),
    ) as { hypervolume: number[] };
    const ours: number[] = [];
    const random: number[] = [];
    for (const seed of SEEDS) {
      ours.push(await braninCurrinHypervolume(new GPSampler({ seed })));
      random.push(await braninCurrinHypervolume(new RandomSampler({ seed })));
    }
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const context = `tunelab ${ours.map((v) => v.toFixed(2))}, Optuna ${optuna.hypervolume.map((v) => v.toFixed(2))}, random ${random.map((v) => v.toFixed(2))}`;
    t.diagnostic(`hypervolume (ref ${REF}): ${context}`);
    assert.ok(mean(ours) >= 0.95 * mean(optuna.hypervolume), `mean hypervolume below Optuna's: ${context}`);
    assert.ok(mean(ours) > 2 * mean(random), `no better than random search: ${context}`);
  });

  it('with constraints, later proposals are mostly feasible and spread along the front', async () => {
    // Minimise (x, 1 - x + y) subject to y >= 0.25 - x (feasible when x + y >= 0.25).
    const sampler = new GPSampler({
      seed: 3,
      nStartupTrials: 8,
      constraintsFunc: (t) => [0.25 - (t.params.x as number) - (t.params.y as number)],
    });
    const study = await createStudy({ directions: ['minimize', 'minimize'], sampler });
    await study.optimize(
      (t) => {
        const x = t.suggestFloat('x', 0, 1);
        const y = t.suggestFloat('y', 0, 1);
        return [x, 1 - x + y];
      },
      { nTrials: 24, showProgressBar: false },
    );
    const guided = study.trials.slice(8);
    const share = guided.filter(isFeasible).length / guided.length;
    assert.ok(share > 0.6, `feasible share ${share}`);
    const front = study.bestTrials;
    assert.ok(front.every(isFeasible), 'the Pareto front holds feasible trials only');
    assert.ok(front.length >= 3, `front size ${front.length}`);
  });
});
