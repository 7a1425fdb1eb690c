// `tunelab run` under stress: a timeout or a signal ends the kernel's whole process group (children
// a cell started included) and still writes the notebook so far; notebooks for other kernels,
// notebooks that break the nbformat 4 schema (checked against nbformat's own validator) and output
// paths that cannot be written are refused before anything runs; a kernel that dies is reported
// with its exit status or signal and its last words.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { isGone } from '../../kernel/processTree';
import { PYTHON, pythonEnv } from '../helpers/python';
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
      assert.deepEqual(outputs[2], []);
      assert.ok(isGone(childPid), `the cell's child ${childPid} outlived the run`);
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
