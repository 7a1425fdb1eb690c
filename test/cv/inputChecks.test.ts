/**
 * What scikit-learn checks before it fits, splits or predicts, checked here the same way: inputs of
 * inconsistent lengths, targets a classifier cannot take, predictions on the wrong features, and the
 * stratified split's counts and refusals (against scikit-learn's own train_test_split).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  addLogHandler,
  crossValidate,
  datasets,
  DecisionTreeClassifier,
  DecisionTreeRegressor,
  GradientBoostingClassifier,
  gridSearchCV,
  KFold,
  makeRegression,
  MinMaxScaler,
  nestedCV,
  PCA,
  Pipeline,
  randomizedSearchCV,
  RandomForestClassifier,
  ShuffleSplit,
  StandardScaler,
  StratifiedKFold,
  SVC,
  ThresholdPruner,
  trainTestSplit,
  tuneCV,
  type LogRecord,
} from '../../src';
import { python } from './python';

const SK = join(__dirname, 'sklearn_reference.py');
const iris = datasets.iris();
const reg = makeRegression({ nSamples: 50, nFeatures: 2, seed: 0 });

function collectLogs(): { lines: string[]; stop: () => void } {
  const lines: string[] = [];
  const stop = addLogHandler((r: LogRecord) => lines.push(r.message));
  return { lines, stop };
}

describe('searches refuse X and y of different lengths (scikit-learn: inconsistent numbers of samples)', () => {
  const short = reg.y.slice(0, 40);
  it('every entry point says both lengths before any fold runs', async () => {
    const tree = new DecisionTreeRegressor();
    const message = /X and y have inconsistent numbers of samples: X has 50 rows, y has 40 values/;
    await assert.rejects(crossValidate(tree, reg.X, short), message);
    await assert.rejects(crossValidate(tree, reg.X, [...reg.y, 1, 2]), /X has 50 rows, y has 52 values/);
    await assert.rejects(gridSearchCV(tree, { maxDepth: [1, 2] }, reg.X, short), message);
    await assert.rejects(randomizedSearchCV(tree, { maxDepth: [1, 2] }, reg.X, short), message);
    await assert.rejects(nestedCV(tree, { kind: 'grid', paramGrid: { maxDepth: [1, 2] } }, reg.X, short), message);
    await assert.rejects(
      tuneCV(tree, (t) => ({ maxDepth: t.suggestInt('maxDepth', 1, 3) }), reg.X, short),
      message,
    );
    await assert.rejects(crossValidate(new SVC(), iris.X, iris.y.slice(0, 10)), /X has 150 rows, y has 10 values/);
  });

  it('a class for an instance, a string for cv and an unknown inner search are named', async () => {
    await assert.rejects(crossValidate(SVC as never, iris.X, iris.y), /got the class SVC; pass new SVC\(\)/);
    await assert.rejects(
      crossValidate(new SVC(), iris.X, iris.y, { cv: 'kfold' as never }),
      /cv must be a fold count or a splitter .*got "kfold"/,
    );
    await assert.rejects(nestedCV(new SVC(), { kind: 'halving' } as never, iris.X, iris.y), /search.kind must be 'grid'.*got "halving"/);
  });
});

describe('fit checks targets and labels as scikit-learn does', () => {
  it('non-finite and 2-D targets, 1-D X', async () => {
    const withNaN = reg.y.map((v, i) => (i === 3 ? NaN : v));
    await assert.rejects(new DecisionTreeRegressor().fit(reg.X, withNaN), /DecisionTreeRegressor\.fit: y\[3\] is NaN/);
    const withInf = reg.y.map((v, i) => (i === 7 ? Infinity : v));
    await assert.rejects(new DecisionTreeRegressor().fit(reg.X, withInf), /y\[7\] is Infinity/);
    await assert.rejects(new DecisionTreeRegressor().fit(reg.X, reg.X.map((r) => [...r]) as never), /y must be 1-D .*y\[0\]/);
    await assert.rejects(new SVC().fit([1, 2, 3] as never, [0, 1, 0]), /X must be 2-D \(an array of rows\), got a 1-D array/);
    // scikit-learn refuses more features per split than X has, rather than using them all.
    await assert.rejects(
      new RandomForestClassifier({ maxFeatures: 10, nEstimators: 2 }).fit(iris.X, iris.y),
      /maxFeatures: a count of 10 features per split, but X has 4/,
    );
  });

  it('a continuous target or mixed label kinds are not classes; string labels are, sorted', async () => {
    await assert.rejects(new SVC().fit(reg.X, reg.y), /SVC\.fit: y holds fractional values \(a continuous target/);
    await assert.rejects(new RandomForestClassifier().fit(reg.X, reg.y), /RandomForestClassifier\.fit: y holds fractional values/);
    // StratifiedKFold (cv=5 for a classifier) says the same rather than "lower nSplits".
    await assert.rejects(crossValidate(new SVC(), reg.X, reg.y), /StratifiedKFold: y holds fractional values/);
    const X = [[0], [0.1], [1], [1.1], [2], [2.1]];
    await assert.rejects(new DecisionTreeClassifier().fit(X, [1, 1, '1', '1', 2, 2] as never), /y mixes string and number labels/);
    const m = await new DecisionTreeClassifier().fit(X, ['b', 'b', 'a', 'a', 'c', 'c'] as never);
    assert.deepEqual((m as unknown as { classes: string[] }).classes, ['a', 'b', 'c']);
    assert.deepEqual(m.predict([[0.05], [1.05], [2.05]]), ['b', 'a', 'c']);
    // Whole-valued floats are classes (scikit-learn's multiclass), and their order is numeric.
    const n = await new DecisionTreeClassifier().fit(X, [10, 10, 2, 2, 1, 1]);
    assert.deepEqual((n as unknown as { classes: number[] }).classes, [1, 2, 10]);
  });
});

describe('predict and transform check the features fit saw', () => {
  it('a wrong feature count, a non-finite value, or no fit yet, named by method', async () => {
    const models = [
      await new SVC().fit(iris.X, iris.y),
      await new DecisionTreeClassifier().fit(iris.X, iris.y),
      await new RandomForestClassifier({ nEstimators: 3, seed: 0 }).fit(iris.X, iris.y),
      await new GradientBoostingClassifier({ nEstimators: 3 }).fit(iris.X, iris.y),
    ];
    for (const m of models) {
      assert.throws(() => m.predict([[1, 2]]), /\.predict: X has 2 features \(row 0\), but the model was fitted on 4/);
      assert.throws(() => m.predict([[1, 2, 3, 4, 5]]), /X has 5 features/);
      assert.throws(() => m.predict([[NaN, 2, 3, 4]]), /X\[0\] holds a non-finite value \(NaN\)/);
      assert.equal(m.predict(iris.X.slice(0, 2)).length, 2);
    }
    assert.throws(() => new DecisionTreeClassifier().predictProba(iris.X), /DecisionTreeClassifier\.predictProba: call fit\(X, y\) first/);
    assert.throws(() => new GradientBoostingClassifier().predictProba(iris.X), /GradientBoostingClassifier\.predictProba: call fit/);
    assert.throws(() => new StandardScaler().fit(iris.X).transform([[1, 2]]), /StandardScaler\.transform: X has 2 features/);
    assert.throws(() => new MinMaxScaler().fit(iris.X).transform([[1, 2]]), /MinMaxScaler\.transform: X has 2 features/);
    assert.throws(() => new PCA({ nComponents: 2 }).fit(iris.X).transform([[1, 2]]), /PCA\.transform: X has 2 features/);
    const pipe = new Pipeline([
      ['scale', new MinMaxScaler()],
      ['svc', new SVC()],
    ] as const);
    assert.throws(() => pipe.predict(iris.X), /Pipeline\.predict: call fit\(X, y\) first/);
    await pipe.fit(iris.X, iris.y);
    assert.throws(() => pipe.predict([[1, 2]]), /MinMaxScaler\.transform: X has 2 features/);
  });
});

describe("trainTestSplit's stratified counts equal scikit-learn's", () => {
  const labels = (counts: number[]) => counts.flatMap((c, k) => new Array<number>(c).fill(k));
  const cases = [
    { y: iris.y, testSize: 0.25 },
    { y: iris.y, testSize: 0.33 },
    { y: labels([8, 2]), testSize: 0.2 },
    { y: labels([50, 30, 20]), testSize: 0.3 },
    { y: labels([7, 5, 3]), testSize: 0.4 },
    { y: labels([13, 11, 6]), testSize: 9 },
    { y: labels([3, 1]), testSize: 0.5 },
    { y: labels(new Array<number>(25).fill(2)), testSize: 0.25 },
  ];
  const SEEDS = 20;
  const reference = python<Array<{ counts?: number[][]; error?: string }>>(SK, { task: 'stratified_counts', cases, seeds: SEEDS });

  it('per class, for every seed where scikit-learn draws no tie, and among its draws where it does', () => {
    let compared = 0;
    cases.forEach((c, i) => {
      const ref = reference[i];
      const X = c.y.map((v) => [v]);
      if (ref.error !== undefined) {
        assert.throws(
          () => trainTestSplit(X, c.y, { testSize: c.testSize, stratify: true, seed: 0 }),
          /trainTestSplit: the (least populated|test part|train part)/,
        );
        return;
      }
      const seen = new Set((ref.counts as number[][]).map((r) => JSON.stringify(r)));
      for (let seed = 0; seed < 5; seed++) {
        const split = trainTestSplit(X, c.y, { testSize: c.testSize, stratify: true, seed });
        const classes = [...new Set(c.y)].sort((a, b) => a - b);
        const counts = classes.map((k) => split.yTest.filter((v) => v === k).length);
        assert.ok(seen.has(JSON.stringify(counts)), `case ${i}: ${JSON.stringify(counts)} not among scikit-learn's ${[...seen].join(' ')}`);
        assert.equal(split.yTrain.length + split.yTest.length, c.y.length);
        compared++;
      }
    });
    // The cases scikit-learn refuses: a one-member class, and more classes than test rows.
    assert.deepEqual(
      reference.map((r) => r.error !== undefined),
      [false, false, false, false, false, false, true, true],
    );
    assert.equal(compared, 30);
  });

  it('stratify takes its own labels, and refuses a length that is not one per row', () => {
    const groups = iris.y.map((_, i) => i % 2);
    const split = trainTestSplit(iris.X, iris.y, { stratify: groups, seed: 4, testSize: 0.2 });
    assert.equal(split.testIndex.filter((i) => groups[i] === 0).length, 15);
    assert.throws(() => trainTestSplit(iris.X, iris.y, { stratify: [0, 1] }), /stratify must be true .* one per row \(150\); got 2 labels/);
    assert.throws(() => trainTestSplit(reg.X, reg.y, { stratify: true }), /trainTestSplit: y holds fractional values/);
  });

  it('shuffle: false keeps the order, the last rows the test part (scikit-learn: train_test_split(shuffle=False))', () => {
    const split = trainTestSplit(reg.X, reg.y, { shuffle: false, testSize: 0.3 });
    assert.deepEqual(
      split.testIndex,
      Array.from({ length: 15 }, (_, i) => 35 + i),
    );
    assert.deepEqual(
      split.trainIndex,
      Array.from({ length: 35 }, (_, i) => i),
    );
    assert.throws(() => trainTestSplit(iris.X, iris.y, { shuffle: false, stratify: true }), /stratify needs shuffling/);
  });
});

describe("splitters' guards as scikit-learn's", () => {
  it('ShuffleSplit: a train size alone leaves the rest to the test part', () => {
    const cases = [
      { n: 20, trainSize: 0.5 },
      { n: 20, trainSize: 7 },
      { n: 31, testSize: 0.3 },
      { n: 31 },
      { n: 31, trainSize: 0.6, testSize: 0.2 },
    ];
    const ref = python<number[][]>(SK, { task: 'shuffle_split_sizes', cases });
    const ours = cases.map((c) => {
      const f = [...new ShuffleSplit({ nSplits: 1, seed: 0, testSize: c.testSize, trainSize: c.trainSize }).split(c.n)][0];
      return [f.train.length, f.test.length];
    });
    assert.deepEqual(ours, ref);
  });

  it('a seed without shuffle is refused; a class smaller than nSplits is warned about', () => {
    assert.throws(() => new KFold({ seed: 3 }), /KFold: a seed \(or randomState\) has no effect without shuffle: true/);
    assert.throws(() => new StratifiedKFold({ randomState: 3 }), /StratifiedKFold: a seed/);
    const logs = collectLogs();
    try {
      assert.equal([...new StratifiedKFold({ nSplits: 5 }).split(8, [0, 0, 0, 0, 0, 0, 1, 1])].length, 5);
    } finally {
      logs.stop();
    }
    assert.deepEqual(logs.lines, ['StratifiedKFold: the least populated class in y has only 2 members, which is less than nSplits=5.']);
  });
});

describe("randomizedSearchCV samples lists as scikit-learn's ParameterSampler", () => {
  it('distinct grid points when every parameter is a list, with a warning when there are fewer than nIter', async () => {
    const logs = collectLogs();
    let r;
    try {
      r = await randomizedSearchCV(new DecisionTreeClassifier(), { maxDepth: [1, 2] }, iris.X, iris.y, { nIter: 10, seed: 0 });
    } finally {
      logs.stop();
    }
    assert.deepEqual(r.cvResults.map((c) => c.params.maxDepth).sort(), [1, 2]);
    assert.equal(logs.lines.length, 1);
    assert.match(logs.lines[0], /the lists make 2 distinct configurations, fewer than nIter=10; running 2/);
    const four = await randomizedSearchCV(new DecisionTreeClassifier(), { maxDepth: [1, 2, 3], minSamplesLeaf: [1, 5] }, iris.X, iris.y, {
      nIter: 4,
      seed: 1,
    });
    assert.equal(new Set(four.cvResults.map((c) => JSON.stringify(c.params))).size, 4);
  });
});

describe('tuneCV without a completed trial', () => {
  it('says so instead of returning a pruned trial as the best', async () => {
    await assert.rejects(
      tuneCV(new SVC(), (t) => ({ C: t.suggestFloat('C', 0.1, 10) }), iris.X, iris.y, {
        nTrials: 3,
        study: { pruner: new ThresholdPruner({ lower: 2 }) },
      }),
      /tuneCV: none of the 3 trials completed \(3 pruned, 0 failed\)/,
    );
  });
});
