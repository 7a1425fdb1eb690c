// makeClassification / makeRegression / makeBlobs against scikit-learn 1.9 (the pinned env): the same
// parameters must mean the same thing. The random streams differ (tunelab's Rng, not numpy's), so the
// comparisons are of what the parameters control: class and cluster sizes (deterministic, compared
// exactly), the informative rank, linear separability, coefficient recovery, singular values, noise
// level and cluster spread. reference.py computes every statistic the same way on scikit-learn's data
// and on ours.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InvalidArgumentError, datasets, makeBlobs, makeClassification, makeRegression } from '../../src';
import { type MakeBlobsOptions, type MakeClassificationOptions, type MakeRegressionOptions } from '../../src/entries/data';
import { python } from '../cv/python';

const REF = join(__dirname, 'reference.py');

/** camelCase options -> scikit-learn's keyword arguments. */
const snake = (o: object): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const stdErr = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1) / xs.length);

interface ClassificationStats {
  shape: number[];
  counts: number[];
  rank: number;
  accuracy: number | null;
}
type Compared<S> = Array<{ sklearn: S[]; ours: S[]; feature_info?: string[][] }>;

describe('makeClassification matches scikit-learn 1.9 make_classification', () => {
  const cases: Array<{ params: Partial<MakeClassificationOptions>; seeds: number[]; accuracy?: boolean }> = [
    /* 0 */ { params: { nSamples: 1000, nClasses: 3, nInformative: 3, weights: [0.6, 0.3, 0.1], flipY: 0 }, seeds: [0] },
    /* 1 */ { params: { nSamples: 999, nClasses: 2, nInformative: 3, nClustersPerClass: 3, weights: [0.8], flipY: 0 }, seeds: [0] },
    /* 2 */ { params: { nSamples: 2000, weights: [0.9], flipY: 0.3 }, seeds: range(4) },
    /* 3 */ { params: { nSamples: 300, nFeatures: 12, nInformative: 4, nRedundant: 3, nRepeated: 2 }, seeds: range(3) },
    /* 4 */ {
      params: { nSamples: 200, nFeatures: 8, nInformative: 3, nRedundant: 1, nClustersPerClass: 1, flipY: 0, classSep: 0.5 },
      seeds: range(12),
      accuracy: true,
    },
    /* 5 */ {
      params: { nSamples: 200, nFeatures: 8, nInformative: 3, nRedundant: 1, nClustersPerClass: 1, flipY: 0, classSep: 1.5 },
      seeds: range(12),
      accuracy: true,
    },
    /* 6 */ {
      params: { nSamples: 200, nFeatures: 8, nInformative: 3, nRedundant: 1, nClustersPerClass: 2, flipY: 0, classSep: 1 },
      seeds: range(12),
      accuracy: true,
    },
    /* 7 */ { params: { nSamples: 100, weights: [0.7, 0.6], flipY: 0 }, seeds: [0] },
    /* 8 */ {
      params: {
        nSamples: 200,
        nFeatures: 8,
        nInformative: 3,
        nRedundant: 1,
        nClasses: 3,
        nClustersPerClass: 1,
        flipY: 0.1,
        hypercube: false,
      },
      seeds: range(12),
      accuracy: true,
    },
  ];
  const generated = cases.map((c) => c.seeds.map((s) => makeClassification({ ...c.params, seed: s })));
  const ref = python<Compared<ClassificationStats>>(REF, {
    task: 'make_classification',
    cases: cases.map((c, i) => ({ params: snake(c.params), seeds: c.seeds, accuracy: c.accuracy ?? false, ours: generated[i] })),
  });

  it('class sizes follow weights exactly as scikit-learn splits them (nClasses or nClasses - 1 weights)', () => {
    for (const i of [0, 1, 7]) {
      assert.deepEqual(ref[i].ours[0].counts, ref[i].sklearn[0].counts, `case ${i}`);
      assert.deepEqual(ref[i].ours[0].shape, ref[i].sklearn[0].shape);
    }
    assert.deepEqual(ref[0].ours[0].counts, [600, 300, 100]);
    assert.deepEqual(
      ref[7].ours[0].counts,
      [70, 30],
      'weights summing to 1.3: the last class is cut short at nSamples, as in scikit-learn',
    );
  });

  it('flipY replaces that fraction of labels by random ones: the minority share moves as in scikit-learn', () => {
    const share = (s: ClassificationStats[]) => mean(s.map((x) => x.counts[1] / 2000));
    assert.ok(
      Math.abs(share(ref[2].ours) - share(ref[2].sklearn)) < 0.02,
      `class-1 share: ours ${share(ref[2].ours)}, sklearn ${share(ref[2].sklearn)}`,
    );
    assert.ok(share(ref[2].ours) > 0.15, 'label noise moved samples into the minority class');
  });

  it('informative, redundant and repeated features span nInformative dimensions: the same rank as scikit-learn', () => {
    const ranks = ref[3].ours.map((s) => s.rank);
    assert.deepEqual(
      ranks,
      ref[3].sklearn.map((s) => s.rank),
    );
    assert.deepEqual(ranks, [7, 7, 7], '4 informative + 3 useless; redundant and repeated add none');
  });

  it("featureInfo names each (shuffled) column as scikit-learn's feature_info does", () => {
    const tally = (kinds: string[]) => ['informative', 'redundant', 'repeated', 'random'].map((k) => kinds.filter((v) => v === k).length);
    generated[3].forEach((d, i) => assert.deepEqual(tally(d.featureInfo), tally((ref[3].feature_info as string[][])[i])));
    assert.deepEqual(tally(generated[3][0].featureInfo), [4, 3, 2, 3]);
    // The labels follow the shuffle: a 'repeated' column equals some informative or redundant column.
    const { X, featureInfo } = generated[3][0];
    featureInfo.forEach((kind, c) => {
      if (kind !== 'repeated') return;
      assert.ok(
        featureInfo.some((k, src) => (k === 'informative' || k === 'redundant') && X.every((row) => row[c] === row[src])),
        `column ${c}`,
      );
    });
  });

  it('classSep, nClustersPerClass and hypercube set linear separability as in scikit-learn (mean 5-fold logistic accuracy over 12 seeds)', () => {
    const acc = (s: ClassificationStats[]) => s.map((x) => x.accuracy as number);
    for (const i of [4, 5, 6, 8]) {
      const ours = acc(ref[i].ours);
      const theirs = acc(ref[i].sklearn);
      const tolerance = 3 * Math.hypot(stdErr(ours), stdErr(theirs)) + 0.01;
      assert.ok(
        Math.abs(mean(ours) - mean(theirs)) < tolerance,
        `case ${i} (${JSON.stringify(cases[i].params)}): ours ${mean(ours).toFixed(3)}, sklearn ${mean(theirs).toFixed(3)}, tolerance ${tolerance.toFixed(3)}`,
      );
    }
    assert.ok(mean(acc(ref[4].ours)) + 0.05 < mean(acc(ref[5].ours)), 'a larger classSep separates the classes better');
  });

  it('without shuffling, columns are informative, redundant (linear in them), repeated (copies), then noise', () => {
    const { X } = makeClassification({ nSamples: 50, nFeatures: 9, nInformative: 3, nRedundant: 2, nRepeated: 2, shuffle: false, seed: 4 });
    for (const c of [5, 6])
      assert.ok(
        range(5).some((src) => X.every((row) => row[c] === row[src])),
        `column ${c} repeats an earlier one`,
      );
    // Redundant columns are exact linear combinations: solve on 3 rows, check on all.
    const redundantFits = [3, 4].every((c) => {
      const A = X.slice(0, 3).map((r) => r.slice(0, 3));
      const b = X.slice(0, 3).map((r) => r[c]);
      const w = solve3(A, b);
      return X.every((r) => Math.abs(r[0] * w[0] + r[1] * w[1] + r[2] * w[2] - r[c]) < 1e-8 * (1 + Math.abs(r[c])));
    });
    assert.ok(redundantFits);
  });

  it('is reproducible from seed (or randomState), and refuses impossible settings with a clear message', () => {
    assert.deepEqual(makeClassification({ seed: 3 }), makeClassification({ randomState: 3 }));
    assert.notDeepEqual(makeClassification({ seed: 3 }).X, makeClassification({ seed: 4 }).X);
    assert.throws(
      () => makeClassification({ nClasses: 3, nClustersPerClass: 2, nInformative: 2 }),
      /must be at most 2\*\*nInformative = 4/,
    );
    assert.throws(() => makeClassification({ nFeatures: 3, nInformative: 2, nRedundant: 2 }), /must be at most nFeatures \(3\)/);
    assert.throws(() => makeClassification({ weights: [0.5, 0.2, 0.3, 0.1] }), /weights must have nClasses \(2\) or nClasses - 1 entries/);
    assert.throws(() => makeClassification({ seed: 1, randomState: 2 }), /not two different values/);
    assert.throws(
      () => (makeClassification as (o: unknown) => unknown)({ n_samples: 10 }),
      (e: unknown) =>
        e instanceof InvalidArgumentError && /makeClassification: unknown option "n_samples"\. Did you mean nSamples\?/.test(e.message),
    );
  });
});

function solve3(A: number[][], b: number[]): number[] {
  const det = (m: number[][]) =>
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  const d = det(A);
  return [0, 1, 2].map((j) => det(A.map((row, i) => row.map((v, k) => (k === j ? b[i] : v)))) / d);
}

interface RegressionStats {
  shape_X: number[];
  shape_y: number[];
  shape_coef: number[];
  coef_error: number;
  intercept: number[];
  nonzero: number;
  coef_min: number;
  coef_max: number;
  residual_std: number;
  singular_values: number[];
}

describe('makeRegression matches scikit-learn 1.9 make_regression', () => {
  const cases: Array<{ params: Partial<MakeRegressionOptions>; seeds: number[] }> = [
    /* 0 */ { params: { nSamples: 200, nFeatures: 20, nInformative: 5, bias: 3 }, seeds: range(3) },
    /* 1 */ { params: { nSamples: 2000, nFeatures: 10, nInformative: 4, noise: 5 }, seeds: range(2) },
    /* 2 */ { params: { nSamples: 100, nFeatures: 50, effectiveRank: 5, tailStrength: 0.2 }, seeds: range(2) },
    /* 3 */ { params: { nSamples: 60, nFeatures: 8, nInformative: 3, nTargets: 3, bias: -1 }, seeds: [0] },
  ];
  const ref = python<Compared<RegressionStats>>(REF, {
    task: 'make_regression',
    cases: cases.map((c) => ({
      params: snake(c.params),
      seeds: c.seeds,
      ours: c.seeds.map((s) => makeRegression({ ...c.params, coef: true, seed: s })),
    })),
  });

  it('at noise 0, least squares recovers the returned coefficients and the bias exactly; nInformative of them are non-zero, in [0, 100)', () => {
    for (const s of [...ref[0].ours, ...ref[0].sklearn]) {
      assert.ok(s.coef_error < 1e-8, `coefficient error ${s.coef_error}`);
      assert.ok(Math.abs(s.intercept[0] - 3) < 1e-8, `intercept ${s.intercept[0]}`);
      assert.ok(s.residual_std < 1e-9);
    }
    assert.deepEqual(
      ref[0].ours.map((s) => s.nonzero),
      ref[0].sklearn.map((s) => s.nonzero),
    );
    for (const s of ref[0].ours) assert.ok(s.coef_min >= 0 && s.coef_max < 100);
  });

  it('noise is the standard deviation of the targets around the linear model, as in scikit-learn', () => {
    for (const s of [...ref[1].ours, ...ref[1].sklearn]) assert.ok(Math.abs(s.residual_std - 5) < 0.25, `residual std ${s.residual_std}`);
  });

  it("effectiveRank and tailStrength give X scikit-learn's singular value profile", () => {
    for (let k = 0; k < 2; k++) {
      const ours = ref[2].ours[k].singular_values;
      const theirs = ref[2].sklearn[k].singular_values;
      assert.equal(ours.length, theirs.length);
      ours.forEach((v, i) => assert.ok(Math.abs(v - theirs[i]) < 1e-9, `singular value ${i}: ours ${v}, sklearn ${theirs[i]}`));
    }
  });

  it('several targets: y and coef are matrices of the shapes scikit-learn returns, and still recovered exactly', () => {
    const [ours] = ref[3].ours;
    const [theirs] = ref[3].sklearn;
    assert.deepEqual([ours.shape_X, ours.shape_y, ours.shape_coef], [theirs.shape_X, theirs.shape_y, theirs.shape_coef]);
    assert.ok(ours.coef_error < 1e-8 && ours.intercept.every((b) => Math.abs(b + 1) < 1e-8));
    const one = makeRegression({ nSamples: 5, nFeatures: 2, seed: 1 });
    assert.equal(typeof one.y[0], 'number');
    assert.equal('coef' in one, false, 'coef only when asked for');
  });
});

interface BlobStats {
  counts: number[];
  n_features: number;
  means: number[][];
  stds: number[];
  centers: number[][];
}

describe('makeBlobs matches scikit-learn 1.9 make_blobs', () => {
  const given = [
    [0, 0],
    [10, 0],
    [0, 10],
  ];
  const cases: Array<{ params: Partial<MakeBlobsOptions>; seeds: number[] }> = [
    /* 0 */ { params: { nSamples: 101, centers: 4, nFeatures: 3 }, seeds: [0] },
    /* 1 */ { params: { nSamples: 3000, centers: given, clusterStd: [0.5, 2, 4] }, seeds: range(2) },
    /* 2 */ { params: { nSamples: [10, 50, 100] }, seeds: [0] },
    /* 3 */ { params: { nSamples: 50, centers: 5, centerBox: [-3, 3] }, seeds: [1] },
  ];
  const ref = python<Compared<BlobStats>>(REF, {
    task: 'make_blobs',
    cases: cases.map((c) => ({
      params: snake(c.params),
      seeds: c.seeds,
      ours: c.seeds.map((s) => makeBlobs({ ...c.params, returnCenters: true, seed: s })),
    })),
  });

  it('cluster sizes are scikit-learn’s (an even split with the first clusters one larger, or the listed counts)', () => {
    for (const i of [0, 2, 3]) assert.deepEqual(ref[i].ours[0].counts, ref[i].sklearn[0].counts, `case ${i}`);
    assert.deepEqual(ref[0].ours[0].counts, [26, 25, 25, 25]);
    assert.equal(ref[0].ours[0].n_features, 3);
  });

  it('each cluster is spread by its clusterStd around its centre, like scikit-learn’s', () => {
    for (let k = 0; k < 2; k++) {
      const ours = ref[1].ours[k];
      const theirs = ref[1].sklearn[k];
      assert.deepEqual(ours.centers, given);
      [0.5, 2, 4].forEach((std, i) => {
        assert.ok(
          Math.abs(ours.stds[i] - theirs.stds[i]) < 0.08 * std,
          `cluster ${i}: std ours ${ours.stds[i]}, sklearn ${theirs.stds[i]}`,
        );
        ours.means[i].forEach((m, j) =>
          assert.ok(Math.abs(m - given[i][j]) < (4 * std) / Math.sqrt(ours.counts[i]), `cluster ${i} mean ${m} vs ${given[i][j]}`),
        );
      });
    }
  });

  it('random centres lie in centerBox', () => {
    for (const c of ref[3].ours[0].centers)
      assert.ok(
        c.every((v) => v >= -3 && v < 3),
        JSON.stringify(c),
      );
    for (const c of ref[0].ours[0].centers) assert.ok(c.every((v) => v >= -10 && v < 10));
  });

  it('is reproducible, exported under datasets too, and refuses inconsistent settings', () => {
    assert.deepEqual(makeBlobs({ seed: 5 }), datasets.makeBlobs({ randomState: 5 }));
    assert.equal('centers' in makeBlobs({ seed: 5 }), false);
    assert.throws(() => makeBlobs({ nSamples: [10, 10], centers: [[0, 0]] }), /nSamples lists 2 clusters but centers has 1/);
    assert.throws(() => makeBlobs({ centers: 2, clusterStd: [1, 2, 3] }), /clusterStd must be a non-negative number or 2 of them/);
    assert.throws(
      () => (makeBlobs as (o: unknown) => unknown)({ cluster_std: 2 }),
      /makeBlobs: unknown option "cluster_std"\. Did you mean clusterStd\?/,
    );
  });
});
