/**
 * The live optimization history: a Plot built by the same figure builder as
 * plotOptimizationHistory, then extended by one point per complete trial (custom messages).
 */
import { TrialState, type FrozenTrial } from '../../src/frozenTrial';
import { optimizationHistoryLayout, optimizationHistoryTraces, type StudyLike } from '../../src/visualization';
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
