/**
 * Where a trial's constraint values are recorded, as Optuna 5 records them, read without the rest of
 * the constraint machinery (multiobjective/constraints.ts) so that a trial snapshot can answer
 * `constraints` itself.
 */
import { InvalidArgumentError } from './errors';
import { CONSTRAINTS_KEY } from './samplers/base';

/** Optuna 5's per-constraint system attributes: `constraints:<key>`. */
const NAMED_PREFIX = `${CONSTRAINTS_KEY}:`;

/**
 * A trial's constraint values by name (Optuna 5's `trial.constraints`), read as Optuna 5 reads them:
 * the list under `constraints` (what a constraintsFunc records, in tunelab and Optuna) as '0', '1',
 * ..., then one value per system attribute `constraints:<key>` (what `setConstraint(key, value)`
 * writes), a named one replacing a listed one of the same key; null when none were recorded.
 */
export function constraintsByKey(systemAttrs: Readonly<Record<string, unknown>>): Record<string, number> | null {
  const listed = Object.hasOwn(systemAttrs, CONSTRAINTS_KEY) ? systemAttrs[CONSTRAINTS_KEY] : undefined;
  const named = Object.keys(systemAttrs).filter((k) => k.startsWith(NAMED_PREFIX));
  if (!Array.isArray(listed) && named.length === 0) return null;
  const byKey = new Map<string, number>();
  if (Array.isArray(listed)) listed.forEach((v, i) => byKey.set(String(i), v as number));
  for (const k of named) byKey.set(k.slice(NAMED_PREFIX.length), systemAttrs[k] as number);
  return Object.fromEntries(byKey);
}

/** The system attribute Optuna 5's `trial.set_constraint(key, value)` writes. */
export function constraintAttrKey(key: string): string {
  return `${NAMED_PREFIX}${key}`;
}

/**
 * What `trial.setConstraint(key, value)` records in a trial whose system attributes are
 * `systemAttrs`: the attribute to write, or null when the key is already set (the first value is
 * kept with a warning, as in Optuna). Throws on a key or value Optuna would refuse.
 */
export function constraintAttrToSet(
  systemAttrs: Readonly<Record<string, unknown>>,
  trialNumber: number,
  key: string,
  value: number,
): string | null {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidArgumentError(`setConstraint(key, value): key must be a non-empty string, got ${JSON.stringify(key)}.`);
  }
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new InvalidArgumentError(
      `setConstraint('${key}', value): value must be a number (<= 0 means satisfied), got ${typeof value === 'number' ? 'NaN' : typeof value}.`,
    );
  }
  const attr = constraintAttrKey(key);
  if (Object.hasOwn(systemAttrs, attr)) {
    process.emitWarning(
      `Trial ${trialNumber}: constraint '${key}' is already set to ${String(systemAttrs[attr])}; the new value ${value} is ignored.`,
    );
    return null;
  }
  return attr;
}
