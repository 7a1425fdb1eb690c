// Stored datetimes keep Optuna's microseconds through tunelab: read, written back, and in durations.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration } from '../../src/cli/records';
import { microsPastMillisecond } from '../../src/datetime';
import { createTrial } from '../../src';
import { trialDurationMs, withTrialChanges, type FrozenTrialData } from '../../src/frozenTrial';
import { formatJournalDatetime, parseJournalDatetime } from '../../src/storage/journal/log';
import { formatDatetime, parseDatetime } from '../../src/storage/rdb/codec';

/** A finished trial with these datetimes. */
function trialBetween(start: Date | null, complete: Date | null): FrozenTrialData {
  return withTrialChanges(createTrial({ value: 1 }), { datetimeStart: start, datetimeComplete: complete });
}

describe('datetimes to the microsecond', () => {
  it('an RDB datetime reads back as the text Optuna wrote', () => {
    for (const text of [
      '2026-12-03 17:42:27.123456',
      '2026-12-03 17:42:27.000001',
      '2026-12-03 17:42:27.999999',
      '2026-12-03 17:42:27.120000',
    ]) {
      const d = parseDatetime(text)!;
      assert.equal(formatDatetime(d), text);
      assert.equal(d.toISOString(), `${text.slice(0, 10)}T${text.slice(11, 23)}Z`, 'the Date itself holds the milliseconds');
    }
    assert.equal(microsPastMillisecond(parseDatetime('2026-12-03 17:42:27.123456')!), 456);
    assert.equal(formatDatetime(parseDatetime('2026-12-03 17:42:27')!), '2026-12-03 17:42:27.000000');
  });

  it('a journal datetime reads back as the text Optuna wrote, offsets applied', () => {
    const d = parseJournalDatetime('2026-12-03T17:42:27.654321+00:00')!;
    assert.equal(formatJournalDatetime(d), '2026-12-03T17:42:27.654321+00:00');
    const shifted = parseJournalDatetime('2026-12-03T19:42:27.654321+02:00')!;
    assert.equal(formatJournalDatetime(shifted), '2026-12-03T17:42:27.654321+00:00');
  });

  it('a duration between two stored times counts their microseconds as Python does', () => {
    // Both times share their millisecond digits: a millisecond clock would make this exactly 1 s.
    const start = parseDatetime('2026-12-03 17:42:27.123001')!;
    const complete = parseDatetime('2026-12-03 17:42:28.123413')!;
    const ms = trialDurationMs(trialBetween(start, complete))!;
    assert.equal(formatDuration(ms), '0:00:01.000412');
    // Microseconds that borrow from the milliseconds.
    const later = parseDatetime('2026-12-03 17:42:27.124000')!;
    assert.equal(formatDuration(trialDurationMs(trialBetween(start, later))!), '0:00:00.000999');
    // Dates made here carry no microseconds: whole milliseconds, as before.
    assert.equal(trialDurationMs(trialBetween(new Date(1000), new Date(2500))), 1500);
    assert.equal(trialDurationMs(trialBetween(start, null)), null);
  });
});
