import { nextAmbientSeed } from './context';

/**
 * A model's hyperparameters merged over its defaults, where a model that has a `seed` and was given
 * none takes the next seed of the running trial's stream (outside a trial it keeps its default).
 * The seed is then an ordinary hyperparameter: getParams() shows it and clone() keeps it.
 * `merge` combines the given params with the defaults (models pass their checked `mergeOptions`).
 */
export function withAmbientSeed<P extends object>(
  defaults: P,
  params: Partial<P>,
  merge: (given: Partial<P>) => P = (given) => ({ ...defaults, ...given }),
): P {
  const merged: P = merge(params);
  if ('seed' in defaults && (params as { seed?: unknown } | undefined)?.seed === undefined) {
    const seed = nextAmbientSeed();
    if (seed !== undefined) (merged as { seed?: number }).seed = seed;
  }
  return merged;
}
