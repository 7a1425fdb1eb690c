/**
 * Support vector classification on libsvm (libsvm-js: libsvm 3.22 compiled to WebAssembly), the
 * same solver scikit-learn's SVC wraps, so the same C, kernel, gamma, degree and coef0 give the same
 * predictions. Defaults follow scikit-learn's SVC (C 1, rbf, gamma 'scale', degree 3, tol 1e-3).
 */
import { showModelParams } from '../constructedDisplay';
import { InvalidArgumentError } from '../errors';
import { requireOptional } from '../optionalDependency';
import { mergeOptions, type Exactly } from '../options';
import { accuracy, checkX, checkXy, classLabels, type Estimator, type Matrix, type Vector } from './estimator';
import { requireInt } from '../validate';

export type SVCKernel = 'linear' | 'poly' | 'rbf' | 'sigmoid';

/** SVC's options; an unknown key is a compile error in TypeScript and an InvalidArgumentError at run time. */
export type SVCParams = {
  C: number;
  kernel: SVCKernel;
  /** A positive number, 'scale' (1 / (features * variance of X), sklearn's default) or 'auto' (1 / features). */
  gamma: number | 'scale' | 'auto';
  degree: number;
  coef0: number;
  tol: number;
  shrinking: boolean;
};

const SVC_DEFAULTS: SVCParams = { C: 1, kernel: 'rbf', gamma: 'scale', degree: 3, coef0: 0, tol: 1e-3, shrinking: true };

interface LibsvmModel {
  train(samples: number[][], labels: number[]): void;
  predict(samples: number[][]): number[];
  free(): void;
}
interface LibsvmClass {
  new (options: Record<string, unknown>): LibsvmModel;
  KERNEL_TYPES: Record<'LINEAR' | 'POLYNOMIAL' | 'RBF' | 'SIGMOID', number>;
  SVM_TYPES: Record<'C_SVC', number>;
}

let libsvm: Promise<LibsvmClass> | null = null;

/** Load libsvm's WebAssembly build once. Emscripten logs a harmless notice about streaming compile in Node; keep it quiet. */
function loadLibsvm(): Promise<LibsvmClass> {
  if (!libsvm) {
    const warn = console.warn;
    const error = console.error;
    const restore = () => {
      console.warn = warn;
      console.error = error;
    };
    console.warn = () => undefined;
    console.error = () => undefined;
    try {
      libsvm = requireOptional<Promise<LibsvmClass>>('libsvm-js', 'SVC (libsvm)', InvalidArgumentError).finally(restore);
    } catch (e) {
      restore();
      throw e;
    }
  }
  return libsvm;
}

const KERNELS: Record<SVCKernel, 'LINEAR' | 'POLYNOMIAL' | 'RBF' | 'SIGMOID'> = {
  linear: 'LINEAR',
  poly: 'POLYNOMIAL',
  rbf: 'RBF',
  sigmoid: 'SIGMOID',
};

export class SVC implements Estimator<SVCParams> {
  readonly estimatorType = 'classifier' as const;
  private readonly params: SVCParams;
  private model: LibsvmModel | null = null;
  /** libsvm wants numeric labels; we map classes to 0..k-1 and back. */
  private classes: number[] = [];
  /** The number of features `fit` saw (scikit-learn's n_features_in_); undefined before fit. */
  nFeaturesIn: number | undefined = undefined;

  constructor(params: Partial<SVCParams> = {}) {
    this.params = mergeOptions('SVC', SVC_DEFAULTS, params);
    showModelParams(this, 'SVC', SVC_DEFAULTS, this.params);
    const { C, kernel, gamma, degree } = this.params;
    if (!(C > 0)) throw new InvalidArgumentError(`SVC: C must be > 0, got ${C}.`);
    if (!(kernel in KERNELS))
      throw new InvalidArgumentError(`SVC: kernel must be one of linear, poly, rbf, sigmoid; got ${String(kernel)}.`);
    if (!(gamma === 'scale' || gamma === 'auto' || (typeof gamma === 'number' && gamma > 0))) {
      throw new InvalidArgumentError(`SVC: gamma must be a positive number, 'scale' or 'auto'; got ${String(gamma)}.`);
    }
    requireInt('SVC', 'degree', degree, 1);
  }

  getParams(): SVCParams {
    return { ...this.params };
  }

  clone<O extends Partial<SVCParams>>(params?: Exactly<O, SVCParams>): SVC {
    return new SVC(mergeOptions('SVC.clone', this.params, params));
  }

  /** The gamma libsvm receives: 'scale' and 'auto' are resolved on the training data as scikit-learn does. */
  resolvedGamma(X: Matrix): number {
    const { gamma } = this.params;
    if (typeof gamma === 'number') return gamma;
    const d = X[0].length;
    if (gamma === 'auto') return 1 / d;
    let sum = 0;
    let n = 0;
    for (const row of X) {
      for (const v of row) {
        sum += v;
        n++;
      }
    }
    const mean = sum / n;
    let ss = 0;
    for (const row of X) for (const v of row) ss += (v - mean) ** 2;
    const variance = ss / n;
    return variance === 0 ? 1 : 1 / (d * variance);
  }

  async fit(X: Matrix, y: Vector): Promise<this> {
    checkXy('SVC.fit', X, y);
    this.classes = classLabels('SVC.fit', y);
    const SVM = await loadLibsvm();
    this.nFeaturesIn = X[0].length;
    const index = new Map(this.classes.map((c, i) => [c, i]));
    this.model?.free();
    const p = this.params;
    this.model = new SVM({
      type: SVM.SVM_TYPES.C_SVC,
      kernel: SVM.KERNEL_TYPES[KERNELS[p.kernel]],
      cost: p.C,
      gamma: this.resolvedGamma(X),
      degree: p.degree,
      coef0: p.coef0,
      tolerance: p.tol,
      shrinking: p.shrinking,
      cacheSize: 200,
      probabilityEstimates: false,
      quiet: true,
    });
    // Present the samples grouped by class in sorted label order (stable within a class). libsvm
    // groups classes by first appearance, scikit-learn's patched copy by sorted label; this makes the
    // two identical, including the one-vs-one vote tie-break.
    const order = X.map((_, i) => i).sort((a, b) => (index.get(y[a]) as number) - (index.get(y[b]) as number) || a - b);
    this.model.train(
      order.map((i) => [...X[i]]),
      order.map((i) => index.get(y[i]) as number),
    );
    return this;
  }

  predict(X: Matrix): number[] {
    if (!this.model || this.nFeaturesIn === undefined) throw new InvalidArgumentError('SVC.predict: call fit(X, y) first.');
    checkX('SVC.predict', X, this.nFeaturesIn);
    return this.model.predict(X.map((r) => [...r])).map((k) => this.classes[k]);
  }

  score(X: Matrix, y: Vector): number {
    return accuracy(y, this.predict(X));
  }

  /** Free the model's libsvm (WebAssembly) memory; crossValidate does this for each fold's model. */
  dispose(): void {
    this.model?.free();
    this.model = null;
  }
}
