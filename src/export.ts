import { TRIAL_STATE_NAMES, trialDurationMs, type FrozenTrial } from './frozenTrial';
import { hasKey } from './dict';

export type Cell = string | number | boolean | null;
export type TrialRow = Record<string, Cell>;

/** A table of trials, one row each, like Optuna's `trials_dataframe()`; columns in a stable order. */
export interface TrialsTable {
  readonly columns: string[];
  readonly rows: TrialRow[];
  toCSV(): string;
  toJSON(): string;
}

/**
 * Columns: number, state, value (or values_0..k), datetime_start, datetime_complete, duration_ms,
 * params_<name>..., user_attrs_<name>... (Optuna's naming, so existing analysis code carries over).
 * With metric names (`study.setMetricNames`), the value columns are named as Optuna's
 * `trials_dataframe` names them: `value_<name>` for one objective, `values_<name>` for several.
 */
export function trialsTable(trials: readonly FrozenTrial[], nObjectives: number, metricNames?: readonly string[] | null): TrialsTable {
  const paramNames = new Set<string>();
  const attrNames = new Set<string>();
  for (const t of trials) {
    for (const k of Object.keys(t.params)) paramNames.add(k);
    for (const k of Object.keys(t.userAttrs)) attrNames.add(k);
  }
  const named = metricNames && metricNames.length === nObjectives ? metricNames : null;
  const valueCols =
    nObjectives === 1
      ? [named ? `value_${named[0]}` : 'value']
      : Array.from({ length: nObjectives }, (_, i) => `values_${named ? named[i] : i}`);
  const columns = [
    'number',
    'state',
    ...valueCols,
    'datetime_start',
    'datetime_complete',
    'duration_ms',
    ...[...paramNames].sort().map((p) => `params_${p}`),
    ...[...attrNames].sort().map((a) => `user_attrs_${a}`),
  ];
  const rows = trials.map((t) => {
    const row: TrialRow = {
      number: t.number,
      state: TRIAL_STATE_NAMES[t.state],
    };
    valueCols.forEach((c, i) => (row[c] = t.values ? t.values[i] : null));
    row.datetime_start = t.datetimeStart ? t.datetimeStart.toISOString() : null;
    row.datetime_complete = t.datetimeComplete ? t.datetimeComplete.toISOString() : null;
    row.duration_ms = trialDurationMs(t);
    for (const p of paramNames) row[`params_${p}`] = hasKey(t.params, p) ? t.params[p] : null;
    for (const a of attrNames) row[`user_attrs_${a}`] = hasKey(t.userAttrs, a) ? toCell(t.userAttrs[a]) : null;
    return row;
  });
  return {
    columns,
    rows,
    toCSV: () => [columns.map(csvEscape).join(','), ...rows.map((r) => columns.map((c) => csvEscape(r[c])).join(','))].join('\n') + '\n',
    toJSON: () => JSON.stringify(rows),
  };
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
