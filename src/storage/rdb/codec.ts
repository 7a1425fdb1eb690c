/**
 * How tunelab values map onto Optuna's RDB columns, so that Optuna reads what tunelab writes and the
 * other way round: enum names for states, directions and value types; non-finite floats as a NULL
 * value plus a type column; trial datetimes as naive UTC timestamps (Optuna 5's RDB convention);
 * attributes as JSON text.
 */
import { distributionFromJson, type Distribution } from '../../distributions';
import { TrialState, type Direction } from '../../frozenTrial';
import { encodeStorableJson } from '../storable';
import { dateWithMicros, microsecondDigits } from '../../datetime';

export type StateName = 'RUNNING' | 'COMPLETE' | 'PRUNED' | 'FAIL' | 'WAITING';

export const STATE_NAME: Record<TrialState, StateName> = {
  [TrialState.RUNNING]: 'RUNNING',
  [TrialState.COMPLETE]: 'COMPLETE',
  [TrialState.PRUNED]: 'PRUNED',
  [TrialState.FAIL]: 'FAIL',
  [TrialState.WAITING]: 'WAITING',
};

const STATE_BY_NAME: Record<string, TrialState> = {
  RUNNING: TrialState.RUNNING,
  COMPLETE: TrialState.COMPLETE,
  PRUNED: TrialState.PRUNED,
  FAIL: TrialState.FAIL,
  WAITING: TrialState.WAITING,
};

export function stateFromName(name: string): TrialState {
  const s = STATE_BY_NAME[name];
  if (s === undefined) throw new Error(`Unknown trial state '${name}' in the database.`);
  return s;
}

export function directionToName(d: Direction): 'MINIMIZE' | 'MAXIMIZE' {
  return d === 'minimize' ? 'MINIMIZE' : 'MAXIMIZE';
}

/** Optuna also has NOT_SET (a study created without a direction); it behaves as minimize. */
export function directionFromName(name: string): Direction {
  return name === 'MAXIMIZE' ? 'maximize' : 'minimize';
}

/** trial_values: finite floats as is, +-inf as NULL with INF_POS / INF_NEG (Optuna has no NaN here). */
export function encodeValue(v: number): [number | null, 'FINITE' | 'INF_POS' | 'INF_NEG'] {
  if (v === Infinity) return [null, 'INF_POS'];
  if (v === -Infinity) return [null, 'INF_NEG'];
  return [v, 'FINITE'];
}

/** trial_intermediate_values: like trial_values plus NAN. */
export function encodeIntermediate(v: number): [number | null, 'FINITE' | 'INF_POS' | 'INF_NEG' | 'NAN'] {
  if (Number.isNaN(v)) return [null, 'NAN'];
  return encodeValue(v);
}

export function decodeValue(value: number | null, type: string): number {
  switch (type) {
    case 'INF_POS':
      return Infinity;
    case 'INF_NEG':
      return -Infinity;
    case 'NAN':
      return NaN;
    default:
      return value === null ? NaN : Number(value);
  }
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * A naive UTC timestamp with microseconds, the text SQLAlchemy stores in SQLite for the naive UTC
 * datetimes Optuna 5 keeps in trials.datetime_start/complete (and a literal PostgreSQL accepts for
 * `timestamp without time zone`). Optuna 5 turns them into local time when it reads them, so both
 * sides agree on the instant whatever the machines' time zones. (Optuna 3.x stored naive local time;
 * Optuna 5 reads such old rows as UTC too, and so does tunelab.)
 */
export function formatDatetime(d: Date): string {
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${microsecondDigits(d)}`
  );
}

const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?/;

/** Parse (as UTC) what formatDatetime, SQLAlchemy, PostgreSQL (`::text`) or SQLite's CURRENT_TIMESTAMP wrote. */
export function parseDatetime(s: string | Date | null | undefined): Date | null {
  if (s === null || s === undefined) return null;
  if (s instanceof Date) return s;
  const m = DATETIME_RE.exec(s);
  if (!m) return null;
  const micros = m[7] ? Number((m[7] + '00000').slice(0, 6)) : 0;
  const epochMs = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
    Math.floor(micros / 1000),
  );
  return dateWithMicros(epochMs, micros % 1000);
}

/**
 * Attribute values as JSON text, NaN and +-Infinity as Python's json.dumps writes them. Callers check
 * the value first (checkStorableValue in ../storable.ts), so nothing unencodable reaches here.
 */
export function encodeJson(value: unknown): string {
  return encodeStorableJson(value);
}

const NON_FINITE_TOKEN = /(NaN|-?Infinity)/y;

/**
 * Parse attribute JSON. Python's json.dumps writes NaN and Infinity as bare tokens, which JSON.parse
 * rejects; those tokens (outside strings) are read back as the numbers they stand for.
 */
export function decodeJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch (err) {
    const sentinel = '\u0000tunelab-nonfinite:';
    let out = '';
    let inString = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        out += c;
        if (c === '\\') out += text[++i] ?? '';
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') {
        inString = true;
        out += c;
        continue;
      }
      NON_FINITE_TOKEN.lastIndex = i;
      const m = NON_FINITE_TOKEN.exec(text);
      if (m) {
        out += JSON.stringify(sentinel + m[1]);
        i += m[1].length - 1;
        continue;
      }
      out += c;
    }
    const numbers: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };
    try {
      return JSON.parse(out, (_k, v) => (typeof v === 'string' && v.startsWith(sentinel) ? numbers[v.slice(sentinel.length)] : v));
    } catch {
      throw err;
    }
  }
}

/** distribution_json parsing is the hot spot of loading trials: each distinct text is parsed once. */
export class DistributionCache {
  private readonly parsed = new Map<string, Distribution>();

  /** The distribution of parameter `name` stored as `json`. */
  get(json: string, name?: string): Distribution {
    let d = this.parsed.get(json);
    if (!d) {
      d = distributionFromJson(json, name);
      if (this.parsed.size > 10_000) this.parsed.clear();
      this.parsed.set(json, d);
    }
    return d;
  }
}
