/** `study.tell`: finish a trial with its values or a state, and record what the sampler returns for it. */
import { InvalidArgumentError } from '../errors';
import { isFinished, lastStep, TRIAL_STATE_NAMES, TrialState, type FrozenTrial } from '../frozenTrial';
import type { Storage } from '../storage';
import { toWellFormed } from '../storage/storable';
import type { ObjectiveValue, Study, TellOptions } from '../study';
import { settle, type Steps } from '../steps';
import { trialOps } from '../storage/base';
import { FAIL_REASON_KEY, StudyTrial, type Trial } from '../trial';
import { recordTrialWrites } from './algorithmWrites';
import { checkOptionKeys } from '../options';
import { TELL_OPTION_KEYS } from './optionKeys';
import type { TrialCache } from './trialCache';

/**
 * Finish a trial of `study` (a running Trial, or a trial number, which another process may have
 * asked for): check the values, flush the trial's queued writes, record the sampler's `afterTrial`
 * writes, then the final state. Returns the trial as stored. As steps (src/steps.ts): with a
 * storage that answers at once, the trial is finished without a promise.
 */
export function* tellSteps(
  study: Study,
  trials: TrialCache<StudyTrial>,
  trialOrNumber: Trial | number,
  values: ObjectiveValue | null | undefined,
  opts: TellOptions,
): Steps<FrozenTrial> {
  checkOptionKeys('tell', opts, TELL_OPTION_KEYS);
  let found = typeof trialOrNumber === 'number' ? trials.running.get(trialOrNumber) : trialOrNumber;
  if (!found && typeof trialOrNumber === 'number') {
    // Asked by another process (`tunelab ask`, `optuna ask`, a worker): finish it from its stored snapshot.
    const adopted = yield* settle(adoptStoredTrial(study, trials, trialOrNumber, opts));
    if (!(adopted instanceof StudyTrial)) return adopted;
    found = adopted;
  }
  if (!(found instanceof StudyTrial)) {
    throw new InvalidArgumentError(
      found && typeof found === 'object'
        ? 'tell(trial): this trial was not started by a study (a FixedTrial is evaluated on its own); pass a trial from study.ask() or its number.'
        : 'tell(trial): pass a Trial or a trial number.',
    );
  }
  // (Another Study object of the same stored study, as a notebook's re-run cell makes, may tell it.)
  if (found.study.studyId !== study.studyId || found.study.studyName !== study.studyName) {
    throw new InvalidArgumentError(
      `tell(trial): trial ${found.number} belongs to study '${found.study.studyName}', not '${study.studyName}'; tell the study that asked for it.`,
    );
  }
  const trial = found;
  let state = opts.state ?? TrialState.COMPLETE;
  if ((state === TrialState.PRUNED || state === TrialState.FAIL) && values !== undefined && values !== null) {
    // As Optuna: a value told with these states would be dropped without a word.
    throw new InvalidArgumentError(
      `tell(): values were given with state ${TRIAL_STATE_NAMES[state]}; a ${TRIAL_STATE_NAMES[state]} trial takes no values. ` +
        'Pass null for the values, or leave the state out to record them as COMPLETE.',
    );
  }
  let failReason = opts.failReason;
  let recorded: number[] | null = null;
  if (state === TrialState.COMPLETE) {
    const checked = checkValues(values, study.directions.length);
    if (typeof checked === 'string') {
      state = TrialState.FAIL;
      failReason = checked;
    } else {
      recorded = checked;
    }
  } else if (state === TrialState.PRUNED) {
    // Like Optuna, a pruned trial keeps its last reported value so plots and samplers can use it:
    // an infinite one too (a value, as an objective's), only NaN is dropped.
    const snap = trial.snapshot();
    const step = lastStep(snap);
    const v = step === undefined ? undefined : snap.intermediateValues.get(step);
    if (v !== undefined && !Number.isNaN(v) && !study.isMultiObjective) recorded = [v];
  } else if (state !== TrialState.FAIL) {
    throw new InvalidArgumentError('tell(): state must be COMPLETE, PRUNED or FAIL.');
  }
  // An error message may quote anything, a lone surrogate included: store it as well-formed text.
  if (state === TrialState.FAIL && failReason) trial.setSystemAttr(FAIL_REASON_KEY, toWellFormed(failReason));
  const ops = trialOps(study.storage);
  yield* writeOrFail(study, trials, trial, () => trial.flush());
  // Not a storage write: an error here (a user's constraintsFunc, say) leaves the trial RUNNING, so
  // the caller records it FAIL with that error as the reason, as for an error in the objective.
  if (study.sampler.afterTrial) {
    const writes = yield* settle(study.sampler.afterTrial(study.view, trial.snapshot(), state, recorded));
    if (writes) yield* settle(recordTrialWrites(study, trial, writes));
  }
  const changed = yield* writeOrFail(study, trials, trial, () => {
    study.heartbeat?.stop(trial.trialId);
    return ops.setTrialState(trial.trialId, state, recorded, TrialState.RUNNING);
  });
  trial.markFinished(state);
  trials.running.delete(trial.number);
  if (!changed && !opts.skipIfFinished) {
    throw new InvalidArgumentError(`Trial ${trial.number} was already finished; pass skipIfFinished: true to ignore.`);
  }
  const frozen = yield* settle(ops.getTrial(trial.trialId));
  if (!trials.update(frozen)) yield* settle(trials.refresh());
  return frozen;
}

/**
 * A write of `trial`: should it (or finishing the trial) fail, the trial is recorded FAIL rather
 * than left RUNNING for ever, and the original error is thrown.
 */
function* writeOrFail<T>(study: Study, trials: TrialCache<StudyTrial>, trial: StudyTrial, write: () => T | Promise<T>): Steps<T> {
  try {
    return yield* settle(write());
  } catch (err) {
    study.heartbeat?.stop(trial.trialId);
    yield* settle(failAfterWriteError(study.storage, trials, trial, err));
    throw err;
  }
}

/**
 * The RUNNING trial `number` as stored, wrapped so that tell() can finish it; a finished trial is
 * returned as is with skipIfFinished (Optuna's tell-by-number semantics) and refused otherwise.
 */
async function adoptStoredTrial(
  study: Study,
  trials: TrialCache<StudyTrial>,
  number: number,
  opts: TellOptions,
): Promise<StudyTrial | FrozenTrial> {
  await trials.refresh();
  const stored = trials.find(number);
  if (!stored) {
    throw new InvalidArgumentError(`tell(${number}): study '${study.studyName}' has no trial number ${number}; ask for it first.`);
  }
  if (isFinished(stored.state) && opts.skipIfFinished) return stored;
  if (stored.state !== TrialState.RUNNING) {
    throw new InvalidArgumentError(
      `tell(${number}): trial ${number} is ${TRIAL_STATE_NAMES[stored.state]}, not RUNNING` +
        (isFinished(stored.state) ? '; pass skipIfFinished: true to ignore finished trials.' : '.'),
    );
  }
  return new StudyTrial(study, stored, () => ({ space: {}, params: {} }));
}

/** Best effort: finish `trial` as FAIL with the write error as its reason (the storage may be gone). */
async function failAfterWriteError(storage: Storage, trials: TrialCache<StudyTrial>, trial: StudyTrial, err: unknown): Promise<void> {
  const reason = toWellFormed(`A storage write of this trial failed: ${err instanceof Error ? err.message : String(err)}`);
  // A write-behind storage reports a failed batched write once, at the next setTrialState: try twice.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await storage.setTrialSystemAttr(trial.trialId, FAIL_REASON_KEY, reason).catch(() => undefined);
      await storage.setTrialState(trial.trialId, TrialState.FAIL, null, TrialState.RUNNING);
      break;
    } catch {
      // retried once, then given up: heartbeats (or the next worker's failStaleTrials) clean up
    }
  }
  trial.markFinished(TrialState.FAIL);
  trials.running.delete(trial.number);
  // So that study.trials shows the trial as stored (FAIL) rather than the RUNNING snapshot it had.
  try {
    await trials.refresh();
  } catch {
    // the storage may be gone: the error being reported says so
  }
}

/** The objective's values as numbers, one per direction, or why they cannot be recorded. */
function checkValues(values: ObjectiveValue | null | undefined, nDirections: number): number[] | string {
  const arr = typeof values === 'number' ? [values] : Array.isArray(values) ? [...values] : null;
  if (!arr) {
    return `The objective returned ${describeValue(values)}; it must return a number${
      nDirections > 1 ? ` array of length ${nDirections}` : ''
    }.`;
  }
  if (arr.length !== nDirections) {
    return `The objective returned ${arr.length} values but the study has ${nDirections} direction(s).`;
  }
  for (const v of arr) {
    // As Optuna: NaN fails the trial; +-Infinity is a value (a maximised study's -Infinity for a
    // configuration that cannot run, say), recorded and ranked like any other.
    if (typeof v !== 'number' || Number.isNaN(v)) {
      return `The objective returned ${describeValue(v)}; values must be numbers (NaN is not accepted).`;
    }
  }
  return arr;
}

/** A value for an error message: a number as is, anything else with its type and JSON (cut short). */
export function describeValue(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (v === undefined) return 'undefined';
  try {
    return `${typeof v} ${JSON.stringify(v)}`.slice(0, 120);
  } catch {
    return typeof v;
  }
}
