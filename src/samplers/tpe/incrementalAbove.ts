import { InvalidArgumentError } from '../../errors';
import type { ParamModel, ParzenEstimatorParameters } from './parzenEstimator';
import { forward, kernelBandwidth, kernelHeight } from './parzenEstimator';

/**
 * TPE's "above" density g(x) of one continuous univariate parameter, maintained across trials
 * instead of rebuilt from scratch every trial.
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
 * and per-chunk moments of those three sums stay valid while alpha and beta move; a chunk is
 * recomputed only when one of its kernels changes (a neighbour insertion, or a kernel leaving the
 * newest 25). Older observations joining or leaving the above set shift later ranks (`insertOlder`,
 * `removeOlder`), which changes only the rank-weighted moments: each chunk keeps its kernels' power
 * moments and the ranks it summed them with, and adds the shifted kernels' differences; of the
 * kernels before and after the change, the fewer are shifted (the others through an offset common
 * to all ranks, `rankBase`). Such changes are applied together when the density is next read.
 * Anything else (running trials, other weights) makes the caller rebuild.
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
 * in the neighbour bandwidths, is summed apart) of at most CAP entries, split in halves when full, so an insertion moves at most
 * CAP entries. Each chunk keeps its share of the moments of the cells it spans; a cell's moments
 * are the sum of its chunks' shares, re-added when one of them changes. Only rank shifts are
 * added as differences, and a chunk is summed afresh after RANK_UPDATES of them, so rounding errors
 * cannot build up over a long study.
 */

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
/** Rank shifts a chunk takes as differences before it is summed afresh. */
const RANK_UPDATES = 16;

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
  /** Kernel in the modelling space: mean, 1/bandwidth, normaliser (without the weight). */
  readonly mu = new Float64Array(CAP);
  readonly inv = new Float64Array(CAP);
  readonly h = new Float64Array(CAP);
  /** 1 when the bandwidth is the magic-clip floor: the kernel is summed through its cell. */
  readonly clipped = new Uint8Array(CAP);
  /** Time rank among the observations, less the density's `rankBase`. */
  readonly rank = new Int32Array(CAP);
  readonly num = new Int32Array(CAP);

  /** True when a kernel changed since `summarise` (the chunk is then in the dirty list). */
  dirty = false;
  /**
   * True when only time ranks changed since `summarise` (the chunk is then in the rank-dirty list):
   * its rank-weighted moments are formed again from `moments`, the rest stays.
   */
  ranksDirty = false;
  /**
   * Per clipped entry, as `summarise` formed them: its power moments h u^k / k! (K from j K), its
   * cell's offset in `partial`, and the rank its moments are summed with there.
   */
  readonly moments = new Float64Array(CAP * K);
  readonly offset = new Int32Array(CAP);
  readonly summedRank = new Int32Array(CAP);
  /** Rank shifts added as differences since `summarise`. */
  rankUpdates = 0;
  /** Reach of the chunk's wider (unclipped) kernels, summed directly. */
  nWide = 0;
  wideLo = Infinity;
  wideHi = -Infinity;
  /** Cells spanned by the entries, and this chunk's share of their moments (3 K per cell). */
  cellFirst = 0;
  cellLast = -1;
  partial = new Float64Array(0);

  /** Entry `to` of this chunk becomes entry `from` of `src` (which may be this chunk). */
  copyEntry(to: number, src: Chunk, from: number): void {
    this.value[to] = src.value[from];
    this.seq[to] = src.seq[from];
    this.mu[to] = src.mu[from];
    this.inv[to] = src.inv[from];
    this.h[to] = src.h[from];
    this.rank[to] = src.rank[from];
    this.clipped[to] = src.clipped[from];
    this.num[to] = src.num[from];
  }
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
  private readonly minSigma: number;
  /** Cells of width 2 CELL_RADIUS minSigma over [low, high] holding the clipped kernels' moments. */
  private readonly clipInv: number;
  private readonly cellWidth: number;
  private readonly nCells: number;
  /** Per cell, 3 K moments: ramp kernels, ramp kernels times rank, newest kernels. */
  private readonly cellMoments: Float64Array;
  /** Per cell, K moments combined with the current weights (valid when cellGen = gen). */
  private readonly cellCombined: Float64Array;
  private readonly cellGen: Int32Array;
  private readonly cellUsed: Uint8Array;
  private readonly dirtyCells = new Set<number>();
  private readonly dirtyChunks: Chunk[] = [];
  private readonly rankDirtyChunks: Chunk[] = [];
  /** The chunks holding unclipped kernels (summed one by one), in order. */
  private wideChunks: Chunk[] = [];
  private chunksChanged = true;
  private alpha = 0;
  private beta = 0;
  private ramp = 0;
  /**
   * What every entry's stored rank is offset by (its time rank is rank + rankBase). A shift of the
   * ranks from some rank on is a shift of all of them and back for those before it: `shiftRanks`
   * moves the fewer, the rest through this base, which the rank-weighted sums take as
   * beta (S1 + rankBase S0) = beta S1 + (beta rankBase) S0.
   */
  private rankBase = 0;
  private total = 0;
  private gen = 0;

  constructor(
    private readonly model: ParamModel & { kind: 'numeric' },
    private readonly params: ParzenEstimatorParameters,
  ) {
    this.range = model.high - model.low;
    this.prior = 0.5 * (model.low + model.high);
    this.priorInv = 1 / this.range;
    this.priorH = kernelHeight(model.low, model.high, this.prior, this.range) * this.priorInv;
    // The caller keeps n >= 98 observations, where the magic-clip floor no longer moves.
    if (!params.considerMagicClip)
      throw new InvalidArgumentError('IncrementalAboveDensity needs the magic clip (its cells are sized by its floor).');
    this.minSigma = this.range / 100;
    this.clipInv = 1 / this.minSigma;
    this.cellWidth = 2 * CELL_RADIUS * this.minSigma;
    this.nCells = Math.ceil(this.range / this.cellWidth) + 1;
    this.cellMoments = new Float64Array(this.nCells * 3 * K);
    this.cellCombined = new Float64Array(this.nCells * K);
    this.cellGen = new Int32Array(this.nCells).fill(-1);
    this.cellUsed = new Uint8Array(this.nCells);
  }

  get size(): number {
    return this.byRank.length;
  }

  /**
   * Build from the observations in ascending (value, seq) order. `ranks[i]` is observation i's time
   * rank (0 = oldest); `numbers` its trial number.
   */
  static build(
    model: ParamModel & { kind: 'numeric' },
    params: ParzenEstimatorParameters,
    values: Float64Array,
    seqs: Float64Array,
    numbers: Int32Array,
    ranks: Int32Array,
  ): IncrementalAboveDensity {
    const d = new IncrementalAboveDensity(model, params);
    const n = values.length;
    if (n < 98) {
      throw new InvalidArgumentError('IncrementalAboveDensity needs at least 98 observations (the magic clip floor must be constant).');
    }
    const byRank = new Array<number>(n);
    // Entries in sorted order.
    const fill = 24;
    let chunk = new Chunk();
    d.chunks.push(chunk);
    const push = (value: number, seq: number, mu: number, rank: number, num: number) => {
      if (chunk.len === fill) {
        chunk = new Chunk();
        d.chunks.push(chunk);
      }
      const j = chunk.len++;
      chunk.value[j] = value;
      chunk.seq[j] = seq;
      chunk.mu[j] = mu;
      chunk.rank[j] = rank;
      chunk.num[j] = num;
      d.setChunkOf(num, chunk);
    };
    for (let i = 0; i < n; i++) {
      push(values[i], seqs[i], forward(model, values[i]), ranks[i], numbers[i]);
      byRank[ranks[i]] = numbers[i];
    }
    for (let r = 0; r < n; r++) d.byRank.push(byRank[r]);
    d.m = n;
    // Bandwidths of every entry, walking the sorted sequence with its neighbours.
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
    const oldRamp = this.rampFor(this.byRank.length);
    for (let i = 0; i < values.length; i++) {
      this.insert(values[i], seqs[i], numbers[i], this.byRank.length);
      this.byRank.push(numbers[i]);
    }
    // Kernels that left the newest 25 now belong to the ramp moments.
    const newRamp = this.rampFor(this.byRank.length);
    for (let r = oldRamp; r < newRamp; r++) this.markDirty(this.chunkOf[this.byRank[r]]!);
    this.updateWeights();
    this.flush();
  }

  /**
   * Add an observation older than some present ones, at time rank `rank` (a trial that left the
   * good group when a better one arrived). The ranks after it shift by one, which changes the
   * rank-weighted moments of every chunk holding a later observation: O(n) work, but only on
   * such events, and far cheaper than a rebuild. The sums are formed at the next `logPdf`, once
   * for all the changes made since.
   */
  insertOlder(value: number, seq: number, number: number, rank: number): void {
    const oldRamp = this.rampFor(this.byRank.length);
    this.shiftRanks(rank, 1);
    this.byRank.splice(rank, 0, number);
    this.insert(value, seq, number, rank);
    // Ranks below `rank` kept their place; the one at the old ramp boundary (if below) joins the ramp.
    if (oldRamp < rank) this.markDirty(this.chunkOf[this.byRank[oldRamp]]!);
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
    // byRank is in time order, that is by ascending trial number.
    let lo = 0;
    let hi = this.byRank.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.byRank[mid] < number) lo = mid + 1;
      else hi = mid;
    }
    const rank = lo;
    this.shiftRanks(rank + 1, -1);
    this.byRank.splice(rank, 1);
    const c = this.chunks.indexOf(ch);
    let j = 0;
    while (ch.num[j] !== number) j++;
    for (let p = j; p + 1 < ch.len; p++) ch.copyEntry(p, ch, p + 1);
    ch.len--;
    this.m--;
    this.chunkOf[number] = null;
    if (ch.len === 0) {
      // The cells it spanned are summed again without it.
      for (let i = ch.cellFirst; i <= ch.cellLast; i++) this.dirtyCells.add(i);
      if (ch.dirty) this.dirtyChunks.splice(this.dirtyChunks.indexOf(ch), 1);
      if (ch.ranksDirty) this.rankDirtyChunks.splice(this.rankDirtyChunks.indexOf(ch), 1);
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
    // The observation at the new ramp boundary may have moved between the ramp and the newest.
    const ramp = this.rampFor(this.byRank.length);
    for (const r of [ramp - 1, ramp]) if (r >= 0 && r < this.byRank.length) this.markDirty(this.chunkOf[this.byRank[r]]!);
    this.updateWeights();
    return true;
  }

  /**
   * Adds `delta` to every rank from `from` on (an older observation joined or left), marking the
   * chunks holding such ranks: their rank-weighted moments change. (Where that moves a kernel
   * between the ramp and the newest 25, the caller marks its chunk dirty.)
   */
  private shiftRanks(from: number, delta: number): void {
    // The ranks before `from` (stored ones below from - rankBase) or those from it on, whichever are
    // fewer; when the earlier ones, every rank moves by delta through the base and they move back.
    const cut = from - this.rankBase;
    let shift = delta;
    let later = true;
    if (from < this.byRank.length - from) {
      this.rankBase += delta;
      this.gen++; // the cells' combined moments depend on the base
      shift = -delta;
      later = false;
    }
    for (const ch of this.chunks) {
      const r = ch.rank;
      let shifted = false;
      for (let j = 0; j < ch.len; j++) {
        const after = r[j] >= cut;
        if (after === later) {
          r[j] += shift;
          shifted = true;
        }
      }
      if (shifted && !ch.dirty && !ch.ranksDirty) {
        ch.ranksDirty = true;
        this.rankDirtyChunks.push(ch);
      }
    }
  }

  /** Log density at each internal value. */
  logPdf(samples: readonly Float64Array[], out: Float64Array = new Float64Array(samples[0].length)): Float64Array {
    this.flush();
    const xs = samples[0];
    for (let s = 0; s < xs.length; s++) out[s] = Math.log(this.at(forward(this.model, xs[s])) / this.total);
    return out;
  }

  /** The unnormalised mixture sum (times total weight) at y in the modelling space. */
  private at(y: number): number {
    const alpha = this.alpha;
    const beta = this.beta;
    const ramp = this.ramp;
    const rankBase = this.rankBase;
    // The ramp's rank-weighted moments are summed with the stored ranks (see rankBase).
    const alphaCell = alpha + beta * rankBase;
    const pz = (y - this.prior) * this.priorInv;
    let sum = this.params.priorWeight * this.priorH * Math.exp(-0.5 * pz * pz);
    // Cells of clipped kernels within reach: Hermite expansion about the cell centre.
    const w = this.cellWidth;
    const reach = REACH * this.minSigma + 0.5 * w;
    const first = Math.max(0, Math.ceil((y - reach - this.model.low) / w - 1));
    const last = Math.min(this.nCells - 1, Math.floor((y + reach - this.model.low) / w));
    for (let i = first; i <= last; i++) {
      if (!this.cellUsed[i]) continue;
      const t = (y - this.cellCenter(i)) * this.clipInv;
      if (t * t > (REACH + CELL_RADIUS) * (REACH + CELL_RADIUS)) continue;
      const base = i * K;
      if (this.cellGen[i] !== this.gen) {
        const m = this.cellMoments;
        const b3 = 3 * base;
        for (let k = 0; k < K; k++) this.cellCombined[base + k] = alphaCell * m[b3 + k] + beta * m[b3 + K + k] + m[b3 + 2 * K + k];
        this.cellGen[i] = this.gen;
      }
      // sum_k M_k He_k(t), He_{k+1} = t He_k - k He_{k-1}.
      const mk = this.cellCombined;
      let hPrev = 1;
      let hCur = t;
      let acc = mk[base] + mk[base + 1] * t;
      for (let k = 1; k < K - 1; k++) {
        const hNext = t * hCur - k * hPrev;
        acc += mk[base + k + 1] * hNext;
        hPrev = hCur;
        hCur = hNext;
      }
      sum += Math.exp(-0.5 * t * t) * acc;
    }
    // The wider kernels, one by one.
    const chunks = this.wideChunks;
    for (let c = 0; c < chunks.length; c++) {
      const ch = chunks[c];
      if (y < ch.wideLo || y > ch.wideHi) continue;
      const { mu, inv, h, rank, clipped } = ch;
      for (let j = 0; j < ch.len; j++) {
        const r = rank[j] + rankBase;
        if (clipped[j]) continue;
        const z = (y - mu[j]) * inv[j];
        const z2 = z * z;
        if (z2 < REACH * REACH) sum += (r < ramp ? alpha + beta * r : 1) * h[j] * Math.exp(-0.5 * z2);
      }
    }
    return sum;
  }

  private cellCenter(i: number): number {
    return this.model.low + (i + 0.5) * this.cellWidth;
  }

  private cellOf(mu: number): number {
    const i = Math.floor((mu - this.model.low) / this.cellWidth);
    return i < 0 ? 0 : i >= this.nCells ? this.nCells - 1 : i;
  }

  /** Bring the chunk summaries and the cells' moments up to date after insertions. */
  private flush(): void {
    const dirtyCells = this.dirtyCells;
    let wideChanged = this.chunksChanged;
    for (const ch of this.dirtyChunks) {
      for (let i = ch.cellFirst; i <= ch.cellLast; i++) dirtyCells.add(i);
      const hadWide = ch.nWide > 0;
      this.summarise(ch);
      if (hadWide !== ch.nWide > 0) wideChanged = true;
      for (let i = ch.cellFirst; i <= ch.cellLast; i++) dirtyCells.add(i);
    }
    this.dirtyChunks.length = 0;
    for (const ch of this.rankDirtyChunks) {
      if (!ch.ranksDirty) continue; // summarised in full above
      this.updateRanks(ch);
    }
    this.rankDirtyChunks.length = 0;
    for (const i of dirtyCells) this.sumCell(i);
    dirtyCells.clear();
    if (wideChanged) this.wideChunks = this.chunks.filter((ch) => ch.nWide > 0);
    this.chunksChanged = false;
  }

  private markDirty(ch: Chunk): void {
    if (ch.dirty) return;
    ch.dirty = true;
    ch.ranksDirty = false; // summarised in full
    this.dirtyChunks.push(ch);
  }

  /** A cell's moments: the sum of the partial moments of the chunks spanning it. */
  private sumCell(i: number): void {
    const m = this.cellMoments;
    const b3 = 3 * i * K;
    m.fill(0, b3, b3 + 3 * K);
    this.cellGen[i] = -1;
    const chunks = this.chunks;
    // First chunk reaching cell i (chunks span nondecreasing cell ranges).
    let lo = 0;
    let hi = chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (chunks[mid].cellLast < i) lo = mid + 1;
      else hi = mid;
    }
    for (let c = lo; c < chunks.length && chunks[c].cellFirst <= i; c++) {
      const ch = chunks[c];
      const p = ch.partial;
      const o = 3 * (i - ch.cellFirst) * K;
      for (let k = 0; k < 3 * K; k++) m[b3 + k] += p[o + k];
    }
    this.cellUsed[i] = m[b3] + m[b3 + 2 * K] > 0 ? 1 : 0;
  }

  /** Reach of the wide kernels and the chunk's partial Hermite moments per cell. */
  private summarise(ch: Chunk): void {
    ch.dirty = false;
    ch.ranksDirty = false;
    ch.rankUpdates = 0;
    const { mu, inv, h, rank, clipped } = ch;
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
    ch.cellFirst = this.cellOf(mu[0]);
    ch.cellLast = this.cellOf(mu[ch.len - 1]);
    const size = 3 * K * (ch.cellLast - ch.cellFirst + 1);
    if (ch.partial.length < size) ch.partial = new Float64Array(Math.max(size, 2 * ch.partial.length));
    const p = ch.partial;
    p.fill(0, 0, size);
    // Compared with the stored ranks (their time ranks less rankBase).
    const ramp = this.ramp - this.rankBase;
    const inv0 = this.clipInv;
    const moments = ch.moments;
    for (let j = 0; j < ch.len; j++) {
      const r = rank[j];
      if (!clipped[j]) continue;
      const cell = this.cellOf(mu[j]);
      const u = (mu[j] - this.cellCenter(cell)) * inv0;
      const o = 3 * (cell - ch.cellFirst) * K;
      ch.offset[j] = o;
      ch.summedRank[j] = r;
      // Power moments h u^k / k!, into the ramp sums (plain and times rank) or the newest sum.
      const base = j * K;
      let term = h[j];
      if (r < ramp) {
        for (let k = 0; k < K; k++) {
          const v = term * INV_FACT[k];
          moments[base + k] = v;
          p[o + k] += v;
          p[o + K + k] += r * v;
          term *= u;
        }
      } else {
        for (let k = 0; k < K; k++) {
          const v = term * INV_FACT[k];
          moments[base + k] = v;
          p[o + 2 * K + k] += v;
          term *= u;
        }
      }
    }
  }

  /**
   * The chunk's rank-weighted moments after its ranks shifted: each shifted kernel's moments times
   * the change of its rank are added (its classification, ramp or newest, is unchanged: kernels
   * crossing the ramp's boundary make their chunk dirty). After RANK_UPDATES such updates the chunk
   * is summed afresh instead.
   */
  private updateRanks(ch: Chunk): void {
    ch.ranksDirty = false;
    const dirtyCells = this.dirtyCells;
    if (ch.rankUpdates >= RANK_UPDATES) {
      this.summarise(ch);
      for (let i = ch.cellFirst; i <= ch.cellLast; i++) dirtyCells.add(i);
      return;
    }
    ch.rankUpdates++;
    const p = ch.partial;
    const { rank, summedRank, clipped, moments, offset } = ch;
    const ramp = this.ramp - this.rankBase; // in the stored ranks' terms
    for (let j = 0; j < ch.len; j++) {
      const r = rank[j];
      const shift = r - summedRank[j];
      if (shift === 0 || !clipped[j]) continue;
      summedRank[j] = r;
      if (r >= ramp) continue; // in the newest sum, which has no rank weight
      const o = offset[j];
      const b = o + K;
      const base = j * K;
      for (let k = 0; k < K; k++) p[b + k] += shift * moments[base + k];
      dirtyCells.add(ch.cellFirst + o / (3 * K));
    }
  }

  private rampFor(n: number): number {
    return n >= NEWEST ? n - NEWEST : 0;
  }

  /** Weights of Optuna's default ramp for the current number of observations. */
  private updateWeights(): void {
    const n = this.byRank.length;
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

  /** Bandwidth and normaliser of entry j of `ch` at sorted position k of m, given its neighbours' means. */
  private setKernel(ch: Chunk, j: number, prevMu: number, nextMu: number, k: number): void {
    this.markDirty(ch);
    const sigma = kernelBandwidth(prevMu, ch.mu[j], nextMu, k, this.m, this.params.considerEndpoints, this.range, this.minSigma);
    const inv = 1 / sigma;
    ch.clipped[j] = sigma === this.minSigma ? 1 : 0;
    ch.inv[j] = inv;
    ch.h[j] = kernelHeight(this.model.low, this.model.high, ch.mu[j], sigma) * inv;
  }

  /** True when entry (value, seq) sorts before entry j of chunk ch. */
  private before(value: number, seq: number, ch: Chunk, j: number): boolean {
    return value < ch.value[j] || (value === ch.value[j] && seq < ch.seq[j]);
  }

  private insert(value: number, seq: number, num: number, rank: number): void {
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
    ch.rank[j] = rank - this.rankBase;
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
