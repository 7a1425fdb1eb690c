// Builds widgets/labextension/ — the prebuilt JupyterLab extension — with JupyterLab's own builder
// (@jupyterlab/builder, what `jupyter labextension build` runs for extensions that declare it):
// webpack module federation with @jupyter-widgets/base shared as a singleton that is not bundled.
//   1. esbuild compiles widgets/src/plugin.ts (+ views + plotly) to widgets/lab/lib/index.js as an
//      ES module with @jupyter-widgets/base left as an import;
//   2. build-labextension turns widgets/lab into widgets/labextension/{package.json, static/...}.
//
// The builder needs the core metadata of the JupyterLab the extension targets (`--core-path`: a
// directory holding JupyterLab's own package.json, `@jupyterlab/application-top`, which lists the
// packages JupyterLab shares and which of them are singletons). It is taken, in this order, from:
//   1. $TUNELAB_JUPYTERLAB_CORE_PATH, a directory with that package.json (another JupyterLab);
//   2. the JupyterLab of the project's pinned Python environment (python/requirements.txt), i.e.
//      <site-packages>/jupyterlab/staging, when scripts/python-env.sh reports an existing one
//      (`npm test` creates it before building; the build itself never creates it);
//   3. widgets/lab/core/package.json, a verbatim copy of (2) committed so that `npm run build` works
//      on a machine without Python. `node widgets/labextension.mjs --update-core` refreshes it from
//      the environment; test/widgets/labextension.test.ts fails when it differs from the pinned one.
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
/** The committed copy of the pinned JupyterLab's core package.json (source 3 above). */
export const COMMITTED_CORE = join(here, 'lab', 'core');

/** The staging directory (core package.json) of the JupyterLab in the pinned environment, or null. */
export function pinnedJupyterlabCorePath() {
  let env;
  try {
    env = execFileSync('bash', [join(root, 'scripts', 'python-env.sh'), '--if-exists'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null; // no environment on this machine
  }
  let staging;
  try {
    staging = execFileSync(
      join(env, 'bin', 'python'),
      ['-c', 'import jupyterlab, os; print(os.path.join(os.path.dirname(jupyterlab.__file__), "staging"))'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 60_000,
      },
    ).trim();
  } catch (e) {
    console.warn(`widgets: the Python environment ${env} could not say where JupyterLab is (${String(e.message).split('\n')[0]})`);
    return null;
  }
  if (!existsSync(join(staging, 'package.json'))) {
    console.warn(`widgets: the pinned JupyterLab has no core metadata at ${staging}/package.json`);
    return null;
  }
  return staging;
}

/** Where the builder reads JupyterLab's core metadata from, and why that one. */
export function jupyterlabCorePath() {
  const chosen = process.env.TUNELAB_JUPYTERLAB_CORE_PATH;
  if (chosen) {
    if (!existsSync(join(chosen, 'package.json')))
      throw new Error(`TUNELAB_JUPYTERLAB_CORE_PATH=${chosen} holds no package.json (JupyterLab's staging directory is meant)`);
    return { dir: chosen, source: '$TUNELAB_JUPYTERLAB_CORE_PATH' };
  }
  const pinned = pinnedJupyterlabCorePath();
  if (pinned) return { dir: pinned, source: 'the pinned Python environment' };
  return { dir: COMMITTED_CORE, source: 'the committed copy widgets/lab/core (no Python environment found)' };
}

export async function buildLabextension({ root, here, common }) {
  const lab = join(here, 'lab');
  const require = createRequire(join(root, 'package.json'));
  let builder;
  try {
    builder = require.resolve('@jupyterlab/builder/lib/build-labextension.js');
  } catch {
    console.warn('widgets: @jupyterlab/builder is not installed; skipping the JupyterLab extension.');
    return false;
  }
  const core = jupyterlabCorePath();
  const coreMeta = JSON.parse(readFileSync(join(core.dir, 'package.json'), 'utf8'));
  await esbuild.build({
    ...common,
    plugins: [],
    format: 'esm',
    entryPoints: [join(here, 'src', 'plugin.ts')],
    outfile: join(lab, 'lib', 'index.js'),
    external: ['@jupyter-widgets/base'],
  });
  execFileSync(process.execPath, [builder, '--core-path', core.dir, lab], { cwd: lab, stdio: ['ignore', 'ignore', 'inherit'] });
  const out = join(here, 'labextension', 'package.json');
  if (!existsSync(out)) throw new Error('build-labextension did not write widgets/labextension/package.json');
  console.log(
    `widgets: labextension built in widgets/labextension against JupyterLab ${coreMeta.version} (core metadata from ${core.source})`,
  );
  return true;
}

// `node widgets/labextension.mjs --update-core`: copy the pinned JupyterLab's core package.json over
// the committed one (after a change of the jupyterlab pin).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] !== '--update-core') {
    console.error('usage: node widgets/labextension.mjs --update-core');
    process.exit(2);
  }
  const pinned = pinnedJupyterlabCorePath();
  if (!pinned) {
    console.error('no pinned Python environment: run `bash scripts/python-env.sh` first');
    process.exit(1);
  }
  copyFileSync(join(pinned, 'package.json'), join(COMMITTED_CORE, 'package.json'));
  const { version } = JSON.parse(readFileSync(join(COMMITTED_CORE, 'package.json'), 'utf8'));
  console.log(`widgets/lab/core/package.json is now JupyterLab ${version}'s core metadata`);
}
