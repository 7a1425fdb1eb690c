/**
 * What a study records about the machine it was created on, so that a re-run can say which
 * differences might explain a different result: tunelab, Node, the TensorFlow.js backend and
 * versions, platform, and the git commit of the working directory with a dirty flag.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadedTf } from '../backend';

export interface GitState {
  commit: string;
  /** Tracked files modified since that commit (untracked files, e.g. a study's own SQLite file, do not count). */
  dirty: boolean;
}

export interface Environment {
  tunelab: string | null;
  node: string;
  platform: string;
  arch: string;
  /** Version of @tensorflow/tfjs (null when it is not installed). */
  tfjs: string | null;
  /** The backend models train on: the active one when tfjs is loaded, else the one tunelab will pick. */
  tfjsBackend: string | null;
  /** Versions of the installed backend packages (@tensorflow/tfjs-backend-wasm, @tensorflow/tfjs-node). */
  tfjsBackendVersions: Record<string, string>;
  /** The working directory's git state, or null outside a git repository (or without git). */
  git: GitState | null;
}

/** One field that differs between two environments, by dotted path ('node', 'git.dirty'...). */
export interface EnvironmentDifference {
  key: string;
  recorded: unknown;
  current: unknown;
}

/** Study system attribute holding the environment (JSON object) recorded at creation. */
export const ENVIRONMENT_KEY = 'tunelab:environment';

function packageVersion(name: string): string | null {
  try {
    const pkg = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : null;
  } catch {
    return null;
  }
}

/** tunelab's own version, from the nearest package.json named tunelab above this file (src/ or dist/src/). */
function tunelabVersion(): string | null {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
        if (pkg.name === 'tunelab' && typeof pkg.version === 'string') return pkg.version;
      } catch {
        return null;
      }
    }
    dir = dirname(dir);
  }
  return null;
}

function git(cwd: string, args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** The git commit and dirty flag of `cwd`, or null when it is not inside a repository with a commit. */
export function gitState(cwd: string): GitState | null {
  const commit = git(cwd, ['rev-parse', 'HEAD']);
  if (!commit || !/^[0-9a-f]{40,64}$/.test(commit)) return null;
  const status = git(cwd, ['status', '--porcelain', '--untracked-files=no']);
  return { commit, dirty: status === null ? true : status.length > 0 };
}

/** The backend tunelab's models will use, without loading tfjs (see backend.ts for the order). */
function expectedBackend(): string | null {
  const tf = loadedTf();
  if (tf) return tf.getBackend();
  if (process.env.TUNELAB_BACKEND) return process.env.TUNELAB_BACKEND;
  if (packageVersion('@tensorflow/tfjs-node')) return 'tensorflow';
  if (packageVersion('@tensorflow/tfjs-backend-wasm')) return 'wasm';
  return packageVersion('@tensorflow/tfjs') ? 'cpu' : null;
}

/** The environment of this process, with the git state of `cwd` (default: the current directory). */
export function captureEnvironment(opts: { cwd?: string } = {}): Environment {
  const backends: Record<string, string> = {};
  for (const name of ['@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node']) {
    const v = packageVersion(name);
    if (v) backends[name] = v;
  }
  return {
    tunelab: tunelabVersion(),
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    tfjs: packageVersion('@tensorflow/tfjs'),
    tfjsBackend: expectedBackend(),
    tfjsBackendVersions: backends,
    git: gitState(opts.cwd ?? process.cwd()),
  };
}

// createStudy records the environment; a script creating many studies should not start git each time.
const CACHE_MS = 5000;
let cached: { cwd: string; at: number; env: Environment } | null = null;

/** @internal captureEnvironment() for the current directory, reused for a few seconds. */
export function environmentForNewStudy(): Environment {
  const cwd = process.cwd();
  const now = Date.now();
  if (!cached || cached.cwd !== cwd || now - cached.at > CACHE_MS) cached = { cwd, at: now, env: captureEnvironment({ cwd }) };
  return cached.env;
}

function flatten(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out.set(prefix, value);
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, value);
  }
}

/** Every field (dotted path) whose value differs between a recorded and a current environment. */
export function diffEnvironments(recorded: unknown, current: unknown): EnvironmentDifference[] {
  const a = new Map<string, unknown>();
  const b = new Map<string, unknown>();
  flatten(recorded ?? {}, '', a);
  flatten(current ?? {}, '', b);
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  const diffs: EnvironmentDifference[] = [];
  for (const key of keys) {
    const x = a.has(key) ? a.get(key) : undefined;
    const y = b.has(key) ? b.get(key) : undefined;
    if (JSON.stringify(x) !== JSON.stringify(y)) diffs.push({ key, recorded: x ?? null, current: y ?? null });
  }
  return diffs;
}
