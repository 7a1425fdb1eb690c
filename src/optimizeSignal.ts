/**
 * How `study.optimize` learns that it must stop early: its own `signal` option (an AbortSignal, as
 * fetch and Node's APIs take), and one interrupt source a host installs for every optimize call in
 * the process (the tunelab kernel, whose interrupts come from Jupyter). Both are consulted whatever
 * the progress display, which only displays.
 */
import { InvalidArgumentError } from './errors';
import { runtime } from './runtime';

/** What a host (the tunelab kernel) supplies to every optimize call, besides the call's own signal. */
export interface OptimizeInterruptSource {
  /** The signal an optimize call starting now obeys; aborting it interrupts that call. */
  signal(): AbortSignal | undefined;
  /**
   * Called by optimize after each finished trial, before the next starts. A host that learns of
   * interrupts by polling (the kernel reads them from shared memory: a synchronous objective leaves
   * its event loop no turn to hear them) checks here and aborts the signal it handed out.
   */
  poll?(): void;
}

/**
 * Install (or, with undefined, remove) the interrupt source every `optimize` call consults. It is kept
 * in the runtime object (src/runtime.ts), so every copy of tunelab a notebook may load sees it.
 */
export function setOptimizeInterruptSource(source: OptimizeInterruptSource | undefined): void {
  runtime.optimizeInterruptSource = source;
}

export function getOptimizeInterruptSource(): OptimizeInterruptSource | undefined {
  return runtime.optimizeInterruptSource;
}

/**
 * Duck-typed rather than `instanceof AbortSignal`: a signal from another realm (a vm context, a
 * polyfill) works the same way. `where` names the function whose option it is.
 */
export function checkSignalOption(signal: unknown, where = 'optimize'): void {
  if (signal === undefined) return;
  const s = signal as Partial<AbortSignal> | null;
  const ok =
    typeof s === 'object' &&
    s !== null &&
    typeof s.aborted === 'boolean' &&
    typeof s.addEventListener === 'function' &&
    typeof s.removeEventListener === 'function';
  if (!ok) {
    throw new InvalidArgumentError(
      `${where}: signal must be an AbortSignal (new AbortController().signal, AbortSignal.timeout(ms)), got ` +
        `${signal === null ? 'null' : typeof signal}.`,
    );
  }
}

/**
 * Calls `onAbort` once, with the reason of the first of `signals` to abort (at once if one already
 * has). Returns the function that stops listening, for when optimize returns: a long-lived signal
 * must not keep every finished optimize reachable.
 */
export function onFirstAbort(signals: readonly (AbortSignal | undefined)[], onAbort: (reason: unknown) => void): () => void {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  const already = present.find((s) => s.aborted);
  if (already) {
    onAbort(already.reason);
    return () => undefined;
  }
  let fired = false;
  const listeners = present.map((s) => {
    const listener = () => {
      if (fired) return;
      fired = true;
      onAbort(s.reason);
    };
    s.addEventListener('abort', listener, { once: true });
    return () => s.removeEventListener('abort', listener);
  });
  return () => {
    for (const remove of listeners) remove();
  };
}
