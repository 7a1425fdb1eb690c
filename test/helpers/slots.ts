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

/**
 * Kernel `i` leaves (its trial joined the good group), as `IncrementalJointAbove` removes one: the
 * kernel in the last slot moves into its slot. `slots[k]` is kernel k's slot; both lists change in place.
 */
export function removeKernel(kernels: unknown[], slots: number[], i: number): void {
  const hole = slots[i];
  const last = slots.length;
  kernels.splice(i, 1);
  slots.splice(i, 1);
  const moved = slots.indexOf(last);
  if (moved >= 0) slots[moved] = hole;
}
