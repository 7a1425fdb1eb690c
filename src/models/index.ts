export { accuracy, r2, meanSquaredError, type Estimator, type Matrix, type Vector, type Params } from './estimator';
export { SVC, type SVCParams, type SVCKernel } from './svm';
export { Pipeline, type PipelineStep } from './pipeline';
export { StandardScaler, MinMaxScaler, PCA, type Transformer, type PCAParams } from './preprocessing';
