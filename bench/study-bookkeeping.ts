/**
 * Study bookkeeping: milliseconds per trial that a study on memory storage spends on itself (ask,
 * tell, the trial list samplers read, the log line), tunelab vs Optuna 5.0, in studies that
 * already hold 1,000 to 50,000 trials. Both sides run a RandomSampler (which reads nothing of the
 * history) and a one-parameter objective that returns its parameter, so a trial's time is the
 * study's own. Two settings: no log lines (WARNING), and the default verbosity (INFO), each trial's
 * log line formed (with the best trial so far) and handed to a handler that drops it, so that
 * writing it to a terminal is not timed.
 *
 *   npx tsx bench/study-bookkeeping.ts [--rounds 3] [--window 3000]
 *
 * Each size gets a fresh study per round on each side, pre-filled with that many finished trials
 * (`addTrials` / `add_trials` of the same values), then `--window` trials are timed. Rounds alternate
 * which library goes first (this machine's speed drifts); a figure is the median over rounds, the
 * ratio the median of the rounds' ratios. Optuna runs in a Python process per size and round, whose
 * start and imports are not timed. tunelab runs from its compiled package (dist/, built here with
 * the `tsc` of `npm run build`), as notebooks load it, after one untimed study.
 * Writes bench/results/study-bookkeeping.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runPythonJson } from './python';
import { numberArg } from './args';

const ROOT = join(__dirname, '..');
execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json')], {
  stdio: 'inherit',
});
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tunelab = require(join(ROOT, 'dist', 'src')) as typeof import('../src');
const { createStudy, createTrial, floatDistribution, logging, RandomSampler, Rng, setVerbosity } = tunelab;
// Log lines, when on, go to a handler that drops them (as on the Optuna side).
logging.disableDefaultHandler();
logging.addLogHandler(() => undefined);

type Verbosity = 'WARNING' | 'INFO';
const VERBOSITIES: Verbosity[] = ['WARNING', 'INFO'];

const ROUNDS = numberArg('rounds', 3);
const WINDOW = numberArg('window', 3000);
const SIZES = [1000, 10000, 30000, 50000];

/** The pre-filled trials' values (both sides use the same ones). */
function values(size: number): number[] {
  const rng = new Rng(0);
  return Array.from({ length: size }, () => rng.random());
}

interface Timing {
  cpu: number;
  wall: number;
}

async function tunelabRound(size: number, verbosity: Verbosity): Promise<Timing> {
  setVerbosity(logging[verbosity]);
  const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
  const x = floatDistribution(0, 1);
  await study.addTrials(values(size).map((v) => createTrial({ params: { x: v }, distributions: { x }, value: v })));
  const cpu = process.cpuUsage();
  const wall = performance.now();
  await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: WINDOW, showProgressBar: false });
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / 1000 / WINDOW, wall: (performance.now() - wall) / WINDOW };
}

const OPTUNA_ROUND = `
import json, logging, sys, time, optuna
cfg = json.load(sys.stdin)
optuna.logging.disable_default_handler()
optuna.logging.get_logger('optuna').addHandler(logging.NullHandler())
optuna.logging.set_verbosity(getattr(optuna.logging, cfg['verbosity']))
x = optuna.distributions.FloatDistribution(0, 1)
study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
study.add_trials([optuna.trial.create_trial(params={'x': v}, distributions={'x': x}, value=v) for v in cfg['values']])
cpu, wall = time.process_time(), time.perf_counter()
study.optimize(lambda t: t.suggest_float('x', 0, 1), n_trials=cfg['window'])
print(json.dumps({'cpu': (time.process_time() - cpu) * 1000 / cfg['window'], 'wall': (time.perf_counter() - wall) * 1000 / cfg['window']}))
`;
import { median } from './stats';

function optunaRound(size: number, verbosity: Verbosity): Promise<Timing> {
  return runPythonJson<Timing>(OPTUNA_ROUND, { values: values(size), window: WINDOW, verbosity });
}

async function main(): Promise<void> {
  await tunelabRound(1000, 'INFO'); // untimed: module loading and V8's first compilation
  const rows: Record<string, unknown>[] = [];
  console.log("| verbosity | trials held | tunelab CPU ms/trial | Optuna 5.0 CPU ms/trial | ratio (CPU) | rounds' ratios |");
  console.log('|---|---:|---:|---:|---:|---|');
  for (const verbosity of VERBOSITIES) {
    for (const size of SIZES) {
      const ours: Timing[] = [];
      const theirs: Timing[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        if (round % 2 === 0) {
          ours.push(await tunelabRound(size, verbosity));
          theirs.push(await optunaRound(size, verbosity));
        } else {
          theirs.push(await optunaRound(size, verbosity));
          ours.push(await tunelabRound(size, verbosity));
        }
      }
      const ratios = ours.map((o, i) => theirs[i].cpu / o.cpu);
      const row = {
        verbosity,
        size,
        tunelabCpu: median(ours.map((o) => o.cpu)),
        optunaCpu: median(theirs.map((o) => o.cpu)),
        ratio: median(ratios),
        ratios,
        tunelabWall: median(ours.map((o) => o.wall)),
        optunaWall: median(theirs.map((o) => o.wall)),
      };
      rows.push(row);
      console.log(
        `| ${verbosity} | ${size.toLocaleString('en')} | ${row.tunelabCpu.toFixed(3)} | ${row.optunaCpu.toFixed(3)} | ${row.ratio.toFixed(1)}x | ${ratios.map((r) => r.toFixed(1)).join(', ')} |`,
      );
    }
  }
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'study-bookkeeping.json'),
    JSON.stringify({ measured: new Date().toISOString(), window: WINDOW, rounds: ROUNDS, rows }, null, 2) + '\n',
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
