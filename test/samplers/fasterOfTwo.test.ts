// FasterOfTwo picks between two ways to the same result by their times so far (fasterOfTwo.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FasterOfTwo } from '../../src/samplers/tpe/fasterOfTwo';

/** Picks `count` times, each way taking the time `times(way, use)`; the ways picked, in order. */
function run(times: (way: 0 | 1, use: number) => number, count: number): (0 | 1)[] {
  const faster = new FasterOfTwo();
  const picked: (0 | 1)[] = [];
  for (let use = 0; use < count; use++) {
    const way = faster.pick();
    picked.push(way);
    faster.record(way, times(way, use));
  }
  return picked;
}

describe('FasterOfTwo', () => {
  it('tries each way four times, then keeps to the faster and tries the other after 16 uses times how much slower it is', () => {
    // The first two uses of a way are not timed: slow first uses (compiling, building caches) do not count.
    const picked = run((way, use) => (use === 4 || use === 5 ? 100 : way === 0 ? 2 : 1), 200);
    assert.deepEqual(picked.slice(0, 8), [0, 0, 0, 0, 1, 1, 1, 1]);
    const later = picked.slice(8);
    const slower = later.map((way, i) => (way === 0 ? i + 9 : -1)).filter((i) => i > 0);
    assert.deepEqual(
      slower,
      Array.from({ length: slower.length }, (_, i) => 8 + 33 * (i + 1)),
      'way 0 (twice as slow) after every 32 picks of way 1',
    );
    assert.equal(slower.length, 5);
  });

  it('follows a change in which way is faster', () => {
    // Way 0 is faster for the first 300 uses, then way 1 becomes faster: the probes notice.
    const picked = run((way, use) => (use < 300 ? (way === 0 ? 1 : 3) : way === 0 ? 3 : 1), 600);
    const share = (from: number, to: number, way: 0 | 1) => picked.slice(from, to).filter((w) => w === way).length / (to - from);
    assert.ok(share(100, 300, 0) > 0.9, 'way 0 while it is faster');
    assert.ok(share(450, 600, 1) > 0.9, 'way 1 once it is faster');
  });
});
