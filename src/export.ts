import { lastStep, TRIAL_STATE_NAMES, trialDurationMs, type FrozenTrial } from './frozenTrial';
import { hasKey } from './dict';
import { escapeHtml, reprSymbol, type MimeBundle } from './display';
import { InvalidArgumentError } from './errors';
import { formatNumber } from './format';
import { checkOptionKeys, optionKeys } from './options';

export type Cell = string | number | boolean | null;
export type TrialRow = Record<string, Cell>;

/**
 * A table of trials, one row each, like Optuna's `trials_dataframe()`; columns in a stable order. A
 * notebook shows it as a table (a long one shortened to its first and last rows, as pandas shows a
 * DataFrame), and so does `console.log`.
 */
export interface TrialsTable {
  readonly columns: string[];
  readonly rows: TrialRow[];
  /** The first `n` rows (default 5), as pandas' `head`; a negative `n`, all but the last -n. */
  head(n?: number): TrialsTable;
  /** The last `n` rows (default 5), as pandas' `tail`; a negative `n`, all but the first -n. */
  tail(n?: number): TrialsTable;
  toCSV(): string;
  toJSON(): string;
  /** The table as text, its columns aligned (what `console.log` prints). */
  toString(): string;
  [reprSymbol](): MimeBundle;
}

/** Tables longer than this are shown shortened, as pandas' `display.max_rows` (60) shortens them. */
const MAX_SHOWN_ROWS = 60;
/** Rows shown from each end of a shortened table (pandas' `display.min_rows` is 10: five and five). */
const ROWS_AT_EACH_END = 5;

/**
 * Which columns `trialsDataFrame` gives: Optuna's `trials_dataframe(attrs=...)`, a list of trial
 * attributes in Optuna's names (`['number', 'value', 'params', 'state']`), each expanded as Optuna
 * expands it; and `multiIndex`, which only `false` (flat names, Optuna's default) is.
 */
export interface TrialsTableOptions {
  attrs?: readonly TrialAttr[];
  multiIndex?: false;
}
const TRIALS_TABLE_OPTION_KEYS = optionKeys<TrialsTableOptions>({ attrs: true, multiIndex: true });

/**
 * The trial attributes a table can show, as Optuna's FrozenTrial names them (`_trial_id` with
 * Optuna's underscore, shown as `trial_id`). `duration` is shown as `duration_ms`, a number of
 * milliseconds (Optuna's is a pandas Timedelta, which JavaScript has no equivalent of).
 */
export type TrialAttr =
  | 'number'
  | '_trial_id'
  | 'value'
  | 'values'
  | 'datetime_start'
  | 'datetime_complete'
  | 'duration'
  | 'params'
  | 'user_attrs'
  | 'system_attrs'
  | 'intermediate_values'
  | 'last_step'
  | 'state';
const TRIAL_ATTRS: readonly TrialAttr[] = [
  'number',
  '_trial_id',
  'value',
  'values',
  'datetime_start',
  'datetime_complete',
  'duration',
  'params',
  'user_attrs',
  'system_attrs',
  'intermediate_values',
  'last_step',
  'state',
];

/**
 * The table `attrs` asks for, built as Optuna's `trials_dataframe` builds it: for each attribute in
 * the order given, its column, or for a mapping (params, attributes, intermediate values) one column
 * per key that some trial has (`params_x`), keys sorted; `value` becomes `values` in a
 * multi-objective study, one column per objective named by the metric names or numbered. No trials,
 * no columns (Optuna's empty DataFrame).
 */
export function trialsTableOf(
  trials: readonly FrozenTrial[],
  nObjectives: number,
  metricNames: readonly string[] | null | undefined,
  opts: TrialsTableOptions,
): TrialsTable {
  checkOptionKeys('trialsDataFrame', opts, TRIALS_TABLE_OPTION_KEYS);
  if (opts.multiIndex !== undefined && opts.multiIndex !== false) {
    throw new InvalidArgumentError(
      "trialsDataFrame: multiIndex: true is not available; the table's columns have flat names, as Optuna's with multi_index=False (params_x).",
    );
  }
  if (opts.attrs === undefined) return trialsTable(trials, nObjectives, metricNames);
  if (!Array.isArray(opts.attrs))
    throw new InvalidArgumentError("trialsDataFrame: attrs must be a list of trial attributes, e.g. ['number', 'value', 'params'].");
  for (const a of opts.attrs) checkOptionKeys('trialsDataFrame', { [String(a)]: true }, TRIAL_ATTRS, 'attribute');
  // As Optuna's empty DataFrame: no trials, no columns.
  return trials.length === 0 ? tableOf([], []) : tableOfAttrs(trials, nObjectives, metricNames, opts.attrs);
}

/** The table's columns for `attrs`, in their order, each expanded (see `trialsTableOf`), and its rows. */
function tableOfAttrs(
  trials: readonly FrozenTrial[],
  nObjectives: number,
  metricNames: readonly string[] | null | undefined,
  requested: readonly TrialAttr[],
): TrialsTable {
  const named = metricNames && metricNames.length === nObjectives ? metricNames : null;
  const attrs = requested.map((a) => (a === 'value' && nObjectives > 1 ? 'values' : a));
  const columns: string[] = [];
  const getters: Array<(t: FrozenTrial) => Cell> = [];
  const add = (name: string, get: (t: FrozenTrial) => Cell) => {
    if (columns.includes(name)) return;
    columns.push(name);
    getters.push(get);
  };
  const mapping = (prefix: string, of: (t: FrozenTrial) => Readonly<Record<string, unknown>>, cell: (v: unknown) => Cell) => {
    const keys = new Set<string>();
    for (const t of trials) for (const k of Object.keys(of(t))) keys.add(k);
    for (const k of [...keys].sort()) add(`${prefix}_${k}`, (t) => (hasKey(of(t), k) ? cell(of(t)[k]) : null));
  };
  for (const attr of attrs) {
    switch (attr) {
      case 'number':
        add('number', (t) => t.number);
        break;
      case '_trial_id':
        add('trial_id', (t) => t.trialId);
        break;
      case 'value':
        add(named ? `value_${named[0]}` : 'value', (t) => (t.values ? t.values[0] : null));
        break;
      case 'values':
        for (let i = 0; i < nObjectives; i++) add(`values_${named ? named[i] : i}`, (t) => (t.values ? t.values[i] : null));
        break;
      case 'datetime_start':
        add(attr, (t) => (t.datetimeStart ? t.datetimeStart.toISOString() : null));
        break;
      case 'datetime_complete':
        add(attr, (t) => (t.datetimeComplete ? t.datetimeComplete.toISOString() : null));
        break;
      case 'duration':
        add('duration_ms', trialDurationMs);
        break;
      case 'params':
        mapping(
          'params',
          (t) => t.params,
          (v) => v as Cell,
        );
        break;
      case 'user_attrs':
        mapping('user_attrs', (t) => t.userAttrs, toCell);
        break;
      case 'system_attrs':
        mapping('system_attrs', (t) => t.systemAttrs, toCell);
        break;
      case 'intermediate_values': {
        const steps = new Set<number>();
        for (const t of trials) for (const step of t.intermediateValues.keys()) steps.add(step);
        for (const step of [...steps].sort((a, b) => a - b))
          add(`intermediate_values_${step}`, (t) => t.intermediateValues.get(step) ?? null);
        break;
      }
      case 'last_step':
        add(attr, (t) => lastStep(t) ?? null);
        break;
      case 'state':
        add('state', (t) => TRIAL_STATE_NAMES[t.state]);
        break;
    }
  }
  const rows = trials.map((t) => {
    const row: TrialRow = {};
    columns.forEach((c, j) => (row[c] = getters[j](t)));
    return row;
  });
  return tableOf(columns, rows);
}

/**
 * Columns: number, state, value (or values_0..k), datetime_start, datetime_complete, duration_ms,
 * params_<name>..., user_attrs_<name>... (Optuna's naming, so existing analysis code carries over).
 * With metric names (`study.setMetricNames`), the value columns are named as Optuna's
 * `trials_dataframe` names them: `value_<name>` for one objective, `values_<name>` for several.
 */
export function trialsTable(trials: readonly FrozenTrial[], nObjectives: number, metricNames?: readonly string[] | null): TrialsTable {
  return tableOfAttrs(trials, nObjectives, metricNames, DEFAULT_ATTRS);
}

/** The default table's attributes: Optuna's default `attrs` without the system attributes, the state second. */
const DEFAULT_ATTRS: readonly TrialAttr[] = [
  'number',
  'state',
  'value',
  'datetime_start',
  'datetime_complete',
  'duration',
  'params',
  'user_attrs',
];

function tableOf(columns: string[], rows: TrialRow[]): TrialsTable {
  const text = () => tableText(columns, rows);
  return {
    columns,
    rows,
    head: (n = 5) => tableOf(columns, rows.slice(0, rowCount('head', n, rows.length))),
    tail: (n = 5) => tableOf(columns, rows.slice(rows.length - rowCount('tail', n, rows.length))),
    toCSV: () => [columns.map(csvEscape).join(','), ...rows.map((r) => columns.map((c) => csvEscape(r[c])).join(','))].join('\n') + '\n',
    toJSON: () => JSON.stringify(rows),
    toString: text,
    [reprSymbol]: () => ({ 'text/plain': text(), 'text/html': tableHtml(columns, rows) }),
    [Symbol.for('nodejs.util.inspect.custom')]: text,
  } as TrialsTable;
}

/** pandas' `head(n)` / `tail(n)` count: n rows, or all but -n when negative, within the table. */
function rowCount(where: string, n: number, length: number): number {
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`trialsDataFrame().${where}(n): n must be an integer, got ${String(n)}.`);
  return n >= 0 ? Math.min(n, length) : Math.max(0, length + n);
}

/** The rows shown: all of them, or (past MAX_SHOWN_ROWS) the first and last few with null for the gap. */
function shownRows(rows: readonly TrialRow[]): (TrialRow | null)[] {
  if (rows.length <= MAX_SHOWN_ROWS) return [...rows];
  return [...rows.slice(0, ROWS_AT_EACH_END), null, ...rows.slice(rows.length - ROWS_AT_EACH_END)];
}

/** A cell as shown: numbers to six significant digits (as pandas shows floats), null as None. */
function shownCell(v: Cell | undefined): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : formatNumber(v);
  return String(v);
}

function tableText(columns: readonly string[], rows: readonly TrialRow[]): string {
  const shown = shownRows(rows);
  const cells = shown.map((r) => (r === null ? columns.map(() => '...') : columns.map((c) => shownCell(r[c]))));
  const widths = columns.map((c, j) => Math.max(c.length, ...cells.map((row) => row[j].length)));
  const line = (values: readonly string[]) => values.map((v, j) => v.padStart(widths[j])).join('  ');
  const out = [line(columns), ...cells.map(line)];
  if (shown.length !== rows.length || rows.length === 0) out.push('', `[${rows.length} rows x ${columns.length} columns]`);
  return out.join('\n');
}

function tableHtml(columns: readonly string[], rows: readonly TrialRow[]): string {
  const head = `<thead><tr>${columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead>`;
  const body = shownRows(rows)
    .map((r) => `<tr>${columns.map((c) => `<td>${r === null ? '...' : escapeHtml(shownCell(r[c]))}</td>`).join('')}</tr>`)
    .join('');
  return `<div><table>${head}<tbody>${body}</tbody></table><p>${rows.length} rows × ${columns.length} columns</p></div>`;
}

function toCell(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

/** RFC 4180 quoting: quote fields holding a comma, quote, or line break; double inner quotes. */
function csvEscape(v: Cell | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
