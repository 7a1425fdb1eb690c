// Shared helpers for the kernel tests: they drive the compiled kernel (dist/, build with
// `npm run build` first) through the project's own ZeroMQ client.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { KernelClient, type ExecuteResult, type StartOptions } from '../../kernel/runner/client';
import type { JupyterMessage } from '../../kernel/wire';

export const ROOT = path.resolve(__dirname, '..', '..');

export function assertBuilt(): void {
  const needed = ['dist/kernel/cli.js', 'dist/kernel/mainSockets.js', 'dist/kernel/socketThread.js', 'dist/src/index.js'];
  for (const f of needed) {
    assert.ok(existsSync(path.join(ROOT, f)), `${f} is missing: run "npm run build" before the kernel tests`);
  }
}

export async function startKernel(opts: StartOptions = {}): Promise<KernelClient> {
  assertBuilt();
  return KernelClient.start({ stderr: process.env.TUNELAB_TEST_KERNEL_STDERR ? 'inherit' : 'ignore', ...opts });
}

export function ofType(r: ExecuteResult | JupyterMessage[], type: string): JupyterMessage[] {
  const list = Array.isArray(r) ? r : r.iopub;
  return list.filter((m) => m.header.msg_type === type);
}

/** stdout text of an execution, all chunks joined. */
export function stdout(r: ExecuteResult): string {
  return ofType(r, 'stream')
    .filter((m) => m.content.name === 'stdout')
    .map((m) => String(m.content.text))
    .join('');
}

export function resultText(r: ExecuteResult): string | undefined {
  const res = ofType(r, 'execute_result')[0];
  return res ? String((res.content.data as Record<string, unknown>)['text/plain']) : undefined;
}

/** Executes and asserts success; returns the result. */
export async function run(k: KernelClient, code: string): Promise<ExecuteResult> {
  const r = await k.execute(code);
  assert.equal(r.reply.content.status, 'ok', `cell failed: ${String(r.reply.content.ename)}: ${String(r.reply.content.evalue)}\n${code}`);
  return r;
}

export function waitFor<T>(pred: () => T | undefined, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      const v = pred();
      if (v !== undefined && v !== false) return resolve(v);
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
