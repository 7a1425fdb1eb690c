// The cells' unweighted and rank-weighted moment sums, kept by differences as observations join and
// leave from the middle of the history, against the same sums formed directly from the members.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/rng';
import { RankedCellMoments } from '../../src/samplers/tpe/rankedMoments';

const K = 6;
const CELLS = 5;
const INV_FACT = Float64Array.from({ length: K }, (_, k) => 1 / [1, 1, 2, 6, 24, 120][k]);

interface Member {
  cell: number;
  h: number;
  u: number;
}

/** alpha A_c + beta B_c formed directly: ranks are positions among every observation (members or not) by trial number. */
function direct(observations: readonly number[], members: ReadonlyMap<number, Member>, alpha: number, beta: number): Float64Array {
  const out = new Float64Array(CELLS * K);
  const byTime = [...observations].sort((a, b) => a - b);
  byTime.forEach((number, rank) => {
    const m = members.get(number);
    if (!m) return;
    for (let k = 0; k < K; k++) out[m.cell * K + k] += (alpha + beta * rank) * m.h * m.u ** k * INV_FACT[k];
  });
  return out;
}

describe('RankedCellMoments', () => {
  it('keeps the unweighted and rank-weighted sums as observations join and leave anywhere in time, across refreshes', () => {
    const rng = new Rng(11);
    const sums = new RankedCellMoments(CELLS, K, INV_FACT);
    // Trial numbers 0 .. 1199 (several blocks of the prefix sums); a third are not members (wider kernels).
    const observations: number[] = [];
    const members = new Map<number, Member>();
    const rankOf = (number: number) => observations.filter((q) => q < number).length;
    const join = (number: number) => {
      if (rng.random() < 0.3) {
        sums.shiftAfter(number, 1);
        observations.push(number);
        return;
      }
      const m = { cell: rng.int(0, CELLS - 1), h: 0.5 + rng.random(), u: 2 * rng.random() - 1 };
      sums.shiftAfter(number, 1);
      observations.push(number);
      members.set(number, m);
      sums.add(number, rankOf(number), m.cell, m.h, m.u);
    };
    const leave = (number: number) => {
      sums.remove(number, rankOf(number));
      members.delete(number);
      observations.splice(observations.indexOf(number), 1);
      sums.shiftAfter(number, -1);
    };
    const out = new Float64Array(CELLS * K);
    let refreshed = 0;
    const away: number[] = [];
    for (let number = 0; number < 1200; number++) {
      join(number);
      // Now and then one leaves (oldest, newest or between) and an earlier leaver comes back.
      if (number % 7 === 3 && observations.length > 10) {
        const at = number % 3 === 0 ? 0 : number % 3 === 1 ? observations.length - 1 : rng.int(0, observations.length - 1);
        const byTime = [...observations].sort((a, b) => a - b);
        const leaver = byTime[at];
        leave(leaver);
        away.push(leaver);
      }
      if (number % 11 === 5 && away.length > 0) join(away.splice(rng.int(0, away.length - 1), 1)[0]);
      if (sums.stale) {
        sums.refresh([...observations].sort((a, b) => a - b));
        refreshed++;
      }
      if (number % 37 !== 0) continue;
      const alpha = rng.random();
      const beta = rng.random() / 100;
      const want = direct(observations, members, alpha, beta);
      for (let c = 0; c < CELLS; c++) {
        assert.equal(
          sums.used(c),
          [...members.values()].some((m) => m.cell === c),
          `cell ${c} used`,
        );
        if (!sums.used(c)) continue;
        sums.combine(c, alpha, beta, out, c * K);
        for (let k = 0; k < K; k++) {
          const w = want[c * K + k];
          assert.ok(
            Math.abs(out[c * K + k] - w) <= 1e-12 * (1 + Math.abs(w)),
            `after trial ${number}, cell ${c}, moment ${k}: ${out[c * K + k]} vs ${w}`,
          );
        }
      }
      // The newest correction reads a member's moments scaled.
      const scaled = new Float64Array(CELLS * K);
      const [number0, m0] = [...members][0];
      assert.equal(sums.addScaled(number0, 2, scaled), m0.cell);
      assert.ok(Math.abs(scaled[m0.cell * K] - 2 * m0.h) <= 1e-15 * m0.h);
    }
    assert.ok(refreshed >= 2, `refreshed ${refreshed} times`);
  });
});

describe('RankedCellMoments without rank-weighted sums (equal weights)', () => {
  it('gives the same unweighted sums as with them, to the bit, through joins, leaves, shifts, batches and refreshes', () => {
    const rng = new Rng(12);
    const both = [new RankedCellMoments(CELLS, K, INV_FACT), new RankedCellMoments(CELLS, K, INV_FACT, false)];
    const observations: number[] = [];
    const rankOf = (number: number) => observations.filter((q) => q < number).length;
    const members = new Set<number>();
    const join = (number: number, cell: number, h: number, u: number) => {
      for (const sums of both) sums.shiftAfter(number, 1);
      observations.push(number);
      members.add(number);
      for (const sums of both) sums.add(number, rankOf(number), cell, h, u);
    };
    const leave = (number: number) => {
      for (const sums of both) sums.remove(number, rankOf(number));
      members.delete(number);
      observations.splice(observations.indexOf(number), 1);
      for (const sums of both) sums.shiftAfter(number, -1);
    };
    let compared = 0;
    for (let number = 0; number < 1500; number++) {
      join(number, rng.int(0, CELLS - 1), 0.5 + rng.random(), 2 * rng.random() - 1);
      if (number % 5 === 2) leave([...members][rng.int(0, members.size - 1)]);
      if (number % 300 === 150) {
        // A batch, as `IncrementalAboveDensity.moveMany` makes one: the sums wait, then are formed afresh.
        for (const sums of both) sums.suspend();
        for (let i = 0; i < 40; i++) leave([...members][rng.int(0, members.size - 1)]);
        for (const sums of both) sums.refresh([...observations].sort((a, b) => a - b));
      }
      if (both[0].stale) for (const sums of both) sums.refresh([...observations].sort((a, b) => a - b));
      if (number % 23 !== 0) continue;
      const outs = both.map(() => new Float64Array(CELLS * K));
      for (let c = 0; c < CELLS; c++) {
        if (!both[0].used(c)) continue;
        both.forEach((sums, i) => sums.combine(c, 1, 0, outs[i], c * K));
      }
      assert.deepEqual(outs[1], outs[0], `after trial ${number}`);
      compared++;
    }
    assert.ok(compared > 60);
  });
});
