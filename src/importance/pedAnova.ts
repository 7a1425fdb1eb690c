import { distributionToJson, isSingle, toInternal, type Distribution } from '../distributions';
import { InvalidArgumentError } from '../errors';
import { TrialState, type Direction, type FrozenTrial } from '../frozenTrial';
import { normalCdf } from '../samplers/gp/normal';
import { selectBelowMultiObjective } from '../samplers/tpe/multiObjective';
import { hasKey, ownValue } from '../dict';

/**
 * PED-ANOVA (Watanabe et al., IJCAI 2023) with conditional parameters (Conditional PED-ANOVA, KDD
 * 2026), as Optuna 5.0's default PedAnovaImportanceEvaluator computes it. The importance of a
 * parameter is the Pearson divergence between the density of its values in the top
 * `targetQuantile` trials and in the top `regionQuantile` trials ("the region"), each a Parzen
 * estimator on a grid of at most 50 cells with Scott's-rule bandwidths and a wide prior kernel.
 * A conditional parameter is split into regimes (active with a given distribution, or inactive);
 * each active regime adds alpha^2 / beta times its divergence (alpha, beta: its share of the target
 * and of the region trials), and the sum is scaled by (|target| / |region|)^2. No model is fitted,
 * so it is fast and deterministic.
 */

export interface PedAnovaOptions {
  /** Importance of reaching the top `targetQuantile` of trials (default 0.1; Optuna's gamma'). */
  targetQuantile?: number;
  /** ...within the top `regionQuantile` (default 1.0, the whole study; Optuna's gamma). */
  regionQuantile?: number;
  /**
   * Compare with the density of the region's trials (default true: importance during the study) or
   * with a uniform density over the search space (false).
   */
  evaluateOnLocal?: boolean;
  /** Parameters to assess (default: every parameter a COMPLETE trial has, conditional ones included). */
  params?: readonly string[];
  /**
   * The value to rank trials by, lower is better (default: the objective, in its direction; for a
   * multi-objective study, non-domination rank with hypervolume tie-breaking, as MOTPE splits).
   */
  target?: (trial: FrozenTrial) => number;
}

/** What PED-ANOVA reads of a study. */
export interface PedAnovaStudy {
  readonly directions: readonly Direction[];
  readonly trials: readonly FrozenTrial[];
}

/** Grid cells a numerical domain is cut into (Optuna's n_steps). */
const N_STEPS = 50;
/** Weight of the wide prior kernel in each Parzen estimator. */
const PRIOR_WEIGHT = 1;
/** Trials a regime needs to be assessed. */
const MIN_TRIALS_IN_REGIME = 2;
/** Floor added to both densities before the divergence (Optuna's 1e-12). */
const DENSITY_FLOOR = 1e-12;

/** Raw (unnormalised) PED-ANOVA importances, largest first. */
export function pedAnovaImportances(study: PedAnovaStudy, opts: PedAnovaOptions = {}): Record<string, number> {
  const targetQuantile = opts.targetQuantile ?? 0.1;
  const regionQuantile = opts.regionQuantile ?? 1.0;
  const evaluateOnLocal = opts.evaluateOnLocal ?? true;
  if (!(targetQuantile > 0 && targetQuantile < regionQuantile && regionQuantile <= 1)) {
    throw new InvalidArgumentError(
      `PED-ANOVA: need 0 < targetQuantile < regionQuantile <= 1, got targetQuantile ${String(targetQuantile)} and regionQuantile ${String(regionQuantile)}.`,
    );
  }
  if (regionQuantile !== 1 && !evaluateOnLocal) {
    process.emitWarning('PED-ANOVA: with evaluateOnLocal false, regionQuantile has no effect.');
  }
  const complete = study.trials.filter((t) => t.state === TrialState.COMPLETE);
  const params = resolveParams(complete, opts.params);
  const trials = complete.filter((t) =>
    opts.target ? Number.isFinite(opts.target(t)) : t.values !== null && t.values.every(Number.isFinite),
  );
  const zeros = () => Object.fromEntries(params.map((p) => [p, 0]));
  if (trials.length <= 1) {
    process.emitWarning('PED-ANOVA: too few COMPLETE trials with finite values to compute importances; they are all equal.');
    return zeros();
  }
  const targetTrials = topQuantile(study, trials, targetQuantile, opts.target);
  const regionTrials = topQuantile(study, trials, regionQuantile, opts.target);
  if (targetTrials.length === regionTrials.length) {
    process.emitWarning('PED-ANOVA: the target and region quantiles select the same trials; importances will be equal.');
  }
  if (targetTrials.length === 0) return zeros();
  const inTarget = new Set(targetTrials.map((t) => t.trialId));
  const importances: Record<string, number> = zeros();
  for (const name of params) {
    let total = 0;
    for (const { distribution, trials: regionRegime } of regimes(name, regionTrials)) {
      const targetRegime = regionRegime.filter((t) => inTarget.has(t.trialId));
      if (distribution === null || isSingle(distribution) || targetRegime.length === 0) continue;
      const alpha = targetRegime.length / targetTrials.length;
      const beta = regionRegime.length / regionTrials.length;
      total += ((alpha * alpha) / beta) * pearsonDivergence(name, distribution, targetRegime, regionRegime, evaluateOnLocal);
    }
    importances[name] = total;
  }
  const scale = (targetTrials.length / regionTrials.length) ** 2;
  return Object.fromEntries(
    Object.entries(importances)
      .map(([k, v]) => [k, v * scale] as const)
      .sort((a, b) => b[1] - a[1]),
  );
}

function resolveParams(complete: readonly FrozenTrial[], params: readonly string[] | undefined): string[] {
  const seen = new Set<string>();
  for (const t of complete) for (const k of Object.keys(t.distributions)) seen.add(k);
  if (params === undefined) return [...seen].sort();
  const missing = params.filter((p) => !seen.has(p));
  if (missing.length > 0) {
    throw new InvalidArgumentError(
      `PED-ANOVA: no COMPLETE trial has the parameter(s) ${missing.map((m) => `'${m}'`).join(', ')}; ` +
        'each assessed parameter must appear in at least one COMPLETE trial.',
    );
  }
  return [...params];
}

/** The best `quantile` of the trials: every trial at or better than the ceil(q n)-th best value. */
function topQuantile(
  study: PedAnovaStudy,
  trials: readonly FrozenTrial[],
  quantile: number,
  target: ((t: FrozenTrial) => number) | undefined,
): FrozenTrial[] {
  if (quantile === 1) return [...trials];
  if (study.directions.length > 1 && !target) {
    const nBelow = Math.ceil(quantile * trials.length);
    if (nBelow >= trials.length) return [...trials];
    const signs = study.directions.map((d) => (d === 'maximize' ? -1 : 1));
    const losses = trials.map((t) => t.values!.map((v, i) => signs[i] * v));
    const chosen = new Set(selectBelowMultiObjective(losses, nBelow));
    return trials.filter((_, i) => chosen.has(i));
  }
  // A user target is "lower is better", as in Optuna.
  const sign = target || study.directions[0] === 'minimize' ? 1 : -1;
  const losses = trials.map((t) => sign * (target ? target(t) : t.values![0]));
  const cutoffIndex = Math.ceil(quantile * losses.length) - 1;
  const cutoff = [...losses].sort((a, b) => a - b)[cutoffIndex];
  return trials.filter((_, i) => losses[i] <= cutoff);
}

/** The region's trials grouped by the parameter's distribution (null: inactive), groups of 2 or more. */
function regimes(name: string, trials: readonly FrozenTrial[]): { distribution: Distribution | null; trials: FrozenTrial[] }[] {
  const groups = new Map<string, { distribution: Distribution | null; trials: FrozenTrial[] }>();
  for (const t of trials) {
    const d = hasKey(t.distributions, name) ? ownValue(t.distributions, name)! : null;
    const key = d === null ? '' : distributionToJson(d);
    const group = groups.get(key) ?? { distribution: d, trials: [] };
    group.trials.push(t);
    groups.set(key, group);
  }
  const all = [...groups.values()];
  if (all.some((g) => g.trials.length < MIN_TRIALS_IN_REGIME)) {
    process.emitWarning(
      `PED-ANOVA: some regimes of parameter '${name}' have fewer than ${MIN_TRIALS_IN_REGIME} trials; its importance may be inaccurate.`,
    );
  }
  return all.filter((g) => g.trials.length >= MIN_TRIALS_IN_REGIME);
}

/** sum over grid cells of p_local (p_top / p_local - 1)^2. */
function pearsonDivergence(
  name: string,
  distribution: Distribution,
  targetTrials: readonly FrozenTrial[],
  regionTrials: readonly FrozenTrial[],
  evaluateOnLocal: boolean,
): number {
  const top = gridDensity(name, distribution, targetTrials);
  const local = evaluateOnLocal ? gridDensity(name, distribution, regionTrials) : top.map(() => 1 / top.length);
  let sum = 0;
  for (let i = 0; i < top.length; i++) {
    const p = top[i] + DENSITY_FLOOR;
    const q = evaluateOnLocal ? local[i] + DENSITY_FLOOR : local[i];
    sum += q * (p / q - 1) ** 2;
  }
  return sum;
}

/** Counts of the trials' values in the parameter's grid cells (categoricals: per choice). */
function gridCounts(name: string, d: Distribution, trials: readonly FrozenTrial[]): number[] {
  if (d.kind === 'categorical') {
    const counts = new Array<number>(d.choices.length).fill(0);
    for (const t of trials) counts[toInternal(d, t.params[name])]++;
    return counts;
  }
  let nSteps = N_STEPS;
  if (d.kind === 'int' && d.log) {
    nSteps = Math.min(Math.ceil(Math.log(d.high - d.low + 1) / Math.log(2)) + 1, N_STEPS);
  } else if (d.step !== null) {
    nSteps = Math.min(Math.round((d.high - d.low) / d.step) + 1, N_STEPS);
  }
  const low = d.log ? Math.log(d.low) : d.low;
  const high = d.log ? Math.log(d.high) : d.high;
  const stepSize = (high - low) / (nSteps - 1);
  const counts = new Array<number>(nSteps).fill(0);
  for (const t of trials) {
    const raw = t.params[name] as number;
    const v = d.log ? Math.log(raw) : raw;
    // Round to the nearest cell; a value exactly between two cells goes to the lower one.
    const index = Math.ceil((v - low) / stepSize - 0.5);
    counts[Math.min(nSteps - 1, Math.max(0, index))]++;
  }
  return counts;
}

/** The Parzen estimator's probability of each grid cell. */
function gridDensity(name: string, d: Distribution, trials: readonly FrozenTrial[]): number[] {
  const counts = gridCounts(name, d, trials);
  const observed: number[] = [];
  const weights: number[] = [];
  counts.forEach((c, i) => {
    if (c > 0) {
      observed.push(i);
      weights.push(c);
    }
  });
  const mixtureTotal = weights.reduce((a, b) => a + b, 0) + PRIOR_WEIGHT;
  const mixture = [...weights, PRIOR_WEIGHT].map((w) => w / mixtureTotal);
  return d.kind === 'categorical'
    ? categoricalDensity(counts.length, observed, mixture)
    : numericalDensity(counts.length, observed, weights, mixture);
}

/**
 * One kernel per observed choice (its choice gets 1 on top of a share of the prior spread over all
 * choices), plus a uniform prior kernel.
 */
function categoricalDensity(nChoices: number, observed: readonly number[], mixture: readonly number[]): number[] {
  const nKernels = observed.length + 1;
  const spread = PRIOR_WEIGHT / nKernels;
  const rowSum = 1 + spread * nChoices;
  const out = new Array<number>(nChoices).fill(0);
  observed.forEach((choice, k) => {
    for (let c = 0; c < nChoices; c++) out[c] += (mixture[k] * (spread + (c === choice ? 1 : 0))) / rowSum;
  });
  for (let c = 0; c < nChoices; c++) out[c] += mixture[observed.length] / nChoices;
  return out;
}

/**
 * Discretised truncated normal kernels on cells 0..n-1: one per observed cell with Scott's-rule
 * bandwidth 1.059 min(IQR / 1.34, sd) N^(-1/5) (at least 0.5 / 1.64 cells), plus a prior kernel
 * centred on the domain with the domain's width (+1) as its bandwidth.
 */
function numericalDensity(nCells: number, observed: readonly number[], weights: readonly number[], mixture: readonly number[]): number[] {
  const low = 0;
  const high = nCells - 1;
  const cumulative: number[] = [];
  weights.reduce((acc, w) => (cumulative.push(acc + w), acc + w), 0);
  const weightSum = cumulative[cumulative.length - 1];
  let meanSum = 0;
  for (let i = 0; i < observed.length; i++) meanSum += observed[i] * weights[i];
  const mean = meanSum / weightSum;
  let squares = 0;
  for (let i = 0; i < observed.length; i++) squares += (observed[i] - mean) ** 2 * weights[i];
  const sd = Math.sqrt(squares / Math.max(1, weightSum - 1));
  // Weighted quartile positions (Optuna's searchsorted on the cumulative counts).
  const q1 = firstIndex(cumulative, (c) => c >= Math.floor(weightSum / 4));
  const q3 = firstIndex(cumulative, (c) => c > Math.floor((weightSum * 3) / 4));
  const iqr = observed[Math.min(observed.length - 1, q3)] - observed[q1];
  const sigma = Math.max(1.059 * Math.min(iqr / 1.34, sd) * weightSum ** -0.2, 0.5 / 1.64);
  const kernels = [...observed.map((mu) => ({ mu, sigma })), { mu: (low + high) / 2, sigma: high - low + 1 }];
  const out = new Array<number>(nCells).fill(0);
  kernels.forEach(({ mu, sigma: s }, k) => {
    const total = gaussMass((low - 0.5 - mu) / s, (high + 0.5 - mu) / s);
    for (let cell = 0; cell < nCells; cell++) {
      out[cell] += (mixture[k] * gaussMass((cell - 0.5 - mu) / s, (cell + 0.5 - mu) / s)) / total;
    }
  });
  return out;
}

function firstIndex(values: readonly number[], test: (v: number) => boolean): number {
  const i = values.findIndex(test);
  return i < 0 ? values.length : i;
}

/** Standard normal mass of [a, b], from the tail nearer to the interval so it keeps its precision. */
function gaussMass(a: number, b: number): number {
  if (a >= 0) return normalCdf(-a) - normalCdf(-b);
  if (b <= 0) return normalCdf(b) - normalCdf(a);
  return 1 - normalCdf(a) - normalCdf(-b);
}
