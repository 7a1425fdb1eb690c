/**
 * tunelab's widget models and views for the browser (module 'tunelab-widgets'), on
 * @jupyter-widgets/base. The kernel side (widgets/kernel) owns the state; these draw it.
 */
import { DOMWidgetModel, DOMWidgetView } from '@jupyter-widgets/base';
import { modelDefaults, parsePlotMessage, type PlotOp, type StateReader, type TunelabModelName } from '../schema';
import { Plotly, PLOT_CONFIG, type PlotData, type PlotLayout } from './plotly';
import { ensureStyles } from './styles';
import { formatNumber, formatPercent, formatSeconds } from '../../src/format';

// The module name and version, and every model's defaults, come from the schema the kernel side
// builds its state from (widgets/schema.ts).
export { TUNELAB_MODULE as MODULE_NAME, TUNELAB_MODULE_VERSION as MODULE_VERSION } from '../schema';

type Json = Record<string, unknown>;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A value as the kernel-side text shows it (src/format.ts), anything else as text. */
export function fmt(v: unknown): string {
  return typeof v === 'number' ? formatNumber(v) : String(v);
}

function setDotted(obj: Json, key: string, value: unknown): void {
  const parts = key.split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    if (cur[p] === null || typeof cur[p] !== 'object') cur[p] = {};
    cur = cur[p] as Json;
  }
  cur[parts[parts.length - 1]] = value;
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/**
 * The base of a browser model of the schema: its defaults are the schema's (identity and every
 * attribute), and `state` reads its attributes with the schema's types.
 */
function schemaModel<N extends TunelabModelName>(name: N) {
  return class extends DOMWidgetModel {
    defaults(): Json {
      return { ...super.defaults(), ...modelDefaults(name) };
    }

    get state(): StateReader<N> {
      return this;
    }
  };
}

/**
 * The base of a view of a schema model: `state` reads the model's attributes with the schema's
 * types (the widget manager pairs each view with its model by the schema's _view_name and _model_name).
 */
abstract class SchemaView<N extends TunelabModelName> extends DOMWidgetView {
  protected get state(): StateReader<N> {
    return this.model;
  }
}

/**
 * Keeps a plotly graph as wide as its box. A view renders before it is attached to the page (plotly
 * then falls back to 700 px, wider than a JupyterLab output area next to the side panel), and the box
 * changes later (panels opened or closed, window resized). Two triggers cover this:
 * - the view's `displayed` and `shown` events (sent on every attach and show). ResizeObserver alone
 *   misses an attach below the viewport: JupyterLab 4.6 windows notebooks with content-visibility by
 *   default, and the browser reports no size for a skipped cell until it is scrolled to.
 * - one ResizeObserver, for the box changing while attached.
 * `after` is the view's chain of pending plotly calls: a resize waits for the drawing it resizes. A
 * drawing made while the box keeps its width (no resize to observe) is checked by `refit` after each
 * draw. Returns the function that stops watching.
 */
function fitWidth(view: DOMWidgetView, target: HTMLElement, after: () => Promise<unknown>): () => void {
  const fitNow = () =>
    void after()
      .then(() => refit(target))
      .catch(() => undefined); // a drawing that failed has nothing to resize
  view.on('displayed shown', fitNow);
  if (typeof ResizeObserver === 'undefined') return () => view.off('displayed shown', fitNow);
  let width = 0;
  const observer = new ResizeObserver((entries) => {
    const w = Math.round(entries[entries.length - 1].contentRect.width);
    if (w === 0) {
      // Hidden or taken out of the page (a windowed notebook detaches cells scrolled away, a reload
      // re-renders them): a drawing made meanwhile falls back to 700 px, so the next width must resize
      // the graph even when it equals the last one seen.
      width = 0;
      return;
    }
    if (w === width) return;
    width = w;
    fitNow();
  });
  observer.observe(target);
  // A drawing made while the graph had no box (detached, hidden) cannot be fitted then. Should the
  // graph come back at the width last seen, with no zero width observed in between (taken out and
  // put back within one frame, as a reload's re-render can), no resize would be reported: observing
  // anew makes the observer report the box's next non-zero size whatever it was before.
  rearmers.set(target, () => {
    width = 0;
    observer.unobserve(target);
    observer.observe(target);
  });
  return () => {
    view.off('displayed shown', fitNow);
    rearmers.delete(target);
    observer.disconnect();
  };
}

/** Per watched graph, the call that makes its ResizeObserver report the next non-zero size. */
const rearmers = new WeakMap<HTMLElement, () => void>();

/**
 * Resizes a drawn graph whose drawing is not as wide as its box (drawn while detached or hidden, it
 * fell back to 700 px); nothing for a graph that fits or is not drawn yet. A graph with no box is
 * checked again once it has one.
 */
function refit(target: HTMLElement): Promise<unknown> | undefined {
  if (!target.classList.contains('js-plotly-plot')) return undefined;
  const box = target.isConnected ? target.clientWidth : 0;
  if (box === 0) {
    // No box to fit now: check again when the graph gets one (see `fitWidth`).
    rearmers.get(target)?.();
    return undefined;
  }
  const drawn = Number(target.querySelector('svg.main-svg')?.getAttribute('width') ?? NaN);
  if (!(box > 0 && Number.isFinite(drawn) && Math.abs(drawn - box) > 1)) return undefined;
  // Never rejects: it sits in the view's chain of plotly calls, which a rejection would stop.
  return Promise.resolve()
    .then(() => Plotly.Plots.resize(target))
    .catch(() => undefined);
}

/**
 * A view's chain of plotly calls with one more drawing of the whole figure, fitted to its box. A
 * drawing plotly refuses is reported and the chain goes on, so later updates still draw.
 */
function drawn(chain: Promise<unknown>, target: HTMLElement, data: PlotData, layout: PlotLayout): Promise<unknown> {
  return chain
    .then(() => Plotly.react(target, data, layout, PLOT_CONFIG))
    .then(() => refit(target))
    .catch((e: unknown) => console.warn(`tunelab: a plot could not be drawn (${String(e)})`));
}

// ---------------------------------------------------------------------------------------------
// Plot

/** Apply ops to a figure held as plain JSON (the model's copy); ops naming a missing trace are skipped. */
export function applyOps(data: Json[], layout: Json, ops: PlotOp[]): void {
  for (const op of ops) {
    if (op.op === 'extend') {
      const t = data[op.trace];
      if (!t) continue;
      for (const [col, vals] of Object.entries(op.columns)) {
        const arr = ((t[col] as unknown[] | undefined) ??= []) as unknown[];
        for (const v of vals) arr.push(v);
      }
    } else if (op.op === 'addTrace') {
      data.push(clone(op.trace));
    } else if (op.op === 'restyle') {
      for (const i of op.traces) if (data[i]) for (const [k, v] of Object.entries(op.update)) setDotted(data[i], k, clone(v));
    } else if (op.op === 'relayout') {
      for (const [k, v] of Object.entries(op.update)) setDotted(layout, k, clone(v));
    }
  }
}

export class PlotModel extends schemaModel('PlotModel') {
  initialize(attributes: Json, options: never): void {
    super.initialize(attributes as never, options);
    this.on('msg:custom', (content: Json) => {
      // Queue behind pending state updates, so an append never lands on a figure about to be replaced.
      this.state_change = Promise.resolve(this.state_change).then(() => {
        const parsed = parsePlotMessage(content);
        if ('error' in parsed) {
          console.warn(`tunelab: ignored a plot update from the kernel (${parsed.error})`);
          return;
        }
        applyOps(this.state.get('data'), this.state.get('plot_layout'), parsed.ops);
        this.trigger('plot:ops', parsed.ops);
      });
    });
  }
}

export class PlotView extends SchemaView<'PlotModel'> {
  private plotEl: HTMLDivElement | null = null;
  private ready: Promise<unknown> = Promise.resolve();
  private unfit: () => void = () => undefined;

  render(): void {
    ensureStyles();
    this.el.classList.add('tunelab-plot');
    this.plotEl = el('div', 'tunelab-plot-area');
    this.plotEl.style.height = `${this.state.get('height')}px`;
    this.el.appendChild(this.plotEl);
    this.draw();
    this.listenTo(this.model, 'change:data change:plot_layout', () => this.draw());
    this.listenTo(this.model, 'plot:ops', (ops: PlotOp[]) => this.applyOps(ops));
    this.unfit = fitWidth(this, this.plotEl, () => this.ready);
  }

  private draw(): void {
    const target = this.plotEl!;
    const data: PlotData = clone(this.state.get('data'));
    const layout: PlotLayout = { autosize: true, margin: { t: 48, r: 24, b: 48, l: 64 }, ...clone(this.state.get('plot_layout')) };
    // The view draws its own copy: Plotly mutates the arrays it is given.
    this.ready = drawn(this.ready, target, data, layout);
  }

  private applyOps(ops: PlotOp[]): void {
    const target = this.plotEl!;
    this.ready = this.ready.then(async () => {
      for (const op of ops) {
        // One op plotly refuses (a trace the drawing lacks) must not stop the ones after it, nor
        // leave `ready` rejected, which would stop every later update of this view.
        await this.applyOp(target, op).catch((e: unknown) => console.warn(`tunelab: a plot update failed (${String(e)})`));
      }
      // An update plotly lays out anew while the graph has no box falls back to 700 px too.
      await refit(target);
    });
  }

  private async applyOp(target: HTMLDivElement, op: PlotOp): Promise<void> {
    if (op.op === 'extend') {
      const update: Record<string, unknown[][]> = {};
      for (const [col, vals] of Object.entries(op.columns)) update[col] = [clone(vals)];
      await Plotly.extendTraces(target, update, [op.trace]);
    } else if (op.op === 'addTrace') {
      await Plotly.addTraces(target, clone(op.trace));
    } else if (op.op === 'restyle') {
      // Plotly.restyle reads arrays as one value per trace; the kernel means the value itself.
      for (const i of op.traces) {
        const update: Json = {};
        for (const [k, v] of Object.entries(op.update)) update[k] = Array.isArray(v) ? [clone(v)] : v;
        await Plotly.restyle(target, update, [i]);
      }
    } else if (op.op === 'relayout') {
      await Plotly.relayout(target, clone(op.update));
    }
  }

  remove(): void {
    this.unfit();
    if (this.plotEl) Plotly.purge(this.plotEl);
    return super.remove();
  }
}

// ---------------------------------------------------------------------------------------------
// StudyMonitor

export class StudyMonitorModel extends schemaModel('StudyMonitorModel') {}

/**
 * The headline of a monitor: the best value for one objective; for several (which have no single
 * best) the size of the Pareto front and its hypervolume, with the reference point it is measured from.
 */
export function monitorHeadline(m: StateReader<'StudyMonitorModel'>): string {
  const directions = m.get('directions') ?? ['minimize'];
  if (directions.length > 1) {
    const size = m.get('n_front');
    if (size === null || size === undefined) return 'Pareto front: — (no feasible complete trial yet)';
    const hv = m.get('hypervolume');
    const ref = m.get('hv_reference') ?? [];
    const auto = m.get('hv_reference_auto') === true;
    return (
      `Pareto front: ${size} trial${size === 1 ? '' : 's'} · hypervolume ` +
      (hv === null ? '— (front too large to compute live)' : fmt(hv)) +
      ` (reference [${ref.map(fmt).join(', ')}]${auto ? ', from the worst values seen' : ''})`
    );
  }
  const bv = m.get('best_value');
  return bv === null || bv === undefined ? 'best value: —' : `best value: ${fmt(bv)} (trial ${m.get('best_number')})`;
}

/** Progress in [0, 1], or null when unknown (no trial count, no timeout, still running). */
export function monitorFraction(m: StateReader<'StudyMonitorModel'>, elapsedNow: number): number | null {
  const nTrials = m.get('n_trials');
  const timeout = m.get('timeout');
  const finished = m.get('n_finished');
  if (nTrials) return Math.min(1, finished / nTrials);
  if (m.get('status') === 'finished') return 1;
  if (timeout) return Math.min(1, elapsedNow / timeout);
  return null;
}

export class StudyMonitorView extends SchemaView<'StudyMonitorModel'> {
  private parts!: {
    title: HTMLElement;
    status: HTMLElement;
    bar: HTMLElement;
    fill: HTMLElement;
    pct: HTMLElement;
    counts: HTMLElement;
    best: HTMLElement;
    params: HTMLElement;
    failure: HTMLElement;
    time: HTMLElement;
    stop: HTMLButtonElement;
  };
  private elapsedAt = { value: 0, localMs: 0 };
  private ticker: ReturnType<typeof setInterval> | null = null;

  render(): void {
    ensureStyles();
    this.el.classList.add('tunelab-study-monitor');
    const head = el('div', 'tl-head');
    const title = el('span', 'tl-title');
    const status = el('span', 'tl-status');
    const stop = el('button', 'tl-stop', 'Stop');
    stop.title = 'Stop the study after the running trials finish';
    stop.addEventListener('click', () => {
      stop.disabled = true;
      this.send({ event: 'stop' });
    });
    head.append(title, status, stop);
    const bar = el('div', 'tl-bar');
    bar.setAttribute('role', 'progressbar');
    bar.setAttribute('aria-valuemin', '0');
    bar.setAttribute('aria-valuemax', '100');
    const fill = el('div', 'tl-fill');
    const pct = el('span', 'tl-pct');
    bar.append(fill, pct);
    const counts = el('div', 'tl-counts');
    const best = el('div', 'tl-best');
    const params = el('div', 'tl-params');
    const failure = el('div', 'tl-failure');
    const time = el('div', 'tl-time');
    this.el.append(head, bar, counts, best, params, failure, time);
    this.parts = { title, status, bar, fill, pct, counts, best, params, failure, time, stop };
    this.listenTo(this.model, 'change', () => this.update());
    this.update();
  }

  update(): void {
    const m = this.state;
    const p = this.parts;
    if (!p) return;
    if (this.model.hasChanged('elapsed') || this.elapsedAt.localMs === 0) this.elapsedAt = { value: m.get('elapsed'), localMs: Date.now() };
    const status = m.get('status');
    p.title.textContent = `Study ${m.get('study_name')}`;
    p.status.textContent = status;
    p.status.dataset.status = status;
    this.el.dataset.status = status;
    p.stop.disabled = status !== 'running';
    const nTrials = m.get('n_trials');
    const finished = m.get('n_finished');
    p.counts.innerHTML = '';
    p.counts.append(
      el('span', 'tl-count', nTrials ? `${finished}/${nTrials} trials` : `${finished} trials`),
      el('span', 'tl-count tl-complete', `${m.get('n_complete')} complete`),
      el('span', 'tl-count tl-pruned', `${m.get('n_pruned')} pruned`),
      el('span', 'tl-count tl-fail', `${m.get('n_fail')} failed`),
    );
    p.best.textContent = monitorHeadline(m);
    const params = m.get('best_params') ?? {};
    p.params.textContent = Object.keys(params).length
      ? 'best params: ' +
        Object.entries(params)
          .map(([k, v]) => `${k}=${fmt(v)}`)
          .join(', ')
      : '';
    const failure = m.get('last_failure');
    p.failure.textContent = failure ? `last failure: ${failure}` : '';
    p.failure.hidden = !failure;
    this.tick();
    if (status === 'running' && this.ticker === null) this.ticker = setInterval(() => this.tick(), 500);
    if (status !== 'running' && status !== 'stopping' && this.ticker !== null) {
      clearInterval(this.ticker);
      this.ticker = null;
    }
  }

  /** Elapsed time moves on between kernel updates (slow trials): extrapolate from the last one. */
  private tick(): void {
    const m = this.state;
    const p = this.parts;
    const running = m.get('status') === 'running' || m.get('status') === 'stopping';
    const elapsed = this.elapsedAt.value + (running ? (Date.now() - this.elapsedAt.localMs) / 1000 : 0);
    const frac = monitorFraction(m, elapsed);
    if (frac === null) {
      p.bar.classList.add('tl-indeterminate');
      p.fill.style.width = '100%';
      p.pct.textContent = '';
      p.bar.removeAttribute('aria-valuenow');
    } else {
      p.bar.classList.remove('tl-indeterminate');
      const pct = formatPercent(frac);
      p.fill.style.width = `${frac * 100}%`;
      p.pct.textContent = `${pct}%`;
      p.bar.setAttribute('aria-valuenow', String(pct));
    }
    const eta = m.get('eta');
    const etaNow = eta === null ? null : running ? Math.max(0, eta - (elapsed - this.elapsedAt.value)) : eta;
    p.time.textContent = `elapsed ${formatSeconds(elapsed)}` + (etaNow !== null && running ? `, about ${formatSeconds(etaNow)} left` : '');
  }

  remove(): void {
    if (this.ticker !== null) clearInterval(this.ticker);
    return super.remove();
  }
}

// ---------------------------------------------------------------------------------------------
// ScheduleView

export class ScheduleViewModel extends schemaModel('ScheduleViewModel') {}

export function lrAt(steps: number[], lrs: number[], step: number): number {
  if (steps.length === 0) return NaN;
  if (step <= steps[0]) return lrs[0];
  for (let i = 1; i < steps.length; i++) {
    if (step <= steps[i]) return lrs[i - 1] + ((step - steps[i - 1]) / (steps[i] - steps[i - 1])) * (lrs[i] - lrs[i - 1]);
  }
  return lrs[lrs.length - 1];
}

export class ScheduleViewView extends SchemaView<'ScheduleViewModel'> {
  private plotEl!: HTMLDivElement;
  private ready: Promise<unknown> = Promise.resolve();
  private unfit: () => void = () => undefined;

  render(): void {
    ensureStyles();
    this.el.classList.add('tunelab-schedule');
    this.plotEl = el('div', 'tunelab-plot-area');
    this.plotEl.style.height = `${this.state.get('height')}px`;
    this.el.appendChild(this.plotEl);
    this.draw();
    this.listenTo(this.model, 'change:steps change:lrs change:name change:params', () => this.draw());
    this.listenTo(this.model, 'change:current_step', () => this.moveMarker());
    this.unfit = fitWidth(this, this.plotEl, () => this.ready);
  }

  remove(): void {
    this.unfit();
    Plotly.purge(this.plotEl);
    return super.remove();
  }

  private marker(): { x: number[]; y: number[] } {
    const s = this.state.get('current_step');
    if (s === null) return { x: [], y: [] };
    return { x: [s], y: [lrAt(this.state.get('steps'), this.state.get('lrs'), s)] };
  }

  private draw(): void {
    const params = this.state.get('params');
    const subtitle = Object.entries(params)
      .map(([k, v]) => `${k}=${fmt(v)}`)
      .join(', ');
    const data: PlotData = [
      { type: 'scatter', mode: 'lines', name: 'learning rate', x: clone(this.state.get('steps')), y: clone(this.state.get('lrs')) },
      { type: 'scatter', mode: 'markers', name: 'current step', marker: { size: 11, color: '#EF553B' }, ...this.marker() },
    ];
    // autosize: every redraw takes the box's width (without it plotly keeps the width of the first
    // drawing, 700 px when that happened before the view was attached).
    const layout: PlotLayout = {
      autosize: true,
      title: { text: `${this.state.get('name')}<br><sub>${subtitle}</sub>` },
      xaxis: { title: { text: 'step' } },
      yaxis: { title: { text: 'learning rate' } },
      showlegend: false,
      margin: { t: 56, r: 24, b: 48, l: 64 },
    };
    this.ready = drawn(this.ready, this.plotEl, data, layout);
  }

  private moveMarker(): void {
    const m = this.marker();
    this.ready = this.ready
      .then(() => Plotly.restyle(this.plotEl, { x: [m.x], y: [m.y] }, [1]))
      .then(() => refit(this.plotEl))
      .catch((e: unknown) => console.warn(`tunelab: the schedule marker could not move (${String(e)})`));
  }
}

// ---------------------------------------------------------------------------------------------
// CVResults

export class CVResultsModel extends schemaModel('CVResultsModel') {}

/** The label of a fold's folded-away inner results. */
function innerSummary(inner: unknown): string {
  return Array.isArray(inner) ? `${inner.length} candidate${inner.length === 1 ? '' : 's'}` : 'details';
}

/** Nested objects as dotted keys (params.C), so a candidate is one flat row. Arrays stay values. */
function flatten(value: unknown, prefix = '', out: Array<[string, unknown]> = []): Array<[string, unknown]> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Json);
    if (entries.length === 0 && prefix) out.push([prefix, '{}']);
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.push([prefix || 'value', value]);
  }
  return out;
}

function cellText(v: unknown): string {
  if (typeof v === 'number') return fmt(v);
  if (Array.isArray(v))
    return v.map((x) => (typeof x === 'number' ? fmt(x) : typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x))).join(', ');
  if (v === null || v === undefined) return '—';
  return String(v);
}

/**
 * Inner-loop results as a readable table: a list of candidates (objects) is one row per candidate
 * and one column per (flattened) key; an object is a key/value table; anything else is its text.
 */
export function innerResultsTable(inner: unknown): HTMLElement {
  const table = el('table', 'tl-cv-inner');
  if (Array.isArray(inner) && inner.length > 0 && inner.every((c) => c !== null && typeof c === 'object' && !Array.isArray(c))) {
    const rows = inner.map((c) => new Map(flatten(c)));
    const keys = [...new Set(rows.flatMap((r) => [...r.keys()]))];
    const head = table.createTHead().insertRow();
    for (const k of keys) head.appendChild(el('th', undefined, k));
    const body = table.createTBody();
    for (const r of rows) {
      const tr = body.insertRow();
      for (const k of keys) {
        const td = tr.insertCell();
        td.textContent = r.has(k) ? cellText(r.get(k)) : '';
        if (typeof r.get(k) === 'number') td.className = 'tl-num';
      }
    }
    return table;
  }
  const pairs = Array.isArray(inner) ? inner.map((v, i) => [String(i), v] as [string, unknown]) : flatten(inner);
  const body = table.createTBody();
  for (const [k, v] of pairs) {
    const tr = body.insertRow();
    tr.appendChild(el('th', undefined, k));
    const td = tr.insertCell();
    td.textContent = cellText(v);
    if (typeof v === 'number') td.className = 'tl-num';
  }
  return table;
}

export class CVResultsView extends SchemaView<'CVResultsModel'> {
  /** Outer folds whose inner results the user has opened (kept across redraws). */
  private expanded = new Set<string>();
  private table!: HTMLTableElement;
  private summary!: HTMLElement;
  private plotEl!: HTMLDivElement;
  private ready: Promise<unknown> = Promise.resolve();
  private unfit: () => void = () => undefined;

  render(): void {
    ensureStyles();
    this.el.classList.add('tunelab-cv');
    const wrap = el('div', 'tl-cv-wrap');
    this.table = el('table', 'tl-cv-table');
    this.summary = el('div', 'tl-cv-summary');
    this.plotEl = el('div', 'tunelab-plot-area tl-cv-box');
    this.plotEl.style.height = '260px';
    const left = el('div', 'tl-cv-left');
    left.append(this.table, this.summary);
    wrap.append(left, this.plotEl);
    this.el.append(wrap);
    this.listenTo(this.model, 'change', () => this.update());
    this.update();
    this.unfit = fitWidth(this, this.plotEl, () => this.ready);
  }

  remove(): void {
    this.unfit();
    Plotly.purge(this.plotEl);
    return super.remove();
  }

  update(): void {
    const rows = this.state.get('rows');
    const metric = this.state.get('metric');
    const nFolds = this.state.get('n_folds');
    this.table.innerHTML = '';
    const head = this.table.createTHead().insertRow();
    const withInner = rows.some((r) => r.inner_results !== null && r.inner_results !== undefined);
    for (const h of ['outer fold', metric, 'chosen params', ...(withInner ? ['inner search'] : [])])
      head.appendChild(el('th', undefined, h));
    const body = this.table.createTBody();
    const columns = withInner ? 4 : 3;
    for (const r of rows) {
      const tr = body.insertRow();
      tr.insertCell().textContent = String(r.outer_fold);
      tr.insertCell().textContent = fmt(r.score);
      tr.insertCell().textContent = Object.entries(r.params ?? {})
        .map(([k, v]) => `${k}=${fmt(v)}`)
        .join(', ');
      if (withInner) {
        // The inner loop's results, folded away: they are long and only sometimes wanted. Opened,
        // they show as a table in a full-width row under the fold (not squeezed into this cell).
        const cell = tr.insertCell();
        const inner = r.inner_results;
        if (inner !== null && inner !== undefined) {
          const key = String(r.outer_fold);
          const toggle = el('button', 'tl-cv-toggle', innerSummary(inner));
          toggle.type = 'button';
          const detailRow = body.insertRow();
          detailRow.className = 'tl-cv-detail';
          const detailCell = detailRow.insertCell();
          detailCell.colSpan = columns;
          detailCell.append(innerResultsTable(inner));
          const show = (open: boolean) => {
            detailRow.hidden = !open;
            toggle.setAttribute('aria-expanded', String(open));
            toggle.textContent = `${open ? '▾' : '▸'} ${innerSummary(inner)}`;
            if (open) this.expanded.add(key);
            else this.expanded.delete(key);
          };
          toggle.addEventListener('click', () => show(detailRow.hidden));
          show(this.expanded.has(key)); // a redraw (a new fold arrived) keeps what the user opened
          cell.append(toggle);
        }
      }
    }
    const scores = rows.map((r) => r.score);
    const mean = scores.reduce((a, b) => a + b, 0) / (scores.length || 1);
    const std = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / (scores.length || 1));
    this.summary.textContent = scores.length
      ? `${scores.length}${nFolds ? `/${nFolds}` : ''} folds: ${metric} ${fmt(mean)} ± ${fmt(std)}`
      : `waiting for the first fold${nFolds ? ` of ${nFolds}` : ''}…`;
    const data: PlotData = [{ type: 'box', y: scores, name: metric, boxpoints: 'all', jitter: 0.3, pointpos: 0, boxmean: true }];
    const layout: PlotLayout = {
      autosize: true,
      title: { text: `${metric} by outer fold` },
      showlegend: false,
      margin: { t: 40, r: 16, b: 32, l: 56 },
    };
    this.ready = drawn(this.ready, this.plotEl, data, layout);
  }
}
