/**
 * The operation log of Optuna's JournalStorage (optuna/storages/journal/_storage.py in Optuna 5.0):
 * one JSON object per operation, `{"op_code": n, "worker_id": "...", ...fields}`. Field names and
 * value forms here are the ones Optuna writes and reads:
 * - directions as StudyDirection ints (1 minimize, 2 maximize; 0 NOT_SET reads as minimize);
 * - trial states as TrialState ints (the same codes as tunelab's TrialState);
 * - datetimes as UTC ISO 8601 with microseconds and an offset (`2026-12-02T09:56:58.123456+00:00`);
 * - distributions as the JSON *string* of `distribution_to_json`; internal parameter values as
 *   floats (categorical: the choice index as an int);
 * - attribute writes as a one-key object (`{"user_attr": {key: value}}`).
 */
import type { Distribution } from '../../distributions';
import { StorageError } from '../../errors';
import { dateWithMicros, microsecondDigits } from '../../datetime';
import { pyFloat, pyJsonDumps } from './pyjson';

export enum JournalOperation {
  CREATE_STUDY = 0,
  DELETE_STUDY = 1,
  SET_STUDY_USER_ATTR = 2,
  SET_STUDY_SYSTEM_ATTR = 3,
  CREATE_TRIAL = 4,
  SET_TRIAL_PARAM = 5,
  SET_TRIAL_STATE_VALUES = 6,
  SET_TRIAL_INTERMEDIATE_VALUE = 7,
  SET_TRIAL_USER_ATTR = 8,
  SET_TRIAL_SYSTEM_ATTR = 9,
  /** Written only by Rustuna; Optuna skips it, and so does tunelab. */
  DISCARD_TRIALS = 10,
}

/** One log record as read back (JSON data) or about to be written (JSON data with PyFloat marks). */
export type JournalLog = Record<string, unknown>;

/** Optuna's StudyDirection codes. */
export const DIRECTION_CODE = { minimize: 1, maximize: 2 } as const;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `datetime.now(tz=timezone.utc).isoformat(timespec="microseconds")` for a Date. */
export function formatJournalDatetime(d: Date): string {
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${microsecondDigits(d)}+00:00`
  );
}

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)?$/;

/**
 * What `datetime.fromisoformat` reads (Python 3.11), as a Date. Without an offset the time is local,
 * as Optuna's `astimezone()` takes it.
 */
export function parseJournalDatetime(s: unknown): Date | null {
  if (s === null || s === undefined) return null;
  const m = typeof s === 'string' ? ISO_RE.exec(s) : null;
  if (!m) throw new StorageError(`The journal holds a datetime Optuna cannot read: ${JSON.stringify(s)}.`);
  const [y, mo, d, h, mi] = [1, 2, 3, 4, 5].map((i) => Number(m[i]));
  const sec = Number(m[6] ?? 0);
  const micros = m[7] ? Number((m[7] + '00000').slice(0, 6)) : 0;
  const ms = Math.floor(micros / 1000);
  const zone = m[8];
  if (zone === undefined) return dateWithMicros(new Date(y, mo - 1, d, h, mi, sec, ms).getTime(), micros % 1000);
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(/:/g, '');
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0));
  }
  return dateWithMicros(Date.UTC(y, mo - 1, d, h, mi, sec, ms) - offsetMinutes * 60_000, micros % 1000);
}

/**
 * `distribution_to_json(d)` as Optuna writes it: `json.dumps({"name": ..., "attributes": d._asdict()})`
 * with the default separators, float bounds and steps of a FloatDistribution as floats.
 */
export function journalDistributionJson(d: Distribution): string {
  const f = (x: number | null) => (x === null ? null : pyFloat(x));
  switch (d.kind) {
    case 'float':
      return pyJsonDumps(
        { name: 'FloatDistribution', attributes: { step: f(d.step), low: f(d.low), high: f(d.high), log: d.log } },
        'default',
      );
    case 'int':
      return pyJsonDumps({ name: 'IntDistribution', attributes: { log: d.log, step: d.step, low: d.low, high: d.high } }, 'default');
    case 'categorical':
      return pyJsonDumps({ name: 'CategoricalDistribution', attributes: { choices: d.choices } }, 'default');
  }
}
