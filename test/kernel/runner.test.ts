// `tunelab run` under stress: a timeout or a signal ends the kernel's whole process group (children
// a cell started included) and still writes the notebook so far, with error outputs every renderer
// shows (nbconvert's HTML checked); notebooks for other kernels, notebooks that break the nbformat 4
// schema (checked against nbformat's own validator) and output paths that cannot be written are
// refused before anything runs; a kernel that dies is reported with its exit status or signal and
// its last words. Then what decides success: an error a cell gets after its reply fails the run,
// the tag raises-exception and --allow-errors let cells fail (as nbclient and nbconvert); outputs
// of an earlier run are cleared first; --param names and values are checked, unknown names warned of.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { isGone } from '../../kernel/processTree';
import { PYTHON, pythonBin, pythonEnv } from '../helpers/python';
import { ROOT, assertBuilt, waitFor } from './helpers';

const BIN = path.join(ROOT, 'bin', 'tunelab.js');
type Json = Record<string, unknown>;

function codeCell(source: unknown): Json {
  return { cell_type: 'code', metadata: {}, source, outputs: [], execution_count: null };
}

function notebook(cells: Json[], metadata: Json = {}): Json {
  return { nbformat: 4, nbformat_minor: 5, metadata, cells };
}

function tunelab(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, signal: r.signal, stderr: r.stderr };
}

/** The cell that starts `sleep 300` (its pid written to `pidFile` and printed), then spins. */
function spawnThenSpin(pidFile: string, spin: string): string {
  return [
    "import { spawn } from 'node:child_process';",
    "import { writeFileSync } from 'node:fs';",
    "const sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });",
    'console.log(`child ${sleeper.pid}`);',
    `writeFileSync(${JSON.stringify(pidFile)}, String(sleeper.pid));`,
    spin,
  ].join('\n');
}

function outputsOf(file: string): Json[][] {
  const nb = JSON.parse(readFileSync(file, 'utf8')) as { cells: Json[] };
  return nb.cells.filter((c) => c.cell_type === 'code').map((c) => (c.outputs as Json[]) ?? []);
}

function killIfAlive(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone, as it should be
  }
}

describe('tunelab run: stopping, validation, dead kernels', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tunelab-runner-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--timeout on a cell that cannot be interrupted kills the kernel group (the child the cell started too) and writes the partial notebook', () => {
    assertBuilt();
    const pidFile = path.join(dir, 'timeout-child.pid');
    const nb = path.join(dir, 'timeout.ipynb');
    const out = path.join(dir, 'timeout-out.ipynb');
    // After an await, a blocking call into the runtime is out of reach of both interrupt_request and
    // SIGINT (the README's known limit), so the runner has to kill the kernel.
    writeFileSync(
      nb,
      JSON.stringify(
        notebook([
          codeCell('const first = 1;\nconsole.log("first ran")'),
          codeCell(
            spawnThenSpin(
              pidFile,
              'await new Promise((r) => setTimeout(r, 100)); // output is coalesced for 20 ms: let it go out\nAtomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);',
            ),
          ),
          codeCell('console.log("never")'),
        ]),
      ),
    );
    const r = tunelab(['run', nb, '--timeout', '5', '--output', out]);
    const childPid = Number(readFileSync(pidFile, 'utf8'));
    try {
      assert.equal(r.status, 1, r.stderr);
      assert.match(
        r.stderr,
        /CellTimeoutError: the cell did not finish within 5 s and did not respond to an interrupt; the kernel and the processes it started were killed/,
      );
      assert.ok(existsSync(out), `no partial notebook; stderr:\n${r.stderr}`);
      const outputs = outputsOf(out);
      assert.match(JSON.stringify(outputs[0]), /first ran/);
      assert.match(JSON.stringify(outputs[1]), new RegExp(`child ${childPid}`));
      assert.equal(outputs[1].at(-1)?.output_type, 'error', JSON.stringify(outputs[1]));
      assert.equal(outputs[1].at(-1)?.ename, 'CellTimeoutError');
      // The traceback holds the `ename: evalue` line, as IPython writes one: renderers show only
      // the traceback of an error output (nbconvert's HTML below), and an empty one shows nothing.
      assert.deepEqual(outputs[1].at(-1)?.traceback, [`CellTimeoutError: ${String(outputs[1].at(-1)?.evalue)}`]);
      assert.deepEqual(outputs[2], []);
      assert.ok(isGone(childPid), `the cell's child ${childPid} outlived the run`);
      const html = spawnSync(
        pythonBin('jupyter'),
        ['nbconvert', '--to', 'html', '--output', 'timeout-out.html', '--output-dir', dir, out],
        {
          encoding: 'utf8',
          env: pythonEnv(),
          timeout: 120_000,
        },
      );
      assert.equal(html.status, 0, html.stderr);
      assert.match(
        readFileSync(path.join(dir, 'timeout-out.html'), 'utf8'),
        /CellTimeoutError: the cell did not finish within 5 s and did not respond to an interrupt/,
      );
    } finally {
      killIfAlive(childPid);
    }
  });

  it('SIGTERM to tunelab run kills the kernel group and writes the partial notebook', async () => {
    const pidFile = path.join(dir, 'term-child.pid');
    const nb = path.join(dir, 'term.ipynb');
    const out = path.join(dir, 'term-out.ipynb');
    writeFileSync(
      nb,
      JSON.stringify(notebook([codeCell('console.log("first ran")'), codeCell(spawnThenSpin(pidFile, 'while (true) {}'))])),
    );
    const runner = spawn(process.execPath, [BIN, 'run', nb, '--output', out], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    runner.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      runner.once('exit', (code, signal) => resolve({ code, signal })),
    );
    let childPid = 0;
    try {
      childPid = await waitFor(
        () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) || undefined : undefined),
        60_000,
        `the cell to start its child (runner stderr:\n${stderr})`,
      );
      runner.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const end = await Promise.race([exited, new Promise<'hung'>((r) => (timer = setTimeout(() => r('hung'), 30_000)))]);
      clearTimeout(timer);
      assert.notEqual(end, 'hung', `tunelab run did not end after SIGTERM; stderr:\n${stderr}`);
      assert.deepEqual(end, { code: 143, signal: null }, stderr);
      assert.match(stderr, /received SIGTERM/);
      const outputs = outputsOf(out);
      assert.match(JSON.stringify(outputs[0]), /first ran/);
      assert.equal(outputs[1].at(-1)?.ename, 'RunAborted', JSON.stringify(outputs[1]));
      assert.match(String(outputs[1].at(-1)?.evalue), /SIGTERM/);
      assert.deepEqual(outputs[1].at(-1)?.traceback, [`RunAborted: ${String(outputs[1].at(-1)?.evalue)}`]);
      await waitFor(() => isGone(childPid), 5000, `the cell's child ${childPid} to end`);
    } finally {
      if (runner.exitCode === null) runner.kill('SIGKILL');
      if (childPid) killIfAlive(childPid);
    }
  });

  it('refuses a notebook for another kernel, naming what it found', () => {
    const nb = path.join(dir, 'python.ipynb');
    const marker = path.join(dir, 'python-ran');
    writeFileSync(
      nb,
      JSON.stringify(
        notebook([codeCell(`require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x')`)], {
          kernelspec: { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' },
          language_info: { name: 'python' },
        }),
      ),
    );
    const r = tunelab(['run', nb, '--output', path.join(dir, 'python-out.ipynb')]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /another kernel: its metadata names kernelspec "python3" \(language python\) and language_info "python"/);
    assert.equal(existsSync(marker), false, 'the Python notebook was run as TypeScript');
  });

  it('refuses notebooks that break the nbformat 4 schema, saying where and what was expected (as nbformat.validate does), without a stack trace', () => {
    const cases: Array<[string, Json, RegExp]> = [
      [
        'numeric source',
        notebook([codeCell('1'), codeCell(12)]),
        /cells\[1\]\.source: expected a string or an array of strings, found number 12/,
      ],
      [
        'source list of numbers',
        notebook([codeCell([1, 2])]),
        /cells\[0\]\.source: expected a string or an array of strings, found an array/,
      ],
      [
        'unknown cell type',
        notebook([{ cell_type: 'sql', metadata: {}, source: '' }]),
        /cells\[0\]\.cell_type: expected one of code, markdown, raw, found string "sql"/,
      ],
      ['outputs not an array', notebook([{ ...codeCell('1'), outputs: {} }]), /cells\[0\]\.outputs: expected an array, found an object/],
      [
        'stream output without text',
        notebook([{ ...codeCell('1'), outputs: [{ output_type: 'stream', name: 'stdout' }] }]),
        /cells\[0\]\.outputs\[0\]: missing "text"/,
      ],
      [
        'cells not an array',
        { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: 'none' },
        /notebook\.cells: expected an array of cells, found string "none"/,
      ],
      [
        'kernelspec without a name',
        notebook([codeCell('1')], { kernelspec: { display_name: 'x' } }),
        /metadata\.kernelspec: missing "name"/,
      ],
    ];
    const files: string[] = [];
    for (const [name, doc, expected] of cases) {
      const file = path.join(dir, `bad-${files.length}.ipynb`);
      files.push(file);
      writeFileSync(file, JSON.stringify(doc));
      const r = tunelab(['run', file, '--output', path.join(dir, 'bad-out.ipynb')]);
      assert.equal(r.status, 2, `${name}: ${r.stderr}`);
      assert.match(r.stderr, expected, name);
      assert.doesNotMatch(r.stderr, /^\s+at /m, `${name}: a stack trace was printed:\n${r.stderr}`);
    }
    // The reference: nbformat 5's own validator rejects every one of them.
    const check = spawnSync(
      PYTHON,
      [
        '-c',
        'import sys, nbformat\nfor f in sys.argv[1:]:\n    try:\n        nbformat.validate(nbformat.reads(open(f).read(), as_version=nbformat.NO_CONVERT))\n        print("valid", f)\n    except Exception as e:\n        print("invalid", f)',
        ...files,
      ],
      { encoding: 'utf8', env: pythonEnv(), timeout: 120_000 },
    );
    assert.equal(check.status, 0, check.stderr);
    assert.deepEqual(
      check.stdout
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[0]),
      files.map(() => 'invalid'),
      check.stdout,
    );
  });

  it('checks --output and --html before running: a directory, or a directory that cannot be created, fails at once', () => {
    const marker = path.join(dir, 'output-ran');
    const nb = path.join(dir, 'output.ipynb');
    writeFileSync(nb, JSON.stringify(notebook([codeCell(`require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x')`)])));
    const outDir = path.join(dir, 'an-output-dir');
    mkdirSync(outDir);
    const r1 = tunelab(['run', nb, '--output', outDir]);
    assert.equal(r1.status, 2, r1.stderr);
    assert.match(r1.stderr, /--output .*an-output-dir is a directory/);
    const aFile = path.join(dir, 'a-file');
    writeFileSync(aFile, '');
    const r2 = tunelab(['run', nb, '--output', path.join(dir, 'ok.ipynb'), '--html', path.join(aFile, 'report.html')]);
    assert.equal(r2.status, 2, r2.stderr);
    assert.match(r2.stderr, /--html .*a-file\/report\.html: cannot create its directory .*a-file \((ENOTDIR|EEXIST)\)/);
    assert.equal(existsSync(marker), false, 'the notebook ran although its outputs could not be written');
  });

  it('a kernel that dies is reported with how it ended and the last lines of its stderr (out of memory)', () => {
    const nb = path.join(dir, 'oom.ipynb');
    const out = path.join(dir, 'oom-out.ipynb');
    writeFileSync(
      nb,
      JSON.stringify(notebook([codeCell('const hoard: number[][] = [];\nwhile (true) hoard.push(new Array(1_000_000).fill(1.5));')])),
    );
    // A small heap, so the kernel runs out of memory quickly (the type checker needs about 150 MB).
    const r = tunelab(['run', nb, '--output', out], { ...process.env, NODE_OPTIONS: '--max-old-space-size=320' });
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      /DeadKernelError: the kernel died while running this cell: the kernel (was killed by SIG[A-Z]+|exited with status \d+): it ran out of memory/,
    );
    assert.match(r.stderr, /last lines of its stderr:[\s\S]*heap out of memory/);
    assert.equal(outputsOf(out)[0].at(-1)?.ename, 'DeadKernelError');
  });
});

type RunCell = Json & { outputs: Json[]; execution_count: number | null; metadata: Json };

describe('tunelab run: which errors fail the run, outputs of an earlier run, parameters', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tunelab-runner-errors-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes `doc` as NAME.ipynb, runs it into NAME-out.ipynb, and reads the code cells written. */
  function runDoc(name: string, doc: Json, args: string[] = []) {
    const input = path.join(dir, `${name}.ipynb`);
    const out = path.join(dir, `${name}-out.ipynb`);
    writeFileSync(input, JSON.stringify(doc));
    const r = tunelab(['run', input, '--output', out, ...args]);
    const cells = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as { cells: RunCell[] }).cells : [];
    return { ...r, cells: cells.filter((c) => c.cell_type === 'code') };
  }

  const streamText = (cell: RunCell) =>
    cell.outputs
      .filter((o) => o.output_type === 'stream')
      .map((o) => (Array.isArray(o.text) ? o.text.join('') : String(o.text)))
      .join('');
  const tagged = (source: string, ...tags: string[]): Json => ({ ...codeCell(source), metadata: { tags } });

  it("fails the run on an error a cell gets after its reply: one thrown by a timer, an unawaited optimize's rejection", () => {
    assertBuilt();
    const timer = runDoc(
      'late-timer',
      notebook([
        codeCell("setTimeout(() => { throw new Error('thrown by a timer'); }, 20);"),
        codeCell("await new Promise((r) => setTimeout(r, 500));\nconsole.log('second ran');"),
        codeCell("console.log('never');"),
      ]),
    );
    assert.equal(timer.status, 1, timer.stderr);
    assert.match(timer.stderr, /FAILED .*cell 1\b.*: Error: thrown by a timer, reported after the cell had finished/);
    assert.match(timer.stderr, /Error in cell 1: Error: thrown by a timer\n/);
    const error = timer.cells[0].outputs.find((o) => o.output_type === 'error');
    assert.deepEqual((error?.traceback as string[]).slice(0, 2), [
      'Uncaught exception in an async task of this cell:',
      'Error: thrown by a timer',
    ]);
    assert.deepEqual(timer.cells[2].outputs, [], 'the run stopped after the failure was seen');
    assert.equal(timer.cells[2].execution_count, null);

    // The objective throws after the cell has replied; optimize's promise, never awaited, rejects.
    const html = path.join(dir, 'late-optimize.html');
    const optimize = runDoc(
      'late-optimize',
      notebook([
        codeCell(
          "import { createStudy } from 'tunelab';\nconst study = await createStudy();\nstudy.optimize(() => { throw new Error('objective failed'); }, { nTrials: 1 });",
        ),
      ]),
      ['--html', html],
    );
    assert.equal(optimize.status, 1, optimize.stderr);
    assert.match(
      optimize.stderr,
      /Error in cell 1: Error: objective failed\nUnhandled promise rejection in this cell:\nError: objective failed\n/,
    );
    assert.equal(optimize.cells[0].outputs.at(-1)?.output_type, 'error');
    assert.match(
      readFileSync(html, 'utf8'),
      /<pre class="output-error">Unhandled promise rejection in this cell:\nError: objective failed/,
    );
  });

  it('clears the outputs, execution counts and timing metadata of an earlier run first, so a run that stops early leaves none (notebook and report)', () => {
    const staleOutput = { output_type: 'stream', name: 'stdout', text: 'stale output\n' };
    const stale = (source: string): Json => ({
      ...codeCell(source),
      execution_count: 41,
      outputs: [staleOutput, { output_type: 'execute_result', data: { 'text/plain': 'stale result' }, metadata: {}, execution_count: 41 }],
      metadata: { execution: { 'iopub.status.busy': '2020-01-01T00:00:00.000Z', 'shell.execute_reply': '2020-01-01T00:00:01.000Z' } },
    });
    const staleWidgets = {
      'application/vnd.jupyter.widget-state+json': {
        version_major: 2,
        version_minor: 0,
        state: { stalemodel: { model_name: 'HTMLModel', state: {} } },
      },
    };
    const html = path.join(dir, 'stale.html');
    const input = path.join(dir, 'stale.ipynb');
    writeFileSync(
      input,
      JSON.stringify(
        notebook([stale("console.log('fresh');"), stale("throw new Error('stops here');"), stale("console.log('never');"), stale('  ')], {
          widgets: staleWidgets,
        }),
      ),
    );
    const out = path.join(dir, 'stale-out.ipynb');
    const r = tunelab(['run', input, '--output', out, '--html', html]);
    assert.equal(r.status, 1, r.stderr);
    const written = JSON.parse(readFileSync(out, 'utf8')) as { metadata: Json; cells: RunCell[] };
    const [first, failing, notRun, empty] = written.cells;
    assert.equal(streamText(first), 'fresh\n');
    assert.equal(first.execution_count, 1);
    assert.deepEqual(
      failing.outputs.map((o) => o.output_type),
      ['error'],
    );
    for (const [name, cell] of [
      ['the cell after the failure', notRun],
      ['the empty cell', empty],
    ] as const) {
      assert.deepEqual(cell.outputs, [], name);
      assert.equal(cell.execution_count, null, name);
      assert.equal(cell.metadata.execution, undefined, name);
    }
    assert.equal(written.metadata.widgets, undefined, 'the widget state of the earlier run is gone');
    assert.doesNotMatch(readFileSync(html, 'utf8'), /stale output|stale result|In \[41\]/);
  });

  it('a cell tagged raises-exception may fail (or not) and the run goes on; --allow-errors records every error and exits 0, as nbconvert', () => {
    const tag = runDoc(
      'raises',
      notebook([
        tagged("throw new RangeError('expected failure');", 'raises-exception'),
        tagged("console.log('no error here');", 'raises-exception'),
        codeCell("console.log('after');"),
      ]),
    );
    assert.equal(tag.status, 0, tag.stderr);
    assert.match(tag.stderr, /error {2}\[1\/3\] cell 1 .*\(allowed: tagged raises-exception\)/);
    assert.match(tag.stderr, /done in .*; errors allowed in cell 1\n/);
    assert.equal(tag.cells[0].outputs.at(-1)?.ename, 'RangeError');
    assert.equal(streamText(tag.cells[1]), 'no error here\n');
    assert.equal(streamText(tag.cells[2]), 'after\n');

    const allow = runDoc(
      'allow-errors',
      notebook([
        codeCell("throw new TypeError('first');"),
        codeCell("setTimeout(() => { throw new Error('late'); }, 10);\nawait new Promise((r) => setTimeout(r, 200));"),
        codeCell("console.log('end');"),
      ]),
      ['--allow-errors'],
    );
    assert.equal(allow.status, 0, allow.stderr);
    assert.match(allow.stderr, /done in .*; errors allowed in cells 1, 2\n/);
    assert.equal(allow.cells[0].outputs.at(-1)?.ename, 'TypeError');
    assert.equal(allow.cells[1].outputs.at(-1)?.evalue, 'late');
    assert.equal(streamText(allow.cells[2]), 'end\n');

    // The runner's own errors still fail the run: a timeout is not the cell's error to allow.
    const timeout = runDoc('allow-errors-timeout', notebook([codeCell("throw new Error('allowed');"), codeCell('while (true) {}')]), [
      '--allow-errors',
      '--timeout',
      '1',
    ]);
    assert.equal(timeout.status, 1, timeout.stderr);
    assert.match(timeout.stderr, /Error in cell 2: CellTimeoutError/);
  });

  it('--param: warns of a name the parameters cell does not declare, and the last of a repeated name wins', () => {
    const r = runDoc(
      'params',
      notebook([
        tagged('let LR = 0.5; // learning rate\nconst EPOCHS: number = 3;', 'parameters'),
        codeCell('console.log(LR, EPOCHS, EXTRA);'),
      ]),
      ['--param', 'LR=0.1', '--param', 'EXTRA=x', '--param', 'LR=0.2'],
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stderr,
      /warning: Passed unknown parameter: EXTRA \(the cell tagged "parameters" does not declare it: it declares LR, EPOCHS\)/,
    );
    assert.doesNotMatch(r.stderr, /unknown parameter: LR/);
    assert.equal(r.cells[1].source, '// Parameters injected by tunelab run\nlet LR = 0.2;\nlet EXTRA = "x";');
    assert.equal(streamText(r.cells[2]), '0.2 3 x\n');
  });

  it('--param: refuses reserved words, names the kernel takes and numbers JSON cannot hold, before running (exit status 2)', () => {
    const marker = path.join(dir, 'param-ran');
    const input = path.join(dir, 'param-refused.ipynb');
    writeFileSync(input, JSON.stringify(notebook([codeCell(`require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x')`)])));
    const cases: Array<[string, RegExp]> = [
      ['class=1', /--param name "class" is a reserved word in TypeScript and cannot name a variable/],
      ['await=1', /--param name "await" is a reserved word/],
      ['require=1', /--param name "require" is taken by the kernel in every cell/],
      ['LR=1e400', /--param LR=1e400: a number in it is beyond the range of a JavaScript number \(it reads as Infinity/],
      ['grid=[0.1, -1e999]', /--param grid=\[0\.1, -1e999\]: .* reads as -Infinity/],
    ];
    for (const [param, message] of cases) {
      const r = tunelab(['run', input, '--output', path.join(dir, 'param-refused-out.ipynb'), '--param', param]);
      assert.equal(r.status, 2, `${param}: ${r.stderr}`);
      assert.match(r.stderr, message, param);
    }
    assert.equal(existsSync(marker), false, 'the notebook ran');
  });
});
