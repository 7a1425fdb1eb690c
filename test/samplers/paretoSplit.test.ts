// ParetoSplitTracker keeps multi-objective TPE's good/bad split across trials; at every step it must
// give exactly what computeSplit (checked against Optuna 5.0 in tpeSplit.test.ts) gives on the same
// trials: trials finishing out of order, pruned and failed ones, repeated loss vectors, maximised
// objectives, and a first front that does or does not hold gamma(n) points.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng, TrialState, type Direction, type FrozenTrial } from '../../src';
import { CONSTRAINTS_KEY } from '../../src/samplers/base';
import { computeSplit, type Split, type SplitOptions } from '../../src/samplers/tpe/observations';
import { ParetoSplitTracker } from '../../src/samplers/tpe/paretoSplit';
import { FrontSelection, selectBelowMultiObjective } from '../../src/samplers/tpe/multiObjective';
import { countingCalls } from '../helpers/spy';
import { defaultGammaMultiObjective } from '../../src/samplers/tpe/weights';
import { advanceHistory, bareTrial } from '../helpers/trialHistory';

/** The chronological trial numbers of a split's below and above lists, and what it says of the trials. */
function numbers(split: Split) {
  return {
    below: Array.from(split.below, (i) => split.trials[i].number),
    above: Array.from(split.above, (i) => split.trials[i].number),
    nFinished: split.nFinished,
    losses: Array.from(split.above, (i) => split.lossVectors[i]),
    violations: split.violations && Array.from(split.trials, (_, i) => split.violations![i]),
  };
}

/**
 * Loss vectors near a front that the study approaches: a fifth of them on it (on a coarse grid, so
 * that vectors repeat), the others behind it.
 */
function objectives(rng: Rng, directions: readonly Direction[]): number[] {
  const d = directions.length;
  const raw = Array.from({ length: d }, () => Math.round(rng.uniform(0, 1) * 40) / 40);
  const total = raw.reduce((a, b) => a + b, 0) || 1;
  const onFront = rng.random() < 0.2;
  const behind = onFront ? 0 : rng.uniform(0, 1);
  return raw.map((v, j) => {
    const loss = v / total + (j === 0 ? behind : 0);
    return directions[j] === 'minimize' ? loss : -loss;
  });
}

/** Two objectives, a good group of two. */
const keepTwo: SplitOptions = {
  directions: ['minimize', 'minimize'],
  constantLiar: false,
  constraints: false,
  gamma: () => 2,
  splitMultiObjective: selectBelowMultiObjective,
};

/** Three objectives, the good group as Optuna 5.0 sizes it. */
const threeObjectives: SplitOptions = {
  directions: ['minimize', 'minimize', 'minimize'],
  constantLiar: false,
  constraints: false,
  gamma: defaultGammaMultiObjective,
  splitMultiObjective: selectBelowMultiObjective,
};

/** A finished trial whose loss vector is the unit sphere's point at angles a and b in its first octant (none dominates another). */
function onSphere(n: number, a: number, b: number): FrozenTrial {
  return bareTrial(n, TrialState.COMPLETE, [Math.cos(a) * Math.cos(b), Math.cos(a) * Math.sin(b), Math.sin(a)]);
}

describe('ParetoSplitTracker', () => {
  // Three objectives take fewer steps: computeSplit's hypervolume selection is slow there. With
  // constraints, a trial in ten records none (feasible, as in Optuna 5.0) and about a fifth of the
  // others violate one.
  const cases: Array<[Direction[], number, boolean]> = [
    [['minimize', 'minimize'], 600, false],
    [['maximize', 'minimize'], 600, false],
    [['minimize', 'maximize', 'minimize'], 200, false],
    [['minimize', 'minimize'], 600, true],
  ];
  for (const [directions, steps, constraints] of cases) {
    const what = `${directions.join(', ')}${constraints ? ', constraints' : ''}`;
    it(`equals computeSplit after every step of a history with running, pruned and failed trials (${what})`, () => {
      const rng = new Rng(directions.length * 10 + (directions[0] === 'maximize' ? 1 : 0) + (constraints ? 5 : 0));
      const constraint = (): Record<string, unknown> =>
        constraints && rng.random() > 0.1 ? { [CONSTRAINTS_KEY]: [rng.uniform(-1, 0.25)] } : {};
      const opts: SplitOptions = {
        directions,
        constantLiar: false,
        constraints,
        gamma: defaultGammaMultiObjective,
        splitMultiObjective: selectBelowMultiObjective,
      };
      const tracker = new ParetoSplitTracker();
      const owner = {};
      let trials: FrozenTrial[] = [];
      const running: number[] = [];
      let tracked = 0;
      let tokenChanges = 0;
      let lastToken: object | undefined;
      let moved = 0;
      let keptSteps = 0;
      let previous: { above: number[]; below: number[]; aboveToken?: object; belowToken?: object } | null = null;
      for (let step = 0; step < steps; step++) {
        // Mostly in order; a trial finishing after newer ones goes among them.
        trials = advanceHistory(rng, trials, running, {
          outOfOrder: 0.15,
          start: (n, state) => bareTrial(n, state, null),
          finish: (n) => {
            const r = rng.random();
            const values = objectives(rng, directions);
            return r < 0.85
              ? bareTrial(n, TrialState.COMPLETE, values, [], constraint())
              : r < 0.93
                ? bareTrial(n, TrialState.PRUNED, null, rng.random() < 0.8 ? [[rng.int(0, 3), values[0]]] : [], constraint())
                : bareTrial(n, TrialState.FAIL, null);
          },
        });
        const got = tracker.update(owner, trials, opts);
        const { above, below } = numbers(got);
        assert.deepEqual(numbers(got), numbers(computeSplit(trials, opts)), `step ${step}`);
        // The tokens and moves the bad group's densities follow: the same below token, the same
        // good group; the moves, applied to the previous bad group, give this one but for the
        // newer trials appended at its end.
        if (previous && got.belowToken !== undefined && got.belowToken === previous.belowToken) {
          assert.deepEqual(below, previous.below, `step ${step}: the same below token, another good group`);
        }
        const moves = got.aboveMoves;
        if (moves) {
          assert.ok(previous && moves.from === previous.aboveToken, `step ${step}: moves from the previous split`);
          const left = new Set(moves.left.map((i) => got.trials[i].number));
          const followed: number[] = previous!.above.filter((n: number) => !left.has(n));
          followed.push(...moves.joined.map((i) => got.trials[i].number));
          followed.sort((a, b) => a - b);
          assert.deepEqual(above.slice(0, followed.length), followed, `step ${step}: moves`);
          const newest = Math.max(-1, ...previous!.above, ...previous!.below);
          assert.ok(
            above.slice(followed.length).every((n) => n > newest),
            `step ${step}: only newer trials appended`,
          );
          moved++;
        }
        if (previous && got.aboveToken !== undefined && got.aboveToken === previous.aboveToken) {
          assert.deepEqual(above.slice(0, previous.above.length), previous.above, `step ${step}: appended to only`);
        }
        const kept = got.aboveKept?.find((k) => k.from === previous?.aboveToken);
        if (kept) {
          assert.ok(kept.length <= previous!.above.length, `step ${step}`);
          assert.deepEqual(above.slice(0, kept.length), previous!.above.slice(0, kept.length), `step ${step}: kept entries`);
          keptSteps++;
        }
        previous = { above, below, aboveToken: got.aboveToken, belowToken: got.belowToken };
        if (got.aboveToken !== undefined) {
          tracked++;
          if (got.aboveToken !== lastToken) tokenChanges++;
        }
        lastToken = got.aboveToken;
      }
      // Most steps must take the kept front (its token set), most of those without a new group (with
      // constraints fewer: the infeasible trials leave the feasible front smaller, early on below gamma(n)).
      assert.ok(tracked > (constraints ? 0.6 : 0.8) * steps, `tracked ${tracked} of ${steps} steps`);
      // (A trial finishing late changes the token too, keeping the entries before its place.)
      assert.ok(tokenChanges - keptSteps < tracked / 2, `token changed ${tokenChanges} times in ${tracked} tracked steps`);
      // A new group mostly comes with the moves from the previous one (not after a fallback or a restart).
      assert.ok(moved > tokenChanges / 2, `moves given ${moved} times for ${tokenChanges} new groups`);
      // Trials finishing late mostly land in the bad group, whose entries before them stay.
      assert.ok(keptSteps > steps / 25, `entries kept ${keptSteps} times in ${steps} steps`);
    });
  }

  it('falls back to computeSplit while the first front is smaller than gamma(n), and starts over for another study', () => {
    const opts = keepTwo;
    const tracker = new ParetoSplitTracker();
    // A chain: every point dominates the next, so the first front has one point.
    const a = [0, 1, 2, 3].map((i) => bareTrial(i, TrialState.COMPLETE, [i, i]));
    const splitA = tracker.update('a', a, opts);
    assert.equal(splitA.aboveToken, undefined);
    assert.deepEqual(numbers(splitA), numbers(computeSplit(a, opts)));
    const b = [
      [3, 1],
      [1, 3],
      [2, 2],
      [4, 4],
    ].map((v, i) => bareTrial(i, TrialState.COMPLETE, v));
    const splitB = tracker.update('b', b, opts);
    assert.notEqual(splitB.aboveToken, undefined);
    assert.deepEqual(numbers(splitB), numbers(computeSplit(b, opts)));
  });

  it('three objectives, every point on the front, trials often finishing late: equals computeSplit at every step', () => {
    // Points on a sphere's octant (none dominates another), so each trial joins the front and the
    // good group is chosen by the greedy selections that carry their bounds along a chain; a third
    // of the finishes take a newer trial first, which moves the indices the chain keeps them by.
    const rng = new Rng(77);
    const opts = threeObjectives;
    const tracker = new ParetoSplitTracker();
    let trials: FrozenTrial[] = [];
    const running: number[] = [];
    for (let step = 0; step < 300; step++) {
      trials = advanceHistory(rng, trials, running, {
        outOfOrder: 0.35,
        start: (n, state) => bareTrial(n, state, null),
        finish: (n) => onSphere(n, (rng.random() * Math.PI) / 2, (rng.random() * Math.PI) / 2),
      });
      assert.deepEqual(numbers(tracker.update('s', trials, opts)), numbers(computeSplit(trials, opts)), `step ${step}`);
    }
  });

  it('three objectives, a maximised one and constraints: a selection kept for points that join keeps the good group, and equals computeSplit', async () => {
    // Points on a sphere's octant, the second loss maximised (negated), about a fifth infeasible:
    // most feasible points join the front dominating none, and where the selection would not choose
    // them it is kept (`FrontSelection.admit`): then the good group and its token stay, and the bad
    // group only gains trials at its end.
    const rng = new Rng(79);
    const opts: SplitOptions = { ...threeObjectives, directions: ['minimize', 'maximize', 'minimize'], constraints: true };
    const tracker = new ParetoSplitTracker();
    let trials: FrozenTrial[] = [];
    const running: number[] = [];
    let previous: Split | null = null;
    let previousNumbers: ReturnType<typeof numbers> | null = null;
    let stayed = 0;
    const { calls: admitted } = await countingCalls(
      FrontSelection.prototype as unknown as { admit: () => boolean },
      'admit',
      () => {
        for (let step = 0; step < 300; step++) {
          trials = advanceHistory(rng, trials, running, {
            outOfOrder: 0.1,
            start: (n, state) => bareTrial(n, state, null),
            finish: (n) => {
              const t = onSphere(n, (rng.random() * Math.PI) / 2, (rng.random() * Math.PI) / 2);
              const values = t.values!.map((v, k) => (k === 1 ? -v : v));
              return bareTrial(n, TrialState.COMPLETE, values, [], { [CONSTRAINTS_KEY]: [rng.random() < 0.2 ? 0.5 : -0.5] });
            },
          });
          const split = tracker.update('s', trials, opts);
          const got = numbers(split);
          assert.deepEqual(got, numbers(computeSplit(trials, opts)), `step ${step}`);
          if (previous && previousNumbers && split.belowToken !== undefined && split.belowToken === previous.belowToken) {
            assert.deepEqual(got.below, previousNumbers.below, `step ${step}: the same below token, another good group`);
            if (split.aboveToken === previous.aboveToken) {
              assert.deepEqual(got.above.slice(0, previousNumbers.above.length), previousNumbers.above, `step ${step}: appended to only`);
              stayed++;
            }
          }
          previous = split;
          previousNumbers = got;
        }
      },
      (kept) => kept === true,
    );
    assert.ok(admitted > 50, `${admitted} joined points admitted`);
    assert.ok(stayed > 50, `${stayed} steps kept the good group and its token`);
  });

  it('three objectives, equal points on the front: equals computeSplit at every step, and after starting over', () => {
    // Points on a coarse grid of a sphere's octant: 16 distinct vectors, each repeated, none
    // dominating another. A selection skips looking for repeats only while the tracker has seen none
    // join the front (or, starting over, none on it); the good group outgrows the distinct vectors
    // (their repeats then join it, earliest first).
    const rng = new Rng(78);
    const opts = threeObjectives;
    const onGrid = (n: number) =>
      onSphere(n, ((1 + Math.floor(rng.random() * 4)) * Math.PI) / 10, ((1 + Math.floor(rng.random() * 4)) * Math.PI) / 10);
    const tracker = new ParetoSplitTracker();
    let trials: FrozenTrial[] = [];
    const running: number[] = [];
    let repeatsChosen = 0;
    for (let step = 0; step < 260; step++) {
      trials = advanceHistory(rng, trials, running, { outOfOrder: 0.2, start: (n, state) => bareTrial(n, state, null), finish: onGrid });
      const split = tracker.update('s', trials, opts);
      assert.deepEqual(numbers(split), numbers(computeSplit(trials, opts)), `step ${step}`);
      const below = Array.from(split.below, (i) => split.lossVectors[i]!.join());
      if (new Set(below).size < below.length) repeatsChosen++;
    }
    assert.ok(repeatsChosen > 0, 'the good group held repeats at some step');
    // Another study whose history holds repeats already: the tracker starts over on it.
    const other = trials.map((t) => (t.state === TrialState.COMPLETE ? onGrid(t.number) : t));
    assert.deepEqual(numbers(tracker.update('other', other, opts)), numbers(computeSplit(other, opts)));
  });

  it('takes repeats that trials finishing late bring in before newer equal points', () => {
    // Trials 1 and 2 finish last, each with the loss vector of a newer trial, so they sort before
    // their twins. The good group (five of six) then holds the four distinct vectors and the
    // earliest repeat (trial 4), as from scratch; a selection taking the repeats for distinct points
    // would choose a twin by its place in loss order (trial 5).
    const opts: SplitOptions = { ...keepTwo, gamma: (m) => m - 1 };
    const [a, b, c, d] = [
      [0, 1],
      [0.3, 0.6],
      [0.6, 0.3],
      [1, 0],
    ];
    const trials = [
      bareTrial(0, TrialState.COMPLETE, b),
      bareTrial(1, TrialState.RUNNING, null),
      bareTrial(2, TrialState.RUNNING, null),
      bareTrial(3, TrialState.COMPLETE, d),
      bareTrial(4, TrialState.COMPLETE, c),
      bareTrial(5, TrialState.COMPLETE, a),
    ];
    const tracker = new ParetoSplitTracker();
    assert.deepEqual(numbers(tracker.update('s', trials, opts)), numbers(computeSplit(trials, opts)));
    for (const [number, loss] of [
      [1, c],
      [2, a],
    ] as const) {
      trials[number] = bareTrial(number, TrialState.COMPLETE, loss);
      const split = tracker.update('s', trials.slice(), opts);
      assert.notEqual(split.aboveToken, undefined, 'the kept front, not a fallback');
      assert.deepEqual(numbers(split), numbers(computeSplit(trials, opts)), `trial ${number} finished`);
    }
    assert.deepEqual(numbers(tracker.update('s', trials, opts)).below, [0, 1, 2, 3, 4]);
  });

  it('places a trial that finishes after newer ones before an equal point of a newer trial', () => {
    // Trial 1 finishes last with the loss vector of trial 3, the point chosen first: among equal
    // points the older trial is chosen, as from scratch.
    const opts = keepTwo;
    const tracker = new ParetoSplitTracker();
    const first = [
      bareTrial(0, TrialState.COMPLETE, [0, 1]),
      bareTrial(1, TrialState.RUNNING, null),
      bareTrial(2, TrialState.COMPLETE, [1, 0]),
      bareTrial(3, TrialState.COMPLETE, [0.5, 0.5]),
    ];
    assert.deepEqual(numbers(tracker.update('s', first, opts)), numbers(computeSplit(first, opts)));
    const second = first.slice();
    second[1] = bareTrial(1, TrialState.COMPLETE, [0.5, 0.5]);
    const split = tracker.update('s', second, opts);
    assert.notEqual(split.aboveToken, undefined, 'the kept front, not a fallback');
    assert.deepEqual(numbers(split), numbers(computeSplit(second, opts)));
    assert.ok(numbers(split).below.includes(1));
  });
});
