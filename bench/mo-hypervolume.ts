/**
 * Multi-objective: hypervolume after 200 trials on ZDT1 and ZDT2 (30 variables), tunelab's
 * NSGAIISampler against Optuna 5.0's, each with its default uniform crossover and with its
 * SBXCrossover, population 50, side by side in one run; Mann-Whitney p of each tunelab column
 * against Optuna's with the same crossover. The hypervolume of each run's trials is computed by
 * the same code for every sampler (reference point (1.1, 11): f1 lies in [0, 1], f2 below g <= 10).
 *
 *   npx tsx bench/mo-hypervolume.ts [--seeds 10]
 *
 * Writes bench/results/mo-hypervolume.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStudy, type Sampler, type Trial } from '../src';
import { hypervolume } from '../src/multiobjective';
import { NSGAIISampler } from '../src/samplers/nsgaii';
import { runPythonJson } from './python';
import { logging as tunelabLogging, setVerbosity } from '../src';

// As on the Optuna side (set_verbosity), no per-trial log lines: writing them would be timed too.
setVerbosity(tunelabLogging.WARNING);

const seedsArg = process.argv.indexOf('--seeds');
const N_SEEDS = seedsArg >= 0 ? Number(process.argv[seedsArg + 1]) : 10;
const N_TRIALS = 200;
const N_VARS = 30;
const REF = [1.1, 11];

function zdt(kind: 'zdt1' | 'zdt2', x: number[]): [number, number] {
  const g = 1 + (9 / (x.length - 1)) * x.slice(1).reduce((a, b) => a + b, 0);
  const r = x[0] / g;
  return [x[0], g * (1 - (kind === 'zdt1' ? Math.sqrt(r) : r * r))];
}

const OPTUNA_SCRIPT = `
import json, sys, time, warnings
warnings.filterwarnings('ignore')
import optuna
from optuna.samplers.nsgaii import SBXCrossover
optuna.logging.set_verbosity(optuna.logging.ERROR)
cfg = json.load(sys.stdin)
def zdt(kind, x):
    g = 1 + 9 / (len(x) - 1) * sum(x[1:])
    r = x[0] / g
    return x[0], g * (1 - (r ** 0.5 if kind == 'zdt1' else r * r))
out = {}
for kind in ['zdt1', 'zdt2']:
    out[kind] = {}
    for crossover in ['uniform', 'sbx']:
        runs = []
        t0 = time.time()
        for seed in range(cfg['seeds']):
            extra = {'crossover': SBXCrossover()} if crossover == 'sbx' else {}
            study = optuna.create_study(directions=['minimize', 'minimize'], sampler=optuna.samplers.NSGAIISampler(population_size=50, seed=seed, **extra))
            study.optimize(lambda t: zdt(kind, [t.suggest_float('x%d' % i, 0, 1) for i in range(cfg['vars'])]), n_trials=cfg['trials'])
            runs.append([list(t.values) for t in study.trials])
        out[kind][crossover] = {'values': runs, 'seconds': time.time() - t0}
print(json.dumps(out))
`;
import { mannWhitneyP, median } from './stats';

function runOptuna(): Promise<Record<string, Record<'uniform' | 'sbx', { values: number[][][]; seconds: number }>>> {
  return runPythonJson(OPTUNA_SCRIPT, { seeds: N_SEEDS, trials: N_TRIALS, vars: N_VARS });
}

async function runTunelab(kind: 'zdt1' | 'zdt2', sampler: Sampler): Promise<number[][]> {
  const study = await createStudy({ directions: ['minimize', 'minimize'], sampler });
  await study.optimize(
    (t: Trial) =>
      zdt(
        kind,
        Array.from({ length: N_VARS }, (_, i) => t.suggestFloat(`x${i}`, 0, 1)),
      ),
    {
      nTrials: N_TRIALS,
      showProgressBar: false,
    },
  );
  return study.trials.map((t) => [...t.values!]);
}

async function main() {
  const optunaPromise = runOptuna();
  const samplers: Record<string, (seed: number) => Sampler> = {
    'tunelab NSGA-II (uniform crossover, default)': (seed) => new NSGAIISampler({ seed, populationSize: 50 }),
    'tunelab NSGA-II (SBXCrossover)': (seed) => new NSGAIISampler({ seed, populationSize: 50, crossover: 'sbx' }),
  };
  const results: Record<string, Record<string, { hv: number[]; seconds: number }>> = {};
  for (const kind of ['zdt1', 'zdt2'] as const) {
    results[kind] = {};
    for (const [label, make] of Object.entries(samplers)) {
      const t0 = Date.now();
      const hv: number[] = [];
      for (let seed = 0; seed < N_SEEDS; seed++) hv.push(hypervolume(await runTunelab(kind, make(seed)), REF));
      results[kind][label] = { hv, seconds: (Date.now() - t0) / 1000 };
    }
  }
  const optuna = await optunaPromise;
  const optunaLabels = { uniform: 'Optuna NSGA-II (uniform crossover, default)', sbx: 'Optuna NSGA-II (SBXCrossover)' };
  for (const kind of ['zdt1', 'zdt2'] as const) {
    for (const crossover of ['uniform', 'sbx'] as const) {
      results[kind][optunaLabels[crossover]] = {
        hv: optuna[kind][crossover].values.map((vals) => hypervolume(vals, REF)),
        seconds: optuna[kind][crossover].seconds,
      };
    }
  }
  const labels = [...Object.keys(samplers), ...Object.values(optunaLabels)];
  const pairs: [string, string][] = [
    ['tunelab NSGA-II (uniform crossover, default)', optunaLabels.uniform],
    ['tunelab NSGA-II (SBXCrossover)', optunaLabels.sbx],
  ];
  const lines = [
    `| problem | ${labels.map((l) => `${l} HV (median [min, max])`).join(' | ')} |`,
    `|---|${labels.map(() => '---').join('|')}|`,
  ];
  for (const kind of ['zdt1', 'zdt2'] as const) {
    lines.push(
      `| ${kind.toUpperCase()} | ${labels
        .map((l) => {
          const hv = results[kind][l].hv;
          return `${median(hv).toFixed(3)} [${Math.min(...hv).toFixed(3)}, ${Math.max(...hv).toFixed(3)}] (${results[kind][l].seconds.toFixed(1)} s)`;
        })
        .join(' | ')} |`,
    );
  }
  console.log(lines.join('\n'));
  for (const kind of ['zdt1', 'zdt2'] as const) {
    for (const [ours, theirs] of pairs) {
      console.log(
        `${kind.toUpperCase()} ${ours} vs ${theirs}: Mann-Whitney p = ${mannWhitneyP(results[kind][ours].hv, results[kind][theirs].hv).toFixed(3)}`,
      );
    }
  }
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  const summary = Object.fromEntries(
    Object.entries(results).map(([k, byLabel]) => [
      k,
      Object.fromEntries(Object.entries(byLabel).map(([l, r]) => [l, { medianHV: median(r.hv), hv: r.hv, seconds: r.seconds }])),
    ]),
  );
  writeFileSync(
    join(__dirname, 'results', 'mo-hypervolume.json'),
    JSON.stringify(
      { seeds: N_SEEDS, trials: N_TRIALS, variables: N_VARS, populationSize: 50, referencePoint: REF, results: summary },
      null,
      1,
    ),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
