/**
 * Optuna 5.0's JournalStorage for tunelab: `new JournalStorage(new JournalFileBackend(path))` or
 * `new JournalStorage(new JournalRedisBackend('redis://host:6379'))`, or the URLs
 * `journal:///path/to/journal.log` and `redis://host:port/db` wherever a storage URL is accepted.
 */
import { existsSync } from 'node:fs';
import { StorageError } from '../../errors';
import { JournalFileBackend } from './file';
import { JournalRedisBackend } from './redis';
import { JournalStorage } from './storage';

export type { JournalBackend } from './backend';
export { JournalFileBackend, type JournalFileOptions } from './file';
export { JournalRedisBackend, type JournalRedisOptions } from './redis';
export { JournalFileOpenLock, JournalFileSymlinkLock, type JournalFileLock, type LockOptions } from './lock';
export { JournalOperation, type JournalLog } from './log';
export { JournalStorage } from './storage';

/** `journal:///relative/path.log` or `journal:////absolute/path.log` (SQLAlchemy's slashes, as for SQLite). */
export function journalFilePath(url: string): string {
  const m = /^journal:\/\/\/(.+)$/.exec(url);
  if (!m) {
    throw new StorageError(
      `'${url}' is not a journal file URL. Write journal:/// followed by the path, e.g. 'journal:///study.log' ` +
        "(relative) or 'journal:////tmp/study.log' (absolute).",
    );
  }
  return m[1];
}

export async function openJournalFileStorage(url: string, options: { readOnly?: boolean } = {}): Promise<JournalStorage> {
  const path = journalFilePath(url);
  // Reading never changes a journal; only a missing file would be created, which a read must not do.
  if (options.readOnly && !existsSync(path)) throw new StorageError(`The journal file ${path} does not exist.`);
  return new JournalStorage(new JournalFileBackend(path));
}

/** `redis://host:port/db`, as Optuna's CLI reads it: a JournalStorage on JournalRedisBackend. */
export async function openJournalRedisStorage(url: string): Promise<JournalStorage> {
  return new JournalStorage(new JournalRedisBackend(url));
}
