/**
 * `tunelab/reproducibility`: seeds and the recorded environment: how study, trial and ambient seeds
 * derive from each other, the keys under which they are stored, the report of study.reproduce, and
 * multi-seed evaluation. evaluateSeeds, currentSeed and runWithSeed are also exported from 'tunelab'.
 */
export { deriveSeed, trialSeedFor } from '../reproducibility/seeds';
export { currentSeed, runWithSeed } from '../reproducibility/context';
export { captureEnvironment, diffEnvironments, ENVIRONMENT_KEY, type Environment, type EnvironmentDifference, type GitState } from '../reproducibility/environment';
export { STUDY_SEED_KEY, TRIAL_SEED_KEY } from '../reproducibility/studyRecords';
export { ReproduceReport, type ReproduceOptions, type ReproduceReportData, type StepDifference } from '../reproducibility/reproduce';
export {
  evaluateSeeds,
  studySeedSet,
  SEED_MEAN_ATTR,
  SEED_SCORES_ATTR,
  SEED_STD_ATTR,
  SEEDS_ATTR,
  type EvaluateSeedsOptions,
  type SeedEvaluationTrial,
} from '../reproducibility/multiSeed';
