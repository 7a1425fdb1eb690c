/**
 * `tunelab/terminator`: Optuna's automatic termination: the Terminator and its callback (both also
 * exported from 'tunelab'), the improvement and error evaluators, reporting cross-validation
 * scores to a trial, and the improvement history behind plotTerminatorImprovement.
 */
export * from '../terminator';
