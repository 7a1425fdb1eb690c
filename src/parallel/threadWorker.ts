/**
 * Entry point of a worker thread started by `optimize(..., { workers })`. It loads the objective
 * module once and runs one trial at a time with a `WorkerTrial`: the same synchronous suggest API as
 * `Trial`, answered by the main thread (which owns the study, the sampler and the storage) while this
 * thread blocks on an Atomics flag. Reports and attributes are sent without waiting.
 */
import { MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { Distribution, ParamValue } from '../distributions';
import { TrialFinishedError } from '../errors';
import { checkReportArguments, SuggestApi } from '../suggestApi';
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

/** What the objective receives inside a worker thread (the public surface of Trial). */
class WorkerTrial extends SuggestApi {
  private readonly currentParams: Record<string, ParamValue>;
  private readonly currentUserAttrs: Record<string, unknown>;
  private readonly intermediate: Map<number, number>;
  private finished = false;
  readonly number: number;
  readonly trialId: number;
  readonly datetimeStart: Date | null;
  /** The trial's seed (see Trial.seed) and the study's, as on the main thread. */
  readonly seed: number;
  readonly study: { readonly seed: number };

  constructor(m: RunTrialMessage) {
    super();
    this.seed = m.seed;
    this.study = { seed: m.studySeed };
    this.number = m.number;
    this.trialId = m.trialId;
    this.datetimeStart = m.datetimeStart === null ? null : new Date(m.datetimeStart);
    this.currentParams = { ...m.params };
    this.currentUserAttrs = { ...m.userAttrs };
    this.intermediate = new Map(m.intermediate);
  }

  get params(): Record<string, ParamValue> {
    return { ...this.currentParams };
  }
  get userAttrs(): Record<string, unknown> {
    return { ...this.currentUserAttrs };
  }
  get intermediateValues(): Map<number, number> {
    return new Map(this.intermediate);
  }

  suggest(name: string, distribution: Distribution): ParamValue {
    this.assertRunning('suggest a parameter');
    const value = callMain({ type: 'suggest', name, distribution }) as ParamValue;
    this.currentParams[name] = value;
    return value;
  }
  report(value: number, step: number): void {
    this.assertRunning('report');
    checkReportArguments(value, step);
    if (this.intermediate.has(step)) return;
    this.intermediate.set(step, value);
    send({ type: 'report', value, step });
  }
  shouldPrune(): boolean {
    this.assertRunning('ask the pruner');
    return callMain({ type: 'shouldPrune' }) as boolean;
  }
  setUserAttr(key: string, value: unknown): void {
    this.assertRunning('set a user attribute');
    this.currentUserAttrs[key] = value;
    send({ type: 'setUserAttr', key, value });
  }
  finish(): void {
    this.finished = true;
  }
  private assertRunning(action: string): void {
    if (this.finished) throw new TrialFinishedError(`Trial ${this.number} is already finished; it cannot ${action}.`);
  }
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
