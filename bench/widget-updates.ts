/**
 * Kernel-side cost of widget updates, and how many comm messages they turn into.
 *
 *  1. 10,000 rapid `progress.value = i` assignments on an IntProgress: tunelab (coalesced to <= 20
 *     messages/s), tunelab with coalescing off (interval 0: one message per change), and the peer,
 *     ipywidgets 8 (the pinned Python environment), whose traitlets sync sends one comm message per assignment.
 *  2. A 10,000-trial study with a trivial objective: optimize() with the live StudyMonitor + history
 *     plot against optimize() with showProgressBar: false — the per-trial overhead the widgets add.
 *
 * Every message is JSON-serialised on both sides (what a kernel does before signing and sending),
 * then dropped: the cost measured is the widget library's, not the socket's.
 * Run: npx tsx bench/widget-updates.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStudy, RandomSampler } from '../src';
import { setDefaultObserverFactory, terminalProgressFactory } from '../src/progress';
import { installWidgetSupport, IntProgress, setCommTransport, setThrottleDefaults, widgetRegistry } from '../widgets/kernel';
import type { CommHandle, CommTransport, JsonObject } from '../widgets/kernel/transport';
import { PYTHON } from '../test/helpers/python';
import { logging as tunelabLogging, setVerbosity } from '../src';

// As on the Optuna side (set_verbosity), no per-trial log lines: writing them would be timed too.
setVerbosity(tunelabLogging.WARNING);

const N = 10_000;

class CountingTransport implements CommTransport {
  counts: Record<string, number> = {};
  bytes = 0;
  private next = 0;
  private count(kind: string, payload: unknown): void {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
    this.bytes += JSON.stringify(payload).length;
  }
  openComm(targetName: string, data: JsonObject): CommHandle {
    this.count('comm_open', data);
    const id = `c${++this.next}`;
    return {
      commId: id,
      targetName,
      send: (d: JsonObject) => {
        this.count(`msg:${String(d.method)}`, d);
      },
      close() {},
      onMsg() {},
      onClose() {},
    };
  }
  registerTarget(): void {}
  display(bundle: JsonObject): void {
    this.count('display', bundle);
  }
  updateDisplay(bundle: JsonObject): void {
    this.count('update_display', bundle);
  }
  reset(): void {
    this.counts = {};
    this.bytes = 0;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function rapidUpdates(intervalMs: number): { ms: number; messages: number } {
  const t = new CountingTransport();
  setCommTransport(t);
  setThrottleDefaults({ intervalMs });
  const p = new IntProgress({ max: N });
  t.reset();
  const start = process.hrtime.bigint();
  for (let i = 1; i <= N; i++) p.value = i;
  p.flush(); // the last state always goes out
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  p.close();
  return { ms, messages: t.counts['msg:update'] ?? 0 };
}

function ipywidgetsPeer(): { ms: number; messages: number; version: string } | { error: string } {
  const script = `
import json, time
import comm
import ipywidgets as w
sent = [0]
# ipywidgets 8 opens its comms through the comm package's replaceable factory (what ipykernel
# installs in a kernel): count each message and serialise it, as a kernel would before sending.
class CountingComm(comm.base_comm.BaseComm):
    def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
        json.dumps(data)
        sent[0] += 1
comm.create_comm = lambda *a, **k: CountingComm(*a, **k)
times = []
for rep in range(3):
    p = w.IntProgress(max=${N})
    sent[0] = 0
    t = time.perf_counter()
    for i in range(1, ${N} + 1):
        p.value = i
    times.append((time.perf_counter() - t) * 1000)
    n = sent[0]
times.sort()
print(json.dumps({"ms": times[1], "messages": n, "version": w.__version__}))
`;
  try {
    return JSON.parse(execFileSync(PYTHON, ['-c', script], { encoding: 'utf8' }).trim());
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0] };
  }
}

async function studyOverhead(withWidgets: boolean): Promise<{ ms: number; counts: Record<string, number>; bytes: number }> {
  const t = new CountingTransport();
  setThrottleDefaults({ intervalMs: 50 });
  if (withWidgets) installWidgetSupport(t);
  else setCommTransport(null);
  const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
  const start = process.hrtime.bigint();
  await study.optimize((trial) => trial.suggestFloat('x', -1, 1) ** 2, { nTrials: N, showProgressBar: withWidgets });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  setCommTransport(null);
  setDefaultObserverFactory(terminalProgressFactory);
  for (const w of [...widgetRegistry().values()]) w.close();
  return { ms, counts: t.counts, bytes: t.bytes };
}

async function main(): Promise<void> {
  const reps = 5;
  const coalesced = Array.from({ length: reps }, () => rapidUpdates(50));
  const naive = Array.from({ length: reps }, () => rapidUpdates(0));
  setCommTransport(null);
  const peer = ipywidgetsPeer();
  const plain: number[] = [];
  const live: Array<{ ms: number; counts: Record<string, number>; bytes: number }> = [];
  for (let i = 0; i < 3; i++) {
    plain.push((await studyOverhead(false)).ms);
    live.push(await studyOverhead(true));
  }
  const liveMs = median(live.map((l) => l.ms));
  const liveRun = live.find((l) => l.ms === liveMs)!;
  const result = {
    n: N,
    rapidUpdates: {
      tunelabCoalesced: { ms: median(coalesced.map((c) => c.ms)), messages: median(coalesced.map((c) => c.messages)) },
      tunelabUncoalesced: { ms: median(naive.map((c) => c.ms)), messages: median(naive.map((c) => c.messages)) },
      ipywidgets: peer,
    },
    study: {
      trials: N,
      withoutWidgetsMs: median(plain),
      withWidgetsMs: liveMs,
      overheadPerTrialUs: ((liveMs - median(plain)) * 1000) / N,
      messages: liveRun.counts,
      bytes: liveRun.bytes,
    },
  };
  console.log(JSON.stringify(result, null, 2));
  const r = result.rapidUpdates;
  console.log('\n| case | time | comm messages |');
  console.log('|---|---|---|');
  console.log(`| tunelab, coalesced (default) | ${r.tunelabCoalesced.ms.toFixed(1)} ms | ${r.tunelabCoalesced.messages} |`);
  console.log(`| tunelab, coalescing off | ${r.tunelabUncoalesced.ms.toFixed(1)} ms | ${r.tunelabUncoalesced.messages} |`);
  if ('ms' in peer) console.log(`| ipywidgets ${peer.version} (Python) | ${peer.ms.toFixed(1)} ms | ${peer.messages} |`);
  const s = result.study;
  console.log(
    `\nstudy of ${N} trials: ${s.withoutWidgetsMs.toFixed(0)} ms without widgets, ${s.withWidgetsMs.toFixed(0)} ms with the live monitor + history (${s.overheadPerTrialUs.toFixed(1)} µs/trial), messages ${JSON.stringify(s.messages)}`,
  );
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'widget-updates.json'), JSON.stringify({ date: new Date().toISOString(), ...result }, null, 2) + '\n');
}

void main();
