/** Small waiting and networking helpers shared by the integration tests. */
import { createServer } from 'node:net';

/** A loopback port nobody listens on right now (the OS picks it); a caller that races another process retries. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('the OS gave no port'))));
    });
  });
}

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
