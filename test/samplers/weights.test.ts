import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/rng';
import { defaultWeightAt, scatterDefaultWeights } from '../../src/samplers/tpe/weights';

describe('Optuna’s default weights, scattered by slot', () => {
  it('writes defaultWeightAt’s doubles to each slot, with their sum in order (after a start, and alone) and their largest', () => {
    const rng = new Rng(7);
    for (const n of [0, 1, 2, 24, 25, 26, 27, 51, 100, 1000, 10007]) {
      // Slots in time order: a shuffled numbering, as a density that moves kernels between slots has.
      const slots = Int32Array.from({ length: n }, (_, i) => i + 1);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rng.random() * (i + 1));
        [slots[i], slots[j]] = [slots[j], slots[i]];
      }
      const out = new Float64Array(n + 1).fill(-1);
      const { total, observations, largest } = scatterDefaultWeights(n, slots, out, 0.5);
      let expectedTotal = 0.5;
      let expectedObservations = 0;
      let expectedLargest = 0;
      for (let i = 0; i < n; i++) {
        const w = defaultWeightAt(i, n);
        assert.ok(Object.is(out[slots[i]], w), `n=${n}, i=${i}: ${out[slots[i]]} against ${w}`);
        expectedTotal += w;
        expectedObservations += w;
        expectedLargest = Math.max(expectedLargest, w);
      }
      assert.equal(out[0], -1, 'slot 0 (the prior) is not written');
      assert.ok(Object.is(total, expectedTotal), `n=${n}: total ${total} against ${expectedTotal}`);
      assert.ok(Object.is(observations, expectedObservations), `n=${n}: observations ${observations} against ${expectedObservations}`);
      assert.equal(largest, expectedLargest);
    }
  });
});
