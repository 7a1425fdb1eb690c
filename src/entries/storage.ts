/**
 * `tunelab/storage`: storages as objects (Optuna's `optuna.storages`). Most code never needs this
 * entry: `createStudy({ storage: 'sqlite:///study.db' })` opens a storage from its URL
 * (sqlite:, postgresql:, journal:, redis:). Here: the in-memory and journal storages, opening a URL
 * once to share it, heartbeats with RetryFailedTrialCallback, and the RDB schema upgrade.
 */
export { InMemoryStorage, getStorage, type Storage, type StudySummary } from '../storage';
export {
  JournalFileBackend,
  JournalFileOpenLock,
  JournalFileSymlinkLock,
  JournalRedisBackend,
  JournalStorage,
  type JournalBackend,
  type JournalFileLock,
  type JournalFileOptions,
  type JournalRedisOptions,
  type LockOptions,
} from '../storage';
export { RetryFailedTrialCallback } from '../parallel/retry';
export type { HeartbeatOptions, FailedTrialCallback } from '../parallel/heartbeat';
export { HEAD_REVISION as OPTUNA_SCHEMA_REVISION } from '../storage/rdb/schema';
export { upgradeStorage, type UpgradeOutcome } from '../storage/rdb/upgrade';
