// An interrupt_request that arrives while the kernel is still preparing a cell (compiling it, which
// a loaded machine makes long), before the cell's code runs under Node's SIGINT watchdog, stops the
// cell all the same once it runs. A preloaded hook (fixtures/holdCellBeforeRun.mjs) holds the main
// thread in exactly that stretch while the test interrupts, past the socket thread's signal
// deadline. The SIGINT the socket thread raised there used to be caught by Node's listener and
// dropped when vm armed the watchdog, and nothing raised another: the cell's `while (true)` ran
// for ever (on 2 cores at a load average of 15, test/kernel/interrupt.test.ts hung that way).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { SIGNAL_AFTER_MS } from '../../kernel/interrupt/escalation';
import { defaultKernelArgv, type ExecuteResult, type KernelClient } from '../../kernel/runner/client';
import { resultText, run, startKernel, waitFor } from './helpers';

const HOLD_HOOK = pathToFileURL(path.join(__dirname, 'fixtures', 'holdCellBeforeRun.mjs')).href;
/** The kernel's default grace period before the unreachable notice (kernel.ts signalGraceMs). */
const GRACE_MS = 2000;

describe('tunelab kernel: an interrupt that arrives before the cell runs', () => {
  let k: KernelClient;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tunelab-hold-'));
  before(async () => {
    // Library code: no loop check reaches it, only SIGINT does.
    writeFileSync(path.join(dir, 'spin.js'), 'exports.spinForever = () => { for (;;) {} };\n');
    const [node, ...rest] = defaultKernelArgv();
    k = await startKernel({ cwd: dir, argv: [node, '--import', HOLD_HOOK, ...rest] });
  });
  after(async () => {
    await k?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs `code` held before it runs; interrupts it, waits `heldMs` more, releases it, and returns the reply. */
  async function interruptedWhileHeld(code: string, name: string, heldMs: number): Promise<ExecuteResult> {
    const held = path.join(dir, `${name}.held`);
    const release = path.join(dir, `${name}.release`);
    await run(k, `Object.assign(globalThis, { __tunelabHoldNextCell: ${JSON.stringify({ held, release })} });`);
    const exec = k.execute(code);
    await waitFor(() => existsSync(held) || undefined, 60_000, 'the kernel to hold the compiled cell before running it');
    const reply = await k.interrupt();
    assert.equal(reply.content.status, 'ok');
    await new Promise((r) => setTimeout(r, heldMs));
    writeFileSync(release, '');
    const stuck = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('the cell was not interrupted within 60 s of running: the interrupt was lost')), 60_000).unref(),
    );
    const r = await Promise.race([exec, stuck]);
    assert.equal(r.reply.content.status, 'error', `the cell was not interrupted: ${JSON.stringify(r.reply.content)}`);
    assert.equal(r.reply.content.ename, 'Interrupted');
    return r;
  }

  it('held past the signal deadline: its synchronous loop is stopped once it runs', async () => {
    await interruptedWhileHeld('let spins = 0;\nwhile (true) { spins++; }', 'past-deadline', 4 * SIGNAL_AFTER_MS);
    assert.equal(resultText(await run(k, '"alive"')), "'alive'");
  });

  it('held past the grace period too (the unreachable notice went out): its loop is still stopped once it runs', async () => {
    await interruptedWhileHeld('let turns = 0;\nfor (;;) { turns++; }', 'past-grace', SIGNAL_AFTER_MS + GRACE_MS + 4 * SIGNAL_AFTER_MS);
    assert.equal(resultText(await run(k, '1 + 1')), '2');
  });

  it('held past the grace period: a long library call at its top level, which only SIGINT breaks, is stopped once it runs', async () => {
    await interruptedWhileHeld("require('./spin.js').spinForever();", 'library-call', SIGNAL_AFTER_MS + GRACE_MS + 4 * SIGNAL_AFTER_MS);
    assert.equal(resultText(await run(k, '2 + 2')), '4');
  });

  it('the next cell, not interrupted, runs to its end', async () => {
    // The signals raised for the held cells must not reach it.
    assert.equal(resultText(await run(k, 'let total = 0;\nfor (let i = 0; i < 1e6; i++) total += i;\ntotal')), '499999500000');
  });
});
