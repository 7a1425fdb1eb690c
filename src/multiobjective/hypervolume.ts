import { InvalidArgumentError } from '../errors';
import { weaklyDominates } from './pareto';

/**
 * Exact hypervolume (all objectives minimised): the Lebesgue measure of the region dominated by
 * `points` and bounded by `referencePoint`. Points that do not strictly dominate the reference point
 * in every objective add nothing. Two objectives use a sort-and-sweep (O(n log n)), three a sweep
 * in the third objective over a staircase of the first two (`sweptVolume3d`), four slabs of the
 * fourth over that (`sweptVolume4d`); more use the WFG
 * algorithm (While, Bradstreet, Barone 2012): the sum of exclusive contributions, each computed as
 * the point's box minus the hypervolume of the remaining points "limited" by it.
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
  // The three-objective sweep passes over covered points itself.
  return wfg(m === 3 ? inside : nondominated(inside), referencePoint);
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

/** The coordinates handed to `sweptVolume3d` (see `sweepPoints`), grown as needed. */
let sweep = { x: new Float64Array(64), y: new Float64Array(64), z: new Float64Array(64) };

/**
 * Coordinate arrays for at least n points, to fill and hand to `sweptVolume3d`: one scratch space
 * for every caller (the sweep calls nothing back), valid until the next call.
 */
export function sweepPoints(n: number): { x: Float64Array; y: Float64Array; z: Float64Array } {
  if (sweep.x.length < n) {
    const size = Math.max(n, 2 * sweep.x.length);
    sweep = { x: new Float64Array(size), y: new Float64Array(size), z: new Float64Array(size) };
  }
  return sweep;
}

/** `sweptVolume3d` of the first n points, given in ascending order of their third loss. */
function sweptVolumeOf(points: readonly (readonly number[])[], n: number, ref: readonly number[]): number {
  const { x, y, z } = sweepPoints(n);
  for (let i = 0; i < n; i++) {
    x[i] = points[i][0];
    y[i] = points[i][1];
    z[i] = points[i][2];
  }
  return sweptVolume3d(x, y, z, n, ref);
}

/**
 * Inserts p into `points`, kept in ascending order of the third loss (after those equal to it: the
 * order they came in), as `sweptVolume3d` takes them.
 */
export function insertByThirdLoss(points: (readonly number[])[], p: readonly number[]): void {
  let at = points.length;
  while (at > 0 && points[at - 1][2] > p[2]) at--;
  points.splice(at, 0, p);
}

/** The staircase of `sweptVolume3d`, grown as needed. */
let stairX = new Float64Array(64);
let stairY = new Float64Array(64);

/**
 * Three objectives: the hypervolume of the first n points given by their coordinates, in ascending
 * order of the third. A sweep: the points enter in that order, and the area their first two losses
 * dominate (a staircase, kept sorted; a point it already covers changes nothing) times the distance
 * to the next point's third loss is the volume of that slab. O(n s) for a staircase of s points;
 * the points need not be mutually non-dominated.
 */
export function sweptVolume3d(xs: Float64Array, ys: Float64Array, zs: Float64Array, n: number, ref: readonly number[]): number {
  if (stairX.length < n) {
    stairX = new Float64Array(Math.max(n, 2 * stairX.length));
    stairY = new Float64Array(stairX.length);
  }
  const [r0, r1, r2] = ref;
  let size = 0;
  let area = 0;
  // The staircase's area is summed afresh (not updated) when it is next used: points sharing a
  // third loss (as many do in `limitedVolume3d`) change the staircase before any slab needs it.
  let areaStale = false;
  let volume = 0;
  let lastZ = 0;
  for (let i = 0; i < n; i++) {
    const z = zs[i];
    if (size > 0 && z !== lastZ) {
      if (areaStale) {
        area = staircaseArea(size, r0, r1);
        areaStale = false;
      }
      volume += area * (z - lastZ);
    }
    lastZ = z;
    const x = xs[i];
    const y = ys[i];
    // The first staircase point with first loss >= x; the one before it has the least second loss of those before.
    let lo = 0;
    let hi = size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (stairX[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && stairY[lo - 1] <= y) continue; // covered
    if (lo < size && stairX[lo] === x && stairY[lo] <= y) continue;
    // The points it covers follow it (first loss >= x, second loss >= y): it replaces them.
    let end = lo;
    while (end < size && stairY[end] >= y) end++;
    const removed = end - lo;
    if (removed === 0) {
      // Shifted by hand: the staircases are short, and copyWithin's call costs more than the copy.
      for (let j = size; j > lo; j--) {
        stairX[j] = stairX[j - 1];
        stairY[j] = stairY[j - 1];
      }
      size++;
    } else if (removed > 1) {
      for (let j = end; j < size; j++) {
        stairX[j - removed + 1] = stairX[j];
        stairY[j - removed + 1] = stairY[j];
      }
      size += 1 - removed;
    }
    stairX[lo] = x;
    stairY[lo] = y;
    areaStale = true;
  }
  if (size === 0) return 0;
  if (areaStale) area = staircaseArea(size, r0, r1);
  return volume + area * (r2 - lastZ);
}

/** The area the first `size` steps of the staircase dominate, up to (r0, r1). */
function staircaseArea(size: number, r0: number, r1: number): number {
  let area = 0;
  for (let j = 0; j < size; j++) area += ((j + 1 < size ? stairX[j + 1] : r0) - stairX[j]) * (r1 - stairY[j]);
  return area;
}

/**
 * Four objectives: slabs of the fourth. The points enter in its order, each kept in order of the
 * third among those entered; between one point's fourth loss and the next one's, the volume is the
 * three-objective volume of the points entered so far (`sweptVolume3d`) times the slab's width.
 * O(n^2 s), where WFG's recursion on four objectives took most of a four-objective MOTPE study.
 */
function sweptVolume4d(points: number[][], ref: readonly number[]): number {
  const n = points.length;
  const byFourth = [...points].sort((a, b) => a[3] - b[3]);
  const byThird: number[][] = [];
  let volume = 0;
  for (let i = 0; i < n; i++) {
    const p = byFourth[i];
    insertByThirdLoss(byThird, p);
    const next = i + 1 < n ? byFourth[i + 1][3] : ref[3];
    if (next === p[3]) continue; // the slab starts with the last of equal fourth losses
    volume += sweptVolumeOf(byThird, i + 1, ref) * (next - p[3]);
  }
  return volume;
}

/** Hypervolume of a mutually non-dominated set. */
function wfg(points: number[][], ref: readonly number[]): number {
  const m = ref.length;
  if (points.length === 0) return 0;
  if (m === 1) return ref[0] - Math.min(...points.map((p) => p[0]));
  if (m === 2) return hv2d(points, ref);
  if (points.length === 1) return boxVolume(points[0], ref);
  if (m === 3)
    return sweptVolumeOf(
      points.sort((a, b) => a[2] - b[2]),
      points.length,
      ref,
    );
  if (m === 4) return sweptVolume4d(points, ref);
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
