import { checkTrialsToAdd, trialToAdd } from '../createTrial';
import { InvalidArgumentError } from '../errors';
import { TrialState, type FrozenTrial } from '../frozenTrial';
import type { Storage } from '../storage/base';

/** `study.addTrials`: check every trial, then write them all, numbered after the study's last trial. */
export async function addTrialsToStorage(
  storage: Storage,
  studyId: number,
  trials: readonly FrozenTrial[],
  nObjectives: number,
  existing: readonly FrozenTrial[],
): Promise<void> {
  if (!Array.isArray(trials)) throw new InvalidArgumentError('addTrials(trials): pass an array (or iterable) of trials.');
  checkTrialsToAdd(trials, nObjectives, existing);
  const prepared = trials.map(trialToAdd);
  if (storage.addTrials) {
    // Every built-in storage (memory, SQLite, PostgreSQL) writes whole trials.
    await storage.addTrials(studyId, prepared);
    return;
  }
  // A third-party storage without whole-trial writes: replay each through the ordinary writes (its
  // datetimes are then the replay's, and a WAITING trial is created WAITING without params).
  for (const t of prepared) {
    const initial = t.state === TrialState.WAITING ? TrialState.WAITING : TrialState.RUNNING;
    const created = await storage.createNewTrial(studyId, { state: initial, userAttrs: t.userAttrs, systemAttrs: t.systemAttrs });
    if (initial === TrialState.WAITING) continue;
    for (const [name, d] of Object.entries(t.distributions)) await storage.setTrialParam(created.trialId, name, t.internalParams[name], d);
    for (const [step, v] of t.intermediateValues) await storage.setTrialIntermediateValue(created.trialId, step, v);
    if (t.state !== TrialState.RUNNING) await storage.setTrialState(created.trialId, t.state, t.values, TrialState.RUNNING);
  }
}
