/**
 * `tunelab/terminator`: Optuna's automatic termination: the Terminator and its callback (both also
 * exported from 'tunelab'), the improvement and error evaluators, reporting cross-validation
 * scores to a trial, and the improvement history behind plotTerminatorImprovement.
 */
export {
  Terminator,
  TerminatorCallback,
  RegretBoundEvaluator,
  EMMREvaluator,
  BestValueStagnationEvaluator,
  CrossValidationErrorEvaluator,
  StaticErrorEvaluator,
  MedianErrorEvaluator,
  reportCrossValidationScores,
  terminatorImprovementHistory,
  type ErrorEvaluator,
  type ImprovementEvaluator,
  type RegretBoundEvaluatorOptions,
  type EMMREvaluatorOptions,
  type TerminatorHistory,
  type TerminatorOptions,
  type TerminatorStudy,
} from '../terminator';
