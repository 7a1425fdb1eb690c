/**
 * Mixtures of product kernels over continuous parameters: the joint (multivariate) Parzen density
 * of TPE when no parameter is discrete or categorical. Each kernel i is a product over parameters j
 * of normal densities truncated to the range, with mean mu_ij and bandwidth sigma_ij:
 *
 *   K_i(y) = h_i exp(-|z_i|^2 / 2),   z_ij = (y_j - mu_ij) / sigma_ij,
 *   h_i = prod_j 1 / (sigma_ij sqrt(2 pi) Z_ij),   Z_ij the normal mass of the range,
 *
 * and the mixture is sum_i w_i K_i(y) / sum_i w_i. Both the estimator built from scratch and the
 * one maintained across trials (`incrementalJointAbove.ts`) keep their kernels in this layout and
 * sum them here, so they compute the same model the same way.
 */
import { expNonPositive } from './expNonPositive';
import { LOG_SQRT_2PI } from './truncnorm';

const INV_SQRT_2PI = Math.exp(-LOG_SQRT_2PI);
/** Terms left out weigh less than e^-FAR_LOG of the sum, together. */
export const FAR_LOG = 40;

/** Kernels [0, count) of a mixture, one entry per kernel in each array. */
export interface ProductKernels {
  /** Per parameter: each kernel's mean, and its curvature 1/(2 sigma^2), in the modelling space. */
  readonly mus: readonly Float64Array[];
  readonly curvatures: readonly Float64Array[];
  /** log h_i (see above). */
  readonly logHeights: Float64Array;
  /** Unnormalised weights (0 for an unused entry). */
  readonly weights: Float64Array;
  readonly count: number;
  /** The largest log h_i among the kernels in use: every term is scaled by e^-maxLogHeight. */
  readonly maxLogHeight: number;
  /** log(largest weight / smallest positive weight) among the kernels in use. */
  readonly logWeightSpread: number;
}

/** `logWeightSpread` of the first `count` weights. */
export function logWeightSpread(weights: Float64Array, count: number): number {
  let min = Infinity;
  let max = 0;
  for (let i = 0; i < count; i++) {
    const w = weights[i];
    if (w > max) max = w;
    if (w > 0 && w < min) min = w;
  }
  return max > 0 ? Math.log(max / min) : 0;
}

/**
 * log h_i from kernel i's inverse bandwidths and log truncation masses. The product is formed in
 * the linear domain (one logarithm per kernel) unless it would leave the safe range of doubles.
 */
export function kernelLogHeight(invs: readonly Float64Array[], logZs: readonly Float64Array[], i: number): number {
  const d = invs.length;
  let p = 1;
  let logZ = 0;
  for (let j = 0; j < d; j++) {
    p *= invs[j][i] * INV_SQRT_2PI;
    logZ += logZs[j][i];
  }
  if (p > 1e-280 && p < 1e280) return Math.log(p) - logZ;
  let c = -logZ;
  for (let j = 0; j < d; j++) c += Math.log(invs[j][i]) - LOG_SQRT_2PI;
  return c;
}

/** Floats per kernel in `packPairs`'s layout. */
export const PAIR_STRIDE = 6;

/**
 * A two-parameter mixture's kernels interleaved, six floats per kernel: mu_i0, mu_i1, c_i0, c_i1,
 * log h_i - maxLogHeight, w_i. Summing then reads one array per term instead of six (one bounds
 * check and one stream instead of six), about a third less time per term (a 56-kernel mixture summed
 * at 24 points: 14 against 20 ns). Written into `into` when it holds them, else into a new array; the
 * packed kernels are valid until the mixture changes.
 */
export function packPairs(k: ProductKernels, into?: Float64Array): Float64Array {
  const n = k.count;
  const out = into && into.length >= pairsLength(n) ? into : new Float64Array(pairsLength(n));
  const src = pairSource(k);
  for (let i = 0; i < n; i++) packPair(src, i, out, i * PAIR_STRIDE);
  return out;
}

/**
 * The arrays a two-parameter mixture is packed from, read off it once: with `packPair` reading them
 * through the mixture, packing took 18% of an organic 10,000-trial run's profile against 14% (one
 * profile each; V8 seems to re-read them for every kernel).
 */
export interface PairSource {
  readonly mu0: Float64Array;
  readonly mu1: Float64Array;
  readonly c0: Float64Array;
  readonly c1: Float64Array;
  readonly logHeights: Float64Array;
  readonly weights: Float64Array;
  readonly top: number;
}

/** `k`'s arrays for `packPair`, valid until the mixture changes. */
export function pairSource(k: ProductKernels): PairSource {
  const [mu0, mu1] = k.mus;
  const [c0, c1] = k.curvatures;
  return { mu0, mu1, c0, c1, logHeights: k.logHeights, weights: k.weights, top: k.maxLogHeight };
}

/** Kernel i into `out` at offset o, in `packPairs`'s layout. */
export function packPair(src: PairSource, i: number, out: Float64Array, o: number): void {
  out[o] = src.mu0[i];
  out[o + 1] = src.mu1[i];
  out[o + 2] = src.c0[i];
  out[o + 3] = src.c1[i];
  out[o + 4] = src.logHeights[i] - src.top;
  out[o + 5] = src.weights[i];
}

/** The length of an array that `packPairs` fills for `count` kernels. */
export function pairsLength(count: number): number {
  return count * PAIR_STRIDE;
}

/**
 * log sum_i w_i K_i(y) at one point y (per parameter, modelling space). One pass with one
 * exponential per kernel: every exponent log h_i - maxLogHeight - |z|^2/2 is <= 0, so no term
 * overflows and no per-point maximum is needed. Should the point lie so far from every kernel
 * that the sum nears underflow, a second pass forms it around its largest term instead.
 * `scratch` holds at least `count` entries (used only for three or more parameters). With two
 * parameters the sum reads the kernels as `packPairs` lays them out: pass `pairs`, packed once for
 * all the points summed while the mixture is unchanged (else they are packed here, for this point).
 */
export function logSumProductKernels(k: ProductKernels, y: Float64Array, scratch: Float64Array, pairs?: Float64Array): number {
  const { weights: w, count: n, maxLogHeight: top } = k;
  const d = k.mus.length;
  let sum = 0;
  if (d === 2) {
    // Two parameters (Branin-like spaces, and the commonest joint case) unrolled.
    const p = pairs ?? packPairs(k);
    const y0 = y[0];
    const y1 = y[1];
    // A term is left out when its exponent is more than `far` below one already summed: with
    // weights within a ratio of e^spread, each such term is below e^-40 / n of the sum, so all of
    // them together below e^-40 of it. Where the history is spread out that is most kernels (on
    // 9,000 random Branin trials, 9 ns per kernel against 25 with every term summed); in a
    // concentrated study, where about half the kernels reach each candidate, the test costs about
    // what it saves.
    const far = FAR_LOG + Math.log(n) + k.logWeightSpread;
    const acc = PAIR_SUM;
    acc[0] = 0;
    acc[1] = -Infinity;
    addPairTerms(p, 0, n, 1, y0, y1, 0, 0, -Infinity, far, Infinity, acc);
    sum = acc[0];
  } else {
    exponents(k, y, scratch);
    for (let i = 0; i < n; i++) sum += w[i] * expNonPositive(scratch[i] - top);
  }
  if (sum > 1e-250) return top + Math.log(sum);
  // Far from every kernel: log-sum-exp around the largest weighted term (the general loop above
  // left the exponents in scratch already).
  if (d === 2) exponents(k, y, scratch);
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    if (w[i] > 0) {
      scratch[i] += Math.log(w[i]);
      if (scratch[i] > max) max = scratch[i];
    } else {
      scratch[i] = -Infinity;
    }
  }
  if (max === -Infinity) return -Infinity;
  let rest = 0;
  for (let i = 0; i < n; i++) rest += expNonPositive(scratch[i] - max);
  return max + Math.log(rest);
}

/** scratch[i] = log h_i - |z_i|^2 / 2 at y. */
function exponents(k: ProductKernels, y: Float64Array, scratch: Float64Array): void {
  const n = k.count;
  scratch.set(k.logHeights.subarray(0, n));
  for (let j = 0; j < k.mus.length; j++) {
    const yj = y[j];
    const mu = k.mus[j];
    const curvature = k.curvatures[j];
    for (let i = 0; i < n; i++) {
      const dj = yj - mu[i];
      scratch[i] -= dj * dj * curvature[i];
    }
  }
}

/** What `addPairTerms` stopped at. */
export const DONE = 0;
export const BOUNDED = 1;
export const ABANDONED = 2;
export const PAUSED = 3;

/** The running sum, cut and stopping index of `logSumProductKernels`'s two-parameter pass. */
const PAIR_SUM = new Float64Array(3);

/**
 * Adds the terms of kernels from, from + step, ... (not `to`) of packed pairs `p` at (y0, y1) to
 * acc[0], with acc[1] the cut: a term more than `far` below one already summed is left out. Every
 * exponent is taken to be at most -minCurvature (y0 - mu0)^2 - offset (kernels sorted by first mean
 * and walked away from y0, with curvatures and second-parameter distances that bound them so), and
 * the walk stops where that bound is at or below the cut: BOUNDED (every further term would be left
 * out; 0 never stops), or at or below `reach` first: PAUSED (further terms are small, not
 * negligible: the caller comes back). It stops ABANDONED once the sum exceeds `limit`, else DONE at
 * `to`. acc[2] is set to the index it stopped at (`to` when DONE, the next kernel when ABANDONED).
 */
export function addPairTerms(
  p: Float64Array,
  from: number,
  to: number,
  step: number,
  y0: number,
  y1: number,
  minCurvature: number,
  offset: number,
  reach: number,
  far: number,
  limit: number,
  acc: Float64Array,
): number {
  let sum = acc[0];
  let cut = acc[1];
  let stop = cut > reach ? cut : reach;
  let status = DONE;
  let i = from;
  for (; i !== to; i += step) {
    const o = i * PAIR_STRIDE;
    const d0 = y0 - p[o];
    const bound = -(minCurvature * d0 * d0) - offset;
    if (bound <= stop) {
      status = bound <= cut ? BOUNDED : PAUSED;
      break;
    }
    const d1 = y1 - p[o + 1];
    const x = p[o + 4] - (d0 * d0 * p[o + 2] + d1 * d1 * p[o + 3]);
    if (x <= cut) continue;
    const wi = p[o + 5];
    // Only a term that is in the sum may set the cut (a custom weights function may return 0).
    if (x - far > cut && wi > 0) {
      cut = x - far;
      if (cut > stop) stop = cut;
    }
    sum += wi * expNonPositive(x);
    if (sum > limit) {
      status = ABANDONED;
      i += step;
      break;
    }
  }
  acc[0] = sum;
  acc[1] = cut;
  acc[2] = i;
  return status;
}
