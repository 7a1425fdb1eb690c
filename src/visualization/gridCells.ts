/**
 * The cells a heatmap or a contour trace colours, for the static SVG snapshot: one rectangle per
 * grid value, bounded halfway to its neighbours (in axis positions, so a log axis gets log-spaced
 * cells). A contour's fill ends at its outermost grid lines, a heatmap's half a cell beyond them,
 * as plotly draws them.
 *
 * With `connectgaps` (what Optuna's contour plot sets: its grid holds one value per trial and is
 * empty elsewhere), the empty values are filled before drawing, as plotly interpolates them (its
 * details differ): each takes the average of its neighbours, repeated until nothing moves (a
 * discrete Laplace equation with the known values held fixed), a smooth surface through the trials.
 */

export interface GridCell {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  value: number;
}

export interface GridOptions {
  /** Fill empty values from their neighbours (plotly's `connectgaps`). */
  fillGaps: boolean;
  /** Cells reach half a cell beyond the outermost grid lines (a heatmap) or end at them (a contour). */
  beyondEdges: boolean;
}

/** Relaxation stops when no value moves by more than this share of the values' range, or after MAX_SWEEPS. */
const TOLERANCE = 1e-4;
const MAX_SWEEPS = 2_000;

/**
 * `z[row][column]`, rows along y, columns along x; `xs[column]` and `ys[row]` are the grid lines'
 * axis positions (NaN for a line the axis cannot place). Values that are not finite numbers are
 * empty.
 */
export function gridCells(xs: readonly number[], ys: readonly number[], z: readonly unknown[][], options: GridOptions): GridCell[] {
  const values = z.map((row) =>
    xs.map((_, c) => (Array.isArray(row) && typeof row[c] === 'number' && Number.isFinite(row[c]) ? (row[c] as number) : NaN)),
  );
  const filled = options.fillGaps ? fillGaps(values) : values;
  const xEdges = edges(xs, options.beyondEdges);
  const yEdges = edges(ys, options.beyondEdges);
  const cells: GridCell[] = [];
  filled.forEach((row, r) =>
    row.forEach((value, c) => {
      const [x0, x1] = xEdges[c];
      const [y0, y1] = yEdges[r] ?? [NaN, NaN];
      if ([value, x0, x1, y0, y1].every(Number.isFinite)) cells.push({ x0, x1, y0, y1, value });
    }),
  );
  return cells;
}

/**
 * At most this many grid lines a side in a snapshot: Optuna's contour grid has a line per distinct
 * value, so n trials make an n x n grid (a million cells at 1,000 trials), which an SVG cannot carry.
 */
export const MAX_GRID_LINES = 80;

/**
 * A trace given as columns (x[i], y[i], z[i] one point each, as tunelab's contour plot gives it) made
 * a grid as plotly makes one: the distinct x and y positions, in order, are the grid lines, and a
 * value lands at its point's crossing (the last one wins); other crossings are empty. Past
 * MAX_GRID_LINES distinct positions on an axis, the lines are that many even bins' centres and a
 * crossing holds the mean of the values that fall in it.
 */
export function columnsToGrid(
  xs: readonly number[],
  ys: readonly number[],
  zs: readonly unknown[],
): { xs: number[]; ys: number[]; z: unknown[][] } {
  const gridX = gridLines(xs);
  const gridY = gridLines(ys);
  const sums = gridY.lines.map(() => gridX.lines.map(() => ({ sum: 0, n: 0, last: null as unknown })));
  zs.forEach((value, i) => {
    const c = gridX.lineOf(xs[i]);
    const r = gridY.lineOf(ys[i]);
    if (c < 0 || r < 0) return;
    const cell = sums[r][c];
    cell.last = value;
    if (typeof value === 'number' && Number.isFinite(value)) {
      cell.sum += value;
      cell.n++;
    }
  });
  const binned = gridX.binned || gridY.binned;
  const z = sums.map((row) => row.map((cell) => (binned ? (cell.n > 0 ? cell.sum / cell.n : null) : cell.last)));
  return { xs: gridX.lines, ys: gridY.lines, z };
}

/** An axis's grid lines and the line a position falls on (-1 for none). */
function gridLines(positions: readonly number[]): { lines: number[]; lineOf: (p: number) => number; binned: boolean } {
  const distinct = [...new Set(positions.filter(Number.isFinite))].sort((a, b) => a - b);
  if (distinct.length <= MAX_GRID_LINES) {
    const index = new Map(distinct.map((p, k) => [p, k]));
    return { lines: distinct, lineOf: (p) => index.get(p) ?? -1, binned: false };
  }
  const lo = distinct[0];
  const width = (distinct[distinct.length - 1] - lo) / MAX_GRID_LINES;
  return {
    lines: Array.from({ length: MAX_GRID_LINES }, (_, k) => lo + (k + 0.5) * width),
    lineOf: (p) => (Number.isFinite(p) ? Math.min(MAX_GRID_LINES - 1, Math.floor((p - lo) / width)) : -1),
    binned: true,
  };
}

/** Each grid line's cell boundaries: halfway to its neighbours; at the ends, half a gap beyond or none. */
function edges(positions: readonly number[], beyondEdges: boolean): Array<[number, number]> {
  return positions.map((p, k) => {
    const before = positions[k - 1];
    const after = positions[k + 1];
    const halfBefore = before !== undefined ? (p - before) / 2 : after !== undefined ? (after - p) / 2 : 0.5;
    const halfAfter = after !== undefined ? (after - p) / 2 : halfBefore;
    return [before !== undefined || beyondEdges ? p - halfBefore : p, after !== undefined || beyondEdges ? p + halfAfter : p];
  });
}

/** The grid with its empty values (NaN) relaxed to the average of their neighbours; known values are kept. */
export function fillGaps(values: readonly number[][]): number[][] {
  const grid = values.map((row) => [...row]);
  const known = grid.flat().filter(Number.isFinite);
  if (known.length === 0) return grid;
  const empty: Array<[number, number]> = [];
  grid.forEach((row, r) => row.forEach((v, c) => Number.isNaN(v) && empty.push([r, c])));
  if (empty.length === 0) return grid;
  const mean = known.reduce((a, b) => a + b, 0) / known.length;
  for (const [r, c] of empty) grid[r][c] = mean;
  const range = known.reduce((m, v) => Math.max(m, v), -Infinity) - known.reduce((m, v) => Math.min(m, v), Infinity);
  const tolerance = TOLERANCE * (range > 0 ? range : 1);
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let largest = 0;
    for (const [r, c] of empty) {
      let sum = 0;
      let n = 0;
      for (const [dr, dc] of [
        [-1, 0],
        [1, 0],
        [0, -1],
        [0, 1],
      ]) {
        const v = grid[r + dr]?.[c + dc];
        if (v !== undefined) {
          sum += v;
          n++;
        }
      }
      if (n === 0) continue;
      const next = sum / n;
      largest = Math.max(largest, Math.abs(next - grid[r][c]));
      grid[r][c] = next;
    }
    if (largest <= tolerance) break;
  }
  return grid;
}
