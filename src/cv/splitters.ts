/**
 * Cross-validation splitters in scikit-learn's vocabulary. `split` yields {train, test} index
 * arrays. Without shuffling, KFold and StratifiedKFold give exactly scikit-learn's indices (the
 * tests compare them); with shuffling they draw from tunelab's seeded Rng, so a seed reproduces
 * the folds (they cannot equal numpy's permutation).
 */
import { InvalidArgumentError } from '../errors';
import { checkOptionKeys, optionKeys, seedOrRandomState, type RandomStateOption } from '../options';
import { Rng } from '../rng';
import { requireInt } from '../validate';
import { distinctLabels } from '../models/estimator';
import { logWarning } from '../logging';

export interface Fold {
  train: number[];
  test: number[];
}

export interface Splitter {
  getNSplits(): number;
  /** `X` is the samples (only its length is used) or their count; `y` is needed by stratified splitters. */
  split(X: ArrayLike<unknown> | number, y?: ArrayLike<number | string>): IterableIterator<Fold>;
}

function count(X: ArrayLike<unknown> | number): number {
  return typeof X === 'number' ? X : X.length;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function complement(n: number, test: readonly number[]): number[] {
  const inTest = new Uint8Array(n);
  for (const i of test) inTest[i] = 1;
  const train: number[] = [];
  for (let i = 0; i < n; i++) if (!inTest[i]) train.push(i);
  return train;
}

function checkSplits(where: string, nSplits: number): void {
  requireInt(where, 'nSplits', nSplits, 2);
}

export interface KFoldOptions extends RandomStateOption {
  nSplits?: number;
  shuffle?: boolean;
  /** Seed for the shuffle (only used with shuffle: true); or `randomState`, scikit-learn's name. */
  seed?: number;
}
const KFOLD_OPTION_KEYS = optionKeys<KFoldOptions>({ nSplits: true, shuffle: true, seed: true, randomState: true });

/** The options KFold and StratifiedKFold share: nSplits (default 5, checked), shuffle and its seed. */
abstract class FoldSplitter implements Splitter {
  readonly nSplits: number;
  readonly shuffle: boolean;
  readonly seed: number | undefined;

  protected constructor(where: string, opts: KFoldOptions) {
    checkOptionKeys(where, opts, KFOLD_OPTION_KEYS);
    this.nSplits = opts.nSplits ?? 5;
    this.shuffle = opts.shuffle ?? false;
    this.seed = seedOrRandomState(where, opts);
    checkSplits(where, this.nSplits);
    if (this.seed !== undefined && !this.shuffle) {
      // scikit-learn refuses it too: a seed that shuffles nothing suggests folds that were never shuffled.
      throw new InvalidArgumentError(
        `${where}: a seed (or randomState) has no effect without shuffle: true; pass shuffle: true, or leave the seed out.`,
      );
    }
  }

  getNSplits(): number {
    return this.nSplits;
  }

  abstract split(X: ArrayLike<unknown> | number, y?: ArrayLike<number | string>): IterableIterator<Fold>;
}

/** Consecutive folds (after an optional seeded shuffle); the first n % k folds get one extra sample. */
export class KFold extends FoldSplitter {
  constructor(opts: KFoldOptions = {}) {
    super('KFold', opts);
  }

  *split(X: ArrayLike<unknown> | number): IterableIterator<Fold> {
    const n = count(X);
    if (this.nSplits > n) {
      throw new InvalidArgumentError(`KFold: cannot make ${this.nSplits} folds of ${n} samples; lower nSplits.`);
    }
    const order = range(n);
    if (this.shuffle) new Rng(this.seed).shuffle(order);
    let start = 0;
    for (let f = 0; f < this.nSplits; f++) {
      const size = Math.floor(n / this.nSplits) + (f < n % this.nSplits ? 1 : 0);
      const test = order.slice(start, start + size).sort((a, b) => a - b);
      start += size;
      yield { train: complement(n, test), test };
    }
  }
}

/**
 * Folds that keep each class's proportion, by scikit-learn's (>= 0.22) allocation: classes are
 * numbered in order of first appearance, the sorted labels are dealt round-robin to the folds to
 * count how many of each class every fold receives, and each class's samples are assigned to folds
 * in order (shuffled per class when shuffle is on).
 */
export class StratifiedKFold extends FoldSplitter {
  constructor(opts: KFoldOptions = {}) {
    super('StratifiedKFold', opts);
  }

  *split(X: ArrayLike<unknown> | number, y?: ArrayLike<number | string>): IterableIterator<Fold> {
    const n = count(X);
    if (y === undefined || y.length !== n) {
      throw new InvalidArgumentError(`StratifiedKFold: split(X, y) needs the labels y, one per sample (${n}).`);
    }
    distinctLabels('StratifiedKFold', y); // integer or string classes, as sklearn's binary/multiclass targets
    // Sorted unique labels, then renumber by first appearance (what sklearn's y_encoded holds).
    const firstSeen = new Map<number | string, number>();
    for (let i = 0; i < n; i++) if (!firstSeen.has(y[i])) firstSeen.set(y[i], i);
    const byAppearance = [...firstSeen.entries()].sort((a, b) => a[1] - b[1]).map(([label]) => label);
    const code = new Map(byAppearance.map((label, k) => [label, k]));
    const encoded = Int32Array.from({ length: n }, (_, i) => code.get(y[i]) as number);
    const nClasses = byAppearance.length;
    const counts = new Array<number>(nClasses).fill(0);
    for (const k of encoded) counts[k]++;
    if (Math.max(...counts) < this.nSplits) {
      throw new InvalidArgumentError(
        `StratifiedKFold: nSplits=${this.nSplits} is more than the number of members of every class (largest ${Math.max(...counts)}); lower nSplits.`,
      );
    }
    if (Math.min(...counts) < this.nSplits) {
      logWarning(
        `StratifiedKFold: the least populated class in y has only ${Math.min(...counts)} members, which is less than nSplits=${this.nSplits}.`,
      );
    }
    const sortedCodes = [...encoded].sort((a, b) => a - b);
    // allocation[f][k]: samples of class k in fold f = count of class k among sortedCodes[f::nSplits]
    const allocation = Array.from({ length: this.nSplits }, () => new Array<number>(nClasses).fill(0));
    for (let i = 0; i < n; i++) allocation[i % this.nSplits][sortedCodes[i]]++;
    const rng = this.shuffle ? new Rng(this.seed) : null;
    const testFold = new Int32Array(n);
    for (let k = 0; k < nClasses; k++) {
      const foldsForClass: number[] = [];
      for (let f = 0; f < this.nSplits; f++) for (let c = 0; c < allocation[f][k]; c++) foldsForClass.push(f);
      if (rng) rng.shuffle(foldsForClass);
      let j = 0;
      for (let i = 0; i < n; i++) if (encoded[i] === k) testFold[i] = foldsForClass[j++];
    }
    for (let f = 0; f < this.nSplits; f++) {
      const test: number[] = [];
      for (let i = 0; i < n; i++) if (testFold[i] === f) test.push(i);
      yield { train: complement(n, test), test };
    }
  }
}

/**
 * scikit-learn's _validate_shuffle_split: the train and test counts of n samples. A missing test size
 * is the complement of the train size, or `defaultTest` when neither is given.
 */
function sizes(
  where: string,
  n: number,
  testSize: number | undefined,
  trainSize: number | undefined,
  defaultTest: number,
): [number, number] {
  const resolve = (name: string, v: number, round: (x: number) => number): number => {
    if (Number.isInteger(v) && v >= 1) return v;
    if (v > 0 && v < 1) return round(v * n);
    throw new InvalidArgumentError(`${where}: ${name} must be a fraction in (0, 1) or a positive count, got ${v}.`);
  };
  // As scikit-learn: the test size rounds up, the train size down.
  let nTest: number;
  let nTrain: number;
  if (testSize === undefined && trainSize !== undefined) {
    nTrain = resolve('trainSize', trainSize, Math.floor);
    nTest = n - nTrain;
  } else {
    nTest = resolve('testSize', testSize ?? defaultTest, Math.ceil);
    nTrain = trainSize === undefined ? n - nTest : resolve('trainSize', trainSize, Math.floor);
  }
  if (nTrain < 1 || nTest < 1 || nTrain + nTest > n) {
    throw new InvalidArgumentError(`${where}: train (${nTrain}) and test (${nTest}) sizes do not fit in ${n} samples.`);
  }
  return [nTrain, nTest];
}

export interface ShuffleSplitOptions extends RandomStateOption {
  nSplits?: number;
  /** Fraction in (0, 1) or a count (default: the rest of trainSize, or 0.1 when neither is given). */
  testSize?: number;
  /** Fraction or count (default: the rest of testSize). */
  trainSize?: number;
  /** Seed of the splits; or `randomState`, scikit-learn's name. */
  seed?: number;
}
const SHUFFLE_SPLIT_OPTION_KEYS = optionKeys<ShuffleSplitOptions>({
  nSplits: true,
  testSize: true,
  trainSize: true,
  seed: true,
  randomState: true,
});

/** Independent random train/test splits (samples may appear in several test sets). */
export class ShuffleSplit implements Splitter {
  readonly nSplits: number;
  private readonly seed: number | undefined;
  constructor(private readonly opts: ShuffleSplitOptions = {}) {
    checkOptionKeys('ShuffleSplit', opts, SHUFFLE_SPLIT_OPTION_KEYS);
    this.nSplits = opts.nSplits ?? 10;
    this.seed = seedOrRandomState('ShuffleSplit', opts);
    requireInt('ShuffleSplit', 'nSplits', this.nSplits, 1);
  }

  getNSplits(): number {
    return this.nSplits;
  }

  *split(X: ArrayLike<unknown> | number): IterableIterator<Fold> {
    const n = count(X);
    const [nTrain, nTest] = sizes('ShuffleSplit', n, this.opts.testSize, this.opts.trainSize, 0.1);
    const rng = new Rng(this.seed);
    for (let s = 0; s < this.nSplits; s++) {
      const perm = rng.shuffle(range(n));
      yield {
        test: perm.slice(0, nTest).sort((a, b) => a - b),
        train: perm.slice(nTest, nTest + nTrain).sort((a, b) => a - b),
      };
    }
  }
}

export interface TrainTestSplitOptions extends RandomStateOption {
  /** Fraction in (0, 1) or a count of the rows held out (default 0.25). */
  testSize?: number;
  /** Seed of the split; or `randomState`, scikit-learn's name. */
  seed?: number;
  /**
   * Keep each class's proportion in both parts (scikit-learn's `stratify`): `true` stratifies by y,
   * an array by its own labels (one per row).
   */
  stratify?: boolean | ReadonlyArray<number | string>;
  /** false: no shuffling, the last rows are the test part (scikit-learn's shuffle=False; not with stratify). Default true. */
  shuffle?: boolean;
}
const TRAIN_TEST_SPLIT_OPTION_KEYS = optionKeys<TrainTestSplitOptions>({
  testSize: true,
  seed: true,
  stratify: true,
  randomState: true,
  shuffle: true,
});

export interface TrainTestSplit<T> {
  XTrain: T[];
  XTest: T[];
  yTrain: number[];
  yTest: number[];
  trainIndex: number[];
  testIndex: number[];
}

/**
 * One seeded random split of X and y (indices kept in their original order). As scikit-learn, the
 * test part holds ceil(testSize * n) rows; with `stratify` the rows of each class are allotted as
 * its StratifiedShuffleSplit allots them (each class's share of both parts, the rounding's leftovers
 * given to the classes with the largest remainders, ties drawn at random), which needs at least two
 * members per class and a class's worth of rows on each side.
 */
export function trainTestSplit<T>(X: readonly T[], y: readonly number[], opts: TrainTestSplitOptions = {}): TrainTestSplit<T> {
  checkOptionKeys('trainTestSplit', opts, TRAIN_TEST_SPLIT_OPTION_KEYS);
  if (!Array.isArray(X)) throw new InvalidArgumentError('trainTestSplit(X, y, options): X must be an array of rows.');
  if (!Array.isArray(y)) {
    throw new InvalidArgumentError('trainTestSplit(X, y, options): y must be an array of labels or targets, one per row of X.');
  }
  if (X.length !== y.length) throw new InvalidArgumentError(`trainTestSplit: X has ${X.length} rows but y has ${y.length}.`);
  const n = X.length;
  const rng = new Rng(seedOrRandomState('trainTestSplit', opts));
  const [nTrain, nTest] = sizes('trainTestSplit', n, opts.testSize, undefined, 0.25);
  let testIndex: number[];
  const stratify = opts.stratify !== undefined && opts.stratify !== false;
  if (opts.shuffle === false) {
    if (stratify)
      throw new InvalidArgumentError('trainTestSplit: stratify needs shuffling; leave shuffle out (or true), or drop stratify.');
    testIndex = range(n).slice(nTrain);
  } else if (stratify) {
    const labels = opts.stratify === true ? y : opts.stratify;
    if (!Array.isArray(labels) || labels.length !== n) {
      throw new InvalidArgumentError(
        `trainTestSplit: stratify must be true (stratify by y) or an array of labels, one per row (${n}); got ${Array.isArray(labels) ? `${labels.length} labels` : JSON.stringify(labels)}.`,
      );
    }
    testIndex = stratifiedTestIndex(labels, nTrain, nTest, rng);
  } else {
    testIndex = rng.shuffle(range(n)).slice(0, nTest);
  }
  testIndex.sort((a, b) => a - b);
  const trainIndex = complement(n, testIndex);
  return {
    XTrain: trainIndex.map((i) => X[i]),
    XTest: testIndex.map((i) => X[i]),
    yTrain: trainIndex.map((i) => y[i]),
    yTest: testIndex.map((i) => y[i]),
    trainIndex,
    testIndex,
  };
}

/** The test rows of one StratifiedShuffleSplit draw (scikit-learn's `_iter_indices`), with its checks. */
function stratifiedTestIndex(labels: ReadonlyArray<number | string>, nTrain: number, nTest: number, rng: Rng): number[] {
  const classes = distinctLabels('trainTestSplit', labels);
  const code = new Map<number | string, number>(classes.map((c, k) => [c, k]));
  const members: number[][] = classes.map(() => []);
  labels.forEach((label, i) => members[code.get(label) as number].push(i));
  const counts = members.map((m) => m.length);
  const least = Math.min(...counts);
  if (least < 2) {
    throw new InvalidArgumentError(
      `trainTestSplit: the least populated class in the stratify labels has only ${least} member; every class needs at least 2 to appear on both sides. Drop or merge rare classes, or split without stratify.`,
    );
  }
  if (nTrain < classes.length) {
    throw new InvalidArgumentError(
      `trainTestSplit: the train part (${nTrain} rows) must hold at least one row per class (${classes.length}); lower testSize.`,
    );
  }
  if (nTest < classes.length) {
    throw new InvalidArgumentError(
      `trainTestSplit: the test part (${nTest} rows) must hold at least one row per class (${classes.length}); raise testSize.`,
    );
  }
  const inTrain = approximateMode(counts, nTrain, rng);
  const inTest = approximateMode(
    counts.map((c, k) => c - inTrain[k]),
    nTest,
    rng,
  );
  const test: number[] = [];
  members.forEach((rows, k) => test.push(...rng.shuffle([...rows]).slice(inTrain[k], inTrain[k] + inTest[k])));
  return test;
}

/**
 * scikit-learn's `_approximate_mode`: how many of `draws` to take from each class of `counts` so the
 * shares follow the counts, each class floored, then the leftover draws given one each to the classes
 * with the largest remainders (ties among equal remainders drawn at random).
 */
function approximateMode(counts: readonly number[], draws: number, rng: Rng): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  const continuous = counts.map((c) => (c / total) * draws);
  const taken = continuous.map(Math.floor);
  let left = draws - taken.reduce((a, b) => a + b, 0);
  const remainders = continuous.map((c, k) => c - taken[k]);
  for (const value of [...new Set(remainders)].sort((a, b) => b - a)) {
    if (left <= 0) break;
    const tied = rng.shuffle(remainders.flatMap((r, k) => (r === value ? [k] : [])));
    for (const k of tied.slice(0, left)) taken[k]++;
    left -= Math.min(tied.length, left);
  }
  return taken;
}
