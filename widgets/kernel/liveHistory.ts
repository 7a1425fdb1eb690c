/**
 * The live optimization history: a Plot built by the same figure builder as
 * plotOptimizationHistory, then extended by one point per complete trial (custom messages).
 */
import { TrialState, type FrozenTrial } from '../../src/frozenTrial';
import { metricNamesOf, type StudyLike } from '../../src/visualization/common';
import { isFeasible } from '../../src/multiobjective/constraints';
import {
  objectiveNames,
  optimizationHistoryLayout,
  optimizationHistoryTraces,
  paretoAxisTypes,
  plotParetoFront,
  type AxisTypeChoice,
} from '../../src/visualization/plots';
import { Plot } from './plot';

export function optimizationHistoryLive(study: StudyLike): { plot: Plot; add(trial: FrozenTrial): void } {
  // Traces as the figure builder makes them: the feasible values (0), the best so far over every
  // trial number (1), the infeasible values (2, out of the legend, empty until a trial violates a constraint).
  const traces = optimizationHistoryTraces(study);
  const plot = new Plot({ data: traces, layout: optimizationHistoryLayout() });
  const minimize = study.directions[0] === 'minimize';
  const ys = traces[1].y as number[];
  let best = ys.length ? ys[ys.length - 1] : minimize ? Infinity : -Infinity;
  return {
    plot,
    add(trial: FrozenTrial) {
      const complete = trial.state === TrialState.COMPLETE && trial.values !== null && trial.values.length === 1;
      if (!complete) {
        // As Optuna's figure: a FAIL or PRUNED trial's number carries the best so far.
        plot.extend({ 1: { x: [trial.number], y: [best] } });
        return;
      }
      const v = trial.values![0];
      const feasible = isFeasible(trial);
      if (feasible) best = minimize ? Math.min(best, v) : Math.max(best, v);
      plot.extend({ [feasible ? 0 : 2]: { x: [trial.number], y: [v] }, 1: { x: [trial.number], y: [best] } });
    },
  };
}

/**
 * The live view of a two-objective study: every complete trial's objective values appended as it
 * finishes; when the study ends the figure becomes plotParetoFront's, with the Pareto-optimal trials
 * highlighted (finding them is a whole-study computation, done once). The axes are titled with the
 * study's metric names when it has them, and switch to a log scale while the values come to span
 * orders of magnitude (as plotParetoFront chooses; `axisType` overrides).
 */
export function paretoFrontLive(
  study: StudyLike,
  opts: { axisType?: AxisTypeChoice | readonly AxisTypeChoice[] } = {},
): { plot: Plot; add(trial: FrozenTrial): void; finish(): void; setNames(names: readonly string[]): void } {
  let names = objectiveNames(study);
  let namesFromStudy = metricNamesOf(study) !== null;
  const done = study.trials.filter((t) => t.state === TrialState.COMPLETE && t.values && t.values.length === 2);
  const columns: [number[], number[]] = [done.map((t) => t.values![0]), done.map((t) => t.values![1])];
  let types = paretoAxisTypes(columns, opts.axisType, 'paretoFrontLive');
  const plot = new Plot({
    data: [
      {
        type: 'scatter',
        mode: 'markers',
        name: 'Trial',
        x: [...columns[0]],
        y: [...columns[1]],
        text: done.map((t) => `Trial ${t.number}`),
        marker: { color: '#a0c4ff', size: 7 },
      },
    ],
    layout: {
      title: { text: 'Pareto-front Plot' },
      xaxis: { title: { text: names[0] }, type: types[0], automargin: true },
      yaxis: { title: { text: names[1] }, type: types[1], automargin: true },
    },
  });
  return {
    plot,
    add(trial: FrozenTrial) {
      if (trial.state !== TrialState.COMPLETE || !trial.values || trial.values.length !== 2) return;
      columns[0].push(trial.values[0]);
      columns[1].push(trial.values[1]);
      plot.extend({ 0: { x: [trial.values[0]], y: [trial.values[1]], text: [`Trial ${trial.number}`] } });
      // O(n) per trial on two number arrays: cheap next to a trial, and only a changed type is sent.
      let next: Array<'linear' | 'log'>;
      try {
        next = paretoAxisTypes(columns, opts.axisType, 'paretoFrontLive');
      } catch {
        next = types; // a forced log axis met a value <= 0: keep the axis as it is
      }
      const update: Record<string, string> = {};
      if (next[0] !== types[0]) update['xaxis.type'] = next[0];
      if (next[1] !== types[1]) update['yaxis.type'] = next[1];
      types = next;
      if (Object.keys(update).length > 0) plot.relayout(update);
    },
    /** Axis titles read later (e.g. straight from storage when the study snapshot predates them). */
    setNames(next: readonly string[]) {
      if (next.length !== 2 || (next[0] === names[0] && next[1] === names[1])) return;
      names = [...next];
      namesFromStudy = true;
      plot.relayout({ 'xaxis.title.text': names[0], 'yaxis.title.text': names[1] });
    },
    finish() {
      const targetNames = namesFromStudy ? names : undefined;
      try {
        plot.setFigure(plotParetoFront(study, { targetNames, axisType: opts.axisType }));
      } catch {
        plot.setFigure(plotParetoFront(study, { targetNames })); // a forced log axis met a value <= 0
      }
    },
  };
}
