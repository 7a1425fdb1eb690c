/**
 * The metrics and scorer names against scikit-learn's own: precision, recall and F1 under each
 * average, balanced accuracy, the confusion matrix, the error metrics, and crossValidate with
 * scikit-learn's scorer names (SVC is libsvm on both sides, so the fold scores are equal).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  accuracy,
  balancedAccuracy,
  confusionMatrix,
  f1Score,
  meanAbsoluteError,
  meanSquaredError,
  precisionScore,
  r2,
  recallScore,
  rootMeanSquaredError,
} from '../../src/entries/models';
import { crossValidate, datasets, gridSearchCV, makeRegression, Rng, SVC } from '../../src';
import { python } from './python';

const SK = join(__dirname, 'sklearn_reference.py');
const close = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

describe("metrics equal scikit-learn's", () => {
  const rng = new Rng(7);
  const labels = (n: number, k: number) => Array.from({ length: n }, () => rng.int(0, k - 1));
  const noisy = (y: number[], k: number, p: number) => y.map((v) => (rng.random() < p ? rng.int(0, k - 1) : v));
  const binaryTrue = labels(60, 2);
  const multiTrue = labels(90, 4);
  // A class only predicted (3 absent from yTrue) and one never predicted: the zero-division paths.
  const skewTrue = [0, 0, 1, 1, 1, 2, 2, 2, 2, 0];
  const skewPred = [0, 1, 1, 1, 3, 1, 1, 0, 3, 0];
  const labelCases = [
    { kind: 'labels', yTrue: binaryTrue, yPred: noisy(binaryTrue, 2, 0.3), averages: ['binary', 'macro', 'micro', 'weighted'] },
    { kind: 'labels', yTrue: multiTrue, yPred: noisy(multiTrue, 4, 0.4), averages: ['macro', 'micro', 'weighted'] },
    { kind: 'labels', yTrue: skewTrue, yPred: skewPred, averages: ['macro', 'micro', 'weighted'] },
  ];
  const values = Array.from({ length: 40 }, () => rng.normal(3, 2));
  const errorCases = [{ kind: 'errors', yTrue: values, yPred: values.map((v) => v + rng.normal(0, 0.7)) }];
  const reference = python<Array<Record<string, number | number[][]>>>(SK, { task: 'metrics', cases: [...labelCases, ...errorCases] });

  it('precision, recall and F1 under every average, balanced accuracy, accuracy, the confusion matrix', () => {
    labelCases.forEach((c, i) => {
      const ref = reference[i];
      for (const average of c.averages as Array<'binary' | 'macro' | 'micro' | 'weighted'>) {
        close(precisionScore(c.yTrue, c.yPred, { average }), ref[`precision_${average}`] as number, `case ${i} precision ${average}`);
        close(recallScore(c.yTrue, c.yPred, { average }), ref[`recall_${average}`] as number, `case ${i} recall ${average}`);
        close(f1Score(c.yTrue, c.yPred, { average }), ref[`f1_${average}`] as number, `case ${i} f1 ${average}`);
      }
      close(balancedAccuracy(c.yTrue, c.yPred), ref.balanced_accuracy as number, `case ${i} balanced accuracy`);
      close(accuracy(c.yTrue, c.yPred), ref.accuracy as number, `case ${i} accuracy`);
      assert.deepEqual(confusionMatrix(c.yTrue, c.yPred).matrix, ref.confusion, `case ${i} confusion matrix`);
    });
  });

  it('the error metrics', () => {
    const c = errorCases[0];
    const ref = reference[labelCases.length] as Record<string, number>;
    close(meanAbsoluteError(c.yTrue, c.yPred), ref.mae, 'MAE');
    close(rootMeanSquaredError(c.yTrue, c.yPred), ref.rmse, 'RMSE');
    close(meanSquaredError(c.yTrue, c.yPred), ref.mse, 'MSE');
    close(r2(c.yTrue, c.yPred), ref.r2, 'r2');
  });

  it('refuse what scikit-learn refuses, and say what to do', () => {
    assert.throws(() => f1Score([0, 1, 2], [0, 1, 1]), /3 classes, but average is 'binary'; choose average 'macro'/);
    assert.throws(() => precisionScore([0, 2], [2, 0]), /posLabel 1 is not a label of y \(0, 2\)/);
    assert.throws(() => meanSquaredError([1, NaN], [1, 2]), /meanSquaredError: yTrue\[1\] is NaN/);
    // A diverged model's NaN prediction scores NaN (a search ranks it last and goes on), not an error.
    assert.ok(Number.isNaN(meanSquaredError([1, 2], [1, NaN])));
    assert.ok(Number.isNaN(r2([1, 2, 3], [1, NaN, 3])));
    assert.throws(() => meanAbsoluteError([1, 2], [1]), /must be non-empty and of equal length, got 2 and 1/);
    assert.ok(Number.isNaN(r2([2], [1])), 'r2 of one sample is undefined (scikit-learn: nan)');
  });
});

describe("scikit-learn's scorer names in crossValidate and the searches", () => {
  const iris = datasets.iris();
  const scorers = ['f1_macro', 'precision_weighted', 'recall_micro', 'balanced_accuracy'] as const;
  it("give scikit-learn's fold scores", async () => {
    const ref = python<Record<string, number[]>>(SK, { task: 'cv_scoring', X: iris.X, y: iris.y, scorers });
    for (const scoring of scorers) {
      const ours = await crossValidate(new SVC(), iris.X, iris.y, { scoring });
      ours.testScore.forEach((s, f) => close(s, ref[scoring][f], `${scoring} fold ${f}`));
    }
  });

  it('negated error scorers rank the smaller error first; an unknown name or a list is refused', async () => {
    const { X, y } = makeRegression({ nSamples: 60, nFeatures: 3, noise: 5, seed: 1 });
    const { DecisionTreeRegressor } = await import('../../src');
    const search = await gridSearchCV(new DecisionTreeRegressor(), { maxDepth: [1, 6] }, X, y, { scoring: 'neg_mean_absolute_error' });
    assert.ok(search.cvResults.every((r) => r.meanTestScore < 0));
    assert.equal(search.bestParams.maxDepth, 6);
    await assert.rejects(
      crossValidate(new SVC(), iris.X, iris.y, { scoring: 'f2' as never }),
      /scoring must be one of accuracy, balanced_accuracy, f1, .* got "f2"/,
    );
    await assert.rejects(
      crossValidate(new SVC(), iris.X, iris.y, { scoring: ['accuracy', 'f1_macro'] as never }),
      /Several scorers at once \(a list\) are not supported/,
    );
    await assert.rejects(
      gridSearchCV(new SVC(), { C: [1] }, iris.X, iris.y, { refit: 'accuracy' as never }),
      /refit must be true or false, got "accuracy"/,
    );
  });
});
