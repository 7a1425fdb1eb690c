import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  KFold,
  StratifiedKFold,
  ShuffleSplit,
  trainTestSplit,
  crossValidate,
  gridSearchCV,
  randomizedSearchCV,
  tuneCV,
  nestedCV,
  SVC,
  Pipeline,
  StandardScaler,
  MinMaxScaler,
  PCA,
  RandomSampler,
  MedianPruner,
  TPESampler,
  space,
  float,
  categorical,
  TrialState,
  floatDistribution,
  datasets,
  type Pruner,
} from '../../src';
import { expandGrid, type NestedFoldResult } from '../../src/entries/cv';
import { python } from './python';

const SK = join(__dirname, 'sklearn_reference.py');
type Split = { train: number[]; test: number[] };

describe('splitters equal scikit-learn without shuffling', () => {
  const iris = datasets.iris();
  // Unbalanced labels, classes not in sorted order of first appearance, sizes not divisible by k.
  const messy = [2, 0, 0, 1, 2, 2, 2, 0, 1, 1, 2, 0, 2, 2, 1, 0, 0, 2, 1, 2, 2, 0, 1];
  const cases: Array<[string, 'KFold' | 'StratifiedKFold', number, number[]]> = [
    ['KFold 5 on 23', 'KFold', 5, messy],
    ['KFold 3 on iris', 'KFold', 3, iris.y],
    ['KFold 10 on 150', 'KFold', 10, iris.y],
    ['StratifiedKFold 3 on unbalanced labels', 'StratifiedKFold', 3, messy],
    ['StratifiedKFold 4 on unbalanced labels', 'StratifiedKFold', 4, messy],
    ['StratifiedKFold 5 on iris', 'StratifiedKFold', 5, iris.y],
    ['StratifiedKFold 7 on penguins', 'StratifiedKFold', 7, datasets.penguins().y],
  ];
  for (const [name, kind, nSplits, y] of cases) {
    it(name, () => {
      const ref = python<Split[]>(SK, { task: 'splits', splitter: { kind, nSplits }, y });
      const splitter = kind === 'KFold' ? new KFold({ nSplits }) : new StratifiedKFold({ nSplits });
      assert.deepEqual([...splitter.split(y, y)], ref);
    });
  }

  it('shuffled splitters are seeded and still partition the samples', () => {
    const y = iris.y;
    for (const make of [
      () => new KFold({ nSplits: 5, shuffle: true, seed: 7 }),
      () => new StratifiedKFold({ nSplits: 5, shuffle: true, seed: 7 }),
    ]) {
      const a = [...make().split(y, y)];
      assert.deepEqual(a, [...make().split(y, y)]);
      const allTest = a.flatMap((f) => f.test).sort((p, q) => p - q);
      assert.deepEqual(
        allTest,
        y.map((_, i) => i),
      );
      for (const f of a) assert.equal(f.train.length + f.test.length, y.length);
    }
    const ss = [...new ShuffleSplit({ nSplits: 3, testSize: 0.2, seed: 1 }).split(150)];
    assert.equal(ss.length, 3);
    for (const f of ss) {
      assert.equal(f.test.length, 30);
      assert.equal(f.train.length, 120);
      assert.equal(new Set([...f.train, ...f.test]).size, 150);
    }
    const t = trainTestSplit(iris.X, iris.y, { testSize: 0.2, seed: 3, stratify: true });
    assert.equal(t.XTest.length, 30);
    for (const k of [0, 1, 2]) assert.equal(t.yTest.filter((v) => v === k).length, 10);
  });

  it('explains impossible splits', () => {
    assert.throws(() => [...new KFold({ nSplits: 10 }).split(5)], /cannot make 10 folds of 5 samples/);
    assert.throws(() => [...new StratifiedKFold({ nSplits: 3 }).split(4, [0, 0, 1, 1])], /more than the number of members/);
    assert.throws(() => new KFold({ nSplits: 1 }), /nSplits must be an integer >= 2/);
  });
});

describe('SVC equals scikit-learn SVC (both libsvm)', () => {
  const iris = datasets.iris();
  const split = trainTestSplit(iris.X, iris.y, { testSize: 0.4, seed: 11 });
  const moons = datasets.twoMoons(200, { noise: 0.3, seed: 5 });
  const moonSplit = trainTestSplit(moons.X, moons.y, { testSize: 0.5, seed: 2 });
  const configs: Array<[string, Record<string, unknown>, typeof split]> = [
    ['rbf C=1 gamma=scale on iris', { C: 1, kernel: 'rbf', gamma: 'scale' }, split],
    ['rbf C=0.05 gamma=0.3 on iris', { C: 0.05, kernel: 'rbf', gamma: 0.3 }, split],
    ['linear C=0.01 on iris', { C: 0.01, kernel: 'linear' }, split],
    ['poly degree 2 on iris', { C: 0.5, kernel: 'poly', degree: 2, gamma: 'auto', coef0: 1 }, split],
    ['rbf C=3 gamma=2 on noisy moons', { C: 3, kernel: 'rbf', gamma: 2 }, moonSplit],
    ['sigmoid on noisy moons', { C: 1, kernel: 'sigmoid', gamma: 0.5 }, moonSplit],
  ];
  for (const [name, params, s] of configs) {
    it(name, async () => {
      const ref = python<number[]>(SK, { task: 'svc_predict', params, XTrain: s.XTrain, yTrain: s.yTrain, XTest: s.XTest });
      const model = await new SVC(params).fit(s.XTrain, s.yTrain);
      assert.deepEqual(model.predict(s.XTest), ref);
    });
  }
});

describe('pipelines fit preprocessing on training folds only (scores equal scikit-learn)', () => {
  const p = datasets.penguins();
  const cases: Array<[string, Array<[string, Record<string, unknown>]>, () => Pipeline]> = [
    [
      'standardise + SVC',
      [
        ['standard', {}],
        ['svc', { C: 0.5 }],
      ],
      () =>
        new Pipeline([
          ['scale', new StandardScaler()],
          ['svm', new SVC({ C: 0.5 })],
        ]),
    ],
    [
      'min-max + SVC',
      [
        ['minmax', {}],
        ['svc', { C: 2, gamma: 1.5 }],
      ],
      () =>
        new Pipeline([
          ['mm', new MinMaxScaler()],
          ['svm', new SVC({ C: 2, gamma: 1.5 })],
        ]),
    ],
    [
      'standardise + PCA(2) + SVC',
      [
        ['standard', {}],
        ['pca', { n_components: 2 }],
        ['svc', { C: 1, gamma: 0.5 }],
      ],
      () =>
        new Pipeline([
          ['scale', new StandardScaler()],
          ['pca', new PCA({ nComponents: 2 })],
          ['svm', new SVC({ C: 1, gamma: 0.5 })],
        ]),
    ],
  ];
  for (const [name, steps, make] of cases) {
    it(name, async () => {
      const ref = python<number[]>(SK, { task: 'pipeline_cv', steps, X: p.X, y: p.y, cv: { kind: 'StratifiedKFold', nSplits: 5 } });
      const got = await crossValidate(make(), p.X, p.y, { cv: new StratifiedKFold({ nSplits: 5 }) });
      assert.equal(got.testScore.length, 5);
      got.testScore.forEach((s, i) => assert.ok(Math.abs(s - ref[i]) < 1e-12, `fold ${i}: ${s} vs ${ref[i]}`));
    });
  }

  it('addresses step params as step__param and rejects unknown ones', () => {
    const pipe = new Pipeline([
      ['scale', new StandardScaler()],
      ['svm', new SVC()],
    ]);
    const c = pipe.clone({ svm__C: 7 });
    assert.equal(c.getParams().svm__C, 7);
    assert.equal(pipe.getParams().svm__C, 1);
    // @ts-expect-error C is not a pipeline parameter (a compile error too, since pipelines type their step__param names)
    assert.throws(() => pipe.clone({ C: 3 }), /stepName__param/);
  });
});

describe('searches', () => {
  const iris = datasets.iris();

  it('expandGrid follows scikit-learn ParameterGrid order (sorted keys, last fastest)', () => {
    assert.deepEqual(expandGrid({ kernel: ['rbf', 'linear'], C: [1, 10] }), [
      { C: 1, kernel: 'rbf' },
      { C: 1, kernel: 'linear' },
      { C: 10, kernel: 'rbf' },
      { C: 10, kernel: 'linear' },
    ]);
  });

  it('nestedCV outer scores equal scikit-learn nested CV with the same folds and grid', async () => {
    const p = datasets.penguins();
    const X = new StandardScaler().fit(p.X).transform(p.X);
    const grid = { C: [0.01, 0.1, 1, 10], gamma: [0.01, 0.1, 1] };
    const ref = python<{
      folds: Array<{ score: number; params: Record<string, number>; meanTestScores: number[] }>;
      crossValScore: number[];
    }>(SK, {
      task: 'nested',
      X,
      y: p.y,
      grid,
      outer: { kind: 'StratifiedKFold', nSplits: 4 },
      inner: { kind: 'StratifiedKFold', nSplits: 3 },
    });
    const seen: NestedFoldResult[] = [];
    const got = await nestedCV(new SVC(), { kind: 'grid', paramGrid: grid }, X, p.y, {
      outerCv: new StratifiedKFold({ nSplits: 4 }),
      innerCv: new StratifiedKFold({ nSplits: 3 }),
      onFold: (row) => void seen.push(row),
    });
    assert.deepEqual(got.outerScores, ref.crossValScore);
    assert.equal(seen.length, 4);
    seen.forEach((row, i) => {
      assert.equal(row.outerFold, i);
      assert.deepEqual(row.params, ref.folds[i].params);
      assert.equal(row.score, ref.folds[i].score);
      assert.deepEqual(
        row.innerResults?.map((r) => r.meanTestScore),
        ref.folds[i].meanTestScores,
      );
    });
  });

  it('gridSearchCV refits the best configuration on all data', async () => {
    const r = await gridSearchCV(new SVC(), { C: [0.001, 1], kernel: ['linear'] }, iris.X, iris.y, { cv: 3 });
    assert.deepEqual(r.bestParams, { C: 1, kernel: 'linear' });
    assert.equal(r.cvResults.length, 2);
    assert.equal(r.cvResults[r.bestIndex].rank, 1);
    assert.ok(r.bestEstimator !== null && r.bestEstimator.score(iris.X, iris.y) > 0.95);
  });

  it('randomizedSearchCV is seeded and samples tunelab distributions', async () => {
    const dist = { C: floatDistribution(1e-3, 1e2, { log: true }), kernel: ['rbf', 'linear'] };
    const a = await randomizedSearchCV(new SVC(), dist, iris.X, iris.y, { nIter: 4, seed: 9, refit: false });
    const b = await randomizedSearchCV(new SVC(), dist, iris.X, iris.y, { nIter: 4, seed: 9, refit: false });
    assert.deepEqual(
      a.cvResults.map((r) => r.params),
      b.cvResults.map((r) => r.params),
    );
    for (const r of a.cvResults) assert.ok((r.params.C as number) >= 1e-3 && (r.params.C as number) <= 1e2);
    assert.equal(a.bestEstimator, null);
  });

  it('tuneCV reports each fold as a step so a pruner stops bad configurations after their first folds', async () => {
    // A pruner that stops any trial whose running mean is below 0.6 (a huge rbf gamma memorises and scores ~0.33).
    const pruner: Pruner = {
      prune: (_study, trial) => {
        const values = [...trial.intermediateValues.values()];
        return values.length > 0 && values[values.length - 1] < 0.6;
      },
    };
    const r = await tuneCV(new SVC(), (t) => ({ gamma: t.suggestFloat('gamma', 1e-2, 1e5, { log: true }) }), iris.X, iris.y, {
      cv: new StratifiedKFold({ nSplits: 5 }),
      nTrials: 12,
      study: { sampler: new RandomSampler({ seed: 4 }), pruner },
    });
    const pruned = r.study.trials.filter((t) => t.state === TrialState.PRUNED);
    const complete = r.study.trials.filter((t) => t.state === TrialState.COMPLETE);
    assert.ok(pruned.length > 0 && complete.length > 0, `pruned ${pruned.length}, complete ${complete.length}`);
    for (const t of pruned) {
      const steps = [...t.intermediateValues.keys()];
      assert.ok(steps.length < 5, 'a pruned trial stops before its last fold');
      assert.ok((t.intermediateValues.get(steps[steps.length - 1]) as number) < 0.6);
    }
    assert.ok(
      pruned.some((t) => t.intermediateValues.size === 1),
      'some configurations are pruned after their first fold',
    );
    for (const t of complete) assert.deepEqual([...t.intermediateValues.keys()], [0, 1, 2, 3, 4]);
    assert.equal(r.bestScore, Math.max(...complete.map((t) => (t.values as number[])[0])));
    assert.ok(r.bestEstimator !== null);
  });

  it('tuneCV works with the library samplers and pruners (TPE + MedianPruner), folds as steps', async () => {
    const r = await tuneCV(new SVC(), (t) => ({ gamma: t.suggestFloat('gamma', 1e-2, 1e5, { log: true }) }), iris.X, iris.y, {
      cv: new StratifiedKFold({ nSplits: 4 }),
      nTrials: 14,
      study: { sampler: new TPESampler({ seed: 1, nStartupTrials: 5 }), pruner: new MedianPruner({ nStartupTrials: 3 }) },
    });
    const states = r.study.trials.map((t) => t.state);
    assert.ok(states.includes(TrialState.PRUNED), 'the median pruner stopped some configurations between folds');
    for (const t of r.study.trials.filter((x) => x.state === TrialState.PRUNED)) assert.ok(t.intermediateValues.size < 4);
    assert.equal(r.cvResults.length, 14);
    assert.equal(r.cvResults.filter((c) => c.state === 'PRUNED').length, states.filter((s) => s === TrialState.PRUNED).length);
    assert.ok(r.bestScore > 0.9);
  });

  it('nestedCV runs randomized and tunelab-study inner searches, reporting each outer fold as it ends', async () => {
    const rows: NestedFoldResult[] = [];
    const random = await nestedCV(
      new SVC(),
      { kind: 'random', distributions: { C: floatDistribution(0.01, 100, { log: true }) }, nIter: 3, seed: 2 },
      iris.X,
      iris.y,
      { outerCv: 3, innerCv: 3, onFold: (r) => void rows.push(r) },
    );
    assert.deepEqual(
      rows.map((r) => r.outerFold),
      [0, 1, 2],
    );
    assert.deepEqual(
      random.outerScores,
      rows.map((r) => r.score),
    );
    assert.ok(rows.every((r) => r.innerResults?.length === 3));
    const tuned = await nestedCV(
      new SVC(),
      {
        kind: 'tune',
        space: (t) => ({ C: t.suggestFloat('C', 0.01, 100, { log: true }) }),
        nTrials: 3,
        study: { sampler: new RandomSampler({ seed: 3 }) },
      },
      iris.X,
      iris.y,
      { outerCv: 3, innerCv: 3 },
    );
    assert.equal(tuned.folds.length, 3);
    assert.ok(tuned.mean > 0.85);
  });

  it('tuneCV accepts a typed declarative space', async () => {
    const s = space({ C: float(0.01, 100, { log: true }), kernel: categorical(['linear', 'rbf']) });
    const r = await tuneCV(new SVC(), s, iris.X, iris.y, { cv: 3, nTrials: 4, study: { sampler: new RandomSampler({ seed: 8 }) } });
    assert.equal(r.study.trials.length, 4);
    assert.ok(['linear', 'rbf'].includes(r.bestParams.kernel as string));
    assert.deepEqual(Object.keys(r.bestParams).sort(), ['C', 'kernel']);
  });
});
