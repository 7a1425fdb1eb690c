/**
 * The lines `study.optimize` logs per finished trial, worded as Optuna 5.0 words them
 * (optuna/study/_optimize.py and Study._log_completed_trial), numbers printed as Python prints
 * floats, so a log read side by side with Optuna's says the same thing:
 *
 *   Trial 7 finished with value: 0.12 and parameters: {'x': 1.5}. Best is trial 3 with value: 0.1.
 *   Trial 0 finished with values: [0.28, 2.5] and parameters: {'a': 0.28}.
 *   Trial 4 pruned.
 *   Trial 3 failed with parameters: {'x': 2.0} because of the following error: Error('boom').
 *   Trial 3 failed with value None.
 */
import type { FrozenTrial } from './frozenTrial';
import { pythonFloatRepr } from './format';
import { INFO, isEnabledFor, logInfo, logWarning, pythonValue, WARNING } from './logging';

/** Parameters as Optuna prints `trial.params`: `{'x': 1.5, 'n': 3, 'act': 'relu'}`. */
export function formatParams(t: Pick<FrozenTrial, 'params' | 'distributions'>): string {
  const parts = Object.keys(t.params).map((name) => {
    const d = t.distributions[name];
    const v = t.params[name];
    return `${pythonValue(name)}: ${d?.kind === 'float' && typeof v === 'number' ? pythonFloatRepr(v) : pythonValue(v)}`;
  });
  return `{${parts.join(', ')}}`;
}

/** A thrown value as Python's repr of an exception: `Error('boom')`, `RangeError('x out of range')`. */
export function errorRepr(err: unknown): string {
  if (err instanceof Error) return `${err.name || 'Error'}(${pythonValue(err.message)})`;
  return `thrown value ${pythonValue(typeof err === 'string' ? err : String(err))}`;
}

/** What an objective returned, for the "failed with value ..." line. */
function valueRepr(v: unknown): string {
  if (typeof v === 'number') return pythonFloatRepr(v);
  if (Array.isArray(v)) return `[${v.map((x) => valueRepr(x)).join(', ')}]`;
  if (typeof v === 'string') return pythonValue(v);
  if (v === undefined || v === null || typeof v === 'boolean') return pythonValue(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Values as Optuna prints them: a list, or with metric names a dict (`{'loss': 0.1, 'acc': 0.9}`). */
function formatValues(values: readonly number[], metricNames: readonly string[] | null): string {
  if (metricNames && metricNames.length === values.length) {
    return `{${values.map((v, i) => `${pythonValue(metricNames[i])}: ${pythonFloatRepr(v)}`).join(', ')}}`;
  }
  return values.length === 1 ? pythonFloatRepr(values[0]) : `[${values.map(pythonFloatRepr).join(', ')}]`;
}

/** INFO: a COMPLETE trial, with the study's best so far for a single objective. */
export function logTrialCompleted(trial: FrozenTrial, best: () => FrozenTrial | null, metricNames: readonly string[] | null = null): void {
  if (!isEnabledFor(INFO) || !trial.values) return;
  const params = formatParams(trial);
  if (trial.values.length > 1) {
    logInfo(`Trial ${trial.number} finished with values: ${formatValues(trial.values, metricNames)} and parameters: ${params}.`);
    return;
  }
  let message = `Trial ${trial.number} finished with value: ${formatValues(trial.values, metricNames)} and parameters: ${params}.`;
  const b = best();
  if (b?.values) message += ` Best is trial ${b.number} with value: ${pythonFloatRepr(b.values[0])}.`;
  logInfo(message);
}

/** INFO: a PRUNED trial, with the message the objective gave `TrialPruned` if any. */
export function logTrialPruned(trial: FrozenTrial, message = ''): void {
  logInfo(`Trial ${trial.number} pruned.${message ? ` ${message}` : ''}`);
}

/**
 * WARNING: a FAIL trial, why, and what the objective returned (undefined when it threw). `detail`
 * (a stack trace) follows on the next lines, as Optuna prints the traceback under the line.
 */
export function logTrialFailed(trial: FrozenTrial, reason: string, returned: unknown, detail?: string): void {
  if (!isEnabledFor(WARNING)) return;
  const why = reason.endsWith('.') ? reason.slice(0, -1) : reason;
  logWarning(
    `Trial ${trial.number} failed with parameters: ${formatParams(trial)} because of the following error: ${why}.` +
      (detail ? `\n${detail}` : ''),
  );
  logWarning(`Trial ${trial.number} failed with value ${valueRepr(returned)}.`);
}
