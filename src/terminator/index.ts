export {
  BestValueStagnationEvaluator,
  CrossValidationErrorEvaluator,
  MedianErrorEvaluator,
  StaticErrorEvaluator,
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
