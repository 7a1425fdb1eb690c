// The binary searches and the merge the engine's structures kept across trials share: checked
// against plain array operations on random ascending lists (with repeats for the searches).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src';
import { lowerBound, mergeNumbers, upperBound } from '../../src/sortedSearch';

describe('sortedSearch', () => {
  it('lowerBound and upperBound count the entries below (and at most) x among the first `end`', () => {
    const rng = new Rng(5);
    for (let round = 0; round < 200; round++) {
      const a = Float64Array.from({ length: rng.int(0, 40) }, () => rng.int(0, 20)).sort();
      const end = rng.int(0, a.length);
      const x = rng.int(-1, 21) + (round % 3 === 0 ? 0.5 : 0);
      const head = Array.from(a.subarray(0, end));
      assert.equal(lowerBound(a, x, end), head.filter((v) => v < x).length);
      assert.equal(upperBound(a, x, end), head.filter((v) => v <= x).length);
    }
  });

  it('mergeNumbers drops the left numbers and merges the joined ones in, ascending, from the first `length`', () => {
    const rng = new Rng(6);
    for (let round = 0; round < 200; round++) {
      const all = Array.from({ length: 60 }, (_, i) => i).filter(() => rng.random() < 0.6);
      const length = rng.int(0, all.length);
      const head = all.slice(0, length);
      const left = head.filter(() => rng.random() < 0.3).reverse();
      const joined = Array.from({ length: 80 }, (_, i) => i)
        .filter((v) => !all.includes(v) && rng.random() < 0.3)
        .reverse();
      const want = [...head.filter((v) => !left.includes(v)), ...joined].sort((p, q) => p - q);
      assert.deepEqual(mergeNumbers(Int32Array.from(all), length, left, joined), want);
    }
  });
});
