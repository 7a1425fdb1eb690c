import type { Distribution } from '../../distributions';
import { setKey } from '../../dict';

/**
 * Maps a search space to the unit cube the GP works in and back:
 * - float: linear (or log) onto [0, 1]; a float with `step` and every int is *discrete*: it is
 *   normalised over its bounds padded by half a step (so each grid value owns an equal cell) and
 *   snapped to the grid by rounding in value space;
 * - categorical: the choice index itself, compared by the kernel with a Hamming distance.
 */
export type DimKind = 'continuous' | 'discrete' | 'categorical';

export interface EncodedDim {
  readonly name: string;
  readonly kind: DimKind;
  readonly distribution: Distribution;
  /** Number of choices for categoricals. */
  readonly choices: number;
  /** Normalised bounds in the (log) value space. */
  readonly lo: number;
  readonly hi: number;
  readonly log: boolean;
  /** Grid step in value space for discrete dims. */
  readonly step: number;
}

export class SpaceEncoding {
  readonly dims: EncodedDim[];
  readonly categorical: Uint8Array;

  constructor(space: Record<string, Distribution>) {
    this.dims = Object.entries(space).map(([name, d]) => encodeDim(name, d));
    this.categorical = Uint8Array.from(this.dims, (d) => (d.kind === 'categorical' ? 1 : 0));
  }

  get size(): number {
    return this.dims.length;
  }

  /** Internal parameter values -> unit-cube point. */
  encode(internal: Readonly<Record<string, number>>, out: Float64Array, offset = 0): void {
    this.dims.forEach((dim, i) => {
      out[offset + i] = encodeValue(dim, internal[dim.name]);
    });
  }

  /** Unit-cube point -> internal values (snapped onto each distribution). */
  decode(u: ArrayLike<number>): Record<string, number> {
    const out: Record<string, number> = {};
    this.dims.forEach((dim, i) => {
      setKey(out, dim.name, decodeValue(dim, u[i]));
    });
    return out;
  }

  /** Snap a point in place so discrete dims sit on their grid and categoricals on an index. */
  snap(u: Float64Array): void {
    this.dims.forEach((dim, i) => {
      if (dim.kind === 'continuous') u[i] = Math.min(1, Math.max(0, u[i]));
      else u[i] = encodeValue(dim, decodeValue(dim, u[i]));
    });
  }

  /**
   * The discrete neighbours of coordinate i (one grid step down and up, or every other choice of a
   * categorical), for the acquisition optimiser's coordinate moves.
   */
  neighbours(u: ArrayLike<number>, i: number): number[] {
    const dim = this.dims[i];
    if (dim.kind === 'categorical') {
      const out: number[] = [];
      for (let c = 0; c < dim.choices; c++) if (c !== u[i]) out.push(c);
      return out;
    }
    if (dim.kind !== 'discrete') return [];
    const d = dim.distribution as { low: number; high: number };
    const v = decodeValue(dim, u[i]);
    const out: number[] = [];
    for (const nv of [v - dim.step, v + dim.step]) {
      if (nv >= d.low - 1e-9 && nv <= d.high + 1e-9) out.push(encodeValue(dim, nv));
    }
    return out;
  }
}

function encodeDim(name: string, d: Distribution): EncodedDim {
  if (d.kind === 'categorical') {
    return { name, kind: 'categorical', distribution: d, choices: d.choices.length, lo: 0, hi: 1, log: false, step: 0 };
  }
  const step = d.kind === 'int' ? d.step : (d.step ?? 0);
  const discrete = d.kind === 'int' || d.step !== null;
  let lo: number;
  let hi: number;
  if (d.log) {
    // Log ints: pad by half a unit in value space, as the random sampler does.
    lo = Math.log(discrete ? d.low - 0.5 : d.low);
    hi = Math.log(discrete ? d.high + 0.5 : d.high);
  } else if (discrete) {
    lo = d.low - step / 2;
    hi = d.high + step / 2;
  } else {
    lo = d.low;
    hi = d.high;
  }
  if (!(hi > lo)) hi = lo + 1;
  return { name, kind: discrete ? 'discrete' : 'continuous', distribution: d, choices: 0, lo, hi, log: d.log, step };
}

function encodeValue(dim: EncodedDim, v: number): number {
  if (dim.kind === 'categorical') return v;
  return (toTransformed(dim, v) - dim.lo) / (dim.hi - dim.lo);
}

function decodeValue(dim: EncodedDim, u: number): number {
  if (dim.kind === 'categorical') return Math.min(dim.choices - 1, Math.max(0, Math.round(u)));
  return fromTransformed(dim, dim.lo + Math.min(1, Math.max(0, u)) * (dim.hi - dim.lo));
}

/**
 * A numeric dimension's internal value in the space its bounds `lo` and `hi` are given in (Optuna's
 * transformed space): its logarithm on a log scale, else itself.
 */
export function toTransformed(dim: EncodedDim, v: number): number {
  return dim.log ? Math.log(v) : v;
}

/** A value of that space back on the dimension's distribution: snapped onto its grid if discrete, clamped to its range. */
export function fromTransformed(dim: EncodedDim, t: number): number {
  const d = dim.distribution as { low: number; high: number };
  let v = dim.log ? Math.exp(t) : t;
  if (dim.kind === 'discrete') v = d.low + Math.round((v - d.low) / dim.step) * dim.step;
  v = Math.min(d.high, Math.max(d.low, v));
  if (dim.distribution.kind === 'int') v = Math.round(v);
  return v;
}

/**
 * The [low, high] bounds (unit-cube coordinates) of the grid cell that contains coordinate u of a
 * discrete dimension, or null for continuous and categorical ones (used by CMA-ES with margin).
 */
export function discreteCell(dim: EncodedDim, u: number): [number, number] | null {
  if (dim.kind !== 'discrete') return null;
  const v = decodeValue(dim, u);
  const half = dim.step / 2;
  if (dim.log) return [encodeValue(dim, Math.max(v - half, Math.exp(dim.lo))), encodeValue(dim, v + half)];
  return [encodeValue(dim, v - half), encodeValue(dim, v + half)];
}
