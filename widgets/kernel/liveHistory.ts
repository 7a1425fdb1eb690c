/**
 * The live optimization history: a Plot built by the same figure builder as
 * plotOptimizationHistory, then extended by one point per complete trial (custom messages).
 */
import { TrialState, type FrozenTrial } from '../../src/frozenTrial';
import { objectiveNames, optimizationHistoryLayout, optimizationHistoryTraces, plotParetoFront, type StudyLike } from '../../src/visualization';
import { Plot } from './plot';

export function optimizationHistoryLive(study: StudyLike): { plot: Plot; add(trial: FrozenTrial): void } {
  const traces = optimizationHistoryTraces(study);
  const plot = new Plot({ data: traces, layout: optimizationHistoryLayout() });
  const minimize = study.directions[0] === 'minimize';
  const ys = traces[1].y as number[];
  let best = ys.length ? ys[ys.length - 1] : NaN;
  return {
    plot,
    add(trial: FrozenTrial) {
      if (trial.state !== TrialState.COMPLETE || !trial.values || trial.values.length !== 1) return;
      const v = trial.values[0];
      if (Number.isNaN(best) || (minimize ? v < best : v > best)) best = v;
      plot.extend({ 0: { x: [trial.number], y: [v] }, 1: { x: [trial.number], y: [best] } });
    },
  };
}

/**
 * The live view of a two-objective study: every complete trial's objective values appended as it
 * finishes; when the study ends the figure becomes plotParetoFront's, with the Pareto-optimal trials
 * highlighted (finding them is a whole-study computation, done once).
 */
export function paretoFrontLive(study: StudyLike): { plot: Plot; add(trial: FrozenTrial): void; finish(): void } {
  const names = objectiveNames(study);
  const done = study.trials.filter((t) => t.state === TrialState.COMPLETE && t.values && t.values.length === 2);
  const plot = new Plot({
    data: [
      {
        type: 'scatter',
        mode: 'markers',
        name: 'Trial',
        x: done.map((t) => t.values![0]),
        y: done.map((t) => t.values![1]),
        text: done.map((t) => `Trial ${t.number}`),
        marker: { color: '#a0c4ff', size: 7 },
      },
    ],
    layout: { title: { text: 'Pareto-front Plot' }, xaxis: { title: { text: names[0] } }, yaxis: { title: { text: names[1] } } },
  });
  return {
    plot,
    add(trial: FrozenTrial) {
      if (trial.state !== TrialState.COMPLETE || !trial.values || trial.values.length !== 2) return;
      plot.extend({ 0: { x: [trial.values[0]], y: [trial.values[1]], text: [`Trial ${trial.number}`] } });
    },
    finish() {
      plot.setFigure(plotParetoFront(study));
    },
  };
}
