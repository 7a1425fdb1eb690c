/**
 * optuna-dashboard (from the pinned Python environment) as a child process on a free loopback port,
 * with a small JSON client for its HTTP API. Tests start one in `before` and stop it in `after`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { pythonBin, pythonEnv } from './python';
import { freeLoopbackPort } from './async';

export interface DashboardServer {
  /** http://127.0.0.1:PORT */
  readonly baseUrl: string;
  /** What the server printed so far (stdout and stderr), for failure messages. */
  log(): string;
  /** GET a JSON route, failing with the status and body unless it answers 200. */
  getJson<T>(path: string): Promise<T>;
  /** Send a JSON body; returns the status and the raw response text. */
  send(method: 'PUT' | 'POST', path: string, body: unknown): Promise<{ status: number; text: string }>;
  /** Stop the server and wait until its process has exited (SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
}

const REQUEST_TIMEOUT_MS = 30_000;

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (exited(child)) return;
  child.kill('SIGTERM');
  if (await waitForExit(child, 5_000)) return;
  child.kill('SIGKILL');
  if (!(await waitForExit(child, 5_000))) throw new Error(`optuna-dashboard (pid ${child.pid}) did not exit after SIGKILL`);
}

/**
 * Start `optuna-dashboard STORAGE --host 127.0.0.1 --port P --server wsgiref [extraArgs]` and wait (at most
 * `timeoutMs`) until `/api/meta` answers. wsgiref is named explicitly: `auto` would pick gunicorn if
 * it were ever installed, which forks workers that are harder to stop cleanly.
 */
export async function startDashboard(storageUrl: string, timeoutMs = 60_000, extraArgs: readonly string[] = []): Promise<DashboardServer> {
  const errors: string[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeLoopbackPort();
    const child = spawn(
      pythonBin('optuna-dashboard'),
      [storageUrl, '--host', '127.0.0.1', '--port', String(port), '--server', 'wsgiref', ...extraArgs],
      { env: pythonEnv({ PYTHONUNBUFFERED: '1' }), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // A safety net for a test process that ends without running its `after` hooks.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    let output = '';
    child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    const baseUrl = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + timeoutMs;
    let ready = false;
    while (!ready && !exited(child) && Date.now() < deadline) {
      try {
        const res = await fetch(`${baseUrl}/api/meta`, { signal: AbortSignal.timeout(5_000) });
        const meta = (await res.json()) as Record<string, unknown>;
        ready = res.status === 200 && 'artifact_is_available' in meta;
      } catch {
        // not listening yet
      }
      if (!ready) await new Promise((r) => setTimeout(r, 200));
    }
    if (ready && !exited(child)) {
      return makeServer(child, baseUrl, () => output);
    }
    await stopChild(child);
    errors.push(`port ${port}: ${exited(child) ? `exited (${child.exitCode ?? child.signalCode})` : 'no answer'}\n${output}`);
    // Only a port taken between our probe and the server's bind is worth another try.
    if (!/Address already in use/.test(output)) break;
  }
  throw new Error(`optuna-dashboard did not start on ${storageUrl} within ${timeoutMs} ms:\n${errors.join('\n---\n')}`);
}

function makeServer(child: ChildProcess, baseUrl: string, log: () => string): DashboardServer {
  return {
    baseUrl,
    log,
    async getJson<T>(path: string): Promise<T> {
      const res = await fetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${text}\nserver log:\n${log()}`);
      return JSON.parse(text) as T;
    },
    async send(method, path, body) {
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      return { status: res.status, text: await res.text() };
    },
    stop: () => stopChild(child),
  };
}
