import { showAsConstructed } from '../constructedDisplay';
import { containsInternal, distributionToJson, toInternal, type Distribution, type ParamValue } from '../distributions';
import { dict, hasKey } from '../dict';
import { InvalidArgumentError } from '../errors';
import type { FrozenTrial, TrialState } from '../frozenTrial';
import type { AlgorithmResult, StudyView } from '../study/view';
import type { Sampler } from './base';

/**
 * Optuna's `PartialFixedSampler(fixed_params, base_sampler)`: the named parameters always take the
 * given values; every other parameter is sampled by `baseSampler` (its relative search space no longer
 * includes the fixed ones). A fixed value outside the distribution the objective suggests is still
 * used, with a warning, as in Optuna; a categorical value that is not a choice throws.
 */
export class PartialFixedSampler implements Sampler {
  private readonly fixedParams: Record<string, ParamValue>;

  constructor(
    fixedParams: Record<string, ParamValue>,
    readonly baseSampler: Sampler,
  ) {
    if (fixedParams === null || typeof fixedParams !== 'object' || Array.isArray(fixedParams)) {
      throw new InvalidArgumentError('PartialFixedSampler(fixedParams, baseSampler): fixedParams must be an object of parameter values.');
    }
    if (!baseSampler || typeof baseSampler.sampleIndependent !== 'function') {
      throw new InvalidArgumentError(
        'PartialFixedSampler(fixedParams, baseSampler): baseSampler must be a sampler (new TPESampler(), ...).',
      );
    }
    this.fixedParams = dict(fixedParams);
    showAsConstructed(this, 'PartialFixedSampler', [fixedParams, baseSampler]);
  }

  reseedRng(seed?: number): void {
    this.baseSampler.reseedRng?.(seed);
  }

  inferRelativeSearchSpace(study: StudyView, trial: FrozenTrial): Record<string, Distribution> {
    const space = { ...this.baseSampler.inferRelativeSearchSpace(study, trial) };
    for (const name of Object.keys(this.fixedParams)) delete space[name];
    return space;
  }

  sampleRelative(study: StudyView, trial: FrozenTrial, searchSpace: Record<string, Distribution>): Record<string, number> {
    return this.baseSampler.sampleRelative(study, trial, searchSpace);
  }

  sampleIndependent(study: StudyView, trial: FrozenTrial, paramName: string, distribution: Distribution): number {
    if (!hasKey(this.fixedParams, paramName)) return this.baseSampler.sampleIndependent(study, trial, paramName, distribution);
    const value = this.fixedParams[paramName];
    const internal = toInternal(distribution, value); // throws for a value that is not a categorical choice
    if (typeof internal !== 'number' || !containsInternal(distribution, internal)) {
      process.emitWarning(
        `Fixed parameter '${paramName}' with value ${JSON.stringify(value)} is out of range for distribution ${distributionToJson(distribution)}.`,
      );
    }
    return internal;
  }

  beforeTrial(study: StudyView, trial: FrozenTrial): AlgorithmResult | Promise<AlgorithmResult> {
    return this.baseSampler.beforeTrial?.(study, trial);
  }

  afterTrial(
    study: StudyView,
    trial: FrozenTrial,
    state: TrialState,
    values: readonly number[] | null,
  ): AlgorithmResult | Promise<AlgorithmResult> {
    return this.baseSampler.afterTrial?.(study, trial, state, values);
  }
}
