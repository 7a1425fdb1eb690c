// The good group of a multi-objective TPE split is chosen within a front greedily by hypervolume
// contribution (FrontSelection; checked against Optuna 5.0 in tpeSplit.test.ts). With three or more
// objectives a selection for a changed front may start from the previous front's choices: it must
// choose exactly what a fresh selection chooses, whatever joined or left the front.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src';
import { boxVolume, hypervolume, lexCompare } from '../../src/multiobjective/hypervolume';
import { dominates } from '../../src/multiobjective/pareto';
import { FrontSelection } from '../../src/samplers/tpe/multiObjective';
import { LazyGreedy } from '../../src/samplers/tpe/lazyGreedy';
import { LossColumns } from '../../src/samplers/tpe/lossColumns';
import { countingCalls } from '../helpers/spy';

/** A loss vector near the unit simplex's face, on a coarse grid now and then (exact ties). */
function point(rng: Rng, d: number, grid: boolean): number[] {
  const raw = Array.from({ length: d }, () => (grid ? Math.round(rng.uniform(0, 1) * 8) / 8 : rng.uniform(0, 1)));
  const total = raw.reduce((a, b) => a + b, 0) || 1;
  const behind = rng.random() < 0.5 ? 0 : rng.uniform(0, 0.3);
  return raw.map((v, k) => v / total + (k === 0 ? behind : 0));
}

/** What a selection's lazy greedy holds (read for the checks below). */
interface Greedy {
  guidedChoices: number;
  evaluations: number;
  picked: number[];
  guide: object | null;
  bound: Float64Array;
  chosenMask: Uint8Array;
  points: { readonly length: number; at(j: number): readonly number[] };
  ref: number[];
}

/**
 * Once lazy, every bound a selection holds (carried from the selections before it, or its own) must
 * bound the point's contribution given its choices: the box less the chosen points' hypervolume
 * within it, computed plainly. Returns how many bounds were checked.
 */
function checkBounds(greedy: Greedy, context: string): number {
  if (greedy.guide !== null) return 0;
  const points = Array.from({ length: greedy.points.length }, (_, j) => greedy.points.at(j));
  const chosen = greedy.picked.map((j) => points[j]);
  let checked = 0;
  points.forEach((p, j) => {
    if (greedy.chosenMask[j]) return;
    const limited = chosen.map((q) => q.map((v, k) => Math.max(v, p[k])));
    const contribution = boxVolume(p, greedy.ref) - hypervolume(limited, greedy.ref);
    assert.ok(
      greedy.bound[j] >= contribution * (1 - 1e-9) - 1e-15,
      `${context}: point ${j} bound ${greedy.bound[j]} under ${contribution}`,
    );
    checked++;
  });
  return checked;
}

/** The first front of `losses` (positions, ascending). */
function firstFront(losses: readonly (readonly number[])[]): number[] {
  return losses.map((_, i) => i).filter((i) => !losses.some((q) => dominates(q, losses[i])));
}

describe('FrontSelection from the previous front', () => {
  for (const [d, grid] of [
    [3, false],
    [3, true],
    [4, false],
  ] as const) {
    it(`chooses what a fresh selection chooses as points join and leave the front (${d} objectives${grid ? ', on a grid' : ''})`, async () => {
      const rng = new Rng(90 + d + (grid ? 1 : 0));
      const losses: number[][] = [];
      for (let i = 0; i < 40; i++) losses.push(point(rng, d, grid));
      let previous: FrontSelection | undefined;
      let guided = 0;
      let freshEvaluations = 0;
      let followedEvaluations = 0;
      let boundsChecked = 0;
      const counts = (selection: FrontSelection) => (selection as unknown as { lazy: Greedy | null }).lazy;
      const run = () => {
        for (let step = 0; step < 120; step++) {
          losses.push(point(rng, d, grid));
          const front = firstFront(losses);
          const fresh = new FrontSelection(losses, front);
          const followed = new FrontSelection(losses, front, undefined, previous);
          // Now and then every size; else, as a sampler asks, about a third of the front, and one more
          // (so a selection's guide is often not run out when the next one follows it).
          const third = Math.floor(front.length / 3);
          const sizes =
            step % 3 === 0 ? [1, Math.floor(front.length / 4), Math.floor(front.length / 2), front.length - 1] : [third, third + 1];
          for (const size of sizes) {
            if (size < 1 || size >= front.length) continue;
            assert.deepEqual(followed.select(size), fresh.select(size), `step ${step}, size ${size}`);
            const greedy = counts(followed);
            if (greedy) boundsChecked += checkBounds(greedy, `step ${step}, size ${size}`);
          }
          guided += counts(followed)?.guidedChoices ?? 0;
          freshEvaluations += counts(fresh)?.evaluations ?? 0;
          followedEvaluations += counts(followed)?.evaluations ?? 0;
          previous = followed;
        }
      };
      // Three objectives: once the choices part from the previous ones, a previous choice whose
      // neighbourhood holds none of the differences keeps its contribution, unevaluated.
      const { calls: kept } = await countingCalls(
        LazyGreedy.prototype as unknown as { unchangedNear: () => boolean },
        'unchangedNear',
        run,
        (same) => same === true,
      );
      if (d === 3) assert.ok(kept > 20, `${kept} contributions kept unevaluated`);
      // Most choices followed the previous selection, and evaluated fewer contributions than fresh selections.
      assert.ok(guided > 2000, `${guided} choices made following the previous selection`);
      assert.ok(followedEvaluations < freshEvaluations / 2, `${followedEvaluations} evaluations against ${freshEvaluations} afresh`);
      assert.ok(boundsChecked > 1000, `${boundsChecked} bounds checked`);
    });
  }
});

describe('FrontSelection from the previous front, ties', () => {
  it('a point that joins with the first choice’s contribution exactly, before it in order, is chosen first, as afresh', () => {
    // The reference point is 1.1 in every loss (the worst losses are 1): a and x have the same box,
    // to the bit, and x comes first in lexicographic order.
    const a = [0.5, 0.25, 0.5];
    const x = [0.25, 0.5, 0.5];
    const losses = [[1, 0.05, 0.3], [0.05, 1, 0.3], [0.3, 0.3, 1], a, [0.7, 0.1, 0.45]];
    const previous = new FrontSelection(losses, firstFront(losses));
    assert.deepEqual(previous.select(2).slice(0, 1), [3], 'a is the first choice');
    losses.push(x);
    const front = firstFront(losses);
    assert.equal(front.length, 6);
    const fresh = new FrontSelection(losses, front).select(4);
    assert.equal(fresh[0], 5, 'x wins the tie');
    assert.deepEqual(new FrontSelection(losses, front, undefined, previous).select(4), fresh);
  });
});

/** Positions in lexicographic order of their vectors, equal ones by position (the tracker's order). */
function lexicographic(losses: readonly (readonly number[])[], positions: readonly number[]): number[] {
  return [...positions].sort((a, b) => lexCompare(losses[a], losses[b]) || a - b);
}

/** A selection of `front` (three objectives) reading columns its caller keeps, as the tracker makes it. */
function keptSelection(
  losses: readonly (readonly number[])[],
  front: readonly number[],
): { columns: LossColumns; selection: FrontSelection } {
  const byValue = lexicographic(losses, front);
  const columns = LossColumns.of(
    byValue.map((i) => losses[i]),
    3,
  );
  return { columns, selection: new FrontSelection(losses, front, byValue, undefined, columns, true) };
}

describe('FrontSelection kept for a point that joins', () => {
  it('keeps its choices for a joined point it would not choose, and then chooses as afresh, the point too', () => {
    // Three objectives near the simplex's face, the front's columns kept by the caller in
    // lexicographic order as the tracker keeps them. A point that joins and dominates none is
    // offered to the current selection (`admit`); where refused, or where points left, a new
    // selection follows the current one. Sizes as a sampler asks (a third of the front, then one
    // more), so a kept selection goes on past its guide's choices, where an admitted point may be chosen.
    const rng = new Rng(404);
    const losses: number[][] = [];
    for (let i = 0; i < 40; i++) losses.push(point(rng, 3, false));
    let front = firstFront(losses);
    let { columns, selection: current } = keptSelection(losses, front);
    const admittedPoints = new Set<number>();
    let admitted = 0;
    let refused = 0;
    let admittedChosen = 0;
    for (let step = 0; step < 400; step++) {
      const i = losses.length;
      const x = point(rng, 3, false);
      losses.push(x);
      const next = firstFront(losses);
      if (!next.includes(i)) continue;
      const joinedOnly = next.length === front.length + 1;
      front = next;
      const byValue = lexicographic(losses, front);
      const p = byValue.indexOf(i);
      let kept = false;
      if (joinedOnly) {
        columns.splice(p, 0, x);
        kept = current.admit(i, x, p, columns.worst());
        if (kept) {
          admitted++;
          admittedPoints.add(i);
        } else {
          refused++;
        }
      } else {
        columns = LossColumns.of(
          byValue.map((j) => losses[j]),
          3,
        );
      }
      if (!kept) {
        current = new FrontSelection(losses, front, byValue, current, columns, true);
        admittedPoints.clear();
      }
      const third = Math.floor(front.length / 3);
      for (const size of kept ? [third, third + 1, Math.floor(front.length / 2)] : [third]) {
        if (size < 1 || size >= front.length) continue;
        const chosen = current.select(size);
        assert.deepEqual(chosen, new FrontSelection(losses, front).select(size), `step ${step}, size ${size}`);
        if (chosen.some((j) => admittedPoints.has(j))) admittedChosen++;
      }
    }
    assert.ok(admitted > 100, `${admitted} points admitted`);
    assert.ok(refused > 10, `${refused} points refused (they would be chosen)`);
    assert.ok(admittedChosen > 5, `${admittedChosen} selections chose an admitted point later`);
  });
});

describe('FrontSelection kept for a point that joins, ties', () => {
  // As in the tie test above: a and the joining point have the same box, to the bit; the first in
  // lexicographic order wins a tie, so a point just before a would be chosen first and one after it not.
  const a = [0.5, 0.25, 0.5];
  for (const [x, wins] of [
    [[0.25, 0.5, 0.5], true],
    [[0.5, 0.5, 0.25], false],
  ] as const) {
    it(`a point tying the first choice ${wins ? 'before' : 'after'} it in order is ${wins ? 'refused' : 'admitted'}, and the choices are as afresh`, () => {
      // (No point between the first and a in order: the point before a takes a's position.)
      const losses: number[][] = [[1, 0.05, 0.3], [0.05, 1, 0.3], [0.2, 0.3, 1], a, [0.7, 0.1, 0.45]];
      const { columns, selection } = keptSelection(losses, firstFront(losses));
      // One choice so far: whether the point would be chosen is its tie with a.
      assert.deepEqual(selection.select(1), [3], 'a is the first choice');
      losses.push([...x]);
      const next = firstFront(losses);
      assert.equal(next.length, 6);
      const p = lexicographic(losses, next).indexOf(5);
      columns.splice(p, 0, x);
      assert.equal(selection.admit(5, x, p, columns.worst()), !wins);
      const fresh = new FrontSelection(losses, next).select(4);
      assert.equal(fresh[0], wins ? 5 : 3);
      if (!wins) assert.deepEqual(selection.select(4), fresh);
    });
  }
});
