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
    assertInstalled(['@tensorflow/tfjs'], "Training tunelab's neural models (mlp, cnn, lstm) or choosing their backend", InvalidArgumentError);
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
      if (name === 'wasm') {
        registerWasmFallbacks(tf);
        registerWasmTransposedMatMul(tf);
      }
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

interface WasmBackendLike {
  readSync(dataId: object): ArrayLike<number>;
  makeOutput(shape: number[], dtype: string): { dataId: object; shape: number[]; dtype: string };
  typedArrayFromHeap(info: { dataId: object; shape: number[]; dtype: string }): { set(values: ArrayLike<number>): void };
}
interface CpuBackendLike {
  write(values: ArrayLike<number>, shape: number[], dtype: string): object;
  readSync(dataId: object): ArrayLike<number>;
  disposeData(dataId: object, force?: boolean): boolean;
}
type TensorInfoLike = { dataId: object; shape: number[]; dtype: string };

/**
 * The wasm backend (tfjs 4.22) lacks a few gradient kernels, notably Conv2DBackpropFilter, so a
 * CNN cannot train on it. For each kernel the cpu backend has and wasm lacks, register a wasm
 * kernel that copies its inputs to the cpu backend, runs the cpu kernel there and copies the
 * single output back: everything else stays on wasm.
 */
function registerWasmFallbacks(tf: Tf): void {
  // Creating the cpu backend in Node prints tfjs's "install tfjs-node" banner; backendInfo() explains instead.
  const cpu = quietly(() => tf.findBackend('cpu')) as unknown as CpuBackendLike | null;
  if (!cpu) return;
  silenceCpuBanner(cpu);
  for (const kernel of tf.getKernelsForBackend('cpu')) {
    const name = kernel.kernelName;
    if (tf.getKernel(name, 'wasm') || !name.includes('Backprop')) continue;
    tf.registerKernel({
      kernelName: name,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const wasm = backend as unknown as WasmBackendLike;
        const cpuInputs: Record<string, TensorInfoLike> = {};
        for (const [key, info] of Object.entries(inputs as Record<string, TensorInfoLike>)) {
          cpuInputs[key] = { dataId: cpu.write(wasm.readSync(info.dataId), info.shape, info.dtype), shape: info.shape, dtype: info.dtype };
        }
        try {
          const out = kernel.kernelFunc({ inputs: cpuInputs as never, backend: cpu as never, attrs }) as unknown as TensorInfoLike;
          const values = cpu.readSync(out.dataId);
          cpu.disposeData(out.dataId, true);
          const result = wasm.makeOutput(out.shape, out.dtype);
          wasm.typedArrayFromHeap(result).set(values);
          return result as never;
        } finally {
          for (const info of Object.values(cpuInputs)) cpu.disposeData(info.dataId, true);
        }
      },
    });
    fallbackKernels.add(name);
  }
}

let transposedMatMulPatched = false;

/**
 * The wasm backend's BatchMatMul is fast (XNNPACK, ~25 GFLOP/s on one core here) when neither
 * operand is transposed but about 10x slower with transposeA/transposeB, which is exactly what the
 * gradients of every dense layer ask for. Transposing the operand explicitly first (O(n^2)) and
 * multiplying without flags gives the fast path; measured in bench/training-throughput.ts.
 */
function registerWasmTransposedMatMul(tf: Tf): void {
  if (transposedMatMulPatched) return;
  const matMul = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!matMul || !transpose) return;
  const original = matMul.kernelFunc;
  type Info = { dataId: object; shape: number[]; dtype: string };
  const flip = (x: Info, backend: unknown): Info => {
    const rank = x.shape.length;
    const perm = [...Array(rank).keys()];
    [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
    return transpose.kernelFunc({ inputs: { x } as never, backend: backend as never, attrs: { perm } as never }) as unknown as Info;
  };
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    setupFunc: matMul.setupFunc,
    disposeFunc: matMul.disposeFunc,
    kernelFunc: (args) => {
      const attrs = args.attrs as { transposeA?: boolean; transposeB?: boolean };
      if (!attrs.transposeA && !attrs.transposeB) return original(args);
      const inputs = args.inputs as { a: Info; b: Info };
      const backend = args.backend as unknown as { disposeData(id: object): void };
      const a = attrs.transposeA ? flip(inputs.a, backend) : inputs.a;
      const b = attrs.transposeB ? flip(inputs.b, backend) : inputs.b;
      try {
        return original({ ...args, inputs: { a, b } as never, attrs: { ...attrs, transposeA: false, transposeB: false } as never });
      } finally {
        if (a !== inputs.a) backend.disposeData(a.dataId);
        if (b !== inputs.b) backend.disposeData(b.dataId);
      }
    },
  });
  transposedMatMulPatched = true;
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
