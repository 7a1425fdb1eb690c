/**
 * The one estimator interface every tunelab model implements (classical and tfjs alike), in
 * scikit-learn's shape: `fit` (async, since tfjs training is), `predict`, `score`, and `clone(params)`
 * for an unfitted copy with some hyperparameters replaced. Cross-validation and the searches only
 * use this interface, so they work on every model and on pipelines.
 */
import { InvalidArgumentError } from '../errors';

/** Rows of features. */
export type Matrix = ReadonlyArray<ReadonlyArray<number>>;
/** Class labels (integers or any number) or regression targets. */
export type Vector = ReadonlyArray<number>;
export type Params = Record<string, unknown>;

export interface Estimator<P extends Params = Params> {
  /** 'classifier' scores by accuracy and is split stratified by default; 'regressor' by R^2 and KFold. */
  readonly estimatorType: 'classifier' | 'regressor';
  /** Current hyperparameters (a copy). */
  getParams(): P;
  /** An unfitted copy with `params` merged over the current hyperparameters. */
  clone(params?: Partial<P>): Estimator<P>;
  fit(X: Matrix, y: Vector): Promise<this>;
  predict(X: Matrix): number[];
  /** Accuracy (classifier) or coefficient of determination R^2 (regressor). */
  score(X: Matrix, y: Vector): number;
}

/** Fraction of equal labels. */
export function accuracy(yTrue: Vector, yPred: Vector): number {
  checkPair('accuracy', yTrue, yPred, false);
  let ok = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) ok++;
  return ok / yTrue.length;
}

/** Coefficient of determination, as sklearn.metrics.r2_score (1 for a perfect fit, 0 for the mean). */
export function r2(yTrue: Vector, yPred: Vector): number {
  checkPair('r2', yTrue, yPred, true);
  // As scikit-learn: undefined for a single sample (it returns nan with a warning).
  if (yTrue.length < 2) return NaN;
  const mean = yTrue.reduce((a, b) => a + b, 0) / yTrue.length;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < yTrue.length; i++) {
    ssRes += (yTrue[i] - yPred[i]) ** 2;
    ssTot += (yTrue[i] - mean) ** 2;
  }
  if (ssTot === 0) return ssRes === 0 ? 1 : 0;
  return 1 - ssRes / ssTot;
}

export function meanSquaredError(yTrue: Vector, yPred: Vector): number {
  checkPair('meanSquaredError', yTrue, yPred, true);
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += (yTrue[i] - yPred[i]) ** 2;
  return s / yTrue.length;
}

/**
 * yTrue and yPred of one non-empty length. Numeric metrics take numbers, and finite targets as
 * scikit-learn ("Input contains NaN"); a prediction that is NaN or infinite (a network that diverged)
 * gives a NaN or infinite score instead of an error, so a search ranks that candidate last and goes
 * on, as scikit-learn's searches score a failing candidate NaN.
 */
export function checkPair(where: string, a: ArrayLike<unknown>, b: ArrayLike<unknown>, numeric: boolean): void {
  if (a.length !== b.length || a.length === 0) {
    throw new InvalidArgumentError(`${where}: yTrue and yPred must be non-empty and of equal length, got ${a.length} and ${b.length}.`);
  }
  if (!numeric) return;
  for (let i = 0; i < a.length; i++) {
    if (typeof a[i] !== 'number' || !Number.isFinite(a[i] as number)) {
      throw new InvalidArgumentError(`${where}: yTrue[${i}] is ${String(a[i])}; the targets must be finite numbers.`);
    }
    if (typeof b[i] !== 'number') throw new InvalidArgumentError(`${where}: yPred[${i}] is ${String(b[i])}, not a number.`);
  }
}

/**
 * Check X and y before fitting (scikit-learn's check_X_y): X a non-empty 2-D array, rectangular and
 * finite; y, when given, one finite number per row of X.
 */
export function checkXy(where: string, X: Matrix, y?: Vector): void {
  checkX(where, X);
  if (y !== undefined) {
    checkTargets(where, y);
    if (y.length !== X.length) throw new InvalidArgumentError(`${where}: X has ${X.length} rows but y has ${y.length} values.`);
  }
}

/** X is a non-empty 2-D array of finite numbers, `nFeatures` per row (the first row's count when not given). */
export function checkX(where: string, X: Matrix, nFeatures?: number): void {
  if (!Array.isArray(X) || X.length === 0) throw new InvalidArgumentError(`${where}: X must be a non-empty array of rows.`);
  if (!isArrayLike(X[0])) {
    throw new InvalidArgumentError(
      `${where}: X must be 2-D (an array of rows), got a 1-D array; write one sample per row, e.g. X.map((v) => [v]) for a single feature.`,
    );
  }
  const d = nFeatures ?? X[0].length;
  for (let i = 0; i < X.length; i++) {
    const row = X[i];
    if (!isArrayLike(row)) throw new InvalidArgumentError(`${where}: X[${i}] is not a row (an array of features).`);
    if (row.length !== d) {
      throw new InvalidArgumentError(
        nFeatures === undefined
          ? `${where}: every row of X must have ${d} features; row ${i} has ${row.length}.`
          : `${where}: X has ${row.length} features (row ${i}), but the model was fitted on ${d}.`,
      );
    }
    for (let j = 0; j < row.length; j++) {
      if (!Number.isFinite(row[j]))
        throw new InvalidArgumentError(`${where}: X[${i}] holds a non-finite value (${row[j]}); impute or drop it first.`);
    }
  }
}

/** An array or a typed array (a row of X, or y). */
function isArrayLike(v: unknown): v is ArrayLike<number> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

/** y is a 1-D array of finite numbers (one target or label per sample). */
function checkTargets(where: string, y: Vector): void {
  if (!isArrayLike(y)) throw new InvalidArgumentError(`${where}: y must be an array, one value per row of X.`);
  for (let i = 0; i < y.length; i++) {
    const v = y[i] as unknown;
    if (isArrayLike(v)) {
      throw new InvalidArgumentError(`${where}: y must be 1-D (one value per sample), got a row at y[${i}]; fit one model per target.`);
    }
    if (typeof v === 'string') continue; // class labels; classifiers check their kind
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new InvalidArgumentError(`${where}: y[${i}] is ${String(v)}; targets must be finite numbers (drop or impute it).`);
  }
}

/**
 * A classifier's sorted distinct labels (scikit-learn's unique_labels / type_of_target): integers
 * (whole-valued floats count) or strings, never both, at least two classes. A target of fractional
 * numbers is a regression target, refused as scikit-learn refuses it.
 */
export function classLabels(where: string, y: Vector): number[] {
  const distinct = distinctLabels(where, y);
  if (distinct.length < 2) throw new InvalidArgumentError(`${where}: y must hold at least two classes, got ${distinct.length}.`);
  return distinct;
}

/** The sorted distinct labels of y, refusing a mix of strings and numbers and fractional numbers (`classLabels`' rules, any count). */
export function distinctLabels(where: string, y: ArrayLike<number | string>): number[] {
  const distinct = [...new Set(Array.from(y))];
  const strings = distinct.filter((v) => typeof v === 'string').length;
  if (strings > 0 && strings < distinct.length) {
    throw new InvalidArgumentError(`${where}: y mixes string and number labels; use one kind (e.g. all strings).`);
  }
  const fractional = distinct.find((v) => typeof v === 'number' && !Number.isInteger(v));
  if (fractional !== undefined) {
    throw new InvalidArgumentError(
      `${where}: y holds fractional values (a continuous target, e.g. ${fractional}); classes must be integers or strings. Use a regressor, or bin the target into classes.`,
    );
  }
  return (strings ? distinct.sort() : distinct.sort((a, b) => (a as number) - (b as number))) as number[];
}

/** X and y of a cross-validation or search: an estimator, a 2-D X and one y value per row (sklearn's check_consistent_length). */
export function checkSearchInput(where: string, model: unknown, X: Matrix, y: Vector): void {
  const m = model as Partial<Estimator> | null;
  if (typeof model === 'function') {
    throw new InvalidArgumentError(
      `${where}: model must be an estimator instance, got the class ${(model as { name?: string }).name ?? ''}; pass new ${(model as { name?: string }).name ?? 'Model'}().`,
    );
  }
  if (
    typeof m !== 'object' ||
    m === null ||
    typeof m.clone !== 'function' ||
    typeof m.fit !== 'function' ||
    typeof m.predict !== 'function'
  ) {
    throw new InvalidArgumentError(`${where}: model must be an estimator (with fit, predict and clone), got ${String(model)}.`);
  }
  if (!Array.isArray(X) || X.length === 0) throw new InvalidArgumentError(`${where}: X must be a non-empty array of rows.`);
  if (!isArrayLike(X[0])) {
    throw new InvalidArgumentError(
      `${where}: X must be 2-D (an array of rows), got a 1-D array; write one sample per row, e.g. X.map((v) => [v]).`,
    );
  }
  if (!isArrayLike(y)) throw new InvalidArgumentError(`${where}: y must be an array, one value per row of X.`);
  if (y.length !== X.length) {
    throw new InvalidArgumentError(
      `${where}: X and y have inconsistent numbers of samples: X has ${X.length} rows, y has ${y.length} values.`,
    );
  }
}

/** Rows of X at the given indices. */
export function take<T>(rows: ReadonlyArray<T>, indices: ReadonlyArray<number>): T[] {
  return indices.map((i) => rows[i]);
}
