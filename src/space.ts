import {
  categoricalDistribution,
  floatDistribution,
  intDistribution,
  type CategoricalChoice,
  type CategoricalDistribution,
  type Distribution,
  type FloatDistribution,
  type IntDistribution,
} from './distributions';
import type { Trial } from './trial';
import { setKey } from './dict';

/**
 * A declarative search space whose sampled parameters carry precise TypeScript types:
 *
 *   const s = space({ lr: float(1e-5, 1e-1, { log: true }), act: categorical(['relu', 'tanh']) });
 *   const p = s.suggest(trial); // p: { lr: number; act: 'relu' | 'tanh' }
 *
 * Definitions are validated when the space is built, so a bad range fails before any trial runs.
 */
export type SpaceDefinition = Record<string, Distribution>;

export type ValueOf<D> = D extends CategoricalDistribution<infer T> ? T : D extends FloatDistribution | IntDistribution ? number : never;

export type ParamsOf<S extends SpaceDefinition> = { [K in keyof S]: ValueOf<S[K]> };

export interface SearchSpace<S extends SpaceDefinition> {
  readonly definition: Readonly<S>;
  /** Suggest every parameter of the space in `trial`, in declaration order. */
  suggest(trial: Trial): ParamsOf<S>;
}

export function space<S extends SpaceDefinition>(definition: S): SearchSpace<S> {
  for (const [name, d] of Object.entries(definition)) {
    // Re-validate with the parameter's name so the message points at the right entry.
    if (d.kind === 'float') floatDistribution(d.low, d.high, { log: d.log, step: d.step }, name);
    else if (d.kind === 'int') intDistribution(d.low, d.high, { log: d.log, step: d.step }, name);
    else categoricalDistribution(d.choices, name);
  }
  return {
    definition: Object.freeze({ ...definition }),
    suggest(trial: Trial): ParamsOf<S> {
      const out: Record<string, unknown> = {};
      for (const [name, d] of Object.entries(definition)) setKey(out, name, trial.suggest(name, d));
      return out as ParamsOf<S>;
    },
  };
}

/** Float parameter for `space()`. */
export function float(low: number, high: number, opts: { log?: boolean; step?: number } = {}): FloatDistribution {
  return floatDistribution(low, high, opts);
}

/** Integer parameter for `space()`. */
export function int(low: number, high: number, opts: { log?: boolean; step?: number } = {}): IntDistribution {
  return intDistribution(low, high, opts);
}

/** Categorical parameter for `space()`; the literal choices become the parameter's type. */
export function categorical<const T extends CategoricalChoice>(choices: readonly T[]): CategoricalDistribution<T> {
  return categoricalDistribution(choices);
}
