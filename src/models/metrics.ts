/**
 * scikit-learn's label metrics (precision, recall, F1, balanced accuracy, the confusion matrix) and
 * the error metrics beside accuracy, r2 and meanSquaredError (estimator.ts), with sklearn's
 * definitions and defaults: `average: 'binary'` with `posLabel: 1`, and 0 where a ratio divides by
 * zero (its `zero_division` default; scikit-learn also warns there).
 */
import { InvalidArgumentError } from '../errors';
import { checkPair, distinctLabels, type Vector } from './estimator';

/** How per-class scores are combined, as scikit-learn's `average`. */
export type Average = 'binary' | 'macro' | 'micro' | 'weighted';

export interface ClassificationMetricOptions {
  /** 'binary' (default): the score of `posLabel` alone; 'macro', 'micro' or 'weighted' over every class. */
  average?: Average;
  /** The class 'binary' scores (default 1). */
  posLabel?: number | string;
}

type Label = number | string;

/** Per class (the sorted labels of yTrue and yPred): true positives, predicted and actual counts. */
function perClass(where: string, yTrue: ArrayLike<Label>, yPred: ArrayLike<Label>) {
  checkPair(where, yTrue, yPred, false);
  const labels = distinctLabels(where, [...Array.from(yTrue), ...Array.from(yPred)]) as Label[];
  const index = new Map(labels.map((l, k) => [l, k]));
  const tp = new Array<number>(labels.length).fill(0);
  const predicted = new Array<number>(labels.length).fill(0);
  const actual = new Array<number>(labels.length).fill(0);
  for (let i = 0; i < yTrue.length; i++) {
    const t = index.get(yTrue[i]) as number;
    const p = index.get(yPred[i]) as number;
    actual[t]++;
    predicted[p]++;
    if (t === p) tp[t]++;
  }
  return { labels, tp, predicted, actual };
}

const ratio = (num: number, den: number): number => (den === 0 ? 0 : num / den);

/** precision (kind 'p'), recall ('r') or F1 ('f') averaged as `average` says. */
function labelScore(kind: 'p' | 'r' | 'f', where: string, yTrue: Vector, yPred: Vector, opts: ClassificationMetricOptions): number {
  const average = opts.average ?? 'binary';
  if (!['binary', 'macro', 'micro', 'weighted'].includes(average)) {
    throw new InvalidArgumentError(`${where}: average must be 'binary', 'macro', 'micro' or 'weighted', got ${JSON.stringify(average)}.`);
  }
  const { labels, tp, predicted, actual } = perClass(where, yTrue, yPred);
  const score = (t: number, p: number, a: number): number => {
    const precision = ratio(t, p);
    const recall = ratio(t, a);
    if (kind === 'p') return precision;
    if (kind === 'r') return recall;
    return ratio(2 * t, p + a); // F1 = 2tp / (2tp + fp + fn)
  };
  if (average === 'binary') {
    const pos = opts.posLabel ?? 1;
    if (labels.length > 2) {
      throw new InvalidArgumentError(
        `${where}: y holds ${labels.length} classes, but average is 'binary'; choose average 'macro', 'micro' or 'weighted'.`,
      );
    }
    const k = labels.indexOf(pos);
    if (k < 0) {
      // scikit-learn refuses a positive label absent from two present classes; with one class it scores 0.
      if (labels.length === 2)
        throw new InvalidArgumentError(`${where}: posLabel ${JSON.stringify(pos)} is not a label of y (${labels.join(', ')}).`);
      return 0;
    }
    return score(tp[k], predicted[k], actual[k]);
  }
  if (average === 'micro') {
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    return score(sum(tp), sum(predicted), sum(actual));
  }
  const scores = labels.map((_, k) => score(tp[k], predicted[k], actual[k]));
  if (average === 'macro') return scores.reduce((a, b) => a + b, 0) / scores.length;
  const total = actual.reduce((a, b) => a + b, 0);
  return scores.reduce((s, v, k) => s + (v * actual[k]) / total, 0);
}

/** The fraction of predicted positives that are positive (scikit-learn's precision_score). */
export function precisionScore(yTrue: Vector, yPred: Vector, opts: ClassificationMetricOptions = {}): number {
  return labelScore('p', 'precisionScore', yTrue, yPred, opts);
}

/** The fraction of positives predicted positive (scikit-learn's recall_score). */
export function recallScore(yTrue: Vector, yPred: Vector, opts: ClassificationMetricOptions = {}): number {
  return labelScore('r', 'recallScore', yTrue, yPred, opts);
}

/** The harmonic mean of precision and recall (scikit-learn's f1_score). */
export function f1Score(yTrue: Vector, yPred: Vector, opts: ClassificationMetricOptions = {}): number {
  return labelScore('f', 'f1Score', yTrue, yPred, opts);
}

/** The mean of the per-class recalls over the classes of yTrue (scikit-learn's balanced_accuracy_score). */
export function balancedAccuracy(yTrue: Vector, yPred: Vector): number {
  const { tp, actual } = perClass('balancedAccuracy', yTrue, yPred);
  const present = actual.map((a, k) => [a, k]).filter(([a]) => a > 0);
  return present.reduce((s, [a, k]) => s + tp[k] / a, 0) / present.length;
}

/** Counts with rows the true class and columns the predicted one, classes in sorted order (scikit-learn's confusion_matrix). */
export function confusionMatrix(yTrue: Vector, yPred: Vector): { labels: number[]; matrix: number[][] } {
  checkPair('confusionMatrix', yTrue, yPred, false);
  const labels = distinctLabels('confusionMatrix', [...Array.from(yTrue), ...Array.from(yPred)]);
  const index = new Map<Label, number>(labels.map((l, k) => [l, k]));
  const matrix = labels.map(() => new Array<number>(labels.length).fill(0));
  for (let i = 0; i < yTrue.length; i++) matrix[index.get(yTrue[i]) as number][index.get(yPred[i]) as number]++;
  return { labels, matrix };
}

/** The mean absolute difference (scikit-learn's mean_absolute_error). */
export function meanAbsoluteError(yTrue: Vector, yPred: Vector): number {
  checkPair('meanAbsoluteError', yTrue, yPred, true);
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += Math.abs(yTrue[i] - yPred[i]);
  return s / yTrue.length;
}

/** The square root of the mean squared error (scikit-learn's root_mean_squared_error). */
export function rootMeanSquaredError(yTrue: Vector, yPred: Vector): number {
  checkPair('rootMeanSquaredError', yTrue, yPred, true);
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += (yTrue[i] - yPred[i]) ** 2;
  return Math.sqrt(s / yTrue.length);
}
