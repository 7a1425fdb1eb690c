// The incrementally maintained "above" density must be the same model as the from-scratch one
// (SortedUnivariateDensity, itself checked against Optuna 5.0 in parzen.test.ts), and a seeded TPE
// study must propose exactly the same parameters with and without it (univariate TPE, where it
// applies; and the default multivariate TPE's parameters outside the joint space).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createStudy, floatDistribution, intDistribution, TPESampler, TrialPruned, type Distribution, type Trial } from '../../src';
import { Rng } from '../../src/rng';
import { CategoricalAbove } from '../../src/samplers/tpe/categoricalAbove';
import { IncrementalAboveDensity } from '../../src/samplers/tpe/incrementalAbove';
import { IncrementalBelow } from '../../src/samplers/tpe/incrementalBelow';
import { ValueSums } from '../../src/samplers/tpe/valueSums';
import { ParzenEstimator, paramModel, SortedUnivariateDensity } from '../../src/samplers/tpe/parzenEstimator';
import { defaultWeights } from '../../src/samplers/tpe/sampler';
import { AboveDensities, useFromScratchPaths } from '../../src/samplers/tpe/aboveDensity';
import { argmaxRatio } from '../../src/samplers/tpe/nearFirstSum';
import { countingCalls, countingEach } from '../helpers/spy';

/** The sampler as is (its incremental paths), or told to compute everything from scratch. */
const paths = (sampler: TPESampler, incremental: boolean) => (incremental ? sampler : useFromScratchPaths(sampler));

/**
 * Reference: the from-scratch density of the observations `included` (time order = index order),
 * as TPE builds it from a sorted column: a continuous parameter's `SortedUnivariateDensity`, a
 * discrete one's `ParzenEstimator`.
 */
function reference(
  model: ReturnType<typeof paramModel> & { kind: 'numeric' },
  history: number[],
  included: number[],
  params: Parameters<typeof IncrementalAboveDensity.build>[1],
): { logPdf(samples: Float64Array[]): Float64Array } {
  const byTime = [...included].sort((a, b) => a - b);
  const rank = new Map(byTime.map((i, r) => [i, r]));
  const order = [...byTime].sort((a, b) => history[a] - history[b] || a - b);
  const w = defaultWeights(byTime.length);
  const values = Float64Array.from(order, (i) => history[i]);
  const weights = Float64Array.from(order, (i) => w[rank.get(i)!]);
  return model.q === null
    ? new SortedUnivariateDensity(model, values, weights, params)
    : new ParzenEstimator([values], [model], params, weights, true);
}

function history(dist: Distribution & { kind: 'float' | 'int' }, n: number, rng: Rng): number[] {
  const model = paramModel(dist);
  if (model.kind !== 'numeric') throw new Error('numeric expected');
  const mid = 0.5 * (model.low + model.high);
  return Array.from({ length: n }, (_, i) => {
    // A value equal to the prior mean, repeated values, tight clusters (clipped bandwidths) and spread ones.
    if (i === 3) return model.log ? Math.exp(mid) : mid;
    if (i % 17 === 5) return model.log ? Math.exp(mid) : mid;
    const r = rng.random();
    const u = r < 0.5 ? 0.3 + 0.01 * rng.normal(0, 1) : r < 0.7 ? 0.8 + 0.002 * rng.random() : rng.random();
    const y = model.low + Math.min(1, Math.max(0, u)) * (model.high - model.low);
    const v = model.log ? Math.exp(y) : y;
    return dist.kind === 'int' ? Math.min(dist.high, Math.max(dist.low, Math.round(v))) : Math.min(dist.high, Math.max(dist.low, v));
  });
}

/**
 * Trial n's observation joins `density` (`included`: the trials it holds); every `leaveEvery`
 * trials one leaves from mid-history (it joined the good group), and every `returnEvery` it comes
 * back.
 */
function churn(
  density: IncrementalAboveDensity,
  hist: number[],
  included: number[],
  n: number,
  rng: Rng,
  leaveEvery: number,
  returnEvery: number,
): void {
  density.append([hist[n]], [n], [n]);
  included.push(n);
  if (n % leaveEvery !== 0) return;
  const i = included[rng.int(0, included.length - 40)];
  assert.ok(density.removeOlder(i));
  included.splice(included.indexOf(i), 1);
  if (n % returnEvery === 0) {
    density.insertOlder(hist[i], i, i, included.filter((j) => j < i).length);
    included.push(i);
  }
}

/** The density of trials `order` (ascending values; trial i has value hist[i], time rank i); `uniform` as for the density. */
function buildFrom(
  model: ReturnType<typeof paramModel> & { kind: 'numeric' },
  params: Parameters<typeof IncrementalAboveDensity.build>[1],
  hist: number[],
  order: number[],
  uniform = false,
): IncrementalAboveDensity {
  const ranks = Int32Array.from(order);
  return IncrementalAboveDensity.build(
    model,
    params,
    Float64Array.from(order, (i) => hist[i]),
    Float64Array.from(order),
    ranks,
    ranks,
    uniform,
  );
}

/**
 * The parameters a seeded two-objective TPE study (Binh and Korn's problem) proposes, by its
 * incremental paths or from scratch; `logY`: the second parameter on a log scale.
 */
async function binhKornParams(incremental: boolean, seed: number, nTrials: number, logY: boolean) {
  const sampler = new TPESampler({ seed });
  const study = await createStudy({
    directions: ['minimize', 'minimize'],
    sampler: incremental ? sampler : useFromScratchPaths(sampler),
  });
  await study.optimize(
    (t: Trial) => {
      const x = t.suggestFloat('x', 0, 5);
      const y = logY ? t.suggestFloat('y', 1e-3, 3, { log: true }) : t.suggestFloat('y', 0, 3);
      return [4 * x * x + 4 * y * y, (x - 5) ** 2 + (y - 5) ** 2];
    },
    { nTrials, showProgressBar: false },
  );
  return study.trials.map((t) => t.params);
}

/**
 * `binhKornParams` by the incremental paths, checked bit-identical to the from-scratch path's, and
 * how many calls of each method succeeded (returned true) along the incremental run.
 */
async function binhKornCountingSuccesses(
  methods: ReadonlyArray<{ target: object; name: string }>,
  seed: number,
  nTrials: number,
  logY: boolean,
): Promise<number[]> {
  const done = (result: unknown) => result === true;
  const { result: incremental, calls } = await countingEach(
    methods.map((m) => ({ ...m, counts: done })),
    () => binhKornParams(true, seed, nTrials, logY),
  );
  assert.deepEqual(incremental, await binhKornParams(false, seed, nTrials, logY));
  return calls;
}

/**
 * `count` draws on [0, 1] (seed `seed`) and a builder of the density of the first `size` of them
 * (Optuna's default parameters), for the tests of what a density refuses.
 */
function uniformDensity(count: number, size: number, seed: number) {
  const dist = floatDistribution(0, 1);
  const model = paramModel(dist);
  if (model.kind !== 'numeric') throw new Error('numeric expected');
  const params = { priorWeight: 1, considerMagicClip: true, considerEndpoints: false, weights: defaultWeights };
  const hist = history(dist, count, new Rng(seed));
  const order = Array.from({ length: size }, (_, i) => i).sort((a, b) => hist[a] - hist[b] || a - b);
  return { hist, build: () => buildFrom(model, params, hist, order) };
}

describe('IncrementalAboveDensity', () => {
  it('equals the from-scratch density after every kind of insertion and removal, to 1e-12 in log density', () => {
    const rng = new Rng(7);
    for (const dist of [floatDistribution(-5, 10), floatDistribution(1e-4, 10, { log: true })]) {
      const model = paramModel(dist);
      if (model.kind !== 'numeric') throw new Error('numeric expected');
      const hist = history(dist, 1500, rng);
      for (const [considerEndpoints, priorWeight] of [
        [false, 1],
        [true, 2.5],
      ] as const) {
        const params = { priorWeight, considerMagicClip: true, considerEndpoints, weights: defaultWeights };
        const start = 120;
        const order = Array.from({ length: start }, (_, i) => i).sort((a, b) => hist[a] - hist[b] || a - b);
        const inc = buildFrom(model, params, hist, order);
        let n = start;
        const included = order.slice();
        // Some observations arrive late (as trials displaced from the good group do): they join
        // with their time rank among the present ones, shifting the later ranks.
        const late: number[] = [];
        const back: number[] = [];
        const xs = Float64Array.from({ length: 64 }, (_, i) => {
          const y = i < 8 ? model.low + (i / 7) * (model.high - model.low) : model.low + rng.random() * (model.high - model.low);
          return Math.min(dist.high, Math.max(dist.low, model.log ? Math.exp(y) : y));
        });
        while (n < hist.length) {
          // Batches of 1 to 3 newer trials, as when a parameter is not suggested in every trial.
          const k = Math.min(hist.length - n, 1 + (n % 3));
          const idx = Array.from({ length: k }, (_, j) => n + j).filter((i) => {
            if (i % 41 !== 7) return true;
            late.push(i);
            return false;
          });
          inc.append(
            idx.map((i) => hist[i]),
            idx,
            idx,
          );
          included.push(...idx);
          n += k;
          if (late.length > 0 && late[0] < n - 30) {
            const i = late.shift()!;
            inc.insertOlder(hist[i], i, i, included.filter((j) => j < i).length);
            included.push(i);
          }
          // Now and then an observation leaves (it joined the good group), oldest, newest or between;
          // once a run of 40 neighbours in value leaves, emptying whole chunks.
          if (n % 53 < 3) {
            const at = n % 53 === 0 ? 0 : n % 53 === 1 ? included.length - 1 : rng.int(0, included.length - 1);
            const byTime = [...included].sort((a, b) => a - b);
            const i = at === 0 ? byTime[0] : at === included.length - 1 ? byTime[byTime.length - 1] : included[at];
            assert.ok(inc.removeOlder(i));
            included.splice(included.indexOf(i), 1);
            if (at === 0) back.push(i);
          }
          // The oldest ones come back (their ranks are the first: every later rank shifts).
          if (n % 53 === 20 && back.length > 0) {
            const i = back.shift()!;
            inc.insertOlder(hist[i], i, i, included.filter((j) => j < i).length);
            included.push(i);
          }
          if (n >= 800 && n < 803) {
            const byValue = [...included].sort((a, b) => hist[a] - hist[b] || a - b);
            for (const i of byValue.slice(100, 140)) {
              assert.ok(inc.removeOlder(i));
              included.splice(included.indexOf(i), 1);
            }
          }
          if (n % 97 > 2 && n < hist.length) continue;
          const want = reference(model, hist, included, params).logPdf([xs]);
          const got = inc.logPdf([xs]);
          for (let i = 0; i < xs.length; i++) {
            assert.ok(Math.abs(got[i] - want[i]) < 1e-12, `${JSON.stringify(dist)} n=${n} x=${xs[i]}: ${got[i]} vs ${want[i]}`);
          }
        }
      }
    }
  });
});

/**
 * Asks and tells `nTrials` trials one at a time, but holds the trial asked at step `hold` of every
 * `period` and tells it at step `release` of the period, after the trials asked since: trials then
 * finish out of order, and the good group moves by more than the newest trial.
 */
async function optimizeHoldingSome(
  study: Awaited<ReturnType<typeof createStudy>>,
  f: (t: Trial) => number[],
  nTrials: number,
  { period, hold, release }: { period: number; hold: number; release: number },
): Promise<void> {
  let held: Trial | null = null;
  for (let i = 0; i < nTrials; i++) {
    const t = await study.ask();
    if (i % period === hold) {
      held = t;
      continue;
    }
    await study.tell(t, f(t));
    if (held && i % period === release) {
      await study.tell(held, f(held));
      held = null;
    }
  }
}

describe('IncrementalAboveDensity of a discrete parameter', () => {
  it('scores cells as the from-scratch estimator does, to the bit, and chooses what its argmax chooses, through insertions and removals', async () => {
    // An integer whose cells are wider than the clip's floor, a log integer whose cells are
    // narrower over most of its range (the from-scratch masses take those by Simpson's rule, and all
    // through an erfc fit good to about 1e-7, which the cells' sums do not: the candidates close to
    // the best are scored again), a stepped float, an integer of more values than `ValueSums` keeps
    // (the runs from a pass over the kernels), and a stepped float whose values come in two
    // roundings (3 * 0.1 and 3 / 10: two means at one grid value, which `ValueSums` refuses).
    const dists = [
      intDistribution(1, 64),
      intDistribution(16, 1024, { log: true }),
      floatDistribution(0, 10, { step: 0.01 }),
      intDistribution(0, 5000),
      floatDistribution(0, 1, { step: 0.1 }),
    ] as const;
    const checkEach = () => {
      for (const dist of dists) {
        const rng = new Rng(5);
        const model = paramModel(dist);
        if (model.kind !== 'numeric') throw new Error('numeric expected');
        const params = { priorWeight: 1, considerMagicClip: true, considerEndpoints: false, weights: defaultWeights };
        const twoRoundings = dist.step === 0.1;
        const snap = (v: number) => {
          const k = Math.round((v - dist.low) / (dist.step ?? 1));
          const x = twoRoundings && rng.random() < 0.5 ? k / 10 + dist.low : k * (dist.step ?? 1) + dist.low;
          return Math.min(dist.high, Math.max(dist.low, x));
        };
        const centre = dist.log ? 300 : dist.low + 0.3 * (dist.high - dist.low);
        // Crowded about one value (many ties), the rest anywhere, some on the bounds.
        const hist = Array.from({ length: 900 }, () => {
          const u = rng.random();
          if (u < 0.05) return u < 0.03 ? dist.low : dist.high;
          if (u < 0.75)
            return snap(dist.log ? centre * Math.exp(0.2 * rng.normal()) : centre + 0.04 * (dist.high - dist.low) * rng.normal());
          return snap(dist.log ? Math.exp(rng.uniform(Math.log(dist.low), Math.log(dist.high))) : rng.uniform(dist.low, dist.high));
        });
        const start = 150;
        const included = Array.from({ length: start }, (_, i) => i);
        const order = [...included].sort((a, b) => hist[a] - hist[b] || a - b);
        const inc = buildFrom(model, params, hist, order);
        let near = 0;
        for (let n = start; n < hist.length; n++) {
          churn(inc, hist, included, n, rng, 7, 21);
          if (n % 50 !== 0) continue;
          const ref = reference(model, hist, included, params);
          const xs = Float64Array.from({ length: 24 }, (_, s) => (s < 16 ? hist[rng.int(0, n)] : snap(rng.uniform(dist.low, dist.high))));
          const want = ref.logPdf([xs]);
          const got = inc.logPdf([xs]);
          for (let s = 0; s < xs.length; s++) assert.equal(got[s], want[s], `${JSON.stringify(dist)} n=${n} x=${xs[s]}`);
          // Scores within a hair of each other (l close to g, as where TPE has converged: the cells'
          // sums cannot tell them apart, the runs' sums can down to about 1e-12), equal scores, and
          // equal values: the first of the best, as the argmax picks it.
          for (const spread of [1e-2, 1e-5, 1e-7, 1e-10, 1e-13, 0]) {
            const logL = Float64Array.from(want, (g) => g + spread * rng.random());
            let best = 0;
            for (let s = 1; s < xs.length; s++) if (logL[s] - want[s] > logL[best] - want[best]) best = s;
            assert.equal(inc.bestRatio([xs], logL, new Float64Array(xs.length)), best, `${JSON.stringify(dist)} n=${n}, spread ${spread}`);
            if (spread === 1e-5) near++;
          }
        }
        assert.ok(near >= 10, `${near} choices among close scores`);
      }
    };
    // Kernels `ValueSums` refused (a second mean at a value): the density then sums its runs by a pass.
    const { calls: refused } = await countingCalls(
      ValueSums.prototype,
      'add',
      () => checkEach(),
      (added) => added === false,
    );
    assert.ok(refused > 0, 'the two roundings met');
  });

  it('a good group of several objectives (uniform weights) gives the from-scratch log l: to the bit, or by runs within its margin, the choice the exact one', () => {
    const dists = [
      intDistribution(1, 64),
      intDistribution(16, 1024, { log: true }),
      intDistribution(0, 5000),
      floatDistribution(0, 1, { step: 0.1 }),
    ] as const;
    let decided = 0;
    for (const dist of dists) {
      const rng = new Rng(11);
      const model = paramModel(dist);
      if (model.kind !== 'numeric') throw new Error('numeric expected');
      const params = { priorWeight: 1, considerMagicClip: true, considerEndpoints: false, weights: defaultWeights };
      const step = dist.step ?? 1;
      // Two roundings of a stepped float's values (3 * 0.1 and 3 / 10), as in the test above.
      const snap = (v: number) => {
        const k = Math.round((v - dist.low) / step);
        const x = step === 0.1 && rng.random() < 0.5 ? k / 10 + dist.low : k * step + dist.low;
        return Math.min(dist.high, Math.max(dist.low, x));
      };
      const hist = Array.from({ length: 600 }, () =>
        snap(rng.random() < 0.7 ? dist.low + (0.3 + 0.03 * rng.normal()) * (dist.high - dist.low) : rng.uniform(dist.low, dist.high)),
      );
      const included = Array.from({ length: 150 }, (_, i) => i);
      const order = [...included].sort((a, b) => hist[a] - hist[b] || a - b);
      const below = buildFrom(model, params, hist, order, true);
      for (let n = 150; n < hist.length; n++) {
        churn(below, hist, included, n, rng, 5, 15);
        if (n % 50 !== 0) continue;
        // The from-scratch good group's estimator: its trials in number order, each weighing 1.
        const numbers = [...included].sort((a, b) => a - b);
        const ref: ParzenEstimator = new ParzenEstimator(
          [Float64Array.from(numbers, (i) => hist[i])],
          [model],
          params,
          new Float64Array(numbers.length).fill(1),
        );
        const xs = Float64Array.from({ length: 24 }, (_, s) =>
          s < 12 ? hist[numbers[rng.int(0, numbers.length)]] : snap(rng.uniform(dist.low, dist.high)),
        );
        const want: Float64Array = ref.logPdf([xs]);
        const exact = below.exactUniformLogPdfs(numbers, new Set(xs));
        const { logs, margin } = below.roughLogPdfs(new Set(xs));
        assert.ok(margin > 0 && margin < 1e-10, `margin ${margin}`);
        for (let s = 0; s < xs.length; s++) {
          assert.equal(exact.get(xs[s]), want[s], `${JSON.stringify(dist)} n=${n} x=${xs[s]}`);
          assert.ok(
            Math.abs(logs.get(xs[s])! - want[s]) <= margin,
            `${JSON.stringify(dist)} n=${n} x=${xs[s]}: runs off by ${logs.get(xs[s])! - want[s]}`,
          );
        }
        // A choice from a rough log l (each value's off by up to the margin, one way or the other)
        // is the one the exact log l makes, among scores a hair apart or tied: an above density
        // of the same trials, and log l made to lie that close to its log g.
        const byValue = [...numbers].sort((a, b) => hist[a] - hist[b] || a - b);
        const rankOf = new Map(numbers.map((i, r) => [i, r]));
        const above = IncrementalAboveDensity.build(
          model,
          params,
          Float64Array.from(byValue, (i) => hist[i]),
          Float64Array.from(byValue),
          Int32Array.from(byValue),
          Int32Array.from(byValue, (i) => rankOf.get(i)!),
        );
        const logG = reference(model, hist, included, params).logPdf([xs]);
        for (const spread of [1e-5, 1e-9, 1e-11, 1e-12, 0]) {
          const trueL = new Map<number, number>();
          const roughL = new Map<number, number>();
          xs.forEach((x, s) => {
            if (trueL.has(x)) return;
            trueL.set(x, logG[s] + spread * rng.random());
            roughL.set(x, trueL.get(x)! + (rng.random() < 0.5 ? -1 : 1) * margin * rng.random());
          });
          let best = 0;
          for (let s = 1; s < xs.length; s++) if (trueL.get(xs[s])! - logG[s] > trueL.get(xs[best])! - logG[best]) best = s;
          const rough = { margin, exactLogPdfs: (values: ReadonlySet<number>) => new Map([...values].map((x) => [x, trueL.get(x)!])) };
          const got = above.bestRatio(
            [xs],
            Float64Array.from(xs, (x) => roughL.get(x)!),
            new Float64Array(xs.length),
            rough,
          );
          assert.equal(got, best, `${JSON.stringify(dist)} n=${n}, spread ${spread}`);
          decided++;
        }
      }
    }
    assert.ok(decided >= 180, `${decided} choices`);
  });

  it('a seeded two-objective study over integers proposes the same parameters with it as from scratch', async () => {
    // Multi-objective TPE samples each parameter on its own: the integers' g are the cells' sums.
    const run = async (incremental: boolean) => {
      const sampler = new TPESampler({ seed: 9 });
      const study = await createStudy({ directions: ['minimize', 'minimize'], sampler: paths(sampler, incremental) });
      await study.optimize(
        (t: Trial) => {
          const x = t.suggestFloat('x', 0, 5);
          const layers = t.suggestInt('layers', 1, 64);
          const units = t.suggestInt('units', 16, 1024, { log: true });
          return [4 * x * x + (layers - 20) ** 2 / 100 + Math.log2(units), (x - 5) ** 2 + layers / 10 + (10 - Math.log2(units)) ** 2];
        },
        { nTrials: 1100, showProgressBar: false },
      );
      return study.trials.map((t) => t.params);
    };
    // The cells' masses of the integers' candidate values, the runs' sums of the values close to
    // the best, and (past trial 980, where the good group holds 98 trials) the good group's density
    // kept across trials, its candidates scored by runs (private methods: reached through the
    // prototypes).
    const cells = IncrementalAboveDensity.prototype as unknown as { massAt: () => number; runLogSums: () => Map<number, number> };
    const counted = await countingCalls(cells, 'massAt', () =>
      countingCalls(cells, 'runLogSums', () => countingCalls(IncrementalBelow.prototype, 'roughLogPdf', () => run(true))),
    );
    const { result: byRuns, calls: runSums } = counted.result;
    const { result: incremental, calls: rough } = byRuns;
    assert.ok(counted.calls >= 4000, `the cells scored ${counted.calls} values`);
    assert.ok(runSums >= 300, `the runs scored ${runSums} sets of close values`);
    assert.ok(rough >= 150, `${rough} good groups' densities scored by runs`);
    assert.deepEqual(incremental, await run(false));
  });
});

describe('IncrementalAboveDensity.moveMany', () => {
  it('equals the from-scratch density after many trials leave and come back at once, to 1e-12 in log density', () => {
    const rng = new Rng(12);
    for (const dist of [floatDistribution(-5, 10), floatDistribution(1e-4, 10, { log: true }), intDistribution(0, 40)]) {
      const model = paramModel(dist);
      if (model.kind !== 'numeric') throw new Error('numeric expected');
      const hist = history(dist, 900, rng);
      const params = { priorWeight: 1, considerMagicClip: true, considerEndpoints: false, weights: defaultWeights };
      const start = 400;
      const order = Array.from({ length: start }, (_, i) => i).sort((a, b) => hist[a] - hist[b] || a - b);
      const inc = buildFrom(model, params, hist, order);
      const included = new Set(order);
      const out: number[] = [];
      const xs = Float64Array.from({ length: 48 }, (_, i) => {
        const y = i < 8 ? model.low + (i / 7) * (model.high - model.low) : model.low + rng.random() * (model.high - model.low);
        return Math.min(dist.high, Math.max(dist.low, model.log ? Math.exp(y) : y));
      });
      for (let n = start, round = 0; n < hist.length; n += 50, round++) {
        const fresh = Array.from({ length: 50 }, (_, j) => n + j);
        inc.append(
          fresh.map((i) => hist[i]),
          fresh,
          fresh,
        );
        for (const i of fresh) included.add(i);
        // Many leave at once: the oldest, a run of neighbours in value (whole chunks) and some
        // anywhere; those out from the round before come back in the same batch.
        const byTime = [...included].sort((a, b) => a - b);
        const byValue = [...included].sort((a, b) => hist[a] - hist[b] || a - b);
        const leaving = new Set([byTime[0], ...byValue.slice(40 + round, 80 + round)]);
        while (leaving.size < 70) leaving.add(byTime[rng.int(0, byTime.length - 30)]);
        const left = [...leaving];
        const back = out.splice(0, out.length);
        assert.ok(
          inc.moveMany(
            left,
            back.map((i) => hist[i]),
            back,
            back,
          ),
        );
        for (const i of left) included.delete(i);
        for (const i of back) included.add(i);
        out.push(...left);
        assert.equal(inc.size, included.size);
        const want = reference(model, hist, [...included], params).logPdf([xs]);
        const got = inc.logPdf([xs]);
        for (let i = 0; i < xs.length; i++) {
          assert.ok(Math.abs(got[i] - want[i]) < 1e-12, `${JSON.stringify(dist)} n=${n} x=${xs[i]}: ${got[i]} vs ${want[i]}`);
        }
      }
    }
  });

  it('refuses, changing nothing, a trial it does not hold or moves that would leave fewer than 98', () => {
    const { hist, build } = uniformDensity(120, 110, 9);
    const inc = build();
    const xs = Float64Array.from({ length: 9 }, (_, i) => i / 8);
    const before = inc.logPdf([xs]);
    assert.equal(inc.moveMany([3, 500], [hist[115]], [115], [115]), false);
    // Thirteen leaving would leave 97 (the newcomers join after the removals, as one by one).
    const twelve = Array.from({ length: 13 }, (_, i) => 5 * i);
    assert.equal(inc.moveMany(twelve, [hist[115]], [115], [115]), false);
    assert.equal(inc.size, 110);
    assert.deepEqual(inc.logPdf([xs]), before);
    assert.ok(inc.moveMany(twelve.slice(1), [hist[115]], [115], [115]));
    assert.equal(inc.size, 99);
  });
});

describe('IncrementalAboveDensity.removeOlder', () => {
  it('refuses, changing nothing, a trial it does not hold or a removal that would leave fewer than 98', () => {
    const { build } = uniformDensity(99, 99, 8);
    const inc = build();
    const xs = Float64Array.from({ length: 9 }, (_, i) => i / 8);
    const before = inc.logPdf([xs]);
    assert.equal(inc.removeOlder(500), false);
    assert.ok(inc.removeOlder(40));
    assert.equal(inc.size, 98);
    assert.equal(inc.removeOlder(41), false);
    assert.equal(inc.size, 98);
    const fresh = build();
    assert.notDeepEqual(inc.logPdf([xs]), before);
    assert.ok(fresh.removeOlder(40));
    assert.deepEqual(inc.logPdf([xs]), fresh.logPdf([xs]));
  });
});

describe('TPESampler with the incremental above density', () => {
  const quiet = { showProgressBar: false, catch: [Error] };
  const params = async (objective: (t: Trial) => number, nTrials: number, incremental: boolean, multivariate = false) => {
    const sampler = new TPESampler({ seed: 3, multivariate });
    const study = await createStudy({ sampler: incremental ? sampler : useFromScratchPaths(sampler) });
    await study.optimize(objective, { nTrials, ...quiet });
    return study.trials.map((t) => ({ state: t.state, params: t.params }));
  };

  it('proposes bit-identical parameters to the from-scratch path (Branin, 700 trials)', async () => {
    const branin = (t: Trial) => {
      const x = t.suggestFloat('x', -5, 10);
      const y = t.suggestFloat('y', 0, 15);
      return (y - (5.1 / (4 * Math.PI ** 2)) * x * x + (5 / Math.PI) * x - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x) + 10;
    };
    // Univariate: each parameter's density follows good trials displaced far back into the bad
    // group by the split tracker's moves, rather than cutting the list back to them and reading the
    // rest again.
    const followedByMoves = AboveDensities.prototype as unknown as { applyMoves: () => boolean };
    const { result: incremental, calls: moves } = await countingCalls(
      followedByMoves,
      'applyMoves',
      () => params(branin, 700, true),
      (done) => done === true,
    );
    assert.ok(moves > 50, `${moves} lists followed by the moves`);
    assert.deepEqual(incremental, await params(branin, 700, false));
  });

  it('proposes bit-identical parameters in a two-objective study, whose good group takes trials from the bad one', async () => {
    // MOTPE (univariate): the good group is a tenth of the trials, growing, and chosen by
    // hypervolume, so trials leave the bad group mid-history; the density follows them.
    // Removals the density carried out (not refused), and the new good groups it followed by the
    // split tracker's moves rather than by comparing the lists.
    const [moves, removals] = await binhKornCountingSuccesses(
      [
        { target: AboveDensities.prototype, name: 'applyMoves' },
        { target: IncrementalAboveDensity.prototype, name: 'removeOlder' },
      ],
      4,
      400,
      false,
    );
    assert.ok(removals > 20, `${removals} removals`);
    assert.ok(moves > 20, `${moves} groups followed by the moves`);
  });

  it('proposes bit-identical parameters when trials finish out of order (ask/tell, maximize)', async () => {
    const run = async (incremental: boolean) => {
      const study = await createStudy({
        direction: 'maximize',
        sampler: paths(new TPESampler({ seed: 5, multivariate: false }), incremental),
      });
      const f = (t: Trial) => -((t.suggestFloat('x', -3, 3) - 1) ** 2) - Math.abs(Math.log(t.suggestFloat('c', 1e-3, 10, { log: true })));
      for (let i = 0; i < 400; i += 3) {
        // Three trials at a time, told newest first, as concurrent workers might finish them.
        const batch = [await study.ask(), await study.ask(), await study.ask()];
        for (const t of batch.reverse()) await study.tell(t, f(t));
      }
      return study.trials.map((t) => t.params);
    };
    assert.deepEqual(await run(true), await run(false));
  });

  it('proposes bit-identical parameters on a conditional space with pruned and failed trials', async () => {
    const objective = (t: Trial) => {
      const lr = t.suggestFloat('lr', 1e-5, 1e-1, { log: true });
      const units = t.suggestInt('units', 1, 256, { log: true });
      let v = (Math.log10(lr) + 3) ** 2 + Math.abs(Math.log(units) - 3);
      if (t.suggestCategorical('kind', ['a', 'b']) === 'a') v += (t.suggestFloat('wa', 0, 1) - 0.2) ** 2;
      if (t.number % 13 === 5) throw new Error('failed on purpose');
      if (t.number % 7 === 3 && v > 2) {
        t.report(v, 1);
        throw new TrialPruned();
      }
      return v;
    };
    assert.deepEqual(await params(objective, 500, true), await params(objective, 500, false));
  });

  it('default (multivariate) TPE: a conditional parameter outside the joint space gets bit-identical proposals', async () => {
    const objective = (t: Trial) => {
      const x = t.suggestFloat('x', -3, 3);
      if (t.suggestCategorical('kind', ['a', 'b']) === 'a') return (x - 1) ** 2 + (t.suggestFloat('wa', 0, 1) - 0.2) ** 2;
      return (x + 1) ** 2 + 0.5;
    };
    assert.deepEqual(await params(objective, 600, true, true), await params(objective, 600, false, true));
  });

  it('multivariate TPE: joint estimators from the sorted columns give bit-identical proposals (ties, out of order)', async () => {
    const run = async (incremental: boolean) => {
      // Without constant liar, so the held trials below do not send every joint estimator to the
      // from-scratch path (running trials' values are not in the sorted columns).
      const opts = { seed: 9, constantLiar: false };
      const study = await createStudy({ sampler: paths(new TPESampler(opts), incremental) });
      // An int with few values (many ties) and a log float. Some trials stay running while newer
      // ones finish, so the columns see their values last: equal values then sit in the sorted
      // column in another order than the trials' numbers, which the positions must undo.
      const f = (t: Trial) => (t.suggestInt('n', 0, 12) - 4) ** 2 + Math.abs(Math.log10(t.suggestFloat('lr', 1e-4, 1, { log: true })) + 2);
      const held: Array<{ t: Trial; v: number; until: number }> = [];
      for (let i = 0; i < 400; i++) {
        const t = await study.ask();
        const v = f(t);
        if (i % 9 === 4) held.push({ t, v, until: i + 12 });
        else await study.tell(t, v);
        while (held.length > 0 && held[0].until <= i) {
          const h = held.shift()!;
          await study.tell(h.t, h.v);
        }
      }
      return study.trials.map((t) => t.params);
    };
    assert.deepEqual(await run(true), await run(false));
  });
});

describe('TPESampler with several objectives: the good group estimator kept across trials', () => {
  it("an integer's good group, with the bad group's weights the user's (its density then from scratch): its log densities to the bit", async () => {
    // Other weights than Optuna's keep the bad group's density from scratch, so the kept good
    // group's log densities feed a plain argmax: they must be the from-scratch ones exactly.
    const run = async (incremental: boolean) => {
      const weights = (n: number) => Float64Array.from({ length: n }, (_, i) => 1 + i / n);
      const sampler = new TPESampler({ seed: 5, weights });
      const study = await createStudy({ directions: ['minimize', 'minimize'], sampler: paths(sampler, incremental) });
      await study.optimize(
        (t: Trial) => {
          const x = t.suggestFloat('x', 0, 5);
          const layers = t.suggestInt('layers', 1, 64);
          return [4 * x * x + (layers - 20) ** 2 / 100, (x - 5) ** 2 + layers / 10];
        },
        { nTrials: 1150, showProgressBar: false },
      );
      return study.trials.map((t) => t.params);
    };
    const { result: incremental, calls } = await countingCalls(IncrementalAboveDensity.prototype, 'exactUniformLogPdfs', () => run(true));
    assert.ok(calls > 100, `${calls} good groups' log densities from the kept density`);
    assert.deepEqual(incremental, await run(false));
  });

  it('proposes bit-identical parameters to the from-scratch path once the good group holds 98 trials', async () => {
    // Gamma is a tenth of the trials with several objectives: from about trial 980 on, each
    // continuous parameter's good trials are followed by an IncrementalBelow.
    // And the above densities now and then take many moves between the groups at once.
    const [batches, followed] = await binhKornCountingSuccesses(
      [
        { target: IncrementalAboveDensity.prototype, name: 'moveMany' },
        { target: IncrementalBelow.prototype, name: 'sync' },
      ],
      6,
      1300,
      true,
    );
    assert.ok(followed > 400, `${followed} proposals from the kept estimators`);
    assert.ok(batches > 0, `${batches} batches of moves`);
  });

  it('follows the good group by trial number when trials finish out of order', async () => {
    // Now and then a trial is told after the seven asked after it: the split tracker then starts
    // over, and its indices denote other trials than before.
    const run = async (incremental: boolean) => {
      const study = await createStudy({ directions: ['minimize', 'minimize'], sampler: paths(new TPESampler({ seed: 8 }), incremental) });
      const f = (t: Trial) => {
        const x = t.suggestFloat('x', 0, 5);
        const y = t.suggestFloat('y', 0, 3);
        return [4 * x * x + 4 * y * y, (x - 5) ** 2 + (y - 5) ** 2];
      };
      await optimizeHoldingSome(study, f, 1150, { period: 50, hold: 20, release: 27 });
      return study.trials.map((t) => t.params);
    };
    const { result: incremental, calls: followed } = await countingCalls(
      IncrementalBelow.prototype,
      'sync',
      () => run(true),
      (kept) => kept === true,
    );
    assert.ok(followed > 200, `${followed} proposals from the kept estimators`);
    assert.deepEqual(incremental, await run(false));
  });
});

describe('TPESampler with trials running (constant liar): the above density kept across trials', () => {
  it('holds the running trials and proposes bit-identical parameters to the from-scratch path (ties included)', async () => {
    // Four trials always open, a random one told each step (so trials finish after newer ones), and
    // now and then an enqueued x of 1.5 (equal values, running and finished). Several objectives:
    // each parameter is sampled on its own, from its own kept density.
    const run = async (incremental: boolean) => {
      const rng = new Rng(3);
      const study = await createStudy({ directions: ['minimize', 'minimize'], sampler: paths(new TPESampler({ seed: 4 }), incremental) });
      const open: Array<[Trial, number[]]> = [];
      for (let i = 0; i < 900; i++) {
        if (i % 23 === 7) await study.enqueueTrial({ x: 1.5 });
        const t = await study.ask();
        const x = t.suggestFloat('x', 0, 5);
        const y = t.suggestFloat('y', 0, 3);
        open.push([t, [4 * x * x + 4 * y * y, (x - 5) ** 2 + (y - 5) ** 2]]);
        if (open.length === 4) await study.tell(...open.splice(rng.int(0, 3), 1)[0]);
      }
      return study.trials.map((t) => t.params);
    };
    const { result: incremental, calls } = await countingCalls(IncrementalAboveDensity.prototype, 'logPdf', () => run(true));
    // Every proposal past the first few hundred trials sees three other trials running.
    assert.ok(calls > 600, `${calls} densities from the kept estimators`);
    assert.deepEqual(incremental, await run(false));
  });
});

describe("TPESampler: a categorical parameter's above density from the list kept across trials", () => {
  /** Proposals, with how often the kept density (`CategoricalAbove`) made the choice. */
  const counted = (run: () => Promise<unknown>) => countingCalls(CategoricalAbove.prototype, 'bestRatio', run);

  it('chooses what an argmax over the from-scratch mixture chooses, among scores a hair apart or tied, forming the mixture only for those', async () => {
    const params = { priorWeight: 1, considerMagicClip: true, considerEndpoints: false, weights: defaultWeights };
    const rng = new Rng(4);
    let checked = 0;
    const { calls: mixtures } = await countingCalls(
      CategoricalAbove.prototype as unknown as { mixture: () => Float64Array },
      'mixture',
      async () => {
        for (const [choices, n] of [
          [2, 30],
          [5, 600],
          [5, 3000],
          [12, 1500],
        ] as const) {
          // Choices drawn unevenly; a twelve-way choice leaves some never chosen (exact ties).
          const values = Float64Array.from({ length: n }, () => Math.min(choices - 1, Math.floor(choices * rng.random() ** 2)));
          const exact = new CategoricalAbove(choices, params);
          exact.sync(values, n);
          const logG = exact.logPdf([Float64Array.from({ length: choices }, (_, c) => c)]);
          for (const spread of [1e-2, 1e-9, 1e-12, 1e-14, 0]) {
            const logLOf = Float64Array.from(logG, (g) => g + spread * rng.random());
            const xs = Float64Array.from({ length: 24 }, () => rng.int(0, choices - 1));
            const logL = Float64Array.from(xs, (x) => logLOf[x]);
            const want = argmaxRatio(
              logL,
              Float64Array.from(xs, (x) => logG[x]),
            );
            const density = new CategoricalAbove(choices, params);
            density.sync(values, n);
            assert.equal(
              density.bestRatio([xs], logL, new Float64Array(xs.length)),
              want,
              `${choices} choices, n = ${n}, spread ${spread}`,
            );
            checked++;
          }
        }
      },
    );
    assert.equal(checked, 20);
    // The four exact densities' mixtures, and some (ties), not all, of the twenty choices'.
    assert.ok(mixtures > 4 && mixtures < 20, `${mixtures} mixtures formed`);
  });

  it('two objectives, trials told out of order: bit-identical proposals to the from-scratch path', async () => {
    const run = async (incremental: boolean) => {
      const study = await createStudy({ directions: ['minimize', 'minimize'], sampler: paths(new TPESampler({ seed: 2 }), incremental) });
      const shift = { a: 0, b: 1.5, c: 0.4, d: 3, e: 0.9 } as const;
      const f = (t: Trial) => {
        const x = t.suggestFloat('x', 0, 5);
        const k = shift[t.suggestCategorical('k', ['a', 'b', 'c', 'd', 'e'] as const)];
        return [4 * x * x + k, (x - 5) ** 2 + (3 - k) ** 2];
      };
      // Now and then a trial is told after the five asked after it.
      await optimizeHoldingSome(study, f, 1100, { period: 40, hold: 10, release: 15 });
      return study.trials.map((t) => t.params);
    };
    const { result: incremental, calls } = await counted(() => run(true));
    assert.ok(calls > 900, `${calls} proposals from the kept density`);
    assert.deepEqual(incremental, await run(false));
  });

  it('univariate TPE with trials running (constant liar) and a conditional choice: bit-identical proposals', async () => {
    const run = async (incremental: boolean) => {
      const sampler = new TPESampler({ seed: 6, multivariate: false, constantLiar: true });
      const study = await createStudy({ sampler: paths(sampler, incremental) });
      const f = (t: Trial) => {
        const x = t.suggestFloat('x', -3, 3);
        const opt = t.suggestCategorical('opt', ['sgd', 'adam', 'rmsprop']);
        // A choice only some trials have.
        const act = x > 0 ? t.suggestCategorical('act', ['relu', 'tanh']) : 'none';
        return (x - 1) ** 2 + (opt === 'adam' ? 0 : 0.3) + (act === 'tanh' ? 0.2 : 0);
      };
      for (let i = 0; i < 300; i += 4) {
        // Four trials asked at a time (each later one sees the earlier ones running), told newest first.
        const batch = [await study.ask(), await study.ask(), await study.ask(), await study.ask()];
        const values = batch.map((t) => f(t));
        for (let j = batch.length - 1; j >= 0; j--) await study.tell(batch[j], values[j]);
      }
      return study.trials.map((t) => t.params);
    };
    const { result: incremental, calls } = await counted(() => run(true));
    assert.ok(calls > 300, `${calls} proposals from the kept density`);
    assert.deepEqual(incremental, await run(false));
  });
});
