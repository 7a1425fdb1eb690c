import { InvalidArgumentError } from '../errors';
import type { Direction, FrozenTrial } from '../frozenTrial';
import type { StudyView } from '../study/view';

/**
 * Helpers shared by the pruners. Every pruner is a pure function of the study's trials and the
 * trial being asked about, so a seeded study replays the same prune decisions.
 */

/** The single direction a pruner compares in; pruning a multi-objective trial is refused, as in Optuna. */
export function pruningDirection(study: StudyView, pruner: string): Direction {
  if (study.directions.length !== 1) {
    throw new InvalidArgumentError(
      `${pruner} cannot prune a multi-objective study (${study.directions.length} objectives): intermediate values ` +
        'have no single direction. Use NopPruner, or report and prune on one objective in a single-objective study.',
    );
  }
  return study.directions[0];
}

/**
 * Optuna's interval rule: prune checks happen at steps warmup, warmup + interval, ...; a trial that
 * reports every step is checked once per interval, and one that skips steps is checked the first
 * time it crosses into a new interval.
 */
export function isFirstStepInInterval(step: number, steps: Iterable<number>, warmupSteps: number, intervalSteps: number): boolean {
  const nearestCheckStep = Math.floor((step - warmupSteps) / intervalSteps) * intervalSteps + warmupSteps;
  let previous = -1;
  for (const s of steps) if (s !== step && s > previous) previous = s;
  return previous < nearestCheckStep;
}

/** The last reported step and its value, or undefined when the trial reported nothing. */
export function lastReport(trial: FrozenTrial): { step: number; value: number } | undefined {
  let step: number | undefined;
  for (const s of trial.intermediateValues.keys()) if (step === undefined || s > step) step = s;
  return step === undefined ? undefined : { step, value: trial.intermediateValues.get(step)! };
}

/**
 * The trials of the study as the pruner should see them: trials still running in this process are
 * read as they are now, so concurrent workers (nJobs > 1) see each other's rungs before their trials
 * are told.
 */
export function currentTrials(study: StudyView): FrozenTrial[] {
  const running = study.runningTrials();
  if (running.length === 0) return [...study.trials];
  const now = new Map(running.map((t) => [t.number, t]));
  return study.trials.map((t) => now.get(t.number) ?? t);
}
