/**
 * An objective named by module path and export name, for the places where a function value cannot
 * go: worker threads (`optimize(objectiveFromModule(...), { workers })`) and worker processes
 * (`tunelab worker ... objective.ts`). TypeScript modules are loaded with tsx.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { InvalidArgumentError } from '../errors';
import { requireOptional } from '../optionalDependency';

const MODULE_OBJECTIVE = Symbol.for('tunelab.moduleObjective');

export interface ModuleObjective {
  readonly [MODULE_OBJECTIVE]: true;
  /** Absolute path of the module. */
  readonly modulePath: string;
  /** Export holding the objective ('default' for `export default`). */
  readonly exportName: string;
}

/**
 * Name an objective by module and export, e.g. `objectiveFromModule(require.resolve('./objective'))`
 * or `objectiveFromModule('./objectives.ts', 'branin')`. A relative path is resolved against the
 * current directory.
 */
export function objectiveFromModule(modulePath: string, exportName = 'default'): ModuleObjective {
  if (typeof modulePath !== 'string' || modulePath.length === 0) {
    throw new InvalidArgumentError('objectiveFromModule(modulePath, exportName): modulePath must be a file path.');
  }
  const abs = isAbsolute(modulePath) ? modulePath : resolve(modulePath);
  if (!existsSync(abs)) {
    throw new InvalidArgumentError(`objectiveFromModule: ${abs} does not exist. Give the path of the module that exports the objective.`);
  }
  return Object.freeze({ [MODULE_OBJECTIVE]: true as const, modulePath: abs, exportName });
}

export function isModuleObjective(x: unknown): x is ModuleObjective {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[MODULE_OBJECTIVE] === true;
}

const TS_EXTENSIONS = /\.(ts|mts|cts|tsx)$/;

/** Load a module: plain `require` for JavaScript, tsx for TypeScript. */
export function loadModule(modulePath: string): Record<string, unknown> {
  if (TS_EXTENSIONS.test(modulePath)) {
    const tsx = requireOptional<{ require: (id: string, from: string) => unknown }>(
      'tsx/cjs/api',
      `Loading the TypeScript module ${modulePath} (a compiled .js module needs nothing extra)`,
      InvalidArgumentError,
    );
    return tsx.require(modulePath, __filename) as Record<string, unknown>;
  }
  return require(modulePath) as Record<string, unknown>;
}

/** The objective function a ModuleObjective names, or a clear error. */
export function loadObjective<F extends (...args: never[]) => unknown>(ref: { modulePath: string; exportName: string }): F {
  const mod = loadModule(ref.modulePath);
  let fn = mod[ref.exportName];
  // `export default` compiled to CommonJS may arrive as module.exports itself.
  if (fn === undefined && ref.exportName === 'default' && typeof mod === 'function') fn = mod;
  if (typeof fn !== 'function') {
    const exported = Object.keys(mod).join(', ') || '(nothing)';
    throw new InvalidArgumentError(
      `${ref.modulePath} has no function export '${ref.exportName}' (it exports: ${exported}). ` +
        `Export the objective, e.g. 'export default function objective(trial) { ... }'.`,
    );
  }
  return fn as F;
}
