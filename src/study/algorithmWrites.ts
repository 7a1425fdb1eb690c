import { isActive } from './activeStudies';
import { setKey } from '../dict';
import type { Storage } from '../storage';
import type { AlgorithmResult, StudyAttrClaim } from './view';

/** Where a sampler hook's writes go: the study, the trial the hook was called for, and how to stop. */
export interface WriteTarget {
  readonly storage: Storage;
  readonly studyId: number;
  readonly trialId: number;
  stop(): void;
}

/**
 * Record what a sampler hook returned (see `AlgorithmWrites`): the claim first, then what it leads
 * to, then the trial's and the study's system attributes in order, then the stop request. Each write
 * is awaited before the next, as the samplers used to do themselves. Resolves with the trial's
 * system attributes written (so a running trial's own view can show them, as a stored one does).
 */
export async function recordAlgorithmWrites(target: WriteTarget, writes: AlgorithmResult): Promise<Record<string, unknown>> {
  const written: Record<string, unknown> = {};
  if (!writes) return written;
  if (writes.claim) {
    Object.assign(written, await recordAlgorithmWrites(target, writes.claim.onClaimed(await claimFirstFree(target, writes.claim))));
  }
  const { storage, studyId, trialId } = target;
  for (const [key, value] of Object.entries(writes.trialSystemAttrs ?? {})) {
    await storage.setTrialSystemAttr(trialId, key, value);
    setKey(written, key, value);
  }
  for (const [key, value] of Object.entries(writes.studySystemAttrs ?? {})) await storage.setStudySystemAttr(studyId, key, value);
  if (writes.stopStudy) target.stop();
  return written;
}

/** What a study lends a sampler hook's writes: its storage, its id, and `stop()`. */
export interface WritingStudy {
  readonly storage: Storage;
  readonly studyId: number;
  stop(): void;
}

/** Record what a sampler hook called for `trial` of `study` returned. */
export function recordTrialWrites(
  study: WritingStudy,
  trial: { readonly trialId: number },
  writes: AlgorithmResult,
): Promise<Record<string, unknown>> {
  return recordAlgorithmWrites(
    // A sampler's stopStudy ends a running optimize; after a tell of its own (ask and tell) there is none to end.
    { storage: study.storage, studyId: study.studyId, trialId: trial.trialId, stop: () => isActive(study) && study.stop() },
    writes,
  );
}

async function claimFirstFree(target: WriteTarget, claim: StudyAttrClaim): Promise<string | null> {
  for (const key of claim.keys) {
    if (await target.storage.setStudySystemAttrIfAbsent(target.studyId, key, claim.value)) return key;
  }
  return null;
}
