// Run-time checks of model options (the compile-time side is test/types/modelOptions.fixture.ts):
// plain JavaScript, or objects TypeScript could not see, get an InvalidArgumentError naming the
// unknown key, the model and the nearest valid key, instead of a model silently trained on defaults.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import {
  CNN,
  DecisionTreeClassifier,
  DecisionTreeRegressor,
  GradientBoostingClassifier,
  GradientBoostingRegressor,
  InvalidArgumentError,
  LSTM,
  MinMaxScaler,
  MLP,
  PCA,
  Pipeline,
  RandomForestClassifier,
  RandomForestRegressor,
  StandardScaler,
  SVC,
  cnn,
  datasets,
  gridSearchCV,
  lstm,
  mlp,
} from '../../src';
import { checkOptionKeys } from '../../src/options';

/** Call a constructor or builder the way plain JavaScript would, with whatever options. */
type Untyped = (options: unknown) => unknown;
const untyped = <F>(f: F): Untyped => f as unknown as Untyped;
const build =
  <C>(C: C): Untyped =>
  (o) =>
    new (C as unknown as new (o: unknown) => unknown)(o);

function rejects(make: () => unknown, model: string, key: string, suggestion: string | null): void {
  assert.throws(make, (e: unknown) => {
    assert.ok(e instanceof InvalidArgumentError, `expected InvalidArgumentError, got ${String(e)}`);
    assert.match(e.message, new RegExp(`^${model}: unknown option "${key}"\\.`), e.message);
    if (suggestion === null) assert.doesNotMatch(e.message, /Did you mean/, e.message);
    else assert.ok(e.message.includes(`Did you mean ${suggestion}?`), e.message);
    return true;
  });
}

describe('model options are checked at run time', () => {
  it("the issue's example: mlp({ hiddenUnit: 32, learningrate: 0.5 }) names the key and the nearest valid one", () => {
    rejects(() => untyped(mlp)({ hiddenUnit: 32 }), 'MLP', 'hiddenUnit', 'hiddenUnits');
    rejects(() => untyped(mlp)({ hiddenUnits: 32, learningrate: 0.5 }), 'MLP', 'learningrate', 'learningRate');
    rejects(() => build(MLP)({ learningrate: 0.5 }), 'MLP', 'learningrate', 'learningRate');
  });

  it('every model and transformer rejects an unknown key, suggesting the nearest valid one', () => {
    const cases: Array<[Untyped, string, Record<string, unknown>, string, string]> = [
      [untyped(cnn), 'CNN', { inputShape: [4, 4, 1], filter: [2] }, 'filter', 'filters'],
      [build(CNN), 'CNN', { inputShape: [4, 4, 1], kernel_size: 3 }, 'kernel_size', 'kernelSize'],
      [untyped(lstm), 'LSTM', { inputShape: [3, 1], hidden_size: 4 }, 'hidden_size', 'hiddenSize'],
      [build(LSTM), 'LSTM', { inputShape: [3, 1], layer: 2 }, 'layer', 'layers'],
      [build(SVC), 'SVC', { c: 1 }, 'c', 'C'],
      [build(SVC), 'SVC', { gama: 0.1 }, 'gama', 'gamma'],
      [build(DecisionTreeClassifier), 'DecisionTreeClassifier', { max_depth: 3 }, 'max_depth', 'maxDepth'],
      [build(DecisionTreeRegressor), 'DecisionTreeRegressor', { minSampleLeaf: 3 }, 'minSampleLeaf', 'minSamplesLeaf'],
      [build(RandomForestClassifier), 'RandomForestClassifier', { nEstimator: 3 }, 'nEstimator', 'nEstimators'],
      [build(RandomForestRegressor), 'RandomForestRegressor', { max_features: 'sqrt' }, 'max_features', 'maxFeatures'],
      [build(GradientBoostingClassifier), 'GradientBoostingClassifier', { learning_rate: 0.1 }, 'learning_rate', 'learningRate'],
      [build(GradientBoostingRegressor), 'GradientBoostingRegressor', { subsampel: 0.5 }, 'subsampel', 'subsample'],
      [build(StandardScaler), 'StandardScaler', { with_mean: false }, 'with_mean', 'withMean'],
      [build(MinMaxScaler), 'MinMaxScaler', { feature_range: [0, 2] }, 'feature_range', 'featureRange'],
      [build(PCA), 'PCA', { n_components: 2 }, 'n_components', 'nComponents'],
    ];
    for (const [make, model, options, key, suggestion] of cases) rejects(() => make(options), model, key, suggestion);
  });

  it('a key near nothing gets the list of valid options and no guess', () => {
    rejects(() => build(SVC)({ banana: 1 }), 'SVC', 'banana', null);
    assert.throws(() => build(SVC)({ banana: 1 }), /Valid options: C, coef0, degree, gamma, kernel, shrinking, tol\./);
  });

  it('options that are not an object are refused', () => {
    assert.throws(() => build(SVC)(5), /SVC: options must be an object/);
    assert.throws(() => untyped(mlp)([1, 2]), /MLP: options must be an object/);
  });

  it('clone() checks its keys too, and Pipeline.clone suggests the nearest step__param', () => {
    assert.throws(
      () => (new SVC().clone as Untyped)({ gama: 1 }),
      /^InvalidArgumentError: SVC\.clone: unknown option "gama"\. Did you mean gamma\?/,
    );
    assert.throws(
      () => (new GradientBoostingRegressor().clone as Untyped).call(new GradientBoostingRegressor(), { maxdepth: 2 }),
      /GradientBoostingRegressor\.clone: unknown option "maxdepth"\. Did you mean maxDepth\?/,
    );
    const pipe = new Pipeline([
      ['scale', new StandardScaler()],
      ['svm', new SVC()],
    ]);
    const clonePipe = pipe.clone.bind(pipe) as Untyped;
    assert.throws(
      () => clonePipe({ svm__c: 10 }),
      /Pipeline\.clone: unknown parameter \(stepName__param\) "svm__c"\. Did you mean svm__C\?/,
    );
    assert.throws(() => clonePipe({ C: 10 }), /Pipeline\.clone: unknown parameter \(stepName__param\) "C"\..*svm__C/);
    assert.deepEqual(pipe.clone({ svm__C: 10 }).getParams().svm__C, 10);
  });

  it('valid options still apply, and an option given as undefined keeps its default', () => {
    assert.deepEqual(new SVC({ C: 3, kernel: 'linear' }).getParams(), {
      C: 3,
      kernel: 'linear',
      gamma: 'scale',
      degree: 3,
      coef0: 0,
      tol: 1e-3,
      shrinking: true,
    });
    assert.equal(new SVC({ C: undefined }).getParams().C, 1);
    assert.equal(mlp({ learningRate: 0.5, hiddenUnits: 32 }).getParams().learningRate, 0.5);
    assert.equal(new RandomForestClassifier({ seed: undefined, nEstimators: 7 }).getParams().seed, 0);
    assert.equal(new RandomForestClassifier({ nEstimators: 7 }).clone({ maxDepth: 2 }).getParams().nEstimators, 7);
  });

  it('a search with a misspelt grid key fails before fitting anything, naming the nearest key', async () => {
    const iris = datasets.iris();
    await assert.rejects(
      // @ts-expect-error c is not an SVC parameter (a compile error too; this checks the run-time side)
      gridSearchCV(new SVC(), { c: [1, 10] }, iris.X, iris.y, { cv: 3 }),
      /SVC\.clone: unknown option "c"\. Did you mean C\?/,
    );
  });

  it('the shared helper words every error the same way', () => {
    assert.throws(
      () => checkOptionKeys('f', { nSample: 1 }, ['nSamples', 'seed']),
      /^InvalidArgumentError: f: unknown option "nSample"\. Did you mean nSamples\? Valid options: nSamples, seed\.$/,
    );
    assert.doesNotThrow(() => checkOptionKeys('f', undefined, ['seed']));
  });

  it('plain JavaScript (no type checker) gets the same error', () => {
    const root = path.resolve(__dirname, '..', '..');
    const script = `const { mlp } = require('./src'); try { mlp({ hiddenUnits: 32, learningrate: 0.5 }); console.log('no error'); } catch (e) { console.log(e.name + ': ' + e.message); }`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^InvalidArgumentError: MLP: unknown option "learningrate"\. Did you mean learningRate\?/, r.stdout + r.stderr);
  });
});
