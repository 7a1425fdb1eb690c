/**
 * A discrete parameter's kernel terms, shared by the estimators built from scratch
 * (`ParzenEstimator`) and those kept across trials (`MixedKernelSum`, `IncrementalAboveDensity`), so
 * that each forms them by one expression: a kernel's term at value x is the log normal mass of x's
 * cell under the kernel less its truncation mass (jointly), or that mass over the truncation mass
 * (`cellMass`, one parameter on its own).
 */
import type { NumericModel } from './parzenEstimator';
import * as truncnorm from './truncnorm';

// A local binding (see parzenEstimator.ts: some CommonJS loaders turn each read through the module
// object into a getter call).
const logGaussMass = truncnorm.logGaussMass;
const logNormalMass = truncnorm.logNormalMass;

/** Terms a discrete parameter keeps (values times pairs); past this its values start afresh. */
const MAX_CACHED_TERMS = 1 << 22;

/** The cell [x - q/2, x + q/2] of discrete value x in the modelling space (log for a log int). */
export function cellLow(m: NumericModel, x: number, q: number): number {
  return m.log ? Math.log(x - 0.5 * q) : x - 0.5 * q;
}
export function cellHigh(m: NumericModel, x: number, q: number): number {
  return m.log ? Math.log(x + 0.5 * q) : x + 0.5 * q;
}

/**
 * A kernel's (mean mu, bandwidth sigma, log truncation mass logZ) mass of the cell [lo, hi] over its
 * truncation mass, as the one-parameter estimators form it: 0 for a cell more than 10 bandwidths away.
 */
export function cellMass(lo: number, hi: number, mu: number, sigma: number, logZ: number): number {
  const inv = 1 / sigma;
  const a = (lo - mu) * inv;
  const b = (hi - mu) * inv;
  return a > 10 || b < -10 ? 0 : Math.exp(logGaussMass(a, b) - logZ);
}

/**
 * Distinct kernels of a discrete parameter, numbered in the order they are first met: by mean and
 * bandwidth (the truncation mass follows from them), each kept with its truncation mass.
 */
class KernelNumbers {
  private readonly ids = new Map<number, Map<number, number>>();
  mus: number[] = [];
  sigmas: number[] = [];
  logZs: number[] = [];

  /** Kernels numbered (forgotten ones included). */
  get count(): number {
    return this.mus.length;
  }

  /** The number of the kernel (mu, sigma) with log truncation mass logZ: the next one if it has none. */
  numberOf(mu: number, sigma: number, logZ: number): number {
    let bySigma = this.ids.get(mu);
    if (!bySigma) this.ids.set(mu, (bySigma = new Map()));
    let id = bySigma.get(sigma);
    if (id === undefined) {
      id = this.mus.length;
      bySigma.set(sigma, id);
      this.mus.push(mu);
      this.sigmas.push(sigma);
      this.logZs.push(logZ);
    }
    return id;
  }

  /** Kernel `id` is forgotten: met again, it gets a new number. */
  forget(id: number): void {
    this.ids.get(this.mus[id])!.delete(this.sigmas[id]);
  }

  clear(): void {
    this.ids.clear();
    this.mus = [];
    this.sigmas = [];
    this.logZs = [];
  }
}

/**
 * A discrete parameter's kernels by distinct (mean, bandwidth) pair, and each pair's term per value.
 * Integer observations share few means and most kernels have the clip's floor as bandwidth (975
 * kernels made 261 pairs in a 1,000-trial mixed space), and a pair's term for a value never changes:
 * it is computed the first time a candidate takes that value.
 *
 * Pairs are numbered in the order they are made. A pair no kernel holds any more is forgotten (a
 * kernel back at the same mean and bandwidth makes a new one), so a value's terms are brought up to
 * date by computing those of the pairs made since its last use that kernels still hold. Until 98
 * observations the clip's floor moves every trial, and with it most pairs: the pairs of earlier
 * trials are never computed.
 */
export class PairTerms {
  /** Per slot, its kernel's pair (-1: none). */
  pairOf = new Int32Array(0);
  private readonly pairs = new KernelNumbers();
  /** Per pair, how many slots hold it. */
  private holders = new Int32Array(64);
  /** Per value, each pair's term (for the held pairs among the first `computed`). */
  private readonly byValue = new Map<number, { terms: Float64Array; computed: number }>();

  constructor(
    private readonly model: NumericModel,
    private readonly q: number,
  ) {}

  /** Slot i's kernel is now (mu, sigma) with log truncation mass logZ. */
  assign(i: number, mu: number, sigma: number, logZ: number): void {
    const previous = this.pairOf[i];
    if (previous >= 0 && --this.holders[previous] === 0) this.pairs.forget(previous);
    const id = this.pairs.numberOf(mu, sigma, logZ);
    if (id === this.holders.length) {
      const holders = new Int32Array(2 * id);
      holders.set(this.holders);
      this.holders = holders;
    }
    this.holders[id]++;
    this.pairOf[i] = id;
  }

  /** Pairs made (those no kernel holds any more included). */
  get pairCount(): number {
    return this.pairs.count;
  }

  /** Forget every pair (every slot is then assigned anew). */
  clear(): void {
    this.pairs.clear();
    this.holders.fill(0);
    this.pairOf.fill(-1);
    this.byValue.clear();
  }

  /** Grow the per-slot array to `cap` slots. */
  grow(cap: number): void {
    const pairOf = new Int32Array(cap).fill(-1);
    pairOf.set(this.pairOf);
    this.pairOf = pairOf;
  }

  /** Each held pair's term at value x: the log mass of its cell less the pair's truncation mass. */
  at(x: number): Float64Array {
    const pairs = this.pairs.count;
    let entry = this.byValue.get(x);
    if (!entry) {
      // Bounded memory: past about 32 MB of terms, the values start afresh.
      if ((this.byValue.size + 1) * pairs > MAX_CACHED_TERMS) this.byValue.clear();
      entry = { terms: new Float64Array(Math.max(pairs, 64)), computed: 0 };
      this.byValue.set(x, entry);
    }
    if (entry.computed < pairs) {
      if (entry.terms.length < pairs) {
        const terms = new Float64Array(Math.max(pairs, 2 * entry.terms.length));
        terms.set(entry.terms.subarray(0, entry.computed));
        entry.terms = terms;
      }
      const terms = entry.terms;
      const lo = cellLow(this.model, x, this.q);
      const hi = cellHigh(this.model, x, this.q);
      const { mus, sigmas, logZs } = this.pairs;
      for (let p = entry.computed; p < pairs; p++) {
        if (this.holders[p] === 0) continue; // forgotten: no kernel will hold it again
        terms[p] = logNormalMass(lo, hi, mus[p], sigmas[p]) - logZs[p];
      }
      entry.computed = pairs;
    }
    return entry.terms;
  }
}

/** Distinct kernels a `KernelCellMasses` numbers before it starts afresh. */
const MAX_KERNELS = 1 << 16;

/**
 * A discrete parameter's distinct kernels (mean, bandwidth; the truncation mass follows from them)
 * and each one's `cellMass` at the values asked for, kept across trials: a kernel's mass of a
 * value's cell never changes, and once the magic clip's floor stops moving (98 observations) a long
 * study's kernels change a few a trial. A kernel is numbered the first time it is asked for and
 * keeps its number; a mass is computed the first time it is asked for. Memory stays bounded: past
 * MAX_CACHED_TERMS masses the values start afresh, past MAX_KERNELS kernels everything does
 * (`numberingEpoch` tells a caller keeping numbers that they are void).
 */
export class KernelCellMasses {
  private readonly kernels = new KernelNumbers();
  /** Per value, its masses by kernel number (NaN: not computed yet). */
  private readonly byValue = new Map<number, Float64Array>();
  /** Bumped whenever the numbering starts afresh. */
  epoch = 0;

  constructor(
    private readonly model: NumericModel,
    private readonly q: number,
  ) {}

  /** Whether this table is for `model` (the same range, step and scale). */
  fits(model: NumericModel): boolean {
    const m = this.model;
    return m.low === model.low && m.high === model.high && m.log === model.log && this.q === model.q;
  }

  /** The number of the kernel (mu, sigma) with log truncation mass logZ. */
  idOf(mu: number, sigma: number, logZ: number): number {
    return this.kernels.numberOf(mu, sigma, logZ);
  }

  /**
   * The numbering's epoch for the numbers about to be given (`idOf`): a caller keeping numbers from
   * an earlier epoch asks for them again. A full numbering starts afresh here, never between two
   * `idOf`s of one caller's pass.
   */
  numberingEpoch(): number {
    if (this.kernels.count >= MAX_KERNELS) this.clear();
    return this.epoch;
  }

  /** Forget every kernel and mass; the numbers given so far are void. */
  clear(): void {
    this.kernels.clear();
    this.byValue.clear();
    this.epoch++;
  }

  /**
   * Value x's masses by kernel number, those of kernels `ids[0 .. count)` computed (each the first
   * time it is asked for at x).
   */
  at(x: number, ids: Int32Array, count: number): Float64Array {
    const masses = this.massesOf(x);
    for (let r = 0; r < count; r++) {
      const id = ids[r];
      if (masses[id] !== masses[id]) masses[id] = this.computed(x, id);
    }
    return masses;
  }

  /**
   * sum_r weights[r] times the mass at x of kernel ids[r], for r in 0 .. count, the zero masses left
   * out, added in that order: what a pass over `at`'s masses adds, in the same pass that makes sure
   * of them (a runs' sum read every mass twice).
   */
  weightedSum(x: number, ids: Int32Array, weights: Float64Array, count: number): number {
    const masses = this.massesOf(x);
    let sum = 0;
    for (let r = 0; r < count; r++) {
      const id = ids[r];
      let mass = masses[id];
      if (mass !== mass) mass = masses[id] = this.computed(x, id);
      if (mass !== 0) sum += weights[r] * mass;
    }
    return sum;
  }

  /** Value x's masses by kernel number (NaN: not computed yet), with room for every kernel numbered. */
  private massesOf(x: number): Float64Array {
    const kernels = this.kernels.count;
    let masses = this.byValue.get(x);
    if (!masses || masses.length < kernels) {
      if (!masses && (this.byValue.size + 1) * kernels > MAX_CACHED_TERMS) this.byValue.clear();
      const grown = new Float64Array(Math.max(64, 2 * kernels)).fill(NaN);
      if (masses) grown.set(masses);
      masses = grown;
      this.byValue.set(x, masses);
    }
    return masses;
  }

  /** Kernel `id`'s mass of value x's cell. */
  private computed(x: number, id: number): number {
    const { mus, sigmas, logZs } = this.kernels;
    return cellMass(cellLow(this.model, x, this.q), cellHigh(this.model, x, this.q), mus[id], sigmas[id], logZs[id]);
  }
}
