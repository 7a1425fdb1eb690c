// ---
// jupyter:
//   jupytext:
//     formats: ipynb,src//ts:percent
//     text_representation:
//       extension: .ts
//       format_name: percent
//       format_version: '1.3'
//       jupytext_version: 1.19.6
//   kernelspec:
//     display_name: TypeScript (tunelab)
//     language: typescript
//     name: tunelab
// ---

// %% [markdown]
// # tunelab quickstart
//
// A tour of tunelab in TypeScript, for readers who know Optuna: a study, samplers, a pruner, the live
// monitor, plots, and saving a study to SQLite and resuming it. Every name mirrors Optuna's in
// camelCase (`createStudy`, `suggestFloat`, `shouldPrune`, `bestParams`, ...).
//
// The `parameters` cell sets the size: the small default runs in seconds (CI executes it); `FULL = true`
// runs more trials. The saved outputs come from `tunelab run notebooks/01-quickstart.ipynb --param
// FULL=true` (timing in the last cell and in `notebooks/README.md`).

// %% tags=["parameters"]
let FULL = false;

// %%
import { createStudy, loadStudy, MedianPruner, QMCSampler, RandomSampler, TPESampler, TrialState, MLP, datasets, type Trial } from 'tunelab';
import { Plot } from 'tunelab/widgets';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';

const started = Date.now();
const size = FULL ? { trials: 60, samplerTrials: 80, epochs: 30 } : { trials: 12, samplerTrials: 24, epochs: 8 };

// %% [markdown]
// ## 1. A study
//
// An objective receives a `Trial`, asks it for hyperparameters (define-by-run: plain code, `if`
// statements make conditional parameters) and returns a number. Here: an MLP on the two-moons data,
// whose validation accuracy is reported to the trial after every epoch so that the **MedianPruner** can
// stop trials that do worse than the median of earlier trials at the same epoch. In the tunelab kernel
// `optimize` shows a **live monitor** (progress, best value, and the optimization history as it grows).

// %%
const moons = datasets.twoMoons(400, { noise: 0.25, seed: 0 });
const train = { X: moons.X.slice(0, 300), y: moons.y.slice(0, 300) };
const valid = { X: moons.X.slice(300), y: moons.y.slice(300) };

async function objective(trial: Trial): Promise<number> {
  const optimizer = trial.suggestCategorical('optimizer', ['sgd', 'adam']);
  const model = new MLP({
    hiddenUnits: trial.suggestInt('hiddenUnits', 4, 64, { log: true }),
    hiddenLayers: trial.suggestInt('hiddenLayers', 1, 2),
    learningRate: trial.suggestFloat('learningRate', 1e-4, 1, { log: true }),
    // A conditional parameter: momentum exists only for SGD.
    momentum: optimizer === 'sgd' ? trial.suggestFloat('momentum', 0, 0.95) : 0,
    optimizer,
    activation: 'tanh',
    epochs: size.epochs,
    batchSize: 32,
    seed: trial.number,
  });
  try {
    // fit() reports validation accuracy at each epoch and throws TrialPruned when the pruner says so.
    await model.fit(train.X, train.y, { validationData: [valid.X, valid.y], trial });
    return model.score(valid.X, valid.y);
  } finally {
    model.dispose();
  }
}

const study = await createStudy({
  studyName: 'moons-mlp',
  direction: 'maximize',
  sampler: new TPESampler({ seed: 0 }),
  pruner: new MedianPruner({ nStartupTrials: 4, nWarmupSteps: 2 }),
});
await study.optimize(objective, { nTrials: size.trials });

// %%
const states = study.trials.map((t) => t.state);
const summary = {
  trials: study.trials.length,
  expectedTrials: size.trials,
  complete: states.filter((s) => s === TrialState.COMPLETE).length,
  pruned: states.filter((s) => s === TrialState.PRUNED).length,
  bestValue: study.bestValue,
  bestParams: study.bestParams,
};
console.log('QUICKSTART ' + JSON.stringify(summary));
if (summary.trials !== size.trials) throw new Error(`expected ${size.trials} trials, got ${summary.trials}`);
if (summary.complete + summary.pruned !== summary.trials) throw new Error('every trial should be COMPLETE or PRUNED');

// %% [markdown]
// `trialsDataFrame()` gives one row per trial (Optuna's `trials_dataframe`); `toCSV()` writes it out.

// %%
const table = study.trialsDataFrame();
console.log(table.toCSV().split('\n').slice(0, 6).join('\n'));

// %% [markdown]
// ## 2. Samplers
//
// Samplers decide which hyperparameters to try. The same 2-D problem (the Branin function, minimum
// 0.397887) searched by random sampling, quasi-random Sobol points (QMC) and TPE: the best value found
// so far after each trial.

// %%
function branin(trial: Trial): number {
  const x = trial.suggestFloat('x', -5, 10);
  const y = trial.suggestFloat('y', 0, 15);
  const a = 1, b = 5.1 / (4 * Math.PI ** 2), c = 5 / Math.PI, r = 6, s = 10, t = 1 / (8 * Math.PI);
  return a * (y - b * x * x + c * x - r) ** 2 + s * (1 - t) * Math.cos(x) + s;
}
const samplers = { random: new RandomSampler({ seed: 1 }), qmc: new QMCSampler({ seed: 1 }), tpe: new TPESampler({ seed: 1 }) };
const bestSoFar: Record<string, number[]> = {};
for (const [name, sampler] of Object.entries(samplers)) {
  const s = await createStudy({ sampler });
  await s.optimize(branin, { nTrials: size.samplerTrials, showProgressBar: false });
  let best = Infinity;
  bestSoFar[name] = s.trials.map((t) => (best = Math.min(best, t.values![0])));
}
console.log('SAMPLERS ' + JSON.stringify(Object.fromEntries(Object.entries(bestSoFar).map(([k, v]) => [k, +v[v.length - 1].toFixed(4)]))));
display(new Plot({
  data: Object.entries(bestSoFar).map(([name, ys]) => ({ type: 'scatter', mode: 'lines', name, x: ys.map((_, i) => i + 1), y: ys })),
  layout: { title: { text: 'Branin: best value so far (minimum 0.397887)' }, xaxis: { title: { text: 'trial' } }, yaxis: { title: { text: 'best value' } }, height: 340 },
}, { height: 340 }));
for (const ys of Object.values(bestSoFar)) {
  for (let i = 1; i < ys.length; i++) if (ys[i] > ys[i - 1]) throw new Error('best-so-far must not increase');
}

// %% [markdown]
// ## 3. Plots
//
// The Optuna-named plot functions build plotly figures of a study. In the tunelab kernel they display
// as live Plot widgets; elsewhere (and on GitHub) as a static SVG snapshot.

// %%
import { plotOptimizationHistory, plotParamImportances, plotSlice, plotIntermediateValues } from 'tunelab';
display(plotOptimizationHistory(study));
display(plotIntermediateValues(study));
display(plotSlice(study, { params: ['learningRate', 'hiddenUnits'] }));
const importances = study.importances();
console.log('IMPORTANCES ' + JSON.stringify(importances));
display(plotParamImportances(study));

// %% [markdown]
// ## 4. Saving to SQLite and resuming
//
// Give `createStudy` a storage URL and the study is written to a database in Optuna's own schema (so
// Optuna can read it too). `loadStudy` picks it up later, in another session or another process, and
// `optimize` continues where it stopped.

// %%
const dbFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tunelab-quickstart-')), 'study.db');
const url = `sqlite:///${dbFile}`; // sqlite:/// + an absolute path = four slashes, as in SQLAlchemy
const saved = await createStudy({ studyName: 'branin', storage: url, sampler: new TPESampler({ seed: 2 }) });
await saved.optimize(branin, { nTrials: size.samplerTrials, showProgressBar: false });
const trialsBefore = saved.trials.length;
const bestBefore = saved.bestValue;

// ... later, in a new session:
const resumed = await loadStudy({ studyName: 'branin', storage: url, sampler: new TPESampler({ seed: 3 }) });
const added = 10;
await resumed.optimize(branin, { nTrials: added });
const resumeSummary = {
  trialsBefore,
  added,
  trialsAfterResume: resumed.trials.length,
  sameBest: resumed.trials.slice(0, trialsBefore).reduce((m, t) => Math.min(m, t.values![0]), Infinity) === bestBefore,
  bestAfter: resumed.bestValue,
};
console.log('RESUMED ' + JSON.stringify(resumeSummary));
if (resumeSummary.trialsAfterResume !== trialsBefore + added) throw new Error('the resumed study should hold the old trials plus the new ones');
fs.rmSync(path.dirname(dbFile), { recursive: true, force: true });

// %% [markdown]
// ## What the FULL run showed
//
// With 60 trials the MedianPruner stopped 36 of them after a few epochs, and the best two-moons MLP
// reached 0.98 validation accuracy; the importances (PED-ANOVA, Optuna 5's default) put the momentum
// first (0.48), then the optimizer (0.31), the learning rate (0.12) and the hidden units (0.09). On
// Branin after 80 trials TPE was closest to the minimum 0.397887 (0.421), ahead of QMC (0.909) and
// random search (1.107); the study saved to SQLite resumed with its 80 trials intact and went on to 90.
// The FULL run took 10 s of notebook time (12 s for the whole `tunelab run`) on the 2-core build
// machine, idle (58 s under a load average of about 18, and 22 s idle, in earlier runs).

// %%
console.log('DONE ' + JSON.stringify({ notebook: '01-quickstart', full: FULL, seconds: Math.round((Date.now() - started) / 1000) }));
