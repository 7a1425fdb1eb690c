// Interoperability with Jupyter itself: the installed `tunelab` kernelspec runs under Jupyter's
// nbclient and under `jupyter nbconvert --execute`, and `tunelab run` on the same notebook gives
// the same outputs and widget state. Also the runner's own features: parameters, failure, the
// offline HTML report, timeouts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT, assertBuilt } from './helpers';
import { PYTHON, pythonBin } from '../helpers/python';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'kernel');
const BIN = path.join(ROOT, 'bin', 'tunelab.js');
const PY = PYTHON;

type Json = Record<string, unknown>;

function tunelab(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: opts.env ?? process.env,
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function text(v: unknown): string {
  return Array.isArray(v) ? v.join('') : String(v);
}

/**
 * What a reader sees: per code cell the outputs with multi-line strings joined, consecutive
 * stream chunks merged (how they are chunked depends on timing), widget model ids replaced by
 * their order of appearance; plus the saved widget state under the same renaming.
 */
function normalize(nb: Json): Json {
  const ids = new Map<string, string>();
  const rename = (id: string) => {
    if (!ids.has(id)) ids.set(id, `model-${ids.size}`);
    return ids.get(id)!;
  };
  const cells = (nb.cells as Json[])
    .filter((c) => c.cell_type === 'code')
    .map((c) => {
      const outs: Json[] = [];
      for (const o of (c.outputs as Json[]) ?? []) {
        if (o.output_type === 'stream') {
          const last = outs.at(-1);
          if (last && last.output_type === 'stream' && last.name === o.name) {
            last.text = String(last.text) + text(o.text);
            continue;
          }
          outs.push({ output_type: 'stream', name: o.name, text: text(o.text) });
        } else if (o.output_type === 'error') {
          outs.push({ output_type: 'error', ename: o.ename, evalue: o.evalue });
        } else {
          const data: Json = {};
          for (const [mime, v] of Object.entries(o.data as Json)) {
            if (mime === 'application/vnd.jupyter.widget-view+json') {
              const view = v as Json;
              data[mime] = { ...view, model_id: rename(String(view.model_id)) };
            } else data[mime] = typeof v === 'string' || Array.isArray(v) ? text(v) : v;
          }
          outs.push({
            output_type: o.output_type,
            data,
            ...(o.output_type === 'execute_result' ? { execution_count: o.execution_count } : {}),
          });
        }
      }
      return { execution_count: c.execution_count, outputs: outs };
    });
  const saved = ((nb.metadata as Json).widgets as Json | undefined)?.['application/vnd.jupyter.widget-state+json'] as Json | undefined;
  const state: Json = {};
  for (const [id, s] of Object.entries((saved?.state as Json) ?? {})) state[rename(id)] = s;
  return { cells, widgets: saved ? { version_major: saved.version_major, version_minor: saved.version_minor, state } : undefined };
}

describe('interoperability with Jupyter (nbclient, nbconvert) and tunelab run', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tunelab-interop-'));
  const prefix = path.join(dir, 'prefix');
  const env = { ...process.env, JUPYTER_PATH: path.join(prefix, 'share', 'jupyter'), JUPYTER_DATA_DIR: path.join(dir, 'data') };
  const notebook = path.join(dir, 'interop.ipynb');
  before(() => {
    assertBuilt();
    copyFileSync(path.join(FIXTURES, 'interop.ipynb'), notebook);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('installs the kernelspec where Jupyter finds it', () => {
    const r = tunelab(['install', '--prefix', prefix]);
    assert.equal(r.status, 0, r.stderr);
    const spec = JSON.parse(readFileSync(path.join(prefix, 'share', 'jupyter', 'kernels', 'tunelab', 'kernel.json'), 'utf8')) as Json;
    assert.equal(spec.display_name, 'TypeScript (tunelab)');
    assert.equal(spec.language, 'typescript');
    assert.equal(spec.interrupt_mode, 'message');
    assert.deepEqual((spec.argv as string[]).slice(-3), ['kernel', '--connection-file', '{connection_file}']);
    // Ask jupyter_client itself (Debian ships no `jupyter kernelspec` command).
    const list = spawnSync(
      PY,
      [
        '-c',
        'import json; from jupyter_client.kernelspec import KernelSpecManager; print(json.dumps(KernelSpecManager().get_all_specs()))',
      ],
      { env, encoding: 'utf8' },
    );
    assert.equal(list.status, 0, list.stderr);
    const specs = JSON.parse(list.stdout) as Record<string, { resource_dir: string; spec: Json }>;
    assert.equal(specs.tunelab?.spec.display_name, 'TypeScript (tunelab)');
    assert.equal(specs.tunelab.resource_dir, path.join(prefix, 'share', 'jupyter', 'kernels', 'tunelab'));
  });

  let viaNbclient: Json;
  it("executes the notebook with Jupyter's nbclient", () => {
    const out = path.join(dir, 'nbclient.ipynb');
    const r = spawnSync(PY, [path.join(FIXTURES, 'run_nbclient.py'), notebook, out, 'tunelab', dir], {
      env,
      encoding: 'utf8',
      timeout: 180_000,
    });
    assert.equal(r.status, 0, r.stderr);
    viaNbclient = JSON.parse(readFileSync(out, 'utf8')) as Json;
    const n = normalize(viaNbclient);
    const cells = n.cells as Array<{ outputs: Json[] }>;
    assert.deepEqual(cells[1].outputs, [
      { output_type: 'stream', name: 'stdout', text: 'hello 3\n' },
      { output_type: 'execute_result', data: { 'text/plain': '6' }, execution_count: 2 },
    ]);
    const widgets = n.widgets as { state: Record<string, { model_name: string; state: Json }> };
    assert.equal(widgets.state['model-0'].model_name, 'HTMLModel');
    assert.equal(widgets.state['model-0'].state.value, '<i>second</i>', 'nbclient recorded the update sent by the cell');
  });

  it('runs under jupyter nbconvert --to notebook --execute', () => {
    const r = spawnSync(
      pythonBin('jupyter'),
      [
        'nbconvert',
        '--to',
        'notebook',
        '--execute',
        '--ExecutePreprocessor.kernel_name=tunelab',
        '--output',
        'nbconvert.ipynb',
        '--output-dir',
        dir,
        notebook,
      ],
      { env, encoding: 'utf8', timeout: 180_000, cwd: dir },
    );
    assert.equal(r.status, 0, r.stderr);
    const nb = JSON.parse(readFileSync(path.join(dir, 'nbconvert.ipynb'), 'utf8')) as Json;
    assert.deepEqual(normalize(nb), normalize(viaNbclient));
  });

  it('tunelab run gives the same outputs and widget state as nbclient, and an offline HTML report', () => {
    const out = path.join(dir, 'tunelab.ipynb');
    const html = path.join(dir, 'report.html');
    const r = tunelab(['run', notebook, '--output', out, '--html', html], { env });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /\[7\/7\]/, 'progress is shown per cell');
    const nb = JSON.parse(readFileSync(out, 'utf8')) as Json;
    assert.deepEqual(normalize(nb), normalize(viaNbclient));

    const page = readFileSync(html, 'utf8');
    assert.match(page, /<h1>Interop notebook<\/h1>/, 'markdown is rendered');
    assert.match(page, /<strong>Jupyter&#39;s tools<\/strong>|<strong>Jupyter's tools<\/strong>/);
    assert.match(page, /<b>bold<\/b>/, 'text/html output inlined');
    assert.match(page, /class="output-error"|hello 3/);
    const state = /<script type="application\/vnd\.jupyter\.widget-state\+json">([\s\S]*?)<\/script>/.exec(page);
    assert.ok(state, 'the widget state script is embedded');
    const saved = JSON.parse(state[1]) as { state: Record<string, { state: Json }> };
    const [modelId] = Object.keys(saved.state);
    assert.equal(saved.state[modelId].state.value, '<i>second</i>');
    const view = /<script type="application\/vnd\.jupyter\.widget-view\+json">([\s\S]*?)<\/script>/.exec(page);
    assert.ok(view, 'each widget output has a view script');
    assert.equal((JSON.parse(view[1]) as Json).model_id, modelId);
    assert.match(
      page,
      /class="tunelab-widget-fallback"><pre class="output-text">HTML\(\)<\/pre><\/div>\n<script type="application\/vnd\.jupyter\.widget-view\+json">/,
    );
    if (existsSync(path.join(ROOT, 'widgets', 'dist', 'embed.js'))) {
      assert.ok(page.length > 100_000, 'the widget bundle is inlined');
    }
    assert.doesNotMatch(page, /<script[^>]+src=|<link[^>]+href=["']https?:/i, 'no external scripts or stylesheets');
  });

  it('the HTML report renders its widgets offline in Chromium, without any network request', async () => {
    const { chromium } = await import('playwright-core');
    const profile = mkdtempSync(path.join(os.tmpdir(), 'tunelab-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
    try {
      const network: string[] = [];
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
        network.push(url);
        return route.abort();
      });
      const page = await context.newPage();
      await page.goto(`file://${path.join(dir, 'report.html')}`);
      const bundled = existsSync(path.join(ROOT, 'widgets', 'dist', 'embed.js'));
      if (bundled) {
        await page.waitForFunction(() => document.documentElement.dataset.tunelabWidgets !== undefined, undefined, { timeout: 60_000 });
        assert.equal(await page.evaluate(() => document.documentElement.dataset.tunelabWidgets), 'rendered');
        const widgetText = await page.evaluate(() => document.querySelector('.widget-subarea')?.textContent ?? '');
        assert.match(widgetText, /second/, 'the HTML widget shows its saved value');
      } else {
        assert.match(await page.evaluate(() => document.querySelector('.tunelab-widget-fallback')?.textContent ?? ''), /HTML\(\)/);
      }
      assert.match(await page.evaluate(() => document.querySelector('h1')?.textContent ?? ''), /Interop notebook/);
      assert.deepEqual(network, [], 'the report fetched nothing from the network');
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });

  it('injects parameters after the cell tagged "parameters"', () => {
    const out = path.join(dir, 'params.ipynb');
    const r = tunelab(['run', notebook, '--output', out, '--param', 'n=5', '--param', 'greeting=bonjour'], { env });
    assert.equal(r.status, 0, r.stderr);
    const nb = JSON.parse(readFileSync(out, 'utf8')) as { cells: Json[] };
    const tagged = nb.cells.findIndex((c) => ((c.metadata as Json).tags as string[] | undefined)?.includes('parameters'));
    const injected = nb.cells[tagged + 1];
    assert.deepEqual((injected.metadata as Json).tags, ['injected-parameters']);
    assert.equal(text(injected.source), '// Parameters injected by tunelab run\nlet n = 5;\nlet greeting = "bonjour";');
    const printed = (nb.cells[tagged + 2].outputs as Json[]).map((o) => text(o.text ?? '')).join('');
    assert.equal(printed, 'bonjour 5\n');
  });

  it('stops at the first error with a non-zero status and shows the error', () => {
    const failing = path.join(dir, 'failing.ipynb');
    const nb = JSON.parse(readFileSync(notebook, 'utf8')) as { cells: Json[] };
    nb.cells.splice(3, 0, {
      cell_type: 'code',
      metadata: {},
      source: "throw new Error('planned failure');",
      outputs: [],
      execution_count: null,
    });
    writeFileSync(failing, JSON.stringify(nb));
    const out = path.join(dir, 'failing-out.ipynb');
    const r = tunelab(['run', failing, '--output', out], { env });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Error: planned failure/);
    const done = JSON.parse(readFileSync(out, 'utf8')) as { cells: Json[] };
    const err = (done.cells[3].outputs as Json[])[0];
    assert.equal(err.output_type, 'error');
    assert.equal(err.evalue, 'planned failure');
    assert.equal(done.cells[4].execution_count, null, 'later cells did not run');
  });

  it('interrupts a cell that exceeds --timeout and fails', () => {
    const slow = path.join(dir, 'slow.ipynb');
    writeFileSync(
      slow,
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [{ cell_type: 'code', metadata: {}, source: 'while (true) {}', outputs: [], execution_count: null }],
      }),
    );
    const r = tunelab(['run', slow, '--timeout', '1', '--output', path.join(dir, 'slow-out.ipynb')], { env });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /CellTimeoutError/);
  });

  it('uninstalls the kernelspec', () => {
    const r = tunelab(['uninstall', '--prefix', prefix]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(existsSync(path.join(prefix, 'share', 'jupyter', 'kernels', 'tunelab')), false);
  });
});
