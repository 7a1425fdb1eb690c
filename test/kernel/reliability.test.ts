// Reliability of the tunelab kernel against hostile or unlucky input, through the raw ZeroMQ client:
// a cell the compiler cannot handle, requests whose handler fails, prototype pollution through comm
// messages, widget state of the wrong type, replayed messages, and the control channel.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KernelClient } from '../../kernel/runner/client';
import { DigestHistory, DIGEST_HISTORY_SIZE } from '../../kernel/digestHistory';
import { encodeFrames, newHeader, serializeParts } from '../../kernel/wire';
import { ofType, resultText, run, startKernel, waitFor } from './helpers';

describe('tunelab kernel: reliability', () => {
  let k: KernelClient;
  /** The kernel's own log (its stderr). */
  let kernelLog = '';
  const notebookDir = mkdtempSync(path.join(os.tmpdir(), 'tunelab-nb-'));
  before(async () => {
    k = await startKernel({ cwd: notebookDir, stderr: 'pipe' });
    k.process.stderr!.on('data', (chunk: Buffer) => (kernelLog += chunk.toString()));
  });
  after(async () => {
    await k?.shutdown();
    rmSync(notebookDir, { recursive: true, force: true });
  });

  it('a cell nested too deeply for the compiler gets an error reply, and the next cells run', async () => {
    await run(k, 'const keptAcrossTheFailure = 41');
    const deep = '('.repeat(1000) + '1' + ')'.repeat(1000);
    const r = await k.execute(deep, { timeoutMs: 60_000, stopOnError: false });
    assert.equal(r.reply.content.status, 'error', JSON.stringify(r.reply.content));
    assert.equal(r.reply.content.ename, 'CompilerError');
    assert.match(String(r.reply.content.evalue), /Maximum call stack size exceeded/);
    assert.equal(resultText(await run(k, '1 + 1')), '2');
    // The rebuilt compiler still knows the earlier cells' declarations.
    assert.equal(resultText(await run(k, 'keptAcrossTheFailure + 1')), '42');
  });

  it('is_complete_request on input the parser cannot handle still gets a reply ("unknown")', async () => {
    const r = await k.request('shell', 'is_complete_request', { code: '('.repeat(50_000) }, { timeoutMs: 30_000 });
    assert.equal(r.reply.header.msg_type, 'is_complete_reply');
    assert.equal(r.reply.content.status, 'unknown');
    const ok = await k.request('shell', 'is_complete_request', { code: 'let x = (' }, { timeoutMs: 30_000 });
    assert.equal(ok.reply.content.status, 'incomplete');
  });

  it('inspect_request and complete_request on such input get replies, and the kernel goes on', async () => {
    const code = '('.repeat(3000) + 'x' + ')'.repeat(3000);
    const insp = await k.request('shell', 'inspect_request', { code, cursor_pos: 3001, detail_level: 0 }, { timeoutMs: 60_000 });
    assert.equal(insp.reply.header.msg_type, 'inspect_reply');
    const comp = await k.request('shell', 'complete_request', { code, cursor_pos: 3001 }, { timeoutMs: 60_000 });
    assert.equal(comp.reply.header.msg_type, 'complete_reply');
    assert.equal(resultText(await run(k, '2 + 2')), '4');
  });

  it('a widget update whose buffer_paths go through __proto__ / constructor / prototype pollutes nothing', async () => {
    const r = await run(k, "import { IntSlider } from 'tunelab/widgets';\nconst slider = new IntSlider({ value: 3 });\nslider");
    const open = ofType(r, 'comm_open').find(
      (m) => (m.content.data as { state: { _model_name?: string } }).state._model_name === 'IntSliderModel',
    );
    assert.ok(open, 'the slider opened no comm');
    const commId = String(open.content.comm_id);
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      await k.sendAndWaitIdle(
        'shell',
        'comm_msg',
        {
          comm_id: commId,
          data: {
            method: 'update',
            state: { value: 4 },
            buffer_paths: [
              [key, 'polluted'],
              ['value', key, 'polluted'],
            ],
          },
        },
        { buffers: [Buffer.from('x'), Buffer.from('y')] },
      );
    }
    // A JSON state key "__proto__" (an own key after JSON.parse) neither.
    await k.sendAndWaitIdle('shell', 'comm_msg', {
      comm_id: commId,
      data: JSON.parse('{"method":"update","state":{"__proto__":{"polluted":1}},"buffer_paths":[]}'),
    });
    assert.equal(
      resultText(await run(k, '({} as any).polluted === undefined && (Object.prototype as any).polluted === undefined')),
      'true',
    );
    assert.equal(resultText(await run(k, 'slider.value')), '3');
    // Re-running a cell works, and a valid update still applies.
    await k.sendAndWaitIdle('shell', 'comm_msg', { comm_id: commId, data: { method: 'update', state: { value: 6 }, buffer_paths: [] } });
    assert.equal(resultText(await run(k, 'slider.value')), '6');
    assert.equal(resultText(await run(k, 'slider.value')), '6');
  });

  /** A signed execute_request as raw frames, to send (and resend) verbatim. */
  function signedExecute(code: string): { frames: Buffer[]; msgId: string } {
    const header = newHeader('execute_request', k.session, 'tunelab-client');
    const content = { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true };
    return {
      frames: encodeFrames(k.info.key, [], serializeParts({ header, parent_header: {}, metadata: {}, content }), []),
      msgId: header.msg_id,
    };
  }

  it('a captured signed execute_request resent verbatim is refused (on shell and on control) and logged', async () => {
    const code = '(globalThis as any).replayCount = ((globalThis as any).replayCount ?? 0) + 1';
    const msg = signedExecute(code);
    const stop = k.listen(msg.msgId, () => undefined);
    const first = k.waitReply(msg.msgId, 30_000);
    await k.sendRaw('shell', msg.frames);
    assert.equal((await first).content.status, 'ok');
    stop();
    const replays = [k.waitReply(msg.msgId, 2000), k.waitReply(msg.msgId, 2000)];
    await k.sendRaw('shell', msg.frames);
    await k.sendRaw('control', msg.frames);
    for (const r of await Promise.allSettled(replays)) assert.equal(r.status, 'rejected', 'a replayed message got a reply');
    assert.equal(resultText(await run(k, '(globalThis as any).replayCount')), '1');
    await waitFor(() => /shell: ignored replayed execute_request/.test(kernelLog), 5000, `the replay log line; log so far:\n${kernelLog}`);
    await waitFor(() => /control: ignored replayed execute_request/.test(kernelLog), 5000, 'the control replay log line');
  });

  it('the digest history is bounded at 2**16 signatures, culled at random, and spots a repeat', () => {
    const h = new DigestHistory();
    const sig = (i: number) => Buffer.from(createHash('sha256').update(String(i)).digest('hex'));
    assert.equal(h.add(sig(-1)), true);
    assert.equal(h.add(sig(-1)), false, 'a repeated signature must be refused');
    for (let i = 0; i < 3 * DIGEST_HISTORY_SIZE; i++) h.add(sig(i));
    const slots = new Uint8Array(h.shared, 0, DIGEST_HISTORY_SIZE * 32);
    let kept = 0;
    for (let s = 0; s < DIGEST_HISTORY_SIZE; s++) if (slots.subarray(s * 32, s * 32 + 32).some((b) => b !== 0)) kept++;
    assert.equal(DIGEST_HISTORY_SIZE, 2 ** 16);
    assert.equal(kept, DIGEST_HISTORY_SIZE, 'the history holds exactly its bound once more signatures arrived');
    // The most recent signature is always still there (culling only evicts older entries to make room).
    const last = sig(3 * DIGEST_HISTORY_SIZE - 1);
    assert.equal(h.add(last), false);
  });

  it('execute_request on the control channel is refused with an error reply and runs nothing', async () => {
    const r = await k.request(
      'control',
      'execute_request',
      { code: '(globalThis as any).ranOnControl = 1', silent: false },
      { timeoutMs: 10_000 },
    );
    assert.equal(r.reply.header.msg_type, 'execute_reply');
    assert.equal(r.reply.content.status, 'error');
    assert.equal(r.reply.content.ename, 'ControlChannelError');
    assert.equal(resultText(await run(k, 'typeof (globalThis as any).ranOnControl')), "'undefined'");
    // Control requests proper are still served there.
    const info = await k.request('control', 'kernel_info_request', {}, { timeoutMs: 10_000 });
    assert.equal(info.reply.content.status, 'ok');
  });
});

describe('tunelab kernel: shutdown while a cell runs', () => {
  for (const [what, code] of [
    ['a synchronous endless loop', 'while (true) {}'],
    ['an await that never settles', 'await new Promise(() => {})'],
  ] as const) {
    it(`shutdown_request on control during ${what} is answered at once and the kernel exits`, async () => {
      const k = await startKernel();
      try {
        const started = new Promise<void>((resolve) => {
          void k
            .execute(code, { timeoutMs: 60_000, onMessage: (m) => m.header.msg_type === 'execute_input' && resolve() })
            .catch(() => undefined);
        });
        await started;
        const id = k.send('control', 'shutdown_request', { restart: false });
        const reply = await k.waitReply(id, 5000);
        assert.equal(reply.content.status, 'ok');
        const exited = await Promise.race([k.waitForExit(), new Promise((r) => setTimeout(() => r('still running'), 10_000))]);
        assert.notEqual(exited, 'still running', 'the kernel did not exit after shutdown_request');
        assert.equal(exited, 0, 'the kernel should exit on its own, not be killed');
      } finally {
        await k.kill();
      }
    });
  }
});

describe('tunelab kernel: an empty HMAC key', () => {
  it('warns on stderr, as jupyter_client does, and still serves', async () => {
    const k = await startKernel({ key: '', stderr: 'pipe' });
    let log = '';
    k.process.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    try {
      assert.equal(resultText(await run(k, '1 + 1')), '2');
      await waitFor(
        () => log.includes('Message signing is disabled.  This is insecure and not recommended!'),
        5000,
        `the warning; log:\n${log}`,
      );
    } finally {
      await k.shutdown();
    }
  });
});
