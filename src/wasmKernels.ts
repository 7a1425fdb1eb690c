/**
 * Kernels tunelab re-registers on tfjs's wasm backend (tfjs 4.22). The wasm backend is the one most
 * installs train on (tfjs-node needs a download that fails offline), and it has two gaps that matter
 * for training: it lacks some gradient kernels (Conv2DBackpropFilter, so a CNN cannot train at all),
 * and its matrix product is ~10x slower when an operand is transposed, which is what every dense
 * layer's gradient asks for. Both are patched here, once, right after the backend starts
 * (../backend.ts calls these); nothing else in tunelab touches tfjs's kernel registry.
 *
 * This module only names tfjs's types: importing it does not load tfjs.
 */

/** @internal Names tfjs's types (stripped from the .d.ts, see ./backend.ts). */
type Tf = typeof import('@tensorflow/tfjs');

interface WasmBackendLike {
  readSync(dataId: object): ArrayLike<number>;
  makeOutput(shape: number[], dtype: string): TensorInfoLike;
  typedArrayFromHeap(info: TensorInfoLike): { set(values: ArrayLike<number>): void };
}
/** The cpu backend's calls a fallback kernel makes (the backend object, not tfjs's public API). */
export interface CpuBackendLike {
  write(values: ArrayLike<number>, shape: number[], dtype: string): object;
  readSync(dataId: object): ArrayLike<number>;
  disposeData(dataId: object, force?: boolean): boolean;
}
type TensorInfoLike = { dataId: object; shape: number[]; dtype: string };

/**
 * @internal For each gradient kernel the cpu backend has and wasm lacks, register a wasm kernel that
 * copies its inputs to the cpu backend, runs the cpu kernel there and copies the single output
 * back: everything else stays on wasm. Returns the names of the kernels it registered (none when
 * an earlier call already did).
 */
export function registerWasmFallbacks(tf: Tf, cpu: CpuBackendLike): string[] {
  const registered: string[] = [];
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
    registered.push(name);
  }
  return registered;
}

let transposedMatMulPatched = false;

/**
 * @internal The wasm backend's BatchMatMul is fast (XNNPACK, ~25 GFLOP/s on one core here) when
 * neither operand is transposed but about 10x slower with transposeA/transposeB. Transposing the
 * operand explicitly first (O(n^2)) and multiplying without flags gives the fast path; measured in
 * bench/training-throughput.ts.
 */
export function registerWasmTransposedMatMul(tf: Tf): void {
  if (transposedMatMulPatched) return;
  const matMul = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!matMul || !transpose) return;
  const original = matMul.kernelFunc;
  const flip = (x: TensorInfoLike, backend: unknown): TensorInfoLike => {
    const rank = x.shape.length;
    const perm = [...Array(rank).keys()];
    [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
    return transpose.kernelFunc({
      inputs: { x } as never,
      backend: backend as never,
      attrs: { perm } as never,
    }) as unknown as TensorInfoLike;
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
      const inputs = args.inputs as { a: TensorInfoLike; b: TensorInfoLike };
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
