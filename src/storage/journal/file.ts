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
/** The first 16 bytes of every SQLite 3 database file. */
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
/** How much of the file's start is read to recognise it (a journal's first line, CREATE_STUDY, is far shorter). */
const HEAD_BYTES = 64 * 1024;

/**
 * Why `head`, the start of the file at `path`, is not the start of an Optuna journal, or null when it
 * may be one. A journal's first line is a JSON object with an `op_code`; a first line still being
 * written (no newline yet) is accepted when it starts as one (`{`). `complete`: `head` is the whole file.
 */
function notAJournal(path: string, head: Buffer, complete: boolean): string | null {
  if (head.length === 0) return null;
  const refused = 'Nothing was written to it.';
  if (head.subarray(0, SQLITE_HEADER.length).equals(SQLITE_HEADER)) {
    return `${path} is an SQLite database, not an Optuna journal file; use sqlite:///${path} to open it as one. ${refused}`;
  }
  const end = head.indexOf(NEWLINE);
  const firstLine = head.toString('utf8', 0, end < 0 ? head.length : end);
  let problem: string | null = null;
  if (end < 0) {
    // No complete line: another writer's first line in progress looks like the start of a JSON object.
    if (firstLine.startsWith('{')) return null;
    problem = complete ? 'it holds no complete line and does not start like a journal log' : 'its first line is not JSON';
  } else {
    try {
      const log = decodeJson(firstLine) as unknown;
      if (log === null || typeof log !== 'object' || Array.isArray(log)) problem = 'its first line is JSON but not an object';
      else if (typeof (log as JournalLog).op_code !== 'number') problem = 'its first line is a JSON object without an op_code';
    } catch {
      problem = 'its first line is not JSON';
    }
  }
  if (problem === null) return null;
  const shown = JSON.stringify(firstLine.slice(0, 60)) + (firstLine.length > 60 ? '...' : '');
  return (
    `${path} is not an Optuna journal file: ${problem} (it starts with ${shown}). A journal file holds one JSON operation ` +
    `per line, as Optuna's JournalFileBackend writes them. Give the path of a journal file, or of a new file to start one. ${refused}`
  );
}

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
      // Read and check an existing file before anything opens it for writing: a bare path given for a
      // database (or any other file) must be refused, not appended to.
      if (existsSync(path)) this.checkHead(path);
      closeSync(openSync(path, 'a')); // create it if missing, as Optuna does
    } catch (err) {
      if (err instanceof StorageError) throw err;
      throw new StorageError(`Cannot open the journal file ${path}: ${(err as Error).message}.`);
    }
    this.url = `journal:///${path}`;
    this.lock = options.lock ?? new JournalFileSymlinkLock(path);
  }

  /** Refuse a file whose start is not a journal's (see notAJournal), before any write. */
  private checkHead(path: string): void {
    const fd = openSync(path, 'r');
    let head: Buffer;
    let size: number;
    try {
      size = statSync(path).size;
      head = Buffer.alloc(Math.min(size, HEAD_BYTES));
      head = head.subarray(0, readSync(fd, head, 0, head.length, 0));
    } finally {
      closeSync(fd);
    }
    const problem = notAJournal(path, head, head.length === size);
    if (problem !== null) throw new StorageError(problem);
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
        // The first line is no journal's: the file is something else (the constructor saw it empty).
        const foreign = number === 0 ? notAJournal(this.path, buffer, false) : null;
        if (foreign !== null) throw new StorageError(foreign);
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
