/**
 * `study.optimize`: the trial loop. Runs `nJobs` loops over ask, objective, tell until `nTrials`, the
 * timeout, `stop()` or an interrupt (an aborted signal, the kernel's interrupt, Ctrl-C), reporting each
 * finished trial to the progress display and the callbacks; or hands a module objective to worker threads.
 */
import { availableParallelism } from 'node:os';
import { collectGarbage } from './collectGarbage';
import { InvalidArgumentError, isTrialPruned, OptimizeInterruptedError, TrialPruned } from '../errors';
import { TrialState, type FrozenTrial } from '../frozenTrial';
import { interruptOnCtrlC } from '../ctrlC';
import { ownValue } from '../dict';
import { checkSignalOption, getOptimizeInterruptSource, onFirstAbort } from '../optimizeSignal';
import { isModuleObjective, type ModuleObjective } from '../parallel/moduleObjective';
import { THREAD_ERROR_CLASSES } from '../parallel/protocol';
import { getDefaultObserverFactory, type OptimizeEnd, type OptimizeObserver } from '../progress';
import { runWithSeed } from '../reproducibility/context';
import type { Objective, ObjectiveValue, OptimizeOptions, Study } from '../study';
import { FAIL_REASON_KEY } from '../trial';
import { errorRepr, logTrialCompleted, logTrialFailed, logTrialPruned } from '../trialLog';
import { logWarning } from '../logging';
import { markActive, stopAllStudies } from './activeStudies';
import { bestTrialOrNull } from './best';
import { describeValue } from './tell';
import { isThenable } from '../thenable';
import { runSteps, settle, type Steps } from '../steps';
import { requireInt } from '../validate';
import { checkOptionKeys } from '../options';
import { OPTIMIZE_OPTION_KEYS } from './optionKeys';

/**
 * A study's request to end `optimize` once the running trials finish: stopped (optimize returns) or
 * interrupted too (optimize throws OptimizeInterruptedError). Each optimize call starts with none.
 */
export class StopRequest {
  stopped = false;
  interrupted = false;

  stop(): void {
    this.stopped = true;
  }

  interrupt(): void {
    this.stopped = true;
    this.interrupted = true;
  }

  clear(): void {
    this.stopped = false;
    this.interrupted = false;
  }
}

/** Run `objective` on `study` as `opts` says (see Study.optimize); `request` is the study's stop request. */
export async function optimizeStudy(
  study: Study,
  request: StopRequest,
  objective: Objective | ModuleObjective,
  opts: OptimizeOptions,
): Promise<void> {
  checkOptionKeys('optimize', opts, OPTIMIZE_OPTION_KEYS);
  checkSignalOption(opts.signal);
  if (isModuleObjective(objective) || opts.workers !== undefined) {
    return study.services.optimizeInThreads(study, objective, opts);
  }
  if (typeof objective !== 'function') {
    throw new InvalidArgumentError('optimize(objective): objective must be a function (trial) => number.');
  }
  const { nTrials, timeout } = opts;
  // As Optuna: -1 runs as many trials side by side as the machine has CPUs.
  const nJobs = opts.nJobs === -1 ? availableParallelism() : (opts.nJobs ?? 1);
  if (nTrials !== undefined) requireInt('optimize', 'nTrials', nTrials, 0);
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout >= 0)) {
    throw new InvalidArgumentError(`optimize: timeout is in seconds and must be >= 0, got ${timeout}.`);
  }
  if (!(typeof nJobs === 'number' && Number.isInteger(nJobs) && nJobs >= 1)) {
    throw new InvalidArgumentError(`optimize: nJobs must be an integer >= 1, or -1 for one per CPU; got ${describeValue(opts.nJobs)}.`);
  }
  if (opts.gcAfterTrial !== undefined && typeof opts.gcAfterTrial !== 'boolean') {
    throw new InvalidArgumentError(`optimize: gcAfterTrial must be true or false, got ${String(opts.gcAfterTrial)}.`);
  }
  checkCatchRule(opts.catch);
  request.clear();
  // The host's interrupts (the tunelab kernel's) come through its source, whatever the progress display.
  const host = getOptimizeInterruptSource();
  const deadline = timeout === undefined ? Infinity : Date.now() + timeout * 1000;
  const observer: OptimizeObserver | undefined =
    opts.showProgressBar === false ? undefined : getDefaultObserverFactory()(study, { nTrials, timeoutSeconds: timeout });
  let launched = 0;
  let finished = 0;
  let fatal: unknown = null;
  const onFatal = (err: unknown) => {
    if (fatal === null) fatal = err;
  };
  const worker = async () => {
    while (!request.stopped && fatal === null && Date.now() < deadline) {
      if (nTrials !== undefined && launched >= nTrials) break;
      launched++;
      const fatalBefore = fatal !== null;
      // Awaited only when the trial waited for something (see trialSteps).
      const ran = runSteps(trialSteps(study, objective, opts, onFatal));
      const frozen = isThenable(ran) ? await ran : ran;
      // As Optuna: after the trial is recorded, before the callbacks.
      if (opts.gcAfterTrial) collectGarbage();
      finished++;
      observer?.onTrialFinished(study, frozen);
      host?.poll?.();
      // As Optuna: a trial whose error ends optimize (one `catch` does not name) reaches no callback.
      if (fatal !== null && !fatalBefore) break;
      for (const cb of opts.callbacks ?? []) {
        const done = cb(study, frozen);
        if (isThenable(done)) await done;
      }
      const turn = eventLoopTurnEvery(YIELD_INTERVAL_MS);
      if (turn) await turn;
    }
  };
  const markInactive = markActive(study);
  // A host with an interrupt source handles SIGINT itself (in the kernel, Ctrl-C's handler would
  // even break the kernel's: vm's breakOnSigint hides its listener while a cell's first part runs).
  const releaseCtrlC = host ? () => undefined : interruptOnCtrlC(stopAllStudies);
  // An aborted signal interrupts this call as a kernel interrupt or Ctrl-C does (at once if it already is).
  const aborted: { reason: unknown }[] = [];
  const stopListening = onFirstAbort([opts.signal, host?.signal()], (reason) => {
    aborted.push({ reason });
    study.interrupt();
  });
  let end: OptimizeEnd = { kind: 'finished' };
  try {
    // The first trial starts after the caller's synchronous part has returned. In the tunelab kernel
    // that part runs under vm's breakOnSigint, whose interrupt terminates the code outright (no catch,
    // no finally): a trial running there would stay RUNNING and the monitor at "running" for good.
    // Past it, an interrupt reaches the objective as an error its trial is recorded FAIL with.
    await Promise.resolve();
    const results = await Promise.allSettled(Array.from({ length: nJobs }, worker));
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (fatal === null && rejected) fatal = rejected.reason;
    // An interrupt wins over an error it caused (a loop check throwing inside the objective).
    if (request.interrupted) fatal = new OptimizeInterruptedError(study.studyName, finished, aborted[0]);
    if (fatal !== null) {
      end = fatal instanceof OptimizeInterruptedError ? { kind: 'interrupted', error: fatal } : { kind: 'failed', error: fatal };
    } else if (request.stopped) {
      end = { kind: 'stopped' };
    }
  } finally {
    stopListening();
    markInactive();
    releaseCtrlC();
    observer?.onEnd(study, end);
  }
  if (fatal !== null) throw fatal;
}

/**
 * Ask, run the objective with the trial's seed, tell, and log the outcome; `onFatal` gets an error
 * that is not caught. As steps (src/steps.ts): with a storage that answers at once and a synchronous
 * objective, a whole trial runs without a promise.
 */
function* trialSteps(study: Study, objective: Objective, opts: OptimizeOptions, onFatal: (e: unknown) => void): Steps<FrozenTrial> {
  const trial = yield* study.askSteps();
  let value: ObjectiveValue | undefined;
  try {
    value = yield* settle(runWithSeed(trial.seed, () => objective(trial)));
    const frozen = yield* study.tellSteps(trial, value);
    if (frozen.state === TrialState.COMPLETE) logTrialCompleted(frozen, () => bestTrialOrNull(study), study.metricNames);
    else logTrialFailed(frozen, String(ownValue(frozen.systemAttrs, FAIL_REASON_KEY) ?? 'invalid value'), value);
    return frozen;
  } catch (err) {
    if (trial.state !== TrialState.RUNNING) {
      // tell itself failed (a storage write): the trial is recorded FAIL if the storage still
      // answers, and the error ends optimize, since the next trial's writes would fail the same way.
      logWarning(`Trial ${trial.number} failed because a storage write failed: ${errorRepr(err)}.`);
      throw err;
    }
    if (isTrialPruned(err)) {
      const pruned = yield* study.tellSteps(trial, null, { state: TrialState.PRUNED });
      logTrialPruned(pruned, err.message === new TrialPruned().message ? '' : err.message);
      return pruned;
    }
    const frozen = yield* study.tellSteps(trial, null, { state: TrialState.FAIL, failReason: describeError(err) });
    logTrialFailed(frozen, errorRepr(err), value, stackBelowMessage(err));
    if (!isCaught(opts.catch ?? false, err)) onFatal(err);
    return frozen;
  }
}

/**
 * With memory storage and a synchronous objective, optimize() would run entirely on microtasks and
 * starve the event loop: no timer, signal handler or incoming message (a Stop button, a kernel
 * interrupt) could run until it finished. So the trial loop gives the event loop a turn whenever this
 * much time has passed since the last one (a cost of microseconds, a few dozen times per second).
 */
const YIELD_INTERVAL_MS = 25;
let lastYield = performance.now();

/** A turn of the event loop to await when `intervalMs` have passed since the last one, else undefined. */
function eventLoopTurnEvery(intervalMs: number): Promise<void> | undefined {
  if (performance.now() - lastYield < intervalMs) return undefined;
  return new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
    lastYield = performance.now();
  });
}

function checkCatchRule(rule: unknown): void {
  const ok =
    rule === undefined ||
    typeof rule === 'boolean' ||
    typeof rule === 'function' ||
    (Array.isArray(rule) && rule.every((cls) => typeof cls === 'function'));
  if (!ok) {
    throw new InvalidArgumentError(
      `optimize: catch must be a list of error classes (e.g. [RangeError], or [Error] for every error), true, false or a predicate; got ${describeValue(rule)}.`,
    );
  }
}

function isCaught(rule: NonNullable<OptimizeOptions['catch']>, err: unknown): boolean {
  if (typeof rule === 'boolean') return rule;
  if (Array.isArray(rule)) {
    // An error from a worker thread is a copy: it carries the names of its classes instead.
    const threadClasses =
      typeof err === 'object' && err !== null ? (err as { [THREAD_ERROR_CLASSES]?: string[] })[THREAD_ERROR_CLASSES] : undefined;
    return rule.some((cls) => err instanceof cls || (threadClasses !== undefined && threadClasses.includes(cls.name)));
  }
  return (rule as (e: unknown) => boolean)(err);
}

/** The stack trace lines under an error's first line (Optuna logs the traceback under the failure). */
function stackBelowMessage(err: unknown): string | undefined {
  if (!(err instanceof Error) || !err.stack) return undefined;
  const lines = err.stack.split('\n');
  const firstFrame = lines.findIndex((l) => /^\s+at /.test(l));
  return firstFrame < 0 ? undefined : lines.slice(firstFrame).join('\n');
}

function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return `thrown value: ${String(err)}`;
}
