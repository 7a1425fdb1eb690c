/**
 * The pieces every static SVG snapshot shares (figure.ts's plot areas, the parallel coordinate, the
 * 3-D scatter): escaping, ticks, the title and the opening of the svg element, plotly's colours.
 */
import { escapeHtml } from '../display';
import { fitText } from './textWidth';

export const FONT = 11;

/** plotly's default colour sequence. */
export const PALETTE = ['#636efa', '#EF553B', '#00cc96', '#ab63fa', '#FFA15A', '#19d3f3', '#FF6692', '#B6E880'];

/** Text for SVG elements and attributes (the display module's escaper). */
export const esc = escapeHtml;

export function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

export function fmtTick(v: number): string {
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(1) : String(Number(v.toPrecision(6)));
}

/** The text of a plotly title: a string, or an object with `text`. */
export function titleText(title: unknown): string {
  if (typeof title === 'string') return title;
  return title && typeof title === 'object' ? String((title as { text?: unknown }).text ?? '') : '';
}

export function figureTitle(layout: Record<string, unknown>): string {
  return titleText(layout.title);
}

/** A snapshot's opening: the svg element, its white background and the figure's title. */
export function svgHead(width: number, height: number, title: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Arial, 'Liberation Sans', Helvetica, sans-serif" font-size="${FONT}">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${esc(fitText(title, 14, width - 16))}</text>`,
  ];
}
