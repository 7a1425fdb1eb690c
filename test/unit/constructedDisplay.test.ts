/**
 * console.log (util.inspect, which the kernel's display uses too) shows samplers, pruners and models
 * as the calls that made them, and search results with their rows' parameters: not caches that grow
 * with the study, nor `[Object]` where the parameters are.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import {
  createStudy,
  datasets,
  gridSearchCV,
  GridSampler,
  MedianPruner,
  mlp,
  NSGAIIISampler,
  PartialFixedSampler,
  PatientPruner,
  PCA,
  PercentilePruner,
  Pipeline,
  RandomForestClassifier,
  RandomSampler,
  setVerbosity,
  logging,
  StandardScaler,
  SVC,
  TPESampler,
} from '../../src';

describe('samplers and pruners print as the call that made them', () => {
  it('with the arguments given, before and after a study', async () => {
    const tpe = new TPESampler({ seed: 0, nStartupTrials: 5 });
    const study = await createStudy({ sampler: tpe });
    const before = inspect(tpe);
    setVerbosity(logging.WARNING);
    try {
      await study.optimize((t) => t.suggestFloat('x', 0, 1) + t.suggestInt('n', 1, 4), { nTrials: 40, showProgressBar: false });
    } finally {
      setVerbosity(logging.INFO);
    }
    assert.equal(before, 'TPESampler({ seed: 0, nStartupTrials: 5 })');
    assert.equal(inspect(tpe), before, 'the caches the study filled are not shown');
    assert.equal(inspect({ sampler: study.sampler }), '{ sampler: TPESampler({ seed: 0, nStartupTrials: 5 }) }');
    assert.equal(inspect(new TPESampler()), 'TPESampler()');
    assert.equal(inspect(new TPESampler({ seed: undefined })), 'TPESampler()');
    assert.equal(inspect(new MedianPruner({ nStartupTrials: 3 })), 'MedianPruner({ nStartupTrials: 3 })');
    assert.equal(inspect(new PercentilePruner(25)), 'PercentilePruner(25)');
    assert.equal(inspect(new PatientPruner(new MedianPruner(), { patience: 2 })), 'PatientPruner(MedianPruner(), { patience: 2 })');
    assert.equal(inspect(new GridSampler({ x: [1, 2] })), 'GridSampler({ x: [ 1, 2 ] })');
    assert.equal(
      inspect(new PartialFixedSampler({ x: 1 }, new RandomSampler({ seed: 1 }))),
      'PartialFixedSampler({ x: 1 }, RandomSampler({ seed: 1 }))',
    );
    assert.equal(inspect(new NSGAIIISampler({ seed: 2 })), 'NSGAIIISampler({ seed: 2 })');
  });
});

describe("models print as scikit-learn's repr does: the hyperparameters that differ from the defaults", () => {
  it('fitted or not, cloned, in a pipeline, as a search result', async () => {
    const { X, y } = datasets.iris();
    const forest = await new RandomForestClassifier({ nEstimators: 5, seed: 3 }).fit(X, y);
    assert.equal(inspect(forest), 'RandomForestClassifier({ nEstimators: 5, seed: 3 })', 'the fitted trees are not shown');
    assert.equal(inspect(forest.clone({ maxDepth: 3 })), 'RandomForestClassifier({ maxDepth: 3, nEstimators: 5, seed: 3 })');
    assert.equal(inspect(new SVC()), 'SVC()');
    assert.equal(inspect(mlp({ hiddenUnits: 8, epochs: 2 })), 'MLP({ epochs: 2, hiddenUnits: 8 })');
    const pipe = new Pipeline([
      ['scale', new StandardScaler({ withMean: false })],
      ['pca', new PCA({ nComponents: 2 })],
      ['svc', new SVC({ C: 10 })],
    ] as const);
    assert.equal(
      inspect(pipe, { breakLength: Infinity }),
      "Pipeline([ [ 'scale', StandardScaler({ withMean: false }) ], [ 'pca', PCA({ nComponents: 2 }) ], [ 'svc', SVC({ C: 10 }) ] ])",
    );
    const search = await gridSearchCV(new SVC(), { C: [1, 10] }, X, y);
    const shown = inspect(search);
    assert.match(shown, /bestEstimator: SVC\(\{ C: 10 \}\)/);
    assert.match(shown, /params: \{ C: 1 \}/, 'the rows show their parameters');
    assert.doesNotMatch(shown, /\[Object\]/);
    assert.equal(JSON.stringify(Object.keys(search)), '["bestParams","bestScore","bestIndex","bestEstimator","cvResults"]');
  });
});
