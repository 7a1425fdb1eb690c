/**
 * Optuna 5.0's JournalFileBackend: the journal as a file of JSON lines (`json.dumps(log,
 * separators=(",", ":"))`, one per line, UTF-8, ASCII only), appended under a lock file (./lock.ts;
 * the symlink lock by default, as Optuna) and fsync'ed. Readers take no lock: they read the complete
 * lines present now and leave a line still being written (no newline yet) for the next read.
 */
import { closeSync, existsSync, fsync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { StorageError } from '../../errors';
import { decodeJson } from '../rdb/codec';
import type { JournalBackend } from './backend';
import { JournalFileSymlinkLock, type JournalFileLock } from './lock';
import type { JournalLog } from './log';
import { pyJsonDumps } from './pyjson';

export interface JournalFileOptions {
  /** The lock taken around appends (default: a JournalFileSymlinkLock on the file, as Optuna). */
  lock?: JournalFileLock;
}

const NEWLINE = 0x0a;

export class JournalFileBackend implements JournalBackend {
  readonly url: string;
  private readonly lock: JournalFileLock;
  /** offsets[n]: the byte offset where log n starts (known up to the last complete line read). */
  private readonly offsets: number[] = [0];

  constructor(
    readonly path: string,
    options: JournalFileOptions = {},
  ) {
    const dir = dirname(resolve(path));
    if (!existsSync(dir)) {
      throw new StorageError(`Cannot open the journal file ${path}: the directory ${dir} does not exist. Create it first.`);
    }
    try {
      closeSync(openSync(path, 'a')); // create it if missing, as Optuna does
    } catch (err) {
      throw new StorageError(`Cannot open the journal file ${path}: ${(err as Error).message}.`);
    }
    this.url = `journal:///${path}`;
    this.lock = options.lock ?? new JournalFileSymlinkLock(path);
  }

  async readLogs(from: number): Promise<JournalLog[]> {
    const start = this.offsets[Math.min(from, this.offsets.length - 1)];
    // Synchronous file calls: each is microseconds, where a promise-based call costs a thread-pool
    // round trip; a journal is read before every operation, so this is most of its speed.
    const size = statSync(this.path).size;
    if (size <= start) return []; // nothing appended since (the common case): no open, no read
    let buffer = Buffer.alloc(size - start);
    const fd = openSync(this.path, 'r');
    try {
      let read = 0;
      while (read < buffer.length) {
        const n = readSync(fd, buffer, read, buffer.length - read, start + read);
        if (n === 0) break;
        read += n;
      }
      buffer = buffer.subarray(0, read);
    } finally {
      closeSync(fd);
    }
    const logs: JournalLog[] = [];
    let number = Math.min(from, this.offsets.length - 1);
    let pos = 0;
    for (;;) {
      const end = buffer.indexOf(NEWLINE, pos);
      if (end < 0) break; // no line, or one still being written
      let log: JournalLog;
      try {
        log = decodeJson(buffer.toString('utf8', pos, end)) as JournalLog;
        if (log === null || typeof log !== 'object' || Array.isArray(log)) throw new Error('not a JSON object');
      } catch (err) {
        // A broken last line may be a write in progress (Optuna reads it again later); one followed by
        // more lines is corruption.
        if (buffer.indexOf(NEWLINE, end + 1) < 0) break;
        throw new StorageError(
          `Line ${number + 1} of the journal file ${this.path} is not a JSON log (${(err as Error).message}); the file is damaged. ` +
            'Restore it from a backup, or remove that line if you know what it held.',
        );
      }
      this.offsets[number + 1] = start + end + 1;
      if (number >= from) logs.push(log);
      number++;
      pos = end + 1;
    }
    return logs;
  }

  async appendLogs(logs: readonly JournalLog[]): Promise<void> {
    await this.locked(() => this.write(logs));
  }

  async appendLogsIfCount(logs: readonly JournalLog[], known: number): Promise<boolean> {
    return this.locked(async () => {
      const expectedSize = this.offsets[known];
      if (expectedSize === undefined || statSync(this.path).size !== expectedSize) return false;
      await this.write(logs);
      return true;
    });
  }

  async close(): Promise<void> {}

  private async locked<T>(section: () => Promise<T>): Promise<T> {
    await this.lock.acquire();
    try {
      return await section();
    } finally {
      await this.lock.release();
    }
  }

  private async write(logs: readonly JournalLog[]): Promise<void> {
    const text = logs.map((l) => pyJsonDumps(l, 'compact')).join('\n') + '\n';
    // One write of the whole text (as Optuna's), flushed to disk before the lock is released.
    const fd = openSync(this.path, 'a');
    try {
      writeSync(fd, text, null, 'utf8');
      // The flush waits on the disk: off the event loop, so other work goes on meanwhile.
      await new Promise<void>((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
    } finally {
      closeSync(fd);
    }
  }
}
