/**
 * Checks of option values shared by every component, so a wrong value gets the same kind of message
 * wherever it is passed: what was expected, and what came.
 */
import { InvalidArgumentError } from './errors';

/**
 * Returns `value` if it is an integer of at least `min`; otherwise throws
 * "`where`: `name` must be an integer >= `min`, got `value`."
 */
export function requireInt(where: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(`${where}: ${name} must be an integer >= ${min}, got ${String(value)}.`);
  }
  return value;
}

/** `requireInt` for an optional value: `fallback` when it is undefined. */
export function intOr(where: string, name: string, value: number | undefined, fallback: number, min: number): number {
  return value === undefined ? fallback : requireInt(where, name, value, min);
}
