/**
 * JSON text exactly as Python's `json.dumps` writes it, so a journal line tunelab appends is
 * byte-for-byte what Optuna would have appended for the same operation:
 * - `ensure_ascii`: every character above U+007F is written as a \uXXXX escape (surrogate pairs as
 *   two escapes), control characters as Python escapes them;
 * - floats in Python's `repr` form (`1.0`, `1e-05`, `1e+16`), NaN and +-Infinity as the bare tokens
 *   Python writes. JavaScript has one number type, so the fields Optuna writes as floats (objective
 *   values, intermediate values, internal parameter values) are marked with `pyFloat`; any other
 *   number is written as an int when it is integral;
 * - separators `(",", ":")` (the file backend) or the default `(", ", ": ")` (the Redis backend).
 */

import { pythonFloatRepr } from '../../format';

/** A number Python holds as a float (written `1.0`, not `1`). */
export class PyFloat {
  constructor(readonly value: number) {}
}

export const pyFloat = (x: number): PyFloat => new PyFloat(x);

function nonFinite(x: number): string | null {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return null;
}

/** A float as Python's json.dumps writes it: repr (`1.0`, `1e-05`), or the bare NaN / Infinity tokens. */
export function pyFloatRepr(x: number): string {
  return nonFinite(x) ?? pythonFloatRepr(x);
}

/** A JavaScript number as Python would have it: an int when integral (and safe), a float otherwise. */
function pyNumber(x: number): string {
  if (Number.isSafeInteger(x) && !Object.is(x, -0)) return String(x);
  return pyFloatRepr(x);
}

/** A string as Python's json.dumps (ensure_ascii) writes it. */
export function pyString(s: string): string {
  // Python escapes everything outside ' '..'~' (DEL included); JSON.stringify already did below ' '.
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export type Separators = 'compact' | 'default';

/** Encode a value (plain JSON data, with PyFloat marks) as Python's json.dumps would. */
export function pyJsonDumps(value: unknown, separators: Separators): string {
  const item = separators === 'compact' ? ',' : ', ';
  const colon = separators === 'compact' ? ':' : ': ';
  const enc = (v: unknown): string => {
    if (v === null || v === undefined) return 'null';
    if (v instanceof PyFloat) return pyFloatRepr(v.value);
    switch (typeof v) {
      case 'boolean':
        return v ? 'true' : 'false';
      case 'number':
        return pyNumber(v);
      case 'string':
        return pyString(v);
    }
    if (Array.isArray(v)) return `[${v.map(enc).join(item)}]`;
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .map((k) => `${pyString(k)}${colon}${enc(o[k])}`)
      .join(item)}}`;
  };
  return enc(value);
}
