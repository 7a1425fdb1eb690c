// clearOutput({ wait }) in cells, and `clearOutput` from 'tunelab/widgets' for library code: Jupyter's
// clear_output iopub message, in order with the cell's other output; then what Jupyter's nbclient
// makes of it in an executed notebook (the cell's earlier output is gone).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KernelClient } from '../../kernel/runner/client';
import type { JupyterMessage } from '../../kernel/wire';
import { ROOT, assertBuilt, run, startKernel, waitFor } from './helpers';
import { PYTHON } from '../helpers/python';
import { RUN_NBCLIENT, tunelabNotebook } from '../helpers/notebook';

/** The cell's output messages as short strings, in order: `stdout:text`, `clear:wait`, `display`. */
function outputs(iopub: JupyterMessage[]): string[] {
  const seen: string[] = [];
  for (const m of iopub) {
    const t = m.header.msg_type;
    if (t === 'stream') seen.push(`${String(m.content.name)}:${String(m.content.text)}`);
    else if (t === 'clear_output') seen.push(`clear:${JSON.stringify(m.content.wait)}`);
    else if (t === 'display_data' || t === 'execute_result') seen.push(t);
  }
  // Consecutive chunks of one stream are merged: how they are chunked depends on timing.
  return seen.reduce<string[]>((acc, s) => {
    const last = acc.at(-1);
    if (last?.startsWith('stdout:') && s.startsWith('stdout:')) acc[acc.length - 1] = last + s.slice('stdout:'.length);
    else acc.push(s);
    return acc;
  }, []);
}

describe('tunelab kernel: clearOutput', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tunelab-clear-'));
  let k: KernelClient;
  before(async () => {
    k = await startKernel({ cwd: dir, env: { ...process.env, TUNELAB_HISTORY_FILE: ':memory:' } });
  });
  after(async () => {
    await k?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends clear_output with wait, after what the cell printed before and before what it prints next', async () => {
    const r = await run(
      k,
      'console.log("before");\nclearOutput();\nconsole.log("after");\nclearOutput({ wait: true });\ndisplay({ "text/plain": "shown" });',
    );
    assert.deepEqual(outputs(r.iopub), ['stdout:before\n', 'clear:false', 'stdout:after\n', 'clear:true', 'display_data']);
    const clear = r.iopub.find((m) => m.header.msg_type === 'clear_output');
    assert.equal(clear?.parent_header.msg_id, r.reply.parent_header.msg_id, 'parented to the cell');
    assert.deepEqual(clear?.content, { wait: false });
    // clearOutput returns nothing, so a cell ending with it shows no result.
    const last = await run(k, 'clearOutput()');
    assert.deepEqual(outputs(last.iopub), ['clear:false']);
  });

  it("library code clears through 'tunelab/widgets', also from a task of a finished cell", async () => {
    const r = await run(
      k,
      "import { clearOutput as clearFromLibrary } from 'tunelab/widgets';\n" +
        'console.log("tick 1");\n' +
        'void setTimeout(() => { clearFromLibrary({ wait: true }); console.log("tick 2"); }, 50);',
    );
    const cellId = r.reply.parent_header.msg_id;
    const late = await waitFor(
      () => {
        const mine = k.allIopub.filter((m) => m.parent_header.msg_id === cellId);
        return mine.some((m) => m.header.msg_type === 'stream' && String(m.content.text).includes('tick 2')) ? mine : undefined;
      },
      10_000,
      'the timer of the cell to print "tick 2"',
    );
    assert.deepEqual(outputs(late), ['stdout:tick 1\n', 'clear:true', 'stdout:tick 2\n']);
  });

  it("in a notebook executed by Jupyter's nbclient, the cell's earlier output is gone", () => {
    assertBuilt();
    const prefix = path.join(dir, 'prefix');
    const install = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'tunelab.js'), 'install', '--prefix', prefix], {
      encoding: 'utf8',
    });
    assert.equal(install.status, 0, install.stderr);
    const notebook = path.join(dir, 'clear.ipynb');
    writeFileSync(
      notebook,
      JSON.stringify(
        tunelabNotebook([
          'console.log("step 1");\ndisplay({ "text/html": "<b>old</b>" });\nclearOutput();\nconsole.log("done");',
          'console.log("frame 1");\nclearOutput({ wait: true });\nconsole.log("frame 2");',
          'console.log("kept");\nclearOutput({ wait: true });',
        ]),
      ),
    );
    const out = path.join(dir, 'clear-out.ipynb');
    const env = { ...process.env, JUPYTER_PATH: path.join(prefix, 'share', 'jupyter'), TUNELAB_HISTORY_FILE: ':memory:' };
    const r = spawnSync(PYTHON, [RUN_NBCLIENT, notebook, out, 'tunelab', dir], {
      env,
      encoding: 'utf8',
      timeout: 180_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const nb = JSON.parse(readFileSync(out, 'utf8')) as { cells: Array<{ outputs: Array<Record<string, unknown>> }> };
    const texts = nb.cells.map((c) => c.outputs.map((o) => `${String(o.output_type)}:${[o.text ?? ''].flat().join('')}`));
    assert.deepEqual(texts, [['stream:done\n'], ['stream:frame 2\n'], ['stream:kept\n']]);
  });
});
