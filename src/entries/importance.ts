/**
 * `tunelab/importance`: hyperparameter importance (Optuna's `optuna.importance`): PED-ANOVA (the
 * default), fANOVA with pairwise interactions, and mean decrease in impurity through
 * getParamImportances. getParamImportances and fanova are also exported from 'tunelab'.
 */
export {
  fanova,
  getParamImportances,
  pedAnovaImportances,
  type ImportanceEvaluatorName,
  type PedAnovaOptions,
  type PedAnovaStudy,
  type FanovaData,
  type FanovaOptions,
  type FanovaResult,
  type ImportanceOptions,
  type ImportanceStat,
  type PairInteraction,
} from '../importance';
