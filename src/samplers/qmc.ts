import { isSingle, type Distribution } from '../distributions';
import { InvalidArgumentError } from '../errors';
import { TrialState, type FrozenTrial } from '../frozenTrial';
import { checkSeed, Rng } from '../rng';
import { peekTrials, type AlgorithmResult, type StudyView } from '../study/view';
import type { Sampler } from './base';
import { IndependentFallback } from './independent';
import { log, WARNING } from '../logging';
import { IntersectionSearchSpace } from './searchSpace';
import { SOBOL_MAX_DIMENSIONS, SobolSequence } from './sobol';
import { setKey } from '../dict';
import { checkOptionKeys, optionKeys } from '../options';

export interface QMCSamplerOptions {
  /**
   * Seeds the scrambling and the independent fallback. Without one, each sampler scrambles its own
   * way, so workers sharing a study draw from different sequences.
   */
  seed?: number;
  /** Scramble the sequence (linear matrix scrambling + digital shift). Default true. */
  scramble?: boolean;
  /** Only 'sobol' is implemented. */
  qmcType?: 'sobol';
  /**
   * Draws the parameters outside the search space every trial shares (the first trial's, and conditional ones) (default: uniformly at random from this sampler's seeded stream), as
   * Optuna's `independent_sampler`; its own hooks run beside this sampler's.
   */
  independentSampler?: Sampler;
  /** Log Optuna's warning for each parameter drawn independently once the model is in use (default true). */
  warnIndependentSampling?: boolean;
  /** Log Optuna's warning when a scrambled sequence has no seed (default true). */
  warnAsynchronousSeeding?: boolean;
}

const QMC_SAMPLER_OPTION_KEYS = optionKeys<QMCSamplerOptions>({
  seed: true,
  scramble: true,
  qmcType: true,
  independentSampler: true,
  warnIndependentSampling: true,
  warnAsynchronousSeeding: true,
});

/**
 * Quasi-Monte Carlo sampling: trials cover the space more evenly than random draws (lower
 * discrepancy), which helps most for small budgets and few important parameters.
 *
 * Relative sampling over the intersection search space: trial i receives point i - 1 of the (scrambled)
 * Sobol' sequence, mapped from the unit cube to each distribution (dimensions in sorted name order).
 * Indexing by trial number needs no shared counter, so workers on a shared database draw distinct
 * points. The first trial, whose space is not known yet, and parameters outside the intersection
 * (conditional ones) are drawn at random from the seeded generator.
 */
export class QMCSampler implements Sampler {
  private readonly scramble: boolean;
  private readonly baseSeed: number;
  private rng: Rng;
  private readonly space = new IntersectionSearchSpace();
  private sequence: SobolSequence | null = null;
  private readonly independent: IndependentFallback;

  constructor(opts: QMCSamplerOptions = {}) {
    checkOptionKeys('QMCSampler', opts, QMC_SAMPLER_OPTION_KEYS);
    checkSeed('QMCSampler', opts.seed);
    const qmcType = opts.qmcType ?? 'sobol';
    if (qmcType !== 'sobol') {
      throw new InvalidArgumentError(`QMCSampler: qmcType '${String(qmcType)}' is not supported; use 'sobol'.`);
    }
    this.scramble = opts.scramble ?? true;
    const warnSeeding = opts.warnAsynchronousSeeding ?? true;
    if (typeof warnSeeding !== 'boolean') {
      throw new InvalidArgumentError(`QMCSampler: warnAsynchronousSeeding must be true or false, got ${String(warnSeeding)}.`);
    }
    if (opts.seed === undefined && this.scramble && warnSeeding) {
      // As Optuna's QMCSampler warns: unseeded workers of one study would each scramble their own sequence.
      log(
        WARNING,
        'No seed is provided for `QMCSampler` and the seed is set randomly. If you are running multiple `QMCSampler`s in parallel ' +
          'and/or distributed environment, the same seed must be used in all samplers to ensure that resulting samples are taken ' +
          'from the same QMC sequence. (Silence this with `warnAsynchronousSeeding: false`.)',
      );
    }
    // Without a seed the scrambling is still fixed for this sampler's lifetime (one design per sampler).
    this.baseSeed = opts.seed ?? Math.floor(Math.random() * 0x7fffffff);
    this.rng = new Rng(`${this.baseSeed}/independent`);
    this.independent = new IndependentFallback(
      'QMCSampler',
      'dynamic search space is not supported by `QMCSampler`',
      opts.independentSampler,
      opts.warnIndependentSampling ?? true,
      () => this.rng,
    );
  }

  reseedRng(seed?: number): void {
    checkSeed('QMCSampler.reseedRng', seed);
    // Only the independent fallback is reseeded; the QMC design must stay shared by all workers.
    this.rng = new Rng(seed === undefined ? undefined : `${seed}/independent`);
    this.independent.reseedRng(seed);
  }

  inferRelativeSearchSpace(study: StudyView): Record<string, Distribution> {
    const out: Record<string, Distribution> = {};
    for (const [name, d] of Object.entries(this.space.calculate(study))) {
      if (!isSingle(d)) setKey(out, name, d);
    }
    return out;
  }

  sampleRelative(_study: StudyView, trial: FrozenTrial, searchSpace: Record<string, Distribution>): Record<string, number> {
    const names = Object.keys(searchSpace).sort();
    if (names.length === 0) return {};
    if (names.length > SOBOL_MAX_DIMENSIONS) {
      throw new InvalidArgumentError(
        `QMCSampler: ${names.length} parameters exceed the ${SOBOL_MAX_DIMENSIONS} Sobol dimensions available.`,
      );
    }
    if (!this.sequence || this.sequence.dimensions < names.length) {
      // Dimension d's scrambling depends only on (seed, d), so growing the sequence keeps old dimensions.
      this.sequence = new SobolSequence(names.length, { scramble: this.scramble, seed: this.baseSeed });
    }
    // Trial 0 never samples relatively (no finished trial yet), so trial i takes point i - 1 and
    // trials 1..2^m together form the first 2^m points, a perfectly stratified design.
    const u = this.sequence.point(Math.max(0, trial.number - 1));
    const out: Record<string, number> = {};
    names.forEach((name, i) => {
      setKey(out, name, fromUnit(searchSpace[name], u[i]));
    });
    return out;
  }

  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution): number {
    // As Optuna: past the first finished trial, whose parameters fix the space, a draw is a fallback.
    const modelInUse = peekTrials(study).trials.some((t) => t.state === TrialState.COMPLETE || t.state === TrialState.PRUNED);
    return this.independent.sample(study, trial, name, distribution, modelInUse);
  }

  beforeTrial(study: StudyView, trial: FrozenTrial): AlgorithmResult | Promise<AlgorithmResult> {
    return this.independent.beforeTrial(study, trial, undefined);
  }

  afterTrial(
    study: StudyView,
    trial: FrozenTrial,
    state: TrialState,
    values: readonly number[] | null,
  ): AlgorithmResult | Promise<AlgorithmResult> {
    return this.independent.afterTrial(study, trial, state, values, undefined);
  }
}

/**
 * Map u in [0, 1) to an internal value so that equal volumes of the cube go to equal probability
 * under the uniform (or log-uniform) prior: discrete values each get an equal-width cell.
 */
export function fromUnit(d: Distribution, u: number): number {
  if (d.kind === 'categorical') return Math.min(d.choices.length - 1, Math.floor(u * d.choices.length));
  if (d.kind === 'int' && d.log) {
    const lo = Math.log(d.low - 0.5);
    const hi = Math.log(d.high + 0.5);
    return Math.min(d.high, Math.max(d.low, Math.round(Math.exp(lo + u * (hi - lo)))));
  }
  if (d.log) return Math.min(d.high, Math.max(d.low, Math.exp(Math.log(d.low) + u * (Math.log(d.high) - Math.log(d.low)))));
  const step = d.step;
  if (step !== null) {
    const n = Math.round((d.high - d.low) / step) + 1;
    const k = Math.min(n - 1, Math.floor(u * n));
    return Math.min(d.high, d.low + k * step);
  }
  return d.low + u * (d.high - d.low);
}
