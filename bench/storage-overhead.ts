/**
 * Storage overhead per trial: tunelab vs Optuna 5.0's RDBStorage on the same kind of database
 * (SQLite file, PostgreSQL 15 server), for studies that already hold ~1,000 and ~10,000 trials,
 * with 1 and 4 worker processes. Both sides use a RandomSampler and a trivial objective, so the time
 * is the storage (plus each library's fixed per-trial bookkeeping, measured with in-memory storage and
 * subtracted).
 *
 * Method: each configuration gets a fresh database whose study is pre-filled (bulk insert) with
 * SIZE - 200 finished trials, then W trials are timed on top (tunelab 200, Optuna 40: Optuna takes
 * seconds per trial at 10,000): 1 worker runs W, or 4 worker processes run W/4 each, started
 * together at a common instant; time per trial = wall time / W.
 * With a trivial objective, time per trial is all overhead (storage + sampler + study bookkeeping);
 * the ratio reported is Optuna's time per trial / tunelab's. For reference the same libraries' time per
 * trial with in-memory storage on a study of the same size is recorded too, and storage overhead =
 * time per trial - that (negative when the database storage beats the in-memory one).
 *
 * Run: npx tsx bench/storage-overhead.ts   (a few minutes; Optuna is most of it)
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  createStudy,
  floatDistribution,
  frozenTrial,
  intDistribution,
  loadStudy,
  RandomSampler,
  TrialState,
  type FrozenTrial,
  type Trial,
} from '../src';
import { getStorage } from '../src/entries/storage';
import { sqlalchemyUrl, startPostgres } from '../test/helpers/postgres';
import { PYTHON } from '../test/helpers/python';
import { logging as tunelabLogging, setVerbosity } from '../src';

// As on the Optuna side (set_verbosity), no per-trial log lines: writing them would be timed too.
setVerbosity(tunelabLogging.WARNING);

const execFileAsync = promisify(execFile);
/** Trials timed per configuration: Optuna is slow enough at 10,000 trials that 40 keep the run short. */
const WINDOW = { tunelab: 200, optuna: 40 };
/** Trials pre-filled = SIZE - PREFILL_GAP (the timed window lands around SIZE). */
const PREFILL_GAP = 200;

const objective = (t: Trial) => t.suggestFloat('x', -10, 10) + t.suggestInt('y', 0, 100);

const PY_CHILD = `
import json, sys, time, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
url, name, n, start_at = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
if url == 'memory':
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler())
    dx, dy = optuna.distributions.FloatDistribution(-10, 10), optuna.distributions.IntDistribution(0, 100)
    study.add_trials([optuna.trial.create_trial(params={'x': 1.0, 'y': 2}, distributions={'x': dx, 'y': dy}, value=float(i))
                      for i in range(int(name))])
else:
    study = optuna.load_study(study_name=name, storage=url, sampler=optuna.samplers.RandomSampler())
def objective(t):
    return t.suggest_float('x', -10, 10) + t.suggest_int('y', 0, 100)
while time.time() * 1000 < start_at:
    time.sleep(0.001)
t0 = time.time() * 1000
study.optimize(objective, n_trials=n)
print(json.dumps({'start': t0, 'end': time.time() * 1000, 'n': n}))
`;

interface ChildResult {
  start: number;
  end: number;
  n: number;
}

/** tunelab child process: load the study, wait for the common start, run n trials. */
async function childMain(url: string, name: string, n: number, startAt: number): Promise<void> {
  let study;
  if (url === 'memory') {
    // In-memory study of the same size, filled through the storage interface (`name` = trial count).
    study = await createStudy({ sampler: new RandomSampler() });
    const [x, y] = [floatDistribution(-10, 10), intDistribution(0, 100)];
    for (let i = 0; i < Number(name); i++) {
      const t = await study.storage.createNewTrial(study.studyId);
      await study.storage.setTrialParam(t.trialId, 'x', 1, x);
      await study.storage.setTrialParam(t.trialId, 'y', 2, y);
      await study.storage.setTrialState(t.trialId, TrialState.COMPLETE, [i]);
    }
    await study.refresh();
  } else {
    study = await loadStudy({ studyName: name, storage: url, sampler: new RandomSampler() });
  }
  while (Date.now() < startAt) await new Promise((r) => setTimeout(r, 1));
  const start = Date.now();
  await study.optimize(objective, { nTrials: n, showProgressBar: false });
  const result: ChildResult = { start, end: Date.now(), n };
  console.log(JSON.stringify(result));
  await study.storage.close();
}

function runTunelabChild(url: string, name: string, n: number, startAt: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', __filename, '--child', url, name, String(n), String(startAt)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`child exit ${code}`))));
  });
}

async function runOptunaChild(url: string, name: string, n: number, startAt: number): Promise<ChildResult> {
  const { stdout } = await execFileAsync(PYTHON, ['-c', PY_CHILD, sqlalchemyUrl(url), name, String(n), String(startAt)], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

/** Run WINDOW trials split over `workers` processes started together; ms per trial (wall / trials). */
async function timeWindow(lib: 'tunelab' | 'optuna', url: string, name: string, workers: number): Promise<number> {
  const total = WINDOW[lib];
  const per = total / workers;
  // Leave time for every process to start (tsx or Python imports) before the common start instant.
  const startAt = Date.now() + (lib === 'optuna' ? 8000 : 6000) + 1500 * workers;
  const run = lib === 'tunelab' ? runTunelabChild : runOptunaChild;
  const results = await Promise.all(Array.from({ length: workers }, () => run(url, name, per, startAt)));
  const wall = Math.max(...results.map((r) => r.end)) - Math.min(...results.map((r) => r.start));
  return wall / total;
}

/** Finished trials shaped like the ones the benchmark objective produces. */
function syntheticTrials(n: number): FrozenTrial[] {
  const x = floatDistribution(-10, 10);
  const y = intDistribution(0, 100);
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => {
    const xv = ((i * 7919) % 2000) / 100 - 10;
    const yv = (i * 31) % 101;
    return frozenTrial({
      trialId: 0,
      number: i,
      state: TrialState.COMPLETE,
      values: [xv + yv],
      datetimeStart: new Date(now - (n - i) * 10),
      datetimeComplete: new Date(now - (n - i) * 10 + 5),
      params: { x: xv, y: yv },
      internalParams: { x: xv, y: yv },
      distributions: { x, y },
      intermediateValues: new Map(),
      userAttrs: {},
      systemAttrs: {},
    });
  });
}

async function prefill(url: string, name: string, n: number): Promise<void> {
  const storage = await getStorage(url);
  const id = await storage.createNewStudy(['minimize'], name);
  const bulk = (storage as unknown as { addTrials: (id: number, t: FrozenTrial[]) => Promise<void> }).addTrials.bind(storage);
  for (let i = 0; i < n; i += 2000) await bulk(id, syntheticTrials(Math.min(2000, n - i)));
  await storage.close();
}

interface Row {
  backend: string;
  size: number;
  workers: number;
  tunelabMsPerTrial: number;
  optunaMsPerTrial: number;
  tunelabMemoryMsPerTrial: number;
  optunaMemoryMsPerTrial: number;
  tunelabOverheadMs: number;
  optunaOverheadMs: number;
  ratio: number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tunelab-bench-storage-'));
  const pg = await startPostgres();
  const rows: Row[] = [];
  try {
    // In-memory baselines: each library's own per-trial cost without a database, at each size.
    const memory: Record<number, { tunelab: number; optuna: number }> = {};
    for (const size of [1000, 10000]) {
      const pre = String(size - PREFILL_GAP);
      memory[size] = { tunelab: await timeWindow('tunelab', 'memory', pre, 1), optuna: await timeWindow('optuna', 'memory', pre, 1) };
      console.log(
        `in-memory at ${size}: tunelab ${memory[size].tunelab.toFixed(3)} ms/trial, Optuna ${memory[size].optuna.toFixed(3)} ms/trial`,
      );
    }
    let db = 0;
    for (const backend of ['sqlite', 'postgresql'] as const) {
      for (const size of [1000, 10000]) {
        const memTunelab = memory[size].tunelab;
        const memOptuna = memory[size].optuna;
        for (const workers of [1, 4]) {
          const ms: Record<string, number> = {};
          for (const lib of ['tunelab', 'optuna'] as const) {
            const url = backend === 'sqlite' ? `sqlite:///${join(dir, `b${db++}.db`)}` : await pg.createDatabase(`b${db++}`);
            await prefill(url, 'bench', size - PREFILL_GAP);
            ms[lib] = await timeWindow(lib, url, 'bench', workers);
          }
          const row: Row = {
            backend,
            size,
            workers,
            tunelabMsPerTrial: ms.tunelab,
            optunaMsPerTrial: ms.optuna,
            tunelabMemoryMsPerTrial: memTunelab,
            optunaMemoryMsPerTrial: memOptuna,
            tunelabOverheadMs: ms.tunelab - memTunelab,
            optunaOverheadMs: ms.optuna - memOptuna,
            ratio: ms.optuna / ms.tunelab,
          };
          rows.push(row);
          console.log(
            `${backend.padEnd(10)} ${String(size).padStart(6)} trials  ${workers} worker(s): ` +
              `tunelab ${ms.tunelab.toFixed(2)} ms/trial, Optuna ${ms.optuna.toFixed(2)} ms/trial, ` +
              `Optuna/tunelab ${row.ratio.toFixed(1)}x`,
          );
        }
      }
    }
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(
      join(__dirname, 'results', 'storage-overhead.json'),
      JSON.stringify(
        {
          date: new Date().toISOString(),
          method:
            'W trials (tunelab 200, Optuna 40) timed on a study pre-filled to SIZE-200 finished trials; RandomSampler, trivial ' +
            'objective (2 params); ms/trial = wall/W (4 workers: separate processes started together); ratio = Optuna ms/trial / ' +
            'tunelab ms/trial; overhead = ms/trial - in-memory ms/trial of the same library on a study of the same size (1 process).',
          inMemoryMsPerTrial: memory,
          rows,
          loadAverage: readFileSync('/proc/loadavg', 'utf8').trim(),
        },
        null,
        2,
      ) + '\n',
    );
  } finally {
    pg.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  const [, , , url, name, n, startAt] = process.argv;
  childMain(url, name, Number(n), Number(startAt)).catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
