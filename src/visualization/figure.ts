/**
 * Figure: a plotly figure ({data, layout}) that displays itself. In a notebook it renders as plotly
 * JSON (application/vnd.plotly.v1+json) with a static SVG snapshot for frontends without plotly;
 * inside the tunelab kernel the widget library installs a hook that turns it into a live Plot widget.
 * This module stays free of Jupyter and DOM: the SVG is written as a string.
 */
import { reprSymbol, type MimeBundle } from '../display';
import { runtime } from '../runtime';
import { columnsToGrid, gridCells, type GridCell } from './gridCells';
import { scatter3dSvg } from './scatter3dSvg';
import { esc, figureTitle, fmtTick, FONT, niceTicks, PALETTE, svgHead, titleText } from './svgParts';
import { fitText, textWidth } from './textWidth';

/** A plotly trace; kept loose on purpose: plotly has hundreds of attributes. */
export type Trace = { type?: string; name?: string; [attr: string]: unknown };

export interface FigureSpec {
  data: Trace[];
  layout?: Record<string, unknown>;
}

export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

/** Turns a displayed figure into a live widget's bundle, or undefined to keep the plain rendering. */
export type FigureDisplayHook = (fig: FigureSpec) => MimeBundle | undefined;

/**
 * Install (or clear) the hook that turns a displayed Figure into a live widget. The kernel's widget
 * support sets it, in the runtime object (src/runtime.ts) so that any loaded copy of tunelab sees it.
 */
export function setFigureDisplayHook(hook: FigureDisplayHook | null): void {
  runtime.figureDisplayHook = hook;
}

export class Figure implements FigureSpec {
  data: Trace[];
  layout: Record<string, unknown>;

  constructor(spec: FigureSpec) {
    this.data = spec.data;
    this.layout = spec.layout ?? {};
  }

  /** The title's text, read as plotly reads it (a number given as `text` is shown as its string). */
  get title(): string {
    return figureTitle(this.layout);
  }

  /** Plain JSON of the figure, as plotly.newPlot takes it. */
  toJSON(): { data: Trace[]; layout: Record<string, unknown> } {
    return { data: this.data, layout: this.layout };
  }

  /** The static snapshot (SVG markup). */
  toSVG(): string {
    return figureSnapshotSvg(this);
  }

  [reprSymbol](): MimeBundle {
    const hook = runtime.figureDisplayHook;
    if (hook) {
      const bundle = hook(this);
      if (bundle) return bundle;
    }
    return {
      [PLOTLY_MIME]: JSON.parse(JSON.stringify(this.toJSON(), finiteOrNull)),
      'image/svg+xml': this.toSVG(),
      'text/plain': `Figure "${this.title}" (${this.data.length} trace(s))`,
    };
  }
}

function finiteOrNull(_k: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? null : v;
}

// ---------------------------------------------------------------------------------------------
// Static SVG snapshot: enough of plotly's scatter/line/bar drawing to read a figure without JS.

/** The snapshot's size (plotly's default figure is 700 x 450; this is a little smaller, for reports). */
const WIDTH = 640;
const HEIGHT = 360;
/** A subplot panel's size, as Optuna lays out its slice and rank plots (300 px per panel). */
const PANEL = 300;
const MARGIN = { l: 64, r: 16, t: 36, b: 44 };
/** Between a y tick label's end and the plot area. */
const TICK_GAP = 6;

function axisTitle(layout: Record<string, unknown>, axis: string): string {
  return titleText((layout[axis] as { title?: unknown } | undefined)?.title);
}

/**
 * One axis: numeric (dates as ms), logarithmic (positions are log10 of the values), or categorical
 * with its categories in order of appearance.
 */
class AxisScale {
  readonly categories = new Map<string, number>();
  constructor(
    readonly categorical: boolean,
    readonly log = false,
    /** A date axis (plotly's type 'date'): positions are epoch milliseconds, ticks read as times. */
    readonly date = false,
  ) {}
  /** Position of a value on this axis (a category's index on a categorical axis), NaN if unusable. */
  pos(v: unknown): number {
    if (this.categorical) {
      if (v === null || v === undefined) return NaN;
      const k = String(v);
      if (!this.categories.has(k)) this.categories.set(k, this.categories.size);
      return this.categories.get(k)!;
    }
    if (this.log) return typeof v === 'number' && v > 0 ? Math.log10(v) : NaN;
    return typeof v === 'number' ? v : v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : NaN;
  }
  /** Tick positions and labels: category names (thinned when crowded), powers of ten, or nice numbers. */
  ticks(lo: number, hi: number): Array<[number, string]> {
    if (this.log) {
      const powers: number[] = [];
      for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) powers.push(e);
      // Less than two decades: nice steps of the exponent, labelled with the value.
      const at = powers.length >= 2 ? powers : niceTicks(lo, hi);
      return at.map((e) => [e, fmtTick(Number((10 ** e).toPrecision(3)))]);
    }
    if (this.date) {
      // Ticks closer than the labels' resolution would repeat a label: keep the first of each.
      const ticks = niceTicks(lo, hi).map((v) => [v, dateTick(v, hi - lo)] as [number, string]);
      return ticks.filter(([, label], i) => i === 0 || label !== ticks[i - 1][1]);
    }
    if (!this.categorical) return niceTicks(lo, hi).map((v) => [v, fmtTick(v)]);
    const names = [...this.categories.keys()];
    const every = Math.max(1, Math.ceil(names.length / 12));
    return names.flatMap((name, i) => (i % every === 0 ? [[i, name] as [number, string]] : []));
  }
}

/** A date axis tick (UTC): the time of day, with milliseconds when the axis spans under ten seconds, or the day when it spans days. */
function dateTick(ms: number, span: number): string {
  const iso = new Date(ms).toISOString();
  if (span >= 2 * 86_400_000) return iso.slice(0, 10);
  return span < 10_000 ? iso.slice(11, 23) : iso.slice(11, 19);
}

function isDateAxis(layout: Record<string, unknown>, axis: 'xaxis' | 'yaxis'): boolean {
  return (layout[axis] as { type?: unknown } | undefined)?.type === 'date';
}

function isLogAxis(layout: Record<string, unknown>, axis: 'xaxis' | 'yaxis'): boolean {
  return (layout[axis] as { type?: unknown } | undefined)?.type === 'log';
}

/** Whether an axis is categorical: declared so in the layout, or some value is a non-date string. */
function isCategoricalAxis(layout: Record<string, unknown>, axis: 'xaxis' | 'yaxis', columns: unknown[][]): boolean {
  const type = (layout[axis] as { type?: unknown } | undefined)?.type;
  if (type === 'category') return true;
  if (type === 'linear' || type === 'log' || type === 'date') return false;
  return columns.some((col) => col.some((v) => typeof v === 'string' && (axis === 'yaxis' || Number.isNaN(Date.parse(v)))));
}

/** plotly's named line dashes as SVG dash arrays. */
const DASHES = new Map([
  ['dot', '2,3'],
  ['dash', '6,4'],
  ['dashdot', '6,3,2,3'],
]);

const DRAWN_TYPES = new Set(['scatter', 'scattergl', 'bar', 'heatmap', 'contour']);

/** A sequential colour scale (viridis' ends and middle), t in [0, 1]. */
function scaleColor(t: number): string {
  const stops: Array<[number, number, number]> = [
    [68, 1, 84],
    [33, 145, 140],
    [253, 231, 37],
  ];
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  const f = u - i;
  const c = stops[i].map((a, k) => Math.round(a + f * (stops[i + 1][k] - a)));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/**
 * Render scatter / line / bar / heatmap / contour traces, a parallel coordinate plot or a 3-D
 * scatter of a figure as an SVG string (other types are listed).
 * A figure with subplots (traces on axes x2, y2, ...: Optuna's slice and rank plots) is drawn one
 * panel per pair of axes, each where its axes' domains put it.
 */
export function figureSnapshotSvg(fig: FigureSpec): string {
  const parcoords = fig.data.find((t) => t.type === 'parcoords');
  if (parcoords) return parallelCoordinatesSvg(fig, parcoords);
  if (fig.data.some((t) => t.type === 'scatter3d')) return scatter3dSvg(fig);
  const panels = new Map<string, Trace[]>();
  for (const t of fig.data) {
    const key = `${String(t.xaxis ?? 'x')} ${String(t.yaxis ?? 'y')}`;
    panels.set(key, [...(panels.get(key) ?? []), t]);
  }
  if (panels.size <= 1) return snapshotPanel(fig, WIDTH, HEIGHT);
  return subplotsSvg(fig, panels);
}

/** A colour scale given as plotly.js stops ([[0, 'rgb(r,g,b)'], ...]) sampled at t in [0, 1]; null if it is not one. */
function stopsColor(scale: unknown, t: number): string | null {
  if (!Array.isArray(scale) || scale.length < 2) return null;
  const stops = scale.map((s) => (Array.isArray(s) ? [Number(s[0]), /rgb\((\d+),\s*(\d+),\s*(\d+)\)/.exec(String(s[1]))] : [NaN, null]));
  if (stops.some(([p, m]) => !Number.isFinite(p as number) || !m)) return null;
  const u = Math.min(1, Math.max(0, t));
  let k = 1;
  while (k < stops.length - 1 && (stops[k][0] as number) < u) k++;
  const [p0, m0] = stops[k - 1] as [number, RegExpExecArray];
  const [p1, m1] = stops[k] as [number, RegExpExecArray];
  const f = p1 > p0 ? (u - p0) / (p1 - p0) : 0;
  const c = [1, 2, 3].map((i) => Math.round(Number(m0[i]) + f * (Number(m1[i]) - Number(m0[i]))));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/**
 * A parallel coordinate plot (plotly's 'parcoords'): one vertical axis per dimension, ticked as the
 * dimension says (tickvals/ticktext) or at nice values of its range, and one line per row, coloured
 * by line.color on line.colorscale (lowest values drawn last, on top, when the scale is reversed, as
 * the best trials are).
 */
function parallelCoordinatesSvg(fig: FigureSpec, trace: Trace): string {
  const layout = fig.layout ?? {};
  const title = figureTitle(layout);
  type Dimension = { label?: unknown; values?: unknown; range?: unknown; tickvals?: unknown; ticktext?: unknown };
  const dims = (Array.isArray(trace.dimensions) ? trace.dimensions : []) as Dimension[];
  const W = Math.max(WIDTH, dims.length * 110);
  const H = HEIGHT + 40;
  const top = 50;
  const bottom = H - 60;
  const left = 50;
  const right = W - 70;
  const parts = [...svgHead(W, H, title)];
  const columns = dims.map((d) => (Array.isArray(d.values) ? (d.values as unknown[]).map(Number) : []));
  const rows = Math.min(...columns.map((c) => c.length), Infinity);
  if (dims.length === 0 || !Number.isFinite(rows) || rows === 0) return parts.join('') + '</svg>';
  const x = (j: number) => (dims.length === 1 ? (left + right) / 2 : left + (j * (right - left)) / (dims.length - 1));
  const ranges = dims.map((d, j) => {
    const r = Array.isArray(d.range) && d.range.length === 2 ? (d.range as unknown[]).map(Number) : [];
    const finite = columns[j].filter(Number.isFinite);
    const lo = Number.isFinite(r[0]) ? r[0] : Math.min(...finite);
    const hi = Number.isFinite(r[1]) ? r[1] : Math.max(...finite);
    return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
  });
  const y = (j: number, v: number) => bottom - ((v - ranges[j][0]) / (ranges[j][1] - ranges[j][0])) * (bottom - top);
  const line = (trace.line ?? {}) as { color?: unknown; colorscale?: unknown; reversescale?: unknown };
  const colors = Array.isArray(line.color) ? (line.color as unknown[]).map(Number) : null;
  const [cmin, cmax] = colors ? [Math.min(...colors.filter(Number.isFinite)), Math.max(...colors.filter(Number.isFinite))] : [0, 1];
  const reversed = line.reversescale === true;
  const colorAt = (i: number) => {
    if (!colors) return typeof line.color === 'string' ? line.color : PALETTE[0];
    const t = cmax > cmin ? (colors[i] - cmin) / (cmax - cmin) : 0.5;
    return stopsColor(line.colorscale, reversed ? 1 - t : t) ?? scaleColor(t);
  };
  // Rows drawn in order of colour, the scale's dark end last, so the best lines are not buried.
  const order = Array.from({ length: rows }, (_, i) => i);
  if (colors) order.sort((a, b) => (reversed ? colors[b] - colors[a] : colors[a] - colors[b]));
  const paths = order.map((i) => {
    const pts = dims.map((_, j) => [x(j), y(j, columns[j][i])]).filter(([, py]) => Number.isFinite(py));
    const d = pts.map(([px, py], k) => `${k ? 'L' : 'M'}${px.toFixed(1)},${py.toFixed(1)}`).join('');
    return `<path d="${d}" fill="none" stroke="${esc(colorAt(i))}" stroke-width="1.2" stroke-opacity="0.8"/>`;
  });
  parts.push(`<g class="trace trace-0 lines">${paths.join('')}</g>`);
  dims.forEach((d, j) => {
    const [lo, hi] = ranges[j];
    const ticks: Array<[number, string]> =
      Array.isArray(d.tickvals) && Array.isArray(d.ticktext)
        ? (d.tickvals as unknown[]).map((v, k) => [Number(v), String((d.ticktext as unknown[])[k] ?? '')])
        : niceTicks(lo, hi).map((v) => [v, fmtTick(v)]);
    const marks = ticks
      .filter(([v]) => v >= lo - 1e-12 * Math.abs(lo) && v <= hi + 1e-12 * Math.abs(hi))
      .map(
        ([v, label]) =>
          `<line x1="${x(j) - 3}" x2="${x(j)}" y1="${y(j, v).toFixed(1)}" y2="${y(j, v).toFixed(1)}" stroke="#444"/>` +
          `<text class="tick" x="${x(j) - 5}" y="${(y(j, v) + 4).toFixed(1)}" text-anchor="end">${esc(fitText(label, FONT, 60))}</text>`,
      );
    parts.push(
      `<g class="axis"><line x1="${x(j)}" x2="${x(j)}" y1="${top}" y2="${bottom}" stroke="#444"/>${marks.join('')}` +
        `<text class="label" x="${x(j)}" y="${bottom + 18}" text-anchor="middle">${esc(fitText(String(d.label ?? ''), FONT, 100))}</text></g>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** The layout key of a trace's axis reference: 'x' is 'xaxis', 'x2' is 'xaxis2'. */
const axisKey = (ref: string) => `${ref[0]}axis${ref.slice(1)}`;

function domainOf(layout: Record<string, unknown>, key: string): [number, number] {
  const d = (layout[key] as { domain?: unknown } | undefined)?.domain;
  return Array.isArray(d) && d.length === 2 && d.every((v) => typeof v === 'number') ? [d[0], d[1]] : [0, 1];
}

function subplotsSvg(fig: FigureSpec, panels: Map<string, Trace[]>): string {
  const layout = fig.layout ?? {};
  const boxes = [...panels].map(([key, traces]) => {
    const [xref, yref] = key.split(' ');
    return { traces, xKey: axisKey(xref), yKey: axisKey(yref), x: domainOf(layout, axisKey(xref)), y: domainOf(layout, axisKey(yref)) };
  });
  const cols = new Set(boxes.map((b) => b.x.join())).size;
  const rows = new Set(boxes.map((b) => b.y.join())).size;
  const titleBand = 30;
  const width = Math.max(WIDTH, cols * PANEL);
  const height = Math.max(HEIGHT - titleBand, rows * PANEL);
  const title = figureTitle(layout);
  const parts = [...svgHead(width, height + titleBand, title)];
  for (const b of boxes) {
    // plotly's domains run from the left and from the bottom.
    const left = Math.round(b.x[0] * width);
    const top = titleBand + Math.round((1 - b.y[1]) * height);
    const w = Math.max(120, Math.round((b.x[1] - b.x[0]) * width));
    const h = Math.max(120, Math.round((b.y[1] - b.y[0]) * height));
    const panel = snapshotPanel(
      {
        data: b.traces.map(({ xaxis: _x, yaxis: _y, ...t }) => t),
        layout: { xaxis: layout[b.xKey], yaxis: layout[b.yKey], showlegend: false, margin: { t: 8 } },
      },
      w,
      h,
      8,
    );
    parts.push(`<g class="panel" transform="translate(${left} ${top})">${panel.replace(/^<svg[^>]*>/, '').replace(/<\/svg>$/, '')}</g>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

/** One plot area's snapshot, `W` x `H` pixels, its plot area `top` pixels from the top. */
function snapshotPanel(fig: FigureSpec, W: number, H: number, top = MARGIN.t): string {
  const M = { ...MARGIN, t: top };
  const layout = fig.layout ?? {};
  const title = figureTitle(layout);
  const traces = fig.data.filter((t) => DRAWN_TYPES.has(t.type ?? 'scatter'));
  const skipped = fig.data.filter((t) => !DRAWN_TYPES.has(t.type ?? 'scatter')).map((t) => `${t.type}${t.name ? ` "${t.name}"` : ''}`);
  const col = (t: Trace, k: 'x' | 'y'): unknown[] => (Array.isArray(t[k]) ? (t[k] as unknown[]) : []);
  const sx = new AxisScale(
    isCategoricalAxis(
      layout,
      'xaxis',
      traces.map((t) => col(t, 'x')),
    ),
    isLogAxis(layout, 'xaxis'),
    isDateAxis(layout, 'xaxis'),
  );
  const sy = new AxisScale(
    isCategoricalAxis(
      layout,
      'yaxis',
      traces.map((t) => col(t, 'y')),
    ),
    isLogAxis(layout, 'yaxis'),
    isDateAxis(layout, 'yaxis'),
  );
  const xs: number[] = [];
  const ys: number[] = [];

  type Drawn =
    | { kind: 'xy'; trace: Trace; pts: Array<[number, number]>; index: number; pointColors: Array<string | null>; errors: number[] | null }
    | { kind: 'bar'; trace: Trace; pts: Array<[number, number]>; bases: number[] | null; horizontal: boolean; index: number }
    | { kind: 'heatmap'; trace: Trace; cells: GridCell[]; zmin: number; zmax: number; index: number; colorAt: (t: number) => string };
  const drawn: Drawn[] = [];
  traces.forEach((t, index) => {
    const type = t.type ?? 'scatter';
    if (type === 'heatmap' || type === 'contour') {
      // z is rows (y) of columns (x); x/y place the columns/rows, else their indices. A contour is
      // drawn as its filled grid (the colours between its lines, without the lines).
      const zv = Array.isArray(t.z) ? (t.z as unknown[]) : [];
      const xv = col(t, 'x');
      const yv = col(t, 'y');
      let grid: { xs: number[]; ys: number[]; z: unknown[][] };
      if (zv.some(Array.isArray)) {
        const z = zv as unknown[][];
        const columns = Math.max(0, ...z.map((row) => (Array.isArray(row) ? row.length : 0)));
        grid = {
          xs: Array.from({ length: columns }, (_, c) => sx.pos(xv.length ? xv[c] : c)),
          ys: z.map((_, r) => sy.pos(yv.length ? yv[r] : r)),
          z,
        };
      } else {
        // One point per entry (x[i], y[i], z[i]): plotly grids them itself.
        grid = columnsToGrid(
          xv.map((x) => sx.pos(x)),
          yv.map((y) => sy.pos(y)),
          zv,
        );
      }
      const cells = gridCells(grid.xs, grid.ys, grid.z, { fillGaps: t.connectgaps === true, beyondEdges: type === 'heatmap' });
      const zmin = cells.reduce((m, cell) => Math.min(m, cell.value), Infinity);
      const zmax = cells.reduce((m, cell) => Math.max(m, cell.value), -Infinity);
      const reversed = t.reversescale === true;
      const colorAt = (u: number) => stopsColor(t.colorscale, reversed ? 1 - u : u) ?? scaleColor(u);
      drawn.push({ kind: 'heatmap', trace: t, cells, zmin, zmax, index, colorAt });
      return;
    }
    const xv = col(t, 'x');
    const yv = col(t, 'y');
    const pts: Array<[number, number]> = [];
    // A marker colour per point (plot_rank's colours by rank) when given as CSS colour strings.
    const markerColors = (t.marker as { color?: unknown } | undefined)?.color;
    const pointColors: Array<string | null> = [];
    // A bar's base (where it starts on the value axis; plot_timeline's start times), else 0.
    const horizontal = t.orientation === 'h';
    const baseValues = type === 'bar' && Array.isArray(t.base) ? (t.base as unknown[]) : null;
    const bases: number[] = [];
    // Symmetric error bars (plotly's error_y of type 'data': plot_optimization_history's error_bar).
    const errorY = t.error_y as { array?: unknown; visible?: unknown } | undefined;
    const errorValues = errorY && errorY.visible !== false && Array.isArray(errorY.array) ? (errorY.array as unknown[]) : null;
    const errors: number[] = [];
    const n = Math.min(xv.length || yv.length, yv.length || xv.length);
    for (let i = 0; i < n; i++) {
      const x = xv.length ? sx.pos(xv[i]) : i;
      const y = yv.length ? sy.pos(yv[i]) : i;
      const base = baseValues ? (horizontal ? sx : sy).pos(baseValues[i]) : 0;
      if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(base)) continue;
      pts.push([x, y]);
      bases.push(base);
      const e = errorValues ? Number(errorValues[i]) : NaN;
      errors.push(Number.isFinite(e) ? Math.abs(e) : 0);
      const c = Array.isArray(markerColors) ? markerColors[i] : undefined;
      pointColors.push(typeof c === 'string' ? c : null);
    }
    if (type === 'bar') drawn.push({ kind: 'bar', trace: t, pts, bases: baseValues ? bases : null, horizontal, index });
    else drawn.push({ kind: 'xy', trace: t, pts, index, pointColors, errors: errorValues ? errors : null });
  });

  // Bars: plotly's barmode 'group' (default) splits each position's slot between the bar traces;
  // 'overlay' draws them on top of each other; 'stack' piles them up from zero.
  const barmode = String(layout.barmode ?? 'group');
  const bars = drawn.filter((d): d is Extract<Drawn, { kind: 'bar' }> => d.kind === 'bar');
  const positions = [...new Set(bars.flatMap((b) => b.pts.map(([x, y]) => (b.horizontal ? y : x))))].sort((a, b) => a - b);
  // A slot is the smallest distance between bar positions (1 for categories or a single position).
  let slot = Infinity;
  for (let i = 1; i < positions.length; i++) slot = Math.min(slot, positions[i] - positions[i - 1]);
  if (!Number.isFinite(slot) || slot <= 0) slot = 1;
  const groupWidth = slot * 0.8;
  const perBar = barmode === 'group' ? groupWidth / Math.max(1, bars.length) : groupWidth;
  type BarRect = { index: number; pos0: number; pos1: number; v0: number; v1: number; horizontal: boolean };
  const barRects: BarRect[] = [];
  const stackBase = new Map<number, [number, number]>(); // position -> [positive top, negative bottom]
  bars.forEach((b, k) => {
    // A trace's own bar width (in position units) wins over the slot's share, as in plotly.
    const width = typeof b.trace.width === 'number' && b.trace.width > 0 ? b.trace.width : null;
    const barWidth = width ?? perBar;
    const offset = width !== null ? -width / 2 : barmode === 'group' ? -groupWidth / 2 + k * perBar : -groupWidth / 2;
    for (const [i, [x, y]] of b.pts.entries()) {
      const [pos, value] = b.horizontal ? [y, x] : [x, y];
      let v0 = b.bases ? b.bases[i] : 0;
      if (barmode === 'stack') {
        const base = stackBase.get(pos) ?? [0, 0];
        v0 = value >= 0 ? base[0] : base[1];
        stackBase.set(pos, value >= 0 ? [base[0] + value, base[1]] : [base[0], base[1] + value]);
      }
      const r = { index: b.index, pos0: pos + offset, pos1: pos + offset + barWidth, v0, v1: v0 + value, horizontal: b.horizontal };
      barRects.push(r);
      (b.horizontal ? ys : xs).push(r.pos0, r.pos1);
      (b.horizontal ? xs : ys).push(r.v0, r.v1);
    }
  });
  for (const d of drawn) {
    if (d.kind === 'xy') {
      d.pts.forEach(([x, y], k) => {
        xs.push(x);
        ys.push(y);
        const e = d.errors?.[k] ?? 0;
        if (e > 0) ys.push(y - e, y + e);
      });
    }
    if (d.kind === 'heatmap') {
      for (const cell of d.cells) {
        xs.push(cell.x0, cell.x1);
        ys.push(cell.y0, cell.y1);
      }
    }
  }
  // A categorical axis shows every category with half a slot of room on each side.
  if (sx.categorical && sx.categories.size > 0) xs.push(-0.5, sx.categories.size - 0.5);
  if (sy.categorical && sy.categories.size > 0) ys.push(-0.5, sy.categories.size - 0.5);

  // The legend, as plotly shows it: named traces, when there are several (or showlegend says so).
  const colorOf = (t: Trace, i: number): string => {
    const marker = t.marker as { color?: unknown } | undefined;
    const line = t.line as { color?: unknown } | undefined;
    return typeof marker?.color === 'string' ? marker.color : typeof line?.color === 'string' ? line.color : PALETTE[i % PALETTE.length];
  };
  const legendCandidates = drawn.filter((d) => d.kind !== 'heatmap' && d.trace.name && d.trace.showlegend !== false);
  const showLegend =
    layout.showlegend === true || (layout.showlegend !== false && drawn.filter((d) => d.trace.showlegend !== false).length > 1);
  const legendItems = showLegend ? legendCandidates.map((d) => ({ name: String(d.trace.name), color: colorOf(d.trace, d.index) })) : [];
  // It sits in its own column right of the plot (never over it), as wide as its longest name up to
  // a quarter of the figure; longer names are cut, and rows that do not fit become "+N more".
  const LEGEND_ROW = 14;
  const legendMaxText = W * 0.25;
  const legendRows = Math.max(1, Math.floor((H - M.t - M.b) / LEGEND_ROW));
  const legendShown = legendItems.length > legendRows ? legendItems.slice(0, legendRows - 1) : legendItems;
  const legendMore = legendItems.length > legendShown.length ? `+${legendItems.length - legendShown.length} more` : '';
  const legendText = Math.min(
    legendMaxText,
    Math.max(0, textWidth(legendMore, FONT), ...legendItems.map((it) => textWidth(it.name, FONT))),
  );
  const legendWidth = legendItems.length > 0 ? 14 + legendText : 0;
  // A heatmap's colour bar sits in a wider right margin, before the legend, unless the trace hides
  // it (plotly's showscale: a contour grid shows one for all its panels).
  const hasColorBar = (d: Drawn) => d.kind === 'heatmap' && d.cells.length > 0 && d.trace.showscale !== false;
  const mr = (drawn.some(hasColorBar) ? 60 : M.r) + (legendWidth > 0 ? legendWidth + 12 : 0);
  const yTitle = axisTitle(layout, 'yaxis');
  const parts: string[] = [...svgHead(W, H, title)];
  if (xs.length > 0) {
    let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
    let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
    if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
    if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
    // As plotly pads an axis for its markers: a point at the end of a range is drawn whole, not
    // cut by the plot area's edge (bar charts keep their value axis from the bars' base).
    if (drawn.some((d) => d.kind === 'xy') && !drawn.some((d) => d.kind === 'bar')) {
      const pad = (lo: number, hi: number) => (hi - lo) * 0.04;
      if (!sx.categorical) [x0, x1] = [x0 - pad(x0, x1), x1 + pad(x0, x1)];
      if (!sy.categorical) [y0, y1] = [y0 - pad(y0, y1), y1 + pad(y0, y1)];
    }
    // The left margin holds the y title band and the widest y tick label (measured), so long
    // parameter names are neither clipped by the figure's edge nor run into the title; labels wider
    // than 40% of the figure are cut with an ellipsis.
    const maxLabel = W * 0.4;
    const yTicks = sy.ticks(y0, y1).map(([v, label]) => [v, fitText(label, FONT, maxLabel)] as [number, string]);
    const labelWidth = Math.max(0, ...yTicks.map(([, label]) => textWidth(label, FONT)));
    const titleBand = yTitle ? 6 + FONT + 8 : 4;
    const ml = Math.max(M.l, Math.ceil(titleBand + labelWidth + TICK_GAP));
    const px = (x: number) => ml + ((x - x0) / (x1 - x0)) * (W - ml - mr);
    const py = (y: number) => H - M.b - ((y - y0) / (y1 - y0)) * (H - M.t - M.b);
    parts.push(`<rect class="plotarea" x="${ml}" y="${M.t}" width="${W - ml - mr}" height="${H - M.t - M.b}" fill="#e5ecf6"/>`);
    for (const [v, label] of yTicks) {
      parts.push(`<line x1="${ml}" x2="${W - mr}" y1="${py(v).toFixed(1)}" y2="${py(v).toFixed(1)}" stroke="#fff"/>`);
      parts.push(`<text class="ytick" x="${ml - TICK_GAP}" y="${(py(v) + 4).toFixed(1)}" text-anchor="end">${esc(label)}</text>`);
    }
    const xSlot = (W - ml - mr) / Math.max(1, sx.ticks(x0, x1).length);
    for (const [v, label] of sx.ticks(x0, x1)) {
      parts.push(
        `<text class="xtick" x="${px(v).toFixed(1)}" y="${H - M.b + 14}" text-anchor="middle">${esc(fitText(label, FONT, Math.max(40, xSlot - 4)))}</text>`,
      );
    }
    parts.push(
      `<text class="xtitle" x="${(ml + W - mr) / 2}" y="${H - 8}" text-anchor="middle">${esc(fitText(axisTitle(layout, 'xaxis'), FONT, W - ml - mr))}</text>`,
    );
    // The y title's baseline sits one font size in from the edge, so the rotated text stays inside.
    parts.push(
      `<text class="ytitle" transform="translate(${6 + FONT} ${(M.t + H - M.b) / 2}) rotate(-90)" text-anchor="middle">${esc(fitText(yTitle, FONT, H - M.t - M.b))}</text>`,
    );
    if (legendItems.length > 0) {
      const shown = legendShown;
      const lx = W - legendWidth - 4;
      const entries = shown.map((it, k) => {
        const y = M.t + 10 + k * LEGEND_ROW;
        return (
          `<rect x="${lx}" y="${y - 8}" width="9" height="9" fill="${esc(it.color)}"/>` +
          `<text x="${lx + 14}" y="${y}" fill="#333">${esc(fitText(it.name, FONT, legendText))}</text>`
        );
      });
      if (legendMore) entries.push(`<text x="${lx + 14}" y="${M.t + 10 + shown.length * LEGEND_ROW}" fill="#555">${legendMore}</text>`);
      parts.push(`<g class="legend">${entries.join('')}</g>`);
    }
    const rect = (xa: number, xb: number, ya: number, yb: number, extra = '') => {
      const [l, r] = [Math.min(px(xa), px(xb)), Math.max(px(xa), px(xb))];
      const [top, bottom] = [Math.min(py(ya), py(yb)), Math.max(py(ya), py(yb))];
      return `<rect x="${l.toFixed(1)}" y="${top.toFixed(1)}" width="${(r - l).toFixed(1)}" height="${(bottom - top).toFixed(1)}"${extra}/>`;
    };
    // The xy trace drawn last, which a `fill: 'tonexty'` trace fills up to.
    let previousXy: Extract<Drawn, { kind: 'xy' }> | null = null;
    for (const d of drawn) {
      const cls = `trace trace-${d.index}`;
      if (d.kind === 'heatmap') {
        const span = d.zmax - d.zmin;
        // Whole pixels, each cell reaching the next one's edge: rounded edges would leave hairline gaps.
        const cells = d.cells.map((cell) => {
          const [l, r] = [Math.floor(Math.min(px(cell.x0), px(cell.x1))), Math.ceil(Math.max(px(cell.x0), px(cell.x1)))];
          const [top, bottom] = [Math.floor(Math.min(py(cell.y0), py(cell.y1))), Math.ceil(Math.max(py(cell.y0), py(cell.y1)))];
          const fill = d.colorAt(span > 0 ? (cell.value - d.zmin) / span : 0.5);
          return `<rect x="${l}" y="${top}" width="${r - l}" height="${bottom - top}" fill="${fill}"/>`;
        });
        parts.push(`<g class="${cls} heatmap" shape-rendering="crispEdges">${cells.join('')}</g>`);
        if (hasColorBar(d)) {
          // The colour scale: a vertical bar from zmin (bottom) to zmax (top) at the right edge.
          const steps = 10;
          const bar = Array.from({ length: steps }, (_, k) => {
            const h = (H - M.t - M.b) / steps;
            return `<rect x="${W - mr + 8}" y="${(H - M.b - (k + 1) * h).toFixed(1)}" width="8" height="${(h + 0.5).toFixed(1)}" fill="${d.colorAt(k / (steps - 1))}"/>`;
          });
          parts.push(
            `<g class="colorscale">${bar.join('')}<text x="${W - mr + 20}" y="${M.t + 10}" text-anchor="start">${fmtTick(d.zmax)}</text>` +
              `<text x="${W - mr + 20}" y="${H - M.b - 2}" text-anchor="start">${fmtTick(d.zmin)}</text></g>`,
          );
        }
        continue;
      }
      const color = colorOf(d.trace, d.index);
      if (d.kind === 'bar') {
        const rects = barRects
          .filter((r) => r.index === d.index)
          .map((r) => (r.horizontal ? rect(r.v0, r.v1, r.pos0, r.pos1) : rect(r.pos0, r.pos1, r.v0, r.v1)));
        parts.push(`<g class="${cls}" fill="${esc(color)}">${rects.join('')}</g>`);
        continue;
      }
      const mode = String(d.trace.mode ?? 'lines+markers');
      let g = `<g class="${cls}">`;
      const pathOf = (pts: ReadonlyArray<[number, number]>, first: 'M' | 'L') =>
        pts.map(([x, y], k) => `${k || first === 'L' ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join('');
      // plotly's fill 'tonexty': the area between this trace and the xy trace drawn before it (a band).
      const previous = d.trace.fill === 'tonexty' ? previousXy : null;
      if (previous && previous.pts.length > 0 && d.pts.length > 0) {
        const fill = typeof d.trace.fillcolor === 'string' ? d.trace.fillcolor : color;
        const area = pathOf(d.pts, 'M') + pathOf([...previous.pts].reverse(), 'L') + 'Z';
        g += `<path class="fill" d="${area}" fill="${esc(fill)}" fill-opacity="${typeof d.trace.fillcolor === 'string' ? 1 : 0.3}" stroke="none"/>`;
      }
      const lineStyle = (d.trace.line ?? {}) as { dash?: unknown; width?: unknown };
      const width = typeof lineStyle.width === 'number' && lineStyle.width >= 0 ? lineStyle.width : 2;
      if (mode.includes('lines') && d.pts.length > 1 && width >= 0.5) {
        // plotly's line dashes (a pruned trial's learning curve is dotted).
        const dash = DASHES.get(String(lineStyle.dash));
        g += `<path d="${pathOf(d.pts, 'M')}" fill="none" stroke="${esc(color)}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`;
      }
      if (d.errors) {
        g += d.pts
          .map(([x, y], k) => {
            const e = d.errors![k];
            if (!(e > 0)) return '';
            const [cx, lo, hi] = [px(x).toFixed(1), py(y - e).toFixed(1), py(y + e).toFixed(1)];
            const cap = (v: string) => `M${(px(x) - 3).toFixed(1)},${v}H${(px(x) + 3).toFixed(1)}`;
            return `<path class="error" d="M${cx},${lo}V${hi}${cap(lo)}${cap(hi)}" stroke="${esc(color)}" stroke-width="1" fill="none"/>`;
          })
          .join('');
      }
      if (mode.includes('markers')) {
        g += d.pts
          .map(
            ([x, y], k) =>
              `<circle class="point" cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${esc(d.pointColors[k] ?? color)}"/>`,
          )
          .join('');
      }
      parts.push(g + '</g>');
      previousXy = d;
    }
  }
  if (skipped.length > 0) {
    parts.push(`<text x="${M.l}" y="${H - M.b - 8}" fill="#555">(not drawn in this snapshot: ${esc(skipped.join(', '))})</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}
