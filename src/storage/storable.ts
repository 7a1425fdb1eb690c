/**
 * What every storage accepts, checked before anything is written, so that memory, SQLite and
 * PostgreSQL accept and refuse exactly the same names and values (a study moved with copyStudy from
 * one to another never meets a limit the first did not have).
 *
 * - Attribute values are stored as JSON (Optuna's value_json): null, booleans, numbers, strings,
 *   arrays and plain objects. NaN, Infinity and -Infinity are kept, written as the bare tokens
 *   Python's json.dumps writes (so Optuna reads them back as floats); BigInt, functions, symbols,
 *   undefined, cycles and class instances (Date, Map, ...) have no JSON form and are refused with
 *   the path inside the value and what to pass instead. Nothing is ever silently turned into null.
 * - Names (study names, parameter names, attribute keys) and every string inside a stored value must
 *   be well-formed Unicode: a lone surrogate has no UTF-8 encoding, and one in a SQLite file stops
 *   Optuna and optuna-dashboard from listing any study of that file.
 * - Names are at most 512 characters and contain no NUL: Optuna's schema declares study_name,
 *   param_name and key as VARCHAR(512) and PostgreSQL enforces it (and never stores NUL in text).
 *   SQLite does not enforce VARCHAR lengths, but tunelab checks the same limits there (and in
 *   memory) so a study that fits one backend fits all, and Optuna's own validation never meets a
 *   tunelab-written name it would not have written.
 */
import { InvalidArgumentError } from '../errors';

/** Optuna's VARCHAR length for study_name, param_name and attribute keys (MAX_INDEXED_STRING_LENGTH). */
export const MAX_NAME_LENGTH = 512;

export type NameKind = 'study name' | 'parameter name' | 'attribute key';

/** A printable form of a name for messages: escaped, and shortened when very long. */
export function showName(s: string): string {
  const shown = JSON.stringify(s.length > 60 ? `${s.slice(0, 40)}…` : s);
  return shown.replace(/[\ud800-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/** Where in a string the first lone surrogate is (-1 if the string is well-formed). */
function loneSurrogateAt(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return i;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return i;
  }
  return -1;
}

/** String.prototype.isWellFormed (Node 20), spelled out because the project's TypeScript lib predates it. */
export function isWellFormed(s: string): boolean {
  return loneSurrogateAt(s) === -1;
}

function malformedMessage(what: string, s: string): string {
  const at = loneSurrogateAt(s);
  const unit = s.charCodeAt(at).toString(16).toUpperCase();
  return (
    `${what} contains a lone UTF-16 surrogate (\\u${unit} at index ${at}), which has no UTF-8 encoding: ` +
    'stored in a database it would make the whole file unreadable to Optuna and optuna-dashboard. ' +
    'Pass well-formed text (String.prototype.toWellFormed() replaces lone surrogates with U+FFFD).'
  );
}

/** Throws unless `s` is a name every backend can store (see the module comment). */
export function checkName(kind: NameKind, s: unknown): asserts s is string {
  if (typeof s !== 'string') {
    throw new InvalidArgumentError(`A ${kind} must be a string, got ${typeof s}.`);
  }
  if (!isWellFormed(s)) throw new InvalidArgumentError(malformedMessage(`The ${kind} ${showName(s)}`, s));
  if (s.includes('\u0000')) {
    throw new InvalidArgumentError(
      `The ${kind} ${showName(s)} contains a NUL character (\\u0000), which PostgreSQL cannot store in text. Remove it.`,
    );
  }
  // Characters (code points), as VARCHAR(n) counts them. A string never has more code points than
  // UTF-16 units, so only a long one is counted (names are checked at every suggest).
  let length = s.length;
  if (length > MAX_NAME_LENGTH) {
    length = 0;
    for (const _ of s) length++;
  }
  if (length > MAX_NAME_LENGTH) {
    throw new InvalidArgumentError(
      `The ${kind} ${showName(s)} is ${length} characters long; Optuna's storage schema (VARCHAR(${MAX_NAME_LENGTH})) ` +
        `holds at most ${MAX_NAME_LENGTH}. Use a shorter ${kind}.`,
    );
  }
}

/** What a value that cannot be stored should be replaced with. */
function advice(value: unknown): string {
  switch (typeof value) {
    case 'bigint':
      return 'Pass a Number (Number(x), exact up to 2^53) or a string (x.toString()) instead';
    case 'function':
      return 'Functions are not data: store a name or a description string instead';
    case 'symbol':
      return 'Pass a string (symbol.description) instead';
    case 'undefined':
      return 'Pass null instead, or leave the attribute unset';
  }
  if (value instanceof Date) return 'Pass date.toISOString() (a string) or date.getTime() (a number) instead';
  if (value instanceof Map) return 'Pass Object.fromEntries(map) instead';
  if (value instanceof Set) return 'Pass Array.from(set) instead';
  if (ArrayBuffer.isView(value)) return 'Pass Array.from(typedArray) instead';
  return 'Pass plain data instead: null, booleans, numbers, strings, arrays and plain objects';
}

function describeValue(value: unknown): string {
  if (typeof value === 'bigint') return `a BigInt (${value}n)`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (value === undefined) return 'undefined';
  const name = (value as object).constructor?.name;
  return name ? `a ${name} object` : 'an object';
}

/**
 * Throws unless `value` can be stored as an attribute value on every backend; `label` names it in the
 * message (e.g. "User attribute 'lr'"). Runs before anything is written. The label and the path to
 * the offending part are formed only for the message: this check runs for every attribute a trial
 * sets, and nearly always passes.
 */
export function checkStorableValue(label: string | (() => string), value: unknown): void {
  if (isJsonScalar(value)) return;
  const stack: object[] = [];
  /** The keys and indices from `value` down to the part being checked. */
  const keys: (string | number)[] = [];
  const fail = (why: string): never => {
    const path = keys.map((k) => (typeof k === 'number' ? `[${k}]` : `[${showName(k)}]`)).join('');
    throw new InvalidArgumentError(
      `${typeof label === 'string' ? label : label()} cannot be stored: ${path ? `its value at ${path}` : 'its value'} ${why.replace(/\.$/, '')}. ` +
        'Attributes are stored as JSON (as Optuna stores them).',
    );
  };
  const visit = (v: unknown): void => {
    if (isJsonScalar(v)) return;
    if (typeof v === 'string') {
      if (!isWellFormed(v)) fail(`is a string that ${malformedMessage('', v).replace(/^ contains/, 'contains')}`);
      return;
    }
    if (typeof v !== 'object') return fail(`is ${describeValue(v)}, which has no JSON form. ${advice(v)}`);
    if (stack.includes(v)) return fail('refers back to itself (a cycle), which JSON cannot encode. Pass a copy without the cycle instead');
    const proto = Object.getPrototypeOf(v);
    const isArray = Array.isArray(v);
    if (!isArray && proto !== Object.prototype && proto !== null) {
      return fail(`is ${describeValue(v)}, which JSON cannot encode faithfully. ${advice(v)}`);
    }
    stack.push(v);
    if (isArray) {
      for (let i = 0; i < v.length; i++) {
        keys.push(i);
        visit(v[i]);
        keys.pop();
      }
    } else {
      for (const k of Object.keys(v)) {
        keys.push(k);
        if (!isWellFormed(k)) fail(`has a key that ${malformedMessage('', k).replace(/^ contains/, 'contains')}`);
        visit((v as Record<string, unknown>)[k]);
        keys.pop();
      }
    }
    stack.pop();
  };
  visit(value);
}

/** null, a boolean or a number (NaN and +-Infinity included): stored as it is, nothing to walk. */
function isJsonScalar(v: unknown): v is null | boolean | number {
  return v === null || typeof v === 'boolean' || typeof v === 'number';
}

/** Check an attribute's key and value; `label` is e.g. 'User attribute' or 'Study system attribute'. */
export function checkAttribute(label: string, key: unknown, value: unknown): void {
  checkName('attribute key', key);
  // A scalar (a trial's seed, a constraint, a flag: most attributes) is checked without the walk's closures.
  if (!isJsonScalar(value)) checkStorableValue(() => `${label} ${showName(key as string)}`, value);
}

/**
 * JSON text of a value that passed checkStorableValue, with NaN, Infinity and -Infinity written as
 * the bare tokens Python's json.dumps writes (Optuna reads them back; decodeJson reads them too).
 */
export function encodeStorableJson(value: unknown): string {
  if (typeof value === 'number')
    return Number.isFinite(value) ? JSON.stringify(value) : value > 0 ? 'Infinity' : value < 0 ? '-Infinity' : 'NaN';
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(encodeStorableJson).join(', ')}]`;
  const entries = Object.keys(value).map((k) => `${JSON.stringify(k)}: ${encodeStorableJson((value as Record<string, unknown>)[k])}`);
  return `{${entries.join(', ')}}`;
}

/** Check the attributes a new trial starts with (enqueued trials' fixed params, copied trials). */
export function checkTemplate(template: { userAttrs?: Record<string, unknown>; systemAttrs?: Record<string, unknown> }): void {
  for (const [k, v] of Object.entries(template.userAttrs ?? {})) checkAttribute('User attribute', k, v);
  for (const [k, v] of Object.entries(template.systemAttrs ?? {})) checkAttribute('System attribute', k, v);
}

/** The value as every backend gives it back: a fresh copy through the stored JSON form. */
export function storedForm(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  return structuredCopy(value);
}

function structuredCopy(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(structuredCopy);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v))
    Object.defineProperty(out, k, {
      value: structuredCopy((v as Record<string, unknown>)[k]),
      writable: true,
      enumerable: true,
      configurable: true,
    });
  return out;
}

/** String.prototype.toWellFormed: lone surrogates become U+FFFD (for text tunelab writes itself). */
export function toWellFormed(s: string): string {
  return isWellFormed(s) ? s : s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** A parameter's name and, for a categorical distribution, its string choices. */
export function checkParam(name: unknown, distribution: { kind: string; choices?: readonly unknown[] }): void {
  checkName('parameter name', name);
  if (distribution.kind !== 'categorical') return;
  for (const c of distribution.choices ?? []) {
    if (typeof c === 'string' && !isWellFormed(c)) {
      throw new InvalidArgumentError(
        malformedMessage(`Parameter ${showName(name as string)} has a categorical choice ${showName(c)} that`, c),
      );
    }
  }
}
