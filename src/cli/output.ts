/**
 * The output formats of Optuna 5's CLI (`-f value|json|table|yaml`, text as `optuna.cli` prints
 * it), plus `csv`, which Optuna lacks: always flat (`params_x`), one header line, RFC 4180 quoting.
 */
import { convertToRows, type Column, type ColumnRecord } from './records';
import { isNumericCell, pyJson, pyStr, pyYaml, PyTuple, type PyDict, type PyValue } from './pyvalue';

export const FORMATS = ['value', 'json', 'table', 'yaml', 'csv'] as const;
export type OutputFormat = (typeof FORMATS)[number];

const width = (s: string) => [...s].length;

/** `_dump_table`: +---+ borders; a column is right-aligned when all its cells are numbers or None. */
function dumpTable(rows: readonly PyDict[], header: readonly string[]): string {
  let separator = '+';
  let head = '|';
  const lines = rows.map(() => '|');
  header.forEach((name) => {
    const cells = rows.map((r) => r.get(name));
    const numeric = cells.every(isNumericCell);
    const texts = cells.map((c) => (c === undefined || c === null ? null : pyStr(c)));
    const w = Math.max(width(name), ...texts.map((t) => (t === null ? 4 : width(t))));
    const align = (s: string) => (numeric ? ' '.repeat(w - width(s)) + s : s + ' '.repeat(w - width(s)));
    separator += `${'-'.repeat(w + 2)}+`;
    head += ` ${align(name)} |`;
    texts.forEach((t, i) => (lines[i] += ` ${t === null ? ' '.repeat(w) : align(t)} |`));
  });
  return [separator, head, separator, ...lines, separator].join('\n');
}

/** `_dump_value`: cells joined by spaces, None as empty. */
function dumpValue(rows: readonly PyDict[], header: readonly string[]): string {
  return rows.map((r) => header.map((h) => (r.get(h) === undefined || r.get(h) === null ? '' : pyStr(r.get(h)!))).join(' ')).join('\n');
}

function csvCell(v: PyValue | undefined): string {
  if (v === undefined || v === null) return '';
  const container = v instanceof Map || v instanceof PyTuple || Array.isArray(v);
  const text = container ? pyJson(v) : pyStr(v);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function dumpCsv(rows: readonly PyDict[], header: readonly string[]): string {
  const line = (cells: string[]) => cells.join(',');
  return [line(header.map((h) => csvCell(h))), ...rows.map((r) => line(header.map((h) => csvCell(r.get(h)))))].join('\n');
}

/**
 * `optuna.cli._format_output`: `single` for commands that print one record (best-trial, ask),
 * whose JSON/YAML is that record rather than a list of one.
 */
export function formatOutput(
  records: ColumnRecord[],
  columns: readonly Column[],
  format: OutputFormat,
  flatten: boolean,
  single = false,
): string {
  const { rows, header } = convertToRows(records, columns, flatten || format === 'csv');
  switch (format) {
    case 'value':
      return dumpValue(rows, header).trim();
    case 'table':
      return dumpTable(rows, header).trim();
    case 'json':
      return pyJson(single ? rows[0] : rows);
    case 'yaml':
      return pyYaml(single ? rows[0] : rows).trim();
    case 'csv':
      return dumpCsv(rows, header);
  }
}
