/**
 * Rows of `tunelab trials / best-trial / best-trials / studies / ask` in the shape Optuna 5's CLI
 * prints them: records keyed by (column, sub-column) as `optuna.study._dataframe` builds them, then
 * nested (`{"params": {"x": 0.5}}`) or flattened (`{"params_x": 0.5}`) as `optuna.cli` does.
 */
import { isPythonFloatChoice, type Distribution, type ParamValue } from '../distributions';
import { TRIAL_STATE_NAMES, trialDurationMs, type FrozenTrial } from '../frozenTrial';
import type { StudySummary } from '../storage/base';
import { PyFloat, PyTuple, type PyDict, type PyValue } from './pyvalue';

/** A column: its name and sub-column ('' when not nested, a key, or an index into a list). */
export interface Column {
  readonly name: string;
  readonly sub: string | number;
}

/** One record: values by column id. */
export type ColumnRecord = Map<string, PyValue>;

export function columnId(c: Column): string {
  return `${c.name}\u0000${typeof c.sub}\u0000${c.sub}`;
}

/** Optuna's `_DATETIME_FORMAT` on the naive local time Optuna's RDB storage hands back. */
export function formatDatetime(d: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** Python's `str(timedelta)`: `H:MM:SS[.ffffff]`, with `N day(s), ` in front past a day. */
export function formatDuration(ms: number): string {
  const micros = Math.round(ms * 1000);
  const negative = micros < 0;
  // timedelta normalises to non-negative seconds with negative days.
  const totalSeconds = Math.floor(micros / 1e6);
  const fraction = micros - totalSeconds * 1e6;
  const days = Math.floor(totalSeconds / 86400);
  const rest = totalSeconds - days * 86400;
  const two = (n: number) => String(n).padStart(2, '0');
  let text = `${Math.floor(rest / 3600)}:${two(Math.floor((rest % 3600) / 60))}:${two(rest % 60)}`;
  if (fraction !== 0) text += `.${String(fraction).padStart(6, '0')}`;
  if (days !== 0 || negative) text = `${days} day${Math.abs(days) === 1 ? '' : 's'}, ${text}`;
  return text;
}

/** A parameter value as Optuna holds it: floats of float distributions stay floats (`3.0`). */
export function paramToPy(value: ParamValue, d: Distribution | undefined): PyValue {
  if (typeof value !== 'number') return value;
  const float =
    d?.kind === 'float' || !Number.isInteger(value) || (d?.kind === 'categorical' && isPythonFloatChoice(d, d.choices.indexOf(value)));
  return float ? new PyFloat(value) : value;
}

/**
 * A JSON attribute value through Optuna's `_format_value` (numbers and None kept, lists and dicts
 * walked, anything else by `str`). JSON numbers lose Python's int/float mark: integral ones print as ints.
 */
export function jsonToPy(value: unknown): PyValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? value : new PyFloat(value);
  if (Array.isArray(value)) return value.map(jsonToPy);
  if (typeof value === 'object') return new Map(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, jsonToPy(v)]));
  return String(value);
}

/** Python sorts (name, sub) tuples: subs of one column are all strings or all ints. */
function compareSub(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

const TRIAL_ATTRS = ['number', 'value', 'datetime_start', 'datetime_complete', 'duration', 'params', 'user_attrs', 'state'] as const;

/**
 * `_create_records_and_aggregate_column(study, ("number", "value"|"values", "datetime_start",
 * "datetime_complete", "duration", "params", "user_attrs", "state"))`: one record per trial and
 * the columns in attribute order, sub-columns sorted (metric names keep their order).
 */
export function trialRecords(
  trials: readonly FrozenTrial[],
  nObjectives: number,
  metricNames: readonly string[] | null,
): { records: ColumnRecord[]; columns: Column[] } {
  const multi = nObjectives > 1;
  const seen = new Map<string, Map<string, Column>>();
  const records = trials.map((t) => {
    const record: ColumnRecord = new Map();
    const put = (attr: string, name: string, sub: string | number, v: PyValue) => {
      const column = { name, sub };
      record.set(columnId(column), v);
      let cols = seen.get(attr);
      if (!cols) seen.set(attr, (cols = new Map()));
      cols.set(columnId(column), column);
    };
    for (const attr of TRIAL_ATTRS) {
      switch (attr) {
        case 'number':
          put(attr, 'number', '', t.number);
          break;
        case 'value':
          if (multi) {
            const values: (number | null)[] = t.values ? [...t.values] : new Array<null>(nObjectives).fill(null);
            values.forEach((v, i) => put(attr, 'values', metricNames ? metricNames[i] : i, v === null ? null : new PyFloat(v)));
          } else {
            const v = t.values ? t.values[0] : null;
            put(attr, 'value', metricNames ? metricNames[0] : '', v === null ? null : new PyFloat(v));
          }
          break;
        case 'datetime_start':
          put(attr, attr, '', t.datetimeStart ? formatDatetime(t.datetimeStart) : null);
          break;
        case 'datetime_complete':
          put(attr, attr, '', t.datetimeComplete ? formatDatetime(t.datetimeComplete) : null);
          break;
        case 'duration': {
          const ms = trialDurationMs(t);
          put(attr, attr, '', ms === null ? null : formatDuration(ms));
          break;
        }
        case 'params':
          for (const [k, v] of Object.entries(t.params)) put(attr, 'params', k, paramToPy(v, t.distributions[k]));
          break;
        case 'user_attrs':
          for (const [k, v] of Object.entries(t.userAttrs)) put(attr, 'user_attrs', k, jsonToPy(v));
          break;
        case 'state':
          put(attr, attr, '', TRIAL_STATE_NAMES[t.state]);
          break;
      }
    }
    return record;
  });
  const columns: Column[] = [];
  for (const attr of TRIAL_ATTRS) {
    const cols = seen.get(attr);
    if (!cols) continue;
    if (attr === 'value' && multi && metricNames) columns.push(...metricNames.map((n) => ({ name: 'values', sub: n })));
    else columns.push(...[...cols.values()].sort((a, b) => compareSub(a.sub, b.sub)));
  }
  return { records, columns };
}

/** `optuna studies` records: name, direction (a tuple of MINIMIZE/MAXIMIZE), n_trials, datetime_start (+ user_attrs). */
export function studyRecords(studies: readonly StudySummary[]): { records: ColumnRecord[]; columns: Column[] } {
  const columns: Column[] = ['name', 'direction', 'n_trials', 'datetime_start'].map((name) => ({ name, sub: '' }));
  const records = studies.map((s) => {
    const record: ColumnRecord = new Map();
    record.set(columnId(columns[0]), s.studyName);
    record.set(columnId(columns[1]), new PyTuple(s.directions.map((d) => d.toUpperCase())));
    record.set(columnId(columns[2]), s.nTrials);
    record.set(columnId(columns[3]), s.datetimeStart ? formatDatetime(s.datetimeStart) : null);
    record.set(columnId({ name: 'user_attrs', sub: '' }), jsonToPy(s.userAttrs));
    return record;
  });
  // Optuna shows the column only when some study has user attributes.
  if (studies.some((s) => Object.keys(s.userAttrs).length > 0)) columns.push({ name: 'user_attrs', sub: '' });
  return { records, columns };
}

function isSequence(v: PyValue | undefined): v is PyValue[] | PyTuple {
  return Array.isArray(v) || v instanceof PyTuple;
}

function items(v: PyValue[] | PyTuple): readonly PyValue[] {
  return v instanceof PyTuple ? v.items : v;
}

/** `optuna.cli._convert_to_dict`: rows (dicts) and their header, nested or flattened. */
export function convertToRows(
  records: readonly ColumnRecord[],
  columns: readonly Column[],
  flatten: boolean,
): { rows: PyDict[]; header: string[] } {
  const header: string[] = [];
  const rows: PyDict[] = [];
  if (flatten) {
    const listLike = (c: Column) => records.some((r) => isSequence(r.get(columnId(c))));
    for (const c of columns) {
      if (c.sub !== '') header.push(`${c.name}_${c.sub}`);
      else if (listLike(c)) {
        let max = 0;
        for (const r of records) {
          const v = r.get(columnId(c));
          if (r.has(columnId(c)) && isSequence(v)) max = Math.max(max, items(v).length);
        }
        for (let i = 0; i < max; i++) header.push(`${c.name}_${i}`);
      } else header.push(c.name);
    }
    for (const r of records) {
      const row: PyDict = new Map();
      for (const c of columns) {
        if (!r.has(columnId(c))) continue;
        const v = r.get(columnId(c))!;
        if (c.sub !== '') row.set(`${c.name}_${c.sub}`, v);
        else if (listLike(c)) (isSequence(v) ? items(v) : []).forEach((x, i) => row.set(`${c.name}_${i}`, x));
        else row.set(c.name, v);
      }
      rows.push(row);
    }
    return { rows, header };
  }
  for (const c of columns) if (!header.includes(c.name)) header.push(c.name);
  for (const r of records) {
    const row: PyDict = new Map(header.map((h) => [h, new Map() as PyDict]));
    for (const c of columns) {
      if (!r.has(columnId(c))) continue;
      const v = r.get(columnId(c))!;
      if (typeof c.sub === 'number') {
        // A list rebuilt from its indexed sub-columns (`values`).
        let list = row.get(c.name);
        if (!Array.isArray(list)) row.set(c.name, (list = []));
        while (list.length <= c.sub) list.push(null);
        list[c.sub] = v;
      } else if (c.sub !== '') {
        let nested = row.get(c.name);
        if (!(nested instanceof Map)) row.set(c.name, (nested = new Map()));
        nested.set(c.sub, v);
      } else row.set(c.name, v);
    }
    rows.push(row);
  }
  return { rows, header };
}
