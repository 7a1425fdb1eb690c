/**
 * The study seed and the environment, recorded as study system attributes when a study is created
 * (or first run by tunelab), and the trial seed recorded as a trial system attribute.
 */
import { checkSeed } from '../rng';
import type { Storage } from '../storage';
import { hasKey, ownValue } from '../dict';
import { nextAmbientSeed } from './context';
import { ENVIRONMENT_KEY, environmentForNewStudy } from './environment';
import { randomSeed } from './seeds';

/** Study system attribute holding the study seed (an integer in [0, 2**32 - 1]). */
export const STUDY_SEED_KEY = 'tunelab:seed';
/** Trial system attribute holding the trial seed, `deriveSeed(studySeed, trialNumber)` (see seeds.ts). */
export const TRIAL_SEED_KEY = 'tunelab:seed';
/**
 * Trial system attribute: how many intermediate values the trial had reported when its pruner first
 * answered "prune". `reproduce` answers "prune" at the same point of the re-run, whether the
 * objective then stopped (PRUNED) or returned what it had (a mean over the seeds evaluated so far).
 */
export const PRUNED_AFTER_REPORTS_KEY = 'tunelab:pruned_after_reports';

function isSeed(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

/**
 * The study's seed: the recorded one when the study has one, else `requested` (or, when none was
 * requested, a random one, or inside a running trial the next seed of its stream), now recorded.
 * A stored seed wins over a different requested one, since the study's trials were seeded from it.
 * With `recordEnvironment`, also records this process's environment if the study has none yet.
 */
export async function recordStudySeed(
  storage: Storage,
  studyId: number,
  opts: { requested?: number; recordEnvironment: boolean },
): Promise<number> {
  const requested = checkSeed('createStudy', opts.requested);
  const attrs = await storage.getStudySystemAttrs(studyId);
  if (opts.recordEnvironment && !hasKey(attrs, ENVIRONMENT_KEY)) {
    await storage.setStudySystemAttrIfAbsent(studyId, ENVIRONMENT_KEY, environmentForNewStudy());
  }
  const stored = ownValue(attrs, STUDY_SEED_KEY);
  if (isSeed(stored)) {
    if (requested !== undefined && requested !== stored) {
      process.emitWarning(
        `createStudy: the study already has seed ${stored}; its trials keep deriving their seeds from it (seed ${requested} is ignored).`,
      );
    }
    return stored;
  }
  const seed = requested ?? nextAmbientSeed() ?? randomSeed();
  let written: boolean;
  try {
    written = await storage.setStudySystemAttrIfAbsent(studyId, STUDY_SEED_KEY, seed);
  } catch (err) {
    // A read-only storage (a dashboard's user, say): trials still record their own seeds.
    if (opts.recordEnvironment) throw err;
    return seed;
  }
  if (written) return seed;
  // Another worker recorded one first: use that.
  const now = ownValue(await storage.getStudySystemAttrs(studyId), STUDY_SEED_KEY);
  return isSeed(now) ? now : seed;
}

/** The study seed recorded in the study's system attributes, if any (reads only). */
export function storedStudySeed(attrs: Record<string, unknown>): number | undefined {
  const stored = ownValue(attrs, STUDY_SEED_KEY);
  return isSeed(stored) ? stored : undefined;
}

/** The seed recorded on a trial (its system attributes), or undefined for trials run before seeds were recorded. */
export function recordedTrialSeed(systemAttrs: Record<string, unknown>): number | undefined {
  const v = ownValue(systemAttrs, TRIAL_SEED_KEY);
  return isSeed(v) ? v : undefined;
}
