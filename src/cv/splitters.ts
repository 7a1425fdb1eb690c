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

function sizes(where: string, n: number, testSize: number, trainSize: number | undefined): [number, number] {
  const resolve = (name: string, v: number, round: (x: number) => number): number => {
    if (Number.isInteger(v) && v >= 1) return v;
    if (v > 0 && v < 1) return round(v * n);
    throw new InvalidArgumentError(`${where}: ${name} must be a fraction in (0, 1) or a positive count, got ${v}.`);
  };
  // As scikit-learn: the test size rounds up, the train size down.
  const nTest = resolve('testSize', testSize, Math.ceil);
  const nTrain = trainSize === undefined ? n - nTest : resolve('trainSize', trainSize, Math.floor);
  if (nTrain < 1 || nTest < 1 || nTrain + nTest > n) {
    throw new InvalidArgumentError(`${where}: train (${nTrain}) and test (${nTest}) sizes do not fit in ${n} samples.`);
  }
  return [nTrain, nTest];
}

export interface ShuffleSplitOptions extends RandomStateOption {
  nSplits?: number;
  /** Fraction in (0, 1) or a count (default 0.1). */
  testSize?: number;
  /** Fraction or count (default: the rest). */
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
    const [nTrain, nTest] = sizes('ShuffleSplit', n, this.opts.testSize ?? 0.1, this.opts.trainSize);
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
  /** Keep each class's proportion in both parts (scikit-learn's `stratify=y`). */
  stratify?: boolean;
}
const TRAIN_TEST_SPLIT_OPTION_KEYS = optionKeys<TrainTestSplitOptions>({ testSize: true, seed: true, stratify: true, randomState: true });

export interface TrainTestSplit<T> {
  XTrain: T[];
  XTest: T[];
  yTrain: number[];
  yTest: number[];
  trainIndex: number[];
  testIndex: number[];
}

/**
 * One seeded random split of X and y. With `stratify: true` each class keeps its proportion in
 * both parts (the class's test share is rounded, at least one sample stays on each side when the
 * class has two or more).
 */
export function trainTestSplit<T>(X: readonly T[], y: readonly number[], opts: TrainTestSplitOptions = {}): TrainTestSplit<T> {
  checkOptionKeys('trainTestSplit', opts, TRAIN_TEST_SPLIT_OPTION_KEYS);
  if (X.length !== y.length) throw new InvalidArgumentError(`trainTestSplit: X has ${X.length} rows but y has ${y.length}.`);
  const n = X.length;
  const testSize = opts.testSize ?? 0.25;
  const rng = new Rng(seedOrRandomState('trainTestSplit', opts));
  let testIndex: number[];
  if (opts.stratify) {
    const [, nTest] = sizes('trainTestSplit', n, testSize, undefined);
    const byClass = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const list = byClass.get(y[i]) ?? [];
      list.push(i);
      byClass.set(y[i], list);
    }
    testIndex = [];
    for (const members of [...byClass.entries()].sort((a, b) => a[0] - b[0]).map(([, m]) => m)) {
      let k = Math.round((members.length * nTest) / n);
      if (members.length >= 2) k = Math.min(Math.max(k, 1), members.length - 1);
      testIndex.push(...rng.shuffle([...members]).slice(0, k));
    }
  } else {
    const [, nTest] = sizes('trainTestSplit', n, testSize, undefined);
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
