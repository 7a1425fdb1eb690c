import { numberTokenKinds } from './pythonFloats';
import { InvalidDistributionError } from './errors';
import { checkOptionKeys } from './options';

/** A value a categorical parameter may take (Optuna's CategoricalChoiceType). */
export type CategoricalChoice = string | number | boolean | null;
/** The value of any parameter as the objective sees it. */
export type ParamValue = number | CategoricalChoice;

export interface FloatDistribution {
  readonly kind: 'float';
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  readonly step: number | null;
}

export interface IntDistribution {
  readonly kind: 'int';
  readonly low: number;
  readonly high: number;
  readonly log: boolean;
  readonly step: number;
}

export interface CategoricalDistribution<T extends CategoricalChoice = CategoricalChoice> {
  readonly kind: 'categorical';
  readonly choices: readonly T[];
}

export type Distribution = FloatDistribution | IntDistribution | CategoricalDistribution;

function checkFinite(what: string, name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new InvalidDistributionError(`${what} '${name}': bounds must be finite numbers, got ${String(v)}. Pass finite low/high values.`);
  }
}

/**
 * Definitions built without a parameter name that failed validation (space.ts's float/int/categorical),
 * each with the check that throws the error under the name it is finally given.
 */
export const deferredDistributionErrors = new WeakMap<object, (name: string) => void>();

/** The options of a float or int distribution (suggestFloat, suggestInt, space()'s float and int). */
const NUMERIC_OPTION_KEYS: readonly string[] = ['log', 'step'];

/**
 * A misspelt `{ logg: true }` would sample on a linear scale in silence: refuse unknown keys (cheaply,
 * once a parameter). An InvalidDistributionError, as the definition's other faults are, so that
 * `space({ lr: float(1e-5, 1, { logg: true }) })` names `lr` (space.ts defers those errors).
 */
function checkDistributionOptions(what: string, name: string, opts: object, keys: readonly string[]): void {
  const check = (): void => checkOptionKeys(`${what} '${name}'`, opts, keys, 'option', InvalidDistributionError);
  if (opts === null || typeof opts !== 'object') check();
  for (const key in opts) if (!keys.includes(key)) check();
}

/**
 * Float distribution on [low, high]. With `step`, values lie on low + k*step and `high` is
 * lowered to the last point of that grid (as Optuna does); with `log`, sampling is uniform in log space.
 */
export function floatDistribution(
  low: number,
  high: number,
  opts: { log?: boolean; step?: number | null } = {},
  name = 'float parameter',
): FloatDistribution {
  checkDistributionOptions('Float distribution', name, opts, NUMERIC_OPTION_KEYS);
  const log = opts.log ?? false;
  const step = opts.step ?? null;
  checkFinite('Float distribution', name, low);
  checkFinite('Float distribution', name, high);
  if (low > high) {
    throw new InvalidDistributionError(
      `Float distribution '${name}': low (${low}) is greater than high (${high}). Swap them or fix the range.`,
    );
  }
  if (log && step !== null) {
    throw new InvalidDistributionError(`Float distribution '${name}': log and step cannot be used together. Drop one of them.`);
  }
  if (log && low <= 0) {
    throw new InvalidDistributionError(
      `Float distribution '${name}': log scale needs low > 0, got low = ${low}. Use a positive lower bound or log: false.`,
    );
  }
  if (step !== null && !(Number.isFinite(step) && step > 0)) {
    throw new InvalidDistributionError(`Float distribution '${name}': step must be a positive finite number, got ${step}.`);
  }
  // Samplers work with x - low (random draws, Parzen bandwidths, GP and CMA-ES scaling): a width that
  // overflows to Infinity turns every draw into Infinity or NaN.
  if (!Number.isFinite(high - low)) {
    throw new InvalidDistributionError(
      `Float distribution '${name}': the range [${low}, ${high}] is wider than the largest number (${Number.MAX_VALUE}); ` +
        'its width overflows to Infinity, so no value can be sampled. Narrow the range, or use log: true for a positive range spanning many magnitudes.',
    );
  }
  if (step !== null && !((high - low) / step <= Number.MAX_SAFE_INTEGER)) {
    throw new InvalidDistributionError(
      `Float distribution '${name}': step ${step} is too small for the range [${low}, ${high}]: it makes more than ` +
        `${Number.MAX_SAFE_INTEGER} grid points, beyond what a double counts exactly. Use a larger step, or step: null for a continuous range.`,
    );
  }
  const adjustedHigh = step === null ? high : adjustDiscreteHigh(low, high, step);
  return Object.freeze({ kind: 'float', low, high: adjustedHigh, log, step });
}

/** Integer distribution on [low, high] with an integer step (default 1), or log-uniform (step 1 only). */
export function intDistribution(
  low: number,
  high: number,
  opts: { log?: boolean; step?: number } = {},
  name = 'int parameter',
): IntDistribution {
  checkDistributionOptions('Int distribution', name, opts, NUMERIC_OPTION_KEYS);
  const log = opts.log ?? false;
  const step = opts.step ?? 1;
  checkFinite('Int distribution', name, low);
  checkFinite('Int distribution', name, high);
  if (!Number.isInteger(low) || !Number.isInteger(high)) {
    throw new InvalidDistributionError(
      `Int distribution '${name}': low and high must be integers, got [${low}, ${high}]. Use suggestFloat (float() in space()) for a real-valued range.`,
    );
  }
  // Beyond 2**53 a double cannot tell neighbouring integers apart: the range would collapse to a few
  // representable values (or one), silently.
  if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high) || !Number.isSafeInteger(high - low)) {
    throw new InvalidDistributionError(
      `Int distribution '${name}': [${low}, ${high}] goes beyond the integers a number represents exactly ` +
        `(bounds and their distance must be within Number.MAX_SAFE_INTEGER = ${Number.MAX_SAFE_INTEGER}). ` +
        'Narrow the range, or use suggestFloat (with log: true) for such magnitudes.',
    );
  }
  if (low > high) {
    throw new InvalidDistributionError(
      `Int distribution '${name}': low (${low}) is greater than high (${high}). Swap them or fix the range.`,
    );
  }
  if (log && step !== 1) {
    throw new InvalidDistributionError(
      `Int distribution '${name}': log and step cannot be used together (step must be 1 with log). Drop one of them.`,
    );
  }
  if (log && low < 1) {
    throw new InvalidDistributionError(`Int distribution '${name}': log scale needs low >= 1, got low = ${low}.`);
  }
  if (!Number.isSafeInteger(step) || step < 1) {
    throw new InvalidDistributionError(`Int distribution '${name}': step must be a positive integer, got ${step}.`);
  }
  return Object.freeze({ kind: 'int', low, high: adjustDiscreteHigh(low, high, step), log, step });
}

/** Categorical distribution over distinct choices (strings, numbers, booleans or null). */
export function categoricalDistribution<T extends CategoricalChoice>(
  choices: readonly T[],
  name = 'categorical parameter',
): CategoricalDistribution<T> {
  if (!Array.isArray(choices) || choices.length === 0) {
    throw new InvalidDistributionError(
      `Categorical distribution '${name}': choices must be a non-empty array, e.g. categorical(['relu', 'tanh']); got ${Array.isArray(choices) ? '[]' : String(choices)}.`,
    );
  }
  const seen = new Set<string>();
  for (const c of choices) {
    const ok = c === null || ['string', 'number', 'boolean'].includes(typeof c);
    if (!ok) {
      throw new InvalidDistributionError(
        `Categorical distribution '${name}': choice ${String(c)} is not a string, number, boolean or null. ` +
          'Encode complex choices as strings and map them inside the objective.',
      );
    }
    // Optuna 5.0 accepts inf and nan and writes them as the non-standard JSON tokens Infinity / NaN.
    // tunelab stores choices as standard JSON (every reader of the database can parse it), which has
    // no such numbers: JSON.stringify would write null and the study could not be resumed.
    if (typeof c === 'number' && !Number.isFinite(c)) {
      throw new InvalidDistributionError(
        `Categorical distribution '${name}': choice ${String(c)} is not a finite number; a study stores its choices as JSON, ` +
          `which has no ${String(c)}. Use a string such as '${String(c)}' (and convert it in the objective) or a finite number.`,
      );
    }
    const key = JSON.stringify(c) + typeof c;
    if (seen.has(key)) {
      throw new InvalidDistributionError(
        `Categorical distribution '${name}': duplicate choice ${JSON.stringify(c)}. Each choice must appear once.`,
      );
    }
    seen.add(key);
  }
  return Object.freeze({ kind: 'categorical', choices: Object.freeze([...choices]) });
}

/**
 * `high` lowered to the last point of the grid low + k * step, computed as Optuna computes it: in
 * decimal, on the numbers as printed (`[0, 1]` with step 0.3 ends at 0.9, where binary arithmetic
 * gives 0.8999999999999999 and a value of 0.9, enqueued or stored by Optuna, would lie outside).
 */
function adjustDiscreteHigh(low: number, high: number, step: number): number {
  const [l, h, st] = commonScale([decimalOf(low), decimalOf(high), decimalOf(step)]);
  const range = h.units - l.units;
  if (range % st.units === 0n) return high;
  const adjusted = Number(`${(range / st.units) * st.units + l.units}e-${l.scale}`);
  warnOnce(`The range [${low}, ${high}] is not divisible by step=${step}; it is replaced by [${low}, ${adjusted}], as Optuna does.`);
  return adjusted;
}

/** Messages already shown: a suggest repeated every trial warns once, as Python's default warning filter shows it. */
const warned = new Set<string>();
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message);
}

/** A number's shortest decimal form (what String prints, as Python's str does) as units * 10^-scale. */
export function decimalOf(x: number): { units: bigint; scale: number } {
  const [mantissa, exponent = '0'] = String(x).split('e');
  const [whole, fraction = ''] = mantissa.split('.');
  const scale = fraction.length - Number(exponent);
  const units = BigInt(whole + fraction);
  return scale >= 0 ? { units, scale } : { units: units * 10n ** BigInt(-scale), scale: 0 };
}

/** Decimals rewritten over the largest of their scales, so that their units add and divide exactly. */
function commonScale(ds: { units: bigint; scale: number }[]): { units: bigint; scale: number }[] {
  const scale = Math.max(...ds.map((d) => d.scale));
  return ds.map((d) => ({ units: d.units * 10n ** BigInt(scale - d.scale), scale }));
}

/** True when the distribution has exactly one possible value. */
export function isSingle(d: Distribution): boolean {
  if (d.kind === 'categorical') return d.choices.length === 1;
  if (d.low === d.high) return true;
  if (d.kind === 'float') return d.step !== null && d.high - d.low < d.step;
  return d.high - d.low < d.step;
}

/** The external value (what the objective sees) to the internal float stored and modelled. */
export function toInternal(d: Distribution, value: ParamValue): number {
  if (d.kind === 'categorical') {
    const i = d.choices.findIndex((c) => c === value || (Number.isNaN(c as number) && Number.isNaN(value as number)));
    if (i < 0) {
      throw new InvalidDistributionError(`Value ${JSON.stringify(value)} is not one of the choices ${JSON.stringify(d.choices)}.`);
    }
    return i;
  }
  return value as number;
}

/** The internal float back to the external value. */
export function toExternal(d: Distribution, internal: number): ParamValue {
  if (d.kind === 'categorical') return d.choices[Math.round(internal)];
  if (d.kind === 'int') return Math.round(internal);
  return internal;
}

/** Whether an internal value is a legal point of the distribution. */
export function containsInternal(d: Distribution, internal: number): boolean {
  if (!Number.isFinite(internal)) return false;
  if (d.kind === 'categorical') {
    return Number.isInteger(internal) && internal >= 0 && internal < d.choices.length;
  }
  if (internal < d.low || internal > d.high) return false;
  const step = d.kind === 'int' ? d.step : d.step;
  if (step === null) return true;
  const k = (internal - d.low) / step;
  return Math.abs(k - Math.round(k)) < 1e-8;
}

/** Structural equality (same kind, bounds, flags and choices). */
export function distributionsEqual(a: Distribution, b: Distribution): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'categorical' && b.kind === 'categorical') {
    return a.choices.length === b.choices.length && a.choices.every((c, i) => c === b.choices[i]);
  }
  const x = a as FloatDistribution | IntDistribution;
  const y = b as FloatDistribution | IntDistribution;
  return x.low === y.low && x.high === y.high && x.log === y.log && x.step === y.step;
}

/**
 * Whether a value stored under `a` may stand for a parameter suggested with `b`, as Optuna's
 * `check_distribution_compatibility` decides: the same kind, the same log scale for numbers, the
 * same choices for a categorical; the range may differ.
 */
export function distributionsCompatible(a: Distribution, b: Distribution): boolean {
  if (a.kind === 'categorical' || b.kind === 'categorical') return distributionsEqual(a, b);
  return a.kind === b.kind && a.log === b.log;
}

/**
 * The error for parameter `name` suggested with `now` where it first had `first` (`where`: "in
 * trial 3"), or null when `distributionsCompatible` (Optuna's rule) accepts it. One wording for
 * every place that checks: the study at suggest time and the storages.
 */
export function distributionIncompatibility(name: string, first: Distribution, now: Distribution, where: string): string | null {
  if (distributionsCompatible(first, now)) return null;
  const rule = 'A name keeps these across a study (as in Optuna); rename one of them.';
  if (first.kind !== now.kind) {
    return `Parameter '${name}' was ${first.kind === 'int' ? 'an' : 'a'} ${first.kind} parameter ${where} and is now ${now.kind}. ${rule}`;
  }
  if (first.kind === 'categorical' && now.kind === 'categorical') {
    const list = (c: readonly unknown[]) => JSON.stringify(c);
    return (
      `Parameter '${name}' had the choices ${list(first.choices)} ${where} and now ${list(now.choices)}: a categorical ` +
      'parameter keeps its choices (to try fewer, keep the list and skip the unwanted choices in the objective). ' +
      rule
    );
  }
  // Numbers of one kind are compatible unless their log scales differ.
  const [a, b] = [first, now] as Array<Exclude<Distribution, { kind: 'categorical' }>>;
  return `Parameter '${name}' was suggested with log: ${a.log} ${where} and now with log: ${b.log}. ${rule}`;
}

/** A distribution as messages name it: `float [0, 1] (log)`, `int [1, 9] (step 2)`, `categorical ["a","b"]`. */
export function describeDistribution(d: Distribution): string {
  if (d.kind === 'categorical') return `categorical ${JSON.stringify(d.choices)}`;
  const extras = [d.log ? 'log' : '', d.step !== null && d.step !== 1 ? `step ${d.step}` : ''].filter(Boolean);
  return `${d.kind} [${d.low}, ${d.high}]${extras.length ? ` (${extras.join(', ')})` : ''}`;
}

/** Optuna's JSON form of a distribution (as stored in trial_params.distribution_json). */
export function distributionToJson(d: Distribution): string {
  switch (d.kind) {
    case 'float':
      return JSON.stringify({
        name: 'FloatDistribution',
        attributes: { step: d.step, low: d.low, high: d.high, log: d.log },
      });
    case 'int':
      return JSON.stringify({
        name: 'IntDistribution',
        attributes: { log: d.log, step: d.step, low: d.low, high: d.high },
      });
    case 'categorical': {
      const floats = pythonFloatChoices.get(d);
      if (!floats) return JSON.stringify({ name: 'CategoricalDistribution', attributes: { choices: d.choices } });
      // A choice Python stored as a float is written back as one (`2.0`, not `2`).
      const choices = d.choices.map((c, i) => {
        const text = JSON.stringify(c);
        return floats[i] && /^-?\d+$/.test(text) ? `${text}.0` : text;
      });
      return `{"name":"CategoricalDistribution","attributes":{"choices":[${choices.join(',')}]}}`;
    }
  }
}

/**
 * Per categorical distribution read from JSON that Python wrote, which of its choices are Python
 * floats (Optuna's CLI prints `2.0` for a float choice, `2` for an int one; JavaScript reads both as 2).
 */
const pythonFloatChoices = new WeakMap<Distribution, readonly boolean[]>();

/** Whether choice `index` of `d` is a number Python stored as a float (`2.0`); false when not known. */
export function isPythonFloatChoice(d: Distribution, index: number): boolean {
  return pythonFloatChoices.get(d)?.[index] ?? false;
}

/** Mark the choices of `d`, parsed from `json`, that Python wrote as floats (integral ones are the only ones that matter). */
function markPythonFloatChoices(d: Distribution, json: string): Distribution {
  if (d.kind !== 'categorical' || !d.choices.some((c) => typeof c === 'number' && Number.isInteger(c))) return d;
  // The choices are the only numbers in a CategoricalDistribution's JSON: token k is the k-th number choice.
  const kinds = numberTokenKinds(json);
  const numbers = d.choices.filter((c) => typeof c === 'number').length;
  if (kinds.length !== numbers) return d;
  let k = 0;
  pythonFloatChoices.set(
    d,
    d.choices.map((c) => typeof c === 'number' && kinds[k++]),
  );
  return d;
}

/**
 * Parse Optuna's JSON form, including the pre-3.0 names Optuna still reads. `name` is the parameter
 * it belongs to, for the error when the stored range cannot be used here.
 */
export function distributionFromJson(json: string, name = 'stored parameter'): Distribution {
  let parsed: { name: string; attributes: Record<string, unknown> };
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new InvalidDistributionError(`Cannot parse distribution JSON: ${json.slice(0, 200)}`);
  }
  const a = parsed.attributes ?? {};
  const num = (k: string) => a[k] as number;
  switch (parsed.name) {
    case 'FloatDistribution':
      return floatDistribution(num('low'), num('high'), { log: Boolean(a.log), step: (a.step as number | null) ?? null }, name);
    case 'UniformDistribution':
      return floatDistribution(num('low'), num('high'), {}, name);
    case 'LogUniformDistribution':
      return floatDistribution(num('low'), num('high'), { log: true }, name);
    case 'DiscreteUniformDistribution':
      return floatDistribution(num('low'), num('high'), { step: num('q') }, name);
    case 'IntDistribution':
      return intDistribution(num('low'), num('high'), { log: Boolean(a.log), step: (a.step as number) ?? 1 }, name);
    case 'IntUniformDistribution':
      return intDistribution(num('low'), num('high'), { step: (a.step as number) ?? 1 }, name);
    case 'IntLogUniformDistribution':
      return intDistribution(num('low'), num('high'), { log: true }, name);
    case 'CategoricalDistribution':
      return markPythonFloatChoices(categoricalDistribution(a.choices as CategoricalChoice[], name), json);
    default:
      throw new InvalidDistributionError(`Unknown distribution type '${parsed.name}' in stored JSON.`);
  }
}
