import { InvalidArgumentError } from '../errors';
import { TrialState, type FrozenTrial } from '../frozenTrial';
import type { Storage } from '../storage/base';
import { FIXED_PARAMS_KEY } from '../trial';

/** System attributes Optuna's RetryFailedTrialCallback writes (same keys, so both libraries read them). */
export const FAILED_TRIAL_KEY = 'failed_trial';
export const RETRY_HISTORY_KEY = 'retry_history';

interface StudyLike {
  readonly storage: Storage;
  readonly studyId: number;
}

/**
 * A `failedTrialCallback` that re-queues a trial failed by heartbeat (its worker died), like Optuna's
 * RetryFailedTrialCallback: a WAITING trial with the same parameters and user attributes, and system
 * attributes `failed_trial` (number of the first failed trial of the chain) and `retry_history`.
 * The next `ask` in any worker picks it up.
 */
export class RetryFailedTrialCallback {
  constructor(private readonly opts: { maxRetry?: number; inheritIntermediateValues?: boolean } = {}) {
    if (opts.maxRetry !== undefined && !(Number.isInteger(opts.maxRetry) && opts.maxRetry >= 0)) {
      throw new InvalidArgumentError(`RetryFailedTrialCallback: maxRetry must be a non-negative integer, got ${opts.maxRetry}.`);
    }
    if (opts.inheritIntermediateValues) {
      throw new InvalidArgumentError(
        'RetryFailedTrialCallback: inheritIntermediateValues is not supported; a retried trial starts its reports afresh.',
      );
    }
  }

  /** Called by the heartbeat monitor; pass the instance itself as `failedTrialCallback`. */
  readonly onTrialFailed = async (study: StudyLike, trial: FrozenTrial): Promise<void> => {
    const history = [...((trial.systemAttrs[RETRY_HISTORY_KEY] as number[] | undefined) ?? []), trial.number];
    if (this.opts.maxRetry !== undefined && history.length > this.opts.maxRetry) return;
    const failedTrial = (trial.systemAttrs[FAILED_TRIAL_KEY] as number | undefined) ?? trial.number;
    const systemAttrs: Record<string, unknown> = { ...trial.systemAttrs };
    delete systemAttrs['fail_reason'];
    await study.storage.createNewTrial(study.studyId, {
      state: TrialState.WAITING,
      userAttrs: { ...trial.userAttrs },
      systemAttrs: {
        ...systemAttrs,
        [FIXED_PARAMS_KEY]: { ...trial.params },
        [FAILED_TRIAL_KEY]: failedTrial,
        [RETRY_HISTORY_KEY]: history,
      },
    });
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
