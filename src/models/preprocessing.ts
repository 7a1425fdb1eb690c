/**
 * Preprocessing transformers fitted on training data only (so inside a Pipeline under
 * cross-validation they never see the test fold): StandardScaler, MinMaxScaler and PCA, with
 * scikit-learn's conventions (population variance, constant features left unscaled).
 */
import { InvalidArgumentError } from '../errors';
import { checkXy, type Matrix, type Params } from './estimator';

export interface Transformer<P extends Params = Params> {
  getParams(): P;
  clone(params?: Partial<P>): Transformer<P>;
  fit(X: Matrix): this;
  transform(X: Matrix): number[][];
}

function columnStats(X: Matrix): { mean: number[]; variance: number[]; min: number[]; max: number[] } {
  const d = X[0].length;
  const mean = new Array<number>(d).fill(0);
  const min = new Array<number>(d).fill(Infinity);
  const max = new Array<number>(d).fill(-Infinity);
  for (const row of X) {
    for (let j = 0; j < d; j++) {
      mean[j] += row[j];
      if (row[j] < min[j]) min[j] = row[j];
      if (row[j] > max[j]) max[j] = row[j];
    }
  }
  for (let j = 0; j < d; j++) mean[j] /= X.length;
  const variance = new Array<number>(d).fill(0);
  for (const row of X) for (let j = 0; j < d; j++) variance[j] += (row[j] - mean[j]) ** 2;
  for (let j = 0; j < d; j++) variance[j] /= X.length;
  return { mean, variance, min, max };
}

function fitted<T>(v: T | null, who: string): T {
  if (v === null) throw new InvalidArgumentError(`${who}.transform: call fit(X) first.`);
  return v;
}

/** Centre each feature and divide by its (population) standard deviation. */
export class StandardScaler implements Transformer<{ withMean: boolean; withStd: boolean }> {
  private shift: number[] | null = null;
  private scale: number[] | null = null;
  constructor(private readonly params: { withMean?: boolean; withStd?: boolean } = {}) {}
  getParams(): { withMean: boolean; withStd: boolean } {
    return { withMean: this.params.withMean ?? true, withStd: this.params.withStd ?? true };
  }
  clone(params: Partial<{ withMean: boolean; withStd: boolean }> = {}): StandardScaler {
    return new StandardScaler({ ...this.getParams(), ...params });
  }
  fit(X: Matrix): this {
    checkXy('StandardScaler.fit', X);
    const { mean, variance } = columnStats(X);
    const p = this.getParams();
    this.shift = p.withMean ? mean : mean.map(() => 0);
    this.scale = p.withStd ? variance.map((v) => (v === 0 ? 1 : Math.sqrt(v))) : variance.map(() => 1);
    return this;
  }
  transform(X: Matrix): number[][] {
    const shift = fitted(this.shift, 'StandardScaler');
    const scale = fitted(this.scale, 'StandardScaler');
    return X.map((row) => row.map((v, j) => (v - shift[j]) / scale[j]));
  }
}

/** Rescale each feature linearly so the training data spans [min, max] (default [0, 1]). */
export class MinMaxScaler implements Transformer<{ featureRange: [number, number] }> {
  private low: number[] | null = null;
  private span: number[] | null = null;
  constructor(private readonly params: { featureRange?: [number, number] } = {}) {
    const [a, b] = this.getParams().featureRange;
    if (!(a < b)) throw new InvalidArgumentError(`MinMaxScaler: featureRange must be [min, max] with min < max, got [${a}, ${b}].`);
  }
  getParams(): { featureRange: [number, number] } {
    return { featureRange: this.params.featureRange ?? [0, 1] };
  }
  clone(params: Partial<{ featureRange: [number, number] }> = {}): MinMaxScaler {
    return new MinMaxScaler({ ...this.getParams(), ...params });
  }
  fit(X: Matrix): this {
    checkXy('MinMaxScaler.fit', X);
    const { min, max } = columnStats(X);
    this.low = min;
    this.span = min.map((m, j) => (max[j] - m === 0 ? 1 : max[j] - m));
    return this;
  }
  transform(X: Matrix): number[][] {
    const low = fitted(this.low, 'MinMaxScaler');
    const span = fitted(this.span, 'MinMaxScaler');
    const [a, b] = this.getParams().featureRange;
    return X.map((row) => row.map((v, j) => a + ((v - low[j]) / span[j]) * (b - a)));
  }
}

/**
 * Symmetric eigendecomposition by cyclic Jacobi rotations: exact to machine precision and simple,
 * O(d^3) per sweep, fine for the tens-to-low-hundreds of features tuning data sets have.
 */
export function symmetricEigen(A: number[][]): { values: number[]; vectors: number[][] } {
  const n = A.length;
  const a = A.map((r) => [...r]);
  const v = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j): number => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(a[p][q]) < 1e-300) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k][p];
          const vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = a.map((_, i) => i).sort((i, j) => a[j][j] - a[i][i]);
  return { values: order.map((i) => a[i][i]), vectors: order.map((i) => v.map((row) => row[i])) };
}

export interface PCAParams extends Params {
  /** A count of components, or a fraction in (0, 1): keep the fewest components explaining that share of the variance. */
  nComponents: number | null;
}

/**
 * Principal component analysis on the training data's covariance. Component signs follow
 * scikit-learn's rule (the largest-magnitude loading of each component is positive).
 */
export class PCA implements Transformer<PCAParams> {
  private mean: number[] | null = null;
  private components: number[][] | null = null;
  explainedVarianceRatio: number[] = [];
  constructor(private readonly params: Partial<PCAParams> = {}) {
    const k = this.getParams().nComponents;
    if (k !== null && !(k > 0 && (k < 1 || Number.isInteger(k)))) {
      throw new InvalidArgumentError(`PCA: nComponents must be a positive integer or a fraction in (0, 1), got ${k}.`);
    }
  }
  getParams(): PCAParams {
    return { nComponents: this.params.nComponents ?? null };
  }
  clone(params: Partial<PCAParams> = {}): PCA {
    return new PCA({ ...this.getParams(), ...params });
  }
  fit(X: Matrix): this {
    checkXy('PCA.fit', X);
    const n = X.length;
    const d = X[0].length;
    const { mean } = columnStats(X);
    const cov = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    for (const row of X) {
      for (let i = 0; i < d; i++) {
        const di = row[i] - mean[i];
        for (let j = i; j < d; j++) cov[i][j] += di * (row[j] - mean[j]);
      }
    }
    for (let i = 0; i < d; i++) for (let j = i; j < d; j++) cov[j][i] = cov[i][j] = cov[i][j] / Math.max(n - 1, 1);
    const { values, vectors } = symmetricEigen(cov);
    const total = values.reduce((s, v) => s + Math.max(v, 0), 0) || 1;
    const ratios = values.map((v) => Math.max(v, 0) / total);
    const k0 = this.getParams().nComponents;
    let k = Math.min(n, d);
    if (k0 !== null && k0 >= 1) {
      if (k0 > Math.min(n, d)) throw new InvalidArgumentError(`PCA: nComponents=${k0} exceeds min(samples, features)=${Math.min(n, d)}.`);
      k = k0;
    } else if (k0 !== null) {
      let acc = 0;
      k = 0;
      while (k < ratios.length && acc < k0) acc += ratios[k++];
    }
    this.mean = mean;
    this.components = vectors.slice(0, k).map((c) => {
      let big = 0;
      for (const x of c) if (Math.abs(x) > Math.abs(big)) big = x;
      return big < 0 ? c.map((x) => -x) : c;
    });
    this.explainedVarianceRatio = ratios.slice(0, k);
    return this;
  }
  transform(X: Matrix): number[][] {
    const mean = fitted(this.mean, 'PCA');
    const comps = fitted(this.components, 'PCA');
    return X.map((row) => comps.map((c) => c.reduce((s, w, j) => s + w * (row[j] - mean[j]), 0)));
  }
}
