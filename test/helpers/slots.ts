import type { Rng } from '../../src/rng';

/**
 * Slots 1..n in a shuffled order, for a density's kernels as `IncrementalJointAbove` keeps them
 * (slot 0 the prior; a removal moves the last slot into a hole, so slots are not in time order).
 */
export function shuffledSlots(n: number, rng: Rng): number[] {
  const slots = Array.from({ length: n }, (_, i) => i + 1);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [slots[i], slots[j]] = [slots[j], slots[i]];
  }
  return slots;
}
