/**
 * Optuna's visualization functions with their names (camelCase) and meaning, as pure figure
 * builders: each takes a study (or its trials) and returns a displayable plotly Figure. This index is
 * the area's public face ('tunelab/visualization'); the helpers the widgets and the kernel share
 * with the plots are imported from their modules.
 */
export { Figure, type FigureSpec, type Trace } from './figure';
export type { ParamsTargetOptions, StudyLike, TargetOptions } from './common';
export {
  plotOptimizationHistory,
  plotIntermediateValues,
  plotParallelCoordinate,
  plotContour,
  plotSlice,
  plotParamImportances,
  plotEdf,
  plotTimeline,
  plotParetoFront,
  type AxisTypeChoice,
  type OptimizationHistoryOptions,
  type ParamImportancesPlotOptions,
  type ParetoFrontOptions,
  type TimelineOptions,
} from './plots';
export { plotRank, type RankOptions } from './rank';
export { plotHypervolumeHistory, hypervolumeHistory, type HypervolumeHistory } from './hypervolumeHistory';
export {
  plotTerminatorImprovement,
  terminatorImprovementFigure,
  type TerminatorImprovementData,
  type TerminatorImprovementOptions,
} from './terminatorImprovement';
