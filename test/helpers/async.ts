/** Small waiting and networking helpers shared by the integration tests. */
import { spawn } from 'node:child_process';

/** Servers the tests start take their ports the way kernels do: outside the OS's ephemeral range. */
export { freeLoopbackPort } from '../../kernel/runner/ports';

/**
 * Runs the shell script `cleanup` (its arguments `args` as $1, $2, ...) once this process is gone,
 * however it ends: exit and signal hooks never run when it is killed outright (SIGKILL, the test
 * runner's timeout). The watchdog polls /proc rather than `kill -0`, which fails with EPERM when it
 * runs as another user (`uid`/`gid`: the server's owner). Returns the function that cancels it.
 */
export function cleanupWhenGone(cleanup: string, args: readonly string[], owner?: { uid: number; gid: number }): () => void {
  const script = `pid=$1; shift; while [ -e "/proc/$pid" ]; do sleep 1; done; ${cleanup}`;
  const watchdog = spawn('sh', ['-c', script, 'test-server-watchdog', String(process.pid), ...args], {
    detached: true,
    stdio: 'ignore',
    ...(owner ?? {}),
  });
  watchdog.unref();
  return () => watchdog.kill();
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
