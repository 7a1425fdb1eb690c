// A three-objective greedy selection asks how much of a point's box its chosen points cover
// (chosenPoints3d.ts). It sweeps only the chosen points near the point; the volume must be the
// hypervolume of all of them limited to the box, whatever the points: on a front, on a grid (ties),
// dominating the point or dominated by it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src';
import { boxVolume, hypervolume } from '../../src/multiobjective/hypervolume';
import { ChosenPoints3d, NearChosen } from '../../src/samplers/tpe/chosenPoints3d';
import { LossColumns } from '../../src/samplers/tpe/lossColumns';
import { frontPoint } from '../helpers/frontPoints';

/** The hypervolume of the chosen points limited to p's box: all of them, by the general algorithm. */
function coveredByAll(p: readonly number[], chosen: readonly (readonly number[])[], ref: readonly number[]): number {
  return hypervolume(
    chosen.map((q) => q.map((v, k) => Math.max(v, p[k]))),
    ref,
  );
}

describe('ChosenPoints3d', () => {
  for (const grid of [false, true]) {
    it(`covers within a box what all the chosen points cover there${grid ? ' (on a grid)' : ''}`, () => {
      const rng = new Rng(grid ? 31 : 30);
      const ref = [1.1, 1.1, 1.1];
      let fewer = 0;
      let queries = 0;
      for (let round = 0; round < 20; round++) {
        const chosen = new ChosenPoints3d();
        const points: number[][] = [];
        for (let k = 0; k < 60; k++) {
          const q = frontPoint(rng, 3, grid);
          chosen.add(q);
          points.push(q);
          assert.equal(chosen.size, points.length);
          for (let t = 0; t < 3; t++) {
            // Mostly points of the front, now and then one in front of it or behind it.
            const roll = rng.random();
            const p = frontPoint(rng, 3, grid).map((v) => (roll < 0.1 ? v * 0.9 : roll < 0.2 ? v * 1.05 : v));
            const expected = coveredByAll(p, points, ref);
            const got = chosen.coveredWithin(p, ref);
            assert.ok(Math.abs(got - expected) <= 1e-12 * boxVolume(p, ref), `round ${round}: ${got} against ${expected}`);
            queries++;
            if (got < boxVolume(p, ref) && got > 0) fewer++;
          }
        }
      }
      // Many queries had part of the box covered and part not (on the grid, many points coincide):
      // not only the trivial cases.
      assert.ok(fewer > queries / 3, `${fewer} of ${queries} queries partly covered`);
    });
  }

  it('built at once, or from the first points of another, sweeps exactly as when added one by one (on a grid: ties)', () => {
    const rng = new Rng(32);
    const ref = [1.1, 1.1, 1.1];
    for (let round = 0; round < 10; round++) {
      const points = Array.from({ length: 80 }, () => frontPoint(rng, 3, round % 2 === 1));
      const all = new ChosenPoints3d();
      for (const q of points) all.add(q);
      for (const count of [0, 1, 17, 50, 80]) {
        const added = new ChosenPoints3d();
        for (const q of points.slice(0, count)) added.add(q);
        const prefix = all.prefix(count);
        const once = ChosenPoints3d.of(points.slice(0, count));
        // And each goes on as the one added one by one does.
        const more = points.slice(count, count + 5);
        for (const q of more) [added, prefix, once].forEach((c) => c.add(q));
        assert.equal(prefix.size, added.size);
        assert.equal(once.size, added.size);
        for (let t = 0; t < 10; t++) {
          const p = frontPoint(rng, 3, round % 2 === 1);
          const expected = added.coveredWithin(p, ref);
          assert.equal(prefix.coveredWithin(p, ref), expected, `prefix of ${count}`);
          assert.equal(once.coveredWithin(p, ref), expected, `${count} at once`);
        }
        // Their own first points are the same too.
        const half = Math.floor(count / 2);
        const p = frontPoint(rng, 3, false);
        assert.equal(once.prefix(half).coveredWithin(p, ref), all.prefix(half).coveredWithin(p, ref));
      }
    }
  });

  it('kept for a point (NearChosen), covers what the chosen points sweep when more are chosen, to the bit (on a grid: ties)', () => {
    const ref = [1.1, 1.1, 1.1];
    let reused = 0;
    let narrowed = 0;
    let covered = 0;
    for (let round = 0; round < 12; round++) {
      const rng = new Rng(40 + round);
      const grid = round % 2 === 1;
      const chosen: number[][] = [];
      const columns = new LossColumns(3);
      const choose = (q: number[]): void => {
        chosen.push(q);
        columns.pushFrom(LossColumns.of([q]), 0);
      };
      for (let k = 0; k < 20; k++) choose(frontPoint(rng, 3, grid));
      // Points asked about now and again as more are chosen, each with what it found the first time.
      const probes = Array.from({ length: 30 }, () => {
        const roll = rng.random();
        const p = frontPoint(rng, 3, grid).map((v) => (roll < 0.1 ? v * 0.9 : v));
        const near = new NearChosen();
        const first = ChosenPoints3d.of(chosen).coveredWithin(p, ref, near);
        assert.equal(first, ChosenPoints3d.of(chosen).coveredWithin(p, ref));
        return { p, near, last: first };
      });
      for (let k = 0; k < 60; k++) {
        // Now and then several chosen between two questions; near the probes as often as not.
        const more = 1 + Math.floor(rng.random() * 3);
        for (let m = 0; m < more; m++) {
          const q =
            rng.random() < 0.5
              ? frontPoint(rng, 3, grid)
              : probes[Math.floor(rng.random() * probes.length)].p.map((v) => (grid ? v : v * (1 + 0.05 * (rng.random() - 0.5))));
          choose(q);
        }
        const sweep = ChosenPoints3d.of(chosen);
        for (const probe of probes) {
          if (rng.random() < 0.5) continue;
          const expected = sweep.coveredWithin(probe.p, ref);
          const got = probe.near.coveredWithin(probe.p, ref, columns);
          assert.ok(Object.is(got, expected), `round ${round}, ${chosen.length} chosen: ${got} against ${expected}`);
          if (got === probe.last) reused++;
          else narrowed++;
          if (got === boxVolume(probe.p, ref)) covered++;
          probe.last = got;
        }
      }
    }
    // The volume was kept (no new point near) and found again (some near), and some points ended covered.
    assert.ok(reused > 100 && narrowed > 100 && covered > 10, `${reused} kept, ${narrowed} changed, ${covered} covered`);
  });

  it('covers the whole box of a point that a chosen point weakly dominates, and nothing with no points', () => {
    const chosen = new ChosenPoints3d();
    const ref = [2, 2, 2];
    assert.equal(chosen.coveredWithin([0.5, 0.5, 0.5], ref), 0);
    chosen.add([0.2, 0.9, 0.4]);
    chosen.add([0.5, 0.5, 0.5]);
    assert.equal(chosen.coveredWithin([0.5, 0.5, 0.5], ref), boxVolume([0.5, 0.5, 0.5], ref));
    assert.equal(chosen.coveredWithin([0.6, 0.5, 0.7], ref), boxVolume([0.6, 0.5, 0.7], ref));
    // Exceeding p in the first loss alone, it covers its own box there (the other point's limited box lies in it).
    assert.equal(chosen.coveredWithin([0.1, 0.9, 0.4], ref), boxVolume([0.2, 0.9, 0.4], ref));
  });
});
