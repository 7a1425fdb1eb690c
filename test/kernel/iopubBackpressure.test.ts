// A subscriber that stops reading iopub cannot make the kernel hold everything a cell prints: the
// kernel's memory stays bounded (iopub's high-water mark and drop policy, kernel/iopubFlow.ts), and
// the kernel keeps serving a client that reads.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as zmq from 'zeromq';
import type { KernelClient } from '../../kernel/runner/client';
import type { JupyterMessage } from '../../kernel/wire';
import { resultText, run, sleep, startKernel } from './helpers';

/** A /proc/<pid>/status field in kB (VmRSS, VmHWM). */
function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(m, `no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
}

/** Resets VmHWM (peak RSS) to the current RSS; false where /proc/<pid>/clear_refs cannot be written. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

const PRINT_MB = 200;
const PRINT_CELL = `const line = 'x'.repeat(65535) + '\\n';\nfor (let i = 0; i < ${PRINT_MB * 16}; i++) process.stdout.write(line);`;

describe('tunelab kernel: a stalled iopub subscriber', () => {
  let k: KernelClient;
  let kernelLog = '';
  before(async () => {
    k = await startKernel({ stderr: 'pipe' });
    k.process.stderr!.on('data', (c: Buffer) => (kernelLog += c.toString()));
    // This client reads everything but keeps nothing: 200 MB of output must not pile up here either.
    k.keepIopubLog = false;
  });
  after(async () => {
    await k?.shutdown();
  });

  it(`printing ${PRINT_MB} MB while a subscriber reads nothing keeps the kernel's memory bounded, and the kernel goes on serving`, async () => {
    const pid = k.process.pid!;
    // Warm up with the same code printing a little, so compiling it is not counted.
    await run(k, PRINT_CELL.replace(`${PRINT_MB * 16}`, '16'));

    const stalled = new zmq.Subscriber({ linger: 0, receiveHighWaterMark: 4 });
    stalled.connect(`tcp://${k.info.ip}:${k.info.iopub_port}`);
    stalled.subscribe();
    try {
      // Proof that the subscription is in place: it receives one message, and is never read again.
      const probe = k.execute('1');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        stalled.receive(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('the stalled subscriber never got a message')), 15_000))),
      ]);
      clearTimeout(timer);
      await probe;

      const baseline = statusKb(pid, 'VmRSS');
      const precisePeak = resetPeak(pid);
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, statusKb(pid, 'VmRSS'))), 20);
      let streamBytes = 0;
      let replyStatus: unknown;
      try {
        const msgId = k.send('shell', 'execute_request', {
          code: PRINT_CELL,
          silent: false,
          store_history: false,
          user_expressions: {},
          allow_stdin: false,
          stop_on_error: true,
        });
        const unlisten = k.listen(msgId, (m: JupyterMessage) => {
          if (m.header.msg_type === 'stream') streamBytes += String(m.content.text).length;
        });
        replyStatus = (await k.waitReply(msgId, 300_000)).content.status;
        unlisten();
      } finally {
        clearInterval(sampler);
      }
      if (precisePeak) peak = Math.max(peak, statusKb(pid, 'VmHWM'));
      const growthMb = (peak - baseline) / 1024;
      console.log(
        `kernel RSS ${(baseline / 1024).toFixed(0)} MB before, peak ${(peak / 1024).toFixed(0)} MB (growth ${growthMb.toFixed(0)} MB; ${precisePeak ? 'VmHWM' : 'sampled VmRSS'}); the reading client got ${(streamBytes / 1e6).toFixed(0)} MB of ${((PRINT_MB * 16 * 65536) / 1e6).toFixed(0)} MB printed`,
      );
      assert.equal(replyStatus, 'ok');
      assert.ok(
        growthMb < 150,
        `the kernel grew by ${growthMb.toFixed(0)} MB while printing ${PRINT_MB} MB to a stalled subscriber\nkernel log:\n${kernelLog}`,
      );

      // The kernel still answers on the reading client while the stalled subscriber is connected.
      assert.equal(resultText(await run(k, '6 * 7')), '42');
    } finally {
      stalled.close();
    }

    // Once the stalled subscriber is gone, everyone has room again: one notice says what was lost.
    let notice = '';
    k.onIopub = (m) => {
      if (m.header.msg_type === 'stream' && String(m.content.text).includes('was not reading')) notice = String(m.content.text);
    };
    // The next message after the kernel's periodic probe (every second) finds room for everyone.
    for (let i = 0; i < 50 && notice === ''; i++) {
      await run(k, 'null');
      await sleep(200);
    }
    assert.notEqual(notice, '', `no "output dropped" notice; kernel log:\n${kernelLog}`);
    assert.match(notice, /^\[tunelab kernel\] \d+ output message\(s\) \([\d.]+ MB of printed output and display updates\) were dropped/);
    // One notice for the whole episode, not one per dropped message.
    assert.equal(kernelLog.match(/a frontend was not reading/g)?.length, 1, kernelLog);
    assert.equal(resultText(await run(k, '2 + 3')), '5');
  });
});
