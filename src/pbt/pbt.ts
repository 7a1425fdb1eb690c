import type { CategoricalChoice, ParamValue } from '../distributions';
import { InvalidArgumentError } from '../errors';
import { Rng } from '../rng';
import { StepInterrupts } from '../stepInterrupts';
import { intOr, requireInt } from '../validate';

/**
 * Population-based training (Jaderberg et al. 2017): a population of models trains concurrently;
 * after every round the worst members copy the weights and hyperparameters of the best (exploit)
 * and perturb those hyperparameters (explore). The result is a hyperparameter *schedule* per member
 * (e.g. a learning rate that decays when it pays off), recorded round by round with its lineage.
 *
 * PBT works on any object implementing `PbtMember`, so it needs no particular model library; see
 * `tfjsMember` for a tfjs LayersModel.
 */

export type HyperparameterSpec =
  | { type: 'float'; low: number; high: number; log?: boolean }
  | { type: 'int'; low: number; high: number; log?: boolean }
  | { type: 'categorical'; choices: readonly CategoricalChoice[] };

export type Hyperparameters = Record<string, ParamValue>;

export interface PbtMember<W = unknown> {
  /** Train for `steps` steps (epochs, batches: the caller's unit) with these hyperparameters. */
  train(steps: number, hyperparameters: Hyperparameters): void | Promise<void>;
  /** Score on held-out data (see `direction`). */
  evaluate(): number | Promise<number>;
  /** A copy of the weights (the member keeps training its own). */
  getWeights(): W | Promise<W>;
  /** Replace the weights by a copy taken from another member. */
  setWeights(weights: W): void | Promise<void>;
  /** Release resources (tensors) when PBT is done or the weights snapshot is dropped. */
  dispose?(): void;
  /** Release a weights snapshot returned by getWeights (tensors). */
  disposeWeights?(weights: W): void;
}

export interface PbtOptions<W> {
  /** Build member `index` with its initial hyperparameters. */
  createMember(hyperparameters: Hyperparameters, index: number): PbtMember<W> | Promise<PbtMember<W>>;
  hyperparameters: Record<string, HyperparameterSpec>;
  populationSize?: number;
  rounds: number;
  /** Training steps per round (default 1). */
  stepsPerRound?: number;
  /** Whether higher scores are better (default 'maximize', e.g. accuracy). */
  direction?: 'maximize' | 'minimize';
  seed?: number;
  /** Fraction replaced / copied from at each round: bottom and top quantile (default 0.2). */
  exploitFraction?: number;
  /** Multipliers used to perturb numeric hyperparameters (default [0.8, 1.2]). */
  perturbFactors?: readonly number[];
  /** Probability of resampling a hyperparameter from its prior instead of perturbing (default 0.25). */
  resampleProbability?: number;
  /** Called after each round with that round's records (progress display, logging). */
  onRound?(round: number, records: PbtRecord[]): void | Promise<void>;
  /**
   * Stops between rounds once it aborts (as optimize's `signal`; the tunelab kernel's interrupt does
   * the same): the round under way finishes, no other starts, the members are disposed, and pbt
   * throws OptimizeInterruptedError whose `cause` is the signal's reason. The finished rounds'
   * records went to onRound. Already aborted: no member is created.
   */
  signal?: AbortSignal;
}

/** One member in one round: the hyperparameters it trained with, its score, and what happened next. */
export interface PbtRecord {
  member: number;
  round: number;
  hyperparameters: Hyperparameters;
  score: number;
  /** Member whose weights and hyperparameters this member copied after this round (exploit), or null. */
  copiedFrom: number | null;
}

export interface PbtResult {
  /** records[member][round] */
  records: PbtRecord[][];
  /** The best final member and its score. */
  best: { member: number; score: number; hyperparameters: Hyperparameters };
  /**
   * The schedule that produced the best final member, followed back through its lineage: for each
   * round, the hyperparameters the weights it ended with were trained under, and which member did it.
   */
  bestSchedule: Array<{ round: number; member: number; hyperparameters: Hyperparameters; score: number }>;
  direction: 'maximize' | 'minimize';
}

function checkSpec(name: string, s: HyperparameterSpec): void {
  if (s.type === 'categorical') {
    if (!Array.isArray(s.choices) || s.choices.length === 0) {
      throw new InvalidArgumentError(`pbt: hyperparameter '${name}' needs a non-empty choices array.`);
    }
    return;
  }
  if (!(Number.isFinite(s.low) && Number.isFinite(s.high) && s.low <= s.high)) {
    throw new InvalidArgumentError(`pbt: hyperparameter '${name}' needs finite low <= high, got [${s.low}, ${s.high}].`);
  }
  if (s.log && s.low <= 0) throw new InvalidArgumentError(`pbt: log hyperparameter '${name}' needs low > 0.`);
}

export function sampleHyperparameter(rng: Rng, s: HyperparameterSpec): ParamValue {
  if (s.type === 'categorical') return rng.choice(s.choices);
  const v = s.log ? Math.exp(rng.uniform(Math.log(s.low), Math.log(s.high))) : rng.uniform(s.low, s.high);
  return s.type === 'int' ? Math.min(s.high, Math.max(s.low, Math.round(v))) : Math.min(s.high, v);
}

/** Explore: resample with some probability, else scale numeric values by a random factor (clipped). */
export function perturbHyperparameters(
  rng: Rng,
  hp: Hyperparameters,
  specs: Record<string, HyperparameterSpec>,
  factors: readonly number[],
  resampleProbability: number,
): Hyperparameters {
  const out: Hyperparameters = {};
  for (const [name, s] of Object.entries(specs)) {
    const cur = hp[name];
    if (rng.random() < resampleProbability) {
      out[name] = sampleHyperparameter(rng, s);
    } else if (s.type === 'categorical') {
      out[name] = cur;
    } else {
      let v = (cur as number) * rng.choice(factors);
      v = Math.min(s.high, Math.max(s.low, v));
      out[name] = s.type === 'int' ? Math.round(v) : v;
    }
  }
  return out;
}

export async function pbt<W>(opts: PbtOptions<W>): Promise<PbtResult> {
  const size = intOr('pbt', 'populationSize', opts.populationSize, 10, 2);
  requireInt('pbt', 'rounds', opts.rounds, 1);
  const steps = opts.stepsPerRound ?? 1;
  const direction = opts.direction ?? 'maximize';
  if (direction !== 'maximize' && direction !== 'minimize') {
    throw new InvalidArgumentError(`pbt: direction must be 'maximize' or 'minimize', got '${String(direction)}'.`);
  }
  const fraction = opts.exploitFraction ?? 0.2;
  if (!(fraction > 0 && fraction <= 0.5)) throw new InvalidArgumentError(`pbt: exploitFraction must be in (0, 0.5], got ${fraction}.`);
  const factors = opts.perturbFactors ?? [0.8, 1.2];
  const resampleP = opts.resampleProbability ?? 0.25;
  for (const [name, s] of Object.entries(opts.hyperparameters)) checkSpec(name, s);
  const interrupts = new StepInterrupts('pbt', opts.signal, {
    unit: 'round(s)',
    total: opts.rounds,
    kept: 'their records went to onRound',
  });
  interrupts.check(0);
  const rng = new Rng(opts.seed);

  const hps: Hyperparameters[] = [];
  for (let i = 0; i < size; i++) {
    const hp: Hyperparameters = {};
    for (const [name, s] of Object.entries(opts.hyperparameters)) hp[name] = sampleHyperparameter(rng, s);
    hps.push(hp);
  }
  const members = await Promise.all(hps.map((hp, i) => opts.createMember(hp, i)));
  const records: PbtRecord[][] = members.map(() => []);
  const better = (a: number, b: number) => (direction === 'maximize' ? a > b : a < b);
  // Truncation selection: bottom and top quantiles, at least one member each.
  const k = Math.max(1, Math.floor(size * fraction));
  try {
    for (let round = 0; round < opts.rounds; round++) {
      interrupts.check(round);
      // Members train concurrently: async members (tfjs fit) interleave on the event loop.
      await Promise.all(members.map((m, i) => m.train(steps, { ...hps[i] })));
      const scores = await Promise.all(members.map((m) => m.evaluate()));
      const roundRecords = members.map((_, i) => {
        const s = Number.isFinite(scores[i]) ? scores[i] : direction === 'maximize' ? -Infinity : Infinity;
        const rec: PbtRecord = { member: i, round, hyperparameters: { ...hps[i] }, score: s, copiedFrom: null };
        records[i].push(rec);
        return rec;
      });
      if (round < opts.rounds - 1) {
        const order = [...Array(size).keys()].sort((a, b) =>
          better(roundRecords[a].score, roundRecords[b].score) ? -1 : better(roundRecords[b].score, roundRecords[a].score) ? 1 : a - b,
        );
        const top = order.slice(0, k);
        const bottom = order.slice(size - k);
        // Snapshot donors first so a member copied from is not itself overwritten mid-exploit.
        const snapshots = new Map<number, W>();
        const donors = bottom.map(() => rng.choice(top));
        for (const d of new Set(donors)) snapshots.set(d, await members[d].getWeights());
        for (let j = 0; j < bottom.length; j++) {
          const loser = bottom[j];
          const donor = donors[j];
          await members[loser].setWeights(snapshots.get(donor)!);
          hps[loser] = perturbHyperparameters(rng, hps[donor], opts.hyperparameters, factors, resampleP);
          roundRecords[loser].copiedFrom = donor;
        }
        for (const [d, w] of snapshots) members[d].disposeWeights?.(w);
      }
      await opts.onRound?.(round, roundRecords);
    }
  } finally {
    for (const m of members) m.dispose?.();
  }
  const last = opts.rounds - 1;
  let bestMember = 0;
  for (let i = 1; i < size; i++) if (better(records[i][last].score, records[bestMember][last].score)) bestMember = i;
  // Follow the lineage backwards: in round r the weights of `cur` came from records[cur][r]; if cur
  // copied another member after round r-1, the earlier rounds belong to that donor.
  const bestSchedule: PbtResult['bestSchedule'] = [];
  let cur = bestMember;
  for (let r = last; r >= 0; r--) {
    const rec = records[cur][r];
    bestSchedule.unshift({ round: r, member: cur, hyperparameters: rec.hyperparameters, score: rec.score });
    if (r > 0 && records[cur][r - 1].copiedFrom !== null) cur = records[cur][r - 1].copiedFrom!;
  }
  return {
    records,
    best: { member: bestMember, score: records[bestMember][last].score, hyperparameters: records[bestMember][last].hyperparameters },
    bestSchedule,
    direction,
  };
}
