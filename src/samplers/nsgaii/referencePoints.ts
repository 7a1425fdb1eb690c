/**
 * NSGA-III's survival step (Deb & Jain 2014), as Optuna 5.0's NSGAIIIElitePopulationSelectionStrategy
 * takes it: the objective values of the survivors so far and of the front that does not fit whole
 * are normalised (ideal point, extreme points by the achievement scalarising function, the hyperplane's
 * intercepts), each is associated with the reference line nearest to it, and the front's places are
 * given niche by niche, the least crowded reference point first.
 *
 * Optuna normalises the objective values as stored, whatever the study's directions (its ranking
 * does use them); so does this, so that both libraries keep the same trials.
 */
import { symmetricEigen } from '../cmaes/eigen';
import type { Rng } from '../../rng';

/** Optuna's `_COEF`: infinite values are clipped to this many spans beyond the finite ones. */
const INFINITY_MARGIN = 3;

/**
 * Das and Dennis's points on the unit simplex: every way of splitting `divisions` units among the
 * objectives, in the order of Python's `combinations_with_replacement(range(m), divisions)`.
 */
export function defaultReferencePoints(objectives: number, divisions: number): number[][] {
  const points: number[][] = [];
  const walk = (from: number, left: number, counts: number[]): void => {
    if (left === 0) {
      points.push([...counts]);
      return;
    }
    for (let m = from; m < objectives; m++) {
      counts[m]++;
      walk(m, left - 1, counts);
      counts[m]--;
    }
  };
  walk(0, divisions, new Array<number>(objectives).fill(0));
  return points;
}

/** Each column's infinite values clipped to three spans of its finite ones beyond them. */
export function clipInfinities(values: readonly (readonly number[])[]): number[][] {
  const m = values[0]?.length ?? 0;
  const low: number[] = [];
  const high: number[] = [];
  for (let j = 0; j < m; j++) {
    const finite = values.map((row) => row[j]).filter(Number.isFinite);
    const min = finite.length > 0 ? Math.min(...finite) : NaN;
    const max = finite.length > 0 ? Math.max(...finite) : NaN;
    const margin = INFINITY_MARGIN * (max - min);
    low.push(min - margin);
    high.push(max + margin);
  }
  return values.map((row) => row.map((v, j) => (Number.isNaN(low[j]) ? NaN : Math.min(high[j], Math.max(low[j], v)))));
}

/**
 * Objective values translated so the ideal point is the origin and scaled so each extreme point
 * (the one minimising the achievement scalarising function with weights 1 on its axis and 1e6
 * elsewhere) lies on the unit hyperplane. When the extreme points do not span a hyperplane, each
 * axis is scaled by its largest value instead.
 */
export function normalizeObjectives(values: readonly (readonly number[])[]): number[][] {
  const m = values[0]?.length ?? 0;
  const ideal = Array.from({ length: m }, (_, j) => Math.min(...values.map((row) => row[j])));
  const shifted = values.map((row) => row.map((v, j) => v - ideal[j]));
  const extremes = Array.from({ length: m }, (_, axis) => {
    let best = 0;
    let bestAsf = Infinity;
    shifted.forEach((row, n) => {
      const asf = Math.max(...row.map((v, j) => v * (j === axis ? 1 : 1e6)));
      if (asf < bestAsf) {
        bestAsf = asf;
        best = n;
      }
    });
    return shifted[best];
  });
  let inverse: number[] | null = null;
  if (extremes.every((row) => row.every(Number.isFinite)) && fullRank(extremes)) {
    inverse = solve(extremes, new Array<number>(m).fill(1));
  }
  if (!inverse) {
    inverse = Array.from({ length: m }, (_, j) => {
      const top = Math.max(...shifted.map((row) => row[j]));
      return 1 / (top === 0 ? 1 : top);
    });
  }
  const scale = inverse.map((v) => (Number.isFinite(v) ? v : 1));
  return shifted.map((row) => row.map((v, j) => v * scale[j]));
}

/**
 * For each normalised point, the reference line (through the origin and a reference point) nearest
 * to it, by perpendicular distance, and that distance; the first such line on a tie.
 */
export function associateWithReferences(
  points: readonly (readonly number[])[],
  references: readonly (readonly number[])[],
): { closest: number[]; distance: number[] } {
  const closest: number[] = [];
  const distance: number[] = [];
  const norms = references.map((r) => r.reduce((s, v) => s + v * v, 0));
  for (const p of points) {
    let best = 0;
    let bestDistance = Infinity;
    references.forEach((r, k) => {
      const along = p.reduce((s, v, j) => s + v * r[j], 0) / norms[k];
      const d = Math.sqrt(p.reduce((s, v, j) => s + (v - along * r[j]) ** 2, 0));
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    });
    closest.push(best);
    distance.push(bestDistance);
  }
  return { closest, distance };
}

/**
 * Indices (into `front`) of the `places` members of the front that survive. `closest` and `distance`
 * cover the survivors so far (the first `survivors` entries) and then the front. A reference point
 * with the fewest survivors near it takes its nearest front member when it has none yet (Optuna:
 * the nearest), else a random one; ties between reference points are broken at random.
 */
export function preserveNiches(
  places: number,
  survivors: number,
  frontSize: number,
  closest: readonly number[],
  distance: readonly number[],
  rng: Rng,
): number[] {
  if (frontSize < places) throw new RangeError(`NSGA-III: ${places} places for a front of ${frontSize}.`);
  // Each reference point's front members, as (distance, index in the front).
  const members = new Map<number, Array<[number, number]>>();
  for (let i = 0; i < frontSize; i++) {
    const ref = closest[survivors + i];
    if (!members.has(ref)) members.set(ref, []);
    members.get(ref)!.push([distance[survivors + i], i]);
  }
  const survivorsNear = new Map<number, number>();
  for (let i = 0; i < survivors; i++) survivorsNear.set(closest[i], (survivorsNear.get(closest[i]) ?? 0) + 1);
  // Reference points with front members, grouped by how many survivors are near them.
  const byCount = new Map<number, number[]>();
  const group = (count: number) => {
    if (!byCount.has(count)) byCount.set(count, []);
    return byCount.get(count)!;
  };
  for (const ref of members.keys()) group(survivorsNear.get(ref) ?? 0).push(ref);

  const chosen: number[] = [];
  const shuffled = new Set<number>();
  let count = -1;
  while (chosen.length < places) {
    if (group(count).length === 0) {
      count++;
      rng.shuffle(group(count));
      continue;
    }
    const ref = group(count).pop()!;
    const near = members.get(ref)!;
    if (count > 0 && !shuffled.has(ref)) {
      rng.shuffle(near);
      shuffled.add(ref);
    } else if (count === 0) {
      // Nearest last, to be popped: Python sorts (distance, index) pairs in reverse.
      near.sort((a, b) => b[0] - a[0] || b[1] - a[1]);
    }
    chosen.push(near.pop()![1]);
    if (near.length > 0) group(count + 1).push(ref);
  }
  return chosen;
}

/** Whether a square matrix has full rank, as numpy's matrix_rank decides (singular values above max * n * eps). */
function fullRank(a: readonly (readonly number[])[]): boolean {
  const n = a.length;
  // Singular values are the square roots of AᵀA's eigenvalues.
  const ata = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) ata[i * n + j] += a[k][i] * a[k][j];
  const singular = Array.from(symmetricEigen(ata, n).values, (v) => Math.sqrt(Math.max(0, v)));
  const largest = Math.max(...singular);
  return singular.every((s) => s > largest * n * Number.EPSILON);
}

/** x with A x = b, by Gaussian elimination with partial pivoting (LAPACK's gesv); null if singular. */
function solve(a: readonly (readonly number[])[], b: readonly number[]): number[] | null {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    if (m[pivot][col] === 0) return null;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    for (let r = col + 1; r < n; r++) {
      const f = m[r][col] / m[col][col];
      for (let c = col; c <= n; c++) m[r][c] -= f * m[col][c];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let c = r + 1; c < n; c++) s -= m[r][c] * x[c];
    x[r] = s / m[r][r];
  }
  return x;
}
