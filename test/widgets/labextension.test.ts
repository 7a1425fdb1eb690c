/**
 * The prebuilt JupyterLab extension (widgets/labextension, built by @jupyterlab/builder against the
 * pinned JupyterLab's core metadata) and `tunelab install`: the layout the builder writes, the core
 * metadata it was built with, `jupyter labextension list` seeing the installed extension enabled and
 * OK, and the warning when Jupyter lacks the widget manager. That the extension loads and renders in
 * the real frontends is test/widgets/jupyterlab.test.ts (JupyterLab 4.6 and Notebook 7.6).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT } from './browser';
import { pythonBin, pythonEnv, pythonEnvDir } from '../helpers/python';

const TUNELAB = join(ROOT, 'bin', 'tunelab.js');
const LABEXT = join(ROOT, 'widgets', 'labextension');

describe('prebuilt JupyterLab extension', { timeout: 180_000 }, () => {
  let work: string;
  let pkg: { name: string; jupyterlab: { _build: { load: string; extension: string }; sharedPackages: Record<string, unknown> } };

  before(() => {
    if (!existsSync(join(LABEXT, 'package.json'))) throw new Error('widgets/labextension is missing: run `npm run build` first.');
    pkg = JSON.parse(readFileSync(join(LABEXT, 'package.json'), 'utf8'));
    work = mkdtempSync(join(tmpdir(), 'tunelab-labext-'));
  });
  after(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('has the layout `jupyter labextension build` writes', () => {
    assert.equal(pkg.name, 'tunelab-widgets');
    assert.match(pkg.jupyterlab._build.load, /^static\/remoteEntry\.[0-9a-f]+\.js$/);
    assert.equal(pkg.jupyterlab._build.extension, './extension');
    assert.ok(existsSync(join(LABEXT, pkg.jupyterlab._build.load)));
    assert.deepEqual(pkg.jupyterlab.sharedPackages['@jupyter-widgets/base'], { bundled: false, singleton: true });
    // The singleton is declared as a shared module, not bundled into the extension.
    const entry = readFileSync(join(LABEXT, pkg.jupyterlab._build.load), 'utf8');
    assert.match(entry, /"@jupyter-widgets\/base", false/);
  });

  it("is built against the pinned JupyterLab: the committed core metadata is that JupyterLab's own", () => {
    // widgets/labextension.mjs builds against the environment's JupyterLab when there is one and
    // falls back to this committed copy; both must be the same file or builds would differ by machine.
    const found = execFileSync(
      pythonBin('python'),
      [
        '-c',
        'import jupyterlab, os, json; print(json.dumps([os.path.join(os.path.dirname(jupyterlab.__file__), "staging"), jupyterlab.__version__]))',
      ],
      { encoding: 'utf8' },
    );
    const [staging, version] = JSON.parse(found) as [string, string];
    const pinned = JSON.parse(readFileSync(join(staging, 'package.json'), 'utf8'));
    const committed = JSON.parse(readFileSync(join(ROOT, 'widgets', 'lab', 'core', 'package.json'), 'utf8'));
    assert.equal(pinned.name, '@jupyterlab/application-top');
    assert.equal(pinned.version, version, "the staging package.json is the installed JupyterLab's");
    assert.deepEqual(committed, pinned, 'widgets/lab/core/package.json is stale: run `node widgets/labextension.mjs --update-core`');
    assert.ok(pinned.jupyterlab.singletonPackages.includes('@jupyterlab/services'));
  });

  it('`tunelab install --prefix` puts it where JupyterLab finds it: `jupyter labextension list` shows it enabled and OK', () => {
    const prefix = join(work, 'prefix');
    const out = execFileSync(process.execPath, [TUNELAB, 'install', '--prefix', prefix], {
      env: pythonEnv(),
      encoding: 'utf8',
      stdio: 'pipe',
    });
    assert.match(out, /Found Jupyter's widget manager: .*@jupyter-widgets\/jupyterlab-manager/);
    const installed = join(prefix, 'share', 'jupyter', 'labextensions', 'tunelab-widgets');
    const meta = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    assert.equal(meta.jupyterlab._build.load, pkg.jupyterlab._build.load);
    const jupyterDirs = {
      JUPYTER_PATH: join(prefix, 'share', 'jupyter'),
      JUPYTER_DATA_DIR: join(work, 'data'),
      JUPYTER_CONFIG_DIR: join(work, 'config'),
      JUPYTER_RUNTIME_DIR: join(work, 'runtime'),
    };
    // `labextension list` prints to stderr; colours are switched off for a plain reading.
    const listed = spawnSync(pythonBin('jupyter'), ['labextension', 'list'], {
      env: pythonEnv({ ...jupyterDirs, NO_COLOR: '1' }),
      encoding: 'utf8',
      timeout: 60_000,
    });
    const text = stripAnsiColours(`${listed.stdout}${listed.stderr}`);
    assert.equal(listed.status, 0, text);
    const ours = text.split('\n').find((l) => l.includes('tunelab-widgets'));
    assert.ok(ours, `tunelab-widgets is not listed:\n${text}`);
    assert.match(ours, /tunelab-widgets v0\.1\.0 enabled\s+OK/, text);
    const section = text.slice(0, text.indexOf('tunelab-widgets'));
    assert.ok(section.includes(join(prefix, 'share', 'jupyter', 'labextensions')), `listed under the install prefix:\n${text}`);
    assert.match(text, /@jupyter-widgets\/jupyterlab-manager v\S+ enabled\s+OK/, 'the widget manager is there too');
  });

  it('`tunelab install` says when Jupyter lacks the widget manager, and what to install', () => {
    const prefix = join(work, 'prefix-bare');
    // A machine whose PATH has no jupyter and no active Python environment: the data paths are
    // the user's (an empty home here), the system ones and the install prefix, none with the manager.
    const bare = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: join(work, 'home') };
    const missing = spawnSync(process.execPath, [TUNELAB, 'install', '--prefix', prefix], { env: bare, encoding: 'utf8', timeout: 60_000 });
    assert.equal(missing.status, 0, 'the kernelspec and extension are installed all the same');
    assert.ok(existsSync(join(prefix, 'share', 'jupyter', 'kernels', 'tunelab', 'kernel.json')));
    assert.match(missing.stderr, /need Jupyter's widget manager, the @jupyter-widgets\/jupyterlab-manager extension/);
    assert.match(missing.stderr, /pip install ipywidgets/);
    assert.ok(missing.stderr.includes(join(work, 'home', '.local', 'share', 'jupyter')), `names where it looked: ${missing.stderr}`);
    // The same machine with the pinned environment active (VIRTUAL_ENV, still no jupyter on PATH):
    // its share/jupyter has jupyterlab_widgets' manager.
    const active = spawnSync(process.execPath, [TUNELAB, 'install', '--prefix', prefix], {
      env: { ...bare, VIRTUAL_ENV: pythonEnvDir() },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(active.status, 0, active.stderr);
    assert.doesNotMatch(active.stderr, /widget manager/);
    assert.ok(
      active.stdout.includes(join(pythonEnvDir(), 'share', 'jupyter', 'labextensions', '@jupyter-widgets', 'jupyterlab-manager')),
      active.stdout,
    );
  });
});

/** Removes terminal colour sequences (ESC [ ... m), should a tool ignore NO_COLOR. */
function stripAnsiColours(text: string): string {
  const ESC = String.fromCharCode(27);
  return text
    .split(ESC)
    .map((part, i) => (i === 0 ? part : part.replace(/^\[[0-9;]*m/, '')))
    .join('');
}
