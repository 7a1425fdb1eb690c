/** Optuna 5.0's default split sizes (gamma) and observation weights for TPE. */

/** Optuna's default gamma: the best 10% of the finished trials, at most 25. */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/** Optuna's default gamma with several objectives: the best 10% of the finished trials, no cap. */
export function defaultGammaMultiObjective(n: number): number {
  return Math.ceil(0.1 * n);
}

/** Hyperopt's gamma: ceil(0.25 sqrt(n)), at most 25. */
export function hyperoptDefaultGamma(n: number): number {
  return Math.min(Math.ceil(0.25 * Math.sqrt(n)), 25);
}

/**
 * Optuna's default observation weights: all 1 below 25 observations; otherwise the newest 25 weigh
 * 1 and the older n - 25 ramp linearly from 1/n up to 1, so old history fades.
 */
export function defaultWeights(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = defaultWeightAt(i, n);
  return w;
}

/** `defaultWeights(n)[i]`, without building the array (for densities maintained across trials). */
export function defaultWeightAt(i: number, n: number): number {
  const ramp = n - 25;
  if (i >= ramp) return 1;
  return ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1);
}

/**
 * `defaultWeightAt(i, n)` for every i, into `out[slots[i]]` (a density that keeps its kernels by
 * slot, `slots` in time order): the same doubles, with what is the same for every i computed once.
 * Returns `start` plus the weights, added in order, the weights alone added in order (from 0), and
 * the largest weight (0 for none).
 */
export function scatterDefaultWeights(
  n: number,
  slots: Int32Array,
  out: Float64Array,
  start: number,
): { total: number; observations: number; largest: number } {
  const ramp = n - 25;
  const inv = 1 / n;
  const rise = 1 - inv;
  const steps = ramp - 1;
  let total = start;
  let observations = 0;
  let largest = 0;
  for (let i = 0; i < n; i++) {
    const w = i >= ramp ? 1 : ramp === 1 ? inv : inv + (rise * i) / steps;
    out[slots[i]] = w;
    total += w;
    observations += w;
    if (w > largest) largest = w;
  }
  return { total, observations, largest };
}
