import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createStudy, type Study, type Trial } from '../../src';
import { CmaEsSampler, CMA_STATE_KEY, CMA_X_KEY, type CmaState } from '../../src/samplers/cmaes';

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
    -x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
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
});
