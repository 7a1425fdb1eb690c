/**
 * Optuna's visualization functions with their names (camelCase) and meaning, as pure figure
 * builders: each takes a study (or its trials) and returns a displayable plotly Figure.
 */
import { TrialState, type Direction, type FrozenTrial } from '../frozenTrial';
import type { Distribution, ParamValue } from '../distributions';
import { InvalidArgumentError } from '../errors';
import { Figure, type Trace } from './figure';
import { getParamImportances, type ImportanceOptions } from '../importance';
import type { Study } from '../study';
import { hasKey, ownValue } from '../dict';
import { SEED_STD_ATTR } from '../reproducibility/multiSeed';

export { Figure, figureSnapshotSvg, setFigureDisplayHook, PLOTLY_MIME, type FigureSpec, type Trace } from './figure';

/** What the plots read from a study. A Study satisfies it. */
export interface StudyLike {
  readonly studyName?: string;
  readonly directions: readonly Direction[];
  readonly trials: readonly FrozenTrial[];
}

export interface TargetOptions {
  /** Plot this function of a trial instead of its (single) objective value. */
  target?: (t: FrozenTrial) => number;
  /** Axis label of the target (default 'Objective Value'). */
  targetName?: string;
}

function completeTrials(study: StudyLike): FrozenTrial[] {
  return study.trials.filter((t) => t.state === TrialState.COMPLETE);
}

function targetOf(study: StudyLike, opts: TargetOptions, fn: string): (t: FrozenTrial) => number {
  if (opts.target) return opts.target;
  if (study.directions.length !== 1) {
    throw new InvalidArgumentError(`${fn}: this study has ${study.directions.length} objectives; pass \`target\` to choose what to plot.`);
  }
  return (t) => t.values![0];
}

/** Python's '%.<p>g' (what Optuna labels axes with). */
export function formatG(x: number, p: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return String(x);
  const exp = Math.floor(Math.log10(Math.abs(Number(x.toPrecision(p)))));
  if (exp < -4 || exp >= p) {
    const [m, e] = x.toExponential(p - 1).split('e');
    const mant = m.includes('.') ? m.replace(/\.?0+$/, '') : m;
    const n = Number(e);
    return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const fixed = x.toFixed(Math.max(0, p - 1 - exp));
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

const COLORS = { complete: '#636efa', best: '#EF553B', pruned: '#FFA15A', fail: '#ab63fa', running: '#00cc96', waiting: '#bbbbbb' };

/** The two traces of the optimization history (shared with the live widget so they look the same). */
export function optimizationHistoryTraces(study: StudyLike, opts: TargetOptions = {}): Trace[] {
  const target = targetOf(study, opts, 'plotOptimizationHistory');
  const trials = completeTrials(study);
  const minimize = opts.target !== undefined || study.directions[0] === 'minimize';
  const xs: number[] = [];
  const ys: number[] = [];
  const best: number[] = [];
  let cur = NaN;
  for (const t of trials) {
    const v = target(t);
    xs.push(t.number);
    ys.push(v);
    if (Number.isNaN(cur) || (minimize ? v < cur : v > cur)) cur = v;
    best.push(cur);
  }
  const name = opts.targetName ?? 'Objective Value';
  const values: Trace = { type: 'scatter', mode: 'markers', name, x: xs, y: ys, marker: { color: COLORS.complete } };
  // Trials scored over several seeds (evaluateSeeds) carry their spread: draw it as error bars.
  const spread = opts.target ? null : seedSpread(trials);
  if (spread) values.error_y = { type: 'data', array: spread, visible: true, thickness: 1 };
  const traces: Trace[] = [values];
  // Optuna draws the best-so-far line only for the study's own objective.
  if (!opts.target) traces.push({ type: 'scatter', mode: 'lines', name: 'Best Value', x: [...xs], y: best, line: { color: COLORS.best } });
  return traces;
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

/** Objective value of every complete trial by trial number, with the best value so far. */
export function plotOptimizationHistory(study: StudyLike, opts: TargetOptions = {}): Figure {
  return new Figure({ data: optimizationHistoryTraces(study, opts), layout: optimizationHistoryLayout(opts) });
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
      marker: { symbol: pruned ? 'x' : 'circle', size: pruned ? 7 : 5 },
      meta: { state: TrialState[t.state] },
    });
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

/** The parameters a plot covers: those given, else every parameter seen in complete trials (sorted). */
function paramNames(trials: FrozenTrial[], params: readonly string[] | undefined, fn: string): string[] {
  const seen = new Set<string>();
  for (const t of trials) for (const k of Object.keys(t.params)) seen.add(k);
  if (!params) return [...seen].sort();
  for (const p of params) {
    if (!seen.has(p)) throw new InvalidArgumentError(`${fn}: parameter '${p}' does not appear in any complete trial (known: ${[...seen].sort().join(', ') || 'none'}).`);
  }
  return [...params];
}

function distributionOf(trials: FrozenTrial[], name: string): Distribution | undefined {
  for (const t of trials) if (hasKey(t.distributions, name)) return t.distributions[name];
  return undefined;
}

function isLog(d: Distribution | undefined): boolean {
  return !!d && d.kind !== 'categorical' && !!(d as { log?: boolean }).log;
}

function isCategorical(d: Distribution | undefined, values: ParamValue[]): boolean {
  return (d?.kind === 'categorical') || values.some((v) => typeof v !== 'number');
}

/** Every complete trial as a line through its parameter values and objective value. */
export function plotParallelCoordinate(study: StudyLike, opts: TargetOptions & { params?: string[] } = {}): Figure {
  const target = targetOf(study, opts, 'plotParallelCoordinate');
  const trials = completeTrials(study);
  const names = paramNames(trials, opts.params, 'plotParallelCoordinate');
  // Optuna drops trials that lack one of the plotted parameters.
  const rows = trials.filter((t) => names.every((n) => hasKey(t.params, n)));
  const objective = rows.map(target);
  const dims: Record<string, unknown>[] = [
    { label: opts.targetName ?? 'Objective Value', values: objective, range: [Math.min(...objective), Math.max(...objective)] },
  ];
  for (const n of names) {
    const d = distributionOf(rows, n);
    const vals = rows.map((t) => t.params[n]);
    if (isCategorical(d, vals)) {
      const labels = [...new Set(vals.map(String))];
      dims.push({ label: n, values: vals.map((v) => labels.indexOf(String(v))), tickvals: labels.map((_, i) => i), ticktext: labels });
    } else if (isLog(d)) {
      // As Optuna: the axis is log10 of the values, ticked at the integer powers between the
      // ends plus the ends themselves, labelled with the value in '%.3g'.
      const logs = vals.map((v) => Math.log10(v as number));
      const lo = Math.min(...logs);
      const hi = Math.max(...logs);
      let ticks: number[] = [];
      for (let e = Math.ceil(lo); e < Math.ceil(hi); e++) ticks.push(e);
      if (!ticks.includes(lo)) ticks = [lo, ...ticks];
      if (!ticks.includes(hi)) ticks = [...ticks, hi];
      dims.push({ label: n, values: logs, range: [lo, hi], tickvals: ticks, ticktext: ticks.map((e) => formatG(10 ** e, 3)) });
    } else {
      const nums = vals as number[];
      dims.push({ label: n, values: nums, range: [Math.min(...nums), Math.max(...nums)] });
    }
  }
  const reversescale = study.directions[0] === 'maximize' && !opts.target;
  return new Figure({
    data: [
      {
        type: 'parcoords',
        dimensions: dims,
        labelangle: 30,
        labelside: 'bottom',
        line: { color: objective, colorscale: 'Blues', reversescale: !reversescale, showscale: true, colorbar: { title: { text: opts.targetName ?? 'Objective Value' } } },
      },
    ],
    layout: { title: { text: 'Parallel Coordinate Plot' } },
  });
}

/** Objective value against each parameter, one panel per parameter, colored by trial number. */
export function plotSlice(study: StudyLike, opts: TargetOptions & { params?: string[] } = {}): Figure {
  const target = targetOf(study, opts, 'plotSlice');
  const trials = completeTrials(study);
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
      marker: { color: rows.map((t) => t.number), colorscale: 'Blues', showscale: i === names.length - 1, colorbar: { title: { text: 'Trial' } }, line: { width: 0.5, color: 'Grey' } },
    });
    const gap = 0.04;
    const w = (1 - gap * (n - 1)) / n;
    layout[`xaxis${axis}`] = {
      domain: [i * (w + gap), i * (w + gap) + w],
      title: { text: name },
      type: isLog(distributionOf(rows, name)) ? 'log' : isCategorical(distributionOf(rows, name), rows.map((t) => t.params[name])) ? 'category' : '-',
      anchor: `y${axis}`,
    };
    layout[`yaxis${axis}`] = { anchor: `x${axis}`, title: i === 0 ? { text: opts.targetName ?? 'Objective Value' } : undefined, matches: i === 0 ? undefined : 'y' };
  });
  return new Figure({ data, layout });
}

/**
 * The objective over two parameters: a contour of the complete trials' values (plotly interpolates
 * between them, connecting gaps) with the trials themselves drawn on top. With more than two
 * parameters pass `params` to choose the pair (the first two are used otherwise).
 */
export function plotContour(study: StudyLike, opts: TargetOptions & { params?: string[] } = {}): Figure {
  const target = targetOf(study, opts, 'plotContour');
  const trials = completeTrials(study);
  const names = paramNames(trials, opts.params, 'plotContour');
  if (names.length < 2) throw new InvalidArgumentError('plotContour needs at least two parameters; this study has ' + names.length + '.');
  const [px, py] = names;
  const rows = trials.filter((t) => hasKey(t.params, px) && hasKey(t.params, py));
  const x = rows.map((t) => t.params[px]);
  const y = rows.map((t) => t.params[py]);
  const z = rows.map(target);
  const dx = distributionOf(rows, px);
  const dy = distributionOf(rows, py);
  return new Figure({
    data: [
      {
        type: 'contour',
        x,
        y,
        z,
        connectgaps: true,
        colorscale: 'Blues',
        reversescale: study.directions[0] !== 'maximize',
        contours: { coloring: 'heatmap' },
        colorbar: { title: { text: opts.targetName ?? 'Objective Value' } },
        name: 'contour',
      },
      { type: 'scatter', mode: 'markers', name: 'trials', x, y, marker: { color: 'black', size: 5, line: { color: 'white', width: 1 } } },
    ],
    layout: {
      title: { text: 'Contour Plot' },
      xaxis: { title: { text: px }, type: isLog(dx) ? 'log' : isCategorical(dx, x) ? 'category' : '-' },
      yaxis: { title: { text: py }, type: isLog(dy) ? 'log' : isCategorical(dy, y) ? 'category' : '-' },
    },
  });
}

/**
 * Hyperparameter importances as horizontal bars, most important on top (Optuna's
 * plot_param_importances). Computed with getParamImportances (fANOVA by default; `evaluator`,
 * `params`, `target` and the forest settings pass through), or drawn from `importances` you give.
 */
export function plotParamImportances(
  study: Study | StudyLike,
  opts: ImportanceOptions & { targetName?: string; importances?: Record<string, number> } = {},
): Figure {
  const { importances: given, targetName, ...importanceOpts } = opts;
  const importances = given ?? getParamImportances(study as Study, importanceOpts);
  const entries = Object.entries(importances).sort((a, b) => a[1] - b[1]);
  return new Figure({
    data: [
      {
        type: 'bar',
        orientation: 'h',
        x: entries.map((e) => e[1]),
        y: entries.map((e) => e[0]),
        text: entries.map((e) => (e[1] < 0.01 ? '<0.01' : e[1].toFixed(2))),
        textposition: 'outside',
        hovertemplate: '%{y}: %{x}<extra></extra>',
        marker: { color: COLORS.complete },
        name: targetName ?? 'Objective Value',
      },
    ],
    layout: {
      title: { text: 'Hyperparameter Importances' },
      xaxis: { title: { text: `Importance for ${targetName ?? 'Objective Value'}` } },
      yaxis: { title: { text: 'Hyperparameter' } },
      showlegend: false,
    },
  });
}

/**
 * Empirical distribution function of the objective values of one or more studies: for each
 * study, the fraction of complete trials whose value is <= x, evaluated on 100 points spanning all
 * studies' values (as Optuna does).
 */
export function plotEdf(studies: StudyLike | readonly StudyLike[], opts: TargetOptions = {}): Figure {
  const list = Array.isArray(studies) ? (studies as readonly StudyLike[]) : [studies as StudyLike];
  const per = list.map((s) => ({ name: s.studyName ?? 'study', values: completeTrials(s).map(targetOf(s, opts, 'plotEdf')).sort((a, b) => a - b) }));
  const all = per.flatMap((p) => p.values);
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

/** When each trial ran: one horizontal bar per trial from its start to its end, colored by state. */
export function plotTimeline(study: StudyLike): Figure {
  const byState = new Map<TrialState, FrozenTrial[]>();
  for (const t of study.trials) {
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
  for (const [state, trials] of [...byState.entries()].sort((a, b) => a[0] - b[0])) {
    data.push({
      type: 'bar',
      orientation: 'h',
      name: TrialState[state],
      base: trials.map((t) => t.datetimeStart!.toISOString()),
      x: trials.map((t) => (t.datetimeComplete?.getTime() ?? now) - t.datetimeStart!.getTime()),
      y: trials.map((t) => t.number),
      marker: { color: colorOf[state] },
      hovertemplate: '%{text}<extra>' + TrialState[state] + '</extra>',
      text: trials.map((t) => `Trial ${t.number}`),
    });
  }
  return new Figure({
    data,
    layout: {
      title: { text: 'Timeline Plot' },
      xaxis: { title: { text: 'Datetime' }, type: 'date' },
      yaxis: { title: { text: 'Trial' } },
      barmode: 'overlay',
    },
  });
}

/** Whether a dominates b (every objective at least as good, one strictly better). */
export function dominates(a: readonly number[], b: readonly number[], directions: readonly Direction[]): boolean {
  let strictly = false;
  for (let i = 0; i < directions.length; i++) {
    const [x, y] = directions[i] === 'minimize' ? [a[i], b[i]] : [-a[i], -b[i]];
    if (x > y) return false;
    if (x < y) strictly = true;
  }
  return strictly;
}

/** Objective values of a multi-objective study's trials; the Pareto-optimal ones highlighted. */
export function plotParetoFront(study: StudyLike, opts: { targetNames?: string[]; includeDominatedTrials?: boolean } = {}): Figure {
  const k = study.directions.length;
  if (k !== 2 && k !== 3) throw new InvalidArgumentError(`plotParetoFront draws 2 or 3 objectives; this study has ${k}.`);
  const trials = completeTrials(study);
  const front = trials.filter((t) => !trials.some((o) => o !== t && dominates(o.values!, t.values!, study.directions)));
  const others = trials.filter((t) => !front.includes(t));
  const names = opts.targetNames ?? Array.from({ length: k }, (_, i) => `Objective ${i}`);
  const trace = (ts: FrozenTrial[], name: string, color: string): Trace => {
    const t: Trace = {
      type: k === 2 ? 'scatter' : 'scatter3d',
      mode: 'markers',
      name,
      x: ts.map((t) => t.values![0]),
      y: ts.map((t) => t.values![1]),
      text: ts.map((t) => `Trial ${t.number}`),
      marker: { color, size: k === 2 ? 7 : 4 },
    };
    if (k === 3) t.z = ts.map((t) => t.values![2]);
    return t;
  };
  const data: Trace[] = [];
  if (opts.includeDominatedTrials ?? true) data.push(trace(others, 'Trial', '#a0c4ff'));
  data.push(trace(front, 'Best Trial', COLORS.best));
  const layout: Record<string, unknown> = { title: { text: 'Pareto-front Plot' } };
  if (k === 2) {
    layout.xaxis = { title: { text: names[0] } };
    layout.yaxis = { title: { text: names[1] } };
  } else {
    layout.scene = { xaxis: { title: { text: names[0] } }, yaxis: { title: { text: names[1] } }, zaxis: { title: { text: names[2] } } };
  }
  return new Figure({ data, layout });
}
