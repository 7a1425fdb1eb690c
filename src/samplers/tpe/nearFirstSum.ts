/**
 * TPE's choice among its candidates without forming most of the losers' sums, for a two-parameter
 * g(x) over many kernels (the maintained "above" density of multivariate TPE).
 *
 * TPE proposes the candidate with the largest log l(x) - log g(x). g's sum at a candidate only
 * grows as terms are added, so once a partial sum is large enough that the candidate scores below
 * the best one found so far, it cannot win and the rest of its sum is not needed. Most of a sum
 * comes from kernels near the candidate, so they are visited near first: the narrow kernels are
 * kept in bands of the second parameter, each sorted by first mean, and a walk goes out from the
 * candidate along the bands nearest it, in a few passes of growing reach (REACHES). Every
 * candidate makes its first pass, whose partial sum bounds its score from above; the candidates
 * are then taken by that bound, so the winner is usually finished first and the others are dropped
 * early, some before their second pass.
 *
 * What it saves, and what it cannot. Walking the first parameter alone (no bands) visited the
 * kernels near the candidate in the first parameter but far in the second; the bands leave those
 * out: in an organic 10,000-trial Branin run, 30% fewer terms, and 20% less time per trial over
 * the run (28% in its last thousand trials), measured interleaved. Late in such a run most bad
 * trials crowd the good region, where l(x) / g(x) is nearly flat: 62% of the candidates score
 * within 0.01 of the winner (trials 5,000-8,000, sampled), so proving that one loses takes most of
 * its sum. There the first passes alone visit a quarter of the kernels each (the basin is that
 * dense), and a choice makes about 6.9 kernel visits per kernel of g (from 7,000 kernels on; 8.0
 * when the candidates were taken by l(x), which finished 3.65 sums per choice against 1.62 now).
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
  packPair,
  pairSource,
  PAIR_STRIDE,
  pairsLength,
  type ProductKernels,
} from './productKernelSum';

/** How much lower than the best a candidate's score must be proven before its sum is abandoned. */
const LOSS_MARGIN = 1e-9;

/**
 * The walk's passes: pass p visits the kernels whose exponent's bound is above REACHES[p] (-2 is
 * two widths of the widest narrow kernel away, -8 four, -32 eight); the last visits all that are
 * not negligible. Near kernels first, in a few cheap sweeps. The first pass, which every candidate
 * makes, is the one to tune: schedules whose first pass reached -0.25, -0.5, -1, -3, -4 or -8 made
 * 8.1, 7.6, 8.4, 7.9, 9.2 and 13.2 kernel visits per kernel of g in a choice late in an organic
 * run, against 6.9.
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
  /**
   * Per candidate and band (candidate s's band b at s * bands + b), during one choice: the next
   * kernel on each side, and the choice (epoch) that set them.
   */
  private right = new Int32Array(0);
  private left = new Int32Array(0);
  private walked = new Int32Array(0);
  private epoch = 0;
  /**
   * Per candidate s: the sum and cut so far, the bands bounded below and above home (ends[2 s] and
   * ends[2 s + 1]), the score's bound.
   */
  private sums = new Float64Array(0);
  private cuts = new Float64Array(0);
  private ends = new Int32Array(0);
  private bound = new Float64Array(0);
  /** The candidates' order (by decreasing bound). */
  private order: number[] = [];
  /** Kernels the walks have visited (summed or passed over), from the first. */
  visits = 0;
  /** The running sum, cut and stopping index of one point's walk. */
  private readonly acc = new Float64Array(3);

  /**
   * Kernels 1.. `ordered` by band (of the bands above), each band by first mean (wide ones too:
   * they are set apart while packing); the `layout` they were ordered for; each kernel's band while
   * sorting.
   */
  private bandOrder: Int32Array;
  private ordered = 0;
  private layout = -1;
  private bandOf: Int32Array;

  constructor(capacity: number) {
    this.near = new Float64Array(pairsLength(capacity));
    this.rest = new Float64Array(pairsLength(capacity));
    this.bandOrder = new Int32Array(capacity);
    this.bandOf = new Int32Array(capacity);
  }

  /**
   * Pack `k` (two parameters): kernel 0 and those wider than the minimum curvatures apart, the
   * others in bands of width `bandWidth` of the second parameter from `low1`, each by first mean.
   * `byFirst` lists the kernel indices by ascending first mean (every kernel but 0). `layout`
   * changes whenever a kernel leaves or kernels are renumbered: until it does, kernels only join
   * (at the next indices), and the band order of the last call is kept and the new ones are
   * inserted into it, instead of sorting every kernel into its band again.
   */
  pack(
    k: ProductKernels,
    byFirst: Int32Array,
    layout: number,
    minCurvature0: number,
    minCurvature1: number,
    low1: number,
    high1: number,
    bandWidth: number,
  ): void {
    const n = k.count - 1;
    if (this.bandOrder.length < k.count) {
      // Doubled: the mixture gains a kernel most trials. (Room for every kernel in each array.)
      const grown = new Int32Array(2 * k.count);
      grown.set(this.bandOrder.subarray(0, this.ordered));
      this.bandOrder = grown;
      this.bandOf = new Int32Array(2 * k.count);
      this.near = new Float64Array(pairsLength(2 * k.count));
      this.rest = new Float64Array(pairsLength(2 * k.count));
    }
    const bands = Math.max(1, Math.ceil((high1 - low1) / bandWidth));
    if (this.bandLow.length < bands) {
      this.bandStart = new Int32Array(bands + 1);
      this.bandLow = new Float64Array(bands);
      this.bandHigh = new Float64Array(bands);
    }
    // The order of the last call holds while the layout and the bands are the same.
    const keep = layout === this.layout && low1 === this.low1 && bandWidth === this.bandWidth && this.ordered <= n;
    this.bands = bands;
    this.low1 = low1;
    this.bandWidth = bandWidth;
    this.layout = layout;
    if (keep) {
      for (let i = this.ordered + 1; i <= n; i++) this.insertIntoBands(k, i);
    } else {
      this.sortIntoBands(k, byFirst, n);
    }
    this.ordered = n;

    const mu1 = k.mus[1];
    const [c0, c1] = k.curvatures;
    const start = this.bandStart;
    const bandLow = this.bandLow;
    const bandHigh = this.bandHigh;
    start.fill(0, 0, bands + 1);
    bandLow.fill(Infinity, 0, bands);
    bandHigh.fill(-Infinity, 0, bands);
    const perWidth = 1 / bandWidth;
    const order = this.bandOrder;
    const nearPairs = this.near;
    const restPairs = this.rest;
    const src = pairSource(k);
    packPair(src, 0, restPairs, 0); // the prior
    let near = 0;
    let rest = 1;
    // One pass in band order: the narrow kernels land band after band, each band by first mean.
    for (let r = 0; r < n; r++) {
      const i = order[r];
      let out = restPairs;
      let o = rest * PAIR_STRIDE;
      if (c0[i] >= minCurvature0 && c1[i] >= minCurvature1) {
        const m = mu1[i];
        const b = gridIndex(m, low1, perWidth, bands);
        start[b + 1]++;
        if (m < bandLow[b]) bandLow[b] = m;
        if (m > bandHigh[b]) bandHigh[b] = m;
        out = nearPairs;
        o = near++ * PAIR_STRIDE;
      } else {
        rest++;
      }
      packPair(src, i, out, o);
    }
    for (let b = 0; b < bands; b++) {
      start[b + 1] += start[b];
      // An empty band reaches over its whole width (it is skipped, its neighbours are not).
      if (start[b] === start[b + 1]) {
        bandLow[b] = low1 + b * bandWidth;
        bandHigh[b] = low1 + (b + 1) * bandWidth;
      }
    }
    this.nearCount = near;
    this.restCount = rest;
    this.minCurvature0 = minCurvature0;
    this.minCurvature1 = minCurvature1;
  }

  /** `bandOrder`: kernels 1..n by band, each band in `byFirst`'s order (a counting sort). */
  private sortIntoBands(k: ProductKernels, byFirst: Int32Array, n: number): void {
    const mu1 = k.mus[1];
    const bands = this.bands;
    const perWidth = 1 / this.bandWidth;
    const start = this.bandStart;
    const bandOf = this.bandOf;
    start.fill(0, 0, bands + 1);
    for (let r = 0; r < n; r++) {
      const b = gridIndex(mu1[byFirst[r]], this.low1, perWidth, bands);
      bandOf[r] = b;
      start[b + 1]++;
    }
    for (let b = 0; b < bands; b++) start[b + 1] += start[b];
    // start[b] runs to the next band's start meanwhile.
    for (let r = 0; r < n; r++) this.bandOrder[start[bandOf[r]]++] = byFirst[r];
  }

  /** Kernel i into `bandOrder` (its first `ordered` entries), at its band's place by first mean. */
  private insertIntoBands(k: ProductKernels, i: number): void {
    const [mu0, mu1] = k.mus;
    const perWidth = 1 / this.bandWidth;
    const b = gridIndex(mu1[i], this.low1, perWidth, this.bands);
    const m = mu0[i];
    const order = this.bandOrder;
    let lo = 0;
    let hi = this.ordered;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const j = order[mid];
      const bj = gridIndex(mu1[j], this.low1, perWidth, this.bands);
      if (bj < b || (bj === b && mu0[j] <= m)) lo = mid + 1;
      else hi = mid;
    }
    order.copyWithin(lo + 1, lo, this.ordered);
    order[lo] = i;
    this.ordered++;
  }

  /**
   * The index of the point with the largest logL[s] - log g(y_s), the first among equals, as an
   * argmax over every log g would give. `points[j][s]` in the modelling space; `logTotal` the log
   * of the mixture's total weight (log g = maxLogHeight + log sum - logTotal). `k` is the packed
   * mixture (for a point so far from every kernel that its sum underflows).
   */
  bestRatio(k: ProductKernels, points: readonly Float64Array[], logL: Float64Array, logTotal: number, scratch: Float64Array): number {
    const size = logL.length;
    this.prepare(size);
    const far = FAR_LOG + Math.log(k.count) + k.logWeightSpread;
    const top = k.maxLogHeight;
    const [y0, y1] = points;
    // Every candidate's nearest kernels first (the first pass): their partial sums bound the scores
    // from above, and the candidates are then taken by that bound, the likeliest winner first, so
    // that few sums are finished (taken by l(x), which says little of the score late in a study,
    // about as many were finished as there are records in a random order: 3.7 of 24).
    const bound = this.bound;
    for (let s = 0; s < size; s++) {
      this.walk(s, y0[s], y1[s], far, Infinity, 0, 1);
      bound[s] = logL[s] - Math.log(this.sums[s]);
    }
    const order = this.order;
    order.length = size;
    for (let s = 0; s < size; s++) order[s] = s;
    order.sort((a, b) => bound[b] - bound[a] || a - b);
    let best = -1;
    let bestScore = -Infinity;
    for (let r = 0; r < size; r++) {
      const s = order[r];
      // The candidate loses for sure once its sum exceeds this (see the module comment).
      const limit = best < 0 ? Infinity : Math.exp(logL[s] - bestScore + LOSS_MARGIN + logTotal - top);
      if (this.sums[s] > limit) continue;
      const sum = this.walk(s, y0[s], y1[s], far, limit, 1, REACHES.length);
      if (sum < 0) continue;
      let logG: number;
      if (sum > 1e-250) {
        logG = top + Math.log(sum) - logTotal;
      } else {
        logG = logSumProductKernels(k, Float64Array.of(y0[s], y1[s]), scratch) - logTotal;
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

  /** Room for `size` candidates' walks, and a new epoch (no band walked yet). */
  private prepare(size: number): void {
    if (this.sums.length < size) {
      this.sums = new Float64Array(size);
      this.cuts = new Float64Array(size);
      this.bound = new Float64Array(size);
      this.ends = new Int32Array(2 * size);
    }
    const cells = size * this.bands;
    if (this.walked.length < cells) {
      this.right = new Int32Array(cells);
      this.left = new Int32Array(cells);
      this.walked = new Int32Array(cells);
      this.epoch = 0;
    }
    this.epoch++;
  }

  /**
   * Candidate s's walk at (y0, y1) through passes first .. last - 1 (from 0: the wide kernels too),
   * resumed where its previous passes stopped: its sum, or -1 as soon as that exceeds `limit`.
   */
  private walk(s: number, y0: number, y1: number, far: number, limit: number, first: number, last: number): number {
    const acc = this.acc;
    const bands = this.bands;
    const base = s * bands;
    if (first === 0) {
      acc[0] = 0;
      acc[1] = -Infinity;
      this.ends[2 * s] = -1;
      this.ends[2 * s + 1] = bands;
      // The wide kernels, one by one.
      const status = addPairTerms(this.rest, 0, this.restCount, 1, y0, y1, 0, 0, -Infinity, far, limit, acc);
      this.visits += acc[2];
      if (status === ABANDONED) return -1;
    } else {
      acc[0] = this.sums[s];
      acc[1] = this.cuts[s];
    }
    const home = gridIndex(y1, this.low1, 1 / this.bandWidth, bands);
    const c1 = this.minCurvature1;
    // Bands below (side 0) and above (side 1) home, out to the nearest bounded one on each side
    // (it and every kernel beyond are negligible), kept at ends[2 s + side].
    const ends = this.ends;
    for (let pass = first; pass < last; pass++) {
      const reach = REACHES[pass];
      if (this.walkBand(base, home, y0, y1, 0, reach, far, limit) === ABANDONED) return -1;
      for (let side = 0; side < 2; side++) {
        const step = side === 0 ? -1 : 1;
        for (let b = home + step; b !== ends[2 * s + side]; b += step) {
          const dy = side === 0 ? y1 - this.bandHigh[b] : this.bandLow[b] - y1;
          const offset = dy > 0 ? c1 * dy * dy : 0;
          if (-offset <= acc[1]) {
            ends[2 * s + side] = b;
            break;
          }
          if (-offset <= reach) break;
          if (this.walkBand(base, b, y0, y1, offset, reach, far, limit) === ABANDONED) return -1;
        }
      }
    }
    this.sums[s] = acc[0];
    this.cuts[s] = acc[1];
    return acc[0];
  }

  /** Band b's kernels outwards from y0, on each side until `reach` (see addPairTerms); `base` the candidate's band state. */
  private walkBand(base: number, b: number, y0: number, y1: number, offset: number, reach: number, far: number, limit: number): number {
    const from = this.bandStart[b];
    const to = this.bandStart[b + 1];
    if (from === to) return DONE;
    const p = this.near;
    const cell = base + b;
    if (this.walked[cell] !== this.epoch) {
      this.walked[cell] = this.epoch;
      let lo = from;
      let hi = to;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (p[mid * PAIR_STRIDE] < y0) lo = mid + 1;
        else hi = mid;
      }
      this.right[cell] = lo;
      this.left[cell] = lo - 1;
    }
    // One call site for both sides: V8 then inlines the summing loop once, with its exponential.
    const acc = this.acc;
    for (let side = 0; side < 2; side++) {
      const next = side === 0 ? this.right : this.left;
      const step = side === 0 ? 1 : -1;
      const end = side === 0 ? to : from - 1;
      if (next[cell] === end) continue;
      const status = addPairTerms(p, next[cell], end, step, y0, y1, this.minCurvature0, offset, reach, far, limit, acc);
      this.visits += Math.abs(acc[2] - next[cell]);
      if (status === ABANDONED) return ABANDONED;
      next[cell] = status === BOUNDED ? end : acc[2];
    }
    return DONE;
  }
}

/**
 * The cell of value v on a grid of `cells` cells from `low`, 1 / perWidth wide (the bands here, the
 * cells of nearFirstGrid.ts); values beyond either end (rounding) in the end cells.
 */
export function gridIndex(v: number, low: number, perWidth: number, cells: number): number {
  const q = (v - low) * perWidth;
  // Truncation is the floor here (q >= 0).
  return q < 0 ? 0 : q >= cells ? cells - 1 : q | 0;
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
