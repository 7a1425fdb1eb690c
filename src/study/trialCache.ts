import { TrialState, type FrozenTrial } from '../frozenTrial';
import type { Storage } from '../storage';
import { trialOps, type TrialOps, type TrialWriteLog, type TrialWrites } from '../storage/base';
import { isThenable } from '../thenable';
import { UnfinishedTrials } from './unfinishedTrials';
import { ownValue } from '../dict';
import type { Distribution } from '../distributions';

/** The distribution a parameter name first had in a study, and the trial that had it. */
export interface FirstDistribution {
  readonly distribution: Distribution;
  readonly firstTrial: number;
}

/** What the cache needs of a trial running in this process (a Trial). */
export interface LiveTrial {
  readonly trialId: number;
  snapshot(): FrozenTrial;
}

/**
 * A study's trials as this process knows them: the snapshot last read from storage, kept current by
 * this process's own ask and tell without re-reading the study, and the trials running here.
 *
 * The cache changes its own array in place and hands out copies (`all`), made when first asked for
 * after a change; from a storage with a write log (memory) a refresh reads only the trials written
 * since the last one. So a trial costs no pass over the history unless something reads the trials:
 * every ask and tell copied the whole list before (three copies a trial; past about 16,000 trials
 * each copy is a large object for V8, and a Random study's 25,000th trial cost 0.76 ms).
 */
export class TrialCache<T extends LiveTrial> {
  /** The trials by number, changed in place. */
  private trials: FrozenTrial[] = [];
  /** A copy of `trials` as of the last change, handed out by `all` (null: not made since). */
  private published: FrozenTrial[] | null = null;
  /** The storage's write log, and where this cache last read it (null: read everything next). */
  private readonly writeLog: TrialWriteLog | undefined;
  private logCursor: number | null = null;
  /** Changes so far (`changeCount`). */
  private changes = 0;
  /** The unfinished trials, where `waiting` finds the enqueued ones. */
  private readonly unfinished = new UnfinishedTrials();
  /** The trials running in this process (from optimize or ask), by number: live objects, not snapshots. */
  readonly running = new Map<number, T>();
  /** Each parameter name's first distribution and trial (what later suggestions must be compatible with). */
  private readonly firstDistributions = new Map<string, FirstDistribution>();

  private readonly ops: TrialOps;

  constructor(
    storage: Storage,
    private readonly studyId: number,
  ) {
    this.ops = trialOps(storage);
    this.writeLog = storage.writeLog;
  }

  /** All trials, ordered by number: an array handed out never changes under its holder. */
  get all(): readonly FrozenTrial[] {
    return (this.published ??= this.trials.slice());
  }

  /**
   * All trials, ordered by number, without a copy: for a reader done with them before the cache can
   * change (before its next await, ask or tell), which must not keep the array.
   */
  get current(): readonly FrozenTrial[] {
    return this.trials;
  }

  /** Re-read the trials from storage (other workers may have added some): at once from a storage that answers at once. */
  refresh(): void | Promise<void> {
    if (this.writeLog) {
      const writes =
        (this.logCursor !== null && this.writeLog.trialsWrittenSince(this.studyId, this.logCursor)) ||
        this.writeLog.trialsWrittenSince(this.studyId, null)!;
      this.applyWrites(writes);
      return;
    }
    const read = this.ops.getAllTrials(this.studyId);
    if (isThenable(read)) return Promise.resolve(read).then((trials) => this.replace(trials));
    this.replace(read);
  }

  private replace(trials: FrozenTrial[]): void {
    this.trials = trials;
    this.showRunning();
    this.changed();
  }

  /** The trials written since the cursor into the list (every trial, from a null cursor). */
  private applyWrites(writes: TrialWrites): void {
    const fromStart = this.logCursor === null;
    this.logCursor = writes.cursor;
    if (fromStart) {
      this.replace(writes.trials);
      return;
    }
    const trials = this.trials;
    for (const t of writes.trials) {
      if (t.number > trials.length) {
        // Numbers are dense: a gap means this cache missed writes. Read everything again.
        this.logCursor = null;
        this.refresh();
        return;
      }
      trials[t.number] = t;
    }
    if (writes.trials.length > 0 || this.running.size > 0) {
      this.showRunning();
      this.changed();
    }
  }

  /**
   * Trials running in this process are shown as they are now (parameters suggested, values reported),
   * not as storage last saw them: their writes may still be queued, and samplers (constant liar, GP)
   * and pruners must see them without waiting for the queue to drain.
   */
  private showRunning(): void {
    const trials = this.trials;
    for (const [number, live] of this.running) {
      if (trials[number]?.trialId === live.trialId && trials[number].state === TrialState.RUNNING) {
        trials[number] = live.snapshot();
      }
    }
  }

  private changed(): void {
    this.published = null;
    this.changes++;
  }

  /** How many times the trials changed: with `current`, whether they did since a reader last looked. */
  get changeCount(): number {
    return this.changes;
  }

  /**
   * Put one trial's new snapshot into the cache without re-reading the study, when the cache is
   * consistent with it (the trial is cached already, or is the next number). Returns false when
   * other workers have added trials meanwhile, so the caller must refresh.
   */
  update(t: FrozenTrial): boolean {
    const known = this.trials[t.number];
    if (known ? known.trialId !== t.trialId : t.number !== this.trials.length) return false;
    this.trials[t.number] = t;
    this.changed();
    return true;
  }

  /** Cached trial `number`, or undefined. */
  find(number: number): FrozenTrial | undefined {
    const trials = this.trials;
    return trials[number]?.number === number ? trials[number] : trials.find((t) => t.number === number);
  }

  /**
   * The cached WAITING (enqueued) trials, in order. Finished trials never become WAITING again, so
   * only the unfinished ones are looked at (keeps ask O(1) instead of O(trials) in a long study,
   * even with a trial left RUNNING near its start).
   */
  *waiting(): Generator<FrozenTrial, void, undefined> {
    const trials = this.trials;
    this.unfinished.update(trials);
    for (const t of this.unfinished.of(trials)) if (t.state === TrialState.WAITING) yield t;
  }

  /**
   * The distribution `name` was first stored with in this study, or undefined for a name no cached
   * trial has. A suggest checks against it so that a float named like an earlier int fails in the
   * objective, where `catch` and the trial's log see it, on every storage alike, instead of at the
   * trial's queued storage write (or never, on a storage that does not check). A name seen once is
   * answered from a map; a new name costs one pass over the cached trials.
   */
  firstDistribution(name: string): FirstDistribution | undefined {
    const known = this.firstDistributions.get(name);
    if (known) return known;
    for (const t of this.trials) {
      const distribution = ownValue(t.distributions, name);
      if (distribution) {
        const found = { distribution, firstTrial: t.number };
        this.firstDistributions.set(name, found);
        return found;
      }
    }
    return undefined;
  }

  /** Note a parameter this process has just suggested (its first use in the study, if none was found). */
  noteDistribution(name: string, distribution: Distribution, trialNumber: number): void {
    if (!this.firstDistributions.has(name)) this.firstDistributions.set(name, { distribution, firstTrial: trialNumber });
  }

  /** Snapshots of the trials running in this process, as they are now. */
  runningSnapshots(): FrozenTrial[] {
    return [...this.running.values()].map((t) => t.snapshot());
  }
}
