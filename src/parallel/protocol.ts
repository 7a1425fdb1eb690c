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
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    return { name: err.name, message: err.message, stack: err.stack, pruned: err.name === 'TrialPruned' };
  }
  return { name: 'Error', message: `thrown value: ${String(err)}` };
}
