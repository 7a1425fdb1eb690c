/** `study.ask`: start a trial (an enqueued one first), as Optuna's ask-and-tell interface does. */
import { categoricalDistribution, distributionsEqual, floatDistribution, intDistribution, type Distribution } from '../distributions';
import { InvalidArgumentError } from '../errors';
import { TrialState, withTrialChanges, type FrozenTrial } from '../frozenTrial';
import { trialSeedFor } from '../reproducibility/seeds';
import { recordedTrialSeed, recordStudySeed, TRIAL_SEED_KEY } from '../reproducibility/studyRecords';
import type { Study } from '../study';
import { settle, type Steps } from '../steps';
import { trialOps } from '../storage/base';
import { checkSuggestArguments } from '../suggestApi';
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
  const fixed = checkFixedDistributions(fixedDistributions);
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
  for (const [name, d] of fixed) trial.suggest(name, d);
  return trial;
}

const HOW_TO_BUILD =
  'Build one with floatDistribution(low, high, { log, step }), intDistribution(low, high, { log, step }) or ' +
  'categoricalDistribution(choices) (or float(), int(), categorical() as in space()).';

/** A value that is not a distribution, as a user reads it. */
function shown(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array';
  if (typeof v !== 'object') return `${typeof v} ${String(v)}`;
  const keys = Object.keys(v);
  return keys.length ? `an object with the keys ${keys.join(', ')}` : 'an empty object';
}

/**
 * `fixedDistributions`, checked before any trial is created: each must be a valid distribution (what
 * the distribution builders return). A plain `{ low, high }` would be suggested as NaN, and null
 * would throw half-way, each leaving a RUNNING trial behind. Returns each distribution as given when
 * the builder makes the same one (it may carry marks, such as the Python floats among a categorical's
 * choices read from Optuna's JSON), else as the builder makes it (a literal with `step` or `log` left
 * out reads as their defaults).
 */
function checkFixedDistributions(fixed: unknown): Array<[string, Distribution]> {
  if (fixed === undefined || fixed === null) return [];
  if (typeof fixed !== 'object' || Array.isArray(fixed)) {
    throw new InvalidArgumentError(
      `ask(fixedDistributions): pass an object of parameter names to distributions, e.g. { x: floatDistribution(0, 1) }; got ${shown(fixed)}. No trial was created.`,
    );
  }
  return Object.entries(fixed).map(([name, d]): [string, Distribution] => {
    const kind = (d as { kind?: unknown } | null)?.kind;
    if (d === null || typeof d !== 'object' || (kind !== 'float' && kind !== 'int' && kind !== 'categorical')) {
      const what = d !== null && typeof d === 'object' && !Array.isArray(d) && kind === undefined ? ' (no kind)' : '';
      throw new InvalidArgumentError(
        `ask(fixedDistributions): '${name}' is not a distribution: got ${shown(d)}${what}. ${HOW_TO_BUILD} No trial was created.`,
      );
    }
    const dist = d as Distribution;
    checkSuggestArguments(name, dist); // an invalid space() definition throws its own error here
    const wrong = (field: string, want: string) =>
      new InvalidArgumentError(
        `ask(fixedDistributions): '${name}' (${kind === 'int' ? 'an' : 'a'} ${kind} distribution) has ${field} = ${JSON.stringify(
          (d as unknown as Record<string, unknown>)[field],
        )}; it must be ${want}. ${HOW_TO_BUILD} No trial was created.`,
      );
    let built: Distribution;
    if (dist.kind === 'categorical') {
      built = categoricalDistribution(dist.choices, name);
    } else {
      if (dist.log !== undefined && typeof dist.log !== 'boolean') throw wrong('log', 'true or false');
      if (dist.kind === 'float') {
        if (dist.step !== undefined && dist.step !== null && typeof dist.step !== 'number') throw wrong('step', 'a number or null');
        built = floatDistribution(dist.low, dist.high, { log: dist.log, step: dist.step }, name);
      } else {
        if (dist.step !== undefined && typeof dist.step !== 'number') throw wrong('step', 'an integer');
        built = intDistribution(dist.low, dist.high, { log: dist.log, step: dist.step }, name);
      }
    }
    return [name, distributionsEqual(built, dist) ? dist : built];
  });
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
