import seedrandom from 'seedrandom';

/**
 * The one source of randomness in tunelab. Every sampler, pruner, splitter and generator draws
 * from an `Rng`, so a seed reproduces a run bit for bit across processes and machines.
 * Backed by seedrandom's Alea generator (fast, 32-bit state mixing, good statistical quality).
 */
export class Rng {
  private readonly next: () => number;

  /** `seed` undefined means a fresh seed from Math.random (non-reproducible by request). */
  constructor(seed?: number | string) {
    const s = seed === undefined ? String(Math.random()) : String(seed);
    this.next = seedrandom.alea(s) as unknown as () => number;
  }

  /** Uniform in [0, 1). */
  random(): number {
    return this.next();
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
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
