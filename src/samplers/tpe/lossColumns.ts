/**
 * Loss vectors in the order of a list, one typed array per objective (every objective minimised).
 *
 * A long multi-objective study's first front holds thousands of points, and each trial passes over
 * it: is the new point dominated, which points does it dominate, which are duplicates, where is the
 * worst loss, which points may a left-out choice matter to. The vectors themselves lie scattered
 * through the heap in the order their trials finished, so such a pass in the front's order misses
 * the cache at nearly every point (about 80 ns a point on a 5,500-point front); in columns it reads
 * memory in order.
 */
export class LossColumns {
  /** Per objective, the losses of the first `length` vectors. */
  columns: Float64Array[];
  private size = 0;
  /**
   * Per objective, the largest loss, kept while vectors are only added (a front's selection reads it
   * every trial: a pass over the front); null when it must be found again (vectors were removed).
   */
  private largest: number[] | null = null;

  constructor(
    readonly dimensions: number,
    capacity = 64,
  ) {
    this.columns = Array.from({ length: dimensions }, () => new Float64Array(capacity));
  }

  static of(vectors: readonly (readonly number[])[], dimensions = vectors[0]?.length ?? 0): LossColumns {
    const out = new LossColumns(dimensions, Math.max(64, vectors.length));
    for (let k = 0; k < dimensions; k++) {
      const column = out.columns[k];
      for (let r = 0; r < vectors.length; r++) column[r] = vectors[r][k];
    }
    out.size = vectors.length;
    return out;
  }

  /** How many vectors. */
  get length(): number {
    return this.size;
  }

  /** A copy of the first `length` vectors, in a new allocation. */
  copy(): LossColumns {
    const out = new LossColumns(this.dimensions, Math.max(64, this.length));
    for (let k = 0; k < this.dimensions; k++) out.columns[k].set(this.columns[k].subarray(0, this.length));
    out.size = this.size;
    out.largest = this.largest && this.largest.slice();
    return out;
  }

  /** Adds the vector at position r of `from` after the others. */
  pushFrom(from: LossColumns, r: number): void {
    if (this.length === this.columns[0].length) this.columns = this.columns.map((column) => widened(column, Math.max(64, 2 * this.length)));
    for (let k = 0; k < this.dimensions; k++) this.columns[k][this.size] = from.columns[k][r];
    this.size++;
    this.keepLargest(this.size - 1);
  }

  /** Replaces the `removed` vectors from `at` with v. */
  splice(at: number, removed: number, v: readonly number[]): void {
    const length = this.length;
    const grown = length - removed + 1;
    if (grown > this.columns[0].length) {
      this.columns = this.columns.map((column) => widened(column, 2 * grown));
    }
    for (let k = 0; k < this.dimensions; k++) {
      const column = this.columns[k];
      column.copyWithin(at + 1, at + removed, length);
      column[at] = v[k];
    }
    this.size = grown;
    if (removed > 0) this.largest = null;
    else this.keepLargest(at);
  }

  /** Keeps the vectors whose `drop` is 0, in order. */
  compact(drop: Uint8Array): void {
    let m = 0;
    for (let r = 0; r < this.length; r++) {
      if (drop[r]) continue;
      for (let k = 0; k < this.dimensions; k++) this.columns[k][m] = this.columns[k][r];
      m++;
    }
    if (m < this.size) this.largest = null;
    this.size = m;
  }

  /** The vector at r, into `out` (returned). */
  rowInto(r: number, out: number[]): number[] {
    for (let k = 0; k < this.dimensions; k++) out[k] = this.columns[k][r];
    return out;
  }

  /** Whether vectors r and s are equal. */
  equal(r: number, s: number): boolean {
    for (let k = 0; k < this.dimensions; k++) if (this.columns[k][r] !== this.columns[k][s]) return false;
    return true;
  }

  /** The vector at r dominates v (no worse anywhere, better somewhere). */
  dominates(r: number, v: readonly number[]): boolean {
    let strictly = false;
    for (let k = 0; k < this.dimensions; k++) {
      const x = this.columns[k][r];
      if (x > v[k]) return false;
      if (x < v[k]) strictly = true;
    }
    return strictly;
  }

  /** v dominates the vector at r. */
  dominatedBy(v: readonly number[], r: number): boolean {
    let strictly = false;
    for (let k = 0; k < this.dimensions; k++) {
      const x = this.columns[k][r];
      if (v[k] > x) return false;
      if (v[k] < x) strictly = true;
    }
    return strictly;
  }

  /**
   * Whether the vector at r lies below `bound` in every loss (a point a left-out choice may matter
   * to, `Cover`'s reach: nearly every point fails, which one test finds with three objectives).
   */
  below(r: number, bound: readonly number[]): boolean {
    const c = this.columns;
    if (this.dimensions === 3) return Math.max(c[0][r] - bound[0], c[1][r] - bound[1], c[2][r] - bound[2]) < 0;
    for (let k = 0; k < this.dimensions; k++) if (!(c[k][r] < bound[k])) return false;
    return true;
  }

  /** The first position below `end` whose vector dominates v, or -1. */
  firstDominating(v: readonly number[], end: number): number {
    if (this.dimensions === 3) {
      const [c0, c1, c2] = this.columns;
      const v0 = v[0];
      const v1 = v[1];
      const v2 = v[2];
      for (let r = 0; r < end; r++) {
        // Worse than v somewhere, as nearly every point is: one test finds them (the two passes of
        // a new point took 0.11 ms a trial at 9,000 trials of a three-objective study with the full
        // test at every point, 0.07 so). Ties, infinities and NaN go on to the full test.
        if (Math.max(c0[r] - v0, c1[r] - v1, c2[r] - v2) > 0) continue;
        if (this.dominates(r, v)) return r;
      }
      return -1;
    }
    for (let r = 0; r < end; r++) if (this.dominates(r, v)) return r;
    return -1;
  }

  /** The first position from `from` on whose vector v dominates (`length` if none). */
  nextDominatedBy(v: readonly number[], from: number): number {
    const n = this.length;
    if (this.dimensions === 3) {
      const [c0, c1, c2] = this.columns;
      const v0 = v[0];
      const v1 = v[1];
      const v2 = v[2];
      for (let r = from; r < n; r++) {
        if (Math.max(v0 - c0[r], v1 - c1[r], v2 - c2[r]) > 0) continue; // as in `firstDominating`
        if (this.dominatedBy(v, r)) return r;
      }
      return n;
    }
    for (let r = from; r < n; r++) if (this.dominatedBy(v, r)) return r;
    return n;
  }

  /** Per objective, the largest loss (-Infinity with no vectors). */
  worst(): number[] {
    if (this.largest === null) {
      const largest: number[] = [];
      for (const column of this.columns) {
        let worst = -Infinity;
        for (let r = 0; r < this.size; r++) worst = Math.max(worst, column[r]);
        largest.push(worst);
      }
      this.largest = largest;
    }
    return this.largest.slice();
  }

  /** The largest losses with the vector just placed at r (Math.max: the same, in any order, as a pass). */
  private keepLargest(r: number): void {
    const largest = this.largest;
    if (largest === null) return;
    for (let k = 0; k < this.dimensions; k++) largest[k] = Math.max(largest[k], this.columns[k][r]);
  }
}

/** A longer copy of `column`. */
function widened(column: Float64Array, capacity: number): Float64Array {
  const bigger = new Float64Array(capacity);
  bigger.set(column);
  return bigger;
}
