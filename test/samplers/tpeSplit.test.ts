// The good/bad split of TPE, compared with Optuna 5.0's own `_split_trials` on the same mixed
// history (complete, pruned at various steps, pruned without reports, failed, ties; with and without
// constraints, some trials without a constraint record; running trials under constant liar; two
// objectives with pruned and running trials).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { createStudy, floatDistribution, RandomSampler, Rng, TrialState } from '../../src';
import { CONSTRAINTS_KEY } from '../../src/samplers/base';
import { computeSplit } from '../../src/samplers/tpe/observations';
import { selectBelowMultiObjective } from '../../src/samplers/tpe/multiObjective';
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
