import type { Feature } from './features';
import type { RegressionTree } from './forest';

/**
 * Functional ANOVA of one regression tree (Hutter, Hoos & Leyton-Brown 2014), computed exactly.
 *
 * A tree is piecewise constant on its leaves, and each leaf is a box. The split points of feature j
 * (plus its bounds) cut its axis into cells; every leaf box spans whole cells. The marginal of the
 * tree over a set U of features, at a cell of the U-grid, is the sum over the leaves whose box covers
 * that cell of (leaf value) x (fraction of the other features' volume the leaf covers). Its variance,
 * weighted by cell volume, is V_U before lower-order effects are subtracted. Both the 1-D and the
 * 2-D marginals are accumulated with difference arrays, so each leaf costs O(1) per range.
 */
export interface TreeDecomposition {
  /** Total variance of the tree over the whole space (uniform measure). */
  readonly variance: number;
  /** V_j per feature. */
  readonly main: Float64Array;
  /** V_jk (lower-order effects subtracted, clipped at 0) per requested pair. */
  readonly pairs: Float64Array;
}

interface Leaf {
  value: number;
  /** Fraction of the whole space's volume the leaf covers. */
  volume: number;
  /** Per feature: the fraction of that axis the leaf covers. */
  axisFraction: Float64Array;
  /** Per feature: the covered cells as [start, end) pairs. */
  ranges: Int32Array[];
}

interface Axis {
  /** Width of each cell as a fraction of the axis. */
  cellWidth: Float64Array;
  /** Cell boundaries (continuous features) for locating a leaf's interval. */
  edges: Float64Array | null;
}

export function decomposeTree(
  tree: RegressionTree,
  features: readonly Feature[],
  pairs: ReadonlyArray<readonly [number, number]>,
): TreeDecomposition {
  const axes = features.map((f, j) => buildAxis(tree, f, j));
  const leaves = collectLeaves(tree, features, axes);
  let mean = 0;
  for (const leaf of leaves) mean += leaf.volume * leaf.value;
  let variance = 0;
  for (const leaf of leaves) variance += leaf.volume * (leaf.value - mean) ** 2;

  const main = new Float64Array(features.length);
  for (let j = 0; j < features.length; j++) {
    if (axes[j].cellWidth.length > 1) main[j] = marginalVariance1D(leaves, axes[j], j, mean);
  }
  const pairVariance = new Float64Array(pairs.length);
  pairs.forEach(([j, k], p) => {
    if (axes[j].cellWidth.length === 1 || axes[k].cellWidth.length === 1) return; // no interaction possible
    const joint = marginalVariance2D(leaves, axes[j], axes[k], j, k, mean);
    pairVariance[p] = Math.max(0, joint - main[j] - main[k]);
  });
  return { variance, main, pairs: pairVariance };
}

function buildAxis(tree: RegressionTree, feature: Feature, j: number): Axis {
  if (feature.kind === 'categorical') {
    return { cellWidth: new Float64Array(feature.nChoices).fill(1 / feature.nChoices), edges: null };
  }
  const splits = new Set<number>();
  for (let node = 0; node < tree.feature.length; node++) if (tree.feature[node] === j) splits.add(tree.threshold[node]);
  const edges = Float64Array.from([feature.low, ...[...splits].sort((a, b) => a - b), feature.high]);
  const span = feature.high - feature.low;
  const cellWidth = new Float64Array(edges.length - 1);
  for (let c = 0; c < cellWidth.length; c++) cellWidth[c] = span > 0 ? (edges[c + 1] - edges[c]) / span : 1 / cellWidth.length;
  return { cellWidth, edges };
}

/** Walk the tree keeping each node's box; record every leaf with its volume and cell ranges. */
function collectLeaves(tree: RegressionTree, features: readonly Feature[], axes: readonly Axis[]): Leaf[] {
  const d = features.length;
  const leaves: Leaf[] = [];
  const lo = new Float64Array(d);
  const hi = new Float64Array(d);
  const masks: (Uint8Array | null)[] = features.map((f) => (f.kind === 'categorical' ? new Uint8Array(f.nChoices).fill(1) : null));
  features.forEach((f, j) => {
    if (f.kind === 'continuous') {
      lo[j] = f.low;
      hi[j] = f.high;
    }
  });

  const visit = (node: number): void => {
    const f = tree.feature[node];
    if (f < 0) {
      leaves.push(makeLeaf(tree.value[node], features, axes, lo, hi, masks));
      return;
    }
    const cats = tree.leftCategories[node];
    if (cats) {
      const saved = masks[f]!.slice();
      for (let c = 0; c < cats.length; c++) masks[f]![c] = saved[c] & cats[c];
      visit(tree.left[node]);
      for (let c = 0; c < cats.length; c++) masks[f]![c] = saved[c] & (1 - cats[c]);
      visit(tree.right[node]);
      masks[f]!.set(saved);
      return;
    }
    const t = tree.threshold[node];
    const savedHi = hi[f];
    hi[f] = Math.min(savedHi, t);
    visit(tree.left[node]);
    hi[f] = savedHi;
    const savedLo = lo[f];
    lo[f] = Math.max(savedLo, t);
    visit(tree.right[node]);
    lo[f] = savedLo;
  };
  visit(0);
  return leaves.filter((leaf) => leaf.volume > 0);
}

function makeLeaf(
  value: number,
  features: readonly Feature[],
  axes: readonly Axis[],
  lo: Float64Array,
  hi: Float64Array,
  masks: ReadonlyArray<Uint8Array | null>,
): Leaf {
  const d = features.length;
  const axisFraction = new Float64Array(d);
  const ranges: Int32Array[] = [];
  let volume = 1;
  for (let j = 0; j < d; j++) {
    const mask = masks[j];
    if (mask) {
      const runs: number[] = [];
      let covered = 0;
      for (let c = 0; c < mask.length; c++) {
        if (!mask[c]) continue;
        covered++;
        if (runs.length > 0 && runs[runs.length - 1] === c) runs[runs.length - 1] = c + 1;
        else runs.push(c, c + 1);
      }
      axisFraction[j] = covered / mask.length;
      ranges.push(Int32Array.from(runs));
    } else {
      const edges = axes[j].edges!;
      const start = findEdge(edges, lo[j]);
      const end = findEdge(edges, hi[j]);
      let fraction = 0;
      for (let c = start; c < end; c++) fraction += axes[j].cellWidth[c];
      axisFraction[j] = fraction;
      ranges.push(Int32Array.of(start, end));
    }
    volume *= axisFraction[j];
  }
  return { value, volume, axisFraction, ranges };
}

/** Index of `v` among the edges (leaf bounds are always edges, so this is an exact lookup). */
function findEdge(edges: Float64Array, v: number): number {
  let a = 0;
  let b = edges.length - 1;
  while (a < b) {
    const m = (a + b) >> 1;
    if (edges[m] < v) a = m + 1;
    else b = m;
  }
  return a;
}

function marginalVariance1D(leaves: readonly Leaf[], axis: Axis, j: number, mean: number): number {
  const n = axis.cellWidth.length;
  const diff = new Float64Array(n + 1);
  for (const leaf of leaves) {
    const contribution = (leaf.value * leaf.volume) / leaf.axisFraction[j];
    const r = leaf.ranges[j];
    for (let i = 0; i < r.length; i += 2) {
      diff[r[i]] += contribution;
      diff[r[i + 1]] -= contribution;
    }
  }
  let marginal = 0;
  let v = 0;
  for (let c = 0; c < n; c++) {
    marginal += diff[c];
    v += axis.cellWidth[c] * (marginal - mean) ** 2;
  }
  return v;
}

function marginalVariance2D(leaves: readonly Leaf[], axisJ: Axis, axisK: Axis, j: number, k: number, mean: number): number {
  const nj = axisJ.cellWidth.length;
  const nk = axisK.cellWidth.length;
  const stride = nk + 1;
  const diff = new Float64Array((nj + 1) * stride);
  for (const leaf of leaves) {
    const contribution = (leaf.value * leaf.volume) / (leaf.axisFraction[j] * leaf.axisFraction[k]);
    const rj = leaf.ranges[j];
    const rk = leaf.ranges[k];
    for (let a = 0; a < rj.length; a += 2) {
      for (let b = 0; b < rk.length; b += 2) {
        diff[rj[a] * stride + rk[b]] += contribution;
        diff[rj[a] * stride + rk[b + 1]] -= contribution;
        diff[rj[a + 1] * stride + rk[b]] -= contribution;
        diff[rj[a + 1] * stride + rk[b + 1]] += contribution;
      }
    }
  }
  // Running 2-D prefix sums turn the differences back into the marginal on each cell.
  const column = new Float64Array(nk);
  let v = 0;
  for (let a = 0; a < nj; a++) {
    let row = 0;
    for (let b = 0; b < nk; b++) {
      row += diff[a * stride + b];
      column[b] += row;
      v += axisJ.cellWidth[a] * axisK.cellWidth[b] * (column[b] - mean) ** 2;
    }
  }
  return v;
}
