export { NopPruner, type Pruner, type PruneDecision } from './base';
export { PercentilePruner, MedianPruner, type PercentilePrunerOptions } from './percentile';
export { ThresholdPruner, type ThresholdPrunerOptions } from './threshold';
export { PatientPruner, type PatientPrunerOptions } from './patient';
export { SuccessiveHalvingPruner, type SuccessiveHalvingPrunerOptions } from './successiveHalving';
export { HyperbandPruner, type HyperbandBracket, type HyperbandPrunerOptions } from './hyperband';
export { WilcoxonPruner, type WilcoxonPrunerOptions } from './wilcoxon';
export {
  wilcoxonSignedRank,
  type SignedRankAlternative,
  type SignedRankMethod,
  type SignedRankOptions,
  type SignedRankResult,
  type SignedRankZeroMethod,
} from './signedRankTest';
