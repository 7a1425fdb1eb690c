/**
 * Cold start: the first TPE studies of a fresh process, tunelab vs Optuna 5.0, side by side. The
 * sampler-overhead benchmark times a warm process (one that has run a few studies, as a notebook
 * kernel that has tuned before); this one times what a notebook's first study pays: each round
 * starts a fresh Node process and a fresh Python process, each loads its library (timed apart), then
 * runs three studies of the same size one after the other (seed 0, Branin, each library's defaults,
 * which are Optuna 5.0's; in-memory storage, no log lines), and reports each study's ms/trial. The
 * first study of the Node process runs mostly in V8's interpreter and baseline code, which is what
 * this measures; Python has no such warm-up.
 *
 *   npx tsx bench/cold-start.ts [--rounds 5] [--sizes 100,1000]
 *
 * Each round alternates which library starts first. Figures: per study position (first, second,
 * third) the median over rounds of each library's CPU ms/trial and the median of the rounds'
 * ratios (with their range). CPU time is the process's own (Node's includes V8's compiler and
 * collector threads, which a cold process keeps busy on another core); wall time, what a user
 * waits, is reported beside it. tunelab runs from its compiled package (dist/, built first with
 * the `tsc` of `npm run build`), as notebooks load it.
 * Writes bench/results/cold-start.json.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { numberArg } from './args';
import { PYTHON_BENCHMARKS } from './functions';
import { median } from './stats';
import { PYTHON } from '../test/helpers/python';

const ROOT = join(__dirname, '..');
const ROUNDS = numberArg('rounds', 5);
const sizesAt = process.argv.indexOf('--sizes');
const SIZES = sizesAt >= 0 ? process.argv[sizesAt + 1].split(',').map(Number) : [100, 1000];
const STUDIES = 3;

interface Timing {
  cpuMsPerTrial: number;
  wallMsPerTrial: number;
}
interface ProcessResult {
  loadMs: number;
  studies: Timing[];
}

/** The Node side: tunelab's compiled package loaded as a notebook loads it, then the studies. */
const TUNELAB_CHILD = `
const [dist, n, studies] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const loadStart = performance.now();
const tunelab = require(dist);
const loadMs = performance.now() - loadStart;
tunelab.setVerbosity(tunelab.logging.WARNING);
const branin = (t) => {
  const x1 = t.suggestFloat('x', -5, 10);
  const x2 = t.suggestFloat('y', 0, 15);
  const b = 5.1 / (4 * Math.PI ** 2), c = 5 / Math.PI, s = 1 / (8 * Math.PI);
  return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - s) * Math.cos(x1) + 10;
};
(async () => {
  const out = [];
  for (let i = 0; i < studies; i++) {
    const study = await tunelab.createStudy({ sampler: new tunelab.TPESampler({ seed: 0 }) });
    const w = performance.now();
    const c = process.cpuUsage();
    await study.optimize(branin, { nTrials: n, showProgressBar: false });
    const cu = process.cpuUsage(c);
    out.push({ cpuMsPerTrial: (cu.user + cu.system) / 1000 / n, wallMsPerTrial: (performance.now() - w) / n });
  }
  console.log(JSON.stringify({ loadMs, studies: out }));
})();
`;

/** The Python side: Optuna imported (timed), then the same studies. */
const OPTUNA_CHILD = `
import json, sys, time
load_start = time.perf_counter()
import optuna
load_ms = (time.perf_counter() - load_start) * 1000
optuna.logging.set_verbosity(optuna.logging.ERROR)
${PYTHON_BENCHMARKS}
def objective(t):
    return branin([t.suggest_float('x', -5, 10), t.suggest_float('y', 0, 15)])
n, studies = int(sys.argv[1]), int(sys.argv[2])
out = []
for _ in range(studies):
    s = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
    w = time.perf_counter(); c = time.process_time()
    s.optimize(objective, n_trials=n)
    out.append({'cpuMsPerTrial': (time.process_time() - c) * 1000 / n, 'wallMsPerTrial': (time.perf_counter() - w) * 1000 / n})
print(json.dumps({'loadMs': load_ms, 'studies': out}))
`;

function runChild(command: string, args: string[]): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (status) =>
      status === 0
        ? resolve(JSON.parse(out) as ProcessResult)
        : reject(new Error(`${command} exited with status ${status} (its error is above)`)),
    );
  });
}

const runTunelab = (n: number) => runChild(process.execPath, ['-e', TUNELAB_CHILD, join(ROOT, 'dist', 'src'), String(n), String(STUDIES)]);
const runOptuna = (n: number) => runChild(PYTHON, ['-c', OPTUNA_CHILD, String(n), String(STUDIES)]);

function fmt(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(3);
}

(async () => {
  // The compiler `npm run build` runs (node_modules/.bin/tsc is tslab's older copy).
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json')], {
    stdio: 'inherit',
  });
  const cases = [];
  for (const n of SIZES) {
    const rounds: Array<{ tunelab: ProcessResult; optuna: ProcessResult }> = [];
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate which goes first: the machine's speed drifts within minutes.
      let tunelab: ProcessResult;
      let optuna: ProcessResult;
      if (r % 2 === 0) {
        tunelab = await runTunelab(n);
        optuna = await runOptuna(n);
      } else {
        optuna = await runOptuna(n);
        tunelab = await runTunelab(n);
      }
      rounds.push({ tunelab, optuna });
      const ratios = tunelab.studies.map((t, i) => (optuna.studies[i].cpuMsPerTrial / t.cpuMsPerTrial).toFixed(1) + 'x');
      console.log(
        `${n} trials, round ${r + 1}: tunelab ${tunelab.studies.map((t) => fmt(t.cpuMsPerTrial)).join(', ')}; ` +
          `Optuna ${optuna.studies.map((t) => fmt(t.cpuMsPerTrial)).join(', ')} CPU ms/trial (studies 1-${STUDIES}); ratios ${ratios.join(', ')}`,
      );
    }
    const studies = Array.from({ length: STUDIES }, (_, i) => {
      const ratios = rounds.map((r) => r.optuna.studies[i].cpuMsPerTrial / r.tunelab.studies[i].cpuMsPerTrial);
      return {
        study: i + 1,
        tunelabCpu: median(rounds.map((r) => r.tunelab.studies[i].cpuMsPerTrial)),
        optunaCpu: median(rounds.map((r) => r.optuna.studies[i].cpuMsPerTrial)),
        tunelabWall: median(rounds.map((r) => r.tunelab.studies[i].wallMsPerTrial)),
        optunaWall: median(rounds.map((r) => r.optuna.studies[i].wallMsPerTrial)),
        ratioCpu: median(ratios),
        ratioCpuRange: [Math.min(...ratios), Math.max(...ratios)],
        ratioWall: median(rounds.map((r) => r.optuna.studies[i].wallMsPerTrial / r.tunelab.studies[i].wallMsPerTrial)),
      };
    });
    const loadMs = {
      tunelab: median(rounds.map((r) => r.tunelab.loadMs)),
      optuna: median(rounds.map((r) => r.optuna.loadMs)),
    };
    for (const s of studies) {
      console.log(
        `${n} trials, study ${s.study} of a fresh process: tunelab ${fmt(s.tunelabCpu)} vs Optuna ${fmt(s.optunaCpu)} CPU ms/trial, ` +
          `${s.ratioCpu.toFixed(1)}x (rounds ${s.ratioCpuRange.map((x) => x.toFixed(1)).join('-')}x); ` +
          `wall ${fmt(s.tunelabWall)} vs ${fmt(s.optunaWall)}, ${s.ratioWall.toFixed(1)}x`,
      );
    }
    console.log(`${n} trials: loading the library ${fmt(loadMs.tunelab)} ms (tunelab) vs ${fmt(loadMs.optuna)} ms (import optuna)`);
    cases.push({ trials: n, studies, loadMs, rounds });
  }
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'cold-start.json'),
    JSON.stringify({ date: new Date().toISOString(), node: process.version, rounds: ROUNDS, studiesPerProcess: STUDIES, cases }, null, 2) +
      '\n',
  );
})().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
