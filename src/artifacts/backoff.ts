/**
 * Optuna 5.0's `Backoff` for artifact stores: a store whose operations are retried with exponential
 * backoff when they fail, for stores on flaky networks (a store of your own on object storage).
 */
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidArgumentError } from '../errors';
import { ERROR, log } from '../logging';
import { checkOptionKeys } from '../options';
import { ArtifactNotFoundError, type ArtifactStore } from './store';

export interface BackoffOptions {
  /** Attempts per operation, the first included (default 10). */
  maxRetries?: number;
  /** Growth of the delay from one attempt to the next (default 2). */
  multiplier?: number;
  /** Seconds before the second attempt (default 0.1). */
  minDelay?: number;
  /** Longest delay in seconds (default 30). */
  maxDelay?: number;
}

/**
 * Wraps `backend` so that `openReader`, `write` and `remove` are tried up to `maxRetries` times,
 * waiting minDelay x multiplier^i seconds (at most maxDelay) after failure i and logging it, as
 * Optuna's `Backoff(backend, max_retries=10, multiplier=2, min_delay=0.1, max_delay=30)`. A missing
 * artifact (ArtifactNotFoundError) and a refused argument (an id outside the store) fail at once:
 * retrying cannot change them. A stream given to `write` is read into memory first, so that a retry
 * can send it again.
 */
export class Backoff implements ArtifactStore {
  private readonly maxRetries: number;
  private readonly multiplier: number;
  private readonly minDelay: number;
  private readonly maxDelay: number;

  constructor(
    readonly backend: ArtifactStore,
    opts: BackoffOptions = {},
  ) {
    checkOptionKeys('Backoff', opts, ['maxRetries', 'multiplier', 'minDelay', 'maxDelay']);
    if (
      !backend ||
      typeof backend.openReader !== 'function' ||
      typeof backend.write !== 'function' ||
      typeof backend.remove !== 'function'
    ) {
      throw new InvalidArgumentError('Backoff(backend): backend must be an artifact store (openReader, write, remove).');
    }
    this.maxRetries = opts.maxRetries ?? 10;
    this.multiplier = opts.multiplier ?? 2;
    this.minDelay = opts.minDelay ?? 0.1;
    this.maxDelay = opts.maxDelay ?? 30;
    // Optuna's own checks.
    if (!(Number.isInteger(this.maxRetries) && this.maxRetries > 0))
      throw new InvalidArgumentError(`Backoff: maxRetries must be an integer > 0, got ${this.maxRetries}.`);
    if (!(this.multiplier > 0)) throw new InvalidArgumentError(`Backoff: multiplier must be > 0, got ${this.multiplier}.`);
    if (!(this.minDelay > 0)) throw new InvalidArgumentError(`Backoff: minDelay must be > 0 seconds, got ${this.minDelay}.`);
    if (!(this.maxDelay > this.minDelay)) throw new InvalidArgumentError(`Backoff: maxDelay must exceed minDelay, got ${this.maxDelay}.`);
  }

  openReader(artifactId: string): Promise<Readable> {
    return this.retried(`Failed to open artifact=${artifactId}`, () => this.backend.openReader(artifactId));
  }

  async write(artifactId: string, content: Readable | Uint8Array): Promise<void> {
    const bytes = content instanceof Uint8Array ? content : await buffer(content);
    await this.retried(`Failed to write artifact=${artifactId}`, () => this.backend.write(artifactId, bytes));
  }

  remove(artifactId: string): Promise<void> {
    return this.retried(`Failed to delete artifact=${artifactId}`, () => this.backend.remove(artifactId));
  }

  private async retried<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await attempt();
      } catch (err) {
        if (err instanceof ArtifactNotFoundError || err instanceof InvalidArgumentError || i === this.maxRetries - 1) throw err;
        log(ERROR, `${what} n_retry=${i}: ${err instanceof Error ? err.message : String(err)}`);
      }
      await sleep(Math.min(this.minDelay * this.multiplier ** i, this.maxDelay) * 1000);
    }
  }
}
