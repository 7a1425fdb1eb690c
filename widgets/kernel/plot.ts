/**
 * Plot: a plotly.js figure that lives in the kernel and is updated incrementally. Appending points
 * or restyling goes to the views as small custom messages (batched per flush interval), never as
 * the whole figure; the kernel keeps the full figure so a frontend that (re)connects, and the state
 * a notebook saves, get it complete (`syncFigure()` writes it to the model state, done at study end).
 */
import { escapeHtml, type Widget } from './widget';
import type { JsonObject } from './transport';
import { figureSnapshotSvg, type FigureSpec, type Trace } from '../../src/visualization/figure';
import { TunelabModel } from './tunelabModel';
import type { PlotOp } from '../schema';

/** Points to append to one trace: parallel arrays of equal length. */
export interface TracePoints {
  x?: unknown[];
  y?: unknown[];
  text?: unknown[];
  [column: string]: unknown[] | undefined;
}

export class Plot extends TunelabModel<'PlotModel'> {
  private figure: { data: Trace[]; layout: JsonObject };
  private stale = false;

  constructor(figure: FigureSpec = { data: [], layout: {} }, opts: { height?: number } = {}) {
    const copy = cloneFigure(figure);
    // `plot_layout`, not `layout`: DOMWidgetModel's `layout` is the reference to its LayoutModel.
    super('PlotModel', { data: copy.data, plot_layout: copy.layout, height: opts.height });
    this.figure = copy;
  }

  /** The figure as the kernel knows it (including appended points not yet in the model state). */
  get data(): readonly Trace[] {
    return this.figure.data;
  }
  get layout(): JsonObject {
    return this.figure.layout;
  }

  /** Replace the whole figure (one full update message). */
  setFigure(figure: FigureSpec): void {
    this.figure = cloneFigure(figure);
    this.clearCustomQueue();
    this.stale = false;
    this.set({ data: this.figure.data, plot_layout: this.figure.layout });
  }

  /** Append points to traces; `updates` maps trace index -> columns to extend. */
  extend(updates: Record<number, TracePoints>): void {
    const ops: Array<PlotOp & { op: 'extend' }> = [];
    for (const [key, cols] of Object.entries(updates)) {
      const index = Number(key);
      const trace = this.figure.data[index];
      if (!trace) throw new RangeError(`Plot.extend: no trace ${index} (the figure has ${this.figure.data.length}).`);
      const clean: Record<string, unknown[]> = {};
      for (const [col, values] of Object.entries(cols)) {
        if (!values || values.length === 0) continue;
        const target = ((trace as Record<string, unknown>)[col] ??= []) as unknown[];
        for (const v of values) target.push(v);
        clean[col] = [...values];
      }
      if (Object.keys(clean).length > 0) ops.push({ op: 'extend', trace: index, columns: clean });
    }
    if (ops.length === 0) return;
    this.stale = true;
    for (const op of ops) this.queuePlotOp(op, (last) => mergeExtend(last, op));
  }

  /** Add a trace (sent as a custom message). */
  addTrace(trace: Trace): void {
    this.figure.data.push(structuredClone(trace));
    this.stale = true;
    this.queuePlotOp({ op: 'addTrace', trace: trace as JsonObject });
  }

  /**
   * Set attributes of traces (all when `traces` is omitted); keys may be dotted ('marker.color').
   * Unlike Plotly.restyle, an array value is the value itself for every trace, not one per trace.
   */
  restyle(update: JsonObject, traces?: number[]): void {
    const idx = traces ?? this.figure.data.map((_, i) => i);
    for (const i of idx) for (const [k, v] of Object.entries(update)) setDotted(this.figure.data[i] as JsonObject, k, structuredClone(v));
    this.stale = true;
    this.queuePlotOp({ op: 'restyle', update, traces: idx });
  }

  /** Change layout attributes (plotly's dotted keys like 'xaxis.range' allowed), like Plotly.relayout. */
  relayout(update: JsonObject): void {
    for (const [k, v] of Object.entries(update)) setDotted(this.figure.layout, k, v);
    this.stale = true;
    this.queuePlotOp({ op: 'relayout', update });
  }

  /** Queue an op for the views (the messages the schema's `PlotOp` declares for both sides). */
  private queuePlotOp(op: PlotOp, tryMerge?: (last: JsonObject) => boolean): void {
    this.queueCustom(op, tryMerge);
  }

  /** Write the full figure into the model state, so saved notebooks and late frontends have every point. */
  syncFigure(): void {
    if (!this.stale) return;
    this.stale = false;
    this.clearCustomQueue();
    this.set({ data: cloneFigure(this.figure).data, plot_layout: structuredClone(this.figure.layout) });
  }

  /** A frontend re-rendering an updated output builds the view from the model state: make it whole. */
  protected override prepareForRerender(seen?: Set<Widget>): void {
    this.syncFigure();
    super.prepareForRerender(seen);
  }

  override fullState(): Record<string, unknown> {
    // A frontend asking for the state gets the figure with everything appended so far.
    return { ...super.fullState(), data: this.figure.data, plot_layout: this.figure.layout };
  }

  override snapshotHtml(): string {
    return figureSnapshotSvg({ data: this.figure.data, layout: this.figure.layout });
  }

  override toString(): string {
    const title = (this.figure.layout.title as { text?: string } | string | undefined) ?? '';
    const t = typeof title === 'string' ? title : (title.text ?? '');
    return `Plot${t ? ` "${escapeHtml(t)}"` : ''} with ${this.figure.data.length} trace(s)`;
  }
}

/** Consecutive extends of the same trace and columns merge, so a burst of trials is one small op. */
function mergeExtend(last: JsonObject, op: PlotOp & { op: 'extend' }): boolean {
  // `last` is the op queued before, by this model: a PlotOp.
  if (last.op !== 'extend' || last.trace !== op.trace) return false;
  const a = last.columns as Record<string, unknown[]>;
  const b = op.columns;
  const ka = Object.keys(a).sort().join();
  if (ka !== Object.keys(b).sort().join()) return false;
  for (const k of Object.keys(b)) for (const v of b[k]) a[k].push(v);
  return true;
}

function cloneFigure(f: FigureSpec): { data: Trace[]; layout: JsonObject } {
  return { data: structuredClone([...f.data]) as Trace[], layout: structuredClone(f.layout ?? {}) as JsonObject };
}

function setDotted(obj: JsonObject, key: string, value: unknown): void {
  const parts = key.split('.');
  let cur = obj as Record<string, unknown>;
  for (const p of parts.slice(0, -1)) {
    if (cur[p] === null || typeof cur[p] !== 'object') cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]] = value;
}
