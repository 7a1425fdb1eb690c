/**
 * Numbers written for people, in one place so every surface (trial log, terminal progress bar,
 * widget text and views, plot labels, CLI tables, reports) prints the same quantity the same way.
 *
 * Two families, on purpose:
 * - Python's own renderings (`pythonFloatRepr`, `formatG`) wherever tunelab's text stands in for
 *   Optuna's (its trial log, its CLI, its journal, its plot labels): scripts and readers compare
 *   those byte for byte, so they follow Python exactly;
 * - `formatNumber` and `formatSeconds` for tunelab's own displays (progress, monitors, reports),
 *   short enough to read at a glance.
 *
 * Pure functions with no Node or DOM imports: the browser views (widgets/src) bundle this module too.
 */

/**
 * Python's `repr(float)`: the shortest digits that round-trip, at least one decimal (`3.0`),
 * scientific when the decimal exponent is below -4 or from 16 on (`1e-05`, `1.5e+16`), and
 * `nan` / `inf` / `-inf`. JSON writers that need `NaN` / `Infinity` check for those first.
 */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest round-trip digits, as repr does.
  const [mantissa, expText] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const expPart = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
    return `${sign}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${expPart}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${intPart}.${frac === '' ? '0' : frac}`;
}

/** Python's `'%.<p>g' % x` (what Optuna's plots label axes and colour bars with). */
export function formatG(x: number, p: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return String(x);
  const exp = Math.floor(Math.log10(Math.abs(Number(x.toPrecision(p)))));
  if (exp < -4 || exp >= p) {
    const [m, e] = x.toExponential(p - 1).split('e');
    const mant = m.includes('.') ? m.replace(/\.?0+$/, '') : m;
    const n = Number(e);
    return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const fixed = x.toFixed(Math.max(0, p - 1 - exp));
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/**
 * A value (an objective, a best value, a score, a learning rate) on tunelab's own displays: six
 * significant digits without trailing zeros (`0.123457`, `42`), and scientific with five
 * significant digits when it is tiny or huge (`1.2346e-5`, `3.0000e+6`), so a column of values
 * keeps its width. Non-finite values print as JavaScript does (`NaN`, `Infinity`).
 */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(4) : String(Number(v.toPrecision(6)));
}

/**
 * A duration in seconds for people: `12.3s` under a minute, then `2m05s`, then `1h02m`.
 * Anything that is not a finite number (an unknown ETA) prints as `?`.
 */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * A fraction (0 to 1) as a whole percentage, halves rounded up as people expect: 23 of 40 is 58%,
 * though 23 / 40 * 100 is 57.49999999999999 in floating point (so rounding is done from 6 decimals).
 */
export function formatPercent(fraction: number): number {
  return Math.round(Number((fraction * 100).toFixed(6)));
}

/** Python's `repr(str)`: single quotes unless the text holds a ' and no "; escapes as repr writes them. */
export function pythonStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}
