import type { Rng } from '../../rng';
import { choleskyInverse, choleskyWithJitter, solveLower, solveLowerTransposed } from './linalg';
import { minimizeLbfgs } from './lbfgs';

/**
 * Gaussian-process regression with a Matern 5/2 ARD kernel on inputs normalised to [0, 1].
 *
 *   k(x, x') = s2 * (1 + sqrt5 r + 5 r^2 / 3) exp(-sqrt5 r),   r^2 = sum_d lambda_d delta_d(x, x')^2
 *
 * with lambda_d = 1/lengthscale_d^2 and delta_d = x_d - x'_d for numeric dimensions or the Hamming
 * indicator [x_d != x'_d] for categorical ones (a category index has no order). Observations get a
 * noise variance on the diagonal. Hyperparameters are packed in log space as
 *   theta = [log lambda_1 .. log lambda_D, log s2, log(noise - MIN_NOISE)]
 * and fitted by maximising the log marginal likelihood plus weak log priors, with analytic gradients.
 */

const SQRT5 = Math.sqrt(5);
const LOG_2PI = Math.log(2 * Math.PI);
/** Floor of the noise variance (outputs are standardised, so this is relative to their spread). */
export const MIN_NOISE = 1e-6;
/** Candidates per block in predictBatch. */
const PREDICT_BLOCK = 64;

export interface GPData {
  /** n x D row-major inputs in [0, 1] (categoricals as choice indices). */
  readonly x: Float64Array;
  /** n outputs (standardised by the caller). */
  readonly y: Float64Array;
  readonly n: number;
  readonly dim: number;
  /** 1 where dimension d is categorical (Hamming distance). */
  readonly categorical: Uint8Array;
}

/** Per-pair squared differences, computed once per data set and reused by every likelihood call. */
function pairDiffs(data: GPData): Float64Array {
  const { x, n, dim, categorical } = data;
  const out = new Float64Array(((n * (n - 1)) / 2) * dim);
  let p = 0;
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++) {
      for (let d = 0; d < dim; d++) {
        const a = x[i * dim + d];
        const b = x[j * dim + d];
        out[p++] = categorical[d] ? (a === b ? 0 : 1) : (a - b) * (a - b);
      }
    }
  }
  return out;
}

/** Matern 5/2 as a function of r^2 (without the signal variance), and its derivative in r^2. */
function matern52(r2: number): { m: number; dm: number } {
  const r = Math.sqrt(r2);
  const e = Math.exp(-SQRT5 * r);
  return { m: (1 + SQRT5 * r + (5 / 3) * r2) * e, dm: -(5 / 6) * (1 + SQRT5 * r) * e };
}

export function thetaSize(dim: number): number {
  return dim + 2;
}

/** Default starting hyperparameters: unit length scales, unit signal variance, small noise. */
export function defaultTheta(dim: number, deterministic: boolean): Float64Array {
  const t = new Float64Array(thetaSize(dim));
  t[dim] = 0;
  t[dim + 1] = deterministic ? Math.log(1e-9) : Math.log(1e-2);
  return t;
}

/** Box for theta, wide enough never to bind on sensible data, narrow enough to keep K well conditioned. */
export function thetaBounds(dim: number, deterministic: boolean): { lower: Float64Array; upper: Float64Array } {
  const lower = new Float64Array(thetaSize(dim));
  const upper = new Float64Array(thetaSize(dim));
  for (let d = 0; d < dim; d++) {
    lower[d] = Math.log(1e-3);
    upper[d] = Math.log(1e4);
  }
  lower[dim] = Math.log(1e-2);
  upper[dim] = Math.log(1e2);
  // A deterministic objective keeps the noise pinned at the floor (the bound collapses to a point).
  lower[dim + 1] = Math.log(1e-9);
  upper[dim + 1] = deterministic ? Math.log(1e-9) : Math.log(2);
  return { lower, upper };
}

/**
 * Weak log priors on theta that keep length scales in a plausible range for [0,1] inputs, the signal
 * variance near the standardised output variance, and favour small noise. Writes d(prior)/d(theta) into grad.
 */
export function logPrior(theta: Float64Array, dim: number, grad?: Float64Array): number {
  let lp = 0;
  for (let d = 0; d < dim; d++) {
    const lam = Math.exp(theta[d]);
    lp += -0.1 / lam - 0.1 * lam;
    if (grad) grad[d] += 0.1 / lam - 0.1 * lam;
  }
  const s2 = Math.exp(theta[dim]);
  lp += theta[dim] - s2; // Gamma(2, 1) on s2
  if (grad) grad[dim] += 1 - s2;
  const nz = Math.exp(theta[dim + 1]);
  lp += 0.1 * theta[dim + 1] - 30 * nz; // Gamma(1.1, 30) on the noise
  if (grad) grad[dim + 1] += 0.1 - 30 * nz;
  return lp;
}

interface Factorisation {
  l: Float64Array;
  alpha: Float64Array;
  logLik: number;
}

/**
 * Log marginal likelihood log N(y | 0, K(theta)); with `grad`, adds its gradient in theta:
 *   d/dtheta_j = 1/2 tr((alpha alpha^T - K^-1) dK/dtheta_j),  alpha = K^-1 y.
 */
export function logMarginalLikelihood(
  data: GPData,
  theta: Float64Array,
  grad?: Float64Array,
  diffs: Float64Array = pairDiffs(data),
): number {
  return factorise(data, theta, diffs, grad).logLik;
}

function factorise(data: GPData, theta: Float64Array, diffs: Float64Array, grad?: Float64Array): Factorisation {
  const { n, dim, y } = data;
  const lam = new Float64Array(dim);
  for (let d = 0; d < dim; d++) lam[d] = Math.exp(theta[d]);
  const s2 = Math.exp(theta[dim]);
  const noiseExtra = Math.exp(theta[dim + 1]);
  const noise = MIN_NOISE + noiseExtra;
  const k = new Float64Array(n * n);
  const npairs = (n * (n - 1)) / 2;
  const dmPair = grad ? new Float64Array(npairs) : null;
  let p = 0;
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++, p++) {
      let r2 = 0;
      const base = p * dim;
      for (let d = 0; d < dim; d++) r2 += lam[d] * diffs[base + d];
      const { m, dm } = matern52(r2);
      const v = s2 * m;
      k[i * n + j] = v;
      k[j * n + i] = v;
      if (dmPair) dmPair[p] = s2 * dm;
    }
  }
  for (let i = 0; i < n; i++) k[i * n + i] = s2 + noise;
  const { l } = choleskyWithJitter(k, n);
  const alpha = solveLowerTransposed(l, n, solveLower(l, n, y));
  let quad = 0;
  let logDet = 0;
  for (let i = 0; i < n; i++) {
    quad += y[i] * alpha[i];
    logDet += Math.log(l[i * n + i]);
  }
  const logLik = -0.5 * quad - logDet - 0.5 * n * LOG_2PI;
  if (grad && dmPair) {
    const kinv = choleskyInverse(l, n);
    let gS2 = 0;
    let gNoise = 0;
    const gLam = new Float64Array(dim);
    for (let i = 0; i < n; i++) {
      const w = alpha[i] * alpha[i] - kinv[i * n + i];
      gS2 += 0.5 * w * s2;
      gNoise += 0.5 * w * noiseExtra;
    }
    p = 0;
    for (let i = 1; i < n; i++) {
      for (let j = 0; j < i; j++, p++) {
        // Off-diagonal pairs appear twice in the trace, so the 1/2 cancels.
        const w = alpha[i] * alpha[j] - kinv[i * n + j];
        gS2 += w * k[i * n + j];
        const wdm = w * dmPair[p];
        const base = p * dim;
        for (let d = 0; d < dim; d++) gLam[d] += wdm * diffs[base + d];
      }
    }
    for (let d = 0; d < dim; d++) grad[d] += gLam[d] * lam[d];
    grad[dim] += gS2;
    grad[dim + 1] += gNoise;
  }
  return { l, alpha, logLik };
}

export interface FitOptions {
  deterministic: boolean;
  /** Hyperparameters of the previous fit (warm start); kept as one of the starting points. */
  warmStart?: Float64Array | null;
  /** Extra random starting points besides the default (and warm start). */
  randomRestarts: number;
  maxIter: number;
  rng: Rng;
  /** Stop when the projected gradient's largest component is below this (default 1e-4). */
  gradTol?: number;
}

/** Fit theta by maximising log marginal likelihood + log prior from several starts; returns the model. */
export function fitGaussianProcess(data: GPData, opts: FitOptions): GaussianProcess {
  const { dim } = data;
  const diffs = pairDiffs(data);
  const { lower, upper } = thetaBounds(dim, opts.deterministic);
  const starts: Float64Array[] = [];
  const warm = opts.warmStart && opts.warmStart.length === thetaSize(dim) ? opts.warmStart : null;
  if (warm) starts.push(Float64Array.from(warm));
  // The default start is skipped when warm-starting without restarts: the warm point already sits
  // near the optimum, and each extra start costs a full fit.
  if (!warm || opts.randomRestarts > 0) starts.push(defaultTheta(dim, opts.deterministic));
  for (let r = 0; r < opts.randomRestarts; r++) {
    const t = defaultTheta(dim, opts.deterministic);
    for (let d = 0; d < dim; d++) t[d] = opts.rng.uniform(Math.log(0.1), Math.log(30));
    t[dim] = opts.rng.uniform(Math.log(0.3), Math.log(3));
    starts.push(t);
  }
  const negObjective = (theta: Float64Array, g: Float64Array): number => {
    g.fill(0);
    let v: number;
    try {
      v = factorise(data, theta, diffs, g).logLik + logPrior(theta, dim, g);
    } catch {
      return Infinity;
    }
    for (let i = 0; i < g.length; i++) g[i] = -g[i];
    return -v;
  };
  let best: { x: Float64Array; f: number } | null = null;
  for (const s of starts) {
    const r = minimizeLbfgs(negObjective, s, { lower, upper, maxIter: opts.maxIter, gradTol: opts.gradTol ?? 1e-4, relTol: 1e-9 });
    if (Number.isFinite(r.f) && (!best || r.f < best.f)) best = r;
  }
  const theta = best ? best.x : defaultTheta(dim, opts.deterministic);
  return new GaussianProcess(data, theta, diffs);
}

/** A fitted GP: posterior mean and variance (with input gradients) of the latent function. */
export class GaussianProcess {
  readonly theta: Float64Array;
  private readonly lam: Float64Array;
  private readonly s2: number;
  private readonly l: Float64Array;
  private readonly alpha: Float64Array;
  private readonly kStar: Float64Array;
  private readonly dmStar: Float64Array;
  private readonly v: Float64Array;
  private readonly w: Float64Array;
  private batchScratch = new Float64Array(0);

  constructor(
    readonly data: GPData,
    theta: Float64Array,
    diffs?: Float64Array,
  ) {
    this.theta = Float64Array.from(theta);
    const { dim, n } = data;
    this.lam = new Float64Array(dim);
    for (let d = 0; d < dim; d++) this.lam[d] = Math.exp(theta[d]);
    this.s2 = Math.exp(theta[dim]);
    const f = factorise(data, this.theta, diffs ?? pairDiffs(data));
    this.l = f.l;
    this.alpha = f.alpha;
    this.kStar = new Float64Array(n);
    this.dmStar = new Float64Array(n);
    this.v = new Float64Array(n);
    this.w = new Float64Array(n);
  }

  get signalVariance(): number {
    return this.s2;
  }

  get noiseVariance(): number {
    return MIN_NOISE + Math.exp(this.theta[this.data.dim + 1]);
  }

  /** Length scales (1/sqrt(lambda)) per input dimension. */
  get lengthScales(): number[] {
    return Array.from(this.lam, (l) => 1 / Math.sqrt(l));
  }

  /**
   * Posterior mean and variance at m points at once (xs: m x dim row-major). The triangular solve
   * runs row by row over all points together, so the inner loop is a contiguous axpy over the m
   * candidates: several times faster than m separate predict() calls when screening candidates.
   */
  predictBatch(xs: Float64Array, m: number, meanOut: Float64Array, varOut: Float64Array): void {
    // Blocks of candidates keep the n x block work array in cache during the triangular solve
    // (one n x m array for ~1000 candidates at n = 100 spills out of L2 and halves the speed).
    for (let start = 0; start < m; start += PREDICT_BLOCK) {
      const size = Math.min(PREDICT_BLOCK, m - start);
      this.predictBlock(
        xs.subarray(start * this.data.dim, (start + size) * this.data.dim),
        size,
        meanOut.subarray(start, start + size),
        varOut.subarray(start, start + size),
      );
    }
  }

  private predictBlock(xs: Float64Array, m: number, meanOut: Float64Array, varOut: Float64Array): void {
    const { n, dim, categorical } = this.data;
    const X = this.data.x;
    const lam = this.lam;
    if (this.batchScratch.length < n * m) this.batchScratch = new Float64Array(n * m);
    const v = this.batchScratch;
    const s2 = this.s2;
    const allNumeric = !categorical.includes(1);
    meanOut.fill(0, 0, m);
    for (let i = 0; i < n; i++) {
      const base = i * dim;
      const row = i * m;
      const ai = this.alpha[i];
      for (let j = 0; j < m; j++) {
        let r2 = 0;
        const cb = j * dim;
        if (allNumeric) {
          for (let d = 0; d < dim; d++) {
            const t = xs[cb + d] - X[base + d];
            r2 += lam[d] * t * t;
          }
        } else {
          for (let d = 0; d < dim; d++) {
            const a = xs[cb + d];
            const b = X[base + d];
            r2 += lam[d] * (categorical[d] ? (a === b ? 0 : 1) : (a - b) * (a - b));
          }
        }
        const r = Math.sqrt(r2);
        const kv = s2 * (1 + SQRT5 * r + (5 / 3) * r2) * Math.exp(-SQRT5 * r);
        v[row + j] = kv;
        meanOut[j] += kv * ai;
      }
    }
    const l = this.l;
    for (let i = 0; i < n; i++) {
      const row = i * m;
      const li = i * n;
      let k = 0;
      // Four earlier rows at a time: one load and store of row i per four multiply-adds.
      for (; k + 3 < i; k += 4) {
        const c0 = l[li + k];
        const c1 = l[li + k + 1];
        const c2 = l[li + k + 2];
        const c3 = l[li + k + 3];
        const r0 = k * m;
        const r1 = r0 + m;
        const r2 = r1 + m;
        const r3 = r2 + m;
        for (let j = 0; j < m; j++) v[row + j] -= c0 * v[r0 + j] + c1 * v[r1 + j] + c2 * v[r2 + j] + c3 * v[r3 + j];
      }
      for (; k < i; k++) {
        const c = l[li + k];
        const rk = k * m;
        for (let j = 0; j < m; j++) v[row + j] -= c * v[rk + j];
      }
      const inv = 1 / l[li + i];
      for (let j = 0; j < m; j++) v[row + j] *= inv;
    }
    for (let j = 0; j < m; j++) varOut[j] = this.s2;
    for (let i = 0; i < n; i++) {
      const row = i * m;
      for (let j = 0; j < m; j++) varOut[j] -= v[row + j] * v[row + j];
    }
    const floor = 1e-12 * this.s2;
    for (let j = 0; j < m; j++) if (varOut[j] < floor) varOut[j] = floor;
  }

  /** Prior covariance k(a, b) of f between two points. */
  kernel(a: ArrayLike<number>, b: ArrayLike<number>): number {
    const { dim, categorical } = this.data;
    let r2 = 0;
    for (let d = 0; d < dim; d++) r2 += this.lam[d] * (categorical[d] ? (a[d] === b[d] ? 0 : 1) : (a[d] - b[d]) * (a[d] - b[d]));
    return this.s2 * matern52(r2).m;
  }

  /**
   * k(x, b) and, into grad, its gradient in the numeric dimensions of x (categorical ones stay 0).
   */
  kernelWithGrad(x: ArrayLike<number>, b: ArrayLike<number>, grad: Float64Array): number {
    const { dim, categorical } = this.data;
    let r2 = 0;
    for (let d = 0; d < dim; d++) r2 += this.lam[d] * (categorical[d] ? (x[d] === b[d] ? 0 : 1) : (x[d] - b[d]) * (x[d] - b[d]));
    const { m, dm } = matern52(r2);
    for (let d = 0; d < dim; d++) grad[d] = categorical[d] ? 0 : this.s2 * dm * 2 * this.lam[d] * (x[d] - b[d]);
    return this.s2 * m;
  }

  /** K^-1 k(X, b): the weights that turn prior covariances with b into posterior ones. */
  weightsFor(b: ArrayLike<number>): Float64Array {
    const { n, dim } = this.data;
    const kb = new Float64Array(n);
    for (let i = 0; i < n; i++) kb[i] = this.kernel(b, this.data.x.subarray(i * dim, i * dim + dim));
    return solveLowerTransposed(this.l, n, solveLower(this.l, n, kb));
  }

  /**
   * Posterior covariance of f between two points, k(a, b) - k_a^T K^-1 k_b (the Terminator's EMMR
   * needs it between two trials; predict() gives the variance at one point).
   */
  posteriorCovariance(a: ArrayLike<number>, b: ArrayLike<number>): number {
    const { n, dim } = this.data;
    const X = this.data.x;
    const ka = new Float64Array(n);
    const kb = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const xi = X.subarray(i * dim, i * dim + dim);
      ka[i] = this.kernel(a, xi);
      kb[i] = this.kernel(b, xi);
    }
    const va = solveLower(this.l, n, ka);
    const vb = solveLower(this.l, n, kb);
    let dot = 0;
    for (let i = 0; i < n; i++) dot += va[i] * vb[i];
    return this.kernel(a, b) - dot;
  }

  /**
   * Posterior mean and variance of f at x (dim values). With `dMean`/`dVar`, also their gradients in
   * the numeric input dimensions (categorical components are left 0: they move by discrete search).
   */
  predict(x: ArrayLike<number>, dMean?: Float64Array, dVar?: Float64Array): { mean: number; variance: number } {
    const { n, dim, categorical } = this.data;
    const X = this.data.x;
    const lam = this.lam;
    let mean = 0;
    for (let i = 0; i < n; i++) {
      let r2 = 0;
      const base = i * dim;
      for (let d = 0; d < dim; d++) {
        const a = x[d];
        const b = X[base + d];
        r2 += lam[d] * (categorical[d] ? (a === b ? 0 : 1) : (a - b) * (a - b));
      }
      const r = Math.sqrt(r2);
      const e = Math.exp(-SQRT5 * r);
      const kv = this.s2 * (1 + SQRT5 * r + (5 / 3) * r2) * e;
      this.kStar[i] = kv;
      this.dmStar[i] = this.s2 * -(5 / 6) * (1 + SQRT5 * r) * e;
      mean += kv * this.alpha[i];
    }
    solveLower(this.l, n, this.kStar, this.v);
    let vv = 0;
    for (let i = 0; i < n; i++) vv += this.v[i] * this.v[i];
    const variance = Math.max(this.s2 - vv, 1e-12 * this.s2);
    if (dMean || dVar) {
      if (dVar) solveLowerTransposed(this.l, n, this.v, this.w);
      if (dMean) dMean.fill(0);
      if (dVar) dVar.fill(0);
      for (let i = 0; i < n; i++) {
        const base = i * dim;
        const cm = this.alpha[i] * this.dmStar[i] * 2;
        const cv = dVar ? -2 * this.w[i] * this.dmStar[i] * 2 : 0;
        for (let d = 0; d < dim; d++) {
          if (categorical[d]) continue;
          const t = lam[d] * (x[d] - X[base + d]);
          if (dMean) dMean[d] += cm * t;
          if (dVar) dVar[d] += cv * t;
        }
      }
      if (dVar && variance <= 1e-12 * this.s2) dVar.fill(0);
    }
    return { mean, variance };
  }
}
