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

/**
 * Stores `value` under `name` as an own key, even "__proto__" on an object that has a prototype.
 * For a dictionary or a plain object, "__proto__" is the one name an assignment does not store
 * (Object.prototype's other members are writable data, which an assignment shadows with an own
 * key), so only it takes `defineProperty`, several times slower than an assignment.
 */
export function setKey<T>(d: Record<string, T>, name: string, value: T): void {
  if (name === '__proto__') Object.defineProperty(d, name, { value, writable: true, enumerable: true, configurable: true });
  else d[name] = value;
}

/**
 * A copy with Object.prototype (what users get back), keeping every own key as data. Copied key by
 * key: spreading a prototype-less dictionary (which V8 keeps in its slow dictionary mode) costs
 * about four times as much, and trial snapshots copy several per trial.
 */
export function plainCopy<T>(d: Readonly<Record<string, T>>): Record<string, T> {
  return copyKeys({}, d);
}

/** Copy `d`'s own keys into `out` through setKey (so '__proto__' is a key like any other); returns `out`. */
export function copyKeys<T>(out: Record<string, T>, d: Readonly<Record<string, T>>): Record<string, T> {
  const keys = Object.keys(d);
  for (let i = 0; i < keys.length; i++) setKey(out, keys[i], d[keys[i]]);
  return out;
}
