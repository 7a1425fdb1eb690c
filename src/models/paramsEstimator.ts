/**
 * The estimator plumbing the hand-written models share, so each model only says what it fits:
 * hyperparameters merged over defaults and checked once in the constructor, getParams / clone,
 * and (for classifiers) label encoding, predict as the most probable class and accuracy scoring.
 */
import { showModelParams } from '../constructedDisplay';
import { InvalidArgumentError } from '../errors';
import { mergeOptions, type Exactly, type ModelOptions, type WithRandomState } from '../options';
import { withAmbientSeed } from '../reproducibility/componentSeed';
import { accuracy, checkX, checkXy, classLabels, r2, type Estimator, type Matrix, type Params, type Vector } from './estimator';

/**
 * Holds a model's hyperparameters. `clone` builds a new instance through the instance's own
 * constructor, so every subclass must take its (partial) params as its first constructor argument.
 */
export abstract class ParamsEstimator<P extends Params> {
  protected readonly params: P;
  /** The number of features `fit` saw (scikit-learn's n_features_in_); undefined before fit. */
  nFeaturesIn: number | undefined = undefined;

  /** `modelName` prefixes error messages; an unknown key of `params` throws; `check` throws on invalid merged params. */
  protected constructor(
    protected readonly modelName: string,
    defaults: P,
    params: ModelOptions<P>,
    check: (where: string, p: P) => void,
  ) {
    this.params = withAmbientSeed(defaults, params, (given) => mergeOptions(modelName, defaults, given));
    check(modelName, this.params);
    showModelParams(this, modelName, defaults, this.params);
  }

  getParams(): P {
    return { ...this.params };
  }

  /** Check X for `method` (predict, predictProba...): fitted, and rows of finite values with as many features as fit saw. */
  protected checkPredictInput(method: string, X: Matrix): void {
    const where = `${this.modelName}.${method}`;
    if (this.nFeaturesIn === undefined) throw new InvalidArgumentError(`${where}: call fit(X, y) first.`);
    checkX(where, X, this.nFeaturesIn);
  }

  clone<O extends ModelOptions<P>>(params?: Exactly<O, WithRandomState<P>>): this {
    const Ctor = this.constructor as new (params: ModelOptions<P>) => this;
    return new Ctor(mergeOptions(`${this.modelName}.clone`, this.params, params));
  }
}

/** Classifier over numeric labels: `fit` implementations call `encodeLabels`; `probabilities` gives predictProba's rows for checked X. */
export abstract class ProbabilisticClassifier<P extends Params> extends ParamsEstimator<P> implements Estimator<P> {
  readonly estimatorType = 'classifier' as const;
  /** The sorted distinct labels seen by fit; column k of predictProba is classes[k]. */
  classes: number[] = [];

  abstract fit(X: Matrix, y: Vector): Promise<this>;
  /** Per row of X (already checked by the caller, once), the probability of each class. */
  protected abstract probabilities(X: Matrix): number[][];

  predictProba(X: Matrix): number[][] {
    this.checkPredictInput('predictProba', X);
    return this.probabilities(X);
  }

  /** Check X and y for fit, record the classes and return each label's class index. */
  protected encodeLabels(X: Matrix, y: Vector): Int32Array {
    const where = `${this.modelName}.fit`;
    checkXy(where, X, y);
    const classes = classLabels(where, y);
    this.nFeaturesIn = X[0].length;
    const index = new Map(classes.map((c, i) => [c, i]));
    this.classes = classes;
    return Int32Array.from(y, (v) => index.get(v) as number);
  }

  predict(X: Matrix): number[] {
    this.checkPredictInput('predict', X);
    return this.probabilities(X).map((p) => this.classes[argmax(p)]);
  }

  score(X: Matrix, y: Vector): number {
    return accuracy(y, this.predict(X));
  }
}

/** Regressor scored by R^2; `fit` implementations start with `checkFitInput`. */
export abstract class Regressor<P extends Params> extends ParamsEstimator<P> implements Estimator<P> {
  readonly estimatorType = 'regressor' as const;

  abstract fit(X: Matrix, y: Vector): Promise<this>;
  abstract predict(X: Matrix): number[];

  protected checkFitInput(X: Matrix, y: Vector): void {
    checkXy(`${this.modelName}.fit`, X, y);
    this.nFeaturesIn = X[0].length;
  }

  score(X: Matrix, y: Vector): number {
    return r2(y, this.predict(X));
  }
}

function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}
