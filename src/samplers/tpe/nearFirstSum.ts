/**
 * TPE's choice among its candidates without forming most of the losers' sums, for a two-parameter
 * g(x) over many kernels (the maintained "above" density of multivariate TPE).
 *
 * TPE proposes the candidate with the largest log l(x) - log g(x). g's sum at a candidate only
 * grows as terms are added, so once a partial sum is large enough that the candidate scores below
 * the best one found so far, it cannot win and the rest of its sum is not needed. Most of a sum
 * comes from kernels near the candidate, so they are visited near first: the narrow kernels are
 * kept in bands of the second parameter, each sorted by first mean, and a walk goes out from the
 * candidate along the bands nearest it, in a few passes of growing reach (REACHES). Candidates are
 * taken in decreasing l(x), so the best score is usually found first.
 *
 * What it saves, and what it cannot. Walking the first parameter alone (no bands) visited the
 * kernels near the candidate in the first parameter but far in the second; the bands leave those
 * out: in an organic 10,000-trial Branin run, 30% fewer terms, and 20% less time per trial over
 * the run (28% in its last thousand trials), measured interleaved. Late in such a run most bad
 * trials crowd the good region, where l(x) / g(x) is nearly flat: 62% of the candidates score
 * within 0.01 of the winner (trials 5,000-8,000, sampled), so proving that one loses takes most of
 * its sum, and the walks still visit a quarter to a third of the kernels (rising with the trials).
 * Per visited kernel the walk costs more than the plain sum, so it is used from 200 kernels on
 * (IncrementalJointAbove.bestRatio).
 *
 * Each walk also stops once a kernel's bound (the first parameter's distance, and the band's in
 * the second) puts it and every further one below the cut of `logSumProductKernels` (more than
 * `far` below a term already summed), so a completed sum leaves out the same kind of terms as that
 * function, in another order (equal to rounding). A candidate is abandoned only when it loses by
 * more than LOSS_MARGIN in log space, far above the sums' rounding, so the chosen candidate is the
 * one the full sums choose.
 */
import {
  ABANDONED,
  addPairTerms,
  BOUNDED,
  DONE,
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
 * The walk's passes: pass p visits the kernels whose exponent's bound is above REACHES[p] (-2 is
 * two widths of the widest narrow kernel away, -8 four, -32 eight); the last visits all that are
 * not negligible. Near kernels first, in a few cheap sweeps.
 */
const REACHES = [-2, -8, -32, -Infinity];

/**
 * A two-parameter mixture packed for the walk: the kernels narrow in both parameters (curvatures at
 * least `minCurvature0` and `minCurvature1`) in bands of their second mean, each band sorted by first
 * mean; the others (the prior kernel, kernels in sparse stretches) apart. Both in `packPairs`'s
 * layout.
 */
export class NearFirstPairs {
  near: Float64Array;
  nearCount = 0;
  minCurvature0 = 0;
  minCurvature1 = 0;
  rest: Float64Array;
  restCount = 0;
  /** Band b holds near kernels bandStart[b] .. bandStart[b + 1] - 1, second means bandLow[b] .. bandHigh[b]. */
  private bandStart = new Int32Array(1);
  private bandLow = new Float64Array(0);
  private bandHigh = new Float64Array(0);
  private bands = 0;
  private low1 = 0;
  private bandWidth = 1;
  /** Per band, during one point's walk: the next kernel on each side, and the walk that set them. */
  private right = new Int32Array(0);
  private left = new Int32Array(0);
  private walked = new Int32Array(0);
  private walks = 0;
  /** The candidates' order (by decreasing log l). */
  private order: number[] = [];
  /** The running sum, cut and stopping index of one point's walk. */
  private readonly acc = new Float64Array(3);

  /** Which kernels `near` and `rest` hold, in order; each kernel's band while packing. */
  private nearIndices: Int32Array;
  private restIndices: Int32Array;
  private bandOf: Int32Array;

  constructor(capacity: number) {
    this.near = new Float64Array(pairsLength(capacity));
    this.rest = new Float64Array(pairsLength(capacity));
    this.nearIndices = new Int32Array(capacity);
    this.restIndices = new Int32Array(capacity);
    this.bandOf = new Int32Array(capacity);
  }

  /**
   * Pack `k` (two parameters): kernel 0 and those wider than the minimum curvatures apart, the
   * others in bands of width `bandWidth` of the second parameter from `low1`, each in `order`
   * (kernel indices by ascending first mean, every kernel but 0).
   */
  pack(
    k: ProductKernels,
    order: Int32Array,
    minCurvature0: number,
    minCurvature1: number,
    low1: number,
    high1: number,
    bandWidth: number,
  ): void {
    if (this.nearIndices.length < k.count) {
      // Doubled: the mixture gains a kernel most trials.
      this.near = new Float64Array(2 * pairsLength(k.count));
      this.rest = new Float64Array(2 * pairsLength(k.count));
      this.nearIndices = new Int32Array(2 * k.count);
      this.restIndices = new Int32Array(2 * k.count);
      this.bandOf = new Int32Array(2 * k.count);
    }
    const bands = Math.max(1, Math.ceil((high1 - low1) / bandWidth));
    if (this.bandLow.length < bands) {
      this.bandStart = new Int32Array(bands + 1);
      this.bandLow = new Float64Array(bands);
      this.bandHigh = new Float64Array(bands);
      this.right = new Int32Array(bands);
      this.left = new Int32Array(bands);
      this.walked = new Int32Array(bands);
      this.walks = 0;
    }
    const [, mu1] = k.mus;
    const [c0, c1] = k.curvatures;
    const bandOf = this.bandOf;
    const start = this.bandStart;
    start.fill(0, 0, bands + 1);
    const n = k.count - 1;
    const bandLow = this.bandLow;
    const bandHigh = this.bandHigh;
    bandLow.fill(Infinity, 0, bands);
    bandHigh.fill(-Infinity, 0, bands);
    const perWidth = 1 / bandWidth;
    for (let r = 0; r < n; r++) {
      const i = order[r];
      if (c0[i] >= minCurvature0 && c1[i] >= minCurvature1) {
        const m = mu1[i];
        // Truncation is the floor here (m >= low1, but for rounding at the ends).
        const b = Math.min(bands - 1, Math.max(0, ((m - low1) * perWidth) | 0));
        bandOf[r] = b;
        start[b + 1]++;
        if (m < bandLow[b]) bandLow[b] = m;
        if (m > bandHigh[b]) bandHigh[b] = m;
      } else {
        bandOf[r] = -1;
      }
    }
    for (let b = 0; b < bands; b++) start[b + 1] += start[b];
    const nearIndices = this.nearIndices;
    const restIndices = this.restIndices;
    restIndices[0] = 0;
    let rest = 1;
    // Placed band by band, each in `order`: start[b] runs to the next band's start meanwhile.
    for (let r = 0; r < n; r++) {
      const b = bandOf[r];
      if (b < 0) restIndices[rest++] = order[r];
      else nearIndices[start[b]++] = order[r];
    }
    for (let b = bands; b > 0; b--) start[b] = start[b - 1];
    start[0] = 0;
    const near = start[bands];
    packPairsAt(k, near, this.near, nearIndices);
    packPairsAt(k, rest, this.rest, restIndices);
    for (let b = 0; b < bands; b++) {
      // An empty band reaches over its whole width (it is skipped, its neighbours are not).
      if (start[b] === start[b + 1]) {
        bandLow[b] = low1 + b * bandWidth;
        bandHigh[b] = low1 + (b + 1) * bandWidth;
      }
    }
    this.bands = bands;
    this.low1 = low1;
    this.bandWidth = bandWidth;
    this.nearCount = near;
    this.restCount = rest;
    this.minCurvature0 = minCurvature0;
    this.minCurvature1 = minCurvature1;
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
    if (addPairTerms(this.rest, 0, this.restCount, 1, y0, y1, 0, 0, -Infinity, far, limit, acc) === ABANDONED) return -1;
    const bands = this.bands;
    const home = Math.min(bands - 1, Math.max(0, Math.floor((y1 - this.low1) / this.bandWidth)));
    const c1 = this.minCurvature1;
    this.walks++;
    // Bands below and above home: the nearest not yet bounded (every kernel from it on is negligible).
    let downEnd = -1;
    let upEnd = bands;
    for (let pass = 0; pass < REACHES.length; pass++) {
      const reach = REACHES[pass];
      if (this.walkBand(home, y0, y1, 0, reach, far, limit) === ABANDONED) return -1;
      for (let b = home - 1; b > downEnd; b--) {
        const dy = y1 - this.bandHigh[b];
        const offset = dy > 0 ? c1 * dy * dy : 0;
        if (-offset <= acc[1]) {
          downEnd = b;
          break;
        }
        if (-offset <= reach) break;
        if (this.walkBand(b, y0, y1, offset, reach, far, limit) === ABANDONED) return -1;
      }
      for (let b = home + 1; b < upEnd; b++) {
        const dy = this.bandLow[b] - y1;
        const offset = dy > 0 ? c1 * dy * dy : 0;
        if (-offset <= acc[1]) {
          upEnd = b;
          break;
        }
        if (-offset <= reach) break;
        if (this.walkBand(b, y0, y1, offset, reach, far, limit) === ABANDONED) return -1;
      }
    }
    return acc[0];
  }

  /** Band b's kernels outwards from y0, on each side until `reach` (see addPairTerms). */
  private walkBand(b: number, y0: number, y1: number, offset: number, reach: number, far: number, limit: number): number {
    const from = this.bandStart[b];
    const to = this.bandStart[b + 1];
    if (from === to) return DONE;
    const p = this.near;
    if (this.walked[b] !== this.walks) {
      this.walked[b] = this.walks;
      let lo = from;
      let hi = to;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (p[mid * PAIR_STRIDE] < y0) lo = mid + 1;
        else hi = mid;
      }
      this.right[b] = lo;
      this.left[b] = lo - 1;
    }
    // One call site for both sides: V8 then inlines the summing loop once, with its exponential.
    const acc = this.acc;
    for (let side = 0; side < 2; side++) {
      const next = side === 0 ? this.right : this.left;
      const step = side === 0 ? 1 : -1;
      const end = side === 0 ? to : from - 1;
      if (next[b] === end) continue;
      const status = addPairTerms(p, next[b], end, step, y0, y1, this.minCurvature0, offset, reach, far, limit, acc);
      if (status === ABANDONED) return ABANDONED;
      next[b] = status === BOUNDED ? end : acc[2];
    }
    return DONE;
  }
}

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
