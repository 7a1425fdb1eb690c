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
    // fANOVA attributes the variance of the trials' scores; when every trial scored the same (a few
    // trials on an easy data set) there is none to attribute, and every parameter gets 0.
    const scores = new Set(study.trials.flatMap((t) => (typeof t.value === 'number' ? [t.value] : [])));
    const fa = scores.size > 1 ? fanova(study, { seed: 0, interactions: false }) : null;
    results.push({
      dataset: name, model, defaultTest, tunedTest, gain: tunedTest - defaultTest, bestCv: study.bestValue,
      main: fa ? Object.fromEntries(fa.params.map((p) => [p, fa.main[p].mean])) : Object.fromEntries(Object.keys(study.bestParams).map((p) => [p, 0])),
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
// | random forest | 0.899 | 0.895 | −0.003 | `max_features` 0.29, max depth 0.24, min samples per leaf 0.19 |
// | gradient boosting | 0.895 | 0.892 | −0.002 | min samples per leaf 0.29, max depth 0.22, number of trees 0.20, learning rate 0.13 |
//
// - **Defaults vs tuned.** On these three small data sets tuning moves neither model's test accuracy by
//   more than half a point on average, and the per-data-set changes go both ways: penguins gains 1-2
//   points (0.96 → 0.98 for the forest, 0.97 → 0.98 for boosting), iris and two moons lose up to 2
//   (iris 0.911 → 0.889 for the forest; moons 0.825 → 0.808 for boosting), while the tuned models'
//   cross-validated scores on the 70% are high (0.99-1.0 on iris). None of this is resolvable with the
//   30% hold-out (45-120 samples: a standard error of about 3-5 points at 90%), and the best CV score of
//   30 trials is an optimistic estimate (notebook 04). Probst et al. found random forests little
//   tunable and gradient boosting more; these data sets are too small and too easy to show either.
// - **Which hyperparameters matter.** For random forests this run agrees with van Rijn & Hutter:
//   `max_features` (0.29) and the tree size (max depth 0.24, min samples per leaf 0.19) lead. For
//   gradient boosting Probst et al. found the number of trees and the learning rate the most
//   important; here they come third and fourth (0.20 and 0.13) behind the tree size. An earlier run of
//   this notebook, whose stratified split drew other rows (before `trainTestSplit` allotted classes as
//   scikit-learn does), put the forest's minimum leaf size first at 0.45 and `max_features` at 0.08,
//   and boosting's number of trees and learning rate first: with 30 trials per study the fANOVA answer
//   is about this space, these trials and this split, not a universal ranking.
//
// The FULL run took 14 s of notebook time (17 s for the whole `tunelab run`) on the 2-core build
// machine at a load average of about 1.5 (40 s at a load average of 11 in an earlier run).

// %%
mark('DONE', { notebook: '07-tunability', full: FULL, seconds: Math.round((Date.now() - started) / 1000) });
