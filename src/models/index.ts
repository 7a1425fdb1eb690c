export { accuracy, r2, meanSquaredError, type Estimator, type Matrix, type Vector, type Params } from './estimator';
export { SVC, type SVCParams, type SVCKernel } from './svm';
export { Pipeline, type PipelineStep } from './pipeline';
export { StandardScaler, MinMaxScaler, PCA, type Transformer, type PCAParams } from './preprocessing';
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
  type EarlyStopping,
  type EpochRecord,
  type Task,
  type OptimizerName,
  type Activation,
} from './neural';
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
