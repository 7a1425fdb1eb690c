/**
 * What the figure builders share: the study shape they read, option types, trial filters and the
 * formatting Optuna labels its axes with.
 */
import { TrialState, type Direction, type FrozenTrial } from '../frozenTrial';
import type { Distribution, ParamValue } from '../distributions';
import { InvalidArgumentError } from '../errors';
import { hasKey } from '../dict';
import { logWarning } from '../logging';
import { optionKeys } from '../options';
import { isFeasible } from '../multiobjective/constraints';

/** What the plots read from a study. A Study satisfies it. */
export interface StudyLike {
  readonly studyName?: string;
  readonly directions: readonly Direction[];
  readonly trials: readonly FrozenTrial[];
  /** Objective names (`study.setMetricNames`); plots title their objective axes with them, as Optuna's do. */
  readonly metricNames?: readonly string[] | null;
  /**
   * The study's system attributes, when the study holds them (a Study keeps a copy); plots fall back
   * to Optuna's key for the metric names, `study:metric_names`, in it.
   */
  readonly systemAttrs?: Readonly<Record<string, unknown>>;
}

export interface TargetOptions {
  /** Plot this function of a trial instead of its (single) objective value. */
  target?: (t: FrozenTrial) => number;
  /** Axis label of the target (default 'Objective Value'). */
  targetName?: string;
}

/** `TargetOptions` and the parameters to draw: the options of the plots of one objective against parameters. */
export interface ParamsTargetOptions extends TargetOptions {
  /** The parameters to draw (default: every parameter of the completed trials). */
  params?: string[];
}

const TARGET_KEYS = { target: true, targetName: true } as const;
/** The option keys each plot takes, checked at run time as every tunelab option object's are (src/options.ts). */
export const TARGET_OPTION_KEYS = optionKeys<TargetOptions>(TARGET_KEYS);
export const PARAMS_TARGET_OPTION_KEYS = optionKeys<ParamsTargetOptions>({ ...TARGET_KEYS, params: true });

export function completeTrials(study: StudyLike): FrozenTrial[] {
  return study.trials.filter((t) => t.state === TrialState.COMPLETE);
}

export function targetOf(study: StudyLike, opts: TargetOptions, fn: string): (t: FrozenTrial) => number {
  if (opts.target) return opts.target;
  if (study.directions.length !== 1) {
    throw new InvalidArgumentError(`${fn}: this study has ${study.directions.length} objectives; pass \`target\` to choose what to plot.`);
  }
  return (t) => t.values![0];
}

export const COLORS = {
  complete: '#636efa',
  best: '#EF553B',
  pruned: '#FFA15A',
  fail: '#ab63fa',
  running: '#00cc96',
  waiting: '#bbbbbb',
  infeasible: '#cccccc',
};

/**
 * The parameters a plot draws: every one the (complete) trials have, or those `params` names (each must
 * appear), sorted by name and each once, as Optuna's slice, contour and parallel coordinate plots
 * order them; `keepGivenOrder` keeps the order given, as its rank plot does.
 */
export function paramNames(trials: FrozenTrial[], params: readonly string[] | undefined, fn: string, keepGivenOrder = false): string[] {
  const seen = new Set<string>();
  for (const t of trials) for (const k of Object.keys(t.params)) seen.add(k);
  if (!params) return [...seen].sort();
  for (const p of params) {
    if (!seen.has(p))
      throw new InvalidArgumentError(
        `${fn}: parameter '${p}' does not appear in any complete trial (known: ${[...seen].sort().join(', ') || 'none'}).`,
      );
  }
  return keepGivenOrder ? [...params] : [...new Set(params)].sort();
}

export function distributionOf(trials: FrozenTrial[], name: string): Distribution | undefined {
  for (const t of trials) if (hasKey(t.distributions, name)) return t.distributions[name];
  return undefined;
}

export function isLog(d: Distribution | undefined): boolean {
  return !!d && d.kind !== 'categorical' && !!(d as { log?: boolean }).log;
}

export function isCategorical(d: Distribution | undefined, values: ParamValue[]): boolean {
  return d?.kind === 'categorical' || values.some((v) => typeof v !== 'number');
}

/** The study system attribute Optuna 5's `study.set_metric_names` writes (a list of names). */
export const METRIC_NAMES_KEY = 'study:metric_names';

/**
 * The metric names stored in the study (Optuna's `study.metric_names`), or null when none are set
 * or the stored value is not one name per objective.
 */
export function metricNamesOf(study: StudyLike): string[] | null {
  const named = validMetricNames(study.metricNames, study.directions.length);
  if (named) return named;
  const attrs = study.systemAttrs;
  if (!attrs || !hasKey(attrs, METRIC_NAMES_KEY)) return null;
  return validMetricNames(attrs[METRIC_NAMES_KEY], study.directions.length);
}

/** The value stored under `study:metric_names` as names, if it is a list of one string per objective. */
export function validMetricNames(value: unknown, nObjectives: number): string[] | null {
  if (!Array.isArray(value) || value.length !== nObjectives || !value.every((v) => typeof v === 'string')) return null;
  return [...(value as string[])];
}

/**
 * As Optuna: a plot with nothing to draw returns an empty figure and says why in a warning, so a
 * blank plot in a notebook is explained (`what`: what the study lacks).
 */
export function warnNothingToDraw(plot: string, what: string): void {
  logWarning(`${plot}: ${what}, so the figure is empty.`);
}

/**
 * An n x n grid of subplots as Optuna's rank and contour plots lay them out (gaps of 0.08 / n): the
 * axes' suffix of panel (row, column) ('' for the first, then '2', '3', ... row by row, as plotly
 * numbers them) and the x and y domains of a column and a row (row 0 at the top).
 */
export function subplotGrid(n: number): {
  suffix(row: number, column: number): string;
  column(c: number): [number, number];
  row(r: number): [number, number];
} {
  const gap = 0.08 / n;
  const size = (1 - gap * (n - 1)) / n;
  return {
    suffix: (row, column) => (row * n + column === 0 ? '' : String(row * n + column + 1)),
    column: (c) => [c * (size + gap), c * (size + gap) + size],
    row: (r) => [1 - (r * (size + gap) + size), 1 - r * (size + gap)],
  };
}

/** The trials that meet every recorded constraint (or `feasibleTrial`), and those that do not (each judged once). */
export function splitByFeasibility(
  trials: readonly FrozenTrial[],
  feasibleTrial: (t: FrozenTrial) => boolean = isFeasible,
): [FrozenTrial[], FrozenTrial[]] {
  const feasible: FrozenTrial[] = [];
  const infeasible: FrozenTrial[] = [];
  for (const t of trials) (feasibleTrial(t) ? feasible : infeasible).push(t);
  return [feasible, infeasible];
}
