// -*- coding: utf-8 -*-
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
// # Tunability: which hyperparameters matter for random forests and gradient boosting?
//
// Probst, Boulesteix & Bischl (*Tunability: Importance of Hyperparameters of Machine Learning
// Algorithms*, JMLR 2019) define the **tunability** of an algorithm on a data set as the gain of tuning
// over good defaults, and found random forests barely tunable (the defaults are close to the best)
// while gradient boosting gains much more from tuning, mostly through the learning rate and the number
// of trees. van Rijn & Hutter (*Hyperparameter Importance Across Datasets*, KDD 2018) used fANOVA
// across many data sets for the same question and found, for random forests, the features tried per
// split (`max_features`) and the minimum leaf size most important.
//
// This notebook asks the same two questions on a few small data sets with tunelab's
// `RandomForestClassifier` and `GradientBoostingClassifier` (scikit-learn's defaults):
//
// 1. **defaults vs tuned**: each data set is split 70/30 (stratified); TPE tunes on the 70% by 3-fold
//    cross-validation; the default and the tuned model are both refit on the 70% and scored on the
//    untouched 30% (so the comparison is not biased by selection, see notebook 04);
// 2. **which hyperparameters matter**: fANOVA main effects of each study, averaged over the data sets.
//
// Sizes: the small default (CI) tunes 2 data sets with 5 trials per model; `FULL = true` uses 3 data sets
// and 30 trials. Saved outputs come from
// `tunelab run notebooks/07-tunability.ipynb --param FULL=true`.

// %% tags=["parameters"]
let FULL = false;

// %%
import {
  createStudy, TPESampler, RandomForestClassifier, GradientBoostingClassifier, StratifiedKFold, crossValidate, trainTestSplit,
  fanova, datasets, type Estimator, type Trial,
} from 'tunelab';
import { Plot } from 'tunelab/widgets';
import * as os from 'node:os';

const started = Date.now();
/** One id per run of the notebook: every cell below prints it, so mixed outputs are detectable. */
const RUN_ID = `${new Date().toISOString()}-${Math.random().toString(36).slice(2, 8)}`;
/** Print a `MARKER {json}` line carrying the run id (the tests read these lines back). */
const mark = (marker: string, fields: Record<string, unknown>) => console.log(`${marker} ${JSON.stringify({ run: RUN_ID, ...fields })}`);
const nTrials = FULL ? 30 : 5;
const moons = datasets.twoMoons(FULL ? 400 : 200, { noise: 0.35, seed: 0 });
const data: Record<string, { X: number[][]; y: number[] }> = FULL
  ? { iris: datasets.iris(), penguins: datasets.penguins(), moons }
  : { iris: datasets.iris(), moons };

type ModelName = 'randomForest' | 'gradientBoosting';
/** The search spaces (ranges in the spirit of Probst et al.'s), each model's defaults being scikit-learn's. */
const spaces: Record<ModelName, (t: Trial) => Estimator> = {
  randomForest: (t) => new RandomForestClassifier({
    nEstimators: t.suggestInt('nEstimators', 10, 200, { log: true }),
    maxFeatures: t.suggestFloat('maxFeatures', 0.1, 1),
    minSamplesLeaf: t.suggestInt('minSamplesLeaf', 1, 20, { log: true }),
    maxDepth: t.suggestInt('maxDepth', 1, 20),
    bootstrap: t.suggestCategorical('bootstrap', [true, false]),
    seed: 0,
  }),
  gradientBoosting: (t) => new GradientBoostingClassifier({
    learningRate: t.suggestFloat('learningRate', 0.01, 1, { log: true }),
    nEstimators: t.suggestInt('nEstimators', 10, 200, { log: true }),
    maxDepth: t.suggestInt('maxDepth', 1, 8),
    subsample: t.suggestFloat('subsample', 0.3, 1),
    minSamplesLeaf: t.suggestInt('minSamplesLeaf', 1, 20, { log: true }),
    seed: 0,
  }),
};
const defaults: Record<ModelName, () => Estimator> = {
  randomForest: () => new RandomForestClassifier({ seed: 0 }),
  gradientBoosting: () => new GradientBoostingClassifier({ seed: 0 }),
};
mark('RUN', { id: RUN_ID, full: FULL });
mark('MACHINE', { cpu: os.cpus()[0]?.model, cores: os.cpus().length, loadAverage: os.loadavg().map((v) => +v.toFixed(1)), node: process.version, startedAt: new Date(started).toISOString() });
for (const [name, d] of Object.entries(data)) mark('DATA', { dataset: name, samples: d.X.length, features: d.X[0].length, classes: new Set(d.y).size });

// %% [markdown]
// ## Tuning each model on each data set

// %%
interface Row { dataset: string; model: ModelName; defaultTest: number; tunedTest: number; gain: number; bestCv: number; main: Record<string, number> }
const results: Row[] = [];
for (const [name, d] of Object.entries(data)) {
  const split = trainTestSplit(d.X, d.y, { testSize: 0.3, seed: 0, stratify: true });
  const cv = new StratifiedKFold({ nSplits: 3, shuffle: true, seed: 0 });
  for (const model of ['randomForest', 'gradientBoosting'] as const) {
    const study = await createStudy({ studyName: `${model}-${name}`, direction: 'maximize', sampler: new TPESampler({ seed: 0, nStartupTrials: FULL ? 10 : 3 }) });
    await study.optimize(async (t) => (await crossValidate(spaces[model](t), split.XTrain, split.yTrain, { cv })).mean, { nTrials: nTrials, showProgressBar: name === 'iris' });
    const testScore = async (m: Estimator) => { await m.fit(split.XTrain, split.yTrain); return m.score(split.XTest, split.yTest); };
    // Rebuild the winner through the same space function, with a stand-in trial that answers every
    // suggestion with the best parameters.
    const rebuilt = spaces[model]({ suggestFloat: (n: string) => study.bestParams[n], suggestInt: (n: string) => study.bestParams[n], suggestCategorical: (n: string) => study.bestParams[n] } as unknown as Trial);
    const defaultTest = await testScore(defaults[model]());
    const tunedTest = await testScore(rebuilt);
    const fa = fanova(study, { seed: 0, interactions: false });
    results.push({
      dataset: name, model, defaultTest, tunedTest, gain: tunedTest - defaultTest, bestCv: study.bestValue,
      main: Object.fromEntries(fa.params.map((p) => [p, fa.main[p].mean])),
    });
    mark('TUNED', { dataset: name, model, defaultTest: +defaultTest.toFixed(3), tunedTest: +tunedTest.toFixed(3), bestCv: +study.bestValue.toFixed(3) });
  }
}

// %% [markdown]
// ## Defaults versus tuned, and the hyperparameters that mattered

// %%
const models = ['randomForest', 'gradientBoosting'] as const;
const avg = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
const summary = models.map((model) => {
  const mine = results.filter((r) => r.model === model);
  const params = Object.keys(mine[0].main);
  const importance = Object.fromEntries(params.map((p) => [p, +avg(mine.map((r) => r.main[p] ?? 0)).toFixed(3)]));
  return {
    model,
    datasets: mine.length,
    meanDefaultTest: +avg(mine.map((r) => r.defaultTest)).toFixed(4),
    meanTunedTest: +avg(mine.map((r) => r.tunedTest)).toFixed(4),
    meanGain: +avg(mine.map((r) => r.gain)).toFixed(4),
    importance,
    mostImportant: Object.entries(importance).sort((a, b) => b[1] - a[1])[0][0],
  };
});
for (const s of summary) mark('TUNABILITY', s);
if (summary.some((s) => s.datasets !== Object.keys(data).length)) throw new Error('each model should be tuned on every data set');
for (const s of summary) {
  for (const v of Object.values(s.importance)) if (!(v >= 0 && v <= 1)) throw new Error('fANOVA fractions must lie in [0, 1]');
}

// %%
display(new Plot({
  data: models.flatMap((model) => {
    const mine = results.filter((r) => r.model === model);
    return [
      { type: 'bar', name: `${model}: default`, x: mine.map((r) => r.dataset), y: mine.map((r) => r.defaultTest) },
      { type: 'bar', name: `${model}: tuned`, x: mine.map((r) => r.dataset), y: mine.map((r) => r.tunedTest) },
    ];
  }),
  layout: { title: { text: 'Test accuracy: defaults vs tuned (30% hold-out)' }, barmode: 'group', yaxis: { title: { text: 'test accuracy' } }, height: 360 },
}, { height: 360 }));
for (const s of summary) {
  const entries = Object.entries(s.importance).sort((a, b) => b[1] - a[1]);
  display(new Plot({
    data: [{ type: 'bar', name: s.model, x: entries.map((e) => e[0]), y: entries.map((e) => e[1]) }],
    layout: { title: { text: `${s.model}: fANOVA main effects, mean over data sets` }, yaxis: { title: { text: 'fraction of variance' } }, height: 320 },
  }, { height: 320 }));
}
mark('PLOTS', { shown: ['defaults vs tuned', ...summary.map((s) => `${s.model} fANOVA`)] });

// %% [markdown]
// ## What the FULL run showed (iris, penguins, two moons; 30 TPE trials per model and data set)
//
// | model | default, test accuracy (mean of 3) | tuned, test accuracy | gain | most important hyperparameters (fANOVA, mean over data sets) |
// |---|---|---|---|---|
// | random forest | 0.939 | 0.936 | −0.003 | min samples per leaf 0.45, number of trees 0.15 |
// | gradient boosting | 0.936 | 0.944 | +0.008 | number of trees 0.25, learning rate 0.23, min samples per leaf 0.19 |
//
// - **Defaults vs tuned.** On these three small data sets tuning changes random forests' test accuracy by
//   less than half a point, and gradient boosting's by +0.8 points on average, all of it from two moons
//   (0.850 → 0.875); iris and penguins do not move. None of this is resolvable with the 30% hold-out
//   (45–120 samples: a standard error of about 3 points at 85%). The direction agrees with Probst et al.
//   (random forests have low tunability, gradient boosting more), but our data sets are too easy to show
//   it convincingly (iris and penguins sit at 98% with defaults).
// - **Which hyperparameters matter.** For gradient boosting the number of trees and the learning rate are
//   the top two, as in Probst et al. For random forests van Rijn & Hutter found `max_features` and the
//   minimum leaf size the most important; here the minimum leaf size leads (0.45) but `max_features`
//   explains only 8%, because with 2–4 features every fraction examines almost the same number of
//   features. Which hyperparameters matter depends on the data, on the ranges searched and on where the
//   sampler spent its trials (an earlier run of this notebook with the same space, made before this
//   release's changes to TPE's defaults and seeding, put `maxDepth` first at 0.48): the fANOVA answer is
//   about this space and these trials, not a universal ranking.
//
// The FULL run took 40 s of notebook time (55 s for the whole `tunelab run`) on the 2-core build machine
// under a load average of about 11 (22 s on an idle machine in an earlier run).

// %%
mark('DONE', { notebook: '07-tunability', full: FULL, seconds: Math.round((Date.now() - started) / 1000) });
