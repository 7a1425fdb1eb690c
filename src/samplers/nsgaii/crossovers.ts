/**
 * NSGA-II's crossovers, as Optuna 5.0 offers them (`optuna.samplers.nsgaii.*Crossover`): each makes
 * one child from `nParents` parents' numeric parameters, in Optuna's transformed space (a log
 * parameter's logarithm, a discrete one's range widened by half a step at each end), given that
 * space's bounds. The sampler does the rest as Optuna does: it picks the parents by tournament,
 * crosses categorical parameters uniformly between the first and last parent, maps the child back
 * onto each distribution, and draws again when a child leaves a linear float's range below.
 *
 * Each operator reads Optuna 5.0's, including where its code departs from the paper it cites (the
 * UNDX draws' scale, below), so a study moved from Optuna keeps its breeding; the children's
 * distributions are compared with Optuna's in test/multiobjective/nsgaCrossovers.test.ts.
 */
import { InvalidArgumentError } from '../../errors';
import { checkOptionKeys, optionKeys, type EveryKey } from '../../options';

/** The random numbers a crossover may draw (the sampler's seeded generator). */
export interface BreedingRandom {
  /** Uniform in [0, 1). */
  random(): number;
  /** Normal with the given mean and standard deviation. */
  normal(mean?: number, std?: number): number;
}

/** What a crossover is given besides its parents. */
export interface CrossoverContext {
  /** Per numeric parameter, its [low, high] in the transformed space the parents are given in. */
  readonly bounds: readonly (readonly [number, number])[];
  readonly rng: BreedingRandom;
  /** Whether the study has several objectives (SBX's and vSBX's default `eta` depends on it). */
  readonly multiObjective: boolean;
}

/**
 * A crossover, as Optuna's `BaseCrossover`: `crossover` gets `nParents` rows (each parent's numeric
 * parameters in the transformed space, in the order of `context.bounds`) and returns the child's, of
 * the same length. Write your own by implementing this; the sampler checks what it returns.
 */
export interface Crossover {
  readonly name: string;
  /** Parents per child; the population must hold at least this many. */
  readonly nParents: number;
  crossover(parents: readonly Float64Array[], context: CrossoverContext): Float64Array;
}

/** The crossovers a name selects with their defaults (`crossover: 'blxAlpha'`, ...). */
export type CrossoverName = 'uniform' | 'blxAlpha' | 'sbx' | 'vsbx' | 'spx' | 'undx';

function checkOptions<T>(where: string, opts: T, fields: EveryKey<T>): void {
  checkOptionKeys(where, opts, optionKeys(fields));
}

function checkRange(where: string, name: string, value: number, ok: (v: number) => boolean, wanted: string): number {
  if (typeof value !== 'number' || !ok(value)) throw new InvalidArgumentError(`${where}: ${name} must be ${wanted}, got ${String(value)}.`);
  return value;
}

const probability = (v: number): boolean => v >= 0 && v <= 1;

export interface UniformCrossoverOptions {
  /**
   * As Optuna's code reads it: the probability that a parameter keeps the first parent's value
   * rather than the second's (default 0.5, where the two readings agree).
   */
  swappingProb?: number;
}

/** Each parameter from one of two parents (Syswerda 1989); Optuna's default crossover. */
export class UniformCrossover implements Crossover {
  readonly name = 'UniformCrossover';
  readonly nParents = 2;
  readonly swappingProb: number;

  constructor(opts: UniformCrossoverOptions = {}) {
    checkOptions(this.name, opts, { swappingProb: true });
    this.swappingProb = checkRange(this.name, 'swappingProb', opts.swappingProb ?? 0.5, probability, 'in [0, 1]');
  }

  crossover(parents: readonly Float64Array[], { rng }: CrossoverContext): Float64Array {
    const [first, second] = parents;
    // As Optuna's code: the second parent's value unless a draw below swappingProb keeps the first's.
    return first.map((v, d) => (rng.random() >= this.swappingProb ? second[d] : v));
  }
}

export interface BLXAlphaCrossoverOptions {
  /** How far past the parents' interval, as a share of its width, a child may fall on each side (default 0.5). */
  alpha?: number;
}

/** Blend crossover, BLX-alpha (Eshelman & Schaffer 1992): uniform over the parents' interval widened by alpha each side. */
export class BLXAlphaCrossover implements Crossover {
  readonly name = 'BLXAlphaCrossover';
  readonly nParents = 2;
  readonly alpha: number;

  constructor(opts: BLXAlphaCrossoverOptions = {}) {
    checkOptions(this.name, opts, { alpha: true });
    this.alpha = checkRange(this.name, 'alpha', opts.alpha ?? 0.5, (v) => v >= 0 && Number.isFinite(v), 'a finite number >= 0');
  }

  crossover([a, b]: readonly Float64Array[], { rng }: CrossoverContext): Float64Array {
    return a.map((x, d) => {
      const lo = Math.min(x, b[d]);
      const hi = Math.max(x, b[d]);
      const widen = this.alpha * (hi - lo);
      return lo - widen + (hi - lo + 2 * widen) * rng.random();
    });
  }
}

export interface SPXCrossoverOptions {
  /** Expansion rate of the parents' simplex (default sqrt(number of numeric parameters + 2)). */
  epsilon?: number | null;
}

/**
 * Simplex crossover (Tsutsui, Goldberg & Sastry 2000): uniform in the three parents' simplex
 * expanded about its centroid by epsilon.
 */
export class SPXCrossover implements Crossover {
  readonly name = 'SPXCrossover';
  readonly nParents = 3;
  readonly epsilon: number | null;

  constructor(opts: SPXCrossoverOptions = {}) {
    checkOptions(this.name, opts, { epsilon: true });
    const epsilon = opts.epsilon ?? null;
    this.epsilon =
      epsilon === null ? null : checkRange(this.name, 'epsilon', epsilon, (v) => v > 0 && Number.isFinite(v), 'a finite number > 0');
  }

  crossover(parents: readonly Float64Array[], { rng, bounds }: CrossoverContext): Float64Array {
    const n = parents[0].length;
    const k = parents.length;
    const epsilon = this.epsilon ?? Math.sqrt(bounds.length + 2);
    const centroid = new Float64Array(n);
    for (const p of parents) for (let d = 0; d < n; d++) centroid[d] += p[d] / k;
    // The vertices expanded about the centroid: x_i = G + epsilon (p_i - G).
    const vertices = parents.map((p) => p.map((v, d) => centroid[d] + epsilon * (v - centroid[d])));
    // c_i = r_{i-1} (x_{i-1} - x_i + c_{i-1}), with r_{i-1} = u^(1/i): uniform over the simplex.
    let c = new Float64Array(n);
    for (let i = 1; i < k; i++) {
      const r = rng.random() ** (1 / i);
      const prev = vertices[i - 1];
      const cur = vertices[i];
      c = c.map((ci, d) => r * (prev[d] - cur[d] + ci));
    }
    const last = vertices[k - 1];
    return last.map((v, d) => v + c[d]);
  }
}

export interface SBXCrossoverOptions {
  /** Distribution index: larger keeps children nearer their parents (default 20 with several objectives, 2 with one, as Optuna's). */
  eta?: number | null;
  /** Probability that a parameter's two candidate values are swapped between the two children (default 0.5). */
  uniformCrossoverProb?: number;
  /** Probability that a parameter takes a crossed value rather than a parent's (default 0.5). */
  useChildGeneProb?: number;
}

const SBX_OPTION_FIELDS: EveryKey<SBXCrossoverOptions> = { eta: true, uniformCrossoverProb: true, useChildGeneProb: true };

/**
 * What SBX and vSBX share: options, the default eta, and Optuna's way of making one child from the
 * two an operator makes (per parameter, the crossed values with probability `useChildGeneProb`, else
 * the parents'; each pair swapped with probability `uniformCrossoverProb`; then one child of the two).
 */
abstract class SimulatedBinary implements Crossover {
  abstract readonly name: string;
  readonly nParents = 2;
  readonly eta: number | null;
  readonly uniformCrossoverProb: number;
  readonly useChildGeneProb: number;

  constructor(name: string, opts: SBXCrossoverOptions) {
    checkOptions(name, opts, SBX_OPTION_FIELDS);
    const eta = opts.eta ?? null;
    this.eta = eta === null ? null : checkRange(name, 'eta', eta, (v) => v >= 0 && Number.isFinite(v), 'a finite number >= 0');
    this.uniformCrossoverProb = checkRange(name, 'uniformCrossoverProb', opts.uniformCrossoverProb ?? 0.5, probability, 'in [0, 1]');
    this.useChildGeneProb = checkRange(name, 'useChildGeneProb', opts.useChildGeneProb ?? 0.5, (v) => v > 0 && v <= 1, 'in (0, 1]');
  }

  protected etaFor(context: CrossoverContext): number {
    return this.eta ?? (context.multiObjective ? 20 : 2);
  }

  /** One of the two children, parameter by parameter from the crossed pair (c1, c2) or the parents (x1, x2). */
  protected oneChild(c1: Float64Array, c2: Float64Array, [x1, x2]: readonly Float64Array[], rng: BreedingRandom): Float64Array {
    const first = new Float64Array(c1.length);
    const second = new Float64Array(c1.length);
    for (let d = 0; d < c1.length; d++) {
      const [u, v] = rng.random() < this.useChildGeneProb ? [c1[d], c2[d]] : [x1[d], x2[d]];
      const swap = rng.random() < this.uniformCrossoverProb;
      first[d] = swap ? v : u;
      second[d] = swap ? u : v;
    }
    return rng.random() < 0.5 ? first : second;
  }

  abstract crossover(parents: readonly Float64Array[], context: CrossoverContext): Float64Array;
}

/**
 * Simulated binary crossover (Deb & Agrawal 1995), bounded as Optuna 5.0 bounds it: the spread
 * factor's distribution is truncated so that neither child leaves the parameter's range.
 */
export class SBXCrossover extends SimulatedBinary {
  readonly name = 'SBXCrossover';

  constructor(opts: SBXCrossoverOptions = {}) {
    super('SBXCrossover', opts);
  }

  crossover(parents: readonly Float64Array[], context: CrossoverContext): Float64Array {
    const [a, b] = parents;
    const eta = this.etaFor(context);
    const n = a.length;
    const c1 = new Float64Array(n);
    const c2 = new Float64Array(n);
    for (let d = 0; d < n; d++) {
      const [low, high] = context.bounds[d];
      const min = Math.min(a[d], b[d]);
      const max = Math.max(a[d], b[d]);
      const diff = Math.max(max - min, 1e-10);
      const u = context.rng.random();
      // The spread factors for the child below (toward low) and above (toward high), each truncated at its bound.
      const spread = (room: number): number => {
        const alpha = 2 - (1 + (2 * room) / diff) ** -(eta + 1);
        return u > 1 / alpha ? (1 / (2 - u * alpha)) ** (1 / (eta + 1)) : (u * alpha) ** (1 / (eta + 1));
      };
      c1[d] = 0.5 * (min + max - spread(min - low) * diff);
      c2[d] = 0.5 * (min + max + spread(high - max) * diff);
    }
    return this.oneChild(c1, c2, parents, context.rng);
  }
}

/**
 * vSBX (Ballester & Carter 2003): SBX whose children may fall anywhere, so no region of the space
 * between or beyond the parents is left out.
 */
export class VSBXCrossover extends SimulatedBinary {
  readonly name = 'VSBXCrossover';

  constructor(opts: SBXCrossoverOptions = {}) {
    super('VSBXCrossover', opts);
  }

  crossover(parents: readonly Float64Array[], context: CrossoverContext): Float64Array {
    const [a, b] = parents;
    const eta = this.etaFor(context);
    const { rng } = context;
    const power = 1 / (eta + 1);
    const us = Array.from(a, () => rng.random());
    const beta1 = us.map((u) => (1 / Math.max(2 * u, 1e-10)) ** power);
    const beta2 = us.map((u) => (1 / Math.max(2 * (1 - u), 1e-10)) ** power);
    // One draw per child, shared by all its parameters, as Optuna's code draws them.
    const c1 =
      rng.random() <= 0.5
        ? a.map((x, d) => 0.5 * ((1 + beta1[d]) * x + (1 - beta2[d]) * b[d]))
        : a.map((x, d) => 0.5 * ((1 - beta1[d]) * x + (1 + beta2[d]) * b[d]));
    const c2 =
      rng.random() <= 0.5
        ? a.map((x, d) => 0.5 * ((3 - beta1[d]) * x - (1 - beta2[d]) * b[d]))
        : a.map((x, d) => 0.5 * (-(1 - beta1[d]) * x + (3 - beta2[d]) * b[d]));
    return this.oneChild(c1, c2, parents, rng);
  }
}

export interface UNDXCrossoverOptions {
  /** Scale of the draw along the line through the first two parents (default 0.5). */
  sigmaXi?: number;
  /** Scale of the draws across that line (default 0.35 / sqrt(number of numeric parameters)). */
  sigmaEta?: number | null;
}

/**
 * Unimodal normal distribution crossover (Kita, Ono & Kobayashi 1999): a normal draw about the first
 * two parents' midpoint, along the line through them and, scaled by the third parent's distance
 * from that line, across it.
 *
 * As Optuna 5.0's code does, each draw's standard deviation is the square of its sigma (it passes
 * sigma squared to numpy's normal as the scale): 0.25 along the line by default, where the paper,
 * which gives sigma squared as the variance, draws with 0.5. Followed so that a study moved from
 * Optuna breeds as it did.
 */
export class UNDXCrossover implements Crossover {
  readonly name = 'UNDXCrossover';
  readonly nParents = 3;
  readonly sigmaXi: number;
  readonly sigmaEta: number | null;

  constructor(opts: UNDXCrossoverOptions = {}) {
    checkOptions(this.name, opts, { sigmaXi: true, sigmaEta: true });
    const sigma = (v: number): boolean => v >= 0 && Number.isFinite(v);
    this.sigmaXi = checkRange(this.name, 'sigmaXi', opts.sigmaXi ?? 0.5, sigma, 'a finite number >= 0');
    const sigmaEta = opts.sigmaEta ?? null;
    this.sigmaEta = sigmaEta === null ? null : checkRange(this.name, 'sigmaEta', sigmaEta, sigma, 'a finite number >= 0');
  }

  crossover([x1, x2, x3]: readonly Float64Array[], { rng }: CrossoverContext): Float64Array {
    const n = x1.length;
    const sigmaEta = this.sigmaEta ?? 0.35 / Math.sqrt(n);
    const child = x1.map((v, d) => (v + x2[d]) / 2);
    const xi = rng.normal(0, this.sigmaXi ** 2);
    for (let d = 0; d < n; d++) child[d] += xi * (x1[d] - x2[d]);
    if (n === 1) return child;
    // The unit vector from x1 to x2; with equal parents, Optuna's basis leaves out the first axis instead.
    const line = x2.map((v, d) => v - x1[d]);
    const length = Math.hypot(...line);
    const unit = length > 0 ? line.map((v) => v / length) : Float64Array.from({ length: n }, (_, d) => (d === 0 ? 1 : 0));
    const fromFirst = x3.map((v, d) => v - x1[d]);
    const along = length > 0 ? dot(fromFirst, unit) : 0;
    const distance = Math.hypot(...fromFirst.map((v, d) => v - along * unit[d]));
    // n - 1 normal draws over an orthonormal basis of the line's complement are, in distribution,
    // n draws with their component along the line removed.
    const across = Float64Array.from({ length: n }, () => rng.normal(0, sigmaEta ** 2));
    const onLine = dot(across, unit);
    for (let d = 0; d < n; d++) child[d] += distance * (across[d] - onLine * unit[d]);
    return child;
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let d = 0; d < a.length; d++) s += a[d] * b[d];
  return s;
}

/** The crossover a name or an object selects; `swappingProb` is the uniform crossover's. */
export function crossoverOf(where: string, crossover: unknown, swappingProb: number): Crossover {
  switch (crossover) {
    case undefined:
    case 'uniform':
      return new UniformCrossover({ swappingProb });
    case 'blxAlpha':
      return new BLXAlphaCrossover();
    case 'sbx':
      return new SBXCrossover();
    case 'vsbx':
      return new VSBXCrossover();
    case 'spx':
      return new SPXCrossover();
    case 'undx':
      return new UNDXCrossover();
  }
  const c = crossover as Partial<Crossover> | null;
  if (
    typeof c === 'object' &&
    c !== null &&
    typeof c.crossover === 'function' &&
    Number.isInteger(c.nParents) &&
    (c.nParents as number) >= 1
  ) {
    return c as Crossover;
  }
  throw new InvalidArgumentError(
    `${where}: crossover must be one of 'uniform', 'blxAlpha', 'sbx', 'vsbx', 'spx', 'undx' or an object with nParents and crossover(parents, context) (such as new BLXAlphaCrossover()), got ${typeof crossover === 'string' ? `'${crossover}'` : String(crossover)}.`,
  );
}
