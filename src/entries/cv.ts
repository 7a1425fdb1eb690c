/**
 * `tunelab/cv`: cross-validation and searches in scikit-learn's vocabulary (sklearn.model_selection):
 * splitters, crossValidate, grid / randomized / halving searches, tuneCV (a study per search),
 * nestedCV, and the types of their options and results. The functions and splitters are also
 * exported from 'tunelab'.
 */
export { KFold, StratifiedKFold, ShuffleSplit, trainTestSplit, type Fold, type Splitter, type KFoldOptions, type ShuffleSplitOptions, type TrainTestSplit } from '../cv/splitters';
export {
  crossValidate,
  gridSearchCV,
  randomizedSearchCV,
  tuneCV,
  nestedCV,
  expandGrid,
  type CV,
  type Scoring,
  type CrossValidateOptions,
  type CrossValidateResult,
  type CandidateResult,
  type SearchResult,
  type SearchOptions,
  type ParamGrid,
  type ParamSampler,
  type ParamGridFor,
  type GridFor,
  type DistributionsFor,
  type SuggestFor,
  type SpaceFor,
  type TuneCVOptions,
  type TuneCVResult,
  type InnerSearch,
  type NestedFoldResult,
  type NestedCVResult,
} from '../cv/search';
export {
  halvingGridSearchCV,
  halvingRandomSearchCV,
  halvingSchedule,
  type HalvingOptions,
  type HalvingResource,
  type HalvingSearchResult,
  type HalvingCandidateResult,
  type HalvingSchedule,
  type HalvingScheduleInput,
} from '../cv/halving';
