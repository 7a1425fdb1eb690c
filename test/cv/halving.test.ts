/**
 * halvingGridSearchCV / halvingRandomSearchCV against scikit-learn 1.9's HalvingGridSearchCV /
 * HalvingRandomSearchCV (test/cv/sklearn_halving.py, the pinned env): the same schedule (iterations,
 * resources, candidates per iteration) over a table of settings, and, with a probe estimator whose
 * score is a known function of its parameters and resource, the same survivors in every iteration,
 * the same ranks and the same best candidate.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { halvingGridSearchCV, halvingRandomSearchCV, InvalidArgumentError, KFold } from '../../src';
import { halvingSchedule, type HalvingOptions, type HalvingSearchResult } from '../../src/entries/cv';
import type { Estimator, Matrix, Params, Vector } from '../../src/models/estimator';
import { python } from './python';

/** The same function as probe_score in sklearn_halving.py. */
function probeScore(a: number, b: number, n: number): number {
  return Math.sin(1.3 * a + 0.7 * b) + 0.25 * Math.cos(0.37 * a * b + 1.0) * Math.log(n);
}

interface ProbeParams extends Params {
  a: number;
  b: number;
  n_iter: number;
  usesParam: boolean;
}

/** Scores by probeScore of its params and its resource: the rows it was fit on, or its n_iter. */
class Probe implements Estimator<ProbeParams> {
  private nFit = 0;
  constructor(
    private readonly params: ProbeParams,
    readonly estimatorType: 'classifier' | 'regressor',
  ) {}
  getParams(): ProbeParams {
    return { ...this.params };
  }
  clone(params: Partial<ProbeParams> = {}): Probe {
    return new Probe({ ...this.params, ...params }, this.estimatorType);
  }
  async fit(X: Matrix): Promise<this> {
    this.nFit = X.length;
    return this;
  }
  predict(X: Matrix): number[] {
    const { a, b, n_iter, usesParam } = this.params;
    return X.map(() => probeScore(a, b, usesParam ? n_iter : this.nFit));
  }
  score(X: Matrix): number {
    return this.predict(X)[0];
  }
}
// The probe's predictions are its score.
const probeScoring = (_yTrue: Vector, yPred: Vector) => yPred[0];

interface Case {
  kind: 'grid' | 'random';
  nSamples: number;
  grid: Record<string, number[]>;
  factor: number;
  resource: 'n_samples' | 'n_iter';
  maxResources?: number;
  minResources: 'exhaust' | 'smallest' | number;
  aggressive: boolean;
  nSplits: number;
  classifier: boolean;
  nClasses?: number;
  nCandidates?: 'exhaust' | number;
}

interface Reference {
  error?: string;
  nIterations: number;
  nResources: number[];
  nCandidates: number[];
  nRemaining: number;
  nRequired: number;
  nPossible: number;
  minResources: number;
  maxResources: number;
  rows: { iter: number; nResources: number; params: Params; mean: number; rank: number }[];
  bestIndex: number;
  bestParams: Params;
  bestScore: number;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const grid = (na: number, nb: number) => ({ a: range(na).map((i) => 0.3 * i), b: range(nb).map((i) => 0.45 * i - 1) });

const base = { nSplits: 3, classifier: false, aggressive: false, resource: 'n_samples' as const };
const CASES: Case[] = [
  { ...base, kind: 'grid', nSamples: 100, grid: grid(3, 3), factor: 3, minResources: 'exhaust' },
  { ...base, kind: 'grid', nSamples: 1000, grid: grid(5, 4), factor: 3, minResources: 'exhaust' },
  { ...base, kind: 'grid', nSamples: 1000, grid: grid(5, 4), factor: 2, minResources: 'smallest' },
  { ...base, kind: 'grid', nSamples: 1000, grid: grid(10, 8), factor: 3, minResources: 'smallest' },
  { ...base, kind: 'grid', nSamples: 1000, grid: grid(10, 8), factor: 4, minResources: 'exhaust' },
  { ...base, kind: 'grid', nSamples: 200, grid: grid(10, 8), factor: 3, minResources: 40 },
  { ...base, kind: 'grid', nSamples: 200, grid: grid(10, 8), factor: 3, minResources: 40, aggressive: true },
  { ...base, kind: 'grid', nSamples: 300, grid: grid(9, 9), factor: 3, minResources: 'smallest', aggressive: true },
  // 243 = 3^5 candidates: floor(log(243, 3)) is 4 in Python (its log(3) is correctly rounded; V8's is one bit lower).
  { ...base, kind: 'grid', nSamples: 100, grid: grid(27, 9), factor: 3, minResources: 'smallest', aggressive: true },
  {
    ...base,
    kind: 'grid',
    nSamples: 30,
    grid: grid(9, 3),
    factor: 3,
    resource: 'n_iter',
    maxResources: 243,
    minResources: 'exhaust',
    aggressive: true,
  },
  { ...base, kind: 'grid', nSamples: 500, grid: grid(6, 5), factor: 1.5, minResources: 'smallest' },
  { ...base, kind: 'grid', nSamples: 500, grid: grid(6, 5), factor: 2.5, minResources: 'exhaust' },
  { ...base, kind: 'grid', nSamples: 90, grid: grid(2, 1), factor: 3, minResources: 'exhaust' },
  { ...base, kind: 'grid', nSamples: 400, grid: grid(7, 5), factor: 3, minResources: 'smallest', classifier: true, nClasses: 3 },
  { ...base, kind: 'grid', nSamples: 400, grid: grid(7, 5), factor: 2, minResources: 'exhaust', classifier: true, nClasses: 4, nSplits: 4 },
  { ...base, kind: 'grid', nSamples: 50, grid: grid(4, 4), factor: 3, minResources: 'smallest', aggressive: true, nSplits: 5 },
  { ...base, kind: 'grid', nSamples: 60, grid: grid(4, 4), factor: 3, minResources: 70 }, // min > max: both refuse
  { ...base, kind: 'grid', nSamples: 30, grid: grid(6, 4), factor: 3, resource: 'n_iter', maxResources: 81, minResources: 'exhaust' },
  { ...base, kind: 'grid', nSamples: 30, grid: grid(6, 4), factor: 3, resource: 'n_iter', maxResources: 81, minResources: 'smallest' },
  {
    ...base,
    kind: 'grid',
    nSamples: 30,
    grid: grid(6, 4),
    factor: 2,
    resource: 'n_iter',
    maxResources: 10,
    minResources: 'smallest',
    aggressive: true,
  },
  { ...base, kind: 'grid', nSamples: 30, grid: grid(9, 3), factor: 3, resource: 'n_iter', maxResources: 100, minResources: 4 },
  { ...base, kind: 'random', nSamples: 1000, grid: grid(30, 30), factor: 3, minResources: 'smallest', nCandidates: 'exhaust' },
  { ...base, kind: 'random', nSamples: 1000, grid: grid(30, 30), factor: 2, minResources: 'exhaust', nCandidates: 40 },
  { ...base, kind: 'random', nSamples: 500, grid: grid(30, 30), factor: 3, minResources: 20, nCandidates: 100, aggressive: true },
  {
    ...base,
    kind: 'random',
    nSamples: 30,
    grid: grid(30, 30),
    factor: 3,
    resource: 'n_iter',
    maxResources: 243,
    minResources: 3,
    nCandidates: 'exhaust',
  },
  {
    ...base,
    kind: 'random',
    nSamples: 600,
    grid: grid(30, 30),
    factor: 4,
    minResources: 'smallest',
    nCandidates: 'exhaust',
    classifier: true,
    nClasses: 2,
  },
  // Lists only and at least as many candidates as grid points: both searches take the whole grid (in their own random order).
  { ...base, kind: 'random', nSamples: 400, grid: grid(5, 4), factor: 3, minResources: 'smallest', nCandidates: 'exhaust' },
  { ...base, kind: 'random', nSamples: 300, grid: grid(6, 5), factor: 2, minResources: 'exhaust', nCandidates: 30 },
  {
    ...base,
    kind: 'random',
    nSamples: 30,
    grid: grid(7, 4),
    factor: 3,
    resource: 'n_iter',
    maxResources: 100,
    minResources: 'smallest',
    nCandidates: 50,
    aggressive: true,
  },
];

function options(c: Case): HalvingOptions & { nCandidates?: 'exhaust' | number } {
  return {
    factor: c.factor,
    resource: c.resource === 'n_samples' ? 'nSamples' : 'n_iter',
    maxResources: c.maxResources ?? 'auto',
    minResources: c.minResources,
    aggressiveElimination: c.aggressive,
    cv: new KFold({ nSplits: c.nSplits }),
    scoring: probeScoring,
    seed: 0,
    refit: true,
    ...(c.kind === 'random' ? { nCandidates: c.nCandidates } : {}),
  };
}

async function runTunelab(c: Case): Promise<HalvingSearchResult | Error> {
  const X = range(c.nSamples).map((i) => [i]);
  const y = range(c.nSamples).map((i) => i % (c.nClasses ?? 2));
  const model = new Probe({ a: 0, b: 0, n_iter: 1, usesParam: c.resource !== 'n_samples' }, c.classifier ? 'classifier' : 'regressor');
  try {
    return c.kind === 'grid'
      ? await halvingGridSearchCV(model, c.grid, X, y, options(c))
      : await halvingRandomSearchCV(model, c.grid, X, y, options(c));
  } catch (err) {
    return err as Error;
  }
}

const describeCase = (c: Case) =>
  `${c.kind} n=${c.nSamples} candidates=${c.kind === 'grid' ? c.grid.a.length * c.grid.b.length : c.nCandidates} factor=${c.factor} ` +
  `min=${c.minResources} max=${c.maxResources ?? 'auto'} aggressive=${c.aggressive} resource=${c.resource} ${c.classifier ? `classifier(${c.nClasses})` : 'regressor'} folds=${c.nSplits}`;

describe('successive halving (scikit-learn 1.9 HalvingGridSearchCV / HalvingRandomSearchCV)', () => {
  const references = python<Reference[]>(join(__dirname, 'sklearn_halving.py'), { cases: CASES });

  it('has scikit-learn’s schedule for every setting of the table', async () => {
    for (const [i, c] of CASES.entries()) {
      const ref = references[i];
      const ours = await runTunelab(c);
      const what = describeCase(c);
      if (ref.error !== undefined) {
        assert.ok(
          ours instanceof InvalidArgumentError,
          `${what}: scikit-learn refuses (${ref.error}); tunelab returned ${ours instanceof Error ? ours.message : 'a result'}`,
        );
        continue;
      }
      assert.ok(!(ours instanceof Error), `${what}: ${ours instanceof Error ? ours.stack : ''}`);
      const result = ours as HalvingSearchResult;
      assert.deepEqual(
        {
          nIterations: result.nIterations_,
          nResources: result.nResources_,
          nCandidates: result.nCandidates_,
          nRemaining: result.nRemainingCandidates_,
          nRequired: result.nRequiredIterations_,
          nPossible: result.nPossibleIterations_,
          minResources: result.minResources_,
          maxResources: result.maxResources_,
        },
        {
          nIterations: ref.nIterations,
          nResources: ref.nResources,
          nCandidates: ref.nCandidates,
          nRemaining: ref.nRemaining,
          nRequired: ref.nRequired,
          nPossible: ref.nPossible,
          minResources: ref.minResources,
          maxResources: ref.maxResources,
        },
        what,
      );
      // The arithmetic alone, from the first resource scikit-learn resolved ('exhaust' adjusts it, so not those).
      if (c.minResources !== 'exhaust') {
        const schedule = halvingSchedule({
          nCandidates: ref.nCandidates[0],
          factor: c.factor,
          minResources: ref.minResources,
          maxResources: ref.maxResources,
          exhaust: false,
          aggressiveElimination: c.aggressive,
        });
        assert.deepEqual([schedule.nIterations, schedule.resources], [ref.nIterations, ref.nResources], `${what}: halvingSchedule`);
      }
      assert.deepEqual(
        result.cvResults.map((r) => [r.iter, r.nResources]),
        ref.rows.map((r) => [r.iter, r.nResources]),
        `${what}: iter and nResources columns`,
      );
    }
  });

  it('keeps the same survivors in every iteration, ranks and picks the best as scikit-learn does (same scores)', async () => {
    let compared = 0;
    for (const [i, c] of CASES.entries()) {
      const ref = references[i];
      if (c.kind !== 'grid' || ref.error !== undefined) continue;
      const result = (await runTunelab(c)) as HalvingSearchResult;
      const what = describeCase(c);
      const survivors = (rows: { iter: number; params: Params }[]) =>
        range(ref.nIterations).map((itr) => rows.filter((r) => r.iter === itr).map((r) => JSON.stringify(r.params)));
      const theirs = survivors(ref.rows);
      const ours = survivors(result.cvResults);
      assert.deepEqual(ours, theirs, `${what}: candidates of each iteration, in scikit-learn's order`);
      result.cvResults.forEach((r, j) => {
        assert.ok(Math.abs(r.meanTestScore - ref.rows[j].mean) < 1e-12, `${what}: row ${j} mean ${r.meanTestScore} vs ${ref.rows[j].mean}`);
      });
      assert.deepEqual(
        result.cvResults.map((r) => r.rank),
        ref.rows.map((r) => r.rank),
        `${what}: rank_test_score`,
      );
      assert.deepEqual([result.bestIndex, result.bestParams], [ref.bestIndex, ref.bestParams], `${what}: best`);
      assert.ok(Math.abs(result.bestScore - ref.bestScore) < 1e-12);
      assert.ok(result.bestEstimator instanceof Probe, `${what}: refit`);
      assert.deepEqual(
        Object.fromEntries(Object.entries(result.bestEstimator.getParams()).filter(([k]) => k !== 'usesParam')),
        { a: 0, b: 0, n_iter: 1, ...ref.bestParams },
        `${what}: the refit estimator has the best params`,
      );
      compared++;
    }
    assert.ok(compared >= 15, `only ${compared} grid cases compared`);
  });

  it('halvingRandomSearchCV over a whole grid keeps scikit-learn’s survivors (first iteration in random order)', async () => {
    let compared = 0;
    for (const [i, c] of CASES.entries()) {
      const ref = references[i];
      const gridSize = c.grid.a.length * c.grid.b.length;
      if (c.kind !== 'random' || ref.error !== undefined || ref.nCandidates[0] !== gridSize) continue;
      const result = (await runTunelab(c)) as HalvingSearchResult;
      const what = describeCase(c);
      // sklearn's sampled dicts list their keys in reverse (ParameterGrid.__getitem__); the order of keys means nothing.
      const canonical = (p: Params) => JSON.stringify(Object.fromEntries(Object.entries(p).sort(([x], [y]) => (x < y ? -1 : 1))));
      const key = (r: { iter: number; params: Params }) => `${r.iter} ${canonical(r.params)}`;
      const perIter = (rows: { iter: number; params: Params }[]) =>
        range(ref.nIterations).map((itr) => rows.filter((r) => r.iter === itr).map((r) => canonical(r.params)));
      const [ours, theirs] = [perIter(result.cvResults), perIter(ref.rows)];
      assert.deepEqual([...ours[0]].sort(), [...theirs[0]].sort(), `${what}: the whole grid first`);
      // Survivors are ordered by score (worst first), so from the second iteration on the order is sklearn's too.
      assert.deepEqual(ours.slice(1), theirs.slice(1), `${what}: survivors`);
      const byKey = new Map(result.cvResults.map((r) => [key(r), r]));
      for (const row of ref.rows) {
        const mine = byKey.get(key(row))!;
        assert.ok(Math.abs(mine.meanTestScore - row.mean) < 1e-12 && mine.rank === row.rank, `${what}: ${key(row)}`);
      }
      assert.equal(canonical(result.bestParams), canonical(ref.bestParams), `${what}: best`);
      compared++;
    }
    assert.equal(compared, 3);
  });

  it('refuses bad settings with what to do', async () => {
    const X = range(60).map((i) => [i]);
    const y = range(60).map((i) => i % 2);
    const model = new Probe({ a: 0, b: 0, n_iter: 1, usesParam: true }, 'regressor');
    await assert.rejects(
      halvingGridSearchCV(model, { a: [1, 2] }, X, y, { resource: 'epochs', maxResources: 9 }),
      /not a parameter of the estimator/,
    );
    await assert.rejects(halvingGridSearchCV(model, { a: [1, 2] }, X, y, { resource: 'n_iter' }), /needs a numeric maxResources/);
    await assert.rejects(halvingGridSearchCV(model, { n_iter: [1, 2] }, X, y, { resource: 'n_iter', maxResources: 9 }), /also searched/);
    await assert.rejects(halvingRandomSearchCV(model, { a: [1, 2] }, X, y, { minResources: 'exhaust' }), /cannot both be 'exhaust'/);
    // scikit-learn accepts these and fails later (a division by zero; an empty result).
    for (const factor of [0, 0.5, 1]) {
      await assert.rejects(halvingGridSearchCV(model, { a: [1, 2] }, X, y, { factor }), /factor must be a number greater than 1/);
    }
    // scikit-learn: "Cannot sample 45 out of arrays with dim 30" from deep inside; tunelab says which option.
    await assert.rejects(
      halvingGridSearchCV(model, { a: [1, 2] }, X, y, { maxResources: 500 }),
      /maxResources \(500\) is more rows than X has \(60\)/,
    );
  });
});
