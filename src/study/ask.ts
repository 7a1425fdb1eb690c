/** `study.ask`: start a trial (an enqueued one first), as Optuna's ask-and-tell interface does. */
import type { Distribution } from '../distributions';
import { TrialState, withTrialChanges, type FrozenTrial } from '../frozenTrial';
import { trialSeedFor } from '../reproducibility/seeds';
import { recordedTrialSeed, recordStudySeed, TRIAL_SEED_KEY } from '../reproducibility/studyRecords';
import type { Study } from '../study';
import { settle, type Steps } from '../steps';
import { trialOps } from '../storage/base';
import { StudyTrial } from '../trial';
import { recordTrialWrites } from './algorithmWrites';
import type { TrialCache } from './trialCache';

/**
 * Start a trial of `study`: the first enqueued (WAITING) one this process wins, else a new one. The
 * sampler's `beforeTrial` writes are recorded, relative sampling waits for the first suggest that
 * needs it, and `fixedDistributions` are suggested at once. As steps (src/steps.ts): with a storage
 * that answers at once, the trial is started without a promise.
 */
export function* askSteps(
  study: Study,
  trials: TrialCache<StudyTrial>,
  fixedDistributions: Record<string, Distribution>,
): Steps<StudyTrial> {
  if (study.seedToRecord) {
    study.seed = yield* settle(recordStudySeed(study.storage, study.studyId, { recordEnvironment: false }));
    study.seedToRecord = false;
  }
  if (study.heartbeat) yield* settle(study.heartbeat.failStaleTrials(study));
  yield* settle(trials.refresh());
  const anyWaiting = !trials.waiting().next().done;
  let base =
    (anyWaiting ? yield* claimWaitingTrial(study, trials) : null) ?? (yield* settle(trialOps(study.storage).createNewTrial(study.studyId)));
  if (study.heartbeat) yield* settle(study.heartbeat.start(base.trialId));
  if (!trials.update(base)) yield* settle(trials.refresh());
  if (study.sampler.beforeTrial) {
    const writes = yield* settle(study.sampler.beforeTrial(study.view, base));
    const written = writes ? yield* settle(recordTrialWrites(study, base, writes)) : {};
    // The trial's own view (trial.snapshot(), pruners, other samplers' view of running trials) holds
    // what the sampler recorded on it, as the stored trial does.
    if (Object.keys(written).length > 0) base = withTrialChanges(base, { systemAttrs: { ...base.systemAttrs, ...written } });
  }
  const sampler = study.sampler;
  const view = study.view;
  const trial = new StudyTrial(study, base, () => {
    const space = sampler.inferRelativeSearchSpace(view, base);
    return { space, params: Object.keys(space).length > 0 ? sampler.sampleRelative(view, base, space) : {} };
  });
  if (recordedTrialSeed(base.systemAttrs) === undefined) trial.setSystemAttr(TRIAL_SEED_KEY, trialSeedFor(study.seed, trial.number));
  trials.running.set(trial.number, trial);
  for (const [name, d] of Object.entries(fixedDistributions)) trial.suggest(name, d);
  return trial;
}

/** Move the first cached WAITING trial that no other worker takes first to RUNNING, and return it as stored. */
function* claimWaitingTrial(study: Study, trials: TrialCache<StudyTrial>): Steps<FrozenTrial | null> {
  const ops = trialOps(study.storage);
  for (const waiting of trials.waiting()) {
    if (yield* settle(ops.setTrialState(waiting.trialId, TrialState.RUNNING, null, TrialState.WAITING))) {
      return yield* settle(ops.getTrial(waiting.trialId));
    }
  }
  return null;
}
