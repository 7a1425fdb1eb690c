/**
 * CMA-ES with learning rate adaptation (`lrAdapt`, LRA-CMA-ES) against plain CMA-ES, tunelab's and
 * Optuna 5.0's (`lr_adapt=True`), side by side in one run, on the two kinds of problem the method is
 * for: a multimodal one (Rastrigin, 5 dimensions in [-5.12, 5.12], minimum 0; the best value found)
 * and a noisy one (a 5-dimensional sphere in [-5, 5] plus Gaussian noise of standard deviation 1 on
 * every evaluation; the noise-free value of the last 80 trials' parameters, median, which says where
 * the search has settled, since the best noisy value mostly measures luck). Median [quartiles] over
 * seeds, and Mann-Whitney p of tunelab's LRA against Optuna's and against tunelab's plain CMA-ES.
 *
 *   npx tsx bench/cma-lra.ts [--seeds 10] [--trials 1500]
 *
 * Writes bench/results/cma-lra.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStudy, logging as tunelabLogging, setVerbosity, type Trial } from '../src';
import { CmaEsSampler } from '../src/samplers/cmaes';
import { Rng } from '../src/rng';
import { numberArg } from './args';
import { runPythonJson } from './python';
import { mannWhitneyP, median } from './stats';

// As on the Optuna side (set_verbosity), no per-trial log lines: writing them would be timed too.
setVerbosity(tunelabLogging.WARNING);

const N_SEEDS = numberArg('seeds', 10);
const N_TRIALS = numberArg('trials', 1500);
const DIM = 5;
const TAIL = 80;

type Problem = 'rastrigin' | 'noisy-sphere';
const PROBLEMS: Problem[] = ['rastrigin', 'noisy-sphere'];

const rastrigin = (x: readonly number[]): number => 10 * x.length + x.reduce((a, v) => a + v * v - 10 * Math.cos(2 * Math.PI * v), 0);
const sphere = (x: readonly number[]): number => x.reduce((a, v) => a + v * v, 0);
const BOUND: Record<Problem, number> = { rastrigin: 5.12, 'noisy-sphere': 5 };

const OPTUNA_SCRIPT = `
import json, math, sys, time, warnings
warnings.filterwarnings('ignore')
import numpy as np
import optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
cfg = json.load(sys.stdin)
def rastrigin(x): return 10 * len(x) + sum(v * v - 10 * math.cos(2 * math.pi * v) for v in x)
def sphere(x): return sum(v * v for v in x)
out = {}
for problem in cfg['problems']:
    bound = cfg['bounds'][problem]
    for lra in [False, True]:
        runs, t0 = [], time.time()
        for seed in range(cfg['seeds']):
            noise = np.random.RandomState(1000 + seed)
            def objective(t):
                x = [t.suggest_float('x%d' % i, -bound, bound) for i in range(cfg['dim'])]
                return rastrigin(x) if problem == 'rastrigin' else sphere(x) + noise.normal()
            study = optuna.create_study(sampler=optuna.samplers.CmaEsSampler(seed=seed, lr_adapt=lra))
            study.optimize(objective, n_trials=cfg['trials'])
            xs = [[t.params['x%d' % i] for i in range(cfg['dim'])] for t in study.trials]
            if problem == 'rastrigin':
                runs.append(min(t.value for t in study.trials))
            else:
                runs.append(float(np.median([sphere(x) for x in xs[-cfg['tail']:]])))
        out.setdefault(problem, {})['Optuna CMA-ES' + (' (lr_adapt)' if lra else '')] = {'scores': runs, 'seconds': time.time() - t0}
        print('optuna', problem, lra, 'done', file=sys.stderr, flush=True)
print(json.dumps(out))
`;

async function runTunelab(problem: Problem, lrAdapt: boolean, seed: number): Promise<number> {
  const noise = new Rng(1000 + seed);
  const bound = BOUND[problem];
  const study = await createStudy({ sampler: new CmaEsSampler({ seed, lrAdapt }) });
  const params = (t: Trial): number[] => Array.from({ length: DIM }, (_, i) => t.suggestFloat(`x${i}`, -bound, bound));
  await study.optimize(
    (t) => {
      const x = params(t);
      return problem === 'rastrigin' ? rastrigin(x) : sphere(x) + noise.normal();
    },
    { nTrials: N_TRIALS, showProgressBar: false },
  );
  if (problem === 'rastrigin') return study.bestValue;
  const xs = study.trials.slice(-TAIL).map((t) => Array.from({ length: DIM }, (_, i) => t.params[`x${i}`] as number));
  return median(xs.map(sphere));
}

function quartiles(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))];
  return `${median(s).toPrecision(3)} [${at(0.25).toPrecision(3)}, ${at(0.75).toPrecision(3)}]`;
}

async function main(): Promise<void> {
  const optunaPromise = runPythonJson<Record<Problem, Record<string, { scores: number[]; seconds: number }>>>(OPTUNA_SCRIPT, {
    problems: PROBLEMS,
    bounds: BOUND,
    seeds: N_SEEDS,
    trials: N_TRIALS,
    dim: DIM,
    tail: TAIL,
  });
  const results: Record<string, Record<string, { scores: number[]; seconds: number }>> = {};
  for (const problem of PROBLEMS) {
    results[problem] = {};
    for (const lrAdapt of [false, true]) {
      const t0 = Date.now();
      const scores: number[] = [];
      for (let seed = 0; seed < N_SEEDS; seed++) scores.push(await runTunelab(problem, lrAdapt, seed));
      results[problem][`tunelab CMA-ES${lrAdapt ? ' (lrAdapt)' : ''}`] = { scores, seconds: (Date.now() - t0) / 1000 };
    }
  }
  const optuna = await optunaPromise;
  for (const problem of PROBLEMS) Object.assign(results[problem], optuna[problem]);
  const labels = ['tunelab CMA-ES', 'tunelab CMA-ES (lrAdapt)', 'Optuna CMA-ES', 'Optuna CMA-ES (lr_adapt)'];
  console.log(`| problem | ${labels.join(' | ')} | p (LRA: tunelab vs Optuna) | p (tunelab: LRA vs plain) |`);
  console.log(`|---|${labels.map(() => '---').join('|')}|---:|---:|`);
  const summary: Record<string, unknown> = {};
  for (const problem of PROBLEMS) {
    const r = results[problem];
    const pPeer = mannWhitneyP(r['tunelab CMA-ES (lrAdapt)'].scores, r['Optuna CMA-ES (lr_adapt)'].scores);
    const pPlain = mannWhitneyP(r['tunelab CMA-ES (lrAdapt)'].scores, r['tunelab CMA-ES'].scores);
    console.log(
      `| ${problem} | ${labels.map((l) => `${quartiles(r[l].scores)} (${r[l].seconds.toFixed(1)} s)`).join(' | ')} | ${pPeer.toFixed(3)} | ${pPlain.toFixed(3)} |`,
    );
    summary[problem] = { ...r, pLraVsOptuna: pPeer, pLraVsPlain: pPlain };
  }
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(
    join(__dirname, 'results', 'cma-lra.json'),
    JSON.stringify({ seeds: N_SEEDS, trials: N_TRIALS, dimensions: DIM, tail: TAIL, results: summary }, null, 1),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
