/**
 * `tunelab/importance`: hyperparameter importance (Optuna's `optuna.importance`): PED-ANOVA (the
 * default), fANOVA with pairwise interactions, and mean decrease in impurity through
 * getParamImportances. getParamImportances and fanova are also exported from 'tunelab'.
 */
export * from '../importance';
