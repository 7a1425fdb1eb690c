/**
 * `tunelab/storage`: storages as objects (Optuna's `optuna.storages`). Most code never needs this
 * entry: `createStudy({ storage: 'sqlite:///study.db' })` opens a storage from its URL
 * (sqlite:, postgresql:, journal:, redis:, grpc:). Here: the in-memory and journal storages, Optuna's
 * gRPC storage proxy (its client and its server), opening a URL once to share it, heartbeats with
 * RetryHeartbeatStaleTrialCallback, and the RDB schema upgrade.
 */
// A list rather than `export * from '../storage'`: this entry spans three areas (the storages, the
// heartbeat and retry of parallel/, the RDB schema's revision and upgrade), and the storage index
// also serves the engine (registerStorageBackend, the journal's operation codes), which stays private.
export {
  InMemoryStorage,
  getStorage,
  type ImmediateTrialOps,
  type Storage,
  type StudySummary,
  type TrialWriteLog,
  type TrialWrites,
} from '../storage';
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
export {
  GrpcStorageProxy,
  runGrpcProxyServer,
  type GrpcProxyServer,
  type GrpcProxyServerOptions,
  type GrpcStorageProxyOptions,
} from '../storage';
export { RetryHeartbeatStaleTrialCallback, RetryFailedTrialCallback, type RetryOptions } from '../parallel/retry';
export type { HeartbeatOptions, FailedTrialCallback } from '../parallel/heartbeat';
export { HEAD_REVISION as OPTUNA_SCHEMA_REVISION } from '../storage/rdb/schema';
export { upgradeStorage, type UpgradeOutcome } from '../storage/rdb/upgrade';
