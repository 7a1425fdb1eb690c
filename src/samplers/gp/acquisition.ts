import type { Rng } from '../../rng';
import type { GaussianProcess } from './gp';
import { dLogH, dNormalLogCdf, logH, normalLogCdf } from './normal';
import type { SpaceEncoding } from './encoding';
import { minimizeLbfgs } from './lbfgs';

/** A log-scale acquisition function to maximise over the unit cube. */
export interface Acquisition {
  readonly dim: number;
  /** Value at x; with grad, writes d(value)/dx for the numeric dimensions. */
  value(x: Float64Array, grad?: Float64Array): number;
  /** Values at m points (m x dim row-major), for fast candidate screening. */
  valueBatch?(xs: Float64Array, m: number): Float64Array;
}

export interface ConstraintModel {
  gp: GaussianProcess;
  /** The feasibility boundary (constraint <= 0) in the GP's standardised units. */
  threshold: number;
}

/**
 * log EI (for maximisation of the standardised objective) plus, with constraints, the log probability
 * that every constraint is satisfied (Gardner et al. 2014): EI x P(feasible), in log space so both
 * factors stay informative far from the data. With no feasible observation yet (`best` null) only the
 * feasibility term is maximised.
 */
export class LogEIAcquisition implements Acquisition {
  readonly dim: number;
  private readonly dMean: Float64Array;
  private readonly dVar: Float64Array;

  constructor(
    private readonly gp: GaussianProcess | null,
    private readonly best: number | null,
    private readonly constraints: readonly ConstraintModel[] = [],
    dim?: number,
  ) {
    this.dim = dim ?? gp?.data.dim ?? constraints[0].gp.data.dim;
    this.dMean = new Float64Array(this.dim);
    this.dVar = new Float64Array(this.dim);
  }

  value(x: Float64Array, grad?: Float64Array): number {
    if (grad) grad.fill(0);
    let total = 0;
    if (this.gp && this.best !== null) {
      total += this.term(this.gp, x, grad, (mean, sd) => {
        const z = (mean - this.best!) / sd;
        return { v: Math.log(sd) + logH(z), dz: dLogH(z), z, extraDlogSd: 1 };
      });
    }
    for (const c of this.constraints) {
      total += this.term(c.gp, x, grad, (mean, sd) => {
        // P(c(x) <= threshold) = Phi((threshold - mean)/sd)
        const z = (c.threshold - mean) / sd;
        return { v: normalLogCdf(z), dz: dNormalLogCdf(z), z, extraDlogSd: 0, negMean: true };
      });
    }
    return total;
  }

  valueBatch(xs: Float64Array, m: number): Float64Array {
    const out = new Float64Array(m);
    const mean = new Float64Array(m);
    const variance = new Float64Array(m);
    if (this.gp && this.best !== null) {
      this.gp.predictBatch(xs, m, mean, variance);
      for (let j = 0; j < m; j++) {
        const sd = Math.sqrt(variance[j]);
        out[j] += Math.log(sd) + logH((mean[j] - this.best) / sd);
      }
    }
    for (const c of this.constraints) {
      c.gp.predictBatch(xs, m, mean, variance);
      for (let j = 0; j < m; j++) out[j] += normalLogCdf((c.threshold - mean[j]) / Math.sqrt(variance[j]));
    }
    return out;
  }

  private term(
    gp: GaussianProcess,
    x: Float64Array,
    grad: Float64Array | undefined,
    f: (mean: number, sd: number) => { v: number; dz: number; z: number; extraDlogSd: number; negMean?: boolean },
  ): number {
    const { mean, variance } = gp.predict(x, grad ? this.dMean : undefined, grad ? this.dVar : undefined);
    const sd = Math.sqrt(variance);
    const r = f(mean, sd);
    if (grad) {
      // z = (+-mean - b)/sd  => dz = +-dmean/sd - z dsd/sd, with dsd/sd = dvar / (2 var).
      const sign = r.negMean ? -1 : 1;
      for (let d = 0; d < this.dim; d++) {
        const dLogSd = this.dVar[d] / (2 * variance);
        const dz = (sign * this.dMean[d]) / sd - r.z * dLogSd;
        grad[d] += r.dz * dz + r.extraDlogSd * dLogSd;
      }
    }
    return r.v;
  }
}

export interface AcquisitionSearchOptions {
  rng: Rng;
  /** Random candidates screened before local search. */
  nCandidates: number;
  /** How many of the best candidates are polished by local search. */
  nLocal: number;
  /** Good observed points: candidates are also drawn around them (local exploitation). */
  incumbents: readonly Float64Array[];
  maxIter?: number;
}

/**
 * Multi-start maximisation: screen random candidates (uniform, plus Gaussian perturbations of the
 * incumbents), then from the best few alternate projected L-BFGS over the numeric dimensions with
 * discrete coordinate moves (grid neighbours, other categories) until neither improves.
 */
export function maximizeAcquisition(
  acq: Acquisition,
  enc: SpaceEncoding,
  opts: AcquisitionSearchOptions,
): { x: Float64Array; value: number } {
  const { rng } = opts;
  const dim = enc.size;
  const cands: Array<{ x: Float64Array; v: number }> = [];
  const nNear = opts.incumbents.length > 0 ? Math.floor(opts.nCandidates / 4) : 0;
  for (let c = 0; c < opts.nCandidates; c++) {
    const x = new Float64Array(dim);
    if (c < nNear) {
      const base = opts.incumbents[c % opts.incumbents.length];
      const scale = [0.01, 0.05, 0.15][c % 3];
      for (let d = 0; d < dim; d++) {
        const k = enc.dims[d];
        if (k.kind === 'categorical') x[d] = rng.random() < 0.2 ? rng.int(0, k.choices - 1) : base[d];
        else x[d] = base[d] + rng.normal(0, scale);
      }
    } else {
      for (let d = 0; d < dim; d++) {
        const k = enc.dims[d];
        x[d] = k.kind === 'categorical' ? rng.int(0, k.choices - 1) : rng.random();
      }
    }
    enc.snap(x);
    cands.push({ x, v: NaN });
  }
  if (acq.valueBatch) {
    const flat = new Float64Array(cands.length * dim);
    cands.forEach((c, i) => flat.set(c.x, i * dim));
    const vals = acq.valueBatch(flat, cands.length);
    cands.forEach((c, i) => (c.v = vals[i]));
  } else {
    for (const c of cands) c.v = acq.value(c.x);
  }
  cands.sort((a, b) => (b.v > a.v ? 1 : b.v < a.v ? -1 : 0));
  let best = cands[0];
  const numeric = enc.dims.some((d) => d.kind === 'continuous');
  const discrete = enc.dims.some((d) => d.kind !== 'continuous');
  for (let s = 0; s < Math.min(opts.nLocal, cands.length); s++) {
    let x: Float64Array = Float64Array.from(cands[s].x);
    let v = cands[s].v;
    if (!Number.isFinite(v)) continue;
    for (let round = 0; round < 4; round++) {
      let improved = false;
      if (numeric) {
        const lower = new Float64Array(dim);
        const upper = new Float64Array(dim);
        for (let d = 0; d < dim; d++) {
          // Discrete and categorical coordinates are frozen during the gradient phase.
          if (enc.dims[d].kind === 'continuous') upper[d] = 1;
          else lower[d] = upper[d] = x[d];
        }
        const r = minimizeLbfgs(
          (p, g) => {
            const val = acq.value(p, g);
            for (let d = 0; d < dim; d++) g[d] = -g[d];
            return -val;
          },
          x,
          { lower, upper, maxIter: opts.maxIter ?? 30, gradTol: 1e-7, relTol: 1e-10 },
        );
        if (-r.f > v + 1e-12) {
          x = r.x;
          v = -r.f;
          improved = true;
        }
      }
      for (let d = 0; d < dim; d++) {
        if (enc.dims[d].kind === 'continuous') continue;
        const keep = x[d];
        let bestVal = keep;
        for (const nv of enc.neighbours(x, d)) {
          x[d] = nv;
          const val = acq.value(x);
          if (val > v + 1e-12) {
            v = val;
            bestVal = nv;
            improved = true;
          }
        }
        x[d] = bestVal;
      }
      // Without discrete coordinates a second round would only restart L-BFGS from its own optimum.
      if (!improved || !discrete) break;
    }
    if (v > best.v) best = { x, v };
  }
  return { x: best.x, value: best.v };
}
