// Builds the browser side of tunelab's widgets with esbuild:
//   widgets/dist/embed.js   self-contained IIFE for offline HTML reports and standalone pages
//   widgets/dist/live.js    the same views plus a widget manager that talks to a live kernel through
//                           @jupyterlab/services (used by the live browser test and demo pages)
//   widgets/labextension/   the prebuilt JupyterLab extension (see labextension.mjs)
// Usage: node widgets/build.mjs [--no-labextension]
import * as esbuild from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

// esbuild does not type-check: the views are checked against the real @jupyter-widgets/base types first.
{
  const { execFileSync } = await import('node:child_process');
  const { createRequire } = await import('node:module');
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.json')], { stdio: 'inherit' });
}
const dist = join(here, 'dist');
mkdirSync(dist, { recursive: true });

// 1. One flat stylesheet for the standard controls (fonts dropped: icons are not needed offline).
const cssResult = await esbuild.build({
  stdin: {
    contents: [
      '@jupyter-widgets/controls/css/widgets-base.css',
      '@jupyter-widgets/controls/css/labvariables.css',
      '@lumino/widgets/style/index.css',
    ]
      .map((p) => `@import '${p}';`)
      .join('\n'),
    resolveDir: root,
    loader: 'css',
  },
  bundle: true,
  write: false,
  minify: true,
  loader: { '.woff': 'empty', '.woff2': 'empty', '.ttf': 'empty', '.eot': 'empty', '.svg': 'dataurl', '.png': 'dataurl' },
  logLevel: 'warning',
});
const controlsCss = cssResult.outputFiles[0].text;

/** CSS imported from JS (html-manager requires the controls' CSS lazily) is already in the flat sheet. */
const cssPlugin = {
  name: 'tunelab-css',
  setup(build) {
    build.onResolve({ filter: /^tunelab:controls-css$/ }, () => ({ path: 'controls-css', namespace: 'tunelab-css' }));
    build.onLoad({ filter: /.*/, namespace: 'tunelab-css' }, () => ({ contents: controlsCss, loader: 'text' }));
    build.onResolve({ filter: /\.css$/ }, (args) => ({ path: args.path, namespace: 'tunelab-empty-css' }));
    build.onLoad({ filter: /.*/, namespace: 'tunelab-empty-css' }, () => ({ contents: '', loader: 'js' }));
  },
};

const common = {
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome100', 'firefox100', 'safari15'],
  minify: !process.env.TUNELAB_DEBUG_BUILD,
  sourcemap: false,
  legalComments: 'none',
  // `define: undefined`: pages that load require.js (nbconvert's, classic Notebook's) must not make
  // the UMD libraries inside the bundle register as AMD modules instead of returning their exports.
  define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis', define: 'undefined' },
  plugins: [cssPlugin],
  logLevel: 'warning',
  // Fonts referenced by CSS that html-manager imports from JS are dropped (see cssPlugin).
  loader: { '.woff': 'empty', '.woff2': 'empty', '.ttf': 'empty', '.eot': 'empty', '.svg': 'dataurl' },
};

const entries = [
  ['embed', join(here, 'src/embed.ts')],
  ['live', join(here, 'src/live.ts')],
];
const sizes = {};
for (const [name, entry] of entries) {
  const out = join(dist, `${name}.js`);
  await esbuild.build({ ...common, entryPoints: [entry], outfile: out, metafile: false });
  const { statSync } = await import('node:fs');
  sizes[name] = statSync(out).size;
}
writeFileSync(join(dist, 'build-info.json'), JSON.stringify({ built: new Date().toISOString(), sizes }, null, 2));
console.log(
  `widgets: ${Object.entries(sizes)
    .map(([k, v]) => `${k}.js ${(v / 1e6).toFixed(2)} MB`)
    .join(', ')}`,
);

import { existsSync } from 'node:fs';
if (!process.argv.includes('--no-labextension') && existsSync(join(here, 'labextension.mjs'))) {
  const { buildLabextension } = await import('./labextension.mjs');
  await buildLabextension({ root, here, common });
}
