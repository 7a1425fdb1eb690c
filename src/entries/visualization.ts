/**
 * `tunelab/visualization`: Optuna's twelve plots as plotly figures, the Figure class they return,
 * and the data behind the hypervolume-history and terminator plots. The plot functions are also
 * exported from 'tunelab'.
 */
export {
  Figure,
  plotOptimizationHistory,
  plotIntermediateValues,
  plotParallelCoordinate,
  plotContour,
  plotSlice,
  plotParamImportances,
  plotEdf,
  plotTimeline,
  plotParetoFront,
  plotRank,
  plotHypervolumeHistory,
  hypervolumeHistory,
  plotTerminatorImprovement,
  terminatorImprovementFigure,
  type TerminatorImprovementData,
  type TerminatorImprovementOptions,
  type RankOptions,
  type HypervolumeHistory,
  type ParetoFrontOptions,
  type AxisTypeChoice,
  type FigureSpec,
  type Trace,
  type StudyLike,
} from '../visualization';
