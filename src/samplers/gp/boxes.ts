import { ndtri } from '../tpe/truncnorm';
import type { Rng } from '../../rng';

/**
 * Boxes that partition the region a new point could add hypervolume in (maximisation): every z
 * above the reference point that no Pareto point weakly dominates. The hypervolume improvement of
 * y is then  sum over boxes of  prod_d clamp(y_d - lower_d, 0, upper_d - lower_d)  (upper may be
 * +Infinity), which is what expected hypervolume improvement integrates.
 *
 * Construction (a grid sweep rather than Optuna's Lacour et al. 2017 algorithm; the boxes differ,
 * their union is the same): the first M-1 objectives are cut at the reference and at every Pareto
 * coordinate; above each cell of that grid the dominated part of the last objective ends at the
 * largest last coordinate among the points that dominate the whole cell, and the box is what lies
 * above. Neighbouring cells along objective M-1 with the same floor are merged. For two objectives
 * this is the usual staircase of n+1 boxes.
 */
export interface BoxSet {
  readonly m: number;
  readonly count: number;
  /** count x m row-major. */
  readonly lower: Float64Array;
  /** upper - lower per box and objective (Infinity when unbounded). */
  readonly width: Float64Array;
}

export function nonDominatedBoxes(points: ReadonlyArray<ArrayLike<number>>, ref: ArrayLike<number>): BoxSet {
  const m = ref.length;
  // Only points strictly better than the reference in every objective contribute.
  const front = paretoFront(points.filter((p) => Array.from({ length: m }, (_, d) => p[d] > ref[d]).every(Boolean)));
  const axes: number[][] = [];
  for (let d = 0; d < m - 1; d++) {
    const cuts = [...new Set([ref[d], ...front.map((p) => p[d])])].sort((a, b) => a - b);
    axes.push(cuts);
  }
  const lower: number[] = [];
  const width: number[] = [];
  const last = m - 1;
  // Iterate over grid cells of the first m-1 objectives; the innermost axis (m-2) is merged.
  const outerDims = m - 2;
  const idx = new Array<number>(Math.max(outerDims, 0)).fill(0);
  for (;;) {
    const inner = axes[m - 2];
    let run: { lo: number; floor: number } | null = null;
    const flush = (hi: number) => {
      if (!run) return;
      for (let d = 0; d < outerDims; d++) {
        const cuts = axes[d];
        lower.push(cuts[idx[d]]);
        width.push(idx[d] + 1 < cuts.length ? cuts[idx[d] + 1] - cuts[idx[d]] : Infinity);
      }
      lower.push(run.lo, run.floor);
      width.push(hi - run.lo, Infinity);
      run = null;
    };
    for (let k = 0; k < inner.length; k++) {
      const lo = inner[k];
      // Points dominating the whole cell: strictly above its lower corner in every cut objective.
      let floor = ref[last];
      for (const p of front) {
        let covers = p[m - 2] > lo;
        for (let d = 0; covers && d < outerDims; d++) covers = p[d] > axes[d][idx[d]];
        if (covers && p[last] > floor) floor = p[last];
      }
      if (run && run.floor === floor) continue;
      flush(lo);
      run = { lo, floor };
    }
    flush(Infinity);
    let d = outerDims - 1;
    while (d >= 0 && ++idx[d] >= axes[d].length) idx[d--] = 0;
    if (d < 0) break;
  }
  return { m, count: lower.length / m, lower: Float64Array.from(lower), width: Float64Array.from(width) };
}

/** Non-dominated subset (maximisation), duplicates kept once. */
export function paretoFront<T extends ArrayLike<number>>(points: readonly T[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    let dominated = false;
    for (let j = 0; j < points.length && !dominated; j++) {
      if (i === j) continue;
      const q = points[j];
      let ge = true;
      let gt = false;
      for (let d = 0; d < p.length; d++) {
        if (q[d] < p[d]) ge = false;
        else if (q[d] > p[d]) gt = true;
      }
      // Equal points: keep the first copy only.
      dominated = ge && (gt || j < i);
    }
    if (!dominated) out.push(p);
  }
  return out;
}

/**
 * Fixed standard-normal base samples (n x dim) for quasi-Monte Carlo expectations: each column is a
 * randomly permuted stratification of (0, 1) pushed through the normal quantile function, so the
 * acquisition is a deterministic, smooth function of x that L-BFGS can optimise (Optuna uses scrambled
 * Sobol points for the same purpose).
 */
export function normalBaseSamples(n: number, dim: number, rng: Rng): Float64Array {
  const out = new Float64Array(n * dim);
  for (let d = 0; d < dim; d++) {
    const strata = rng.shuffle(Array.from({ length: n }, (_, i) => i));
    for (let s = 0; s < n; s++) out[s * dim + d] = ndtri((strata[s] + rng.random() * 0.98 + 0.01) / n);
  }
  return out;
}

/**
 * The reference point Optuna's GPSampler uses, in maximisation terms: 10% beyond the worst observed
 * value per objective (relative to zero, as Optuna scales the worst loss by 1.1 or 0.9).
 */
export function referencePoint(ys: ReadonlyArray<ArrayLike<number>>, m: number): Float64Array {
  const ref = new Float64Array(m);
  for (let d = 0; d < m; d++) {
    let worstLoss = -Infinity;
    for (const y of ys) worstLoss = Math.max(worstLoss, -y[d]);
    const r = Math.max(1.1 * worstLoss, 0.9 * worstLoss);
    ref[d] = -(r + Math.max(Math.abs(r), 1) * 1e-15);
  }
  return ref;
}
