// The first notebook cell that imports tunelab, in the real kernel. The kernel type-checks every
// cell, so the first import pays for parsing every declaration file tunelab's .d.ts reach. Three
// first cells, each in a fresh kernel, taking turns so load from other processes hits all alike:
//   baseline      `1 + 1`                                         (the checker's own start-up)
//   tunelab       `import { createStudy } from 'tunelab'`
//   tunelab+tfjs  the same plus `import type * as tf from '@tensorflow/tfjs'`, which is what every
//                 tunelab import cost before its declarations stopped naming tfjs's types
// Measured: busy -> idle of the cell (kernel timestamps) and the kernel process's CPU time
// (utime + stime from /proc, 10 ms ticks). Also the declaration files a cell importing tunelab loads.
//
// Run: npx tsx bench/kernel-first-import.ts   (build first: npm run build; RUNS=5 by default)
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import ts from 'typescript';
import { KernelClient } from '../kernel/runner/client';

const ROOT = path.resolve(__dirname, '..');
const RUNS = Number(process.env.RUNS ?? 5);

const CELLS: Record<string, string> = {
  baseline: '1 + 1',
  tunelab: "import { createStudy } from 'tunelab';\ntypeof createStudy",
  'tunelab+tfjs': "import type * as tf from '@tensorflow/tfjs';\nimport { createStudy } from 'tunelab';\ntypeof createStudy",
};

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function firstCell(code: string): Promise<{ wallMs: number; cpuMs: number }> {
  // The notebook lies in the repository root so '@tensorflow/tfjs' resolves for the third cell.
  const k = await KernelClient.start({ cwd: ROOT, stderr: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 500)); // let start-up work settle before measuring
    const pid = k.process.pid as number;
    const c0 = cpuMs(pid);
    const r = await k.execute(code, { timeoutMs: 120_000 });
    const cpu = cpuMs(pid) - c0;
    if (r.reply.content.status !== 'ok') throw new Error(`cell failed: ${JSON.stringify(r.reply.content)}`);
    const at = (state: string) =>
      Date.parse(String(r.iopub.find((m) => m.header.msg_type === 'status' && m.content.execution_state === state)?.header.date));
    return { wallMs: at('idle') - at('busy'), cpuMs: cpu };
  } finally {
    await k.shutdown();
  }
}

/** Declaration files loaded by a cell that imports tunelab, with tslab's compiler options. */
function declarationFiles(): { total: number; tensorflow: number } {
  const file = path.join(os.tmpdir(), `tunelab-first-import-${process.pid}.ts`);
  writeFileSync(file, `import { createStudy } from '${path.join(ROOT, 'dist', 'src').split(path.sep).join('/')}';\nvoid createStudy;\n`);
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    skipLibCheck: true,
    noEmit: true,
    typeRoots: [path.join(ROOT, 'node_modules', '@types')],
    types: ['node'],
  });
  const files = program.getSourceFiles().map((f) => f.fileName);
  return { total: files.length, tensorflow: files.filter((f) => f.includes('/@tensorflow/')).length };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const results: Record<string, Array<{ wallMs: number; cpuMs: number }>> = Object.fromEntries(Object.keys(CELLS).map((k) => [k, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const [name, code] of Object.entries(CELLS)) results[name].push(await firstCell(code));
  }
  const files = declarationFiles();
  const summary = Object.fromEntries(
    Object.entries(results).map(([name, rs]) => [
      name,
      { medianWallMs: median(rs.map((r) => r.wallMs)), medianCpuMs: median(rs.map((r) => r.cpuMs)), runs: rs },
    ]),
  );
  console.log('first cell          median wall   median kernel CPU');
  for (const [name, s] of Object.entries(summary)) {
    console.log(`${name.padEnd(18)}  ${String(s.medianWallMs).padStart(8)} ms  ${String(s.medianCpuMs).padStart(10)} ms`);
  }
  console.log(`a cell importing tunelab loads ${files.total} files, ${files.tensorflow} from @tensorflow`);
  const out = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, loadavg: os.loadavg() },
    runs: RUNS,
    declarationFiles: files,
    cells: summary,
  };
  mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench', 'results', 'kernel-first-import.json'), JSON.stringify(out, null, 2) + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
