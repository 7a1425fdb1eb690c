// The good/bad split of TPE, compared with Optuna 5.0's own `_split_trials` on the same mixed
// history (complete, pruned at various steps, pruned without reports, failed, ties; with and without
// constraints, some trials without a constraint record; running trials under constant liar; two
// objectives with pruned and running trials).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { createStudy, floatDistribution, RandomSampler, Rng, TrialState } from '../../src';
import { hypervolume } from '../../src/multiobjective/hypervolume';
import { nonDominatedSort } from '../../src/multiobjective/pareto';
import { CONSTRAINTS_KEY } from '../../src/samplers/base';
import { computeSplit } from '../../src/samplers/tpe/observations';
import { frontsCovering, GoodGroupSelector, selectBelowMultiObjective } from '../../src/samplers/tpe/multiObjective';
import { defaultGamma, defaultGammaMultiObjective } from '../../src/samplers/tpe/sampler';
import { PYTHON } from '../helpers/python';

interface Spec {
  state: 'COMPLETE' | 'PRUNED' | 'FAIL' | 'RUNNING';
  x: number;
  values?: number[];
  intermediate?: Record<string, number | null>;
  constraint?: number[];
}

interface Shape {
  objectives: 1 | 2;
  constraints: boolean;
  running: boolean;
}

function history(n: number, seed: number, shape: Shape): Spec[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (): Spec => {
    const x = rng.uniform(0, 1);
    const r = rng.random();
    // One trial in ten has no constraint record: Optuna 5.0 counts it as feasible.
    const constraint = shape.constraints && rng.random() > 0.1 ? [rng.uniform(-1, 0.5), rng.uniform(-1, 0.3)] : undefined;
    const value = () => Math.round(rng.uniform(0, 20)) / 2; // ties on purpose
    if (r < 0.55) return { state: 'COMPLETE', x, values: shape.objectives === 1 ? [value()] : [value(), value()], constraint };
    if (r < 0.85 && shape.objectives === 1) {
      const steps = rng.int(0, 4);
      const intermediate: Record<string, number | null> = {};
      for (let s = 0; s <= steps; s++) intermediate[String(s * 3)] = rng.random() < 0.1 ? null : value();
      return { state: 'PRUNED', x, intermediate, constraint };
    }
    if (r < 0.92) return { state: 'PRUNED', x, intermediate: {}, constraint };
    if (shape.running && r < 0.96) return { state: 'RUNNING', x };
    return { state: 'FAIL', x };
  });
}

const PY = `
import json, sys, math, warnings
warnings.filterwarnings('ignore')
import optuna
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState, create_trial
from optuna.samplers._tpe.sampler import _split_trials, default_gamma, default_gamma_multiobjective
optuna.logging.set_verbosity(optuna.logging.ERROR)
out = []
for case in json.load(sys.stdin):
    directions = case['directions']
    study = optuna.create_study(directions=directions)
    for s in case['trials']:
        attrs = {'constraints': s['constraint']} if s.get('constraint') is not None and s['state'] != 'FAIL' else {}
        iv = {int(k): (float('nan') if v is None else v) for k, v in (s.get('intermediate') or {}).items()}
        study.add_trial(create_trial(state=getattr(TrialState, s['state']), values=s.get('values'), params={'x': s['x']},
            distributions={'x': FloatDistribution(0, 1)}, intermediate_values=iv, system_attrs=attrs))
    states = [TrialState.COMPLETE, TrialState.PRUNED] + ([TrialState.RUNNING] if case['running'] else [])
    trials = study._get_trials(deepcopy=False, states=states)
    n = sum(t.state != TrialState.RUNNING for t in trials)
    gamma = default_gamma if len(directions) == 1 else default_gamma_multiobjective
    below, above = _split_trials(study, trials, gamma(n))
    out.append([[t.number for t in below], [t.number for t in above]])
print(json.dumps(out))
`;

describe('TPE split matches Optuna 5.0', () => {
  const single = { objectives: 1, constraints: false, running: false } as const;
  const cases = [
    { directions: ['minimize' as const], trials: history(60, 1, single), shape: single },
    { directions: ['maximize' as const], trials: history(120, 2, single), shape: single },
    {
      directions: ['minimize' as const],
      trials: history(80, 3, { ...single, constraints: true }),
      shape: { ...single, constraints: true },
    },
    {
      directions: ['minimize' as const],
      trials: history(300, 4, { ...single, constraints: true }),
      shape: { ...single, constraints: true },
    },
    { directions: ['minimize' as const], trials: history(90, 5, { ...single, running: true }), shape: { ...single, running: true } },
    {
      directions: ['minimize' as const, 'maximize' as const],
      trials: history(150, 6, { objectives: 2, constraints: false, running: true }),
      shape: { objectives: 2, constraints: false, running: true } as const,
    },
  ];
  const input = cases.map((c) => ({ directions: c.directions, running: c.shape.running, trials: c.trials }));
  const r = spawnSync(PYTHON, ['-c', PY], { input: JSON.stringify(input), encoding: 'utf8' });
  it('the Optuna reference ran', () => assert.equal(r.status, 0, r.stderr));
  cases.forEach((c, idx) => {
    const label = `${c.directions.join('+')}, ${c.trials.length} trials${c.shape.constraints ? ', constraints' : ''}${c.shape.running ? ', running trials (constant liar)' : ''}`;
    it(label, async () => {
      const study = await createStudy({ directions: c.directions, sampler: new RandomSampler({ seed: 0 }) });
      const st = study.storage;
      const d = floatDistribution(0, 1);
      for (const s of c.trials) {
        const t = await st.createNewTrial(study.studyId);
        await st.setTrialParam(t.trialId, 'x', s.x, d);
        for (const [step, v] of Object.entries(s.intermediate ?? {})) await st.setTrialIntermediateValue(t.trialId, Number(step), v ?? NaN);
        if (s.constraint && s.state !== 'FAIL') await st.setTrialSystemAttr(t.trialId, CONSTRAINTS_KEY, s.constraint);
        if (s.state !== 'RUNNING') await st.setTrialState(t.trialId, TrialState[s.state], s.state === 'COMPLETE' ? s.values! : null);
      }
      await study.refresh();
      const split = computeSplit(study.trials, {
        directions: c.directions,
        constantLiar: c.shape.running,
        constraints: c.shape.constraints,
        gamma: c.directions.length === 1 ? defaultGamma : defaultGammaMultiObjective,
        splitMultiObjective: selectBelowMultiObjective,
      });
      const numbers = (idx: Int32Array) => Array.from(idx, (i) => split.trials[i].number);
      const [below, above] = (JSON.parse(r.stdout) as number[][][])[idx];
      assert.ok(below.length > 0 && above.length > 0, 'the case must split into two groups');
      assert.deepEqual(numbers(split.below), below, 'good group');
      assert.deepEqual(numbers(split.above), above, 'bad group');
    });
  });
});

// Optuna 5.0's multi-objective good group (sampler.py's `_split_complete_trials_multi_objective`
// on loss vectors): nondomination ranks, then the hypervolume subset selection of the boundary front.
const PY_MO = `
import json, sys
import numpy as np
from optuna.study._multi_objective import _fast_non_domination_rank
from optuna._hypervolume.hssp import _solve_hssp
from optuna.samplers._tpe.sampler import _get_reference_point
out = []
for case in json.load(sys.stdin):
    lvals = np.array(case['losses'], dtype=float)
    n_below = case['nBelow']
    ranks = _fast_non_domination_rank(lvals, n_below=n_below)
    values, counts = np.unique(ranks, return_counts=True)
    last = int(np.max(values[np.cumsum(counts) <= n_below], initial=-1))
    indices = np.arange(len(lvals))
    below = indices[ranks <= last]
    if below.size < n_below:
        tie = ranks == last + 1
        below = np.append(below, _solve_hssp(lvals[tie], indices[tie], n_below - below.size, _get_reference_point(lvals[tie])))
    out.append(sorted(int(i) for i in below))
print(json.dumps(out))
`;

describe('the multi-objective good group matches Optuna 5.0 on long histories', () => {
  const rng = new Rng(11);
  const round = (v: number, grid: number | null) => (grid === null ? v : Math.round(v / grid) * grid);
  /** n loss vectors near a trade-off curve (some exactly on it, so fronts are long), on a grid when given (repeats). */
  const losses = (n: number, d: number, grid: number | null) =>
    Array.from({ length: n }, () => {
      const t = Array.from({ length: d }, () => rng.random());
      const s = t.reduce((a, b) => a + b, 0);
      const noise = rng.random() < 0.3 ? 0 : rng.uniform(0, 0.5);
      return t.map((v) => round(v / s + noise * rng.random(), grid));
    });
  const cases = [
    { name: '2 objectives, 800 points', losses: losses(800, 2, null), nBelow: 80 },
    { name: '2 objectives, 600 points on a grid (repeated vectors)', losses: losses(600, 2, 0.05), nBelow: 60 },
    { name: '2 objectives, repeats outnumbering the places left', losses: losses(300, 2, 0.25), nBelow: 40 },
    // Mirror images across the diagonal contribute exactly the same (the same two factors): the
    // first in lexicographic order is chosen, as numpy's argmax chooses it.
    {
      name: '2 objectives, a front symmetric in its losses (contributions tie exactly)',
      losses: [...[1, 2, 3, 4, 6, 9, 12, 18, 36].map((a) => [a, 36 / a]), [5, 20], [20, 5], [10, 10], [40, 3]],
      // Past the middle, the two sides' best points tie too: the cut falls between them.
      nBelow: 4,
    },
    { name: '3 objectives, 300 points', losses: losses(300, 3, null), nBelow: 30 },
    // On a grid, points tie exactly in their contributions, and each library breaks such ties by
    // the rounding of its own hypervolume arithmetic: the groups are compared by hypervolume.
    { name: '3 objectives, 250 points on a grid', losses: losses(250, 3, 0.1), nBelow: 25, ties: true },
    { name: '4 objectives, 150 points', losses: losses(150, 4, null), nBelow: 15 },
  ];
  const r = spawnSync(PYTHON, ['-c', PY_MO], { input: JSON.stringify(cases), encoding: 'utf8' });
  it('the Optuna reference ran', () => assert.equal(r.status, 0, r.stderr));
  cases.forEach((c, idx) => {
    it(c.name, () => {
      const want = (JSON.parse(r.stdout) as number[][])[idx];
      // The case must need the subset selection: a front that does not fit whole.
      const fronts = frontsCovering(c.losses, c.nBelow);
      const whole = fronts.slice(0, -1).reduce((a, f) => a + f.length, 0);
      assert.ok(
        whole < c.nBelow && whole + fronts[fronts.length - 1].length > c.nBelow,
        `fronts ${fronts.map((f) => f.length).join(', ')}`,
      );
      const got = [...selectBelowMultiObjective(c.losses, c.nBelow)].sort((a, b) => a - b);
      assert.equal(got.length, c.nBelow);
      if (!('ties' in c)) {
        assert.deepEqual(got, want);
        return;
      }
      // The whole fronts are the same; within the boundary front, the chosen points cover the same volume.
      const boundary = new Set(fronts[fronts.length - 1]);
      assert.deepEqual(
        got.filter((i) => !boundary.has(i)),
        want.filter((i) => !boundary.has(i)),
      );
      const worst = c.losses[0].map((_, k) => Math.max(...[...boundary].map((i) => c.losses[i][k])));
      const ref = worst.map((w) => Math.max(1.1 * w, 0.9 * w));
      const volume = (chosen: number[]) =>
        hypervolume(
          chosen.filter((i) => boundary.has(i)).map((i) => c.losses[i]),
          ref,
        );
      assert.ok(Math.abs(volume(got) - volume(want)) <= 1e-12 * volume(want), `${volume(got)} against Optuna's ${volume(want)}`);
    });
  });
});

describe('frontsCovering', () => {
  it('two and three objectives: the fronts of the general sort, with ties in any loss, repeats and infinities', () => {
    const rng = new Rng(12);
    for (let round = 0; round < 30; round++) {
      const n = rng.int(1, 300);
      const objectives = round % 3 === 2 ? 3 : 2;
      const losses = Array.from({ length: n }, () =>
        Array.from({ length: objectives }, () => {
          const u = rng.random();
          return u < 0.03 ? Infinity : u < 0.05 ? -Infinity : rng.int(0, round % 2 === 0 ? 8 : 1000);
        }),
      );
      const want = nonDominatedSort(losses).map((f) => [...f].sort((a, b) => a - b));
      assert.deepEqual(frontsCovering(losses, n), want);
      // Only as many fronts as hold the count asked for.
      const count = rng.int(1, n);
      const some = frontsCovering(losses, count);
      assert.deepEqual(some, want.slice(0, some.length));
      assert.ok(some.slice(0, -1).reduce((a, f) => a + f.length, 0) < count);
      assert.ok(some.reduce((a, f) => a + f.length, 0) >= count);
    }
  });
});

describe('GoodGroupSelector', () => {
  it('over successive splits (points appended, or changed in the middle) selects as a fresh selection does', () => {
    for (const objectives of [2, 3]) {
      const rng = new Rng(13 + objectives);
      const selector = new GoodGroupSelector();
      const points: number[][] = [];
      for (let step = 0; step < 120; step++) {
        // Mostly one new point; now and then several, a repeat of an earlier one, or one dropped from the middle.
        const u = rng.random();
        const add = u < 0.1 ? 5 : 1;
        for (let k = 0; k < add; k++) points.push(Array.from({ length: objectives }, () => rng.int(0, 40) / 4));
        if (u > 0.9 && points.length > 3) points.push(points[rng.int(0, points.length - 1)]);
        if (u > 0.95 && points.length > 3) points.splice(rng.int(0, points.length - 2), 1);
        const nBelow = Math.ceil(0.1 * points.length);
        const losses = points.slice();
        assert.deepEqual(selector.select(losses, nBelow), selectBelowMultiObjective(losses, nBelow), `step ${step}`);
      }
    }
  });
});
