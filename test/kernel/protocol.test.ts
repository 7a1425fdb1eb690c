// Wire-protocol tests of the tunelab kernel with a raw ZeroMQ client: signatures, comms with
// binary buffers both ways, busy/idle around every shell message, display, output routing, and
// robustness against malformed messages, errors, rejections and huge output.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KernelClient } from '../../kernel/runner/client';
import { encodeFrames, newHeader, serializeParts, DELIMITER, type JupyterMessage } from '../../kernel/wire';
import { ofType, resultText, run, startKernel, stdout, waitFor } from './helpers';

describe('tunelab kernel: Jupyter messaging protocol 5.3', () => {
  let k: KernelClient;
  // The kernel runs in an empty directory outside the package, like a notebook anywhere on disk.
  const notebookDir = mkdtempSync(path.join(os.tmpdir(), 'tunelab-nb-'));
  before(async () => {
    k = await startKernel({ cwd: notebookDir });
  });
  after(async () => {
    await k?.shutdown();
    rmSync(notebookDir, { recursive: true, force: true });
  });

  /** A message for the shell channel signed with `key` (or carrying `signature` verbatim). */
  function forged(code: string, opts: { key?: string; signature?: string }): { frames: Buffer[]; msgId: string } {
    const header = newHeader('execute_request', k.session, 'attacker');
    const parts = serializeParts({
      header,
      parent_header: {},
      metadata: {},
      content: { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false },
    });
    const frames = encodeFrames(opts.key ?? k.info.key, [], parts, []);
    if (opts.signature !== undefined) frames[1] = Buffer.from(opts.signature);
    return { frames, msgId: header.msg_id };
  }

  it('answers kernel_info with the TypeScript language and protocol 5.3', async () => {
    const r = await k.request('shell', 'kernel_info_request', {});
    const c = r.reply.content as {
      protocol_version: string;
      implementation: string;
      language_info: { name: string; file_extension: string };
    };
    assert.equal(r.reply.header.msg_type, 'kernel_info_reply');
    assert.equal(c.protocol_version, '5.3');
    assert.equal(c.implementation, 'tunelab');
    assert.equal(c.language_info.name, 'typescript');
    assert.equal(c.language_info.file_extension, '.ts');
    // busy/idle with the request as parent
    assert.deepEqual(
      ofType(r, 'status').map((m) => m.content.execution_state),
      ['busy', 'idle'],
    );
  });

  it('answers a debug_request (on shell and on control) with a failed response: it has no debugger', async () => {
    for (const channel of ['shell', 'control'] as const) {
      const r = await k.request(channel, 'debug_request', { seq: 7, type: 'request', command: 'debugInfo', arguments: {} });
      const c = r.reply.content as { type: string; request_seq: number; success: boolean; command: string; message: string };
      assert.equal(r.reply.header.msg_type, 'debug_reply', channel);
      assert.deepEqual([c.type, c.request_seq, c.success, c.command], ['response', 7, false, 'debugInfo'], channel);
      assert.match(c.message, /no debugger/);
    }
  });

  it('refuses messages with a bad or missing signature: nothing executes, nothing is published', async () => {
    const seen: JupyterMessage[] = [];
    const bad = forged('globalThis.pwned = 1; console.log("pwned")', { key: 'not-the-key' });
    const missing = forged('globalThis.pwned = 2', { signature: '' });
    const truncated = forged('globalThis.pwned = 3', {});
    truncated.frames[1] = truncated.frames[1].subarray(0, 10);
    const stops = [bad, missing, truncated].map((f) => k.listen(f.msgId, (m) => seen.push(m)));
    for (const f of [bad, missing, truncated]) await k.sendRaw('shell', f.frames);
    const replies = await Promise.allSettled([bad, missing, truncated].map((f) => k.waitReply(f.msgId, 1500)));
    stops.forEach((s) => s());
    assert.ok(
      replies.every((r) => r.status === 'rejected'),
      'a forged message got a reply',
    );
    assert.equal(seen.length, 0, 'a forged message caused iopub traffic');
    const check = await run(k, 'typeof (globalThis as any).pwned');
    assert.equal(resultText(check), "'undefined'");
    // The correctly signed twin of the forged message does run.
    const good = forged('(globalThis as any).pwned = "signed"; 7', {});
    const stop = k.listen(good.msgId, () => undefined);
    await k.sendRaw('shell', good.frames);
    assert.equal((await k.waitReply(good.msgId, 30_000)).content.status, 'ok');
    stop();
    assert.equal(resultText(await run(k, '(globalThis as any).pwned')), "'signed'");
  });

  it('survives malformed and unknown messages', async () => {
    await k.sendRaw('shell', [Buffer.from('no delimiter at all')]);
    await k.sendRaw('shell', [DELIMITER, Buffer.from('sig')]);
    const header = newHeader('execute_request', k.session);
    const junk = encodeFrames(k.info.key, [], { header: JSON.stringify(header), parent_header: '{', metadata: '{}', content: '{}' }, []);
    await k.sendRaw('shell', junk);
    await k.sendRaw('control', [Buffer.from('x'), DELIMITER]);
    const unknown = await k.sendAndWaitIdle('shell', 'no_such_request', { x: 1 });
    assert.deepEqual(
      ofType(unknown.iopub, 'status').map((m) => m.content.execution_state),
      ['busy', 'idle'],
    );
    assert.equal(resultText(await run(k, '1 + 1')), '2');
  });

  it('executes TypeScript: execution counts, execute_result, streams, and errors with diagnostics', async () => {
    const a = await run(k, 'const answer: number = 6 * 7;\nconsole.log("out");\nconsole.error("err");\nanswer');
    assert.equal(resultText(a), '42');
    assert.equal(stdout(a), 'out\n');
    assert.equal(ofType(a, 'stream').find((m) => m.content.name === 'stderr')?.content.text, 'err\n');
    const count = a.reply.content.execution_count as number;
    assert.equal(ofType(a, 'execute_input')[0].content.execution_count, count);
    assert.equal(ofType(a, 'execute_result')[0].content.execution_count, count);

    const typeErr = await k.execute('const s: string = answer;');
    assert.equal(typeErr.reply.content.status, 'error');
    assert.equal(typeErr.reply.content.execution_count, count + 1);
    const e = ofType(typeErr, 'error')[0].content as { ename: string; evalue: string; traceback: string[] };
    assert.equal(e.ename, 'TypeScriptError');
    assert.match(e.evalue, /Type 'number' is not assignable to type 'string'/);
    assert.match(e.traceback[0], /1:7/);

    const thrown = await k.execute('function fail(): never { throw new RangeError("out of range"); }\nfail();');
    const t = thrown.reply.content as { status: string; ename: string; evalue: string; traceback: string[] };
    assert.equal(t.status, 'error');
    assert.equal(t.ename, 'RangeError');
    assert.equal(t.evalue, 'out of range');
    assert.ok(
      t.traceback.some((l) => l.includes('at fail')),
      t.traceback.join('\n'),
    );
    assert.equal(resultText(await run(k, 'answer + 1')), '43', 'the kernel lives on after errors');
  });

  it('aborts execute requests queued behind a failing cell (stop_on_error), like ipykernel', async () => {
    const [fail, second, third] = await Promise.all([
      k.execute("await new Promise((r) => setTimeout(r, 200));\nthrow new Error('first fails');"),
      k.execute('(globalThis as any).ranAfterFailure = true;'),
      k.execute('1'),
    ]);
    assert.equal(fail.reply.content.status, 'error');
    assert.equal(second.reply.content.status, 'aborted');
    assert.equal(third.reply.content.status, 'aborted');
    assert.equal(resultText(await run(k, 'typeof (globalThis as any).ranAfterFailure')), "'undefined'");
  });

  it('answers is_complete, complete, inspect and history', async () => {
    const inc = await k.request('shell', 'is_complete_request', { code: 'function f() {' });
    assert.equal(inc.reply.content.status, 'incomplete');
    const comp = await k.request('shell', 'is_complete_request', { code: 'let z = 1;' });
    assert.equal(comp.reply.content.status, 'complete');
    await run(k, 'const completeMe = { alpha: 1, beta: 2 };');
    const code = 'completeMe.al';
    const c = await k.request('shell', 'complete_request', { code, cursor_pos: code.length });
    assert.ok((c.reply.content.matches as string[]).includes('alpha'));
    assert.equal(c.reply.content.cursor_end, code.length);
    const i = await k.request('shell', 'inspect_request', { code: 'completeMe', cursor_pos: 3, detail_level: 0 });
    assert.equal(i.reply.content.found, true);
    assert.match(String((i.reply.content.data as Record<string, string>)['text/plain']), /alpha: number/);
    const h = await k.request('shell', 'history_request', { hist_access_type: 'tail', n: 10, output: false, raw: true });
    assert.equal(h.reply.content.status, 'ok');
  });

  it('display(): MIME bundles, updatable displays, and the display protocol (also for a last expression)', async () => {
    const r = await run(
      k,
      [
        "import { reprSymbol } from 'tunelab';",
        "display({ 'text/html': '<b>hi</b>', 'text/plain': 'hi' });",
        "const h = display({ 'text/plain': 'first' }, { displayId: 'disp-1' });",
        "h.update({ 'text/plain': 'second' });",
        "class Badge { constructor(readonly n: number) {} [reprSymbol]() { return { 'text/html': `<span>${this.n}</span>` }; } }",
        'display(new Badge(1));',
        'new Badge(2)',
      ].join('\n'),
    );
    const shown = ofType(r, 'display_data').map((m) => m.content.data);
    assert.deepEqual(shown[0], { 'text/html': '<b>hi</b>', 'text/plain': 'hi' });
    assert.deepEqual(shown[1], { 'text/plain': 'first' });
    assert.equal((shown[2] as Record<string, string>)['text/html'], '<span>1</span>');
    assert.match((shown[2] as Record<string, string>)['text/plain'], /Badge/);
    const upd = ofType(r, 'update_display_data')[0].content as { data: unknown; transient: { display_id: string } };
    assert.deepEqual(upd.data, { 'text/plain': 'second' });
    assert.equal(upd.transient.display_id, 'disp-1');
    assert.equal((ofType(r, 'display_data')[1].content.transient as { display_id: string }).display_id, 'disp-1');
    const res = ofType(r, 'execute_result')[0].content.data as Record<string, string>;
    assert.equal(res['text/html'], '<span>2</span>');
    const silent = await run(k, "display({ 'text/plain': 'x' })");
    assert.equal(ofType(silent, 'execute_result').length, 0, "display()'s handle is not echoed as a result");
  });

  it("Deno's display protocol: [Symbol.for('Jupyter.display')]() returning a bundle or a promise of one", async () => {
    const r = await run(
      k,
      [
        "const $display = Symbol.for('Jupyter.display');",
        "class Temperature { constructor(readonly celsius: number) {} [$display]() { return { 'text/html': `<b>${this.celsius} C</b>` }; } }",
        "class Later { [$display]() { return new Promise((ok) => setTimeout(() => ok({ 'text/markdown': '**later**', 'text/plain': 'later' }), 20)); } }",
        'class Broken { [$display]() { return 42; } }',
        'display(new Temperature(21));',
        'display(new Broken());',
        'new Later()',
      ].join('\n'),
    );
    const shown = ofType(r, 'display_data').map((m) => m.content.data as Record<string, string>);
    assert.equal(shown[0]['text/html'], '<b>21 C</b>');
    assert.match(shown[0]['text/plain'], /Temperature/, 'text/plain is added when the bundle has none');
    assert.match(shown[1]['text/plain'], /returned 42, not a MIME bundle/);
    const res = ofType(r, 'execute_result')[0].content.data as Record<string, string>;
    assert.deepEqual(res, { 'text/markdown': '**later**', 'text/plain': 'later' }, 'a promised bundle is awaited for the result');
  });

  it('comms: round trip with binary buffers both ways, busy/idle around comm_msg, comm_info by target, comm_close', async () => {
    await run(
      k,
      [
        "import { getCommTransport } from 'tunelab/widgets';",
        'const transport = getCommTransport()!;',
        'const received: any[] = [];',
        "transport.registerTarget('test.echo', (comm: any, data: any, buffers: Buffer[]) => {",
        '  comm.send({ opened: data, nbuf: buffers.length }, undefined, buffers.map((b) => new Uint8Array(b).reverse()));',
        '  comm.onMsg((d: any, bufs: Buffer[]) => { received.push(d); comm.send({ echo: d, sizes: bufs.map((b) => b.length) }, { note: 1 }, [new Float64Array([1.5, -2]), ...bufs]); });',
        '  comm.onClose((d: any) => { received.push({ closed: d }); });',
        '});',
        "transport.registerTarget('test.other', () => undefined);",
      ].join('\n'),
    );
    const commId = 'c0ffee';
    const open = await k.sendAndWaitIdle(
      'shell',
      'comm_open',
      { comm_id: commId, target_name: 'test.echo', data: { hello: 'kernel' } },
      { buffers: [Buffer.from([1, 2, 3])] },
    );
    assert.deepEqual(
      ofType(open.iopub, 'status').map((m) => m.content.execution_state),
      ['busy', 'idle'],
    );
    const first = ofType(open.iopub, 'comm_msg')[0];
    assert.ok(first, 'the target handler answers within the comm_open');
    assert.deepEqual(first.content, { comm_id: commId, data: { opened: { hello: 'kernel' }, nbuf: 1 } });
    assert.deepEqual([...first.buffers[0]], [3, 2, 1]);

    const payload = Buffer.alloc(70_000, 7);
    const msg = await k.sendAndWaitIdle(
      'shell',
      'comm_msg',
      { comm_id: commId, data: { x: 42 } },
      { buffers: [payload, Buffer.from('ab')] },
    );
    const states = ofType(msg.iopub, 'status');
    assert.deepEqual(
      states.map((m) => m.content.execution_state),
      ['busy', 'idle'],
    );
    assert.equal(msg.iopub[0].header.msg_type, 'status', 'busy comes first');
    assert.equal(msg.iopub.at(-1)!.content.execution_state, 'idle', 'idle comes last');
    const echo = ofType(msg.iopub, 'comm_msg')[0];
    assert.ok(echo, 'the reply comm_msg is parented to the comm_msg that caused it');
    assert.deepEqual(echo.content, { comm_id: commId, data: { echo: { x: 42 }, sizes: [70_000, 2] } });
    assert.deepEqual(echo.metadata, { note: 1 });
    assert.equal(echo.buffers.length, 3);
    assert.deepEqual(
      [...new Float64Array(echo.buffers[0].buffer.slice(echo.buffers[0].byteOffset, echo.buffers[0].byteOffset + 16))],
      [1.5, -2],
    );
    assert.ok(echo.buffers[1].equals(payload));
    assert.equal(echo.buffers[2].toString(), 'ab');

    const all = await k.request('shell', 'comm_info_request', {});
    assert.equal(all.reply.header.msg_type, 'comm_info_reply');
    assert.equal(all.reply.content.status, 'ok');
    assert.deepEqual((all.reply.content.comms as Record<string, unknown>)[commId], { target_name: 'test.echo' });
    const filtered = await k.request('shell', 'comm_info_request', { target_name: 'test.other' });
    assert.deepEqual(filtered.reply.content.comms, {});

    await k.sendAndWaitIdle('shell', 'comm_close', { comm_id: commId, data: { bye: true } });
    assert.equal(resultText(await run(k, 'JSON.stringify(received)')), `'[{"x":42},{"closed":{"bye":true}}]'`);
    const after = await k.request('shell', 'comm_info_request', { target_name: 'test.echo' });
    assert.deepEqual(after.reply.content.comms, {});
  });

  it('answers comm_open for an unknown target with comm_close at once', async () => {
    const r = await k.sendAndWaitIdle('shell', 'comm_open', { comm_id: 'nobody-home', target_name: 'no.such.target', data: {} });
    const close = ofType(r.iopub, 'comm_close');
    assert.equal(close.length, 1);
    assert.equal(close[0].content.comm_id, 'nobody-home');
  });

  it('parents kernel-opened comms to the executing cell', async () => {
    const r = await run(
      k,
      "import { getCommTransport } from 'tunelab/widgets';\nconst c2 = getCommTransport()!.openComm('test.kernelside', { v: 1 }, {}, [new Uint8Array([9])]);\nc2.send({ v: 2 });",
    );
    const opened = ofType(r, 'comm_open')[0];
    assert.equal(opened.content.target_name, 'test.kernelside');
    assert.deepEqual([...opened.buffers[0]], [9]);
    assert.deepEqual(ofType(r, 'comm_msg')[0].content.data, { v: 2 });
  });

  it('routes output an async task prints after its cell finished to that cell', async () => {
    const first = await run(k, "setTimeout(() => console.log('late from first'), 300);\n'scheduled'");
    const firstId = first.reply.parent_header.msg_id;
    const second = await run(k, "console.log('second cell')");
    assert.equal(stdout(second), 'second cell\n');
    const late = await waitFor(() =>
      k.allIopub.find((m) => m.header.msg_type === 'stream' && String(m.content.text).includes('late from first')),
    );
    assert.equal(late.parent_header.msg_id, firstId);
  });

  it('reports thrown errors in timers and unhandled rejections to the originating cell, and stays alive', async () => {
    const r = await run(
      k,
      "setTimeout(() => { throw new TypeError('timer boom'); }, 10);\nPromise.reject(new Error('nobody catches me'));\nawait new Promise((res) => setTimeout(res, 100));",
    );
    const id = r.reply.parent_header.msg_id;
    const errors = k.allIopub.filter((m) => m.header.msg_type === 'error' && m.parent_header.msg_id === id);
    const values = errors.map((m) => m.content.evalue).sort();
    assert.deepEqual(values, ['nobody catches me', 'timer boom']);
    assert.equal(resultText(await run(k, '"alive"')), "'alive'");
  });

  it('survives a huge output and delivers all of it', async () => {
    const r = await run(k, "const line = 'x'.repeat(999) + '\\n';\nfor (let i = 0; i < 6000; i++) process.stdout.write(line);\n'done'");
    assert.equal(stdout(r).length, 6_000_000);
    // 6,000 writes; a stream message holds at most 64 Ki characters (kernel/outputStreams.ts), so at
    // least 92 messages, plus a few cut short by the 20 ms flush.
    assert.ok(ofType(r, 'stream').length < 120, `writes are coalesced into few messages (${ofType(r, 'stream').length})`);
    assert.equal(resultText(r), "'done'");
  });

  it('imports tunelab from a notebook directory outside the package, with types', async () => {
    const r = await run(
      k,
      "import { createStudy, TrialState } from 'tunelab';\nconst study = await createStudy({ direction: 'minimize' });\nawait study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 3 });\nconst n: number = study.trials.filter((t) => t.state === TrialState.COMPLETE).length;\nn",
    );
    assert.equal(resultText(r), '3');
    const bad = await k.execute("import { createStudy as cs } from 'tunelab';\nconst wrong: string = cs;");
    assert.equal(bad.reply.content.ename, 'TypeScriptError', "the checker sees tunelab's real types");
  });
});

describe('tunelab kernel: shutdown', () => {
  it('exits after shutdown_request on the control channel', async () => {
    const k = await startKernel();
    const id = k.send('control', 'shutdown_request', { restart: false });
    const reply = await k.waitReply(id, 10_000);
    assert.equal(reply.content.status, 'ok');
    assert.equal(await k.waitForExit(), 0);
    await k.shutdown();
  });
});
