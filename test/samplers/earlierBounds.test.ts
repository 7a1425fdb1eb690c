// A replayed greedy hypervolume selection keeps the earlier selection's bounds that did not carry
// over, and uses one again once every earlier choice it was found with is made or covered within
// the point's box by a point chosen now (earlierBounds.ts). The covering test answers by per-loss
// minima and staircases; here it must agree with a pass over the chosen points.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src';
import { EarlierBounds } from '../../src/samplers/tpe/earlierBounds';

/** A point on the positive unit sphere (a DTLZ2-like front), on a coarse grid when asked (ties). */
function frontPoint(rng: Rng, d: number, grid: boolean): number[] {
  const raw = Array.from({ length: d }, () => rng.uniform(0.05, 1));
  const norm = Math.hypot(...raw);
  return raw.map((v) => (grid ? Math.round((v / norm) * 6) / 6 : v / norm));
}

/** The first earlier step, below upTo, neither made nor covered within p's box by a chosen point (else upTo). */
function heldUpToByScan(
  upTo: number,
  p: readonly number[],
  earlier: readonly (readonly number[])[],
  made: ReadonlySet<number>,
  chosen: readonly (readonly number[])[],
): number {
  for (let t = 0; t < upTo; t++) {
    if (made.has(t)) continue;
    const d = earlier[t];
    if (!chosen.some((s) => s.every((v, i) => v <= Math.max(d[i], p[i])))) return t;
  }
  return upTo;
}

describe('EarlierBounds', () => {
  for (const [d, grid] of [
    [3, false],
    [3, true],
    [4, false],
  ] as const) {
    it(`tells which earlier choices are made or covered as a pass over the chosen points does (${d} objectives${grid ? ', on a grid' : ''})`, () => {
      const rng = new Rng(7 + d + (grid ? 10 : 0));
      let covered = 0;
      for (let round = 0; round < 20; round++) {
        // The earlier selection's points; some left (one of them dominated by a point here).
        const earlierPoints = Array.from({ length: 40 }, () => frontPoint(rng, d, grid));
        const here = earlierPoints.map((p) => p);
        const moved = Int32Array.from(earlierPoints, (_, o) => (rng.random() < 0.1 ? -1 : o));
        const gone = moved.findIndex((j) => j < 0);
        if (gone >= 0) here.push(earlierPoints[gone].map((v) => v - 0.01));
        for (let k = 0; k < 10; k++) here.push(frontPoint(rng, d, grid));
        const picked = Array.from({ length: 40 }, (_, o) => o)
          .sort(() => rng.random() - 0.5)
          .slice(0, 25);
        let carried = 0;
        while (carried < 3 && moved[picked[carried]] >= 0) carried++;
        const bounds = new EarlierBounds(here.length, picked, earlierPoints, moved, [], carried);
        const earlier = picked.map((o) => earlierPoints[o]);
        // Chosen here: the carried choices, then points in another order.
        const chosen: number[][] = [];
        const made = new Set<number>();
        const take = (j: number) => {
          chosen.push(here[j]);
          const step = picked.findIndex((o) => moved[o] === j);
          if (step >= 0) made.add(step);
          bounds.taken(j, here[j]);
        };
        for (let t = 0; t < carried; t++) {
          chosen.push(here[moved[picked[t]]]);
          made.add(t);
        }
        const order = here.map((_, j) => j).filter((j) => !chosen.includes(here[j]));
        order.sort(() => rng.random() - 0.5);
        for (const j of order.slice(0, 20)) {
          take(j);
          for (let q = 0; q < 5; q++) {
            const p = here[rng.int(0, here.length - 1)];
            const upTo = rng.int(carried, picked.length);
            const expected = heldUpToByScan(upTo, p, earlier, made, chosen);
            assert.equal(bounds.heldUpTo(upTo, p, chosen), expected, `round ${round}, upTo ${upTo}`);
            if (expected === upTo && earlier.slice(0, upTo).some((_, t) => !made.has(t))) covered++;
          }
        }
      }
      // Not only made choices: some queries held through choices covered by others.
      assert.ok(covered > 50, `${covered} queries held with earlier choices not made`);
    });
  }
});
