import { isFinished, TrialState, type FrozenTrial } from '../frozenTrial';
import type { Storage } from '../storage';
import { trialOps, type TrialOps } from '../storage/base';
import { isThenable } from '../thenable';

/** What the cache needs of a trial running in this process (a Trial). */
export interface LiveTrial {
  readonly trialId: number;
  snapshot(): FrozenTrial;
}

/**
 * A study's trials as this process knows them: the snapshot last read from storage, kept current by
 * this process's own ask and tell without re-reading the study, and the trials running here.
 */
export class TrialCache<T extends LiveTrial> {
  private snapshot: FrozenTrial[] = [];
  private changes = 0;
  /** Trials before this index are finished (see `waiting`). */
  private waitingScanFrom = 0;
  /** The trials running in this process (from optimize or ask), by number: live objects, not snapshots. */
  readonly running = new Map<number, T>();

  private readonly ops: TrialOps;

  constructor(
    storage: Storage,
    private readonly studyId: number,
  ) {
    this.ops = trialOps(storage);
  }

  /** All trials, ordered by number. Copy-on-write: an array handed out never changes under its holder. */
  get all(): readonly FrozenTrial[] {
    return this.snapshot;
  }

  /** Counts the changes of `all`, so that what is computed from the trials can be memoised against it. */
  get version(): number {
    return this.changes;
  }

  /** Re-read the trials from storage (other workers may have added some): at once from a storage that answers at once. */
  refresh(): void | Promise<void> {
    const read = this.ops.getAllTrials(this.studyId);
    if (isThenable(read)) return Promise.resolve(read).then((trials) => this.replace(trials));
    this.replace(read);
  }

  private replace(trials: FrozenTrial[]): void {
    // Trials running in this process are shown as they are now (parameters suggested, values reported),
    // not as storage last saw them: their writes may still be queued, and samplers (constant liar, GP) and
    // pruners must see them without waiting for the queue to drain.
    for (const [number, live] of this.running) {
      if (trials[number]?.trialId === live.trialId && trials[number].state === TrialState.RUNNING) {
        trials[number] = live.snapshot();
      }
    }
    this.snapshot = trials;
    this.changes++;
  }

  /**
   * Put one trial's new snapshot into the cache without re-reading the study, when the cache is
   * consistent with it (the trial is cached already, or is the next number). Returns false when
   * other workers have added trials meanwhile, so the caller must refresh.
   */
  update(t: FrozenTrial): boolean {
    const known = this.snapshot[t.number];
    if (known ? known.trialId !== t.trialId : t.number !== this.snapshot.length) return false;
    const next = this.snapshot.slice();
    next[t.number] = t;
    this.snapshot = next;
    this.changes++;
    return true;
  }

  /** Cached trial `number`, or undefined. */
  find(number: number): FrozenTrial | undefined {
    const snapshot = this.snapshot;
    return snapshot[number]?.number === number ? snapshot[number] : snapshot.find((t) => t.number === number);
  }

  /**
   * The cached WAITING (enqueued) trials, in order. Finished trials never become WAITING again, so the
   * scan starts after the leading run of finished ones (keeps ask O(1) instead of O(trials) in a long
   * study).
   */
  *waiting(): Generator<FrozenTrial, void, undefined> {
    const trials = this.snapshot;
    if (this.waitingScanFrom > trials.length) this.waitingScanFrom = 0;
    while (this.waitingScanFrom < trials.length && isFinished(trials[this.waitingScanFrom].state)) this.waitingScanFrom++;
    for (let i = this.waitingScanFrom; i < trials.length; i++) {
      if (trials[i].state === TrialState.WAITING) yield trials[i];
    }
  }

  /** Snapshots of the trials running in this process, as they are now. */
  runningSnapshots(): FrozenTrial[] {
    return [...this.running.values()].map((t) => t.snapshot());
  }
}
