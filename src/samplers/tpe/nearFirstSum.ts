/**
 * TPE's choice among its candidates without forming most of the losers' sums, for a two-parameter
 * g(x) over many kernels (the maintained "above" density of multivariate TPE).
 *
 * TPE proposes the candidate with the largest log l(x) - log g(x). g's sum at a candidate only
 * grows as terms are added, so once a partial sum is large enough that the candidate scores below
 * the best one found so far, it cannot win and the rest of its sum is not needed. Most of a sum
 * comes from a few kernels near the candidate (on 1,000-trial Branin runs, 99% of it from 6-182 of
 * about 900), so the kernels are visited nearest first in the first parameter: kept sorted by their
 * first mean, walked outwards from the candidate. Candidates are taken in decreasing l(x), so the
 * best score is usually found first. In a 1,000-trial Branin run the walks visit 29-37% of the
 * kernels (with an exact nearest-first order it would be about a fifth, computed offline), and 20
 * of the 24 candidates are abandoned. Per visited kernel the walk costs more than the plain sum,
 * so it is used from 200 kernels on (IncrementalJointAbove.bestRatio): a proposal after 9,000
 * random trials takes about half the time; late in an organic 10,000-trial run, where the
 * candidates' basin holds most of the bad trials, about the same.
 *
 * The walk also stops on each side once the first parameter alone puts every further kernel's
 * term below the cut of `logSumProductKernels` (more than `far` below a term already summed), so
 * a completed sum leaves out the same kind of terms as that function, in another order (equal to
 * rounding). A candidate is abandoned only when it loses by more than LOSS_MARGIN in log space,
 * far above the sums' rounding, so the chosen candidate is the one the full sums choose.
 */
import {
  ABANDONED,
  addPairTerms,
  BOUNDED,
  FAR_LOG,
  logSumProductKernels,
  packPairsAt,
  PAIR_STRIDE,
  pairsLength,
  type ProductKernels,
} from './productKernelSum';

/** How much lower than the best a candidate's score must be proven before its sum is abandoned. */
const LOSS_MARGIN = 1e-9;

/**
 * A two-parameter mixture packed for the walk: the kernels narrow in the first parameter (first
 * curvature at least `minCurvature`) sorted by their first mean, the others (the prior kernel,
 * kernels in sparse stretches) apart; both in `packPairs`'s layout.
 */
export class NearFirstPairs {
  near: Float64Array;
  nearCount = 0;
  minCurvature = 0;
  rest: Float64Array;
  restCount = 0;
  /** The candidates' order (by decreasing log l). */
  private order: number[] = [];
  /** The running sum and cut of one point's walk. */
  private readonly acc = new Float64Array(2);

  /** Which kernels `near` and `rest` hold, in order. */
  private nearIndices: Int32Array;
  private restIndices: Int32Array;

  constructor(capacity: number) {
    this.near = new Float64Array(pairsLength(capacity));
    this.rest = new Float64Array(pairsLength(capacity));
    this.nearIndices = new Int32Array(capacity);
    this.restIndices = new Int32Array(capacity);
  }

  /**
   * Pack `k` (two parameters; room for its kernels): kernel 0 and those whose first curvature is
   * below `minCurvature` apart, the others in `order` (kernel indices by ascending first mean, every
   * kernel but 0).
   */
  pack(k: ProductKernels, order: Int32Array, minCurvature: number): void {
    if (this.nearIndices.length < k.count) {
      // Doubled: the mixture gains a kernel most trials.
      this.near = new Float64Array(2 * pairsLength(k.count));
      this.rest = new Float64Array(2 * pairsLength(k.count));
      this.nearIndices = new Int32Array(2 * k.count);
      this.restIndices = new Int32Array(2 * k.count);
    }
    const c0 = k.curvatures[0];
    const nearIndices = this.nearIndices;
    const restIndices = this.restIndices;
    restIndices[0] = 0;
    let near = 0;
    let rest = 1;
    for (let r = 0; r < k.count - 1; r++) {
      const i = order[r];
      if (c0[i] >= minCurvature) nearIndices[near++] = i;
      else restIndices[rest++] = i;
    }
    packPairsAt(k, near, this.near, nearIndices);
    packPairsAt(k, rest, this.rest, restIndices);
    this.nearCount = near;
    this.restCount = rest;
    this.minCurvature = minCurvature;
  }

  /**
   * The index of the point with the largest logL[s] - log g(y_s), the first among equals, as an
   * argmax over every log g would give. `points[j][s]` in the modelling space; `logTotal` the log
   * of the mixture's total weight (log g = maxLogHeight + log sum - logTotal). `k` is the packed
   * mixture (for a point so far from every kernel that its sum underflows).
   */
  bestRatio(k: ProductKernels, points: readonly Float64Array[], logL: Float64Array, logTotal: number, scratch: Float64Array): number {
    const size = logL.length;
    const order = this.order;
    order.length = size;
    for (let s = 0; s < size; s++) order[s] = s;
    order.sort((a, b) => logL[b] - logL[a] || a - b);
    const far = FAR_LOG + Math.log(k.count) + k.logWeightSpread;
    const top = k.maxLogHeight;
    let best = -1;
    let bestScore = -Infinity;
    for (let r = 0; r < size; r++) {
      const s = order[r];
      // The candidate loses for sure once its sum exceeds this (see the module comment).
      const limit = best < 0 ? Infinity : Math.exp(logL[s] - bestScore + LOSS_MARGIN + logTotal - top);
      const sum = this.walk(points[0][s], points[1][s], far, limit);
      if (sum < 0) continue;
      let logG: number;
      if (sum > 1e-250) {
        logG = top + Math.log(sum) - logTotal;
      } else {
        logG = logSumProductKernels(k, Float64Array.of(points[0][s], points[1][s]), scratch) - logTotal;
      }
      const score = logL[s] - logG;
      if (score > bestScore || (score === bestScore && s < best)) {
        best = s;
        bestScore = score;
      }
    }
    // No score above -Infinity (or none a number): the argmax's answer, the first sample.
    return best < 0 ? 0 : best;
  }

  /** The sum at (y0, y1), or -1 as soon as it exceeds `limit`. */
  private walk(y0: number, y1: number, far: number, limit: number): number {
    const acc = this.acc;
    acc[0] = 0;
    acc[1] = -Infinity;
    // The wide kernels, one by one.
    if (addPairTerms(this.rest, 0, this.restCount, 1, y0, y1, 0, far, limit, acc) === ABANDONED) return -1;
    // The narrow ones outwards from y0: runs of RUN kernels on each side in turn (near first, in
    // an order the processor can predict).
    const p = this.near;
    const n = this.nearCount;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (p[mid * PAIR_STRIDE] < y0) lo = mid + 1;
      else hi = mid;
    }
    let right = lo;
    let left = lo - 1;
    while (right < n || left >= 0) {
      if (right < n) {
        const end = Math.min(right + RUN, n);
        const status = addPairTerms(p, right, end, 1, y0, y1, this.minCurvature, far, limit, acc);
        if (status === ABANDONED) return -1;
        right = status === BOUNDED ? n : end;
      }
      if (left >= 0) {
        const end = Math.max(left - RUN, -1);
        const status = addPairTerms(p, left, end, -1, y0, y1, this.minCurvature, far, limit, acc);
        if (status === ABANDONED) return -1;
        left = status === BOUNDED ? -1 : end;
      }
    }
    return acc[0];
  }
}

/** Kernels per run of the outward walk. */
const RUN = 16;

/** The index of the largest logL[s] - logG[s], the first among equals (0 when there are none). */
export function argmaxRatio(logL: Float64Array, logG: Float64Array): number {
  let best = 0;
  let bestScore = -Infinity;
  for (let s = 0; s < logL.length; s++) {
    const score = logL[s] - logG[s];
    if (score > bestScore) {
      bestScore = score;
      best = s;
    }
  }
  return best;
}
