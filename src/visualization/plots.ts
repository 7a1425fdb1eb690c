/**
 * Optuna's study plots with their names (camelCase) and meaning, as pure figure builders: each takes
 * a study (or its trials) and returns a displayable plotly Figure. Also the pieces the live widgets
 * share with them (widgets/kernel/liveHistory.ts), which are not public.
 */
import { TrialState, type Direction, type FrozenTrial } from '../frozenTrial';
import { InvalidArgumentError } from '../errors';
import { Figure, type Trace } from './figure';
import { getParamImportances, type ImportanceOptions } from '../importance';
import { IMPORTANCE_OPTION_FIELDS } from '../importance/options';
import type { Study } from '../study';
import { hasKey, ownValue } from '../dict';
import { formatG } from '../format';
import { logWarning } from '../logging';
import { checkOptionKeys, optionKeys } from '../options';
import { SEED_STD_ATTR } from '../reproducibility/multiSeed';
import { isFeasible } from '../multiobjective/constraints';
import { dominates, nonDominatedSort, toLoss } from '../multiobjective/pareto';
import {
  COLORS,
  completeTrials,
  distributionOf,
  isCategorical,
  isLog,
  metricNamesOf,
  paramNames,
  PARAMS_TARGET_OPTION_KEYS,
  TARGET_OPTION_KEYS,
  splitByFeasibility,
  subplotGrid,
  targetOf,
  type ParamsTargetOptions,
  type StudyLike,
  warnNothingToDraw,
  type TargetOptions,
} from './common';
import { BLUES } from './colorscale';

/**
 * The traces of the optimization history (shared with the live widget so they look the same). `of`
 * names the study when several are drawn together: each trace is named after it (`Best Value of
 * tpe`), and its colours are left to plotly's cycle, so the studies can be told apart.
 */
export function optimizationHistoryTraces(study: StudyLike, opts: TargetOptions = {}, of?: string): Trace[] {
  const target = targetOf(study, opts, 'plotOptimizationHistory');
  // As Optuna 5.0: the trials that violate a recorded constraint are drawn apart, in grey, and the
  // best-so-far line runs over every trial number (a FAIL or PRUNED trial keeps the best before it;
  // ±Infinity before the first feasible trial, which plotly leaves undrawn), following the feasible
  // trials only (as study.bestValue does).
  const history = studyHistory(study, opts);
  const inState = (state: StudyHistory['states'][number]) => history.trials.filter((_, i) => history.states[i] === state);
  const feasible = inState('feasible');
  const infeasible = inState('infeasible');
  const suffix = of === undefined ? '' : ` of ${of}`;
  const values: Trace = {
    type: 'scatter',
    mode: 'markers',
    name: `${opts.targetName ?? 'Objective Value'}${suffix}`,
    x: feasible.map((t) => t.number),
    y: feasible.map(target),
  };
  if (of === undefined) values.marker = { color: COLORS.complete };
  // Trials scored over several seeds (evaluateSeeds) carry their spread: draw it as error bars.
  const spread = opts.target || of !== undefined ? null : seedSpread(feasible);
  if (spread) values.error_y = { type: 'data', array: spread, visible: true, thickness: 1 };
  const traces: Trace[] = [values];
  // Optuna draws the best-so-far line only for the study's own objective.
  if (history.best) {
    const line: Trace = { type: 'scatter', mode: 'lines', name: `Best Value${suffix}`, x: history.numbers, y: history.best };
    if (of === undefined) line.line = { color: COLORS.best };
    traces.push(line);
  }
  // Optuna adds the infeasible trials' trace to every figure, empty when there are none, out of the legend.
  traces.push({ ...infeasibleTrace(), x: infeasible.map((t) => t.number), y: infeasible.map(target), showlegend: false });
  return traces;
}

/** The optimization history's trace of infeasible trials, without its points (Optuna's grey "Infeasible Trial"). */
export function infeasibleTrace(): Trace {
  return { type: 'scatter', mode: 'markers', name: 'Infeasible Trial', marker: { color: COLORS.infeasible } };
}

/** Each trial's `seed_std` user attribute (0 where absent), or null when no trial has one. */
function seedSpread(trials: readonly FrozenTrial[]): number[] | null {
  const stds = trials.map((t) => {
    const v = ownValue(t.userAttrs, SEED_STD_ATTR);
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  });
  return stds.some((v) => v !== null) ? stds.map((v) => v ?? 0) : null;
}

export function optimizationHistoryLayout(opts: TargetOptions = {}): Record<string, unknown> {
  return {
    title: { text: 'Optimization History Plot' },
    xaxis: { title: { text: 'Trial' } },
    yaxis: { title: { text: opts.targetName ?? 'Objective Value' } },
  };
}

export interface OptimizationHistoryOptions extends TargetOptions {
  /**
   * Draw the studies' mean per trial number, with their standard deviation as error bars and a band
   * round the mean best value (Optuna's `error_bar`: several runs of one set-up, e.g. seeds).
   */
  errorBar?: boolean;
}
const OPTIMIZATION_HISTORY_OPTION_KEYS = optionKeys<OptimizationHistoryOptions>({ target: true, targetName: true, errorBar: true });

/**
 * Objective value of every complete trial by trial number, with the best value so far. Given several
 * studies (Optuna's `plot_optimization_history([s1, s2])`), each gets its own values and best line,
 * named after it (`Objective Value of tpe`, `Best Value of tpe`); with `errorBar`, their means and
 * standard deviations per trial number instead.
 */
export function plotOptimizationHistory(studies: StudyLike | readonly StudyLike[], opts: OptimizationHistoryOptions = {}): Figure {
  checkOptionKeys('plotOptimizationHistory', opts, OPTIMIZATION_HISTORY_OPTION_KEYS);
  const list: readonly StudyLike[] = Array.isArray(studies) ? studies : [studies as StudyLike];
  const { errorBar, ...targetOpts } = opts;
  const layout = optimizationHistoryLayout(targetOpts);
  if (list.length === 0) {
    warnNothingToDraw('plotOptimizationHistory', 'no studies were given');
    return new Figure({ data: [], layout });
  }
  if (list.every((s) => completeTrials(s).length === 0)) warnNothingToDraw('plotOptimizationHistory', 'the study has no completed trials');
  if (errorBar)
    return new Figure({
      data: errorBarTraces(
        list.map((s) => studyHistory(s, targetOpts)),
        targetOpts,
      ),
      layout,
    });
  if (list.length === 1) return new Figure({ data: optimizationHistoryTraces(list[0], targetOpts), layout });
  return new Figure({
    data: list.flatMap((study, k) => optimizationHistoryTraces(study, targetOpts, study.studyName ?? `study ${k}`)),
    layout,
  });
}

/** One study's history as Optuna 5.0 reads it: every trial, its value (NaN unless COMPLETE), its state, and the feasible best so far. */
interface StudyHistory {
  trials: FrozenTrial[];
  numbers: number[];
  values: number[];
  states: Array<'feasible' | 'infeasible' | 'incomplete'>;
  /** The best feasible value so far at each trial (±Infinity before the first); null with a `target`. */
  best: number[] | null;
}

function studyHistory(study: StudyLike, opts: TargetOptions): StudyHistory {
  const target = targetOf(study, opts, 'plotOptimizationHistory');
  const minimize = study.directions[0] === 'minimize';
  const out: StudyHistory = { trials: [], numbers: [], values: [], states: [], best: opts.target ? null : [] };
  let best = minimize ? Infinity : -Infinity;
  for (const t of study.trials) {
    const complete = t.state === TrialState.COMPLETE;
    const state = !complete ? 'incomplete' : isFeasible(t) ? 'feasible' : 'infeasible';
    const value = complete ? target(t) : NaN;
    if (state === 'feasible') best = minimize ? Math.min(best, value) : Math.max(best, value);
    out.trials.push(t);
    out.numbers.push(t.number);
    out.values.push(value);
    out.states.push(state);
    out.best?.push(best);
  }
  return out;
}

/**
 * Optuna 5.0's error bars over several studies: per trial number that is feasible in at least one of
 * them, the mean and (population) standard deviation of their feasible values, and of their best
 * values so far; the best values' band drawn as two lines, the lower filled up to the upper.
 */
function errorBarTraces(histories: readonly StudyHistory[], opts: TargetOptions): Trace[] {
  const size = Math.max(0, ...histories.flatMap((h) => h.numbers)) + 1;
  const values: number[][] = Array.from({ length: size }, () => []);
  const bests: number[][] = Array.from({ length: size }, () => []);
  const anyFeasible = new Array<boolean>(size).fill(false);
  for (const h of histories) {
    h.numbers.forEach((n, i) => {
      if (h.states[i] === 'feasible') {
        anyFeasible[n] = true;
        if (Number.isFinite(h.values[i])) values[n].push(h.values[i]);
      }
      if (h.best && Number.isFinite(h.best[i])) bests[n].push(h.best[i]);
    });
  }
  const numbers = anyFeasible.flatMap((f, n) => (f ? [n] : []));
  if (numbers.length === 0) {
    warnNothingToDraw('plotOptimizationHistory', 'the studies have no feasible trials');
    return [];
  }
  const meanStd = (xs: readonly number[]): [number, number] => {
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    return [mean, Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length)];
  };
  const valueStats = numbers.map((n) => meanStd(values[n]));
  const traces: Trace[] = [
    {
      type: 'scatter',
      mode: 'markers',
      name: opts.targetName ?? 'Objective Value',
      x: numbers,
      y: valueStats.map(([m]) => m),
      error_y: { type: 'data', array: valueStats.map(([, sd]) => sd), visible: true },
    },
  ];
  if (!opts.target) {
    const bestStats = numbers.map((n) => meanStd(bests[n]));
    traces.push(
      { type: 'scatter', mode: 'lines', name: 'Best Value', x: numbers, y: bestStats.map(([m]) => m) },
      { type: 'scatter', mode: 'lines', x: numbers, y: bestStats.map(([m, sd]) => m + sd), line: { width: 0.01 }, showlegend: false },
      {
        type: 'scatter',
        mode: 'none',
        x: numbers,
        y: bestStats.map(([m, sd]) => m - sd),
        fill: 'tonexty',
        fillcolor: 'rgba(255,0,0,0.2)',
        showlegend: false,
      },
    );
  }
  return traces;
}

/** Learning curves: the intermediate values each trial reported; pruned trials are drawn and marked. */
export function plotIntermediateValues(study: StudyLike): Figure {
  const data: Trace[] = [];
  for (const t of study.trials) {
    // Optuna draws complete, pruned and running trials (a failed trial's curve is left out).
    if (t.intermediateValues.size === 0 || t.state === TrialState.FAIL || t.state === TrialState.WAITING) continue;
    const steps = [...t.intermediateValues.keys()].sort((a, b) => a - b);
    const pruned = t.state === TrialState.PRUNED;
    data.push({
      type: 'scatter',
      mode: 'lines+markers',
      name: `Trial${t.number}${pruned ? ' (pruned)' : ''}`,
      x: steps,
      y: steps.map((s) => t.intermediateValues.get(s)!),
      line: pruned ? { dash: 'dot', color: COLORS.pruned } : undefined,
      // As Optuna 5.0: a trial that violates a recorded constraint is drawn in grey.
      marker: { symbol: pruned ? 'x' : 'circle', size: pruned ? 7 : 5, ...(isFeasible(t) ? {} : { color: '#CCCCCC' }) },
      meta: { state: TrialState[t.state] },
    });
  }
  if (data.length === 0) {
    warnNothingToDraw('plotIntermediateValues', 'no trial reported intermediate values (trial.report(value, step), as pruners use)');
  }
  return new Figure({
    data,
    layout: {
      title: { text: 'Intermediate Values Plot' },
      xaxis: { title: { text: 'Step' } },
      yaxis: { title: { text: 'Intermediate Value' } },
      showlegend: data.length <= 20,
    },
  });
}

/**
 * Every complete trial as a line through its parameter values and objective value. A multi-objective
 * study without `target` gets one axis per objective (titled with its metric name, or 'Objective i')
 * and lines colored by Pareto rank, as Optuna 5's plot_parallel_coordinate.
 */
export function plotParallelCoordinate(study: StudyLike, opts: ParamsTargetOptions = {}): Figure {
  checkOptionKeys('plotParallelCoordinate', opts, PARAMS_TARGET_OPTION_KEYS);
  const multi = study.directions.length > 1 && !opts.target;
  const target = multi ? () => NaN : targetOf(study, opts, 'plotParallelCoordinate');
  let trials = completeTrials(study);
  // As Optuna 5.0: trials whose objective (or target) is not finite are left out.
  trials = multi
    ? trials.filter((t) => t.values?.length === study.directions.length && t.values.every(Number.isFinite))
    : trials.filter((t) => Number.isFinite(target(t)));
  const names = paramNames(trials, opts.params, 'plotParallelCoordinate');
  // As Optuna 5.0, every trial is drawn: a parameter a trial does not have (a conditional one) sits
  // on its axis's "None" tick, below the values (parallelDimension).
  if (trials.length === 0) warnNothingToDraw('plotParallelCoordinate', 'the study has no completed trials with finite values');
  const objective = multi ? paretoRanks(trials, study.directions) : trials.map(target);
  const range = (values: number[]) => (values.length ? [Math.min(...values), Math.max(...values)] : [0, 0]);
  const objectiveDims = multi
    ? objectiveNames(study).map((label, k) => {
        const values = trials.map((t) => t.values![k]);
        return { label, values, range: range(values) };
      })
    : [{ label: opts.targetName ?? 'Objective Value', values: objective, range: range(objective) }];
  const dims: Record<string, unknown>[] = [...objectiveDims];
  for (const n of names) dims.push(parallelDimension(trials, n));
  // As Optuna: the scale is reversed for minimisation, a custom target and Pareto ranks.
  const reversescale = multi || !(study.directions[0] === 'maximize' && !opts.target);
  const colorbarTitle = multi ? 'Pareto Rank' : (opts.targetName ?? 'Objective Value');
  return new Figure({
    data: [
      {
        type: 'parcoords',
        dimensions: dims,
        labelangle: 30,
        labelside: 'bottom',
        line: { color: objective, colorscale: BLUES, reversescale, showscale: true, colorbar: { title: { text: colorbarTitle } } },
      },
    ],
    layout: { title: { text: 'Parallel Coordinate Plot' } },
  });
}

/** Optuna's label for a value a trial does not have, and where the axis puts it (below the values). */
const MISSING_LABEL = 'None';
const missingPosition = (lo: number, hi: number) => (lo === hi ? lo - 1 : lo - ((hi - lo) * 0.12) / 0.88);
/** Optuna shortens parameter names on the parallel coordinate's axes (so angled labels stay inside). */
const axisLabel = (name: string) => (name.length < 20 ? name : `${name.slice(0, 17)}...`);

/** One parameter's axis of the parallel coordinate plot, as Optuna 5.0 builds it. */
function parallelDimension(rows: FrozenTrial[], name: string): Record<string, unknown> {
  const d = distributionOf(rows, name);
  const has = rows.map((t) => hasKey(t.params, name));
  const present = rows.filter((_, i) => has[i]).map((t) => t.params[name]);
  const hasMissing = has.includes(false);
  const label = axisLabel(name);
  if (isCategorical(d, present)) {
    // Numeric choices are ordered by value, others in order of first appearance.
    const numeric = present.every((v) => typeof v === 'number');
    const seen = [...new Set(present)];
    const vocab = numeric ? (seen as number[]).sort((a, b) => a - b) : seen;
    const offset = hasMissing ? 1 : 0;
    const values = rows.map((t, i) => (has[i] ? vocab.indexOf(t.params[name]) + offset : 0));
    const labels = vocab.map((v) => (String(v) === MISSING_LABEL && hasMissing ? `${MISSING_LABEL} (value)` : String(v)));
    return {
      label,
      values,
      range: [Math.min(...values), Math.max(...values)],
      tickvals: Array.from({ length: vocab.length + offset }, (_, i) => i),
      ticktext: hasMissing ? [MISSING_LABEL, ...labels] : labels,
    };
  }
  if (isLog(d)) {
    // As Optuna: the axis is log10 of the values, ticked at the integer powers between the ends
    // plus the ends themselves, labelled with the value in '%.3g'.
    const logs = present.map((v) => Math.log10(v as number));
    const lo = Math.min(...logs);
    const hi = Math.max(...logs);
    let ticks: number[] = [];
    for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) ticks.push(e);
    if (!ticks.includes(lo)) ticks = [lo, ...ticks];
    if (!ticks.includes(hi)) ticks = [...ticks, hi];
    const missing = hasMissing ? missingPosition(lo, hi) : null;
    return {
      label,
      values: rows.map((t, i) => (has[i] ? Math.log10(t.params[name] as number) : missing)),
      range: [missing ?? lo, hi],
      tickvals: missing === null ? ticks : [missing, ...ticks],
      ticktext: [...(missing === null ? [] : [MISSING_LABEL]), ...ticks.map((e) => formatG(10 ** e, 3))],
    };
  }
  const nums = present as number[];
  const lo = Math.min(...nums);
  const hi = Math.max(...nums);
  if (!hasMissing) return { label, values: nums, range: [lo, hi] };
  const missing = missingPosition(lo, hi);
  const ticks = lo === hi ? [lo] : Array.from({ length: 5 }, (_, i) => lo + ((hi - lo) * i) / 4);
  return {
    label,
    values: rows.map((t, i) => (has[i] ? (t.params[name] as number) : missing)),
    range: [missing, hi],
    tickvals: [missing, ...ticks],
    ticktext: [MISSING_LABEL, ...ticks.map((v) => formatG(v, 3))],
  };
}

/** Objective value against each parameter, one panel per parameter, colored by trial number. */
export function plotSlice(study: StudyLike, opts: ParamsTargetOptions = {}): Figure {
  checkOptionKeys('plotSlice', opts, PARAMS_TARGET_OPTION_KEYS);
  const target = targetOf(study, opts, 'plotSlice');
  const trials = completeTrials(study).filter((t) => Number.isFinite(target(t))); // as Optuna 5.0
  if (trials.length === 0) warnNothingToDraw('plotSlice', 'the study has no completed trials with finite values');
  const names = paramNames(trials, opts.params, 'plotSlice');
  const data: Trace[] = [];
  const layout: Record<string, unknown> = { title: { text: 'Slice Plot' }, showlegend: false };
  const n = Math.max(1, names.length);
  names.forEach((name, i) => {
    const rows = trials.filter((t) => hasKey(t.params, name));
    const axis = i === 0 ? '' : String(i + 1);
    data.push({
      type: 'scatter',
      mode: 'markers',
      name,
      x: rows.map((t) => t.params[name]),
      y: rows.map(target),
      xaxis: `x${axis}`,
      yaxis: `y${axis}`,
      marker: {
        color: rows.map((t) => t.number),
        colorscale: BLUES,
        showscale: i === names.length - 1,
        colorbar: { title: { text: 'Trial' } },
        line: { width: 0.5, color: 'Grey' },
      },
    });
    const gap = 0.04;
    const w = (1 - gap * (n - 1)) / n;
    layout[`xaxis${axis}`] = {
      domain: [i * (w + gap), i * (w + gap) + w],
      title: { text: name },
      type: isLog(distributionOf(rows, name))
        ? 'log'
        : isCategorical(
              distributionOf(rows, name),
              rows.map((t) => t.params[name]),
            )
          ? 'category'
          : '-',
      anchor: `y${axis}`,
    };
    layout[`yaxis${axis}`] = {
      anchor: `x${axis}`,
      title: i === 0 ? { text: opts.targetName ?? 'Objective Value' } : undefined,
      matches: i === 0 ? undefined : 'y',
    };
  });
  return new Figure({ data, layout });
}

/**
 * The objective over two parameters: a contour of the complete trials' values (plotly interpolates
 * between them, connecting gaps) with the trials themselves drawn on top. With more than two
 * parameters pass `params` to choose the pair (the first two are used otherwise).
 */
export function plotContour(study: StudyLike, opts: ParamsTargetOptions = {}): Figure {
  checkOptionKeys('plotContour', opts, PARAMS_TARGET_OPTION_KEYS);
  const target = targetOf(study, opts, 'plotContour');
  const trials = completeTrials(study).filter((t) => Number.isFinite(target(t))); // as Optuna 5.0
  const names = paramNames(trials, opts.params, 'plotContour');
  if (names.length < 2) {
    // As Optuna 5.0: a warning and an empty figure, not an error (a study just started, a one-parameter study).
    warnNothingToDraw(
      'plotContour',
      trials.length === 0
        ? 'the study has no completed trials with finite values'
        : `it needs at least two parameters, and ${opts.params ? `params names ${names.length}` : `the completed trials have ${names.length}`}`,
    );
    return new Figure({ data: [], layout: { title: { text: 'Contour Plot' } } });
  }
  const axisType = (name: string, rows: FrozenTrial[]) => {
    const d = distributionOf(rows, name);
    return isLog(d)
      ? 'log'
      : isCategorical(
            d,
            rows.map((t) => t.params[name]),
          )
        ? 'category'
        : '-';
  };
  // One pair's contour and the trials over it, on axes `suffix` ('' for x/y, '2' for x2/y2, ...).
  let showscale = true;
  const pair = (px: string, py: string, suffix: string): Trace[] => {
    const rows = trials.filter((t) => hasKey(t.params, px) && hasKey(t.params, py));
    const x = rows.map((t) => t.params[px]);
    const y = rows.map((t) => t.params[py]);
    const axes = suffix ? { xaxis: `x${suffix}`, yaxis: `y${suffix}` } : {};
    const contour: Trace = {
      type: 'contour',
      x,
      y,
      z: rows.map(target),
      connectgaps: true,
      colorscale: BLUES,
      reversescale: study.directions[0] !== 'maximize',
      contours: { coloring: 'heatmap' },
      colorbar: { title: { text: opts.targetName ?? 'Objective Value' } },
      showscale, // one colour bar for the figure (Optuna: the first pair's)
      name: 'contour',
      ...axes,
    };
    showscale = false;
    const dots: Trace = {
      type: 'scatter',
      mode: 'markers',
      name: 'trials',
      x,
      y,
      marker: { color: 'black', size: 5, line: { color: 'white', width: 1 } },
      ...axes,
    };
    return [contour, dots];
  };
  if (names.length === 2) {
    const [px, py] = names;
    const rows = trials.filter((t) => hasKey(t.params, px) && hasKey(t.params, py));
    return new Figure({
      data: pair(px, py, ''),
      layout: {
        title: { text: 'Contour Plot' },
        xaxis: { title: { text: px }, type: axisType(px, rows) },
        yaxis: { title: { text: py }, type: axisType(py, rows) },
      },
    });
  }
  // As Optuna 5.0, more than two parameters make an n x n grid: row r (from the top) plots names[r]
  // on y, column c names[c] on x, the diagonal left empty; titles on the left column and bottom row.
  const grid = subplotGrid(names.length);
  const data: Trace[] = [];
  const layout: Record<string, unknown> = { title: { text: 'Contour Plot' }, showlegend: false };
  names.forEach((py, r) => {
    names.forEach((px, c) => {
      const suffix = grid.suffix(r, c);
      const axes = suffix ? { xaxis: `x${suffix}`, yaxis: `y${suffix}` } : {};
      // The diagonal is an empty panel (an empty trace, so plotly still draws its axes and titles).
      data.push(...(px !== py ? pair(px, py, suffix) : [{ type: 'scatter', x: [], y: [], showlegend: false, hoverinfo: 'none', ...axes }]));
      const bottom = r === names.length - 1;
      const left = c === 0;
      layout[`xaxis${suffix}`] = {
        type: axisType(px, trials),
        domain: grid.column(c),
        anchor: `y${suffix}`,
        ...(bottom ? { title: { text: px } } : {}),
      };
      layout[`yaxis${suffix}`] = {
        type: axisType(py, trials),
        domain: grid.row(r),
        anchor: `x${suffix}`,
        ...(left ? { title: { text: py } } : {}),
      };
    });
  });
  return new Figure({ data, layout });
}

/** getParamImportances' options, the axis title, and importances already computed (drawn instead). */
export interface ParamImportancesPlotOptions extends ImportanceOptions {
  targetName?: string;
  importances?: Record<string, number>;
}
const PARAM_IMPORTANCES_PLOT_OPTION_KEYS = optionKeys<ParamImportancesPlotOptions>({
  ...IMPORTANCE_OPTION_FIELDS,
  targetName: true,
  importances: true,
});

/**
 * Hyperparameter importances as horizontal bars, most important on top (Optuna's
 * plot_param_importances). Computed with getParamImportances (fANOVA by default; `evaluator`,
 * `params`, `target` and the forest settings pass through), or drawn from `importances` you give.
 */
export function plotParamImportances(study: Study | StudyLike, opts: ParamImportancesPlotOptions = {}): Figure {
  checkOptionKeys('plotParamImportances', opts, PARAM_IMPORTANCES_PLOT_OPTION_KEYS);
  const { importances: given, targetName: _targetName, ...importanceOpts } = opts;
  const named = study.metricNames;
  const series: Array<{ name: string; importances: Record<string, number> }> = [];
  // As Optuna: a target no COMPLETE trial gives a finite value of has no bars (and one warning).
  let warned = false;
  const importancesOf = (target: (t: FrozenTrial) => number, targetOpts: typeof importanceOpts): Record<string, number> => {
    if (completeTrials(study).some((t) => Number.isFinite(target(t)))) return getParamImportances(study as Study, targetOpts);
    if (!warned) warnNothingToDraw('plotParamImportances', 'the study has no completed trials with a finite value');
    warned = true;
    return {};
  };
  if (study.directions.length > 1 && !opts.target && !given) {
    // As Optuna 5.0: one set of bars per objective, named by the metric names when the study has them.
    study.directions.forEach((_, k) => {
      const name = named?.[k] ?? `${opts.targetName ?? 'Objective Value'} ${k}`;
      const target = (t: FrozenTrial) => t.values![k];
      series.push({ name, importances: importancesOf(target, { ...importanceOpts, target }) });
    });
  } else {
    // As Optuna: a single-objective study's metric name titles the bars unless a target is given.
    const name = named && named.length === 1 && !opts.target ? named[0] : (opts.targetName ?? 'Objective Value');
    series.push({ name, importances: given ?? importancesOf(targetOf(study, opts, 'plotParamImportances'), importanceOpts) });
  }
  const drawn = series.filter((s) => Object.keys(s.importances).length > 0);
  const data: Trace[] = drawn.map(({ name, importances }, k) => {
    const entries = Object.entries(importances).sort((a, b) => a[1] - b[1]);
    return {
      type: 'bar',
      orientation: 'h',
      x: entries.map((e) => e[1]),
      y: entries.map((e) => e[0]),
      text: entries.map((e) => (e[1] < 0.01 ? '<0.01' : e[1].toFixed(2))),
      textposition: 'outside',
      cliponaxis: false, // as Optuna: the value beside the longest bar is not cut at the plot's edge
      hovertemplate: '%{y}: %{x}<extra></extra>',
      ...(series.length === 1 ? { marker: { color: COLORS.complete } } : {}),
      name,
      legendrank: k,
    };
  });
  const longest = Math.max(0, ...drawn.flatMap((s) => Object.values(s.importances)));
  return new Figure({
    data,
    layout: {
      title: { text: 'Hyperparameter Importances' },
      // Room on the right for the value written beside the longest bar.
      xaxis: { title: { text: 'Hyperparameter Importance' }, automargin: true, range: [0, longest * 1.12 || 1] },
      // automargin grows the left margin to the widest parameter name and places the title beyond
      // it (standoff), so long names are neither clipped nor overlapped by the title.
      yaxis: { title: { text: 'Hyperparameter', standoff: 12 }, automargin: true },
      showlegend: series.length > 1,
    },
  });
}

/**
 * Empirical distribution function of the objective values of one or more studies: for each
 * study, the fraction of complete trials whose value is <= x, evaluated on 100 points spanning all
 * studies' values (as Optuna does).
 */
export function plotEdf(studies: StudyLike | readonly StudyLike[], opts: TargetOptions = {}): Figure {
  checkOptionKeys('plotEdf', opts, TARGET_OPTION_KEYS);
  const list = Array.isArray(studies) ? (studies as readonly StudyLike[]) : [studies as StudyLike];
  const per = list.map((s) => ({
    name: s.studyName ?? 'study',
    // As Optuna 5.0: values that are not finite are left out.
    values: completeTrials(s)
      .map(targetOf(s, opts, 'plotEdf'))
      .filter(Number.isFinite)
      .sort((a, b) => a - b),
  }));
  const all = per.flatMap((p) => p.values);
  if (all.length === 0) warnNothingToDraw('plotEdf', 'no study has completed trials with finite values');
  const data: Trace[] = [];
  if (all.length > 0) {
    const lo = Math.min(...all);
    const hi = Math.max(...all);
    const xs = Array.from({ length: 100 }, (_, i) => (hi === lo ? lo : lo + ((hi - lo) * i) / 99));
    for (const p of per) {
      const ys = xs.map((x) => {
        let k = 0;
        while (k < p.values.length && p.values[k] <= x) k++;
        return p.values.length ? k / p.values.length : 0;
      });
      data.push({ type: 'scatter', mode: 'lines', name: p.name, x: xs, y: ys });
    }
  }
  return new Figure({
    data,
    layout: {
      title: { text: 'Empirical Distribution Function Plot' },
      xaxis: { title: { text: opts.targetName ?? 'Objective Value' } },
      yaxis: { title: { text: 'Cumulative Probability' }, range: [0, 1] },
    },
  });
}

export interface TimelineOptions {
  /** Only the most recent trials, this many (Optuna's `n_recent_trials`; default all). */
  nRecentTrials?: number | null;
}
const TIMELINE_OPTION_KEYS = optionKeys<TimelineOptions>({ nRecentTrials: true });

/** When each trial ran: one horizontal bar per trial from its start to its end, colored by state. */
export function plotTimeline(study: StudyLike, opts: TimelineOptions = {}): Figure {
  checkOptionKeys('plotTimeline', opts, TIMELINE_OPTION_KEYS);
  const recent = opts.nRecentTrials;
  if (recent !== undefined && recent !== null && !(Number.isInteger(recent) && recent > 0)) {
    throw new InvalidArgumentError(`plotTimeline: nRecentTrials must be a positive integer or null, got ${String(recent)}.`);
  }
  const byState = new Map<TrialState, FrozenTrial[]>();
  for (const t of recent ? study.trials.slice(-recent) : study.trials) {
    if (!t.datetimeStart) continue;
    const list = byState.get(t.state) ?? [];
    list.push(t);
    byState.set(t.state, list);
  }
  const now = Date.now();
  const data: Trace[] = [];
  const colorOf: Record<number, string> = {
    [TrialState.COMPLETE]: COLORS.complete,
    [TrialState.PRUNED]: COLORS.pruned,
    [TrialState.FAIL]: COLORS.best,
    [TrialState.RUNNING]: COLORS.running,
    [TrialState.WAITING]: COLORS.waiting,
  };
  const bars = (trials: FrozenTrial[], name: string, color: string) => {
    if (trials.length === 0) return;
    data.push({
      type: 'bar',
      orientation: 'h',
      name,
      base: trials.map((t) => t.datetimeStart!.toISOString()),
      x: trials.map((t) => (t.datetimeComplete?.getTime() ?? now) - t.datetimeStart!.getTime()),
      y: trials.map((t) => t.number),
      // One trial's height whatever the gaps between this state's trials (plotly sizes an overlaid
      // trace's bars by its own spacing otherwise: two FAIL trials far apart would be drawn tall).
      width: trials.map(() => 0.8),
      marker: { color },
      hovertemplate: '%{text}<extra>' + name + '</extra>',
      text: trials.map((t) => `Trial ${t.number}`),
      textposition: 'none', // the text is for the hover box, not drawn in the bar (as Optuna)
    });
  };
  for (const [state, trials] of [...byState.entries()].sort((a, b) => a[0] - b[0])) {
    if (state === TrialState.COMPLETE) {
      // As Optuna 5.0: COMPLETE trials that violate a recorded constraint are INFEASIBLE, in grey.
      const [feasible, infeasible] = splitByFeasibility(trials);
      bars(infeasible, 'INFEASIBLE', COLORS.infeasible);
      bars(feasible, TrialState[state], colorOf[state]);
    } else {
      bars(trials, TrialState[state], colorOf[state]);
    }
  }
  if (data.length === 0) warnNothingToDraw('plotTimeline', 'no trial has started');
  return new Figure({
    data,
    layout: {
      title: { text: 'Timeline Plot' },
      xaxis: { title: { text: 'Datetime' }, type: 'date' },
      yaxis: { title: { text: 'Trial' } },
      barmode: 'overlay',
      showlegend: true, // a legend even when every trial has one state, as Optuna
    },
  });
}

/** Each trial's non-domination rank (0 for the Pareto front), from its objective values. */
function paretoRanks(trials: readonly FrozenTrial[], directions: readonly Direction[]): number[] {
  const ranks = new Array<number>(trials.length).fill(0);
  nonDominatedSort(trials.map((t) => toLoss(t.values!, directions))).forEach((front, rank) => {
    for (const i of front) ranks[i] = rank;
  });
  return ranks;
}

/** How an objective's axis is scaled: 'auto' picks log for positive values spanning orders of magnitude. */
export type AxisTypeChoice = 'auto' | 'linear' | 'log';

/** A positive axis whose largest value is at least this many times its smallest is drawn on a log scale. */
export const LOG_AXIS_MIN_RATIO = 100;

/**
 * The plotly axis type for values: 'log' when every finite value is positive and they span at least
 * two orders of magnitude (a linear axis would squash the small ones against zero), else 'linear'.
 */
export function autoAxisType(values: readonly number[]): 'linear' | 'log' {
  const finite = values.filter(Number.isFinite);
  if (finite.length < 2 || finite.some((v) => v <= 0)) return 'linear';
  return Math.max(...finite) / Math.min(...finite) >= LOG_AXIS_MIN_RATIO ? 'log' : 'linear';
}

/** The axis type of each objective: as chosen, or from the values for 'auto'. */
export function paretoAxisTypes(
  columns: ReadonlyArray<readonly number[]>,
  choice: AxisTypeChoice | readonly AxisTypeChoice[] = 'auto',
  fn = 'plotParetoFront',
): Array<'linear' | 'log'> {
  const choices = typeof choice === 'string' ? columns.map(() => choice) : [...choice];
  if (choices.length !== columns.length) {
    throw new InvalidArgumentError(
      `${fn}: axisType has ${choices.length} entries but ${columns.length} objectives are drawn; give one per objective or a single value.`,
    );
  }
  return columns.map((values, i) => {
    const c = choices[i];
    if (c !== 'auto' && c !== 'linear' && c !== 'log')
      throw new InvalidArgumentError(`${fn}: axisType must be 'auto', 'linear' or 'log', got ${JSON.stringify(c)}.`);
    if (c === 'log') {
      const bad = values.find((v) => !(v > 0));
      if (bad !== undefined)
        throw new InvalidArgumentError(
          `${fn}: objective ${i} has the value ${bad}, which a log axis cannot show; use axisType 'linear' or 'auto' for it.`,
        );
      return 'log';
    }
    return c === 'linear' ? 'linear' : autoAxisType(values);
  });
}

/**
 * The names on a Pareto front's axes: `targetNames` when given, else the metric names stored in the
 * study (`study:metric_names`, what Optuna's set_metric_names writes), else 'Objective i'.
 */
export function objectiveNames(study: StudyLike, targetNames?: readonly string[]): string[] {
  const k = study.directions.length;
  if (targetNames) {
    if (targetNames.length !== k)
      throw new InvalidArgumentError(
        `targetNames has ${targetNames.length} names but the study has ${k} objectives; give one per objective.`,
      );
    return [...targetNames];
  }
  return metricNamesOf(study) ?? Array.from({ length: k }, (_, i) => `Objective ${i}`);
}

export interface ParetoFrontOptions {
  /** Axis titles (default: the study's metric names, else 'Objective 0', 'Objective 1', ...). */
  targetNames?: string[];
  includeDominatedTrials?: boolean;
  /** Axis scale per objective, or one for all (default 'auto': log for positive values spanning >= 100x). */
  axisType?: AxisTypeChoice | readonly AxisTypeChoice[];
  /**
   * The 2 or 3 values to draw each trial at (default its objective values), as Optuna's `targets`:
   * a study of four or more objectives is drawn through two or three of them. The front is still
   * the study's own, over all its objectives.
   */
  targets?: (t: FrozenTrial) => readonly number[];
  /**
   * Feasibility from this function instead of the trials' recorded constraints (Optuna's
   * `constraints_func`, deprecated since Optuna 4.0: record constraints with `trial.setConstraint`).
   */
  constraintsFunc?: (t: FrozenTrial) => readonly number[];
}
const PARETO_FRONT_OPTION_KEYS = optionKeys<ParetoFrontOptions>({
  targetNames: true,
  includeDominatedTrials: true,
  axisType: true,
  targets: true,
  constraintsFunc: true,
});

/** Objective values of a multi-objective study's trials; the Pareto-optimal ones highlighted. */
export function plotParetoFront(study: StudyLike, opts: ParetoFrontOptions = {}): Figure {
  checkOptionKeys('plotParetoFront', opts, PARETO_FRONT_OPTION_KEYS);
  const objectives = study.directions.length;
  if (!opts.targets && objectives !== 2 && objectives !== 3) {
    throw new InvalidArgumentError(
      objectives < 2
        ? `plotParetoFront draws 2 or 3 objectives; this study has ${objectives}. A Pareto front needs several objectives: use plotOptimizationHistory for one.`
        : `plotParetoFront draws 2 or 3 objectives; this study has ${objectives}. Pass targets: (t) => [t.values[0], t.values[2]] to draw two or three of them.`,
    );
  }
  const trials = completeTrials(study);
  if (trials.length === 0) warnNothingToDraw('plotParetoFront', 'the study has no completed trials');
  // As Optuna 5.0 (and study.bestTrials): the front is made of feasible trials only; with constraints
  // recorded, the infeasible trials are drawn apart in grey and the others are "Feasible Trial".
  const { constraintsFunc } = opts;
  if (constraintsFunc) {
    logWarning(
      'plotParetoFront: constraintsFunc is deprecated in Optuna 4.0 and removed in 6.0; record constraints with trial.setConstraint(key, value) instead.',
    );
  }
  const hasConstraints = constraintsFunc ? true : trials.some((t) => Object.keys(t.constraints).length > 0);
  const [feasible, infeasible] = splitByFeasibility(trials, constraintsFunc ? (t) => constraintsFunc(t).every((c) => c <= 0) : undefined);
  const front = feasible.filter((t) => !feasible.some((o) => o !== t && dominates(o.values!, t.values!, study.directions)));
  const others = feasible.filter((t) => !front.includes(t));
  const drawnTrials = (opts.includeDominatedTrials ?? true) ? trials : front;
  const valuesOf = paretoTargets(opts.targets, drawnTrials, objectives);
  const k = valuesOf.length;
  if (opts.targetNames && opts.targetNames.length !== k) {
    throw new InvalidArgumentError(`plotParetoFront: targetNames must name each of the ${k} drawn values, got ${opts.targetNames.length}.`);
  }
  // As Optuna 5.0: the names given, else the study's metric names, else 'Objective 0', 'Objective 1', ...
  const metricNames = metricNamesOf(study);
  const names = opts.targetNames
    ? [...opts.targetNames]
    : metricNames && metricNames.length === k
      ? [...metricNames]
      : Array.from({ length: k }, (_, i) => `Objective ${i}`);
  const types = paretoAxisTypes(
    Array.from({ length: k }, (_, i) => drawnTrials.map((t) => valuesOf[i](t))),
    opts.axisType,
  );
  const trace = (ts: FrozenTrial[], name: string, color: string): Trace => {
    const t: Trace = {
      type: k === 2 ? 'scatter' : 'scatter3d',
      mode: 'markers',
      name,
      x: ts.map(valuesOf[0]),
      y: ts.map(valuesOf[1]),
      text: ts.map((t) => `Trial ${t.number}`),
      marker: { color, size: k === 2 ? 7 : 4 },
    };
    if (k === 3) t.z = ts.map(valuesOf[2]);
    return t;
  };
  const data: Trace[] = [];
  if (hasConstraints) data.push(trace(infeasible, 'Infeasible Trial', COLORS.infeasible));
  if (opts.includeDominatedTrials ?? true) data.push(trace(others, hasConstraints ? 'Feasible Trial' : 'Trial', '#a0c4ff'));
  data.push(trace(front, 'Best Trial', COLORS.best));
  const layout: Record<string, unknown> = { title: { text: 'Pareto-front Plot' } };
  // automargin is a 2-D axis property: plotly (Python) refuses a figure whose 3-D scene axes have it.
  const axis = (i: number) => ({ title: { text: names[i] }, type: types[i], ...(k === 2 ? { automargin: true } : {}) });
  if (k === 2) {
    layout.xaxis = axis(0);
    layout.yaxis = axis(1);
  } else {
    layout.scene = { xaxis: axis(0), yaxis: axis(1), zaxis: axis(2) };
  }
  return new Figure({ data, layout });
}

/**
 * One function per drawn coordinate: the objective values, or what `targets` returns, checked to be
 * 2 or 3 numbers for every trial drawn (each trial's targets computed once).
 */
function paretoTargets(
  targets: ((t: FrozenTrial) => readonly number[]) | undefined,
  trials: readonly FrozenTrial[],
  objectives: number,
): Array<(t: FrozenTrial) => number> {
  if (!targets) return Array.from({ length: objectives }, (_, i) => (t: FrozenTrial) => t.values![i]);
  const cache = new Map<FrozenTrial, readonly number[]>();
  const of = (t: FrozenTrial): readonly number[] => {
    let v = cache.get(t);
    if (!v) {
      v = targets(t);
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) {
        throw new InvalidArgumentError(
          `plotParetoFront: targets must return a list of numbers, got ${JSON.stringify(v)} for trial ${t.number}.`,
        );
      }
      cache.set(t, v);
    }
    return v;
  };
  const n = trials.length > 0 ? of(trials[0]).length : objectives;
  if (n !== 2 && n !== 3) throw new InvalidArgumentError(`plotParetoFront draws 2 or 3 targets; targets returned ${n} values.`);
  for (const t of trials) {
    if (of(t).length !== n)
      throw new InvalidArgumentError(`plotParetoFront: targets returned ${of(t).length} values for trial ${t.number}, ${n} for others.`);
  }
  return Array.from({ length: n }, (_, i) => (t: FrozenTrial) => of(t)[i]);
}
