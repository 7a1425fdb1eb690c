// A discrete parameter's clipped kernels counted by grid value with their time ranks (`ValueSums`)
// must hold, through every change an above density makes (newer trials, older ones joining or
// leaving at their rank, kernels becoming clipped or not), exactly the counts and rank sums a pass
// over the members gives: they are whole numbers, which the sums keep without rounding.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { floatDistribution, intDistribution } from '../../src';
import { Rng } from '../../src/rng';
import { paramModel, type NumericModel } from '../../src/samplers/tpe/parzenEstimator';
import { ValueSums } from '../../src/samplers/tpe/valueSums';

function numeric(d: Parameters<typeof paramModel>[0]): NumericModel {
  const m = paramModel(d);
  if (m.kind !== 'numeric') throw new Error('numeric expected');
  return m;
}

describe('ValueSums', () => {
  it("keeps each value's count and rank sum as a pass over its members gives them, through insertions, removals and shifts", () => {
    const d = intDistribution(1, 40);
    const sums = ValueSums.for(numeric(d), 2048)!;
    assert.equal(sums.cells, 40);
    const rng = new Rng(8);
    // The density's observations in time order (ascending trial numbers), each with its value;
    // `clipped` the members.
    const byRank: number[] = [];
    const valueOf = new Map<number, number>();
    const clipped = new Set<number>();
    let next = 0;
    const rankOf = (number: number) => byRank.indexOf(number);
    const check = (step: number) => {
      const n = byRank.length;
      const counts = new Float64Array(sums.cells);
      const rankSums = new Float64Array(sums.cells);
      const newest = new Float64Array(sums.cells);
      const ramp = Math.max(0, n - 5);
      for (const number of clipped) {
        const c = valueOf.get(number)! - d.low;
        counts[c]++;
        rankSums[c] += rankOf(number);
        if (rankOf(number) >= ramp) newest[c]++;
      }
      const a = new Float64Array(sums.cells);
      const b = new Float64Array(sums.cells);
      const fix = new Float64Array(sums.cells);
      // alpha 1, beta 0 (ramp past the end): the counts; alpha 0, beta 1: the rank sums; alpha 0,
      // beta 0 with a ramp: 1 for each of the newest members.
      sums.weights(1, 0, n, byRank, a);
      sums.weights(0, 1, n, byRank, b);
      sums.weights(0, 0, ramp, byRank, fix);
      for (let c = 0; c < sums.cells; c++) {
        assert.equal(sums.used(c), counts[c] > 0, `step ${step}, value ${c + d.low} used`);
        if (counts[c] === 0) continue;
        assert.equal(a[c], counts[c], `step ${step}, value ${c + d.low}: count`);
        assert.equal(b[c], rankSums[c], `step ${step}, value ${c + d.low}: rank sum`);
        assert.equal(fix[c], newest[c], `step ${step}, value ${c + d.low}: newest`);
      }
    };
    const join = (number: number) => {
      clipped.add(number);
      const v = valueOf.get(number)!;
      assert.ok(sums.add(number, rankOf(number), v, Math.log(v), false));
    };
    // Built from 60 observations at once, as `build` does (deferred, then refreshed).
    for (let i = 0; i < 60; i++) {
      const number = next++;
      byRank.push(number);
      valueOf.set(number, rng.int(d.low, d.high));
    }
    sums.reserve(next);
    for (const number of byRank) {
      if (rng.random() < 0.7) {
        clipped.add(number);
        const v = valueOf.get(number)!;
        assert.ok(sums.add(number, 0, v, Math.log(v), true));
      }
    }
    sums.refresh(byRank);
    check(0);
    const left: number[] = [];
    for (let step = 1; step <= 600; step++) {
      const u = rng.random();
      if (u < 0.35) {
        // A newer trial.
        const number = next++;
        byRank.push(number);
        valueOf.set(number, rng.int(d.low, d.high));
        if (rng.random() < 0.7) join(number);
      } else if (u < 0.55 && byRank.length > 20) {
        // An older one leaves (it joined the good group): the later ranks move down.
        const number = byRank[rng.int(0, byRank.length - 10)];
        const rank = rankOf(number);
        sums.remove(number, rank);
        sums.shiftAfter(number, -1);
        clipped.delete(number);
        byRank.splice(rank, 1);
        left.push(number);
      } else if (u < 0.7 && left.length > 0) {
        // One comes back at its rank: the later ranks move up.
        const number = left.splice(rng.int(0, left.length - 1), 1)[0];
        sums.shiftAfter(number, 1);
        let rank = 0;
        while (rank < byRank.length && byRank[rank] < number) rank++;
        byRank.splice(rank, 0, number);
        if (rng.random() < 0.7) join(number);
      } else {
        // A kernel's bandwidth reaches or leaves the floor.
        const number = byRank[rng.int(0, byRank.length - 1)];
        if (clipped.has(number)) {
          sums.remove(number, rankOf(number));
          clipped.delete(number);
        } else {
          join(number);
        }
      }
      if (sums.stale) sums.refresh(byRank);
      if (step % 20 === 0) check(step);
    }
  });

  it("refuses a kernel whose mean differs from its value's other clipped kernels", () => {
    const sums = ValueSums.for(numeric(floatDistribution(0, 1, { step: 0.1 })), 2048)!;
    assert.equal(sums.cells, 11);
    sums.reserve(10);
    assert.ok(sums.add(0, 0, 0.30000000000000004, 0.30000000000000004, false));
    assert.ok(sums.add(1, 1, 0.30000000000000004, 0.30000000000000004, false));
    assert.equal(sums.add(2, 2, 0.3, 0.3, false), false, 'the same grid value read back in another rounding');
    assert.ok(!sums.isMember(2));
    assert.equal(sums.meanOf(3), 0.30000000000000004);
  });

  it('is kept only for discrete parameters of at most the given number of values', () => {
    assert.equal(ValueSums.for(numeric(floatDistribution(0, 1)), 2048), null);
    assert.equal(ValueSums.for(numeric(intDistribution(0, 5000)), 2048), null);
    assert.equal(ValueSums.for(numeric(intDistribution(16, 1024, { log: true })), 2048)!.cells, 1009);
  });
});
