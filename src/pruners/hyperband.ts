import { showAsConstructed } from '../constructedDisplay';
import { InvalidArgumentError } from '../errors';
import { TrialState, lastStep, type FrozenTrial } from '../frozenTrial';
import type { StudyView } from '../study/view';
import type { PruneDecision, Pruner } from './base';
import { SuccessiveHalvingPruner } from './successiveHalving';
import { requireInt } from '../validate';
import { checkOptionKeys, optionKeys } from '../options';

export interface HyperbandPrunerOptions {
  /** Resource (steps) of the first rung of the most aggressive bracket (default 1). */
  minResource?: number;
  /** R: the most resource a trial gets, or 'auto' (default): last step + 1 of the first completed trial. */
  maxResource?: number | 'auto';
  /** eta (default 3). */
  reductionFactor?: number;
  /** Passed to each bracket's successive halving (default 0). */
  bootstrapCount?: number;
}

const HYPERBAND_PRUNER_OPTION_KEYS = optionKeys<HyperbandPrunerOptions>({
  minResource: true,
  maxResource: true,
  reductionFactor: true,
  bootstrapCount: true,
});

/** One Hyperband bracket: `n` trials budgeted, the first rung at resource `r`. */
export interface HyperbandBracket {
  /** 0 = most aggressive (most trials, smallest first rung). */
  index: number;
  /** s in Li et al.'s notation: the bracket has s + 1 rungs. */
  s: number;
  /** Trials allotted to the bracket: ceil((B / R) eta^s / (s + 1)), B = (s_max + 1) R. */
  n: number;
  /** Resource of the bracket's first rung: R eta^-s (minResource eta^index). */
  r: number;
}

/**
 * Hyperband (Li et al. 2018) over asynchronous successive halving, Optuna's HyperbandPruner. The
 * brackets trade many cheap trials against few long ones; each trial joins one bracket, chosen by a
 * CRC-32 hash of "studyName_trialNumber" (Optuna's hash, so the same study assigns the same brackets
 * in both), weighted by the bracket budgets, and is then compared only with its own bracket's trials.
 */
export class HyperbandPruner implements Pruner {
  readonly minResource: number;
  readonly reductionFactor: number;
  readonly bootstrapCount: number;
  private maxResource: number | 'auto';
  private table: HyperbandBracket[] | null = null;
  private halvers: SuccessiveHalvingPruner[] = [];
  private totalBudget = 0;

  constructor(opts: HyperbandPrunerOptions = {}) {
    showAsConstructed(this, 'HyperbandPruner', [opts]);
    checkOptionKeys('HyperbandPruner', opts, HYPERBAND_PRUNER_OPTION_KEYS);
    this.minResource = opts.minResource ?? 1;
    this.maxResource = opts.maxResource ?? 'auto';
    this.reductionFactor = opts.reductionFactor ?? 3;
    this.bootstrapCount = opts.bootstrapCount ?? 0;
    requireInt('HyperbandPruner', 'minResource', this.minResource, 1);
    if (this.maxResource !== 'auto' && !(Number.isInteger(this.maxResource) && this.maxResource >= this.minResource)) {
      throw new InvalidArgumentError(
        `HyperbandPruner: maxResource must be 'auto' or an integer >= minResource (${this.minResource}), got ${String(this.maxResource)}.`,
      );
    }
    requireInt('HyperbandPruner', 'reductionFactor', this.reductionFactor, 2);
    requireInt('HyperbandPruner', 'bootstrapCount', this.bootstrapCount, 0);
    if (this.bootstrapCount > 0 && this.maxResource === 'auto') {
      throw new InvalidArgumentError("HyperbandPruner: bootstrapCount > 0 needs a fixed maxResource (not 'auto').");
    }
    if (this.maxResource !== 'auto') this.build(this.maxResource);
  }

  /**
   * The bracket table. With maxResource 'auto' it exists once a trial has completed; before that
   * this throws, saying so.
   */
  brackets(): HyperbandBracket[] {
    if (!this.table) {
      throw new InvalidArgumentError(
        "HyperbandPruner.brackets(): maxResource is 'auto' and no trial has completed yet, so the brackets are not " +
          'fixed. Pass maxResource, or read the brackets after the first trial completes.',
      );
    }
    return this.table.map((b) => ({ ...b }));
  }

  /** The bracket a trial of the study belongs to (or undefined while the brackets are not fixed). */
  bracketOf(studyName: string, trialNumber: number): number | undefined {
    if (!this.table) return undefined;
    let n = crc32(`${studyName}_${trialNumber}`) % this.totalBudget;
    for (const b of this.table) {
      n -= b.n;
      if (n < 0) return b.index;
    }
    return this.table.length - 1; // unreachable: the budgets sum to totalBudget
  }

  prune(study: StudyView, trial: FrozenTrial): boolean | PruneDecision {
    if (!this.table) {
      // Optuna's 'auto': the first completed trial's step count (last step + 1, steps start at 0).
      let maxLast: number | undefined;
      for (const t of study.trials) {
        if (t.state !== TrialState.COMPLETE) continue;
        const s = lastStep(t);
        if (s !== undefined && (maxLast === undefined || s > maxLast)) maxLast = s;
      }
      if (maxLast === undefined) return false;
      this.maxResource = Math.max(maxLast + 1, this.minResource);
      this.build(this.maxResource);
    }
    const bracket = this.bracketOf(study.studyName, trial.number)!;
    return this.halvers[bracket].pruneAmong(study, trial, (t) => this.bracketOf(study.studyName, t.number) === bracket);
  }

  private build(maxResource: number): void {
    const eta = this.reductionFactor;
    // s_max = floor(log_eta(R / minResource)), computed in integers: a float log gives 4.999... for 243 / 3^5.
    let sMax = 0;
    while (this.minResource * eta ** (sMax + 1) <= maxResource) sMax++;
    const nBrackets = sMax + 1;
    this.table = [];
    this.halvers = [];
    for (let index = 0; index < nBrackets; index++) {
      const s = sMax - index;
      // B / R = s_max + 1, so n = ceil((s_max + 1) eta^s / (s + 1)).
      const n = Math.ceil((nBrackets * eta ** s) / (s + 1));
      this.table.push({ index, s, n, r: this.minResource * eta ** index });
      this.halvers.push(
        new SuccessiveHalvingPruner({
          minResource: this.minResource,
          reductionFactor: eta,
          minEarlyStoppingRate: index,
          bootstrapCount: this.bootstrapCount,
        }),
      );
    }
    this.totalBudget = this.table.reduce((sum, b) => sum + b.n, 0);
  }
}

let crcTable: Uint32Array | null = null;

/** CRC-32 (IEEE, as zlib and Python's binascii.crc32) of a string's UTF-8 bytes. */
export function crc32(text: string): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[i] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text, 'utf8')) crc = crcTable[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
