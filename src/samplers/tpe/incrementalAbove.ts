import { InvalidArgumentError } from '../../errors';
import type { ParamModel, ParzenEstimatorParameters } from './parzenEstimator';
import { forward, heightOfLogZ, kernelBandwidth } from './parzenEstimator';
import { lowerBound, mergeNumbers } from '../../sortedSearch';
import { cellHigh, cellLow, cellMass, KernelCellMasses } from './discreteCells';
import { argmaxRatio } from './nearFirstSum';
import { RankedCellMoments } from './rankedMoments';
import { ValueSums } from './valueSums';
import { logGaussMass, logNormalMass } from './truncnorm';
import { defaultWeightAt } from './weights';

/**
 * TPE's "above" density g(x) of one numeric parameter (continuous, or discrete: see the end),
 * maintained across trials instead of rebuilt from scratch every trial.
 *
 * It is the same model as `SortedUnivariateDensity` (one kernel per observation with a bandwidth
 * from its sorted neighbours, the prior kernel apart, Optuna's default weight ramp) and each kernel's
 * bandwidth and normaliser are computed by the same expressions, so the kernels are bit-identical;
 * only the way the final sum is formed differs (log densities agree to about 1e-14).
 *
 * Why it can be incremental. Between two trials the above set usually just gains the newest
 * trial(s). Inserting one mean changes only its own and its two sorted neighbours' bandwidths
 * (the magic-clip floor range/min(100, n + 2) is constant once n >= 98, which the caller ensures).
 * The weights do change every trial, but in a structured way: with n observations in time order,
 * Optuna's default weights are w_r = alpha + beta r for the r < R = n - 25 oldest (alpha = 1/n,
 * beta = (1 - 1/n)/(R - 1)) and 1 for the 25 newest. So the mixture is
 *   sum_r w_r h_r e_r(x) = alpha sum_ramp h e + beta sum_ramp r h e + sum_newest h e,
 * and the cells' moments of sum h e and sum r h e over all the kernels (`RankedCellMoments`) stay
 * valid while alpha and beta move; the newest 25, weighted 1 where the ramp would weigh them
 * alpha + beta r, are corrected for apart each trial. A kernel's moments change only when its
 * bandwidth leaves or reaches the floor. Older observations joining or leaving the above set
 * (`insertOlder`, `removeOlder`) shift the later ranks by one, which moves only the rank-weighted
 * sums, by the later kernels' moments: `RankedCellMoments` keeps prefix sums over trial numbers for
 * that. Anything else (running trials, other weights) makes the caller rebuild. With equal weights
 * (`uniform`: multi-objective TPE's good group, incrementalBelow.ts) alpha is 1 and beta 0.
 *
 * Evaluation. Once a study concentrates, most kernels sit closer to their neighbours than the
 * magic-clip floor sigma0 = range/100 and so all share that bandwidth ("clipped" kernels). Those are
 * binned into fixed cells of width 2 sigma0 over the range, and each cell keeps power moments
 * M_k = sum_p a_p u_p^k / k! (u_p = (mu_p - c)/sigma0 in [-1, 1], c the cell centre), from which
 *   sum_p a_p e^{-(t - u_p)^2/2} = e^{-t^2/2} sum_k M_k He_k(t),   t = (x - c)/sigma0
 * (the generating function of the Hermite polynomials He_k). So a candidate costs about 11 cells
 * in reach times K terms whatever the number of kernels; the few wider kernels (their gaps exceed
 * sigma0, so there are fewer than 2 range/sigma0 of them) are summed one by one.
 *
 * Layout: the observations' kernels live in sorted chunks (the prior kernel, which takes no part
 * in the neighbour bandwidths, is summed apart) of at most CAP entries, split in halves when full,
 * so an insertion moves at most CAP entries; a chunk keeps the reach of its wider kernels. The
 * clipped kernels' moments are kept by trial number, in their cells (`RankedCellMoments`).
 *
 * A discrete parameter (an integer, a stepped float) has the same kernels in its range widened by
 * half a step, and scores a value by each kernel's mass of the value's cell: the cells' moments
 * give it integrated over the cell (`massAt`), and `bestRatio` scores the values that may be the
 * best again exactly as the from-scratch estimator does, to the bit (`exactLogPdfs`).
 */

/**
 * How far (log) a discrete parameter's scores through the cells (`massAt`) may be from the
 * from-scratch estimator's: `bestRatio` scores again, exactly as from scratch, every candidate that
 * might be the best within it. The from-scratch estimator's cell masses are off the exact ones by
 * up to 6e-5 of a kernel's mass (its erfc is a fit good to about 1e-7, which a difference of two
 * can lose more of, and it takes a cell narrower than half a bandwidth by Simpson's rule: measured
 * over cell widths and offsets, 5.6e-5 and 6.0e-5 at worst); the cells' integrated expansion is
 * exact but for its moment cells' normal masses, the same erfc's. So the two sums differ by less
 * than 1.2e-4 of themselves.
 */
const DISCRETE_MARGIN = 1e-3;

/**
 * How far (log) a discrete parameter's score summed by runs (`runLogSums`) may be from the
 * from-scratch estimator's, per observation held: both add the same nonnegative terms (the same
 * weights, to a few units of rounding, times the same cell masses, `cellMass` for both), one kernel
 * by kernel, the other run by run of equal kernels, so each sum is within (n + runs + a few) units
 * of rounding (EPSILON / 2) of the true one, n the observations and runs at most n: two scores'
 * difference within (3 n + a few) EPSILON. Four per observation covers it with room; the logs and
 * the scores' differences round besides by a unit of their size (`bestRatio` adds that).
 */
const RUN_MARGIN_PER_OBSERVATION = 4 * Number.EPSILON;

/** Grid values past which a discrete parameter's clipped kernels are not also summed by value (`ValueSums`). */
const MAX_VALUE_CELLS = 2048;

/** Grid values up to which a discrete parameter's choice scores every value by runs, without the cells first. */
const RUNS_FIRST_CELLS = 256;

const CAP = 32;
const REACH = 10;
const NEWEST = 25;
/**
 * Clipped kernels are grouped in cells of 2 bandwidths, so |u| <= 1 from the cell centre, and a
 * cell is summed with K Hermite terms. Truncation: |He_k(t)| e^{-t^2/4} <= 1.09 sqrt(k!) (Cramer's
 * bound), so the terms left out weigh less than sum_{k>=K} 1/sqrt(k!) < 1e-16 of the cell's mass.
 */
const K = 30;
const CELL_RADIUS = 1;

/** 1/k! */
const INV_FACT = (() => {
  const f = new Float64Array(K);
  f[0] = 1;
  for (let k = 1; k < K; k++) f[k] = f[k - 1] / k;
  return f;
})();

class Chunk {
  len = 0;
  /** Internal value (for ordering) and column insertion order (ties) of each entry. */
  readonly value = new Float64Array(CAP);
  readonly seq = new Float64Array(CAP);
  /** Kernel in the modelling space: mean, bandwidth and its inverse, normaliser (without the weight). */
  readonly mu = new Float64Array(CAP);
  readonly sigma = new Float64Array(CAP);
  readonly inv = new Float64Array(CAP);
  readonly h = new Float64Array(CAP);
  /** The log of the kernel's truncation mass over the range (a discrete parameter's masses read it). */
  readonly logZ = new Float64Array(CAP);
  /** 1 when the bandwidth is the magic-clip floor: the kernel is summed through its cell. */
  readonly clipped = new Uint8Array(CAP);
  readonly num = new Int32Array(CAP);
  /** A discrete parameter's kernel's number in `KernelCellMasses` (-1: not asked for since it last changed). */
  readonly kernelId = new Int32Array(CAP).fill(-1);
  /** An unclipped entry's weight, set for the current weights before the density is read. */
  readonly weight = new Float64Array(CAP);

  /** True when a kernel changed since `summarise` (the chunk is then in the dirty list). */
  dirty = false;
  /** Reach of the chunk's wider (unclipped) kernels, summed directly. */
  nWide = 0;
  wideLo = Infinity;
  wideHi = -Infinity;

  /** Entry `to` of this chunk becomes entry `from` of `src` (which may be this chunk). */
  copyEntry(to: number, src: Chunk, from: number): void {
    this.value[to] = src.value[from];
    this.seq[to] = src.seq[from];
    this.mu[to] = src.mu[from];
    this.sigma[to] = src.sigma[from];
    this.inv[to] = src.inv[from];
    this.h[to] = src.h[from];
    this.logZ[to] = src.logZ[from];
    this.clipped[to] = src.clipped[from];
    this.num[to] = src.num[from];
    this.kernelId[to] = src.kernelId[from];
  }
}

/**
 * Log densities of a discrete parameter's good group (incrementalBelow.ts) formed by runs of equal
 * kernels: each within `margin` (log) of the from-scratch estimator's, which `exactLogPdfs` gives
 * to the bit for the values a choice comes down to (`IncrementalAboveDensity.bestRatio`).
 */
export interface RoughLogDensity {
  readonly margin: number;
  exactLogPdfs(values: ReadonlySet<number>): ReadonlyMap<number, number>;
}

export class IncrementalAboveDensity {
  private chunks: Chunk[] = [];
  /** Chunk holding each trial number's kernel. */
  private readonly chunkOf: Array<Chunk | null> = [];
  /** Observations' trial numbers in time order (rank = index). */
  private readonly byRank: number[] = [];
  private m = 0; // observations
  private readonly range: number;
  private readonly prior: number;
  private readonly priorInv: number;
  private readonly priorH: number;
  /** The prior kernel's log truncation mass over the range. */
  private readonly priorLogZ: number;
  private readonly minSigma: number;
  /** Cells of width 2 CELL_RADIUS minSigma over [low, high] holding the clipped kernels' moments. */
  private readonly clipInv: number;
  private readonly cellWidth: number;
  private readonly nCells: number;
  /** The clipped kernels' moments per cell: unweighted and rank-weighted sums. */
  private readonly moments: RankedCellMoments;
  /** While `build` files its kernels: their moments are summed once at its end. */
  private building = false;
  /** Per cell, K moments combined with the current weights (valid when cellGen = gen). */
  private readonly cellCombined: Float64Array;
  /** `twoSeries`' results (NaN to begin with: a double field from the start, which V8 never has to widen). */
  private seriesA = NaN;
  private seriesB = NaN;
  private readonly cellGen: Int32Array;
  /** Per cell, the newest kernels' weight 1 less the ramp's alpha + beta r, times their moments (K each; valid when weightsGen = gen). */
  private readonly newestFix: Float64Array;
  private readonly fixedCells: number[] = [];
  private weightsGen = -1;
  /** Scratch for `ranksByNumber`: each observation's time rank by trial number. */
  private rankByNumber = new Int32Array(0);
  /** A discrete parameter's kernels' cell masses, kept across trials (`runLogSums`). */
  private readonly cellMasses: KernelCellMasses | null;
  private cellMassesEpoch = 0;
  /** Scratch for `runLogSums`: each run of equal kernels' number and weight. */
  private runIds = new Int32Array(0);
  private runWeights = new Float64Array(0);
  /** A discrete parameter's clipped kernels counted by grid value (null: not kept, see `ValueSums`). */
  private valueSums: ValueSums | null;
  /** Per grid value, its clipped kernels' number in `cellMasses` (-1: not asked for yet), and their total weight. */
  private valueKernelIds: Int32Array | null = null;
  private valueWeights = new Float64Array(0);
  private readonly dirtyChunks: Chunk[] = [];
  /** The chunks holding unclipped kernels (summed one by one), in order. */
  private wideChunks: Chunk[] = [];
  private chunksChanged = true;
  private alpha = 0;
  private beta = 0;
  private ramp = 0;
  private total = 0;
  private gen = 0;

  /**
   * @param uniform every observation weighs 1 (multi-objective TPE's good group, Optuna 5.0) rather
   *   than Optuna's default ramp
   * @param cellMasses a discrete parameter's kernels' cell masses, kept by the caller across
   *   densities (a good group's is built again whenever it changes much); else the density's own
   */
  constructor(
    private readonly model: ParamModel & { kind: 'numeric' },
    private readonly params: ParzenEstimatorParameters,
    private readonly uniform = false,
    cellMasses?: KernelCellMasses,
  ) {
    this.range = model.high - model.low;
    this.prior = 0.5 * (model.low + model.high);
    this.priorInv = 1 / this.range;
    this.priorLogZ = logNormalMass(model.low, model.high, this.prior, this.range);
    this.priorH = heightOfLogZ(this.priorLogZ) * this.priorInv;
    // The caller keeps n >= 98 observations, where the magic-clip floor no longer moves.
    if (!params.considerMagicClip)
      throw new InvalidArgumentError('IncrementalAboveDensity needs the magic clip (its cells are sized by its floor).');
    this.minSigma = this.range / 100;
    this.clipInv = 1 / this.minSigma;
    this.cellWidth = 2 * CELL_RADIUS * this.minSigma;
    this.nCells = Math.ceil(this.range / this.cellWidth) + 1;
    // Equal weights read no rank-weighted sums (beta is 0).
    this.moments = new RankedCellMoments(this.nCells, K, INV_FACT, !uniform);
    this.cellCombined = new Float64Array(this.nCells * K);
    this.cellGen = new Int32Array(this.nCells).fill(-1);
    this.newestFix = new Float64Array(this.nCells * K);
    this.cellMasses = model.q === null ? null : cellMasses?.fits(model) ? cellMasses : new KernelCellMasses(model, model.q);
    this.valueSums = ValueSums.for(model, MAX_VALUE_CELLS, !uniform);
  }

  get size(): number {
    return this.byRank.length;
  }

  /** The kernel of the observation at time rank `rank`: its mean (modelling space) and bandwidth. */
  kernelAt(rank: number): [mu: number, sigma: number] {
    const number = this.byRank[rank];
    const ch = this.chunkOf[number]!;
    const j = this.entryOf(ch, number);
    return [ch.mu[j], ch.sigma[j]];
  }

  /** The internal value of each trial's observation, for `numbers` (trial numbers the density holds). */
  valuesOf(numbers: readonly number[]): Float64Array {
    const out = new Float64Array(numbers.length);
    for (let i = 0; i < numbers.length; i++) {
      const ch = this.chunkOf[numbers[i]]!;
      out[i] = ch.value[this.entryOf(ch, numbers[i])];
    }
    return out;
  }

  private entryOf(ch: Chunk, number: number): number {
    let j = 0;
    while (ch.num[j] !== number) j++;
    return j;
  }

  /**
   * Build from the observations in ascending (value, seq) order. `ranks[i]` is observation i's time
   * rank (0 = oldest); `numbers` its trial number; `uniform` and `cellMasses` as for the constructor.
   */
  static build(
    model: ParamModel & { kind: 'numeric' },
    params: ParzenEstimatorParameters,
    values: Float64Array,
    seqs: Float64Array,
    numbers: Int32Array,
    ranks: Int32Array,
    uniform = false,
    cellMasses?: KernelCellMasses,
  ): IncrementalAboveDensity {
    const d = new IncrementalAboveDensity(model, params, uniform, cellMasses);
    const n = values.length;
    if (n < 98) {
      throw new InvalidArgumentError('IncrementalAboveDensity needs at least 98 observations (the magic clip floor must be constant).');
    }
    const byRank = new Array<number>(n);
    // Entries in sorted order.
    const fill = 24;
    let chunk = new Chunk();
    d.chunks.push(chunk);
    const push = (value: number, seq: number, mu: number, num: number) => {
      if (chunk.len === fill) {
        chunk = new Chunk();
        d.chunks.push(chunk);
      }
      const j = chunk.len++;
      chunk.value[j] = value;
      chunk.seq[j] = seq;
      chunk.mu[j] = mu;
      chunk.num[j] = num;
      d.setChunkOf(num, chunk);
    };
    for (let i = 0; i < n; i++) {
      push(values[i], seqs[i], forward(model, values[i]), numbers[i]);
      byRank[ranks[i]] = numbers[i];
    }
    for (let r = 0; r < n; r++) d.byRank.push(byRank[r]);
    d.m = n;
    // Room for the newest trial at once: grown kernel by kernel, the moments by trial number were
    // allocated and copied several times over (most of a good group's rebuild, a tenth of the
    // trial list's length).
    if (n > 0) {
      d.moments.reserve(byRank[n - 1]);
      d.valueSums?.reserve(byRank[n - 1]);
    }
    // Bandwidths of every entry, walking the sorted sequence with its neighbours; the moments are
    // summed once, after.
    d.building = true;
    let prevMu = model.low;
    let k = 0;
    for (let c = 0; c < d.chunks.length; c++) {
      const ch = d.chunks[c];
      for (let j = 0; j < ch.len; j++, k++) {
        const next = j + 1 < ch.len ? ch.mu[j + 1] : c + 1 < d.chunks.length ? d.chunks[c + 1].mu[0] : model.high;
        d.setKernel(ch, j, prevMu, next, k);
        prevMu = ch.mu[j];
      }
    }
    d.building = false;
    d.moments.refresh(d.byRank);
    d.valueSums?.refresh(d.byRank);
    d.updateWeights();
    d.flush();
    return d;
  }

  /**
   * Add observations newer than all present ones (ascending trial numbers, time order), keeping
   * their ranks after the existing ones. `values[i]` is the internal value, `seqs[i]` the column's
   * insertion order (breaks ties between equal values the way the column's sorted list does).
   */
  append(values: readonly number[], seqs: readonly number[], numbers: readonly number[]): void {
    for (let i = 0; i < values.length; i++) {
      this.byRank.push(numbers[i]);
      this.insert(values[i], seqs[i], numbers[i]);
    }
    this.updateWeights();
    this.flush();
  }

  /**
   * Add an observation older than some present ones, at time rank `rank` (a trial that left the
   * good group when a better one arrived). The ranks after it shift by one, which moves the
   * rank-weighted moments by the later kernels' sums. The density is brought up to date at the next
   * `logPdf`, once for all the changes made since.
   */
  insertOlder(value: number, seq: number, number: number, rank: number): void {
    this.moments.shiftAfter(number, 1);
    this.valueSums?.shiftAfter(number, 1);
    this.byRank.splice(rank, 0, number);
    this.insert(value, seq, number);
    this.updateWeights();
  }

  /**
   * Remove the observation of trial `number` (a trial that joined the good group from the bad one:
   * the good group grew, or with several objectives its selection changed). The later ranks shift
   * down by one, as `insertOlder` shifts them up. False, with nothing changed, when the density
   * must be rebuilt instead: the trial is not held, or fewer than 98 observations would be left
   * (the magic clip's floor would move).
   */
  removeOlder(number: number): boolean {
    const ch = number < this.chunkOf.length ? this.chunkOf[number] : null;
    if (!ch || this.byRank.length - 1 < 98) return false;
    const rank = this.rankOf(number);
    this.moments.remove(number, rank);
    this.moments.shiftAfter(number, -1);
    this.valueSums?.remove(number, rank);
    this.valueSums?.shiftAfter(number, -1);
    this.byRank.splice(rank, 1);
    this.removeEntry(ch, number);
    this.updateWeights();
    return true;
  }

  /**
   * Many observations move at once: those of trials `left` leave, and trial `numbers[i]`'s value
   * `values[i]` (seq `seqs[i]`) joins at its time rank. The same as `removeOlder` for each of
   * `left` and then `insertOlder` for each that joins, but the rank-weighted sums are formed afresh
   * once, where each move shifted every cell's and added its own to every later block's. When a new
   * point changes a three-objective selection's first choices, hundreds of trials change groups
   * (770 in and out, at 9,000 trials of DTLZ2): 21 us a move, 16 ms a parameter. False, with
   * nothing changed, when the density must be rebuilt instead (as for `removeOlder`).
   */
  moveMany(left: readonly number[], values: readonly number[], seqs: readonly number[], numbers: readonly number[]): boolean {
    const chunkOf = this.chunkOf;
    for (const number of left) if (!(number < chunkOf.length && chunkOf[number])) return false;
    if (this.byRank.length - left.length < 98) return false;
    this.moments.suspend();
    this.valueSums?.suspend();
    // Kernels filed as while building: their moments kept, the sums formed at the end.
    this.building = true;
    for (const number of left) {
      this.moments.remove(number, 0);
      this.valueSums?.remove(number, 0);
      this.removeEntry(chunkOf[number]!, number);
    }
    for (let i = 0; i < numbers.length; i++) this.insert(values[i], seqs[i], numbers[i]);
    this.building = false;
    const merged = mergeNumbers(this.byRank, this.byRank.length, left, numbers);
    this.byRank.length = 0;
    for (const number of merged) this.byRank.push(number);
    this.moments.refresh(this.byRank);
    this.valueSums?.refresh(this.byRank);
    this.updateWeights();
    return true;
  }

  /** Trial `number`'s entry leaves chunk `ch`, its neighbours' bandwidths following. */
  private removeEntry(ch: Chunk, number: number): void {
    const c = this.chunkIndex(ch);
    let j = 0;
    while (ch.num[j] !== number) j++;
    for (let p = j; p + 1 < ch.len; p++) ch.copyEntry(p, ch, p + 1);
    ch.len--;
    this.m--;
    this.chunkOf[number] = null;
    if (ch.len === 0) {
      if (ch.dirty) this.dirtyChunks.splice(this.dirtyChunks.indexOf(ch), 1);
      this.chunks.splice(c, 1);
      this.chunksChanged = true;
      // Its neighbours in sorted order: the previous chunk's last entry and the next one's first.
      if (c > 0) this.refresh(c - 1, this.chunks[c - 1].len - 1);
      if (c < this.chunks.length) this.refresh(c, 0);
    } else {
      this.markDirty(ch);
      // The entries either side of the removed one are now neighbours (the first or last, maybe).
      this.refresh(c, j - 1);
      this.refresh(c, j);
    }
  }

  /**
   * Log density at each internal value: a continuous parameter's, or a discrete one's (the mass of
   * the value's cell) as the from-scratch estimator forms it, to the bit.
   */
  logPdf(samples: readonly Float64Array[], out: Float64Array = new Float64Array(samples[0].length)): Float64Array {
    this.flush();
    const xs = samples[0];
    if (this.model.q !== null) {
      const exact = this.exactLogPdfs(new Set(xs));
      for (let s = 0; s < xs.length; s++) out[s] = exact.get(xs[s])!;
      return out;
    }
    for (let s = 0; s < xs.length; s++) out[s] = Math.log(this.at(forward(this.model, xs[s])) / this.total);
    return out;
  }

  /**
   * A discrete parameter's choice: the index of the sample with the largest logL[s] - log g(x_s),
   * the first among equals, as an argmax over `logPdf` gives. Every distinct value is scored
   * through the cells (`massAt`, a cost that does not grow with the history); those that may be
   * the best within DISCRETE_MARGIN are scored again by runs of equal kernels (`runLogSums`), and
   * only those still within a few units of rounding of the best as from scratch. On a grid of at
   * most RUNS_FIRST_CELLS values every distinct value is scored by runs at once. With `rough`,
   * `logL` is the good group's by runs (`roughLogPdfs`): the margins widen by twice its own, and
   * the values scored exactly take their exact log l too. A continuous parameter's choice is the
   * argmax over `logPdf` (its sums agree with the from-scratch ones to rounding).
   */
  bestRatio(samples: readonly Float64Array[], logL: Float64Array, logG: Float64Array, rough?: RoughLogDensity): number {
    if (this.model.q === null) return argmaxRatio(logL, this.logPdf(samples, logG));
    this.flush();
    const xs = samples[0];
    const size = xs.length;
    const q = this.model.q!;
    const scores = new Float64Array(size);
    let best = -Infinity;
    // Two scores' log l may each be off by the rough margin.
    const slack = rough ? 2 * rough.margin : 0;
    let close = new Set<number>();
    // A grid of few values has few runs: every distinct value is scored by them at once, a lookup
    // per run, where the cells cost a series per moment cell in reach.
    const runsFirst = this.valueSums !== null && this.valueSums.cells <= RUNS_FIRST_CELLS;
    if (runsFirst) {
      for (let s = 0; s < size; s++) close.add(xs[s]);
    } else {
      // Per distinct value, its log g through the cells.
      const approx = new Map<number, number>();
      for (let s = 0; s < size; s++) {
        const x = xs[s];
        let logG = approx.get(x);
        if (logG === undefined) {
          logG = Math.log(this.massAt(cellLow(this.model, x, q), cellHigh(this.model, x, q)) / this.total);
          approx.set(x, logG);
        }
        scores[s] = logL[s] - logG;
        if (scores[s] > best) best = scores[s];
      }
      for (let s = 0; s < size; s++) if (scores[s] >= best - DISCRETE_MARGIN - slack) close.add(xs[s]);
    }
    if (close.size > 1 && (runsFirst || Number.isFinite(best))) {
      // Several values may be the best through the cells: scored again by runs of equal kernels,
      // within a margin of the exact sums that grows only with the history's length, they keep
      // only those still within it of the best (one, nearly always).
      const sums = this.runLogSums(close);
      best = -Infinity;
      let magnitude = 0;
      for (let s = 0; s < size; s++) {
        const logG = sums.get(xs[s]);
        scores[s] = logG === undefined ? -Infinity : logL[s] - logG;
        if (scores[s] > best) best = scores[s];
        if (Number.isFinite(scores[s])) magnitude = Math.max(magnitude, Math.abs(logL[s]) + Math.abs(logG!));
      }
      const margin = RUN_MARGIN_PER_OBSERVATION * (this.byRank.length + 16) + 8 * Number.EPSILON * magnitude + slack;
      close = new Set<number>();
      for (let s = 0; s < size; s++) if (scores[s] >= best - margin) close.add(xs[s]);
    }
    if (close.size === 1 && Number.isFinite(best)) {
      // One value may be the best. Where its samples have the same log l (as a sampler's have: the
      // same value, the same density), they score the same, finite or above (the exact g only nears
      // the cells' one), so the first of them is the argmax's choice, without its exact score: a
      // pass over the kernels, which was most of a long study's time for a discrete parameter (7 in
      // 10 choices of a 6,000-trial study's).
      let first = -1;
      let same = true;
      for (let s = 0; s < size && same; s++) {
        if (!close.has(xs[s])) continue;
        if (first < 0) first = s;
        else same = Object.is(logL[s], logL[first]);
      }
      if (same) return first;
    }
    const exact = this.exactLogPdfs(close);
    const exactL = rough?.exactLogPdfs(close);
    let chosen = 0;
    let chosenScore = -Infinity;
    for (let s = 0; s < size; s++) {
      const logG = exact.get(xs[s]);
      if (logG === undefined) continue;
      const score = (exactL ? exactL.get(xs[s])! : logL[s]) - logG;
      if (score > chosenScore) {
        chosen = s;
        chosenScore = score;
      }
    }
    return chosen;
  }

  /**
   * A discrete parameter's log density at each of `values` by runs of equal kernels (`runLogSums`),
   * and how far (log) each may be from the from-scratch estimator's: a pass over the runs per value
   * rather than over the kernels.
   */
  roughLogPdfs(values: ReadonlySet<number>): { logs: Map<number, number>; margin: number } {
    this.flush();
    const logs = this.runLogSums(values);
    const logTotal = Math.log(this.total);
    let magnitude = 0;
    for (const [x, logSum] of logs) {
      logs.set(x, logSum - logTotal);
      magnitude = Math.max(magnitude, Math.abs(logSum) + Math.abs(logTotal));
    }
    return { logs, margin: RUN_MARGIN_PER_OBSERVATION * (this.byRank.length + 16) + 8 * Number.EPSILON * magnitude };
  }

  /**
   * log of a uniform density's from-scratch estimator at each of a discrete parameter's `values`,
   * given its observations in the order of `numbers` (every observation's trial number): the
   * weights 1 / total, each kernel's cell mass times its weight added in that order, the prior's
   * last, to the bit. A pass over the kernels per value. NaN where the sum underflows to 0 (the
   * from-scratch estimator then sums in log space).
   */
  exactUniformLogPdfs(numbers: readonly number[], values: ReadonlySet<number>): Map<number, number> {
    const out = new Map<number, number>();
    const model = this.model;
    const q = model.q!;
    const n = numbers.length;
    // As `computeWeights` forms them: each raw weight 1, their total with the prior's, divided.
    let total = 0;
    for (let i = 0; i < n; i++) total += 1;
    total += this.params.priorWeight;
    const weight = 1 / total;
    const priorWeight = this.params.priorWeight / total;
    const entries = new Int32Array(n);
    const chunks: Chunk[] = [];
    for (let i = 0; i < n; i++) {
      const ch = this.chunkOf[numbers[i]]!;
      chunks.push(ch);
      entries[i] = this.entryOf(ch, numbers[i]);
    }
    for (const x of values) {
      const lo = cellLow(model, x, q);
      const hi = cellHigh(model, x, q);
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const ch = chunks[i];
        const j = entries[i];
        const mass = cellMass(lo, hi, ch.mu[j], ch.sigma[j], ch.logZ[j]);
        if (mass !== 0) sum += weight * mass;
      }
      const priorMass = cellMass(lo, hi, this.prior, this.range, this.priorLogZ);
      if (priorMass !== 0) sum += priorWeight * priorMass;
      out.set(x, sum > 0 ? Math.log(sum) : NaN);
    }
    return out;
  }

  /**
   * log g at each of a discrete parameter's `values` as the from-scratch estimator forms it: its
   * weights normalised by their total summed in sorted order, then each kernel's cell mass (one
   * per run of equal kernels, the same double) times its weight, added in sorted order, the prior's
   * last. A pass over the kernels per value.
   */
  private exactLogPdfs(values: ReadonlySet<number>): Map<number, number> {
    const out = new Map<number, number>();
    if (values.size === 0) return out;
    const model = this.model;
    const q = model.q!;
    const n = this.byRank.length;
    const rankByNumber = this.ranksByNumber();
    // The raw weights by sorted position, and their total in that order (then the prior's).
    const raw = new Float64Array(n);
    let total = 0;
    let p = 0;
    for (const ch of this.chunks) {
      for (let j = 0; j < ch.len; j++, p++) {
        raw[p] = this.uniform ? 1 : defaultWeightAt(rankByNumber[ch.num[j]], n);
        total += raw[p];
      }
    }
    const priorWeight = this.params.priorWeight;
    total += priorWeight;
    for (const x of values) {
      const lo = cellLow(model, x, q);
      const hi = cellHigh(model, x, q);
      let sum = 0;
      let mu = NaN;
      let sigma = NaN;
      let logZ = NaN;
      let mass = 0;
      p = 0;
      for (const ch of this.chunks) {
        // A chunk wholly beyond 10 bandwidths of the cell adds only zero masses (the sum is the
        // same without them): passed over, with a margin for the rounding of its reaches.
        if (this.outOfReach(ch, lo, hi)) {
          p += ch.len;
          continue;
        }
        for (let j = 0; j < ch.len; j++, p++) {
          if (ch.mu[j] !== mu || ch.sigma[j] !== sigma || ch.logZ[j] !== logZ) {
            mu = ch.mu[j];
            sigma = ch.sigma[j];
            logZ = ch.logZ[j];
            mass = cellMass(lo, hi, mu, sigma, logZ);
          }
          if (mass !== 0) sum += (raw[p] / total) * mass;
        }
      }
      const priorMass = cellMass(lo, hi, this.prior, this.range, this.priorLogZ);
      if (priorMass !== 0) sum += (priorWeight / total) * priorMass;
      out.set(x, Math.log(sum));
    }
    return out;
  }

  /**
   * log of sum_p w_p cellMass_p(x) + priorWeight cellMass_prior(x) at each of `values`: the
   * from-scratch sum times its weights' total (the same for every value), formed run by run of equal
   * kernels (same mean, bandwidth and truncation mass: the same cell mass) with each run's weights
   * added first. Within RUN_MARGIN_PER_OBSERVATION n of log(exact sum times total). One pass over
   * the kernels to find the runs and their weights, then a pass over the runs per value: where the
   * exact sums pass over the kernels per value (an integer over 64 values: about 190 runs for 9,000
   * kernels).
   */
  private runLogSums(values: ReadonlySet<number>): Map<number, number> {
    const table = this.cellMasses!;
    const epoch = table.numberingEpoch();
    if (epoch !== this.cellMassesEpoch) {
      for (const ch of this.chunks) ch.kernelId.fill(-1);
      this.valueKernelIds?.fill(-1);
      this.cellMassesEpoch = epoch;
    }
    const runs = this.valueSums ? this.runsByValue(table) : this.runsByPass(table);
    const runIds = this.runIds;
    const runWeights = this.runWeights;
    const model = this.model;
    const q = model.q!;
    const out = new Map<number, number>();
    for (const x of values) {
      let sum = table.weightedSum(x, runIds, runWeights, runs);
      sum += this.params.priorWeight * cellMass(cellLow(model, x, q), cellHigh(model, x, q), this.prior, this.range, this.priorLogZ);
      out.set(x, Math.log(sum));
    }
    return out;
  }

  /** Room for `count` runs in `runIds` and `runWeights`. */
  private reserveRuns(count: number): void {
    if (this.runIds.length >= count) return;
    this.runIds = new Int32Array(2 * count);
    this.runWeights = new Float64Array(2 * count);
  }

  /** `runLogSums`' runs from one pass over the kernels, each one's weight from its rank. Returns their count. */
  private runsByPass(table: KernelCellMasses): number {
    const rankByNumber = this.ranksByNumber();
    this.reserveRuns(this.byRank.length);
    const runIds = this.runIds;
    const runWeights = this.runWeights;
    // The current weights, as `weigh` gives the wide kernels theirs.
    const { alpha, beta, ramp } = this;
    let runs = 0;
    for (const ch of this.chunks) {
      for (let j = 0; j < ch.len; j++) {
        const rank = rankByNumber[ch.num[j]];
        const weight = rank < ramp ? alpha + beta * rank : 1;
        let id = ch.kernelId[j];
        if (id < 0) id = ch.kernelId[j] = table.idOf(ch.mu[j], ch.sigma[j], ch.logZ[j]);
        if (runs > 0 && runIds[runs - 1] === id) {
          runWeights[runs - 1] += weight;
        } else {
          runIds[runs] = id;
          runWeights[runs] = weight;
          runs++;
        }
      }
    }
    return runs;
  }

  /**
   * `runLogSums`' runs without a pass over the kernels: the clipped ones by grid value (`ValueSums`:
   * a value's clipped kernels are equal, and weigh together what the ramp gives them), then the wide
   * ones one by one, with the weights `weigh` gave them. Returns their count.
   */
  private runsByValue(table: KernelCellMasses): number {
    const sums = this.valueSums!;
    const cells = sums.cells;
    if (this.valueKernelIds === null || this.valueKernelIds.length !== cells) this.valueKernelIds = new Int32Array(cells).fill(-1);
    if (this.valueWeights.length !== cells) this.valueWeights = new Float64Array(cells);
    const ids = this.valueKernelIds;
    const weights = this.valueWeights;
    sums.weights(this.alpha, this.beta, this.ramp, this.byRank, weights);
    let wide = 0;
    for (const ch of this.wideChunks) wide += ch.nWide;
    this.reserveRuns(cells + wide);
    const runIds = this.runIds;
    const runWeights = this.runWeights;
    let runs = 0;
    for (let c = 0; c < cells; c++) {
      if (!sums.used(c)) continue;
      if (ids[c] < 0) {
        const mu = sums.meanOf(c);
        // A clipped kernel's bandwidth and truncation mass, by `setKernel`'s expressions.
        ids[c] = table.idOf(mu, this.minSigma, logNormalMass(this.model.low, this.model.high, mu, this.minSigma));
      }
      runIds[runs] = ids[c];
      runWeights[runs++] = weights[c];
    }
    for (const ch of this.wideChunks) {
      for (let j = 0; j < ch.len; j++) {
        if (ch.clipped[j]) continue;
        let id = ch.kernelId[j];
        if (id < 0) id = ch.kernelId[j] = table.idOf(ch.mu[j], ch.sigma[j], ch.logZ[j]);
        runIds[runs] = id;
        runWeights[runs++] = ch.weight[j];
      }
    }
    return runs;
  }

  /** Whether every kernel of chunk `ch` is more than 10 bandwidths from [lo, hi] (`cellMass` is then 0), by a margin. */
  private outOfReach(ch: Chunk, lo: number, hi: number): boolean {
    if (ch.dirty) this.summarise(ch);
    const slack = 1e-9 * this.range;
    const reach = REACH * this.minSigma + slack;
    const clippedOut = ch.mu[ch.len - 1] < lo - reach || ch.mu[0] > hi + reach;
    return clippedOut && (ch.nWide === 0 || hi < ch.wideLo - slack || lo > ch.wideHi + slack);
  }

  /**
   * The mixture's mass of the cell [lo, hi] (modelling space) times the total weight: the prior's
   * and the wider kernels' one by one as the from-scratch estimator forms them, the clipped ones'
   * from their cells' moments, integrated. Over a cell in units t = (y - c) / sigma0 about a
   * moment cell's centre c, e^(-t^2/2) He_k(t) integrates to -e^(-t^2/2) He_(k-1)(t) for k >= 1 (and
   * to a normal mass for k = 0, `logGaussMass`'s), so each moment cell's share is exact but for
   * that mass, the series' truncation and rounding (see DISCRETE_MARGIN).
   */
  private massAt(lo: number, hi: number): number {
    let sum = this.params.priorWeight * cellMass(lo, hi, this.prior, this.range, this.priorLogZ);
    const w = this.cellWidth;
    const reach = REACH * this.minSigma + 0.5 * w;
    const first = Math.max(0, Math.ceil((lo - reach - this.model.low) / w - 1));
    const last = Math.min(this.nCells - 1, Math.floor((hi + reach - this.model.low) / w));
    const mk = this.cellCombined;
    for (let i = first; i <= last; i++) {
      if (!this.moments.used(i)) continue;
      const c = this.cellCenter(i);
      const tLo = (lo - c) * this.clipInv;
      const tHi = (hi - c) * this.clipInv;
      if (tHi < -(REACH + CELL_RADIUS) || tLo > REACH + CELL_RADIUS) continue;
      if (this.cellGen[i] !== this.gen) this.combine(i);
      const base = i * K;
      // sum_k M_k He_(k-1)(t) at both ends (He_(j+1) = t He_j - j He_(j-1)).
      let loPrev = 0;
      let loCur = 1;
      let hiPrev = 0;
      let hiCur = 1;
      let loAcc = 0;
      let hiAcc = 0;
      for (let k = 1; k < K; k++) {
        loAcc += mk[base + k] * loCur;
        hiAcc += mk[base + k] * hiCur;
        const loNext = tLo * loCur - (k - 1) * loPrev;
        loPrev = loCur;
        loCur = loNext;
        const hiNext = tHi * hiCur - (k - 1) * hiPrev;
        hiPrev = hiCur;
        hiCur = hiNext;
      }
      const gauss = SQRT_2PI * Math.exp(logGaussMass(tLo, tHi));
      sum += this.minSigma * (mk[base] * gauss + Math.exp(-0.5 * tLo * tLo) * loAcc - Math.exp(-0.5 * tHi * tHi) * hiAcc);
    }
    // The wider kernels, one by one.
    for (const ch of this.wideChunks) {
      if (hi < ch.wideLo || lo > ch.wideHi) continue;
      for (let j = 0; j < ch.len; j++) {
        if (ch.clipped[j]) continue;
        const mass = cellMass(lo, hi, ch.mu[j], ch.sigma[j], ch.logZ[j]);
        if (mass !== 0) sum += ch.weight[j] * mass;
      }
    }
    return sum;
  }

  /** The unnormalised mixture sum (times total weight) at y in the modelling space. */
  private at(y: number): number {
    const pz = (y - this.prior) * this.priorInv;
    let sum = this.params.priorWeight * this.priorH * Math.exp(-0.5 * pz * pz);
    // Cells of clipped kernels within reach: Hermite expansion about the cell centre. A series is
    // a chain of dependent multiplications, so two cells' series run side by side (`twoSeries`, in
    // about the time of one); each is formed as it would be alone, and the cells are added in order.
    const w = this.cellWidth;
    const reach = REACH * this.minSigma + 0.5 * w;
    const first = Math.max(0, Math.ceil((y - reach - this.model.low) / w - 1));
    const last = Math.min(this.nCells - 1, Math.floor((y + reach - this.model.low) / w));
    let waiting = -1; // a cell in reach whose series waits for a second one
    let tWaiting = 0;
    for (let i = first; i <= last; i++) {
      if (!this.moments.used(i)) continue;
      const t = (y - this.cellCenter(i)) * this.clipInv;
      if (t * t > (REACH + CELL_RADIUS) * (REACH + CELL_RADIUS)) continue;
      if (this.cellGen[i] !== this.gen) this.combine(i);
      if (waiting < 0) {
        waiting = i;
        tWaiting = t;
        continue;
      }
      this.twoSeries(waiting * K, tWaiting, i * K, t);
      sum += Math.exp(-0.5 * tWaiting * tWaiting) * this.seriesA;
      sum += Math.exp(-0.5 * t * t) * this.seriesB;
      waiting = -1;
    }
    if (waiting >= 0) {
      // The last cell alone: its series twice over, side by side (no slower than once).
      this.twoSeries(waiting * K, tWaiting, waiting * K, tWaiting);
      sum += Math.exp(-0.5 * tWaiting * tWaiting) * this.seriesA;
    }
    // The wider kernels, one by one.
    const chunks = this.wideChunks;
    for (let c = 0; c < chunks.length; c++) {
      const ch = chunks[c];
      if (y < ch.wideLo || y > ch.wideHi) continue;
      const { mu, inv, h, weight, clipped } = ch;
      for (let j = 0; j < ch.len; j++) {
        if (clipped[j]) continue;
        const z = (y - mu[j]) * inv[j];
        const z2 = z * z;
        if (z2 < REACH * REACH) sum += weight[j] * h[j] * Math.exp(-0.5 * z2);
      }
    }
    return sum;
  }

  /**
   * The Hermite series sum_k M_k He_k(t) of the cells whose moments start at baseA and baseB, at tA
   * and tB, into seriesA and seriesB (He_{k+1} = t He_k - k He_{k-1}).
   */
  private twoSeries(baseA: number, tA: number, baseB: number, tB: number): void {
    const mk = this.cellCombined;
    let aPrev = 1;
    let aCur = tA;
    let aAcc = mk[baseA] + mk[baseA + 1] * tA;
    let bPrev = 1;
    let bCur = tB;
    let bAcc = mk[baseB] + mk[baseB + 1] * tB;
    for (let k = 1; k < K - 1; k++) {
      const aNext = tA * aCur - k * aPrev;
      aAcc += mk[baseA + k + 1] * aNext;
      aPrev = aCur;
      aCur = aNext;
      const bNext = tB * bCur - k * bPrev;
      bAcc += mk[baseB + k + 1] * bNext;
      bPrev = bCur;
      bCur = bNext;
    }
    this.seriesA = aAcc;
    this.seriesB = bAcc;
  }

  /** Cell i's moments for the current weights (the ramp's and the newest trials' correction). */
  private combine(i: number): void {
    const base = i * K;
    this.moments.combine(i, this.alpha, this.beta, this.cellCombined, base);
    for (let k = 0; k < K; k++) this.cellCombined[base + k] += this.newestFix[base + k];
    this.cellGen[i] = this.gen;
  }

  private cellCenter(i: number): number {
    return this.model.low + (i + 0.5) * this.cellWidth;
  }

  private cellOf(mu: number): number {
    const i = Math.floor((mu - this.model.low) / this.cellWidth);
    return i < 0 ? 0 : i >= this.nCells ? this.nCells - 1 : i;
  }

  /** Trial `number`'s time rank (it is held): byRank is in time order, that is by ascending trial number. */
  private rankOf(number: number): number {
    return lowerBound(this.byRank, number);
  }

  /** The index of chunk `ch` (which holds at least one entry) in the sorted list. */
  private chunkIndex(ch: Chunk): number {
    // The first chunk whose last entry does not sort before ch's last entry.
    const chunks = this.chunks;
    let lo = 0;
    let hi = chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = chunks[mid];
      if (this.before(other.value[other.len - 1], other.seq[other.len - 1], ch, ch.len - 1)) lo = mid + 1;
      else hi = mid;
    }
    return chunks[lo] === ch ? lo : chunks.indexOf(ch);
  }

  /** Bring the chunks' wide reaches, the sums and the current weights' corrections up to date. */
  private flush(): void {
    let wideChanged = this.chunksChanged;
    for (const ch of this.dirtyChunks) {
      const hadWide = ch.nWide > 0;
      this.summarise(ch);
      if (hadWide !== ch.nWide > 0) wideChanged = true;
    }
    this.dirtyChunks.length = 0;
    if (wideChanged) this.wideChunks = this.chunks.filter((ch) => ch.nWide > 0);
    this.chunksChanged = false;
    if (this.moments.stale) {
      this.moments.refresh(this.byRank);
      this.gen++; // the cells' combined moments are formed again from the fresh sums
    }
    if (this.valueSums?.stale) this.valueSums.refresh(this.byRank);
    this.weigh();
  }

  /**
   * For the current weights: the newest kernels' corrections (their weight is 1 where the cells'
   * sums give them alpha + beta r) and the wide kernels' weights.
   */
  private weigh(): void {
    if (this.weightsGen === this.gen) return;
    this.weightsGen = this.gen;
    const fix = this.newestFix;
    for (const c of this.fixedCells) fix.fill(0, c * K, c * K + K);
    this.fixedCells.length = 0;
    const { alpha, beta, ramp, byRank } = this;
    for (let r = ramp; r < byRank.length; r++) {
      const number = byRank[r];
      if (this.moments.isMember(number)) this.fixedCells.push(this.moments.addScaled(number, 1 - (alpha + beta * r), fix));
    }
    // The wide kernels' ranks: by bisection when they are few, else from one pass over the ranks
    // (early in a study most kernels are wide; late, a few dozen).
    let wide = 0;
    for (const ch of this.wideChunks) wide += ch.nWide;
    const n = byRank.length;
    const pass = wide * Math.log2(n + 1) > n;
    const rankByNumber = pass ? this.ranksByNumber() : null;
    for (const ch of this.wideChunks) {
      for (let j = 0; j < ch.len; j++) {
        if (ch.clipped[j]) continue;
        const r = rankByNumber ? rankByNumber[ch.num[j]] : this.rankOf(ch.num[j]);
        ch.weight[j] = r < ramp ? alpha + beta * r : 1;
      }
    }
  }

  /** Each observation's time rank by trial number (`rankByNumber`, filled afresh). */
  private ranksByNumber(): Int32Array {
    const byRank = this.byRank;
    if (this.rankByNumber.length < this.chunkOf.length) this.rankByNumber = new Int32Array(2 * this.chunkOf.length);
    const rankByNumber = this.rankByNumber;
    for (let r = 0; r < byRank.length; r++) rankByNumber[byRank[r]] = r;
    return rankByNumber;
  }

  private markDirty(ch: Chunk): void {
    if (ch.dirty) return;
    ch.dirty = true;
    this.dirtyChunks.push(ch);
  }

  /** Reach of the chunk's wide kernels. */
  private summarise(ch: Chunk): void {
    ch.dirty = false;
    const { mu, inv, clipped } = ch;
    let lo = Infinity;
    let hi = -Infinity;
    let nWide = 0;
    for (let j = 0; j < ch.len; j++) {
      if (clipped[j]) continue;
      nWide++;
      const r = REACH / inv[j];
      if (mu[j] - r < lo) lo = mu[j] - r;
      if (mu[j] + r > hi) hi = mu[j] + r;
    }
    ch.nWide = nWide;
    ch.wideLo = lo;
    ch.wideHi = hi;
  }

  private rampFor(n: number): number {
    return n >= NEWEST ? n - NEWEST : 0;
  }

  /** Weights of Optuna's default ramp for the current number of observations (or all 1: `uniform`). */
  private updateWeights(): void {
    const n = this.byRank.length;
    if (this.uniform) {
      // As a ramp that covers every observation at weight alpha + 0 r = 1.
      this.ramp = n;
      this.alpha = 1;
      this.beta = 0;
      this.total = n + this.params.priorWeight;
      this.gen++;
      return;
    }
    const ramp = this.rampFor(n);
    this.ramp = ramp;
    this.alpha = 1 / n;
    this.beta = ramp > 1 ? (1 - 1 / n) / (ramp - 1) : 0;
    // Sum of the ramp (arithmetic series) plus the newest ones' 1s plus the prior's weight.
    const rampSum = ramp > 1 ? ramp / n + ((1 - 1 / n) * ramp) / 2 : ramp / n;
    this.total = rampSum + (n - ramp) + this.params.priorWeight;
    this.gen++;
  }

  private setChunkOf(num: number, ch: Chunk | null): void {
    // Grow densely: writing far past the end would turn the array into a slow dictionary.
    const chunkOf = this.chunkOf;
    while (chunkOf.length <= num) chunkOf.push(null);
    chunkOf[num] = ch;
  }

  /**
   * Bandwidth and normaliser of entry j of `ch` at sorted position k of m, given its neighbours'
   * means; its moments join, leave or change in the cells' sums when it is or was clipped.
   */
  private setKernel(ch: Chunk, j: number, prevMu: number, nextMu: number, k: number): void {
    this.markDirty(ch);
    const mu = ch.mu[j];
    const sigma = kernelBandwidth(prevMu, mu, nextMu, k, this.m, this.params.considerEndpoints, this.range, this.minSigma);
    const inv = 1 / sigma;
    const clipped = sigma === this.minSigma;
    // The from-scratch estimator's truncation mass and height, by the same expressions.
    const logZ = logNormalMass(this.model.low, this.model.high, mu, sigma);
    const h = heightOfLogZ(logZ) * inv;
    const number = ch.num[j];
    const was = this.moments.isMember(number);
    // A member's moments depend only on its mean and height, which a clipped kernel keeps.
    if (!(clipped && was && ch.h[j] === h)) {
      const rank = this.building ? 0 : this.rankOf(number);
      if (was) this.moments.remove(number, rank);
      if (clipped) {
        const cell = this.cellOf(mu);
        this.moments.add(number, rank, cell, h, (mu - this.cellCenter(cell)) * this.clipInv, this.building);
      }
    }
    const sums = this.valueSums;
    if (sums && clipped !== sums.isMember(number)) {
      const rank = this.building ? 0 : this.rankOf(number);
      if (clipped) {
        if (!sums.add(number, rank, ch.value[j], mu, this.building)) this.valueSums = null;
      } else {
        sums.remove(number, rank);
      }
    }
    ch.clipped[j] = clipped ? 1 : 0;
    ch.sigma[j] = sigma;
    ch.inv[j] = inv;
    ch.h[j] = h;
    ch.logZ[j] = logZ;
    ch.kernelId[j] = -1;
  }

  /** True when entry (value, seq) sorts before entry j of chunk ch. */
  private before(value: number, seq: number, ch: Chunk, j: number): boolean {
    return value < ch.value[j] || (value === ch.value[j] && seq < ch.seq[j]);
  }

  /** The kernel of trial `num` (already in `byRank`) into its sorted place. */
  private insert(value: number, seq: number, num: number): void {
    const mu = forward(this.model, value);
    const chunks = this.chunks;
    // First chunk whose last entry sorts after the new one (else the last chunk).
    let lo = 0;
    let hi = chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const ch = chunks[mid];
      if (this.before(value, seq, ch, ch.len - 1)) hi = mid;
      else lo = mid + 1;
    }
    let c = lo;
    let ch = chunks[c];
    if (ch.len === CAP) {
      this.split(c);
      if (!this.before(value, seq, chunks[c], chunks[c].len - 1)) c++;
      ch = chunks[c];
    }
    let j = ch.len;
    while (j > 0 && this.before(value, seq, ch, j - 1)) j--;
    for (let p = ch.len; p > j; p--) ch.copyEntry(p, ch, p - 1);
    ch.len++;
    ch.value[j] = value;
    ch.seq[j] = seq;
    ch.mu[j] = mu;
    ch.num[j] = num;
    this.setChunkOf(num, ch);
    this.m++;
    // The new kernel and its two neighbours get new bandwidths.
    this.refresh(c, j - 1);
    this.refresh(c, j);
    this.refresh(c, j + 1);
  }

  /** Recompute the kernel at offset j of chunk c (offsets may spill into the adjacent chunks). */
  private refresh(c: number, j: number): void {
    const chunks = this.chunks;
    if (j < 0) {
      if (c === 0) return;
      c--;
      j = chunks[c].len - 1;
    } else if (j >= chunks[c].len) {
      if (c === chunks.length - 1) return;
      c++;
      j = 0;
    }
    const ch = chunks[c];
    const prevMu = j > 0 ? ch.mu[j - 1] : c > 0 ? chunks[c - 1].mu[chunks[c - 1].len - 1] : this.model.low;
    const nextMu = j + 1 < ch.len ? ch.mu[j + 1] : c + 1 < chunks.length ? chunks[c + 1].mu[0] : this.model.high;
    // Only whether k is the first or last position matters to the bandwidth rule.
    const k = c === 0 && j === 0 ? 0 : c === chunks.length - 1 && j === ch.len - 1 ? this.m - 1 : 1;
    this.setKernel(ch, j, prevMu, nextMu, k);
  }

  private split(c: number): void {
    const a = this.chunks[c];
    const b = new Chunk();
    const half = a.len >> 1;
    for (let p = half; p < a.len; p++) {
      const q = p - half;
      b.copyEntry(q, a, p);
      this.setChunkOf(b.num[q], b);
    }
    b.len = a.len - half;
    a.len = half;
    this.markDirty(a);
    this.markDirty(b);
    this.chunks.splice(c + 1, 0, b);
    this.chunksChanged = true;
  }
}

const SQRT_2PI = Math.sqrt(2 * Math.PI);
