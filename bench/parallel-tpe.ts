/**
 * TPE with trials running side by side, with constraints, and in spaces whose cost per trial grew
 * with the history until the twenty-fifth session: milliseconds per trial over a study's history,
 * tunelab vs Optuna 5.0, both at their defaults (multivariate for one objective, constant liar on:
 * the running trials count among the bad ones).
 *
 *   npx tsx bench/parallel-tpe.ts [--rounds 3] [--scale 1]
 *
 * Parallel workers are played out by ask and tell in one process, the same way on both sides: the
 * objective is evaluated as soon as a trial is asked (so its parameters are all suggested), the trial
 * stays open until `open` trials are, and then a trial picked at random among the open ones (the
 * same seeded sequence on both sides) is told. So trials finish out of order, as they do when their
 * training times differ, and every proposal sees the others running. The constrained case runs one
 * trial at a time with a constraint (x0 + x1 <= 1.2) that the optimum satisfies. Two more run one
 * trial at a time: an optimiser and its learning rate (a categorical and a float modelled jointly),
 * and two objectives over a float and two integers (each parameter sampled on its own).
 *
 * A study's trials are timed in five windows (CPU); a figure is the median over rounds, which
 * alternate which library goes first (three by default: a study's first window can take twice as
 * long in one round as in another, and the median of two is their mean). Optuna runs in a Python
 * process per case and round, whose start and imports are not timed. tunelab runs from its compiled package (dist/, built here with
 * the `tsc` of `npm run build`), after one untimed study of each case.
 * Writes bench/results/parallel-tpe.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runPythonJson } from './python';
import { numberArg } from './args';
import { PYTHON_BENCHMARKS } from './functions';
import { OBJECTIVES } from './spaces';

const ROOT = join(__dirname, '..');
execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json')], {
  stdio: 'inherit',
});
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tunelab = require(join(ROOT, 'dist', 'src')) as typeof import('../src');
const { createStudy, setVerbosity, logging, TPESampler } = tunelab;
setVerbosity(logging.WARNING);

const ROUNDS = numberArg('rounds', 3);
const SCALE = numberArg('scale', 1);
const WINDOWS = 5;

interface Case {
  readonly name: string;
  readonly space: 'hartmann3' | 'binhKorn' | 'optimizerLr' | 'integersTwoObjectives';
  readonly trials: number;
  /** Trials open at once (1: one at a time). */
  readonly open: number;
  readonly constrained: boolean;
}

const CASES: Case[] = [
  { name: 'Hartmann-3, 4 trials open', space: 'hartmann3', trials: 3000 * SCALE, open: 4, constrained: false },
  { name: 'two objectives (Binh and Korn), 3 trials open', space: 'binhKorn', trials: 2000 * SCALE, open: 3, constrained: false },
  { name: 'Hartmann-3 with a constraint, one at a time', space: 'hartmann3', trials: 3000 * SCALE, open: 1, constrained: true },
  { name: 'an optimiser and its learning rate, one at a time', space: 'optimizerLr', trials: 5000 * SCALE, open: 1, constrained: false },
  {
    name: 'two objectives over a float and two integers, one at a time',
    space: 'integersTwoObjectives',
    trials: 3000 * SCALE,
    open: 1,
    constrained: false,
  },
];

/** The spaces with two objectives. */
const TWO_OBJECTIVES = new Set<Case['space']>(['binhKorn', 'integersTwoObjectives']);

/** The same pseudo-random sequence on both sides (which open trial is told next). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
}

/** CPU milliseconds per trial in each of the study's windows. */
async function tunelabRun(c: Case): Promise<number[]> {
  const sampler = new TPESampler({
    seed: 0,
    ...(c.constrained
      ? { constraintsFunc: (t: { params: Record<string, unknown> }) => [(t.params.x0 as number) + (t.params.x1 as number) - 1.2] }
      : {}),
  });
  const study = await createStudy({ sampler, ...(TWO_OBJECTIVES.has(c.space) ? { directions: ['minimize', 'minimize'] as const } : {}) });
  const objective = OBJECTIVES[c.space] as (t: import('../src').Trial) => number | number[];
  const rnd = lcg(12345);
  const open: Array<[import('../src').Trial, number | number[]]> = [];
  const windows: number[] = [];
  const per = c.trials / WINDOWS;
  let told = 0;
  let cpu = process.cpuUsage();
  const tell = async () => {
    const [t, v] = open.splice(Math.floor(rnd() * open.length), 1)[0];
    await study.tell(t, v);
    if (++told % per === 0) {
      const used = process.cpuUsage(cpu);
      windows.push((used.user + used.system) / 1000 / per);
      cpu = process.cpuUsage();
    }
  };
  for (let i = 0; i < c.trials; i++) {
    const t = await study.ask();
    open.push([t, objective(t)]);
    if (open.length >= c.open) await tell();
  }
  while (open.length > 0) await tell();
  return windows;
}

const OPTUNA_RUN = `
import json, sys, time, warnings
warnings.filterwarnings('ignore')
import optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
${PYTHON_BENCHMARKS}
cfg = json.load(sys.stdin)
def binh_korn(t):
    x = t.suggest_float('x', 0, 5)
    y = t.suggest_float('y', 0, 3)
    return 4 * x * x + 4 * y * y, (x - 5) ** 2 + (y - 5) ** 2
def optimizer_lr(t):
    optimizer = t.suggest_categorical('optimizer', ['sgd', 'adam', 'rmsprop'])
    lr = t.suggest_float('lr', 1e-5, 1e-1, log=True)
    return (math.log10(lr) + 3) ** 2 + (0 if optimizer == 'adam' else 0.5)
def integers_two_objectives(t):
    x = t.suggest_float('x', 0, 5)
    layers = t.suggest_int('layers', 1, 64)
    units = t.suggest_int('units', 16, 1024, log=True)
    return (4 * x * x + (layers - 20) ** 2 / 100 + math.log2(units),
            (x - 5) ** 2 + layers / 10 + (10 - math.log2(units)) ** 2)
objectives = {'hartmann3': lambda t: hartmann3([t.suggest_float('x%d' % i, 0, 1) for i in range(3)]), 'binhKorn': binh_korn,
              'optimizerLr': optimizer_lr, 'integersTwoObjectives': integers_two_objectives}
constraints = (lambda t: [t.params['x0'] + t.params['x1'] - 1.2]) if cfg['constrained'] else None
sampler = optuna.samplers.TPESampler(seed=0, constraints_func=constraints)
study = optuna.create_study(sampler=sampler, directions=['minimize', 'minimize'] if cfg['space'] in ('binhKorn', 'integersTwoObjectives') else None)
s = 12345
def rnd():
    global s
    s = (s * 1103515245 + 12345) % 4294967296
    return s / 4294967296
open_trials, windows = [], []
per = cfg['trials'] // ${WINDOWS}
told = 0
cpu = time.process_time()
def tell():
    global told, cpu
    t, v = open_trials.pop(int(rnd() * len(open_trials)))
    study.tell(t, v)
    told += 1
    if told % per == 0:
        windows.append((time.process_time() - cpu) * 1000 / per)
        cpu = time.process_time()
for i in range(cfg['trials']):
    t = study.ask()
    open_trials.append((t, objectives[cfg['space']](t)))
    if len(open_trials) >= cfg['open']:
        tell()
while open_trials:
    tell()
print(json.dumps(windows))
`;
import { median } from './stats';

function optunaRun(c: Case): Promise<number[]> {
  return runPythonJson<number[]>(OPTUNA_RUN, c);
}

/** Per window, the median over rounds. */
const medians = (runs: number[][]) => runs[0].map((_, w) => median(runs.map((r) => r[w])));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function main(): Promise<void> {
  for (const c of CASES) await tunelabRun({ ...c, trials: 500 }); // untimed: module loading and V8's first compilation
  const rows: Record<string, unknown>[] = [];
  console.log(
    '| case | trials | tunelab ms/trial, first and last fifth | Optuna 5.0 ms/trial, first and last fifth | ratio (CPU, whole study) | ratio, last fifth |',
  );
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const c of CASES) {
    const ours: number[][] = [];
    const theirs: number[][] = [];
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 0) {
        ours.push(await tunelabRun(c));
        theirs.push(await optunaRun(c));
      } else {
        theirs.push(await optunaRun(c));
        ours.push(await tunelabRun(c));
      }
    }
    const tl = medians(ours);
    const op = medians(theirs);
    const row = {
      ...c,
      tunelabWindows: tl,
      optunaWindows: op,
      ratio: median(ours.map((o, i) => mean(theirs[i]) / mean(o))),
      lastRatio: median(ours.map((o, i) => theirs[i][WINDOWS - 1] / o[WINDOWS - 1])),
      rounds: { tunelab: ours, optuna: theirs },
    };
    rows.push(row);
    console.log(
      `| ${c.name} | ${c.trials.toLocaleString('en')} | ${tl[0].toFixed(2)}, ${tl[WINDOWS - 1].toFixed(2)} | ${op[0].toFixed(1)}, ${op[WINDOWS - 1].toFixed(1)} | ${row.ratio.toFixed(0)}x | ${row.lastRatio.toFixed(0)}x |`,
    );
  }
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'parallel-tpe.json'),
    JSON.stringify({ measured: new Date().toISOString(), rounds: ROUNDS, windows: WINDOWS, rows }, null, 2) + '\n',
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
