import {
  categoricalDistribution,
  deferredDistributionErrors,
  floatDistribution,
  intDistribution,
  type CategoricalChoice,
  type Distribution,
  type ParamValue,
} from './distributions';
import { InvalidArgumentError } from './errors';
import { checkParam } from './storage/storable';
import { requireInt } from './validate';

/**
 * The typed suggest methods every trial object offers, over one `suggest(name, distribution)`:
 * shared by `Trial` and the trial an objective receives inside a worker thread, so both validate
 * and type the same way.
 */
export abstract class SuggestApi {
  abstract suggest(name: string, distribution: Distribution): ParamValue;

  /** Float in [low, high]; `log` samples log-uniformly, `step` discretises. */
  suggestFloat(name: string, low: number, high: number, opts: { log?: boolean; step?: number | null } = {}): number {
    return this.suggest(name, floatDistribution(low, high, opts, name)) as number;
  }

  /** Integer in [low, high] (inclusive); `log` samples log-uniformly, `step` keeps low + k*step. */
  suggestInt(name: string, low: number, high: number, opts: { log?: boolean; step?: number } = {}): number {
    return this.suggest(name, intDistribution(low, high, opts, name)) as number;
  }

  /** One of `choices`; the return type is the union of the choices' types. */
  suggestCategorical<const T extends CategoricalChoice>(name: string, choices: readonly T[]): T {
    return this.suggest(name, categoricalDistribution(choices, name)) as T;
  }
}

/** The arguments of `report(value, step)`, checked the same way wherever a trial reports. */
export function checkReportArguments(value: unknown, step: number): void {
  requireInt('report(value, step)', 'step', step, 0);
  if (typeof value !== 'number') {
    throw new InvalidArgumentError(`report(value, step): value must be a number, got ${typeof value}.`);
  }
}

/**
 * The arguments of `suggest(name, distribution)`, checked the same way by every trial object: a
 * definition from space.ts's float()/int()/categorical() that was invalid throws its error, named;
 * what no storage can hold fails at the suggest call, not in a queued write later.
 */
export function checkSuggestArguments(name: string, distribution: Distribution): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidArgumentError('Parameter names must be non-empty strings.');
  }
  deferredDistributionErrors.get(distribution)?.(name);
  checkParam(name, distribution);
}
