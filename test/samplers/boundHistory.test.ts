// A chain of greedy hypervolume selections keeps the bounds its selections found (boundHistory.ts):
// one holds while the current choices begin with those it was found with, or once each of them is
// made again or covered within the point's box by a point chosen now. The covering test answers by
// per-loss minima and staircases; here it must agree with a pass over the chosen points.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src';
import { BoundHistory, EarlierChoices } from '../../src/samplers/tpe/boundHistory';

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

describe('EarlierChoices', () => {
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
        const bounds = new EarlierChoices(here.length, picked, earlierPoints, moved, new Int32Array(picked.length).fill(1), carried);
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
            const pj = rng.int(0, here.length - 1);
            const p = here[pj];
            const upTo = rng.int(carried, picked.length);
            const expected = heldUpToByScan(upTo, p, earlier, made, chosen);
            assert.equal(bounds.heldUpTo(pj, upTo, p, chosen), expected, `round ${round}, upTo ${upTo}`);
            if (expected === upTo && earlier.slice(0, upTo).some((_, t) => !made.has(t))) covered++;
          }
        }
      }
      // Not only made choices: some queries held through choices covered by others.
      assert.ok(covered > 50, `${covered} queries held with earlier choices not made`);
    });
  }
});

describe('BoundHistory', () => {
  it('gives a bound while the choices begin with those it was found with, the lowest of those that hold', () => {
    const history = new BoundHistory();
    const p = [0.5, 0.5, 0.5];
    const first = history.begin({});
    for (let position = 0; position < 10; position++) history.made(position, first);
    history.record(7, first, 5, 0.3); // found with the first 5 choices
    history.record(7, first, 8, 0.2); // and again with 8
    history.record(7, first, 0, 0.9); // its box
    assert.equal(history.lowest(0, 7, 4, Infinity, null, p, []), 0.9, 'with 4 choices made, only the box holds');
    assert.equal(history.lowest(0, 7, 6, Infinity, null, p, []), 0.3);
    assert.equal(history.lowest(0, 7, 10, Infinity, null, p, []), 0.2);
    assert.equal(history.lowest(0, 7, 6, 0.3, null, p, []), Infinity, 'only bounds below the ceiling');
    assert.equal(history.lowest(0, 8, 10, Infinity, null, p, []), Infinity, 'nothing known of another trial');
    // A later selection keeps the first 6 choices and makes the rest again.
    const second = history.begin({});
    for (let position = 6; position < 10; position++) history.made(position, second);
    assert.equal(history.lowest(0, 7, 10, Infinity, null, p, []), 0.3, 'the bound found with 8 choices no longer holds');
    history.record(7, second, 9, 0.25);
    assert.equal(history.lowest(0, 7, 10, Infinity, null, p, []), 0.25);
    // One that keeps only 2.
    const third = history.begin({});
    for (let position = 2; position < 10; position++) history.made(position, third);
    assert.equal(history.lowest(0, 7, 10, Infinity, null, p, []), 0.9);
    history.forget(7);
    assert.equal(history.lowest(0, 7, 10, Infinity, null, p, []), Infinity);
  });

  it('keeps the latest bounds of a trial when it has too many', () => {
    const history = new BoundHistory();
    const selection = history.begin({});
    for (let position = 0; position < 40; position++) history.made(position, selection);
    for (let at = 1; at <= 40; at++) history.record(3, selection, at, 1 / at);
    // The bound found with one choice is gone: with only one choice made, nothing holds.
    assert.equal(history.lowest(0, 3, 1, Infinity, null, [0, 0, 0], []), Infinity);
    assert.equal(history.lowest(0, 3, 40, Infinity, null, [0, 0, 0], []), 1 / 40);
    assert.equal(history.lowest(0, 3, 30, Infinity, null, [0, 0, 0], []), 1 / 30);
  });
});
