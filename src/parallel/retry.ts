import { createTrial } from '../createTrial';
import { InvalidArgumentError } from '../errors';
import { TrialState, type FrozenTrial } from '../frozenTrial';
import type { Storage } from '../storage/base';
import { addTrialsToStorage } from '../study/addTrials';
import { FAIL_REASON_KEY, FIXED_PARAMS_KEY } from '../trial';

/** System attributes Optuna's RetryHeartbeatStaleTrialCallback writes (same keys, so both libraries read them). */
export const FAILED_TRIAL_KEY = 'failed_trial';
export const RETRY_HISTORY_KEY = 'retry_history';

interface StudyLike {
  readonly storage: Storage;
  readonly studyId: number;
}

export interface RetryOptions {
  /** How many times one trial may be retried (default: no limit). */
  maxRetry?: number;
  /** Give the retry the failed trial's reports, as Optuna's `inherit_intermediate_values` (default false). */
  inheritIntermediateValues?: boolean;
}

/**
 * A `heartbeatStaleTrialCallback` that re-queues a trial whose worker died (its heartbeat went stale),
 * as Optuna 5.0's RetryHeartbeatStaleTrialCallback: a WAITING trial with the failed trial's
 * parameters, user attributes and system attributes, plus `failed_trial` (the number of the first
 * failed trial of the chain) and `retry_history`, and, with `inheritIntermediateValues`, its reports
 * (a step reported again is then kept at the inherited value, as Optuna keeps it). It is added to the
 * study whole, as Optuna's `study.add_trial` adds it, so the next `ask` of any worker (tunelab's or
 * Optuna's) runs it with those parameters.
 */
export class RetryHeartbeatStaleTrialCallback {
  private readonly maxRetry: number | undefined;
  private readonly inherit: boolean;

  constructor(opts: RetryOptions = {}) {
    const name = new.target.name;
    if (opts.maxRetry !== undefined && !(Number.isInteger(opts.maxRetry) && opts.maxRetry >= 0)) {
      throw new InvalidArgumentError(`${name}: maxRetry must be a non-negative integer, got ${opts.maxRetry}.`);
    }
    if (opts.inheritIntermediateValues !== undefined && typeof opts.inheritIntermediateValues !== 'boolean') {
      throw new InvalidArgumentError(
        `${name}: inheritIntermediateValues must be true or false, got ${String(opts.inheritIntermediateValues)}.`,
      );
    }
    this.maxRetry = opts.maxRetry;
    this.inherit = opts.inheritIntermediateValues ?? false;
  }

  /** Called by the heartbeat monitor; pass the instance itself as `heartbeatStaleTrialCallback`. */
  readonly onTrialFailed = async (study: StudyLike, trial: FrozenTrial): Promise<void> => {
    const history = [...((trial.systemAttrs[RETRY_HISTORY_KEY] as number[] | undefined) ?? []), trial.number];
    if (this.maxRetry !== undefined && history.length > this.maxRetry) return;
    const failedTrial = (trial.systemAttrs[FAILED_TRIAL_KEY] as number | undefined) ?? trial.number;
    const systemAttrs: Record<string, unknown> = { ...trial.systemAttrs };
    // (tunelab's own record of why a trial failed: the retry has not failed.)
    delete systemAttrs[FAIL_REASON_KEY];
    // A storage that cannot write a WAITING trial whole gets the parameters as an enqueued trial's.
    if (!study.storage.addTrials) systemAttrs[FIXED_PARAMS_KEY] = { ...trial.params };
    const retry = createTrial({
      state: TrialState.WAITING,
      params: trial.params,
      distributions: trial.distributions,
      userAttrs: { ...trial.userAttrs },
      systemAttrs: { ...systemAttrs, [FAILED_TRIAL_KEY]: failedTrial, [RETRY_HISTORY_KEY]: history },
      intermediateValues: this.inherit ? trial.intermediateValues : undefined,
    });
    const objectives = (await study.storage.getStudyDirections(study.studyId)).length;
    await addTrialsToStorage(study.storage, study.studyId, [retry], objectives, []);
  };

  /** Number of the original trial this one retries, or null. */
  static retriedTrialNumber(trial: FrozenTrial): number | null {
    return (trial.systemAttrs[FAILED_TRIAL_KEY] as number | undefined) ?? null;
  }

  /** Numbers of the failed trials this one retries, oldest first. */
  static retryHistory(trial: FrozenTrial): number[] {
    return [...((trial.systemAttrs[RETRY_HISTORY_KEY] as number[] | undefined) ?? [])];
  }
}

/** The name Optuna used for RetryHeartbeatStaleTrialCallback before 4.9 (still an alias there). */
export class RetryFailedTrialCallback extends RetryHeartbeatStaleTrialCallback {}
