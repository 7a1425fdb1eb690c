import type { JournalLog } from './log';

/**
 * Where a journal's logs live (Optuna's BaseJournalBackend): an append-only sequence of JSON
 * objects numbered from 0, shared by every process that opens it. Implementations: the file backend
 * (JournalFileBackend, file locks) and the Redis backend (JournalRedisBackend).
 */
export interface JournalBackend {
  /** A description for messages and `storage.url`. */
  readonly url: string;
  /** The complete logs numbered `from` and later that exist now (a log still being written is left for later). */
  readLogs(from: number): Promise<JournalLog[]>;
  /** Append logs (in order, atomically with respect to other writers). */
  appendLogs(logs: readonly JournalLog[]): Promise<void>;
  /**
   * Append logs only if the journal still holds exactly `known` logs; false (nothing written) when
   * another writer appended in between. This is how a check-then-write (claiming a study system
   * attribute) is atomic across processes without an operation Optuna's format lacks.
   */
  appendLogsIfCount(logs: readonly JournalLog[], known: number): Promise<boolean>;
  close(): Promise<void>;
}
