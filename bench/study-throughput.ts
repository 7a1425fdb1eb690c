/**
 * Trials per hour of a small MLP study that uses every core: tunelab `optimize({ workers })` (one
 * worker thread per core, each training with tfjs's wasm backend) against Optuna 5.0
 * `optimize(n_jobs=...)` training the same network in PyTorch 2.13, measured one after the other in
 * one run on the same machine.
 *
 * The study: two moons (2,000 points, noise 0.2; 1,600 train / 400 validation), an MLP with 1-2
 * hidden ReLU layers of 16-128 units, Adam with a log-uniform learning rate, 5 epochs of batch 32,
 * random search (the sampler's cost is not what this measures), maximising validation accuracy.
 * PyTorch gets one intra-op thread per trial so that n_jobs trials use n_jobs cores, as tunelab's
 * workers do (wasm training is single-threaded in Node).
 *
 *   npx tsx bench/study-throughput.ts [--trials 40] [--workers 2]
 *
 * Writes bench/results/study-throughput.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { createStudy, objectiveFromModule, RandomSampler } from '../src';
import { BATCH, EPOCHS, N_TRAIN, split } from './fixtures/moons-mlp';
import { runPythonJson } from './python';
import { logging as tunelabLogging, setVerbosity } from '../src';
import { numberArg } from './args';

// As on the Optuna side (set_verbosity), no per-trial log lines: writing them would be timed too.
setVerbosity(tunelabLogging.WARNING);

const N_TRIALS = numberArg('trials', 40);
const WORKERS = numberArg('workers', availableParallelism());

const OPTUNA_SCRIPT = `
import json, sys, time, warnings
warnings.filterwarnings('ignore')
import numpy as np, optuna, torch
optuna.logging.set_verbosity(optuna.logging.ERROR)
torch.set_num_threads(1)
cfg = json.load(sys.stdin)
xt, yt = torch.tensor(cfg['xTrain'], dtype=torch.float32), torch.tensor(cfg['yTrain'], dtype=torch.long)
xv, yv = torch.tensor(cfg['xVal'], dtype=torch.float32), torch.tensor(cfg['yVal'], dtype=torch.long)

def objective(trial):
    units = trial.suggest_int('hidden_units', 16, 128, log=True)
    layers = trial.suggest_int('hidden_layers', 1, 2)
    lr = trial.suggest_float('lr', 1e-3, 1e-1, log=True)
    g = torch.Generator().manual_seed(trial.number)
    torch.manual_seed(trial.number)
    mods, width = [], 2
    for _ in range(layers):
        mods += [torch.nn.Linear(width, units), torch.nn.ReLU()]
        width = units
    model = torch.nn.Sequential(*mods, torch.nn.Linear(width, 2))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    for _ in range(cfg['epochs']):
        order = torch.randperm(len(xt), generator=g)
        for s in range(0, len(xt), cfg['batch']):
            idx = order[s:s + cfg['batch']]
            opt.zero_grad()
            loss_fn(model(xt[idx]), yt[idx]).backward()
            opt.step()
    with torch.no_grad():
        return float((model(xv).argmax(1) == yv).float().mean())

study = optuna.create_study(direction='maximize', sampler=optuna.samplers.RandomSampler(seed=0))
t0 = time.perf_counter()
study.optimize(objective, n_trials=cfg['trials'], n_jobs=cfg['workers'])
wall = time.perf_counter() - t0
values = [t.value for t in study.trials if t.value is not None]
print(json.dumps({'seconds': wall, 'trials': len(values), 'best': max(values), 'optuna': optuna.__version__, 'torch': torch.__version__}))
`;

async function main() {
  const load = [loadavg()[0]];
  const optuna = await runPythonJson<{ seconds: number; trials: number; best: number; optuna: string; torch: string }>(OPTUNA_SCRIPT, {
    ...split,
    trials: N_TRIALS,
    workers: WORKERS,
    epochs: EPOCHS,
    batch: BATCH,
  });
  load.push(loadavg()[0]);

  const study = await createStudy({ direction: 'maximize', sampler: new RandomSampler({ seed: 0 }) });
  const t0 = performance.now();
  await study.optimize(objectiveFromModule(join(__dirname, 'fixtures', 'moons-mlp.ts'), 'objective'), {
    nTrials: N_TRIALS,
    workers: WORKERS,
    showProgressBar: false,
  });
  const seconds = (performance.now() - t0) / 1000;
  load.push(loadavg()[0]);
  const complete = study.trials.filter((t) => t.values !== null);
  const tunelab = { seconds, trials: complete.length, best: study.bestValue };

  const perHour = (r: { seconds: number; trials: number }) => (3600 * r.trials) / r.seconds;
  const lines = [
    `${N_TRIALS} trials, ${WORKERS} workers / n_jobs; MLP on two moons (${N_TRAIN} training points, ${EPOCHS} epochs of batch ${BATCH}); Optuna ${optuna.optuna}, torch ${optuna.torch}`,
    '',
    '| side | wall s | trials/hour | best val. accuracy |',
    '|---|---:|---:|---:|',
    `| tunelab (workers: ${WORKERS}, tfjs wasm) | ${tunelab.seconds.toFixed(1)} | ${perHour(tunelab).toFixed(0)} | ${tunelab.best.toFixed(3)} |`,
    `| Optuna + PyTorch (n_jobs=${WORKERS}) | ${optuna.seconds.toFixed(1)} | ${perHour(optuna).toFixed(0)} | ${optuna.best.toFixed(3)} |`,
    '',
    `tunelab / Optuna trials per hour: ${(perHour(tunelab) / perHour(optuna)).toFixed(2)}x; load average ${load.map((l) => l.toFixed(1)).join(' -> ')}`,
  ];
  console.log(lines.join('\n'));
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'study-throughput.json'),
    JSON.stringify(
      {
        trials: N_TRIALS,
        workers: WORKERS,
        epochs: EPOCHS,
        batch: BATCH,
        tunelab,
        optuna,
        ratio: perHour(tunelab) / perHour(optuna),
        loadAverage: load,
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
