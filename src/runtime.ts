/**
 * The state every copy of tunelab loaded in one process shares, in one versioned object.
 *
 * A process can load tunelab more than once: in a notebook the kernel has its copy and a cell's
 * `import 'tunelab'` may resolve to another (a build next to the sources, a worker's objective
 * module, a second install); each copy has its own module state. What must be one per process lives
 * here instead: the ambient seed, the logging settings, the studies inside `optimize` (an interrupt
 * stops them all), and the hooks the kernel installs (progress display, interrupt source, figure
 * widgets). The object sits on globalThis under the registered symbol `tunelab.runtime`; the first
 * copy to load creates it, the next ones adopt it.
 *
 * Adopting it is only safe when both copies agree on its shape, so the object carries
 * RUNTIME_PROTOCOL_VERSION, and a copy finding a different version (or something that is not a
 * runtime object) refuses to load instead of misreading the other copy's state.
 *
 * The kernel and the widget library share state too (the comm transport, the open widgets), but the
 * engine must not import them: they keep their parts under a name with `runtimePart`, each part with
 * its own version and shape check.
 */
import type { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TunelabError } from './errors';
import type { LogHandler } from './logging';
import type { OptimizeInterruptSource } from './optimizeSignal';
import type { ObserverFactory } from './progress';
import type { FigureDisplayHook } from './visualization/figure';

/**
 * The shape of the runtime object. Change it (add, remove or retype a field, or change what one
 * means) and this number goes up, so that copies built before and after the change do not share.
 */
export const RUNTIME_PROTOCOL_VERSION = 1;

const RUNTIME_KEY = Symbol.for('tunelab.runtime');

/**
 * Keys a copy of tunelab from before the runtime object set on globalThis as it loaded: one of them
 * present means such a copy is loaded, and it keeps its state apart from this copy's.
 */
const LEGACY_KEYS = ['tunelab.seedContext', 'tunelab.logging', 'tunelab.activeStudies'];

/** What `stopAllStudies` needs of a study in `optimize`, which may come from another copy of tunelab. */
export interface InterruptibleStudy {
  interrupt(): void;
}

/** The seed a trial's code runs under (reproducibility/context.ts). */
export interface SeedContext {
  readonly seed: number;
  /** How many seeds components have drawn from this context so far. */
  drawn: number;
}

/** The logging settings (logging.ts). */
export interface LoggingState {
  verbosity: number;
  defaultHandler: boolean;
  handlers: LogHandler[];
  /** Called after the default handler wrote a line (the terminal progress bar redraws under it). */
  afterStderrLine?: Array<() => void>;
}

/** A kernel- or widget-side part, stored with the version of its shape. */
interface StoredPart {
  readonly version: number;
  readonly value: object;
}

/**
 * The shared state. The engine's fields are created by the module that owns each (`??=` when it
 * loads) and are absent until then.
 */
export interface TunelabRuntime {
  /** RUNTIME_PROTOCOL_VERSION of the copy that created the object. */
  readonly version: number;
  /** The file of the copy that created it (its runtime module), to name it when copies disagree. */
  readonly loadedFrom: string;
  /** The ambient seed of the running trial (reproducibility/context.ts). */
  seedContext?: AsyncLocalStorage<SeedContext | null>;
  /** Verbosity and handlers (logging.ts). */
  logging?: LoggingState;
  /** The studies inside `optimize` right now (study/activeStudies.ts); the kernel counts them. */
  activeStudies?: Set<InterruptibleStudy>;
  /** Turns a displayed Figure into a live widget; installed by the kernel's widget support. */
  figureDisplayHook?: FigureDisplayHook | null;
  /** The interrupt source every `optimize` consults; installed by the kernel (optimizeSignal.ts). */
  optimizeInterruptSource?: OptimizeInterruptSource;
  /** The progress display `optimize` creates; the kernel installs a widget one (progress.ts). */
  observerFactory?: ObserverFactory;
  /** Parts of the kernel and the widget library, by name (see runtimePart). */
  readonly parts: Map<string, StoredPart>;
}

/** Two copies of tunelab in one process that cannot share their state. */
export class IncompatibleTunelabCopiesError extends TunelabError {}

/** This process's runtime object: created by the first copy of tunelab to load, shared by the others. */
export const runtime: TunelabRuntime = attachRuntime(globalThis, __filename);

/**
 * Adopt the runtime object on `holder` (globalThis), or create it there. Throws when what is there
 * was left by a copy of tunelab that does not speak this version.
 */
export function attachRuntime(holder: object, loadedFrom: string): TunelabRuntime {
  const found: unknown = Reflect.get(holder, RUNTIME_KEY);
  if (found === undefined) {
    const legacy = LEGACY_KEYS.find((key) => Reflect.has(holder, Symbol.for(key)));
    if (legacy !== undefined) {
      throw incompatible(
        loadedFrom,
        `a copy of tunelab from before the shared runtime object (it keeps its state under Symbol.for('${legacy}'))`,
      );
    }
    const created: TunelabRuntime = { version: RUNTIME_PROTOCOL_VERSION, loadedFrom, parts: new Map() };
    // Not writable: only defineProperty, deliberately, can replace it.
    Reflect.defineProperty(holder, RUNTIME_KEY, { value: created, writable: false, enumerable: false, configurable: true });
    return created;
  }
  if (!isRuntimeShaped(found)) {
    throw incompatible(loadedFrom, `something that is not a tunelab runtime object (${describe(found)})`);
  }
  if (found.version !== RUNTIME_PROTOCOL_VERSION) {
    throw incompatible(
      loadedFrom,
      `a copy of tunelab speaking runtime protocol ${found.version}, loaded from ${copyName(found.loadedFrom)}`,
    );
  }
  return found;
}

/** What a part of the runtime owned by the kernel or the widget library looks like. */
export interface RuntimePartSpec<T extends object> {
  /** Unique among parts, e.g. 'widgets.transport'. */
  readonly name: string;
  /** Goes up when T's shape or meaning changes, so copies that disagree do not share the part. */
  readonly version: number;
  /** The part's initial value, for the first copy that asks for it. */
  create(): T;
  /** Whether a value another copy stored under this name and version has T's shape. */
  accepts(value: object): value is T;
}

/**
 * The part named `spec.name`: created by the first copy that asks, shared with the later ones. Throws
 * when another copy stored it with a different version or a shape `spec.accepts` refuses.
 */
export function runtimePart<T extends object>(spec: RuntimePartSpec<T>, on: TunelabRuntime = runtime): T {
  const found = on.parts.get(spec.name);
  if (found === undefined) {
    const value = spec.create();
    on.parts.set(spec.name, { version: spec.version, value });
    return value;
  }
  if (found.version !== spec.version) {
    throw incompatible(
      __filename,
      `a copy of tunelab whose runtime part '${spec.name}' is version ${found.version}, not ${spec.version} (runtime created by ${copyName(on.loadedFrom)})`,
    );
  }
  if (!spec.accepts(found.value)) {
    throw incompatible(__filename, `a copy of tunelab whose runtime part '${spec.name}' has another shape (${describe(found.value)})`);
  }
  return found.value;
}

function isRuntimeShaped(value: unknown): value is TunelabRuntime {
  if (typeof value !== 'object' || value === null) return false;
  const version: unknown = Reflect.get(value, 'version');
  const loadedFrom: unknown = Reflect.get(value, 'loadedFrom');
  return Number.isInteger(version) && typeof loadedFrom === 'string' && Reflect.get(value, 'parts') instanceof Map;
}

function incompatible(loadedFrom: string, other: string): IncompatibleTunelabCopiesError {
  return new IncompatibleTunelabCopiesError(
    `Two incompatible copies of tunelab are loaded in this process: ${copyName(loadedFrom)} (runtime protocol ` +
      `${RUNTIME_PROTOCOL_VERSION}) found ${other}. They cannot share the state one process needs (seeds, logging, ` +
      "interrupts, the kernel's widgets). Make every import resolve to one install: remove the extra copy (`npm ls tunelab` " +
      'lists them; `npm dedupe`, or align the versions), then restart the kernel or the Node process.',
  );
}

/** A copy of tunelab by its directory and, when its package.json says, its version. */
function copyName(file: string): string {
  const root = packageRoot(dirname(file));
  if (root === null) return file;
  return root.version === null ? root.dir : `tunelab ${root.version} at ${root.dir}`;
}

/** The nearest directory above `start` whose package.json is tunelab's (src/ or dist/src/ sit one or two below). */
function packageRoot(start: string): { dir: string; version: string | null } | null {
  for (let dir = start, up = 0; up < 5; dir = dirname(dir), up++) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    try {
      const pkg: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (typeof pkg === 'object' && pkg !== null && Reflect.get(pkg, 'name') === 'tunelab') {
        const version: unknown = Reflect.get(pkg, 'version');
        return { dir, version: typeof version === 'string' ? version : null };
      }
    } catch {
      // an unreadable package.json is not tunelab's: keep going up
    }
  }
  return null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const keys = Reflect.ownKeys(value).map(String);
  return keys.length === 0 ? 'an empty object' : `an object with ${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', ...' : ''}`;
}
