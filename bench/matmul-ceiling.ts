/**
 * The ceiling behind the training-throughput target: how fast can each side multiply the matrices
 * that one training step of the MLP 784-256-10 (batch 128) is made of? Dense training is three
 * products per layer (forward, weight gradient, input gradient; the first layer skips the last), so
 * the GFLOP/s of these products bounds samples/second from above whatever else is fused or batched.
 *
 *   npx tsx bench/matmul-ceiling.ts
 *
 * tunelab side: tfjs `matMul` on the wasm backend as tunelab configures it (src/backend.ts, with
 * the kernels of src/wasmKernels.ts), with and without transposed operands (the gradients use them); PyTorch side: torch.matmul in a
 * Python subprocess (the pinned environment), both pinned to 1 thread. Each figure is the best of 15 rounds of 30
 * products after a warm-up round, timed in process CPU time: the machine's 2 cores are shared, and
 * CPU time leaves out the time a process waits for a core (the best round is the least disturbed).
 * Writes bench/results/matmul-ceiling.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { useBackend } from '../src';
import { loadTf } from '../src/backend';
import { runPythonJson } from './python';

const ROUNDS = 15;
const REPEATS = 30;

/** [label, rows of A, inner, columns of B, transposeA, transposeB] */
type Product = [string, number, number, number, boolean, boolean];
const PRODUCTS: Product[] = [
  ['forward 128x784 @ 784x256', 128, 784, 256, false, false],
  ['weight grad (128x784)^T @ 128x256', 784, 128, 256, true, false],
  ['input grad 128x256 @ (784x256)^T', 128, 256, 784, false, true],
  ['output layer 128x256 @ 256x10', 128, 256, 10, false, false],
];

const TORCH = `
import json, sys, time, torch
torch.set_num_threads(1)
cfg = json.load(sys.stdin)
out = {}
for label, m, k, n, ta, tb in cfg['products']:
    a = torch.rand(k, m) if ta else torch.rand(m, k)
    b = torch.rand(n, k) if tb else torch.rand(k, n)
    f = lambda: torch.matmul(a.t() if ta else a, b.t() if tb else b)
    for _ in range(cfg['repeats']): f()
    best = 0.0
    for _ in range(cfg['rounds']):
        t = time.process_time()
        for _ in range(cfg['repeats']): f()
        best = max(best, 2 * m * k * n * cfg['repeats'] / (time.process_time() - t) / 1e9)
    out[label] = best
print(json.dumps({'version': torch.__version__, 'gflops': out}))
`;

async function main(): Promise<void> {
  const info = await useBackend('wasm');
  const tf = await loadTf();
  const tunelab: Record<string, number> = {};
  for (const [label, m, k, n, ta, tb] of PRODUCTS) {
    const a = tf.randomUniform(ta ? [k, m] : [m, k], 0, 1, 'float32', 1);
    const b = tf.randomUniform(tb ? [n, k] : [k, n], 0, 1, 'float32', 2);
    const round = () => {
      const t = process.cpuUsage();
      for (let r = 0; r < REPEATS; r++) tf.matMul(a, b, ta, tb).dispose();
      const used = process.cpuUsage(t);
      return (used.user + used.system) / 1000;
    };
    round(); // warm-up (XNNPACK packs the weights on first use)
    let best = 0;
    for (let r = 0; r < ROUNDS; r++) best = Math.max(best, (2 * m * k * n * REPEATS) / (round() / 1000) / 1e9);
    tunelab[label] = best;
    a.dispose();
    b.dispose();
  }
  const cfg = { products: PRODUCTS, rounds: ROUNDS, repeats: REPEATS };
  const torch = await runPythonJson<{ version: string; gflops: Record<string, number> }>(TORCH, cfg);

  console.log(
    `backend: ${info.backend} (simd: ${info.simd}, threads: ${info.threads}); PyTorch ${torch.version}; 1 thread each; CPU: ${cpus()[0]?.model ?? '?'}`,
  );
  console.log('| product | tunelab wasm GFLOP/s | PyTorch GFLOP/s | PyTorch / tunelab |');
  console.log('|---|---:|---:|---:|');
  const rows = PRODUCTS.map(([label]) => {
    const ratio = torch.gflops[label] / tunelab[label];
    console.log(`| ${label} | ${tunelab[label].toFixed(1)} | ${torch.gflops[label].toFixed(1)} | ${ratio.toFixed(1)}x |`);
    return { product: label, tunelabGflops: tunelab[label], torchGflops: torch.gflops[label], ratio };
  });
  // The MLP's step is 99% the first layer's forward and weight-gradient products (its input gradient
  // is never computed): their time ratio is the least PyTorch/tunelab can be, with zero overhead.
  const step = ['forward 128x784 @ 784x256', 'weight grad (128x784)^T @ 128x256'];
  const stepRatio = step.reduce((s, l) => s + 1 / tunelab[l], 0) / step.reduce((s, l) => s + 1 / torch.gflops[l], 0);
  console.log(`MLP 784-256-10 training step, products alone: PyTorch / tunelab >= ${stepRatio.toFixed(1)}x`);
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'matmul-ceiling.json'),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        cpu: cpus()[0]?.model,
        backend: info,
        torchVersion: torch.version,
        threads: 1,
        rows,
        mlpStepProductsRatio: stepRatio,
      },
      null,
      2,
    ) + '\n',
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
