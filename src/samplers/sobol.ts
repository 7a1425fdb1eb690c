import { InvalidArgumentError } from '../errors';
import { Rng } from '../rng';
import { SOBOL_M, SOBOL_POLY } from './sobolDirections';

const BITS = 32;
const TWO_32 = 4294967296;

/** The maximum number of dimensions the shipped direction numbers cover. */
export const SOBOL_MAX_DIMENSIONS = SOBOL_POLY.length;

/**
 * The 32 direction numbers v_1..v_32 of dimension `d`, as 32-bit integers whose bit 31 is the
 * first binary digit. Built from the primitive polynomial and initial m_k by the standard
 * recurrence v_k = a_1 v_{k-1} ^ ... ^ a_{s-1} v_{k-s+1} ^ v_{k-s} ^ (v_{k-s} >> s).
 */
function directionNumbers(d: number): Uint32Array {
  const v = new Uint32Array(BITS);
  if (d === 0) {
    for (let k = 0; k < BITS; k++) v[k] = 2 ** (BITS - 1 - k);
    return v;
  }
  const poly = SOBOL_POLY[d];
  const s = Math.floor(Math.log2(poly));
  const m = SOBOL_M[d];
  for (let k = 0; k < Math.min(s, BITS); k++) v[k] = (m[k] * 2 ** (BITS - 1 - k)) >>> 0;
  for (let k = s; k < BITS; k++) {
    let x = v[k - s] ^ (v[k - s] >>> s);
    for (let j = 1; j < s; j++) {
      // a_j is the coefficient of x^(s-j) in the polynomial.
      if ((poly >>> (s - j)) & 1) x ^= v[k - j];
    }
    v[k] = x >>> 0;
  }
  return v;
}

/**
 * Linear matrix scrambling (Matoušek 1998): multiply every direction number by a random
 * lower-triangular binary matrix with unit diagonal. Together with a random digital shift this is
 * the scrambling SciPy (and hence Optuna's QMCSampler) uses; it keeps the net properties of the
 * sequence while making each seed an independent randomised QMC design.
 */
function scrambleDirections(v: Uint32Array, rng: Rng): Uint32Array {
  // Row i of the matrix acts on output bit (31 - i): it mixes input bits of the same or higher significance.
  const rows = new Uint32Array(BITS);
  for (let i = 0; i < BITS; i++) {
    let row = 0;
    for (let j = 0; j < i; j++) if (rng.random() < 0.5) row |= 2 ** (BITS - 1 - j);
    rows[i] = (row | (2 ** (BITS - 1 - i))) >>> 0;
  }
  const out = new Uint32Array(BITS);
  for (let k = 0; k < BITS; k++) {
    let x = 0;
    for (let i = 0; i < BITS; i++) if (parity(rows[i] & v[k])) x |= 2 ** (BITS - 1 - i);
    out[k] = x >>> 0;
  }
  return out;
}

function parity(x: number): number {
  x ^= x >>> 16;
  x ^= x >>> 8;
  x ^= x >>> 4;
  x ^= x >>> 2;
  x ^= x >>> 1;
  return x & 1;
}

/**
 * A Sobol' sequence in `dimensions` dimensions, optionally scrambled (linear matrix scrambling plus
 * digital shift, seeded). Points are computed directly from their index (Gray-code order), so any
 * worker can compute point i without generating the ones before it.
 */
export class SobolSequence {
  private readonly v: Uint32Array[];
  private readonly shift: Uint32Array;

  constructor(
    readonly dimensions: number,
    opts: { scramble?: boolean; seed?: number | string } = {},
  ) {
    if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > SOBOL_MAX_DIMENSIONS) {
      throw new InvalidArgumentError(`Sobol sequence: dimensions must be an integer in [1, ${SOBOL_MAX_DIMENSIONS}], got ${dimensions}.`);
    }
    const scramble = opts.scramble ?? true;
    this.v = [];
    this.shift = new Uint32Array(dimensions);
    for (let d = 0; d < dimensions; d++) {
      const base = directionNumbers(d);
      if (scramble) {
        // One stream per dimension, so a dimension's scrambling does not depend on how many there are.
        const rng = new Rng(`${String(opts.seed)}/sobol/${d}`);
        this.v.push(scrambleDirections(base, rng));
        this.shift[d] = Math.floor(rng.random() * TWO_32) >>> 0;
      } else {
        this.v.push(base);
      }
    }
  }

  /** Point `index` (0-based) of the sequence, in [0, 1)^dimensions. */
  point(index: number): number[] {
    if (!Number.isInteger(index) || index < 0 || index >= TWO_32) {
      throw new InvalidArgumentError(`Sobol sequence: index must be an integer in [0, 2^32), got ${index}.`);
    }
    // Gray code g = i ^ (i >> 1); the point is the XOR of the direction numbers of g's set bits.
    const gray = (index ^ Math.floor(index / 2)) >>> 0;
    const out = new Array<number>(this.dimensions);
    for (let d = 0; d < this.dimensions; d++) {
      const v = this.v[d];
      let x = this.shift[d];
      let g = gray;
      for (let k = 0; g !== 0; k++, g >>>= 1) if (g & 1) x ^= v[k];
      out[d] = (x >>> 0) / TWO_32;
    }
    return out;
  }
}
