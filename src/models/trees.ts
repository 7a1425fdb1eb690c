/**
 * CART decision trees, random forests and gradient boosting, written here because no npm package
 * offers all of the hyperparameters studies tune (min samples per leaf, max features per split,
 * subsampled boosting) with seeded randomness that flows from tunelab's Rng. The algorithms follow
 * scikit-learn's (Breiman's CART with Gini / squared error, thresholds at midpoints between
 * distinct values, bootstrap forests averaging class probabilities, Friedman's gradient boosting
 * with Newton-step leaf values for log loss); the tests compare accuracies with scikit-learn.
 */
import { InvalidArgumentError } from '../errors';
import type { ModelOptions } from '../options';
import { Rng } from '../rng';
import type { Matrix, Vector } from './estimator';
import { ProbabilisticClassifier, Regressor } from './paramsEstimator';
import { requireInt } from '../validate';

export type MaxFeatures = 'sqrt' | 'log2' | number | null;

/** Decision tree options (also part of forests' and boosting's). */
export type TreeParams = {
  /** null = grow until leaves are pure or too small to split. */
  maxDepth: number | null;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  /** Features examined per split: 'sqrt', 'log2', a count >= 2, a fraction in (0, 1] (1 = all), or null for all. */
  maxFeatures: MaxFeatures;
  seed: number;
};

const TREE_DEFAULTS: TreeParams = { maxDepth: null, minSamplesSplit: 2, minSamplesLeaf: 1, maxFeatures: null, seed: 0 };

function checkTreeParams(where: string, p: TreeParams): void {
  if (p.maxDepth !== null && !(Number.isInteger(p.maxDepth) && p.maxDepth >= 1)) {
    throw new InvalidArgumentError(`${where}: maxDepth must be a positive integer or null, got ${p.maxDepth}.`);
  }
  requireInt(where, 'minSamplesSplit', p.minSamplesSplit, 2);
  requireInt(where, 'minSamplesLeaf', p.minSamplesLeaf, 1);
  const m = p.maxFeatures;
  if (!(m === null || m === 'sqrt' || m === 'log2' || (typeof m === 'number' && m > 0 && (m <= 1 || Number.isInteger(m))))) {
    throw new InvalidArgumentError(
      `${where}: maxFeatures must be 'sqrt', 'log2', a positive count, a fraction in (0, 1], or null; got ${String(m)}.`,
    );
  }
}

function featuresPerSplit(m: MaxFeatures, d: number): number {
  if (m === null) return d;
  if (m === 'sqrt') return Math.max(1, Math.floor(Math.sqrt(d)));
  if (m === 'log2') return Math.max(1, Math.floor(Math.log2(d)));
  // JavaScript has no 1 vs 1.0: 1 means all features (scikit-learn's 1.0); counts start at 2.
  if (m <= 1) return Math.max(1, Math.floor(m * d));
  if (m > d) {
    // As scikit-learn, which refuses a count above the features rather than quietly using them all.
    throw new InvalidArgumentError(`maxFeatures: a count of ${m} features per split, but X has ${d}; use at most ${d}, or a fraction.`);
  }
  return m;
}

/** A fitted tree in flat arrays; `value[node]` is a class distribution (classification) or a mean (length 1). */
interface FlatTree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[][];
}

type Criterion = 'gini' | 'squared_error';

/**
 * Grow one CART tree on the rows `rows` (indices into X, repeats allowed for bootstrap samples).
 * For classification `targets` are class indices in [0, nClasses); for regression they are values.
 */
function growTree(
  X: Matrix,
  targets: ArrayLike<number>,
  rows: number[],
  criterion: Criterion,
  nClasses: number,
  p: TreeParams,
  rng: Rng,
): FlatTree {
  const d = X[0].length;
  const k = featuresPerSplit(p.maxFeatures, d);
  const tree: FlatTree = { feature: [], threshold: [], left: [], right: [], value: [] };
  const maxDepth = p.maxDepth ?? Infinity;

  const nodeValue = (idx: number[]): number[] => {
    if (criterion === 'gini') {
      const counts = new Array<number>(nClasses).fill(0);
      for (const i of idx) counts[targets[i]]++;
      return counts.map((c) => c / idx.length);
    }
    let s = 0;
    for (const i of idx) s += targets[i];
    return [s / idx.length];
  };
  const impurity = (idx: number[]): number => {
    if (criterion === 'gini') {
      const counts = new Array<number>(nClasses).fill(0);
      for (const i of idx) counts[targets[i]]++;
      let sq = 0;
      for (const c of counts) sq += c * c;
      return 1 - sq / (idx.length * idx.length);
    }
    let s = 0;
    let s2 = 0;
    for (const i of idx) {
      s += targets[i];
      s2 += targets[i] * targets[i];
    }
    return s2 / idx.length - (s / idx.length) ** 2;
  };

  /** Best split of `idx` on feature f: returns [score to minimise (weighted child impurity * n), threshold] or null. */
  const bestSplitOn = (idx: number[], f: number): [number, number] | null => {
    const sorted = [...idx].sort((a, b) => X[a][f] - X[b][f]);
    const n = sorted.length;
    const minLeaf = p.minSamplesLeaf;
    if (X[sorted[0]][f] === X[sorted[n - 1]][f]) return null;
    let best = Infinity;
    let bestThreshold = NaN;
    if (criterion === 'gini') {
      const total = new Array<number>(nClasses).fill(0);
      for (const i of sorted) total[targets[i]]++;
      const left = new Array<number>(nClasses).fill(0);
      let leftSq = 0;
      let rightSq = total.reduce((a, c) => a + c * c, 0);
      for (let j = 0; j < n - 1; j++) {
        const c = targets[sorted[j]];
        // Update sums of squared counts incrementally: (a+1)^2 - a^2 = 2a + 1.
        leftSq += 2 * left[c] + 1;
        rightSq -= 2 * (total[c] - left[c]) - 1;
        left[c]++;
        const nl = j + 1;
        const nr = n - nl;
        if (nl < minLeaf) continue;
        if (nr < minLeaf) break;
        const v = X[sorted[j]][f];
        const next = X[sorted[j + 1]][f];
        if (v === next) continue;
        // n_l * gini_l + n_r * gini_r = n - leftSq / n_l - rightSq / n_r
        const score = n - leftSq / nl - rightSq / nr;
        if (score < best) {
          best = score;
          bestThreshold = midpoint(v, next);
        }
      }
    } else {
      let totalSum = 0;
      for (const i of sorted) totalSum += targets[i];
      let leftSum = 0;
      for (let j = 0; j < n - 1; j++) {
        leftSum += targets[sorted[j]];
        const nl = j + 1;
        const nr = n - nl;
        if (nl < minLeaf) continue;
        if (nr < minLeaf) break;
        const v = X[sorted[j]][f];
        const next = X[sorted[j + 1]][f];
        if (v === next) continue;
        // Minimising the children's total squared error = maximising n_l mean_l^2 + n_r mean_r^2.
        const rightSum = totalSum - leftSum;
        const score = -(leftSum * leftSum) / nl - (rightSum * rightSum) / nr;
        if (score < best) {
          best = score;
          bestThreshold = midpoint(v, next);
        }
      }
    }
    return Number.isFinite(best) ? [best, bestThreshold] : null;
  };

  const build = (idx: number[], depth: number): number => {
    const node = tree.feature.length;
    tree.feature.push(-1);
    tree.threshold.push(NaN);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(nodeValue(idx));
    const n = idx.length;
    if (depth >= maxDepth || n < p.minSamplesSplit || n < 2 * p.minSamplesLeaf || impurity(idx) <= 1e-12) return node;
    // Examine k random features; like scikit-learn, keep drawing past k while none gave a valid split.
    const order = rng.shuffle(Array.from({ length: d }, (_, i) => i));
    let best: { score: number; f: number; t: number } | null = null;
    for (let j = 0; j < d; j++) {
      if (j >= k && best !== null) break;
      const f = order[j];
      const s = bestSplitOn(idx, f);
      if (s && (best === null || s[0] < best.score)) best = { score: s[0], f, t: s[1] };
    }
    if (!best) return node;
    const leftIdx: number[] = [];
    const rightIdx: number[] = [];
    for (const i of idx) (X[i][best.f] <= best.t ? leftIdx : rightIdx).push(i);
    if (leftIdx.length === 0 || rightIdx.length === 0) return node;
    tree.feature[node] = best.f;
    tree.threshold[node] = best.t;
    tree.left[node] = build(leftIdx, depth + 1);
    tree.right[node] = build(rightIdx, depth + 1);
    return node;
  };
  build(rows, 0);
  return tree;
}

/** The threshold between two distinct sorted values; for adjacent floats the midpoint can round up to `b`, so fall back to `a` (as scikit-learn does). */
function midpoint(a: number, b: number): number {
  const t = a / 2 + b / 2;
  return t === b || !Number.isFinite(t) ? a : t;
}

function leafOf(tree: FlatTree, row: ReadonlyArray<number>): number {
  let node = 0;
  while (tree.feature[node] >= 0) node = row[tree.feature[node]] <= tree.threshold[node] ? tree.left[node] : tree.right[node];
  return node;
}

export class DecisionTreeClassifier extends ProbabilisticClassifier<TreeParams> {
  private tree: FlatTree | null = null;
  constructor(params: ModelOptions<TreeParams> = {}) {
    super('DecisionTreeClassifier', TREE_DEFAULTS, params, checkTreeParams);
  }
  async fit(X: Matrix, y: Vector): Promise<this> {
    const codes = this.encodeLabels(X, y);
    this.tree = growTree(
      X,
      codes,
      X.map((_, i) => i),
      'gini',
      this.classes.length,
      this.params,
      new Rng(this.params.seed),
    );
    return this;
  }
  protected probabilities(X: Matrix): number[][] {
    const tree = this.tree as FlatTree;
    return X.map((row) => tree.value[leafOf(tree, row)]);
  }
  /** Number of nodes (for inspecting how depth/leaf limits act). */
  get nodeCount(): number {
    return this.tree?.feature.length ?? 0;
  }
}

export class DecisionTreeRegressor extends Regressor<TreeParams> {
  private tree: FlatTree | null = null;
  constructor(params: ModelOptions<TreeParams> = {}) {
    super('DecisionTreeRegressor', TREE_DEFAULTS, params, checkTreeParams);
  }
  async fit(X: Matrix, y: Vector): Promise<this> {
    this.checkFitInput(X, y);
    this.tree = growTree(
      X,
      y,
      X.map((_, i) => i),
      'squared_error',
      0,
      this.params,
      new Rng(this.params.seed),
    );
    return this;
  }
  predict(X: Matrix): number[] {
    this.checkPredictInput('predict', X);
    const tree = this.tree as FlatTree;
    return X.map((row) => tree.value[leafOf(tree, row)][0]);
  }
}

export type ForestParams = TreeParams & {
  nEstimators: number;
  /** Fit each tree on a bootstrap sample (default true). */
  bootstrap: boolean;
};

function checkForest(where: string, p: ForestParams): void {
  checkTreeParams(where, p);
  requireInt(where, 'nEstimators', p.nEstimators, 1);
}

function bootstrapRows(n: number, rng: Rng, bootstrap: boolean): number[] {
  if (!bootstrap) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: n }, () => rng.int(0, n - 1));
}

/** Bootstrap-aggregated CART trees with random feature subsets (Breiman 2001); predicts the class of highest mean probability. */
export class RandomForestClassifier extends ProbabilisticClassifier<ForestParams> {
  private trees: FlatTree[] = [];
  constructor(params: ModelOptions<ForestParams> = {}) {
    super('RandomForestClassifier', { ...TREE_DEFAULTS, maxFeatures: 'sqrt', nEstimators: 100, bootstrap: true }, params, checkForest);
  }
  async fit(X: Matrix, y: Vector): Promise<this> {
    const codes = this.encodeLabels(X, y);
    const rng = new Rng(this.params.seed);
    this.trees = [];
    for (let t = 0; t < this.params.nEstimators; t++) {
      const treeRng = rng.fork();
      this.trees.push(
        growTree(X, codes, bootstrapRows(X.length, treeRng, this.params.bootstrap), 'gini', this.classes.length, this.params, treeRng),
      );
    }
    return this;
  }
  protected probabilities(X: Matrix): number[][] {
    return X.map((row) => {
      const sum = new Array<number>(this.classes.length).fill(0);
      for (const tree of this.trees) tree.value[leafOf(tree, row)].forEach((p, k) => (sum[k] += p));
      return sum.map((s) => s / this.trees.length);
    });
  }
}

export class RandomForestRegressor extends Regressor<ForestParams> {
  private trees: FlatTree[] = [];
  constructor(params: ModelOptions<ForestParams> = {}) {
    super('RandomForestRegressor', { ...TREE_DEFAULTS, maxFeatures: null, nEstimators: 100, bootstrap: true }, params, checkForest);
  }
  async fit(X: Matrix, y: Vector): Promise<this> {
    this.checkFitInput(X, y);
    const rng = new Rng(this.params.seed);
    this.trees = [];
    for (let t = 0; t < this.params.nEstimators; t++) {
      const treeRng = rng.fork();
      this.trees.push(growTree(X, y, bootstrapRows(X.length, treeRng, this.params.bootstrap), 'squared_error', 0, this.params, treeRng));
    }
    return this;
  }
  predict(X: Matrix): number[] {
    this.checkPredictInput('predict', X);
    return X.map((row) => this.trees.reduce((s, tree) => s + tree.value[leafOf(tree, row)][0], 0) / this.trees.length);
  }
}

export type BoostingParams = TreeParams & {
  learningRate: number;
  nEstimators: number;
  /** Fraction of rows (drawn without replacement) each stage's tree is fitted on; < 1 is stochastic gradient boosting. */
  subsample: number;
};

const BOOSTING_DEFAULTS: BoostingParams = { ...TREE_DEFAULTS, maxDepth: 3, learningRate: 0.1, nEstimators: 100, subsample: 1 };

function checkBoosting(where: string, p: BoostingParams): void {
  checkTreeParams(where, p);
  if (!(p.learningRate > 0)) throw new InvalidArgumentError(`${where}: learningRate must be > 0, got ${p.learningRate}.`);
  requireInt(where, 'nEstimators', p.nEstimators, 1);
  if (!(p.subsample > 0 && p.subsample <= 1)) throw new InvalidArgumentError(`${where}: subsample must be in (0, 1], got ${p.subsample}.`);
}

function stageRows(n: number, subsample: number, rng: Rng): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (subsample >= 1) return all;
  return rng
    .shuffle(all)
    .slice(0, Math.max(1, Math.floor(subsample * n)))
    .sort((a, b) => a - b);
}

/** Replace each leaf's value by `leafValue(rows in that leaf)` (the Newton step of the loss). */
function setLeafValues(tree: FlatTree, X: Matrix, rows: number[], leafValue: (members: number[]) => number): void {
  const members = new Map<number, number[]>();
  for (const i of rows) {
    const leaf = leafOf(tree, X[i]);
    const list = members.get(leaf) ?? [];
    list.push(i);
    members.set(leaf, list);
  }
  for (const [leaf, list] of members) tree.value[leaf] = [leafValue(list)];
}

/**
 * Gradient boosting with log loss (Friedman 2001): binary problems fit one regression tree per
 * stage to the residuals y - p, multiclass problems one tree per class on softmax residuals; leaf
 * values take one Newton step, as scikit-learn's GradientBoostingClassifier does.
 */
export class GradientBoostingClassifier extends ProbabilisticClassifier<BoostingParams> {
  private stages: FlatTree[][] = [];
  private init: number[] = [];
  constructor(params: ModelOptions<BoostingParams> = {}) {
    super('GradientBoostingClassifier', BOOSTING_DEFAULTS, params, checkBoosting);
  }
  async fit(X: Matrix, y: Vector): Promise<this> {
    const codes = this.encodeLabels(X, y);
    const classes = this.classes;
    const n = X.length;
    const K = classes.length;
    const p = this.params;
    const rng = new Rng(p.seed);
    const prior = classes.map((_, k) => codes.filter((c) => c === k).length / n);
    const binary = K === 2;
    this.init = binary ? [Math.log(prior[1] / prior[0])] : prior.map((q) => Math.log(q));
    const nTrees = binary ? 1 : K;
    const F = Array.from({ length: n }, () => [...this.init]);
    this.stages = [];
    for (let m = 0; m < p.nEstimators; m++) {
      const rows = stageRows(n, p.subsample, rng);
      const probs = F.map((f) => (binary ? [1 / (1 + Math.exp(-f[0]))] : softmax(f)));
      const stage: FlatTree[] = [];
      for (let k = 0; k < nTrees; k++) {
        const target = binary ? 1 : k;
        const residual = Float64Array.from({ length: n }, (_, i) => (codes[i] === target ? 1 : 0) - probs[i][binary ? 0 : k]);
        const tree = growTree(X, residual, rows, 'squared_error', 0, p, rng);
        setLeafValues(tree, X, rows, (members) => {
          let num = 0;
          let den = 0;
          for (const i of members) {
            const r = residual[i];
            num += r;
            den += Math.abs(r) * (1 - Math.abs(r));
          }
          const scale = binary ? 1 : (K - 1) / K;
          return Math.abs(den) < 1e-150 ? 0 : (scale * num) / den;
        });
        for (let i = 0; i < n; i++) F[i][k] += p.learningRate * tree.value[leafOf(tree, X[i])][0];
        stage.push(tree);
      }
      this.stages.push(stage);
    }
    return this;
  }
  /** Raw scores (log-odds per class, or the single binary log-odds). */
  decisionFunction(X: Matrix): number[][] {
    this.checkPredictInput('decisionFunction', X);
    return this.rawScores(X);
  }
  private rawScores(X: Matrix): number[][] {
    return X.map((row) => {
      const f = [...this.init];
      for (const stage of this.stages) stage.forEach((tree, k) => (f[k] += this.params.learningRate * tree.value[leafOf(tree, row)][0]));
      return f;
    });
  }
  protected probabilities(X: Matrix): number[][] {
    return this.rawScores(X).map((f) => (f.length === 1 ? [1 / (1 + Math.exp(f[0])), 1 / (1 + Math.exp(-f[0]))] : softmax(f)));
  }
}

function softmax(f: readonly number[]): number[] {
  const m = Math.max(...f);
  const e = f.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Gradient boosting with squared error: each stage fits a tree to the residuals, starting from the mean. */
export class GradientBoostingRegressor extends Regressor<BoostingParams> {
  private stages: FlatTree[] = [];
  private init = 0;
  constructor(params: ModelOptions<BoostingParams> = {}) {
    super('GradientBoostingRegressor', BOOSTING_DEFAULTS, params, checkBoosting);
  }
  async fit(X: Matrix, y: Vector): Promise<this> {
    this.checkFitInput(X, y);
    const n = X.length;
    const p = this.params;
    const rng = new Rng(p.seed);
    this.init = y.reduce((a, b) => a + b, 0) / n;
    const F = new Float64Array(n).fill(this.init);
    this.stages = [];
    for (let m = 0; m < p.nEstimators; m++) {
      const rows = stageRows(n, p.subsample, rng);
      const residual = Float64Array.from({ length: n }, (_, i) => y[i] - F[i]);
      const tree = growTree(X, residual, rows, 'squared_error', 0, p, rng);
      for (let i = 0; i < n; i++) F[i] += p.learningRate * tree.value[leafOf(tree, X[i])][0];
      this.stages.push(tree);
    }
    return this;
  }
  predict(X: Matrix): number[] {
    this.checkPredictInput('predict', X);
    return X.map((row) => this.stages.reduce((f, tree) => f + this.params.learningRate * tree.value[leafOf(tree, row)][0], this.init));
  }
}
