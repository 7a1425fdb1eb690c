import { showAsConstructed } from '../../constructedDisplay';
import { containsInternal, describeDistribution, isSingle, toInternal, type Distribution, type ParamValue } from '../../distributions';
import { InvalidArgumentError } from '../../errors';
import { TrialState, type FrozenTrial } from '../../frozenTrial';
import { constraintViolation, constraintsToRecord, trialConstraints, type ConstraintsFunc } from '../../multiobjective/constraints';
import { constrainedDominates, crowdingDistance, dominates, nonDominatedSort, toLoss } from '../../multiobjective/pareto';
import { checkSeed, Rng } from '../../rng';
import type { AlgorithmResult, AlgorithmWrites, StudyView } from '../../study/view';
import { FinishedTrialsRecord } from '../../study/unfinishedTrials';
import type { Sampler } from '../base';
import { fromTransformed, SpaceEncoding, toTransformed, type EncodedDim } from '../gp/encoding';
import { crossoverOf, type Crossover, type CrossoverContext, type CrossoverName } from './crossovers';
import { mutationOf, type Mutation } from './mutations';
import { sampleUniformInternal } from '../random';
import { IntersectionSearchSpace } from '../searchSpace';
import { hasKey, ownValue, setKey } from '../../dict';
import { intOr } from '../../validate';
import { checkOptionKeys, optionKeys, type EveryKey } from '../../options';

/**
 * Trial system attribute holding the generation a trial belongs to: Optuna 5.0 names it after the
 * sampler's class (`NSGAIISampler:generation`, `NSGAIIISampler:generation`).
 */
export const NSGA2_GENERATION_KEY = 'NSGAIISampler:generation';
/** The key tunelab wrote before it followed Optuna 5.0; still read, so an older study resumes its generations. */
const LEGACY_GENERATION_KEY = 'nsga2:generation';

export interface NSGAIISamplerOptions {
  seed?: number;
  /** Trials per generation (default 50). */
  populationSize?: number;
  /** Per-parameter probability of mutating the child's value (default 1/#params). */
  mutationProb?: number | null;
  /**
   * How a parameter chosen for mutation changes: 'uniform' (default, Optuna's `mutation=None`: drawn
   * afresh at random), 'polynomial' or `new PolynomialMutation({ eta })` (Optuna 5.0's
   * PolynomialMutation, Deb's NSGA-II code: a numeric value moved near its parent's), or a
   * `Mutation` of your own. A categorical parameter is always drawn afresh.
   */
  mutation?: 'uniform' | 'polynomial' | Mutation;
  /** The distribution index of `mutation: 'polynomial'` (default 20, as Optuna's): larger keeps values nearer. */
  mutationEta?: number;
  /**
   * How two or three parents make a child's numeric parameters, as Optuna 5.0's `crossover`: a
   * crossover object (`new BLXAlphaCrossover({ alpha: 0.3 })`; `UniformCrossover`, `SBXCrossover`,
   * `VSBXCrossover`, `SPXCrossover`, `UNDXCrossover`, or your own `Crossover`) or the name of one
   * with its defaults: 'uniform' (the default, with `swappingProb`), 'blxAlpha', 'sbx', 'vsbx',
   * 'spx', 'undx'. Categorical parameters always cross uniformly, between the first and the last
   * parent, with `swappingProb`. Each is compared in distribution with Optuna 5.0's
   * (test/multiobjective/nsgaCrossovers.test.ts).
   */
  crossover?: CrossoverName | Crossover;
  /** Probability that a child is bred by crossover rather than copied from a random parent (default 0.9). */
  crossoverProb?: number;
  /**
   * Uniform crossover, as Optuna's code reads it: the probability that a parameter keeps the first
   * parent's value rather than the second's (default 0.5, where the two readings agree). Used for
   * categorical parameters, and for numeric ones when `crossover` is 'uniform'.
   */
  swappingProb?: number;
  /** Constraint values per trial (<= 0 satisfied): selection uses Deb's constrained domination. */
  constraintsFunc?: ConstraintsFunc;
  /**
   * Chooses a generation's parents, as Optuna 5.0's `elite_population_selection_strategy`: given the
   * COMPLETE trials of the generation before and that generation's parents (in that order), returns
   * the next parents. Default: whole non-dominated fronts, then crowding distance (NSGA-II), or
   * reference points (NSGA-III). The choice is recorded in the study as the default's is.
   */
  elitePopulationSelectionStrategy?: ElitePopulationSelectionStrategy;
  /**
   * Breeds a child, as Optuna 5.0's `child_generation_strategy`: given the relative search space and
   * the generation's parents, returns the child's parameter values (as `trial.params` holds them:
   * a categorical's choice, not its index). A parameter it leaves out is drawn at random. Replaces
   * crossover and mutation, whose options are then refused.
   */
  childGenerationStrategy?: ChildGenerationStrategy;
  /**
   * Runs after each trial, as Optuna 5.0's `after_trial_strategy`, and returns what to record (the
   * attributes to write, as data), or nothing. Default: record `constraintsFunc`'s values.
   */
  afterTrialStrategy?: AfterTrialStrategy;
}

/** Optuna's `elite_population_selection_strategy`: the next parents out of `population`. */
export type ElitePopulationSelectionStrategy = (study: StudyView, population: readonly FrozenTrial[]) => readonly FrozenTrial[];
/** Optuna's `child_generation_strategy`: a child's parameter values (external, as `trial.params`) by name. */
export type ChildGenerationStrategy = (
  study: StudyView,
  searchSpace: Readonly<Record<string, Distribution>>,
  parentPopulation: readonly FrozenTrial[],
) => Readonly<Record<string, ParamValue>>;
/** Optuna's `after_trial_strategy`, returning its writes as data instead of making them. */
export type AfterTrialStrategy = (
  study: StudyView,
  trial: FrozenTrial,
  state: TrialState,
  values: readonly number[] | null,
) => AlgorithmResult | Promise<AlgorithmResult>;

/** Every option of NSGAIISampler (NSGAIIISampler adds its own to these). */
export const NSGAII_OPTION_FIELDS: EveryKey<NSGAIISamplerOptions> = {
  seed: true,
  populationSize: true,
  mutationProb: true,
  mutation: true,
  mutationEta: true,
  crossover: true,
  crossoverProb: true,
  swappingProb: true,
  constraintsFunc: true,
  elitePopulationSelectionStrategy: true,
  childGenerationStrategy: true,
  afterTrialStrategy: true,
};
const NSGAII_SAMPLER_OPTION_KEYS = optionKeys(NSGAII_OPTION_FIELDS);

/** A member of a selection: its trial, its non-dominated rank, and its crowding distance (0 where a selection has none). */
export interface Member {
  trial: FrozenTrial;
  rank: number;
  crowding: number;
}

/**
 * NSGA-II (Deb et al. 2002) for multi-objective studies. Trials are grouped into generations of
 * `populationSize` (generation number stored on each trial, so several processes share one run);
 * generation 0 is random. Each later generation's parents are the elite of the previous parents plus
 * the previous generation (non-dominated rank, then crowding distance, under constrained
 * domination), chosen when the generation starts and recorded in the study as Optuna 5.0 records
 * them, so tunelab's and Optuna's workers on one study breed from the same parents. Children are
 * bred as Optuna 5.0 breeds them: two parents by binary tournament on (constrained) domination,
 * crossover (else a copy of a random parent), and per-parameter mutation.
 */
export class NSGAIISampler implements Sampler {
  /** The name in errors, the option keys the constructor takes, and the generation key: a subclass's own. */
  protected static readonly samplerName: string = 'NSGAIISampler';
  protected static readonly optionKeys: readonly string[] = NSGAII_SAMPLER_OPTION_KEYS;
  protected static readonly generationKey: string = NSGA2_GENERATION_KEY;

  protected rng: Rng;
  protected readonly populationSize: number;
  private readonly generationKey: string;
  private readonly mutationProb: number | null;
  /** Null: a mutated parameter is drawn afresh. */
  private readonly mutation: Mutation | null;
  private readonly crossover: Crossover;
  private readonly crossoverProb: number;
  private readonly swappingProb: number;
  protected readonly constraintsFunc?: ConstraintsFunc;
  private readonly eliteStrategy?: ElitePopulationSelectionStrategy;
  private readonly childStrategy?: ChildGenerationStrategy;
  private readonly afterTrialStrategy?: AfterTrialStrategy;
  private readonly searchSpace = new IntersectionSearchSpace();
  private readonly generationOf = new Map<number, number>();
  /**
   * The study's finished trials as `beforeTrial` needs them, kept across trials: the latest
   * generation among them and each generation's COMPLETE trials. (A pass over every trial each
   * trial: the last 2,000 of 10,000 two-objective trials cost 0.34 ms a trial, now 0.06-0.09.)
   */
  private latestFinished = 0;
  private readonly completeIn = new Map<number, number>();
  private readonly generations = new FinishedTrialsRecord(
    (t) => {
      const g = this.generationOfTrial(t);
      if (g === undefined) return;
      this.latestFinished = Math.max(this.latestFinished, g);
      if (t.state === TrialState.COMPLETE) this.completeIn.set(g, (this.completeIn.get(g) ?? 0) + 1);
    },
    () => {
      this.latestFinished = 0;
      this.completeIn.clear();
    },
  );
  /**
   * Each generation's parents as the study records them, as Optuna 5.0 does: the study system
   * attribute `<sampler>:parent:<generation>` holds the parents' trial ids, chosen by the process
   * that starts the generation's first trial and read by every other (tunelab's or Optuna's), so all
   * breed from one population, fixed when the generation starts. `parentIds` holds what was read,
   * claimed, or (for a generation no process recorded, in a study begun before) chosen here;
   * `parentTrials` the parents themselves. Both are reset for another study.
   */
  private parentIds = new Map<number, readonly number[]>();
  private parentTrials = new Map<number, FrozenTrial[]>();
  /** Generations whose parents another process claimed first, not yet read. */
  private parentsToRead = new Set<number>();
  private cacheStudy: unknown = null;
  private readonly parentKeyPrefix: string;

  constructor(opts: NSGAIISamplerOptions = {}) {
    showAsConstructed(this, 'NSGAIISampler', [opts]);
    const kind = new.target as typeof NSGAIISampler;
    const name = kind.samplerName;
    checkOptionKeys(name, opts, kind.optionKeys);
    checkSeed(name, opts.seed);
    this.generationKey = kind.generationKey;
    this.parentKeyPrefix = `${name}:parent:`;
    this.rng = new Rng(opts.seed);
    this.populationSize = intOr(name, 'populationSize', opts.populationSize, 50, 2);
    this.mutationProb = opts.mutationProb ?? null;
    if (this.mutationProb !== null && !(this.mutationProb >= 0 && this.mutationProb <= 1)) {
      throw new InvalidArgumentError(`${name}: mutationProb must be in [0, 1], got ${opts.mutationProb}.`);
    }
    this.mutation = mutationOf(name, opts.mutation, opts.mutationEta);
    this.crossoverProb = opts.crossoverProb ?? 0.9;
    this.swappingProb = opts.swappingProb ?? 0.5;
    for (const [k, v] of [
      ['crossoverProb', this.crossoverProb],
      ['swappingProb', this.swappingProb],
    ] as const) {
      if (!(v >= 0 && v <= 1)) throw new InvalidArgumentError(`${name}: ${k} must be in [0, 1], got ${v}.`);
    }
    this.crossover = crossoverOf(name, opts.crossover, this.swappingProb);
    if (this.populationSize < this.crossover.nParents) {
      throw new InvalidArgumentError(
        `${name}: populationSize ${this.populationSize} is too small for ${this.crossover.name ?? 'the crossover'}, which takes ${this.crossover.nParents} parents; give a populationSize of at least ${this.crossover.nParents}.`,
      );
    }
    this.constraintsFunc = opts.constraintsFunc;
    this.eliteStrategy = strategyOption(name, 'elitePopulationSelectionStrategy', opts.elitePopulationSelectionStrategy);
    this.childStrategy = strategyOption(name, 'childGenerationStrategy', opts.childGenerationStrategy);
    this.afterTrialStrategy = strategyOption(name, 'afterTrialStrategy', opts.afterTrialStrategy);
    // Optuna takes these beside a strategy that replaces what reads them, and ignores them in
    // silence; a user who gives both expects both to act, so say which one does.
    const unused = (
      [
        [
          this.childStrategy,
          ['mutationProb', 'mutation', 'mutationEta', 'crossover', 'crossoverProb', 'swappingProb'],
          'childGenerationStrategy',
        ],
        [this.afterTrialStrategy, ['constraintsFunc'], 'afterTrialStrategy'],
      ] as const
    ).flatMap(([strategy, keys, strategyName]) =>
      strategy === undefined ? [] : keys.filter((k) => opts[k] !== undefined).map((k) => `${k} (replaced by ${strategyName})`),
    );
    if (unused.length > 0) {
      throw new InvalidArgumentError(
        `${name}: ${unused.join(', ')} would have no effect; leave ${unused.length > 1 ? 'them' : 'it'} out, or do ${unused.length > 1 ? 'their' : 'its'} work in the strategy (constraints can be recorded by the objective, with \`trial.setConstraint(key, value)\`).`,
      );
    }
  }

  reseedRng(seed?: number): void {
    checkSeed(`${(this.constructor as typeof NSGAIISampler).samplerName}.reseedRng`, seed);
    this.rng = new Rng(seed);
  }

  /** The generation stored on a trial (under the legacy key for a study tunelab began before). */
  private generationOfTrial(t: FrozenTrial): number | undefined {
    const g = t.systemAttrs[this.generationKey] ?? t.systemAttrs[LEGACY_GENERATION_KEY];
    return typeof g === 'number' ? g : undefined;
  }

  /**
   * Assign the new trial to a generation and store it on the trial (visible to other processes); at
   * a generation's first trial in this process, read or record the generation's parents.
   */
  beforeTrial(study: StudyView, trial: FrozenTrial): AlgorithmResult | Promise<AlgorithmResult> {
    const trials = this.generations.update(study);
    // The latest generation of any trial (the unfinished ones' read again: the new trial has none yet).
    let generation = this.latestFinished;
    for (const t of this.generations.unfinishedOf(trials)) {
      const g = this.generationOfTrial(t);
      if (g !== undefined) generation = Math.max(generation, g);
    }
    if ((this.completeIn.get(generation) ?? 0) >= this.populationSize) generation++;
    this.generationOf.set(trial.trialId, generation);
    const writes: AlgorithmWrites = { trialSystemAttrs: { [this.generationKey]: generation } };
    this.useStudy(study);
    if (generation === 0 || (this.parentIds.has(generation) && !this.parentsToRead.has(generation))) return writes;
    return this.recordParents(study, generation, writes);
  }

  /**
   * The parents of `generation`, which this process has not seen yet: the list another process
   * recorded, else the parents chosen now from the stored trials, claimed for the study (set only if
   * absent, atomically). Should another process claim it first, this trial breeds from the parents
   * chosen here, and the next trial reads the recorded list.
   */
  private async recordParents(study: StudyView, generation: number, writes: AlgorithmWrites): Promise<AlgorithmWrites> {
    const recorded = this.readRecordedParents(await study.getSystemAttrs());
    if (recorded.has(generation)) {
      this.parentsToRead.delete(generation);
      return writes;
    }
    if (this.parentsToRead.has(generation)) return writes; // not visible yet: read again at the next trial
    const ids = this.chooseParents(study, generation).map((t) => t.trialId);
    this.parentIds.set(generation, ids);
    this.parentTrials.delete(generation);
    const onClaimed = (key: string | null): void => {
      if (key === null) this.parentsToRead.add(generation);
    };
    return { ...writes, claim: { keys: [this.parentKey(generation)], value: ids, onClaimed } };
  }

  private parentKey(generation: number): string {
    return `${this.parentKeyPrefix}${generation}`;
  }

  /**
   * Take every generation's recorded parents from the study's attributes (a malformed value is left
   * out); returns the generations recorded.
   */
  private readRecordedParents(attrs: Readonly<Record<string, unknown>>): Set<number> {
    const recorded = new Set<number>();
    for (const [key, value] of Object.entries(attrs)) {
      if (!key.startsWith(this.parentKeyPrefix)) continue;
      const generation = Number(key.slice(this.parentKeyPrefix.length));
      if (!Number.isInteger(generation) || generation < 1) continue;
      if (!Array.isArray(value) || !value.every((id) => Number.isInteger(id))) continue;
      recorded.add(generation);
      const known = this.parentIds.get(generation);
      if (known && known.length === value.length && known.every((id, i) => id === value[i])) continue;
      this.parentIds.set(generation, value as number[]);
      this.parentTrials.delete(generation);
    }
    return recorded;
  }

  private useStudy(study: StudyView): void {
    if (this.cacheStudy === study) return;
    this.cacheStudy = study;
    this.parentIds = new Map();
    this.parentTrials = new Map();
    this.parentsToRead = new Set();
  }

  inferRelativeSearchSpace(study: StudyView): Record<string, Distribution> {
    const out: Record<string, Distribution> = {};
    for (const [name, d] of Object.entries(this.searchSpace.calculate(study))) if (!isSingle(d)) setKey(out, name, d);
    return out;
  }

  sampleRelative(study: StudyView, trial: FrozenTrial, space: Record<string, Distribution>): Record<string, number> {
    const generation = this.generationOf.get(trial.trialId) ?? 0;
    this.generationOf.delete(trial.trialId);
    const names = Object.keys(space);
    if (generation === 0 || names.length === 0) return {};
    if (this.childStrategy) return this.customChild(study, space, this.parentsOf(study, generation));
    const parents = this.parentsOf(study, generation).filter((t) => names.every((name) => hasKey(t.internalParams, name)));
    if (parents.length === 0) return {};
    const enc = new SpaceEncoding(space);
    let values: Record<string, number> | null = null;
    if (this.rng.random() < this.crossoverProb && parents.length >= this.crossover.nParents) values = this.crossed(study, parents, enc);
    // As Optuna: without crossover the child is a copy of a parent drawn at random.
    values ??= this.copied(parents[this.rng.int(0, parents.length - 1)], enc);
    // Mutation: a mutation object moves a numeric value; a dropped parameter is drawn at random by
    // sampleIndependent.
    const pm = this.mutationProb ?? 1 / Math.max(1, enc.size);
    const multiObjective = study.directions.length > 1;
    for (const dim of enc.dims) {
      if (this.rng.random() >= pm) continue;
      if (this.mutation !== null && dim.kind !== 'categorical')
        setKey(values, dim.name, this.mutated(dim, values[dim.name], multiObjective));
      else delete values[dim.name];
    }
    return values;
  }

  /**
   * The child `childGenerationStrategy` breeds, checked and mapped to internal values: a name outside
   * the space, or a value its distribution does not hold, is an error that names it.
   */
  private customChild(study: StudyView, space: Record<string, Distribution>, parents: readonly FrozenTrial[]): Record<string, number> {
    if (parents.length === 0) return {};
    const child = settledResult('childGenerationStrategy', this.childStrategy!(study, space, parents));
    if (child === null || typeof child !== 'object' || Array.isArray(child)) {
      throw new InvalidArgumentError(
        `childGenerationStrategy returned ${Array.isArray(child) ? 'an array' : String(child)}; it must return the child's parameter values by name, e.g. { x: 0.5, optimizer: 'adam' }.`,
      );
    }
    const out: Record<string, number> = {};
    for (const [name, value] of Object.entries(child)) {
      const distribution = ownValue(space, name);
      if (distribution === undefined) {
        throw new InvalidArgumentError(
          `childGenerationStrategy returned a value for '${name}', which is not in the search space it was given (${Object.keys(space).join(', ')}); return values for those parameters only.`,
        );
      }
      let internal: number;
      try {
        internal = toInternal(distribution, value);
      } catch {
        internal = NaN;
      }
      if (!containsInternal(distribution, internal)) {
        throw new InvalidArgumentError(
          `childGenerationStrategy returned ${JSON.stringify(value)} for '${name}', which its distribution does not hold (${describeDistribution(distribution)}).`,
        );
      }
      setKey(out, name, internal);
    }
    return out;
  }

  /** A value moved by the mutation in the transformed space, clipped to its bounds and mapped back, as Optuna's `perform_mutation`. */
  private mutated(dim: EncodedDim, value: number, multiObjective: boolean): number {
    const mutation = this.mutation!;
    const moved = mutation.mutation(toTransformed(dim, value), { bounds: [dim.lo, dim.hi], rng: this.rng, multiObjective });
    if (typeof moved !== 'number' || Number.isNaN(moved)) {
      throw new InvalidArgumentError(
        `${mutation.name ?? 'mutation'}.mutation returned ${String(moved)} for ${dim.name}; it must return a number.`,
      );
    }
    return untransformed(dim, Math.min(dim.hi, Math.max(dim.lo, moved)));
  }

  /**
   * A child bred by crossover, as Optuna 5.0's `perform_crossover` breeds it: the crossover's parents
   * by tournament, each from those not chosen yet; categorical parameters uniformly between the first
   * parent and the last; numeric ones by the crossover in Optuna's transformed space, then mapped back
   * onto their distributions. A child below a linear float's range is drawn again, parents and all,
   * as Optuna draws again a child its distribution does not contain; null after
   * MAX_CROSSOVER_DRAWS such draws (the sampler then copies a parent, where Optuna would draw on).
   */
  private crossed(study: StudyView, parents: readonly FrozenTrial[], enc: SpaceEncoding): Record<string, number> | null {
    const beats = dominance(study, parents);
    const numeric = enc.dims.filter((dim) => dim.kind !== 'categorical');
    const context: CrossoverContext = {
      bounds: numeric.map((dim) => [dim.lo, dim.hi] as const),
      rng: this.rng,
      multiObjective: study.directions.length > 1,
    };
    const n = this.crossover.nParents;
    for (let draw = 0; draw < MAX_CROSSOVER_DRAWS; draw++) {
      const chosen: FrozenTrial[] = [];
      for (let k = 0; k < n; k++) chosen.push(this.tournament(k === 0 ? parents : parents.filter((t) => !chosen.includes(t)), beats));
      const values: Record<string, number> = {};
      const [first, last] = [chosen[0].internalParams, chosen[n - 1].internalParams];
      for (const dim of enc.dims) {
        if (dim.kind === 'categorical') setKey(values, dim.name, (this.rng.random() >= this.swappingProb ? last : first)[dim.name]);
      }
      if (numeric.length > 0) {
        const rows = chosen.map((t) => Float64Array.from(numeric, (dim) => toTransformed(dim, t.internalParams[dim.name])));
        const child = this.crossover.crossover(rows, context);
        if (!(child instanceof Float64Array || Array.isArray(child)) || child.length !== numeric.length) {
          throw new InvalidArgumentError(
            `${this.crossover.name ?? 'crossover'}.crossover returned ${child === null || child === undefined ? String(child) : `${(child as { length?: unknown }).length} values`}; it must return one value per numeric parameter (${numeric.length}), as a Float64Array.`,
          );
        }
        let contained = true;
        numeric.forEach((dim, d) => {
          const v = untransformed(dim, child[d]);
          if (Number.isNaN(v)) contained = false;
          else setKey(values, dim.name, v);
        });
        if (!contained) continue;
      }
      return values;
    }
    return null;
  }

  /** A parent's values of the space's parameters. */
  private copied(parent: FrozenTrial, enc: SpaceEncoding): Record<string, number> {
    const values: Record<string, number> = {};
    for (const dim of enc.dims) setKey(values, dim.name, parent.internalParams[dim.name]);
    return values;
  }

  sampleIndependent(_study: StudyView, _trial: FrozenTrial, _name: string, distribution: Distribution): number {
    return sampleUniformInternal(this.rng, distribution);
  }

  afterTrial(
    study: StudyView,
    trial: FrozenTrial,
    state: TrialState,
    values: readonly number[] | null,
  ): AlgorithmResult | Promise<AlgorithmResult> {
    if (this.afterTrialStrategy) return this.afterTrialStrategy(study, trial, state, values);
    if (this.constraintsFunc) return constraintsToRecord(trial, state, values, this.constraintsFunc);
  }

  /** Optuna 5.0's binary tournament: two parents drawn at random; the first wins if it dominates the second. */
  private tournament(population: readonly FrozenTrial[], beats: (x: FrozenTrial, y: FrozenTrial) => boolean): FrozenTrial {
    const a = population[this.rng.int(0, population.length - 1)];
    const b = population[this.rng.int(0, population.length - 1)];
    return beats(a, b) ? a : b;
  }

  /**
   * Parents of `generation`: the recorded ones (by trial id), else, for a generation no process
   * recorded, those `chooseParents` gives, kept once the generation before it has no running trials
   * (its population can no longer change).
   */
  private parentsOf(study: StudyView, generation: number): FrozenTrial[] {
    this.useStudy(study);
    if (generation === 0) return [];
    const memo = this.parentTrials.get(generation);
    if (memo) return memo;
    const ids = this.parentIds.get(generation);
    if (ids === undefined) {
      const chosen = this.chooseParents(study, generation);
      const settled = !study.trials.some((t) => t.state === TrialState.RUNNING && this.generationOfTrial(t) === generation - 1);
      if (settled) {
        const chosenIds = chosen.map((t) => t.trialId);
        this.parentIds.set(generation, chosenIds);
      }
      return chosen;
    }
    const wanted = new Set(ids);
    const found = study.trials.filter((t) => wanted.has(t.trialId) && t.state === TrialState.COMPLETE && t.values);
    // (A listed trial this process cannot see, or one that is not COMPLETE, is left out; the list is
    // read again rather than kept then.)
    if (found.length === wanted.size) this.parentTrials.set(generation, found);
    return found;
  }

  /** The elite of (parents of generation-1) + (COMPLETE trials of generation-1), from the stored trials. */
  private chooseParents(study: StudyView, generation: number): FrozenTrial[] {
    const previous = this.parentsOf(study, generation - 1);
    const bred = study.trials.filter((t) => t.state === TrialState.COMPLETE && t.values && this.generationOfTrial(t) === generation - 1);
    if (this.eliteStrategy) return this.customElite(study, [...bred, ...previous]);
    return this.selectElite(study, [...previous, ...bred]).map((m) => m.trial);
  }

  /**
   * The parents `elitePopulationSelectionStrategy` chooses from `population` (as Optuna passes it:
   * the generation's trials, then its parents), each checked to be a COMPLETE trial of the study,
   * since breeding reads their values and the study records them by trial id.
   */
  private customElite(study: StudyView, population: FrozenTrial[]): FrozenTrial[] {
    const chosen = settledResult('elitePopulationSelectionStrategy', this.eliteStrategy!(study, population));
    if (!Array.isArray(chosen)) {
      throw new InvalidArgumentError(
        `elitePopulationSelectionStrategy returned ${String(chosen)}; it must return a list of the trials it chose as parents.`,
      );
    }
    const byId = new Map(study.trials.map((t) => [t.trialId, t]));
    return chosen.map((t: unknown, i) => {
      const id = t !== null && typeof t === 'object' ? (t as { trialId?: unknown }).trialId : undefined;
      const trial = typeof id === 'number' ? byId.get(id) : undefined;
      if (trial === undefined || trial.state !== TrialState.COMPLETE || !trial.values) {
        throw new InvalidArgumentError(
          `elitePopulationSelectionStrategy returned, at index ${i}, ${trial ? `trial ${trial.number}, which is ${TrialState[trial.state]}` : 'something that is not a trial of this study'}; parents must be COMPLETE trials of the study (those in the population it is given).`,
        );
      }
      return trial;
    });
  }

  /** The next parents from `pool`: whole fronts while they fit, then the most spread of the next by crowding distance. */
  protected selectElite(study: StudyView, pool: FrozenTrial[]): Member[] {
    const { unique, losses, fronts } = this.rankPool(study, pool);
    const out: Member[] = [];
    for (let r = 0; r < fronts.length && out.length < this.populationSize; r++) {
      const front = fronts[r];
      const crowd = crowdingDistance(losses, front);
      const members = front.map((i, k) => ({ trial: unique[i], rank: r, crowding: crowd[k] }));
      if (out.length + members.length <= this.populationSize) {
        out.push(...members);
      } else {
        members.sort((x, y) => y.crowding - x.crowding || x.trial.number - y.trial.number);
        out.push(...members.slice(0, this.populationSize - out.length));
      }
    }
    return out;
  }

  /**
   * The pool's distinct trials by number, their losses, and their non-dominated fronts: under
   * constrained domination when any of them has constraints recorded (a constraintsFunc's, or
   * `trial.setConstraint`'s), as Optuna 5.0's `_is_constrained_optimization` decides.
   */
  protected rankPool(study: StudyView, pool: FrozenTrial[]): { unique: FrozenTrial[]; losses: number[][]; fronts: number[][] } {
    // A trial can be in both the previous parents and its generation only by accident; dedupe.
    const unique = [...new Map(pool.map((t) => [t.number, t])).values()].sort((a, b) => a.number - b.number);
    const losses = unique.map((t) => toLoss(t.values!, study.directions));
    const constrained = this.constraintsFunc !== undefined || unique.some((t) => trialConstraints(t) !== null);
    const violations = constrained ? unique.map(constraintViolation) : undefined;
    return { unique, losses, fronts: nonDominatedSort(losses, violations) };
  }
}

/**
 * Who wins a tournament, as Optuna 5.0 decides it: Pareto domination of the values, or, when any
 * parent has constraints recorded, constrained domination (pareto.ts's `constrainedDominates`).
 */
function dominance(study: StudyView, parents: readonly FrozenTrial[]): (x: FrozenTrial, y: FrozenTrial) => boolean {
  const directions = study.directions;
  if (!parents.some((t) => trialConstraints(t) !== null)) return (x, y) => dominates(x.values!, y.values!, directions);
  return (x, y) =>
    constrainedDominates(toLoss(x.values!, directions), constraintViolation(x), toLoss(y.values!, directions), constraintViolation(y));
}

/** A strategy option, checked to be a function. */
function strategyOption<F>(samplerName: string, key: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new InvalidArgumentError(`${samplerName}: ${key} must be a function, got ${typeof value}.`);
  }
  return value;
}

/** A synchronous strategy's result; a promise (an async function) is refused, since breeding runs within a suggest call. */
function settledResult<T>(key: string, result: T): T {
  if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
    throw new InvalidArgumentError(`${key} returned a promise; it must return its result directly (not be an async function).`);
  }
  return result;
}

/** Draws of a crossover's child before the sampler gives up and copies a parent (Optuna draws on for ever). */
const MAX_CROSSOVER_DRAWS = 100;

/**
 * A crossover's value back on the parameter's distribution, as Optuna 5.0's `untransform` maps it:
 * a discrete one rounded onto its grid and clamped to its range, a log-scale float clamped, a linear
 * float clamped above only (to one ulp below `high` in Optuna, to `high` here); NaN where Optuna's
 * distribution would not contain the value (a linear float below `low`, or NaN), so the child is
 * drawn again.
 */
function untransformed(dim: EncodedDim, t: number): number {
  if (Number.isNaN(t)) return NaN;
  if (dim.kind === 'continuous' && !dim.log) {
    const d = dim.distribution as { low: number; high: number };
    return t >= d.low ? Math.min(t, d.high) : NaN;
  }
  return fromTransformed(dim, t);
}
