/**
 * A 3-D scatter (plotly's 'scatter3d': the Pareto front of three objectives) as a static SVG: the
 * scene's box seen from plotly's default camera (the eye at (1.25, 1.25, 1.25), z up), projected
 * orthographically, each axis scaled to the box as plotly's `aspectmode: 'auto'` does for similar
 * ranges, with ticks on three edges and the points drawn far to near.
 */
import type { FigureSpec, Trace } from './figure';
import { esc, figureTitle, fmtTick, niceTicks, PALETTE, svgHead, titleText } from './svgParts';

const WIDTH = 640;
const HEIGHT = 480;
const AXES = ['x', 'y', 'z'] as const;
type Point3 = [number, number, number];

/**
 * Screen position (right, up) and depth (towards the eye) of a point of the box [-1, 1]^3, seen
 * from the direction (1, 1, 1) with z up.
 */
function project([x, y, z]: Point3): { right: number; up: number; depth: number } {
  return { right: (y - x) / Math.SQRT2, up: (2 * z - x - y) / Math.sqrt(6), depth: (x + y + z) / Math.sqrt(3) };
}

/** The edges the axes are ticked on, as [from, to] in box coordinates: x and y along the front bottom, z up the left. */
const TICKED_EDGES: Record<(typeof AXES)[number], [Point3, Point3]> = {
  x: [
    [-1, 1, -1],
    [1, 1, -1],
  ],
  y: [
    [1, -1, -1],
    [1, 1, -1],
  ],
  z: [
    [1, -1, -1],
    [1, -1, 1],
  ],
};

export function scatter3dSvg(fig: FigureSpec): string {
  const layout = fig.layout ?? {};
  const scene = (layout.scene ?? {}) as Record<string, { type?: unknown; title?: unknown } | undefined>;
  const traces = fig.data.filter((t) => t.type === 'scatter3d');
  const isLog = AXES.map((a) => scene[`${a}axis`]?.type === 'log');
  const toAxis = (k: number, v: unknown): number => {
    const n = typeof v === 'number' ? v : Number.NaN;
    return isLog[k] ? (n > 0 ? Math.log10(n) : Number.NaN) : n;
  };
  const columns = (t: Trace) => AXES.map((a, k) => (Array.isArray(t[a]) ? (t[a] as unknown[]).map((v) => toAxis(k, v)) : []));
  const ranges = AXES.map((_, k) => {
    const values = traces.flatMap((t) => columns(t)[k]).filter(Number.isFinite);
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    return values.length === 0 ? [0, 1] : hi > lo ? [lo, hi] : [lo - 0.5, hi + 0.5];
  });
  const toBox = (k: number, v: number) => (2 * (v - ranges[k][0])) / (ranges[k][1] - ranges[k][0]) - 1;

  // Fit the projected box into the figure, below the title and left of the legend.
  const legend = traces.filter((t) => t.name && t.showlegend !== false);
  const legendWidth = legend.length > 1 ? 110 : 0;
  const corners = [-1, 1].flatMap((x) => [-1, 1].flatMap((y) => [-1, 1].map((z) => project([x, y, z]))));
  const spanRight = Math.max(...corners.map((c) => Math.abs(c.right)));
  const spanUp = Math.max(...corners.map((c) => Math.abs(c.up)));
  const area = { left: 60, right: WIDTH - 60 - legendWidth, top: 40, bottom: HEIGHT - 50 };
  const scale = Math.min((area.right - area.left) / (2 * spanRight), (area.bottom - area.top) / (2 * spanUp));
  const centre = { x: (area.left + area.right) / 2, y: (area.top + area.bottom) / 2 };
  const screen = (p: Point3) => {
    const q = project(p);
    return { x: centre.x + q.right * scale, y: centre.y - q.up * scale, depth: q.depth };
  };
  const f = (v: number) => v.toFixed(1);

  const parts = [...svgHead(WIDTH, HEIGHT, figureTitle(layout))];
  // The box's twelve edges, light, then each axis's ticks and title on its edge.
  const edges: Array<[Point3, Point3]> = [];
  for (const a of [-1, 1]) {
    for (const b of [-1, 1]) {
      edges.push(
        [
          [-1, a, b],
          [1, a, b],
        ],
        [
          [a, -1, b],
          [a, 1, b],
        ],
        [
          [a, b, -1],
          [a, b, 1],
        ],
      );
    }
  }
  parts.push(
    `<g class="box" stroke="#d8dee9">${edges
      .map(([p, q]) => {
        const [s, e] = [screen(p), screen(q)];
        return `<line x1="${f(s.x)}" y1="${f(s.y)}" x2="${f(e.x)}" y2="${f(e.y)}"/>`;
      })
      .join('')}</g>`,
  );
  AXES.forEach((a, k) => {
    const [from, to] = TICKED_EDGES[a];
    const at = (v: number): Point3 => from.map((c, i) => (i === k ? toBox(k, v) : c)) as Point3;
    // Labels sit outside the box: pushed away from its centre on the screen.
    const outward = (p: { x: number; y: number }, by: number) => {
      const dx = p.x - centre.x;
      const dy = p.y - centre.y;
      const n = Math.hypot(dx, dy) || 1;
      return { x: p.x + (dx / n) * by, y: p.y + (dy / n) * by };
    };
    // A log axis is ticked at powers of ten when it spans two or more (as plotly does).
    const [lo, hi] = ranges[k];
    const powers = Array.from({ length: Math.max(0, Math.floor(hi) - Math.ceil(lo) + 1) }, (_, i) => Math.ceil(lo) + i);
    const ticks = (isLog[k] && powers.length >= 2 ? powers : niceTicks(lo, hi, 6)).map((v) => {
      const p = outward(screen(at(v)), 14);
      const label = fmtTick(isLog[k] ? 10 ** v : v);
      return `<text class="${a}tick" x="${f(p.x)}" y="${f(p.y + 4)}" text-anchor="middle">${esc(label)}</text>`;
    });
    const middle = screen(from.map((c, i) => (i === k ? 0 : (c + to[i]) / 2)) as Point3);
    const titlePoint = outward(middle, 48);
    const title = titleText(scene[`${a}axis`]?.title) || a;
    parts.push(
      `<g class="axis ${a}axis">${ticks.join('')}<text class="${a}title" x="${f(titlePoint.x)}" y="${f(titlePoint.y + 4)}" text-anchor="middle">${esc(title)}</text></g>`,
    );
  });

  // The points, far to near, so nearer ones are drawn over farther ones.
  const points: Array<{ x: number; y: number; depth: number; color: string; trace: number }> = [];
  traces.forEach((t, index) => {
    const [xs, ys, zs] = columns(t);
    const color = markerColor(t, index);
    xs.forEach((x, i) => {
      const p: Point3 = [toBox(0, x), toBox(1, ys[i]), toBox(2, zs[i])];
      if (p.every(Number.isFinite)) points.push({ ...screen(p), color, trace: index });
    });
  });
  points.sort((p, q) => p.depth - q.depth);
  parts.push(
    `<g class="points">${points
      .map((p) => `<circle class="point trace-${p.trace}" cx="${f(p.x)}" cy="${f(p.y)}" r="3" fill="${esc(p.color)}"/>`)
      .join('')}</g>`,
  );
  if (legendWidth > 0) {
    const x = WIDTH - legendWidth;
    parts.push(
      `<g class="legend">${legend
        .map((t, i) => {
          const y = 50 + i * 18;
          const color = markerColor(t, traces.indexOf(t));
          return `<rect x="${x}" y="${y - 9}" width="9" height="9" fill="${esc(color)}"/><text x="${x + 14}" y="${y}" fill="#333">${esc(String(t.name))}</text>`;
        })
        .join('')}</g>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

function markerColor(t: Trace, index: number): string {
  const color = (t.marker as { color?: unknown } | undefined)?.color;
  return typeof color === 'string' ? color : PALETTE[index % PALETTE.length];
}
