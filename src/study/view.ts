import { TunelabError } from '../errors';
import type { Direction, FrozenTrial, TrialState } from '../frozenTrial';

/**
 * What samplers and pruners see of a study: a read-only view (Google Vizier's `PolicySupporter`
 * shape). They read the study's directions and trials through it and return what they want recorded
 * as data (`AlgorithmWrites`, a pruner's `PruneDecision`); the study writes it to storage. An
 * algorithm therefore never holds the storage, and the attributes it records are all in one place.
 *
 * A `Study` has every member of the view, so sampler and pruner methods can also be called with a
 * study (`sampler.inferRelativeSearchSpace(study, trial)`); optimize, ask and tell pass `study.view`.
 */
export interface StudyView {
  readonly studyName: string;
  readonly studyId: number;
  /**
   * The identity of the stored study: the same object for every study opened on the same storage
   * object and study id. Samplers key their per-study caches on it.
   */
  readonly studyKey: object;
  readonly directions: readonly Direction[];
  /** The direction of a single-objective study (throws for a multi-objective one). */
  readonly direction: Direction;
  readonly isMultiObjective: boolean;
  /** All trials, ordered by number (the study's cached snapshot). */
  readonly trials: readonly FrozenTrial[];
  /**
   * All trials as `trials` lists them, without the copy `trials` makes after each change (a pass
   * over the history a trial), and how many times they have changed: for an algorithm reading them
   * within one call, which does not keep the array (it changes under its holder at the study's next
   * change). A study and its view have it; `peekTrials` reads it where it is, else `trials`.
   */
  peekTrials?(): PeekedTrials;
  /** Trials filtered by state (a new array). */
  getTrials(opts?: { states?: readonly TrialState[] }): FrozenTrial[];
  /** The best COMPLETE trial of a single-objective study (throws when there is none). */
  readonly bestTrial: FrozenTrial;
  /**
   * The trials running in this process as they are now (parameters suggested and values reported so
   * far), which may be ahead of `trials`: their writes are queued until they are told.
   */
  runningTrials(): FrozenTrial[];
  /** The study's system attributes as stored now (another process's writes included). */
  getSystemAttrs(): Promise<Record<string, unknown>>;
}

/** A study's trials without a copy (`StudyView.peekTrials`); `changes` undefined where the study does not count them. */
export interface PeekedTrials {
  readonly trials: readonly FrozenTrial[];
  readonly changes?: number;
}

/** `study.peekTrials()` where the study has it, else its `trials` (a copy after each change). */
export function peekTrials(study: Pick<StudyView, 'trials' | 'peekTrials'>): PeekedTrials {
  return study.peekTrials ? study.peekTrials() : { trials: study.trials };
}

/**
 * What a sampler hook (`beforeTrial`, `afterTrial`) asks the study to record, as data. The study
 * writes trial system attributes on the trial the hook was called for, in the order given, then
 * study system attributes, then stops if asked. Values are stored as they are (JSON data): an
 * algorithm's attribute names and values are exactly what Optuna and other tunelab processes read.
 */
export interface AlgorithmWrites {
  /** Claim one study system attribute atomically first (see `StudyAttrClaim`). */
  readonly claim?: StudyAttrClaim;
  readonly trialSystemAttrs?: Readonly<Record<string, unknown>>;
  readonly studySystemAttrs?: Readonly<Record<string, unknown>>;
  /** Ask the study to stop after its running trials, as `study.stop()` (a grid or a tree exhausted). */
  readonly stopStudy?: boolean;
}

/**
 * Claim the first of `keys` that no one holds yet as a study system attribute (set to `value` only
 * if absent, atomically in the storage, so processes sharing a database never claim the same key),
 * then record what `onClaimed` returns for the key won (null when every key was taken). Keys are
 * read lazily, one per attempt.
 */
export interface StudyAttrClaim {
  readonly keys: Iterable<string>;
  readonly value: unknown;
  readonly onClaimed: (key: string | null) => AlgorithmWrites | void;
}

/** What a sampler hook may return: nothing, or writes for the study to record. */
export type AlgorithmResult = AlgorithmWrites | void;

// One identity object per (storage object, study id); weakly held by the storage.
const studyKeys = new WeakMap<object, Map<number, object>>();

/** @internal The `studyKey` of study `studyId` in `storage`. */
export function studyKeyOf(storage: object, studyId: number): object {
  let byId = studyKeys.get(storage);
  if (!byId) studyKeys.set(storage, (byId = new Map()));
  let key = byId.get(studyId);
  if (!key) byId.set(studyId, (key = Object.freeze({ studyId })));
  return key;
}

/**
 * Study members a sampler or pruner written against the full study used to reach, each with what to
 * do instead: reading one from a view throws a TunelabError that says so (rather than `undefined`).
 */
const WRITERS_MOVED: Readonly<Record<string, string>> = {
  storage:
    'return the attributes to record from beforeTrial/afterTrial ({ trialSystemAttrs, studySystemAttrs, claim }) and read study attributes with getSystemAttrs()',
  stop: 'return { stopStudy: true } from beforeTrial/afterTrial',
  setSystemAttr: 'return { studySystemAttrs } from beforeTrial/afterTrial',
  setUserAttr: 'record user attributes from the objective or with study.setUserAttr outside the sampler',
  liveTrial: 'read the trials running in this process with runningTrials()',
};

/** @internal A view that forwards to `study` and exposes nothing else. */
export function viewOf(study: StudyView): StudyView {
  const view: StudyView = Object.freeze({
    get studyName() {
      return study.studyName;
    },
    get studyId() {
      return study.studyId;
    },
    get studyKey() {
      return study.studyKey;
    },
    get directions() {
      return study.directions;
    },
    get direction() {
      return study.direction;
    },
    get isMultiObjective() {
      return study.isMultiObjective;
    },
    get trials() {
      return study.trials;
    },
    peekTrials: () => peekTrials(study),
    getTrials: (opts?: { states?: readonly TrialState[] }) => study.getTrials(opts),
    get bestTrial() {
      return study.bestTrial;
    },
    runningTrials: () => study.runningTrials(),
    getSystemAttrs: () => study.getSystemAttrs(),
  });
  return new Proxy(view, {
    get(target, name, receiver) {
      if (typeof name === 'string' && Object.hasOwn(WRITERS_MOVED, name)) {
        throw new TunelabError(`Samplers and pruners receive a read-only StudyView, which has no '${name}': ${WRITERS_MOVED[name]}.`);
      }
      return Reflect.get(target, name, receiver) as unknown;
    },
  });
}
