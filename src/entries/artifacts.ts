/**
 * `tunelab/artifacts`: files attached to studies and trials, where Optuna and optuna-dashboard find
 * them (Optuna's `optuna.artifacts`). The store and the three functions are also exported from
 * 'tunelab'.
 */
export * from '../artifacts';
