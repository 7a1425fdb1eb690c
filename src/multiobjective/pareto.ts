import type { Direction } from '../frozenTrial';

/**
 * Pareto machinery for NSGA-II and the study's Pareto front: values are turned into "loss" vectors
 * (every objective minimised), then sorted into non-dominated fronts under Deb's constrained
 * domination and spread within a front by crowding distance.
 */

/** Objective values as losses: maximised objectives are negated. */
export function toLoss(values: readonly number[], directions: readonly Direction[]): number[] {
  return values.map((v, i) => (directions[i] === 'maximize' ? -v : v));
}

/**
 * a Pareto-dominates b: no worse in every objective and strictly better in one. Without `directions`
 * a and b are losses (every objective minimised); with them, raw objective values. The one
 * dominance test of the code base (samplers, best trials, plots and the hypervolume use it).
 */
export function dominates(a: readonly number[], b: readonly number[], directions?: readonly Direction[]): boolean {
  let strictly = false;
  for (let i = 0; i < a.length; i++) {
    const maximize = directions !== undefined && directions[i] === 'maximize';
    const x = maximize ? -a[i] : a[i];
    const y = maximize ? -b[i] : b[i];
    if (x > y) return false;
    if (x < y) strictly = true;
  }
  return strictly;
}

/** a weakly dominates b (losses): no worse in any objective (equal points dominate each other). */
export function weaklyDominates(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] > b[i]) return false;
  return true;
}

/** Pareto rank of each loss vector (0 = nondominated), from the fronts of `nonDominatedSort`. */
export function nondominationRanks(losses: readonly (readonly number[])[]): Int32Array {
  const ranks = new Int32Array(losses.length).fill(-1);
  nonDominatedSort(losses).forEach((front, rank) => {
    for (const i of front) ranks[i] = rank;
  });
  return ranks;
}

/**
 * Constrained domination (Deb 2000): a feasible solution beats an infeasible one, of two infeasible
 * solutions the smaller total violation wins, and two feasible ones compare by Pareto dominance.
 * `violation` 0 means feasible.
 */
export function constrainedDominates(a: readonly number[], va: number, b: readonly number[], vb: number): boolean {
  if (va === 0 && vb > 0) return true;
  if (va > 0 && vb === 0) return false;
  if (va > 0 && vb > 0) return va < vb;
  return dominates(a, b);
}

/**
 * Fast non-dominated sort (Deb et al. 2002): returns fronts as lists of indices, best first.
 * With `violations`, uses constrained domination.
 */
export function nonDominatedSort(losses: ReadonlyArray<readonly number[]>, violations?: readonly number[]): number[][] {
  const n = losses.length;
  const dom = (i: number, j: number) =>
    violations ? constrainedDominates(losses[i], violations[i], losses[j], violations[j]) : dominates(losses[i], losses[j]);
  const dominatedBy: number[][] = Array.from({ length: n }, () => []);
  const count = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (dom(i, j)) {
        dominatedBy[i].push(j);
        count[j]++;
      } else if (dom(j, i)) {
        dominatedBy[j].push(i);
        count[i]++;
      }
    }
  }
  const fronts: number[][] = [];
  let current: number[] = [];
  for (let i = 0; i < n; i++) if (count[i] === 0) current.push(i);
  while (current.length > 0) {
    fronts.push(current);
    const next: number[] = [];
    for (const i of current) {
      for (const j of dominatedBy[i]) if (--count[j] === 0) next.push(j);
    }
    current = next;
  }
  return fronts;
}

/**
 * Crowding distance of each member of one front (same order as `front`): the sum over objectives of
 * the normalised gap between its neighbours; boundary points get Infinity so they are always kept.
 */
export function crowdingDistance(losses: ReadonlyArray<readonly number[]>, front: readonly number[]): number[] {
  const k = front.length;
  const dist = new Array<number>(k).fill(0);
  if (k <= 2) return dist.fill(Infinity);
  const m = losses[front[0]].length;
  for (let o = 0; o < m; o++) {
    const order = [...Array(k).keys()].sort((a, b) => losses[front[a]][o] - losses[front[b]][o]);
    const lo = losses[front[order[0]]][o];
    const hi = losses[front[order[k - 1]]][o];
    dist[order[0]] = Infinity;
    dist[order[k - 1]] = Infinity;
    if (!(hi > lo)) continue;
    for (let r = 1; r < k - 1; r++) {
      dist[order[r]] += (losses[front[order[r + 1]]][o] - losses[front[order[r - 1]]][o]) / (hi - lo);
    }
  }
  return dist;
}
