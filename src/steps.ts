/**
 * Code written once for storages that answer at once and for those that answer with promises.
 *
 * The trial loop (ask, the objective, tell) talks to its storage a dozen times per trial. Written
 * with async/await, each of those costs a promise and a turn of the microtask queue even when the
 * storage is in memory and the objective synchronous, and with an AsyncLocalStorage active (the
 * trial seeds' context; the kernel's request context) every promise also runs Node's promise hooks:
 * 36 promises per trial, whose hooks alone took a tenth of a 100-trial TPE study (measured by
 * running the objective without the AsyncLocalStorage).
 *
 * So that loop is written as generator functions ("steps") that `yield* settle(x)` where an async
 * function would `await x`. `runSteps` drives them: synchronously while every value is a plain
 * value, and from the first promise on as an async function would, awaiting each promise and
 * resuming the steps with its value or throwing its error into them (so `try`/`catch` inside the
 * steps sees a rejection as a thrown error, as with `await`).
 */
import { isThenable } from './thenable';

/** A computation that may wait for promises (see the module comment); `R` is its result. */
export type Steps<R> = Generator<unknown, R, unknown>;

/** Inside steps, `yield* settle(x)`: x's value, waiting first if x is a promise. */
export function* settle<T>(value: T | PromiseLike<T>): Steps<T> {
  // A plain value is not yielded at all: the round trip through the runner would only allocate.
  if (!isThenable(value)) return value;
  return (yield value) as T;
}

/**
 * Run `steps` to the end: their result at once when nothing they met was a promise, else a promise
 * of it. An error they throw is thrown from this call while they run synchronously, and rejects the
 * promise once they have waited; callers that need one form use `runStepsAsync`.
 */
export function runSteps<R>(steps: Steps<R>): R | Promise<R> {
  let step = steps.next();
  while (!step.done) {
    const value = step.value;
    if (isThenable(value)) return resumeAfter(steps, value);
    step = steps.next(value);
  }
  return step.value;
}

/** `runSteps` as an async function: always a promise, rejected on any error. */
export async function runStepsAsync<R>(steps: Steps<R>): Promise<R> {
  return runSteps(steps);
}

async function resumeAfter<R>(steps: Steps<R>, pending: PromiseLike<unknown>): Promise<R> {
  let value: unknown = pending;
  for (;;) {
    let step: IteratorResult<unknown, R>;
    if (isThenable(value)) {
      // Awaited apart from the resumption: an error the steps throw must not be thrown back into them.
      let settled: { value: unknown } | { error: unknown };
      try {
        settled = { value: await value };
      } catch (error) {
        settled = { error };
      }
      step = 'error' in settled ? steps.throw(settled.error) : steps.next(settled.value);
    } else {
      step = steps.next(value);
    }
    if (step.done) return step.value;
    value = step.value;
  }
}
