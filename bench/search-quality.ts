/**
 * Search quality: median simple regret (best value found minus the known minimum) after 100 trials
 * over 20 seeds, on Branin, Hartmann-3, Hartmann-6, Rosenbrock-4D and Ackley-5D, for tunelab's
 * Random, QMC and TPE samplers and Optuna 5.0's Random and TPE samplers, in one run. Both sides use
 * the same function definitions (bench/functions.ts) and each library's default settings.
 *
 *   npx tsx bench/search-quality.ts [--seeds 20] [--trials 100] [--first-seed 0] [--functions ackley5,branin]
 *
 * Optuna runs in a Python subprocess (the pinned environment) while tunelab runs (times are not compared here).
 * The last column is a two-sided Mann-Whitney p-value of tunelab TPE vs Optuna TPE regrets: with 20-40
 * seeds, median gaps with large p are seed noise.
 * Writes bench/results/search-quality.json; a run on other seeds or a subset of the functions (to
 * look closer at one gap with fresh seeds) writes search-quality-<functions>-seeds<first>-<last>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStudy, QMCSampler, RandomSampler, TPESampler, type Sampler } from '../src';
import { BENCHMARKS, PYTHON_BENCHMARKS, type BenchmarkFunction } from './functions';
import { runPythonJson } from './python';
import { mannWhitneyP } from './stats';
import { logging as tunelabLogging, setVerbosity } from '../src';
import { numberArg } from './args';

// As on the Optuna side (set_verbosity), no per-trial log lines: writing them would be timed too.
setVerbosity(tunelabLogging.WARNING);

const N_SEEDS = numberArg('seeds', 20);
const N_TRIALS = numberArg('trials', 100);
const FIRST_SEED = numberArg('first-seed', 0);
const ONLY = (() => {
  const i = process.argv.indexOf('--functions');
  return i >= 0 ? process.argv[i + 1].split(',') : null;
})();
const FUNCTIONS = BENCHMARKS.filter((b) => !ONLY || ONLY.includes(b.name));
if (FUNCTIONS.length === 0)
  throw new Error(`--functions: none of ${ONLY?.join(', ')} is one of ${BENCHMARKS.map((b) => b.name).join(', ')}`);
const SEEDS = Array.from({ length: N_SEEDS }, (_, i) => FIRST_SEED + i);

const TUNELAB: Record<string, (seed: number) => Sampler> = {
  'tunelab Random': (seed) => new RandomSampler({ seed }),
  'tunelab QMC': (seed) => new QMCSampler({ seed }),
  'tunelab TPE': (seed) => new TPESampler({ seed }),
};

const OPTUNA_SCRIPT = `
import json, sys, warnings
warnings.filterwarnings('ignore')
import optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
${PYTHON_BENCHMARKS}
cfg = json.load(sys.stdin)
out = {}
for name, (f, bounds, minimum) in BENCHMARKS.items():
    if name not in cfg['functions']:
        continue
    for label, make in [('Optuna Random', lambda s: optuna.samplers.RandomSampler(seed=s)), ('Optuna TPE', lambda s: optuna.samplers.TPESampler(seed=s))]:
        regrets = []
        for seed in cfg['seeds']:
            study = optuna.create_study(sampler=make(seed))
            study.optimize(lambda t: f([t.suggest_float('x%d' % i, lo, hi) for i, (lo, hi) in enumerate(bounds)]), n_trials=cfg['trials'])
            regrets.append(study.best_value - minimum)
        out.setdefault(name, {})[label] = regrets
print(json.dumps({'version': optuna.__version__, 'regrets': out}))
`;

function runOptuna(): Promise<{ version: string; regrets: Record<string, Record<string, number[]>> }> {
  return runPythonJson(OPTUNA_SCRIPT, { seeds: SEEDS, trials: N_TRIALS, functions: FUNCTIONS.map((f) => f.name) });
}

async function regret(fn: BenchmarkFunction, sampler: Sampler): Promise<number> {
  const study = await createStudy({ sampler });
  await study.optimize((t) => fn.f(fn.bounds.map(([lo, hi], i) => t.suggestFloat(`x${i}`, lo, hi))), {
    nTrials: N_TRIALS,
    showProgressBar: false,
  });
  return study.bestValue - fn.minimum;
}

const quantile = (v: number[], q: number) => {
  const s = [...v].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(s.length - 1, lo + 1)] - s[lo]) * (pos - lo);
};
const fmt = (v: number) => (v === 0 ? '0' : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2));

(async () => {
  const optunaPromise = runOptuna();
  const regrets: Record<string, Record<string, number[]>> = {};
  for (const fn of FUNCTIONS) {
    regrets[fn.name] = {};
    for (const [label, make] of Object.entries(TUNELAB)) {
      const r: number[] = [];
      for (const seed of SEEDS) r.push(await regret(fn, make(seed)));
      regrets[fn.name][label] = r;
    }
    console.log(`tunelab done: ${fn.name}`);
  }
  const optuna = await optunaPromise;
  for (const fn of FUNCTIONS) Object.assign(regrets[fn.name], optuna.regrets[fn.name]);

  const labels = ['tunelab Random', 'tunelab QMC', 'tunelab TPE', 'Optuna Random', 'Optuna TPE'];
  const summary: Record<string, Record<string, { median: number; q25: number; q75: number }>> = {};
  console.log(
    `\nMedian simple regret after ${N_TRIALS} trials over ${N_SEEDS} seeds (${FIRST_SEED}-${FIRST_SEED + N_SEEDS - 1}; lower is better):\n`,
  );
  console.log(`| function | ${labels.join(' | ')} | tunelab TPE <= Optuna TPE | MWU p (TPE vs TPE) |`);
  console.log(`|---|${labels.map(() => '---').join('|')}|---|---|`);
  const pValues: Record<string, number> = {};
  for (const fn of FUNCTIONS) {
    summary[fn.name] = {};
    for (const l of labels) {
      const v = regrets[fn.name][l];
      summary[fn.name][l] = { median: quantile(v, 0.5), q25: quantile(v, 0.25), q75: quantile(v, 0.75) };
    }
    const ok = summary[fn.name]['tunelab TPE'].median <= summary[fn.name]['Optuna TPE'].median;
    pValues[fn.name] = mannWhitneyP(regrets[fn.name]['tunelab TPE'], regrets[fn.name]['Optuna TPE']);
    console.log(
      `| ${fn.name} | ${labels.map((l) => fmt(summary[fn.name][l].median)).join(' | ')} | ${ok ? 'yes' : 'NO'} | ${pValues[fn.name].toFixed(2)} |`,
    );
  }
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  const whole = !ONLY && FIRST_SEED === 0;
  const file = whole
    ? 'search-quality.json'
    : `search-quality-${FUNCTIONS.map((f) => f.name).join('-')}-seeds${FIRST_SEED}-${FIRST_SEED + N_SEEDS - 1}.json`;
  writeFileSync(
    join(__dirname, 'results', file),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        optunaVersion: optuna.version,
        seeds: N_SEEDS,
        firstSeed: FIRST_SEED,
        trials: N_TRIALS,
        summary,
        mannWhitneyP: pValues,
        regrets,
      },
      null,
      2,
    ) + '\n',
  );
})();
