import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { join, sep } from 'node:path';
import { describe, it } from 'node:test';
import { createStudy, RandomSampler, TPESampler, TrialState, type Trial } from '../../src';
import { runSteps, runStepsAsync, settle, type Steps } from '../../src/steps';

/** Steps that add up what they are given, each value a number or a promise of one. */
function* sum(values: Array<number | Promise<number>>): Steps<number> {
  let total = 0;
  for (const v of values) total += yield* settle(v);
  return total;
}

describe('steps: code that waits only for promises', () => {
  it('runs to the end at once when nothing is a promise', () => {
    assert.equal(runSteps(sum([1, 2, 3])), 6);
  });

  it('continues asynchronously from the first promise on, plain values included', async () => {
    const result = runSteps(sum([1, Promise.resolve(2), 3, Promise.resolve(4)]));
    assert.ok(result instanceof Promise);
    assert.equal(await result, 10);
  });

  it("throws a rejection into the steps, where try/catch sees it as await's would", async () => {
    function* recovering(): Steps<string> {
      try {
        yield* settle(Promise.reject(new RangeError('no')));
        return 'not reached';
      } catch (err) {
        return `caught ${(err as Error).message}`;
      }
    }
    assert.equal(await runSteps(recovering()), 'caught no');
  });

  it('an error the steps throw: thrown while they run at once, rejected once they have waited, never thrown back into them', async () => {
    let caughtInside = 0;
    function* failing(first: number | Promise<number>): Steps<number> {
      try {
        yield* settle(first);
      } catch {
        caughtInside++;
      }
      throw new TypeError('from the steps');
    }
    assert.throws(() => runSteps(failing(1)), TypeError);
    await assert.rejects(Promise.resolve(runSteps(failing(Promise.resolve(1)))), TypeError);
    await assert.rejects(runStepsAsync(failing(1)), TypeError);
    assert.equal(caughtInside, 0);
  });
});

describe('the trial loop with memory storage and a synchronous objective', () => {
  const objective = (t: Trial) => (t.suggestFloat('x', -5, 10) - 2) ** 2 + t.suggestFloat('y', 0, 15);

  for (const [name, sampler] of [
    ['RandomSampler', () => new RandomSampler({ seed: 1 })],
    ['TPESampler (multivariate, constant liar)', () => new TPESampler({ seed: 1 })],
  ] as const) {
    it(`creates no promise per trial (${name})`, async () => {
      const study = await createStudy({ sampler: sampler() });
      await study.optimize(objective, { nTrials: 5, showProgressBar: false }); // the study's seed is recorded
      // Counted when tunelab's code creates them (tsx, which loads this test, has promises of its own).
      const engine = join(__dirname, '..', '..', 'src') + sep;
      let promises = 0;
      const hook = createHook({
        init(_id, type) {
          if (type === 'PROMISE' && new Error().stack?.includes(engine)) promises++;
        },
      }).enable();
      // The promises made since the last trial finished, per trial. The loop gives the event loop a
      // turn (a few promises) every 25 ms, so on a slow machine some trials count those.
      const perTrial: number[] = [];
      let before = 0;
      const countSince = () => {
        perTrial.push(promises - before);
        before = promises;
      };
      try {
        await study.optimize(objective, { nTrials: 200, showProgressBar: false, callbacks: [countSince] });
      } finally {
        hook.disable();
      }
      assert.equal(study.trials.length, 205);
      const without = perTrial.filter((n) => n === 0).length;
      // Storages that answer with promises make about 20 per trial (over 4,000 for these 200 trials).
      assert.ok(without > 100, `${without} of 200 trials made no promise (${promises} promises in all)`);
    });
  }

  it('still finishes each trial in order when the objective is async', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 2 }) });
    await study.optimize(
      async (t) => {
        const x = t.suggestFloat('x', 0, 1);
        await new Promise((resolve) => setImmediate(resolve));
        t.report(x, 0);
        return x;
      },
      { nTrials: 6, showProgressBar: false },
    );
    assert.deepEqual(
      study.trials.map((t) => [t.number, t.state, t.values?.[0] === t.params.x, t.intermediateValues.get(0) === t.params.x]),
      Array.from({ length: 6 }, (_, i) => [i, TrialState.COMPLETE, true, true]),
    );
  });
});
