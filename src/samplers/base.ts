import type { Distribution } from '../distributions';
import type { FrozenTrial, TrialState } from '../frozenTrial';
import type { AlgorithmResult, StudyView } from '../study/view';

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
 *
 * A sampler sees the study through a read-only `StudyView` and never writes to storage: what it wants
 * recorded (its state on a trial, a claimed grid point, a stop request) its `beforeTrial` and
 * `afterTrial` return as `AlgorithmWrites`, which the study writes.
 */
export interface Sampler {
  inferRelativeSearchSpace(study: StudyView, trial: FrozenTrial): Record<string, Distribution>;
  sampleRelative(study: StudyView, trial: FrozenTrial, searchSpace: Record<string, Distribution>): Record<string, number>;
  sampleIndependent(study: StudyView, trial: FrozenTrial, paramName: string, distribution: Distribution): number;
  /**
   * Called before relative sampling; may do async work. Returns what to record on the new trial or
   * the study (claim a grid point, store the state of a run), recorded before sampling starts.
   */
  beforeTrial?(study: StudyView, trial: FrozenTrial): AlgorithmResult | Promise<AlgorithmResult>;
  /**
   * Called after the trial's final state is known, before it is written; what it returns is recorded
   * before the state (constraint values, say).
   */
  afterTrial?(
    study: StudyView,
    trial: FrozenTrial,
    state: TrialState,
    values: readonly number[] | null,
  ): AlgorithmResult | Promise<AlgorithmResult>;
  /** Reseed (used to give parallel workers distinct streams). */
  reseedRng?(seed?: number): void;
}

/** Constraint values of a trial (<= 0 means satisfied), as samplers with constraints read them. */
export const CONSTRAINTS_KEY = 'constraints';
