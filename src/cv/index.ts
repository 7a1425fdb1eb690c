/**
 * Cross-validation in scikit-learn's vocabulary (issue 6), exported flat from 'tunelab':
 *
 *   const { X, y } = datasets.iris();
 *   const cv = new StratifiedKFold({ nSplits: 5 });            // same folds as scikit-learn
 *   await crossValidate(new SVC({ C: 1 }), X, y, { cv });       // { testScore, mean, std, ... }
 *   await gridSearchCV(new SVC(), { C: [0.1, 1, 10] }, X, y, { cv });   // refits the best
 *   await randomizedSearchCV(new SVC(), { C: floatDistribution(1e-3, 1e3, { log: true }) }, X, y, { nIter: 20, seed: 0 });
 *   await tuneCV(new SVC(), (t) => ({ C: t.suggestFloat('C', 1e-3, 1e3, { log: true }) }), X, y,
 *                { nTrials: 50, study: { sampler: new TPESampler({ seed: 0 }), pruner: new MedianPruner() } });
 *   await nestedCV(new SVC(), { kind: 'grid', paramGrid: { C: [0.1, 1, 10] } }, X, y,
 *                  { outerCv: 5, innerCv: 3, onFold: (row) => cvResultsWidget.addRow(row) });
 *   await halvingGridSearchCV(new SVC(), { C: [0.1, 1, 10, 100] }, X, y, { factor: 2 });   // successive halving on rows
 *   await halvingRandomSearchCV(mlp, { lr: floatDistribution(1e-4, 1e-1, { log: true }) }, X, y,
 *                               { resource: 'epochs', maxResources: 81, nCandidates: 27, seed: 0 });
 */
export {
  KFold,
  StratifiedKFold,
  ShuffleSplit,
  trainTestSplit,
  type Fold,
  type Splitter,
  type KFoldOptions,
  type ShuffleSplitOptions,
  type TrainTestSplitOptions,
  type TrainTestSplit,
} from './splitters';
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
  type NestedCVOptions,
  type NestedCVResult,
} from './search';
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
} from './halving';
