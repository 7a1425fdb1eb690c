/**
 * tunelab's GPSampler against Optuna 5.0's GPSampler (torch 2.13 CPU), side by side in one run:
 * time per suggestion (study.ask with the sampler's work, as CPU time of each process, which is
 * less sensitive than wall time to other jobs on the two shared cores; wall time is recorded too)
 * near the end of the run, and simple regret (best found minus the known minimum) at checkpoints.
 *
 *   npx tsx bench/gp-vs-optuna.ts [--seeds 5] [--first-seed 0] [--trials 100] [--functions branin,hartmann6]
 *
 * Both run deterministic-objective GPs with their default start-up trials, on seeds first-seed ..
 * first-seed + seeds - 1. Regrets are compared per checkpoint with a two-sided Mann-Whitney test.
 * Writes bench/results/gp-vs-optuna.json; a run on other seeds or a subset of the functions (a closer
 * look at one regret gap) writes gp-vs-optuna-<functions>-seeds<first>-<last>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createStudy } from '../src';
import { GPSampler } from '../src/samplers/gp';
import { BENCHMARKS, PYTHON_BENCHMARKS, type BenchmarkFunction } from './functions';
import { runPythonJson } from './python';
import { mannWhitneyP, median } from './stats';
import { logging as tunelabLogging, setVerbosity } from '../src';

// As on the Optuna side (set_verbosity), no per-trial log lines: writing them would be timed too.
setVerbosity(tunelabLogging.WARNING);

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const N_SEEDS = Number(arg('seeds', '5'));
const FIRST_SEED = Number(arg('first-seed', '0'));
const SEEDS = Array.from({ length: N_SEEDS }, (_, i) => FIRST_SEED + i);
const N_TRIALS = Number(arg('trials', '100'));
const FUNCTIONS = arg('functions', 'branin,hartmann6').split(',');
const CHECKPOINTS = [25, 50, 100, 200].filter((c) => c <= N_TRIALS);
/** Suggestions timed: the last ten of each run. */
const TIMED_FROM = N_TRIALS - 10;

interface Run {
  regret: number[];
  cpuMs: number[];
  wallMs: number[];
}

const OPTUNA_SCRIPT = `
import json, sys, time, warnings
warnings.filterwarnings('ignore')
import optuna, torch
optuna.logging.set_verbosity(optuna.logging.ERROR)
${PYTHON_BENCHMARKS}
cfg = json.load(sys.stdin)
out = {'torch_threads': torch.get_num_threads(), 'optuna': optuna.__version__, 'torch': torch.__version__, 'runs': {}}
for name in cfg['functions']:
    f, bounds, minimum = BENCHMARKS[name]
    runs = []
    for seed in cfg['seeds']:
        study = optuna.create_study(sampler=optuna.samplers.GPSampler(seed=seed, deterministic_objective=True))
        cpu, wall, vals = [], [], []
        for i in range(cfg['trials']):
            c0, w0 = time.process_time(), time.perf_counter()
            trial = study.ask()
            x = [trial.suggest_float('x%d' % d, lo, hi) for d, (lo, hi) in enumerate(bounds)]
            c1, w1 = time.process_time(), time.perf_counter()
            if i >= cfg['timed_from']:
                cpu.append((c1 - c0) * 1000); wall.append((w1 - w0) * 1000)
            v = f(x)
            vals.append(v)
            study.tell(trial, v)
        runs.append({'regret': [min(vals[:c]) - minimum for c in cfg['checkpoints']], 'cpuMs': cpu, 'wallMs': wall})
        print('optuna GP', name, 'seed', seed, 'done', file=sys.stderr, flush=True)
    out['runs'][name] = runs
print(json.dumps(out))
`;

async function tunelabRun(fn: BenchmarkFunction, seed: number): Promise<Run> {
  const study = await createStudy({ sampler: new GPSampler({ seed, deterministicObjective: true }) });
  const cpuMs: number[] = [];
  const wallMs: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < N_TRIALS; i++) {
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    const trial = await study.ask();
    const x = fn.bounds.map(([lo, hi], d) => trial.suggestFloat(`x${d}`, lo, hi));
    const c = process.cpuUsage(c0);
    if (i >= TIMED_FROM) {
      wallMs.push(performance.now() - w0);
      cpuMs.push((c.user + c.system) / 1000);
    }
    const v = fn.f(x);
    vals.push(v);
    await study.tell(trial, v);
  }
  return { regret: CHECKPOINTS.map((c) => Math.min(...vals.slice(0, c)) - fn.minimum), cpuMs, wallMs };
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3));

async function main() {
  const started = Date.now();
  const load = [loadavg()[0]];
  // Optuna first (it is the slow side), then tunelab, so the two never compete for the cores.
  const optuna = await runPythonJson<{ torch_threads: number; optuna: string; torch: string; runs: Record<string, Run[]> }>(OPTUNA_SCRIPT, {
    functions: FUNCTIONS,
    seeds: SEEDS,
    trials: N_TRIALS,
    checkpoints: CHECKPOINTS,
    timed_from: TIMED_FROM,
  });
  load.push(loadavg()[0]);
  const tunelab: Record<string, Run[]> = {};
  for (const name of FUNCTIONS) {
    const fn = BENCHMARKS.find((b) => b.name === name);
    if (!fn) throw new Error(`unknown function ${name}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
    tunelab[name] = [];
    for (const seed of SEEDS) tunelab[name].push(await tunelabRun(fn, seed));
  }
  load.push(loadavg()[0]);

  const lines = [
    `GP suggestion time near trial ${N_TRIALS} (median CPU ms over the last 10 suggestions of seeds ${FIRST_SEED}-${FIRST_SEED + N_SEEDS - 1}) and median regret (Mann-Whitney p of the two regret samples); Optuna ${optuna.optuna}, torch ${optuna.torch} with ${optuna.torch_threads} threads.`,
    '',
    `| function | tunelab CPU ms | Optuna CPU ms | ratio | tunelab wall ms | Optuna wall ms | ${CHECKPOINTS.map((c) => `regret@${c} tunelab / Optuna (p)`).join(' | ')} |`,
    `|---|---:|---:|---:|---:|---:|${CHECKPOINTS.map(() => '---|').join('')}`,
  ];
  const summary: Record<string, unknown> = {};
  for (const name of FUNCTIONS) {
    const t = tunelab[name];
    const o = optuna.runs[name];
    const tCpu = median(t.flatMap((r) => r.cpuMs));
    const oCpu = median(o.flatMap((r) => r.cpuMs));
    const tWall = median(t.flatMap((r) => r.wallMs));
    const oWall = median(o.flatMap((r) => r.wallMs));
    const regrets = CHECKPOINTS.map((_, k) => [median(t.map((r) => r.regret[k])), median(o.map((r) => r.regret[k]))]);
    const pValues = CHECKPOINTS.map((_, k) =>
      mannWhitneyP(
        t.map((r) => r.regret[k]),
        o.map((r) => r.regret[k]),
      ),
    );
    summary[name] = {
      tunelabCpuMs: tCpu,
      optunaCpuMs: oCpu,
      ratio: oCpu / tCpu,
      tunelabWallMs: tWall,
      optunaWallMs: oWall,
      medianRegret: regrets,
      regretMannWhitneyP: pValues,
    };
    lines.push(
      `| ${name} | ${fmt(tCpu)} | ${fmt(oCpu)} | ${(oCpu / tCpu).toFixed(1)}x | ${fmt(tWall)} | ${fmt(oWall)} | ${regrets.map(([a, b], k) => `${fmt(a)} / ${fmt(b)} (${pValues[k].toFixed(2)})`).join(' | ')} |`,
    );
  }
  console.log(lines.join('\n'));
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const whole = FIRST_SEED === 0 && FUNCTIONS.join() === 'branin,hartmann6';
  const file = whole ? 'gp-vs-optuna.json' : `gp-vs-optuna-${FUNCTIONS.join('-')}-seeds${FIRST_SEED}-${FIRST_SEED + N_SEEDS - 1}.json`;
  writeFileSync(
    join(dir, file),
    JSON.stringify(
      {
        seeds: SEEDS,
        trials: N_TRIALS,
        checkpoints: CHECKPOINTS,
        summary,
        loadAverage: load,
        wallSeconds: (Date.now() - started) / 1000,
        raw: { tunelab, optuna },
      },
      null,
      1,
    ),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
