/**
 * The prebuilt JupyterLab extension (widgets/labextension, built by @jupyterlab/builder). JupyterLab
 * itself cannot be installed here, so Chromium plays its part of the module-federation handshake:
 * load the remoteEntry named in package.json, init the container with a share scope that provides
 * @jupyter-widgets/base (as jupyterlab_widgets does), get './extension', activate the plugin with a
 * widget registry, and check the registered views extend *that* base (the singleton is shared, not
 * bundled) and render a StudyMonitor.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as esbuild from 'esbuild';
import { saveScreenshot, launchBrowser, ROOT } from './browser';
import { pythonBin } from '../helpers/python';

const LABEXT = join(ROOT, 'widgets', 'labextension');

describe('prebuilt JupyterLab extension', { timeout: 300_000 }, () => {
  let work: string;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let pkg: { name: string; jupyterlab: { _build: { load: string; extension: string }; sharedPackages: Record<string, unknown> } };

  before(async () => {
    if (!existsSync(join(LABEXT, 'package.json'))) throw new Error('widgets/labextension is missing: run `npm run build` first.');
    pkg = JSON.parse(readFileSync(join(LABEXT, 'package.json'), 'utf8'));
    work = mkdtempSync(join(tmpdir(), 'tunelab-labext-'));
    // The host side: @jupyter-widgets/base as JupyterLab would share it, in its own bundle.
    await esbuild.build({
      stdin: { contents: "import * as base from '@jupyter-widgets/base'; window.hostBase = base;", resolveDir: ROOT, loader: 'js' },
      bundle: true,
      format: 'iife',
      outfile: join(work, 'host-base.js'),
      define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
      loader: { '.css': 'empty' },
      logLevel: 'error',
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
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

  it('is built against the pinned JupyterLab: the committed core metadata is that JupyterLab\'s own', () => {
    // widgets/labextension.mjs builds against the environment's JupyterLab when there is one and
    // falls back to this committed copy; both must be the same file or builds would differ by machine.
    const found = execFileSync(
      pythonBin('python'),
      ['-c', 'import jupyterlab, os, json; print(json.dumps([os.path.join(os.path.dirname(jupyterlab.__file__), "staging"), jupyterlab.__version__]))'],
      { encoding: 'utf8' },
    );
    const [staging, version] = JSON.parse(found) as [string, string];
    const pinned = JSON.parse(readFileSync(join(staging, 'package.json'), 'utf8'));
    const committed = JSON.parse(readFileSync(join(ROOT, 'widgets', 'lab', 'core', 'package.json'), 'utf8'));
    assert.equal(pinned.name, '@jupyterlab/application-top');
    assert.equal(pinned.version, version, 'the staging package.json is the installed JupyterLab\'s');
    assert.deepEqual(committed, pinned, 'widgets/lab/core/package.json is stale: run `node widgets/labextension.mjs --update-core`');
    assert.ok(pinned.jupyterlab.singletonPackages.includes('@jupyterlab/services'));
  });

  it('`tunelab install` puts it where JupyterLab and Notebook 7 look for prebuilt extensions', () => {
    const prefix = join(work, 'prefix');
    execFileSync(process.execPath, [join(ROOT, 'bin', 'tunelab.js'), 'install', '--prefix', prefix], { stdio: 'pipe' });
    const installed = join(prefix, 'share', 'jupyter', 'labextensions', 'tunelab-widgets');
    const meta = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    assert.equal(meta.jupyterlab._build.load, pkg.jupyterlab._build.load);
    assert.ok(existsSync(join(installed, meta.jupyterlab._build.load)));
  });

  it('loads through module federation with the host base and renders a StudyMonitor', async () => {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const html = join(work, 'host.html');
    writeFileSync(html, '<!doctype html><html><body><div id="host"></div></body></html>');
    await page.goto(`file://${html}`);
    await page.addScriptTag({ path: join(work, 'host-base.js') });
    await page.addScriptTag({ url: `file://${join(LABEXT, pkg.jupyterlab._build.load)}` });
    const result = await page.evaluate(async (name) => {
      type Base = { DOMWidgetModel: { prototype: object }; DOMWidgetView: { prototype: object }; IJupyterWidgetRegistry: unknown; version?: string };
      const w = window as unknown as { hostBase: Base; _JUPYTERLAB: Record<string, { init(s: unknown): Promise<void>; get(m: string): Promise<() => { default: Record<string, unknown> }> }> };
      const base = w.hostBase;
      let baseRequested = 0;
      const scope = {
        '@jupyter-widgets/base': {
          '6.0.12': {
            get: () => {
              baseRequested++;
              return Promise.resolve(() => base);
            },
            from: 'jupyterlab_widgets',
            eager: false,
            loaded: 1,
          },
        },
      };
      const container = w._JUPYTERLAB[name];
      await container.init(scope);
      const plugin = (await container.get('./extension'))().default as {
        id: string;
        requires: unknown[];
        activate(app: unknown, reg: unknown): void;
      };
      const registered: Array<{ name: string; version: string; exports: Record<string, { prototype: object }> }> = [];
      plugin.activate({}, { registerWidget: (x: (typeof registered)[0]) => registered.push(x) });
      const ex = registered[0].exports;
      // Render a StudyMonitor view the way a widget manager does, with host-base classes.
      const model = new (ex.StudyMonitorModel as unknown as new (a: unknown, o: unknown) => { set(k: string, v: unknown): void })(
        { study_name: 'lab', n_trials: 10, n_finished: 4, n_complete: 4, status: 'running' },
        { model_id: 'm1', widget_manager: { get_model: () => undefined }, comm_live: false },
      );
      const view = new (ex.StudyMonitorView as unknown as new (o: unknown) => { render(): void; el: HTMLElement })({ model });
      view.render();
      document.getElementById('host')!.appendChild(view.el);
      return {
        id: plugin.id,
        requiresRegistry: plugin.requires[0] === base.IJupyterWidgetRegistry,
        registered: registered.map((r) => `${r.name}@${r.version}`),
        sharesBase: ex.PlotModel.prototype instanceof (base.DOMWidgetModel as unknown as new () => object) && ex.PlotView.prototype instanceof (base.DOMWidgetView as unknown as new () => object),
        baseRequested,
        progress: view.el.querySelector('.tl-bar')?.getAttribute('aria-valuenow'),
        names: Object.keys(ex).filter((k) => /Model$|View$/.test(k)).sort(),
      };
    }, pkg.name);
    await saveScreenshot(page, 'labextension-monitor.png');
    assert.equal(result.id, 'tunelab-widgets:plugin');
    assert.equal(result.requiresRegistry, true, 'the plugin asks for the host registry token');
    assert.deepEqual(result.registered, ['tunelab-widgets@0.1.0']);
    assert.equal(result.sharesBase, true, 'views extend the host @jupyter-widgets/base classes');
    assert.ok(result.baseRequested >= 1);
    assert.equal(result.progress, '40');
    assert.deepEqual(result.names, [
      'CVResultsModel',
      'CVResultsView',
      'PlotModel',
      'PlotView',
      'ScheduleViewModel',
      'ScheduleViewView',
      'StudyMonitorModel',
      'StudyMonitorView',
    ]);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
