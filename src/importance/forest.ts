import { Rng } from '../rng';
import type { EncodedData, Feature } from './features';

/**
 * A regression tree in flat arrays (node 0 is the root). A continuous split sends x <= threshold
 * left; a categorical split sends the categories marked in `leftCategories` left.
 */
export interface RegressionTree {
  readonly feature: Int32Array; // -1 for a leaf
  readonly threshold: Float64Array;
  readonly leftCategories: ReadonlyArray<Uint8Array | null>;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Mean target of the (bootstrap) samples in the node. */
  readonly value: Float64Array;
  /** Number of (bootstrap) samples in the node. */
  readonly nSamples: Float64Array;
  /** Mean squared deviation of the node's targets from `value`. */
  readonly impurity: Float64Array;
}

export interface ForestOptions {
  nTrees: number;
  maxDepth: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  seed: number | undefined;
  /** Each tree sees a bootstrap resample of the rows (default true). */
  bootstrap?: boolean;
}

interface Split {
  feature: number;
  proxy: number; // sumL^2/nL + sumR^2/nR: larger means a larger drop in squared error
  threshold: number;
  leftCategories: Uint8Array | null;
  nLeft: number;
}

/**
 * Grows one tree the way CART implementations do for speed: the (bootstrap) rows are sorted by each
 * feature once, a node is a segment [start, end) of those orders, and a split stably partitions
 * every order, so no node sorts again.
 */
class TreeBuilder {
  private readonly featureOrder: number[];
  /** Column-major copy of the features, one array per feature. */
  private readonly columns: Float64Array[];
  /** Per feature: the tree's rows sorted by that feature, partitioned node by node. */
  private readonly orders: Int32Array[];
  private readonly scratch: Int32Array;
  private readonly goesLeft: Uint8Array;
  readonly feature: number[] = [];
  readonly threshold: number[] = [];
  readonly leftCategories: (Uint8Array | null)[] = [];
  readonly left: number[] = [];
  readonly right: number[] = [];
  readonly value: number[] = [];
  readonly nSamples: number[] = [];
  readonly impurity: number[] = [];

  constructor(
    private readonly data: EncodedData,
    private readonly opts: ForestOptions,
    private readonly rng: Rng,
    rows: Int32Array,
  ) {
    const d = data.features.length;
    this.featureOrder = data.features.map((_, j) => j);
    this.columns = data.features.map((_, j) => {
      const col = new Float64Array(data.nRows);
      for (let r = 0; r < data.nRows; r++) col[r] = data.x[r * d + j];
      return col;
    });
    this.orders = this.columns.map((col) => rows.slice().sort((a, b) => col[a] - col[b]));
    this.scratch = new Int32Array(rows.length);
    this.goesLeft = new Uint8Array(data.nRows);
  }

  grow(start: number, end: number, depth: number): number {
    const y = this.data.y;
    const rows = this.orders[0];
    const node = this.feature.length;
    const n = end - start;
    let sum = 0;
    for (let i = start; i < end; i++) sum += y[rows[i]];
    const mean = sum / n;
    let sq = 0;
    for (let i = start; i < end; i++) sq += (y[rows[i]] - mean) ** 2;
    const impurity = sq / n;
    this.feature.push(-1);
    this.threshold.push(NaN);
    this.leftCategories.push(null);
    this.left.push(-1);
    this.right.push(-1);
    this.value.push(mean);
    this.nSamples.push(n);
    this.impurity.push(impurity);
    if (n < this.opts.minSamplesSplit || n < 2 * this.opts.minSamplesLeaf || depth >= this.opts.maxDepth) return node;
    if (impurity <= Number.EPSILON * Math.max(1, mean * mean)) return node;

    const split = this.bestSplit(start, end, sum);
    if (!split) return node;
    this.partition(start, end, split);
    this.feature[node] = split.feature;
    this.threshold[node] = split.threshold;
    this.leftCategories[node] = split.leftCategories;
    const mid = start + split.nLeft;
    this.left[node] = this.grow(start, mid, depth + 1);
    this.right[node] = this.grow(mid, end, depth + 1);
    return node;
  }

  /** Stable partition of every feature order's segment: left rows first, each side still sorted. */
  private partition(start: number, end: number, split: Split): void {
    const col = this.columns[split.feature];
    const cats = split.leftCategories;
    const goesLeft = this.goesLeft;
    const any = this.orders[0];
    for (let i = start; i < end; i++) {
      const r = any[i];
      goesLeft[r] = cats ? cats[col[r]] : col[r] <= split.threshold ? 1 : 0;
    }
    for (const order of this.orders) {
      let l = start;
      let k = 0;
      for (let i = start; i < end; i++) {
        const r = order[i];
        if (goesLeft[r]) order[l++] = r;
        else this.scratch[k++] = r;
      }
      order.set(this.scratch.subarray(0, k), l);
    }
  }

  /** The split with the largest drop in squared error, trying the features in a random order (ties: first wins). */
  private bestSplit(start: number, end: number, sum: number): Split | null {
    let best: Split | null = null;
    this.rng.shuffle(this.featureOrder);
    for (const f of this.featureOrder) {
      const feature = this.data.features[f];
      const candidate =
        feature.kind === 'categorical'
          ? this.bestCategoricalSplit(start, end, sum, f, feature.nChoices)
          : this.bestContinuousSplit(start, end, sum, f);
      if (candidate && (!best || candidate.proxy > best.proxy)) best = candidate;
    }
    return best;
  }

  private bestContinuousSplit(start: number, end: number, sum: number, f: number): Split | null {
    const y = this.data.y;
    const col = this.columns[f];
    const order = this.orders[f];
    const minLeaf = this.opts.minSamplesLeaf;
    const n = end - start;
    let bestProxy = -Infinity;
    let bestAt = -1;
    let sumLeft = 0;
    for (let i = start; i < end - 1; i++) {
      sumLeft += y[order[i]];
      if (col[order[i]] === col[order[i + 1]]) continue;
      const nLeft = i - start + 1;
      if (nLeft < minLeaf || n - nLeft < minLeaf) continue;
      const sumRight = sum - sumLeft;
      const proxy = (sumLeft * sumLeft) / nLeft + (sumRight * sumRight) / (n - nLeft);
      if (proxy > bestProxy) {
        bestProxy = proxy;
        bestAt = i;
      }
    }
    if (bestAt < 0) return null;
    const here = col[order[bestAt]];
    const next = col[order[bestAt + 1]];
    let threshold = (here + next) / 2;
    if (threshold >= next) threshold = here; // adjacent doubles: the midpoint rounds up to next
    return { feature: f, proxy: bestProxy, threshold, leftCategories: null, nLeft: bestAt - start + 1 };
  }

  /**
   * For squared error, the best two-set partition of categories is a prefix of the categories
   * sorted by mean target (Breiman et al. 1984), so n - 1 candidates cover all 2^(n-1) partitions.
   */
  private bestCategoricalSplit(start: number, end: number, sum: number, f: number, k: number): Split | null {
    const y = this.data.y;
    const col = this.columns[f];
    const order = this.orders[f];
    const count = new Float64Array(k);
    const total = new Float64Array(k);
    for (let i = start; i < end; i++) {
      const r = order[i];
      count[col[r]]++;
      total[col[r]] += y[r];
    }
    const present: number[] = [];
    for (let c = 0; c < k; c++) if (count[c] > 0) present.push(c);
    if (present.length < 2) return null;
    present.sort((a, b) => total[a] / count[a] - total[b] / count[b] || a - b);
    const n = end - start;
    let best: { proxy: number; cut: number; nLeft: number } | null = null;
    let nLeft = 0;
    let sumLeft = 0;
    for (let p = 0; p < present.length - 1; p++) {
      nLeft += count[present[p]];
      sumLeft += total[present[p]];
      if (nLeft < this.opts.minSamplesLeaf || n - nLeft < this.opts.minSamplesLeaf) continue;
      const proxy = (sumLeft * sumLeft) / nLeft + ((sum - sumLeft) * (sum - sumLeft)) / (n - nLeft);
      if (!best || proxy > best.proxy) best = { proxy, cut: p + 1, nLeft };
    }
    if (!best) return null;
    const leftCategories = new Uint8Array(k);
    for (let p = 0; p < best.cut; p++) leftCategories[present[p]] = 1;
    // Categories with no samples here still need a side for prediction and for the marginals:
    // they join the larger child, the better-supported guess.
    if (best.nLeft >= n - best.nLeft) for (let c = 0; c < k; c++) if (count[c] === 0) leftCategories[c] = 1;
    return { feature: f, proxy: best.proxy, threshold: NaN, leftCategories, nLeft: best.nLeft };
  }

  finish(): RegressionTree {
    return {
      feature: Int32Array.from(this.feature),
      threshold: Float64Array.from(this.threshold),
      leftCategories: this.leftCategories,
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      value: Float64Array.from(this.value),
      nSamples: Float64Array.from(this.nSamples),
      impurity: Float64Array.from(this.impurity),
    };
  }
}

/**
 * A random forest of regression trees (Breiman 2001) with scikit-learn's RandomForestRegressor
 * settings: bootstrap resamples, every feature considered at each split (in a random order), and
 * squared-error splits. All randomness comes from one seeded Rng.
 */
export function fitForest(data: EncodedData, opts: ForestOptions): RegressionTree[] {
  const rng = new Rng(opts.seed);
  const trees: RegressionTree[] = [];
  for (let t = 0; t < opts.nTrees; t++) {
    const treeRng = rng.fork();
    const rows = new Int32Array(data.nRows);
    for (let i = 0; i < rows.length; i++) rows[i] = opts.bootstrap === false ? i : treeRng.int(0, data.nRows - 1);
    const builder = new TreeBuilder(data, opts, treeRng, rows);
    builder.grow(0, rows.length, 0);
    trees.push(builder.finish());
  }
  return trees;
}

/**
 * Mean decrease in impurity (scikit-learn's feature_importances_): each split credits its feature
 * with the drop in weighted squared error; per-tree totals are normalised to 1, averaged over the
 * trees that split at all, and normalised again.
 */
export function meanDecreaseImpurity(trees: readonly RegressionTree[], features: readonly Feature[]): Float64Array {
  const total = new Float64Array(features.length);
  for (const tree of trees) {
    if (tree.feature.length <= 1) continue;
    const perTree = new Float64Array(features.length);
    for (let node = 0; node < tree.feature.length; node++) {
      const f = tree.feature[node];
      if (f < 0) continue;
      const l = tree.left[node];
      const r = tree.right[node];
      perTree[f] += tree.nSamples[node] * tree.impurity[node] - tree.nSamples[l] * tree.impurity[l] - tree.nSamples[r] * tree.impurity[r];
    }
    const s = perTree.reduce((a, b) => a + b, 0);
    if (s > 0) for (let f = 0; f < perTree.length; f++) total[f] += perTree[f] / s;
  }
  const s = total.reduce((a, b) => a + b, 0);
  if (s > 0) for (let f = 0; f < total.length; f++) total[f] /= s;
  return total;
}
