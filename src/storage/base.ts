import type { Distribution } from '../distributions';
import { snapshotTrial, TrialState, type Direction, type FrozenTrial } from '../frozenTrial';

export interface StudySummary {
  studyId: number;
  studyName: string;
  directions: Direction[];
  nTrials: number;
  bestValues: number[] | null;
  datetimeStart: Date | null;
  userAttrs: Record<string, unknown>;
  systemAttrs: Record<string, unknown>;
}

/** What a new trial starts with (enqueued trials carry fixed params in systemAttrs). */
export interface TrialTemplate {
  state?: TrialState; // RUNNING (default) or WAITING
  userAttrs?: Record<string, unknown>;
  systemAttrs?: Record<string, unknown>;
}

/**
 * Where studies live. All methods are asynchronous so that network databases fit behind the same
 * interface as memory and SQLite. Implementations: InMemoryStorage here; SQLite and PostgreSQL
 * (Optuna's RDB schema) in their own modules.
 *
 * Contract the Study relies on:
 * - trial numbers are consecutive per study from 0 and unique even with many writers;
 * - `setTrialState` is atomic: it returns false (and changes nothing) when the trial is no longer in
 *   `expectedState` — that is how WAITING trials are claimed exactly once and how a finished trial
 *   is protected against a late write;
 * - `getAllTrials` returns a new array (the caller may change it) of trials ordered by number;
 *   implementations should make repeated calls cheap
 *   (incremental reads of trials that changed), because the Study calls it before every trial; a
 *   storage that knows at once which trials were written since a point offers `writeLog`, and the
 *   Study then reads only those;
 * - a storage may be read-only (an RDB database at Optuna 3.0/3.1's schema v3.0.0.d): every read
 *   works, and every write throws a StorageError saying what to run (`tunelab storage upgrade URL`)
 *   before anything is changed; likewise a read-only open or a SQLite file this process may not write
 *   (the error names the permission);
 * - every implementation accepts and refuses the same names and attribute values (./storable.ts):
 *   names well-formed, without NUL, at most 512 characters; attribute values JSON data (NaN and
 *   +-Infinity included), anything else refused with an InvalidArgumentError before anything is written.
 */
export interface Storage {
  readonly url: string;

  createNewStudy(directions: Direction[], studyName?: string): Promise<number>;
  deleteStudy(studyId: number): Promise<void>;
  getStudyIdFromName(studyName: string): Promise<number>; // throws StudyNotFoundError
  getStudyNameFromId(studyId: number): Promise<string>;
  getStudyDirections(studyId: number): Promise<Direction[]>;
  getAllStudies(): Promise<StudySummary[]>;
  setStudyUserAttr(studyId: number, key: string, value: unknown): Promise<void>;
  setStudySystemAttr(studyId: number, key: string, value: unknown): Promise<void>;
  /**
   * Atomically set a study system attribute only if the key is absent; resolves true when this call
   * set it. Workers use it to claim something exactly once (a grid point, say) across processes.
   */
  setStudySystemAttrIfAbsent(studyId: number, key: string, value: unknown): Promise<boolean>;
  getStudyUserAttrs(studyId: number): Promise<Record<string, unknown>>;
  getStudySystemAttrs(studyId: number): Promise<Record<string, unknown>>;

  /** Create a trial (RUNNING unless the template says WAITING) and return its snapshot. */
  createNewTrial(studyId: number, template?: TrialTemplate): Promise<FrozenTrial>;
  setTrialParam(trialId: number, name: string, internalValue: number, distribution: Distribution): Promise<void>;
  /**
   * Move a trial to `state` (with values for COMPLETE) if it is currently in `expectedState`
   * (default: RUNNING for finishing, WAITING for claiming). Returns whether the change happened.
   */
  setTrialState(trialId: number, state: TrialState, values?: readonly number[] | null, expectedState?: TrialState): Promise<boolean>;
  setTrialIntermediateValue(trialId: number, step: number, value: number): Promise<void>;
  setTrialUserAttr(trialId: number, key: string, value: unknown): Promise<void>;
  setTrialSystemAttr(trialId: number, key: string, value: unknown): Promise<void>;
  getTrial(trialId: number): Promise<FrozenTrial>;
  /**
   * Write whole trials as they are (state, values, params, reports, attributes, datetimes), numbered
   * after the study's last trial, all or none (`study.addTrials`, `copyStudy`). Optional: without it
   * the trials are replayed through the ordinary writes (datetimes are then the replay's).
   */
  addTrials?(studyId: number, trials: readonly FrozenTrial[]): Promise<void>;
  getAllTrials(studyId: number, states?: readonly TrialState[]): Promise<FrozenTrial[]>;

  /** Heartbeats for crash detection (optional: memory storage has no other processes). */
  recordHeartbeat?(trialId: number): Promise<void>;
  /** Mark RUNNING trials whose heartbeat is older than `graceSeconds` as FAIL; returns their ids. */
  failStaleTrials?(studyId: number, graceSeconds: number): Promise<number[]>;

  /**
   * The trial operations answered at once, when this storage performs them synchronously (memory):
   * the trial loop then runs without promises. Optional; see `ImmediateTrialOps`. The trial loop
   * calls these instead of the methods of the same names, so a wrapper that intercepts those
   * methods (a Proxy, say) must wrap these too, or hide them.
   */
  readonly immediate?: ImmediateTrialOps;

  /**
   * Which trials were written since a point, when this storage can tell at once (memory), so that a
   * cache of a study's trials re-reads only those rather than every trial at every ask and tell.
   * Optional; see `TrialWriteLog`. As with `immediate`, a wrapper that intercepts the writes must
   * wrap this too, or hide it.
   */
  readonly writeLog?: TrialWriteLog;

  close(): Promise<void>;
}

/** The trials of a study written since a cursor, and the cursor to ask from next time. */
export interface TrialWrites {
  /** The current snapshots of the trials written (created or changed) since the cursor, by ascending number. */
  readonly trials: FrozenTrial[];
  readonly cursor: number;
}

/**
 * A storage's record of which trials it wrote, for readers that keep the trials themselves
 * (`TrialCache`): `trialsWrittenSince(studyId, null)` is every trial of the study (a new array the
 * caller owns) with a cursor; passing that cursor later gives the trials written since, by any
 * writer, by ascending number. A storage remembers a bounded stretch of its writes: for a cursor
 * older than that it returns null, and the reader starts again from null.
 */
export interface TrialWriteLog {
  trialsWrittenSince(studyId: number, cursor: number | null): TrialWrites | null;
}

/**
 * The operations of a trial's life (ask, suggest, report, tell, and the reads around them) as a
 * storage that needs no I/O for them can offer them: the same contracts as the Storage methods of
 * the same names, answered synchronously, and errors thrown rather than rejected. A storage offers
 * them as its `immediate` member; the trial loop (src/steps.ts) then creates no promise per trial.
 */
export interface ImmediateTrialOps {
  createNewTrial(studyId: number, template?: TrialTemplate): FrozenTrial;
  setTrialParam(trialId: number, name: string, internalValue: number, distribution: Distribution): void;
  setTrialState(trialId: number, state: TrialState, values?: readonly number[] | null, expectedState?: TrialState): boolean;
  setTrialIntermediateValue(trialId: number, step: number, value: number): void;
  setTrialUserAttr(trialId: number, key: string, value: unknown): void;
  setTrialSystemAttr(trialId: number, key: string, value: unknown): void;
  getTrial(trialId: number): FrozenTrial;
  getAllTrials(studyId: number, states?: readonly TrialState[]): FrozenTrial[];
}

/** The trial operations as the trial loop calls them: each answers at once or with a promise. */
export type TrialOps = {
  [K in keyof ImmediateTrialOps]: (
    ...args: Parameters<ImmediateTrialOps[K]>
  ) => ReturnType<ImmediateTrialOps[K]> | Promise<ReturnType<ImmediateTrialOps[K]>>;
};

/** A storage's trial operations: its immediate ones when it has them, else its asynchronous methods. */
export function trialOps(storage: Storage): TrialOps {
  return storage.immediate ?? storage;
}

/**
 * The state `setTrialState` expects a trial to be in when the caller names none: WAITING when it is
 * being claimed (moved to RUNNING), RUNNING when it is being finished.
 */
export function expectedPriorState(state: TrialState, expectedState?: TrialState): TrialState {
  return expectedState ?? (state === TrialState.RUNNING ? TrialState.WAITING : TrialState.RUNNING);
}

/** A study's name when none is given, as Optuna names it: its DEFAULT_STUDY_NAME_PREFIX and a UUID (names need only be unique). */
export function defaultStudyName(): string {
  return `no-name-${globalThis.crypto.randomUUID()}`;
}

/** The snapshot of a trial just created: no params, values or reports yet. */
export function newTrialSnapshot(
  trialId: number,
  number: number,
  state: TrialState,
  datetimeStart: Date | null,
  userAttrs: Record<string, unknown> = {},
  systemAttrs: Record<string, unknown> = {},
): FrozenTrial {
  return snapshotTrial(
    {
      trialId,
      number,
      state,
      values: null,
      datetimeStart,
      datetimeComplete: null,
      params: {},
      internalParams: {},
      distributions: {},
      intermediateValues: new Map(),
      userAttrs,
      systemAttrs,
    },
    { copy: false },
  );
}
