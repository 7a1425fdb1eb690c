import type { FrozenTrial } from '../frozenTrial';
import type { StudyView } from '../study/view';

/**
 * A pruner's answer with what it wants recorded on the trial (Successive Halving's rung values):
 * `trial.shouldPrune()` records `trialSystemAttrs` on the trial, in order, then answers `prune`.
 */
export interface PruneDecision {
  readonly prune: boolean;
  readonly trialSystemAttrs?: Readonly<Record<string, unknown>>;
}

/**
 * A pruner decides, from the intermediate values a trial has reported so far (and those of the other
 * trials in the study), whether the trial should stop early. `trial.shouldPrune()` asks it. It sees
 * the study through a read-only `StudyView` and returns its answer as data: a boolean, or a
 * `PruneDecision` when it has something to record.
 */
export interface Pruner {
  prune(study: StudyView, trial: FrozenTrial): boolean | PruneDecision;
}

/** A pruner's answer as a `PruneDecision`. */
export function asPruneDecision(answer: boolean | PruneDecision): PruneDecision {
  return typeof answer === 'boolean' ? { prune: answer } : answer;
}

/** Never prunes. */
export class NopPruner implements Pruner {
  prune(): boolean {
    return false;
  }
}
