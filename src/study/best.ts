/** The best trials of a study: the best one (one objective) and the Pareto front (several). */
import { TrialState, type Direction, type FrozenTrial } from '../frozenTrial';
import { isFeasible } from '../multiobjective/constraints';
import { dominates } from '../multiobjective/pareto';
import { UnfinishedTrials } from './unfinishedTrials';

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

/**
 * `bestTrialOf` a study's trials, kept as they finish (`UnfinishedTrials`): a call costs the trials
 * new since the last one plus those still running, where `bestTrialOf` takes every trial, and a
 * study finds its best for every trial's log line at the default verbosity (at 15,000 trials that
 * pass, with each trial's constraints read again, was 85% of a Random study's time). A trial's
 * feasibility is read when it is first seen finished: its constraints are recorded before it
 * finishes (by the objective, or by the sampler's `afterTrial`).
 */
export class BestTrialTracker {
  private readonly unfinished = new UnfinishedTrials();
  private best = -1;

  constructor(private readonly direction: Direction) {}

  /** The best of `trials` (a study's, by number; finished trials stay finished), or null. */
  bestOf(trials: readonly FrozenTrial[]): FrozenTrial | null {
    this.unfinished.update(trials, (t) => this.consider(t, trials));
    // The latest snapshot of the best trial (its attributes may have been written since).
    return this.best >= 0 ? trials[this.best] : null;
  }

  /** A finished trial: the best if better than it, or as good and earlier (as `bestTrialOf` keeps the first). */
  private consider(t: FrozenTrial, trials: readonly FrozenTrial[]): void {
    if (t.state !== TrialState.COMPLETE || !t.values || !isFeasible(t)) return;
    if (this.best < 0) {
      this.best = t.number;
      return;
    }
    const value = t.values[0];
    const bestValue = trials[this.best].values![0];
    const sign = this.direction === 'minimize' ? 1 : -1;
    if (sign * (value - bestValue) < 0 || (value === bestValue && t.number < this.best)) this.best = t.number;
  }
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
