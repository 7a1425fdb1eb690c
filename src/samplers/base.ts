import type { Distribution } from '../distributions';
import type { FrozenTrial, TrialState } from '../frozenTrial';
import type { Study } from '../study';

/**
 * A sampler proposes parameter values. Like Optuna's, it works in two phases for each trial:
 * - relative sampling: before the objective runs, `inferRelativeSearchSpace` names the parameters it
 *   wants to model jointly and `sampleRelative` proposes all of them at once (TPE multivariate, GP,
 *   CMA-ES, QMC, grid);
 * - independent sampling: any parameter not proposed that way (new, conditional, or of another
 *   distribution) is drawn by `sampleIndependent` when the objective suggests it.
 *
 * All values are *internal* representations: floats for float/int parameters, the choice index for
 * categoricals. Samplers read other trials through `study.getTrials()`, a cached snapshot, so they
 * may run synchronously inside `trial.suggest*`.
 */
export interface Sampler {
  inferRelativeSearchSpace(study: Study, trial: FrozenTrial): Record<string, Distribution>;
  sampleRelative(study: Study, trial: FrozenTrial, searchSpace: Record<string, Distribution>): Record<string, number>;
  sampleIndependent(study: Study, trial: FrozenTrial, paramName: string, distribution: Distribution): number;
  /** Called before relative sampling; may do async work (claim a grid point through storage, say). */
  beforeTrial?(study: Study, trial: FrozenTrial): void | Promise<void>;
  /** Called after the trial's final state is known, before it is written. */
  afterTrial?(study: Study, trial: FrozenTrial, state: TrialState, values: readonly number[] | null): void | Promise<void>;
  /** Reseed (used to give parallel workers distinct streams). */
  reseedRng?(seed?: number): void;
}

/** Constraint values of a trial (<= 0 means satisfied), as samplers with constraints read them. */
export const CONSTRAINTS_KEY = 'constraints';
