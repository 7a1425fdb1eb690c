/**
 * How console.log and the kernel show a sampler or pruner: as the call that made it
 * (`TPESampler({ seed: 0 })`), as scikit-learn's repr shows an estimator. Their fields are caches
 * that grow with the study (a TPE sampler after 300 trials printed 5,800 lines), which says nothing
 * a user can act on.
 */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

type Inspect = (value: unknown, options: object) => string;

/**
 * Makes `instance` print as `name(args...)`. Trailing arguments left out (undefined, or an empty
 * options object) are not shown; options whose value is undefined neither. A subclass calls it again
 * after `super` with its own name and arguments (the property is configurable for that).
 */
export function showAsConstructed(instance: object, name: string, args: readonly unknown[]): void {
  const shown = args.map((a) => (isPlainObject(a) ? withoutUndefined(a) : a));
  while (
    shown.length > 0 &&
    (shown.at(-1) === undefined || (isPlainObject(shown.at(-1)) && Object.keys(shown.at(-1) as object).length === 0))
  ) {
    shown.pop();
  }
  Object.defineProperty(instance, INSPECT, {
    configurable: true,
    enumerable: false,
    value: (depth: number, options: object, inspect: Inspect) =>
      depth < 0 ? `[${name}]` : `${name}(${shown.map((a) => inspect(a, { ...options, depth: 2 })).join(', ')})`,
  });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

function withoutUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/**
 * A model's hyperparameters as scikit-learn's repr shows them: only those that differ from the
 * defaults, by name (`RandomForestClassifier({ nEstimators: 50, seed: 0 })`), so a clone with every
 * parameter merged prints as the call that would make it.
 */
export function showModelParams(instance: object, name: string, defaults: object, params: object): void {
  const d = defaults as Record<string, unknown>;
  // Sorted by name, as scikit-learn's get_params (and so its repr) orders them.
  const changed = Object.fromEntries(
    Object.entries(params)
      .filter(([k, v]) => !sameValue(v, d[k]))
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
  showAsConstructed(instance, name, [changed]);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Makes a result object print `extra` levels deeper than console.log's default of 2, so a search's
 * rows show their parameters and scores (`params: { C: 10 }`) instead of `[Object]`.
 */
export function showDeeper<T extends object>(result: T, extra: number): T {
  Object.defineProperty(result, INSPECT, {
    configurable: true,
    enumerable: false,
    value: (depth: number, options: { depth?: number | null }, inspect: Inspect) =>
      inspect({ ...result }, { ...options, depth: options.depth == null ? null : options.depth + extra }),
  });
  return result;
}
