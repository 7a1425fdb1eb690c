/**
 * The best trial kept as trials finish (`BestTrialTracker`) against the pass over every trial
 * (`bestTrialOf`): the same trial whatever order trials finish in, with ties, infinite values,
 * infeasible, failed, pruned and still-running trials.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createStudy, createTrial, TrialState, type FrozenTrial } from '../../src';
import { Rng } from '../../src/rng';
import { BestTrialTracker, bestTrialOf } from '../../src/study/best';

/** Trial `number` as `state`, with a value for COMPLETE (ties and infinities on purpose), sometimes infeasible. */
function trialAt(number: number, state: TrialState, rng: Rng): FrozenTrial {
  const pick = Math.floor(rng.random() * 10);
  const value = pick === 0 ? Infinity : pick === 1 ? -Infinity : Math.floor(rng.random() * 6);
  const infeasible = rng.random() < 0.2;
  const trial = createTrial({
    state,
    ...(state === TrialState.COMPLETE ? { value } : {}),
    ...(infeasible ? { systemAttrs: { constraints: [1] } } : {}),
  });
  return { ...trial, number };
}

describe('BestTrialTracker', () => {
  for (const direction of ['minimize', 'maximize'] as const) {
    it(`finds what a pass over every trial finds as trials finish in any order (${direction})`, () => {
      const rng = new Rng(direction === 'minimize' ? 1 : 2);
      for (let run = 0; run < 40; run++) {
        const tracker = new BestTrialTracker(direction);
        const trials: FrozenTrial[] = [];
        const running: number[] = [];
        for (let step = 0; step < 60; step++) {
          // Start a trial, or finish a running one (any of them: workers finish out of order).
          if (running.length === 0 || rng.random() < 0.5) {
            trials.push(trialAt(trials.length, TrialState.RUNNING, rng));
            running.push(trials.length - 1);
          } else {
            const at = Math.floor(rng.random() * running.length);
            const number = running.splice(at, 1)[0];
            const states = [TrialState.COMPLETE, TrialState.COMPLETE, TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED];
            trials[number] = trialAt(number, states[Math.floor(rng.random() * states.length)], rng);
          }
          const expected = bestTrialOf(trials, direction);
          const got = tracker.bestOf(trials);
          assert.equal(got, expected, `run ${run}, step ${step}: trial ${got?.number} against ${expected?.number}`);
        }
      }
    });
  }

  it('is what study.bestTrial reads: the latest snapshot of the best trial', async () => {
    const study = await createStudy({ direction: 'maximize' });
    await study.optimize((t) => t.suggestInt('x', 0, 3), { nTrials: 30 });
    const expected = bestTrialOf(study.trials, 'maximize');
    assert.equal(study.bestTrial.number, expected?.number);
    assert.equal(study.bestValue, 3);
  });
});
