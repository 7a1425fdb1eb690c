/**
 * Checks of option values shared by every component, so a wrong value gets the same kind of message
 * wherever it is passed: what was expected, and what came.
 */
import { InvalidArgumentError } from './errors';

/**
 * Returns `value` if it is an integer of at least `min` (and at most `max`, when given); otherwise
 * throws "`where`: `name` must be an integer >= `min`, got `value`." (or "... an integer from `min`
 * to `max`, ..."). Every count, size and index option of the engine is checked here, so they all
 * refuse a wrong value with the same words.
 */
export function requireInt(where: string, name: string, value: unknown, min: number, max?: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || (max !== undefined && value > max)) {
    const expected = max === undefined ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw new InvalidArgumentError(`${where}: ${name} must be ${expected}, got ${shown(value)}.`);
  }
  return value;
}

/** A value as the message shows it: strings quoted and arrays bracketed (`[8]`, `"8"`), so neither reads as the number 8. */
function shown(value: unknown): string {
  if (typeof value === 'string' || Array.isArray(value)) return JSON.stringify(value).slice(0, 80);
  return String(value);
}

/** `requireInt` for an optional value: `fallback` when it is undefined. */
export function intOr(where: string, name: string, value: number | undefined, fallback: number, min: number): number {
  return value === undefined ? fallback : requireInt(where, name, value, min);
}
