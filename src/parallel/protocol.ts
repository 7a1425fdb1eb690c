/** Messages between the main thread (which owns the study) and a worker thread (which runs objectives). */
import type { Distribution, ParamValue } from '../distributions';

export interface WorkerInit {
  modulePath: string;
  exportName: string;
  /** Int32 flag the worker waits on for a synchronous answer (suggest, shouldPrune). */
  signal: SharedArrayBuffer;
}

/** main -> worker */
export interface RunTrialMessage {
  type: 'run';
  trialId: number;
  number: number;
  datetimeStart: number | null;
  params: Record<string, ParamValue>;
  userAttrs: Record<string, unknown>;
  intermediate: [number, number][];
  /** The trial's seed (the ambient seed while its objective runs) and the study's (evaluateSeeds' seed set). */
  seed: number;
  studySeed: number;
}

/** worker -> main */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'suggest'; name: string; distribution: Distribution }
  | { type: 'shouldPrune' }
  | { type: 'report'; value: number; step: number }
  | { type: 'setUserAttr'; key: string; value: unknown }
  | { type: 'setSystemAttr'; key: string; value: unknown }
  | { type: 'setConstraint'; key: string; value: number }
  | { type: 'done'; value: unknown }
  | { type: 'error'; error: SerializedError }
  | { type: 'loadError'; error: SerializedError };

/** main -> worker, on the reply port, answering a synchronous call */
export type Reply = { ok: true; value: unknown } | { ok: false; error: SerializedError };

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  pruned?: boolean;
  /** The error's class and its ancestors' names (`['RangeError', 'Error']`), so `catch` can match across threads. */
  classNames?: string[];
}

/** On a revived error: the class names of the error thrown in the worker thread. */
export const THREAD_ERROR_CLASSES = Symbol.for('tunelab.threadErrorClasses');

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const classNames: string[] = [];
    for (let p = Object.getPrototypeOf(err) as { constructor?: { name?: string } } | null; p; p = Object.getPrototypeOf(p)) {
      const name = p.constructor?.name;
      if (name && name !== 'Object') classNames.push(name);
    }
    return { name: err.name, message: err.message, stack: err.stack, pruned: err.name === 'TrialPruned', classNames };
  }
  return { name: 'Error', message: `thrown value: ${String(err)}` };
}
