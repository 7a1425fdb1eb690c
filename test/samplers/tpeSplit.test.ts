// The good/bad split of TPE, compared with Optuna 3.1's own `_get_observation_pairs` and
// `_split_observation_pairs` on the same mixed history (complete, pruned at various steps, pruned
// without reports, failed, ties; with and without constraints).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { createStudy, floatDistribution, RandomSampler, Rng, TrialState } from '../../src';
import { CONSTRAINTS_KEY } from '../../src/samplers/base';
import { computeSplit } from '../../src/samplers/tpe/observations';
import { defaultGamma } from '../../src/samplers/tpe/sampler';
import { PYTHON } from '../helpers/python';

interface Spec {
  state: 'COMPLETE' | 'PRUNED' | 'FAIL';
  x: number;
  value?: number;
  intermediate?: Record<string, number | null>;
  constraint?: number[];
}

function history(n: number, seed: number, withConstraints: boolean): Spec[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (): Spec => {
    const x = rng.uniform(0, 1);
    const r = rng.random();
    const constraint = withConstraints ? [rng.uniform(-1, 0.5), rng.uniform(-1, 0.3)] : undefined;
    if (r < 0.55) return { state: 'COMPLETE', x, value: Math.round(rng.uniform(0, 20)) / 2, constraint }; // ties on purpose
    if (r < 0.85) {
      const steps = rng.int(0, 4);
      const intermediate: Record<string, number | null> = {};
      for (let s = 0; s <= steps; s++) intermediate[String(s * 3)] = rng.random() < 0.1 ? null : Math.round(rng.uniform(0, 20)) / 2;
      return { state: 'PRUNED', x, intermediate, constraint };
    }
    if (r < 0.92) return { state: 'PRUNED', x, intermediate: {}, constraint };
    return { state: 'FAIL', x };
  });
}

const PY = `
import json, sys, math, warnings
warnings.filterwarnings('ignore')
import optuna
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState, create_trial
from optuna.samplers._tpe.sampler import _get_observation_pairs, _split_observation_pairs, default_gamma
optuna.logging.set_verbosity(optuna.logging.ERROR)
out = []
for case in json.load(sys.stdin):
    study = optuna.create_study(direction=case['direction'])
    for s in case['trials']:
        attrs = {'constraints': s['constraint']} if s.get('constraint') is not None and s['state'] != 'FAIL' else {}
        iv = {int(k): (float('nan') if v is None else v) for k, v in (s.get('intermediate') or {}).items()}
        study.add_trial(create_trial(state=getattr(TrialState, s['state']), value=s.get('value'), params={'x': s['x']},
            distributions={'x': FloatDistribution(0, 1)}, intermediate_values=iv, system_attrs=attrs))
    values, scores, violations = _get_observation_pairs(study, ['x'], False, case['constraints'])
    n = sum(sc < float('inf') for sc, v in scores)
    below, above = _split_observation_pairs(scores, default_gamma(n), violations)
    out.append(sorted(int(i) for i in below))
print(json.dumps(out))
`;

describe('TPE split matches Optuna 3.1', () => {
  const cases = [
    { direction: 'minimize' as const, constraints: false, trials: history(60, 1, false) },
    { direction: 'maximize' as const, constraints: false, trials: history(120, 2, false) },
    { direction: 'minimize' as const, constraints: true, trials: history(80, 3, true) },
    { direction: 'minimize' as const, constraints: true, trials: history(300, 4, true) },
  ];
  const r = spawnSync(PYTHON, ['-c', PY], { input: JSON.stringify(cases), encoding: 'utf8' });
  it('the Optuna reference ran', () => assert.equal(r.status, 0, r.stderr));
  cases.forEach((c, idx) => {
    it(`${c.direction}, ${c.trials.length} trials${c.constraints ? ', constraints' : ''}`, async () => {
      const study = await createStudy({ direction: c.direction, sampler: new RandomSampler({ seed: 0 }) });
      const st = study.storage;
      const d = floatDistribution(0, 1);
      for (const s of c.trials) {
        const t = await st.createNewTrial(study.studyId);
        await st.setTrialParam(t.trialId, 'x', s.x, d);
        for (const [step, v] of Object.entries(s.intermediate ?? {})) await st.setTrialIntermediateValue(t.trialId, Number(step), v ?? NaN);
        if (s.constraint && s.state !== 'FAIL') await st.setTrialSystemAttr(t.trialId, CONSTRAINTS_KEY, s.constraint);
        await st.setTrialState(t.trialId, TrialState[s.state], s.state === 'COMPLETE' ? [s.value!] : null);
      }
      await study.refresh();
      const split = computeSplit(study.trials, { directions: [c.direction], constantLiar: false, constraints: c.constraints, gamma: defaultGamma });
      const reference = (JSON.parse(r.stdout) as number[][])[idx];
      assert.deepEqual(Array.from(split.below), reference);
    });
  });
});
