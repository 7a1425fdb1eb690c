// Builds widgets/labextension/ — the prebuilt JupyterLab extension — with JupyterLab's own builder
// (@jupyterlab/builder, what `jupyter labextension build` runs): webpack module federation with
// @jupyter-widgets/base shared as a singleton that is not bundled.
//   1. esbuild compiles widgets/src/plugin.ts (+ views + plotly) to widgets/lab/lib/index.js as an
//      ES module with @jupyter-widgets/base left as an import;
//   2. build-labextension turns widgets/lab into widgets/labextension/{package.json, static/...}.
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

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
  await esbuild.build({
    ...common,
    plugins: [],
    format: 'esm',
    entryPoints: [join(here, 'src', 'plugin.ts')],
    outfile: join(lab, 'lib', 'index.js'),
    external: ['@jupyter-widgets/base'],
  });
  execFileSync(process.execPath, [builder, '--core-path', join(lab, 'core'), lab], { cwd: lab, stdio: ['ignore', 'ignore', 'inherit'] });
  const out = join(here, 'labextension', 'package.json');
  if (!existsSync(out)) throw new Error('build-labextension did not write widgets/labextension/package.json');
  console.log('widgets: labextension built in widgets/labextension');
  return true;
}
