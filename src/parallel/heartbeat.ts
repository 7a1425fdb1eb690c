/**
 * Heartbeats (Optuna's names and semantics): while a trial runs, its worker records a heartbeat in
 * storage every `heartbeatInterval` seconds; when any worker asks for a new trial, RUNNING trials whose
 * last heartbeat is older than `gracePeriod` seconds (default 2 x interval) belong to a dead worker and
 * become FAIL, and `heartbeatStaleTrialCallback` runs for each (RetryHeartbeatStaleTrialCallback re-queues
 * it). Optuna 4.9 renamed `failed_trial_callback` so; the old name is still taken.
 *
 * Heartbeats are timers on the event loop: an objective that blocks the loop synchronously for longer
 * than the grace period looks dead. Give such objectives a longer grace period, or run them with
 * `optimize(..., { workers })`, where the objective runs in a worker thread and the loop stays free.
 */
import { InvalidArgumentError } from '../errors';
import type { FrozenTrial } from '../frozenTrial';
import type { Storage } from '../storage/base';

/** A function, or an object such as RetryHeartbeatStaleTrialCallback, called with each trial failed as stale. */
export type FailedTrialCallback<S = unknown> =
  ((study: S, trial: FrozenTrial) => void | Promise<void>) | { onTrialFailed(study: S, trial: FrozenTrial): void | Promise<void> };

export interface HeartbeatOptions<S = unknown> {
  /** Seconds between heartbeats of a running trial; enables heartbeats. */
  heartbeatInterval?: number;
  /** Seconds without a heartbeat after which a RUNNING trial is failed (default 2 x heartbeatInterval). */
  gracePeriod?: number;
  /** Called with each trial that this process failed as stale (e.g. new RetryHeartbeatStaleTrialCallback()). */
  heartbeatStaleTrialCallback?: FailedTrialCallback<S>;
  /** The name Optuna used before 4.9 for `heartbeatStaleTrialCallback`. */
  failedTrialCallback?: FailedTrialCallback<S>;
}

interface StudyLike {
  readonly storage: Storage;
  readonly studyId: number;
}

export class HeartbeatMonitor<S extends StudyLike = StudyLike> {
  private readonly timers = new Map<number, NodeJS.Timeout>();
  readonly intervalSeconds: number;
  readonly graceSeconds: number;

  private constructor(
    private readonly storage: Storage,
    opts: HeartbeatOptions<S> & { heartbeatInterval: number },
    private readonly callback: FailedTrialCallback<S> | undefined,
  ) {
    this.intervalSeconds = opts.heartbeatInterval;
    this.graceSeconds = opts.gracePeriod ?? 2 * opts.heartbeatInterval;
  }

  /** A monitor when heartbeats are configured and the storage supports them, else null. */
  static create<S extends StudyLike>(storage: Storage, opts: HeartbeatOptions<S>): HeartbeatMonitor<S> | null {
    const { heartbeatInterval, gracePeriod, heartbeatStaleTrialCallback, failedTrialCallback } = opts;
    if (heartbeatStaleTrialCallback !== undefined && failedTrialCallback !== undefined) {
      throw new InvalidArgumentError('Give heartbeatStaleTrialCallback only: failedTrialCallback is its older name.');
    }
    const callback = heartbeatStaleTrialCallback ?? failedTrialCallback;
    if (heartbeatInterval === undefined) {
      if (gracePeriod !== undefined || callback !== undefined) {
        throw new InvalidArgumentError('gracePeriod and heartbeatStaleTrialCallback need heartbeatInterval (seconds) to be set as well.');
      }
      return null;
    }
    if (!(typeof heartbeatInterval === 'number' && heartbeatInterval > 0 && Number.isFinite(heartbeatInterval))) {
      throw new InvalidArgumentError(`heartbeatInterval must be a positive number of seconds, got ${heartbeatInterval}.`);
    }
    if (gracePeriod !== undefined && !(typeof gracePeriod === 'number' && gracePeriod > 0 && Number.isFinite(gracePeriod))) {
      throw new InvalidArgumentError(`gracePeriod must be a positive number of seconds, got ${gracePeriod}.`);
    }
    if (!storage.recordHeartbeat || !storage.failStaleTrials) {
      // Memory storage: no other process can die holding a trial of this study.
      return null;
    }
    return new HeartbeatMonitor<S>(storage, { ...opts, heartbeatInterval }, callback);
  }

  /** Fail the stale RUNNING trials of the study and run the callback for each (call before asking). */
  async failStaleTrials(study: S): Promise<FrozenTrial[]> {
    const ids = await this.storage.failStaleTrials!(study.studyId, this.graceSeconds);
    const failed: FrozenTrial[] = [];
    for (const id of ids) {
      const trial = await this.storage.getTrial(id);
      failed.push(trial);
      const cb = this.callback;
      if (typeof cb === 'function') await cb(study, trial);
      else if (cb) await cb.onTrialFailed(study, trial);
    }
    return failed;
  }

  /** Record a first heartbeat now (a trial with none is never considered stale), then keep beating. */
  async start(trialId: number): Promise<void> {
    await this.storage.recordHeartbeat!(trialId);
    const timer = setInterval(() => {
      // A missed beat is not fatal: the next one, or the trial's own writes, will report a dead storage.
      this.storage.recordHeartbeat!(trialId).catch(() => undefined);
    }, this.intervalSeconds * 1000);
    timer.unref();
    this.timers.set(trialId, timer);
  }

  stop(trialId: number): void {
    const timer = this.timers.get(trialId);
    if (timer) clearInterval(timer);
    this.timers.delete(trialId);
  }

  stopAll(): void {
    for (const t of this.timers.values()) clearInterval(t);
    this.timers.clear();
  }
}
