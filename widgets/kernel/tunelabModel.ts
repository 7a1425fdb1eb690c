/**
 * The kernel side of tunelab's own models (Plot, StudyMonitor, ScheduleView, CVResults), typed by the
 * shared schema (widgets/schema.ts): the comm_open state is the schema's defaults plus what the
 * constructor gives, and `set`/`get` only take the model's attributes (a misspelt name does not compile).
 */
import { defaultState, TUNELAB_MODELS, type ModelState, type StateReader, type TunelabModelName } from '../schema';
import type { ModelSpec } from './protocol';
import { KERNEL_OWNED } from './traits';
import { Widget } from './widget';

/** The kernel's identity of a schema model (who defines it, which view draws it). */
export function schemaSpec(name: TunelabModelName): ModelSpec {
  const schema = TUNELAB_MODELS[name];
  return {
    modelName: schema.modelName,
    modelModule: schema.module,
    modelModuleVersion: schema.version,
    viewName: schema.viewName,
    viewModule: schema.module,
    viewModuleVersion: schema.version,
  };
}

/**
 * A model's initial state: every attribute of the schema at its default, overridden by `given`.
 * Throws a TypeError for a name the schema does not declare.
 */
export function initialState<N extends TunelabModelName>(name: N, given: Partial<ModelState<N>>): ModelState<N> {
  const state = defaultState(name);
  for (const [key, value] of Object.entries(given)) {
    if (!Object.hasOwn(state, key)) {
      throw new TypeError(`${name} has no attribute "${key}"; its attributes are ${Object.keys(state).join(', ')} (widgets/schema.ts).`);
    }
    if (value !== undefined) (state as Record<string, unknown>)[key] = value;
  }
  return state;
}

/**
 * Base of tunelab's own kernel-side models. Their whole state belongs to the kernel (the views talk
 * back with custom messages only), so frontends may change none of it (KERNEL_OWNED).
 */
export abstract class TunelabModel<N extends TunelabModelName> extends Widget implements StateReader<N> {
  constructor(name: N, given: Partial<ModelState<N>>) {
    super(schemaSpec(name), initialState(name, given), KERNEL_OWNED);
  }

  /**
   * Change attributes of this model (names and value types from the schema). Only the compiler
   * checks: at run time every widget stays the forgiving state holder it is outside a kernel.
   */
  override set(patch: Partial<ModelState<N>>): void {
    super.set(patch);
  }

  /** An attribute of this model, typed by the schema. */
  override get<K extends keyof ModelState<N> & string>(name: K): ModelState<N>[K];
  /** Any attribute by name, typed by the caller (the untyped form every Widget has). */
  override get<T = unknown>(name: string): T;
  override get(name: string): unknown {
    return super.get(name);
  }
}
