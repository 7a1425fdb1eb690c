import type { FrozenTrial } from '../frozenTrial';
import type { Study } from '../study';

/**
 * A pruner decides, from the intermediate values a trial has reported so far (and those of the other
 * trials in the study), whether the trial should stop early. `trial.shouldPrune()` asks it.
 */
export interface Pruner {
  prune(study: Study, trial: FrozenTrial): boolean;
}

/** Never prunes. */
export class NopPruner implements Pruner {
  prune(): boolean {
    return false;
  }
}
