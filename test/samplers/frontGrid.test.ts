// A guided three-objective selection finds the points below a left-out choice's reach through a
// grid of the front (FrontGrid) once it has met a few such choices: the grid must find exactly the
// points a pass over the front finds, whatever the reach (beyond the front, on a cell's edge,
// Infinity where no chosen point bounds a loss) and however the front is spread.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src';
import { lexCompare } from '../../src/multiobjective/hypervolume';
import { FrontGrid } from '../../src/samplers/tpe/frontGrid';
import { LossColumns } from '../../src/samplers/tpe/lossColumns';

/** The positions below the reach in every loss, by a pass over the front. */
function belowByPass(front: number[][], r: number[]): number[] {
  const out: number[] = [];
  front.forEach((p, j) => {
    if (p[0] < r[0] && p[1] < r[1] && p[2] < r[2]) out.push(j);
  });
  return out;
}

function belowByGrid(grid: FrontGrid, n: number, r: number[]): number[] {
  const found = new Int32Array(n);
  const count = grid.below(r[0], r[1], r[2], found);
  return Array.from(found.subarray(0, count)).sort((a, b) => a - b);
}

/** n points of a sphere's octant (DTLZ2's front), some of them on a coarse grid (equal losses), in lexicographic order. */
function sphereFront(rng: Rng, n: number): number[][] {
  const points = Array.from({ length: n }, (_, i) => {
    const a = (rng.random() * Math.PI) / 2;
    const b = (rng.random() * Math.PI) / 2;
    const p = [Math.cos(a) * Math.cos(b), Math.cos(a) * Math.sin(b), Math.sin(a)];
    return i % 7 === 0 ? p.map((v) => Math.round(v * 8) / 8) : p;
  });
  return points.sort(lexCompare);
}

describe('FrontGrid.below', () => {
  it('finds the points a pass over the front finds, for reaches near points, on cell edges, beyond the front and infinite', () => {
    const rng = new Rng(5);
    let compared = 0;
    let found = 0;
    for (const n of [1, 2, 9, 100, 3000]) {
      const front = sphereFront(rng, n);
      const grid = FrontGrid.of(LossColumns.of(front, 3));
      const reaches: number[][] = [
        [Infinity, Infinity, Infinity],
        [0, 0, 0],
        [2, 2, 2],
        [Infinity, 0.5, Infinity],
      ];
      for (let k = 0; k < 60; k++) {
        // A point's own losses nudged up (a left-out choice's reach lies above it), or a point's
        // exact losses (a reach on the edge of a cell, and below nothing at that point).
        const p = front[Math.floor(rng.random() * n)];
        reaches.push(k % 3 === 0 ? [...p] : p.map((v) => v + rng.uniform(0, 0.3)));
        if (k % 10 === 0) reaches.push([p[0] + 0.2, Infinity, p[2] + 0.1]);
      }
      for (const r of reaches) {
        const expected = belowByPass(front, r);
        assert.deepEqual(belowByGrid(grid, n, r), expected, `n = ${n}, reach ${r.join(', ')}`);
        compared++;
        found += expected.length;
      }
    }
    assert.ok(compared > 300 && found > 1000, `${compared} reaches, ${found} points found`);
  });

  it('files a front whose second and third losses are all equal in one cell', () => {
    const front = [
      [0, 1, 1],
      [0.5, 1, 1],
      [1, 1, 1],
    ];
    const grid = FrontGrid.of(LossColumns.of(front, 3));
    assert.deepEqual(belowByGrid(grid, 3, [0.7, 1.5, 1.5]), [0, 1]);
    assert.deepEqual(belowByGrid(grid, 3, [2, 1, 1.5]), []);
  });

  it('reads only the first n rows when told', () => {
    const front = sphereFront(new Rng(9), 50);
    const grid = FrontGrid.of(LossColumns.of(front, 3), 30);
    const r = [Infinity, Infinity, Infinity];
    assert.deepEqual(
      belowByGrid(grid, 50, r),
      Array.from({ length: 30 }, (_, j) => j),
    );
  });
});
