import { LogEIAcquisition, type Acquisition, type ConstraintModel } from './acquisition';
import { nonDominatedBoxes, type BoxSet } from './boxes';
import type { RunningConditional } from './qbatch';
import type { GaussianProcess } from './gp';

/** Floor of a box overlap before its log is taken (Optuna clamps at the same 1e-12). */
const EPS = 1e-12;
/** Added to each predictive variance so the standard deviation keeps a gradient at observed points. */
const STABILISING_NOISE = 1e-12;

/**
 * log expected hypervolume improvement (Daulton et al. 2020, Eq. 1) for maximisation of standardised
 * objectives, one independent GP per objective, estimated with fixed quasi-Monte Carlo normal samples:
 *
 *   log EHVI(x) = log (1/S) sum_s sum_boxes prod_d clamp(y_sd(x) - lower_d, eps, width_d),
 *   y_sd(x) = mean_d(x) + sd_d(x) z_sd
 *
 * computed as one log-sum-exp over samples and boxes. With constraints, the log probability of
 * feasibility of each constraint GP is added (independence assumed, as Optuna's log CEHVI); with no
 * feasible observation yet (`boxes` null) only the feasibility terms remain.
 */
export class LogEHVIAcquisition implements Acquisition {
  readonly dim: number;
  private readonly m: number;
  private readonly nSamples: number;
  private readonly feasibility: LogEIAcquisition | null;
  private readonly dMean: Float64Array[];
  private readonly dVar: Float64Array[];
  private readonly terms: Float64Array;
  private readonly mean: Float64Array;
  private readonly sd: Float64Array;
  private readonly scratch: Float64Array;

  constructor(
    private readonly gps: readonly GaussianProcess[],
    private readonly boxes: BoxSet | null,
    /** nSamples x m standard-normal base samples. */
    private readonly baseSamples: Float64Array,
    constraints: readonly ConstraintModel[],
    dim: number,
  ) {
    this.dim = dim;
    this.m = gps.length;
    this.nSamples = baseSamples.length / this.m;
    this.feasibility = constraints.length > 0 ? new LogEIAcquisition(null, null, constraints, dim) : null;
    this.dMean = gps.map(() => new Float64Array(dim));
    this.dVar = gps.map(() => new Float64Array(dim));
    this.terms = new Float64Array(this.nSamples * (boxes?.count ?? 0));
    this.mean = new Float64Array(this.m);
    this.sd = new Float64Array(this.m);
    this.scratch = new Float64Array(dim);
  }

  value(x: Float64Array, grad?: Float64Array): number {
    if (grad) grad.fill(0);
    let total = 0;
    if (this.boxes) {
      for (let d = 0; d < this.m; d++) {
        const p = this.gps[d].predict(x, grad ? this.dMean[d] : undefined, grad ? this.dVar[d] : undefined);
        this.mean[d] = p.mean;
        this.sd[d] = Math.sqrt(p.variance + STABILISING_NOISE);
      }
      total += grad ? this.logEhviWithGrad(grad) : this.logEhvi(this.mean, this.sd);
    }
    if (this.feasibility) {
      total += this.feasibility.value(x, grad ? this.scratch : undefined);
      if (grad) for (let i = 0; i < this.dim; i++) grad[i] += this.scratch[i];
    }
    return total;
  }

  valueBatch(xs: Float64Array, count: number): Float64Array {
    const out = this.feasibility ? this.feasibility.valueBatch(xs, count) : new Float64Array(count);
    if (!this.boxes) return out;
    const means = this.gps.map(() => new Float64Array(count));
    const vars = this.gps.map(() => new Float64Array(count));
    this.gps.forEach((gp, d) => gp.predictBatch(xs, count, means[d], vars[d]));
    const mean = new Float64Array(this.m);
    const sd = new Float64Array(this.m);
    for (let j = 0; j < count; j++) {
      for (let d = 0; d < this.m; d++) {
        mean[d] = means[d][j];
        sd[d] = Math.sqrt(vars[d][j] + STABILISING_NOISE);
      }
      out[j] += this.logEhvi(mean, sd);
    }
    return out;
  }

  private logEhvi(mean: Float64Array, sd: Float64Array): number {
    const { lower, width, count } = this.boxes!;
    const m = this.m;
    const z = this.baseSamples;
    let max = -Infinity;
    const terms = this.terms;
    let t = 0;
    for (let s = 0; s < this.nSamples; s++) {
      for (let b = 0; b < count; b++, t++) {
        let v = 0;
        for (let d = 0; d < m; d++) {
          const diff = mean[d] + sd[d] * z[s * m + d] - lower[b * m + d];
          v += Math.log(Math.min(Math.max(diff, EPS), width[b * m + d]));
        }
        terms[t] = v;
        if (v > max) max = v;
      }
    }
    let sum = 0;
    for (let i = 0; i < t; i++) sum += Math.exp(terms[i] - max);
    return max + Math.log(sum) - Math.log(this.nSamples);
  }

  /** log EHVI at the current mean/sd, adding d/dx through every (sample, box) term into grad. */
  private logEhviWithGrad(grad: Float64Array): number {
    const value = this.logEhvi(this.mean, this.sd);
    const logSum = value + Math.log(this.nSamples);
    const { lower, width, count } = this.boxes!;
    const m = this.m;
    const z = this.baseSamples;
    // d value / d mean_d = sum_terms w / diff_d ; d value / d sd_d = sum_terms w z_sd / diff_d,
    // over the terms where the clamp is inactive (w = softmax weight of the term).
    const dMeanCoef = new Float64Array(m);
    const dSdCoef = new Float64Array(m);
    let t = 0;
    for (let s = 0; s < this.nSamples; s++) {
      for (let b = 0; b < count; b++, t++) {
        const w = Math.exp(this.terms[t] - logSum);
        if (w < 1e-300) continue;
        for (let d = 0; d < m; d++) {
          const zs = z[s * m + d];
          const diff = this.mean[d] + this.sd[d] * zs - lower[b * m + d];
          if (diff <= EPS || diff >= width[b * m + d]) continue;
          dMeanCoef[d] += w / diff;
          dSdCoef[d] += (w * zs) / diff;
        }
      }
    }
    for (let d = 0; d < m; d++) {
      const dm = this.dMean[d];
      const dv = this.dVar[d];
      const sd = this.sd[d];
      for (let i = 0; i < this.dim; i++) grad[i] += dMeanCoef[d] * dm[i] + (dSdCoef[d] * dv[i]) / (2 * sd);
    }
    return value;
  }
}

/**
 * q-batch log EHVI with the running trials as the rest of the batch (Optuna 5.0's qLogEHVI):
 * fantasy outcomes at the running points are drawn per quasi-Monte Carlo sample (independently per
 * objective GP); each sample's Pareto front is the feasible observations plus that sample's fantasies
 * (its own box decomposition, the observations' reference point), and the candidate is sampled from
 * the posterior conditioned on the same fantasies:
 *
 *   qLogEHVI(x) = log (1/S) sum_s HVI(y_s(x) | front_s)
 *
 * A candidate at a running point reproduces that point's fantasies and adds no volume. With
 * constraints, log P(feasible) per constraint is added (marginal feasibility; Optuna 5.0 also keeps
 * only fantasies sampled as feasible).
 */
export class QLogEHVIAcquisition implements Acquisition {
  readonly dim: number;
  private readonly m: number;
  private readonly nSamples: number;
  private readonly feasibility: LogEIAcquisition | null;
  private readonly boxesPerSample: BoxSet[];
  private readonly y: Float64Array;
  private readonly scratch: Float64Array;

  constructor(
    private readonly conditionals: readonly RunningConditional[],
    feasibleY: readonly Float64Array[],
    ref: Float64Array,
    constraints: readonly ConstraintModel[],
    dim: number,
  ) {
    this.dim = dim;
    this.m = conditionals.length;
    this.nSamples = conditionals[0].nSamples;
    this.feasibility = constraints.length > 0 ? new LogEIAcquisition(null, null, constraints, dim) : null;
    const r = conditionals[0].r;
    this.boxesPerSample = [];
    for (let s = 0; s < this.nSamples; s++) {
      const fantasies = Array.from({ length: r }, (_, j) => Float64Array.from(conditionals, (cond) => cond.fantasies[s * r + j]));
      this.boxesPerSample.push(nonDominatedBoxes([...feasibleY, ...fantasies], ref));
    }
    this.y = new Float64Array(this.nSamples * this.m);
    this.scratch = new Float64Array(dim);
  }

  value(x: Float64Array, grad?: Float64Array): number {
    if (grad) grad.fill(0);
    const { m, nSamples: S } = this;
    for (const cond of this.conditionals) cond.at(x, grad !== undefined);
    for (let s = 0; s < S; s++) for (let d = 0; d < m; d++) this.y[s * m + d] = this.conditionals[d].sample(s);
    // Log-sum-exp over every (sample, box) term.
    let max = -Infinity;
    const termOf = (s: number, b: number, boxes: BoxSet) => {
      let v = 0;
      for (let d = 0; d < m; d++) {
        const diff = this.y[s * m + d] - boxes.lower[b * m + d];
        v += Math.log(Math.min(Math.max(diff, EPS), boxes.width[b * m + d]));
      }
      return v;
    };
    const terms: Float64Array[] = [];
    for (let s = 0; s < S; s++) {
      const boxes = this.boxesPerSample[s];
      const t = new Float64Array(boxes.count);
      for (let b = 0; b < boxes.count; b++) {
        t[b] = termOf(s, b, boxes);
        if (t[b] > max) max = t[b];
      }
      terms.push(t);
    }
    let sum = 0;
    for (const t of terms) for (let b = 0; b < t.length; b++) sum += Math.exp(t[b] - max);
    const logSum = max + Math.log(sum);
    let total = logSum - Math.log(S);
    if (grad) {
      const dim = this.dim;
      for (let d = 0; d < m; d++) {
        const cond = this.conditionals[d];
        const r = cond.r;
        let gMean = 0;
        let gZ = 0;
        const gShift = new Float64Array(r);
        for (let s = 0; s < S; s++) {
          const boxes = this.boxesPerSample[s];
          const yd = this.y[s * m + d];
          for (let b = 0; b < boxes.count; b++) {
            const diff = yd - boxes.lower[b * m + d];
            if (diff <= EPS || diff >= boxes.width[b * m + d]) continue;
            const w = Math.exp(terms[s][b] - logSum) / diff;
            if (w === 0) continue;
            gMean += w;
            gZ += w * cond.zx[s];
            for (let j = 0; j < r; j++) gShift[j] += w * cond.shift[s * r + j];
          }
        }
        for (let i = 0; i < dim; i++) {
          let dShift = 0;
          for (let j = 0; j < r; j++) dShift += gShift[j] * cond.dc[j * dim + i];
          grad[i] += gMean * cond.dMean[i] + dShift + gZ * cond.dSd[i];
        }
      }
    }
    if (this.feasibility) {
      total += this.feasibility.value(x, grad ? this.scratch : undefined);
      if (grad) for (let i = 0; i < this.dim; i++) grad[i] += this.scratch[i];
    }
    return total;
  }
}
