/**
 * Typed errors. Every message says what was wrong and what to do about it, so a user reading a
 * notebook traceback can fix the cell without opening the source.
 */
export class TunelabError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
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

/**
 * No trial with the id a storage was given. An InvalidArgumentError (what storages threw for it
 * before), told apart so that a proxy can answer "not found".
 */
export class TrialNotFoundError extends InvalidArgumentError {}

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

/**
 * Whether `err` is a TrialPruned: by class, or by name for one from another copy of tunelab (an
 * objective module loaded as ES module next to the CommonJS build has its own TrialPruned class).
 */
export function isTrialPruned(err: unknown): err is Error {
  return err instanceof TrialPruned || (err instanceof Error && err.name === 'TrialPruned');
}

/** An AbortSignal's reason in a sentence: `TimeoutError: The operation was aborted due to timeout`. */
function describeAbortReason(reason: unknown): string {
  if (typeof reason === 'object' && reason !== null) {
    const { name, message } = reason as { name?: unknown; message?: unknown };
    if (typeof message === 'string') return typeof name === 'string' && name !== '' ? `${name}: ${message}` : message;
  }
  return String(reason);
}

/**
 * `study.optimize` was interrupted (a kernel interrupt, Ctrl-C, its `signal` aborting): like Python's KeyboardInterrupt
 * out of Optuna's optimize, it ends the call with an error so the statements after it do not run.
 * The trials finished before the interrupt are kept in the study; `study.stop()` (the Stop button,
 * a callback) is a deliberate stop and ends optimize normally instead.
 *
 * The runs that take a `signal` besides optimize (crossValidate, the CV searches, pbt) throw it too,
 * so one `catch` handles every interrupt: `studyName` then names the function and `trialsFinished`
 * counts the steps it finished (folds, candidates, rounds).
 */
export class OptimizeInterruptedError extends TunelabError {
  /**
   * `aborted`: an AbortSignal ended the call (optimize's `signal`, or the kernel's); its reason is the `cause`.
   * `steps`: the run was not a study's optimize but one of those of src/stepInterrupts.ts; `studyName`
   * is then the function's name, `unit` what `trialsFinished` counts ('fold(s)', 'round(s)'), `total`
   * how many it had to do (when known), `kept` where the finished ones went.
   */
  constructor(
    readonly studyName: string,
    readonly trialsFinished: number,
    aborted?: { reason: unknown },
    steps?: { readonly unit: string; readonly total?: number; readonly kept: string },
  ) {
    super(
      (steps
        ? `${studyName} was interrupted after ${trialsFinished}${steps.total === undefined ? '' : ` of ${steps.total}`} ${steps.unit} finished; ` +
          `${steps.kept}. Call ${studyName} again to run it to the end.`
        : `study.optimize of '${studyName}' was interrupted after ${trialsFinished} trial(s) of this call finished; ` +
          'they are kept in the study. Run optimize again to go on, or call study.stop() to end it normally.') +
        (aborted ? ` Abort reason: ${describeAbortReason(aborted.reason)}` : ''),
      aborted ? { cause: aborted.reason } : undefined,
    );
  }
}
