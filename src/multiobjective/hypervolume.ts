import { InvalidArgumentError } from '../errors';
import { weaklyDominates } from './pareto';

/**
 * Exact hypervolume (all objectives minimised): the Lebesgue measure of the region dominated by
 * `points` and bounded by `referencePoint`. Points that do not strictly dominate the reference point
 * in every objective add nothing. Two objectives use a sort-and-sweep (O(n log n)); more use the WFG
 * algorithm (While, Bradstreet, Barone 2012): the sum of exclusive contributions, each computed as
 * the point's box minus the hypervolume of the remaining points "limited" by it, recursing down to
 * the two-objective sweep.
 */
export function hypervolume(points: ReadonlyArray<readonly number[]>, referencePoint: readonly number[]): number {
  const m = referencePoint.length;
  if (m === 0) throw new InvalidArgumentError('hypervolume: the reference point needs at least one objective.');
  const inside: number[][] = [];
  for (const p of points) {
    if (p.length !== m) {
      throw new InvalidArgumentError(`hypervolume: a point has ${p.length} objectives but the reference point has ${m}; they must match.`);
    }
    if (p.every((v, i) => v < referencePoint[i])) inside.push([...p]);
  }
  if (inside.length === 0) return 0;
  return wfg(nondominated(inside), referencePoint);
}

/** The volume of the box between point p and the reference point (all objectives minimised). */
export function boxVolume(p: readonly number[], ref: readonly number[]): number {
  let v = 1;
  for (let i = 0; i < ref.length; i++) v *= ref[i] - p[i];
  return v;
}

/** Points no other point weakly dominates (duplicates collapse to one). */
function nondominated(points: number[][]): number[][] {
  const out: number[][] = [];
  // Sorting lexicographically means a point can only be dominated by one earlier in the order.
  const sorted = [...points].sort(lexCompare);
  for (const p of sorted) {
    if (!out.some((q) => weaklyDominates(q, p))) out.push(p);
  }
  return out;
}

/** Lexicographic order of two loss vectors (the first objective that differs decides). */
export function lexCompare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function hv2d(points: number[][], ref: readonly number[]): number {
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let area = 0;
  let minY = ref[1];
  for (let i = 0; i < sorted.length; i++) {
    minY = Math.min(minY, sorted[i][1]);
    const nextX = i + 1 < sorted.length ? sorted[i + 1][0] : ref[0];
    area += (nextX - sorted[i][0]) * (ref[1] - minY);
  }
  return area;
}

/** Hypervolume of a mutually non-dominated set. */
function wfg(points: number[][], ref: readonly number[]): number {
  const m = ref.length;
  if (points.length === 0) return 0;
  if (m === 1) return ref[0] - Math.min(...points.map((p) => p[0]));
  if (m === 2) return hv2d(points, ref);
  if (points.length === 1) return boxVolume(points[0], ref);
  // Sorting by the last objective (descending) keeps limited sets small: later points are better there.
  const sorted = [...points].sort((a, b) => b[m - 1] - a[m - 1]);
  let total = 0;
  for (let i = 0; i < sorted.length; i++) {
    const p = sorted[i];
    const limited: number[][] = [];
    for (let j = i + 1; j < sorted.length; j++) limited.push(sorted[j].map((v, k) => Math.max(v, p[k])));
    total += boxVolume(p, ref) - wfg(nondominated(limited), ref);
  }
  return total;
}
