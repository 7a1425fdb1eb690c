import type { Rng } from '../../src';

/**
 * The trials a maintained density holds as a study's bad group changes: the newest trial joins at
 * every step; on the steps `leaves` picks, one trial leaves (not among the newest 40, as a trial
 * that joins the good group); on those `returns` picks, the longest gone comes back mid-history
 * (by default one leaves every fourth step and one returns every ninth).
 */
export class BadGroupChurn {
  private readonly members: Set<number>;
  private readonly away: number[] = [];
  /** The next trial to join (the number of trials so far). */
  next: number;

  constructor(
    initial: number,
    private readonly rng: Rng,
    private readonly leaves: (step: number) => boolean = (step) => step % 4 === 3,
    private readonly returns: (step: number) => boolean = (step) => step % 9 === 8,
  ) {
    this.members = new Set(Array.from({ length: initial }, (_, i) => i));
    this.next = initial;
  }

  /**
   * Step `step`'s changes, then `density` synced to the members, their values read from `values`
   * (per parameter, by trial number: `heldValues`); returns the members, ascending.
   */
  follow(density: SyncedDensity, values: readonly Float64Array[], step: number): Int32Array {
    const numbers = this.step(step);
    density.sync(numbers, heldValues(values, numbers), numbers.length);
    return numbers;
  }

  /** Step `step`'s changes; returns the members, ascending. */
  step(step: number): Int32Array {
    const members = this.members;
    members.add(this.next++);
    if (this.leaves(step)) {
      const leaving = [...members][this.rng.int(0, members.size - 40)];
      members.delete(leaving);
      this.away.push(leaving);
    }
    if (this.returns(step) && this.away.length > 0) members.add(this.away.shift()!);
    return Int32Array.from([...members].sort((a, b) => a - b));
  }
}

/** A density kept across trials, synced to a list of trials (`IncrementalJointAbove`). */
export interface SyncedDensity {
  sync(numbers: Int32Array, values: readonly Float64Array[], count: number): void;
}

/** The values of trials `numbers`, per parameter, from `values` (per parameter, by trial number). */
export function heldValues(values: readonly Float64Array[], numbers: Int32Array): Float64Array[] {
  return values.map((v) => Float64Array.from(numbers, (i) => v[i]));
}
