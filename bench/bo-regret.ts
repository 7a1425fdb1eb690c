/**
 * Simple regret of tunelab's GP, CMA-ES and TPE samplers against Optuna 5.0's TPE and CMA-ES, side
 * by side in one run: median (and quartiles) over seeds of best-found minus known minimum after 50
 * and 100 trials, on Branin, Hartmann-3, Hartmann-6, Rosenbrock-4D and Ackley-5D; plus the GP's
 * suggest time at 200 trials.
 *
 *   npx tsx bench/bo-regret.ts [--seeds 20] [--trials 100]
 *   npx tsx bench/bo-regret.ts --timing-only   (re-measure only the suggest time)
 *
 * Writes bench/results/bo-regret.json. Optuna runs in a Python subprocess (the pinned environment) concurrently
 * with the tunelab runs (the two cores are shared, so wall times are indicative only).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createStudy, type Sampler } from '../src';
import { CmaEsSampler } from '../src/samplers/cmaes';
import { GPSampler } from '../src/samplers/gp';
import { TPESampler } from '../src/samplers/tpe';
import { BENCHMARKS, PYTHON_BENCHMARKS, type BenchmarkFunction } from './functions';
import { runPythonJson } from './python';
import { logging as tunelabLogging, setVerbosity } from '../src';
import { numberArg } from './args';

// As on the Optuna side (set_verbosity), no per-trial log lines: writing them would be timed too.
setVerbosity(tunelabLogging.WARNING);

const N_SEEDS = numberArg('seeds', 20);
const N_TRIALS = numberArg('trials', 100);
const CHECKPOINTS = [50, 100].filter((c) => c <= N_TRIALS);

const TUNELAB: Record<string, (seed: number) => Sampler> = {
  'tunelab GP': (seed) => new GPSampler({ seed, deterministicObjective: true }),
  'tunelab CMA-ES': (seed) => new CmaEsSampler({ seed }),
  'tunelab TPE': (seed) => new TPESampler({ seed }),
};

const OPTUNA_SCRIPT = `
import json, sys, warnings, time
warnings.filterwarnings('ignore')
import optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
${PYTHON_BENCHMARKS}
cfg = json.load(sys.stdin)
out = {}
for name in cfg['functions']:
    f, bounds, minimum = BENCHMARKS[name]
    for label, make in [('Optuna TPE', lambda s: optuna.samplers.TPESampler(seed=s)),
                        ('Optuna CMA-ES', lambda s: optuna.samplers.CmaEsSampler(seed=s))]:
        runs = []
        t0 = time.time()
        for seed in range(cfg['seeds']):
            study = optuna.create_study(sampler=make(seed))
            study.optimize(lambda t: f([t.suggest_float('x%d' % i, lo, hi) for i, (lo, hi) in enumerate(bounds)]), n_trials=cfg['trials'])
            vals = [t.value for t in study.trials]
            runs.append([min(vals[:c]) - minimum for c in cfg['checkpoints']])
        out.setdefault(name, {})[label] = {'regret': runs, 'seconds': time.time() - t0}
        print('optuna', name, label, 'done', file=sys.stderr, flush=True)
print(json.dumps(out))
`;

function runOptuna(): Promise<Record<string, Record<string, { regret: number[][]; seconds: number }>>> {
  return runPythonJson(OPTUNA_SCRIPT, {
    functions: BENCHMARKS.map((b) => b.name),
    seeds: N_SEEDS,
    trials: N_TRIALS,
    checkpoints: CHECKPOINTS,
  });
}

async function runTunelab(fn: BenchmarkFunction, make: (seed: number) => Sampler, seed: number): Promise<number[]> {
  const study = await createStudy({ sampler: make(seed) });
  await study.optimize((t) => fn.f(fn.bounds.map(([lo, hi], i) => t.suggestFloat(`x${i}`, lo, hi))), {
    nTrials: N_TRIALS,
    showProgressBar: false,
  });
  const vals = study.trials.map((t) => t.values![0]);
  return CHECKPOINTS.map((c) => Math.min(...vals.slice(0, c)) - fn.minimum);
}

interface Timing {
  medianMs: number;
  meanMs: number;
  p90Ms: number;
  cpuMedianMs: number;
  cpuMeanMs: number;
}

/**
 * GP suggest time (study.ask, which runs the sampler) for trials 180..199 of a 200-trial run, as
 * wall time and as this process's CPU time (less sensitive to other jobs on the shared cores).
 */
async function gpSuggestTiming(fn: BenchmarkFunction): Promise<Timing> {
  const study = await createStudy({ sampler: new GPSampler({ seed: 0, deterministicObjective: true }) });
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 200; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const trial = await study.ask();
    const x = fn.bounds.map(([lo, hi], d) => trial.suggestFloat(`x${d}`, lo, hi));
    const c = process.cpuUsage(c0);
    if (i >= 180) {
      wall.push(performance.now() - t0);
      cpu.push((c.user + c.system) / 1000);
    }
    await study.tell(trial, fn.f(x));
  }
  const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  return {
    medianMs: med(wall),
    meanMs: mean(wall),
    p90Ms: [...wall].sort((a, b) => a - b)[Math.floor(wall.length * 0.9)],
    cpuMedianMs: med(cpu),
    cpuMeanMs: mean(cpu),
  };
}

/** CPU ms for a fixed arithmetic loop, to tell how loaded the shared machine was during timing. */
function calibrationMs(): number {
  const a = new Float64Array(200_000);
  const c0 = process.cpuUsage();
  for (let r = 0; r < 100; r++) for (let i = 0; i < a.length; i++) a[i] = a[i] * 0.999 + 1e-3;
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

const quantile = (v: number[], q: number) => {
  const s = [...v].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
};

/** `--timing-only`: re-measure the GP suggest time and update it in an existing results file. */
async function timingOnly() {
  const file = join(__dirname, 'results', 'bo-regret.json');
  const prev = JSON.parse(readFileSync(file, 'utf8'));
  const timing: Record<string, Timing> = {};
  const calibrationBefore = calibrationMs();
  for (const name of ['branin', 'hartmann6']) timing[name] = await gpSuggestTiming(BENCHMARKS.find((b) => b.name === name)!);
  const calibration = { beforeMs: calibrationBefore, afterMs: calibrationMs(), loadAverage: loadavg() };
  console.log(JSON.stringify({ timing, calibration }, null, 1));
  writeFileSync(file, JSON.stringify({ ...prev, timing, calibration }, null, 1));
}

async function main() {
  if (process.argv.includes('--timing-only')) return timingOnly();
  const started = Date.now();
  const optunaPromise = runOptuna();
  const tunelab: Record<string, Record<string, { regret: number[][]; seconds: number }>> = {};
  for (const fn of BENCHMARKS) {
    tunelab[fn.name] = {};
    for (const [label, make] of Object.entries(TUNELAB)) {
      const t0 = Date.now();
      const runs: number[][] = [];
      for (let seed = 0; seed < N_SEEDS; seed++) runs.push(await runTunelab(fn, make, seed));
      tunelab[fn.name][label] = { regret: runs, seconds: (Date.now() - t0) / 1000 };
      console.error(`tunelab ${fn.name} ${label} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  }
  const optuna = await optunaPromise;
  const timing: Record<string, Timing> = {};
  const calibrationBefore = calibrationMs();
  for (const name of ['branin', 'hartmann6']) timing[name] = await gpSuggestTiming(BENCHMARKS.find((b) => b.name === name)!);
  const calibration = { beforeMs: calibrationBefore, afterMs: calibrationMs(), loadAverage: loadavg() };

  const labels = [...Object.keys(TUNELAB), 'Optuna TPE', 'Optuna CMA-ES'];
  const summary: Record<string, Record<string, Record<string, { median: number; q25: number; q75: number }>>> = {};
  const lines: string[] = [];
  for (const c of CHECKPOINTS) {
    lines.push(`\n#### Median simple regret after ${c} trials (${N_SEEDS} seeds; quartiles in brackets)\n`);
    lines.push(`| function | ${labels.join(' | ')} | GP vs Optuna TPE |`);
    lines.push(`|---|${labels.map(() => '---').join('|')}|---|`);
    const ci = CHECKPOINTS.indexOf(c);
    for (const fn of BENCHMARKS) {
      const row: string[] = [];
      const med: Record<string, number> = {};
      for (const label of labels) {
        const entry = (tunelab[fn.name][label] ?? optuna[fn.name][label])!;
        const vals = entry.regret.map((r) => r[ci]);
        const s = { median: quantile(vals, 0.5), q25: quantile(vals, 0.25), q75: quantile(vals, 0.75) };
        ((summary[`${c}`] ??= {})[fn.name] ??= {})[label] = s;
        med[label] = s.median;
        row.push(`${fmt(s.median)} [${fmt(s.q25)}, ${fmt(s.q75)}]`);
      }
      const ratio = med['Optuna TPE'] / med['tunelab GP'];
      lines.push(`| ${fn.name} | ${row.join(' | ')} | ${ratio >= 1 ? `${fmt(ratio)}x lower` : `${fmt(1 / ratio)}x higher`} |`);
    }
  }
  lines.push(
    `\nGP suggest time (study.ask, trials 180-199 of a 200-trial run): ` +
      Object.entries(timing)
        .map(
          ([k, t]) =>
            `${k}: wall median ${t.medianMs.toFixed(1)} ms, mean ${t.meanMs.toFixed(1)} ms, p90 ${t.p90Ms.toFixed(1)} ms; ` +
            `CPU median ${t.cpuMedianMs.toFixed(1)} ms, mean ${t.cpuMeanMs.toFixed(1)} ms`,
        )
        .join(' | ') +
      `\nCalibration loop (20M multiply-adds): ${calibration.beforeMs.toFixed(0)} / ${calibration.afterMs.toFixed(0)} ms CPU; load average ${calibration.loadAverage.map((v) => v.toFixed(1)).join(', ')}`,
  );
  const table = lines.join('\n');
  console.log(table);
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(
    join(__dirname, 'results', 'bo-regret.json'),
    JSON.stringify(
      {
        seeds: N_SEEDS,
        trials: N_TRIALS,
        checkpoints: CHECKPOINTS,
        summary,
        timing,
        calibration,
        raw: { tunelab, optuna },
        wallSeconds: (Date.now() - started) / 1000,
      },
      null,
      1,
    ),
  );
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 1) return v.toFixed(2);
  if (a >= 1e-3) return v.toFixed(4);
  return v.toExponential(1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
