// A kernel interrupt reaches study.optimize whatever its options: with the progress display off
// (`showProgressBar: false`), by SIGINT as by interrupt_request, and next to a signal of the user's
// own (`signal`), it stops optimize the same way every time: the running trial finishes, the trials
// are kept, optimize throws OptimizeInterruptedError and the cell reports Interrupted. The
// objectives here have no loop in cell code (they sleep with Atomics.wait), so no loop check can
// end them: only the optimize path under test can.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KernelClient } from '../../kernel/runner/client';
import type { ExecuteResult } from '../../kernel/runner/client';
import type { JupyterMessage } from '../../kernel/wire';
import { resultText, run, startKernel, stdout, waitFor } from './helpers';

describe('tunelab kernel: interrupting study.optimize without its progress display', () => {
  let k: KernelClient;
  before(async () => {
    k = await startKernel();
    await run(
      k,
      [
        "import { createStudy, TrialState } from 'tunelab';",
        'const sleeper = new Int32Array(new SharedArrayBuffer(4));',
        '// A synchronous objective without loops: 30 ms of Atomics.wait per trial.',
        "const objective = (t: any) => { const x = t.suggestFloat('x', -1, 1); Atomics.wait(sleeper, 0, 0, 30); return x * x; };",
        "const announce = (s: any, t: any) => { if (t.number === 2) console.log('three trials done'); };",
        'const countStates = (s: any) => { const st = s.trials.map((t: any) => t.state); return JSON.stringify({ complete: st.filter((x: any) => x === TrialState.COMPLETE).length, running: st.filter((x: any) => x === TrialState.RUNNING).length, failed: st.filter((x: any) => x === TrialState.FAIL).length, total: st.length }); };',
      ].join('\n'),
    );
  });
  after(async () => {
    await k?.shutdown();
  });

  /** Runs `code`, interrupts it once it printed 'three trials done', and returns the reply. */
  async function interruptedAfterThreeTrials(code: string, how: 'message' | 'signal'): Promise<ExecuteResult> {
    const seen: JupyterMessage[] = [];
    const exec = k.execute(code, { onMessage: (m) => seen.push(m) });
    const printed = () =>
      seen.some((m) => m.header.msg_type === 'stream' && String(m.content.text).includes('three trials done')) || undefined;
    await waitFor(printed, 30_000, "the cell to print 'three trials done'");
    if (how === 'message') {
      const reply = await k.interrupt();
      assert.equal(reply.content.status, 'ok');
    } else {
      k.process.kill('SIGINT');
    }
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('the interrupted cell did not end within 60 s')), 60_000).unref(),
    );
    const r = await Promise.race([exec, timeout]);
    assert.equal(r.reply.content.status, 'error', `the cell was not interrupted: ${JSON.stringify(r.reply.content)}`);
    assert.equal(r.reply.content.ename, 'Interrupted');
    assert.doesNotMatch(stdout(r), /the statement after optimize ran/);
    assert.match(
      String(r.reply.content.evalue),
      /study\.optimize of '.*' was interrupted after \d+ trial\(s\) of this call finished; they are kept/,
    );
    return r;
  }

  async function statesOf(study: string): Promise<{ complete: number; running: number; failed: number; total: number }> {
    return JSON.parse(stdout(await run(k, `console.log(countStates(${study}))`))) as {
      complete: number;
      running: number;
      failed: number;
      total: number;
    };
  }

  // With the monitor on too for SIGINT: optimize used to install its plain-Node Ctrl-C handler inside
  // the kernel (vm's breakOnSigint hides the kernel's listener while a cell's first part runs), which
  // left Node's default SIGINT action in place: a SIGINT during optimize killed the kernel.
  const cases = [
    { how: 'message', showProgressBar: false },
    { how: 'signal', showProgressBar: false },
    { how: 'signal', showProgressBar: true },
  ] as const;
  for (const { how, showProgressBar } of cases) {
    it(`showProgressBar: ${showProgressBar}, interrupted by ${how === 'message' ? 'interrupt_request' : 'SIGINT'}: OptimizeInterruptedError, trials kept`, async () => {
      const name = `study_${how}_${showProgressBar}`;
      await run(k, `const ${name} = await createStudy({ direction: 'minimize' });`);
      await interruptedAfterThreeTrials(
        `await ${name}.optimize(objective, { nTrials: 100000, showProgressBar: ${showProgressBar}, callbacks: [announce] });\nconsole.log('the statement after optimize ran');`,
        how,
      );
      const c = await statesOf(name);
      assert.ok(c.complete >= 3 && c.total < 100000, `finished trials kept, optimize stopped: ${JSON.stringify(c)}`);
      assert.deepEqual(
        { running: c.running, failed: c.failed },
        { running: 0, failed: 0 },
        `the running trial finished: ${JSON.stringify(c)}`,
      );
      // The study goes on.
      await run(k, `await ${name}.optimize(objective, { nTrials: 2, showProgressBar: false });`);
      assert.equal((await statesOf(name)).total, c.total + 2);
    });
  }

  it("a kernel interrupt stops an optimize given a signal of the user's own", async () => {
    await run(k, "const withSignal = await createStudy({ direction: 'minimize' });\nconst userAbort = new AbortController();");
    await interruptedAfterThreeTrials(
      "await withSignal.optimize(objective, { nTrials: 100000, signal: userAbort.signal, callbacks: [announce] });\nconsole.log('the statement after optimize ran');",
      'message',
    );
    const c = await statesOf('withSignal');
    assert.ok(c.complete >= 3 && c.total < 100000 && c.running === 0 && c.failed === 0, JSON.stringify(c));
    // The kernel's interrupt does not abort the user's signal: it is theirs.
    assert.equal(resultText(await run(k, 'userAbort.signal.aborted')), 'false');
  });

  it("the user's own signal ends optimize in a cell with the reason in the error; the next cell runs normally", async () => {
    await run(k, "const timed = await createStudy({ direction: 'minimize' });");
    const r = await k.execute(
      "const stopAt3 = new AbortController();\nawait timed.optimize(objective, { nTrials: 100000, signal: stopAt3.signal, showProgressBar: false, callbacks: [(s, t) => { if (t.number === 2) stopAt3.abort(new Error('enough for today')); }] });",
    );
    assert.equal(r.reply.content.status, 'error', JSON.stringify(r.reply.content));
    // The kernel reports every OptimizeInterruptedError as Interrupted, with optimize's message.
    assert.equal(r.reply.content.ename, 'Interrupted');
    assert.match(String(r.reply.content.evalue), /interrupted after 3 trial\(s\).*enough for today/s);
    assert.deepEqual(await statesOf('timed'), { complete: 3, running: 0, failed: 0, total: 3 });
    await run(k, 'await timed.optimize(objective, { nTrials: 1, showProgressBar: false });');
    assert.equal((await statesOf('timed')).total, 4);
  });
});
