import { CONSTRAINTS_KEY } from '../samplers/base';
import { constraintsByKey } from '../constraintRecord';
import { TrialState, withTrialChanges, type FrozenTrial } from '../frozenTrial';
import type { AlgorithmWrites } from '../study/view';
import { InvalidArgumentError } from '../errors';

export { constraintAttrKey, constraintsByKey } from '../constraintRecord';

/**
 * Constraints, as in Optuna: a `constraintsFunc(trial)` returns one number per constraint, and a
 * constraint is satisfied when its value is <= 0. Samplers that take a constraintsFunc evaluate it
 * after each trial and store the values in the trial's system attribute `constraints`, so every
 * sampler, `bestTrial`/`bestTrials` and other processes read the same record.
 */
export type ConstraintsFunc = (trial: FrozenTrial) => readonly number[];

/**
 * The stored constraint values of a trial, or null when none were recorded. Read as Optuna 5 reads
 * them: the list under `constraints` (what constraintsFunc records, in tunelab and Optuna) as
 * constraints '0', '1', ..., then one value per system attribute `constraints:<key>` (what Optuna 5's
 * `trial.set_constraint(key, value)` writes), a named one replacing a listed one of the same key.
 */
export function trialConstraints(trial: FrozenTrial): number[] | null {
  const byKey = constraintsByKey(trial.systemAttrs);
  return byKey === null ? null : Object.values(byKey);
}

/** Total violation sum(max(0, c_k)); 0 for a feasible trial or one with no recorded constraints. */
export function constraintViolation(trial: FrozenTrial): number {
  const c = trialConstraints(trial);
  if (!c) return 0;
  let v = 0;
  for (const x of c) v += Number.isNaN(x) ? Infinity : Math.max(0, x);
  return v;
}

/** Whether every recorded constraint is satisfied (trials without a record count as feasible). */
export function isFeasible(trial: FrozenTrial): boolean {
  return constraintViolation(trial) === 0;
}

/**
 * Evaluate `constraintsFunc` for a finished trial and return the system attribute to record (for a
 * sampler's afterTrial to return). Runs for COMPLETE and PRUNED trials, as Optuna does; the function
 * sees the values.
 */
export function constraintsToRecord(
  trial: FrozenTrial,
  state: TrialState,
  values: readonly number[] | null,
  constraintsFunc: ConstraintsFunc,
  where = 'constraintsFunc',
): AlgorithmWrites | undefined {
  if (state !== TrialState.COMPLETE && state !== TrialState.PRUNED) return undefined;
  const withValues: FrozenTrial = withTrialChanges(trial, { state, values });
  const raw = constraintsFunc(withValues);
  if (!Array.isArray(raw) || raw.some((v) => typeof v !== 'number')) {
    throw new InvalidArgumentError(
      `${where}: constraintsFunc must return an array of numbers (<= 0 means satisfied), got ${JSON.stringify(raw)} for trial ${trial.number}.`,
    );
  }
  // As Optuna, which refuses NaN (JSON would also write it as null).
  if (raw.some((v) => Number.isNaN(v))) {
    throw new InvalidArgumentError(
      `${where}: constraint values cannot be NaN; constraintsFunc returned [${raw.join(', ')}] for trial ${trial.number}.`,
    );
  }
  return { trialSystemAttrs: { [CONSTRAINTS_KEY]: [...raw] } };
}
