/**
 * A private Redis server for tests: Debian's redis-server on a free loopback port, no persistence,
 * its working directory in a temporary directory, stopped (and the directory removed) when the test
 * process ends. No system service is assumed or touched.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupWhenGone, freeLoopbackPort } from './async';

export interface RedisServer {
  readonly port: number;
  /** URL of database `db` (0-15) on this server. */
  url(db?: number): string;
  /** Stop the server and remove its directory. */
  destroy(): void;
}

const REDIS_SERVER = '/usr/bin/redis-server';

const running = new Set<() => void>();
process.once('exit', () => {
  for (const stop of running) stop();
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    for (const stop of running) stop();
    running.clear();
    process.kill(process.pid, signal);
  });
}

/** Resolves once something answers PING with PONG on the port (bounded: rejects after `ms`). */
async function waitForPong(port: number, ms: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}):\n${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s: Socket = createConnection({ host: '127.0.0.1', port }, () => s.write('PING\r\n'));
      s.setTimeout(1000, () => {
        s.destroy();
        resolve(false);
      });
      s.once('data', (d: Buffer) => {
        s.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not answer PING on port ${port} within ${ms / 1000} s:\n${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startRedis(): Promise<RedisServer> {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(`${REDIS_SERVER} is not installed. Run scripts/system-deps.sh (Debian package redis-server).`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'tunelab-redis-'));
  const port = await freeLoopbackPort();
  let output = '';
  const child = spawn(
    REDIS_SERVER,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--unixsocket',
      '',
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  // Should this process be killed outright, the server and its directory go anyway.
  const cancelWatchdog = cleanupWhenGone('kill -9 "$1"; rm -rf "$2"', [String(child.pid), dir]);
  const stop = () => {
    cancelWatchdog();
    if (child.exitCode === null && child.pid !== undefined) {
      child.kill('SIGKILL');
      // Wait for it to be gone so no server outlives the test process.
      spawnSync('sh', ['-c', `while kill -0 ${child.pid} 2>/dev/null; do sleep 0.05; done`], { timeout: 5000 });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  running.add(stop);
  try {
    await waitForPong(port, 20_000, child, () => output);
  } catch (err) {
    stop();
    running.delete(stop);
    throw err;
  }
  return {
    port,
    url: (db = 0) => `redis://127.0.0.1:${port}/${db}`,
    destroy() {
      running.delete(stop);
      stop();
    },
  };
}
