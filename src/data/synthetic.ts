/**
 * scikit-learn's synthetic data generators with its parameters (camelCase) and semantics:
 * makeClassification (Guyon's MADELON design: Gaussian clusters on the vertices of a hypercube in
 * the informative subspace, then redundant, repeated and useless features), makeRegression (a
 * random linear model on Gaussian or low-rank inputs) and makeBlobs (isotropic Gaussian clusters).
 *
 * Seeded by tunelab's Rng (`seed`, or scikit-learn's name `randomState`): the same seed gives the
 * same data on every machine. The draws are not numpy's, so the numbers differ from scikit-learn's
 * for the same seed; what each parameter does (class sizes, informative rank, class separation,
 * coefficients, cluster centres and spreads) is the same, and test/data/synthetic.test.ts checks it
 * against scikit-learn 1.9.
 */
import { InvalidArgumentError } from '../errors';
import { mergeOptions, type Exactly, type RandomStateOption } from '../options';
import { Rng } from '../rng';
import { requireInt } from '../validate';

/** The seed options every generator takes: tunelab's `seed`, or scikit-learn's name for it (`randomState`). */
export type SeedOptions = RandomStateOption & {
  seed: number | undefined;
};

export type MakeClassificationOptions = SeedOptions & {
  nSamples: number;
  nFeatures: number;
  /** Features spanning the class structure (the hypercube's dimensions). */
  nInformative: number;
  /** Random linear combinations of the informative features. */
  nRedundant: number;
  /** Copies of informative or redundant features, drawn at random. */
  nRepeated: number;
  nClasses: number;
  nClustersPerClass: number;
  /** Share of samples per class (nClasses values, or nClasses - 1 with the last one 1 - their sum); null for balanced classes. */
  weights: readonly number[] | null;
  /** Fraction of samples whose class is replaced by a random one (label noise; can leave a sample in its class). */
  flipY: number;
  /** Half the side of the hypercube: larger spreads the clusters apart and eases the task. */
  classSep: number;
  /** Clusters on the vertices of a hypercube (true) or of a random polytope (false). */
  hypercube: boolean;
  /** Added to every feature: one number, one per feature, or null for a random shift in [-classSep, classSep]. */
  shift: number | readonly number[] | null;
  /** Multiplies every feature after the shift: one number, one per feature, or null for a random scale in [1, 101]. */
  scale: number | readonly number[] | null;
  /** Shuffle samples and features (otherwise the columns are informative, redundant, repeated, useless, in that order). */
  shuffle: boolean;
};

const CLASSIFICATION_DEFAULTS: MakeClassificationOptions = {
  nSamples: 100,
  nFeatures: 20,
  nInformative: 2,
  nRedundant: 2,
  nRepeated: 0,
  nClasses: 2,
  nClustersPerClass: 2,
  weights: null,
  flipY: 0.01,
  classSep: 1,
  hypercube: true,
  shift: 0,
  scale: 1,
  shuffle: true,
  seed: undefined,
};

export type FeatureKind = 'informative' | 'redundant' | 'repeated' | 'random';

export interface ClassificationData {
  X: number[][];
  /** Class indices 0..nClasses-1. */
  y: number[];
  /** What each column of X is, after the feature shuffle (scikit-learn's `feature_info`, return_X_y=False). */
  featureInfo: FeatureKind[];
}

export type MakeRegressionOptions = SeedOptions & {
  nSamples: number;
  nFeatures: number;
  /** Features with a non-zero coefficient (uniform in [0, 100)). */
  nInformative: number;
  nTargets: number;
  /** Added to every target. */
  bias: number;
  /** Null for independent standard normal inputs; else the approximate number of singular vectors explaining most of X (a low-rank, correlated X). */
  effectiveRank: number | null;
  /** Relative weight of the slowly decaying tail of X's singular values (with effectiveRank). */
  tailStrength: number;
  /** Standard deviation of the Gaussian noise added to the targets. */
  noise: number;
  shuffle: boolean;
  /** Also return the coefficients of the underlying linear model. */
  coef: boolean;
};

const REGRESSION_DEFAULTS: MakeRegressionOptions = {
  nSamples: 100,
  nFeatures: 100,
  nInformative: 10,
  nTargets: 1,
  bias: 0,
  effectiveRank: null,
  tailStrength: 0.5,
  noise: 0,
  shuffle: true,
  coef: false,
  seed: undefined,
};

/** One target (y and coef are vectors), several (matrices), or unknown to the type checker (a variable). */
type TargetCount<N> = [N] extends [1] ? 'one' : number extends N ? 'either' : 'many';
type Targets<T extends 'one' | 'many' | 'either'> = T extends 'one' ? number[] : T extends 'many' ? number[][] : number[] | number[][];

/**
 * What makeRegression returns: y as a vector for one target (scikit-learn squeezes it) or one row
 * of targets per sample; `coef` (only with `coef: true`) as one number per feature, or a
 * features x targets matrix.
 */
export type RegressionData<O = object, N extends number = 1> = { X: number[][]; y: Targets<TargetCount<N>> } & (O extends { coef: true }
  ? { coef: Targets<TargetCount<N>> }
  : O extends { coef: boolean }
    ? { coef?: Targets<TargetCount<N>> }
    : object);

export type MakeBlobsOptions = SeedOptions & {
  /** A total split evenly over the centres (the first ones get one more), or the count of each cluster. */
  nSamples: number | readonly number[];
  /** Ignored when `centers` lists coordinates (their length is the number of features). */
  nFeatures: number;
  /** A number of random centres (in centerBox), their coordinates, or null (3 centres, or one per entry of nSamples). */
  centers: number | ReadonlyArray<readonly number[]> | null;
  /** Standard deviation of every cluster, or one per cluster. */
  clusterStd: number | readonly number[];
  /** Bounds of random centres' coordinates. */
  centerBox: readonly [number, number];
  shuffle: boolean;
  /** Also return the centres. */
  returnCenters: boolean;
};

const BLOBS_DEFAULTS: MakeBlobsOptions = {
  nSamples: 100,
  nFeatures: 2,
  centers: null,
  clusterStd: 1,
  centerBox: [-10, 10],
  shuffle: true,
  returnCenters: false,
  seed: undefined,
};

export type BlobsData<O = object> = { X: number[][]; y: number[] } & (O extends { returnCenters: true }
  ? { centers: number[][] }
  : O extends { returnCenters: boolean }
    ? { centers?: number[][] }
    : object);

/** The generator's Rng, from the seed `mergeOptions` took from `seed` or `randomState`. */
function rngOf(where: string, o: SeedOptions): Rng {
  if (o.seed !== undefined) requireInt(where, 'seed', o.seed, 0);
  return new Rng(o.seed);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function checkNumber(where: string, name: string, v: unknown, ok: (x: number) => boolean, what: string): void {
  if (!(typeof v === 'number' && Number.isFinite(v) && ok(v)))
    throw new InvalidArgumentError(`${where}: ${name} must be ${what}, got ${String(v)}.`);
}

/** A per-feature vector from a number, a list of nFeatures numbers, or null (drawn by `random`). */
function perFeature(where: string, name: string, v: number | readonly number[] | null, d: number, random: () => number): number[] {
  if (v === null) return Array.from({ length: d }, random);
  if (typeof v === 'number') {
    checkNumber(where, name, v, () => true, 'a finite number');
    return new Array<number>(d).fill(v);
  }
  if (!Array.isArray(v) || v.length !== d || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new InvalidArgumentError(
      `${where}: ${name} must be a number, ${d} finite numbers (one per feature), or null; got ${JSON.stringify(v)}.`,
    );
  }
  return [...v];
}

/** `count` distinct random vertices of the unit hypercube in `dims` dimensions (as scikit-learn: distinct in the last 30 bits). */
function hypercubeVertices(count: number, dims: number, rng: Rng): number[][] {
  const low = Math.min(dims, 30);
  const space = 2 ** low;
  const codes = new Set<number>();
  if (count > space / 2) {
    for (const c of rng.shuffle(Array.from({ length: space }, (_, i) => i)).slice(0, count)) codes.add(c);
  } else {
    while (codes.size < count) codes.add(Math.floor(rng.random() * space));
  }
  return [...codes].map((code) => {
    const high = Array.from({ length: dims - low }, () => (rng.random() < 0.5 ? 0 : 1));
    const bits = Array.from({ length: low }, (_, b) => Math.floor(code / 2 ** (low - 1 - b)) % 2);
    return [...high, ...bits];
  });
}

/** Rows permuted together with their labels, then columns permuted (the same order for every row). */
function shuffleRowsAndColumns<T>(X: number[][], y: T[], rng: Rng): { X: number[][]; y: T[]; columns: number[] } {
  const rows = rng.shuffle(Array.from({ length: X.length }, (_, i) => i));
  const columns = rng.shuffle(Array.from({ length: X[0]?.length ?? 0 }, (_, j) => j));
  return { X: rows.map((i) => columns.map((j) => X[i][j])), y: rows.map((i) => y[i]), columns };
}

/**
 * A random n-class classification problem, as sklearn.datasets.make_classification: each class is
 * nClustersPerClass Gaussian clusters (unit variance, then a random linear map) centred on distinct
 * vertices of a hypercube of side 2*classSep in the nInformative-dimensional subspace, followed by
 * nRedundant random linear combinations of those features, nRepeated copies, and standard normal
 * noise features; then label noise (flipY), shift, scale and shuffling.
 */
export function makeClassification<O extends Partial<MakeClassificationOptions> = Partial<MakeClassificationOptions>>(
  options?: Exactly<O, MakeClassificationOptions>,
): ClassificationData {
  const where = 'makeClassification';
  const o = mergeOptions(where, CLASSIFICATION_DEFAULTS, options);
  requireInt(where, 'nSamples', o.nSamples, 1);
  requireInt(where, 'nFeatures', o.nFeatures, 1);
  requireInt(where, 'nInformative', o.nInformative, 1);
  requireInt(where, 'nRedundant', o.nRedundant, 0);
  requireInt(where, 'nRepeated', o.nRepeated, 0);
  requireInt(where, 'nClasses', o.nClasses, 1);
  requireInt(where, 'nClustersPerClass', o.nClustersPerClass, 1);
  checkNumber(where, 'flipY', o.flipY, (v) => v >= 0 && v <= 1, 'in [0, 1]');
  checkNumber(where, 'classSep', o.classSep, () => true, 'a finite number');
  const nInf = o.nInformative;
  if (nInf + o.nRedundant + o.nRepeated > o.nFeatures) {
    throw new InvalidArgumentError(
      `${where}: nInformative + nRedundant + nRepeated (${nInf + o.nRedundant + o.nRepeated}) must be at most nFeatures (${o.nFeatures}).`,
    );
  }
  const nClusters = o.nClasses * o.nClustersPerClass;
  if (nInf < Math.log2(nClusters)) {
    throw new InvalidArgumentError(
      `${where}: nClasses (${o.nClasses}) * nClustersPerClass (${o.nClustersPerClass}) must be at most 2**nInformative = ${2 ** nInf}: each cluster takes its own vertex of the hypercube. Raise nInformative.`,
    );
  }
  let weights: number[];
  if (o.weights === null) weights = new Array<number>(o.nClasses).fill(1 / o.nClasses);
  else {
    const w = o.weights;
    if (!Array.isArray(w) || !w.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
      throw new InvalidArgumentError(`${where}: weights must be non-negative numbers, got ${JSON.stringify(w)}.`);
    }
    if (w.length === o.nClasses) weights = [...w];
    else if (w.length === o.nClasses - 1) weights = [...w, 1 - w.reduce((a, b) => a + b, 0)];
    else throw new InvalidArgumentError(`${where}: weights must have nClasses (${o.nClasses}) or nClasses - 1 entries, got ${w.length}.`);
  }
  const rng = rngOf(where, o);
  const d = o.nFeatures;

  // Samples per cluster: the class's share split evenly over its clusters, the remainder dealt round
  // robin. With weights summing to more than 1 the last clusters are cut short at nSamples, as in scikit-learn.
  const perCluster = Array.from({ length: nClusters }, (_, k) => Math.floor((o.nSamples * weights[k % o.nClasses]) / o.nClustersPerClass));
  const missing = o.nSamples - perCluster.reduce((a, b) => a + b, 0);
  for (let i = 0; i < missing; i++) perCluster[i % nClusters]++;
  const n = o.nSamples;

  const centroids = hypercubeVertices(nClusters, nInf, rng).map((v) => v.map((b) => b * 2 * o.classSep - o.classSep));
  if (!o.hypercube) {
    const perClusterFactor = centroids.map(() => rng.random());
    const perDimFactor = Array.from({ length: nInf }, () => rng.random());
    centroids.forEach((c, k) => c.forEach((_, j) => (c[j] *= perClusterFactor[k] * perDimFactor[j])));
  }

  const X: number[][] = Array.from({ length: n }, () => new Array<number>(d).fill(0));
  const y = new Array<number>(n).fill(0);
  for (const row of X) for (let j = 0; j < nInf; j++) row[j] = rng.normal();
  let start = 0;
  for (let k = 0; k < nClusters; k++) {
    const stop = Math.min(n, start + perCluster[k]);
    // A random covariance for the cluster: multiply by A with entries uniform in [-1, 1).
    const A = Array.from({ length: nInf }, () => Array.from({ length: nInf }, () => 2 * rng.random() - 1));
    for (let i = start; i < stop; i++) {
      y[i] = k % o.nClasses;
      const z = X[i].slice(0, nInf);
      for (let j = 0; j < nInf; j++) {
        let s = 0;
        for (let m = 0; m < nInf; m++) s += z[m] * A[m][j];
        X[i][j] = s + centroids[k][j];
      }
    }
    start = stop;
  }
  if (o.nRedundant > 0) {
    const B = Array.from({ length: nInf }, () => Array.from({ length: o.nRedundant }, () => 2 * rng.random() - 1));
    for (const row of X) {
      for (let r = 0; r < o.nRedundant; r++) {
        let s = 0;
        for (let m = 0; m < nInf; m++) s += row[m] * B[m][r];
        row[nInf + r] = s;
      }
    }
  }
  if (o.nRepeated > 0) {
    const k = nInf + o.nRedundant;
    const sources = Array.from({ length: o.nRepeated }, () => Math.floor((k - 1) * rng.random() + 0.5));
    for (const row of X) sources.forEach((src, r) => (row[k + r] = row[src]));
  }
  const firstUseless = nInf + o.nRedundant + o.nRepeated;
  for (const row of X) for (let j = firstUseless; j < d; j++) row[j] = rng.normal();

  if (o.flipY > 0) {
    const flip = Array.from({ length: n }, () => rng.random() < o.flipY);
    flip.forEach((f, i) => {
      if (f) y[i] = rng.int(0, o.nClasses - 1);
    });
  }
  const shift = perFeature(where, 'shift', o.shift, d, () => (2 * rng.random() - 1) * o.classSep);
  const scale = perFeature(where, 'scale', o.scale, d, () => 1 + 100 * rng.random());
  for (const row of X) for (let j = 0; j < d; j++) row[j] = (row[j] + shift[j]) * scale[j];

  const kindOf = (j: number): FeatureKind =>
    j < nInf ? 'informative' : j < nInf + o.nRedundant ? 'redundant' : j < firstUseless ? 'repeated' : 'random';
  if (!o.shuffle) return { X, y, featureInfo: range(d).map(kindOf) };
  const s = shuffleRowsAndColumns(X, y, rng);
  return { X: s.X, y: s.y, featureInfo: s.columns.map(kindOf) };
}

/** Orthonormal columns spanning the columns of the rows-by-cols matrix M (modified Gram-Schmidt, applied twice for accuracy). */
function orthonormalColumns(M: number[][]): number[][] {
  const rows = M.length;
  const cols = M[0].length;
  const Q = M.map((r) => [...r]);
  for (let j = 0; j < cols; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < rows; i++) dot += Q[i][k] * Q[i][j];
        for (let i = 0; i < rows; i++) Q[i][j] -= dot * Q[i][k];
      }
    }
    let norm = 0;
    for (let i = 0; i < rows; i++) norm += Q[i][j] ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < rows; i++) Q[i][j] /= norm;
  }
  return Q;
}

/**
 * A matrix with a bell-shaped singular value profile, as sklearn.datasets.make_low_rank_matrix:
 * U diag(s) V^T with random orthonormal U and V and s_i = (1 - tailStrength) exp(-(i / rank)^2) +
 * tailStrength exp(-0.1 i / rank).
 */
function lowRankMatrix(nSamples: number, nFeatures: number, effectiveRank: number, tailStrength: number, rng: Rng): number[][] {
  const k = Math.min(nSamples, nFeatures);
  const U = orthonormalColumns(Array.from({ length: nSamples }, () => Array.from({ length: k }, () => rng.normal())));
  const V = orthonormalColumns(Array.from({ length: nFeatures }, () => Array.from({ length: k }, () => rng.normal())));
  const s = Array.from(
    { length: k },
    (_, i) => (1 - tailStrength) * Math.exp(-((i / effectiveRank) ** 2)) + tailStrength * Math.exp((-0.1 * i) / effectiveRank),
  );
  return U.map((u) => {
    const us = u.map((x, i) => x * s[i]);
    return V.map((v) => {
      let t = 0;
      for (let i = 0; i < k; i++) t += us[i] * v[i];
      return t;
    });
  });
}

/**
 * A random linear regression problem, as sklearn.datasets.make_regression: y = X w + bias + noise,
 * where nInformative coefficients of w are uniform in [0, 100) and the rest 0; X is standard normal,
 * or low-rank with `effectiveRank`. With `coef: true` the coefficients come back too (after the
 * feature shuffle, so `X w` reproduces y).
 */
export function makeRegression<O extends Partial<MakeRegressionOptions> = Partial<MakeRegressionOptions>, N extends number = 1>(
  // nTargets is read separately so that its literal type (1, or 3) decides the shape of y and coef.
  options?: Exactly<O, MakeRegressionOptions> & { nTargets?: N },
): RegressionData<O, N> {
  const where = 'makeRegression';
  const o = mergeOptions(where, REGRESSION_DEFAULTS, options);
  requireInt(where, 'nSamples', o.nSamples, 1);
  requireInt(where, 'nFeatures', o.nFeatures, 1);
  requireInt(where, 'nInformative', o.nInformative, 0);
  requireInt(where, 'nTargets', o.nTargets, 1);
  checkNumber(where, 'bias', o.bias, () => true, 'a finite number');
  checkNumber(where, 'noise', o.noise, (v) => v >= 0, '>= 0');
  checkNumber(where, 'tailStrength', o.tailStrength, (v) => v >= 0 && v <= 1, 'in [0, 1]');
  if (o.effectiveRank !== null) checkNumber(where, 'effectiveRank', o.effectiveRank, (v) => v > 0, 'a positive number or null');
  const rng = rngOf(where, o);
  const n = o.nSamples;
  const d = o.nFeatures;
  const t = o.nTargets;
  const nInf = Math.min(d, o.nInformative);
  const X =
    o.effectiveRank === null
      ? Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()))
      : lowRankMatrix(n, d, o.effectiveRank, o.tailStrength, rng);
  const w = Array.from({ length: d }, (_, j) => Array.from({ length: t }, () => (j < nInf ? 100 * rng.random() : 0)));
  let Y = X.map((row) =>
    Array.from({ length: t }, (_, c) => {
      let s = o.bias;
      for (let j = 0; j < nInf; j++) s += row[j] * w[j][c];
      return s;
    }),
  );
  if (o.noise > 0) Y = Y.map((r) => r.map((v) => v + rng.normal(0, o.noise)));
  let Xout = X;
  let coef = w;
  if (o.shuffle) {
    const s = shuffleRowsAndColumns(X, Y, rng);
    Xout = s.X;
    Y = s.y;
    coef = s.columns.map((j) => w[j]);
  }
  const one = o.nTargets === 1;
  const out: Record<string, unknown> = { X: Xout, y: one ? Y.map((r) => r[0]) : Y };
  if (o.coef) out.coef = one ? coef.map((r) => r[0]) : coef;
  return out as RegressionData<O, N>;
}

/**
 * Isotropic Gaussian blobs, as sklearn.datasets.make_blobs: cluster i has nSamples[i] points (or an
 * even share of nSamples) drawn around centre i with standard deviation clusterStd[i]; y is the
 * cluster index. Random centres are uniform in centerBox.
 */
export function makeBlobs<O extends Partial<MakeBlobsOptions> = Partial<MakeBlobsOptions>>(
  options?: Exactly<O, MakeBlobsOptions>,
): BlobsData<O> {
  const where = 'makeBlobs';
  const o = mergeOptions(where, BLOBS_DEFAULTS, options);
  const rng = rngOf(where, o);
  const box = o.centerBox;
  if (!(Array.isArray(box) && box.length === 2 && Number.isFinite(box[0]) && Number.isFinite(box[1]) && box[0] <= box[1])) {
    throw new InvalidArgumentError(`${where}: centerBox must be [min, max] with min <= max, got ${JSON.stringify(box)}.`);
  }
  const randomCenters = (count: number, dims: number) =>
    Array.from({ length: count }, () => Array.from({ length: dims }, () => rng.uniform(box[0], box[1])));
  let counts: number[];
  let centers: number[][];
  if (typeof o.nSamples === 'number') {
    requireInt(where, 'nSamples', o.nSamples, 1);
    const c = o.centers ?? 3;
    if (typeof c === 'number') {
      requireInt(where, 'centers', c, 1);
      requireInt(where, 'nFeatures', o.nFeatures, 1);
      centers = randomCenters(c, o.nFeatures);
    } else centers = checkCenters(where, c);
    const k = centers.length;
    counts = Array.from({ length: k }, (_, i) => Math.floor((o.nSamples as number) / k) + (i < (o.nSamples as number) % k ? 1 : 0));
  } else {
    const ns = o.nSamples;
    if (!Array.isArray(ns) || ns.length === 0)
      throw new InvalidArgumentError(`${where}: nSamples must be a count or a non-empty list of counts per cluster.`);
    ns.forEach((v, i) => requireInt(where, `nSamples[${i}]`, v, 0));
    counts = [...ns];
    if (o.centers === null) {
      requireInt(where, 'nFeatures', o.nFeatures, 1);
      centers = randomCenters(counts.length, o.nFeatures);
    } else if (typeof o.centers === 'number') {
      throw new InvalidArgumentError(
        `${where}: with nSamples per cluster, centers must be null or the list of their coordinates, not a count.`,
      );
    } else {
      centers = checkCenters(where, o.centers);
      if (centers.length !== counts.length) {
        throw new InvalidArgumentError(
          `${where}: nSamples lists ${counts.length} clusters but centers has ${centers.length}; give one count per centre.`,
        );
      }
    }
  }
  const k = centers.length;
  const stds = typeof o.clusterStd === 'number' ? new Array<number>(k).fill(o.clusterStd) : [...o.clusterStd];
  if (stds.length !== k || !stds.every((s) => typeof s === 'number' && Number.isFinite(s) && s >= 0)) {
    throw new InvalidArgumentError(
      `${where}: clusterStd must be a non-negative number or ${k} of them (one per centre), got ${JSON.stringify(o.clusterStd)}.`,
    );
  }
  const X: number[][] = [];
  const y: number[] = [];
  centers.forEach((c, i) => {
    for (let s = 0; s < counts[i]; s++) {
      X.push(c.map((m) => rng.normal(m, stds[i])));
      y.push(i);
    }
  });
  let result: { X: number[][]; y: number[] } = { X, y };
  if (o.shuffle) {
    const rows = rng.shuffle(Array.from({ length: X.length }, (_, i) => i));
    result = { X: rows.map((i) => X[i]), y: rows.map((i) => y[i]) };
  }
  return (o.returnCenters ? { ...result, centers: centers.map((c) => [...c]) } : result) as BlobsData<O>;
}

function checkCenters(where: string, c: ReadonlyArray<readonly number[]>): number[][] {
  if (!Array.isArray(c) || c.length === 0)
    throw new InvalidArgumentError(`${where}: centers must be a count or a non-empty list of coordinates.`);
  const dims = c[0]?.length;
  if (
    !c.every(
      (row) => Array.isArray(row) && row.length === dims && dims > 0 && row.every((v) => typeof v === 'number' && Number.isFinite(v)),
    )
  ) {
    throw new InvalidArgumentError(
      `${where}: every centre must list the same number (>= 1) of finite coordinates; got ${JSON.stringify(c)}.`,
    );
  }
  return c.map((row) => [...row]);
}
