/**
 * Python values as Optuna's CLI prints them. Scripts written for `optuna` parse its output, so
 * tunelab prints the same text: Python's `repr` of floats (`3.0`, `1e-05`), `str()` of containers
 * (`{'x': 0.5}`, `('MINIMIZE',)`) in tables, `json.dumps` (ASCII only, `NaN`) and `yaml.safe_dump`.
 * JavaScript has one number type, so the float/int distinction Python keeps is carried explicitly.
 */

import { pythonFloatRepr, pythonStrRepr } from '../format';

/** A Python float (an objective value, a float parameter): printed `3.0`, never `3`. */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** A Python tuple: a JSON/YAML list, but `('a',)` in a table. */
export class PyTuple {
  constructor(readonly items: readonly PyValue[]) {}
}

/** Insertion-ordered, as Python dicts are (a JS object would move integer-like keys first). */
export type PyDict = Map<string, PyValue>;

/** `number` is a Python int; floats are PyFloat. */
export type PyValue = null | boolean | number | string | PyFloat | PyTuple | PyValue[] | PyDict;

/** Python's `repr(str)` (format.ts). */
export const strRepr = pythonStrRepr;

/** Python's `repr(value)`. */
export function pyRepr(v: PyValue): string {
  return typeof v === 'string' ? strRepr(v) : pyStr(v);
}

/** Python's `str(value)` (what a table cell shows). */
export function pyStr(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v;
  if (v instanceof PyFloat) return pythonFloatRepr(v.value);
  if (v instanceof PyTuple) return `(${v.items.map(pyRepr).join(', ')}${v.items.length === 1 ? ',' : ''})`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return `{${[...v].map(([k, x]) => `${strRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
}

function jsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const code = s.charCodeAt(i);
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    // ensure_ascii: everything outside printable ASCII as \uXXXX (UTF-16 units, as Python writes them).
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/** Python's `json.dumps(value)` with its defaults (", " and ": " separators, ASCII, NaN allowed). */
export function pyJson(v: PyValue): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return jsonString(v);
  if (v instanceof PyFloat) {
    if (Number.isNaN(v.value)) return 'NaN';
    if (v.value === Infinity) return 'Infinity';
    if (v.value === -Infinity) return '-Infinity';
    return pythonFloatRepr(v.value);
  }
  if (v instanceof PyTuple) return pyJson([...v.items]);
  if (Array.isArray(v)) return `[${v.map(pyJson).join(', ')}]`;
  return `{${[...v].map(([k, x]) => `${jsonString(k)}: ${pyJson(x)}`).join(', ')}}`;
}

const YAML_RESERVED = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~)$/;

function yamlScalarString(s: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s) && !YAML_RESERVED.test(s)) return s;
  if (/^[\x20-\x7e]*$/.test(s)) return `'${s.replace(/'/g, "''")}'`;
  return jsonString(s); // a YAML double-quoted scalar accepts JSON's escapes
}

function yamlFloat(x: number): string {
  if (Number.isNaN(x)) return '.nan';
  if (x === Infinity) return '.inf';
  if (x === -Infinity) return '-.inf';
  const r = pythonFloatRepr(x);
  return !r.includes('.') && r.includes('e') ? r.replace('e', '.0e') : r;
}

function yamlScalar(v: PyValue): string | undefined {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return yamlScalarString(v);
  if (v instanceof PyFloat) return yamlFloat(v.value);
  const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : null;
  if (items ? items.length === 0 : (v as PyDict).size === 0) return items ? '[]' : '{}';
  return undefined;
}

function yamlLines(v: PyValue, indent: string): string[] {
  const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : null;
  if (items) {
    // PyYAML's block style: a list item's mapping starts on the dash line.
    return items.flatMap((item) => {
      const scalar = yamlScalar(item);
      if (scalar !== undefined) return [`${indent}- ${scalar}`];
      const inner = yamlLines(item, `${indent}  `);
      return [`${indent}- ${inner[0].slice(indent.length + 2)}`, ...inner.slice(1)];
    });
  }
  // safe_dump sorts mapping keys.
  const entries = [...(v as PyDict)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.flatMap(([k, x]) => {
    const key = yamlScalarString(k);
    const scalar = yamlScalar(x);
    if (scalar !== undefined) return [`${indent}${key}: ${scalar}`];
    const nestedIsList = x instanceof PyTuple || Array.isArray(x);
    return [`${indent}${key}:`, ...yamlLines(x, nestedIsList ? indent : `${indent}  `)];
  });
}

/** `yaml.safe_dump(value)` in PyYAML's default block style with sorted keys (parses to the same data). */
export function pyYaml(v: PyValue): string {
  const scalar = yamlScalar(v);
  return scalar !== undefined ? scalar : yamlLines(v, '').join('\n');
}

/** True for the values Optuna's table right-aligns (None, bool, int, float). */
export function isNumericCell(v: PyValue | undefined): boolean {
  return v === undefined || v === null || typeof v === 'boolean' || typeof v === 'number' || v instanceof PyFloat;
}
