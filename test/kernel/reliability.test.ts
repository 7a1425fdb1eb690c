// Reliability of the tunelab kernel against hostile or unlucky input, through the raw ZeroMQ client:
// a cell the compiler cannot handle, requests whose handler fails, prototype pollution through comm
// messages, widget state of the wrong type, replayed messages, and the control channel.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KernelClient } from '../../kernel/runner/client';
import { ofType, resultText, run, startKernel } from './helpers';

describe('tunelab kernel: reliability', () => {
  let k: KernelClient;
  const notebookDir = mkdtempSync(path.join(os.tmpdir(), 'tunelab-nb-'));
  before(async () => {
    k = await startKernel({ cwd: notebookDir });
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
    const open = ofType(r, 'comm_open').find((m) => (m.content.data as { state: { _model_name?: string } }).state._model_name === 'IntSliderModel');
    assert.ok(open, 'the slider opened no comm');
    const commId = String(open.content.comm_id);
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      await k.sendAndWaitIdle(
        'shell',
        'comm_msg',
        { comm_id: commId, data: { method: 'update', state: { value: 4 }, buffer_paths: [[key, 'polluted'], ['value', key, 'polluted']] } },
        { buffers: [Buffer.from('x'), Buffer.from('y')] },
      );
    }
    // A JSON state key "__proto__" (an own key after JSON.parse) neither.
    await k.sendAndWaitIdle('shell', 'comm_msg', { comm_id: commId, data: JSON.parse('{"method":"update","state":{"__proto__":{"polluted":1}},"buffer_paths":[]}') });
    assert.equal(resultText(await run(k, '({} as any).polluted === undefined && (Object.prototype as any).polluted === undefined')), 'true');
    assert.equal(resultText(await run(k, 'slider.value')), '3');
    // Re-running a cell works, and a valid update still applies.
    await k.sendAndWaitIdle('shell', 'comm_msg', { comm_id: commId, data: { method: 'update', state: { value: 6 }, buffer_paths: [] } });
    assert.equal(resultText(await run(k, 'slider.value')), '6');
    assert.equal(resultText(await run(k, 'slider.value')), '6');
  });
});
