import {
  categoricalDistribution,
  containsInternal,
  floatDistribution,
  intDistribution,
  toInternal,
  type CategoricalChoice,
  type CategoricalDistribution,
  type Distribution,
  type FloatDistribution,
  type IntDistribution,
  type ParamValue,
} from './distributions';
import { deferredDistributionErrors } from './distributions';
import { InvalidArgumentError, InvalidDistributionError } from './errors';
import { checkOptionKeys, optionKeys } from './options';
import type { Trial } from './trial';
import { dict, hasKey, setKey } from './dict';
import { enumerateCandidates, gridSize } from './samplers/bruteForce';

/**
 * A declarative search space whose sampled parameters carry precise TypeScript types:
 *
 *   const s = space({ lr: float(1e-5, 1e-1, { log: true }), act: categorical(['relu', 'tanh']) });
 *   const p = s.suggest(trial); // p: { lr: number; act: 'relu' | 'tanh' }
 *
 * Conditional parameters (hyperopt's nested `hp.choice`, Optuna's `if` after a suggest) are
 * `branch`es: one categorical choice between named alternatives, each with its own parameters.
 *
 *   const s = space({
 *     model: branch({ svm: { C: float(1e-3, 1e3, { log: true }) }, tree: { depth: int(1, 10) } }),
 *   });
 *   const p = s.suggest(trial);
 *   // p.model: { kind: 'svm'; C: number } | { kind: 'tree'; depth: number }
 *   if (p.model.kind === 'svm') p.model.C; // narrowed
 *
 * Sampling is define-by-run: the trial suggests the choice (a categorical named after the branch,
 * `model`), then only the chosen alternative's parameters, each named by its path
 * `<branch>.<alternative>.<param>` (`model.svm.C`, `model.tree.depth`; nested branches extend the
 * path). So parameters of different alternatives never collide, every sampler sees an ordinary
 * conditional space, and the names in storage (and in Optuna or optuna-dashboard reading it) say
 * which alternative they belong to. `fromParams` turns stored parameters (`study.bestParams`, a
 * trial's `params`) back into the typed value, `toParams` the other way (for `enqueueTrial`), and
 * `grid()` lists every configuration of a space without unstepped floats, each once.
 *
 * Definitions are validated when the space is built, so a bad range fails before any trial runs.
 */
export type SpaceEntry = Distribution | Branch;
export type SpaceDefinition = { readonly [name: string]: SpaceEntry };

/** A choice between named alternatives, each a space of its own (see `branch`). */
export interface Branch<A extends Record<string, SpaceDefinition> = Record<string, SpaceDefinition>, Tag extends string = string> {
  readonly kind: 'branch';
  /** The key of the sampled object that holds the chosen alternative's name ('kind' unless set). */
  readonly tag: Tag;
  readonly alternatives: A;
}

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The TypeScript type of one entry's sampled value. */
export type ValueOf<D> =
  D extends Branch<infer A, infer Tag>
    ? { [K in keyof A & string]: Simplify<{ [T in Tag]: K } & ParamsOf<A[K]>> }[keyof A & string]
    : D extends CategoricalDistribution<infer T>
      ? T
      : D extends FloatDistribution | IntDistribution
        ? number
        : never;

export type ParamsOf<S extends SpaceDefinition> = { -readonly [K in keyof S]: ValueOf<S[K]> };

export interface SearchSpace<S extends SpaceDefinition> {
  readonly definition: Readonly<S>;
  /** Suggest every parameter of the space in `trial`, in declaration order; in a branch only the chosen alternative's. */
  suggest(trial: Trial): ParamsOf<S>;
  /**
   * The typed value a set of flat stored parameters stands for (`study.bestParams`, `trial.params`,
   * after a reload from any storage). Parameters outside the space are ignored; a missing or
   * out-of-range one throws.
   */
  fromParams(params: Readonly<Record<string, ParamValue>>): ParamsOf<S>;
  /** The flat parameters (path names) of a typed value, e.g. for `study.enqueueTrial`. */
  toParams(value: ParamsOf<S>): Record<string, ParamValue>;
  /**
   * Every configuration of the space, each once: the choices of categoricals and branches, every
   * integer of an int range (on its step), every point of a float with a step (exact decimal steps,
   * as Optuna and BruteForceSampler enumerate them). A float without a
   * step has no finite grid and throws. Enqueue them (`toParams`) to evaluate an exact conditional grid.
   */
  grid(opts?: { maxSize?: number }): ParamsOf<S>[];
  /** Every parameter the space may suggest, by path name, with its distribution (branch choices included). */
  distributions(): Record<string, Distribution>;
}

/** Separator between the parts of a conditional parameter's path name (`model.svm.C`). */
export const PATH_SEPARATOR = '.';

export function space<S extends SpaceDefinition>(definition: S): SearchSpace<S> {
  const all = dict<Distribution>();
  validate(definition, '', all);
  return {
    definition: Object.freeze({ ...definition }),
    suggest(trial: Trial): ParamsOf<S> {
      return suggestInto(definition, '', trial) as ParamsOf<S>;
    },
    fromParams(params: Readonly<Record<string, ParamValue>>): ParamsOf<S> {
      if (params === null || typeof params !== 'object')
        throw new InvalidArgumentError('space.fromParams(params): pass an object of parameter values, such as study.bestParams.');
      return readFrom(definition, '', params) as ParamsOf<S>;
    },
    toParams(value: ParamsOf<S>): Record<string, ParamValue> {
      const out: Record<string, ParamValue> = {};
      writeTo(definition, '', value as Record<string, unknown>, out);
      return out;
    },
    grid(opts: { maxSize?: number } = {}): ParamsOf<S>[] {
      const maxSize = opts.maxSize ?? 100_000;
      return enumerate(definition, '', maxSize) as ParamsOf<S>[];
    },
    distributions(): Record<string, Distribution> {
      return { ...all };
    },
  };
}

const BRANCH_OPTION_KEYS = optionKeys<{ tag?: string }>({ tag: true });

/**
 * A conditional parameter: one of the named alternatives, each a space definition of its own
 * (possibly empty, possibly holding further branches). The sampled value is the chosen
 * alternative's parameters plus `{ kind: <its name> }`, a discriminated union TypeScript narrows
 * with `if (v.kind === 'svm')`. Pass `{ tag: 'type' }` to name the discriminant differently (an
 * alternative may not have a parameter named like the tag).
 */
export function branch<const A extends Record<string, SpaceDefinition>>(alternatives: A): Branch<A, 'kind'>;
export function branch<const A extends Record<string, SpaceDefinition>, const Tag extends string>(
  alternatives: A,
  opts: { tag: Tag },
): Branch<A, Tag>;
export function branch(alternatives: Record<string, SpaceDefinition>, opts: { tag?: string } = {}): Branch {
  checkOptionKeys('branch', opts, BRANCH_OPTION_KEYS);
  const tag = opts.tag ?? 'kind';
  if (alternatives === null || typeof alternatives !== 'object' || Array.isArray(alternatives) || Object.keys(alternatives).length === 0) {
    throw new InvalidDistributionError(
      'branch(alternatives): pass an object of at least one named alternative, e.g. { svm: { C: float(0.01, 100) }, tree: { depth: int(1, 10) } }.',
    );
  }
  if (typeof tag !== 'string' || tag.length === 0)
    throw new InvalidDistributionError(`branch: tag must be a non-empty string, got ${String(tag)}.`);
  return Object.freeze({ kind: 'branch', tag, alternatives });
}

function isBranch(e: SpaceEntry): e is Branch {
  return (e as { kind: string }).kind === 'branch';
}

function choiceOf(b: Branch): CategoricalDistribution<string> {
  return categoricalDistribution(Object.keys(b.alternatives));
}

/** Check every entry (with its path name in messages) and collect the path names, refusing two entries with one name. */
function validate(def: SpaceDefinition, prefix: string, all: Record<string, Distribution>): void {
  if (def === null || typeof def !== 'object' || Array.isArray(def)) {
    throw new InvalidDistributionError(
      `space: ${prefix ? `alternative '${prefix.slice(0, -1)}'` : 'the definition'} must be an object of named parameters.`,
    );
  }
  for (const [key, entry] of Object.entries(def)) {
    const name = prefix + key;
    if (hasKey(all, name)) {
      throw new InvalidDistributionError(
        `space: two parameters are named '${name}' (a conditional parameter's path name collides with another entry). Rename one.`,
      );
    }
    if (entry === null || typeof entry !== 'object')
      throw new InvalidDistributionError(
        `space: '${name}' must be float(...), int(...), categorical([...]) or branch({...}), got ${String(entry)}.`,
      );
    if (isBranch(entry)) {
      setKey(all, name, choiceOf(entry));
      for (const [alt, sub] of Object.entries(entry.alternatives)) {
        if (sub !== null && typeof sub === 'object' && hasKey(sub, entry.tag)) {
          throw new InvalidDistributionError(
            `space: alternative '${alt}' of '${name}' has a parameter named '${entry.tag}', which the sampled value uses for the chosen alternative's name. Rename it, or give branch({...}, { tag: '...' }) another tag.`,
          );
        }
        validate(sub, `${name}${PATH_SEPARATOR}${alt}${PATH_SEPARATOR}`, all);
      }
    } else {
      // A definition that failed before its name was known reports its error under the name now.
      deferredDistributionErrors.get(entry)?.(name);
      // Re-validate with the parameter's name so the message points at the right entry.
      if (entry.kind === 'float') floatDistribution(entry.low, entry.high, { log: entry.log, step: entry.step }, name);
      else if (entry.kind === 'int') intDistribution(entry.low, entry.high, { log: entry.log, step: entry.step }, name);
      else if (entry.kind === 'categorical') categoricalDistribution(entry.choices, name);
      else
        throw new InvalidDistributionError(
          `space: '${name}' has an unknown kind ${JSON.stringify((entry as { kind: unknown }).kind)}; use float, int, categorical or branch.`,
        );
      setKey(all, name, entry);
    }
  }
}

function suggestInto(def: SpaceDefinition, prefix: string, trial: Trial): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(def)) {
    const name = prefix + key;
    if (isBranch(entry)) {
      const chosen = trial.suggest(name, choiceOf(entry)) as string;
      setKey(out, key, {
        [entry.tag]: chosen,
        ...suggestInto(entry.alternatives[chosen], `${name}${PATH_SEPARATOR}${chosen}${PATH_SEPARATOR}`, trial),
      });
    } else {
      setKey(out, key, trial.suggest(name, entry));
    }
  }
  return out;
}

function readFrom(def: SpaceDefinition, prefix: string, params: Readonly<Record<string, ParamValue>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(def)) {
    const name = prefix + key;
    const d = isBranch(entry) ? choiceOf(entry) : entry;
    if (!hasKey(params, name)) {
      const where = prefix
        ? ` (it belongs to the alternative chosen at '${prefix.slice(0, prefix.lastIndexOf(PATH_SEPARATOR, prefix.length - 2))}')`
        : '';
      throw new InvalidArgumentError(
        `space.fromParams: no value for '${name}'${where}. Pass the parameters of a trial sampled from this space.`,
      );
    }
    const value = params[name];
    if (!inDistribution(d, value))
      throw new InvalidArgumentError(`space.fromParams: '${name}' = ${JSON.stringify(value)} lies outside its distribution.`);
    if (isBranch(entry)) {
      const chosen = value as string;
      setKey(out, key, {
        [entry.tag]: chosen,
        ...readFrom(entry.alternatives[chosen], `${name}${PATH_SEPARATOR}${chosen}${PATH_SEPARATOR}`, params),
      });
    } else {
      setKey(out, key, value);
    }
  }
  return out;
}

function writeTo(def: SpaceDefinition, prefix: string, value: Record<string, unknown>, out: Record<string, ParamValue>): void {
  if (value === null || typeof value !== 'object')
    throw new InvalidArgumentError(
      `space.toParams: expected an object${prefix ? ` at '${prefix.slice(0, -1)}'` : ''}, got ${String(value)}.`,
    );
  for (const [key, entry] of Object.entries(def)) {
    const name = prefix + key;
    const v = value[key];
    if (isBranch(entry)) {
      const sub = v as Record<string, unknown> | undefined;
      const chosen = sub?.[entry.tag];
      if (typeof chosen !== 'string' || !hasKey(entry.alternatives, chosen)) {
        throw new InvalidArgumentError(
          `space.toParams: '${name}.${entry.tag}' must be one of ${Object.keys(entry.alternatives).join(', ')}; got ${JSON.stringify(chosen)}.`,
        );
      }
      setKey(out, name, chosen);
      writeTo(entry.alternatives[chosen], `${name}${PATH_SEPARATOR}${chosen}${PATH_SEPARATOR}`, sub as Record<string, unknown>, out);
    } else {
      if (!inDistribution(entry, v))
        throw new InvalidArgumentError(`space.toParams: '${name}' = ${JSON.stringify(v)} lies outside its distribution.`);
      setKey(out, name, v as ParamValue);
    }
  }
}

function inDistribution(d: Distribution, v: unknown): boolean {
  if (d.kind === 'categorical') return d.choices.some((c) => c === v);
  if (typeof v !== 'number' || !Number.isFinite(v)) return false;
  return containsInternal(d, toInternal(d, v));
}

/** The values of one distribution on its grid; floats need a step. */
function gridValues(name: string, d: Distribution, maxSize: number): readonly ParamValue[] {
  if (d.kind === 'categorical') return d.choices;
  if (d.step === null) {
    throw new InvalidArgumentError(
      `space.grid: float '${name}' has no step, so it has no finite grid. Give it a step (float(low, high, { step })) or sample it with a sampler.`,
    );
  }
  if (gridSize(d.low, d.high, d.step) > maxSize) {
    throw new InvalidArgumentError(
      `space.grid: more than ${maxSize} configurations (at '${name}', whose step makes that many values alone). Coarsen the step, or raise grid({ maxSize }).`,
    );
  }
  // On exact decimal steps as Optuna enumerates them (0.1 + 3 * 0.3 is 1, not 0.9999999999999999).
  return enumerateCandidates([d.low, d.high, d.step], name);
}

/** All configurations of `def` in declaration order, the last entry varying fastest. */
function enumerate(def: SpaceDefinition, prefix: string, maxSize: number): Record<string, unknown>[] {
  let acc: Record<string, unknown>[] = [{}];
  for (const [key, entry] of Object.entries(def)) {
    const name = prefix + key;
    let options: unknown[];
    if (isBranch(entry)) {
      options = Object.entries(entry.alternatives).flatMap(([alt, sub]) =>
        enumerate(sub, `${name}${PATH_SEPARATOR}${alt}${PATH_SEPARATOR}`, maxSize).map((v) => ({ [entry.tag]: alt, ...v })),
      );
    } else {
      options = [...gridValues(name, entry, maxSize)];
    }
    if (acc.length * options.length > maxSize) {
      throw new InvalidArgumentError(
        `space.grid: more than ${maxSize} configurations (at '${name}'). Coarsen the steps, or raise grid({ maxSize }).`,
      );
    }
    acc = acc.flatMap((p) =>
      options.map((o) => {
        const next = { ...p };
        setKey(next, key, o);
        return next;
      }),
    );
  }
  return acc;
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
