/**
 * `tunelab/efficiency`: random experiment efficiency curves (Bergstra & Bengio 2012) with the
 * score-weighted mixture for validation ties, and the standard deviation of a measured accuracy.
 */
export { bestTrialMixture, randomEfficiencyCurve, binomialStd, type ScoredTrial, type BestTrialMixture, type EfficiencyPoint } from '../efficiency';
