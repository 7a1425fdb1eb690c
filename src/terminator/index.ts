export {
  BestValueStagnationEvaluator,
  CrossValidationErrorEvaluator,
  MedianErrorEvaluator,
  StaticErrorEvaluator,
  CROSS_VALIDATION_SCORES_KEY,
  DEFAULT_MIN_N_TRIALS,
  type ErrorEvaluator,
  type ImprovementEvaluator,
} from './evaluators';
export { RegretBoundEvaluator, type RegretBoundEvaluatorOptions } from './regretBound';
export { EMMREvaluator, type EMMREvaluatorOptions } from './emmr';
export {
  Terminator,
  TerminatorCallback,
  reportCrossValidationScores,
  terminatorImprovementHistory,
  type TerminatorHistory,
  type TerminatorOptions,
  type TerminatorStudy,
} from './terminator';
