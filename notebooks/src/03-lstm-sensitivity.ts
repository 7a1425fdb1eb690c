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
// This notebook repeats the analysis with tunelab: random search over the same four hyperparameters
// with the same ranges, a vanilla LSTM (`LSTM`, tfjs), tunelab's `fanova` (main effects and pairwise
// interactions, mean ± std across the forest's trees), and the learning rate vs hidden size map.
//
// | | Greff et al. | here |
// |---|---|---|
// | task | TIMIT, IAM Online, JSB Chorales | the adding problem (`datasets.addingProblem`, length 10: sum the two marked values), a sequence task small enough for a CPU |
// | trials | 200 per variant and data set | 200 (FULL) |
// | hidden size | log-uniform [20, 200] | the same |
// | learning rate | log-uniform [1e-6, 1e-2] | log-uniform [1e-4, 1]: shifted up by two decades, because we average gradients over minibatches of 32 and train for 2 epochs on 160 sequences (Greff et al. update per sequence for many epochs) |
// | momentum | 1 − log-uniform [0.01, 1] | the same |
// | input noise | Gaussian, std uniform [0, 1] | the same |
// | score | test-set error | validation mean squared error (capped at 0.5, three times the error of always answering 1, so a diverged run does not swamp the variance) |
//
// Sizes: the small default (CI) runs 6 trials; `FULL = true` runs 200. Saved outputs come from
// `tunelab run notebooks/03-lstm-sensitivity.ipynb --param FULL=true`.

// %% tags=["parameters"]
let FULL = false;

// %%
import { createStudy, RandomSampler, LSTM, datasets, fanova, meanSquaredError, type Trial } from 'tunelab';
import { Plot } from 'tunelab/widgets';

const started = Date.now();
const nTrials = FULL ? 200 : 6;
const T = 10;
const train = datasets.addingProblem(FULL ? 160 : 96, { length: T, seed: 1 });
const valid = datasets.addingProblem(256, { length: T, seed: 2 });
const epochs = 2;
const MSE_CAP = 0.5;

async function objective(trial: Trial): Promise<number> {
  const learningRate = trial.suggestFloat('learningRate', 1e-4, 1, { log: true });
  const hiddenSize = trial.suggestInt('hiddenSize', 20, 200, { log: true });
  const oneMinusMomentum = trial.suggestFloat('oneMinusMomentum', 0.01, 1, { log: true });
  const inputNoise = trial.suggestFloat('inputNoise', 0, 1);
  trial.setUserAttr('momentum', 1 - oneMinusMomentum);
  const model = new LSTM({
    inputShape: [T, 2], hiddenSize, task: 'regression', optimizer: 'momentum', learningRate,
    momentum: Math.min(1 - oneMinusMomentum, 0.99), inputNoise, batchSize: 32, epochs, seed: trial.number,
  });
  try {
    await model.fit(train.X, train.y);
    const mse = meanSquaredError(valid.y, model.predict(valid.X));
    return Number.isFinite(mse) ? Math.min(mse, MSE_CAP) : MSE_CAP;
  } finally {
    model.dispose();
  }
}

const study = await createStudy({ studyName: 'lstm-adding', direction: 'minimize', sampler: new RandomSampler({ seed: 0 }) });
await study.optimize(objective, { nTrials });
const complete = study.trials.filter((t) => t.values);
console.log('SENSITIVITY ' + JSON.stringify({ nTrials, completeTrials: complete.length, bestMse: +study.bestValue.toFixed(4), bestParams: study.bestParams }));
if (complete.length !== nTrials) throw new Error(`expected ${nTrials} complete trials, got ${complete.length}`);

// %% [markdown]
// ## fANOVA: main effects and interactions
//
// The fraction of the variance of validation error explained by each hyperparameter alone, and by each
// pair beyond its main effects (learning rate, hidden size and 1 − momentum on a log scale, as sampled).

// %%
const fa = fanova(study, { nTrees: 64, seed: 0 });
const label: Record<string, string> = { learningRate: 'learning rate', hiddenSize: 'hidden size', oneMinusMomentum: 'momentum', inputNoise: 'input noise' };
const mainRows = fa.params.map((p) => ({ param: p, mean: fa.main[p].mean, std: fa.main[p].std })).sort((a, b) => b.mean - a.mean);
for (const r of mainRows) console.log(`${label[r.param].padEnd(14)} ${(100 * r.mean).toFixed(1).padStart(5)}% ± ${(100 * r.std).toFixed(1)}%`);
for (const i of fa.interactions.slice(0, 3)) console.log(`${label[i.params[0]]} × ${label[i.params[1]]}: ${(100 * i.mean).toFixed(1)}% ± ${(100 * i.std).toFixed(1)}%`);
display(new Plot({
  data: [
    { type: 'bar', name: 'main effect', x: mainRows.map((r) => label[r.param]), y: mainRows.map((r) => r.mean), error_y: { type: 'data', array: mainRows.map((r) => r.std) } },
    { type: 'bar', name: 'pairwise interaction', x: fa.interactions.map((i) => `${label[i.params[0]]} × ${label[i.params[1]]}`), y: fa.interactions.map((i) => i.mean), error_y: { type: 'data', array: fa.interactions.map((i) => i.std) } },
  ],
  layout: { title: { text: `fANOVA over ${fa.nSamples} trials: fraction of variance` }, yaxis: { title: { text: 'fraction of variance' } }, height: 380 },
}, { height: 380 }));
if (fa.params.length !== 4 || fa.interactions.length !== 6) throw new Error('four hyperparameters and six pairs expected');

// %% [markdown]
// ## Learning rate versus hidden size
//
// Greff et al.'s map shows the good learning rates in the same band whatever the hidden size. Here the
// trials are split into three hidden-size groups; each curve is validation error against log₁₀ of the
// learning rate. The check below compares, per group, where the best trials' learning rates lie.

// %%
const groups = [
  { name: 'hidden 20–40', lo: 20, hi: 40 },
  { name: 'hidden 41–100', lo: 41, hi: 100 },
  { name: 'hidden 101–200', lo: 101, hi: 200 },
];
const points = complete.map((t) => ({ lr: t.params.learningRate as number, h: t.params.hiddenSize as number, mse: t.values![0] }));
display(new Plot({
  data: groups.map((g) => {
    const pts = points.filter((p) => p.h >= g.lo && p.h <= g.hi).sort((a, b) => a.lr - b.lr);
    return { type: 'scatter', mode: 'markers', name: g.name, x: pts.map((p) => Math.log10(p.lr)), y: pts.map((p) => p.mse) };
  }),
  layout: { title: { text: 'Validation MSE vs learning rate, by hidden size' }, xaxis: { title: { text: 'log10(learning rate)' } }, yaxis: { title: { text: 'validation MSE (capped at 0.5)' } }, height: 380 },
}, { height: 380 }));
// %% [markdown]
// The same trials as a map, as in the paper's figure: mean validation error in bins of (log learning
// rate, log hidden size), darker is better; empty bins are left white. Drawn as a plotly heatmap in the
// widget and as a plain SVG for readers without it.

// %%
const BINS = 6;
const lrEdges = [-4, 0]; // log10 range of the learning rate
const hEdges = [Math.log10(20), Math.log10(200)];
const binOf = (v: number, [lo, hi]: number[]) => Math.min(BINS - 1, Math.max(0, Math.floor(((v - lo) / (hi - lo)) * BINS)));
const sums = Array.from({ length: BINS }, () => new Array<number>(BINS).fill(0));
const counts = Array.from({ length: BINS }, () => new Array<number>(BINS).fill(0));
for (const p of points) {
  const i = binOf(Math.log10(p.h), hEdges);
  const j = binOf(Math.log10(p.lr), lrEdges);
  sums[i][j] += p.mse;
  counts[i][j]++;
}
const cellMean = sums.map((row, i) => row.map((s, j) => (counts[i][j] ? s / counts[i][j] : null)));
const centers = (lo: number, hi: number) => Array.from({ length: BINS }, (_, k) => lo + ((k + 0.5) * (hi - lo)) / BINS);
const lrCenters = centers(lrEdges[0], lrEdges[1]).map((v) => +v.toFixed(2));
const hCenters = centers(hEdges[0], hEdges[1]).map((v) => Math.round(10 ** v));
display(new Plot({
  data: [{ type: 'heatmap', x: lrCenters, y: hCenters, z: cellMean, colorscale: 'Viridis', colorbar: { title: { text: 'MSE' } } }],
  layout: { title: { text: 'Mean validation MSE by learning rate and hidden size' }, xaxis: { title: { text: 'log10(learning rate)' } }, yaxis: { title: { text: 'hidden size (bin centre)' }, type: 'category' }, height: 380 },
}, { height: 380 }));
/** The map as a self-contained SVG (GitHub shows it without the widget manager). */
function mapSvg(): string {
  const W = 420, H = 300, L = 70, T = 30, cw = (W - L - 10) / BINS, ch = (H - T - 40) / BINS;
  const vals = cellMean.flat().filter((v): v is number => v !== null);
  const lo = Math.min(...vals), hi = Math.max(...vals);
  const shade = (v: number) => { const t = hi > lo ? (v - lo) / (hi - lo) : 0; const c = Math.round(30 + 200 * t); return `rgb(${c},${Math.round(40 + 180 * t)},${Math.round(120 + 100 * t)})`; };
  const cells = cellMean.flatMap((row, i) => row.map((v, j) => v === null ? '' :
    `<rect x="${(L + j * cw).toFixed(1)}" y="${(T + (BINS - 1 - i) * ch).toFixed(1)}" width="${cw.toFixed(1)}" height="${ch.toFixed(1)}" fill="${shade(v)}"><title>${v.toFixed(3)}</title></rect>`));
  const xl = lrCenters.map((c, j) => `<text x="${(L + (j + 0.5) * cw).toFixed(1)}" y="${H - 22}" text-anchor="middle">${c}</text>`);
  const yl = hCenters.map((c, i) => `<text x="${L - 6}" y="${(T + (BINS - 1 - i + 0.6) * ch).toFixed(1)}" text-anchor="end">${c}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11"><text x="${W / 2}" y="16" text-anchor="middle" font-size="13">Mean validation MSE (dark = low ${lo.toFixed(3)}, light = high ${hi.toFixed(3)})</text>${cells.join('')}${xl.join('')}${yl.join('')}<text x="${(L + W) / 2}" y="${H - 6}" text-anchor="middle">log10(learning rate)</text><text x="12" y="${T + (H - T - 40) / 2}" transform="rotate(-90 12 ${T + (H - T - 40) / 2})" text-anchor="middle">hidden size</text></svg>`;
}
display({ 'image/svg+xml': mapSvg(), 'text/plain': 'learning rate x hidden size map' });
if (counts.flat().reduce((a, b) => a + b, 0) !== points.length) throw new Error('every trial falls in one bin of the map');

// %%
/** Median log10 learning rate of the best quarter of a group's trials (NaN for tiny groups). */
const goodLr = (pts: typeof points) => {
  if (pts.length < 4) return NaN;
  const best = [...pts].sort((a, b) => a.mse - b.mse).slice(0, Math.max(2, Math.floor(pts.length / 4)));
  const logs = best.map((p) => Math.log10(p.lr)).sort((a, b) => a - b);
  return logs[Math.floor(logs.length / 2)];
};
const goodByGroup = groups.map((g) => ({ group: g.name, trials: points.filter((p) => p.h >= g.lo && p.h <= g.hi).length, medianLog10LrOfBestQuarter: +goodLr(points.filter((p) => p.h >= g.lo && p.h <= g.hi)).toFixed(2) }));
console.log('LRMAP ' + JSON.stringify(goodByGroup));

// %% [markdown]
// ## The paper's conclusions, checked
//
// Each claim is evaluated on this run's numbers. At the small CI size (6 trials) the verdicts mean
// nothing and only the mechanics are asserted; the FULL verdicts are discussed in the text below.

// %%
const share = (p: string) => fa.main[p].mean;
const lrXh = fa.interactions.find((i) => i.params.includes('learningRate') && i.params.includes('hiddenSize'))!;
const finite = goodByGroup.map((g) => g.medianLog10LrOfBestQuarter).filter((v) => Number.isFinite(v));
const conclusions = [
  { claim: 'learning rate is the most important hyperparameter', ours: mainRows[0].param, holds: mainRows[0].param === 'learningRate' },
  { claim: 'learning rate explains more than 2/3 of the variance', ours: +share('learningRate').toFixed(3), holds: share('learningRate') > 2 / 3 },
  { claim: 'hidden size is second', ours: mainRows[1].param, holds: mainRows[1].param === 'hiddenSize' },
  { claim: 'momentum and input noise matter little (< 5% each)', ours: [+share('oneMinusMomentum').toFixed(3), +share('inputNoise').toFixed(3)], holds: share('oneMinusMomentum') < 0.05 && share('inputNoise') < 0.05 },
  { claim: 'learning rate × hidden size interaction is small (< 10%)', ours: +lrXh.mean.toFixed(3), holds: lrXh.mean < 0.1 },
  { claim: 'good learning rates do not move with hidden size (best-quarter medians within one decade)', ours: finite, holds: finite.length >= 2 && Math.max(...finite) - Math.min(...finite) <= 1 },
];
for (const c of conclusions) console.log('CONCLUSIONS ' + JSON.stringify(c));
if (conclusions.some((c) => typeof c.holds !== 'boolean')) throw new Error('every conclusion gets a verdict');

// %% [markdown]
// ## What the FULL run showed (200 trials)
//
// | | Greff et al. (vanilla LSTM, their three data sets) | here (adding problem, 200 trials) |
// |---|---|---|
// | learning rate, main effect | more than 2/3 of the variance | 48.4% ± 5.9% (the largest) |
// | hidden size, main effect | second | 0.8% ± 0.9% |
// | momentum, main effect | small | 12.0% ± 3.9% |
// | input noise, main effect | small | 1.2% ± 1.3% |
// | largest interaction | learning rate × hidden size, small | learning rate × momentum, 20.1% ± 6.4%; learning rate × hidden size 1.7% |
// | good learning rates move with hidden size? | no | no: the best quarter of each hidden-size group sits at 10^-0.75, 10^-1.16, 10^-1.27 |
//
// **Reproduced:** the learning rate is by far the most important single hyperparameter, the learning
// rate × hidden size interaction is small, and the region of good learning rates stays put (within half
// a decade) as the network grows, so the paper's advice (tune the learning rate first, on a small
// network) holds here too.
//
// **Different, and why:** momentum matters more, and mostly through its interaction with the learning
// rate. With SGD and momentum m the effective step is about lr / (1 − m), so in a short run (2 epochs, 10
// updates) the two act as one "step size" and fANOVA splits that effect between the learning rate, the
// momentum and their interaction: together they explain about 80% of the variance, close to the paper's "more
// than two thirds" for the learning rate alone. Greff et al. trained for many epochs with per-sequence
// updates, where momentum's effect on the step size washes out. Hidden size matters little here because
// in 10 updates no network comes near its capacity on a two-input task; on TIMIT or IAM, bigger networks
// keep improving. Training longer would bring our set-up closer to theirs, at 10–50× the compute. The
// FULL run took 184 s of notebook time (199 s for the whole `tunelab run`) on the 2-core build machine;
// an earlier identical run under heavy load took 584 s.

// %%
console.log('DONE ' + JSON.stringify({ notebook: '03-lstm-sensitivity', full: FULL, seconds: Math.round((Date.now() - started) / 1000) }));
