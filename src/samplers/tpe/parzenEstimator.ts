import type { Distribution } from '../../distributions';
import { InvalidArgumentError } from '../../errors';
import type { Rng } from '../../rng';
import { cellHigh, cellLow, cellMass, type KernelCellMasses, PairTerms } from './discreteCells';
import { expNonPositive } from './expNonPositive';
import { SortedGaussianSum } from './gaussSum';
import { FAR_LOG, kernelLogHeight, logSumProductKernels, logWeightSpread, packPairs, type ProductKernels } from './productKernelSum';
import * as truncnorm from './truncnorm';
import { mapPacked } from '../../packedArrays';
import { lowerBound } from '../../sortedSearch';

// Local bindings of the hot helpers: read once here rather than through the module object on
// every kernel (some CommonJS loaders turn each such read into a getter call).
const LOG_SQRT_2PI = truncnorm.LOG_SQRT_2PI;
const logNormalMass = truncnorm.logNormalMass;
const truncationMass = truncnorm.truncationMass;
const truncnormPpfFrom = truncnorm.truncnormPpfFrom;

const EPS = 1e-12;
const INV_SQRT_2PI = Math.exp(-LOG_SQRT_2PI);

export interface ParzenEstimatorParameters {
  priorWeight: number;
  considerMagicClip: boolean;
  considerEndpoints: boolean;
  weights: (n: number) => ArrayLike<number>;
}

/**
 * How one parameter is modelled. Numeric parameters live in a transformed space (log for log
 * distributions) with bounds widened by half a step for discrete ones, so every value owns an
 * equal cell; categoricals are modelled by per-observation categorical kernels.
 */
export type ParamModel =
  | {
      kind: 'numeric';
      dist: Distribution & { kind: 'float' | 'int' };
      log: boolean;
      /** Transformed bounds of the kernels' support. */
      low: number;
      high: number;
      /** Step of a discrete parameter (in its own space, also for a log int) or null (continuous). */
      q: number | null;
    }
  | { kind: 'categorical'; nChoices: number };

export function paramModel(d: Distribution): ParamModel {
  if (d.kind === 'categorical') return { kind: 'categorical', nChoices: d.choices.length };
  if (d.log) {
    // A log int is discrete like any int (Optuna 5.0 scores the mass of [log(x - 1/2), log(x + 1/2)]).
    if (d.kind === 'int')
      return { kind: 'numeric', dist: d, log: true, low: Math.log(d.low - 0.5 * d.step), high: Math.log(d.high + 0.5 * d.step), q: d.step };
    return { kind: 'numeric', dist: d, log: true, low: Math.log(d.low), high: Math.log(d.high), q: null };
  }
  const q = d.kind === 'int' ? d.step : d.step;
  if (q !== null) return { kind: 'numeric', dist: d, log: false, low: d.low - 0.5 * q, high: d.high + 0.5 * q, q };
  return { kind: 'numeric', dist: d, log: false, low: d.low, high: d.high, q: null };
}

/** Internal value -> modelling space. */
export function forward(m: ParamModel, x: number): number {
  return m.kind === 'numeric' && m.log ? Math.log(x) : x;
}

/** A numeric parameter, continuous or discrete. */
export type NumericModel = ParamModel & { kind: 'numeric' };

/** A continuous numeric parameter: its kernels are plain truncated normals. */
export type ContinuousModel = ParamModel & { kind: 'numeric'; q: null };

/** Whether every parameter is continuous (the joint density is then a product-kernel mixture). */
export function allContinuous(models: readonly ParamModel[]): models is readonly ContinuousModel[] {
  return models.every((m) => m.kind === 'numeric' && m.q === null);
}

/** Modelling space -> a legal internal value (rounded onto the step grid, clipped). */
function backward(m: ParamModel, y: number): number {
  if (m.kind === 'categorical') return y;
  const d = m.dist;
  if (m.log) {
    const x = Math.exp(y);
    if (m.q !== null) return Math.min(d.high, Math.max(d.low, Math.round((x - d.low) / m.q) * m.q + d.low));
    return Math.min(d.high, Math.max(d.low, x));
  }
  if (m.q !== null) {
    const x = Math.round((y - d.low) / m.q) * m.q + d.low;
    return Math.min(d.high, Math.max(d.low, x));
  }
  return y;
}

interface NumericKernels {
  kind: 'numeric';
  mus: Float64Array;
  sigmas: Float64Array;
  /** log of each kernel's truncation mass over [low, high] (in standardised units). */
  logZ: Float64Array;
  /** Sorted position of each observation's mean (the prior, last, is not included). */
  pos: Int32Array;
  /**
   * Per kernel, the truncation masses its draws invert between (`truncationMass` of its standardised
   * bounds), computed on its first draw: NaN until then. The good trials' estimator is kept across
   * trials while they do not change, and each trial draws 24 candidates from its few kernels.
   */
  massLow: Float64Array;
  massHigh: Float64Array;
}

interface CategoricalKernels {
  kind: 'categorical';
  /** Observed choice per component (-1 for the prior component, which is uniform). */
  observed: Int32Array;
  /** Probability of the observed choice in an observation's row, and of every other choice. */
  pHit: number;
  pMiss: number;
  nChoices: number;
}

type Kernels = NumericKernels | CategoricalKernels;

/** The kernels of an all-continuous estimator as one product mixture, with what summing it needs. */
interface ContinuousMixture {
  mixture: ProductKernels;
  /** `packPairs`'s layout of the mixture, for two parameters. */
  pairs: Float64Array | undefined;
  /** The sum's scratch space, one entry per kernel. */
  scratch: Float64Array;
}

/**
 * A mixture of one kernel per observation plus a prior kernel (Bergstra et al. 2011), as Optuna
 * 5.0's `_ParzenEstimator`: per parameter, each observation's bandwidth is the larger gap to its
 * sorted neighbours among the observations (the range bounds stand in beyond the ends; without
 * `considerEndpoints` the outermost observations use their inner gap), clipped by the "magic clip"
 * to at least range/min(100, n + 2); the same rule holds for the joint (multivariate) estimator,
 * whose kernels are products over the parameters. The prior kernel comes last, at the centre of
 * the range with the whole range as bandwidth, and takes no part in the neighbour rule. Continuous
 * kernels are normalised truncated normals; discrete values score their cell's probability.
 */
export class ParzenEstimator {
  readonly nComponents: number;
  private readonly weights: Float64Array;
  private readonly cumWeights: Float64Array;
  private readonly kernels: Kernels[];
  /**
   * The kernels as one product mixture, when every parameter is continuous (built on first use),
   * with their pair layout for two parameters and the sum's scratch space.
   */
  private productKernels: ContinuousMixture | null = null;
  /**
   * One continuous parameter: its observations' kernels in sorted order as one blocked sum, and the
   * prior kernel's coefficient (built on first use: the good trials' estimator is kept across trials).
   */
  private univariateSum: { mixture: SortedGaussianSum; priorInv: number; priorCoef: number } | null = null;
  /** What `logPdfJoint` computes once per estimator (built on first use). */
  private jointTerms: JointTerms | null = null;
  /** One discrete parameter: its kernels by distinct (mean, bandwidth), see `logPdfUnivariate`. */
  private discreteKernels: { pairOf: Int32Array; first: Int32Array } | null = null;
  /** One discrete parameter: masses kept across estimators (`shareCellMasses`), and each distinct kernel's number there. */
  private cellMasses: KernelCellMasses | null = null;
  private cellMassIds: { ids: Int32Array; epoch: number } | null = null;

  /**
   * @param observations one array per parameter (internal values), all of the same length n
   * @param predeterminedWeights weights of the n observations instead of `params.weights(n)`
   * @param presorted the (single) parameter's observations are in ascending order: skip sorting; or,
   *   per parameter, each observation's position in the stable ascending order (null: sort here)
   */
  constructor(
    observations: readonly Float64Array[],
    private readonly models: readonly ParamModel[],
    params: ParzenEstimatorParameters,
    predeterminedWeights?: ArrayLike<number>,
    presorted: boolean | ReadonlyArray<Int32Array | null> = false,
  ) {
    const n = observations.length > 0 ? observations[0].length : 0;
    this.nComponents = n + 1;
    this.weights = computeWeights(n, params, predeterminedWeights);
    this.cumWeights = cumulativeWeights(this.weights);
    const d = models.length;
    this.kernels = mapPacked(models, (m, j) =>
      m.kind === 'categorical'
        ? categoricalKernels(observations[j], m.nChoices, params.priorWeight)
        : numericKernels(observations[j], m, params, presorted === true ? d === 1 : presorted === false ? false : presorted[j]),
    );
  }

  /**
   * One discrete parameter: its kernels' masses of the candidates' cells are read from `table` (of
   * the parameter's model, kept by the caller across estimators), which computes each kernel's mass
   * of each value once: the same doubles. A good group's estimator is built afresh as the group
   * changes, but its kernels mostly stay (in a long two-objective study with two integers, their
   * masses were a quarter of the time).
   */
  shareCellMasses(table: KernelCellMasses): this {
    const m = this.models[0];
    if (this.models.length === 1 && m.kind === 'numeric' && m.q !== null && table.fits(m)) this.cellMasses = table;
    return this;
  }

  /**
   * `size` joint draws (internal values), one array per parameter: written to `out` when given (one
   * array of length `size` per parameter, which a caller drawing every trial keeps), else to new arrays.
   */
  sample(rng: Rng, size: number, out: Float64Array[] = mapPacked(this.models, () => new Float64Array(size))): Float64Array[] {
    const total = this.cumWeights[this.nComponents - 1];
    for (let s = 0; s < size; s++) {
      const active = searchCumulative(this.cumWeights, rng.random() * total);
      for (let j = 0; j < this.models.length; j++) {
        const m = this.models[j];
        const k = this.kernels[j];
        if (k.kind === 'categorical') {
          out[j][s] = sampleCategoricalRow(k, active, rng.random());
        } else if (m.kind === 'numeric') {
          const mu = k.mus[active];
          const sigma = k.sigmas[active];
          if (k.massLow[active] !== k.massLow[active]) [k.massLow[active], k.massHigh[active]] = kernelMasses(m, mu, sigma);
          out[j][s] = drawFromKernel(m, mu, sigma, rng.random(), k.massLow[active], k.massHigh[active]);
        }
      }
    }
    return out;
  }

  /**
   * Log density (log probability for discrete and categorical parameters) of each joint sample,
   * written to `out` when given (of the samples' length), else to a new array.
   */
  logPdf(samples: readonly Float64Array[], out?: Float64Array): Float64Array {
    const size = samples.length > 0 ? samples[0].length : 0;
    out ??= new Float64Array(size);
    if (this.models.length === 1) return this.logPdfUnivariate(samples[0], size, out);
    if (allContinuous(this.models)) return this.logPdfContinuous(samples, size, out);
    return this.logPdfJoint(samples, size, out);
  }

  /**
   * The joint log density when every parameter is continuous: the kernels laid out once as a
   * `ProductKernels` mixture (the weights are already normalised) and summed per sample.
   */
  private logPdfContinuous(samples: readonly Float64Array[], size: number, out: Float64Array): Float64Array {
    const { mixture, pairs, scratch } = (this.productKernels ??= this.buildProductKernels());
    const d = this.models.length;
    const y = new Float64Array(d);
    for (let s = 0; s < size; s++) {
      for (let j = 0; j < d; j++) y[j] = forward(this.models[j], samples[j][s]);
      out[s] = logSumProductKernels(mixture, y, scratch, pairs);
    }
    return out;
  }

  private buildProductKernels(): ContinuousMixture {
    const nc = this.nComponents;
    const kernels = this.kernels as NumericKernels[];
    const invs = mapPacked(kernels, (k) => {
      const inv = new Float64Array(nc);
      for (let i = 0; i < nc; i++) inv[i] = 1 / k.sigmas[i];
      return inv;
    });
    const logZs = mapPacked(kernels, (k) => k.logZ);
    const logHeights = new Float64Array(nc);
    let maxLogHeight = -Infinity;
    for (let i = 0; i < nc; i++) {
      logHeights[i] = kernelLogHeight(invs, logZs, i);
      if (logHeights[i] > maxLogHeight) maxLogHeight = logHeights[i];
    }
    const weights = this.weights;
    const mixture: ProductKernels = {
      mus: mapPacked(kernels, (k) => k.mus),
      curvatures: mapPacked(invs, (inv) => inv.map((v) => 0.5 * v * v)),
      logHeights,
      weights,
      count: nc,
      maxLogHeight,
      logWeightSpread: logWeightSpread(weights, nc),
    };
    // The estimator of the good trials is kept while they do not change: packed once for its trials' candidates.
    return { mixture, pairs: kernels.length === 2 ? packPairs(mixture) : undefined, scratch: new Float64Array(nc) };
  }

  private logPdfUnivariate(xs: Float64Array, size: number, out: Float64Array): Float64Array {
    const m = this.models[0];
    const k = this.kernels[0];
    const w = this.weights;
    const nc = this.nComponents;
    if (k.kind === 'categorical') {
      const probs = categoricalMixture(k.observed, nc - 1, w, k);
      for (let s = 0; s < size; s++) out[s] = Math.log(probs[xs[s]]);
      return out;
    }
    if (m.kind !== 'numeric') return out;
    const { mus, sigmas, logZ } = k;
    if (m.q === null) {
      // Continuous: sum_i w_i N(x; mu_i, sigma_i) / Z_i, in the linear domain (the prior kernel keeps
      // the sum away from underflow inside the range). The observations' kernels are laid out in
      // sorted order for the blocked evaluation of SortedGaussianSum; the prior is added apart.
      const n = nc - 1;
      if (this.univariateSum === null) {
        const sMu = new Float64Array(n);
        const sInv = new Float64Array(n);
        const sCoef = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const p = k.pos[i];
          const inv = 1 / sigmas[i];
          sMu[p] = mus[i];
          sInv[p] = inv;
          // Most kernels sit well inside the range (logZ = 0): skip the exponential for them.
          sCoef[p] = w[i] * (logZ[i] === 0 ? INV_SQRT_2PI : Math.exp(-logZ[i] - LOG_SQRT_2PI)) * inv;
        }
        const priorInv = 1 / sigmas[n];
        this.univariateSum = {
          mixture: new SortedGaussianSum(sMu, sInv, sCoef),
          priorInv,
          priorCoef: w[n] * Math.exp(-logZ[n] - LOG_SQRT_2PI) * priorInv,
        };
      }
      const { mixture, priorInv, priorCoef } = this.univariateSum;
      for (let s = 0; s < size; s++) {
        const y = forward(m, xs[s]);
        const pz = (y - mus[n]) * priorInv;
        const sum = priorCoef * Math.exp(-0.5 * pz * pz) + mixture.at(y);
        out[s] = sum > 0 ? Math.log(sum) : this.logPdfJoint([xs.subarray(s, s + 1)], 1)[0];
      }
      return out;
    }
    // Discrete: probability of the cell [x - q/2, x + q/2] under each kernel. Candidates repeat a
    // lot on small grids, so each distinct value is evaluated once. Integer observations share few
    // means, and most kernels have the clip's floor as bandwidth: the mass is computed once per
    // distinct kernel (the same double each of its kernels had), then summed kernel by kernel in
    // their order as before (2.5 times cheaper over trials 2,400-3,000 of a two-objective study
    // with two integers, whose parameters are sampled on their own). With a table kept across
    // estimators (`shareCellMasses`), each distinct kernel's mass is read from it.
    const memo = new Map<number, number>();
    const { pairOf, first } = (this.discreteKernels ??= distinctKernels(mus, sigmas, logZ, nc));
    const table = this.cellMasses;
    const ids = table ? this.kernelNumbers(table, first) : null;
    const masses = new Float64Array(first.length);
    for (let s = 0; s < size; s++) {
      const x = xs[s];
      const hit = memo.get(x);
      if (hit !== undefined) {
        out[s] = hit;
        continue;
      }
      if (table && ids) {
        const kept = table.at(x, ids, ids.length);
        for (let p = 0; p < first.length; p++) masses[p] = kept[ids[p]];
      } else {
        const lo = cellLow(m, x, m.q);
        const hi = cellHigh(m, x, m.q);
        for (let p = 0; p < first.length; p++) {
          const i = first[p];
          masses[p] = cellMass(lo, hi, mus[i], sigmas[i], logZ[i]);
        }
      }
      let sum = 0;
      for (let i = 0; i < nc; i++) {
        const mass = masses[pairOf[i]];
        if (mass !== 0) sum += w[i] * mass;
      }
      const v = sum > 0 ? Math.log(sum) : this.logPdfJoint([xs.subarray(s, s + 1)], 1)[0];
      memo.set(x, v);
      out[s] = v;
    }
    return out;
  }

  /** Each distinct kernel's number in `table` (`first`: each one's first kernel), kept while the table's numbers stand. */
  private kernelNumbers(table: KernelCellMasses, first: Int32Array): Int32Array {
    const epoch = table.numberingEpoch();
    const numbered = this.cellMassIds;
    if (numbered !== null && numbered.epoch === epoch) return numbered.ids;
    const k = this.kernels[0] as NumericKernels;
    const ids = new Int32Array(first.length);
    for (let p = 0; p < first.length; p++) ids[p] = table.idOf(k.mus[first[p]], k.sigmas[first[p]], k.logZ[first[p]]);
    this.cellMassIds = { ids, epoch };
    return ids;
  }

  /** General case: log-sum-exp over components of the summed per-parameter log densities. */
  private logPdfJoint(samples: readonly Float64Array[], size: number, out: Float64Array = new Float64Array(size)): Float64Array {
    const nc = this.nComponents;
    // The good trials' estimator is kept across trials while they do not change (and evaluates
    // each trial's candidates): its constants and cell masses are kept with it.
    const { acc, logW, consts, logHit, masses } = (this.jointTerms ??= this.buildJointTerms());
    for (let s = 0; s < size; s++) {
      acc.set(logW);
      for (let j = 0; j < this.models.length; j++) {
        const m = this.models[j];
        const k = this.kernels[j];
        const x = samples[j][s];
        if (k.kind === 'categorical') {
          const [hit, miss, uniform] = logHit[j]!;
          for (let i = 0; i < nc; i++) {
            const o = k.observed[i];
            acc[i] += o < 0 ? uniform : o === x ? hit : miss;
          }
        } else if (m.kind === 'numeric') {
          const { mus } = k;
          if (m.q === null) {
            const y = forward(m, x);
            const { c, inv } = consts[j]!;
            for (let i = 0; i < nc; i++) {
              const z = (y - mus[i]) * inv[i];
              acc[i] += c[i] - 0.5 * z * z;
            }
          } else {
            const cells = masses[j]!;
            const terms = cells.at(x);
            const pairOf = cells.pairOf;
            for (let i = 0; i < nc; i++) acc[i] += terms[pairOf[i]];
          }
        }
      }
      let max = -Infinity;
      for (let i = 0; i < nc; i++) if (acc[i] > max) max = acc[i];
      if (max === -Infinity) {
        out[s] = -Infinity;
        continue;
      }
      let sum = 0;
      // Components more than e^40 below the largest add < 1e-17 of it each: skip their exponential.
      const cut = max - FAR_LOG;
      for (let i = 0; i < nc; i++) {
        const a = acc[i];
        if (a > cut) sum += expNonPositive(a - max);
      }
      out[s] = max + Math.log(sum);
    }
    return out;
  }

  private buildJointTerms(): JointTerms {
    const nc = this.nComponents;
    const logW = new Float64Array(nc);
    for (let i = 0; i < nc; i++) logW[i] = Math.log(this.weights[i]);
    // Per continuous parameter, constants that do not depend on the sample. Most kernels share the
    // clip's floor as bandwidth: its logarithm is taken once per run of equal bandwidths.
    const consts = mapPacked(this.kernels, (k, j) => {
      const m = this.models[j];
      if (k.kind !== 'numeric' || m.kind !== 'numeric' || m.q !== null) return null;
      const c = new Float64Array(nc);
      const inv = new Float64Array(nc);
      let sigma = NaN;
      let logSigma = NaN;
      for (let i = 0; i < nc; i++) {
        if (k.sigmas[i] !== sigma) {
          sigma = k.sigmas[i];
          logSigma = Math.log(sigma);
        }
        c[i] = -logSigma - LOG_SQRT_2PI - k.logZ[i];
        inv[i] = 1 / sigma;
      }
      return { c, inv };
    });
    // Discrete parameters: a kernel's term is the normal mass of the candidate's cell, a function of
    // its mean and bandwidth and the cell. Integer observations share few means, most kernels have
    // the clip's floor as bandwidth, and the candidates repeat values: each distinct pair's mass is
    // computed once per distinct value (in a four-parameter mixed space at 2,000 trials, the
    // masses took 58% of a profile, one per kernel and candidate).
    const masses = mapPacked(this.kernels, (k, j) => {
      const m = this.models[j];
      if (k.kind !== 'numeric' || m.kind !== 'numeric' || m.q === null) return null;
      const cells = new PairTerms(m, m.q);
      cells.grow(nc);
      for (let i = 0; i < nc; i++) cells.assign(i, k.mus[i], k.sigmas[i], k.logZ[i]);
      return cells;
    });
    const logHit = mapPacked(this.kernels, (k): [number, number, number] | null =>
      k.kind === 'categorical' ? [Math.log(k.pHit), Math.log(k.pMiss), -Math.log(k.nChoices)] : null,
    );
    return { acc: new Float64Array(nc), logW, consts, logHit, masses };
  }
}

/**
 * Kernels by distinct (mean, bandwidth, truncation mass): each kernel's group, and each group's
 * first kernel (a kernel equal to one of another group's may start a group of its own: its mass is
 * then computed twice, the same double). Equal kernels are mostly neighbours: only a change of
 * kernel is looked up, and not at all when the means ascend (the bad trials' estimator, built from
 * sorted observations), where each mean's kernels sit together and their bandwidths differ mostly
 * at the run's ends.
 */
function distinctKernels(
  mus: Float64Array,
  sigmas: Float64Array,
  logZ: Float64Array,
  n: number,
): { pairOf: Int32Array; first: Int32Array } {
  const pairOf = new Int32Array(n);
  const first: number[] = [];
  let ascending = true;
  for (let i = 1; i < n - 1 && ascending; i++) ascending = mus[i - 1] <= mus[i]; // the last is the prior kernel
  const ids = ascending ? null : new Map<number, Map<number, number>>();
  for (let i = 0; i < n; i++) {
    if (i > 0 && mus[i] === mus[i - 1] && sigmas[i] === sigmas[i - 1] && logZ[i] === logZ[i - 1]) {
      pairOf[i] = pairOf[i - 1];
      continue;
    }
    if (!ids) {
      pairOf[i] = first.length;
      first.push(i);
      continue;
    }
    let bySigma = ids.get(mus[i]);
    if (!bySigma) ids.set(mus[i], (bySigma = new Map()));
    let id = bySigma.get(sigmas[i]);
    if (id === undefined || logZ[first[id]] !== logZ[i]) {
      id = first.length;
      first.push(i);
      bySigma.set(sigmas[i], id);
    }
    pairOf[i] = id;
  }
  return { pairOf, first: Int32Array.from(first) };
}

/** `ParzenEstimator.logPdfJoint`'s per-estimator constants (see there). */
interface JointTerms {
  acc: Float64Array;
  logW: Float64Array;
  /** Per continuous parameter: each kernel's -log sigma - log sqrt(2 pi) - log Z, and 1/sigma. */
  consts: Array<{ c: Float64Array; inv: Float64Array } | null>;
  /** Per categorical parameter: the log probabilities of a kernel's own choice, of another, and the prior's. */
  logHit: Array<[number, number, number] | null>;
  masses: Array<PairTerms | null>;
}

/**
 * A draw from the kernel of mean `mu` and bandwidth `sigma` (modelling space) truncated to the
 * parameter's range, by its inverse cdf at u, as an internal value. `massLow` and `massHigh` are the
 * kernel's `truncationMass(a, a)` and `truncationMass(b, a)` for its standardised bounds a and b.
 */
export function drawFromKernel(
  m: ParamModel & { kind: 'numeric' },
  mu: number,
  sigma: number,
  u: number,
  massLow: number,
  massHigh: number,
): number {
  const z = truncnormPpfFrom(u, (m.low - mu) / sigma, (m.high - mu) / sigma, massLow, massHigh);
  return backward(m, mu + sigma * z);
}

/** What `drawFromKernel` inverts between for the kernel (mu, sigma): `truncationMass` of its standardised bounds. */
export function kernelMasses(m: ParamModel & { kind: 'numeric' }, mu: number, sigma: number): [massLow: number, massHigh: number] {
  const a = (m.low - mu) / sigma;
  return [truncationMass(a, a), truncationMass((m.high - mu) / sigma, a)];
}

/** The running sums of a mixture's weights (the component a draw picks: `searchCumulative`). */
export function cumulativeWeights(weights: Float64Array): Float64Array {
  const cum = new Float64Array(weights.length);
  let acc = 0;
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i];
    cum[i] = acc;
  }
  return cum;
}

/** The n observations' weights and the prior's (last), normalised to sum 1. */
export function computeWeights(n: number, params: ParzenEstimatorParameters, predetermined?: ArrayLike<number>): Float64Array {
  const w = new Float64Array(n + 1);
  if (n > 0) {
    const raw = predetermined ?? params.weights(n);
    if (raw.length < n) {
      throw new InvalidArgumentError(
        `TPESampler: the weights function returned ${raw.length} values for ${n} observations; it must return n.`,
      );
    }
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const v = raw[i];
      if (!Number.isFinite(v) || v < 0) {
        throw new InvalidArgumentError(`TPESampler: the weights function must return finite non-negative values; got ${v} (for n = ${n}).`);
      }
      w[i] = v;
      sum += v;
    }
    if (sum <= 0) {
      throw new InvalidArgumentError(`TPESampler: the weights function returned all zeros (for n = ${n}).`);
    }
  }
  w[n] = params.priorWeight;
  let total = 0;
  for (let i = 0; i <= n; i++) total += w[i];
  for (let i = 0; i <= n; i++) w[i] /= total;
  return w;
}

function numericKernels(
  obs: Float64Array,
  m: ParamModel & { kind: 'numeric' },
  params: ParzenEstimatorParameters,
  presorted: boolean | Int32Array | null,
): NumericKernels {
  const n = obs.length;
  const nc = n + 1;
  const range = m.high - m.low;
  const mus = new Float64Array(nc);
  for (let i = 0; i < n; i++) mus[i] = forward(m, obs[i]);
  const sigmas = new Float64Array(nc);
  const pos = observationBandwidths(mus.subarray(0, n), m.low, m.high, params.considerEndpoints, sigmas, presorted);
  const minSigma = params.considerMagicClip ? magicClipFloor(range, n) : EPS;
  for (let i = 0; i < n; i++) sigmas[i] = Math.min(range, Math.max(minSigma, sigmas[i]));
  // The prior kernel, appended after the observations.
  mus[n] = 0.5 * (m.low + m.high);
  sigmas[n] = range;
  const logZ = new Float64Array(nc);
  for (let i = 0; i < nc; i++) logZ[i] = logNormalMass(m.low, m.high, mus[i], sigmas[i]);
  return { kind: 'numeric', mus, sigmas, logZ, pos, massLow: new Float64Array(nc).fill(NaN), massHigh: new Float64Array(nc) };
}

/**
 * Each observation's bandwidth is the larger distance to its neighbours in sorted order (the range
 * bounds act as outer neighbours); without `considerEndpoints` the outermost ones use the gap to
 * their inner neighbour instead (from 2 observations on). Ties keep their original order (a stable
 * sort). Writes out[0..n) and returns each observation's sorted position.
 */
function observationBandwidths(
  mus: Float64Array,
  low: number,
  high: number,
  considerEndpoints: boolean,
  out: Float64Array,
  presorted: boolean | Int32Array | null,
): Int32Array {
  const m = mus.length;
  let pos: Int32Array = new Int32Array(m);
  let sorted: Float64Array;
  if (presorted === true) {
    // Observations already ascending (the cheap path for large histories).
    sorted = mus;
    for (let i = 0; i < m; i++) pos[i] = i;
  } else if (presorted) {
    // Sorted positions given (from a column kept sorted across trials).
    pos = presorted;
    sorted = new Float64Array(m);
    for (let i = 0; i < m; i++) sorted[pos[i]] = mus[i];
  } else {
    sorted = mus.slice().sort();
    // Position of each original index in sorted order: equal values take consecutive slots of their
    // run in original order (a stable sort), found by binary search plus a per-run counter.
    const taken = new Int32Array(m);
    for (let i = 0; i < m; i++) {
      const start = lowerBound(sorted, mus[i]);
      pos[i] = start + taken[start]++;
    }
  }
  const at = (k: number) => (k < 0 ? low : k >= m ? high : sorted[k]);
  const sortedSigma = new Float64Array(m);
  for (let k = 0; k < m; k++) sortedSigma[k] = Math.max(at(k) - at(k - 1), at(k + 1) - at(k));
  if (!considerEndpoints && m + 2 >= 4) {
    sortedSigma[0] = at(1) - at(0);
    sortedSigma[m - 1] = at(m - 1) - at(m - 2);
  }
  for (let i = 0; i < m; i++) out[i] = sortedSigma[pos[i]];
  return pos;
}

function categoricalKernels(obs: Float64Array, nChoices: number, priorWeight: number): CategoricalKernels {
  const n = obs.length;
  const observed = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) observed[i] = obs[i];
  observed[n] = -1;
  return { kind: 'categorical', observed, ...categoricalRow(nChoices, priorWeight, n), nChoices };
}

/**
 * A categorical parameter's mixture of kernel rows, one categorical: each choice's probability,
 * accumulated kernel by kernel (`observed[0 .. n)`, then the prior's uniform row) with the
 * normalised weights `w` (n + 1 of them, the prior's last). The estimator built from scratch and
 * the one kept across trials (`CategoricalAbove`) form it here, so they form the same doubles.
 */
export function categoricalMixture(
  observed: ArrayLike<number>,
  n: number,
  w: Float64Array,
  row: { readonly pHit: number; readonly pMiss: number; readonly nChoices: number },
): Float64Array {
  const { pHit, pMiss, nChoices } = row;
  const hitExtra = pHit - pMiss;
  const probs = new Float64Array(nChoices);
  for (let i = 0; i <= n; i++) {
    const o = i < n ? observed[i] : -1;
    // Each term formed once, the same double for every choice.
    const share = o < 0 ? w[i] / nChoices : w[i] * pMiss;
    for (let c = 0; c < nChoices; c++) probs[c] += share;
    if (o >= 0) probs[o] += w[i] * hitExtra;
  }
  return probs;
}

/**
 * The row of a categorical kernel among n observations (Optuna 5.0's): priorWeight/(n+1) on every
 * choice plus 1 on the observed one, normalised; the probability of the observed choice and of
 * each other one.
 */
export function categoricalRow(nChoices: number, priorWeight: number, n: number): { pHit: number; pMiss: number } {
  const base = priorWeight / (n + 1);
  const rowSum = 1 + nChoices * base;
  return { pHit: (base + 1) / rowSum, pMiss: base / rowSum };
}

function sampleCategoricalRow(k: CategoricalKernels, component: number, u: number): number {
  const o = k.observed[component];
  if (o < 0) return Math.min(k.nChoices - 1, Math.floor(u * k.nChoices));
  let acc = 0;
  for (let c = 0; c < k.nChoices; c++) {
    acc += c === o ? k.pHit : k.pMiss;
    if (u < acc) return c;
  }
  return k.nChoices - 1;
}

/** The component whose cumulative weight first exceeds u. */
export function searchCumulative(cum: Float64Array, u: number): number {
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cum[mid] <= u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The log density of a univariate continuous Parzen estimator built from observations already in
 * ascending order, for evaluation only (TPE's "above" estimator is never sampled). It is the same
 * model as `new ParzenEstimator([values], [model], params, weights)` (univariate bandwidths, magic
 * clip, prior kernel), fused into one pass with no sort, for large histories.
 */
export class SortedUnivariateDensity {
  private readonly mixture: SortedGaussianSum;
  /** The prior kernel (not among the sorted observations: it takes no part in their bandwidths). */
  private readonly prior: number;
  private readonly priorInv: number;
  private readonly priorCoef: number;

  constructor(
    private readonly model: ParamModel & { kind: 'numeric' },
    sortedValues: Float64Array,
    rawWeights: Float64Array,
    params: ParzenEstimatorParameters,
  ) {
    const n = sortedValues.length;
    const { low, high } = model;
    const range = high - low;
    let observed = 0;
    for (let i = 0; i < n; i++) {
      const wi = rawWeights[i];
      if (!Number.isFinite(wi) || wi < 0) {
        throw new InvalidArgumentError(
          `TPESampler: the weights function must return finite non-negative values; got ${wi} (for n = ${n}).`,
        );
      }
      observed += wi;
    }
    if (n > 0 && observed <= 0) throw new InvalidArgumentError(`TPESampler: the weights function returned all zeros (for n = ${n}).`);
    const total = observed + params.priorWeight;
    const mu = new Float64Array(n);
    for (let i = 0; i < n; i++) mu[i] = forward(model, sortedValues[i]);
    const at = (k: number) => (k < 0 ? low : k >= n ? high : mu[k]);
    const minSigma = params.considerMagicClip ? magicClipFloor(range, n) : EPS;
    const inv = new Float64Array(n);
    const coef = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const sigma = kernelBandwidth(at(k - 1), mu[k], at(k + 1), k, n, params.considerEndpoints, range, minSigma);
      inv[k] = 1 / sigma;
      coef[k] = (rawWeights[k] / total) * kernelHeight(low, high, mu[k], sigma) * inv[k];
    }
    this.mixture = new SortedGaussianSum(mu, inv, coef);
    this.prior = 0.5 * (low + high);
    this.priorInv = 1 / range;
    this.priorCoef = (params.priorWeight / total) * kernelHeight(low, high, this.prior, range) * this.priorInv;
  }

  logPdf(samples: readonly Float64Array[], out: Float64Array = new Float64Array(samples[0].length)): Float64Array {
    const xs = samples[0];
    for (let s = 0; s < xs.length; s++) {
      const y = forward(this.model, xs[s]);
      const pz = (y - this.prior) * this.priorInv;
      out[s] = Math.log(this.priorCoef * Math.exp(-0.5 * pz * pz) + this.mixture.at(y));
    }
    return out;
  }
}

/**
 * The magic clip's floor on the bandwidths of n observations over a range: range/min(100, n + 2),
 * the prior counting among the n + 1 kernels (Optuna 5.0). It stops moving at n = 98.
 */
export function magicClipFloor(range: number, n: number): number {
  return range / Math.min(100, n + 2);
}

/**
 * The bandwidth of the observation at sorted position k of m: the larger gap to its sorted
 * neighbours (the range bounds stand in beyond the ends); without `considerEndpoints` the
 * outermost observations (from m = 2 on) use the gap to their inner neighbour. Clipped to
 * [minSigma, range].
 */
export function kernelBandwidth(
  prevMu: number,
  mu: number,
  nextMu: number,
  k: number,
  m: number,
  considerEndpoints: boolean,
  range: number,
  minSigma: number,
): number {
  let sigma: number;
  if (!considerEndpoints && m >= 2 && k === 0) sigma = nextMu - mu;
  else if (!considerEndpoints && m >= 2 && k === m - 1) sigma = mu - prevMu;
  else sigma = Math.max(mu - prevMu, nextMu - mu);
  return Math.min(range, Math.max(minSigma, sigma));
}

/**
 * A continuous kernel's truncation factor 1/(sqrt(2 pi) Z), with Z its mass inside [low, high].
 * The kernel is this times exp(-z^2/2), times 1/sigma for properly normalised kernels.
 */
export function kernelHeight(low: number, high: number, mu: number, sigma: number): number {
  return heightOfLogZ(logNormalMass(low, high, mu, sigma));
}

/** `kernelHeight` from the kernel's log truncation mass (for a caller that keeps that too). */
export function heightOfLogZ(logZ: number): number {
  // Most kernels sit well inside the range (logZ = 0): skip the exponential for them.
  return logZ === 0 ? INV_SQRT_2PI : Math.exp(-logZ - LOG_SQRT_2PI);
}
