/**
 * The plots as a first-time user sees them, rendered in Chromium: figures go through the widget
 * path (a displayed Figure becomes a live Plot widget, whose saved state the embed bundle renders
 * with plotly.js), and the static SVG fallback is drawn inline. Checks are DOM geometry: long
 * parameter names fully inside the figure and clear of the axis title, fallback legends inside the
 * SVG and off the plot area; plus every one of Optuna 5.0's plots rendering live, the Pareto front's
 * axes (metric names, log scale), the multi-objective monitor's headline and CVResults' inner table.
 * Screenshots go to test/artifacts/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import {
  createStudy,
  plotContour,
  plotEdf,
  plotHypervolumeHistory,
  plotIntermediateValues,
  plotOptimizationHistory,
  plotParallelCoordinate,
  plotParamImportances,
  plotParetoFront,
  plotRank,
  plotSlice,
  plotTerminatorImprovement,
  plotTimeline,
  RandomSampler,
  reprSymbol,
  TrialPruned,
  type Study,
} from '../../src';
import type { Figure } from '../../src/entries/visualization';
import { setDefaultObserverFactory, terminalProgressFactory } from '../../src/progress';
import { hypervolumeHistory } from '../../src/visualization';
import { figureSnapshotSvg, setFigureDisplayHook } from '../../src/visualization/figure';
import { CVResults, installWidgetSupport, setCommTransport, StudyMonitor, widgetRegistry } from '../../widgets/kernel';
import { FakeTransport } from './fakeTransport';
import { execFileSync } from 'node:child_process';
import { PYTHON } from '../helpers/python';
import { EMBED_JS, launchBrowser, saveScreenshot, scriptJson } from './browser';

const VIEW = 'application/vnd.jupyter.widget-view+json';
const STATE = 'application/vnd.jupyter.widget-state+json';

const LONG_NAMES = {
  'encoder.layers.0.attention.dropout_probability': 0.41,
  'optimizer.adam.learning_rate_warmup_steps': 0.27,
  x: 0.12,
  'regularization.weight_decay_for_all_non_bias_parameters': 0.11,
  batch_size: 0.09,
};

interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}
const overlaps = (a: Box, b: Box) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
const inside = (a: Box, outer: Box, slack = 0.5) =>
  a.left >= outer.left - slack && a.right <= outer.right + slack && a.top >= outer.top - slack && a.bottom <= outer.bottom + slack;

/** A page holding the widget state the fake kernel sent, one view per displayed model. */
function widgetPage(t: FakeTransport, modelIds: string[], width = 640): string {
  const views = modelIds
    .map(
      (id) =>
        `<div class="cell" data-model="${id}" style="width:${width}px;margin-bottom:12px"><script type="${VIEW}">${scriptJson({ model_id: id, version_major: 2, version_minor: 0 })}</script></div>`,
    )
    .join('');
  const state = { version_major: 2, version_minor: 0, state: t.savedState() };
  return (
    '<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:16px;font-family:sans-serif">' +
    views +
    `<script type="${STATE}">${scriptJson(state)}</script><script src="file://${EMBED_JS}"></script></body></html>`
  );
}

const pagesDir = mkdtempSync(join(tmpdir(), 'tunelab-plot-render-'));
let pageCount = 0;

/** Open the page from a file: a page set from a string (about:blank) may not load file:// scripts. */
async function openWidgets(page: Page, html: string): Promise<void> {
  const file = join(pagesDir, `page-${pageCount++}.html`);
  writeFileSync(file, html);
  await page.goto(`file://${file}`, { waitUntil: 'load', timeout: 60_000 });
  await page.waitForFunction(() => document.documentElement.dataset.tunelabWidgets !== undefined, null, { timeout: 60_000 });
  const report = await page.evaluate(
    () => (window as unknown as { tunelabWidgets: { rendered: Promise<{ errors: string[] }> } }).tunelabWidgets.rendered,
  );
  assert.deepEqual(report.errors, [], 'the embed bundle rendered every view');
}

/** Display a figure the way a notebook cell does; returns the Plot widget's model id. */
function displayFigure(fig: Figure): string {
  const bundle = fig[reprSymbol]();
  const view = bundle[VIEW] as { model_id: string } | undefined;
  assert.ok(view, `"${fig.title}" became a widget`);
  return view.model_id;
}

describe('plots rendered in Chromium', { timeout: 300_000 }, () => {
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let t: FakeTransport;
  let single: Study;
  let multi: Study;

  before(async () => {
    if (!existsSync(EMBED_JS)) throw new Error(`${EMBED_JS} is missing: run \`npm run build\` first.`);
    browser = await launchBrowser();
    single = await createStudy({ studyName: 'render-single', sampler: new RandomSampler({ seed: 5 }) });
    await single.optimize(
      (trial) => {
        const lr = trial.suggestFloat('lr', 1e-4, 1e-1, { log: true });
        const units = trial.suggestInt('units', 4, 64);
        const act = trial.suggestCategorical('act', ['relu', 'tanh']);
        let loss = 0;
        for (let step = 0; step < 4; step++) {
          loss = Math.abs(Math.log10(lr) + 2.5) + 10 / units + (act === 'tanh' ? 0.3 : 0) + 1 / (step + 1);
          trial.report(loss, step);
          if (step === 1 && loss > 2.6) throw new TrialPruned();
        }
        return loss;
      },
      { nTrials: 30, showProgressBar: false },
    );
    multi = await createStudy({ studyName: 'render-multi', directions: ['minimize', 'minimize'], sampler: new RandomSampler({ seed: 6 }) });
    await multi.setMetricNames(['latency_ms', 'error_rate']);
    await multi.optimize(
      (trial) => {
        const x = trial.suggestFloat('x', 0, 1);
        // Latency spans four orders of magnitude: a linear axis squashes most trials against 0.
        return [10 ** (4 * x), 0.5 * (1 - x) + 0.01];
      },
      { nTrials: 30, showProgressBar: false },
    );
  });
  after(async () => {
    await browser?.close();
    rmSync(pagesDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    t = new FakeTransport();
    installWidgetSupport(t);
  });
  afterEach(() => {
    for (const w of [...widgetRegistry().values()]) w.close();
    setCommTransport(null);
    setDefaultObserverFactory(terminalProgressFactory);
    setFigureDisplayHook(null);
  });

  it('importance plot (plotly): long parameter names are inside the figure and clear of the axis title', async () => {
    const id = displayFigure(plotParamImportances(single, { importances: LONG_NAMES }));
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await openWidgets(page, widgetPage(t, [id], 640));
    await page.waitForSelector('.tunelab-plot .ytick text', { timeout: 30_000 });
    const geo = await page.evaluate(() => {
      const box = (e: Element) => {
        const r = e.getBoundingClientRect();
        return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, text: e.textContent ?? '' };
      };
      const svg = document.querySelector('.tunelab-plot svg.main-svg')!;
      return {
        svg: box(svg),
        ticks: [...document.querySelectorAll('.tunelab-plot .ytick text')].map(box),
        title: box(document.querySelector('.tunelab-plot .ytitle')!),
      };
    });
    await saveScreenshot(page, 'importance-long-names.png');
    assert.deepEqual(errors, []);
    assert.deepEqual(geo.ticks.map((b) => b.text).sort(), Object.keys(LONG_NAMES).sort(), 'every parameter name is shown in full');
    for (const tick of geo.ticks) {
      assert.ok(inside(tick, geo.svg), `"${tick.text}" ${JSON.stringify(tick)} lies inside the figure ${JSON.stringify(geo.svg)}`);
      assert.ok(
        !overlaps(tick, geo.title),
        `"${tick.text}" ${JSON.stringify(tick)} is clear of the axis title ${JSON.stringify(geo.title)}`,
      );
    }
    assert.ok(inside(geo.title, geo.svg), 'the axis title is inside the figure');
    await page.close();
  });

  async function inlineSvg(page: Page, svgs: string[]): Promise<void> {
    await page.setContent(
      `<!doctype html><html><body style="margin:16px">${svgs.map((s) => `<div class="snap">${s}</div>`).join('')}</body></html>`,
    );
  }

  /** Geometry of one inline SVG snapshot (user units = px: the SVG is drawn at its own size). */
  function snapshotGeometry(page: Page, index: number) {
    return page.evaluate((i) => {
      const svg = document.querySelectorAll('.snap svg')[i] as SVGSVGElement;
      const box = (e: Element) => {
        const r = e.getBoundingClientRect();
        return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, text: e.textContent ?? '' };
      };
      return {
        svg: box(svg),
        plotArea: box(svg.querySelector('.plotarea')!),
        ticks: [...svg.querySelectorAll('.ytick')].map(box),
        ytitle: box(svg.querySelector('.ytitle')!),
        legend: [...svg.querySelectorAll('.legend text, .legend rect')].map(box),
        legendTexts: [...svg.querySelectorAll('.legend text')].map((e) => e.textContent ?? ''),
      };
    }, index);
  }

  it('SVG fallback: long parameter names inside the SVG and clear of the title; legends inside and off the plot', async () => {
    const importance = figureSnapshotSvg(plotParamImportances(single, { importances: LONG_NAMES }));
    // 40 learning curves: more legend rows than the plot's height holds.
    const manyCurves = {
      data: Array.from({ length: 40 }, (_, i) => ({
        type: 'scatter',
        mode: 'lines',
        name: `Trial${i}`,
        x: [0, 1, 2],
        y: [i, i / 2, i / 3],
      })),
      layout: {
        title: { text: 'Intermediate Values Plot' },
        xaxis: { title: { text: 'Step' } },
        yaxis: { title: { text: 'Intermediate Value' } },
      },
    };
    const curves = figureSnapshotSvg(manyCurves);
    const named = figureSnapshotSvg({
      data: [
        { type: 'scatter', mode: 'lines', name: 'validation loss of the very long experiment name number one', x: [0, 1, 2], y: [3, 2, 1] },
        { type: 'scatter', mode: 'lines', name: 'train', x: [0, 1, 2], y: [2, 1.5, 1.2] },
      ],
      layout: { title: { text: 'two curves' }, xaxis: { title: { text: 'epoch' } }, yaxis: { title: { text: 'loss' } } },
    });
    const page = await browser.context.newPage();
    await inlineSvg(page, [importance, curves, named]);
    await saveScreenshot(page, 'svg-fallback-layout.png');

    const imp = await snapshotGeometry(page, 0);
    assert.equal(imp.ticks.length, Object.keys(LONG_NAMES).length);
    for (const tick of imp.ticks) {
      assert.ok(inside(tick, imp.svg), `"${tick.text}" ${JSON.stringify(tick)} inside the SVG ${JSON.stringify(imp.svg)}`);
      assert.ok(!overlaps(tick, imp.ytitle), `"${tick.text}" clear of the y title ${JSON.stringify(imp.ytitle)}`);
      assert.ok(tick.right <= imp.plotArea.left + 0.5, `"${tick.text}" ends before the plot area`);
    }
    assert.ok(inside(imp.ytitle, imp.svg), 'the y title is inside the SVG');
    // Names are cut only beyond 40% of the width (the 55-character one), keeping a prefix.
    const shown = new Map(imp.ticks.map((b) => [b.text.replace(/…$/, ''), b.text]));
    for (const name of Object.keys(LONG_NAMES)) {
      const text = [...shown.entries()].find(([prefix]) => name.startsWith(prefix) && prefix.length >= Math.min(name.length, 30))?.[1];
      assert.ok(text, `"${name}" is shown (in full or as a long prefix): ${[...shown.values()].join(' | ')}`);
      if (name.length <= 45) assert.equal(text, name, `"${name}" is shown in full`);
    }

    for (const index of [1, 2]) {
      const g = await snapshotGeometry(page, index);
      assert.ok(g.legend.length > 0, `snapshot ${index} has a legend`);
      for (const item of g.legend) {
        assert.ok(inside(item, g.svg), `legend item "${item.text}" ${JSON.stringify(item)} inside the SVG ${JSON.stringify(g.svg)}`);
        assert.ok(!overlaps(item, g.plotArea), `legend item "${item.text}" off the plot area ${JSON.stringify(g.plotArea)}`);
      }
    }
    const many = await snapshotGeometry(page, 1);
    const curvesDrawn = manyCurves.data.length;
    assert.match(many.legendTexts[many.legendTexts.length - 1], /^\+\d+ more$/, 'rows that do not fit are summarised');
    const shownCount = many.legendTexts.length - 1 + Number(many.legendTexts[many.legendTexts.length - 1].match(/\d+/)![0]);
    assert.equal(shownCount, curvesDrawn, 'shown entries plus "+N more" account for every curve');
    await page.close();
  });

  it("all of Optuna 5.0's plots render live through the widget path", async () => {
    const hvRef = [2e4, 1];
    // A terminator history as data (the Terminator module computes it; terminatorPlot.test.ts checks the figure against Optuna's).
    const complete = single.trials.filter((x) => x.values);
    const history = {
      trialNumbers: complete.map((x) => x.number),
      improvements: complete.map((_, i) => 1 / (i + 1)),
      errors: complete.map(() => 0.1),
    };
    const figures: Array<[string, Figure]> = [
      ['plot_contour', plotContour(single, { params: ['lr', 'units'] })],
      ['plot_edf', plotEdf(single)],
      ['plot_hypervolume_history', plotHypervolumeHistory(multi, hvRef)],
      ['plot_intermediate_values', plotIntermediateValues(single)],
      ['plot_optimization_history', plotOptimizationHistory(single)],
      ['plot_parallel_coordinate', plotParallelCoordinate(single)],
      ['plot_param_importances', plotParamImportances(single)],
      ['plot_pareto_front', plotParetoFront(multi)],
      ['plot_rank', plotRank(single)],
      ['plot_slice', plotSlice(single)],
      ['plot_terminator_improvement', plotTerminatorImprovement(single, { history, plotError: true, minNTrials: 5 })],
      ['plot_timeline', plotTimeline(single)],
    ];
    // None of Optuna's plots is missing: its plot_* functions, listed by Optuna itself.
    const optunaPlots = JSON.parse(
      execFileSync(
        PYTHON,
        ['-c', "import json, optuna.visualization as v; print(json.dumps(sorted(n for n in v.__all__ if n.startswith('plot_'))))"],
        { encoding: 'utf8' },
      ),
    ) as string[];
    assert.deepEqual(figures.map(([name]) => name).sort(), optunaPlots);
    const ids = figures.map(([, f]) => displayFigure(f));
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await openWidgets(page, widgetPage(t, ids, 640));
    await page.waitForFunction((n) => document.querySelectorAll('.tunelab-plot .js-plotly-plot .main-svg').length >= n, ids.length, {
      timeout: 60_000,
    });
    const drawn = await page.evaluate((modelIds) => {
      return modelIds.map((id) => {
        const cell = document.querySelector(`.cell[data-model="${id}"]`)!;
        const gd = cell.querySelector('.js-plotly-plot') as
          (HTMLElement & { data?: unknown[]; _fullData?: Array<{ visible: unknown }> }) | null;
        return {
          traces: gd?.data?.length ?? -1,
          // Drawn marks: scatter points and lines, bars, contour fills, parcoords lines.
          marks: cell.querySelectorAll('.point, .js-line, .bars path, .contourfill path, .parcoords .axis-title, .js-fill').length,
          title: cell.querySelector('.gtitle')?.textContent ?? '',
        };
      });
    }, ids);
    await saveScreenshot(page, 'all-plots-live.png');
    assert.deepEqual(errors, []);
    figures.forEach(([name, fig], i) => {
      assert.equal(drawn[i].traces, fig.data.length, `${name}: every trace reached plotly`);
      assert.ok(drawn[i].marks > 0, `${name}: something is drawn (${JSON.stringify(drawn[i])})`);
      assert.equal(drawn[i].title, fig.title, `${name}: titled`);
    });
    await page.close();
  });

  it('Pareto front: metric names from the study as axis titles, a log axis for values spanning orders of magnitude', async () => {
    const fig = plotParetoFront(multi);
    const id = displayFigure(fig);
    const page = await browser.context.newPage();
    await openWidgets(page, widgetPage(t, [id], 640));
    await page.waitForSelector('.tunelab-plot .xtitle', { timeout: 30_000 });
    const seen = await page.evaluate(() => {
      const gd = document.querySelector('.tunelab-plot .js-plotly-plot') as HTMLElement & {
        _fullLayout: { xaxis: { type: string }; yaxis: { type: string } };
      };
      return {
        xtitle: document.querySelector('.tunelab-plot .xtitle')?.textContent,
        ytitle: document.querySelector('.tunelab-plot .ytitle')?.textContent,
        xtype: gd._fullLayout.xaxis.type,
        ytype: gd._fullLayout.yaxis.type,
      };
    });
    await saveScreenshot(page, 'pareto-front-axes.png');
    assert.deepEqual(seen, { xtitle: 'latency_ms', ytitle: 'error_rate', xtype: 'log', ytype: 'linear' });
    // The user can choose.
    assert.equal((plotParetoFront(multi, { axisType: 'linear' }).layout.xaxis as { type: string }).type, 'linear');
    assert.equal((plotParetoFront(multi, { targetNames: ['a', 'b'] }).layout.xaxis as { title: { text: string } }).title.text, 'a');
    await page.close();
  });

  it('a multi-objective monitor shows the Pareto front size and hypervolume instead of "best value: —"', async () => {
    const ref = [2e4, 1];
    const monitor = new StudyMonitor(multi, { nTrials: multi.trials.length, referencePoint: ref });
    monitor.display();
    for (const trial of multi.trials) monitor.trialFinished(trial);
    monitor.finish();
    const one = new StudyMonitor(single, { nTrials: single.trials.length });
    one.display();
    for (const trial of single.trials) one.trialFinished(trial);
    one.finish();
    const page = await browser.context.newPage();
    await openWidgets(page, widgetPage(t, [monitor.modelId, one.modelId], 640));
    await page.waitForFunction(() => document.querySelectorAll('.tunelab-study-monitor .tl-best').length === 2, null, { timeout: 30_000 });
    const [text, singleText] = await page.evaluate(() =>
      [...document.querySelectorAll('.tunelab-study-monitor .tl-best')].map((e) => e.textContent ?? ''),
    );
    assert.equal(
      singleText,
      `best value: ${Number(single.bestValue.toPrecision(6))} (trial ${single.bestTrial.number})`,
      'one objective keeps its best value',
    );
    await saveScreenshot(page, 'monitor-multi-objective.png');
    const front = multi.bestTrials.length;
    const hv = hypervolumeHistory(multi, ref).values.at(-1)!; // checked against Optuna in newPlots.test.ts
    const m = text.match(/^Pareto front: (\d+) trials? · hypervolume ([\d.e+-]+) \(reference \[/);
    assert.ok(m, `the headline reads "${text}"`);
    assert.equal(Number(m[1]), front);
    assert.ok(Math.abs(Number(m[2]) - hv) <= 1e-5 * hv, `hypervolume ${m[2]} vs ${hv}`);
    assert.doesNotMatch(text, /best value/);
    await page.close();
  });

  it('a figure drawn before its cell is attached fits its box once attached, even off-screen in a skipped cell', async () => {
    // JupyterLab 4.6 windows notebooks with content-visibility by default: an output area below the
    // viewport is attached but not laid out, and ResizeObserver reports nothing for it until it is
    // scrolled to. A view rendered before its output area is attached (as after a page reload) has
    // drawn at plotly's 700 px fallback; it must fit its box when attached, not when first seen.
    const id = displayFigure(plotOptimizationHistory(single));
    const state = { version_major: 2, version_minor: 0, state: t.savedState() };
    const html =
      '<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:16px">' +
      '<div style="height:3000px">cells above</div>' +
      '<div id="cell" style="content-visibility:auto;contain-intrinsic-size:auto 400px;width:568px"><div id="host"></div></div>' +
      `<script type="${STATE}">${scriptJson(state)}</script><script src="file://${EMBED_JS}"></script></body></html>`;
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await openWidgets(page, html);
    const seen = await page.evaluate(async (modelId) => {
      type View = { el: HTMLElement };
      type Manager = {
        set_state(s: unknown): Promise<Array<{ model_id: string }>>;
        create_view(m: unknown): Promise<View>;
        display_view(v: View, host: HTMLElement): Promise<unknown>;
      };
      const w = window as unknown as { tunelabWidgets: { createManager(): Manager } };
      const manager = w.tunelabWidgets.createManager();
      const saved = JSON.parse(document.querySelector('script[type="application/vnd.jupyter.widget-state+json"]')!.textContent!);
      const model = (await manager.set_state(saved)).find((m) => m.model_id === modelId);
      const view = await manager.create_view(model);
      const drawnWidth = () => Number(view.el.querySelector('svg.main-svg')?.getAttribute('width') ?? 0);
      const wait = async (ok: () => boolean, ms: number) => {
        for (const end = Date.now() + ms; !ok() && Date.now() < end;) await new Promise((r) => setTimeout(r, 50));
      };
      await wait(() => drawnWidth() > 0, 10_000);
      const detached = drawnWidth();
      const host = document.getElementById('host')!;
      await manager.display_view(view, host);
      const box = () => view.el.querySelector<HTMLElement>('.js-plotly-plot')!.clientWidth;
      await wait(() => drawnWidth() === box(), 5_000);
      // The cell's contents, not the cell itself, are what the browser skips.
      const skipped = !(host as HTMLElement & { checkVisibility(o: object): boolean }).checkVisibility({ contentVisibilityAuto: true });
      return { detached, box: box(), drawn: drawnWidth(), skipped };
    }, id);
    assert.deepEqual(errors, []);
    assert.equal(seen.detached, 700, 'drawn before it was attached, plotly fell back to 700 px');
    assert.ok(seen.skipped, `the cell is still off-screen and skipped by the browser (${JSON.stringify(seen)})`);
    assert.equal(seen.drawn, seen.box, `the figure fits its box (${JSON.stringify(seen)})`);
    assert.ok(seen.box > 500 && seen.box <= 568, `the box is the cell's width (${seen.box})`);
    await page.close();
  });

  it('CVResults: an expanded fold shows its inner results as a key/value table across the widget', async () => {
    const cv = new CVResults({ metric: 'accuracy', nFolds: 2 });
    cv.display();
    cv.addFold({
      outerFold: 0,
      score: 0.91,
      params: { C: 1 },
      innerResults: [
        { params: { C: 1, kernel: 'rbf' }, mean: 0.9, std: 0.012 },
        { params: { C: 10, kernel: 'rbf' }, mean: 0.88, std: 0.02 },
      ],
    });
    cv.addFold({ outerFold: 1, score: 0.87, params: { C: 10 }, innerResults: { bestScore: 0.9, refitSeconds: 1.25 } });
    cv.flush();
    const page = await browser.context.newPage();
    await openWidgets(page, widgetPage(t, [cv.modelId], 720));
    await page.waitForSelector('.tunelab-cv .tl-cv-toggle', { timeout: 30_000 });
    const toggles = await page.$$('.tunelab-cv .tl-cv-toggle');
    assert.equal(toggles.length, 2);
    assert.equal(await page.locator('.tl-cv-detail:not([hidden])').count(), 0, 'folded at first');
    for (const t of toggles) await t.click();
    const seen = await page.evaluate(() => {
      const tables = [...document.querySelectorAll('.tl-cv-detail:not([hidden]) table.tl-cv-inner')];
      const cells = (tr: Element) => [...tr.children].map((c) => c.textContent);
      const outer = document.querySelector('.tl-cv-table')!.getBoundingClientRect();
      return {
        candidates: {
          head: cells(tables[0].querySelector('thead tr')!),
          rows: [...(tables[0] as HTMLTableElement).tBodies[0].rows].map(cells),
        },
        keyValues: [...tables[1].querySelectorAll('tbody tr')].map(cells),
        // The detail spans the whole table rather than one narrow column.
        widthRatio: tables[0].closest('td')!.getBoundingClientRect().width / outer.width,
        pre: document.querySelectorAll('.tunelab-cv pre').length,
      };
    });
    await saveScreenshot(page, 'cv-results-inner.png');
    assert.deepEqual(seen.candidates, {
      head: ['params.C', 'params.kernel', 'mean', 'std'],
      rows: [
        ['1', 'rbf', '0.9', '0.012'],
        ['10', 'rbf', '0.88', '0.02'],
      ],
    });
    assert.deepEqual(seen.keyValues, [
      ['bestScore', '0.9'],
      ['refitSeconds', '1.25'],
    ]);
    assert.ok(seen.widthRatio > 0.95, `the detail row spans the table (${seen.widthRatio})`);
    assert.equal(seen.pre, 0, 'no raw JSON');
    await page.close();
  });
});
