import { normalCdf } from '../gp/normal';
import type { CmaState } from './cma';

/**
 * CMA-ES with margin (Hamano, Saito, Nomura, Shirakawa, GECCO 2022).
 *
 * Candidates are x = m + sigma * A * y with y ~ N(0, C) and A a diagonal scaling (1 for continuous
 * dimensions); a discrete dimension's value is x rounded to its grid cell. Plain CMA-ES on such a
 * dimension shrinks its marginal until every candidate lands in the same cell, and the parameter is
 * frozen for the rest of the run. The margin keeps, after every update, the marginal probability of
 * leaving the cell that contains the mean at least alpha (default 1/(n * lambda)):
 * - a cell with neighbours on both sides gets at least alpha/2 beyond each boundary; a side that
 *   already has more keeps its probability, the short side(s) are raised to alpha/2, and the mean
 *   and A_jj are solved so the marginal N(m_j, (sigma A_jj)^2 C_jj) has exactly those two tail
 *   masses (this only ever widens the marginal);
 * - a cell at the edge of the range (one neighbour) gets at least alpha beyond its inner boundary,
 *   by moving the mean toward that boundary (A unchanged).
 * The covariance C keeps learning in the A-free coordinates y = (x - m) / (sigma A), so the
 * correction applies consistently to sampling and to the next update.
 */

/** Grid cell of the mean in one discrete dimension, in unit-cube coordinates. */
export interface MarginCell {
  lo: number;
  hi: number;
  /** Whether a grid value exists below lo / above hi (false at the ends of the range). */
  hasBelow: boolean;
  hasAbove: boolean;
}

/** The diagonal of A (states stored before A existed read as all ones). */
export function scalingOf(s: CmaState): number[] {
  return s.a && s.a.length === s.dim ? s.a : new Array<number>(s.dim).fill(1);
}

/** Marginal standard deviation sigma * A_jj * sqrt(C_jj) of coordinate j. */
export function marginalStd(s: CmaState, j: number): number {
  return s.sigma * scalingOf(s)[j] * Math.sqrt(Math.max(s.cov[j * s.dim + j], 0));
}

/** Probability mass of the marginal below lo and above hi. */
export function tailMasses(mean: number, std: number, lo: number, hi: number): { below: number; above: number } {
  return { below: normalCdf((lo - mean) / std), above: normalCdf((mean - hi) / std) };
}

/**
 * Apply the margin correction in place to a freshly updated state (mean, A). `cellOf(j, m_j)` gives
 * the grid cell of discrete dimension j containing m_j, or null for continuous dimensions.
 */
export function applyMargin(s: CmaState, cellOf: (j: number, m: number) => MarginCell | null): void {
  const alpha = s.margin;
  if (alpha === null || !(alpha > 0)) return;
  const a = [...scalingOf(s)];
  for (let j = 0; j < s.dim; j++) {
    const cell = cellOf(j, s.mean[j]);
    if (!cell || (!cell.hasBelow && !cell.hasAbove)) continue;
    const base = s.sigma * Math.sqrt(Math.max(s.cov[j * s.dim + j], 1e-300));
    const std = base * a[j];
    const m = Math.min(cell.hi, Math.max(cell.lo, s.mean[j]));
    if (cell.hasBelow && cell.hasAbove) {
      const { below, above } = tailMasses(m, std, cell.lo, cell.hi);
      if (below >= alpha / 2 && above >= alpha / 2) continue;
      // Target tail masses, then solve lo = m' + qLo * std', hi = m' + qHi * std' for (m', std').
      const qLo = inverseNormalCdf(Math.max(below, alpha / 2));
      const qHi = -inverseNormalCdf(Math.max(above, alpha / 2));
      const newStd = (cell.hi - cell.lo) / (qHi - qLo);
      s.mean[j] = cell.lo - qLo * newStd;
      a[j] = Math.max(a[j], newStd / base);
    } else {
      // One neighbour: keep alpha beyond the inner boundary by moving the mean toward it.
      const reach = inverseNormalCdf(1 - alpha) * std;
      if (cell.hasAbove) s.mean[j] = Math.max(m, cell.hi - reach);
      else s.mean[j] = Math.min(m, cell.lo + reach);
    }
  }
  s.a = a;
}

/** Phi^-1(p) for p in (0, 1) by bisection (a few calls per generation, so speed does not matter). */
export function inverseNormalCdf(p: number): number {
  let lo = -40;
  let hi = 40;
  for (let k = 0; k < 200; k++) {
    const mid = 0.5 * (lo + hi);
    if (normalCdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}
