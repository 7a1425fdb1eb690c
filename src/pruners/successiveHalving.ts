import { showAsConstructed } from '../constructedDisplay';
import { InvalidArgumentError } from '../errors';
import { TrialState, lastStep, type Direction, type FrozenTrial } from '../frozenTrial';
import type { StudyView } from '../study/view';
import { FinishedTrialsRecord } from '../study/unfinishedTrials';
import { lowerBound, upperBound } from '../sortedSearch';
import type { PruneDecision, Pruner } from './base';
import { currentTrials, lastReport, pruningDirection } from './shared';
import { requireInt } from '../validate';
import { checkOptionKeys, optionKeys } from '../options';

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

const SUCCESSIVE_HALVING_PRUNER_OPTION_KEYS = optionKeys<SuccessiveHalvingPrunerOptions>({
  minResource: true,
  reductionFactor: true,
  minEarlyStoppingRate: true,
  bootstrapCount: true,
});

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
  /** The rung values of the study's finished trials, kept across calls. */
  private readonly rungs = new FinishedRungValues();

  constructor(opts: SuccessiveHalvingPrunerOptions = {}) {
    showAsConstructed(this, 'SuccessiveHalvingPruner', [opts]);
    checkOptionKeys('SuccessiveHalvingPruner', opts, SUCCESSIVE_HALVING_PRUNER_OPTION_KEYS);
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
   * @internal Successive halving among the trials `member` accepts (Hyperband runs one per bracket;
   * `member` must accept the same trials at every call). The decision carries the value of every
   * rung the trial reached (`completed_rung_<k>`), which `trial.shouldPrune()` records on the trial.
   */
  pruneAmong(study: StudyView, trial: FrozenTrial, member: (t: FrozenTrial) => boolean): PruneDecision {
    const last = lastReport(trial);
    if (!last) return { prune: false };
    const minResource = this.minResourceFor(study, member);
    if (minResource === undefined) return { prune: false };
    const direction = pruningDirection(study, 'SuccessiveHalvingPruner');
    // The other trials still unfinished, as they are now (those running here included).
    let unfinished: FrozenTrial[] | null = null;
    const rungValues: Record<string, number> = {};
    const decide = (prune: boolean): PruneDecision => ({ prune, trialSystemAttrs: rungValues });
    for (let rung = currentRung(trial); ; rung++) {
      const rungStep = minResource * this.reductionFactor ** (this.minEarlyStoppingRate + rung);
      if (last.step < rungStep) return decide(false);
      if (Number.isNaN(last.value)) return decide(true);
      unfinished ??= this.rungs.unfinishedOthers(study, trial, member);
      const key = completedRungKey(rung);
      rungValues[key] = last.value;
      const finished = this.rungs.values(rung);
      const irregular = (t: FrozenTrial) => key in t.systemAttrs && !isNumber(t.systemAttrs[key]);
      let promotable: boolean;
      let count: number;
      if (finished === null || unfinished.some(irregular)) {
        // A value that is not a number at this rung (a foreign writer's): judged as recorded, by sorting.
        const competing = currentTrials(study)
          .filter((t) => t.number !== trial.number && member(t) && key in t.systemAttrs)
          .map((t) => t.systemAttrs[key] as number);
        competing.push(last.value);
        count = competing.length;
        promotable = isPromotable(last.value, competing, this.reductionFactor, direction);
      } else {
        // The rung's values better than the trial's: it goes on while at most k of them are
        // (k = floor(n / eta) - 1, at least 0), as the k-th best of the sorted values decides.
        const better = direction === 'maximize' ? finished.length - upperBound(finished, last.value) : lowerBound(finished, last.value);
        let betterRunning = 0;
        count = finished.length + 1;
        for (const t of unfinished) {
          if (!(key in t.systemAttrs)) continue;
          const v = t.systemAttrs[key] as number;
          count++;
          if (direction === 'maximize' ? v > last.value : v < last.value) betterRunning++;
        }
        promotable = better + betterRunning <= Math.max(Math.floor(count / this.reductionFactor) - 1, 0);
      }
      if (count <= this.bootstrapCount) return decide(true);
      if (!promotable) return decide(true);
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

/**
 * The values the study's finished trials recorded at each rung (those a pruner's `member` accepts),
 * sorted, kept across calls: a call reads only the trials new or unfinished since the last one,
 * where every prune check sorted every trial's value at its rung. (Trials of ten steps: over the
 * last 1,000 of 5,000, 0.05 ms a trial against 1.62 with successive halving and 4.64 with
 * Hyperband; Optuna 5.0 took 0.84 and 3.26 over the last 400 of 2,000.)
 */
class FinishedRungValues {
  private member: (t: FrozenTrial) => boolean = () => true;
  /**
   * Per rung, ascending; null once a value there is not a number (then sorted as recorded, by the
   * caller). A map: a foreign writer's rung number may be anything.
   */
  private readonly byRung = new Map<number, number[] | null>();
  private readonly record = new FinishedTrialsRecord(
    (t) => this.add(t),
    () => this.byRung.clear(),
  );

  /** The other trials unfinished now, as they are now, that `member` accepts (the record brought up to date). */
  unfinishedOthers(study: StudyView, trial: FrozenTrial, member: (t: FrozenTrial) => boolean): FrozenTrial[] {
    this.member = member;
    const trials = this.record.update(study);
    const live = new Map(study.runningTrials().map((t) => [t.number, t]));
    const out: FrozenTrial[] = [];
    for (const t of this.record.unfinishedOf(trials)) {
      if (t.number === trial.number) continue;
      const now = live.get(t.number) ?? t;
      if (member(now)) out.push(now);
    }
    return out;
  }

  /** The finished trials' values at a rung, ascending (empty when none); null when one is not a number. */
  values(rung: number): readonly number[] | null {
    const values = this.byRung.get(rung);
    return values === undefined ? [] : values;
  }

  private add(t: FrozenTrial): void {
    if (!this.member(t)) return;
    for (const key of Object.keys(t.systemAttrs)) {
      const match = RUNG_KEY.exec(key);
      if (!match) continue;
      const rung = Number(match[1]);
      let values = this.byRung.get(rung);
      if (values === null) continue;
      const v = t.systemAttrs[key];
      if (!isNumber(v)) {
        this.byRung.set(rung, null);
        continue;
      }
      if (values === undefined) this.byRung.set(rung, (values = []));
      values.splice(upperBound(values, v), 0, v);
    }
  }
}

/** The keys `completedRungKey` makes. */
const RUNG_KEY = /^completed_rung_(\d+)$/;

/** A number that is not NaN: what the rung values' counting path handles exactly as sorting would. */
function isNumber(v: unknown): v is number {
  return typeof v === 'number' && !Number.isNaN(v);
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
