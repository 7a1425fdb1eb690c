/** The best trials of a study: the best one (one objective) and the Pareto front (several). */
import { TrialState, type Direction, type FrozenTrial } from '../frozenTrial';
import { isFeasible } from '../multiobjective/constraints';
import { dominates } from '../multiobjective/pareto';

/** The best COMPLETE trial for `direction` (feasible only, when constraints were recorded), or null. */
export function bestTrialOf(trials: readonly FrozenTrial[], direction: Direction): FrozenTrial | null {
  const sign = direction === 'minimize' ? 1 : -1;
  let best: FrozenTrial | null = null;
  for (const t of trials) {
    // With constraints recorded (constraintsFunc), only feasible trials can be best.
    if (t.state !== TrialState.COMPLETE || !t.values || !isFeasible(t)) continue;
    if (!best || sign * (t.values[0] - best.values![0]) < 0) best = t;
  }
  return best;
}

/** The Pareto-optimal COMPLETE trials (feasible ones only under constraints). */
export function paretoFrontOf(trials: readonly FrozenTrial[], directions: readonly Direction[]): FrozenTrial[] {
  const complete = trials.filter((t) => t.state === TrialState.COMPLETE && t.values && isFeasible(t));
  return complete.filter((t) => !complete.some((o) => o !== t && dominates(o.values!, t.values!, directions)));
}

/** The study's best trial for a log line or a summary, or null when there is none (or it cannot be computed). */
export function bestTrialOrNull(study: { readonly bestTrial: FrozenTrial }): FrozenTrial | null {
  try {
    return study.bestTrial;
  } catch {
    return null;
  }
}
