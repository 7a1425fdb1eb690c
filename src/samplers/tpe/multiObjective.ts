import { nondominationRanks } from '../../multiobjective/pareto';

const EPS = 1e-12;

/** Hypervolume dominated by `points` (minimisation) up to `ref`, by slicing along the last objective. */
export function hypervolume(points: readonly (readonly number[])[], ref: readonly number[]): number {
  const pts = points.filter((p) => p.every((v, k) => v < ref[k]));
  if (pts.length === 0) return 0;
  const d = ref.length;
  if (d === 1) return ref[0] - Math.min(...pts.map((p) => p[0]));
  if (d === 2) {
    const sorted = [...pts].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let area = 0;
    let bestY = ref[1];
    for (const p of sorted) {
      if (p[1] < bestY) {
        area += (ref[0] - p[0]) * (bestY - p[1]);
        bestY = p[1];
      }
    }
    return area;
  }
  const last = d - 1;
  const sorted = [...pts].sort((a, b) => a[last] - b[last]);
  let volume = 0;
  for (let i = 0; i < sorted.length; i++) {
    const top = i + 1 < sorted.length ? sorted[i + 1][last] : ref[last];
    const height = top - sorted[i][last];
    if (height <= 0) continue;
    volume +=
      height *
      hypervolume(
        sorted.slice(0, i + 1).map((p) => p.slice(0, last)),
        ref.slice(0, last),
      );
  }
  return volume;
}

function referencePoint(losses: readonly (readonly number[])[]): number[] {
  const d = losses[0].length;
  const ref: number[] = [];
  for (let k = 0; k < d; k++) {
    let worst = -Infinity;
    for (const p of losses) worst = Math.max(worst, p[k]);
    const r = Math.max(1.1 * worst, 0.9 * worst);
    ref.push(r === 0 ? EPS : r);
  }
  return ref;
}

/**
 * MOTPE's good group: whole Pareto fronts while they fit, then the points of the next front that
 * greedily add the most hypervolume (the hypervolume subset selection problem, solved greedily).
 * Returns positions into `losses`.
 */
export function selectBelowMultiObjective(losses: readonly (readonly number[])[], nBelow: number): number[] {
  if (nBelow <= 0) return [];
  const ranks = nondominationRanks(losses);
  const chosen: number[] = [];
  let rank = 0;
  for (;;) {
    const front: number[] = [];
    for (let i = 0; i < losses.length; i++) if (ranks[i] === rank) front.push(i);
    if (front.length === 0) break;
    if (chosen.length + front.length <= nBelow) {
      chosen.push(...front);
      rank++;
      if (chosen.length === nBelow) break;
      continue;
    }
    const ref = referencePoint(front.map((i) => losses[i]));
    const selected: number[] = [];
    const remaining = [...front];
    while (chosen.length + selected.length < nBelow) {
      const base = hypervolume(
        selected.map((i) => losses[i]),
        ref,
      );
      let bestK = 0;
      let bestGain = -Infinity;
      for (let k = 0; k < remaining.length; k++) {
        const gain =
          hypervolume(
            [...selected, remaining[k]].map((i) => losses[i]),
            ref,
          ) - base;
        if (gain > bestGain) {
          bestGain = gain;
          bestK = k;
        }
      }
      selected.push(remaining[bestK]);
      remaining.splice(bestK, 1);
    }
    chosen.push(...selected);
    break;
  }
  return chosen;
}
