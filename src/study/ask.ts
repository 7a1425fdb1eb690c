/** `study.ask`: start a trial (an enqueued one first), as Optuna's ask-and-tell interface does. */
import type { Distribution } from '../distributions';
import type { FrozenTrial } from '../frozenTrial';
import { TrialState } from '../frozenTrial';
import { trialSeedFor } from '../reproducibility/seeds';
import { recordedTrialSeed, recordStudySeed, TRIAL_SEED_KEY } from '../reproducibility/studyRecords';
import type { Study } from '../study';
import { Trial } from '../trial';
import { recordTrialWrites } from './algorithmWrites';
import type { TrialCache } from './trialCache';

/**
 * Start a trial of `study`: the first enqueued (WAITING) one this process wins, else a new one. The
 * sampler's `beforeTrial` writes are recorded, relative sampling waits for the first suggest that
 * needs it, and `fixedDistributions` are suggested at once.
 */
export async function askTrial(study: Study, trials: TrialCache<Trial>, fixedDistributions: Record<string, Distribution>): Promise<Trial> {
  if (study.seedToRecord) {
    study.seed = await recordStudySeed(study.storage, study.studyId, { recordEnvironment: false });
    study.seedToRecord = false;
  }
  // Optional steps are tested rather than awaited as undefined: an await costs a promise and a
  // turn of the microtask queue even then, and this runs once per trial.
  if (study.heartbeat) await study.heartbeat.failStaleTrials(study);
  await trials.refresh();
  const anyWaiting = !trials.waiting().next().done;
  const base = (anyWaiting ? await claimWaitingTrial(study, trials) : null) ?? (await study.storage.createNewTrial(study.studyId));
  if (study.heartbeat) await study.heartbeat.start(base.trialId);
  if (!trials.update(base)) await trials.refresh();
  if (study.sampler.beforeTrial) await recordTrialWrites(study, base, await study.sampler.beforeTrial(study.view, base));
  const sampler = study.sampler;
  const view = study.view;
  const trial = new Trial(study, base, () => {
    const space = sampler.inferRelativeSearchSpace(view, base);
    return { space, params: Object.keys(space).length > 0 ? sampler.sampleRelative(view, base, space) : {} };
  });
  if (recordedTrialSeed(base.systemAttrs) === undefined) trial.setSystemAttr(TRIAL_SEED_KEY, trialSeedFor(study.seed, trial.number));
  trials.running.set(trial.number, trial);
  for (const [name, d] of Object.entries(fixedDistributions)) trial.suggest(name, d);
  return trial;
}

/** Move the first cached WAITING trial that no other worker takes first to RUNNING, and return it as stored. */
async function claimWaitingTrial(study: Study, trials: TrialCache<Trial>): Promise<FrozenTrial | null> {
  for (const waiting of trials.waiting()) {
    if (await study.storage.setTrialState(waiting.trialId, TrialState.RUNNING, null, TrialState.WAITING)) {
      return study.storage.getTrial(waiting.trialId);
    }
  }
  return null;
}
