// Kernel round-trip latency and memory: the tunelab kernel against stock tslab, side by side.
//
// Both kernels run at once and take turns cell by cell, so load from other processes on the
// machine hits both alike. A round trip is execute_request sent -> execute_reply and the idle
// status received, for the trivial cell `1 + 1`, and then, in a second run, for a cell that calls a
// function (`Math.max(1, 2)`): tunelab skips Node's SIGINT watchdog for cells that cannot call out
// of themselves (kernel/interrupt/sigintWatchdog.ts), so the second cell shows the cost of every other cell.
// Memory is the kernel process's resident set
// (VmRSS from /proc) after the warm-up and after every block, up to 1,000 cells.
//
// Run: npx tsx bench/kernel-latency.ts   (build first: npm run build)
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { KernelClient } from '../kernel/runner/client';

const ROOT = path.resolve(__dirname, '..');
const CELLS = Number(process.env.CELLS ?? 1000);
const BLOCK = 100;
const WARMUP = 20;

interface Side {
  name: string;
  argv: string[];
  client?: KernelClient;
  latenciesMs: number[];
  callLatenciesMs: number[];
  rssMiB: Array<{ cells: number; rss: number }>;
  heapMiB?: { afterWarmup: number; afterCells: number };
}

/** The kernel's live JS heap after a full GC (kernels run with --expose-gc), read by a cell. */
async function liveHeapMiB(k: KernelClient): Promise<number> {
  const r = await k.execute('(globalThis as any).gc();\nprocess.memoryUsage().heapUsed');
  // tslab prints the last value on stdout; tunelab returns an execute_result.
  const texts = r.iopub
    .filter((m) => m.header.msg_type === 'stream' || m.header.msg_type === 'execute_result')
    .map((m) => String(m.content.text ?? (m.content.data as Record<string, unknown>)['text/plain']));
  const n = Number(texts.join('').trim());
  if (!Number.isFinite(n)) throw new Error(`could not read the heap size from ${JSON.stringify(texts)}`);
  return n / 1048576;
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

const TRIVIAL_CELL = '1 + 1';
const CALL_CELL = 'Math.max(1, 2)';

async function roundTrip(k: KernelClient, code = TRIVIAL_CELL): Promise<number> {
  const t = process.hrtime.bigint();
  const r = await k.execute(code);
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.reply.content.status !== 'ok') throw new Error(`cell failed: ${JSON.stringify(r.reply.content)}`);
  return ms;
}

async function main(): Promise<void> {
  const sides: Side[] = [
    {
      name: 'tunelab',
      argv: [process.execPath, '--expose-gc', path.join(ROOT, 'bin', 'tunelab.js'), 'kernel', '--connection-file', '{connection_file}'],
      latenciesMs: [],
      callLatenciesMs: [],
      rssMiB: [],
    },
    {
      name: 'tslab',
      argv: [
        process.execPath,
        '--expose-gc',
        path.join(ROOT, 'node_modules', 'tslab', 'bin', 'tslab'),
        'kernel',
        '--config-path',
        '{connection_file}',
      ],
      latenciesMs: [],
      callLatenciesMs: [],
      rssMiB: [],
    },
  ];
  // kernel_info round trips: the wire layer alone, without executing anything.
  const wireMs: Record<string, number[]> = { tunelab: [], tslab: [] };
  const startup: Record<string, number> = {};
  for (const s of sides) {
    const t = Date.now();
    s.client = await KernelClient.start({ argv: s.argv, cwd: ROOT });
    s.client.keepIopubLog = false;
    startup[s.name] = Date.now() - t;
    for (let i = 0; i < WARMUP; i++) await roundTrip(s.client);
    s.heapMiB = { afterWarmup: await liveHeapMiB(s.client), afterCells: NaN };
    s.rssMiB.push({ cells: 0, rss: rssMiB(s.client.process.pid!) });
  }
  for (let done = 0; done < CELLS; done += BLOCK) {
    for (let i = 0; i < BLOCK; i++) {
      for (const s of sides) s.latenciesMs.push(await roundTrip(s.client!));
    }
    for (const s of sides) s.rssMiB.push({ cells: done + BLOCK, rss: rssMiB(s.client!.process.pid!) });
    process.stderr.write(`\r${done + BLOCK}/${CELLS} cells`);
  }
  process.stderr.write('\n');
  for (const s of sides) s.heapMiB!.afterCells = await liveHeapMiB(s.client!);
  // Then the cell with a call, in a run of its own: a cell that differs from the one before makes
  // the converter type-check anew, so interleaving the two would measure something else.
  for (const s of sides) for (let i = 0; i < WARMUP; i++) await roundTrip(s.client!, CALL_CELL);
  for (let i = 0; i < CELLS; i++) {
    for (const s of sides) s.callLatenciesMs.push(await roundTrip(s.client!, CALL_CELL));
  }
  for (let i = 0; i < 200; i++) {
    for (const s of sides) {
      const t = process.hrtime.bigint();
      await s.client!.request('shell', 'kernel_info_request', {});
      wireMs[s.name].push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }
  for (const s of sides) await s.client!.shutdown();

  const summary = sides.map((s) => ({
    kernel: s.name,
    startupMs: startup[s.name],
    medianMs: quantile(s.latenciesMs, 0.5),
    p90Ms: quantile(s.latenciesMs, 0.9),
    callCellMedianMs: quantile(s.callLatenciesMs, 0.5),
    meanMs: s.latenciesMs.reduce((a, b) => a + b, 0) / s.latenciesMs.length,
    kernelInfoMedianMs: quantile(wireMs[s.name], 0.5),
    rssAfterWarmupMiB: s.rssMiB[0].rss,
    rssAfterCellsMiB: s.rssMiB.at(-1)!.rss,
    rssGrowthMiB: s.rssMiB.at(-1)!.rss - s.rssMiB[0].rss,
    liveHeapAfterWarmupMiB: s.heapMiB!.afterWarmup,
    liveHeapAfterCellsMiB: s.heapMiB!.afterCells,
    rssByBlock: s.rssMiB,
  }));
  const [ours, peer] = summary;
  const ratio = ours.medianMs / peer.medianMs;
  const callRatio = ours.callCellMedianMs / peer.callCellMedianMs;
  console.log(
    `cells per kernel: ${CELLS} of each (plus ${WARMUP} warm-up): trivial cell "${TRIVIAL_CELL}", cell with a call "${CALL_CELL}"`,
  );
  console.log('kernel   startup   median    p90      mean   kernel_info  RSS warm  RSS end  growth');
  for (const s of summary) {
    console.log(
      `${s.kernel.padEnd(8)} ${(s.startupMs / 1000).toFixed(1).padStart(5)} s ${s.medianMs.toFixed(1).padStart(6)} ms ${s.p90Ms
        .toFixed(1)
        .padStart(
          6,
        )} ms ${s.meanMs.toFixed(1).padStart(6)} ms ${s.kernelInfoMedianMs.toFixed(2).padStart(6)} ms ${s.rssAfterWarmupMiB.toFixed(0).padStart(5)} MiB ${s.rssAfterCellsMiB
        .toFixed(0)
        .padStart(5)} MiB ${s.rssGrowthMiB.toFixed(0).padStart(4)} MiB`,
    );
  }
  for (const s of summary) {
    console.log(
      `${s.kernel.padEnd(8)} live heap after GC: ${s.liveHeapAfterWarmupMiB.toFixed(1)} MiB after warm-up, ${s.liveHeapAfterCellsMiB.toFixed(1)} MiB after ${CELLS} cells`,
    );
  }
  console.log(`median round trip, tunelab / tslab: ${ratio.toFixed(2)}x for "${TRIVIAL_CELL}"`);
  console.log(
    `cell with a call: median ${ours.callCellMedianMs.toFixed(2)} ms vs ${peer.callCellMedianMs.toFixed(2)} ms, tunelab / tslab: ${callRatio.toFixed(2)}x`,
  );
  mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(
    path.join(ROOT, 'bench', 'results', 'kernel-latency.json'),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        cells: CELLS,
        warmup: WARMUP,
        cell: TRIVIAL_CELL,
        medianRatio: ratio,
        callCell: CALL_CELL,
        callCellMedianRatio: callRatio,
        kernels: summary,
      },
      null,
      2,
    ) + '\n',
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
