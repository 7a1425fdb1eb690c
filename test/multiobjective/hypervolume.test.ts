import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hypervolume, nonDominatedSort, crowdingDistance } from '../../src/multiobjective';
import { constrainedDominates } from '../../src/multiobjective/pareto';
import { Rng } from '../../src/rng';
import { PYTHON } from '../helpers/python';

describe('hypervolume', () => {
  it('is exact on hand-computed sets', () => {
    // Two boxes [1,4]x[3,4] (area 3) and [2,4]x[1,4] (area 6) overlapping in [2,4]x[3,4] (area 2): 7.
    assert.equal(
      hypervolume(
        [
          [1, 3],
          [2, 1],
        ],
        [4, 4],
      ),
      7,
    );
    // A dominated point and a duplicate add nothing; a point outside the reference adds nothing.
    assert.equal(
      hypervolume(
        [
          [1, 3],
          [2, 1],
          [3, 3],
          [2, 1],
          [5, 0],
        ],
        [4, 4],
      ),
      7,
    );
    // 3D: unit cubes at the origin and shifted: [0,2]^3 minus nothing = 8; add (1,1,-1): its box
    // [1,2]x[1,2]x[-1,2] adds the slab z in [-1,0]: 1.
    assert.equal(hypervolume([[0, 0, 0]], [2, 2, 2]), 8);
    assert.equal(
      hypervolume(
        [
          [0, 0, 0],
          [1, 1, -1],
        ],
        [2, 2, 2],
      ),
      9,
    );
    // 3D staircase (0,1,1), (1,0,1), (1,1,0) with ref (2,2,2): three boxes of volume 2, every pair
    // and the triple overlap in the unit cube [1,2]^3; inclusion-exclusion: 3*2 - 3*1 + 1 = 4.
    assert.equal(
      hypervolume(
        [
          [0, 1, 1],
          [1, 0, 1],
          [1, 1, 0],
        ],
        [2, 2, 2],
      ),
      4,
    );
    // 4D: boxes [0,3]^3 x [1,3] (54) and [1,3]^3 x [0,3] (24) overlapping in [1,3]^4 (16): 62; a
    // repeated point, and one inside both boxes, add nothing.
    assert.equal(
      hypervolume(
        [
          [0, 0, 0, 1],
          [1, 1, 1, 0],
          [0, 0, 0, 1],
          [2, 2, 2, 2],
        ],
        [3, 3, 3, 3],
      ),
      62,
    );
    assert.equal(hypervolume([], [1, 1]), 0);
    assert.equal(hypervolume([[0.5]], [2]), 1.5);
  });

  it('matches Optuna 5.0 (WFG) on random sets in 2 to 5 objectives, and on a grid in 4', () => {
    const rng = new Rng(9);
    const sets: Array<[number[][], number[]]> = [];
    for (const m of [2, 2, 3, 3, 3, 4, 5]) {
      const n = m <= 3 ? 40 : 15;
      // Points on a noisy concave front so most are non-dominated (the hard case).
      const pts = Array.from({ length: n }, () => {
        const v = Array.from({ length: m }, () => rng.random() + 0.01);
        const norm = Math.sqrt(v.reduce((a, b) => a + b * b, 0));
        return v.map((x) => x / norm + 0.05 * rng.random());
      });
      sets.push([pts, Array(m).fill(1.2)]);
    }
    // Four objectives on a grid: ties in every objective, repeated points.
    sets.push([Array.from({ length: 30 }, () => Array.from({ length: 4 }, () => Math.round(rng.random() * 5) / 5)), Array(4).fill(1.2)]);
    const ref = JSON.parse(
      execFileSync(PYTHON, [join(__dirname, 'hypervolume_ref.py')], { input: JSON.stringify({ sets }) }).toString(),
    ) as number[];
    sets.forEach(([p, r], i) => {
      const ours = hypervolume(p, r);
      assert.ok(Math.abs(ours - ref[i]) <= 1e-10 * Math.max(1, ref[i]), `set ${i} (${r.length} objectives): ${ours} vs ${ref[i]}`);
    });
  });

  it('is infinite with an infinite reference point, also when points share the third loss', () => {
    // The sweep once multiplied the infinite area by a slab of zero thickness there: NaN.
    const first = [1, 2, 3];
    for (const third of [3, 4]) {
      assert.equal(hypervolume([first, [2, 1, third]], [Infinity, 5, 5]), Infinity, `second point's third loss ${third}`);
    }
  });

  it('rejects points whose length differs from the reference point', () => {
    assert.throws(() => hypervolume([[1, 2, 3]], [4, 4]), /3 objectives but the reference point has 2/);
  });
});

describe('Pareto sorting', () => {
  it('sorts into fronts and gives boundary points infinite crowding distance', () => {
    const pts = [
      [1, 5],
      [2, 3],
      [3, 2],
      [5, 1],
      [2, 5],
      [4, 4],
      [6, 6],
    ];
    const fronts = nonDominatedSort(pts);
    assert.deepEqual(
      fronts.map((f) => [...f].sort()),
      [[0, 1, 2, 3], [4, 5], [6]],
    );
    const cd = crowdingDistance(pts, fronts[0]);
    assert.equal(cd[fronts[0].indexOf(0)], Infinity);
    assert.equal(cd[fronts[0].indexOf(3)], Infinity);
    // (2,3): neighbours (1,5),(3,2) -> (3-1)/4 + (5-2)/4 = 1.25
    assert.equal(cd[fronts[0].indexOf(1)], 1.25);
  });

  it('constrained domination: feasible beats infeasible, smaller violation beats larger', () => {
    assert.ok(constrainedDominates([9, 9], 0, [1, 1], 0.1));
    assert.ok(!constrainedDominates([1, 1], 0.1, [9, 9], 0));
    assert.ok(constrainedDominates([9, 9], 0.1, [1, 1], 0.5));
    assert.ok(constrainedDominates([1, 1], 0, [2, 1], 0));
    const fronts = nonDominatedSort(
      [
        [1, 1],
        [5, 5],
        [0, 0],
      ],
      [0.3, 0, 1],
    );
    assert.deepEqual(fronts, [[1], [0], [2]]);
  });
});
