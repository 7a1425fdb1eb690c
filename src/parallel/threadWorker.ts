/**
 * Entry point of a worker thread started by `optimize(..., { workers })`. It loads the objective
 * module once and runs one trial at a time with a `WorkerTrial`: the same synchronous suggest API as
 * `Trial`, answered by the main thread (which owns the study, the sampler and the storage) while this
 * thread blocks on an Atomics flag. Reports and attributes are sent without waiting.
 */
import { MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { constraintAttrToSet } from '../constraintRecord';
import { copyKeys } from '../dict';
import { toInternal, type Distribution, type ParamValue } from '../distributions';
import { TrialFinishedError, TunelabError } from '../errors';
import { TrialState, type FrozenTrial } from '../frozenTrial';
import type { Study } from '../study';
import { checkSuggestArguments } from '../suggestApi';
import type { Trial } from '../trial';
import { TrialFields } from '../trialFields';
import { loadObjective } from './moduleObjective';
import { runWithSeed } from '../reproducibility/context';
import { serializeError, type Reply, type RunTrialMessage, type WorkerInit, type WorkerMessage } from './protocol';

const init = workerData as WorkerInit & { replyPort: MessagePort };
const signal = new Int32Array(init.signal);
const port = parentPort!;
const send = (m: WorkerMessage) => port.postMessage(m);

/** Ask the main thread and block until it answers. */
function callMain(message: WorkerMessage): unknown {
  Atomics.store(signal, 0, 0);
  send(message);
  for (;;) {
    Atomics.wait(signal, 0, 0, 1000);
    const received = receiveMessageOnPort(init.replyPort);
    if (received) {
      Atomics.store(signal, 0, 0);
      const reply = received.message as Reply;
      if (reply.ok) return reply.value;
      const err = new Error(reply.error.message);
      err.name = reply.error.name;
      throw err;
    }
  }
}

/**
 * What the objective receives inside a worker thread: a `Trial` like the main thread's, whose
 * suggestions and pruning decisions the main thread answers, and whose reports, attributes and
 * constraints it records (sent without waiting, checked here first so that a bad one fails the
 * objective at its line). Its own record of the run answers `params`, `constraints` and `snapshot()`.
 */
class WorkerTrial extends TrialFields implements Trial {
  private finished = false;
  readonly number: number;
  readonly trialId: number;
  readonly datetimeStart: Date | null;
  /** The trial's seed (see Trial.seed), as on the main thread. */
  readonly seed: number;
  /** The study lives on the main thread: here only its seed can be read (evaluateSeeds' seed set). */
  readonly study: Study;

  constructor(m: RunTrialMessage) {
    super();
    this.seed = m.seed;
    this.study = studyStandIn(m.studySeed);
    this.number = m.number;
    this.trialId = m.trialId;
    this.datetimeStart = m.datetimeStart === null ? null : new Date(m.datetimeStart);
    copyKeys(this.currentParams, m.params);
    copyKeys(this.currentUserAttrs, m.userAttrs);
    for (const [step, value] of m.intermediate) this.intermediate.set(step, value);
  }

  get state(): TrialState {
    return TrialState.RUNNING;
  }

  suggest(name: string, distribution: Distribution): ParamValue {
    this.assertRunning('suggest a parameter');
    checkSuggestArguments(name, distribution);
    const value = callMain({ type: 'suggest', name, distribution }) as ParamValue;
    this.recordParam(name, toInternal(distribution, value), value, distribution);
    return value;
  }
  report(value: number, step: number): void {
    this.assertRunning('report');
    if (!this.recordReport(value, step)) return;
    send({ type: 'report', value, step });
  }
  shouldPrune(): boolean {
    this.assertRunning('ask the pruner');
    return callMain({ type: 'shouldPrune' }) as boolean;
  }
  setUserAttr(key: string, value: unknown): void {
    this.assertRunning('set a user attribute');
    this.recordAttr('user', key, value);
    send({ type: 'setUserAttr', key, value });
  }
  setSystemAttr(key: string, value: unknown): void {
    this.assertRunning('set a system attribute');
    this.recordAttr('system', key, value);
    send({ type: 'setSystemAttr', key, value });
  }
  setConstraint(key: string, value: number): void {
    this.assertRunning('set a constraint');
    const attr = constraintAttrToSet(this.systemAttrs, this.number, key, value);
    if (attr === null) return;
    this.recordAttr('system', attr, value);
    send({ type: 'setConstraint', key, value });
  }
  /** The run as this thread has seen it (the main thread's trial also holds what the sampler recorded). */
  snapshot(): FrozenTrial {
    return this.runningSnapshot(this.trialId, this.number, this.datetimeStart);
  }
  /** Nothing to wait for here: the main thread writes, and waits for its writes when the trial is told. */
  flush(): void {}
  /** console.log(trial) in the objective shows the trial's number and parameters, as on the main thread. */
  [Symbol.for('nodejs.util.inspect.custom')](depth: number, options: object, inspect: (v: unknown, o: object) => string): string {
    const shown = { number: this.number, params: this.params, userAttrs: this.userAttrs };
    return depth < 0 ? `[Trial ${this.number}]` : `Trial ${inspect(shown, options)}`;
  }
  finish(): void {
    this.finished = true;
  }
  private assertRunning(action: string): void {
    if (this.finished) throw new TrialFinishedError(`Trial ${this.number} is already finished; it cannot ${action}.`);
  }
}

/** `trial.study` in a worker thread: its seed, and a clear error for anything else. */
function studyStandIn(seed: number): Study {
  const known: Record<string, unknown> = { seed };
  return new Proxy(known, {
    get(target, key) {
      if (typeof key === 'symbol' || key === 'then' || key === 'toJSON') return undefined;
      if (Object.hasOwn(target, key)) return target[key];
      throw new TunelabError(
        `trial.study.${key} cannot be read in a worker thread: the study lives on the main thread, and an objective run ` +
          'with { workers } sees only trial.study.seed. Read what the objective needs before optimize and pass it in the module.',
      );
    },
  }) as unknown as Study;
}

let objective: (trial: WorkerTrial) => unknown;
try {
  objective = loadObjective(init);
  send({ type: 'ready' });
} catch (err) {
  send({ type: 'loadError', error: serializeError(err) });
}

port.on('message', async (m: RunTrialMessage) => {
  if (m.type !== 'run') return;
  const trial = new WorkerTrial(m);
  try {
    const value = await runWithSeed(trial.seed, () => objective(trial));
    trial.finish();
    send({ type: 'done', value });
  } catch (err) {
    trial.finish();
    send({ type: 'error', error: serializeError(err) });
  }
});
