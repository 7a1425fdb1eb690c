import { InvalidArgumentError } from './errors';
import { TrialState, type FrozenTrial } from './frozenTrial';
import type { Study } from './study';
import { requireInt } from './validate';
import { checkOptionKeys, optionKeys } from './options';

export interface MaxTrialsCallbackOptions {
  /** Which trial states count toward the limit: COMPLETE by default, as in Optuna; null counts every trial. */
  states?: readonly TrialState[] | null;
}

/**
 * Optuna's `MaxTrialsCallback` as an optimize callback: after each trial, stop the study once it holds
 * `nTrials` trials in the given states (COMPLETE by default). It re-reads the study's trials from
 * storage first, so several workers (processes, or Optuna workers) sharing one study stop together
 * when their combined count reaches the limit; trials already running then finish, as in Optuna.
 */
export interface MaxTrialsCallback {
  (study: Study, trial: FrozenTrial): Promise<void>;
  readonly nTrials: number;
  readonly states: readonly TrialState[] | null;
}

interface MaxTrialsCallbackFactory {
  new (nTrials: number, opts?: MaxTrialsCallbackOptions): MaxTrialsCallback;
  (nTrials: number, opts?: MaxTrialsCallbackOptions): MaxTrialsCallback;
}

const MAX_TRIALS_CALLBACK_OPTION_KEYS = optionKeys<MaxTrialsCallbackOptions>({ states: true });

function makeMaxTrialsCallback(nTrials: number, opts: MaxTrialsCallbackOptions = {}): MaxTrialsCallback {
  checkOptionKeys('MaxTrialsCallback', opts, MAX_TRIALS_CALLBACK_OPTION_KEYS);
  requireInt('MaxTrialsCallback(nTrials)', 'nTrials', nTrials, 0);
  const states = opts.states === null ? null : [...(opts.states ?? [TrialState.COMPLETE])];
  for (const s of states ?? []) {
    if (typeof s !== 'number' || !(s in TrialState)) {
      throw new InvalidArgumentError(`MaxTrialsCallback: states must be TrialState values, got ${JSON.stringify(s)}.`);
    }
  }
  const callback = async (study: Study): Promise<void> => {
    await study.refresh(); // count other workers' trials too
    const counted = states === null ? study.trials.length : study.getTrials({ states }).length;
    if (counted >= nTrials) study.stop();
  };
  return Object.assign(callback, { nTrials, states: states ? Object.freeze(states) : null });
}

/** Callable with or without `new`: `MaxTrialsCallback(10)` reads as Optuna's, `new MaxTrialsCallback(10)` as a class. */
export const MaxTrialsCallback = function (nTrials: number, opts?: MaxTrialsCallbackOptions) {
  return makeMaxTrialsCallback(nTrials, opts);
} as MaxTrialsCallbackFactory;
