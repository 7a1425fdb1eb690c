/**
 * Sampler overhead: milliseconds per trial of TPE (seed 0, Optuna's defaults) on Branin with
 * in-memory storage, tunelab vs Optuna 5.0, in one run. The objective costs microseconds, so the
 * figure is the sampler plus the study's own bookkeeping.
 *
 *   npx tsx bench/sampler-overhead.ts [--optuna-window 50]
 *
 * - 100 and 1,000 trials: full runs from an empty study; ms/trial = total time / trials, the median
 *   of several runs (tunelab: 9 runs of 100 and 3 of 1,000; Optuna: 3 runs of 100 and 1 of 1,000).
 * - 10,000 trials: tunelab runs all 10,000 (reported: the average, and the ms/trial of each
 *   successive 1,000 trials, the last of which is the figure at 10,000). Optuna would need hours,
 *   so both libraries also get the same "window" test: a study pre-filled with the same 9,000
 *   random Branin trials (Optuna: `add_trial`; tunelab: enqueued fixed-parameter trials), then
 *   TPE's ms/trial over the next trials (tunelab: 1,000, Optuna: `--optuna-window`, default 50).
 * Both wall-clock and process CPU time are recorded; the machine's 2 cores are shared with other
 * jobs, so CPU time is the steadier measure and the ratios use it (wall ratios are printed too).
 * tunelab gets a 1,000-trial warm-up study first (V8 compiles hot code on first use).
 * Writes bench/results/sampler-overhead.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStudy, Rng, TPESampler, type Trial } from '../src';
import { branin, PYTHON_BENCHMARKS } from './functions';
import { PYTHON } from '../test/helpers/python';
import { logging as tunelabLogging, setVerbosity } from '../src';

// As on the Optuna side (set_verbosity), no per-trial log lines: writing them would be timed too.
setVerbosity(tunelabLogging.WARNING);

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const OPTUNA_WINDOW = arg('optuna-window', 50);
const PREFILL = 9000;
const TUNELAB_WINDOW = 1000;

const objective = (t: Trial) => branin([t.suggestFloat('x', -5, 10), t.suggestFloat('y', 0, 15)]);

interface Timing {
  trials: number;
  wallMsPerTrial: number;
  cpuMsPerTrial: number;
}

function clock() {
  const w = performance.now();
  const c = process.cpuUsage();
  return (n: number): Timing => {
    const cu = process.cpuUsage(c);
    return { trials: n, wallMsPerTrial: (performance.now() - w) / n, cpuMsPerTrial: (cu.user + cu.system) / 1000 / n };
  };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];

/** The run with the median CPU time among `repeats` runs. */
interface TunelabRun {
  total: Timing;
  lastWindow?: Timing;
  /** Each successive 1,000 trials (runs longer than 1,000 trials): how the cost grows. */
  windows?: Timing[];
  best: number;
}

async function tunelabMedian(n: number, repeats: number): Promise<TunelabRun> {
  const runs = [];
  for (let r = 0; r < repeats; r++) runs.push(await tunelabRun(n));
  const m = median(runs.map((x) => x.total.cpuMsPerTrial));
  return runs.find((x) => x.total.cpuMsPerTrial === m)!;
}

async function tunelabRun(n: number): Promise<TunelabRun> {
  const study = await createStudy({ sampler: new TPESampler({ seed: 0 }) });
  let windowClock = clock();
  const windows: Timing[] = [];
  const stop = clock();
  await study.optimize(objective, {
    nTrials: n,
    showProgressBar: false,
    callbacks:
      n > TUNELAB_WINDOW
        ? [
            (_s, t) => {
              if ((t.number + 1) % TUNELAB_WINDOW !== 0) return;
              windows.push(windowClock(TUNELAB_WINDOW));
              windowClock = clock();
            },
          ]
        : [],
  });
  const total = stop(n);
  if (n <= TUNELAB_WINDOW) return { total, best: study.bestValue };
  return { total, lastWindow: windows[windows.length - 1], windows, best: study.bestValue };
}

function prefillPoints(): Array<[number, number, number]> {
  const rng = new Rng(12345);
  return Array.from({ length: PREFILL }, () => {
    const x = rng.uniform(-5, 10);
    const y = rng.uniform(0, 15);
    return [x, y, branin([x, y])];
  });
}

async function tunelabWindow(points: Array<[number, number, number]>): Promise<Timing> {
  const study = await createStudy({ sampler: new TPESampler({ seed: 0 }) });
  for (const [x, y] of points) await study.enqueueTrial({ x, y });
  await study.optimize(objective, { nTrials: PREFILL, showProgressBar: false });
  const stop = clock();
  await study.optimize(objective, { nTrials: TUNELAB_WINDOW, showProgressBar: false });
  return stop(TUNELAB_WINDOW);
}

const OPTUNA_SCRIPT = `
import json, sys, time, warnings
warnings.filterwarnings('ignore')
import optuna
from optuna.distributions import FloatDistribution
optuna.logging.set_verbosity(optuna.logging.ERROR)
${PYTHON_BENCHMARKS}
cfg = json.load(sys.stdin)
def objective(t):
    return branin([t.suggest_float('x', -5, 10), t.suggest_float('y', 0, 15)])
def timed(study, n):
    w = time.perf_counter(); c = time.process_time()
    study.optimize(objective, n_trials=n)
    return {'trials': n, 'wallMsPerTrial': (time.perf_counter() - w) * 1000 / n, 'cpuMsPerTrial': (time.process_time() - c) * 1000 / n}
out = {'version': optuna.__version__, 'runs': {}}
for n, repeats in cfg['sizes']:
    runs = []
    for _ in range(repeats):
        s = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
        r = timed(s, n)
        r['best'] = s.best_value
        runs.append(r)
    runs.sort(key=lambda r: r['cpuMsPerTrial'])
    out['runs'][str(n)] = runs[len(runs) // 2]
s = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
dists = {'x': FloatDistribution(-5, 10), 'y': FloatDistribution(0, 15)}
s.add_trials([optuna.trial.create_trial(params={'x': x, 'y': y}, distributions=dists, value=v) for x, y, v in cfg['prefill']])
out['window'] = timed(s, cfg['window'])
print(json.dumps(out))
`;

function fmt(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(3);
}

(async () => {
  const points = prefillPoints();
  await tunelabRun(1000); // warm-up
  const tunelab: Record<string, TunelabRun> = {};
  for (const [n, repeats] of [
    [100, 9],
    [1000, 3],
    [10000, 1],
  ]) {
    tunelab[n] = await tunelabMedian(n, repeats);
    console.log(
      `tunelab TPE ${n} trials: ${fmt(tunelab[n].total.cpuMsPerTrial)} ms/trial CPU, ${fmt(tunelab[n].total.wallMsPerTrial)} wall`,
    );
  }
  const tunelabPrefilled = await tunelabWindow(points);
  console.log(
    `tunelab TPE trials ${PREFILL}-${PREFILL + TUNELAB_WINDOW} after prefill: ${fmt(tunelabPrefilled.cpuMsPerTrial)} ms/trial CPU`,
  );

  console.log('running Optuna 5.0 (100 and 1,000 trials, then the prefilled window)...');
  const r = spawnSync(PYTHON, ['-c', OPTUNA_SCRIPT], {
    input: JSON.stringify({
      sizes: [
        [100, 3],
        [1000, 1],
      ],
      prefill: points,
      window: OPTUNA_WINDOW,
    }),
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`Optuna run failed:\n${r.stderr}`);
  const optuna = JSON.parse(r.stdout) as { version: string; runs: Record<string, Timing & { best: number }>; window: Timing };

  const rows = [
    { case: '100 trials', t: tunelab[100].total, o: optuna.runs['100'] },
    { case: '1,000 trials', t: tunelab[1000].total, o: optuna.runs['1000'] },
    { case: `10,000 trials (window ${PREFILL}+ after prefill)`, t: tunelabPrefilled, o: optuna.window },
  ];
  console.log('\n| case | tunelab ms/trial (CPU) | Optuna ms/trial (CPU) | ratio CPU | tunelab wall | Optuna wall | ratio wall |');
  console.log('|---|---|---|---|---|---|---|');
  for (const { case: c, t, o } of rows) {
    console.log(
      `| ${c} | ${fmt(t.cpuMsPerTrial)} | ${fmt(o.cpuMsPerTrial)} | ${(o.cpuMsPerTrial / t.cpuMsPerTrial).toFixed(0)}x | ${fmt(t.wallMsPerTrial)} | ${fmt(o.wallMsPerTrial)} | ${(o.wallMsPerTrial / t.wallMsPerTrial).toFixed(0)}x |`,
    );
  }
  console.log(
    `tunelab full 10,000-trial run: ${fmt(tunelab[10000].total.cpuMsPerTrial)} ms/trial CPU on average, ` +
      `${fmt(tunelab[10000].lastWindow!.cpuMsPerTrial)} over trials 9,000-9,999.`,
  );
  console.log(`  per 1,000 trials (CPU ms/trial): ${tunelab[10000].windows!.map((w) => fmt(w.cpuMsPerTrial)).join(', ')}`);
  const result = {
    date: new Date().toISOString(),
    machine: '2 cores shared with other jobs',
    optunaVersion: optuna.version,
    tunelab: { runs: tunelab, prefilledWindow: tunelabPrefilled },
    optuna,
    ratiosCpu: Object.fromEntries(rows.map(({ case: c, t, o }) => [c, o.cpuMsPerTrial / t.cpuMsPerTrial])),
    ratiosWall: Object.fromEntries(rows.map(({ case: c, t, o }) => [c, o.wallMsPerTrial / t.wallMsPerTrial])),
  };
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', 'sampler-overhead.json'), JSON.stringify(result, null, 2) + '\n');
})();
