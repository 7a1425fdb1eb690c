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
  checkSameLength(yTrue, yPred);
  let ok = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) ok++;
  return ok / yTrue.length;
}

/** Coefficient of determination, as sklearn.metrics.r2_score (1 for a perfect fit, 0 for the mean). */
export function r2(yTrue: Vector, yPred: Vector): number {
  checkSameLength(yTrue, yPred);
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
  checkSameLength(yTrue, yPred);
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += (yTrue[i] - yPred[i]) ** 2;
  return s / yTrue.length;
}

function checkSameLength(a: Vector, b: Vector): void {
  if (a.length !== b.length || a.length === 0) {
    throw new InvalidArgumentError(`metric: yTrue and yPred must be non-empty and of equal length, got ${a.length} and ${b.length}.`);
  }
}

/** Check X and y before fitting: same row count, rectangular, finite. */
export function checkXy(where: string, X: Matrix, y?: Vector): void {
  if (!Array.isArray(X) || X.length === 0) throw new InvalidArgumentError(`${where}: X must be a non-empty array of rows.`);
  const d = X[0].length;
  for (let i = 0; i < X.length; i++) {
    const row = X[i];
    if (row.length !== d) throw new InvalidArgumentError(`${where}: every row of X must have ${d} features; row ${i} has ${row.length}.`);
    for (const v of row) {
      if (!Number.isFinite(v))
        throw new InvalidArgumentError(`${where}: X[${i}] holds a non-finite value (${v}); impute or drop it first.`);
    }
  }
  if (y !== undefined && y.length !== X.length) {
    throw new InvalidArgumentError(`${where}: X has ${X.length} rows but y has ${y.length} values.`);
  }
}

/** Rows of X at the given indices. */
export function take<T>(rows: ReadonlyArray<T>, indices: ReadonlyArray<number>): T[] {
  return indices.map((i) => rows[i]);
}
