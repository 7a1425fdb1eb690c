/**
 * `tunelab/pruners`: every pruner with its options, and the Wilcoxon signed-rank test the
 * WilcoxonPruner runs (scipy.stats.wilcoxon's options). The pruners are also exported from 'tunelab'.
 */
export { NopPruner, type Pruner, type PruneDecision } from '../pruners/base';
export { PercentilePruner, MedianPruner, type PercentilePrunerOptions } from '../pruners/percentile';
export { ThresholdPruner, type ThresholdPrunerOptions } from '../pruners/threshold';
export { PatientPruner, type PatientPrunerOptions } from '../pruners/patient';
export { SuccessiveHalvingPruner, type SuccessiveHalvingPrunerOptions } from '../pruners/successiveHalving';
export { HyperbandPruner, type HyperbandBracket, type HyperbandPrunerOptions } from '../pruners/hyperband';
export { WilcoxonPruner, type WilcoxonPrunerOptions } from '../pruners/wilcoxon';
export {
  wilcoxonSignedRank,
  type SignedRankAlternative,
  type SignedRankMethod,
  type SignedRankOptions,
  type SignedRankResult,
  type SignedRankZeroMethod,
} from '../pruners/signedRankTest';
