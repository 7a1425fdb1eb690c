// A kernel whose parent dies ends, with the processes its cells started, even while a cell spins in
// synchronous code (the socket thread watches the parent, not the busy main thread).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { defaultKernelArgv } from '../../kernel/runner/client';
import { isGone } from '../../kernel/processTree';
import { pythonBin } from '../helpers/python';
import { ROOT, run, startKernel, stdout, waitFor } from './helpers';
import { tunelabNotebook } from '../helpers/notebook';

/** Starts its command line as a child (as Jupyter's server does), writes the child's pid, and waits. */
const INTERMEDIATE = `
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const [pidFile, ...argv] = process.argv.slice(2);
const child = spawn(argv[0], argv.slice(1), { stdio: 'inherit', env: { ...process.env, JPY_PARENT_PID: String(process.pid) } });
fs.writeFileSync(pidFile, String(child.pid));
child.on('exit', (code) => process.exit(code ?? 1));
`;

function forceKill(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

describe('tunelab kernel: orphans', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tunelab-orphans-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a kernel busy in `while (true) {}` ends, with the child process its cell started, when its parent is SIGKILLed', async () => {
    const intermediate = path.join(dir, 'intermediate.js');
    const pidFile = path.join(dir, 'kernel.pid');
    writeFileSync(intermediate, INTERMEDIATE);
    const k = await startKernel({ argv: [process.execPath, intermediate, pidFile, ...defaultKernelArgv()], cwd: dir });
    const kernelPid = Number(readFileSync(pidFile, 'utf8'));
    let sleeperPid: number | undefined;
    try {
      assert.ok(kernelPid > 0 && kernelPid !== k.process.pid, `kernel pid ${kernelPid}`);
      const started = await run(
        k,
        "import { spawn } from 'node:child_process';\nconst sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });\nconsole.log(`child ${sleeper.pid}`);",
      );
      sleeperPid = Number(/child (\d+)/.exec(stdout(started))?.[1]);
      assert.ok(sleeperPid > 0, `the cell printed ${JSON.stringify(stdout(started))}`);
      assert.equal(isGone(sleeperPid), false);

      let spinning = false;
      const spin = k.execute('while (true) {}', {
        timeoutMs: 60_000,
        onMessage: (m) => (spinning ||= m.header.msg_type === 'execute_input'),
      });
      spin.catch(() => undefined); // rejected when the process the client started (the intermediate) dies
      await waitFor(() => spinning, 30_000, 'the spinning cell to start');

      k.process.kill('SIGKILL');
      await waitFor(
        () => isGone(kernelPid) && isGone(sleeperPid!),
        10_000,
        `kernel ${kernelPid} and its child ${sleeperPid} to end after their parent's death`,
      ).catch((err: Error) => {
        throw new Error(`${err.message}; kernel gone: ${isGone(kernelPid)}, child gone: ${isGone(sleeperPid!)}`);
      });
    } finally {
      forceKill(kernelPid);
      forceKill(sleeperPid);
      await k.kill();
    }
  });

  it('a kernel spinning under `jupyter nbconvert --execute` ends, with its child, when nbconvert is SIGKILLed', async () => {
    const prefix = path.join(dir, 'prefix');
    const install = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'tunelab.js'), 'install', '--prefix', prefix], {
      encoding: 'utf8',
    });
    assert.equal(install.status, 0, install.stderr);
    const env = { ...process.env, JUPYTER_PATH: path.join(prefix, 'share', 'jupyter'), JUPYTER_DATA_DIR: path.join(dir, 'data') };
    const pids = path.join(dir, 'nbconvert-pids.txt');
    const notebook = path.join(dir, 'spin.ipynb');
    const code = [
      "import { spawn } from 'node:child_process';",
      "import { writeFileSync } from 'node:fs';",
      "const sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });",
      `writeFileSync(${JSON.stringify(pids)}, \`\${process.pid} \${sleeper.pid}\`);`,
      'while (true) {}',
    ].join('\n');
    writeFileSync(notebook, JSON.stringify(tunelabNotebook([code])));
    const nbconvert = spawn(
      pythonBin('jupyter'),
      [
        'nbconvert',
        '--to',
        'notebook',
        '--execute',
        '--ExecutePreprocessor.kernel_name=tunelab',
        '--ExecutePreprocessor.timeout=-1',
        '--output-dir',
        dir,
        '--output',
        'spin-out.ipynb',
        notebook,
      ],
      { env, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let nbconvertErr = '';
    nbconvert.stderr.on('data', (c: Buffer) => (nbconvertErr += c.toString()));
    let kernelPid: number | undefined;
    let sleeperPid: number | undefined;
    try {
      const ids = await waitFor(
        () => (existsSync(pids) && /^\d+ \d+$/.test(readFileSync(pids, 'utf8')) ? readFileSync(pids, 'utf8') : undefined),
        120_000,
        `the cell to start under nbconvert (its stderr:\n${nbconvertErr})`,
      );
      [kernelPid, sleeperPid] = ids.split(' ').map(Number);
      assert.equal(isGone(kernelPid), false);
      nbconvert.kill('SIGKILL');
      await waitFor(
        () => isGone(kernelPid!) && isGone(sleeperPid!),
        10_000,
        `kernel ${kernelPid} and its child ${sleeperPid} to end after nbconvert's death`,
      ).catch((err: Error) => {
        throw new Error(`${err.message}; kernel gone: ${isGone(kernelPid!)}, child gone: ${isGone(sleeperPid!)}`);
      });
    } finally {
      if (nbconvert.exitCode === null) nbconvert.kill('SIGKILL');
      forceKill(kernelPid);
      forceKill(sleeperPid);
    }
  });
});
