/**
 * What every trial object that runs an objective keeps of the run so far (`StudyTrial`,
 * `FixedTrial`), and the copies it answers with. Keyed by user strings: plain objects (a
 * prototype-less one costs a hash table each, and a trial makes six), so every read goes through
 * ownValue/hasKey and every write through setKey (dict.ts).
 */
import { constraintsByKey } from './constraintRecord';
import { plainCopy, setKey } from './dict';
import type { Distribution, ParamValue } from './distributions';
import { frozenTrial, TrialState, type FrozenTrial } from './frozenTrial';
import { checkAttribute } from './storage/storable';
import { checkReportArguments, SuggestApi } from './suggestApi';

export abstract class TrialFields extends SuggestApi {
  protected readonly currentParams: Record<string, ParamValue> = {};
  protected readonly internalParams: Record<string, number> = {};
  protected readonly distributions: Record<string, Distribution> = {};
  protected readonly intermediate = new Map<number, number>();
  protected readonly currentUserAttrs: Record<string, unknown> = {};
  protected readonly systemAttrs: Record<string, unknown> = {};

  get params(): Record<string, ParamValue> {
    return plainCopy(this.currentParams);
  }

  get paramDistributions(): Record<string, Distribution> {
    return plainCopy(this.distributions);
  }

  get userAttrs(): Record<string, unknown> {
    return plainCopy(this.currentUserAttrs);
  }

  get intermediateValues(): Map<number, number> {
    return new Map(this.intermediate);
  }

  get constraints(): Record<string, number> {
    return constraintsByKey(this.systemAttrs) ?? {};
  }

  /** Record a suggested parameter: its internal value, the value the objective gets, its distribution. */
  protected recordParam(name: string, internal: number, value: ParamValue, distribution: Distribution): void {
    setKey(this.internalParams, name, internal);
    setKey(this.currentParams, name, value);
    setKey(this.distributions, name, distribution);
  }

  /** Record a report, checked; false when the step was reported before (its first value is kept, as in Optuna). */
  protected recordReport(value: number, step: number): boolean {
    checkReportArguments(value, step);
    if (this.intermediate.has(step)) {
      // Optuna's UserWarning, worded as its.
      process.emitWarning(`The reported value is ignored because this \`step=${step}\` is already reported.`);
      return false;
    }
    this.intermediate.set(step, value);
    return true;
  }

  /**
   * Record an attribute, checked at once: a value no storage can hold fails the objective at this
   * line (the trial is then recorded FAIL) instead of a write later.
   */
  protected recordAttr(which: 'user' | 'system', key: string, value: unknown): void {
    checkAttribute(which === 'user' ? 'User attribute' : 'System attribute', key, value);
    setKey(which === 'user' ? this.currentUserAttrs : this.systemAttrs, key, value);
  }

  /** The running trial as samplers and pruners see it: everything suggested and reported so far. */
  protected runningSnapshot(trialId: number, number: number, datetimeStart: Date | null): FrozenTrial {
    return frozenTrial({
      trialId,
      number,
      state: TrialState.RUNNING,
      values: null,
      datetimeStart,
      datetimeComplete: null,
      params: this.currentParams,
      internalParams: this.internalParams,
      distributions: this.distributions,
      intermediateValues: this.intermediate,
      userAttrs: this.currentUserAttrs,
      systemAttrs: this.systemAttrs,
    });
  }
}
