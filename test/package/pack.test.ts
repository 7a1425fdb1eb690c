/**
 * tunelab installed the way a user installs it, not run from the clone: `npm pack`, then in an
 * empty directory `npm install ./tunelab-<version>.tgz` and `npx tunelab install --prefix DIR`.
 * From there the engine loads with `require('tunelab')`, the kernelspec and the JupyterLab
 * extension are where Jupyter looks, and a notebook runs through that kernelspec under Jupyter's
 * nbclient and under `npx tunelab run`.
 *
 * The install reads packages from npm's cache first (`--prefer-offline`; `npm ci` filled it), and
 * builds the native addons (better-sqlite3, zeromq) as a user's install would; it includes the
 * optional dependencies, as `npm install tunelab` does (engineOnly.test.ts omits them).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { installTarball, PACKAGE, packTunelab } from '../helpers/pack';
import { PYTHON, pythonBin } from '../helpers/python';
import { RUN_NBCLIENT, tunelabNotebook } from '../helpers/notebook';

type Output = { output_type: string; text?: string; data?: Record<string, unknown> };
type Cell = { outputs?: Output[] };

function textOf(cell: Cell): string {
  return (cell.outputs ?? [])
    .map((o) => (o.output_type === 'stream' ? String(o.text ?? '') : String(o.data?.['text/plain'] ?? '')))
    .join('');
}

describe('installed from `npm pack` into an empty directory', { timeout: 1_500_000 }, () => {
  let work: string;
  let app: string;
  let prefix: string;
  let installed: string;

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'tunelab-pack-'));
    app = join(work, 'app');
    prefix = join(work, 'prefix');
    const tarball = packTunelab(work, ['dist/src/index.js', 'dist/kernel/cli.js', 'widgets/dist', 'widgets/labextension/package.json']);
    installed = installTarball(app, tarball);
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the package holds the compiled code, the command, the widget bundles and the extension, and no sources or tests', () => {
    for (const f of [
      'package.json',
      'README.md',
      'bin/tunelab.js',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/kernel/cli.js',
      'widgets/labextension/package.json',
    ]) {
      assert.ok(existsSync(join(installed, f)), `${f} is in the installed package`);
    }
    for (const f of ['src', 'test', 'bench', 'notebooks', 'dist/test']) {
      assert.equal(existsSync(join(installed, f)), false, `${f} is not shipped`);
    }
  });

  it('`npm install tunelab` brings every optional dependency (the notebook user gets everything)', () => {
    // tfjs-node's install step downloads libtensorflow, which fails offline; npm then leaves it out, and tunelab uses wasm.
    const expected = Object.keys(PACKAGE.optionalDependencies ?? {}).filter((name) => name !== '@tensorflow/tfjs-node');
    assert.ok(expected.length > 0);
    const missing = expected.filter((name) => !existsSync(join(app, 'node_modules', name, 'package.json')));
    assert.deepEqual(missing, [], 'an optional dependency that failed to install is skipped silently by npm');
  });

  it("require('tunelab') in the user's directory runs a seeded study on SQLite", () => {
    const script = `
      const { createStudy, TPESampler } = require('tunelab');
      (async () => {
        const study = await createStudy({ storage: 'sqlite:///study.db', studyName: 's', sampler: new TPESampler({ seed: 3 }) });
        await study.optimize((t) => (t.suggestFloat('x', -4, 4) - 1) ** 2, { nTrials: 15, showProgressBar: false });
        console.log(JSON.stringify({ n: study.trials.length, best: study.bestValue, x: study.bestParams.x }));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: app, encoding: 'utf8' })) as {
      n: number;
      best: number;
      x: number;
    };
    assert.equal(out.n, 15);
    assert.ok(Math.abs(out.best - (out.x - 1) ** 2) < 1e-12, 'the best value belongs to the best parameters');
    assert.ok(existsSync(join(app, 'study.db')), 'the study was stored in the SQLite file');
  });

  it("the subpath entries load in the user's directory, the same copy as the root, and internals are not reachable", () => {
    const script = `
      const root = require('tunelab');
      const samplers = require('tunelab/samplers');
      const storage = require('tunelab/storage');
      let internal = 'reachable';
      try { require('tunelab/dist/src/progress'); } catch (e) { internal = e.code; }
      console.log(JSON.stringify({
        sameSampler: samplers.TPESampler === root.TPESampler,
        storage: typeof storage.getStorage,
        onRoot: 'setDefaultObserverFactory' in root,
        internal,
        resolved: require.resolve('tunelab/samplers'),
      }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: app, encoding: 'utf8' })) as Record<string, unknown>;
    assert.deepEqual(out, {
      sameSampler: true,
      storage: 'function',
      onRoot: false,
      internal: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
      resolved: join(installed, 'dist', 'src', 'entries', 'samplers.js'),
    });
  });

  it('`npx tunelab install --prefix DIR` puts the kernelspec and the JupyterLab extension where Jupyter finds them', () => {
    const r = spawnSync('npx', ['--no-install', 'tunelab', 'install', '--prefix', prefix], {
      cwd: app,
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(r.status, 0, `tunelab install failed:\n${r.stdout}\n${r.stderr}`);
    const spec = JSON.parse(readFileSync(join(prefix, 'share', 'jupyter', 'kernels', 'tunelab', 'kernel.json'), 'utf8')) as {
      argv: string[];
      language: string;
    };
    assert.equal(spec.language, 'typescript');
    assert.ok(
      spec.argv.some((a) => a.startsWith(installed)),
      `the kernelspec runs the installed package (${installed}), not the clone: ${spec.argv.join(' ')}`,
    );
    assert.ok(
      existsSync(join(prefix, 'share', 'jupyter', 'labextensions', 'tunelab-widgets', 'package.json')),
      'the prebuilt extension is installed',
    );
    // Jupyter's own view of it.
    const env = { ...process.env, JUPYTER_PATH: join(prefix, 'share', 'jupyter') };
    const specs = JSON.parse(
      execFileSync(
        PYTHON,
        ['-c', 'import json; from jupyter_client.kernelspec import KernelSpecManager as K; print(json.dumps(K().get_all_specs()))'],
        { env, encoding: 'utf8' },
      ),
    ) as Record<string, { resource_dir: string }>;
    assert.equal(specs.tunelab?.resource_dir, join(prefix, 'share', 'jupyter', 'kernels', 'tunelab'));
  });

  it('a notebook in the user directory runs through that kernelspec under nbclient and under `npx tunelab run`', () => {
    const nbPath = join(app, 'quick.ipynb');
    writeFileSync(
      nbPath,
      JSON.stringify(
        tunelabNotebook([
          "import { createStudy, RandomSampler } from 'tunelab';\nconst study = await createStudy({ sampler: new RandomSampler({ seed: 5 }) });",
          "await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 12, showProgressBar: false });\nconsole.log(`trials=${study.trials.length}`);",
        ]),
      ),
    );
    const env = { ...process.env, JUPYTER_PATH: join(prefix, 'share', 'jupyter'), JUPYTER_RUNTIME_DIR: join(work, 'runtime') };
    const viaNbclient = join(work, 'nbclient.ipynb');
    const r = spawnSync(PYTHON, [RUN_NBCLIENT, nbPath, viaNbclient, 'tunelab', app, '300'], { env, encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, `nbclient failed:\n${r.stderr.slice(-4000)}`);
    const cells = (JSON.parse(readFileSync(viaNbclient, 'utf8')) as { cells: Cell[] }).cells;
    assert.match(textOf(cells[1]), /trials=12/);

    const viaRun = join(work, 'run.ipynb');
    const run = spawnSync('npx', ['--no-install', 'tunelab', 'run', nbPath, '--output', viaRun], {
      cwd: app,
      encoding: 'utf8',
      timeout: 300_000,
    });
    assert.equal(run.status, 0, `tunelab run failed:\n${run.stderr.slice(-4000)}`);
    const ranCells = (JSON.parse(readFileSync(viaRun, 'utf8')) as { cells: Cell[] }).cells;
    assert.match(textOf(ranCells[1]), /trials=12/);
  });

  it('JupyterLab lists the installed extension as enabled and OK', () => {
    const env = { ...process.env, JUPYTER_PATH: join(prefix, 'share', 'jupyter'), JUPYTER_CONFIG_DIR: join(work, 'config') };
    const r = spawnSync(pythonBin('jupyter'), ['labextension', 'list'], { env, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    // `jupyter labextension list` writes its table to stderr.
    const line = `${r.stdout}\n${r.stderr}`.split('\n').find((l) => l.includes('tunelab-widgets'));
    assert.ok(line, `tunelab-widgets is listed:\n${r.stdout}\n${r.stderr}`);
    assert.match(line, /enabled/);
    assert.match(line, /OK/);
  });
});
