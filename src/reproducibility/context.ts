/**
 * The ambient seed of the trial (or seed, inside `evaluateSeeds`) whose code is running. While an
 * objective runs, tunelab's seeded components that were given no seed (models' weight init and
 * shuffling, CV splitters' shuffle, data generators, `new Rng()`) take their seed from here, so a
 * trial re-run with its recorded seed repeats every random draw.
 *
 * The context follows the objective through `await` (AsyncLocalStorage), so concurrent trials
 * (`nJobs > 1`) each see their own. Each request draws the next seed of the context's own stream,
 * `deriveSeed(seed, k)` for k = 0, 1, ...: two models built in one trial differ, and the k-th
 * component of a re-run gets the k-th seed again as long as the objective builds them in the same
 * order.
 *
 * One AsyncLocalStorage per process, in the runtime object (src/runtime.ts): a notebook may load two
 * copies of tunelab (the kernel's and the user's), and a model from one must see a trial run by the other.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { runtime, type SeedContext } from '../runtime';
import { deriveSeed } from './seeds';

const store: AsyncLocalStorage<SeedContext | null> = (runtime.seedContext ??= new AsyncLocalStorage<SeedContext | null>());

/** Run `fn` (and everything it awaits) with `seed` as the ambient seed. */
export function runWithSeed<T>(seed: number, fn: () => T): T {
  return store.run({ seed: seed >>> 0, drawn: 0 }, fn);
}

/** Run `fn` with no ambient seed (samplers' work inside a suggest call must not draw from the trial's stream). */
export function runWithoutSeed<T>(fn: () => T): T {
  return store.run(null, fn);
}

/** The ambient seed itself (the trial's, or the current seed of `evaluateSeeds`), or undefined outside one. */
export function currentSeed(): number | undefined {
  return store.getStore()?.seed;
}

/**
 * The next seed of the ambient stream for a component given no seed, or undefined outside a trial
 * (the component then keeps its usual default).
 */
export function nextAmbientSeed(): number | undefined {
  const ctx = store.getStore();
  if (!ctx) return undefined;
  return deriveSeed(ctx.seed, ctx.drawn++);
}
