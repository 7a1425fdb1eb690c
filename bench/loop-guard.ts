// What the kernel's loop interrupt checks cost (kernel/interrupt/loopGuard.ts): the same cell code run plain
// and instrumented, side by side in one process, on tight loops where a check per iteration shows
// the most. A third variant keeps each site's counter in a slot of one Int32Array per cell instead
// of the closure variable the kernel uses: the alternative that was measured and rejected.
//
// Each variant is compiled separately (its own functions, so its own JIT feedback); repetitions
// interleave the variants so load from other processes hits them alike. Times are CPU time of this
// process (user + system), which other jobs on a shared machine disturb far less than wall time;
// the table gives the median and the minimum over the repetitions.
//
// Run: npx tsx bench/loop-guard.ts   (about half a minute)
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { GUARD_NAME, createLoopGuard, instrumentLoops, type LoopGuard } from '../kernel/interrupt/loopGuard';

const ROOT = path.resolve(__dirname, '..');
// The TypeScript copy tslab (and so the kernel) uses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ts = require(
  require.resolve('@tslab/typescript-for-tslab', { paths: [path.join(ROOT, 'node_modules', 'tslab')] }),
) as typeof import('typescript');
const REPS = Number(process.env.REPS ?? 15);
const WARMUP = 3;

interface Case {
  name: string;
  what: string;
  /** A cell's compiled code: defines functions and returns `run`, which does the measured work. */
  cell: string;
  input: () => unknown[];
}

const N_MM = 200;
const cases: Case[] = [
  {
    name: 'sum',
    what: 'sum of a 10M-element Float64Array (one tight loop)',
    cell: 'function sum(a) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]; return s; }\nreturn (a) => sum(a);',
    input: () => [Float64Array.from({ length: 10_000_000 }, (_, i) => i % 7)],
  },
  {
    name: 'matmul',
    what: `matrix multiply ${N_MM}x${N_MM} (three nested loops, inner ones short)`,
    cell: [
      'function matmul(A, B, C, n) {',
      '  for (let i = 0; i < n; i++)',
      '    for (let j = 0; j < n; j++) {',
      '      let s = 0;',
      '      for (let k = 0; k < n; k++) s += A[i * n + k] * B[k * n + j];',
      '      C[i * n + j] = s;',
      '    }',
      '  return C[n + 1];',
      '}',
      'return (A, B, C, n) => matmul(A, B, C, n);',
    ].join('\n'),
    input: () => {
      const r = (i: number) => ((i * 7919) % 1000) / 1000;
      return [
        Float64Array.from({ length: N_MM * N_MM }, (_, i) => r(i)),
        Float64Array.from({ length: N_MM * N_MM }, (_, i) => r(i + 1)),
        new Float64Array(N_MM * N_MM),
        N_MM,
      ];
    },
  },
  {
    name: 'calls',
    what: 'a loop calling a function with a 16-step loop, 2M calls',
    cell: [
      'function dot(a, b) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; }',
      'function total(n, a, b) { let t = 0; for (let i = 0; i < n; i++) t += dot(a, b); return t; }',
      'return (a, b) => total(2_000_000, a, b);',
    ].join('\n'),
    input: () => [new Float64Array(16).fill(1.5), new Float64Array(16).fill(2)],
  },
  {
    name: 'callNoLoop',
    what: 'a loop calling a small function without a loop, 10M calls',
    cell: [
      'function poly(x) { return x * (x * 0.5 + 1) - 3; }',
      'function total(n) { let t = 0; for (let i = 0; i < n; i++) t += poly(i * 1e-6); return t; }',
      'return () => total(10_000_000);',
    ].join('\n'),
    input: () => [],
  },
  {
    name: 'fib',
    what: 'recursive fib(27) without loops (the check is at the entry of each call)',
    cell: 'function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }\nreturn () => fib(27);',
    input: () => [],
  },
  {
    name: 'queens',
    what: 'recursive 9-queens count (short loops at every level of a recursion)',
    cell: [
      'function place(n, row, cols, d1, d2) {',
      '  if (row === n) return 1;',
      '  let count = 0;',
      '  for (let c = 0; c < n; c++) {',
      '    if (cols[c] || d1[row + c] || d2[row - c + n]) continue;',
      '    cols[c] = d1[row + c] = d2[row - c + n] = 1;',
      '    count += place(n, row + 1, cols, d1, d2);',
      '    cols[c] = d1[row + c] = d2[row - c + n] = 0;',
      '  }',
      '  return count;',
      '}',
      'return () => { let t = 0; for (let r = 0; r < 3; r++) t += place(9, 0, new Uint8Array(9), new Uint8Array(18), new Uint8Array(18)); return t; };',
    ].join('\n'),
    input: () => [],
  },
];

/** The rejected alternative: the same checks with each site's counter in a slot of an Int32Array. */
function withTypedArraySlots(instrumented: string): string {
  return instrumented
    .replace(
      /(var __tunelab_loops__ = [^,;]+)[^;]*;/,
      (_m, sites: string) => `${sites}, __slots = new Int32Array(${/sites\((\d+)\)/.exec(sites)?.[1]});`,
    )
    .replace(
      /if \(--__tunelab_loop(\d+) < 0\) [^;]+;/g,
      (_m, i: string) => `if (--__slots[${i}] < 0) __slots[${i}] = ${GUARD_NAME}.check(__tunelab_loops__, ${i});`,
    );
}

type Variant = 'plain' | 'guarded' | 'typedArraySlots';
const VARIANTS: Variant[] = ['plain', 'guarded', 'typedArraySlots'];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function main(): void {
  const results = [];
  for (const c of cases) {
    const guarded = instrumentLoops(ts, c.cell);
    const code: Record<Variant, string> = { plain: c.cell, guarded, typedArraySlots: withTypedArraySlots(guarded) };
    let checks = 0;
    const inner = createLoopGuard(
      () => false,
      () => new Error('never'),
    );
    const guard: LoopGuard = {
      sites: (n) => inner.sites(n),
      check: (sites, site) => {
        checks++;
        return inner.check(sites, site);
      },
    };
    const run = Object.fromEntries(
      VARIANTS.map((v) => [v, new Function(GUARD_NAME, code[v])(guard) as (...a: unknown[]) => unknown]),
    ) as Record<Variant, (...a: unknown[]) => unknown>;
    const input = c.input();
    const times: Record<Variant, number[]> = { plain: [], guarded: [], typedArraySlots: [] };
    const answers = new Set<unknown>();
    let guardedMs = 0;
    for (let rep = 0; rep < WARMUP + REPS; rep++) {
      // Rotate the order so no variant always runs first (after the others warmed the caches).
      for (let j = 0; j < VARIANTS.length; j++) {
        const v = VARIANTS[(rep + j) % VARIANTS.length];
        const before = checks;
        const t = process.cpuUsage();
        answers.add(run[v](...input));
        const used = process.cpuUsage(t);
        const ms = (used.user + used.system) / 1000;
        if (rep < WARMUP) continue;
        times[v].push(ms);
        if (v === 'guarded') guardedMs += ms;
        else checks = before; // count the kernel form's checks only
      }
    }
    if (answers.size !== 1) throw new Error(`${c.name}: the variants disagree: ${[...answers].join(', ')}`);
    const stat = (v: Variant) => ({ medianMs: median(times[v]), minMs: Math.min(...times[v]) });
    const plain = stat('plain');
    const overhead = (v: Variant) => ({
      ...stat(v),
      overheadMedian: stat(v).medianMs / plain.medianMs - 1,
      overheadMin: stat(v).minMs / plain.minMs - 1,
    });
    const row = {
      case: c.name,
      what: c.what,
      plain,
      guarded: overhead('guarded'),
      typedArraySlots: overhead('typedArraySlots'),
      checksPerCpuSecond: Math.round((checks / guardedMs) * 1000),
    };
    results.push(row);
    const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)}%`;
    console.log(
      `${c.name.padEnd(11)} plain ${plain.medianMs.toFixed(1).padStart(6)} ms (min ${plain.minMs.toFixed(1)})` +
        `   guarded ${row.guarded.medianMs.toFixed(1).padStart(6)} ms ${pct(row.guarded.overheadMedian)} (min ${pct(row.guarded.overheadMin)})` +
        `   typed-array slots ${row.typedArraySlots.medianMs.toFixed(1).padStart(6)} ms ${pct(row.typedArraySlots.overheadMedian)} (min ${pct(row.typedArraySlots.overheadMin)})` +
        `   ${row.checksPerCpuSecond} checks/s`,
    );
  }

  // What instrumenting costs at execution time: parsing a cell of a few hundred lines.
  const bigCell = Array.from({ length: 10 }, () => cases.map((c) => `(function () {\n${c.cell}\n})();`).join('\n')).join('\n');
  const instrumentTimes: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    instrumentLoops(ts, bigCell);
    instrumentTimes.push(performance.now() - t);
  }
  const instrumentMs = median(instrumentTimes.slice(5));
  const checked = Number(/sites\((\d+)\)/.exec(instrumentLoops(ts, bigCell))?.[1]);
  console.log(
    `instrumenting a ${bigCell.split('\n').length}-line cell with ${checked} loops and recursive functions: ${instrumentMs.toFixed(2)} ms`,
  );

  const out = {
    date: new Date().toISOString(),
    node: process.version,
    reps: REPS,
    cases: results,
    instrumentCell: { lines: bigCell.split('\n').length, checkedSites: checked, ms: instrumentMs },
  };
  mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench', 'results', 'loop-guard.json'), JSON.stringify(out, null, 2) + '\n');
}

main();
