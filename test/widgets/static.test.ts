/**
 * Static widget state in a real browser. The same notebook is executed by `tunelab run` and by
 * Jupyter's own nbclient (tunelab kernel from a temporary kernelspec); the widget state each saves
 * is rendered in Chromium by our embed bundle — in tunelab's HTML report and in nbconvert's HTML —
 * and must show a full progress bar and one history point per complete trial.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { saveScreenshot, EMBED_JS, launchBrowser, ROOT } from './browser';
import { PYTHON } from '../helpers/python';
import { RUN_NBCLIENT } from '../helpers/notebook';

const NOTEBOOK = join(ROOT, 'test', 'widgets', 'fixtures', 'study-widgets.ipynb');
const CONTROLS = join(ROOT, 'test', 'widgets', 'fixtures', 'controls.ipynb');
const STATE_MIME = 'application/vnd.jupyter.widget-state+json';

interface Executed {
  nb: {
    metadata: Record<string, unknown>;
    cells: Array<{ outputs?: Array<{ output_type: string; name?: string; text?: string | string[] }> }>;
  };
  /** What the notebook itself printed about its trials (an independent count). */
  printed: { complete: number[]; best: number };
}

function readExecuted(path: string): Executed {
  const nb = JSON.parse(readFileSync(path, 'utf8')) as Executed['nb'];
  // stdout: the optimize cell's stderr holds the trials' log lines.
  const stream = nb.cells.flatMap((c) => c.outputs ?? []).find((o) => o.output_type === 'stream' && o.name === 'stdout');
  assert.ok(stream, 'the last cell prints the complete trials');
  const text = Array.isArray(stream.text) ? stream.text.join('') : String(stream.text);
  return { nb, printed: JSON.parse(text.trim().split('\n').pop()!) };
}

/** Read what the rendered widgets show. */
async function inspectRendered(
  page: Page,
): Promise<{ progress: string | null; pctText: string; status: string; failure: string; points: number; xs: number[] }> {
  await page.waitForFunction(() => document.documentElement.dataset.tunelabWidgets !== undefined, null, { timeout: 60_000 });
  await page.waitForSelector('.tunelab-plot .scatterlayer .trace', { timeout: 30_000 });
  return page.evaluate(() => {
    const bar = document.querySelector('.tunelab-study-monitor .tl-bar');
    const plot = document.querySelector('.tunelab-plot .js-plotly-plot') as (HTMLElement & { data?: Array<{ x: number[] }> }) | null;
    const firstTrace = document.querySelector('.tunelab-plot .scatterlayer .trace');
    return {
      progress: bar?.getAttribute('aria-valuenow') ?? null,
      pctText: document.querySelector('.tunelab-study-monitor .tl-pct')?.textContent ?? '',
      status: document.querySelector('.tunelab-study-monitor .tl-status')?.textContent ?? '',
      failure: document.querySelector('.tunelab-study-monitor .tl-failure')?.textContent ?? '',
      points: firstTrace ? firstTrace.querySelectorAll('.point').length : -1,
      xs: plot?.data?.[0]?.x ?? [],
    };
  });
}

describe('saved widget state renders in a real browser', { timeout: 600_000 }, () => {
  let work: string;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;

  before(async () => {
    for (const f of [EMBED_JS, join(ROOT, 'dist', 'kernel', 'cli.js')]) {
      if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run build\` first (it builds the kernel and the widget bundles).`);
    }
    work = mkdtempSync(join(tmpdir(), 'tunelab-static-'));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('tunelab run: the HTML report shows 100% and one history point per complete trial', async () => {
    const out = join(work, 'run.ipynb');
    const html = join(work, 'run.html');
    execFileSync(process.execPath, [join(ROOT, 'bin', 'tunelab.js'), 'run', NOTEBOOK, '--output', out, '--html', html], { stdio: 'pipe' });
    const { nb, printed } = readExecuted(out);
    assert.ok(nb.metadata.widgets, 'the executed notebook carries widget state');
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`file://${html}`);
    const seen = await inspectRendered(page);
    await page.waitForTimeout(300);
    await saveScreenshot(page, 'static-tunelab-run.png');
    assert.equal(seen.progress, '100');
    assert.equal(seen.pctText, '100%');
    assert.equal(seen.status, 'finished');
    assert.equal(seen.points, printed.complete.length);
    assert.deepEqual(seen.xs, printed.complete);
    // The monitor shows the latest failure (the notebook's objective fails for x > 3).
    const failed = Array.from({ length: 25 }, (_, i) => i).filter((n) => !printed.complete.includes(n));
    assert.equal(seen.failure, failed.length > 0 ? `last failure: trial ${failed.at(-1)}: Error: this region fails on purpose` : '');
    // The static fallback was replaced by the live view.
    const hiddenFallbacks = await page.$$eval(
      '.tunelab-widget-fallback',
      (els) => els.filter((e) => (e as HTMLElement).style.display === 'none').length,
    );
    assert.equal(hiddenFallbacks, 2);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('every control, Output, ScheduleView, CVResults and a displayed figure render from kernel state', async () => {
    const out = join(work, 'controls.ipynb');
    const html = join(work, 'controls.html');
    execFileSync(process.execPath, [join(ROOT, 'bin', 'tunelab.js'), 'run', CONTROLS, '--output', out, '--html', html], { stdio: 'pipe' });
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`file://${html}`);
    await page.waitForFunction(() => document.documentElement.dataset.tunelabWidgets !== undefined, null, { timeout: 60_000 });
    await page.waitForSelector('.tunelab-plot .scatterlayer .trace', { timeout: 30_000 });
    const report = await page.evaluate(
      () => (window as unknown as { tunelabWidgets: { rendered: Promise<unknown> } }).tunelabWidgets.rendered,
    );
    assert.deepEqual(report, { models: 40, views: 6, errors: [] });
    const seen = await page.evaluate(() => {
      const text = (sel: string) => [...document.querySelectorAll(sel)].map((e) => (e.textContent ?? '').trim());
      const bar = document.querySelector('.widget-hprogress .progress-bar') as HTMLElement | null;
      const plot = document.querySelector('.tunelab-plot .js-plotly-plot') as (HTMLElement & { data?: Array<{ x: unknown[] }> }) | null;
      return {
        tabs: text('.widget-tab .lm-TabBar-tabLabel'),
        readouts: text('.widget-readout'),
        progressWidth: bar?.style.width ?? null,
        label: text('.widget-label'),
        output: text('.widget-output'),
        cvRows: document.querySelectorAll('.tunelab-cv .tl-cv-table > tbody > tr:not(.tl-cv-detail)').length,
        cvInner: text('.tunelab-cv .tl-cv-toggle'),
        cvSummary: text('.tl-cv-summary')[0],
        scheduleMarker: document.querySelectorAll('.tunelab-schedule .scatterlayer .trace:nth-child(2) .point').length,
        slicePoints: (plot?.data ?? []).map((d) => d.x.length),
      };
    });
    await saveScreenshot(page, 'static-controls.png');
    assert.deepEqual(seen.tabs, ['numbers', 'choices']);
    assert.deepEqual(seen.readouts, ['7', '0.50']);
    assert.equal(seen.progressWidth, '75%');
    assert.ok(seen.label.includes('three of four'));
    assert.ok(
      seen.output.some((t) => t.includes('captured line') && t.includes('shown inside the output')),
      `Output shows ${JSON.stringify(seen.output)}`,
    );
    assert.ok(seen.label.includes('shown inside the output'), 'the Label displayed inside the Output is a live widget');
    assert.equal(seen.cvRows, 3);
    assert.deepEqual(seen.cvInner, ['▸ 2 candidates']);
    assert.match(seen.cvSummary, /^3\/3 folds: accuracy 0\.89 ± 0\.0163/);
    assert.equal(seen.scheduleMarker, 1);
    assert.deepEqual(seen.slicePoints, [15, 15]);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("Jupyter's nbclient: the saved state renders in nbconvert's HTML with our embed bundle", async () => {
    const prefix = join(work, 'jupyter');
    execFileSync(process.execPath, [join(ROOT, 'bin', 'tunelab.js'), 'install', '--prefix', prefix], { stdio: 'pipe' });
    const out = join(work, 'nbclient.ipynb');
    const html = join(work, 'nbclient.html');
    const env = { ...process.env, JUPYTER_PATH: join(prefix, 'share', 'jupyter'), JUPYTER_RUNTIME_DIR: join(work, 'runtime') };
    execFileSync(PYTHON, [RUN_NBCLIENT, NOTEBOOK, out, 'tunelab', work, '300'], { env, stdio: 'pipe' });
    const { nb, printed } = readExecuted(out);
    const state = (nb.metadata.widgets as Record<string, { state: Record<string, { model_name: string }> }>)[STATE_MIME].state;
    assert.deepEqual(
      Object.values(state)
        .map((m) => m.model_name)
        .sort(),
      ['PlotModel', 'StudyMonitorModel'],
    );
    execFileSync(
      PYTHON,
      ['-m', 'nbconvert', '--to', 'html', `--HTMLExporter.widget_renderer_url=file://${EMBED_JS}`, '--output', html, out],
      { env, stdio: 'pipe' },
    );
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // nbconvert's page also asks a CDN for require.js and MathJax: there is no network here.
    await page.route(/^https?:/, (route) => route.abort());
    await page.goto(`file://${html}`);
    const seen = await inspectRendered(page);
    await page.waitForTimeout(300);
    await saveScreenshot(page, 'static-nbclient.png');
    assert.equal(seen.progress, '100');
    assert.equal(seen.status, 'finished');
    assert.equal(seen.points, printed.complete.length);
    assert.deepEqual(seen.xs, printed.complete);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
