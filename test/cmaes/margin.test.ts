import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { createStudy, type Study, type Trial } from '../../src';
import { CmaEsSampler, CMA_STATE_KEY, CMA_X_KEY, type CmaState } from '../../src/samplers/cmaes';
import { initialState } from '../../src/samplers/cmaes/cma';
import { applyMargin } from '../../src/samplers/cmaes/margin';
import { PYTHON } from '../helpers/python';

/**
 * CMA-ES with margin (Hamano et al., GECCO 2022): after every update, each integer dimension keeps
 * a marginal probability of at least alpha = 1/(n * lambda) of leaving the grid cell of its mean
 * (alpha/2 beyond each boundary of an interior cell, alpha beyond the inner boundary of an end cell).
 * The checks below recompute those probabilities from the stored state with their own normal CDF.
 */

const DIMS = 6;
const LOW = -10;
const HIGH = 10;

/** Phi(z) via erfc (Numerical Recipes' Chebyshev fit, relative error < 1.2e-7 everywhere). */
function phi(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const poly =
    -x * x -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const erfc = t * Math.exp(poly);
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

function phiInverse(p: number): number {
  let lo = -20;
  let hi = 20;
  for (let k = 0; k < 100; k++) {
    const mid = (lo + hi) / 2;
    if (phi(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

const shifted = (t: Trial) => {
  let s = 0;
  for (let i = 0; i < DIMS; i++) s += (t.suggestInt(`x${i}`, LOW, HIGH) - 3.3) ** 2;
  return s;
};

/**
 * Mixed-integer (the paper's setting): the same six integers plus two heavily weighted floats. The
 * floats drive sigma down quickly, and plain CMA-ES then freezes integers wherever they happen to be.
 */
const mixed = (t: Trial) => {
  let s = 0;
  for (let i = 0; i < DIMS; i++) s += (t.suggestInt(`x${i}`, LOW, HIGH) - 3.3) ** 2;
  for (let i = 0; i < 2; i++) s += 100 * t.suggestFloat(`c${i}`, -10, 10) ** 2;
  return s;
};

async function run(seed: number, withMargin: boolean, objective: (t: Trial) => number, nTrials: number): Promise<Study> {
  const study = await createStudy({ sampler: new CmaEsSampler({ seed, withMargin }) });
  await study.optimize(objective, { nTrials, showProgressBar: false });
  return study;
}

function storedStates(study: Study): CmaState[] {
  const out: CmaState[] = [];
  for (const t of study.trials) {
    const raw = t.systemAttrs[CMA_STATE_KEY];
    if (typeof raw === 'string') out.push((JSON.parse(raw) as { state: CmaState }).state);
  }
  return out;
}

/** Marginal std of coordinate j: sigma * A_jj * sqrt(C_jj) (A absent means the identity). */
const marginalStd = (s: CmaState, j: number) => s.sigma * (s.a?.[j] ?? 1) * Math.sqrt(s.cov[j * s.dim + j]);

describe('CmaEsSampler with margin', () => {
  it('keeps the probability of leaving every integer cell at least alpha, so no integer dimension freezes', async () => {
    const study = await run(1, true, shifted, 600);
    const states = storedStates(study).filter((s) => s.generation >= 1);
    assert.ok(states.length >= 50, `${states.length} generations`);
    // Each integer owns a cell of width 1/21 of the unit cube (the range padded by half a step).
    const width = 1 / (HIGH - LOW + 1);
    for (const s of states) {
      const lambda = 4 + Math.floor(3 * Math.log(DIMS));
      assert.equal(s.popsize, lambda);
      const alpha = 1 / (DIMS * lambda);
      assert.ok(Math.abs(s.margin! - alpha) < 1e-15);
      // Interior cells: m - lo <= z s and hi - m <= z s with z = Phi^-1(1 - alpha/2), so s >= width / (2 z).
      const stdBound = width / (2 * phiInverse(1 - alpha / 2));
      for (let j = 0; j < DIMS; j++) {
        const m = s.mean[j];
        const k = Math.round(m / width - 0.5); // cell index 0 .. 20
        const lo = k * width;
        const hi = (k + 1) * width;
        const std = marginalStd(s, j);
        const below = phi((lo - m) / std);
        const above = phi((m - hi) / std);
        const where = `generation ${s.generation}, x${j}: mean cell ${k + LOW}, std ${std}, tails ${below}/${above}`;
        if (k > 0 && k < HIGH - LOW) {
          assert.ok(below >= (alpha / 2) * (1 - 1e-5) && above >= (alpha / 2) * (1 - 1e-5), where);
          assert.ok(std >= stdBound * (1 - 1e-6), `${where} < bound ${stdBound}`);
        } else {
          assert.ok((k === 0 ? above : below) >= alpha * (1 - 1e-5), where);
        }
      }
    }
    // The optimum (3 in every coordinate) is found, and every coordinate still moves late in the run.
    assert.deepEqual(Object.values(study.bestParams), new Array(DIMS).fill(3));
    const late = study.trials.slice(-200);
    for (let j = 0; j < DIMS; j++) {
      const values = new Set(late.map((t) => t.params[`x${j}`]));
      assert.ok(values.size >= 2, `x${j} took only ${[...values]} in the last 200 trials`);
    }
    // The update learns from the continuous candidates, which are stored with each trial.
    assert.ok(study.trials.slice(-50).every((t) => Array.isArray(t.systemAttrs[CMA_X_KEY])));

    // Without margin the same run lets some integer coordinate shrink far inside its cell.
    const plain = storedStates(await run(1, false, shifted, 600));
    const last = plain[plain.length - 1];
    const alpha = 1 / (DIMS * last.popsize);
    const plainMin = Math.min(...Array.from({ length: DIMS }, (_, j) => marginalStd(last, j)));
    assert.ok(plainMin < width / (2 * phiInverse(1 - alpha / 2)), `plain CMA-ES min std ${plainMin}`);
  });

  it('finds the integer optimum of a mixed-integer function on more seeds than plain CMA-ES', async () => {
    const seeds = 12;
    const hits = async (withMargin: boolean) => {
      let count = 0;
      for (let seed = 0; seed < seeds; seed++) {
        const study = await run(100 + seed, withMargin, mixed, 1000);
        if (Array.from({ length: DIMS }, (_, i) => study.bestParams[`x${i}`]).every((v) => v === 3)) count++;
      }
      return count;
    };
    const plain = await hits(false);
    const margin = await hits(true);
    assert.ok(margin > plain, `margin found the integer optimum on ${margin}/${seeds} seeds, plain on ${plain}/${seeds}`);
    assert.ok(margin >= seeds / 2, `margin found the integer optimum on ${margin}/${seeds} seeds`);
  });

  it('solves the mean and A so each short tail holds exactly alpha/2, and leaves a long tail alone', () => {
    const alpha = 0.02;
    const cell = { lo: 0.4, hi: 0.5, hasBelow: true, hasAbove: true };
    // Narrow marginal at the cell centre: both tails are raised to alpha/2, the mean stays put.
    const centred = initialState([0.45, 0.3], 0.001, 6, { separable: false, margin: alpha });
    applyMargin(centred, (j) => (j === 0 ? cell : null));
    const std = marginalStd(centred, 0);
    assert.ok(Math.abs(centred.mean[0] - 0.45) < 1e-12);
    assert.ok(Math.abs(phi((0.4 - 0.45) / std) - alpha / 2) < 1e-6);
    assert.ok(Math.abs(phi((0.45 - 0.5) / std) - alpha / 2) < 1e-6);
    assert.equal(centred.mean[1], 0.3); // continuous: untouched
    assert.equal(centred.a![1], 1);
    // Off centre, with the upper tail already above alpha/2: it keeps its mass, the lower one is raised.
    const skewed = initialState([0.49, 0.3], 0.02, 6, { separable: false, margin: alpha });
    const upperBefore = phi((0.49 - 0.5) / marginalStd(skewed, 0));
    assert.ok(upperBefore > alpha / 2 && phi((0.4 - 0.49) / marginalStd(skewed, 0)) < alpha / 2);
    applyMargin(skewed, (j) => (j === 0 ? cell : null));
    const s2 = marginalStd(skewed, 0);
    assert.ok(s2 > 0.02, 'the marginal only widens');
    assert.ok(Math.abs(phi((skewed.mean[0] - 0.5) / s2) - upperBefore) < 1e-6);
    assert.ok(Math.abs(phi((0.4 - skewed.mean[0]) / s2) - alpha / 2) < 1e-6);
    // End cell (no value below): the mean moves toward the inner boundary until alpha lies beyond it.
    const edge = initialState([0.02, 0.3], 0.001, 6, { separable: false, margin: alpha });
    applyMargin(edge, (j) => (j === 0 ? { lo: 0, hi: 0.1, hasBelow: false, hasAbove: true } : null));
    assert.equal(edge.a![0], 1);
    assert.ok(Math.abs(phi((edge.mean[0] - 0.1) / marginalStd(edge, 0)) - alpha) < 1e-6);
    // A wide marginal is left exactly as it was.
    const wide = initialState([0.45, 0.3], 0.2, 6, { separable: false, margin: alpha });
    applyMargin(wide, (j) => (j === 0 ? cell : null));
    assert.deepEqual(
      [wide.mean, wide.a],
      [
        [0.45, 0.3],
        [1, 1],
      ],
    );
  });

  it('finds the integer optimum of the mixed-integer function about as often as Optuna 5.0 with_margin', async () => {
    const seeds = 8;
    const script = `
import sys, warnings
warnings.filterwarnings("ignore")
import optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
def f(t):
    return sum((t.suggest_int(f"x{i}", ${LOW}, ${HIGH}) - 3.3) ** 2 for i in range(${DIMS})) + sum(100 * t.suggest_float(f"c{i}", -10, 10) ** 2 for i in range(2))
hits = 0
for seed in range(${seeds}):
    study = optuna.create_study(sampler=optuna.samplers.CmaEsSampler(seed=seed, with_margin=True))
    study.optimize(f, n_trials=1000)
    hits += all(study.best_params[f"x{i}"] == 3 for i in range(${DIMS}))
print(hits)
`;
    const optunaHits = new Promise<number>((resolve, reject) => {
      const py = spawn(PYTHON, ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      py.stdout.on('data', (d) => (out += d));
      py.stderr.on('data', (d) => (err += d));
      py.on('error', reject);
      py.on('close', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`optuna exited ${code}: ${err}`))));
    });
    let ours = 0;
    for (let seed = 0; seed < seeds; seed++) {
      const study = await run(seed, true, mixed, 1000);
      if (Array.from({ length: DIMS }, (_, i) => study.bestParams[`x${i}`]).every((v) => v === 3)) ours++;
    }
    const theirs = await optunaHits;
    assert.ok(ours >= theirs - 2, `tunelab with margin ${ours}/${seeds}, Optuna with_margin ${theirs}/${seeds}`);
  });
});
