/**
 * Models behind one Estimator interface (fit / predict / score / clone(params)), exported flat:
 * SVC (libsvm), DecisionTree*, RandomForest*, GradientBoosting* (classifier and regressor),
 * Pipeline with StandardScaler / MinMaxScaler / PCA (params addressed as step__param), and the
 * tfjs networks mlp() / cnn() / lstm() whose fit(X, y, { trial, validationData, earlyStopping,
 * schedule, callbacks }) reports each epoch to a trial (the epoch loop and its Keras-style
 * callbacks are in ./training). tfjs loads on the first neural fit.
 *
 * Every model's options are exact: an unknown key is a compile error in TypeScript and an
 * InvalidArgumentError naming the model and the nearest valid key at run time (see ../options.ts).
 */
export { accuracy, r2, meanSquaredError, type Estimator, type Matrix, type Vector, type Params } from './estimator';
export {
  precisionScore,
  recallScore,
  f1Score,
  balancedAccuracy,
  confusionMatrix,
  meanAbsoluteError,
  rootMeanSquaredError,
  type Average,
  type ClassificationMetricOptions,
} from './metrics';
export { SVC, type SVCParams, type SVCKernel } from './svm';
export { Pipeline, type PipelineStep, type PipelineParams } from './pipeline';
export {
  StandardScaler,
  MinMaxScaler,
  PCA,
  type Transformer,
  type PCAParams,
  type StandardScalerParams,
  type MinMaxScalerParams,
} from './preprocessing';
export {
  NeuralNetwork,
  MLP,
  CNN,
  LSTM,
  mlp,
  cnn,
  lstm,
  type MLPParams,
  type CNNParams,
  type LSTMParams,
  type TrainingParams,
  type FitOptions,
  type Task,
  type OptimizerName,
  type Activation,
  type TfModelHandle,
} from './neural';
export type { EpochRecord, TrainingCallback } from './training/callback';
export type { EarlyStopping } from './training/earlyStopping';
export { widthScaling, type Parameterization, type LayerScaling, type LayerRole, type WidthScalingOptions } from './mup';
export {
  DecisionTreeClassifier,
  DecisionTreeRegressor,
  RandomForestClassifier,
  RandomForestRegressor,
  GradientBoostingClassifier,
  GradientBoostingRegressor,
  type TreeParams,
  type ForestParams,
  type BoostingParams,
  type MaxFeatures,
} from './trees';
