// Compile-time checks of model options, compiled by test/types/typecheck.test.ts with the project's
// tsc. Each `// @ts-expect-error names <key>` line says: the next line must not compile, and the error
// must name <key>. The lines without a directive must compile.
import {
  CNN,
  DecisionTreeClassifier,
  DecisionTreeRegressor,
  GradientBoostingClassifier,
  GradientBoostingRegressor,
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
  float,
  int,
  lstm,
  mlp,
  space,
  floatDistribution,
  gridSearchCV,
  halvingGridSearchCV,
  halvingRandomSearchCV,
  nestedCV,
  randomizedSearchCV,
  tuneCV,
  categorical,
  type Estimator,
  type Trial,
  KFold,
  ShuffleSplit,
  StratifiedKFold,
  trainTestSplit,
} from '../../src';
import type { NeuralNetwork } from '../../src/entries/models';

declare const trial: Trial;

// Valid options compile.
mlp({ hiddenUnits: 32, learningRate: 0.5 });
new MLP({ hiddenLayers: 2, optimizer: 'sgd' });
cnn({ inputShape: [8, 8, 1], filters: [4], kernelSize: 3 });
new CNN({ inputShape: [8, 8, 1], pooling: 'avg' });
lstm({ inputShape: [5, 2], hiddenSize: 8 });
new LSTM({ inputShape: [5, 2], layers: 2 });
new SVC({ C: 2, kernel: 'linear' });
new DecisionTreeClassifier({ maxDepth: 3 });
new RandomForestClassifier({ nEstimators: 5, maxFeatures: 'sqrt' });
new GradientBoostingRegressor({ learningRate: 0.05, subsample: 0.5 });
new StandardScaler({ withMean: false });
new MinMaxScaler({ featureRange: [-1, 1] });
new PCA({ nComponents: 2 });
new PCA({ nComponents: 0.9, whiten: true });
mlp({ initDistribution: 'normal', initScale: 0.5, readoutZeroInit: true, parameterization: 'mup', baseWidth: 16 });
const good = space({ hiddenUnits: int(8, 64), learningRate: float(1e-4, 1e-1, { log: true }) });
mlp(good.suggest(trial));
const pipe = new Pipeline([
  ['scale', new StandardScaler()],
  ['svm', new SVC()],
]);
pipe.clone({ svm__C: 10, scale__withMean: false });
const pipeParams: { svm__C: number; svm__kernel: 'linear' | 'poly' | 'rbf' | 'sigmoid'; scale__withStd: boolean } = pipe.getParams();
void pipeParams;

// scikit-learn's random_state, as randomState, wherever a model, splitter or search takes a seed.
new RandomForestClassifier({ nEstimators: 5, randomState: 0 });
new DecisionTreeRegressor({ randomState: 1 });
new GradientBoostingClassifier({ randomState: 2 }).clone({ randomState: 3 });
mlp({ hiddenUnits: 8, randomState: 4 });
cnn({ inputShape: [8, 8, 1], randomState: 5 });
lstm({ inputShape: [5, 2], randomState: 6 });
new KFold({ nSplits: 3, shuffle: true, randomState: 0 });
new StratifiedKFold({ shuffle: true, randomState: 0 });
new ShuffleSplit({ nSplits: 2, randomState: 0 });
trainTestSplit([[1], [2]], [0, 1], { testSize: 0.5, randomState: 0 });
// @ts-expect-error names randomState
new SVC({ C: 1, randomState: 0 });
// @ts-expect-error names shufle
new KFold({ shufle: true });
// @ts-expect-error names random_state
trainTestSplit([[1], [2]], [0, 1], { random_state: 0 });

// The example: misspelt keys in a fresh literal.
// @ts-expect-error names hiddenUnit
mlp({ hiddenUnit: 32 });
// @ts-expect-error names learningrate
mlp({ hiddenUnits: 32, learningrate: 0.5 });
// @ts-expect-error names learningrate
new MLP({ hiddenUnits: 32, learningrate: 0.5 });
// @ts-expect-error names outputInit
mlp({ initScale: 'glorot', outputInit: 'zeros' });
// @ts-expect-error names whitten
new PCA({ whitten: true });

// Through a spread: the literal's own keys are still checked.
const base = { epochs: 3, seed: 1 };
// @ts-expect-error names learningrate
mlp({ ...base, learningrate: 0.5 });

// A variable (no excess property check on non-fresh objects): the generic builders catch it.
const opts = { hiddenUnits: 3, learningrate: 0.5 };
// @ts-expect-error names learningrate
mlp(opts);
// A variable with no valid key at all (TypeScript's weak-type check, kept by Exactly).
const onlyTypo = { hiddenUnit: 32 };
// @ts-expect-error names hiddenUnit
mlp(onlyTypo);

// A search space's output inside a study: a misspelt space key is caught where it reaches the model.
const typo = space({ hiddenUnits: int(8, 64), learningrate: float(1e-4, 1e-1, { log: true }) });
// @ts-expect-error names learningrate
mlp(typo.suggest(trial));
// @ts-expect-error names filter
cnn({ inputShape: [8, 8, 1], filter: [4] });
const lstmOpts = { inputShape: [5, 2] as [number, number], hidden_size: 8 };
// @ts-expect-error names hidden_size
lstm(lstmOpts);
// @ts-expect-error names strides_
new CNN({ inputShape: [8, 8, 1], strides_: 2 });
// @ts-expect-error names hiddenUnits
new LSTM({ inputShape: [5, 2], hiddenUnits: 8 });

// Every classical model and transformer.
// @ts-expect-error names c
new SVC({ c: 1 });
// @ts-expect-error names max_depth
new DecisionTreeClassifier({ max_depth: 3 });
// @ts-expect-error names minSampleLeaf
new DecisionTreeRegressor({ minSampleLeaf: 3 });
// @ts-expect-error names nEstimator
new RandomForestClassifier({ nEstimator: 10 });
// @ts-expect-error names learningRate
new RandomForestRegressor({ learningRate: 0.1 });
// @ts-expect-error names learning_rate
new GradientBoostingClassifier({ learning_rate: 0.1 });
// @ts-expect-error names with_mean
new StandardScaler({ with_mean: false });
// @ts-expect-error names range
new MinMaxScaler({ range: [0, 2] });
// @ts-expect-error names n_components
new PCA({ n_components: 2 });

// clone() is exact too, for literals and for variables.
const svc = new SVC();
// @ts-expect-error names gama
svc.clone({ gama: 1 });
const gammaTypo = { C: 1, gama: 1 };
// @ts-expect-error names gama
svc.clone(gammaTypo);
// @ts-expect-error names maxdepth
new GradientBoostingRegressor().clone({ maxdepth: 2 });
// @ts-expect-error names hiddenUnit
new MLP().clone({ hiddenUnit: 8 });

// Pipelines know their steps' parameters.
// @ts-expect-error names svm__c
pipe.clone({ svm__c: 10 });
// @ts-expect-error names pca__nComponents
pipe.clone({ pca__nComponents: 2 });

// Every network is still a NeuralNetwork, and every model an Estimator.
const nets: NeuralNetwork[] = [mlp(), lstm({ inputShape: [5, 2] }), cnn({ inputShape: [8, 8, 1] })];
const estimators: Estimator[] = [new SVC(), new RandomForestClassifier(), mlp(), pipe];
void [nets, estimators];

// The search helpers take the model's parameter names only.
declare const X: number[][];
declare const y: number[];
void gridSearchCV(new SVC(), { C: [0.1, 1], kernel: ['linear', 'rbf'] }, X, y);
void gridSearchCV(pipe, [{ svm__C: [1, 10] }, { scale__withMean: [false] }], X, y);
void randomizedSearchCV(new SVC(), { C: floatDistribution(0.01, 10), gamma: [0.1, 1] }, X, y);
void tuneCV(new SVC(), (t) => ({ C: t.suggestFloat('C', 0.01, 10) }), X, y);
void tuneCV(new SVC(), space({ C: float(0.01, 10), kernel: categorical(['linear', 'rbf']) }), X, y);
void nestedCV(new SVC(), { kind: 'grid', paramGrid: { C: [1, 10] } }, X, y);
// As notebooks/04-nested-cv.ipynb writes it: a grid held in a variable.
const paramGrid = { C: [0.1, 1, 10], gamma: [0.01, 0.1] };
void nestedCV(new SVC({ kernel: 'rbf' }), { kind: 'grid', paramGrid: paramGrid }, X, y, { onFold: (row) => void row.params });
void gridSearchCV(new SVC({ kernel: 'rbf' }), paramGrid, X, y, { refit: false });
declare const anyModel: Estimator;
void gridSearchCV(anyModel, { whatever: [1, 2] }, X, y);
// @ts-expect-error names c
void gridSearchCV(new SVC(), { c: [0.1, 1] }, X, y);
// @ts-expect-error names svm__c
void gridSearchCV(pipe, [{ svm__C: [1] }, { svm__c: [1] }], X, y);
// @ts-expect-error names gama
void randomizedSearchCV(new SVC(), { gama: [0.1, 1] }, X, y);
// @ts-expect-error names gama
void tuneCV(new SVC(), (t) => ({ gama: t.suggestFloat('gamma', 0.01, 10) }), X, y);
// @ts-expect-error names kernal
void tuneCV(new SVC(), space({ C: float(0.01, 10), kernal: categorical(['linear', 'rbf']) }), X, y);
// @ts-expect-error names c
void nestedCV(new SVC(), { kind: 'grid', paramGrid: { c: [1, 10] } }, X, y);
// @ts-expect-error names hiddenUnit
void gridSearchCV(mlp(), { hiddenUnit: [8, 16] }, X, y);
void halvingGridSearchCV(new SVC(), { C: [0.1, 1, 10] }, X, y, { factor: 2 });
void halvingRandomSearchCV(new SVC(), { C: floatDistribution(0.01, 10) }, X, y);
// @ts-expect-error names gama
void halvingGridSearchCV(new SVC(), { gama: [0.1, 1] }, X, y);
// @ts-expect-error names kernal
void halvingRandomSearchCV(new SVC(), { kernal: ['linear', 'rbf'] }, X, y);

// Search results are typed by the model searched (scikit-learn's SVC(**search.best_params_),
// search.best_estimator_.predict_proba(X)).
async function typedResults(): Promise<void> {
  const g = await gridSearchCV(new SVC(), { C: [1, 10] }, X, y);
  const svc2: SVC = new SVC({ C: g.bestParams.C });
  void svc2;
  void new SVC(g.bestParams);
  const t = await tuneCV(new RandomForestClassifier(), (tr) => ({ maxDepth: tr.suggestInt('maxDepth', 2, 10) }), X, y, { nTrials: 2 });
  void t.bestEstimator?.predictProba(X);
  void t.study.trials.length;
  const r = await randomizedSearchCV(new SVC(), { C: floatDistribution(0.01, 10) }, X, y);
  const c: number | undefined = r.bestParams.C;
  void c;
  const h = await halvingGridSearchCV(new RandomForestClassifier(), { maxDepth: [2, 4] }, X, y);
  void h.bestEstimator?.predictProba(X);
  void h.nIterations_;
  // @ts-expect-error names gama
  void g.bestParams.gama;
  const pipeResult = await gridSearchCV(pipe, [{ svm__C: [1, 10] }], X, y);
  const pc: number | undefined = pipeResult.bestParams.svm__C;
  void pc;
}
void typedResults;
