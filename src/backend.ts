/**
 * TensorFlow.js loading and backend choice. Nothing here runs when tunelab is required: tfjs is
 * loaded the first time a neural model (or backendInfo) needs it, so `require('tunelab')` stays fast.
 *
 * Order of preference, unless TUNELAB_BACKEND names one ('tensorflow' | 'wasm' | 'cpu'):
 *  1. 'tensorflow' from @tensorflow/tfjs-node, when it is installed (native libtensorflow, fastest;
 *     an optional dependency because its install step downloads libtensorflow and fails offline);
 *  2. 'wasm' from @tensorflow/tfjs-backend-wasm (XNNPACK + SIMD, works offline, several times
 *     faster than the pure-JS backend);
 *  3. 'cpu', the pure-JavaScript backend bundled with @tensorflow/tfjs.
 */
import { InvalidArgumentError } from './errors';
import { registerWasmFallbacks, registerWasmTransposedMatMul, type CpuBackendLike } from './wasmKernels';
import { assertInstalled, missingDependencies } from './optionalDependency';

/**
 * @internal Every declaration that names tfjs's types is marked @internal, so the emitted .d.ts
 * (tsconfig stripInternal) never loads @tensorflow/tfjs's ~600 declaration files: a notebook cell
 * that imports tunelab is type-checked, and those files made the first such cell seconds slower.
 */
type Tf = typeof import('@tensorflow/tfjs');
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  backend: BackendName;
  /** Why this backend is in use, in a sentence. */
  reason: string;
  /** Backends tried before it and why they were skipped. */
  skipped: Array<{ backend: BackendName; error: string }>;
  /** Threads the backend computes with (wasm: 1 in Node, which has no wasm thread pool for tfjs). */
  threads: number | null;
  simd: boolean | null;
  /** Kernels the backend lacks that tunelab runs on the cpu backend instead (wasm has no Conv2DBackpropFilter, so CNN training needs one). */
  cpuFallbackKernels: string[];
  tfjsVersion: string;
}

let tfModule: Tf | null = null;
let ready: Promise<BackendInfo> | null = null;

/** @internal Run `fn` with console.log/warn silenced (tfjs prints advice tunelab already acted on). */
export function quietly<T>(fn: () => T): T {
  const log = console.log;
  const warn = console.warn;
  console.log = () => undefined;
  console.warn = () => undefined;
  try {
    return fn();
  } finally {
    console.log = log;
    console.warn = warn;
  }
}

/** Require a module without letting tfjs print its "install tfjs-node" banner (backendInfo explains the choice instead). */
function quietRequire<T>(id: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return quietly(() => require(id) as T);
}

function describe(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0];
}

async function select(preferred: BackendName | undefined): Promise<BackendInfo> {
  // tfjs-node brings tfjs with it; without either there is no backend to try, and the error should say what to install.
  if (missingDependencies(['@tensorflow/tfjs-node']).length > 0) {
    assertInstalled(
      ['@tensorflow/tfjs'],
      "Training tunelab's neural models (mlp, cnn, lstm) or choosing their backend",
      InvalidArgumentError,
    );
  }
  const skipped: BackendInfo['skipped'] = [];
  const order: BackendName[] = preferred ? [preferred] : ['tensorflow', 'wasm', 'cpu'];
  for (const name of order) {
    try {
      if (name === 'tensorflow') {
        tfModule = quietRequire<Tf>('@tensorflow/tfjs-node');
      } else {
        tfModule ??= quietRequire<Tf>('@tensorflow/tfjs');
        if (name === 'wasm') quietRequire('@tensorflow/tfjs-backend-wasm');
      }
      const tf = tfModule as Tf;
      if (!(await quietly(() => tf.setBackend(name)))) throw new Error(`tf.setBackend('${name}') returned false`);
      await tf.ready();
      if (name === 'wasm') patchWasmKernels(tf);
      if (name === 'cpu') silenceCpuBanner(tf.backend());
      const wasm = name === 'wasm' ? quietRequire<{ getThreadsCount(): number }>('@tensorflow/tfjs-backend-wasm') : null;
      const reason =
        preferred !== undefined
          ? `requested (${process.env.TUNELAB_BACKEND ? 'TUNELAB_BACKEND' : 'useBackend'}=${name})`
          : name === 'tensorflow'
            ? '@tensorflow/tfjs-node is installed: native libtensorflow is the fastest backend'
            : name === 'wasm'
              ? '@tensorflow/tfjs-node is not installed; the WebAssembly backend works offline and is several times faster than cpu'
              : 'neither @tensorflow/tfjs-node nor the WebAssembly backend could start; using the pure-JavaScript cpu backend';
      return {
        backend: name,
        reason,
        skipped,
        threads: wasm ? wasm.getThreadsCount() : name === 'cpu' ? 1 : null,
        simd: name === 'wasm' ? tf.env().getBool('WASM_HAS_SIMD_SUPPORT') : null,
        cpuFallbackKernels: name === 'wasm' ? [...fallbackKernels] : [],
        tfjsVersion: tf.version.tfjs,
      };
    } catch (e) {
      skipped.push({ backend: name, error: describe(e) });
    }
  }
  throw new InvalidArgumentError(
    `No TensorFlow.js backend could start (${skipped.map((s) => `${s.backend}: ${s.error}`).join('; ')}). Install @tensorflow/tfjs.`,
  );
}

const fallbackKernels = new Set<string>();

/**
 * The cpu backend prints an "install tfjs-node" banner on its first tensor write in Node. tunelab
 * already made that choice and reports it in backendInfo(), so mark the backend as used.
 */
function silenceCpuBanner(backend: unknown): void {
  const b = backend as { firstUse?: boolean };
  if (b && typeof b.firstUse === 'boolean') b.firstUse = false;
}

/** The wasm backend's gaps, filled by ./wasmKernels.ts: gradient kernels run on cpu, transposed products take the fast path. */
function patchWasmKernels(tf: Tf): void {
  // Creating the cpu backend in Node prints tfjs's "install tfjs-node" banner; backendInfo() explains instead.
  const cpu = quietly(() => tf.findBackend('cpu')) as unknown as CpuBackendLike | null;
  if (cpu) {
    silenceCpuBanner(cpu);
    for (const name of registerWasmFallbacks(tf, cpu)) fallbackKernels.add(name);
  }
  registerWasmTransposedMatMul(tf);
}

function envPreference(): BackendName | undefined {
  const v = process.env.TUNELAB_BACKEND;
  if (v === undefined || v === '') return undefined;
  if (v !== 'tensorflow' && v !== 'wasm' && v !== 'cpu') {
    throw new InvalidArgumentError(`TUNELAB_BACKEND must be 'tensorflow', 'wasm' or 'cpu', got '${v}'.`);
  }
  return v;
}

/** @internal Load tfjs and start the preferred backend (once); resolves to the tfjs module. */
export async function loadTf(): Promise<Tf> {
  ready ??= select(envPreference());
  await ready;
  return tfModule as Tf;
}

/** Which backend tunelab trains on and why (loads tfjs on first call). */
export async function backendInfo(): Promise<BackendInfo> {
  ready ??= select(envPreference());
  return ready;
}

/** Switch every later model to `name` (e.g. to compare backends); throws if it cannot start. */
export async function useBackend(name: BackendName): Promise<BackendInfo> {
  if (!['tensorflow', 'wasm', 'cpu'].includes(name)) throw new InvalidArgumentError(`useBackend: unknown backend '${String(name)}'.`);
  const attempt = select(name);
  const info = await attempt;
  ready = attempt;
  return info;
}

/** @internal The loaded tfjs module, or null before the first model or backendInfo() call. */
export function loadedTf(): Tf | null {
  return tfModule;
}
