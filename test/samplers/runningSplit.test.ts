// RunningSplits adds the running trials to a finished split's bad group (constant liar) from one
// trial to the next; at every step it must give exactly what computeSplit with constant liar
// (checked against Optuna 5.0 in tpeSplit.test.ts) gives on the same trials, and what it says of
// its bad group's relation to the previous split's must hold (the densities rely on it).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng, TrialState, type Direction, type FrozenTrial } from '../../src';
import { computeSplit, SplitTracker, type Split, type SplitOptions } from '../../src/samplers/tpe/observations';
import { ParetoSplitTracker } from '../../src/samplers/tpe/paretoSplit';
import { selectBelowMultiObjective } from '../../src/samplers/tpe/multiObjective';
import { RunningSplits } from '../../src/samplers/tpe/runningSplit';
import { defaultGamma, defaultGammaMultiObjective } from '../../src/samplers/tpe/weights';
import { bareTrial } from '../helpers/trialHistory';

/** The chronological trial numbers of a split's lists, with each bad trial's state and loss vector. */
function numbers(split: Split) {
  return {
    below: Array.from(split.below, (i) => split.trials[i].number),
    above: Array.from(split.above, (i) => split.trials[i].number),
    aboveStates: Array.from(split.above, (i) => split.trials[i].state),
    aboveLosses: Array.from(split.above, (i) => split.lossVectors[i] ?? null),
    nFinished: split.nFinished,
  };
}

describe('RunningSplits', () => {
  for (const directions of [['minimize'], ['minimize', 'maximize']] as Direction[][]) {
    it(`equals computeSplit with constant liar at every step, with up to six trials running in any order (${directions.length} objective(s))`, () => {
      const rng = new Rng(40 + directions.length);
      const multi = directions.length > 1;
      const tracker = multi ? new ParetoSplitTracker() : new SplitTracker();
      const splits = new RunningSplits();
      const gamma = multi ? defaultGammaMultiObjective : defaultGamma;
      const finishedOpts: SplitOptions = {
        directions,
        constantLiar: false,
        constraints: false,
        gamma,
        splitMultiObjective: selectBelowMultiObjective,
      };
      const owner = {};
      let trials: FrozenTrial[] = [];
      const running: number[] = [];
      let previous: { above: number[]; aboveToken?: object } | null = null;
      let related = 0;
      let withRunning = 0;
      for (let step = 0; step < 500; step++) {
        trials = trials.slice();
        for (let s = rng.int(0, 2); s > 0; s--) {
          running.push(trials.length);
          trials.push(bareTrial(trials.length, TrialState.RUNNING, null));
        }
        // Any running trial may finish (one step in ten, all of them).
        const finishing = rng.random() < 0.1 ? running.length : rng.int(0, Math.min(2, running.length));
        for (let f = 0; f < finishing; f++) {
          const n = running.splice(rng.int(0, running.length - 1), 1)[0];
          const values = directions.map(() => Math.round(rng.uniform(0, 20)) / 2);
          trials[n] = rng.random() < 0.9 ? bareTrial(n, TrialState.COMPLETE, values) : bareTrial(n, TrialState.FAIL, null);
        }
        while (running.length > 6) {
          const n = running.shift()!;
          trials[n] = bareTrial(
            n,
            TrialState.COMPLETE,
            directions.map(() => rng.uniform(0, 10)),
          );
        }
        const finished = tracker.update(owner, trials, finishedOpts);
        const runningTrials = running
          .slice()
          .sort((a, b) => a - b)
          .map((n) => trials[n]);
        const got = splits.extend(finished, runningTrials);
        assert.deepEqual(numbers(got), numbers(computeSplit(trials, { ...finishedOpts, constantLiar: true })), `step ${step}`);
        if (runningTrials.length > 0) withRunning++;
        const above = numbers(got).above;
        if (previous && got.aboveToken !== undefined && got.aboveToken === previous.aboveToken) {
          related++;
          assert.deepEqual(above.slice(0, previous.above.length), previous.above, `step ${step}: appended to only`);
        } else {
          const kept = got.aboveKept?.find((k) => k.from === previous?.aboveToken);
          if (previous && kept) {
            related++;
            assert.ok(kept.length <= previous.above.length, `step ${step}`);
            assert.deepEqual(above.slice(0, kept.length), previous.above.slice(0, kept.length), `step ${step}: kept entries`);
          }
        }
        previous = { above, aboveToken: got.aboveToken };
      }
      assert.ok(withRunning > 250, `${withRunning} steps with trials running`);
      // Past gamma's steps and the first front's early changes, nearly every split says how it
      // follows from the one before.
      assert.ok(related > (multi ? 300 : 450), `${related} of 500 splits related to the previous one`);
    });
  }
});
