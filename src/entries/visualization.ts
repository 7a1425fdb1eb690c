/**
 * `tunelab/visualization`: Optuna's twelve plots as plotly figures, the Figure class they return,
 * and the data behind the hypervolume-history and terminator plots. The plot functions are also
 * exported from 'tunelab'.
 */
export * from '../visualization';
