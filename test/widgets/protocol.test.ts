import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createStudy, reprSymbol, RandomSampler } from '../../src';
import { setDefaultObserverFactory, terminalProgressFactory } from '../../src/progress';
import { Figure, setFigureDisplayHook } from '../../src/visualization/figure';
import {
  Button,
  Checkbox,
  CVResults,
  Dropdown,
  FloatProgress,
  FloatSlider,
  HBox,
  HTML,
  installWidgetSupport,
  IntProgress,
  IntSlider,
  Label,
  Output,
  Plot,
  paretoFrontLive,
  ScheduleView,
  setCommTransport,
  setThrottleDefaults,
  StudyMonitor,
  Tab,
  VBox,
  widgetRegistry,
  type Widget,
} from '../../widgets/kernel';
import { realClock } from '../../widgets/kernel/throttle';
import { FakeTransport, ManualClock } from './fakeTransport';
import { parsePlotMessage } from '../../widgets/schema';

const VIEW = 'application/vnd.jupyter.widget-view+json';

function reset(): void {
  setCommTransport(null);
  setDefaultObserverFactory(terminalProgressFactory);
  setFigureDisplayHook(null);
  setThrottleDefaults({ clock: realClock, intervalMs: 50 });
  for (const w of [...widgetRegistry().values()]) w.close();
}

function everyWidget(): Widget[] {
  return [
    new IntProgress({ value: 3, max: 10 }),
    new FloatProgress({ value: 0.5 }),
    new HTML('<b>hi</b>'),
    new Label('plain'),
    new Button({ description: 'Go' }),
    new Dropdown({ options: ['a', 'b'], value: 'b' }),
    new IntSlider({ value: 5 }),
    new FloatSlider({ value: 2.5 }),
    new Checkbox({ value: true, description: 'on' }),
    new VBox([new Label('x')]),
    new HBox([new Label('y')]),
    new Tab([new Label('z')], { titles: ['one'] }),
    new Output(),
    new Plot({ data: [{ type: 'scatter', x: [1], y: [2] }] }),
    new ScheduleView({
      name: 'constant',
      values: [
        [0, 0.1],
        [9, 0.1],
      ],
    }),
    new CVResults(),
  ];
}

describe('outside a kernel (no transport)', () => {
  beforeEach(reset);
  afterEach(reset);
  it('widgets are inert: nothing throws, nothing is sent, repr has only the fallback', () => {
    for (const w of everyWidget()) {
      assert.equal(w.isLive, false);
      w.set({ description: 'changed' });
      w.display();
      w.flush();
      const bundle = w[reprSymbol]();
      assert.equal(VIEW in bundle, false, `${w.spec.modelName} must not claim a widget view without a kernel`);
      assert.equal(typeof bundle['text/plain'], 'string');
      assert.equal(typeof bundle['text/html'], 'string');
    }
  });
  it('a Figure renders as plotly JSON plus an SVG snapshot', () => {
    const b = new Figure({ data: [{ type: 'scatter', mode: 'markers', x: [0, 1, 2], y: [3, 1, 2] }], layout: { title: 'T' } })[
      reprSymbol
    ]();
    assert.deepEqual((b['application/vnd.plotly.v1+json'] as { data: unknown[] }).data.length, 1);
    assert.match(String(b['image/svg+xml']), /^<svg[^>]*>/);
    assert.equal((String(b['image/svg+xml']).match(/class="point"/g) ?? []).length, 3);
  });
  it("a Figure's title reads as its SVG snapshot draws it, whatever form plotly's title takes", () => {
    for (const [title, text] of [
      ['T', 'T'],
      [{ text: 'Loss' }, 'Loss'],
      [{ text: 2026 }, '2026'],
      [{ font: { size: 12 } }, ''],
      [undefined, ''],
    ] as const) {
      const fig = new Figure({ data: [{ type: 'scatter', x: [0, 1], y: [1, 0] }], layout: { title } });
      assert.equal(fig.title, text);
      if (text) assert.match(String(fig[reprSymbol]()['image/svg+xml']), new RegExp(`>${text}</text>`));
    }
  });
});

describe('widget protocol 2.1 with a kernel transport', () => {
  let t: FakeTransport;
  let clock: ManualClock;
  beforeEach(() => {
    reset();
    t = new FakeTransport();
    clock = new ManualClock();
    setThrottleDefaults({ clock, intervalMs: 50 });
    installWidgetSupport(t);
  });
  afterEach(reset);

  it('opens a jupyter.widget comm with version 2.1.0 and the full state, layouts as IPY_MODEL_ refs', () => {
    const s = new IntSlider({ value: 7, min: 0, max: 9, description: 'n' });
    const open = t.messagesFor(s.modelId)[0];
    assert.equal(open.kind, 'open');
    assert.equal(open.targetName, 'jupyter.widget');
    assert.deepEqual(open.metadata, { version: '2.1.0' });
    const state = open.data.state as Record<string, unknown>;
    assert.equal(state._model_name, 'IntSliderModel');
    assert.equal(state._model_module, '@jupyter-widgets/controls');
    assert.equal(state._model_module_version, '2.0.0');
    assert.equal(state._view_name, 'IntSliderView');
    assert.equal(state.value, 7);
    assert.deepEqual(open.data.buffer_paths, []);
    const layoutId = String(state.layout).replace(/^IPY_MODEL_/, '');
    const layoutOpen = t.messagesFor(layoutId)[0];
    assert.equal((layoutOpen.data.state as Record<string, unknown>)._model_name, 'LayoutModel');
    assert.equal((layoutOpen.data.state as Record<string, unknown>)._model_module, '@jupyter-widgets/base');
    const style = t.messagesFor(String(state.style).slice(10))[0];
    assert.equal((style.data.state as Record<string, unknown>)._model_name, 'SliderStyleModel');
    // The display bundle carries the view and a fallback.
    const b = s[reprSymbol]();
    assert.deepEqual(b[VIEW], { model_id: s.modelId, version_major: 2, version_minor: 0 });
    assert.equal(b['text/plain'], 'n: 7');
  });

  it('a frontend update is applied, observed, and echoed back as echo_update', () => {
    const s = new FloatSlider({ value: 1 });
    const seen: number[] = [];
    s.onChange((v) => seen.push(v));
    t.comms.get(s.modelId)!.receive({ method: 'update', state: { value: 4.5 }, buffer_paths: [] });
    assert.equal(s.value, 4.5);
    assert.deepEqual(seen, [4.5]);
    const last = t.messagesFor(s.modelId).at(-1)!;
    assert.deepEqual(last.data, { method: 'echo_update', state: { value: 4.5 }, buffer_paths: [] });
    // No redundant `update` of the same value follows.
    clock.advance(1000);
    assert.equal(t.messagesFor(s.modelId).filter((m) => m.data.method === 'update').length, 0);
  });

  it('request_state is answered with an update holding the full state', () => {
    const d = new Dropdown({
      options: [
        ['small', 1],
        ['large', 2],
      ] as const,
      value: 2,
    });
    t.comms.get(d.modelId)!.receive({ method: 'request_state' });
    const reply = t.messagesFor(d.modelId).at(-1)!;
    assert.equal(reply.data.method, 'update');
    const st = reply.data.state as Record<string, unknown>;
    assert.deepEqual(st._options_labels, ['small', 'large']);
    assert.equal(st.index, 1);
    assert.equal(st._model_name, 'DropdownModel');
    assert.equal(d.value, 2);
    t.comms.get(d.modelId)!.receive({ method: 'update', state: { index: 0 } });
    assert.equal(d.value, 1);
    assert.equal(d.label, 'small');
  });

  it('button clicks arrive as custom messages', () => {
    const b = new Button({ description: 'Stop' });
    let clicks = 0;
    b.onClick(() => clicks++);
    t.comms.get(b.modelId)!.receive({ method: 'custom', content: { event: 'click' } });
    t.comms.get(b.modelId)!.receive({ method: 'custom', content: { event: 'click' } });
    assert.equal(clicks, 2);
  });

  it('the jupyter.widget.control comm answers request_states with every open model', () => {
    const p = new IntProgress({ value: 2 });
    const box = new VBox([p]);
    p.value = 5; // pending, not yet flushed: update_states must still carry it
    const control = t.frontendOpen('jupyter.widget.control');
    control.receive({ method: 'request_states' });
    const reply = t.sent.filter((m) => m.commId === control.commId).at(-1)!;
    assert.equal(reply.data.method, 'update_states');
    const states = reply.data.states as Record<string, { model_name: string; state: Record<string, unknown> }>;
    assert.equal(states[p.modelId].model_name, 'IntProgressModel');
    assert.equal(states[p.modelId].state.value, 5);
    assert.deepEqual(states[box.modelId].state.children, [`IPY_MODEL_${p.modelId}`]);
    // Layout models are included too, so references resolve.
    const layoutId = String(states[p.modelId].state.layout).slice(10);
    assert.equal(states[layoutId].model_name, 'LayoutModel');
  });

  it('binary values travel as buffers with buffer_paths', () => {
    const w = new Label('x');
    w.set({ payload: new Float64Array([1, 2, 3]) });
    w.flush();
    const m = t.messagesFor(w.modelId).at(-1)!;
    assert.deepEqual(m.data.buffer_paths, [['payload']]);
    assert.equal(m.buffers!.length, 1);
    assert.deepEqual([...(m.buffers![0] as Float64Array)], [1, 2, 3]);
  });

  it('coalesces 10,000 rapid updates: first at once, then at most one per 50 ms, last state delivered', () => {
    const p = new IntProgress({ max: 10_000 });
    const updates = () => t.messagesFor(p.modelId).filter((m) => m.data.method === 'update');
    for (let i = 1; i <= 10_000; i++) {
      p.value = i;
      if (i % 100 === 0) clock.advance(1); // 10,000 updates over 100 ms of (manual) time
    }
    // 100 ms of updates at <= 20 messages/s: the leading one plus the trailing ones of each 50 ms window.
    assert.ok(updates().length <= 3, `sent ${updates().length} updates in 100 ms`);
    clock.advance(50);
    const all = updates();
    assert.equal((all.at(-1)!.data.state as Record<string, unknown>).value, 10_000, 'the last state must arrive');
    assert.equal(t.savedState()[p.modelId].state.value, 10_000);
    assert.equal(clock.pendingTimers, 0);
  });

  it('keeps sending about 20 updates/s while synchronous work starves the timers', () => {
    const p = new IntProgress({ max: 1000 });
    // One second of (manual) time passes inside a loop that never yields: no timer can fire.
    for (let i = 1; i <= 1000; i++) {
      p.value = i;
      clock.t += 1;
    }
    const sent = t.messagesFor(p.modelId).filter((m) => m.data.method === 'update').length;
    assert.ok(sent >= 15 && sent <= 22, `sent ${sent} updates over 1 s`);
    p.flush();
    assert.equal(t.savedState()[p.modelId].state.value, 1000);
  });

  it('a slow stream of updates is sent as it happens', () => {
    const p = new IntProgress({ max: 5 });
    for (let i = 1; i <= 5; i++) {
      p.value = i;
      clock.advance(200);
    }
    const values = t
      .messagesFor(p.modelId)
      .filter((m) => m.data.method === 'update')
      .map((m) => (m.data.state as Record<string, unknown>).value);
    assert.deepEqual(values, [1, 2, 3, 4, 5]);
  });

  it('Plot appends points with small custom messages, merged per interval, never re-sending the figure', () => {
    const plot = new Plot({ data: [{ type: 'scatter', x: [], y: [] }] });
    for (let i = 0; i < 1000; i++) plot.extend({ 0: { x: [i], y: [i * i] } });
    clock.advance(100);
    const msgs = t.messagesFor(plot.modelId).filter((m) => m.kind === 'msg');
    assert.ok(msgs.length <= 2, `expected the burst merged into <= 2 messages, got ${msgs.length}`);
    assert.ok(msgs.every((m) => m.data.method === 'custom'));
    const xs = msgs.flatMap((m) => {
      const c = m.data.content as { op?: string; columns?: { x: number[] }; batch?: Array<{ columns: { x: number[] } }> };
      return c.batch ? c.batch.flatMap((b) => b.columns.x) : c.columns!.x;
    });
    assert.deepEqual(
      xs,
      Array.from({ length: 1000 }, (_, i) => i),
    );
    // The saved state only gets the points when the figure is synced (done at study end).
    assert.equal((t.savedState()[plot.modelId].state.data as Array<{ x: unknown[] }>)[0].x.length, 0);
    plot.syncFigure();
    plot.flush();
    assert.equal((t.savedState()[plot.modelId].state.data as Array<{ x: unknown[] }>)[0].x.length, 1000);
    // A frontend asking for the state gets every point even before a sync.
    plot.extend({ 0: { x: [1000], y: [0] } });
    t.comms.get(plot.modelId)!.receive({ method: 'request_state' });
    const full = t.messagesFor(plot.modelId).at(-1)!.data.state as { data: Array<{ x: unknown[] }> };
    assert.equal(full.data[0].x.length, 1001);
  });

  it('restyle and relayout are custom ops applied to the kernel copy too', () => {
    const plot = new Plot({ data: [{ type: 'scatter', x: [1], y: [1] }], layout: {} });
    plot.restyle({ mode: 'lines' }, [0]);
    plot.relayout({ 'xaxis.range': [0, 5] });
    plot.flush();
    assert.equal(plot.data[0].mode, 'lines');
    assert.deepEqual((plot.layout.xaxis as { range: number[] }).range, [0, 5]);
    const ops = t
      .messagesFor(plot.modelId)
      .filter((m) => m.data.method === 'custom')
      .flatMap((m) => {
        const c = m.data.content as { op?: string; batch?: Array<{ op: string }> };
        return c.batch ? c.batch.map((b) => b.op) : [c.op];
      });
    assert.deepEqual(ops, ['restyle', 'relayout']);
  });

  it('every custom message a Plot sends parses as PlotOps of the shared schema, which refuses malformed ones with a reason', () => {
    const plot = new Plot({ data: [{ type: 'scatter', x: [], y: [] }], layout: {} });
    plot.extend({ 0: { x: [1, 2], y: [3, 4] } });
    plot.addTrace({ type: 'scatter', name: 'best', x: [0], y: [0] });
    plot.extend({ 1: { x: [5], y: [6] } });
    plot.restyle({ 'marker.color': ['red', 'blue'] });
    plot.relayout({ 'xaxis.title.text': 'trial' });
    clock.advance(100);
    plot.flush();
    const contents = t
      .messagesFor(plot.modelId)
      .filter((m) => m.data.method === 'custom')
      .map((m) => JSON.parse(JSON.stringify(m.data.content)) as unknown);
    const ops = contents.flatMap((c) => {
      const parsed = parsePlotMessage(c);
      assert.ok('ops' in parsed, `the kernel sent a message the views would refuse: ${JSON.stringify(c)}`);
      return parsed.ops;
    });
    assert.deepEqual(
      ops.map((o) => o.op),
      ['extend', 'addTrace', 'extend', 'restyle', 'relayout'],
    );
    assert.deepEqual(ops[3], { op: 'restyle', update: { 'marker.color': ['red', 'blue'] }, traces: [0, 1] });

    const refused: Array<[unknown, RegExp]> = [
      [null, /JSON object/],
      [{ op: 'extend', trace: -1, columns: {} }, /trace index/],
      [{ op: 'extend', trace: 0, columns: { x: 1 } }, /arrays/],
      [{ op: 'addTrace', trace: [1] }, /object/],
      [{ op: 'restyle', update: {}, traces: [0.5] }, /trace indices/],
      [{ op: 'relayout' }, /update/],
      [{ op: 'delete' }, /unknown plot op "delete"/],
      [{ batch: 'x' }, /JSON object/],
      // One bad op refuses the whole batch: the views apply all of a message or none of it.
      [
        {
          batch: [
            { op: 'relayout', update: {} },
            { op: 'extend', trace: 0 },
          ],
        },
        /columns/,
      ],
    ];
    for (const [content, reason] of refused) {
      const parsed = parsePlotMessage(content);
      assert.ok('error' in parsed && reason.test(parsed.error), `${JSON.stringify(content)}: ${JSON.stringify(parsed)}`);
    }
  });

  it('Output captures what a function prints into its outputs state', async () => {
    const out = new Output();
    const value = await out.capture(async () => {
      console.log('hello', 42);
      process.stdout.write('more\n');
      console.error('oops');
      return 7;
    });
    assert.equal(value, 7);
    assert.deepEqual(out.outputs, [
      { output_type: 'stream', name: 'stdout', text: 'hello 42\nmore\n' },
      { output_type: 'stream', name: 'stderr', text: 'oops\n' },
    ]);
    out.flush();
    assert.deepEqual(t.savedState()[out.modelId].state.outputs, out.outputs);
    // Displays inside capture go to the widget too, and the cell's display works again afterwards.
    const shown = new Label('inside');
    await out.capture(() => shown.display());
    assert.equal(out.outputs.length, 3);
    const item = out.outputs[2] as { output_type: string; data: Record<string, unknown> };
    assert.equal(item.output_type, 'display_data');
    assert.deepEqual(item.data['application/vnd.jupyter.widget-view+json'], {
      model_id: shown.modelId,
      version_major: 2,
      version_minor: 0,
    });
    const before = t.displays.length;
    shown.display();
    assert.equal(t.displays.length, before + 1);
  });

  it('a displayed Figure becomes a live Plot widget', () => {
    const b = new Figure({ data: [{ type: 'scatter', x: [1, 2], y: [3, 4] }], layout: {} })[reprSymbol]();
    const view = b[VIEW] as { model_id: string };
    assert.ok(view);
    assert.equal(t.savedState()[view.model_id].model_name, 'PlotModel');
    assert.match(String(b['text/html']), /<svg/);
  });

  it('CVResults fills in fold by fold; ScheduleView moves its step marker', () => {
    const cv = new CVResults({ metric: 'accuracy', nFolds: 3 });
    cv.addFold({ outerFold: 0, score: 0.9, params: { C: 1 } });
    cv.addFold({ outerFold: 1, score: 0.8, params: { C: 10 } });
    cv.flush();
    const rows = t.savedState()[cv.modelId].state.rows as Array<Record<string, unknown>>;
    assert.deepEqual(
      rows.map((r) => r.score),
      [0.9, 0.8],
    );
    assert.ok(Math.abs(cv.summary().mean - 0.85) < 1e-12);
    const sv = new ScheduleView({
      name: 'linear',
      values: [
        [0, 1],
        [10, 0],
      ],
    });
    sv.setStep(5);
    sv.flush();
    assert.equal(t.savedState()[sv.modelId].state.current_step, 5);
    assert.equal(sv.lrAt(5), 0.5);
  });
});

describe('study.optimize() in the kernel shows a StudyMonitor and a live history', () => {
  let t: FakeTransport;
  beforeEach(() => {
    reset();
    t = new FakeTransport();
    installWidgetSupport(t);
  });
  afterEach(reset);

  it('displays both, ends at 100% with one history point per complete trial, refreshes the fallback', async () => {
    t.frontendOpen('jupyter.widget.control'); // a widget manager is attached: fallbacks wait for the end
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    await study.optimize(
      (trial) => {
        const x = trial.suggestFloat('x', -5, 5);
        if (x > 3) throw new Error('fails on purpose');
        return x * x;
      },
      { nTrials: 40, catch: [Error] },
    );
    assert.equal(t.displays.length, 2);
    const ids = t.displays.map((d) => (d.bundle[VIEW] as { model_id: string }).model_id);
    const saved = t.savedState();
    const monitor = saved[ids[0]].state;
    const history = saved[ids[1]].state as { data: Array<{ x: number[]; y: number[] }> };
    assert.equal(saved[ids[0]].model_name, 'StudyMonitorModel');
    assert.equal(saved[ids[0]].model_module, 'tunelab-widgets');
    const complete = study.trials.filter((x) => x.state === 1);
    assert.equal(monitor.n_finished, 40);
    assert.equal(monitor.n_complete, complete.length);
    assert.equal(monitor.n_fail, 40 - complete.length);
    assert.equal(monitor.status, 'finished');
    assert.equal(monitor.best_value, study.bestValue);
    assert.deepEqual(monitor.best_params, study.bestParams);
    assert.equal(history.data[0].x.length, complete.length);
    assert.deepEqual(
      history.data[0].x,
      complete.map((x) => x.number),
    );
    // The best-value line is the running minimum over every trial number, as Optuna 5.0's: a failed
    // trial carries the best before it.
    let best = Infinity;
    assert.deepEqual(
      history.data[1].x,
      study.trials.map((x) => x.number),
    );
    assert.deepEqual(
      history.data[1].y,
      study.trials.map((x) => (x.state === 1 ? (best = Math.min(best, x.values![0])) : best)),
    );
    // Fallbacks were refreshed to the final state.
    assert.equal(t.displayUpdates.length, 2);
    assert.match(String(t.displayUpdates[0].bundle['text/html']), /100%/);
  });

  it('the Stop button stops the study after running trials settle; finished trials are kept', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 2 }) });
    let monitorId = '';
    await study.optimize(
      async (trial) => {
        if (trial.number === 0) monitorId = (t.displays[0].bundle[VIEW] as { model_id: string }).model_id;
        if (trial.number === 4) t.comms.get(monitorId)!.receive({ method: 'custom', content: { event: 'stop' } });
        await new Promise((r) => setImmediate(r));
        return trial.suggestFloat('x', 0, 1);
      },
      { nTrials: 1000, nJobs: 2 },
    );
    assert.ok(study.trials.length >= 5 && study.trials.length <= 7, `stopped after ${study.trials.length} trials`);
    assert.ok(
      study.trials.every((x) => x.state === 1),
      'running trials finished normally',
    );
    const st = t.savedState()[monitorId].state;
    assert.equal(st.status, 'stopped');
    assert.equal(st.n_finished, study.trials.length);
  });

  it('shows the latest failure reason, and "failed" when an unlisted error ends optimize', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 5 }) });
    await assert.rejects(
      study.optimize(
        (trial) => {
          const x = trial.suggestFloat('x', 0, 1);
          if (trial.number === 1) throw new RangeError('first failure');
          if (trial.number === 3) throw new TypeError('second failure, not caught');
          return x;
        },
        { nTrials: 10, catch: [RangeError] },
      ),
      TypeError,
    );
    const monitorId = (t.displays[0].bundle[VIEW] as { model_id: string }).model_id;
    const st = t.savedState()[monitorId].state;
    assert.equal(st.status, 'failed');
    assert.equal(st.n_fail, 2);
    assert.equal(st.last_failure, 'trial 3: TypeError: second failure, not caught');
    // Frontends without widgets see the same in the refreshed fallback.
    const fallback = t.displayUpdates.map((u) => String(u.bundle['text/plain'] ?? '')).join('\n');
    assert.match(fallback, /failed; last failure: trial 3: TypeError: second failure, not caught/);
  });

  it('an interrupt (the kernel\'s stopAllStudies) shows "interrupted" with the trials kept, and optimize throws', async () => {
    const { stopAllStudies } = await import('../../src/study');
    const study = await createStudy({ sampler: new RandomSampler({ seed: 6 }) });
    const err = await study
      .optimize(
        (trial) => {
          if (trial.number === 4) stopAllStudies();
          return trial.suggestFloat('x', 0, 1);
        },
        { nTrials: 1000 },
      )
      .then(
        () => null,
        (e: unknown) => e as Error,
      );
    assert.equal(err?.name, 'OptimizeInterruptedError');
    const monitorId = (t.displays[0].bundle[VIEW] as { model_id: string }).model_id;
    const st = t.savedState()[monitorId].state;
    assert.equal(st.status, 'interrupted');
    assert.equal(st.n_finished, 5);
    assert.equal(st.n_complete, 5);
    assert.equal(study.trials.length, 5);
  });

  it('an aborted optimize signal shows "interrupted" as an interrupt does, and optimize throws with the reason', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 7 }) });
    const controller = new AbortController();
    const err = await study
      .optimize((trial) => trial.suggestFloat('x', 0, 1), {
        nTrials: 1000,
        signal: controller.signal,
        callbacks: [(_, trial) => (trial.number === 3 ? controller.abort(new Error('budget spent')) : undefined)],
      })
      .then(
        () => null,
        (e: unknown) => e as Error,
      );
    assert.equal(err?.name, 'OptimizeInterruptedError');
    assert.match(String(err?.message), /Abort reason: Error: budget spent$/);
    const monitorId = (t.displays[0].bundle[VIEW] as { model_id: string }).model_id;
    const st = t.savedState()[monitorId].state;
    assert.equal(st.status, 'interrupted');
    assert.equal(st.n_finished, 4);
    assert.equal(st.n_complete, 4);
    assert.equal(study.trials.length, 4);
  });

  it('a two-objective study shows its points live and ends with the Pareto front highlighted', async () => {
    const study = await createStudy({ directions: ['minimize', 'minimize'], sampler: new RandomSampler({ seed: 4 }) });
    await study.optimize(
      (trial) => {
        const x = trial.suggestFloat('x', 0, 1);
        return [x, (1 - x) ** 2 + trial.suggestFloat('y', 0, 1)];
      },
      { nTrials: 30 },
    );
    assert.equal(t.displays.length, 2);
    const plotId = (t.displays[1].bundle[VIEW] as { model_id: string }).model_id;
    const plotMsgs = t.messagesFor(plotId).filter((m) => m.kind === 'msg');
    assert.ok(
      plotMsgs.some((m) => m.data.method === 'custom'),
      'points were appended while the study ran',
    );
    const saved = t.savedState()[plotId].state as { data: Array<{ name: string; text: string[] }> };
    const best = saved.data.find((d) => d.name === 'Best Trial')!;
    const expected = study.bestTrials.map((x) => `Trial ${x.number}`).sort();
    assert.deepEqual([...best.text].sort(), expected);
  });

  it('a two-objective study: axis titles from stored metric names, a log axis once values span orders of magnitude, the monitor shows the front', async () => {
    const study = await createStudy({ directions: ['minimize', 'minimize'], sampler: new RandomSampler({ seed: 8 }) });
    // Written straight to storage (as another process, or code that bypasses this Study object, would):
    // the Study's snapshot does not have it; the live view reads it from storage.
    await study.storage.setStudySystemAttr(study.studyId, 'study:metric_names', ['latency_ms', 'error_rate']);
    await study.optimize(
      async (trial) => {
        const x = trial.suggestFloat('x', 0, 1);
        // Each trial takes a turn of the event loop, as one that trains something does: the names
        // read from storage arrive while the study runs. (Thirty synchronous trials would all run
        // before the read is answered, and the names would come with the final figure instead.)
        await new Promise((resolve) => setImmediate(resolve));
        return [10 ** (4 * x), 1 - x];
      },
      { nTrials: 30 },
    );
    const monitorId = (t.displays[0].bundle[VIEW] as { model_id: string }).model_id;
    const plotId = (t.displays[1].bundle[VIEW] as { model_id: string }).model_id;
    const ops = t
      .messagesFor(plotId)
      .filter((m) => m.kind === 'msg' && m.data.method === 'custom')
      .flatMap((m) => {
        const content = m.data.content as { batch?: unknown[] };
        return (content.batch ?? [content]) as Array<{ op: string; update?: Record<string, unknown> }>;
      });
    const relayouts = ops.filter((o) => o.op === 'relayout').map((o) => o.update);
    assert.ok(
      relayouts.some((u) => u!['xaxis.title.text'] === 'latency_ms' && u!['yaxis.title.text'] === 'error_rate'),
      `titles sent live: ${JSON.stringify(relayouts)}`,
    );
    const layout = t.savedState()[plotId].state.plot_layout as {
      xaxis: { type: string; title: { text: string } };
      yaxis: { type: string; title: { text: string } };
    };
    assert.deepEqual(
      [layout.xaxis.title.text, layout.xaxis.type, layout.yaxis.title.text, layout.yaxis.type],
      ['latency_ms', 'log', 'error_rate', 'linear'],
      'the final figure keeps the names and the log axis',
    );
    const monitor = t.savedState()[monitorId].state as { n_front: number; hypervolume: number; best_value: unknown };
    assert.equal(monitor.n_front, study.bestTrials.length);
    assert.ok(monitor.hypervolume > 0);
    assert.equal(monitor.best_value, null);
  });

  it('the live Pareto front turns an axis to log once its values span two orders of magnitude (unless told otherwise)', async () => {
    const study = await createStudy({ directions: ['minimize', 'minimize'] });
    const live = paretoFrontLive(study);
    const fixed = paretoFrontLive(study, { axisType: 'linear' });
    const tell = async (a: number, b: number) => {
      const trial = await study.ask();
      await study.tell(trial, [a, b]);
      const frozen = study.trials[study.trials.length - 1];
      live.add(frozen);
      fixed.add(frozen);
    };
    const xType = (p: typeof live) => (p.plot.layout.xaxis as { type: string }).type;
    await tell(5, 1);
    await tell(50, 0.5);
    assert.equal(xType(live), 'linear', '10x is drawn linear');
    await tell(5000, 0.1);
    assert.equal(xType(live), 'log', '1000x is drawn log');
    assert.equal((live.plot.layout.yaxis as { type: string }).type, 'linear', 'the other axis keeps its scale');
    assert.equal(xType(fixed), 'linear', 'axisType overrides the choice');
    await tell(-1, 0.2);
    assert.equal(xType(live), 'linear', 'a value <= 0 cannot be drawn on a log axis');
  });

  it('showProgressBar: false shows nothing', async () => {
    const study = await createStudy();
    await study.optimize((trial) => trial.suggestFloat('x', 0, 1), { nTrials: 3, showProgressBar: false });
    assert.equal(t.displays.length, 0);
  });

  it('a StudyMonitor by time reports progress against the timeout', () => {
    let now = 0;
    const m = new StudyMonitor({ studyName: 's', directions: ['minimize'], stop() {} }, { timeoutSeconds: 10, now: () => now });
    now = 5000;
    m.trialFinished({ number: 0, state: 1, values: [1], params: {} } as never);
    assert.equal(m.fraction, 0.5);
    assert.equal(m.get('eta'), 5);
  });
});
