// The percentage every tunelab display shows for a fraction (the monitor's bar in the browser, its
// text and HTML snapshots, the progress control): halves round up, as people and the monitor's
// own tests expect, even where floating point puts n / N * 100 just below a half (23 of 40).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPercent } from '../../src/format';

describe('formatPercent', () => {
  it('equals 100 n / N rounded half up in exact integer arithmetic, for every n of N up to 400', () => {
    let misleading = 0;
    for (let total = 1; total <= 400; total++) {
      for (let n = 0; n <= total; n++) {
        // round(100 n / N) with halves up = floor((200 n + N) / (2 N)), all in integers.
        const exact = Math.floor((200 * n + total) / (2 * total));
        if (Math.round((n / total) * 100) !== exact) misleading++; // what plain rounding would show
        assert.equal(formatPercent(n / total), exact, `${n} of ${total}`);
      }
    }
    assert.ok(misleading > 0, 'the cases where plain rounding of n / N * 100 is wrong were among those checked');
  });
});
