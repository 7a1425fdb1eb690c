/**
 * `tunelab run --param NAME=VALUE`: what is refused before anything runs (a name that cannot be a
 * `let` in a cell, a number JSON cannot hold), and what only deserves a warning, as papermill gives
 * one (a name the cell tagged `parameters` does not declare, a notebook without such a cell).
 * Injecting them is notebook.ts's injectParameters.
 */
import type * as TS from 'typescript';
import { GUARD_NAME } from '../interrupt/loopGuard';
import { loadTslabTypeScript } from '../tslabTypeScript';
import { cellSource, parseParamValue, type Notebook } from './notebook';

/** A --param that would break the injected cell; the message says which and what to do. */
export class ParameterError extends Error {
  override name = 'ParameterError';
}

/**
 * Words a cell cannot declare with `let`: ECMAScript's reserved words, those of strict mode (a
 * compiled cell is a module, hence strict), `await` (reserved at a module's top level), and
 * `arguments`/`eval` (strict mode forbids binding them).
 */
const RESERVED_WORDS = new Set([
  ...['break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum'],
  ...['export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'null'],
  ...['return', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with'],
  ...['implements', 'interface', 'let', 'package', 'private', 'protected', 'public', 'static', 'yield', 'await'],
  ...['arguments', 'eval'],
]);

/** The parameters of the kernel's wrapper around every cell (executor.ts): a `let` of these names fails to compile. */
const KERNEL_NAMES = new Set(['exports', 'require', GUARD_NAME]);

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Throws ParameterError when `name` cannot be declared in a cell. */
export function checkParameterName(name: string): void {
  if (!IDENTIFIER.test(name)) {
    throw new ParameterError(
      `--param name "${name}" is not a valid identifier (letters, digits, _ and $, not starting with a digit); rename it here and in the notebook's parameters cell`,
    );
  }
  if (RESERVED_WORDS.has(name)) {
    throw new ParameterError(
      `--param name "${name}" is a reserved word in TypeScript and cannot name a variable; rename it here and in the notebook's parameters cell`,
    );
  }
  if (KERNEL_NAMES.has(name)) {
    throw new ParameterError(
      `--param name "${name}" is taken by the kernel in every cell; rename it here and in the notebook's parameters cell`,
    );
  }
}

/** The first number in a parsed JSON value that is not finite (JSON.stringify would write it as null). */
function nonFinite(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : value;
  if (Array.isArray(value)) {
    for (const v of value) {
      const bad = nonFinite(v);
      if (bad !== undefined) return bad;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) {
      const bad = nonFinite(v);
      if (bad !== undefined) return bad;
    }
  }
  return undefined;
}

/** Throws ParameterError for a value the injected cell could not hold as given (`1e400` would become `null`). */
export function checkParameterValue(name: string, raw: string): void {
  const bad = nonFinite(parseParamValue(raw));
  if (bad === undefined) return;
  throw new ParameterError(
    `--param ${name}=${raw}: a number in it is beyond the range of a JavaScript number (it reads as ${bad}, which JSON cannot hold and would inject as null); ` +
      `give a finite number (at most ±${Number.MAX_VALUE}), or quote it as a JSON string (--param '${name}="${raw}"')`,
  );
}

/** tslab's TypeScript (loaded only to read a parameters cell), or undefined when it cannot be loaded. */
function loadTypeScript(): typeof TS | undefined {
  try {
    return loadTslabTypeScript();
  } catch {
    return undefined;
  }
}

/** The names a cell declares with const/let/var at its top level (destructuring included). */
export function declaredNames(ts: typeof TS, source: string): string[] {
  const file = ts.createSourceFile('parameters.ts', source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const names: string[] = [];
  const bind = (name: TS.BindingName): void => {
    if (ts.isIdentifier(name)) names.push(name.text);
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) bind(element.name);
  };
  for (const statement of file.statements) {
    if (ts.isVariableStatement(statement)) for (const d of statement.declarationList.declarations) bind(d.name);
  }
  return names;
}

/**
 * papermill's warnings, before the parameters are injected (they are injected all the same): the
 * notebook has no cell tagged `parameters`, or a name is not declared there.
 */
export function parameterWarnings(nb: Notebook, params: ReadonlyArray<readonly [string, string]>): string[] {
  if (params.length === 0) return [];
  const tagged = nb.cells.find((c) => (c.metadata.tags ?? []).includes('parameters'));
  if (!tagged) {
    return [
      'the notebook has no cell tagged "parameters" (papermill: "Input notebook does not contain a cell with tag \'parameters\'"); ' +
        'the parameters are injected in a new first cell. Tag the cell that declares their defaults "parameters" to inject them after it.',
    ];
  }
  const ts = loadTypeScript();
  if (!ts) return [];
  const declared = new Set(declaredNames(ts, cellSource(tagged)));
  const unknown = [...new Set(params.map(([name]) => name))].filter((name) => !declared.has(name));
  const declares = declared.size > 0 ? `it declares ${[...declared].join(', ')}` : 'it declares no variable';
  return unknown.map(
    (name) => `Passed unknown parameter: ${name} (the cell tagged "parameters" does not declare it: ${declares}); injected all the same`,
  );
}
