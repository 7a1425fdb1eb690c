// ParamColumn keeps finished trials' values sorted, ties in the order the values became final
// (the from-scratch and incremental TPE densities both rely on that order).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { frozenTrial, intDistribution, Rng, TrialState, type FrozenTrial } from '../../src';
import { ParamColumn } from '../../src/samplers/tpe/observations';

const dist = intDistribution(0, 20);

function trial(number: number, value: number | null, state = TrialState.COMPLETE): FrozenTrial {
  return frozenTrial({
    trialId: number,
    number,
    state,
    values: [0],
    datetimeStart: null,
    datetimeComplete: null,
    params: value === null ? {} : { a: value },
    internalParams: value === null ? {} : { a: value },
    distributions: value === null ? {} : { a: dist },
    intermediateValues: new Map(),
    userAttrs: {},
    systemAttrs: {},
  });
}

describe('ParamColumn', () => {
  it('sorts by value, equal values in the order they became final, whether read often or rarely', () => {
    const rng = new Rng(3);
    // Trials become final in a shuffled order; some lack the parameter; reads come at irregular times.
    const order = Array.from({ length: 600 }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const value = order.map(() => (rng.random() < 0.1 ? null : rng.int(0, 20)));
    const column = new ParamColumn('a', dist);
    const finalised: number[] = [];
    for (let step = 0; step < order.length; step++) {
      const k = order[step];
      // A running trial is read but not recorded; it is recorded once finished.
      if (step % 7 === 0) assert.ok(Number.isNaN(column.get(trial(k, null, TrialState.RUNNING))));
      const v = column.get(trial(k, value[k]));
      assert.ok(value[k] === null ? Number.isNaN(v) : v === value[k]);
      if (value[k] !== null) finalised.push(k);
      if (step % 97 === 3 || step === 40 || step === order.length - 1) {
        const want = [...finalised].sort((a, b) => value[a]! - value[b]! || finalised.indexOf(a) - finalised.indexOf(b));
        const got = column.sorted();
        assert.deepEqual(Array.from(got.numbers), want, `after ${step + 1} trials`);
        assert.deepEqual(
          Array.from(got.values),
          want.map((i) => value[i]),
        );
        want.forEach((k2) => assert.equal(column.sortedSeq(k2), finalised.indexOf(k2)));
      }
    }
  });
});
