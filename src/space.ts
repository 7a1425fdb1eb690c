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
import { deferredDistributionErrors } from './distributions';
import { InvalidArgumentError, InvalidDistributionError } from './errors';
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
  if (definition === null || typeof definition !== 'object' || Array.isArray(definition)) {
    throw new InvalidArgumentError(
      `space(definition): definition must be an object of parameters, e.g. space({ lr: float(1e-5, 1e-1, { log: true }) }); got ${Array.isArray(definition) ? 'an array' : String(definition)}.`,
    );
  }
  for (const [name, d] of Object.entries(definition)) {
    if (d === null || typeof d !== 'object' || !['float', 'int', 'categorical'].includes((d as { kind?: unknown }).kind as string)) {
      throw new InvalidArgumentError(
        `space(): parameter '${name}' must be defined with float(low, high), int(low, high) or categorical([...]); got ${typeof d === 'object' ? JSON.stringify(d) : String(d)}.`,
      );
    }
    deferredDistributionErrors.get(d)?.(name);
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

/*
 * float(), int() and categorical() do not know the name of the parameter they define: `space({ y:
 * float(1, 0) })` calls float(1, 0) before space() sees 'y'. So an invalid definition is returned as
 * a placeholder, and space() (or trial.suggest, if it is used there) reports the error under the
 * parameter's name. A valid definition is an ordinary distribution.
 */
function deferInvalid<D extends Distribution>(build: (name?: string) => D, placeholder: () => D): D {
  try {
    return build();
  } catch (err) {
    if (!(err instanceof InvalidDistributionError)) throw err;
    const d = Object.freeze(placeholder());
    deferredDistributionErrors.set(d, (name) => void build(name));
    return d;
  }
}

/** Float parameter for `space()`. */
export function float(low: number, high: number, opts: { log?: boolean; step?: number } = {}): FloatDistribution {
  return deferInvalid(
    (name) => floatDistribution(low, high, opts, name),
    () => ({ kind: 'float', low, high, log: opts.log ?? false, step: opts.step ?? null }),
  );
}

/** Integer parameter for `space()`. */
export function int(low: number, high: number, opts: { log?: boolean; step?: number } = {}): IntDistribution {
  return deferInvalid(
    (name) => intDistribution(low, high, opts, name),
    () => ({ kind: 'int', low, high, log: opts.log ?? false, step: opts.step ?? 1 }),
  );
}

/** Categorical parameter for `space()`; the literal choices become the parameter's type. */
export function categorical<const T extends CategoricalChoice>(choices: readonly T[]): CategoricalDistribution<T> {
  return deferInvalid(
    (name) => categoricalDistribution(choices, name),
    () => ({ kind: 'categorical', choices }),
  );
}
