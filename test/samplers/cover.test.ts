// A selection following the previous front's (lazyGreedy.ts) asks, for a previous choice it left
// out, which points that choice may matter to: those within whose box no chosen point covers it
// (cover.ts). The test answers by per-loss minima and staircases; it must agree with a pass over the
// chosen points, and a point it finds uncovered must lie below its per-loss reach.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src';
import { Cover } from '../../src/samplers/tpe/cover';
import { LossColumns } from '../../src/samplers/tpe/lossColumns';
import { frontPoint } from '../helpers/frontPoints';

/** Whether some chosen point s covers d within p's box (s <= max(d, p) in every loss), by a pass. */
function coveredByScan(d: readonly number[], p: readonly number[], chosen: readonly (readonly number[])[]): boolean {
  return chosen.some((s) => s.every((v, i) => v <= Math.max(d[i], p[i])));
}

describe('Cover', () => {
  for (const [d, grid] of [
    [3, false],
    [3, true],
    [4, false],
  ] as const) {
    it(`tells which points a left-out choice is covered for as a pass over the chosen points does (${d} objectives${grid ? ', on a grid' : ''})`, () => {
      const rng = new Rng(7 + d + (grid ? 10 : 0));
      let uncovered = 0;
      let covered = 0;
      for (let round = 0; round < 30; round++) {
        const hole = frontPoint(rng, d, grid);
        const chosen: number[][] = [];
        const cover = Cover.of(hole, []);
        for (let t = 0; t < 40; t++) {
          const s = frontPoint(rng, d, grid);
          chosen.push(s);
          cover.add(s);
          for (let q = 0; q < 10; q++) {
            // Points of the front, and now and then one behind it or the hole itself.
            const p = q === 0 ? hole : frontPoint(rng, d, grid).map((v) => v + (q === 1 ? 0.2 : 0));
            const expected = coveredByScan(hole, p, chosen);
            assert.equal(cover.within(p), expected, `round ${round}, ${t + 1} chosen`);
            if (expected) covered++;
            else {
              uncovered++;
              for (let k = 0; k < d; k++) assert.ok(p[k] < cover.reach[k], `an uncovered point lies below the reach in loss ${k}`);
            }
          }
        }
        // As built at once, from the vectors or from their columns.
        const once = Cover.of(hole, chosen);
        const fromColumns = Cover.of(hole, chosen, LossColumns.of(chosen));
        for (let q = 0; q < 20; q++) {
          const p = frontPoint(rng, d, grid);
          assert.equal(once.within(p), cover.within(p));
          assert.equal(fromColumns.within(p), cover.within(p));
        }
        assert.deepEqual(fromColumns.reach, cover.reach);
      }
      assert.ok(covered > 1000 && uncovered > 500, `${covered} covered, ${uncovered} not`);
    });
  }
});
