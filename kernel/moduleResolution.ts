/**
 * Makes `import ... from 'tunelab'` work in every notebook, wherever the notebook lies on disk, both
 * at run time (Node's CommonJS resolver) and for tslab's type checker (TypeScript's Node10
 * resolver, which looks in <notebook dir>/node_modules and its ancestors).
 *
 * `tunelab` and `tunelab/<subpath>` always resolve to the package running this kernel. One copy for
 * both sides means the types the checker sees are the code that runs, and the widget transport the
 * kernel installed is the one the notebook's tunelab finds.
 */
import Module from 'node:module';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export const PACKAGE_NAME = 'tunelab';
/** The root of this package: the nearest ancestor whose package.json is tunelab's (from dist/kernel/ or kernel/). */
export const PACKAGE_ROOT = findPackageRoot(__dirname);

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === PACKAGE_NAME) return dir;
    } catch {
      // no package.json here: keep going up
    }
    if (path.dirname(dir) === dir) return path.resolve(__dirname, '..', '..');
  }
}

/** A package.json "exports" target: a path, or conditions (this package uses `types` and `default`). */
type ExportTarget = string | { readonly default?: string; readonly require?: string };

/**
 * The files this package's "exports" names for its subpaths ('samplers' -> <root>/dist/src/entries/samplers.js),
 * read once. The hook below hands Node an absolute path, which skips "exports", so the kernel applies it itself.
 */
let subpathFiles: Map<string, string> | undefined;
function exportedSubpaths(): Map<string, string> {
  if (subpathFiles) return subpathFiles;
  subpathFiles = new Map();
  const pkg = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { exports?: Record<string, ExportTarget> };
  for (const [key, target] of Object.entries(pkg.exports ?? {})) {
    const file = typeof target === 'string' ? target : (target.require ?? target.default);
    if (key.startsWith('./') && file !== undefined) subpathFiles.set(key.slice(2), path.join(PACKAGE_ROOT, file));
  }
  return subpathFiles;
}

function rewriteRequest(request: string): string | undefined {
  if (request === PACKAGE_NAME) return PACKAGE_ROOT;
  if (!request.startsWith(PACKAGE_NAME + '/')) return undefined;
  const subpath = request.slice(PACKAGE_NAME.length + 1);
  // An exported entry ('tunelab/samplers'), else a path inside the package, as before "exports" existed.
  return exportedSubpaths().get(subpath) ?? path.join(PACKAGE_ROOT, subpath);
}

let runtimeHookInstalled = false;

/** Hooks Node's resolver so `require('tunelab')` from any directory loads this package. */
export function installRuntimeResolution(): void {
  if (runtimeHookInstalled) return;
  runtimeHookInstalled = true;
  type Resolve = (request: string, ...rest: unknown[]) => string;
  const mod = Module as unknown as { _resolveFilename: Resolve };
  const original = mod._resolveFilename;
  mod._resolveFilename = function (request: string, ...rest: unknown[]): string {
    const rewritten = rewriteRequest(request);
    return original.call(this, rewritten ?? request, ...rest);
  };
}

/** The subset of TypeScript's `ts.sys` that module resolution goes through. */
interface TsSys {
  fileExists(p: string): boolean;
  directoryExists(p: string): boolean;
  readFile(p: string, encoding?: string): string | undefined;
  realpath?(p: string): string;
  getDirectories(p: string): string[];
}

/**
 * Makes TypeScript (the copy tslab uses) see a virtual `<dir>/node_modules/tunelab` for every
 * directory, mapped onto this package. `realpath` maps the virtual path to the real one, exactly as
 * for a symlinked package, so the package's own imports then resolve from its real location.
 * Must run before tslab's converter is created.
 */
export function installTypeCheckerResolution(sys: TsSys): void {
  const posixMarker = `/node_modules/${PACKAGE_NAME}`;
  const toReal = (p: string): string | undefined => {
    const norm = p.split(path.sep).join('/');
    const at = norm.lastIndexOf(posixMarker);
    if (at < 0) return undefined;
    const rest = norm.slice(at + posixMarker.length);
    if (rest !== '' && !rest.startsWith('/')) return undefined; // e.g. node_modules/tunelab-extra
    // Only the first node_modules/tunelab level is virtual; a real nested one is left alone.
    if (norm.slice(0, at).includes(posixMarker + '/')) return undefined;
    return path.join(PACKAGE_ROOT, rest);
  };
  const { fileExists, directoryExists, readFile, realpath, getDirectories } = sys;
  sys.fileExists = (p) => {
    const real = toReal(p);
    return real !== undefined ? fileExists.call(sys, real) : fileExists.call(sys, p);
  };
  sys.directoryExists = (p) => {
    const real = toReal(p);
    if (real !== undefined) return directoryExists.call(sys, real);
    // The virtual package needs its parent node_modules to "exist" for the resolver to look inside.
    if (p.split(path.sep).join('/').endsWith('/node_modules')) return true;
    return directoryExists.call(sys, p);
  };
  sys.readFile = (p, encoding) => {
    const real = toReal(p);
    return readFile.call(sys, real ?? p, encoding);
  };
  sys.realpath = (p) => {
    const real = toReal(p);
    if (real !== undefined) return realpath ? realpath.call(sys, real) : real;
    return realpath ? realpath.call(sys, p) : p;
  };
  sys.getDirectories = (p) => {
    const real = toReal(p);
    return getDirectories.call(sys, real ?? p);
  };
}
