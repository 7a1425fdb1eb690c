/**
 * Typed errors. Every message says what was wrong and what to do about it, so a user reading a
 * notebook traceback can fix the cell without opening the source.
 */
export class TunelabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A distribution or search-space definition that cannot be sampled. */
export class InvalidDistributionError extends TunelabError {}

/** A value, option or argument outside what the API accepts. */
export class InvalidArgumentError extends TunelabError {}

/** The same parameter name suggested twice with different distributions in one trial. */
export class ParameterConflictError extends TunelabError {}

/** A study name that exists (createStudy without loadIfExists) or does not (loadStudy). */
export class DuplicatedStudyError extends TunelabError {}
export class StudyNotFoundError extends TunelabError {}

/** A trial that was already finished was asked to change. */
export class TrialFinishedError extends TunelabError {}

/** A storage problem: bad URL, wrong schema version, unreachable server. */
export class StorageError extends TunelabError {}

/**
 * Thrown from an objective to mark the trial PRUNED (Optuna's `TrialPruned`).
 * Not a failure: the study records the trial as pruned and goes on.
 */
export class TrialPruned extends TunelabError {
  constructor(message = 'trial was pruned') {
    super(message);
  }
}
