import { InvalidArgumentError } from '../errors';
import { Rng } from '../rng';

/** Dimensions a Halton sequence may have: a base each, the first primes (the last one 104,729). */
export const HALTON_MAX_DIMENSIONS = 10_000;

let primes: number[] = [];

/** The first `n` primes (a sieve, grown as needed). */
function firstPrimes(n: number): number[] {
  if (primes.length >= n) return primes;
  // The n-th prime is below n (ln n + ln ln n) for n >= 6.
  const limit = Math.max(16, Math.ceil(n * (Math.log(n) + Math.log(Math.log(Math.max(n, 3))))) + 1);
  const composite = new Uint8Array(limit + 1);
  const found: number[] = [];
  for (let p = 2; p <= limit && found.length < n; p++) {
    if (composite[p]) continue;
    found.push(p);
    for (let m = p * p; m <= limit; m += p) composite[m] = 1;
  }
  primes = found;
  return primes;
}

/**
 * A Halton sequence in `dimensions` dimensions: dimension d is the radical inverse of the index in
 * the d-th prime base, as SciPy's `qmc.Halton`, which Optuna's `QMCSampler(qmc_type="halton")` runs.
 * Unscrambled, the points are SciPy's bit for bit (the digits summed in its order). Scrambled, each
 * digit position of each dimension has a random permutation of the base's digits, as SciPy scrambles
 * (its permutations come from NumPy's generator, these from tunelab's seeded one), over as many
 * digits as SciPy takes. A point is computed from its index alone, so any worker computes point i
 * without the ones before it.
 */
export class HaltonSequence {
  private readonly bases: number[];
  /** Per dimension, per digit position, the permutation of the base's digits (scrambled only). */
  private readonly permutations: Uint32Array[][] | null;

  constructor(
    readonly dimensions: number,
    opts: { scramble?: boolean; seed?: number | string } = {},
  ) {
    if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > HALTON_MAX_DIMENSIONS) {
      throw new InvalidArgumentError(`Halton sequence: dimensions must be an integer in [1, ${HALTON_MAX_DIMENSIONS}], got ${dimensions}.`);
    }
    this.bases = firstPrimes(dimensions).slice(0, dimensions);
    if (!(opts.scramble ?? true)) {
      this.permutations = null;
      return;
    }
    this.permutations = this.bases.map((base, d) => {
      // One stream per dimension, so a dimension's scrambling does not depend on how many there are.
      const rng = new Rng(`${String(opts.seed)}/halton/${d}`);
      // SciPy's digit count: enough base-b digits for a double's precision.
      const digits = Math.ceil(54 / Math.log2(base)) - 1;
      return Array.from({ length: digits }, () => {
        const perm = Uint32Array.from({ length: base }, (_, i) => i);
        for (let i = base - 1; i > 0; i--) {
          const j = rng.int(0, i);
          [perm[i], perm[j]] = [perm[j], perm[i]];
        }
        return perm;
      });
    });
  }

  /** Point `index` (0-based) of the sequence, in [0, 1)^dimensions. */
  point(index: number): number[] {
    if (!Number.isSafeInteger(index) || index < 0) {
      throw new InvalidArgumentError(`Halton sequence: index must be a non-negative integer, got ${index}.`);
    }
    const out = new Array<number>(this.dimensions);
    for (let d = 0; d < this.dimensions; d++) {
      const base = this.bases[d];
      let quotient = index;
      let scale = 1 / base;
      let x = 0;
      const perms = this.permutations?.[d];
      if (perms) {
        // Every digit position, the leading zeros' too: a permutation may send 0 elsewhere.
        for (const perm of perms) {
          x += perm[quotient % base] * scale;
          quotient = Math.floor(quotient / base);
          scale /= base;
        }
      } else {
        while (quotient > 0) {
          x += (quotient % base) * scale;
          quotient = Math.floor(quotient / base);
          scale /= base;
        }
      }
      // (A scrambled sum can round up to 1 in its last bit.)
      out[d] = x < 1 ? x : 1 - Number.EPSILON / 2;
    }
    return out;
  }
}
