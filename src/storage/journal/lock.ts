/**
 * The lock files Optuna 5.0's JournalFileBackend takes around every append, so that Optuna and
 * tunelab processes appending to one journal file (on one machine or a shared file system such as
 * NFS) never interleave their lines. Node has no flock; neither does Optuna use it:
 * - JournalFileSymlinkLock (Optuna's default): the lock is held while the symbolic link
 *   `<journal>.lock` (pointing at the journal) exists; it is taken by creating the link, which fails
 *   with EEXIST while another process holds it;
 * - JournalFileOpenLock: the same with a regular file `<journal>.lock` created with O_CREAT|O_EXCL.
 * Release renames the lock file to `<journal>.lock<uuid>.rename` and unlinks that (so a release never
 * removes a lock someone else took after a forced release). A lock whose mtime (stat follows the
 * link) has not changed for `gracePeriodSeconds` (default 30 s) is taken to belong to a dead process
 * and is released by force, as Optuna does. While it waits, the lock says so in Optuna's words on
 * tunelab's log (a WARNING every 10 s, and one when it releases a lock by force).
 */
import { randomUUID } from 'node:crypto';
import { closeSync, constants, openSync, renameSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import { StorageError } from '../../errors';
import { pythonFloatRepr } from '../../format';
import { logWarning } from '../../logging';

export const LOCK_FILE_SUFFIX = '.lock';
const RENAME_FILE_SUFFIX = '.rename';

export interface JournalFileLock {
  /** Wait until this process holds the lock. */
  acquire(): Promise<void>;
  release(): Promise<void>;
}

export interface LockOptions {
  /** Seconds after which a lock that nobody refreshes is released by force (Optuna: 30; null: never). */
  gracePeriodSeconds?: number | null;
  /** Give up acquiring after this many seconds with a StorageError (default: wait as long as it takes). */
  timeoutSeconds?: number;
  /** Seconds between the warnings that the lock is still held by another process (Optuna: 10, fixed). */
  warningIntervalSeconds?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

abstract class LockFile implements JournalFileLock {
  protected readonly lockPath: string;
  private readonly grace: number | null;
  private readonly timeout: number;
  private readonly warningInterval: number;

  constructor(
    protected readonly journalPath: string,
    options: LockOptions = {},
  ) {
    this.lockPath = journalPath + LOCK_FILE_SUFFIX;
    const grace = options.gracePeriodSeconds === undefined ? 30 : options.gracePeriodSeconds;
    if (grace !== null && !(grace > 0)) {
      throw new StorageError(`gracePeriodSeconds must be a positive number of seconds (or null), got ${grace}.`);
    }
    this.grace = grace;
    this.timeout = options.timeoutSeconds ?? Infinity;
    const interval = options.warningIntervalSeconds ?? 10;
    if (!(interval > 0)) {
      throw new StorageError(`warningIntervalSeconds must be a positive number of seconds, got ${interval}.`);
    }
    this.warningInterval = interval;
  }

  /**
   * Create the lock file atomically; throws with code EEXIST while another holder has it. Synchronous:
   * one system call, where a promise-based one costs a thread-pool round trip on every append.
   */
  protected abstract create(): void;

  async acquire(): Promise<void> {
    const started = performance.now();
    let delay = 1;
    let lastMtime: number | null = null;
    let lastChange = performance.now();
    let lastWarning = performance.now();
    for (;;) {
      try {
        this.create();
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new StorageError(
            `Cannot create the lock file ${this.lockPath}: ${(err as Error).message}. Check that its directory is writable.`,
          );
        }
      }
      if (performance.now() - lastWarning > this.warningInterval * 1000) {
        // Optuna's message, word for word (its f-string prints the interval as a float: "10.0").
        logWarning(
          `It is taking longer than ${pythonFloatRepr(this.warningInterval)} seconds to acquire the lock file: ${this.lockPath} Retrying...`,
        );
        lastWarning = performance.now();
      }
      if (this.grace !== null) {
        let mtime: number;
        try {
          mtime = statSync(this.lockPath).mtimeMs;
        } catch {
          continue; // released in the meantime: try again at once
        }
        if (mtime !== lastMtime) {
          lastMtime = mtime;
          lastChange = performance.now();
        }
        if (performance.now() - lastChange > this.grace * 1000) {
          logWarning('The existing lock file has not been released for an extended period. Forcibly releasing the lock file.');
          lastWarning = performance.now();
          await this.release().catch(() => undefined);
          delay = 1;
          continue;
        }
      }
      if (performance.now() - started > this.timeout * 1000) {
        throw new StorageError(
          `Timed out after ${this.timeout} s waiting for the lock file ${this.lockPath}. If no process is writing to the journal, delete that file.`,
        );
      }
      await sleep(delay);
      // Optuna doubles up to 1 s; a shorter ceiling keeps many writers on one machine responsive.
      delay = Math.min(delay * 2, 50);
    }
  }

  async release(): Promise<void> {
    const renamed = `${this.lockPath}${randomUUID()}${RENAME_FILE_SUFFIX}`;
    try {
      renameSync(this.lockPath, renamed);
    } catch (err) {
      throw new StorageError(`Releasing ${this.lockPath} failed: this process did not hold the lock (${(err as Error).message}).`);
    }
    unlinkSync(renamed);
  }
}

/** Optuna's default lock (works on NFSv2 and later): a symbolic link `<journal>.lock` -> `<journal>`. */
export class JournalFileSymlinkLock extends LockFile {
  protected create(): void {
    // An absolute target, so that `stat` (which follows the link) works from any working directory.
    symlinkSync(resolve(this.journalPath), this.lockPath);
  }
}

/** Optuna's JournalFileOpenLock (NFSv3 and later): a file `<journal>.lock` created with O_CREAT|O_EXCL. */
export class JournalFileOpenLock extends LockFile {
  protected create(): void {
    closeSync(openSync(this.lockPath, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY));
  }
}
