/**
 * plotRank: Optuna's plot_rank. Each pair of parameters as a scatter of the complete trials, every
 * trial coloured by the rank of its objective value (blue best-to-red worst on RdYlBu reversed for a
 * minimised value; infeasible trials grey), with one colour bar labelled by the value's quantiles.
 * Two parameters give one panel; any other count gives the full grid (row: y parameter, column: x).
 */
import type { FrozenTrial } from '../frozenTrial';
import { isFeasible } from '../multiobjective/constraints';
import { Figure, type Trace } from './figure';
import { formatG } from '../format';
import { checkOptionKeys } from '../options';
import {
  completeTrials,
  distributionOf,
  paramNames,
  PARAMS_TARGET_OPTION_KEYS,
  subplotGrid,
  targetOf,
  warnNothingToDraw,
  type StudyLike,
  type ParamsTargetOptions,
} from './common';
import { plotlyColorscale, RD_YL_BU_R, rgbString, sampleColorscale } from './colorscale';

/** Optuna pads each axis by 5% of its span. */
const PADDING_RATIO = 0.05;
const INFEASIBLE = 'rgb(204,204,204)';

interface RankAxis {
  name: string;
  /** In data units (log axes: the values themselves; plotly gets their log10). */
  range: [number, number];
  isLog: boolean;
  isCategorical: boolean;
}

/** Rank of each value among all, ties sharing the mean of their positions (as Optuna computes it). */
export function averagedRanks(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  return values.map((v) => {
    let sum = 0;
    let n = 0;
    sorted.forEach((s, i) => {
      if (s === v) {
        sum += i;
        n++;
      }
    });
    return sum / n;
  });
}

/** numpy's default (linear) quantile of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/** Optuna's numeric test: int/float distributions, or categorical whose choices are all numbers. */
function isNumericalParam(trials: readonly FrozenTrial[], name: string): boolean {
  const d = distributionOf([...trials], name);
  if (!d) return true;
  if (d.kind !== 'categorical') return true;
  return d.choices.every((c) => typeof c === 'number');
}

function rankAxis(trials: readonly FrozenTrial[], name: string): RankAxis {
  const present = trials.filter((t) => Object.hasOwn(t.params, name));
  const d = distributionOf([...trials], name);
  const isLog = !!d && d.kind !== 'categorical' && d.log;
  if (isNumericalParam(trials, name)) {
    const vals = present.map((t) => Number(t.params[name]));
    const [lo, hi] = [Math.min(...vals), Math.max(...vals)];
    if (isLog) {
      const pad = (Math.log10(hi) - Math.log10(lo)) * PADDING_RATIO;
      return { name, range: [10 ** (Math.log10(lo) - pad), 10 ** (Math.log10(hi) + pad)], isLog: true, isCategorical: false };
    }
    const pad = (hi - lo) * PADDING_RATIO;
    return { name, range: [lo - pad, hi + pad], isLog: false, isCategorical: false };
  }
  // Categories sit at 0..k-1 on plotly's category axis; a trial lacking the parameter counts as none.
  const span = new Set(present.map((t) => String(t.params[name]))).size - 1;
  const pad = span * PADDING_RATIO;
  return { name, range: [-pad, span + pad], isLog: false, isCategorical: true };
}

function axisLayout(axis: RankAxis): Record<string, unknown> {
  if (axis.isLog) return { type: 'log', range: axis.range.map(Math.log10) };
  if (axis.isCategorical) return { type: 'category', range: axis.range };
  return { range: axis.range };
}

/** `target`, `targetName`, and `params`: the parameters to plot (default: every parameter of the complete trials, sorted). */
export type RankOptions = ParamsTargetOptions;

/** The colour of every complete trial (parallel to `trials`) and the colour bar's ticks. */
export function rankColors(values: readonly number[], feasible: readonly boolean[]): string[] {
  const ranks = averagedRanks(values);
  const n = values.length;
  return ranks.map((r, i) => (feasible[i] ? rgbString(sampleColorscale(RD_YL_BU_R, n >= 2 ? r / (n - 1) : 0.5)) : INFEASIBLE));
}

/** Scatter plots of parameter pairs, each trial coloured by the rank of its objective value. */
export function plotRank(study: StudyLike, opts: RankOptions = {}): Figure {
  checkOptionKeys('plotRank', opts, PARAMS_TARGET_OPTION_KEYS);
  const target = targetOf(study, opts, 'plotRank');
  const targetName = opts.targetName ?? 'Objective Value';
  const trials = completeTrials(study);
  const names = trials.length === 0 ? [] : paramNames(trials, opts.params, 'plotRank', true);
  const layout: Record<string, unknown> = { title: { text: `Rank (${targetName})` }, showlegend: false };
  if (names.length === 0) {
    warnNothingToDraw('plotRank', trials.length === 0 ? 'the study has no completed trials' : 'the completed trials have no parameters');
    return new Figure({ data: [], layout });
  }

  const values = trials.map(target);
  const feasible = trials.map(isFeasible);
  const colors = rankColors(values, feasible);
  const axes = new Map(names.map((n) => [n, rankAxis(trials, n)]));
  const hasCustomTarget = opts.target !== undefined;

  const scatter = (xName: string, yName: string, axisSuffix: string): Trace => {
    const rows: number[] = [];
    trials.forEach((t, i) => {
      if (Object.hasOwn(t.params, xName) && Object.hasOwn(t.params, yName)) rows.push(i);
    });
    const coord = (name: string) =>
      rows.map((i) => (axes.get(name)!.isCategorical ? String(trials[i].params[name]) : trials[i].params[name]));
    return {
      type: 'scatter',
      mode: 'markers',
      x: coord(xName),
      y: coord(yName),
      xaxis: `x${axisSuffix}`,
      yaxis: `y${axisSuffix}`,
      marker: { color: rows.map((i) => colors[i]), line: { width: 0.5, color: 'Grey' } },
      showlegend: false,
      hovertemplate: '%{hovertext}<extra></extra>',
      hovertext: rows.map((i) => {
        const t = trials[i];
        const lines = [
          `Trial #${t.number}`,
          ...Object.entries(t.params).map(([k, v]) => `${k}: ${v}`),
          `<b>${targetName}: ${values[i]}</b>`,
        ];
        if (hasCustomTarget) (t.values ?? []).forEach((v, k) => lines.push(`Objective #${k}: ${v}`));
        return lines.join('<br>');
      }),
      meta: { trialNumbers: rows.map((i) => trials[i].number) },
    };
  };

  const data: Trace[] = [];
  if (names.length === 2) {
    const [xName, yName] = names;
    data.push(scatter(xName, yName, ''));
    layout.xaxis = { title: { text: xName }, ...axisLayout(axes.get(xName)!) };
    layout.yaxis = { title: { text: yName }, ...axisLayout(axes.get(yName)!) };
  } else {
    // An n x n grid: row r (from the top) plots names[r] on y, column c plots names[c] on x; shared
    // axes, so only the bottom row and the left column carry tick labels and titles.
    const grid = subplotGrid(names.length);
    names.forEach((yName, r) => {
      names.forEach((xName, c) => {
        const suffix = grid.suffix(r, c);
        data.push(scatter(xName, yName, suffix));
        const bottom = r === names.length - 1;
        const left = c === 0;
        layout[`xaxis${suffix}`] = {
          ...axisLayout(axes.get(xName)!),
          domain: grid.column(c),
          anchor: `y${suffix}`,
          showticklabels: bottom,
          title: bottom ? { text: xName } : undefined,
        };
        layout[`yaxis${suffix}`] = {
          ...axisLayout(axes.get(yName)!),
          domain: grid.row(r),
          anchor: `x${suffix}`,
          showticklabels: left,
          title: left ? { text: yName } : undefined,
        };
      });
    });
  }

  // The colour bar: an invisible trace carrying the scale, ticked at the quantiles of the values.
  const sorted = [...values].sort((a, b) => a - b);
  const tickvals = [0, 0.25, 0.5, 0.75, 1];
  const labels = ['min.', '25%', '50%', '75%', 'max.'];
  data.push({
    type: 'scatter',
    mode: 'markers',
    x: [null],
    y: [null],
    hoverinfo: 'none',
    showlegend: false,
    marker: {
      colorscale: plotlyColorscale(RD_YL_BU_R),
      showscale: true,
      cmin: 0,
      cmax: 1,
      colorbar: {
        thickness: 10,
        tickvals,
        ticktext: tickvals.map((q, i) => `${labels[i]} (${formatG(quantile(sorted, q), 6).padStart(3)})`),
      },
    },
  });
  return new Figure({ data, layout });
}
