// The cells the SVG snapshot colours for heatmap and contour traces (src/visualization/gridCells.ts):
// their boundaries, the gridding of point columns, and the filling of empty values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { columnsToGrid, fillGaps, gridCells, MAX_GRID_LINES } from '../../src/visualization/gridCells';

describe('SVG grid cells', () => {
  it('bounds each cell halfway to its neighbours; a heatmap reaches half a cell beyond the ends, a contour stops at them', () => {
    const z = [[1, 2, 3]];
    const spans = (beyondEdges: boolean) => gridCells([0, 1, 3], [5], z, { fillGaps: false, beyondEdges }).map((c) => [c.x0, c.x1]);
    assert.deepEqual(spans(false), [
      [0, 0.5],
      [0.5, 2],
      [2, 3],
    ]);
    assert.deepEqual(spans(true), [
      [-0.5, 0.5],
      [0.5, 2],
      [2, 4],
    ]);
  });

  it('grids point columns on their distinct positions, in order, leaving other crossings empty', () => {
    const grid = columnsToGrid([2, 1, 2], [10, 20, 20], [7, 8, 9]);
    assert.deepEqual(grid, {
      xs: [1, 2],
      ys: [10, 20],
      z: [
        [null, 7],
        [8, 9],
      ],
    });
  });

  it(`past ${MAX_GRID_LINES} distinct positions a side, bins them evenly and keeps each bin's mean (an SVG of 1,000 trials stays small)`, () => {
    const n = 1000;
    const xs = Array.from({ length: n }, (_, i) => i / (n - 1)); // 0 ... 1, all distinct
    const ys = xs.map((x) => 1 - x);
    const zs = xs.map((x) => 10 * x);
    const grid = columnsToGrid(xs, ys, zs);
    assert.equal(grid.xs.length, MAX_GRID_LINES);
    assert.equal(grid.ys.length, MAX_GRID_LINES);
    const width = 1 / MAX_GRID_LINES;
    assert.ok(Math.abs(grid.xs[0] - width / 2) < 1e-12 && Math.abs(grid.xs[MAX_GRID_LINES - 1] - (1 - width / 2)) < 1e-12, 'bin centres');
    // The points lie on the anti-diagonal: bin c of x meets bin (last - c) of y, holding the mean of its points.
    for (let c = 0; c < MAX_GRID_LINES; c++) {
      const inBin = zs.filter(
        (_, i) =>
          Math.min(MAX_GRID_LINES - 1, Math.floor(xs[i] / width)) === c &&
          Math.min(MAX_GRID_LINES - 1, Math.floor(ys[i] / width)) === MAX_GRID_LINES - 1 - c,
      );
      const mean = inBin.reduce((a, b) => a + b, 0) / inBin.length;
      assert.ok(Math.abs((grid.z[MAX_GRID_LINES - 1 - c][c] as number) - mean) < 1e-9, `bin ${c}`);
    }
  });

  it('fills empty values so each is the mean of its neighbours, keeping the known ones: a plane through its border is filled as that plane', () => {
    const plane = (r: number, c: number) => 2 * r - 3 * c + 1;
    const n = 7;
    const values = Array.from({ length: n }, (_, r) =>
      Array.from({ length: n }, (_, c) => (r === 0 || c === 0 || r === n - 1 || c === n - 1 ? plane(r, c) : NaN)),
    );
    const filled = fillGaps(values);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        const onBorder = !Number.isNaN(values[r][c]);
        if (onBorder) assert.equal(filled[r][c], values[r][c], 'known values are kept');
        // Linear functions are harmonic on the grid, so the relaxation converges to the plane.
        else assert.ok(Math.abs(filled[r][c] - plane(r, c)) < 0.05, `(${r}, ${c}): ${filled[r][c]} against ${plane(r, c)}`);
      }
    }
    assert.deepEqual(fillGaps([[NaN, NaN]]), [[NaN, NaN]], 'nothing known: nothing to fill from');
  });
});
