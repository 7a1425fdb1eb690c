import type { ModelOptions } from '../options';
import { nextAmbientSeed } from './context';

/**
 * A model's hyperparameters merged over its defaults, where a model that has a `seed` and was given
 * none takes the next seed of the running trial's stream (outside a trial it keeps its default).
 * The seed is then an ordinary hyperparameter: getParams() shows it and clone() keeps it.
 * `merge` combines the given params with the defaults (the models pass their checked `mergeOptions`,
 * which reads a seed given as `randomState` too).
 */
export function withAmbientSeed<P extends object>(defaults: P, params: ModelOptions<P>, merge: (given: ModelOptions<P>) => P): P {
  const merged: P = merge(params);
  // A seed given under scikit-learn's name (`randomState`) is a seed given.
  const given = params as { seed?: unknown; randomState?: unknown } | undefined;
  if ('seed' in defaults && given?.seed === undefined && given?.randomState === undefined) {
    const seed = nextAmbientSeed();
    if (seed !== undefined) (merged as { seed?: number }).seed = seed;
  }
  return merged;
}
