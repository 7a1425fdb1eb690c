import { dict, setKey } from '../dict';
import { InvalidArgumentError } from '../errors';
import type { Storage } from '../storage/base';
import { checkAttribute, storedForm } from '../storage/storable';

/** The study system attribute Optuna 5.0 keeps `set_metric_names` in (optuna/study/study.py). */
export const METRIC_NAMES_KEY = 'study:metric_names';

/**
 * A study's user and system attributes as this Study object last read or wrote them. Storage is
 * asynchronous and `study.userAttrs` is a property (as in Optuna), so the attributes are read when the
 * study is created or loaded, kept current by this object's own writes, and re-read on demand
 * (`study.refreshAttrs()`), not on every trial: a grid study keeps one system attribute per point.
 */
export class StudyAttributes {
  private user: Record<string, unknown> = dict();
  private system: Record<string, unknown> = dict();

  constructor(
    private readonly storage: Storage,
    private readonly studyId: number,
  ) {}

  async reload(): Promise<void> {
    const [user, system] = await Promise.all([
      this.storage.getStudyUserAttrs(this.studyId),
      this.storage.getStudySystemAttrs(this.studyId),
    ]);
    this.user = dict(user);
    this.system = dict(system);
  }

  /** A deep copy (changing it changes nothing stored), as Optuna's `user_attrs` is. */
  get userAttrs(): Record<string, unknown> {
    return copyOut(this.user);
  }

  get systemAttrs(): Record<string, unknown> {
    return copyOut(this.system);
  }

  async setUser(key: string, value: unknown): Promise<void> {
    checkAttribute('Study user attribute', key, value);
    await this.storage.setStudyUserAttr(this.studyId, key, value);
    setKey(this.user, key, storedForm(value));
  }

  async setSystem(key: string, value: unknown): Promise<void> {
    checkAttribute('Study system attribute', key, value);
    await this.storage.setStudySystemAttr(this.studyId, key, value);
    setKey(this.system, key, storedForm(value));
  }

  /** Optuna's `metric_names`: the stored list, or null when none was set (or it is not a list of strings). */
  get metricNames(): string[] | null {
    const v = Object.hasOwn(this.system, METRIC_NAMES_KEY) ? this.system[METRIC_NAMES_KEY] : undefined;
    return Array.isArray(v) && v.every((n) => typeof n === 'string') ? [...(v as string[])] : null;
  }
}

/** Check `setMetricNames(names)` as Optuna does (one name per objective), with a message that says what to pass. */
export function checkMetricNames(names: unknown, nObjectives: number): string[] {
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) {
    throw new InvalidArgumentError(`setMetricNames(names): names must be an array of strings (one per objective), got ${describe(names)}.`);
  }
  if (names.length !== nObjectives) {
    // Optuna 5.0: "The number of objectives must match the length of the metric names."
    throw new InvalidArgumentError(
      `The number of objectives must match the length of the metric names. The study has ${nObjectives} ` +
        `objective(s) but ${names.length} name(s) were given.`,
    );
  }
  return [...(names as string[])];
}

function copyOut(d: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(d)) setKey(out, k, storedForm(d[k]));
  return out;
}

function describe(v: unknown): string {
  try {
    return JSON.stringify(v)?.slice(0, 80) ?? String(v);
  } catch {
    return typeof v;
  }
}
