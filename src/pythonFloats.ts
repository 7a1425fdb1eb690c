/**
 * Python's int/float mark in the JSON texts Optuna writes. JavaScript has one number type, so
 * `JSON.parse` reads Python's `2.0` and `2` alike; Python's `json.dumps` always writes a float with a
 * fraction or an exponent (`2.0`, `1e-05`, `Infinity`), so the text still tells them apart. These
 * scanners read that mark where tunelab must keep it (a categorical's choices, which Optuna's CLI
 * prints as `2.0`), without a second JSON parser: they only walk the tokens.
 */

/** A number token: sign, digits, fraction and exponent (JSON's grammar), or Python's non-finite tokens. */
const NUMBER = /-?(?:\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|Infinity)|NaN/y;

/**
 * For each number in `text`, in order of appearance (strings skipped), whether Python wrote it as a
 * float: the order in which `JSON.parse` meets them, depth first.
 */
export function numberTokenKinds(text: string): boolean[] {
  const floats: boolean[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      i = endOfString(text, i);
      continue;
    }
    if (c !== '-' && c !== 'N' && c !== 'I' && (c < '0' || c > '9')) continue;
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) continue;
    floats.push(/[.eEIN]/.test(m[0]));
    i += m[0].length - 1;
  }
  return floats;
}

/**
 * The members of the JSON object `text` as [key, the member's value as written], in order; null
 * when `text` is not an object. (A caller parses each value on its own and keeps its numbers' marks.)
 */
export function rawObjectMembers(text: string): Array<[string, string]> | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const members: Array<[string, string]> = [];
  let depth = 0;
  let key: string | null = null;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const end = endOfString(text, i);
      if (depth === 1 && key === null) key = JSON.parse(text.slice(i, end + 1)) as string;
      i = end;
    } else if (c === '{' || c === '[') {
      depth++;
    } else if (c === '}' || c === ']' || (c === ',' && depth === 1)) {
      if (depth === 1 && key !== null && start >= 0) {
        members.push([key, text.slice(start, i).trim()]);
        key = null;
        start = -1;
      }
      if (c !== ',') depth--;
    } else if (c === ':' && depth === 1 && start < 0) {
      start = i + 1;
    }
  }
  return members;
}

/** The index of the quote that closes the string opened at `open`. */
function endOfString(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return text.length;
}
