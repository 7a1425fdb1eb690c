import { frozenTrial, TrialState, type FrozenTrial, type Rng } from '../../src';

/**
 * One step of a simulated study for the split trackers' tests: a new snapshot of the trial list
 * (as the study hands out) with one or two trials started (one in twenty WAITING) and running ones
 * finished, mostly oldest first; a fraction `outOfOrder` of the finishes takes the newest instead.
 * `running` (trial numbers) is updated in place.
 */
export function advanceHistory(
  rng: Rng,
  trials: readonly FrozenTrial[],
  running: number[],
  opts: {
    outOfOrder: number;
    start: (n: number, state: TrialState) => FrozenTrial;
    finish: (n: number) => FrozenTrial;
  },
): FrozenTrial[] {
  const next = trials.slice();
  const starts = rng.random() < 0.3 ? 2 : 1;
  for (let s = 0; s < starts; s++) {
    const n = next.length;
    next.push(opts.start(n, rng.random() < 0.05 ? TrialState.WAITING : TrialState.RUNNING));
    running.push(n);
  }
  while (running.length > (rng.random() < 0.2 ? 2 : 1)) {
    const pick = rng.random() < opts.outOfOrder ? running.length - 1 : 0;
    const n = running.splice(pick, 1)[0];
    next[n] = opts.finish(n);
  }
  return next;
}

/** A trial with only what a split reads: its number, state, values, intermediate values and system attributes. */
export function bareTrial(
  number: number,
  state: TrialState,
  values: number[] | null,
  intermediate: Array<[number, number]> = [],
  systemAttrs: Record<string, unknown> = {},
): FrozenTrial {
  return frozenTrial({
    trialId: number,
    number,
    state,
    values,
    datetimeStart: null,
    datetimeComplete: null,
    params: {},
    internalParams: {},
    distributions: {},
    intermediateValues: new Map(intermediate),
    userAttrs: {},
    systemAttrs,
  });
}
