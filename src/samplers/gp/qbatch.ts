import { LogEIAcquisition, type Acquisition, type ConstraintModel } from './acquisition';
import type { GaussianProcess } from './gp';
import { choleskyWithJitter, solveLower, solveLowerTransposed } from './linalg';

/** Floor of an improvement before its log is taken (Optuna clamps at the same 1e-12). */
const EPS = 1e-12;
const STABILISING_NOISE = 1e-12;

/**
 * The joint posterior of the R running points (R x dim row-major) that every fantasy sample starts
 * from: their means, the Cholesky factor of their covariance, and each point's kernel weights.
 */
function runningPosterior(
  gp: GaussianProcess,
  running: Float64Array,
  dim: number,
  r: number,
): { muR: Float64Array; lr: Float64Array; weights: Float64Array[] } {
  const point = (j: number) => running.subarray(j * dim, j * dim + dim);
  const muR = new Float64Array(r);
  const cov = new Float64Array(r * r);
  for (let i = 0; i < r; i++) {
    muR[i] = gp.predict(point(i)).mean;
    for (let j = 0; j <= i; j++) {
      const c = gp.posteriorCovariance(point(i), point(j)) + (i === j ? STABILISING_NOISE : 0);
      cov[i * r + j] = c;
      cov[j * r + i] = c;
    }
  }
  return { muR, lr: choleskyWithJitter(cov, r).l, weights: Array.from({ length: r }, (_, j) => gp.weightsFor(point(j))) };
}

/**
 * q-batch log expected improvement with the running trials as the rest of the batch (sequential
 * greedy selection, as Optuna 5.0's qLogEI): fantasy values at the R running points are drawn once
 * from the joint posterior with fixed quasi-Monte Carlo normals; the candidate x is then sampled from
 * the posterior conditioned on each fantasy, and the utility of a sample is the best improvement over
 * `best` within the batch:
 *
 *   qLogEI(x) = log (1/S) sum_s max(max_j (F_sj - best)^+, (y_s(x) - best)^+)
 *   y_s(x) = mu(x) + c(x)^T C^-1 (F_s - mu_r) + sqrt(var(x) - c(x)^T C^-1 c(x)) z_s
 *
 * where C is the posterior covariance of the running points and c(x) their posterior covariance with
 * x. A candidate at a running point reproduces that point's fantasies and gains nothing, so two
 * concurrent workers do not propose the same point. With constraints, log P(feasible) of each
 * constraint GP is added (marginal feasibility; Optuna 5.0 also conditions feasibility on the
 * running fantasies).
 */
export class QLogEIAcquisition implements Acquisition {
  readonly dim: number;
  private readonly r: number;
  private readonly nSamples: number;
  /** Cholesky factor of the running points' posterior covariance (R x R). */
  private readonly lr: Float64Array;
  /** K^-1 k(X, r_j) per running point (R x n). */
  private readonly weights: Float64Array[];
  /** C^-1 (F_s - mu_r) per sample (S x R). */
  private readonly shift: Float64Array;
  /** log of the best fantasy improvement per sample. */
  private readonly fantasyLogImprovement: Float64Array;
  /** The candidate's base normal per sample. */
  private readonly zx: Float64Array;
  private readonly feasibility: LogEIAcquisition | null;
  private readonly dMean: Float64Array;
  private readonly dVar: Float64Array;
  private readonly scratch: Float64Array;
  private readonly u: Float64Array;

  constructor(
    private readonly gp: GaussianProcess,
    private readonly best: number | null,
    /** Running points, R x dim row-major. */
    private readonly running: Float64Array,
    /** S x (R + 1) standard-normal base samples; the last column is the candidate's. */
    baseSamples: Float64Array,
    constraints: readonly ConstraintModel[],
    dim: number,
  ) {
    this.dim = dim;
    const r = (this.r = running.length / dim);
    const s = (this.nSamples = baseSamples.length / (r + 1));
    this.feasibility = constraints.length > 0 ? new LogEIAcquisition(null, null, constraints, dim) : null;
    const { muR, lr, weights } = runningPosterior(gp, running, dim, r);
    this.lr = lr;
    this.weights = weights;
    this.shift = new Float64Array(s * r);
    this.fantasyLogImprovement = new Float64Array(s);
    this.zx = new Float64Array(s);
    const z = new Float64Array(r);
    for (let k = 0; k < s; k++) {
      for (let j = 0; j < r; j++) z[j] = baseSamples[k * (r + 1) + j];
      this.zx[k] = baseSamples[k * (r + 1) + r];
      // F = mu_r + L z, so C^-1 (F - mu_r) = L^-T z.
      this.shift.set(solveLowerTransposed(this.lr, r, z), k * r);
      let bestF = -Infinity;
      for (let j = 0; j < r; j++) {
        let f = muR[j];
        for (let q = 0; q <= j; q++) f += this.lr[j * r + q] * z[q];
        bestF = Math.max(bestF, f);
      }
      this.fantasyLogImprovement[k] = best === null ? 0 : Math.log(Math.max(bestF - best, EPS));
    }
    this.dMean = new Float64Array(dim);
    this.dVar = new Float64Array(dim);
    this.scratch = new Float64Array(dim);
    this.u = new Float64Array(s);
  }

  value(x: Float64Array, grad?: Float64Array): number {
    if (grad) grad.fill(0);
    let total = 0;
    if (this.best !== null) total += this.logQei(x, grad);
    if (this.feasibility) {
      total += this.feasibility.value(x, grad ? this.scratch : undefined);
      if (grad) for (let i = 0; i < this.dim; i++) grad[i] += this.scratch[i];
    }
    return total;
  }

  private logQei(x: Float64Array, grad?: Float64Array): number {
    const { gp, r, dim, nSamples: s } = this;
    const best = this.best!;
    const { mean, variance } = gp.predict(x, grad ? this.dMean : undefined, grad ? this.dVar : undefined);
    // c_j = k(x, r_j) - k(x, X)^T K^-1 k(X, r_j), and its gradient.
    const c = new Float64Array(r);
    const dc = grad ? new Float64Array(r * dim) : null;
    const g = this.scratch;
    for (let j = 0; j < r; j++) {
      c[j] = gp.kernelWithGrad(x, this.running.subarray(j * dim, j * dim + dim), g);
      if (dc) dc.set(g, j * dim);
    }
    const { n } = gp.data;
    const X = gp.data.x;
    for (let i = 0; i < n; i++) {
      const k = dc ? gp.kernelWithGrad(x, X.subarray(i * dim, i * dim + dim), g) : gp.kernel(x, X.subarray(i * dim, i * dim + dim));
      for (let j = 0; j < r; j++) {
        const a = this.weights[j][i];
        c[j] -= k * a;
        if (dc) for (let d = 0; d < dim; d++) dc[j * dim + d] -= g[d] * a;
      }
    }
    const h = solveLowerTransposed(this.lr, r, solveLower(this.lr, r, c));
    let explained = 0;
    for (let j = 0; j < r; j++) explained += c[j] * h[j];
    const condVar = Math.max(variance + STABILISING_NOISE - explained, 0);
    const sd = Math.sqrt(condVar);
    let max = -Infinity;
    const y = new Float64Array(s);
    for (let k = 0; k < s; k++) {
      let m = mean;
      for (let j = 0; j < r; j++) m += c[j] * this.shift[k * r + j];
      y[k] = m + sd * this.zx[k];
      this.u[k] = Math.max(this.fantasyLogImprovement[k], Math.log(Math.max(y[k] - best, EPS)));
      if (this.u[k] > max) max = this.u[k];
    }
    let sum = 0;
    for (let k = 0; k < s; k++) sum += Math.exp(this.u[k] - max);
    const logSum = max + Math.log(sum);
    if (grad && dc) {
      // Only samples where the candidate's own improvement is the batch maximum carry a gradient.
      let gMean = 0;
      let gZ = 0;
      const gShift = new Float64Array(r);
      for (let k = 0; k < s; k++) {
        const imp = y[k] - best;
        if (imp <= EPS || Math.log(imp) < this.fantasyLogImprovement[k]) continue;
        const w = Math.exp(this.u[k] - logSum) / imp;
        gMean += w;
        gZ += w * this.zx[k];
        for (let j = 0; j < r; j++) gShift[j] += w * this.shift[k * r + j];
      }
      for (let d = 0; d < dim; d++) {
        // d condVar = d var - 2 h^T dc.
        let dCond = this.dVar[d];
        let dShift = 0;
        for (let j = 0; j < r; j++) {
          dCond -= 2 * h[j] * dc[j * dim + d];
          dShift += gShift[j] * dc[j * dim + d];
        }
        const dSd = sd > 0 ? dCond / (2 * sd) : 0;
        grad[d] += gMean * this.dMean[d] + dShift + gZ * dSd;
      }
    }
    return logSum - Math.log(s);
  }
}

/**
 * One objective's posterior at a candidate conditioned on fantasy values at the running points,
 * per quasi-Monte Carlo sample (the machinery of qLogEI, shared by qLogEHVI):
 *   y_s(x) = mu(x) + c(x)^T shift_s + sd(x) z_s,  sd(x)^2 = var(x) - c(x)^T C^-1 c(x).
 */
export class RunningConditional {
  readonly r: number;
  readonly nSamples: number;
  /** S x R fantasy values at the running points. */
  readonly fantasies: Float64Array;
  /** S x R: C^-1 (F_s - mu_r). */
  readonly shift: Float64Array;
  /** The candidate's base normal per sample. */
  readonly zx: Float64Array;
  private readonly lr: Float64Array;
  private readonly weights: Float64Array[];
  private readonly kGrad: Float64Array;
  // Results of the last at() call.
  mean = 0;
  sd = 0;
  readonly c: Float64Array;
  readonly dMean: Float64Array;
  readonly dVar: Float64Array;
  /** R x dim gradient of c. */
  readonly dc: Float64Array;
  /** d sd / dx. */
  readonly dSd: Float64Array;

  constructor(
    private readonly gp: GaussianProcess,
    private readonly running: Float64Array,
    baseSamples: Float64Array,
  ) {
    const dim = gp.data.dim;
    const r = (this.r = running.length / dim);
    const s = (this.nSamples = baseSamples.length / (r + 1));
    const { muR, lr, weights } = runningPosterior(gp, running, dim, r);
    this.lr = lr;
    this.weights = weights;
    this.fantasies = new Float64Array(s * r);
    this.shift = new Float64Array(s * r);
    this.zx = new Float64Array(s);
    const z = new Float64Array(r);
    for (let k = 0; k < s; k++) {
      for (let j = 0; j < r; j++) z[j] = baseSamples[k * (r + 1) + j];
      this.zx[k] = baseSamples[k * (r + 1) + r];
      this.shift.set(solveLowerTransposed(this.lr, r, z), k * r);
      for (let j = 0; j < r; j++) {
        let f = muR[j];
        for (let q = 0; q <= j; q++) f += this.lr[j * r + q] * z[q];
        this.fantasies[k * r + j] = f;
      }
    }
    this.kGrad = new Float64Array(dim);
    this.c = new Float64Array(r);
    this.dMean = new Float64Array(dim);
    this.dVar = new Float64Array(dim);
    this.dc = new Float64Array(r * dim);
    this.dSd = new Float64Array(dim);
  }

  /** Sample s of the candidate's conditional posterior after at(x). */
  sample(s: number): number {
    let m = this.mean;
    for (let j = 0; j < this.r; j++) m += this.c[j] * this.shift[s * this.r + j];
    return m + this.sd * this.zx[s];
  }

  /** Conditional mean pieces and sd at x; with grad, also their input gradients. */
  at(x: Float64Array, grad: boolean): void {
    const { gp, r } = this;
    const { n, dim } = gp.data;
    const X = gp.data.x;
    const p = gp.predict(x, grad ? this.dMean : undefined, grad ? this.dVar : undefined);
    this.mean = p.mean;
    const g = this.kGrad;
    for (let j = 0; j < r; j++) {
      const pt = this.running.subarray(j * dim, j * dim + dim);
      this.c[j] = grad ? gp.kernelWithGrad(x, pt, g) : gp.kernel(x, pt);
      if (grad) this.dc.set(g, j * dim);
    }
    for (let i = 0; i < n; i++) {
      const xi = X.subarray(i * dim, i * dim + dim);
      const k = grad ? gp.kernelWithGrad(x, xi, g) : gp.kernel(x, xi);
      for (let j = 0; j < r; j++) {
        const a = this.weights[j][i];
        this.c[j] -= k * a;
        if (grad) for (let d = 0; d < dim; d++) this.dc[j * dim + d] -= g[d] * a;
      }
    }
    const h = solveLowerTransposed(this.lr, r, solveLower(this.lr, r, this.c));
    let explained = 0;
    for (let j = 0; j < r; j++) explained += this.c[j] * h[j];
    this.sd = Math.sqrt(Math.max(p.variance + STABILISING_NOISE - explained, 0));
    if (grad) {
      for (let d = 0; d < dim; d++) {
        let dCond = this.dVar[d];
        for (let j = 0; j < r; j++) dCond -= 2 * h[j] * this.dc[j * dim + d];
        this.dSd[d] = this.sd > 0 ? dCond / (2 * this.sd) : 0;
      }
    }
  }
}
