import { showAsConstructed } from '../constructedDisplay';
import type { Distribution } from '../distributions';
import { InvalidArgumentError } from '../errors';
import { TrialState, type FrozenTrial } from '../frozenTrial';
import { checkSeed, Rng } from '../rng';
import { peekTrials, type AlgorithmResult, type StudyView } from '../study/view';
import type { Sampler } from './base';
import { IndependentFallback } from './independent';
import { log, WARNING } from '../logging';
import { HALTON_MAX_DIMENSIONS, HaltonSequence } from './halton';
import { SOBOL_MAX_DIMENSIONS, SobolSequence } from './sobol';
import { setKey } from '../dict';
import { checkOptionKeys, optionKeys } from '../options';

export interface QMCSamplerOptions {
  /**
   * Seeds the scrambling and the independent fallback. Without one, each sampler scrambles its own
   * way, so workers sharing a study draw from different sequences.
   */
  seed?: number;
  /**
   * Scramble the sequence (Sobol': linear matrix scrambling and a digital shift; Halton: a random
   * permutation of each digit position's digits, as SciPy's). Default true.
   */
  scramble?: boolean;
  /** The sequence, as Optuna's `qmc_type`: 'sobol' (default) or 'halton'. */
  qmcType?: 'sobol' | 'halton';
  /**
   * Draws the parameters outside the sampler's space (the first trial's parameters, and those the
   * first finished trial did not suggest) (default: uniformly at random from this sampler's seeded
   * stream), as Optuna's `independent_sampler`; its own hooks run beside this sampler's.
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
 * The space is Optuna 5.0's: the parameters of the study's first finished trial, one dimension of
 * the Sobol' (or Halton) sequence each in the order that trial suggested them (before any trial finishes, the running
 * trials' parameters, so trials started side by side draw from the sequence too). Trial i receives
 * point i - 1 of the (scrambled) sequence, mapped from the unit cube to each distribution; without
 * scrambling these are Optuna's points, trial for trial (test/samplers/qmc.test.ts). Indexing by
 * trial number needs no shared counter (Optuna keeps one in the study, and two workers may read
 * the same count), so workers on a shared database draw distinct points. The first trial, and
 * parameters outside the space (conditional ones), are drawn by `independentSampler`.
 */
export class QMCSampler implements Sampler {
  private readonly scramble: boolean;
  private readonly baseSeed: number;
  private rng: Rng;
  private readonly qmcType: 'sobol' | 'halton';
  private sequence: SobolSequence | HaltonSequence | null = null;
  private readonly independent: IndependentFallback;

  constructor(opts: QMCSamplerOptions = {}) {
    showAsConstructed(this, 'QMCSampler', [opts]);
    checkOptionKeys('QMCSampler', opts, QMC_SAMPLER_OPTION_KEYS);
    checkSeed('QMCSampler', opts.seed);
    const qmcType = opts.qmcType ?? 'sobol';
    this.qmcType = qmcType;
    if (qmcType !== 'sobol' && qmcType !== 'halton') {
      throw new InvalidArgumentError(`QMCSampler: qmcType '${String(qmcType)}' is not supported; use 'sobol' or 'halton'.`);
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

  /**
   * The first finished trial's parameters in its order (single-valued ones too: each takes a
   * dimension, as in Optuna, so the dimensions of the others are Optuna's); before any trial
   * finishes, the union of the running trials' parameters, with Optuna's warning when they differ.
   */
  inferRelativeSearchSpace(study: StudyView): Record<string, Distribution> {
    const { trials } = peekTrials(study);
    const first = trials.find((t) => t.state === TrialState.COMPLETE || t.state === TrialState.PRUNED);
    const out: Record<string, Distribution> = {};
    if (first) {
      for (const [name, d] of Object.entries(first.distributions)) setKey(out, name, d);
      return out;
    }
    // Optuna's union and its test for a conditional space, quirk included: the first running trial
    // fixes the names to compare with even when it has suggested nothing yet.
    let shared: Set<string> | null = null;
    for (const t of trials) {
      if (t.state !== TrialState.RUNNING) continue;
      const names = Object.keys(t.distributions);
      for (const name of names) setKey(out, name, t.distributions[name]);
      if (shared === null) shared = new Set(names);
      else if (names.length > 0) for (const name of [...shared]) if (!names.includes(name)) shared.delete(name);
    }
    if (shared !== null && shared.size !== Object.keys(out).length) {
      log(
        WARNING,
        '`QMCSampler` assumes that the search space does not include any conditions. Please make sure the provided search space is non-conditional.',
      );
    }
    return out;
  }

  sampleRelative(_study: StudyView, trial: FrozenTrial, searchSpace: Record<string, Distribution>): Record<string, number> {
    const names = Object.keys(searchSpace);
    if (names.length === 0) return {};
    const [kind, most] = this.qmcType === 'sobol' ? ['Sobol', SOBOL_MAX_DIMENSIONS] : ['Halton', HALTON_MAX_DIMENSIONS];
    if (names.length > most) {
      throw new InvalidArgumentError(`QMCSampler: ${names.length} parameters exceed the ${most} ${kind} dimensions available.`);
    }
    if (!this.sequence || this.sequence.dimensions < names.length) {
      // Dimension d's scrambling depends only on (seed, d), so growing the sequence keeps old dimensions.
      const opts = { scramble: this.scramble, seed: this.baseSeed };
      this.sequence = this.qmcType === 'sobol' ? new SobolSequence(names.length, opts) : new HaltonSequence(names.length, opts);
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
 * Map u in [0, 1) to an internal value as Optuna's QMCSampler maps it (`_SearchSpaceTransform` with
 * its 0-1 transform, then `untransform`, the same arithmetic in the same order, so an unscrambled
 * design gives Optuna's values): equal volumes of the cube go to equal probability under the
 * uniform (or log-uniform) prior, and a discrete parameter's range is widened by half a step each
 * side, so each value gets an equal-width cell. Exact ties, which an unscrambled sequence's dyadic
 * points can hit, go to the even index as NumPy's and Python's round send them.
 */
export function fromUnit(d: Distribution, u: number): number {
  if (d.kind === 'categorical') return Math.min(d.choices.length - 1, Math.floor(u * d.choices.length));
  if (d.kind === 'float' && d.step === null) {
    if (!d.log) return Math.min(d.high, d.low + u * (d.high - d.low));
    const [lo, hi] = [Math.log(d.low), Math.log(d.high)];
    return Math.min(d.high, Math.max(d.low, Math.exp(lo + u * (hi - lo))));
  }
  const half = 0.5 * d.step!;
  if (d.kind === 'int' && d.log) {
    const [lo, hi] = [Math.log(d.low - half), Math.log(d.high + half)];
    return Math.min(d.high, Math.max(d.low, roundHalfEven(Math.exp(lo + u * (hi - lo)))));
  }
  const [lo, hi] = [d.low - half, d.high + half];
  const t = lo + u * (hi - lo);
  // Optuna rounds a float's step index half to even and an integer's half up.
  const k = d.kind === 'float' ? roundHalfEven((t - d.low) / d.step!) : Math.floor((t - d.low) / d.step + 0.5);
  return Math.min(d.high, Math.max(d.low, k * d.step! + d.low));
}

/** NumPy's and Python's rounding of a float to an integer: an exact half goes to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
