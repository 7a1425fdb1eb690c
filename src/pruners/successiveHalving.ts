import { InvalidArgumentError } from '../errors';
import { TrialState, lastStep, type Direction, type FrozenTrial } from '../frozenTrial';
import type { StudyView } from '../study/view';
import type { PruneDecision, Pruner } from './base';
import { currentTrials, lastReport, pruningDirection } from './shared';
import { requireInt } from '../validate';

export interface SuccessiveHalvingPrunerOptions {
  /**
   * Resource (steps) of the first rung, or 'auto' (default): the last step of the first completed
   * trials divided by 100, at least 1, as Optuna estimates it.
   */
  minResource?: number | 'auto';
  /** eta: each rung keeps the top 1/eta of the trials that reached it (default 4). */
  reductionFactor?: number;
  /** s: the first rung sits at minResource * eta^s (default 0). */
  minEarlyStoppingRate?: number;
  /** A rung prunes every trial until it holds more than this many values (default 0). */
  bootstrapCount?: number;
}

/** The system attribute holding a trial's value at rung k (Optuna's key, so studies interoperate). */
export function completedRungKey(rung: number): string {
  return `completed_rung_${rung}`;
}

/**
 * Asynchronous successive halving (ASHA, Li et al. 2020), Optuna's SuccessiveHalvingPruner. Rung k
 * sits at step minResource * eta^(s + k). When a trial reaches a rung its value there is recorded in
 * its system attributes; it goes on only if that value is in the top 1/eta of all values recorded at
 * the rung so far (the best value while fewer than eta trials got there). No trial waits for others.
 */
export class SuccessiveHalvingPruner implements Pruner {
  readonly reductionFactor: number;
  readonly minEarlyStoppingRate: number;
  readonly bootstrapCount: number;
  private readonly fixedMinResource: number | null;
  /** 'auto' is estimated once per study and then kept, so the rungs stay put as the study grows. */
  private readonly estimatedMinResource = new Map<string, number>();

  constructor(opts: SuccessiveHalvingPrunerOptions = {}) {
    const minResource = opts.minResource ?? 'auto';
    if (minResource !== 'auto' && !(Number.isInteger(minResource) && minResource >= 1)) {
      throw new InvalidArgumentError(`SuccessiveHalvingPruner: minResource must be an integer >= 1 or 'auto', got ${String(minResource)}.`);
    }
    this.fixedMinResource = minResource === 'auto' ? null : minResource;
    this.reductionFactor = opts.reductionFactor ?? 4;
    requireInt('SuccessiveHalvingPruner', 'reductionFactor', this.reductionFactor, 2);
    this.minEarlyStoppingRate = opts.minEarlyStoppingRate ?? 0;
    this.bootstrapCount = opts.bootstrapCount ?? 0;
    requireInt('SuccessiveHalvingPruner', 'minEarlyStoppingRate', this.minEarlyStoppingRate, 0);
    requireInt('SuccessiveHalvingPruner', 'bootstrapCount', this.bootstrapCount, 0);
    if (this.bootstrapCount > 0 && this.fixedMinResource === null) {
      throw new InvalidArgumentError(
        "SuccessiveHalvingPruner: bootstrapCount > 0 needs a fixed minResource (not 'auto'), because the rungs " +
          'must be known before any trial completes.',
      );
    }
  }

  prune(study: StudyView, trial: FrozenTrial): PruneDecision {
    return this.pruneAmong(study, trial, () => true);
  }

  /** The step of rung `rung` for a study, or undefined while 'auto' has nothing to estimate from. */
  rungStep(study: StudyView, rung: number): number | undefined {
    const r = this.minResourceFor(study, () => true);
    return r === undefined ? undefined : r * this.reductionFactor ** (this.minEarlyStoppingRate + rung);
  }

  /**
   * @internal Successive halving among the trials `member` accepts (Hyperband runs one per bracket).
   * The decision carries the value of every rung the trial reached (`completed_rung_<k>`), which
   * `trial.shouldPrune()` records on the trial.
   */
  pruneAmong(study: StudyView, trial: FrozenTrial, member: (t: FrozenTrial) => boolean): PruneDecision {
    const last = lastReport(trial);
    if (!last) return { prune: false };
    const minResource = this.minResourceFor(study, member);
    if (minResource === undefined) return { prune: false };
    const direction = pruningDirection(study, 'SuccessiveHalvingPruner');
    let others: FrozenTrial[] | null = null;
    const rungValues: Record<string, number> = {};
    const decide = (prune: boolean): PruneDecision => ({ prune, trialSystemAttrs: rungValues });
    for (let rung = currentRung(trial); ; rung++) {
      const rungStep = minResource * this.reductionFactor ** (this.minEarlyStoppingRate + rung);
      if (last.step < rungStep) return decide(false);
      if (Number.isNaN(last.value)) return decide(true);
      others ??= currentTrials(study).filter((t) => t.number !== trial.number && member(t));
      const key = completedRungKey(rung);
      rungValues[key] = last.value;
      const competing = others.filter((t) => key in t.systemAttrs).map((t) => t.systemAttrs[key] as number);
      competing.push(last.value);
      if (competing.length <= this.bootstrapCount) return decide(true);
      if (!isPromotable(last.value, competing, this.reductionFactor, direction)) return decide(true);
    }
  }

  private minResourceFor(study: StudyView, member: (t: FrozenTrial) => boolean): number | undefined {
    if (this.fixedMinResource !== null) return this.fixedMinResource;
    const memo = this.estimatedMinResource.get(study.studyName);
    if (memo !== undefined) return memo;
    let maxLast: number | undefined;
    for (const t of study.trials) {
      if (t.state !== TrialState.COMPLETE || !member(t)) continue;
      const s = lastStep(t);
      if (s !== undefined && (maxLast === undefined || s > maxLast)) maxLast = s;
    }
    if (maxLast === undefined) return undefined;
    const estimate = Math.max(Math.floor(maxLast / 100), 1);
    this.estimatedMinResource.set(study.studyName, estimate);
    return estimate;
  }
}

/** The first rung the trial has not yet recorded a value for. */
function currentRung(trial: FrozenTrial): number {
  let rung = 0;
  while (completedRungKey(rung) in trial.systemAttrs) rung++;
  return rung;
}

/**
 * Whether `value` is within the top floor(n/eta) of the n values recorded at the rung. With fewer
 * than eta values it must be the best one: trials cannot be paused and resumed later, so the early
 * arrivals are judged against each other rather than all promoted.
 */
function isPromotable(value: number, competing: number[], eta: number, direction: Direction): boolean {
  const k = Math.max(Math.floor(competing.length / eta) - 1, 0);
  const sorted = [...competing].sort((a, b) => a - b);
  return direction === 'maximize' ? value >= sorted[sorted.length - 1 - k] : value <= sorted[k];
}
