import seedrandom from 'seedrandom';
import { InvalidArgumentError } from './errors';
import { nextAmbientSeed } from './reproducibility/context';

/** The largest seed Optuna's samplers accept (numpy's RandomState: an integer in [0, 2**32 - 1]). */
export const MAX_SEED = 0xffffffff;

/**
 * A seed given to a sampler (or any seeded component a user configures): an integer from 0 to
 * 2**32 - 1, as Optuna takes it, or undefined for a fresh random seed. Anything else ("abc", NaN,
 * 1.5, {}) would otherwise be turned into some stream silently and the run would not reproduce.
 */
export function checkSeed(owner: string, seed: unknown): number | undefined {
  if (seed === undefined) return undefined;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    const shown =
      typeof seed === 'string'
        ? JSON.stringify(seed)
        : typeof seed === 'object' && seed !== null
          ? `an object (${Object.prototype.toString.call(seed)})`
          : String(seed);
    throw new InvalidArgumentError(
      `${owner}: seed must be an integer from 0 to ${MAX_SEED} (2**32 - 1, as in Optuna), or left out for a fresh random seed; got ${shown}. ` +
        'Pass e.g. { seed: 42 }.',
    );
  }
  return seed;
}

/**
 * The one source of randomness in tunelab. Every sampler, pruner, splitter and generator draws
 * from an `Rng`, so a seed reproduces a run bit for bit across processes and machines.
 * Backed by seedrandom's Alea generator (fast, 32-bit state mixing, good statistical quality).
 */
export class Rng {
  private readonly next: () => number;

  /**
   * `seed` undefined means a fresh seed: inside a running trial the next seed of the trial's stream
   * (reproducible, see reproducibility/context.ts), elsewhere one from Math.random (non-reproducible
   * by request). A string names a derived stream (e.g. `${seed}/startup`). Numbers must be finite integers.
   */
  constructor(seed?: number | string) {
    if (seed !== undefined && typeof seed !== 'string' && !(typeof seed === 'number' && Number.isSafeInteger(seed))) {
      throw new InvalidArgumentError(
        `Rng: seed must be an integer (or left out for a fresh one), got ${typeof seed === 'number' ? String(seed) : typeof seed}.`,
      );
    }
    const s = seed === undefined ? String(nextAmbientSeed() ?? Math.random()) : String(seed);
    this.next = seedrandom.alea(s) as unknown as () => number;
  }

  /** Uniform in [0, 1). */
  random(): number {
    return this.next();
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    const u = this.next();
    const width = high - low;
    if (Number.isFinite(width)) return low + width * u;
    // A range wider than the largest double: the weighted mean of the ends never overflows.
    return low * (1 - u) + high * u;
  }

  /** Integer uniform in [low, high] (both inclusive). */
  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }

  /** Standard normal by Box-Muller (one value per call; simple and reproducible). */
  normal(mean = 0, std = 1): number {
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** One element of a non-empty array. */
  choice<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** In-place Fisher-Yates shuffle; returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }

  /** A 31-bit integer to seed a child generator, so components get independent streams. */
  seedForChild(): number {
    return Math.floor(this.next() * 0x7fffffff);
  }

  /** A child generator whose stream is determined by this one's. */
  fork(): Rng {
    return new Rng(this.seedForChild());
  }
}
