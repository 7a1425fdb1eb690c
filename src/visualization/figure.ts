/**
 * Figure: a plotly figure ({data, layout}) that displays itself. In a notebook it renders as plotly
 * JSON (application/vnd.plotly.v1+json) with a static SVG snapshot for frontends without plotly;
 * inside the tunelab kernel the widget library installs a hook that turns it into a live Plot widget.
 * This module stays free of Jupyter and DOM: the SVG is written as a string.
 */
import { reprSymbol, type MimeBundle } from '../display';

/** A plotly trace; kept loose on purpose: plotly has hundreds of attributes. */
export type Trace = { type?: string; name?: string; [attr: string]: unknown };

export interface FigureSpec {
  data: Trace[];
  layout?: Record<string, unknown>;
}

export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

// Set by the kernel's widget support (on globalThis so any loaded copy of tunelab sees it).
const FIGURE_HOOK_KEY = Symbol.for('tunelab.figureDisplayHook');
type HookHolder = { [FIGURE_HOOK_KEY]?: ((fig: FigureSpec) => MimeBundle | undefined) | null };

/** Install (or clear) the hook that turns a displayed Figure into a live widget. */
export function setFigureDisplayHook(hook: ((fig: FigureSpec) => MimeBundle | undefined) | null): void {
  (globalThis as HookHolder)[FIGURE_HOOK_KEY] = hook;
}

export class Figure implements FigureSpec {
  data: Trace[];
  layout: Record<string, unknown>;

  constructor(spec: FigureSpec) {
    this.data = spec.data;
    this.layout = spec.layout ?? {};
  }

  get title(): string {
    const t = this.layout.title;
    if (typeof t === 'string') return t;
    if (t && typeof t === 'object' && typeof (t as { text?: unknown }).text === 'string') return (t as { text: string }).text;
    return '';
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
    const hook = (globalThis as HookHolder)[FIGURE_HOOK_KEY];
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

const W = 640;
const H = 360;
const M = { l: 64, r: 16, t: 36, b: 44 };
const PALETTE = ['#636efa', '#EF553B', '#00cc96', '#ab63fa', '#FFA15A', '#19d3f3', '#FF6692', '#B6E880'];

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

function axisTitle(layout: Record<string, unknown>, axis: string): string {
  const a = layout[axis] as { title?: unknown } | undefined;
  const t = a?.title;
  if (typeof t === 'string') return t;
  if (t && typeof t === 'object') return String((t as { text?: unknown }).text ?? '');
  return '';
}

function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function fmtTick(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(1) : String(Number(v.toPrecision(6)));
}

/** Render scatter / line / bar traces of a figure as an SVG string (other trace types are listed). */
export function figureSnapshotSvg(fig: FigureSpec): string {
  const layout = fig.layout ?? {};
  const titleObj = layout.title;
  const title = typeof titleObj === 'string' ? titleObj : String((titleObj as { text?: unknown } | undefined)?.text ?? '');
  const xs: number[] = [];
  const ys: number[] = [];
  const categories = new Map<string, number>();
  const asNum = (v: unknown, cat: boolean): number => {
    if (cat) {
      const k = String(v);
      if (!categories.has(k)) categories.set(k, categories.size);
      return categories.get(k)!;
    }
    return typeof v === 'number' ? v : v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : NaN;
  };
  type Drawn = { trace: Trace; pts: Array<[number, number]>; horizontal: boolean; bar: boolean };
  const drawn: Drawn[] = [];
  const skipped: string[] = [];
  for (const t of fig.data) {
    const type = t.type ?? 'scatter';
    if (type !== 'scatter' && type !== 'scattergl' && type !== 'bar') {
      skipped.push(`${type}${t.name ? ` "${t.name}"` : ''}`);
      continue;
    }
    const horizontal = type === 'bar' && t.orientation === 'h';
    const xv = (t.x as unknown[] | undefined) ?? [];
    const yv = (t.y as unknown[] | undefined) ?? [];
    const catX = xv.some((v) => typeof v === 'string' && Number.isNaN(Date.parse(v)));
    const catY = yv.some((v) => typeof v === 'string');
    const pts: Array<[number, number]> = [];
    const n = Math.min(xv.length || yv.length, yv.length || xv.length);
    for (let i = 0; i < n; i++) {
      const x = xv.length ? asNum(xv[i], catX) : i;
      const y = yv.length ? asNum(yv[i], catY) : i;
      if (Number.isFinite(x) && Number.isFinite(y)) {
        pts.push([x, y]);
        xs.push(x);
        ys.push(y);
      }
    }
    if (type === 'bar') (horizontal ? xs : ys).push(0);
    drawn.push({ trace: t, pts, horizontal, bar: type === 'bar' });
  }
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
  ];
  if (xs.length > 0) {
    let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
    let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
    if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
    if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
    const px = (x: number) => M.l + ((x - x0) / (x1 - x0)) * (W - M.l - M.r);
    const py = (y: number) => H - M.b - ((y - y0) / (y1 - y0)) * (H - M.t - M.b);
    parts.push(`<rect x="${M.l}" y="${M.t}" width="${W - M.l - M.r}" height="${H - M.t - M.b}" fill="#e5ecf6"/>`);
    for (const v of niceTicks(y0, y1)) {
      parts.push(`<line x1="${M.l}" x2="${W - M.r}" y1="${py(v).toFixed(1)}" y2="${py(v).toFixed(1)}" stroke="#fff"/>`);
      parts.push(`<text x="${M.l - 4}" y="${(py(v) + 4).toFixed(1)}" text-anchor="end">${fmtTick(v)}</text>`);
    }
    for (const v of niceTicks(x0, x1)) {
      parts.push(`<text x="${px(v).toFixed(1)}" y="${H - M.b + 14}" text-anchor="middle">${fmtTick(v)}</text>`);
    }
    parts.push(`<text x="${(M.l + W - M.r) / 2}" y="${H - 8}" text-anchor="middle">${esc(axisTitle(layout, 'xaxis'))}</text>`);
    parts.push(
      `<text transform="translate(14 ${(M.t + H - M.b) / 2}) rotate(-90)" text-anchor="middle">${esc(axisTitle(layout, 'yaxis'))}</text>`,
    );
    drawn.forEach((d, i) => {
      const marker = d.trace.marker as { color?: unknown } | undefined;
      const line = d.trace.line as { color?: unknown } | undefined;
      const color = typeof marker?.color === 'string' ? marker.color : typeof line?.color === 'string' ? line.color : PALETTE[i % PALETTE.length];
      const cls = `trace trace-${i}`;
      if (d.bar) {
        const bw = d.horizontal ? (H - M.t - M.b) / Math.max(1, d.pts.length * 1.5) : (W - M.l - M.r) / Math.max(1, d.pts.length * 1.5);
        const rects = d.pts.map(([x, y]) =>
          d.horizontal
            ? `<rect x="${px(0).toFixed(1)}" y="${(py(y) - bw / 2).toFixed(1)}" width="${(px(x) - px(0)).toFixed(1)}" height="${bw.toFixed(1)}"/>`
            : `<rect x="${(px(x) - bw / 2).toFixed(1)}" y="${py(y).toFixed(1)}" width="${bw.toFixed(1)}" height="${(py(0) - py(y)).toFixed(1)}"/>`,
        );
        parts.push(`<g class="${cls}" fill="${esc(color)}">${rects.join('')}</g>`);
        return;
      }
      const mode = String(d.trace.mode ?? 'lines+markers');
      let g = `<g class="${cls}">`;
      if (mode.includes('lines') && d.pts.length > 1) {
        const path = d.pts.map(([x, y], k) => `${k ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join('');
        g += `<path d="${path}" fill="none" stroke="${esc(color)}" stroke-width="2"/>`;
      }
      if (mode.includes('markers')) {
        g += d.pts.map(([x, y]) => `<circle class="point" cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${esc(color)}"/>`).join('');
      }
      parts.push(g + '</g>');
      if (d.trace.name) {
        parts.push(`<text x="${W - M.r - 4}" y="${M.t + 14 + i * 14}" text-anchor="end" fill="${esc(color)}">${esc(String(d.trace.name))}</text>`);
      }
    });
  }
  if (skipped.length > 0) {
    parts.push(`<text x="${M.l}" y="${H - M.b - 8}" fill="#555">(not drawn in this snapshot: ${esc(skipped.join(', '))})</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}
