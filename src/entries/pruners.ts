/**
 * `tunelab/pruners`: every pruner with its options, and the Wilcoxon signed-rank test the
 * WilcoxonPruner runs (scipy.stats.wilcoxon's options). The pruners are also exported from 'tunelab'.
 */
export * from '../pruners';
