import { InvalidArgumentError } from '../errors';
import { normalCdf } from '../samplers/gp/normal';

/**
 * The Wilcoxon signed-rank test on paired differences d = x - y, computed the way
 * scipy.stats.wilcoxon (1.17, `method='auto'`, `correction=False`) computes it, so that p-values
 * agree with what Optuna's WilcoxonPruner sees:
 * - the statistic is r+ (the sum of the average ranks of |d| over positive d); zeros are dropped
 *   ('wilcox'), ranked but given to neither side ('pratt'), or split half and half ('zsplit');
 * - with at most 50 differences and neither ties nor zeros, the p-value comes from the exact null
 *   distribution of r+ (a non-integral r+ is rounded conservatively);
 * - with ties or zeros and at most 13 differences, it is the exact permutation p-value over all 2^n
 *   sign flips (what scipy's permutation test enumerates when 2^n is below its resample budget);
 * - otherwise the normal approximation, with the tie correction sum(t^3 - t)/2 on the variance and,
 *   for 'pratt', Cureton's zero correction.
 */

export type SignedRankAlternative = 'two-sided' | 'less' | 'greater';
export type SignedRankZeroMethod = 'wilcox' | 'pratt' | 'zsplit';
export type SignedRankMethod = 'auto' | 'exact' | 'asymptotic';

export interface SignedRankOptions {
  /** 'greater': the differences tend to be positive; 'less': negative (default 'two-sided'). */
  alternative?: SignedRankAlternative;
  /** How zero differences count (default 'wilcox', as scipy; Optuna's pruner uses 'zsplit'). */
  zeroMethod?: SignedRankZeroMethod;
  /** Continuity correction of the normal approximation (default false, as scipy). */
  correction?: boolean;
  /** 'auto' (default) picks exact, permutation or normal as scipy does. */
  method?: SignedRankMethod;
}

export interface SignedRankResult {
  /** r+ for one-sided alternatives, min(r+, r-) for two-sided (scipy's convention). */
  statistic: number;
  pvalue: number;
  /** Which computation gave the p-value. */
  method: 'exact' | 'permutation' | 'asymptotic';
}

/** Largest sample scipy's 'auto' tests exactly. */
const EXACT_MAX_N = 50;
/** Largest sample whose 2^n sign flips scipy enumerates (2^13 is below its 9999 resamples). */
const PERMUTATION_MAX_N = 13;

interface RankedDifferences {
  /** Average ranks of |d| for the differences that take part (all but dropped zeros). */
  ranks: number[];
  /** Sign of each ranked difference: 1, -1 or 0. */
  signs: number[];
  /** Sizes of the groups of equal |d| (ties), over the ranked differences. */
  tieGroups: number[];
}

function rankDifferences(d: readonly number[], dropZeros: boolean): RankedDifferences {
  const kept = dropZeros ? d.filter((v) => v !== 0) : [...d];
  const order = kept.map((_, i) => i).sort((a, b) => Math.abs(kept[a]) - Math.abs(kept[b]) || a - b);
  const ranks = new Array<number>(kept.length);
  const tieGroups: number[] = [];
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    while (end < order.length && Math.abs(kept[order[end]]) === Math.abs(kept[order[start]])) end++;
    // Positions start..end-1 (0-based) share ranks start+1..end: their average.
    const average = (start + 1 + end) / 2;
    for (let i = start; i < end; i++) ranks[order[i]] = average;
    tieGroups.push(end - start);
    start = end;
  }
  return { ranks, signs: kept.map((v) => Math.sign(v)), tieGroups };
}

/** r+ as scipy defines it for each zero method (zeros add half their rank to r+ under 'zsplit'). */
function positiveRankSum(r: RankedDifferences, zeroMethod: SignedRankZeroMethod): { rPlus: number; rMinus: number } {
  let rPlus = 0;
  let rMinus = 0;
  let zeros = 0;
  for (let i = 0; i < r.ranks.length; i++) {
    if (r.signs[i] > 0) rPlus += r.ranks[i];
    else if (r.signs[i] < 0) rMinus += r.ranks[i];
    else zeros += r.ranks[i];
  }
  if (zeroMethod === 'zsplit') {
    rPlus += zeros / 2;
    rMinus += zeros / 2;
  }
  return { rPlus, rMinus };
}

/** Probabilities of r+ = 0..n(n+1)/2 for n untied, non-zero differences (each sign equally likely). */
function exactNullDistribution(n: number): Float64Array {
  let pmf = new Float64Array([1]);
  for (let k = 1; k <= n; k++) {
    const next = new Float64Array((k * (k + 1)) / 2 + 1);
    const m = pmf.length;
    for (let i = 0; i < m; i++) {
      next[i] += pmf[i] * 0.5; // rank k negative
      next[i + k] += pmf[i] * 0.5; // rank k positive
    }
    pmf = next;
  }
  return pmf;
}

function sumRange(a: Float64Array, from: number, to: number): number {
  let s = 0;
  for (let i = Math.max(0, from); i < Math.min(a.length, to); i++) s += a[i];
  return s;
}

/** P(R+ <= k) and P(R+ >= k), each summed over the shorter side of the mean, as scipy does. */
function exactCdf(pmf: Float64Array, mean: number, k: number): number {
  return k <= mean ? sumRange(pmf, 0, k + 1) : 1 - sumRange(pmf, k + 1, pmf.length);
}
function exactSf(pmf: Float64Array, mean: number, k: number): number {
  return k <= mean ? sumRange(pmf, k, pmf.length) : 1 - sumRange(pmf, 0, k);
}

/**
 * The exact permutation p-values of r+ over all sign flips of the non-zero differences. Ranks are
 * multiples of 1/2, so sums are counted on doubled integers and compared exactly.
 */
function permutationPValues(r: RankedDifferences, observedRPlus: number, zeroMethod: SignedRankZeroMethod) {
  let zeroShift = 0; // what zeros add to r+ in every flip (doubled)
  let counts = new Map<number, number>([[0, 1]]);
  let flips = 0;
  for (let i = 0; i < r.ranks.length; i++) {
    const twice = Math.round(2 * r.ranks[i]);
    if (r.signs[i] === 0) {
      if (zeroMethod === 'zsplit') zeroShift += twice / 2;
      flips++; // a zero's sign flip leaves r+ unchanged but still counts as a permutation
      const doubled = new Map<number, number>();
      for (const [s, c] of counts) doubled.set(s, 2 * c);
      counts = doubled;
      continue;
    }
    flips++;
    const next = new Map<number, number>();
    for (const [s, c] of counts) {
      next.set(s, (next.get(s) ?? 0) + c);
      next.set(s + twice, (next.get(s + twice) ?? 0) + c);
    }
    counts = next;
  }
  const total = 2 ** flips;
  const observed = Math.round(2 * observedRPlus);
  let atMost = 0;
  let atLeast = 0;
  for (const [s, c] of counts) {
    const value = s + zeroShift;
    if (value <= observed) atMost += c;
    if (value >= observed) atLeast += c;
  }
  return { less: atMost / total, greater: atLeast / total };
}

function checkOption<T extends string>(name: string, value: T, allowed: readonly T[]): void {
  if (!allowed.includes(value)) {
    throw new InvalidArgumentError(
      `wilcoxonSignedRank: ${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got '${String(value)}'.`,
    );
  }
}

/** The Wilcoxon signed-rank test of the paired differences `d` (x - y), as scipy.stats.wilcoxon(d, ...). */
export function wilcoxonSignedRank(d: readonly number[], opts: SignedRankOptions = {}): SignedRankResult {
  const alternative = opts.alternative ?? 'two-sided';
  const zeroMethod = opts.zeroMethod ?? 'wilcox';
  const correction = opts.correction ?? false;
  let method: SignedRankMethod | 'permutation' = opts.method ?? 'auto';
  checkOption('alternative', alternative, ['two-sided', 'less', 'greater']);
  checkOption('zeroMethod', zeroMethod, ['wilcox', 'pratt', 'zsplit']);
  checkOption('method', method, ['auto', 'exact', 'asymptotic']);
  if (d.length === 0) {
    throw new InvalidArgumentError('wilcoxonSignedRank: no differences given; pass at least one paired difference.');
  }
  const bad = d.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
  if (bad >= 0) {
    throw new InvalidArgumentError(`wilcoxonSignedRank: difference ${bad} is ${String(d[bad])}; every difference must be a finite number.`);
  }

  const n = d.length;
  const nZero = d.filter((v) => v === 0).length;
  const ranked = rankDifferences(d, zeroMethod === 'wilcox');
  const count = ranked.ranks.length;
  const { rPlus, rMinus } = positiveRankSum(ranked, zeroMethod);
  const hasTies = ranked.tieGroups.some((t) => t > 1);

  if (method === 'auto') {
    if (n > EXACT_MAX_N) method = 'asymptotic';
    else if (!hasTies && nZero === 0) method = 'exact';
    else if (n <= PERMUTATION_MAX_N) method = 'permutation';
    else method = 'asymptotic';
  }
  const statistic = alternative === 'two-sided' ? Math.min(rPlus, rMinus) : rPlus;

  let pvalue: number;
  if (method === 'exact') {
    const pmf = exactNullDistribution(count);
    const mean = (count * (count + 1)) / 4;
    const less = () => exactCdf(pmf, mean, Math.ceil(rPlus));
    const greater = () => exactSf(pmf, mean, Math.floor(rPlus));
    if (alternative === 'less') pvalue = less();
    else if (alternative === 'greater') pvalue = greater();
    else pvalue = Math.min(1, Math.max(0, 2 * Math.min(less(), greater())));
  } else if (method === 'permutation') {
    if (n < 2) {
      throw new InvalidArgumentError(
        'wilcoxonSignedRank: a single zero difference cannot be tested (scipy refuses the permutation test of one observation); pass at least two differences.',
      );
    }
    const p = permutationPValues(ranked, rPlus, zeroMethod);
    pvalue = alternative === 'less' ? p.less : alternative === 'greater' ? p.greater : Math.min(1, 2 * Math.min(p.less, p.greater));
  } else {
    let mean = (count * (count + 1)) / 4;
    let variance24 = count * (count + 1) * (2 * count + 1);
    let ties = ranked.tieGroups;
    if (zeroMethod === 'pratt' && nZero > 0) {
      // Cureton (1967): take the zeros' share out of the mean and variance; zeros (the lowest |d|,
      // so the first tie group) leave the tie correction.
      mean -= (nZero * (nZero + 1)) / 4;
      variance24 -= nZero * (nZero + 1) * (2 * nZero + 1);
      ties = ties.slice(1);
    }
    const tieCorrection = ties.reduce((s, t) => s + t ** 3 - t, 0);
    const se = Math.sqrt((variance24 - tieCorrection / 2) / 24);
    let z = (rPlus - mean) / se;
    if (correction) {
      const sign = alternative === 'greater' ? 1 : alternative === 'less' ? -1 : Math.sign(z);
      z -= (sign * 0.5) / se;
    }
    if (alternative === 'less') pvalue = normalCdf(z);
    else if (alternative === 'greater') pvalue = normalCdf(-z);
    else pvalue = 2 * normalCdf(-Math.abs(z));
  }
  return { statistic, pvalue, method };
}
