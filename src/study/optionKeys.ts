/**
 * The keys of the study API's option objects, checked at run time: plain JavaScript (or an object
 * TypeScript could not see, such as one spread from elsewhere) would otherwise have a misspelt
 * option ignored in silence, and `optimize(f, { n_trials: 100 })`, written from Optuna's habit,
 * would run for ever. Each list is written as an `EveryKey` object, so the compiler keeps it equal
 * to its interface.
 */
import { optionKeys } from '../options';
import type { CreateStudyOptions, EnqueueTrialOptions, LoadStudyOptions, OptimizeOptions, Study, TellOptions } from '../study';

const HEARTBEAT_KEYS = {
  heartbeatInterval: true,
  gracePeriod: true,
  heartbeatStaleTrialCallback: true,
  failedTrialCallback: true,
} as const;

export const CREATE_STUDY_OPTION_KEYS = optionKeys<CreateStudyOptions>({
  ...HEARTBEAT_KEYS,
  studyName: true,
  direction: true,
  directions: true,
  sampler: true,
  pruner: true,
  storage: true,
  loadIfExists: true,
  seed: true,
});

export const LOAD_STUDY_OPTION_KEYS = optionKeys<LoadStudyOptions>({
  ...HEARTBEAT_KEYS,
  studyName: true,
  storage: true,
  sampler: true,
  pruner: true,
});

export const OPTIMIZE_OPTION_KEYS = optionKeys<OptimizeOptions>({
  nTrials: true,
  timeout: true,
  callbacks: true,
  catch: true,
  nJobs: true,
  showProgressBar: true,
  workers: true,
  signal: true,
  gcAfterTrial: true,
});

export const TELL_OPTION_KEYS = optionKeys<TellOptions>({ state: true, skipIfFinished: true, failReason: true });

export const ENQUEUE_TRIAL_OPTION_KEYS = optionKeys<EnqueueTrialOptions>({
  userAttrs: true,
  skipIfExists: true,
});

export const GET_TRIALS_OPTION_KEYS = optionKeys<NonNullable<Parameters<Study['getTrials']>[0]>>({ states: true, deepcopy: true });
