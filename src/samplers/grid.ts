import { showAsConstructed } from '../constructedDisplay';
import { toInternal, type CategoricalChoice, type Distribution } from '../distributions';
import { InvalidArgumentError } from '../errors';
import type { FrozenTrial, TrialState } from '../frozenTrial';
import { checkSeed, Rng } from '../rng';
import type { AlgorithmResult, AlgorithmWrites, StudyView } from '../study/view';
import { FIXED_PARAMS_KEY } from '../trial';
import type { Sampler } from './base';
import { hasKey, setKey } from '../dict';
import { checkOptionKeys } from '../options';

/** Trial system attribute holding the index of the grid point the trial evaluates (Optuna's name). */
export const GRID_ID_KEY = 'grid_id';
/** Trial system attribute set to true on a trial asked after the grid was exhausted (a re-evaluation). */
export const GRID_DUPLICATE_KEY = 'grid_duplicate';
/** Study system attribute prefix: `grid:<id>` -> number of the trial that claimed that point. */
export const GRID_CLAIM_PREFIX = 'grid:';

/**
 * Exhaustive search over the cartesian product of the given values, each point evaluated once, in
 * an order shuffled by `seed`.
 *
 * Points are claimed atomically through the storage (the sampler's `beforeTrial` returns a claim,
 * which the study makes with `setStudySystemAttrIfAbsent`), so several processes sharing one
 * database never evaluate the same point twice. The sampler asks the study to stop as soon as every
 * point is claimed, so `optimize({ nTrials })` with nTrials larger
 * than the grid simply ends after the grid. A trial asked after the grid is exhausted (a second
 * `optimize` call, or a worker that started at the last moment) re-evaluates a point chosen at
 * random, is marked with the system attribute `grid_duplicate: true`, and stops the study again:
 * this keeps concurrent workers free of errors, as Optuna does.
 *
 * Every parameter the objective suggests must be in the grid, and its grid values must lie in the
 * suggested distribution; otherwise the suggestion throws.
 */
export class GridSampler implements Sampler {
  private readonly paramNames: string[];
  private readonly values: CategoricalChoice[][];
  /** Number of grid points. */
  readonly gridSize: number;
  private readonly order: number[];
  private rng: Rng;
  /** Position in `order` before which every point is known to be claimed (by us or another worker). */
  private pointer = 0;
  private readonly gridIdOfTrial = new Map<number, number>();
  private studyKey: object | null = null;

  constructor(searchSpace: Record<string, readonly CategoricalChoice[]>, opts: { seed?: number } = {}) {
    showAsConstructed(this, 'GridSampler', [searchSpace, opts]);
    checkOptionKeys('GridSampler', opts, ['seed']);
    checkSeed('GridSampler', opts.seed);
    if (searchSpace === null || typeof searchSpace !== 'object' || Array.isArray(searchSpace)) {
      throw new InvalidArgumentError(
        'GridSampler(searchSpace): pass an object mapping each parameter name to the array of values to try, e.g. { lr: [0.01, 0.1], layers: [1, 2] }.',
      );
    }
    // Sorted names, so the meaning of a grid id does not depend on the key order of the literal.
    this.paramNames = Object.keys(searchSpace).sort();
    if (this.paramNames.length === 0) {
      throw new InvalidArgumentError('GridSampler(searchSpace): the grid has no parameters; give at least one.');
    }
    this.values = this.paramNames.map((name) => checkGridValues(name, searchSpace[name]));
    this.gridSize = this.values.reduce((n, v) => n * v.length, 1);
    if (!Number.isSafeInteger(this.gridSize) || this.gridSize > 50_000_000) {
      throw new InvalidArgumentError(
        `GridSampler: the grid has ${this.gridSize} points, too many to enumerate. Use fewer values or RandomSampler/TPESampler.`,
      );
    }
    this.rng = new Rng(opts.seed);
    this.order = this.rng.shuffle(Array.from({ length: this.gridSize }, (_, i) => i));
  }

  reseedRng(seed?: number): void {
    checkSeed('GridSampler.reseedRng', seed);
    // The visiting order is fixed at construction so every worker with the same seed agrees on it;
    // only the choice of duplicates after exhaustion uses this generator.
    this.rng = new Rng(seed);
  }

  /** The parameter values of grid point `gridId` (in [0, gridSize)). */
  gridPoint(gridId: number): Record<string, CategoricalChoice> {
    const out: Record<string, CategoricalChoice> = {};
    let rest = gridId;
    // Mixed radix with the last name varying fastest.
    for (let i = this.paramNames.length - 1; i >= 0; i--) {
      const n = this.values[i].length;
      setKey(out, this.paramNames[i], this.values[i][rest % n]);
      rest = Math.floor(rest / n);
    }
    return out;
  }

  async beforeTrial(study: StudyView, trial: FrozenTrial): Promise<AlgorithmResult> {
    this.resetIfNewStudy(study);
    // An enqueued trial carries its own values; it does not consume a grid point.
    if (hasKey(trial.systemAttrs, FIXED_PARAMS_KEY)) return;
    const existing = trial.systemAttrs[GRID_ID_KEY];
    if (typeof existing === 'number') {
      this.gridIdOfTrial.set(trial.trialId, existing);
      return;
    }
    return {
      claim: {
        keys: this.unclaimedKeys(),
        value: trial.number,
        onClaimed: (key) => {
          if (key !== null) {
            // The last free point stops the study: nTrials larger than the grid ends with the grid.
            return { ...this.assign(trial, Number(key.slice(GRID_CLAIM_PREFIX.length))), stopStudy: this.pointer >= this.gridSize };
          }
          // Exhausted: re-evaluate a random point rather than fail a worker that started at the last moment.
          const gridId = this.rng.int(0, this.gridSize - 1);
          return { trialSystemAttrs: { [GRID_DUPLICATE_KEY]: true, ...this.assign(trial, gridId).trialSystemAttrs }, stopStudy: true };
        },
      },
    };
  }

  async afterTrial(study: StudyView, trial: FrozenTrial, _state: TrialState, _values: readonly number[] | null): Promise<AlgorithmResult> {
    this.gridIdOfTrial.delete(trial.trialId);
    if (this.pointer >= this.gridSize) return;
    // Every claimed point belongs to a trial, so the grid cannot be exhausted while the study has
    // fewer trials than points: skip the O(grid) read of the claims until then.
    if (study.trials.length < this.gridSize) return;
    // Other workers may have claimed the rest of the grid: skip over their claims and stop if none is left.
    const attrs = await study.getSystemAttrs();
    while (this.pointer < this.gridSize && GRID_CLAIM_PREFIX + this.order[this.pointer] in attrs) this.pointer++;
    if (this.pointer >= this.gridSize) return { stopStudy: true };
  }

  inferRelativeSearchSpace(): Record<string, Distribution> {
    return {};
  }

  sampleRelative(): Record<string, number> {
    return {};
  }

  sampleIndependent(_study: StudyView, trial: FrozenTrial, paramName: string, distribution: Distribution): number {
    const index = this.paramNames.indexOf(paramName);
    if (index < 0) {
      throw new InvalidArgumentError(
        `GridSampler: the objective suggests '${paramName}', which is not in the grid [${this.paramNames.join(', ')}]. ` +
          'Add it to the grid, or use another sampler for spaces that are not fully gridded.',
      );
    }
    const gridId = this.gridIdOfTrial.get(trial.trialId) ?? trial.systemAttrs[GRID_ID_KEY];
    if (typeof gridId !== 'number') {
      throw new InvalidArgumentError(
        `GridSampler: trial ${trial.number} has no grid point. An enqueued trial must fix every grid parameter ` +
          `(missing '${paramName}').`,
      );
    }
    const value = this.gridPoint(gridId)[paramName];
    return gridValueToInternal(paramName, value, distribution);
  }

  /** The claim keys of the points not yet known to be claimed, in visiting order; each one read moves the pointer past it. */
  private *unclaimedKeys(): Generator<string> {
    while (this.pointer < this.gridSize) yield GRID_CLAIM_PREFIX + this.order[this.pointer++];
  }

  private assign(trial: FrozenTrial, gridId: number): AlgorithmWrites {
    this.gridIdOfTrial.set(trial.trialId, gridId);
    return { trialSystemAttrs: { [GRID_ID_KEY]: gridId } };
  }

  private resetIfNewStudy(study: StudyView): void {
    if (this.studyKey === study.studyKey) return;
    this.studyKey = study.studyKey;
    this.pointer = 0;
    this.gridIdOfTrial.clear();
  }
}

function checkGridValues(name: string, values: readonly CategoricalChoice[] | undefined): CategoricalChoice[] {
  if (!Array.isArray(values) || values.length === 0) {
    throw new InvalidArgumentError(`GridSampler: the values of '${name}' must be a non-empty array.`);
  }
  for (const v of values) {
    const ok = v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
    if (!ok) {
      throw new InvalidArgumentError(`GridSampler: value ${String(v)} of '${name}' is not a finite number, string, boolean or null.`);
    }
  }
  if (new Set(values.map((v) => `${typeof v}:${String(v)}`)).size !== values.length) {
    throw new InvalidArgumentError(`GridSampler: the values of '${name}' contain duplicates; list each value once.`);
  }
  return [...values];
}

function gridValueToInternal(name: string, value: CategoricalChoice, d: Distribution): number {
  if (d.kind === 'categorical') {
    if (!d.choices.some((c) => c === value)) {
      throw new InvalidArgumentError(
        `GridSampler: grid value ${JSON.stringify(value)} of '${name}' is not among the suggested choices ${JSON.stringify(d.choices)}.`,
      );
    }
    return toInternal(d, value);
  }
  if (typeof value !== 'number') {
    throw new InvalidArgumentError(
      `GridSampler: grid value ${JSON.stringify(value)} of '${name}' is not a number, but '${name}' is suggested as ${d.kind}. Make the grid and the suggest call agree.`,
    );
  }
  const inRange = value >= d.low && value <= d.high;
  const onStep =
    (d.step === null || Math.abs((value - d.low) / d.step - Math.round((value - d.low) / d.step)) < 1e-8) &&
    (d.kind !== 'int' || Number.isInteger(value));
  if (!inRange || !onStep) {
    // As Optuna: the grid's value is what the user asked to evaluate; it is used, with a warning.
    process.emitWarning(
      `GridSampler: grid value ${value} of '${name}' is outside the suggested ${d.kind} range [${d.low}, ${d.high}]` +
        `${d.step !== null && d.step !== 1 ? ` step ${d.step}` : ''}; it is used as given.`,
    );
  }
  return value;
}
