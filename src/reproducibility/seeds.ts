/**
 * Seed derivation for reproducible trials. Every derived seed is a 32-bit unsigned integer computed
 * with MurmurHash3's 32-bit finaliser (`fmix32`), a bijection on 32-bit integers with full
 * avalanche, so the formula is easy to re-implement anywhere:
 *
 *   fmix32(x):  x ^= x >>> 16; x *= 0x85ebca6b; x ^= x >>> 13; x *= 0xc2b2ae35; x ^= x >>> 16  (mod 2**32)
 *   deriveSeed(parent, index) = fmix32((fmix32(parent) + index) mod 2**32)
 *
 *   trial.seed            = deriveSeed(studySeed, trialNumber)
 *   k-th ambient seed     = deriveSeed(trial.seed, k)          (k = 0, 1, ... per trial, see context.ts)
 *   evaluateSeeds seed i  = deriveSeed(deriveSeed(studySeed, SEED_SET_SALT), i)   (the same for every trial)
 *
 * For a fixed parent, distinct indices (< 2**32) give distinct seeds, since both steps are bijections.
 */
export function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The seed of child `index` of the stream seeded by `parent` (both 32-bit unsigned integers). */
export function deriveSeed(parent: number, index: number): number {
  return fmix32((fmix32(parent) + index) >>> 0);
}

/** A trial's seed: deriveSeed(studySeed, trialNumber). */
export function trialSeedFor(studySeed: number, trialNumber: number): number {
  return deriveSeed(studySeed, trialNumber);
}

/** Index under the study seed of the seed set that `evaluateSeeds` shares across trials ("seed set"). */
export const SEED_SET_SALT = 0x5eed5e75;
/** Index under the study seed of the seed given to the default sampler of a study created with `seed`. */
export const SAMPLER_SEED_SALT = 0x5a3b1e55;

/** A fresh random 32-bit seed (for studies created without one; it is recorded, so still reproducible). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x100000000) >>> 0;
}
