/**
 * Reproducible, seed-robust trials (issue 16): study and trial seeds, the recorded environment,
 * `study.reproduce`, the ambient seed that tunelab's seeded components follow inside a trial, and
 * multi-seed evaluation.
 */
export { deriveSeed, trialSeedFor } from './seeds';
export { currentSeed, runWithSeed } from './context';
export {
  captureEnvironment,
  diffEnvironments,
  ENVIRONMENT_KEY,
  type Environment,
  type EnvironmentDifference,
  type GitState,
} from './environment';
export { STUDY_SEED_KEY, TRIAL_SEED_KEY } from './studyRecords';
export { ReproduceReport, type ReproduceOptions, type ReproduceReportData, type StepDifference } from './reproduce';
export {
  evaluateSeeds,
  studySeedSet,
  SEED_MEAN_ATTR,
  SEED_SCORES_ATTR,
  SEED_STD_ATTR,
  SEEDS_ATTR,
  type EvaluateSeedsOptions,
  type SeedEvaluationTrial,
} from './multiSeed';
