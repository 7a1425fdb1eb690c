/**
 * plotTerminatorImprovement: Optuna's plot_terminator_improvement. The room left for improvement
 * after each trial (and optionally the statistical error), lighter until minNTrials trials.
 *
 * The plot draws data, not evaluators: a TerminatorImprovementData (trial numbers with the
 * improvement, and the error, after each). The Terminator's public `terminatorImprovementHistory`
 * computes it from evaluators (its defaults are Optuna's); a history can also be passed as `history`.
 */
import type { Direction, FrozenTrial } from '../frozenTrial';
import { InvalidArgumentError } from '../errors';
import { terminatorImprovementHistory } from '../terminator';
import { Figure, type Trace } from './figure';
import type { StudyLike } from './common';
import { checkOptionKeys, optionKeys } from '../options';
import { requireInt } from '../validate';

/** What plotTerminatorImprovement draws: one entry per trial from the first complete one on. */
export interface TerminatorImprovementData {
  readonly trialNumbers: readonly number[];
  /** The improvement potential evaluated on the trials completed up to that trial. */
  readonly improvements: readonly number[];
  /** The statistical error at the same points, or null when not evaluated. */
  readonly errors: readonly number[] | null;
}

/** An improvement or error evaluator (the Terminator's, or any object of this shape). */
export interface TerminatorEvaluatorLike {
  evaluate(trials: readonly FrozenTrial[], direction: Direction): number;
}

/** Optuna's default: points before the 20th are drawn lighter. */
export const DEFAULT_TERMINATOR_MIN_N_TRIALS = 20;
const PADDING_RATIO_Y = 0.05;
const OPACITY = 0.25;

export interface TerminatorImprovementOptions {
  /** Also draw the error (default false). */
  plotError?: boolean;
  /** Default: the Terminator's (RegretBoundEvaluator). */
  improvementEvaluator?: TerminatorEvaluatorLike;
  /** Default: the Terminator's (a zero error with BestValueStagnationEvaluator, else cross-validation). */
  errorEvaluator?: TerminatorEvaluatorLike;
  /** Points before this many trials are drawn lighter, and the y range ignores their improvements (default 20). */
  minNTrials?: number;
  /** Draw this history instead of computing one (the evaluator options are then not used). */
  history?: TerminatorImprovementData;
}
const TERMINATOR_IMPROVEMENT_OPTION_KEYS = optionKeys<TerminatorImprovementOptions>({
  plotError: true,
  improvementEvaluator: true,
  errorEvaluator: true,
  minNTrials: true,
  history: true,
});

function improvementTrace(x: readonly number[], y: readonly number[], opacity: number, showlegend: boolean): Trace {
  // Written as Optuna writes it (Python prints 1.0, not 1).
  const color = `rgba(99, 110, 250, ${Number.isInteger(opacity) ? opacity.toFixed(1) : opacity})`;
  return {
    type: 'scatter',
    mode: 'markers+lines',
    x: [...x],
    y: [...y],
    marker: { color },
    line: { color },
    name: 'Terminator Improvement',
    showlegend,
    legendgroup: 'improvement',
  };
}

/** The figure for a history, as Optuna draws it. */
export function terminatorImprovementFigure(data: TerminatorImprovementData, opts: { minNTrials?: number } = {}): Figure {
  const minN = requireInt('plotTerminatorImprovement', 'minNTrials', opts.minNTrials ?? DEFAULT_TERMINATOR_MIN_N_TRIALS, 0);
  const n = data.trialNumbers.length;
  if (data.improvements.length !== n || (data.errors && data.errors.length !== n)) {
    throw new InvalidArgumentError(
      `plotTerminatorImprovement: the history has ${n} trial numbers, ${data.improvements.length} improvements` +
        `${data.errors ? ` and ${data.errors.length} errors` : ''}; they must have one entry per trial.`,
    );
  }
  const layout: Record<string, unknown> = {
    title: { text: 'Terminator Improvement Plot' },
    xaxis: { title: { text: 'Trial' } },
    yaxis: { title: { text: 'Terminator Improvement' } },
  };
  if (n === 0) return new Figure({ data: [], layout });
  const traces: Trace[] = [
    // Lighter up to and including the minNTrials-th point; the legend shows once.
    improvementTrace(data.trialNumbers.slice(0, minN + 1), data.improvements.slice(0, minN + 1), OPACITY, n <= minN),
  ];
  if (n > minN) traces.push(improvementTrace(data.trialNumbers.slice(minN), data.improvements.slice(minN), 1, true));
  if (data.errors) {
    traces.push({
      type: 'scatter',
      mode: 'markers+lines',
      x: [...data.trialNumbers],
      y: [...data.errors],
      name: 'Error',
      marker: { color: 'rgb(239, 85, 59)' },
      line: { color: 'rgb(239, 85, 59)' },
    });
  }
  // The y range leaves out the early improvements (often huge) once there are later ones.
  let lo = Math.min(...data.improvements);
  let hi = n > minN ? Math.max(...data.improvements.slice(minN)) : Math.max(...data.improvements);
  if (data.errors) {
    lo = Math.min(lo, ...data.errors);
    hi = Math.max(hi, ...data.errors);
  }
  const pad = (hi - lo) * PADDING_RATIO_Y;
  (layout.yaxis as Record<string, unknown>).range = [lo - pad, hi + pad];
  return new Figure({ data: traces, layout });
}

/** The improvement potential (and error) after each trial of a single-objective study. */
export function plotTerminatorImprovement(study: StudyLike, opts: TerminatorImprovementOptions = {}): Figure {
  checkOptionKeys('plotTerminatorImprovement', opts, TERMINATOR_IMPROVEMENT_OPTION_KEYS);
  if (study.directions.length !== 1) {
    throw new InvalidArgumentError(
      `plotTerminatorImprovement supports single-objective studies only; this study has ${study.directions.length} objectives.`,
    );
  }
  let history = opts.history;
  if (!history) {
    // One evaluation per trial from the first complete one (a RegretBoundEvaluator fits a GP each time).
    history = terminatorImprovementHistory(study, {
      improvementEvaluator: opts.improvementEvaluator,
      errorEvaluator: opts.errorEvaluator,
      withError: opts.plotError ?? false,
    });
  } else if (opts.plotError === false && history.errors) {
    history = { ...history, errors: null };
  }
  return terminatorImprovementFigure(history, { minNTrials: opts.minNTrials });
}
