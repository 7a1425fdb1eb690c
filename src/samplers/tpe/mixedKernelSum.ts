/**
 * The joint "above" density g(x) of a mixed space (some parameters discrete or categorical),
 * summed over the kernels `IncrementalJointAbove` keeps across trials. It is the from-scratch
 * estimator's model and arithmetic (`ParzenEstimator.logPdfJoint`) term for term, so the sums are
 * the same to the bit: per kernel, its log weight plus one term per parameter in parameter order,
 * then the log-sum-exp over the kernels in the estimator's order (time order, the prior last).
 *
 * What is kept across trials is what does not change with them:
 * - a continuous parameter's constant per kernel (its log bandwidth and truncation mass);
 * - a discrete parameter's term per (mean, bandwidth) pair and value: the log normal mass of the
 *   value's cell less the truncation mass (`PairTerms`). Computed afresh every trial, these masses
 *   took most of a mixed space's time (5,900 of them a trial at 1,000 trials, each one or two erfc);
 *   kept, a pair's term for a value is computed once.
 * A kernel's constants and pair are looked up again when its stamp (which the density changes
 * whenever the kernel does) is not the one they were computed at.
 */
import { cellHigh, cellLow, forward, type NumericModel, type ParamModel } from './parzenEstimator';
import { expNonPositive } from './expNonPositive';
import * as truncnorm from './truncnorm';

// Local bindings of the hot helpers (see parzenEstimator.ts: some CommonJS loaders turn each read
// through the module object into a getter call).
const LOG_SQRT_2PI = truncnorm.LOG_SQRT_2PI;
const logGaussMass = truncnorm.logGaussMass;

/** Components this far below the largest in log density are left out (as the from-scratch sum does). */
const FAR_LOG = 40;

/** Terms a discrete parameter keeps (values times pairs); past this its values start afresh. */
const MAX_CACHED_TERMS = 1 << 22;

/** The kernels as `IncrementalJointAbove` holds them: slot 0 the prior, slots 1..count-1 the observations. */
export interface MixedKernels {
  readonly count: number;
  /** Per parameter and slot: the mean in the modelling space, or for a categorical parameter the observed choice (-1 for the prior). */
  readonly mus: readonly Float64Array[];
  /** Per numeric parameter and slot: the bandwidth and the log truncation mass. */
  readonly sigmas: readonly Float64Array[];
  readonly logZs: readonly Float64Array[];
  /** Per slot, the unnormalised weight. */
  readonly weights: Float64Array;
  /** The observations' slots in time order (the prior not among them). */
  readonly byTime: Int32Array;
  /** Per slot, a number that changes whenever the slot's kernel does. */
  readonly stamps: Int32Array;
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
class PairTerms {
  /** Per slot, its kernel's pair (-1: none). */
  pairOf = new Int32Array(0);
  private readonly ids = new Map<number, Map<number, number>>();
  private pairMus: number[] = [];
  private pairSigmas: number[] = [];
  private pairLogZs: number[] = [];
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
    if (previous >= 0 && --this.holders[previous] === 0) this.ids.get(this.pairMus[previous])!.delete(this.pairSigmas[previous]);
    let bySigma = this.ids.get(mu);
    if (!bySigma) this.ids.set(mu, (bySigma = new Map()));
    let id = bySigma.get(sigma);
    if (id === undefined) {
      id = this.pairMus.length;
      bySigma.set(sigma, id);
      this.pairMus.push(mu);
      this.pairSigmas.push(sigma);
      this.pairLogZs.push(logZ);
      if (id === this.holders.length) {
        const holders = new Int32Array(2 * id);
        holders.set(this.holders);
        this.holders = holders;
      }
    }
    this.holders[id]++;
    this.pairOf[i] = id;
  }

  /** Pairs made (those no kernel holds any more included). */
  get pairCount(): number {
    return this.pairMus.length;
  }

  /** Forget every pair (every slot is then assigned anew). */
  clear(): void {
    this.ids.clear();
    this.pairMus = [];
    this.pairSigmas = [];
    this.pairLogZs = [];
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
    const pairs = this.pairMus.length;
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
      for (let p = entry.computed; p < pairs; p++) {
        if (this.holders[p] === 0) continue; // forgotten: no kernel will hold it again
        const mu = this.pairMus[p];
        const sigma = this.pairSigmas[p];
        terms[p] = logGaussMass((lo - mu) / sigma, (hi - mu) / sigma) - this.pairLogZs[p];
      }
      entry.computed = pairs;
    }
    return entry.terms;
  }
}

export class MixedKernelSum {
  /** Per slot: the stamp its constants and pairs were computed at. */
  private seen = new Int32Array(0);
  private logW = new Float64Array(0);
  private acc = new Float64Array(0);
  /** Per continuous parameter, per slot: -log sigma - log sqrt(2 pi) - log Z, and 1/sigma (null for other parameters). */
  private consts: Array<{ c: Float64Array; inv: Float64Array } | null>;
  /** Per discrete parameter, its kernels' pairs and their terms (null for other parameters). */
  private readonly pairs: Array<PairTerms | null>;

  constructor(
    private readonly models: readonly ParamModel[],
    private readonly priorWeight: number,
  ) {
    this.consts = models.map(() => null);
    this.pairs = models.map((m) => (m.kind === 'numeric' && m.q !== null ? new PairTerms(m, m.q) : null));
  }

  /** log g(x) of each joint sample (internal values, one array per parameter), into `out`. */
  logPdf(k: MixedKernels, samples: readonly Float64Array[], out: Float64Array): Float64Array {
    const nc = k.count;
    this.prepare(k);
    const { acc, logW } = this;
    const size = samples.length > 0 ? samples[0].length : 0;
    const m = nc - 1;
    for (let s = 0; s < size; s++) {
      acc.set(logW.subarray(0, nc));
      for (let j = 0; j < this.models.length; j++) {
        const model = this.models[j];
        const x = samples[j][s];
        const mus = k.mus[j];
        if (model.kind === 'categorical') {
          // Each observation's row (Optuna's): priorWeight/(m+1) on every choice plus 1 on its own, normalised.
          const base = this.priorWeight / (m + 1);
          const rowSum = 1 + model.nChoices * base;
          const logHit = Math.log((base + 1) / rowSum);
          const logMiss = Math.log(base / rowSum);
          const uniform = -Math.log(model.nChoices);
          for (let i = 0; i < nc; i++) {
            const o = mus[i];
            acc[i] += o < 0 ? uniform : o === x ? logHit : logMiss;
          }
        } else if (model.q === null) {
          const y = forward(model, x);
          const { c, inv } = this.consts[j]!;
          for (let i = 0; i < nc; i++) {
            const z = (y - mus[i]) * inv[i];
            acc[i] += c[i] - 0.5 * z * z;
          }
        } else {
          const pairs = this.pairs[j]!;
          const terms = pairs.at(x);
          const pairOf = pairs.pairOf;
          for (let i = 0; i < nc; i++) acc[i] += terms[pairOf[i]];
        }
      }
      let max = -Infinity;
      for (let i = 0; i < nc; i++) if (acc[i] > max) max = acc[i];
      if (max === -Infinity) {
        out[s] = -Infinity;
        continue;
      }
      // Components more than e^40 below the largest add < 1e-17 of it each: skip their exponential.
      // Summed in the from-scratch estimator's order (the observations by time, then the prior).
      const cut = max - FAR_LOG;
      let sum = 0;
      const byTime = k.byTime;
      for (let r = 0; r < m; r++) {
        const a = acc[byTime[r]];
        if (a > cut) sum += expNonPositive(a - max);
      }
      if (acc[0] > cut) sum += expNonPositive(acc[0] - max);
      out[s] = max + Math.log(sum);
    }
    return out;
  }

  /** The normalised log weights, and the constants and pairs of the kernels that changed. */
  private prepare(k: MixedKernels): void {
    const nc = k.count;
    if (this.seen.length < nc) this.grow(Math.max(nc, 2 * this.seen.length));
    // The total in the from-scratch order (observations by time, then the prior), so that each
    // normalised weight, and its logarithm, is the same to the bit.
    const w = k.weights;
    let total = 0;
    for (let r = 0; r < nc - 1; r++) total += w[k.byTime[r]];
    total += w[0];
    for (let i = 0; i < nc; i++) this.logW[i] = Math.log(w[i] / total);
    // Forgotten pairs keep their numbers (the values' terms are indexed by them): past about two per
    // kernel, the pairs are numbered afresh (and every value's terms computed anew).
    for (const pairs of this.pairs) {
      if (pairs && pairs.pairCount > 2 * nc + 256) {
        pairs.clear();
        this.seen.fill(0);
      }
    }
    const seen = this.seen;
    const stamps = k.stamps;
    for (let i = 0; i < nc; i++) {
      if (seen[i] === stamps[i]) continue;
      seen[i] = stamps[i];
      for (let j = 0; j < this.models.length; j++) {
        const entry = this.consts[j];
        if (entry) {
          const sigma = k.sigmas[j][i];
          entry.c[i] = -Math.log(sigma) - LOG_SQRT_2PI - k.logZs[j][i];
          entry.inv[i] = 1 / sigma;
        }
        this.pairs[j]?.assign(i, k.mus[j][i], k.sigmas[j][i], k.logZs[j][i]);
      }
    }
  }

  private grow(cap: number): void {
    const seen = new Int32Array(cap);
    seen.set(this.seen);
    this.seen = seen;
    this.logW = new Float64Array(cap);
    this.acc = new Float64Array(cap);
    this.consts = this.consts.map((entry, j) => {
      const model = this.models[j];
      if (model.kind !== 'numeric' || model.q !== null) return null;
      const c = new Float64Array(cap);
      const inv = new Float64Array(cap);
      if (entry) {
        c.set(entry.c);
        inv.set(entry.inv);
      }
      return { c, inv };
    });
    for (const pairs of this.pairs) pairs?.grow(cap);
  }
}
