/**
 * The independent fallback of the samplers that model one fixed search space (CMA-ES, GP, QMC), as
 * Optuna 5.0 gives them: a parameter outside that space (a categorical for CMA-ES, one that appears
 * only in some trials for all three) is drawn by an `independentSampler` (default: uniformly at
 * random from the sampler's own seeded stream), and once the sampler's own model is in use each such
 * draw logs Optuna's warning, which `warnIndependentSampling: false` silences. The independent
 * sampler's own hooks run beside the sampler's, so a TPE or a grid behind CMA-ES keeps its state.
 */
import type { Distribution } from '../distributions';
import { InvalidArgumentError } from '../errors';
import type { FrozenTrial, TrialState } from '../frozenTrial';
import { log, WARNING } from '../logging';
import type { Rng } from '../rng';
import type { AlgorithmResult, AlgorithmWrites, StudyView } from '../study/view';
import type { Sampler } from './base';
import { sampleUniformInternal } from './random';

export class IndependentFallback {
  private readonly sampler: Sampler | null;

  /**
   * `owner`: the sampler's name in messages; `reason`: why it falls back, as Optuna words it;
   * `sampler`: the user's independentSampler, or undefined for uniform draws from `rng()`.
   */
  constructor(
    private readonly owner: string,
    private readonly reason: string,
    sampler: unknown,
    private readonly warn: boolean,
    private readonly rng: () => Rng,
  ) {
    if (sampler !== undefined && sampler !== null && typeof (sampler as Partial<Sampler>).sampleIndependent !== 'function') {
      throw new InvalidArgumentError(`${owner}: independentSampler must be a sampler (new TPESampler(), new RandomSampler(), ...).`);
    }
    if (typeof warn !== 'boolean')
      throw new InvalidArgumentError(`${owner}: warnIndependentSampling must be true or false, got ${String(warn)}.`);
    this.sampler = (sampler as Sampler | null | undefined) ?? null;
  }

  /** Draw `name` independently; `modelInUse`: the sampler is past its startup trials, so the draw is a fallback worth a warning. */
  sample(study: StudyView, trial: FrozenTrial, name: string, distribution: Distribution, modelInUse: boolean): number {
    if (this.warn && modelInUse) {
      const by = this.sampler ? this.sampler.constructor.name : 'RandomSampler';
      log(
        WARNING,
        `The parameter \`${name}\` in Trial#${trial.number} is sampled independently using \`${by}\` instead of \`${this.owner}\`, ` +
          `potentially degrading the optimization performance. This fallback happened because ${this.reason}. ` +
          `You can suppress this warning by setting \`warnIndependentSampling\` to \`false\` in the options of \`${this.owner}\` ` +
          'if this independent sampling is intended behavior.',
      );
    }
    return this.sampler
      ? this.sampler.sampleIndependent(study, trial, name, distribution)
      : sampleUniformInternal(this.rng(), distribution);
  }

  reseedRng(seed?: number): void {
    this.sampler?.reseedRng?.(seed);
  }

  /** The sampler's `beforeTrial` result and then the independent sampler's, recorded together. */
  beforeTrial(study: StudyView, trial: FrozenTrial, own: AlgorithmResult): AlgorithmResult | Promise<AlgorithmResult> {
    const theirs = this.sampler?.beforeTrial?.(study, trial);
    return theirs instanceof Promise ? theirs.then((r) => combined(this.owner, own, r)) : combined(this.owner, own, theirs);
  }

  /** The same for `afterTrial`. */
  afterTrial(
    study: StudyView,
    trial: FrozenTrial,
    state: TrialState,
    values: readonly number[] | null,
    own: AlgorithmResult,
  ): AlgorithmResult | Promise<AlgorithmResult> {
    const theirs = this.sampler?.afterTrial?.(study, trial, state, values);
    return theirs instanceof Promise ? theirs.then((r) => combined(this.owner, own, r)) : combined(this.owner, own, theirs);
  }
}

/** Two hooks' writes as one: their attributes together, a stop if either asks, the one claim either makes. */
function combined(owner: string, a: AlgorithmResult, b: AlgorithmResult): AlgorithmResult {
  if (!a) return b;
  if (!b) return a;
  if (a.claim && b.claim) {
    throw new InvalidArgumentError(
      `${owner}: its independentSampler claims study attributes as ${owner} does; use another independentSampler.`,
    );
  }
  const claim = a.claim ?? b.claim;
  const out: AlgorithmWrites = {
    trialSystemAttrs: { ...b.trialSystemAttrs, ...a.trialSystemAttrs },
    studySystemAttrs: { ...b.studySystemAttrs, ...a.studySystemAttrs },
    stopStudy: a.stopStudy === true || b.stopStudy === true,
  };
  return claim ? { ...out, claim } : out;
}
