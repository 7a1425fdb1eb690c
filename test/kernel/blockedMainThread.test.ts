// The heartbeat and control channel live in the kernel's socket thread; shell, stdin and iopub in
// the main thread. When a cell blocks the main thread in code an interrupt cannot break (a loop in a
// module the kernel does not instrument, after an `await`), the socket thread must still answer
// interrupt_request and get its notice and the interrupt's busy/idle status published while the
// cell is still blocked.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KernelClient } from '../../kernel/runner/client';
import type { JupyterMessage } from '../../kernel/wire';
import { ofType, resultText, run, startKernel, waitFor } from './helpers';

describe('tunelab kernel: a main thread blocked by a cell', () => {
  let k: KernelClient;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tunelab-blocked-'));
  const stopFile = path.join(dir, 'stop');
  before(async () => {
    // Spins until the test creates the stop file: no timing in the test, however loaded the machine.
    writeFileSync(
      path.join(dir, 'spin.js'),
      // It announces that it spins (a file), so the test interrupts only once the main thread is blocked.
      `const fs = require('fs');\nexports.spinUntil = (file) => { fs.writeFileSync(file + '.spinning', ''); while (!fs.existsSync(file)) {} };\n`,
    );
    k = await startKernel({ cwd: dir });
  });
  after(async () => {
    if (!existsSync(stopFile)) writeFileSync(stopFile, '');
    await k?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers interrupt_request and publishes its notice and status while the cell still blocks', async () => {
    const seen: JupyterMessage[] = [];
    const exec = k.execute(
      `await new Promise((r) => setTimeout(r, 10));\nrequire('./spin.js').spinUntil(${JSON.stringify(stopFile)});\n'finished'`,
      { onMessage: (m) => seen.push(m) },
    );
    await waitFor(() => seen.some((m) => m.header.msg_type === 'execute_input') || undefined, 30_000, 'the cell to start');
    await waitFor(() => existsSync(`${stopFile}.spinning`) || undefined, 60_000, 'the cell to block the main thread');

    const interruptStatus: string[] = [];
    const interruptId = k.send('control', 'interrupt_request', {});
    const stopListening = k.listen(interruptId, (m) => {
      if (m.header.msg_type === 'status') interruptStatus.push(String(m.content.execution_state));
    });
    const reply = await k.waitReply(interruptId, 30_000);
    assert.equal(reply.content.status, 'ok', 'the socket thread answers although the main thread is blocked');

    const notice = await waitFor(
      () => ofType(seen, 'stream').find((m) => String(m.content.text).includes('cannot break')),
      60_000,
      'the notice that the interrupt cannot break the running code',
    );
    assert.equal(notice.content.name, 'stderr');
    await waitFor(() => (interruptStatus.length >= 2 ? true : undefined), 10_000, "the interrupt_request's busy and idle status");
    assert.deepEqual(interruptStatus, ['busy', 'idle']);
    assert.equal(ofType(seen, 'execute_result').length + ofType(seen, 'error').length, 0, 'the cell is still running');
    stopListening();

    writeFileSync(stopFile, '');
    const r = await exec;
    assert.equal(r.reply.content.status, 'error');
    assert.equal(r.reply.content.ename, 'Interrupted', 'the cell reports the interrupt once the blocking code returns');
    assert.equal(resultText(await run(k, '1 + 1')), '2', 'the kernel goes on');
  });
});
