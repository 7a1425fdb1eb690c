import { showAsConstructed } from '../constructedDisplay';
import { InvalidArgumentError } from '../errors';
import type { FrozenTrial } from '../frozenTrial';
import type { StudyView } from '../study/view';
import type { Pruner } from './base';
import { pruningDirection } from './shared';
import { requireInt } from '../validate';
import { wilcoxonSignedRank } from './signedRankTest';
import { bestTrialOrNull } from '../study/best';
import { checkOptionKeys, optionKeys } from '../options';

export interface WilcoxonPrunerOptions {
  /** Prune when the test's p-value is below this (default 0.1; larger prunes more eagerly). */
  pThreshold?: number;
  /** Paired steps needed before any pruning (default 2; fewer than 2 never prune). */
  nStartupSteps?: number;
}

const WILCOXON_PRUNER_OPTION_KEYS = optionKeys<WilcoxonPrunerOptions>({ pThreshold: true, nStartupSteps: true });

/**
 * Optuna's WilcoxonPruner: steps are instance (or fold, or seed) ids, not time. The trial's value on
 * each instance is paired with the best trial's value on the same instance, and a one-sided Wilcoxon
 * signed-rank test (zeros split, as Optuna asks scipy) decides whether the trial is worse than the
 * best. It is pruned when p < pThreshold, unless its running average is still no worse than the best
 * trial's average (Optuna's safeguard, which keeps the best trial's instance set complete).
 *
 * Report a value for every instance with `trial.report(value, instanceId)`, in any order; when the
 * trial is pruned, returning the mean so far (instead of throwing) records it as COMPLETE.
 */
export class WilcoxonPruner implements Pruner {
  readonly pThreshold: number;
  readonly nStartupSteps: number;

  constructor(opts: WilcoxonPrunerOptions = {}) {
    showAsConstructed(this, 'WilcoxonPruner', [opts]);
    checkOptionKeys('WilcoxonPruner', opts, WILCOXON_PRUNER_OPTION_KEYS);
    this.pThreshold = opts.pThreshold ?? 0.1;
    this.nStartupSteps = opts.nStartupSteps ?? 2;
    if (!(typeof this.pThreshold === 'number' && this.pThreshold >= 0 && this.pThreshold <= 1)) {
      throw new InvalidArgumentError(`WilcoxonPruner: pThreshold must be between 0 and 1, got ${String(this.pThreshold)}.`);
    }
    requireInt('WilcoxonPruner', 'nStartupSteps', this.nStartupSteps, 0);
  }

  prune(study: StudyView, trial: FrozenTrial): boolean {
    if (trial.intermediateValues.size === 0) return false;
    const direction = pruningDirection(study, 'WilcoxonPruner');
    const current = trial.intermediateValues;
    if (![...current.values()].every(Number.isFinite)) {
      warn(`the intermediate values of trial ${trial.number} contain infinity or NaN; WilcoxonPruner will not prune it.`);
      return false;
    }
    const best = bestTrialOrNull(study);
    if (!best) return false;
    if (best.intermediateValues.size === 0) {
      warn(
        `the best trial (trial ${best.number}) has no intermediate values, so WilcoxonPruner cannot prune. ` +
          'A trial added with addTrial needs its intermediateValues.',
      );
      return false;
    }
    if (![...best.intermediateValues.values()].every(Number.isFinite)) {
      warn(
        `the intermediate values of the best trial (trial ${best.number}) contain infinity or NaN; WilcoxonPruner will not prune trial ${trial.number}.`,
      );
      return false;
    }

    // Pair the two trials on their common steps (instance ids), in ascending step order.
    const commonSteps = [...current.keys()].filter((s) => best.intermediateValues.has(s)).sort((a, b) => a - b);
    if (commonSteps.length < current.size) {
      warn(`trial ${trial.number} reported steps the best trial (trial ${best.number}) does not have; those values are ignored.`);
    }
    const differences = commonSteps.map((s) => current.get(s)! - best.intermediateValues.get(s)!);
    if (differences.length < Math.max(2, this.nStartupSteps)) return false;

    // Worse means larger when minimizing, smaller when maximizing.
    const alternative = direction === 'minimize' ? 'greater' : 'less';
    const bestMean = mean(best.intermediateValues.values());
    const currentMean = mean(current.values());
    const averageIsBest = direction === 'minimize' ? bestMean >= currentMean : bestMean <= currentMean;
    const p = wilcoxonSignedRank(differences, { alternative, zeroMethod: 'zsplit' }).pvalue;
    // The test says "worse", but its average so far is no worse than the best's: keep it for now.
    if (p < this.pThreshold && averageIsBest) return false;
    return p < this.pThreshold;
  }
}

/** Sum in insertion order, then divide: the same arithmetic as Optuna's sum(values) / len(values). */
function mean(values: Iterable<number>): number {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    sum += v;
    n++;
  }
  return sum / n;
}

function warn(message: string): void {
  process.emitWarning(`WilcoxonPruner: ${message}`);
}
