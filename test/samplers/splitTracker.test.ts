// SplitTracker keeps TPE's good/bad split up to date across trials; at every step it must give
// exactly what computeSplit (checked against Optuna 5.0 in tpeSplit.test.ts) gives on the same
// trials, including trials that finish out of order, pruned and failed trials, ties, gamma steps
// and constraints.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng, TrialState, type FrozenTrial } from '../../src';
import { CONSTRAINTS_KEY } from '../../src/samplers/base';
import { computeSplit, SplitTracker, type SplitOptions } from '../../src/samplers/tpe/observations';
import { defaultGamma } from '../../src/samplers/tpe/sampler';
import { advanceHistory, bareTrial } from '../helpers/trialHistory';

function trial(
  number: number,
  state: TrialState,
  value: number | null,
  intermediate: Array<[number, number]> = [],
  systemAttrs: Record<string, unknown> = {},
): FrozenTrial {
  return bareTrial(number, state, value === null ? null : [value], intermediate, systemAttrs);
}

/** The chronological trial numbers of a split's below and above lists. */
function numbers(split: ReturnType<typeof computeSplit>) {
  return {
    below: Array.from(split.below, (i) => split.trials[i].number),
    above: Array.from(split.above, (i) => split.trials[i].number),
    nFinished: split.nFinished,
  };
}

describe('SplitTracker', () => {
  // With constraints, the share of trials that violate one: with a third, more than gamma(n) are
  // feasible past the first trials; with nearly all, fewer (the least violating join the good group).
  const cases: Array<['minimize' | 'maximize', number | null]> = [
    ['minimize', null],
    ['maximize', null],
    ['minimize', 0.35],
    ['maximize', 0.985],
  ];
  for (const [direction, infeasible] of cases) {
    const constraints = infeasible !== null;
    const what = `${direction}${constraints ? `, constraints (${infeasible * 100}% violated)` : ''}`;
    it(`equals computeSplit after every step of a history with running, pruned and failed trials (${what})`, () => {
      const rng = new Rng(direction === 'minimize' ? (constraints ? 3 : 1) : constraints ? 4 : 2);
      const opts: SplitOptions = { directions: [direction], constantLiar: false, constraints, gamma: defaultGamma };
      // A trial in twenty records no constraint (feasible), others a list, a key, or both; some
      // violate by the same amount.
      const constraint = (): Record<string, unknown> => {
        if (!constraints || rng.random() < 0.05) return {};
        const c = rng.random() < infeasible ? Math.round(rng.uniform(0.1, 4) * 4) / 4 : -rng.random();
        const r = rng.random();
        if (r < 0.6) return { [CONSTRAINTS_KEY]: [c] };
        if (r < 0.8) return { [`${CONSTRAINTS_KEY}:mem`]: c };
        return { [CONSTRAINTS_KEY]: [-1, c], [`${CONSTRAINTS_KEY}:0`]: rng.random() < 0.5 ? 0.5 : -0.5 };
      };
      const tracker = new SplitTracker();
      const owner = {};
      let trials: FrozenTrial[] = [];
      const running: number[] = [];
      let tokenChanges = 0;
      let unrelated = 0;
      let movesChecked = 0;
      let previous: { above: number[]; aboveToken?: object } | null = null;
      let lastToken: object | undefined;
      for (let step = 0; step < 700; step++) {
        // Values on a coarse grid (ties), improving over time so new trials keep entering the best set.
        trials = advanceHistory(rng, trials, running, {
          outOfOrder: 0.1,
          start: (n, state) => trial(n, state, null),
          finish: (n) => {
            const r = rng.random();
            const value = Math.round(rng.uniform(0, 40) * (direction === 'minimize' ? 1 - step / 1000 : 1 + step / 1000)) / 2;
            return r < 0.75
              ? trial(n, TrialState.COMPLETE, value, [], constraint())
              : r < 0.9
                ? trial(n, TrialState.PRUNED, null, rng.random() < 0.8 ? [[rng.int(0, 3), value]] : [], constraint())
                : trial(n, TrialState.FAIL, null);
          },
        });
        const got = tracker.update(owner, trials, opts);
        const want = computeSplit(trials, opts);
        assert.deepEqual(numbers(got), numbers(want), `step ${step}`);
        assert.deepEqual(got.violations && Array.from(got.violations), want.violations && Array.from(want.violations), `step ${step}`);
        // What the split says of its bad group's relation to the previous one must hold.
        const above = numbers(got).above;
        if (previous && got.aboveToken === previous.aboveToken) {
          assert.deepEqual(above.slice(0, previous.above.length), previous.above, `step ${step}: appended to only`);
        } else {
          const kept = got.aboveKept?.find((k) => k.from === previous?.aboveToken);
          if (previous && kept) {
            assert.ok(kept.length <= previous.above.length, `step ${step}`);
            assert.deepEqual(above.slice(0, kept.length), previous.above.slice(0, kept.length), `step ${step}: kept entries`);
          } else {
            unrelated++;
          }
          // The moves, where given, lead from the previous list to this one: the previous entries
          // less those that left, with those that joined, in time order, then only newer trials.
          const moves = got.aboveMoves;
          if (previous && moves && moves.from === previous.aboveToken) {
            const left = new Set(moves.left.map((i) => got.trials[i].number));
            const followed = [...previous.above.filter((n) => !left.has(n)), ...moves.joined.map((i) => got.trials[i].number)].sort(
              (x, y) => x - y,
            );
            assert.deepEqual(above.slice(0, followed.length), followed, `step ${step}: moves`);
            const newest = previous.above.length > 0 ? previous.above[previous.above.length - 1] : -Infinity;
            assert.ok(
              above.slice(followed.length).every((n) => n > newest),
              `step ${step}: only newer trials after the moves`,
            );
            movesChecked++;
          }
        }
        previous = { above, aboveToken: got.aboveToken };
        if (got.aboveToken !== lastToken) tokenChanges++;
        lastToken = got.aboveToken;
      }
      // The token must stay the same most of the time (else the incremental above density never helps).
      assert.ok(tokenChanges < 350, `token changed ${tokenChanges} times in 700 steps`);
      // A trial finishing after newer ones is placed among them: only a new study and gamma's steps
      // (every tenth trial up to 250) start the list again.
      assert.ok(unrelated <= 30, `${unrelated} of 700 splits unrelated to the previous one`);
      assert.ok(movesChecked >= 80, `${movesChecked} splits with moves`);
    });
  }

  it('starts over for another study', () => {
    const opts: SplitOptions = { directions: ['minimize'], constantLiar: false, constraints: false, gamma: () => 2 };
    const tracker = new SplitTracker();
    const a = [trial(0, TrialState.COMPLETE, 3), trial(1, TrialState.COMPLETE, 1), trial(2, TrialState.COMPLETE, 2)];
    const b = [
      trial(0, TrialState.COMPLETE, 5),
      trial(1, TrialState.COMPLETE, 6),
      trial(2, TrialState.COMPLETE, 4),
      trial(3, TrialState.COMPLETE, 7),
    ];
    assert.deepEqual(numbers(tracker.update('a', a, opts)), numbers(computeSplit(a, opts)));
    assert.deepEqual(numbers(tracker.update('b', b, opts)), numbers(computeSplit(b, opts)));
  });
});
