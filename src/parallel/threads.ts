/**
 * `optimize(objectiveFromModule(path, name), { workers: k })`: CPU-bound objectives in k worker
 * threads. The study, sampler, pruner and storage stay on the main thread; each worker thread only
 * evaluates the objective, asking the main thread synchronously for every suggestion. So every
 * sampler and every storage (memory included) works unchanged, and the event loop of the main thread
 * stays free for heartbeats and progress display while objectives compute.
 *
 * An interrupt (optimize's `signal`, the host's interrupt source) stops it as it stops optimize in
 * one thread: no new trial is handed to a thread, and the trials running in threads finish and are
 * recorded. It also cuts the threads' start-up short (loading an objective module can take seconds):
 * an already aborted signal starts no thread, and an abort while they load stops waiting for them.
 */
import { extname, join } from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import { InvalidArgumentError, TrialPruned } from '../errors';
import { getOptimizeInterruptSource, onFirstAbort } from '../optimizeSignal';
import type { Objective, OptimizeOptions, Study } from '../study';
import type { Trial } from '../trial';
import { isModuleObjective, loadObjective, type ModuleObjective } from './moduleObjective';
import { requireInt } from '../validate';
import {
  THREAD_ERROR_CLASSES,
  type Reply,
  type RunTrialMessage,
  type SerializedError,
  type WorkerInit,
  type WorkerMessage,
} from './protocol';

function revive(e: SerializedError): Error {
  if (e.pruned) return new TrialPruned(e.message);
  const err = new Error(e.message);
  err.name = e.name;
  if (e.stack) err.stack = e.stack;
  // `optimize({ catch: [SomeError] })` matches a thread's error by class name (classes do not cross threads).
  Object.defineProperty(err, THREAD_ERROR_CLASSES, { value: e.classNames ?? [e.name], enumerable: false });
  return err;
}

/** One worker thread with its reply channel. Runs one trial at a time. */
class ObjectiveThread {
  private readonly worker: Worker;
  private readonly signal = new SharedArrayBuffer(4);
  private readonly flag = new Int32Array(this.signal);
  private readonly reply: MessageChannel['port1'];
  /** The trial running in the thread; `failure`, a write of the trial that failed here (the trial fails with it). */
  private current: { trial: Trial; resolve: (v: unknown) => void; reject: (e: unknown) => void; failure?: unknown } | null = null;
  readonly ready: Promise<void>;
  private dead: Error | null = null;

  constructor(ref: ModuleObjective) {
    const { port1, port2 } = new MessageChannel();
    this.reply = port1;
    const workerData: WorkerInit & { replyPort: typeof port2 } = {
      modulePath: ref.modulePath,
      exportName: ref.exportName,
      signal: this.signal,
      replyPort: port2,
    };
    const entry = join(__dirname, `threadWorker${extname(__filename)}`);
    // From TypeScript sources (tests, tsx) the worker needs tsx to load itself; from dist/ it is plain JS.
    this.worker = entry.endsWith('.ts')
      ? new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(entry)});`, {
          eval: true,
          workerData,
          transferList: [port2],
        })
      : new Worker(entry, { workerData, transferList: [port2] });
    let resolveReady!: () => void;
    let rejectReady!: (e: unknown) => void;
    this.ready = new Promise((res, rej) => {
      resolveReady = res;
      rejectReady = rej;
    });
    this.ready.catch(() => undefined);
    this.worker.on('message', (m: WorkerMessage) => {
      switch (m.type) {
        case 'ready':
          return resolveReady();
        case 'loadError':
          return rejectReady(revive(m.error));
        default:
          return this.onMessage(m);
      }
    });
    const die = (err: Error) => {
      this.dead ??= err;
      rejectReady(err);
      this.current?.reject(err);
      this.current = null;
    };
    this.worker.on('error', (err) => die(err));
    this.worker.on('exit', (code) => die(new Error(`The worker thread running the objective exited (code ${code}).`)));
  }

  get alive(): boolean {
    return this.dead === null;
  }

  private answer(reply: Reply): void {
    this.reply.postMessage(reply);
    Atomics.store(this.flag, 0, 1);
    Atomics.notify(this.flag, 0);
  }

  private onMessage(m: WorkerMessage): void {
    const job = this.current;
    if (!job) return;
    try {
      switch (m.type) {
        case 'suggest':
          return this.answer({ ok: true, value: job.trial.suggest(m.name, m.distribution) });
        case 'shouldPrune':
          return this.answer({ ok: true, value: job.trial.shouldPrune() });
        case 'report':
          return job.trial.report(m.value, m.step);
        case 'setUserAttr':
          return job.trial.setUserAttr(m.key, m.value);
        case 'setSystemAttr':
          return job.trial.setSystemAttr(m.key, m.value);
        case 'setConstraint':
          return job.trial.setConstraint(m.key, m.value);
        case 'done':
          this.current = null;
          return 'failure' in job ? job.reject(job.failure) : job.resolve(m.value);
        case 'error':
          this.current = null;
          return job.reject(revive(m.error));
      }
    } catch (err) {
      if (m.type === 'suggest' || m.type === 'shouldPrune') {
        const e = err as Error;
        this.answer({ ok: false, error: { name: e.name ?? 'Error', message: e.message ?? String(err) } });
      } else if (!('failure' in job)) {
        // A report or attribute the worker already checked, refused here: the trial fails with the
        // error when its objective returns (thrown from this message handler, it would end the process).
        job.failure = err;
      }
    }
  }

  run(trial: Trial): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      this.current = { trial, resolve, reject };
      const snap = trial.snapshot();
      const message: RunTrialMessage = {
        type: 'run',
        trialId: trial.trialId,
        number: trial.number,
        datetimeStart: trial.datetimeStart ? trial.datetimeStart.getTime() : null,
        params: { ...snap.params },
        userAttrs: { ...snap.userAttrs },
        intermediate: [...snap.intermediateValues],
        seed: trial.seed,
        studySeed: trial.study.seed,
      };
      this.worker.postMessage(message);
    });
  }

  async terminate(): Promise<void> {
    this.reply.close();
    await this.worker.terminate();
  }
}

/** Validate `workers` and run the study's optimize loop with objectives evaluated in threads. */
export async function optimizeWithModuleObjective(
  study: Study,
  objective: Objective | ModuleObjective,
  opts: OptimizeOptions & { workers?: number },
): Promise<void> {
  const { workers, ...rest } = opts;
  if (!isModuleObjective(objective)) {
    throw new InvalidArgumentError(
      'optimize(objective, { workers }): a function cannot be sent to worker threads. Put the objective in a module ' +
        "and pass objectiveFromModule('./objective.ts', 'exportName') instead (or drop `workers` to run it in this thread).",
    );
  }
  if (workers === undefined) {
    // A module objective without threads: load it here and run it like any function.
    return study.optimize(loadObjective<Objective>(objective), rest);
  }
  requireInt('optimize', 'workers (the number of threads)', workers, 1);
  if (rest.nJobs !== undefined && rest.nJobs !== workers) {
    throw new InvalidArgumentError('optimize: with workers, each thread runs one trial at a time; leave nJobs unset.');
  }
  // The call's signal and the host's as one, taken now: the host hands out a fresh signal after an
  // interrupt, and one that came while the threads loaded must still stop the optimize below.
  const interrupted = new AbortController();
  const stopListening = onFirstAbort([rest.signal, getOptimizeInterruptSource()?.signal()], (reason) => interrupted.abort(reason));
  const threads: ObjectiveThread[] = [];
  const idle: ObjectiveThread[] = [];
  try {
    if (!interrupted.signal.aborted) {
      for (let i = 0; i < workers; i++) threads.push(new ObjectiveThread(objective));
      await untilReadyOrAborted(threads, interrupted.signal);
    }
    // Interrupted before every thread was ready: optimize below runs no trial and throws the interrupt.
    idle.push(...threads);
    const inThread: Objective = async (trial) => {
      let thread = idle.pop()!;
      if (!thread.alive) {
        // Its objective crashed the thread (process.exit, out of memory): replace it.
        thread = new ObjectiveThread(objective);
        threads.push(thread);
        await thread.ready;
      }
      try {
        return (await thread.run(trial)) as number;
      } finally {
        idle.push(thread);
      }
    };
    await study.optimize(inThread, { ...rest, nJobs: workers, signal: interrupted.signal });
  } finally {
    stopListening();
    await Promise.all(threads.map((t) => t.terminate().catch(() => undefined)));
  }
}

/** Waits until every thread has loaded the objective (rejecting if one cannot), or until `signal` aborts. */
async function untilReadyOrAborted(threads: readonly ObjectiveThread[], signal: AbortSignal): Promise<void> {
  let onAbort!: () => void;
  const aborted = new Promise<void>((resolve) => (onAbort = resolve));
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.race([Promise.all(threads.map((t) => t.ready)), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
