import type { Rng } from '../../rng';
import { symmetricEigen } from './eigen';
import { scalingOf } from './margin';

/**
 * The CMA-ES optimiser state (Hansen, "The CMA Evolution Strategy: A Tutorial", 2016) over the unit
 * cube, kept as plain JSON so samplers can store it in trial system attributes and any process can
 * continue the run. Positive recombination weights, cumulative step-size adaptation, rank-one and
 * rank-mu covariance updates; `separable` restricts C to its diagonal with the faster learning rates
 * of sep-CMA (Ros & Hansen 2008); `margin` (alpha, or null) enables the margin correction of
 * margin.ts, which samples x = mean + sigma * A * y, y ~ N(0, C), with the diagonal scaling A.
 */
export interface CmaState {
  dim: number;
  popsize: number;
  mean: number[];
  sigma: number;
  /** Row-major covariance (separable: only the diagonal is used). */
  cov: number[];
  pc: number[];
  ps: number[];
  generation: number;
  separable: boolean;
  /** Recent best values per generation (for the tolfun stopping test). */
  bestHistory: number[];
  /** Margin alpha for discrete dimensions (null: no margin correction). */
  margin: number | null;
  /** Diagonal of the margin scaling A (absent in states stored before it existed: all ones). */
  a?: number[];
  /** Learning rate adaptation's state (LRA-CMA-ES), absent when the run does not adapt them. */
  lr?: LearningRates;
}

/**
 * What learning rate adaptation (Nomura, Akimoto & Ono, "CMA-ES with Learning Rate Adaptation: Can
 * CMA-ES with Default Population Size Solve Multimodal and Noisy Problems?", GECCO 2023) carries
 * from one generation to the next: moving averages of the mean's and the covariance's one-step
 * updates in the local coordinates of the distribution before them (`eMean`, `eSigma`, row-major
 * n x n), of their squared norms (`vMean`, `vSigma`), and the two learning rates they set.
 */
export interface LearningRates {
  eMean: number[];
  eSigma: number[];
  vMean: number;
  vSigma: number;
  etaMean: number;
  etaSigma: number;
}

/** The paper's hyperparameters (its defaults, which Optuna 5.0's cmaes 0.13 uses). */
const LRA = { alpha: 1.4, betaMean: 0.1, betaSigma: 0.03, gamma: 0.1 };

interface Params {
  mu: number;
  weights: number[];
  mueff: number;
  cc: number;
  cs: number;
  c1: number;
  cmu: number;
  damps: number;
  chiN: number;
}

function strategyParams(dim: number, popsize: number, separable: boolean): Params {
  const mu = Math.floor(popsize / 2);
  const raw = Array.from({ length: mu }, (_, i) => Math.log((popsize + 1) / 2) - Math.log(i + 1));
  const sum = raw.reduce((a, b) => a + b, 0);
  const weights = raw.map((w) => w / sum);
  const mueff = 1 / weights.reduce((a, w) => a + w * w, 0);
  const n = dim;
  const cc = (4 + mueff / n) / (n + 4 + (2 * mueff) / n);
  const cs = (mueff + 2) / (n + mueff + 5);
  let c1 = 2 / ((n + 1.3) ** 2 + mueff);
  let cmu = Math.min(1 - c1, (2 * (mueff - 2 + 1 / mueff)) / ((n + 2) ** 2 + mueff));
  if (separable) {
    // sep-CMA learns only n variances, so it can afford (n+2)/3 times faster learning rates.
    c1 *= (n + 2) / 3;
    cmu = Math.min(1 - c1, (cmu * (n + 2)) / 3);
  }
  const damps = 1 + 2 * Math.max(0, Math.sqrt((mueff - 1) / (n + 1)) - 1) + cs;
  const chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
  return { mu, weights, mueff, cc, cs, c1, cmu, damps, chiN };
}

export function defaultPopsize(dim: number): number {
  return 4 + Math.floor(3 * Math.log(dim));
}

export function initialState(
  mean: number[],
  sigma: number,
  popsize: number,
  opts: { separable: boolean; margin: number | null; lrAdapt?: boolean; cov?: readonly number[] },
): CmaState {
  const dim = mean.length;
  const cov = opts.cov ? [...opts.cov] : new Array<number>(dim * dim).fill(0);
  if (!opts.cov) for (let i = 0; i < dim; i++) cov[i * dim + i] = 1;
  const state: CmaState = {
    dim,
    popsize,
    mean: [...mean],
    sigma,
    cov,
    pc: new Array<number>(dim).fill(0),
    ps: new Array<number>(dim).fill(0),
    generation: 0,
    separable: opts.separable,
    bestHistory: [],
    margin: opts.margin,
    a: new Array<number>(dim).fill(1),
  };
  if (opts.lrAdapt) {
    state.lr = {
      eMean: new Array<number>(dim).fill(0),
      eSigma: new Array<number>(dim * dim).fill(0),
      vMean: 0,
      vSigma: 0,
      etaMean: 1,
      etaSigma: 1,
    };
  }
  return state;
}

/** B and D (C = B diag(D^2) B^T) for sampling and for C^-1/2. */
function decompose(s: CmaState): { b: Float64Array; d: Float64Array } {
  const n = s.dim;
  if (s.separable) {
    const b = new Float64Array(n * n);
    const d = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      b[i * n + i] = 1;
      d[i] = Math.sqrt(Math.max(s.cov[i * n + i], 1e-300));
    }
    return { b, d };
  }
  const { values, vectors } = symmetricEigen(Float64Array.from(s.cov), n);
  return { b: vectors, d: values.map((v) => Math.sqrt(Math.max(v, 1e-300))) };
}

/**
 * Draw one candidate x = mean + sigma A B D z. Candidates outside [0,1]^n are redrawn (up to 100
 * times), then clipped, which keeps the distribution's shape where the bounds do not bind.
 */
export function sampleCandidate(s: CmaState, rng: Rng): number[] {
  const n = s.dim;
  const { b, d } = decompose(s);
  const a = scalingOf(s);
  let x: number[] = [];
  for (let attempt = 0; attempt < 100; attempt++) {
    const z = Array.from({ length: n }, () => rng.normal());
    x = s.mean.map((m, i) => {
      let y = 0;
      for (let k = 0; k < n; k++) y += b[i * n + k] * d[k] * z[k];
      return m + s.sigma * a[i] * y;
    });
    if (x.every((v) => v >= 0 && v <= 1)) return x;
  }
  return x.map((v) => Math.min(1, Math.max(0, v)));
}

/** Update the distribution from one generation's (point, value) pairs; returns the new state. */
export function tell(prev: CmaState, solutions: ReadonlyArray<{ x: readonly number[]; value: number }>): CmaState {
  const s: CmaState = JSON.parse(JSON.stringify(prev));
  const n = s.dim;
  const p = strategyParams(n, s.popsize, s.separable);
  const sorted = [...solutions].sort((a, b) => a.value - b.value);
  const { b, d } = decompose(prev);
  // C learns the A-free steps y = (x - mean) / (sigma A); the mean moves by sigma A y_w.
  const a = scalingOf(prev);
  const ys = sorted.slice(0, p.mu).map((sol) => sol.x.map((v, i) => (v - prev.mean[i]) / (prev.sigma * a[i])));
  const yw = new Array<number>(n).fill(0);
  ys.forEach((y, k) => y.forEach((v, i) => (yw[i] += p.weights[k] * v)));
  s.mean = prev.mean.map((m, i) => m + prev.sigma * a[i] * yw[i]);
  // C^-1/2 yw = B D^-1 B^T yw
  const bt = new Array<number>(n).fill(0);
  for (let k = 0; k < n; k++) {
    let v = 0;
    for (let i = 0; i < n; i++) v += b[i * n + k] * yw[i];
    bt[k] = v / d[k];
  }
  const cInvHalfYw = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) cInvHalfYw[i] += b[i * n + k] * bt[k];
  const csFactor = Math.sqrt(p.cs * (2 - p.cs) * p.mueff);
  s.ps = prev.ps.map((v, i) => (1 - p.cs) * v + csFactor * cInvHalfYw[i]);
  const psNorm = Math.sqrt(s.ps.reduce((a, v) => a + v * v, 0));
  const hsig = psNorm / Math.sqrt(1 - (1 - p.cs) ** (2 * (prev.generation + 1))) < (1.4 + 2 / (n + 1)) * p.chiN ? 1 : 0;
  const ccFactor = Math.sqrt(p.cc * (2 - p.cc) * p.mueff);
  s.pc = prev.pc.map((v, i) => (1 - p.cc) * v + hsig * ccFactor * yw[i]);
  const deltaH = (1 - hsig) * p.cc * (2 - p.cc);
  const decay = 1 + p.c1 * deltaH - p.c1 - p.cmu;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (s.separable && i !== j) continue;
      let rankMu = 0;
      ys.forEach((y, k) => (rankMu += p.weights[k] * y[i] * y[j]));
      s.cov[i * n + j] = decay * prev.cov[i * n + j] + p.c1 * s.pc[i] * s.pc[j] + p.cmu * rankMu;
    }
  }
  s.sigma = prev.sigma * Math.exp(Math.min(1, (p.cs / p.damps) * (psNorm / p.chiN - 1)));
  if (prev.lr) adaptLearningRates(prev, s, b, d);
  s.generation = prev.generation + 1;
  s.bestHistory = [...prev.bestHistory, sorted[0].value].slice(-(10 + Math.ceil((30 * n) / s.popsize)));
  return s;
}

/**
 * Whether this run has converged or stalled (a restart is due): the best values of recent
 * generations span less than 1e-12, the search distribution shrank below 1e-11 of the unit cube,
 * or the covariance became ill-conditioned (condition number above 1e14).
 */
export function shouldStop(s: CmaState, lastValues: readonly number[]): boolean {
  const n = s.dim;
  const window = 10 + Math.ceil((30 * n) / s.popsize);
  if (s.bestHistory.length >= window) {
    const all = [...s.bestHistory, ...lastValues];
    if (Math.max(...all) - Math.min(...all) < 1e-12) return true;
  }
  const a = scalingOf(s);
  let maxStd = 0;
  for (let i = 0; i < n; i++) maxStd = Math.max(maxStd, s.sigma * a[i] * Math.sqrt(s.cov[i * n + i]));
  if (maxStd < 1e-11) return true;
  const { d } = decompose(s);
  const dmax = Math.max(...d);
  const dmin = Math.min(...d);
  return (dmax / dmin) ** 2 > 1e14;
}

/**
 * Learning rate adaptation (LRA-CMA-ES) applied to one generation's update, in place on `next`: the
 * update of the mean and of the covariance sigma^2 C, each in the local coordinates of the
 * distribution before it, feed moving averages whose signal-to-noise ratio steers each learning
 * rate toward alpha times it (up when the updates agree from one generation to the next, down when
 * they are mostly noise, capped at 1); the mean then moves by etaMean of its update, the covariance
 * by etaSigma of its own, and sigma is the covariance's determinant^(1/2n), corrected by the change
 * of etaMean. `b`, `d`: the eigendecomposition of the covariance before (C = B diag(d^2) B^T).
 */
export function adaptLearningRates(prev: CmaState, next: CmaState, b: Float64Array, d: Float64Array): void {
  const lr = next.lr!;
  const n = prev.dim;
  const { alpha, betaMean, betaSigma, gamma } = LRA;
  // W = C^-1/2 / sigma of the distribution before, which maps an update to local coordinates.
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let v = 0;
      for (let k = 0; k < n; k++) v += (b[i * n + k] * b[j * n + k]) / d[k];
      w[i * n + j] = v / prev.sigma;
    }
  }
  const deltaMean = next.mean.map((m, i) => m - prev.mean[i]);
  const sigmaBefore = prev.cov.map((c) => prev.sigma ** 2 * c);
  const deltaSigma = next.cov.map((c, k) => next.sigma ** 2 * c - sigmaBefore[k]);
  const localMean = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) localMean[i] += w[i * n + j] * deltaMean[j];
  // W dSigma W, over sqrt(2) so that its norm is on the mean's scale.
  const wDelta = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) wDelta[i * n + j] += w[i * n + k] * deltaSigma[k * n + j];
  const localSigma = new Array<number>(n * n).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let v = 0;
      for (let k = 0; k < n; k++) v += wDelta[i * n + k] * w[k * n + j];
      localSigma[i * n + j] = v / Math.SQRT2;
    }
  }
  const squaredNorm = (v: readonly number[]): number => v.reduce((acc, x) => acc + x * x, 0);
  lr.eMean = lr.eMean.map((e, i) => (1 - betaMean) * e + betaMean * localMean[i]);
  lr.eSigma = lr.eSigma.map((e, i) => (1 - betaSigma) * e + betaSigma * localSigma[i]);
  lr.vMean = (1 - betaMean) * lr.vMean + betaMean * squaredNorm(localMean);
  lr.vSigma = (1 - betaSigma) * lr.vSigma + betaSigma * squaredNorm(localSigma);
  const snr = (e: readonly number[], v: number, beta: number): number => {
    const e2 = squaredNorm(e);
    return (e2 - (beta / (2 - beta)) * v) / (v - e2);
  };
  const adapted = (eta: number, ratio: number, beta: number): number => {
    const relative = Math.min(1, Math.max(-1, ratio / alpha / eta - 1));
    return Math.min(1, eta * Math.exp(Math.min(gamma * eta, beta) * relative));
  };
  const etaMeanBefore = lr.etaMean;
  lr.etaMean = adapted(lr.etaMean, snr(lr.eMean, lr.vMean, betaMean), betaMean);
  lr.etaSigma = adapted(lr.etaSigma, snr(lr.eSigma, lr.vSigma, betaSigma), betaSigma);
  next.mean = prev.mean.map((m, i) => m + lr.etaMean * deltaMean[i]);
  const { sigma, cov } = stepSizeAndShape(
    sigmaBefore.map((v, k) => v + lr.etaSigma * deltaSigma[k]),
    n,
  );
  next.cov = cov;
  next.sigma = (sigma * etaMeanBefore) / lr.etaMean;
}

/**
 * A covariance Sigma (row-major n x n) as sigma^2 C, C of determinant 1: sigma^2n = det(Sigma),
 * from the log of the eigenvalues' product, which may not fit a double.
 */
function stepSizeAndShape(sigmaMatrix: readonly number[], n: number): { sigma: number; cov: number[] } {
  const { values } = symmetricEigen(Float64Array.from(sigmaMatrix), n);
  let logDet = 0;
  for (const v of values) logDet += Math.log(v);
  const sigma = Math.exp(logDet / (2 * n));
  return { sigma, cov: sigmaMatrix.map((v) => v / sigma ** 2) };
}

/**
 * The warm-starting distribution of WS-CMA-ES (Nomura et al., "Warm Starting CMA-ES for
 * Hyperparameter Optimization", AAAI 2021): the best `gamma` share of a source task's solutions
 * (points in the unit cube, at least one), their mean, and their covariance plus alpha^2 I, given as
 * sigma^2 C with sigma = det^(1/2n) (C of determinant 1). Its defaults are the paper's and
 * Optuna 5.0's (gamma 0.1, alpha 0.1).
 */
export function warmStartDistribution(
  solutions: ReadonlyArray<{ x: readonly number[]; value: number }>,
  gamma = 0.1,
  alpha = 0.1,
): { mean: number[]; sigma: number; cov: number[] } {
  const top = [...solutions].sort((p, q) => p.value - q.value).slice(0, Math.floor(solutions.length * gamma));
  if (top.length === 0) throw new RangeError(`warm starting takes at least ${Math.ceil(1 / gamma)} solutions, got ${solutions.length}`);
  const n = top[0].x.length;
  const mean = new Array<number>(n).fill(0);
  for (const { x } of top) x.forEach((v, i) => (mean[i] += v / top.length));
  const cov = new Array<number>(n * n).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let second = 0;
      for (const { x } of top) second += x[i] * x[j];
      cov[i * n + j] = (i === j ? alpha ** 2 : 0) + second / top.length - mean[i] * mean[j];
    }
  }
  return { mean, ...stepSizeAndShape(cov, n) };
}
