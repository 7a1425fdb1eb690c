/**
 * The static fallback of a widget display (text/html beside the widget view) follows the widget:
 * each display carries the widget's display_id, changes re-send the fallback with
 * update_display_data (at most once per interval, plus a flush at cell end), and a notebook executed
 * by `tunelab run` or by Jupyter's nbclient saves the snapshot of the final state.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { createStudy, RandomSampler, reprSymbol } from '../../src';
import { setDefaultObserverFactory, terminalProgressFactory } from '../../src/progress';
import { figureSnapshotSvg, setFigureDisplayHook } from '../../src/visualization/figure';
import {
  CVResults,
  flushAllWidgets,
  installWidgetSupport,
  IntSlider,
  Label,
  Plot,
  setCommTransport,
  setThrottleDefaults,
  StudyMonitor,
  VBox,
  widgetRegistry,
} from '../../widgets/kernel';
import { DISPLAY_ID_KEY } from '../../widgets/kernel/transport';
import { DEFAULT_FALLBACK_INTERVAL_MS, realClock } from '../../widgets/kernel/throttle';
import { FakeTransport, ManualClock } from './fakeTransport';
import { ROOT } from './browser';
import { PYTHON } from '../helpers/python';
import { RUN_NBCLIENT } from '../helpers/notebook';

const VIEW = 'application/vnd.jupyter.widget-view+json';
const STATE_MIME = 'application/vnd.jupyter.widget-state+json';

function modelIdOf(bundle: Record<string, unknown>): string {
  return (bundle[VIEW] as { model_id: string }).model_id;
}

describe('widget fallbacks follow later changes (fake transport)', () => {
  let t: FakeTransport;
  let clock: ManualClock;
  beforeEach(() => {
    t = new FakeTransport();
    clock = new ManualClock();
    setThrottleDefaults({ clock, intervalMs: 50, fallbackIntervalMs: 1000 });
    installWidgetSupport(t);
  });
  afterEach(() => {
    for (const w of [...widgetRegistry().values()]) w.close();
    setCommTransport(null);
    setDefaultObserverFactory(terminalProgressFactory);
    setFigureDisplayHook(null);
    setThrottleDefaults({ clock: realClock, intervalMs: 50, fallbackIntervalMs: 1000 });
  });

  it('a CVResults displayed empty ends with a fallback holding every fold, same model_id', () => {
    const cv = new CVResults({ metric: 'accuracy', nFolds: 3 });
    cv.display();
    assert.equal(t.displays.length, 1);
    const displayId = t.displays[0].opts?.displayId;
    assert.ok(displayId, 'the display carries a display_id');
    assert.doesNotMatch(String(t.displays[0].bundle['text/html']), /<tbody><tr>/);
    cv.addFold({ outerFold: 0, score: 0.91, params: { C: 1 } });
    cv.addFold({ outerFold: 1, score: 0.87, params: { C: 10 } });
    cv.addFold({ outerFold: 2, score: 0.89, params: { C: 1 } });
    flushAllWidgets();
    const last = t.displayUpdates[t.displayUpdates.length - 1];
    assert.equal(last.displayId, displayId);
    assert.equal(modelIdOf(last.bundle), modelIdOf(t.displays[0].bundle));
    const html = String(last.bundle['text/html']);
    assert.equal(html.match(/<tr><td>/g)?.length, 3);
    assert.match(html, /C=10/);
    assert.match(String(last.bundle['text/plain']), /3 fold\(s\)/);
  });

  it('with a widget frontend attached, sends no fallback update while a cell runs, only at the flush', () => {
    setThrottleDefaults({ clock, intervalMs: 50, fallbackIntervalMs: DEFAULT_FALLBACK_INTERVAL_MS });
    t.frontendOpen('jupyter.widget.control'); // what a widget manager does when it connects
    const cv = new CVResults({ metric: 'accuracy', nFolds: 2 });
    cv.display();
    cv.addFold({ outerFold: 0, score: 0.9, params: { C: 1 } });
    clock.advance(5_000);
    cv.addFold({ outerFold: 1, score: 0.8, params: { C: 2 } });
    clock.advance(5_000);
    assert.equal(t.displayUpdates.length, 0, 'the live view is not rebuilt mid-cell');
    flushAllWidgets();
    assert.equal(t.displayUpdates.length, 1);
    assert.equal(String(t.displayUpdates[0].bundle['text/html']).match(/<tr><td>/g)?.length, 2);
  });

  it('without a widget frontend, a live view (a study monitor) updates its fallback in place about once a second', async () => {
    setThrottleDefaults({ clock, intervalMs: 50, fallbackIntervalMs: DEFAULT_FALLBACK_INTERVAL_MS });
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    const monitor = new StudyMonitor(study, { nTrials: 20 });
    monitor.display({ liveFallback: false });
    const displayId = t.displays[0].opts?.displayId;
    // 20 trials over 10 simulated seconds, none of them reported to a widget manager.
    for (let i = 0; i < 20; i++) {
      clock.advance(500);
      const trial = await study.ask();
      await study.tell(trial, trial.suggestFloat('x', 0, 1));
      monitor.trialFinished(study.trials[study.trials.length - 1]);
    }
    const mid = t.displayUpdates.filter((u) => u.displayId === displayId);
    assert.ok(mid.length >= 5 && mid.length <= 12, `${mid.length} in-place updates over 10 s (expected about one a second)`);
    assert.match(String(mid[mid.length - 1].bundle['text/plain']), /1[89]|20/, 'the latest update shows a recent count');
    flushAllWidgets();
    assert.match(String(t.displayUpdates[t.displayUpdates.length - 1].bundle['text/plain']), /20/);
  });

  it('once a widget frontend connects, the live view stops sending fallback updates until the flush', async () => {
    setThrottleDefaults({ clock, intervalMs: 50, fallbackIntervalMs: DEFAULT_FALLBACK_INTERVAL_MS });
    const study = await createStudy({ sampler: new RandomSampler({ seed: 2 }) });
    const monitor = new StudyMonitor(study, { nTrials: 10 });
    monitor.display({ liveFallback: false });
    t.frontendOpen('jupyter.widget.control');
    for (let i = 0; i < 10; i++) {
      clock.advance(500);
      const trial = await study.ask();
      await study.tell(trial, trial.suggestFloat('x', 0, 1));
      monitor.trialFinished(study.trials[study.trials.length - 1]);
    }
    assert.equal(t.displayUpdates.length, 0, 'the widget manager renders the widget; nothing is sent twice');
    flushAllWidgets();
    assert.equal(t.displayUpdates.length, 1, 'the saved snapshot is refreshed once at the flush');
  });

  it('10,000 rapid changes send a bounded number of update_display_data, the last state last', () => {
    const s = new IntSlider({ value: 0, min: 0, max: 10_000, description: 'n' });
    s.display();
    // 10,000 changes over 10 simulated seconds.
    for (let i = 1; i <= 10_000; i++) {
      clock.advance(1);
      s.set({ value: i });
    }
    flushAllWidgets();
    const updates = t.displayUpdates.filter((u) => u.displayId === t.displays[0].opts?.displayId);
    // At most one per second (the first at once), plus the flush at cell end.
    assert.ok(updates.length >= 2 && updates.length <= 12, `${updates.length} update_display_data messages`);
    assert.match(String(updates[updates.length - 1].bundle['text/html']), /10000/);
    // Nothing changed since: another flush sends nothing.
    flushAllWidgets();
    assert.equal(t.displayUpdates.length, updates.length);
  });

  it('a Box refreshes when a Plot inside it gets points; the Plot model state is made whole first', () => {
    const plot = new Plot({ data: [{ type: 'bar', x: [], y: [] }], layout: {} });
    const box = new VBox([new Label('scores'), plot]);
    box.display();
    plot.extend({ 0: { x: ['relu', 'tanh'], y: [0.9, 0.8] } });
    flushAllWidgets();
    const last = t.displayUpdates[t.displayUpdates.length - 1];
    assert.equal(last.displayId, t.displays[0].opts?.displayId);
    assert.equal(modelIdOf(last.bundle), box.modelId);
    const html = String(last.bundle['text/html']);
    assert.match(html, />relu</);
    assert.match(html, />tanh</);
    // A frontend re-rendering the updated output builds the Plot view from the model state.
    const saved = t.savedState()[plot.modelId].state as { data: Array<{ x: string[] }> };
    assert.deepEqual(saved.data[0].x, ['relu', 'tanh']);
  });

  it('a change made by the frontend waits for the flush; an undisplayed widget never updates a display', () => {
    const s = new IntSlider({ value: 1, min: 0, max: 10 });
    const hidden = new IntSlider({ value: 1, min: 0, max: 10 });
    s.display();
    t.comms.get(s.modelId)!.receive({ method: 'update', state: { value: 5 } });
    assert.equal(t.displayUpdates.length, 0);
    hidden.set({ value: 9 });
    flushAllWidgets();
    assert.equal(t.displayUpdates.length, 1);
    assert.equal(t.displayUpdates[0].displayId, s[DISPLAY_ID_KEY]());
    assert.match(String(t.displayUpdates[0].bundle['text/html']), /5/);
  });

  it('the display_id the kernel asks for is the one updates use', () => {
    const cv = new CVResults();
    const id = cv[DISPLAY_ID_KEY]();
    t.display(cv[reprSymbol](), { displayId: id });
    cv.addFold({ outerFold: 0, score: 1 });
    assert.equal(t.displayUpdates.length, 1, 'the first change after a quiet second goes out at once');
    assert.equal(t.displayUpdates[0].displayId, id);
  });
});

describe('SVG snapshots', () => {
  const rectsOf = (svg: string, trace: number): Array<{ x: number; w: number }> => {
    const g = svg.match(new RegExp(`<g class="trace trace-${trace}"[^>]*>(.*?)</g>`))?.[1] ?? '';
    return [...g.matchAll(/<rect x="([\d.-]+)" y="[\d.-]+" width="([\d.-]+)"/g)].map((m) => ({ x: Number(m[1]), w: Number(m[2]) }));
  };

  it('a categorical x axis is labelled with the category names', () => {
    const svg = figureSnapshotSvg({ data: [{ type: 'scatter', mode: 'markers', x: ['relu', 'tanh', 'gelu', 'relu'], y: [1, 2, 3, 4] }] });
    const ticks = [...svg.matchAll(/<text class="xtick"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    assert.deepEqual(ticks, ['relu', 'tanh', 'gelu']);
  });

  it('horizontal bars (parameter importances) are labelled with the parameter names', () => {
    const svg = figureSnapshotSvg({ data: [{ type: 'bar', orientation: 'h', x: [0.2, 0.8], y: ['units', 'lr'] }] });
    const ticks = [...svg.matchAll(/<text class="ytick"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    assert.deepEqual(ticks, ['units', 'lr']);
  });

  it('grouped bars of two traces sit side by side without overlapping', () => {
    const svg = figureSnapshotSvg({
      data: [
        { type: 'bar', name: 'a', x: ['p', 'q', 'r'], y: [1, 2, 3] },
        { type: 'bar', name: 'b', x: ['p', 'q', 'r'], y: [3, 2, 1] },
      ],
    });
    const a = rectsOf(svg, 0);
    const b = rectsOf(svg, 1);
    assert.equal(a.length, 3);
    assert.equal(b.length, 3);
    for (let i = 0; i < 3; i++) {
      assert.ok(a[i].w > 0 && b[i].w > 0);
      // Coordinates are written with one decimal: allow that rounding.
      assert.ok(a[i].x + a[i].w <= b[i].x + 0.15, `bar ${i}: trace 0 ends at ${a[i].x + a[i].w}, trace 1 starts at ${b[i].x}`);
      if (i > 0) assert.ok(b[i - 1].x + b[i - 1].w < a[i].x, 'groups do not touch');
    }
  });

  it('per-point marker colours (plotRank colours by rank) are drawn point by point; a log axis is ticked at powers of ten', () => {
    const svg = figureSnapshotSvg({
      data: [
        {
          type: 'scatter',
          mode: 'markers',
          x: [1, 10, 1000, 5],
          y: [1, 2, 3, null],
          marker: { color: ['rgb(1,2,3)', 'rgb(4,5,6)', 'rgb(7,8,9)', 'rgb(0,0,0)'] },
        },
      ],
      layout: { xaxis: { type: 'log' } },
    });
    const fills = [...svg.matchAll(/class="point"[^>]*fill="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(fills, ['rgb(1,2,3)', 'rgb(4,5,6)', 'rgb(7,8,9)'], 'the point without a y is skipped with its colour');
    const ticks = [...svg.matchAll(/<text class="xtick"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    assert.deepEqual(ticks, ['1', '10', '100', '1000']);
  });

  it('a heatmap is drawn as one coloured cell per finite z value, with a colour scale', () => {
    const svg = figureSnapshotSvg({
      data: [
        {
          type: 'heatmap',
          x: ['a', 'b', 'c'],
          y: ['u', 'v'],
          z: [
            [1, 2, 3],
            [4, null, 6],
          ],
        },
      ],
    });
    const cells = svg.match(/<g class="trace trace-0 heatmap"[^>]*>(.*?)<\/g>/)?.[1] ?? '';
    const fills = [...cells.matchAll(/fill="(rgb\([^)]*\))"/g)].map((m) => m[1]);
    assert.equal(fills.length, 5);
    assert.equal(new Set(fills).size, 5, 'different values get different colours');
    assert.match(svg, /class="colorscale"/);
    assert.doesNotMatch(svg, /not drawn/);
  });
});

interface SavedNotebook {
  metadata: { widgets?: Record<string, { state: Record<string, { model_name: string; state: Record<string, unknown> }> }> };
  cells: Array<{ cell_type: string; outputs?: Array<{ output_type: string; data?: Record<string, unknown> }> }>;
}

/** The saved notebook's fallbacks: the CV table (cell 1) and the box with the late plot (cell 2). */
function checkSaved(path: string): void {
  const nb = JSON.parse(readFileSync(path, 'utf8')) as SavedNotebook;
  const text = (v: unknown) => (Array.isArray(v) ? v.join('') : String(v));
  const code = nb.cells.filter((c) => c.cell_type === 'code');
  const cvOut = code[0].outputs?.find((o) => o.data?.[VIEW]);
  assert.ok(cvOut, 'the CVResults result was saved');
  assert.equal(cvOut.output_type, 'execute_result');
  const cvHtml = text(cvOut.data!['text/html']);
  assert.equal(cvHtml.match(/<tr><td>/g)?.length, 3, `the CV fallback has the 3 fold rows: ${cvHtml}`);
  const state = nb.metadata.widgets![STATE_MIME].state;
  const cvModel = state[modelIdOf(cvOut.data!)];
  assert.equal(cvModel.model_name, 'CVResultsModel', 'the view still points at the same model');
  assert.equal((cvModel.state.rows as unknown[]).length, 3);
  const boxOut = code[1].outputs?.find((o) => o.data?.[VIEW]);
  assert.ok(boxOut);
  assert.equal(state[modelIdOf(boxOut.data!)].model_name, 'VBoxModel');
  const boxHtml = text(boxOut.data!['text/html']);
  for (const name of ['relu', 'tanh', 'gelu']) assert.match(boxHtml, new RegExp(`>${name}<`), `the box fallback shows ${name}`);
}

describe('executed notebooks save the final fallback', { timeout: 300_000 }, () => {
  const NOTEBOOK = join(ROOT, 'test', 'widgets', 'fixtures', 'late-fallback.ipynb');
  let work: string;
  before(() => {
    const cli = join(ROOT, 'dist', 'kernel', 'cli.js');
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first.`);
    work = mkdtempSync(join(tmpdir(), 'tunelab-fallback-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('tunelab run', () => {
    const out = join(work, 'run.ipynb');
    execFileSync(process.execPath, [join(ROOT, 'bin', 'tunelab.js'), 'run', NOTEBOOK, '--output', out], { stdio: 'pipe' });
    checkSaved(out);
  });

  it("Jupyter's nbclient", () => {
    const prefix = join(work, 'jupyter');
    execFileSync(process.execPath, [join(ROOT, 'bin', 'tunelab.js'), 'install', '--prefix', prefix], { stdio: 'pipe' });
    const out = join(work, 'nbclient.ipynb');
    const env = { ...process.env, JUPYTER_PATH: join(prefix, 'share', 'jupyter'), JUPYTER_RUNTIME_DIR: join(work, 'runtime') };
    execFileSync(PYTHON, [RUN_NBCLIENT, NOTEBOOK, out, 'tunelab', work, '120'], { env, stdio: 'pipe' });
    checkSaved(out);
  });
});
