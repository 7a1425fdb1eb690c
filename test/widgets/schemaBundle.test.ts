/**
 * The shared widget schema (widgets/schema.ts) on the browser side, in Chromium: every model the
 * schema declares is registered by each built bundle with exactly the schema's defaults.
 *   - embed.js and live.js: a model created through the bundle's own widget manager (html-manager
 *     resolving module 'tunelab-widgets' with the bundle's loader) holds DOMWidgetModel's defaults
 *     plus the schema's, nothing else;
 *   - the JupyterLab extension (widgets/lab/lib/index.js, what @jupyterlab/builder packs): its
 *     plugin registers the module under the schema's name and version, and each model's defaults()
 *     adds exactly the schema's to those of @jupyter-widgets/base (a stand-in here, as JupyterLab
 *     provides the real one at run time).
 * Needs `npm run build` (or `npm run build:widgets`). The kernel side is schema.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { modelDefaults, TUNELAB_MODELS, TUNELAB_MODULE, TUNELAB_MODULE_VERSION, type TunelabModelName } from '../../widgets/schema';
// Spelled through ../widgets/ so that test/run.mjs files this test in the integration tier (Chromium, built bundles).
import { EMBED_JS, launchBrowser, LIVE_JS, ROOT } from '../widgets/browser';

const LAB_JS = join(ROOT, 'widgets', 'lab', 'lib', 'index.js');
const ORIGIN = 'http://tunelab-schema.test';
const MODEL_NAMES = Object.keys(TUNELAB_MODELS).sort() as TunelabModelName[];
const MODELS = MODEL_NAMES.map((name) => TUNELAB_MODELS[name]);

/** What a stand-in @jupyter-widgets/base's DOMWidgetModel.defaults() returns. */
const STAND_IN_BASE_DEFAULTS = { _dom_classes: [], stand_in_base: true };
const BASE_STAND_IN = `
export class DOMWidgetModel { defaults() { return ${JSON.stringify(STAND_IN_BASE_DEFAULTS)}; } }
export class DOMWidgetView {}
export const IJupyterWidgetRegistry = { name: 'stand-in IJupyterWidgetRegistry' };
`;

const PAGES: Record<string, { body: string; type: string }> = {
  '/embed.html': { body: '<!doctype html><html><body><script src="/embed.js"></script></body></html>', type: 'text/html' },
  '/live.html': { body: '<!doctype html><html><body><script src="/live.js"></script></body></html>', type: 'text/html' },
  '/lab.html': {
    body: `<!doctype html><html><head><script type="importmap">{"imports": {"@jupyter-widgets/base": "/base-stand-in.js"}}</script></head><body></body></html>`,
    type: 'text/html',
  },
  '/base-stand-in.js': { body: BASE_STAND_IN, type: 'text/javascript' },
};
const FILES: Record<string, string> = { '/embed.js': EMBED_JS, '/live.js': LIVE_JS, '/lab/index.js': LAB_JS };

type Json = Record<string, unknown>;
interface ModelSpecForPage {
  modelName: string;
  viewName: string;
  module: string;
  version: string;
}
/** The part of a @jupyter-widgets widget manager the page uses. */
interface PageManager {
  new_model(options: {
    model_name: string;
    model_module: string;
    model_module_version: string;
    model_id: string;
  }): Promise<{ attributes: Json }>;
}

async function openPage(context: BrowserContext, path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`${ORIGIN}${path}`, { timeout: 60_000 });
  return { page, errors };
}

/**
 * In the page: every schema model created by a manager of the bundle, with DOMWidgetModel from
 * @jupyter-widgets/base for comparison, as plain JSON.
 */
async function modelsFromManager(
  page: Page,
  makeManager: string,
): Promise<{ base: Json; models: Record<string, Json>; exported: string[] }> {
  return page.evaluate(
    async ({ models, makeManager }) => {
      const made = new Function(`return (${makeManager})();`)() as { manager: PageManager; views: Record<string, unknown> };
      const json = (v: unknown) => JSON.parse(JSON.stringify(v)) as Json;
      const base = await made.manager.new_model({
        model_name: 'DOMWidgetModel',
        model_module: '@jupyter-widgets/base',
        model_module_version: '2.0.0',
        model_id: 'schema-base',
      });
      const out: Record<string, Json> = {};
      for (const m of models) {
        const model = await made.manager.new_model({
          model_name: m.modelName,
          model_module: m.module,
          model_module_version: m.version,
          model_id: `schema-${m.modelName}`,
        });
        out[m.modelName] = json(model.attributes);
      }
      const exported = Object.keys(made.views).filter((k) => typeof made.views[k] === 'function' && /(Model|View)$/.test(k));
      return { base: json(base.attributes), models: out, exported };
    },
    { models: MODELS as ModelSpecForPage[], makeManager },
  );
}

/** Every schema model and view class, and no other, is exported by the module the bundle registers. */
function assertExportsMatchSchema(exported: string[], bundle: string): void {
  const expected = MODELS.flatMap((m) => [m.modelName, m.viewName]).sort();
  assert.deepEqual([...exported].sort(), expected, `${bundle}: the model and view classes of module ${TUNELAB_MODULE} are the schema's`);
}

describe('the shared widget schema, browser bundles', { timeout: 240_000 }, () => {
  let context: BrowserContext;
  let close: () => Promise<void>;

  before(async () => {
    for (const f of Object.values(FILES)) assert.ok(existsSync(f), `${f} is missing: run \`npm run build\` first`);
    ({ context, close } = await launchBrowser());
    await context.route(`${ORIGIN}/**`, async (route) => {
      const path = new URL(route.request().url()).pathname;
      const page = PAGES[path];
      if (page) return route.fulfill({ status: 200, contentType: page.type, body: page.body });
      const file = FILES[path];
      if (file) return route.fulfill({ status: 200, contentType: 'text/javascript', body: readFileSync(file, 'utf8') });
      return route.fulfill({ status: 404, body: `no ${path}` });
    });
  });

  after(async () => {
    await close?.();
  });

  for (const [bundle, path, makeManager] of [
    ['embed.js', '/embed.html', '() => ({ manager: window.tunelabWidgets.createManager(), views: window.tunelabWidgets.views })'],
    [
      'live.js',
      '/live.html',
      // A kernel that is never used: new_model without a comm only needs the manager to exist.
      '() => ({ manager: new window.tunelabLive.KernelWidgetManager({ registerCommTarget() {} }), views: window.tunelabLive.views })',
    ],
  ] as const) {
    it(`${bundle}: each schema model made by the bundle's widget manager holds DOMWidgetModel's defaults plus exactly the schema's`, async () => {
      const { page, errors } = await openPage(context, path);
      try {
        const { base, models, exported } = await modelsFromManager(page, makeManager);
        // DOMWidgetModel keeps WidgetModel's _model_name and adds the DOM attributes (_dom_classes...).
        assert.ok(
          base._model_module === '@jupyter-widgets/base' && '_dom_classes' in base,
          `the comparison model is @jupyter-widgets/base's DOMWidgetModel: ${JSON.stringify(base)}`,
        );
        assertExportsMatchSchema(exported, bundle);
        for (const name of MODEL_NAMES) {
          assert.deepEqual(models[name], { ...base, ...modelDefaults(name) }, `${bundle}: ${name}'s initial attributes`);
          assert.equal(models[name]._model_module_version, TUNELAB_MODULE_VERSION);
        }
        assert.deepEqual(errors, [], `${bundle}: no page errors`);
      } finally {
        await page.close();
      }
    });
  }

  it("the JupyterLab extension registers module tunelab-widgets at the schema's version, each model with exactly the schema's defaults", async () => {
    const { page, errors } = await openPage(context, '/lab.html');
    try {
      const result = await page.evaluate(async () => {
        // Through Function: tsx would turn an import() written here into require(), which the page lacks.
        const lib = (await (new Function('return import("/lab/index.js")') as () => Promise<unknown>)()) as {
          default: {
            id: string;
            activate(
              app: unknown,
              registry: { registerWidget(w: { name: string; version: string; exports: Record<string, unknown> }): void },
            ): void;
          };
        };
        const registered: Array<{ name: string; version: string; exports: Record<string, unknown> }> = [];
        lib.default.activate(null, { registerWidget: (w) => registered.push(w) });
        return registered.map((r) => {
          const classes = Object.keys(r.exports).filter((k) => typeof r.exports[k] === 'function' && /(Model|View)$/.test(k));
          const defaults: Record<string, Json> = {};
          for (const k of classes.filter((c) => c.endsWith('Model'))) {
            const Model = r.exports[k] as new () => { defaults(): Json };
            defaults[k] = JSON.parse(JSON.stringify(new Model().defaults())) as Json;
          }
          return { pluginId: lib.default.id, name: r.name, version: r.version, classes, defaults };
        });
      });
      assert.equal(result.length, 1, `the plugin registers one module: ${JSON.stringify(result.map((r) => r.name))}`);
      const [reg] = result;
      assert.equal(reg.pluginId, 'tunelab-widgets:plugin');
      assert.equal(reg.name, TUNELAB_MODULE);
      assert.equal(reg.version, TUNELAB_MODULE_VERSION);
      assertExportsMatchSchema(reg.classes, 'the JupyterLab extension');
      for (const name of MODEL_NAMES) {
        assert.deepEqual(reg.defaults[name], { ...STAND_IN_BASE_DEFAULTS, ...modelDefaults(name) }, `the extension's ${name}.defaults()`);
      }
      assert.deepEqual(errors, [], 'no page errors');
    } finally {
      await page.close();
    }
  });
});
