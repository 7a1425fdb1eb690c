// Loss vectors for the multi-objective selection tests: points of a DTLZ2-like front.
import type { Rng } from '../../src/rng';

/** A point on the positive unit sphere in d objectives, on a coarse grid when asked (exact ties). */
export function frontPoint(rng: Rng, d: number, grid: boolean): number[] {
  const raw = Array.from({ length: d }, () => rng.uniform(0.05, 1));
  const norm = Math.hypot(...raw);
  return raw.map((v) => (grid ? Math.round((v / norm) * 6) / 6 : v / norm));
}
