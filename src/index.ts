/**
 * tunelab: hyperparameter tuning for TypeScript notebooks. Names mirror Optuna's in camelCase.
 *
 * The root holds what a tuning script reaches for: studies and trials, search spaces and
 * distributions, the samplers and pruners, storages by URL, callbacks, errors, logging, seeds, the
 * plots, importance, cross-validation and its models, and the data sets. Each area also has an
 * entry point with everything public in it (options types, helpers, the less common classes):
 * 'tunelab/samplers', 'tunelab/pruners', 'tunelab/storage', 'tunelab/visualization',
 * 'tunelab/importance', 'tunelab/cv', 'tunelab/models', 'tunelab/data', 'tunelab/terminator',
 * 'tunelab/artifacts', 'tunelab/multiobjective', 'tunelab/pbt', 'tunelab/reproducibility',
 * 'tunelab/schedules', 'tunelab/efficiency' (and 'tunelab/widgets' for the notebook widgets).
 * package.json's "exports" lists them; test/package/exports.test.ts pins every list.
 *
 * What the kernel, the widgets and the tests need beyond this (the default optimize observer,
 * stopping every study on an interrupt, storage registration, attribute keys) they import from its
 * module under src/: those are not part of the API.
 */
export * from './errors';
export { MultiObjectiveValueError } from './frozenTrial';
export { Rng } from './rng';

// Studies, trials and what they hold.
export {
  createStudy,
  loadStudy,
  deleteStudy,
  getAllStudySummaries,
  getAllStudyNames,
  copyStudy,
  type CopyStudyOptions,
  type DeleteStudyOptions,
} from './study/lifecycle';
export {
  Study,
  type CreateStudyOptions,
  type EnqueueTrialOptions,
  type LoadStudyOptions,
  type Objective,
  type ObjectiveValue,
  type OptimizeOptions,
  type StudyCallback,
  type TellOptions,
} from './study';
export type { Trial } from './trial';
export { FixedTrial, type FixedTrialOptions } from './fixedTrial';
export { createTrial, type CreateTrialOptions } from './createTrial';
export {
  TrialState,
  trialStateName,
  trialValue,
  trialDurationMs,
  frozenTrial,
  type Direction,
  type FrozenTrial,
  type FrozenTrialData,
} from './frozenTrial';
export type { TrialAttr, TrialsTable, TrialsTableOptions, TrialRow } from './export';
export type { Storage, StudySummary } from './storage';
export { objectiveFromModule, type ModuleObjective } from './parallel/moduleObjective';

// Search spaces: define-by-run distributions and the typed declarative space.
export {
  categoricalDistribution,
  floatDistribution,
  intDistribution,
  distributionFromJson,
  distributionToJson,
  type CategoricalChoice,
  type CategoricalDistribution,
  type Distribution,
  type FloatDistribution,
  type IntDistribution,
  type ParamValue,
} from './distributions';
export {
  space,
  float,
  int,
  categorical,
  branch,
  type Branch,
  type ParamsOf,
  type SearchSpace,
  type SpaceDefinition,
  type SpaceEntry,
  type ValueOf,
} from './space';

// Samplers and pruners (options types and helpers: 'tunelab/samplers', 'tunelab/pruners').
export type { Sampler } from './samplers/base';
export { RandomSampler } from './samplers/random';
export { TPESampler } from './samplers/tpe';
export { GridSampler } from './samplers/grid';
export { QMCSampler } from './samplers/qmc';
export { GPSampler } from './samplers/gp';
export { CmaEsSampler } from './samplers/cmaes';
export {
  NSGAIISampler,
  NSGAIIISampler,
  UniformCrossover,
  BLXAlphaCrossover,
  SBXCrossover,
  VSBXCrossover,
  SPXCrossover,
  UNDXCrossover,
  PolynomialMutation,
  type Crossover,
  type Mutation,
} from './samplers/nsgaii';
export { BruteForceSampler } from './samplers/bruteForce';
export { PartialFixedSampler } from './samplers/partialFixed';
export type { StudyView, PeekedTrials, AlgorithmWrites, AlgorithmResult, StudyAttrClaim } from './study/view';
export { NopPruner, type Pruner, type PruneDecision } from './pruners/base';
export { PercentilePruner, MedianPruner } from './pruners/percentile';
export { ThresholdPruner } from './pruners/threshold';
export { PatientPruner } from './pruners/patient';
export { SuccessiveHalvingPruner } from './pruners/successiveHalving';
export { HyperbandPruner } from './pruners/hyperband';
export { WilcoxonPruner } from './pruners/wilcoxon';

// Callbacks.
export { MaxTrialsCallback, type MaxTrialsCallbackOptions } from './callbacks';
export { RetryHeartbeatStaleTrialCallback, RetryFailedTrialCallback } from './parallel/retry';
export { Terminator, TerminatorCallback } from './terminator';

// Storages by URL need no import; the journal storage as objects (more in 'tunelab/storage').
export { JournalStorage, JournalFileBackend, JournalRedisBackend } from './storage';
// Artifacts (more in 'tunelab/artifacts').
export { FileSystemArtifactStore, uploadArtifact, downloadArtifact, getAllArtifactMeta } from './artifacts';

// Logging and verbosity.
export * as logging from './logging';
export {
  setVerbosity,
  getVerbosity,
  disableDefaultHandler,
  enableDefaultHandler,
  addLogHandler,
  removeLogHandler,
  type LogRecord,
  type LogHandler,
} from './logging';

// Reproducibility (more in 'tunelab/reproducibility').
export { evaluateSeeds, currentSeed, runWithSeed } from './reproducibility';

// Rich display in the notebook: objects with a [reprSymbol]() method.
export { reprSymbol, type Displayable, type MimeBundle } from './display';

// Plots (Figure and the plot data: 'tunelab/visualization').
export {
  plotOptimizationHistory,
  plotIntermediateValues,
  plotParallelCoordinate,
  plotContour,
  plotSlice,
  plotParamImportances,
  plotEdf,
  plotTimeline,
  plotParetoFront,
  plotRank,
  plotHypervolumeHistory,
  plotTerminatorImprovement,
} from './visualization';
// Importance (PED-ANOVA and options: 'tunelab/importance').
export { getParamImportances, fanova } from './importance';

// Cross-validation and searches in scikit-learn's vocabulary (options and results: 'tunelab/cv').
export {
  KFold,
  StratifiedKFold,
  ShuffleSplit,
  trainTestSplit,
  crossValidate,
  gridSearchCV,
  randomizedSearchCV,
  halvingGridSearchCV,
  halvingRandomSearchCV,
  tuneCV,
  nestedCV,
} from './entries/cv';
// Models (parameter types, metrics, muP: 'tunelab/models'). Models that train with tfjs load it
// lazily, so requiring tunelab stays fast.
export {
  SVC,
  DecisionTreeClassifier,
  DecisionTreeRegressor,
  RandomForestClassifier,
  RandomForestRegressor,
  GradientBoostingClassifier,
  GradientBoostingRegressor,
  Pipeline,
  StandardScaler,
  MinMaxScaler,
  PCA,
  MLP,
  CNN,
  LSTM,
  mlp,
  cnn,
  lstm,
  type Estimator,
} from './models';
export { backendInfo, useBackend, type BackendInfo, type BackendName } from './backend';
// Data sets (also 'tunelab/data'); scikit-learn's generators also at the top level, as scikit-learn users import them.
export * as datasets from './data';
export { makeClassification, makeRegression, makeBlobs } from './data';
// Learning-rate schedules matching torch.optim.lr_scheduler (also 'tunelab/schedules').
export * as schedules from './schedules';
