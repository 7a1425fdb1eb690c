import { InvalidArgumentError } from '../errors';
import { TrialState, type Direction, type FrozenTrial } from '../frozenTrial';
import type { Study, StudyCallback } from '../study';
import type { Trial } from '../trial';
import {
  BestValueStagnationEvaluator,
  completeTrials,
  CROSS_VALIDATION_SCORES_KEY,
  CrossValidationErrorEvaluator,
  DEFAULT_MIN_N_TRIALS,
  StaticErrorEvaluator,
  type ErrorEvaluator,
  type ImprovementEvaluator,
} from './evaluators';
import { RegretBoundEvaluator } from './regretBound';
import { requireInt } from '../validate';
import { checkOptionKeys, optionKeys } from '../options';

/** What the terminator reads of a study: its direction and trials (a Study, or a loaded copy). */
export interface TerminatorStudy {
  readonly directions: readonly Direction[];
  readonly trials: readonly FrozenTrial[];
}

export interface TerminatorOptions {
  /** Room left for improvement (default RegretBoundEvaluator, as Optuna). */
  improvementEvaluator?: ImprovementEvaluator;
  /** Statistical error (default StaticErrorEvaluator(0) with BestValueStagnationEvaluator, else CrossValidationErrorEvaluator). */
  errorEvaluator?: ErrorEvaluator;
  /** Complete trials needed before termination is considered (default 20). */
  minNTrials?: number;
}

const TERMINATOR_OPTION_KEYS = optionKeys<TerminatorOptions>({ improvementEvaluator: true, errorEvaluator: true, minNTrials: true });

/** Per-trial improvement (and error) values: what plotTerminatorImprovement draws. */
export interface TerminatorHistory {
  /** Number of every trial from the first COMPLETE one on (trials of any state, as Optuna plots them). */
  trialNumbers: number[];
  /** improvementEvaluator.evaluate(the trials completed up to that trial). */
  improvements: number[];
  /** errorEvaluator.evaluate(the same trials), when asked for; otherwise null. */
  errors: number[] | null;
}

function singleDirection(study: TerminatorStudy, what: string): Direction {
  if (study.directions.length !== 1) {
    throw new InvalidArgumentError(`${what} supports single-objective studies only; this study has ${study.directions.length} objectives.`);
  }
  return study.directions[0];
}

/** Optuna pairs BestValueStagnation with a zero error, every other improvement with the CV error. */
function defaultErrorEvaluator(improvement: ImprovementEvaluator): ErrorEvaluator {
  return improvement instanceof BestValueStagnationEvaluator ? new StaticErrorEvaluator(0) : new CrossValidationErrorEvaluator();
}

/**
 * Decides when a study has stopped paying off (Optuna's Terminator): once at least minNTrials trials
 * are COMPLETE, it terminates when the room left for improvement falls below the statistical error.
 *
 *   const terminator = new Terminator();
 *   await study.optimize(objective, { nTrials: 200, callbacks: [new TerminatorCallback(terminator)] });
 */
export class Terminator {
  readonly improvementEvaluator: ImprovementEvaluator;
  readonly errorEvaluator: ErrorEvaluator;
  readonly minNTrials: number;

  constructor(opts: TerminatorOptions = {}) {
    checkOptionKeys('Terminator', opts, TERMINATOR_OPTION_KEYS);
    this.minNTrials = requireInt('Terminator', 'minNTrials', opts.minNTrials ?? DEFAULT_MIN_N_TRIALS, 1);
    this.improvementEvaluator = opts.improvementEvaluator ?? new RegretBoundEvaluator();
    this.errorEvaluator = opts.errorEvaluator ?? defaultErrorEvaluator(this.improvementEvaluator);
  }

  /** The improvement and error now, and whether the first is below the second (null before minNTrials). */
  evaluate(study: TerminatorStudy): { improvement: number; error: number; shouldTerminate: boolean } | null {
    const direction = singleDirection(study, 'Terminator');
    if (completeTrials(study.trials).length < this.minNTrials) return null;
    const improvement = this.improvementEvaluator.evaluate(study.trials, direction);
    const error = this.errorEvaluator.evaluate(study.trials, direction);
    return { improvement, error, shouldTerminate: improvement < error };
  }

  shouldTerminate(study: TerminatorStudy): boolean {
    return this.evaluate(study)?.shouldTerminate ?? false;
  }

  /** The improvement (and error) after each trial, with this terminator's evaluators. */
  evaluateHistory(study: TerminatorStudy, opts: { withError?: boolean } = {}): TerminatorHistory {
    return terminatorImprovementHistory(study, {
      improvementEvaluator: this.improvementEvaluator,
      errorEvaluator: this.errorEvaluator,
      withError: opts.withError,
    });
  }
}

/**
 * The improvement (and optionally the error) as the study went: for every trial from the first
 * COMPLETE one on, the evaluators applied to the trials completed so far (Optuna's
 * plot_terminator_improvement data). A RegretBoundEvaluator fits one GP per point.
 */
export function terminatorImprovementHistory(
  study: TerminatorStudy,
  opts: { improvementEvaluator?: ImprovementEvaluator; errorEvaluator?: ErrorEvaluator; withError?: boolean } = {},
): TerminatorHistory {
  const direction = singleDirection(study, 'terminatorImprovementHistory');
  const improvementEvaluator = opts.improvementEvaluator ?? new RegretBoundEvaluator();
  const errorEvaluator = opts.errorEvaluator ?? defaultErrorEvaluator(improvementEvaluator);
  const history: TerminatorHistory = { trialNumbers: [], improvements: [], errors: opts.withError ? [] : null };
  const completed: FrozenTrial[] = [];
  for (const trial of study.trials) {
    if (trial.state === TrialState.COMPLETE && trial.values !== null) completed.push(trial);
    if (completed.length === 0) continue;
    history.trialNumbers.push(trial.number);
    history.improvements.push(improvementEvaluator.evaluate(completed, direction));
    if (history.errors) history.errors.push(errorEvaluator.evaluate(completed, direction));
  }
  return history;
}

/** A study callback that stops `study.optimize` once its terminator says so. */
export interface TerminatorCallback extends StudyCallback {
  readonly terminator: Terminator;
}

interface TerminatorCallbackConstructor {
  new (terminator?: Terminator): TerminatorCallback;
  (terminator?: Terminator): TerminatorCallback;
}

function makeTerminatorCallback(terminator?: Terminator): TerminatorCallback {
  const chosen = terminator ?? new Terminator();
  const callback = (study: Study): void => {
    if (chosen.shouldTerminate(study)) study.stop();
  };
  return Object.assign(callback, { terminator: chosen });
}

/**
 * Optuna's TerminatorCallback: `callbacks: [new TerminatorCallback(terminator)]` stops the study
 * after the first trial at which `terminator.shouldTerminate(study)` holds (default: a Terminator
 * with its defaults). The instance is itself the callback function, so `new` is optional.
 */
// A plain function returning an object may be called with `new` (which then returns that object),
// which is what gives the callable instance its Optuna-like spelling.
export const TerminatorCallback = makeTerminatorCallback as unknown as TerminatorCallbackConstructor;

/**
 * Records the per-fold scores of a trial for CrossValidationErrorEvaluator (Optuna's
 * report_cross_validation_scores; the same system attribute, so Optuna reads it back).
 */
export function reportCrossValidationScores(trial: Trial, scores: readonly number[]): void {
  if (!Array.isArray(scores) || scores.length <= 1) {
    throw new InvalidArgumentError(
      `reportCrossValidationScores: give at least two fold scores, got ${Array.isArray(scores) ? scores.length : String(scores)}.`,
    );
  }
  const bad = scores.findIndex((s) => typeof s !== 'number' || !Number.isFinite(s));
  if (bad >= 0) {
    throw new InvalidArgumentError(
      `reportCrossValidationScores: score ${bad} is ${String(scores[bad])}; every fold score must be a finite number.`,
    );
  }
  trial.setSystemAttr(CROSS_VALIDATION_SCORES_KEY, [...scores]);
}
