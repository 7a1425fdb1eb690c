/**
 * Dictionaries keyed by user strings (parameter names, attribute keys). Any string is a valid key,
 * including the names of Object.prototype's members: on a plain object, `d.constructor` for a name
 * never set answers Object itself, `name in d` is true for "toString", and `d.__proto__ = v` replaces
 * the prototype instead of storing a value. So these dictionaries have no prototype, and reads that
 * may miss go through `ownValue` / `hasKey`, which see own keys only (objects that come from
 * elsewhere, such as a user's literal or a storage's record, may still have Object.prototype).
 */

/** An empty dictionary without a prototype, optionally filled with the own entries of `from`. */
export function dict<T>(from?: Readonly<Record<string, T>>): Record<string, T> {
  const d = Object.create(null) as Record<string, T>;
  if (from) for (const k of Object.keys(from)) d[k] = from[k];
  return d;
}

/** Whether `d` has its own key `name` (never an inherited member). */
export function hasKey(d: object, name: string): boolean {
  return Object.hasOwn(d, name);
}

/** `d[name]` if `d` has that own key, else undefined. */
export function ownValue<T>(d: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(d, name) ? d[name] : undefined;
}

/** Stores `value` under `name` as an own key, even "__proto__" on an object that has a prototype. */
export function setKey<T>(d: Record<string, T>, name: string, value: T): void {
  Object.defineProperty(d, name, { value, writable: true, enumerable: true, configurable: true });
}

/** A copy with Object.prototype (what users get back), keeping every own key as data. */
export function plainCopy<T>(d: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(d));
}
