/**
 * tunelab: hyperparameter tuning for TypeScript notebooks.
 * Everything a user needs is exported from here; names mirror Optuna's in camelCase.
 */
export * from './errors';
export { Rng } from './rng';
export { checkOptionKeys, type Exactly } from './options';
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
  TrialState,
  trialStateName,
  trialValue,
  trialDurationMs,
  frozenTrial,
  MultiObjectiveValueError,
  type Direction,
  type FrozenTrial,
  type FrozenTrialData,
} from './frozenTrial';
export { Trial } from './trial';
export { createTrial, type CreateTrialOptions } from './createTrial';
export { MaxTrialsCallback, type MaxTrialsCallbackOptions } from './callbacks';
export {
  Study,
  createStudy,
  loadStudy,
  deleteStudy,
  getAllStudySummaries,
  stopAllStudies,
  type CreateStudyOptions,
  type Objective,
  type ObjectiveValue,
  type OptimizeOptions,
  type StudyCallback,
  type TellOptions,
} from './study';
export { space, float, int, categorical, branch, PATH_SEPARATOR, type Branch, type ParamsOf, type SearchSpace, type SpaceDefinition, type SpaceEntry, type ValueOf } from './space';
export type { TrialsTable, TrialRow } from './export';
export { setDefaultObserverFactory, type OptimizeObserver, type ObserverFactory, type OptimizeEnd } from './progress';
export { setOptimizeInterruptSource, getOptimizeInterruptSource, type OptimizeInterruptSource } from './optimizeSignal';
export * as logging from './logging';
export { setVerbosity, getVerbosity, disableDefaultHandler, enableDefaultHandler, addLogHandler, removeLogHandler, type LogRecord, type LogHandler } from './logging';
export { InMemoryStorage, getStorage, registerStorageBackend, type Storage, type StudySummary } from './storage';
// Optuna's journal format (issue 16): a file of JSON lines shared through lock files, or Redis.
export {
  JournalFileBackend,
  JournalFileOpenLock,
  JournalFileSymlinkLock,
  JournalRedisBackend,
  JournalStorage,
  type JournalBackend,
  type JournalFileLock,
  type JournalFileOptions,
  type JournalRedisOptions,
  type LockOptions,
} from './storage';
// Artifacts (issue 16): files attached to studies and trials, where Optuna and optuna-dashboard find them.
export {
  ArtifactNotFoundError,
  FileSystemArtifactStore,
  downloadArtifact,
  getAllArtifactMeta,
  uploadArtifact,
  type ArtifactMeta,
  type ArtifactStore,
  type DownloadArtifactOptions,
  type StudyOrTrial,
  type UploadArtifactOptions,
} from './artifacts';
export type { Sampler } from './samplers/base';
export { RandomSampler } from './samplers/random';
export { NopPruner, type Pruner } from './pruners/base';
export { reprSymbol, isDisplayable, type Displayable, type MimeBundle } from './display';
// Reproducible, seed-robust trials (issue 16): trial.seed, study.reproduce, evaluateSeeds.
export * from './reproducibility';

// Learning-rate schedules (issue 6): pure functions of the step matching torch.optim.lr_scheduler.
export * as schedules from './schedules';
export {
  PercentilePruner,
  MedianPruner,
  ThresholdPruner,
  PatientPruner,
  SuccessiveHalvingPruner,
  HyperbandPruner,
  WilcoxonPruner,
  wilcoxonSignedRank,
  completedRungKey,
  type PercentilePrunerOptions,
  type ThresholdPrunerOptions,
  type PatientPrunerOptions,
  type SuccessiveHalvingPrunerOptions,
  type HyperbandPrunerOptions,
  type HyperbandBracket,
  type WilcoxonPrunerOptions,
  type SignedRankAlternative,
  type SignedRankMethod,
  type SignedRankOptions,
  type SignedRankResult,
  type SignedRankZeroMethod,
} from './pruners';
// Cross-validation, searches and classical models (issue 6), in scikit-learn's vocabulary. Models
// that train with tfjs load it lazily, so requiring tunelab stays fast.
export * from './cv';
export * from './models';
export * as datasets from './data';
// scikit-learn's generators, also at the top level as scikit-learn users import them.
export {
  makeClassification,
  makeRegression,
  makeBlobs,
  type MakeClassificationOptions,
  type MakeRegressionOptions,
  type MakeBlobsOptions,
  type ClassificationData,
  type FeatureKind,
  type RegressionData,
  type BlobsData,
} from './data';
export {
  fanova,
  getParamImportances,
  pedAnovaImportances,
  type ImportanceEvaluatorName,
  type PedAnovaOptions,
  type PedAnovaStudy,
  type FanovaData,
  type FanovaOptions,
  type FanovaResult,
  type ImportanceOptions,
  type ImportanceStat,
  type PairInteraction,
} from './importance';
export { backendInfo, useBackend, type BackendInfo, type BackendName } from './backend';
// Persistent and distributed studies (SQLite / PostgreSQL on Optuna's schema, heartbeats, worker threads).
export { copyStudy } from './study';
export { objectiveFromModule, type ModuleObjective } from './parallel/moduleObjective';
export { RetryFailedTrialCallback } from './parallel/retry';
export type { HeartbeatOptions, FailedTrialCallback } from './parallel/heartbeat';
export { HEAD_REVISION as OPTUNA_SCHEMA_REVISION } from './storage/rdb/schema';
export { upgradeStorage, type UpgradeOutcome } from './storage/rdb/upgrade';
// Bayesian optimisation beyond TPE: GP, CMA-ES, NSGA-II, multi-objective tools, population-based training.
export { GPSampler, type GPSamplerOptions } from './samplers/gp';
export { CmaEsSampler, type CmaEsSamplerOptions } from './samplers/cmaes';
export { NSGAIISampler, type NSGAIISamplerOptions } from './samplers/nsgaii';
export {
  hypervolume,
  nonDominatedSort,
  crowdingDistance,
  trialConstraints,
  constraintViolation,
  isFeasible,
  type ConstraintsFunc,
} from './multiobjective';
// Samplers: grid, quasi-Monte Carlo (scrambled Sobol), TPE, and the search-space helpers they share.
export { GridSampler, GRID_ID_KEY } from './samplers/grid';
export { BruteForceSampler, type BruteForceSamplerOptions } from './samplers/bruteForce';
export { PartialFixedSampler } from './samplers/partialFixed';
export { QMCSampler, type QMCSamplerOptions } from './samplers/qmc';
export { TPESampler, defaultGamma, defaultWeights, hyperoptDefaultGamma, type TPESamplerOptions } from './samplers/tpe';
export { IntersectionSearchSpace, GroupDecomposedSearchSpace, intersectionSearchSpace, groupDecomposedSearchSpace } from './samplers/searchSpace';
export {
  pbt,
  tfjsMember,
  plotPbtSchedule,
  plotPbtScores,
  type HyperparameterSpec,
  type PbtMember,
  type PbtOptions,
  type PbtRecord,
  type PbtResult,
} from './pbt';
export {
  Figure,
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
  hypervolumeHistory,
  plotTerminatorImprovement,
  terminatorImprovementFigure,
  type TerminatorImprovementData,
  type TerminatorImprovementOptions,
  type RankOptions,
  type HypervolumeHistory,
  type ParetoFrontOptions,
  type AxisTypeChoice,
  type FigureSpec,
  type Trace,
  type StudyLike,
} from './visualization';
// Terminator (Optuna's automatic termination): improvement vs statistical error, and a callback that stops the study.
export {
  Terminator,
  TerminatorCallback,
  RegretBoundEvaluator,
  EMMREvaluator,
  BestValueStagnationEvaluator,
  CrossValidationErrorEvaluator,
  StaticErrorEvaluator,
  MedianErrorEvaluator,
  reportCrossValidationScores,
  terminatorImprovementHistory,
  type ErrorEvaluator,
  type ImprovementEvaluator,
  type RegretBoundEvaluatorOptions,
  type EMMREvaluatorOptions,
  type TerminatorHistory,
  type TerminatorOptions,
  type TerminatorStudy,
} from './terminator';

// Random experiment efficiency curves (Bergstra & Bengio 2012) with the score-weighted mixture for validation ties.
export {
  bestTrialMixture,
  randomEfficiencyCurve,
  binomialStd,
  normalCdf,
  quantileSorted,
  type ScoredTrial,
  type BestTrialMixture,
  type EfficiencyPoint,
} from './efficiency';
