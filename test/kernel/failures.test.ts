// What a first-time user sees when the objective throws, in the kernel and under `tunelab run`: the
// cell fails with the objective's error (Optuna 5.0 re-raises it), the trial lines are the cell's
// stderr, the monitor says 'failed' with the reason, and `tunelab run` exits non-zero.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KernelClient } from '../../kernel/runner/client';
import { tunelabNotebook } from '../helpers/notebook';
import { ofType, ROOT, run, startKernel } from './helpers';

const FAILING_CELL = [
  'const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });',
  'await study.optimize((t) => {',
  "  const x = t.suggestFloat('x', 0, 1);",
  "  if (t.number === 2) throw new RangeError('the loss diverged');",
  '  return x;',
  '}, { nTrials: 10 });',
  "console.log('after optimize');",
].join('\n');

describe('tunelab kernel: an objective that throws', () => {
  let k: KernelClient;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tunelab-failures-'));
  before(async () => {
    k = await startKernel({ cwd: dir });
  });
  after(async () => {
    await k?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails the cell with the error, logs the trial lines to stderr, and the monitor shows the reason', async () => {
    await run(k, "import { createStudy, RandomSampler, TrialState } from 'tunelab';");
    const r = await k.execute(FAILING_CELL, { timeoutMs: 120_000 });
    assert.equal(r.reply.content.status, 'error', JSON.stringify(r.reply.content));
    assert.equal(r.reply.content.ename, 'RangeError');
    assert.equal(r.reply.content.evalue, 'the loss diverged');
    const streams = ofType(r, 'stream');
    const stdout = streams
      .filter((m) => m.content.name === 'stdout')
      .map((m) => String(m.content.text))
      .join('');
    const stderr = streams
      .filter((m) => m.content.name === 'stderr')
      .map((m) => String(m.content.text))
      .join('');
    assert.doesNotMatch(stdout, /after optimize/, 'the statement after optimize did not run');
    assert.match(
      stderr,
      /\[I [^\]]+\] Trial 0 finished with value: [\d.e-]+ and parameters: \{'x': [\d.e-]+\}\. Best is trial 0 with value: /,
    );
    assert.match(
      stderr,
      /\[W [^\]]+\] Trial 2 failed with parameters: \{'x': [\d.e-]+\} because of the following error: RangeError\('the loss diverged'\)\./,
    );
    const states = ofType(r, 'comm_msg')
      .map((m) => (m.content.data as { state?: { status?: string; last_failure?: string } }).state ?? {})
      .filter((s) => s.status !== undefined || s.last_failure !== undefined);
    assert.equal(states.filter((s) => s.status).at(-1)?.status, 'failed', JSON.stringify(states));
    assert.equal(states.filter((s) => s.last_failure).at(-1)?.last_failure, 'trial 2: RangeError: the loss diverged');
    const counts = await run(k, 'console.log(JSON.stringify(study.trials.map((t) => t.state)))');
    const trialStates = JSON.parse(
      ofType(counts, 'stream')
        .map((m) => String(m.content.text))
        .join(''),
    ) as number[];
    assert.deepEqual(trialStates, [1, 1, 3], 'two COMPLETE, then the FAIL; nothing after');
  });
  it("shows a process warning as its name and message in the cell's stderr, without Node's PID prefix or hint", async () => {
    // Node emits a warning on the next tick, so the cell waits a moment for it to come before its reply.
    const r = await run(
      k,
      "process.emitWarning('the value 5 of x is outside [0, 1]'); process.emitWarning('old', { type: 'DeprecationWarning', code: 'TL001' }); await new Promise((r) => setTimeout(r, 20)); 1",
    );
    const stderr = ofType(r, 'stream')
      .filter((m) => m.content.name === 'stderr')
      .map((m) => String(m.content.text))
      .join('');
    assert.equal(stderr, 'Warning: the value 5 of x is outside [0, 1]\n[TL001] DeprecationWarning: old\n');
  });
});

describe('tunelab run: a notebook whose objective throws', () => {
  it('exits non-zero and the executed notebook shows the error and the trial lines', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tunelab-failures-run-'));
    try {
      const input = path.join(dir, 'in.ipynb');
      const output = path.join(dir, 'out.ipynb');
      writeFileSync(input, JSON.stringify(tunelabNotebook(["import { createStudy, RandomSampler } from 'tunelab';", FAILING_CELL])));
      const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'tunelab.js'), 'run', input, '--output', output, '--timeout', '300'], {
        encoding: 'utf8',
        timeout: 300_000,
      });
      assert.notEqual(r.status, 0, `tunelab run must report the failed cell:\n${r.stdout}\n${r.stderr}`);
      assert.match(`${r.stdout}${r.stderr}`, /RangeError/);
      const nb = JSON.parse(readFileSync(output, 'utf8')) as {
        cells: Array<{ outputs?: Array<{ output_type: string; name?: string; text?: string | string[]; ename?: string }> }>;
      };
      const outputs = nb.cells[1].outputs ?? [];
      assert.equal(outputs.find((o) => o.output_type === 'error')?.ename, 'RangeError');
      const stderr = outputs
        .filter((o) => o.output_type === 'stream' && o.name === 'stderr')
        .map((o) => (Array.isArray(o.text) ? o.text.join('') : (o.text ?? '')))
        .join('');
      assert.match(stderr, /Trial 2 failed with parameters: .* because of the following error: RangeError\('the loss diverged'\)\./);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
