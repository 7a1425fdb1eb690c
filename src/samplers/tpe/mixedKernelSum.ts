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
 *
 * TPE's choice need not form every sum: `gridTerms` hands the same terms, one kernel at a time, to
 * the race through the grid of the kernels' numeric parameters (nearFirstGrid.ts), which forms
 * most candidates' sums only near them. The race's terms are the same sums' terms by another
 * arithmetic (the weight as a factor, not a logarithm: the weights change every trial, and their
 * logarithms took a sixth of a trial at 10,000 trials); they agree to rounding, far within the
 * margin by which the race tells candidates apart, and the candidates it cannot tell apart are
 * scored by the full sums.
 */
import { PairTerms } from './discreteCells';
import type { GridPacker, GridTerms } from './nearFirstGrid';
import { expNonPositive } from './expNonPositive';
import { categoricalRow, forward, type ParamModel } from './parzenEstimator';
import { FAR_LOG } from './productKernelSum';
import * as truncnorm from './truncnorm';
import { mapPacked } from '../../packedArrays';

// A local binding (see parzenEstimator.ts: some CommonJS loaders turn each read through the module
// object into a getter call).
const LOG_SQRT_2PI = truncnorm.LOG_SQRT_2PI;

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
  /** The observations' weights (the prior's not among them) added in time order. */
  readonly observationsWeight: number;
  /** The observations' slots in time order (the prior not among them). */
  readonly byTime: Int32Array;
  /** Per slot, a number that changes whenever the slot's kernel does. */
  readonly stamps: Int32Array;
  /** The slots whose stamps changed since the last `prepare` (some may be listed twice), or null: any may have. */
  readonly changed: readonly number[] | null;
}

export class MixedKernelSum {
  /** Per slot: the stamp its constants and pairs were computed at. */
  private seen = new Int32Array(0);
  /** Per slot, the log of its normalised weight (formed when a full sum first needs it after `prepare`). */
  private logW = new Float64Array(0);
  private logWFresh = false;
  /** The weights' total, in the from-scratch order (`prepare`). */
  private total = 0;
  /**
   * Per slot, the sum of its numeric parameters' largest terms: a continuous one's constant, a
   * discrete one's -log Z (a mass is at most 1). Kept with the constants, for `gridTerms`' bound.
   */
  private peaks = new Float64Array(0);
  /**
   * Per observation's slot, e^(peak - peakRef), peakRef at least every observation's peak: its
   * height relative to the others', kept with the constants, so that the race's scale (the largest
   * weighted height) takes a product per kernel and trial rather than a logarithm (`gridTerms`).
   */
  private heights = new Float64Array(0);
  private peakRef = -Infinity;
  private acc = new Float64Array(0);
  /** Per continuous parameter, per slot: -log sigma - log sqrt(2 pi) - log Z, and 1/sigma (null for other parameters). */
  consts: Array<{ c: Float64Array; inv: Float64Array } | null>;
  /**
   * Per categorical parameter, the log probabilities of an observation's own choice and of another
   * in its row, and the prior's (uniform); the rows move with the observations' count, so they are
   * taken anew each call (null for other parameters).
   */
  readonly choiceLogs: Array<[number, number, number] | null>;
  /** Per discrete parameter, its kernels' pairs and their terms (null for other parameters). */
  readonly pairs: Array<PairTerms | null>;

  constructor(
    readonly models: readonly ParamModel[],
    private readonly priorWeight: number,
  ) {
    this.consts = mapPacked(models, () => null);
    this.choiceLogs = mapPacked(models, () => null);
    this.pairs = mapPacked(models, (m) => (m.kind === 'numeric' && m.q !== null ? new PairTerms(m, m.q) : null));
  }

  /** log g(x) of each joint sample (internal values, one array per parameter), into `out`. */
  logPdf(k: MixedKernels, samples: readonly Float64Array[], out: Float64Array): Float64Array {
    this.prepare(k);
    const size = samples.length > 0 ? samples[0].length : 0;
    for (let s = 0; s < size; s++) out[s] = this.sampleLogPdf(k, samples, s);
    return out;
  }

  /**
   * The candidates' terms for a race through the grid of the kernels' numeric parameters
   * (nearFirstGrid.ts): kernel i's term at candidate s is e^(a_i - top), a_i the full sum's component
   * (its log weight, plus each parameter's term in parameter order), formed as its weight times a
   * common factor times e^(its parameters' terms less a bound on them) (see the scale below). The grid
   * bounds a term by the kernel's height (its log weight plus each parameter's largest term: a
   * continuous one's at its mean, a discrete one's the log of a mass of at most 1 less its truncation
   * mass, a categorical one's the hit) less what its distance in one grid parameter takes off (from
   * a discrete candidate's cell: a normal mass beyond distance d is below e^(-d^2 / 2 sigma^2));
   * `top` is the largest height, so every term is at most 1 before that distance. (The fields the
   * terms read, `consts` to `pairs`, are this class's state, read there, not set.) `modelled[j][s]`:
   * candidate s in parameter j in the modelling space. `prepare` first.
   */
  gridTerms(k: MixedKernels, samples: readonly Float64Array[], modelled: readonly Float64Array[]): MixedGridTerms {
    const nc = k.count;
    const d = this.models.length;
    const size = d > 0 ? samples[0].length : 0;
    // The categorical parameters' largest terms: the same for every observation (the hit), the
    // uniform one for the prior (slot 0).
    let observed = 0;
    let prior = 0;
    const rows: Array<Float64Array[] | null> = [];
    for (let j = 0; j < d; j++) {
      const model = this.models[j];
      if (model.kind === 'categorical') {
        const [logHit, logMiss, uniform] = this.choiceLogs[j]!;
        observed += Math.max(logHit, logMiss);
        prior += uniform;
      }
      const pairs = this.pairs[j];
      rows.push(pairs ? Array.from({ length: size }, (_, s) => pairs.at(samples[j][s])) : null);
    }
    // The race's scale: the largest weighted height, log(w_i / total) + peak_i + the categorical
    // parameters' largest terms, found through the kept heights (a product and a comparison per
    // kernel; the logarithms of the weights are left to the full sums). An observation's term is
    // then w_i e^(a_i - bound - top - log total), a_i its parameters' terms, at most its height:
    // formed as w_i scale e^(a_i - bound), bound = peakRef + observed >= a_i, the exponent <= 0.
    const w = k.weights;
    let largest = this.largestHeight(w, nc);
    if (!(largest > 1e-200)) {
      // The reference stands far above every kernel left (its kernel is gone): taken afresh.
      this.peakRef = Infinity;
      this.refreshHeights(nc);
      largest = this.largestHeight(w, nc);
    }
    const peaks = this.peaks;
    const bound = this.peakRef + observed;
    const priorBound = peaks[0] + prior;
    const logTotal = Math.log(this.total);
    const top = Math.max(Math.log(largest) + bound, Math.log(w[0]) + priorBound) - logTotal;
    const scale = Math.exp(bound - top - logTotal);
    const priorScale = Math.exp(priorBound - top - logTotal);
    return new MixedGridTerms(this, k, samples, modelled, rows, top, bound, scale, priorBound, priorScale);
  }

  /** log g at sample s (`prepare` first): the from-scratch estimator's sum, term for term. */
  sampleLogPdf(k: MixedKernels, samples: readonly Float64Array[], s: number): number {
    const nc = k.count;
    if (!this.logWFresh) {
      for (let i = 0; i < nc; i++) this.logW[i] = Math.log(k.weights[i] / this.total);
      this.logWFresh = true;
    }
    const { acc, logW } = this;
    const m = nc - 1;
    acc.set(logW.subarray(0, nc));
    for (let j = 0; j < this.models.length; j++) {
      const model = this.models[j];
      const x = samples[j][s];
      const mus = k.mus[j];
      if (model.kind === 'categorical') {
        const [logHit, logMiss, uniform] = this.choiceLogs[j]!;
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
    if (max === -Infinity) return -Infinity;
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
    return max + Math.log(sum);
  }

  /**
   * The layout the grid keeps of each kernel for `MixedGridTerms.addPacked` (`prepare` first, and
   * again before each use: the constants and pairs are read as `prepare` left them): per parameter
   * in order, a continuous one's mean, 1/sigma and constant, a discrete one's pair, a categorical
   * one's observed choice.
   */
  gridPacker(k: MixedKernels): GridPacker {
    const models = this.models;
    const width = packedWidth(models);
    const { consts, pairs } = this;
    return {
      width,
      pack(slots: Int32Array, from: number, to: number, out: Float64Array): void {
        for (let r = from; r < to; r++) {
          const slot = slots[r];
          let o = width * r;
          for (let j = 0; j < models.length; j++) {
            const entry = consts[j];
            const pair = pairs[j];
            if (entry) {
              out[o++] = k.mus[j][slot];
              out[o++] = entry.inv[slot];
              out[o++] = entry.c[slot];
            } else {
              out[o++] = pair ? pair.pairOf[slot] : k.mus[j][slot];
            }
          }
        }
      },
    };
  }

  /**
   * The normalised log weights, and the constants and pairs of the kernels that changed. True when
   * the pairs were numbered afresh (every kernel's pair changed).
   */
  prepare(k: MixedKernels): boolean {
    const nc = k.count;
    if (this.seen.length < nc) this.grow(Math.max(nc, 2 * this.seen.length));
    // The total in the from-scratch order (observations by time, then the prior), so that each
    // normalised weight, and its logarithm, is the same to the bit.
    this.total = k.observationsWeight + k.weights[0];
    this.logWFresh = false;
    this.models.forEach((model, j) => {
      if (model.kind !== 'categorical') return;
      const { pHit, pMiss } = categoricalRow(model.nChoices, this.priorWeight, nc - 1);
      this.choiceLogs[j] = [Math.log(pHit), Math.log(pMiss), -Math.log(model.nChoices)];
    });
    // Forgotten pairs keep their numbers (the values' terms are indexed by them): past about two per
    // kernel, the pairs are numbered afresh (and every value's terms computed anew).
    let renumbered = false;
    for (const pairs of this.pairs) {
      if (pairs && pairs.pairCount > 2 * nc + 256) {
        pairs.clear();
        this.seen.fill(0);
        renumbered = true;
      }
    }
    const seen = this.seen;
    const stamps = k.stamps;
    let raised = false;
    // The slots that changed, as listed, or every slot. (A pass comparing every slot's stamp, and
    // the weights' total formed here by a second, took 40 µs a trial at 9,000 trials of a
    // five-parameter mixed space, 6% of it, where one or two slots change a trial: 7 µs so.)
    const changed = renumbered ? null : k.changed;
    const listed = changed === null ? nc : changed.length;
    for (let at = 0; at < listed; at++) {
      const i = changed === null ? at : changed[at];
      if (i >= nc || seen[i] === stamps[i]) continue;
      seen[i] = stamps[i];
      let peak = 0;
      for (let j = 0; j < this.models.length; j++) {
        const entry = this.consts[j];
        if (entry) {
          const sigma = k.sigmas[j][i];
          entry.c[i] = -Math.log(sigma) - LOG_SQRT_2PI - k.logZs[j][i];
          entry.inv[i] = 1 / sigma;
          peak += entry.c[i];
        }
        const pairs = this.pairs[j];
        if (pairs) {
          pairs.assign(i, k.mus[j][i], k.sigmas[j][i], k.logZs[j][i]);
          peak -= k.logZs[j][i];
        }
      }
      this.peaks[i] = peak;
      if (i === 0) continue;
      if (peak > this.peakRef) raised = true;
      else this.heights[i] = Math.exp(peak - this.peakRef);
    }
    if (raised) this.refreshHeights(nc);
    return renumbered;
  }

  /** Every observation's height again, from the largest peak (one stood above the reference, or all far below it). */
  private refreshHeights(nc: number): void {
    let ref = -Infinity;
    for (let i = 1; i < nc; i++) if (this.peaks[i] > ref) ref = this.peaks[i];
    this.peakRef = ref;
    for (let i = 1; i < nc; i++) this.heights[i] = Math.exp(this.peaks[i] - ref);
  }

  /** The largest weight times height among the observations. */
  private largestHeight(w: Float64Array, nc: number): number {
    const heights = this.heights;
    let largest = 0;
    for (let i = 1; i < nc; i++) {
      const h = w[i] * heights[i];
      if (h > largest) largest = h;
    }
    return largest;
  }

  private grow(cap: number): void {
    const seen = new Int32Array(cap);
    seen.set(this.seen);
    this.seen = seen;
    this.logW = new Float64Array(cap);
    this.acc = new Float64Array(cap);
    const peaks = new Float64Array(cap);
    peaks.set(this.peaks);
    this.peaks = peaks;
    const heights = new Float64Array(cap);
    heights.set(this.heights);
    this.heights = heights;
    this.consts = mapPacked(this.consts, (entry, j) => {
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

/** Values per kernel in `MixedKernelSum.gridPacker`'s records: three per continuous parameter, one per other. */
function packedWidth(models: readonly ParamModel[]): number {
  return models.reduce((w, m) => w + (m.kind === 'numeric' && m.q === null ? 3 : 1), 0);
}

/** How `MixedGridTerms` forms a parameter's term. */
const CONTINUOUS = 0;
const DISCRETE = 1;
const CATEGORICAL = 2;

/**
 * A mixed space's candidates' terms for the grid's race (`MixedKernelSum.gridTerms`). The race sums
 * a few kernels at a time (a cell's), so what a term reads is laid out once per batch: per
 * parameter its kind and per-kernel arrays, per candidate and parameter its value there.
 */
export class MixedGridTerms implements GridTerms {
  readonly maxWeight = 1;
  private readonly kinds: Int8Array;
  /** Per parameter, per kernel: a continuous one's mean, 1/sigma and constant; a discrete one's pair (else empty). */
  private readonly mus: Float64Array[];
  private readonly invs: Float64Array[];
  private readonly consts: Float64Array[];
  private readonly pairOf: Int32Array[];
  /** Per categorical parameter: the hit's, the miss's and the prior's terms (else 0). */
  private readonly hits: Float64Array;
  private readonly misses: Float64Array;
  private readonly uniforms: Float64Array;
  /**
   * Per candidate s and parameter j (at d s + j): its value in the modelling space (read for a
   * continuous parameter; a categorical one's is its choice; a discrete one's terms are in `rows`).
   */
  private readonly values: Float64Array;
  /** Per candidate s and discrete parameter j (at d s + j): its terms per pair. */
  private readonly rows: Float64Array[];
  /** Values per kernel in the grid's packed records (`MixedKernelSum.gridPacker`). */
  private readonly width: number;

  constructor(
    private readonly sum: MixedKernelSum,
    private readonly k: MixedKernels,
    private readonly samples: readonly Float64Array[],
    modelled: readonly Float64Array[],
    rows: ReadonlyArray<Float64Array[] | null>,
    readonly top: number,
    /**
     * An observation's term is its weight times `scale` times e^(its parameters' terms - `bound`);
     * the prior's likewise. (Read by the grouped screens too: incrementalJointAbove.ts.)
     */
    readonly bound: number,
    readonly scale: number,
    private readonly priorBound: number,
    private readonly priorScale: number,
  ) {
    const models = sum.models;
    const d = models.length;
    const size = d > 0 ? samples[0].length : 0;
    const none = new Float64Array(0);
    this.kinds = Int8Array.from(models, (m) => (m.kind === 'categorical' ? CATEGORICAL : m.q === null ? CONTINUOUS : DISCRETE));
    this.mus = mapPacked(models, (_, j) => k.mus[j]);
    this.invs = mapPacked(models, (_, j) => sum.consts[j]?.inv ?? none);
    this.consts = mapPacked(models, (_, j) => sum.consts[j]?.c ?? none);
    this.pairOf = mapPacked(models, (_, j) => sum.pairs[j]?.pairOf ?? new Int32Array(0));
    this.hits = Float64Array.from(models, (_, j) => sum.choiceLogs[j]?.[0] ?? 0);
    this.misses = Float64Array.from(models, (_, j) => sum.choiceLogs[j]?.[1] ?? 0);
    this.uniforms = Float64Array.from(models, (_, j) => sum.choiceLogs[j]?.[2] ?? 0);
    this.width = packedWidth(models);
    this.values = new Float64Array(d * size);
    this.rows = new Array<Float64Array>(d * size).fill(none);
    for (let s = 0; s < size; s++) {
      for (let j = 0; j < d; j++) {
        this.values[d * s + j] = modelled[j][s];
        const row = rows[j];
        if (row) this.rows[d * s + j] = row[s];
      }
    }
  }

  addTerms(order: Int32Array, from: number, to: number, s: number, total: number): number {
    const { kinds, mus, invs, consts, pairOf, values, rows } = this;
    const w = this.k.weights;
    const d = kinds.length;
    const at = d * s;
    for (let r = from; r < to; r++) {
      const i = order[r];
      let a = 0;
      for (let j = 0; j < d; j++) {
        const kind = kinds[j];
        if (kind === CONTINUOUS) {
          const z = (values[at + j] - mus[j][i]) * invs[j][i];
          a += consts[j][i] - 0.5 * z * z;
        } else if (kind === DISCRETE) {
          a += rows[at + j][pairOf[j][i]];
        } else {
          const o = mus[j][i];
          a += o < 0 ? this.uniforms[j] : o === values[at + j] ? this.hits[j] : this.misses[j];
        }
      }
      total += i === 0 ? w[0] * this.priorScale * expNonPositive(a - this.priorBound) : w[i] * this.scale * expNonPositive(a - this.bound);
    }
    return total;
  }

  addPacked(packed: Float64Array, order: Int32Array, from: number, to: number, s: number, total: number): number {
    // As `addTerms` forms them, each kernel's data read from its packed record (`gridPacker`).
    // The grid files only observations (never the prior, slot 0).
    const { kinds, values, rows, uniforms, hits, misses, bound, scale } = this;
    const w = this.k.weights;
    const d = kinds.length;
    const width = this.width;
    const at = d * s;
    for (let r = from; r < to; r++) {
      let a = 0;
      let o = width * r;
      for (let j = 0; j < d; j++) {
        const kind = kinds[j];
        if (kind === CONTINUOUS) {
          const z = (values[at + j] - packed[o]) * packed[o + 1];
          a += packed[o + 2] - 0.5 * z * z;
          o += 3;
        } else if (kind === DISCRETE) {
          a += rows[at + j][packed[o++]];
        } else {
          const c = packed[o++];
          a += c < 0 ? uniforms[j] : c === values[at + j] ? hits[j] : misses[j];
        }
      }
      total += w[order[r]] * scale * expNonPositive(a - bound);
    }
    return total;
  }

  logSum(s: number): number {
    return this.sum.sampleLogPdf(this.k, this.samples, s);
  }
}
