/**
 * A full garbage collection of this thread's heap, what Optuna's `gc_after_trial` runs (Python's
 * `gc.collect()`) after each trial. Node offers it as `gc` only when started with `--expose-gc`;
 * otherwise the same function is taken once from a fresh context created while V8's flag is on, and
 * the flag is turned off again, so no later context (a notebook cell's) sees a `gc` global.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null = null;

export function collectGarbage(): void {
  if (gc === null) {
    const exposed = (globalThis as { gc?: unknown }).gc;
    if (typeof exposed === 'function') {
      gc = exposed as () => void;
    } else {
      setFlagsFromString('--expose-gc');
      try {
        gc = runInNewContext('gc') as () => void;
      } finally {
        setFlagsFromString('--no-expose-gc');
      }
    }
  }
  gc();
}
