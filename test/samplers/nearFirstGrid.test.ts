// With three or more continuous parameters, or in a mixed space, the maintained "above" density
// chooses among TPE's candidates through a grid of its narrow kernels (nearFirstGrid.ts): each candidate's sum is
// bounded from both sides ring by ring, and candidates proven to lose are dropped unsummed. The
// choice must be the one an argmax over the full sums makes, in a crowded basin where every
// candidate scores within 0.01 of the best, for candidates only the prior reaches (where the full
// sums tie), as trials join, leave and return.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OBJECTIVES } from '../../bench/spaces';
import { createStudy, floatDistribution, TPESampler, type Distribution } from '../../src';
import { Rng } from '../../src/rng';
import { useFromScratchPaths } from '../../src/samplers/tpe/aboveDensity';
import { IncrementalJointAbove } from '../../src/samplers/tpe/incrementalJointAbove';
import { NearFirstGrid, ProductGridTerms } from '../../src/samplers/tpe/nearFirstGrid';
import { allContinuous, paramModel, type ParzenEstimatorParameters } from '../../src/samplers/tpe/parzenEstimator';
import { logSumProductKernels, logWeightSpread, type ProductKernels } from '../../src/samplers/tpe/productKernelSum';
import { defaultWeights } from '../../src/samplers/tpe/sampler';
import { BadGroupChurn } from '../helpers/churn';
import { MODEL_MIXED_SPACE } from '../helpers/mixedSpace';

const params: ParzenEstimatorParameters = { priorWeight: 1, considerMagicClip: true, considerEndpoints: false, weights: defaultWeights };

/** Counts the calls of a method of NearFirstGrid while `body` runs. */
async function counting<T>(name: 'bestRatio' | 'sync', body: () => T | Promise<T>): Promise<{ result: T; calls: number }> {
  const proto = NearFirstGrid.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const original = proto[name];
  let calls = 0;
  proto[name] = function (this: NearFirstGrid, ...args: unknown[]) {
    calls++;
    return original.apply(this, args);
  };
  try {
    return { result: await body(), calls };
  } finally {
    proto[name] = original;
  }
}

/**
 * A crowded history over `dists` (all on [0, 1] in the modelling space but for log ones): 85% of the
 * trials in a basin a few floors wide, the others spread over the lower 60% of the first
 * parameter's range, and over the ends of the third's (a gap there widens some kernels beyond the
 * floor).
 */
function crowdedHistory(dists: Distribution[], n: number, rng: Rng): Float64Array[] {
  const unit = (d: Distribution, u: number) => {
    if (d.kind !== 'float') throw new Error('continuous only');
    const v = Math.min(1, Math.max(0, u));
    return d.log ? Math.exp(Math.log(d.low) + v * Math.log(d.high / d.low)) : d.low + v * (d.high - d.low);
  };
  const values = dists.map(() => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    const basin = rng.random() < 0.85;
    dists.forEach((d, j) => {
      let u: number;
      if (basin) u = [0.3, 0.55, 0.5, 0.4][j % 4] + 0.03 * rng.normal();
      else if (j === 0) u = rng.uniform(0, 0.6);
      else if (j === 2) u = rng.random() < 0.5 ? rng.uniform(0, 0.1) : rng.uniform(0.9, 1);
      else u = rng.random();
      values[j][i] = unit(d, u);
    });
  }
  return values;
}

/** The argmax over the full sums (the first of equals), as the from-scratch estimator chooses. */
function argmax(logL: Float64Array, logG: Float64Array): number {
  let want = 0;
  for (let s = 1; s < logL.length; s++) if (logL[s] - logG[s] > logL[want] - logG[want]) want = s;
  return want;
}

function checkGridChoices(dists: Distribution[], seed: number): void {
  const models = dists.map(paramModel);
  assert.ok(allContinuous(models));
  const rng = new Rng(seed);
  const total = 1700;
  const values = crowdedHistory(dists, total, rng);
  const churn = new BadGroupChurn(1500, rng);
  const density = new IncrementalJointAbove(models, params);
  const unitToValue = (j: number, u: number) => {
    const d = dists[j];
    if (d.kind !== 'float') throw new Error('continuous only');
    return d.log ? Math.exp(Math.log(d.low) + u * Math.log(d.high / d.low)) : d.low + u * (d.high - d.low);
  };
  for (let step = 0; step < 40; step++) {
    // Mostly the newest trial joins (the grid follows it); now and then one leaves (the grid is
    // sorted anew) or comes back mid-history.
    const numbers = churn.step(step);
    density.sync(
      numbers,
      values.map((v) => Float64Array.from(numbers, (i) => v[i])),
      numbers.length,
    );
    for (let round = 0; round < 3; round++) {
      const size = 24;
      const samples = dists.map((d, j) =>
        Float64Array.from({ length: size }, (_, s) => {
          if (d.kind !== 'float') return 0;
          // Two candidates far from every trial in the first parameter: only the prior reaches them.
          if (s === 5 || s === 17) return j === 0 ? unitToValue(0, s === 5 ? 0.97 : 0.99) : unitToValue(j, 0.2 + 0.03 * s);
          const v = values[j][rng.int(0, churn.next - 1)];
          const spread = d.log ? v * Math.exp(0.02 * rng.normal() * Math.log(d.high / d.low)) : v + 0.02 * rng.normal() * (d.high - d.low);
          return Math.min(d.high, Math.max(d.low, spread));
        }),
      );
      // A duplicate: ties go to the first.
      for (let j = 0; j < dists.length; j++) samples[j][11] = samples[j][3];
      const logG = density.logPdf(samples);
      const logL = Float64Array.from(logG, (g: number) => g + 0.01 * rng.random());
      logL[11] = logL[3];
      // Every other round the far candidates lead, with scores the full sums make equal.
      if (round !== 1) for (const s of [5, 17]) logL[s] = logG[s] + 0.02;
      const want = argmax(logL, logG);
      assert.equal(density.bestRatio(samples, logL, new Float64Array(size)), want, `seed ${seed}, step ${step}, round ${round}`);
    }
  }
}

/** The grid spans the first three numeric parameters: the learning rate and the two integers. */
const mixedSpace = MODEL_MIXED_SPACE;

/** One trial's internal values in `mixedSpace`: 85% of them in a basin, the others anywhere. */
function mixedTrial(rng: Rng): number[] {
  if (rng.random() < 0.85) {
    return [
      1e-3 * Math.exp(0.3 * rng.normal()),
      rng.random() < 0.7 ? 3 : rng.int(2, 4),
      rng.random() < 0.8 ? 1 : rng.int(0, 2),
      Math.min(512, Math.max(16, Math.round(128 * Math.exp(0.15 * rng.normal())))),
      rng.random() < 0.7 ? 0.25 : 0.5,
      Math.min(5, Math.max(-5, 0.3 + 0.1 * rng.normal())),
    ];
  }
  return [
    Math.exp(rng.uniform(Math.log(1e-5), Math.log(1e-1))),
    rng.int(1, 8),
    rng.int(0, 2),
    Math.round(Math.exp(rng.uniform(Math.log(16), Math.log(512)))),
    -1 + 0.25 * rng.int(0, 8),
    rng.uniform(-5, 5),
  ];
}

describe('NearFirstGrid (TPE with three or more continuous parameters)', () => {
  it('chooses what the argmax over the full sums chooses, in a crowded basin, as trials join, leave and return', async () => {
    const cases: Distribution[][] = [
      [floatDistribution(0, 1), floatDistribution(0, 1), floatDistribution(0, 1)],
      [floatDistribution(-5, 10), floatDistribution(1e-3, 10, { log: true }), floatDistribution(0, 15)],
      [floatDistribution(0, 1), floatDistribution(0, 1), floatDistribution(0, 1), floatDistribution(1e-2, 1, { log: true })],
    ];
    const { calls } = await counting('bestRatio', () => {
      for (const [c, dists] of cases.entries()) checkGridChoices(dists, 30 + c);
    });
    assert.equal(calls, cases.length * 40 * 3, 'the grid made every choice');
  });

  it('follows joining trials without sorting every kernel again, and sums a fraction of the kernels', async () => {
    const dists = [floatDistribution(0, 1), floatDistribution(0, 1), floatDistribution(0, 1)];
    const models = dists.map(paramModel);
    assert.ok(allContinuous(models));
    const rng = new Rng(41);
    const n = 2400;
    const values = crowdedHistory(dists, n, rng);
    const density = new IncrementalJointAbove(models, params);
    const rebuild = (NearFirstGrid.prototype as unknown as Record<string, (...args: unknown[]) => unknown>).rebuild;
    let rebuilds = 0;
    (NearFirstGrid.prototype as unknown as Record<string, unknown>).rebuild = function (this: NearFirstGrid, ...args: unknown[]) {
      rebuilds++;
      return rebuild.apply(this, args);
    };
    let visits = 0;
    let choices = 0;
    try {
      for (let m = 2000; m <= n; m += 20) {
        density.sync(
          Int32Array.from({ length: m }, (_, i) => i),
          values.map((v) => v.subarray(0, m)),
          m,
          m - 20,
        );
        const size = 24;
        const samples = values.map((v) =>
          Float64Array.from({ length: size }, () => Math.min(1, Math.max(0, v[rng.int(0, m - 1)] + 0.01 * rng.normal()))),
        );
        const logG = density.logPdf(samples);
        const logL = Float64Array.from(logG, (g: number) => g + 0.05 * rng.random());
        const grid = (density as unknown as { grid: NearFirstGrid }).grid;
        const before = grid.visits;
        assert.equal(density.bestRatio(samples, logL, new Float64Array(size)), argmax(logL, logG), `${m} observations`);
        visits += grid.visits - before;
        choices++;
      }
    } finally {
      (NearFirstGrid.prototype as unknown as Record<string, unknown>).rebuild = rebuild;
    }
    // Sorted once when first used; after that only trials joined.
    assert.equal(rebuilds, 1);
    // A full sum at every candidate visits 24 kernels per kernel of g.
    assert.ok(visits / choices < 0.5 * 24 * 2200, `${(visits / choices).toFixed(0)} kernel visits a choice`);
  });

  it('a seeded default TPE study over three parameters proposes the same parameters with it as from scratch', async () => {
    const objective = OBJECTIVES.hartmann3;
    const run = async (incremental: boolean) => {
      const sampler = new TPESampler({ seed: 23 });
      const study = await createStudy({ sampler: incremental ? sampler : useFromScratchPaths(sampler) });
      await study.optimize(objective, { nTrials: 500, showProgressBar: false });
      return study.trials.map((t) => t.params);
    };
    const { result: incremental, calls } = await counting('bestRatio', () => run(true));
    assert.ok(calls >= 250, `the grid made ${calls} choices`);
    assert.deepEqual(incremental, await run(false));
  });

  it('candidates only the prior reaches tie as the full sums tie, however many tiny terms lie near one of them', async () => {
    // The full sum adds the terms one by one after the prior's: near B, 300 kernels whose terms are
    // each below half a unit in the last place of B's sum leave it the prior's term, bit for bit,
    // as at A (the prior's term is the same at both). Summed apart first, they would add up to
    // several units and break the tie the other way.
    const dists = [floatDistribution(0, 1), floatDistribution(0, 1), floatDistribution(0, 1)];
    const models = dists.map(paramModel);
    assert.ok(allContinuous(models));
    const n = 300;
    const density = new IncrementalJointAbove(models, params);
    density.sync(
      Int32Array.from({ length: n }, (_, i) => i),
      [new Float64Array(n).fill(0.5), new Float64Array(n).fill(0.5), new Float64Array(n).fill(0.75 + 0.0983)],
      n,
    );
    const a = [0.5, 0.5, 0.25];
    const b = [0.5, 0.5, 0.75];
    for (const order of [
      [b, a],
      [a, b],
    ]) {
      const size = 24;
      const rng = new Rng(50);
      const samples = [0, 1, 2].map((j) => Float64Array.from({ length: size }, (_, s) => (s < 2 ? order[s][j] : rng.random())));
      const logL = Float64Array.from({ length: size }, (_, s) => (s < 2 ? 0 : -100));
      const logG = density.logPdf(samples);
      assert.equal(logG[0], logG[1], 'the full sums tie');
      const { result, calls } = await counting('bestRatio', () => density.bestRatio(samples, logL, new Float64Array(size)));
      assert.equal(calls, 1);
      assert.equal(result, 0, 'the first of equals');
    }
  });

  it('keeps its lists right as kernels join, widen beyond the floor and narrow back, with weights that move every time', () => {
    // Driven directly, with kernels made by hand: the grid is told which kernels changed.
    const rng = new Rng(60);
    const cap = 900;
    const d = 3;
    const floor = 0.01;
    const mus = [0, 1, 2].map(() => new Float64Array(cap));
    const curvatures = [0, 1, 2].map(() => new Float64Array(cap));
    const sigmas = [0, 1, 2].map(() => new Float64Array(cap));
    const logHeights = new Float64Array(cap);
    const weights = new Float64Array(cap);
    const k = { mus, curvatures, logHeights, weights, count: 1, maxLogHeight: 0, logWeightSpread: 0 };
    const setKernel = (i: number, mu: number[], sigma: number[]) => {
      let logH = 0;
      for (let j = 0; j < d; j++) {
        mus[j][i] = mu[j];
        sigmas[j][i] = sigma[j];
        curvatures[j][i] = 0.5 / (sigma[j] * sigma[j]);
        logH -= Math.log(sigma[j] * Math.sqrt(2 * Math.PI));
      }
      logHeights[i] = logH;
    };
    const refresh = () => {
      let top = -Infinity;
      for (let i = 0; i < k.count; i++) top = Math.max(top, logHeights[i]);
      k.maxLogHeight = top;
      k.logWeightSpread = logWeightSpread(weights, k.count);
    };
    const sigmaFor = () => [0, 1, 2].map(() => (rng.random() < 0.85 ? floor : floor * rng.uniform(1.2, 6)));
    const muFor = () =>
      [0, 1, 2].map((j) => (rng.random() < 0.8 ? Math.min(1, Math.max(0, [0.4, 0.6, 0.3][j] + 0.04 * rng.normal())) : rng.random()));
    setKernel(0, [0.5, 0.5, 0.5], [1, 1, 1]);
    weights[0] = 1;
    for (let i = 1; i < 700; i++) {
      setKernel(i, muFor(), sigmaFor());
      weights[i] = rng.uniform(0.1, 1);
    }
    k.count = 700;
    refresh();
    const lows = [0, 0, 0];
    const highs = [1, 1, 1];
    const floors = [floor, floor, floor];
    // The followed grid keeps its kernels' data packed in its own order; the rebuilt one reads them by slot.
    const packed = () => ({ ...(k as ProductKernels), packer: ProductGridTerms.packer(k as ProductKernels) });
    const followed = new NearFirstGrid();
    followed.sync(packed(), null, lows, highs, floors);
    const scratch = new Float64Array(cap);
    const logTotalWeight = () => Math.log(weights.subarray(0, k.count).reduce((sum, w) => sum + w, 0));
    // log g at each point by the full sum (what the grid's choice must agree with).
    const fullLogG = (points: Float64Array[], logTotal: number) =>
      Float64Array.from(
        { length: points[0].length },
        (_, s) =>
          logSumProductKernels(
            k as ProductKernels,
            Float64Array.from(points, (p) => p[s]),
            scratch,
          ) - logTotal,
      );
    let widened = 0;
    let narrowed = 0;
    let reheighted = 0;
    for (let step = 0; step < 120; step++) {
      const touched: number[] = [];
      // A trial joins most steps; some kernels widen beyond the floor or narrow to it.
      if (step % 4 !== 3) {
        setKernel(k.count, muFor(), sigmaFor());
        weights[k.count] = 1;
        touched.push(k.count++);
      }
      for (let c = 0; c < 3; c++) {
        const i = rng.int(1, k.count - 1);
        const wide = sigmas[0][i] > floor || sigmas[1][i] > floor || sigmas[2][i] > floor;
        if (wide) narrowed++;
        else widened++;
        setKernel(
          i,
          [0, 1, 2].map((j) => mus[j][i]),
          wide ? floors : [floor, floor * rng.uniform(1.2, 3), floor],
        );
        touched.push(i);
      }
      // A kernel at the floor whose height changes (as a truncation mass would) stays in its cell.
      const i = rng.int(1, k.count - 1);
      if (sigmas.every((sigma) => sigma[i] === floor)) {
        logHeights[i] -= 0.5 * rng.random();
        touched.push(i);
        reheighted++;
      }
      for (let i = 1; i < k.count; i++) weights[i] = Math.min(1, weights[i] + 0.01);
      refresh();
      followed.sync(packed(), touched, lows, highs, floors);
      const rebuilt = new NearFirstGrid();
      rebuilt.sync(k as ProductKernels, null, lows, highs, floors);
      const logTotal = logTotalWeight();
      const size = 24;
      const points = [0, 1, 2].map((j) =>
        Float64Array.from({ length: size }, () => Math.min(1, Math.max(0, mus[j][rng.int(1, k.count - 1)] + 0.02 * rng.normal()))),
      );
      const logG = fullLogG(points, logTotal);
      const logL = Float64Array.from(logG, (g: number) => g + 0.01 * rng.random());
      const want = argmax(logL, logG);
      assert.equal(
        followed.bestRatio(new ProductGridTerms(k as ProductKernels, points, scratch), points, logL, logTotal),
        want,
        `step ${step}, followed`,
      );
      assert.equal(
        rebuilt.bestRatio(new ProductGridTerms(k as ProductKernels, points, scratch), points, logL, logTotal),
        want,
        `step ${step}, rebuilt`,
      );
    }
    assert.ok(
      widened > 100 && narrowed > 100 && reheighted > 40,
      `${widened} widened, ${narrowed} narrowed, ${reheighted} heights changed`,
    );

    // Lists that lost track of a kernel (they cannot while they follow the kernels) are sorted anew
    // when it changes, rather than searched past their end.
    const lists = followed as unknown as { rowOfSlot: Int32Array; rest: Int32Array; restCount: number };
    const lost = Array.from({ length: k.count - 1 }, (_, i) => i + 1).find((i) => lists.rowOfSlot[i] >= 0)!;
    lists.rowOfSlot[lost] = -1; // listed as summed apart, but not in that list
    weights[lost] = 0.5; // and changed (its weight; it stays at the floor)
    refresh();
    followed.sync(packed(), [lost], lows, highs, floors);
    const logTotal = logTotalWeight();
    const points = [0, 1, 2].map((j) =>
      Float64Array.from({ length: 24 }, (_, s) => Math.min(1, Math.max(0, mus[j][lost] + 0.01 * (s - 12) * (j + 1)))),
    );
    const logG = fullLogG(points, logTotal);
    const logL = Float64Array.from(logG, (g: number) => g + 0.01 * rng.random());
    assert.equal(
      followed.bestRatio(new ProductGridTerms(k as ProductKernels, points, scratch), points, logL, logTotal),
      argmax(logL, logG),
    );
    assert.ok(lists.rowOfSlot[lost] >= 0 && !lists.rest.subarray(0, lists.restCount).includes(lost), 'the kernel is back in the grid');
  });

  it('ends its race when a sum is not a number, rather than widening a box that spans the grid again and again', () => {
    // A term that is NaN (a kernel's data corrupted: no history gives one) makes its candidates'
    // sums NaN, which no bound ever calls complete; a box that covers every cell has nothing left
    // beyond it, and the race must stop there (it spun forever before).
    const rng = new Rng(61);
    const n = 300;
    const floor = 0.01;
    const mus = [0, 1, 2].map(() => new Float64Array(n));
    const curvatures = [0, 1, 2].map(() => new Float64Array(n).fill(0.5 / (floor * floor)));
    const logHeights = new Float64Array(n).fill(-3 * Math.log(floor * Math.sqrt(2 * Math.PI)));
    const weights = new Float64Array(n).fill(1);
    for (let j = 0; j < 3; j++) {
      mus[j][0] = 0.5;
      curvatures[j][0] = 0.5;
      for (let i = 1; i < n; i++) mus[j][i] = Math.min(1, Math.max(0, [0.4, 0.6, 0.3][j] + 0.03 * rng.normal()));
    }
    logHeights[0] = -3 * Math.log(Math.sqrt(2 * Math.PI));
    weights[n >> 1] = NaN;
    const k = { mus, curvatures, logHeights, weights, count: n, maxLogHeight: logHeights[1], logWeightSpread: 0 };
    const grid = new NearFirstGrid();
    grid.sync(k as ProductKernels, null, [0, 0, 0], [1, 1, 1], [floor, floor, floor]);
    const size = 24;
    const points = [0, 1, 2].map((j) => Float64Array.from({ length: size }, () => mus[j][rng.int(1, n - 1)]));
    const logL = Float64Array.from({ length: size }, () => rng.random());
    const chosen = grid.bestRatio(new ProductGridTerms(k as ProductKernels, points, new Float64Array(n)), points, logL, Math.log(n));
    assert.ok(Number.isInteger(chosen) && chosen >= 0 && chosen < size, `chose ${chosen}`);
  });
});

describe('NearFirstGrid in a mixed space (discrete and categorical parameters)', () => {
  it('chooses what the argmax over the full sums chooses, in a crowded basin, as trials join, leave and return', async () => {
    const models = mixedSpace.map(paramModel);
    const { calls } = await counting('bestRatio', () => {
      for (const seed of [70, 71]) {
        const rng = new Rng(seed);
        const total = 1700;
        const history = Array.from({ length: total }, () => mixedTrial(rng));
        const churn = new BadGroupChurn(1500, rng);
        const density = new IncrementalJointAbove(models, params);
        for (let step = 0; step < 30; step++) {
          const numbers = churn.step(step);
          density.sync(
            numbers,
            mixedSpace.map((_, j) => Float64Array.from(numbers, (i) => history[i][j])),
            numbers.length,
          );
          for (let round = 0; round < 3; round++) {
            const size = 24;
            // Candidates near trials (another trial's values, the continuous ones moved a little),
            // two where no trial is (only the prior reaches them) and a duplicate.
            const picks = Array.from({ length: size }, () => history[rng.int(0, churn.next - 1)]);
            const samples = mixedSpace.map((_, j) =>
              Float64Array.from({ length: size }, (_, s) => {
                if ((s === 5 || s === 17) && j === 0) return s === 5 ? 1.1e-5 : 1.3e-5;
                if ((s === 5 || s === 17) && j === 5) return s === 5 ? -4.9 : 4.9;
                const v = picks[s][j];
                if (j === 0) return Math.min(1e-1, Math.max(1e-5, v * Math.exp(0.05 * rng.normal())));
                if (j === 5) return Math.min(5, Math.max(-5, v + 0.05 * rng.normal()));
                return v;
              }),
            );
            for (let j = 0; j < mixedSpace.length; j++) samples[j][11] = samples[j][3];
            const logG = density.logPdf(samples);
            const logL = Float64Array.from(logG, (g: number) => g + 0.01 * rng.random());
            logL[11] = logL[3];
            if (round !== 1) for (const s of [5, 17]) logL[s] = logG[s] + 0.02;
            assert.equal(
              density.bestRatio(samples, logL, new Float64Array(size)),
              argmax(logL, logG),
              `seed ${seed}, step ${step}, round ${round}`,
            );
          }
        }
      }
    });
    assert.equal(calls, 2 * 30 * 3, 'the grid made every choice');
  });

  it('sums a fraction of the kernels where trials crowd', () => {
    const models = mixedSpace.map(paramModel);
    const rng = new Rng(72);
    const n = 3000;
    const history = Array.from({ length: n }, () => mixedTrial(rng));
    const density = new IncrementalJointAbove(models, params);
    density.sync(
      Int32Array.from({ length: n }, (_, i) => i),
      mixedSpace.map((_, j) => Float64Array.from(history, (h) => h[j])),
      n,
    );
    const grid = (density as unknown as { grid: NearFirstGrid }).grid;
    const size = 24;
    let visits = 0;
    const choices = 20;
    for (let c = 0; c < choices; c++) {
      const samples = mixedSpace.map((_, j) => Float64Array.from({ length: size }, () => history[rng.int(0, n - 1)][j]));
      const logG = density.logPdf(samples);
      const logL = Float64Array.from(logG, (g: number) => g + 0.05 * rng.random());
      const before = grid.visits;
      assert.equal(density.bestRatio(samples, logL, new Float64Array(size)), argmax(logL, logG));
      visits += grid.visits - before;
    }
    // The full sums visit every kernel at every candidate: 24 per kernel of g.
    assert.ok(visits / choices < 0.25 * 24 * n, `${(visits / choices).toFixed(0)} kernel visits a choice`);
  });

  it('a seeded default TPE study in a mixed space proposes the same parameters with it as from scratch', async () => {
    const run = async (incremental: boolean) => {
      const sampler = new TPESampler({ seed: 29 });
      const study = await createStudy({ sampler: incremental ? sampler : useFromScratchPaths(sampler) });
      await study.optimize(OBJECTIVES.mixed, { nTrials: 500, showProgressBar: false });
      return study.trials.map((t) => t.params);
    };
    const { result: incremental, calls } = await counting('bestRatio', () => run(true));
    assert.ok(calls >= 250, `the grid made ${calls} choices`);
    assert.deepEqual(incremental, await run(false));
  });
});
