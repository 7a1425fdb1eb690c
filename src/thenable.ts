/**
 * Whether `v` is a thenable, the test `await` applies: an object or function with a callable `then`.
 * Lets a caller await only what is a promise (an `await` of a plain value still costs a turn of
 * the microtask queue), and the kernel tell a display method's promise from its bundle.
 */
export function isThenable<T>(v: T | PromiseLike<T>): v is PromiseLike<T> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}
