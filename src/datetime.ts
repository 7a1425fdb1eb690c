/**
 * Microseconds beside JavaScript's millisecond Dates.
 *
 * Optuna stores datetimes to the microsecond; a Date keeps milliseconds. Dropping the rest made a
 * trial's duration differ from the one Optuna computes from the same stored times (`0:00:01` against
 * `0:00:01.000412` when both times share their millisecond digits). Storages that read a stored
 * datetime therefore remember its sub-millisecond microseconds here, keyed by the Date they return,
 * and write them back out; the Date itself stays an ordinary Date (what users, `JSON.stringify` and
 * structured clones see).
 */
const extraMicros = new WeakMap<Date, number>();

/** A Date at `epochMs` that carries `micros` (0-999) more microseconds. */
export function dateWithMicros(epochMs: number, micros: number): Date {
  const d = new Date(epochMs);
  if (micros > 0) extraMicros.set(d, micros);
  return d;
}

/** The microseconds past the millisecond that a storage read for `d` (0 for any other Date). */
export function microsPastMillisecond(d: Date): number {
  return extraMicros.get(d) ?? 0;
}

/** The six fractional digits Python writes for `d`'s second (milliseconds and remembered microseconds). */
export function microsecondDigits(d: Date): string {
  return String(d.getUTCMilliseconds() * 1000 + microsPastMillisecond(d)).padStart(6, '0');
}
