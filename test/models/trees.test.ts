import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  DecisionTreeClassifier,
  DecisionTreeRegressor,
  RandomForestClassifier,
  RandomForestRegressor,
  GradientBoostingClassifier,
  GradientBoostingRegressor,
  Rng,
  datasets,
  trainTestSplit,
  type Estimator,
} from '../../src';
import { python } from '../cv/python';

/** Friedman #1 regression data (seeded): y = 10 sin(pi x0 x1) + 20 (x2 - 0.5)^2 + 10 x3 + 5 x4 + N(0, 1). */
function friedman1(n: number, seed: number): { X: number[][]; y: number[] } {
  const rng = new Rng(seed);
  const X = Array.from({ length: n }, () => Array.from({ length: 6 }, () => rng.random()));
  const y = X.map((x) => 10 * Math.sin(Math.PI * x[0] * x[1]) + 20 * (x[2] - 0.5) ** 2 + 10 * x[3] + 5 * x[4] + rng.normal());
  return { X, y };
}

const iris = datasets.iris();
const penguins = datasets.penguins();
const moons = datasets.twoMoons(300, { noise: 0.3, seed: 8 });
const reg = friedman1(400, 3);
const splits = {
  iris: trainTestSplit(iris.X, iris.y, { testSize: 0.4, seed: 1, stratify: true }),
  penguins: trainTestSplit(penguins.X, penguins.y, { testSize: 0.3, seed: 2, stratify: true }),
  moons: trainTestSplit(moons.X, moons.y, { testSize: 0.3, seed: 3 }),
  friedman: trainTestSplit(reg.X, reg.y, { testSize: 0.3, seed: 4 }),
};

type Case = {
  name: string;
  sk: string;
  skParams: Record<string, unknown>;
  make: () => Estimator;
  data: keyof typeof splits;
  tolerance: number;
};

const cases: Case[] = [
  {
    name: 'decision tree depth 3 on iris',
    sk: 'DecisionTreeClassifier',
    skParams: { max_depth: 3 },
    make: () => new DecisionTreeClassifier({ maxDepth: 3 }),
    data: 'iris',
    tolerance: 0.034,
  },
  {
    name: 'decision tree min leaf 5 on moons',
    sk: 'DecisionTreeClassifier',
    skParams: { min_samples_leaf: 5 },
    make: () => new DecisionTreeClassifier({ minSamplesLeaf: 5 }),
    data: 'moons',
    tolerance: 0.05,
  },
  {
    name: 'decision tree min split 20 on penguins',
    sk: 'DecisionTreeClassifier',
    skParams: { min_samples_split: 20 },
    make: () => new DecisionTreeClassifier({ minSamplesSplit: 20 }),
    data: 'penguins',
    tolerance: 0.05,
  },
  {
    name: 'regression tree depth 5 on Friedman #1 (R^2)',
    sk: 'DecisionTreeRegressor',
    skParams: { max_depth: 5 },
    make: () => new DecisionTreeRegressor({ maxDepth: 5 }),
    data: 'friedman',
    tolerance: 0.08,
  },
  {
    name: 'random forest 50 trees on moons',
    sk: 'RandomForestClassifier',
    skParams: { n_estimators: 50, max_depth: 6 },
    make: () => new RandomForestClassifier({ nEstimators: 50, maxDepth: 6, seed: 1 }),
    data: 'moons',
    tolerance: 0.05,
  },
  {
    name: 'random forest max features 2 on penguins',
    sk: 'RandomForestClassifier',
    skParams: { n_estimators: 40, max_features: 2 },
    make: () => new RandomForestClassifier({ nEstimators: 40, maxFeatures: 2, seed: 1 }),
    data: 'penguins',
    tolerance: 0.04,
  },
  {
    name: 'random forest regressor on Friedman #1 (R^2)',
    sk: 'RandomForestRegressor',
    skParams: { n_estimators: 40, min_samples_leaf: 2 },
    make: () => new RandomForestRegressor({ nEstimators: 40, minSamplesLeaf: 2, seed: 1 }),
    data: 'friedman',
    tolerance: 0.05,
  },
  {
    name: 'gradient boosting binary on moons',
    sk: 'GradientBoostingClassifier',
    skParams: { n_estimators: 60, learning_rate: 0.1, max_depth: 3 },
    make: () => new GradientBoostingClassifier({ nEstimators: 60, learningRate: 0.1, maxDepth: 3 }),
    data: 'moons',
    tolerance: 0.04,
  },
  {
    name: 'gradient boosting multiclass subsampled on iris',
    sk: 'GradientBoostingClassifier',
    skParams: { n_estimators: 40, learning_rate: 0.2, max_depth: 2, subsample: 0.7 },
    make: () => new GradientBoostingClassifier({ nEstimators: 40, learningRate: 0.2, maxDepth: 2, subsample: 0.7, seed: 1 }),
    data: 'iris',
    tolerance: 0.05,
  },
  {
    name: 'gradient boosting regressor on Friedman #1 (R^2)',
    sk: 'GradientBoostingRegressor',
    skParams: { n_estimators: 100, learning_rate: 0.1, max_depth: 3 },
    make: () => new GradientBoostingRegressor({ nEstimators: 100, learningRate: 0.1, maxDepth: 3 }),
    data: 'friedman',
    tolerance: 0.03,
  },
];

describe('trees, forests and boosting score like scikit-learn on the same split', () => {
  const reference = python<number[]>(
    join(__dirname, 'sklearn_trees.py'),
    cases.map((c) => ({ model: c.sk, params: c.skParams, ...splits[c.data] })),
  );
  cases.forEach((c, i) => {
    it(c.name, async () => {
      const s = splits[c.data];
      const model = await c.make().fit(s.XTrain, s.yTrain);
      const ours = model.score(s.XTest, s.yTest);
      if (process.env.TUNELAB_TEST_VERBOSE) console.log(`${c.name}: tunelab ${ours.toFixed(4)} scikit-learn ${reference[i].toFixed(4)}`);
      assert.ok(Math.abs(ours - reference[i]) <= c.tolerance, `tunelab ${ours.toFixed(4)} vs scikit-learn ${reference[i].toFixed(4)}`);
    });
  });
});

describe('tree hyperparameters act as documented', () => {
  const s = splits.moons;
  it('maxDepth and minSamplesLeaf shrink the tree; a fully grown tree fits its training data', async () => {
    const full = await new DecisionTreeClassifier().fit(s.XTrain, s.yTrain);
    assert.equal(full.score(s.XTrain, s.yTrain), 1);
    const shallow = await new DecisionTreeClassifier({ maxDepth: 2 }).fit(s.XTrain, s.yTrain);
    assert.ok(shallow.nodeCount <= 7);
    const leafy = await new DecisionTreeClassifier({ minSamplesLeaf: 30 }).fit(s.XTrain, s.yTrain);
    assert.ok(leafy.nodeCount < full.nodeCount);
  });
  it('forests and boosting are reproducible given a seed', async () => {
    const a = await new RandomForestClassifier({ nEstimators: 10, seed: 5 }).fit(s.XTrain, s.yTrain);
    const b = await new RandomForestClassifier({ nEstimators: 10, seed: 5 }).fit(s.XTrain, s.yTrain);
    assert.deepEqual(a.predictProba(s.XTest), b.predictProba(s.XTest));
    const g1 = await new GradientBoostingClassifier({ nEstimators: 10, subsample: 0.5, seed: 2 }).fit(s.XTrain, s.yTrain);
    const g2 = await new GradientBoostingClassifier({ nEstimators: 10, subsample: 0.5, seed: 2 }).fit(s.XTrain, s.yTrain);
    assert.deepEqual(g1.predictProba(s.XTest), g2.predictProba(s.XTest));
  });
  it('rejects bad hyperparameters with the parameter named', () => {
    assert.throws(() => new DecisionTreeClassifier({ maxDepth: 0 }), /maxDepth must be a positive integer/);
    assert.throws(() => new RandomForestClassifier({ maxFeatures: 'half' as never }), /maxFeatures must be/);
    assert.throws(() => new GradientBoostingClassifier({ subsample: 0 }), /subsample must be in \(0, 1\]/);
  });
});
