/** Small waiting and networking helpers shared by the integration tests. */

/** Servers the tests start take their ports the way kernels do: outside the OS's ephemeral range. */
export { freeLoopbackPort } from '../../kernel/runner/ports';

/**
 * Bound a promise that has no timeout of its own (page.evaluate, fetch), so a hang fails naming what
 * was awaited instead of running into the suite's timeout.
 */
export async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
