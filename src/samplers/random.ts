import { showAsConstructed } from '../constructedDisplay';
import type { Distribution } from '../distributions';
import type { FrozenTrial } from '../frozenTrial';
import { checkSeed, Rng } from '../rng';
import type { StudyView } from '../study/view';
import type { Sampler } from './base';
import { checkOptionKeys } from '../options';

/**
 * Draw one internal value from a distribution uniformly (in log space for log distributions).
 * Shared by every sampler that falls back to random draws.
 */
export function sampleUniformInternal(rng: Rng, d: Distribution): number {
  if (d.kind === 'categorical') return rng.int(0, d.choices.length - 1);
  if (d.kind === 'int') {
    if (d.log) {
      // Sample on the continuous log scale over [low - 0.5, high + 0.5] so every integer has the
      // probability mass of its unit cell in log space, then round.
      const lo = Math.log(d.low - 0.5);
      const hi = Math.log(d.high + 0.5);
      const v = Math.round(Math.exp(rng.uniform(lo, hi)));
      return Math.min(d.high, Math.max(d.low, v));
    }
    const n = Math.floor((d.high - d.low) / d.step);
    return d.low + rng.int(0, n) * d.step;
  }
  if (d.log) return Math.min(d.high, Math.exp(rng.uniform(Math.log(d.low), Math.log(d.high))));
  if (d.step !== null) {
    const n = Math.round((d.high - d.low) / d.step);
    return Math.min(d.high, d.low + rng.int(0, n) * d.step);
  }
  return rng.uniform(d.low, d.high);
}

/** Independent uniform sampling: the baseline of Bergstra & Bengio (2012). */
export class RandomSampler implements Sampler {
  private rng: Rng;

  constructor(opts: { seed?: number } = {}) {
    showAsConstructed(this, 'RandomSampler', [opts]);
    checkOptionKeys('RandomSampler', opts, ['seed']);
    checkSeed('RandomSampler', opts.seed);
    this.rng = new Rng(opts.seed);
  }

  reseedRng(seed?: number): void {
    checkSeed('RandomSampler.reseedRng', seed);
    this.rng = new Rng(seed);
  }

  inferRelativeSearchSpace(): Record<string, Distribution> {
    return {};
  }

  sampleRelative(): Record<string, number> {
    return {};
  }

  sampleIndependent(_study: StudyView, _trial: FrozenTrial, _name: string, distribution: Distribution): number {
    return sampleUniformInternal(this.rng, distribution);
  }
}
