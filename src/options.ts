/**
 * Exact option objects, checked twice: at compile time (an unknown key in a TypeScript cell is a
 * type error) and at run time (plain JavaScript, or an object built where TypeScript could not see
 * it, such as a search space's output). A misspelt option would otherwise be silently ignored and
 * the model trained with its default, which inside a study means tuning a parameter that does
 * nothing. Every model and data generator goes through `mergeOptions`, and the engine's own option
 * objects (studies, samplers, pruners, searches) through `checkOptionKeys`, so they all word the
 * error the same way and suggest the nearest valid key.
 */
import { hasKey } from './dict';
import { InvalidArgumentError } from './errors';

/**
 * `O` with every key that `P` does not have mapped to an impossible type whose name reads as the
 * error (`Type 'number' is not assignable to type '{ readonly "unknown option": "learningrate"; }'`). A generic
 * function taking `options: Exactly<O, P>` (with `O extends Partial<P>`) rejects extra keys even when
 * the argument is a variable rather than a fresh object literal, where TypeScript's excess property
 * check is off.
 */
export type Exactly<O, P> = [Exclude<keyof O, keyof P>] extends [never]
  ? O // nothing extra: `O` itself, so that an argument with no known key meets TypeScript's weak-type check
  : O & { [K in Exclude<keyof O, keyof P>]: { readonly 'unknown option': K } };

/**
 * `T`, but not a site TypeScript infers type parameters from (TypeScript 5.4's `NoInfer`, written so
 * that TypeScript 5.0, which tslab type-checks notebook cells with, understands it): a generic
 * helper infers the model's parameter type from the model alone, then checks the other arguments
 * against it.
 */
export type NoInference<T> = [T][T extends unknown ? 0 : never];

/**
 * Merge `options` over `defaults`, after checking that every key of `options` is one of the keys of
 * `defaults`. An option given as `undefined` keeps its default (as an omitted one does), so
 * `{ seed: maybeSeed }` never replaces a default with undefined. Where `defaults` has a seed,
 * scikit-learn's `randomState` sets it too (`RandomStateOption`).
 */
export function mergeOptions<P extends object>(where: string, defaults: P, options: unknown): P {
  const seeded = hasKey(defaults, 'seed');
  checkOptionKeys(where, options, seeded ? [...Object.keys(defaults), RANDOM_STATE] : Object.keys(defaults));
  const out = { ...defaults };
  if (options !== undefined && options !== null) {
    for (const [k, v] of Object.entries(options as object))
      if (v !== undefined && k !== RANDOM_STATE) (out as Record<string, unknown>)[k] = v;
    if (seeded) {
      const seed = seedOrRandomState(where, options as RandomStateOption & { seed?: unknown });
      if (seed !== undefined) (out as { seed?: unknown }).seed = seed;
    }
  }
  return out;
}

const RANDOM_STATE = 'randomState';

/**
 * scikit-learn's name for a seed (`random_state`). Every scikit-learn-style API that takes `seed`
 * (the models, the splitters, `trainTestSplit`, the searches, the data generators) takes it under
 * this name too, so code written from scikit-learn's habit seeds what it means to.
 */
export interface RandomStateOption {
  /** scikit-learn's name for `seed` (give one of the two). */
  randomState?: number;
}

/** Parameters `P`, with `randomState` beside `P`'s seed (`P` unchanged when it has none). */
export type WithRandomState<P> = 'seed' extends keyof P ? P & RandomStateOption : P;

/** The options a model's constructor takes for its parameters `P`: any of them, and `randomState` for its seed. */
export type ModelOptions<P> = Partial<WithRandomState<P>>;

/**
 * The seed given as `seed` or as `randomState` (undefined when neither is); both given with different
 * values is an error, since one of them would be silently dropped.
 */
export function seedOrRandomState(where: string, opts: { seed?: unknown; randomState?: unknown }): number | undefined {
  const { seed, randomState } = opts;
  if (seed !== undefined && randomState !== undefined && seed !== randomState) {
    throw new InvalidArgumentError(
      `${where}: give seed or randomState (the same thing under scikit-learn's name), not two different values (${String(seed)} and ${String(randomState)}).`,
    );
  }
  return (seed ?? randomState) as number | undefined;
}

/**
 * Every key of the options type `T`, spelled once as an object so that the compiler holds the list to
 * the interface both ways: a key added to `T` and forgotten here, or written here and not in `T`, is
 * a type error. `optionKeys` turns it into the list `checkOptionKeys` takes, for the engine's option
 * objects that have no defaults object to take their keys from (createStudy, optimize, samplers,
 * pruners, ...).
 */
export type EveryKey<T> = { readonly [K in keyof T]-?: true };

/** The keys of an `EveryKey` object, in its order (the order the error lists them does not depend on it). */
export function optionKeys<T>(every: EveryKey<T>): readonly string[] {
  return Object.freeze(Object.keys(every));
}

/**
 * Throw an InvalidArgumentError (or `ErrorClass`) naming `where` (the model or function), the first
 * unknown key of `options`, the nearest valid key when one is close ("did you mean learningRate?"),
 * and the list of valid keys. `undefined` or `null` options are an empty object.
 */
export function checkOptionKeys(
  where: string,
  options: unknown,
  valid: readonly string[],
  what = 'option',
  ErrorClass: new (message: string) => Error = InvalidArgumentError,
): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new ErrorClass(
      `${where}: options must be an object such as { ${valid[0] ?? 'key'}: ... }, got ${Array.isArray(options) ? 'an array' : typeof options}.`,
    );
  }
  const known = new Set(valid);
  for (const key of Object.keys(options)) {
    if (known.has(key)) continue;
    const near = nearestKey(key, valid);
    const hint = near === undefined ? '' : ` Did you mean ${near}?`;
    throw new ErrorClass(`${where}: unknown ${what} "${key}".${hint} Valid ${what}s: ${[...valid].sort().join(', ')}.`);
  }
}

/**
 * The valid key closest to `key`: an exact match ignoring case, or else the one at the smallest edit
 * distance (insertions, deletions, substitutions and swaps of neighbours, ignoring case) when that
 * distance is small for the key's length (at most 1 for keys up to 4 characters, 2 up to 8, else 3).
 */
export function nearestKey(key: string, valid: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const sameCase = valid.find((v) => v.toLowerCase() === lower);
  if (sameCase !== undefined) return sameCase;
  const limit = key.length <= 4 ? 1 : key.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const v of valid) {
    const d = editDistance(lower, v.toLowerCase());
    if (d < bestDistance) {
      best = v;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal string alignment distance (Levenshtein plus transpositions of adjacent characters). */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}
