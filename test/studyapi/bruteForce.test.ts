/**
 * BruteForceSampler against Optuna 5.0's: the same combinations of a conditional define-by-run space
 * (floats with a decimal step included), each once, then the study stops; the same on SQLite, whose
 * parameter order is not the suggestion order; failed and pruned trials count as evaluated; parallel
 * jobs (with and without avoidPrematureStop) cover every combination; a float without step is
 * refused; and a study Optuna half-enumerated is finished by tunelab without repeats.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  BruteForceSampler,
  createStudy,
  InvalidDistributionError,
  loadStudy,
  TrialPruned,
  TrialState,
  type ParamValue,
  type Trial,
} from '../../src';
import { PYTHON } from '../helpers/python';

const dir = mkdtempSync(join(tmpdir(), 'tunelab-bruteforce-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The conditional space, in suggestion order: 'z_kind' first, then 'a_units' on one branch and
 * 'b_rate' (decimal step) + 'c_flag' on the other; 'y_tail' on both. Names sort differently from
 * their suggestion order on purpose. 3*2 + 4*2*2 = 22 combinations.
 */
const SPACE_PY = `
def objective(t):
    kind = t.suggest_categorical('z_kind', ['dense', 'sparse'])
    if kind == 'dense':
        t.suggest_int('a_units', 16, 48, step=16)
    else:
        t.suggest_float('b_rate', 0.0, 0.3, step=0.1)
        t.suggest_categorical('c_flag', [True, False])
    t.suggest_int('y_tail', 0, 1)
    return 0.0
`;
const N_COMBINATIONS = 22;

function objective(t: Trial): number {
  const kind = t.suggestCategorical('z_kind', ['dense', 'sparse']);
  if (kind === 'dense') {
    t.suggestInt('a_units', 16, 48, { step: 16 });
  } else {
    t.suggestFloat('b_rate', 0, 0.3, { step: 0.1 });
    t.suggestCategorical('c_flag', [true, false]);
  }
  t.suggestInt('y_tail', 0, 1);
  return 0;
}

/** A combination as sorted JSON (Python's json.dumps(sort_keys=True) prints the same floats). */
const key = (params: Readonly<Record<string, ParamValue>>) =>
  JSON.stringify(Object.fromEntries(Object.entries(params).sort((a, b) => (a[0] < b[0] ? -1 : 1))));

function optunaCombinations(): { n: number; combos: string[] } {
  const out = execFileSync(
    PYTHON,
    [
      '-c',
      `import json, warnings, optuna
warnings.simplefilter('ignore')
optuna.logging.set_verbosity(optuna.logging.ERROR)
${SPACE_PY}
s = optuna.create_study(sampler=optuna.samplers.BruteForceSampler(seed=0))
s.optimize(objective, n_trials=100)
print(json.dumps({'n': len(s.trials), 'combos': [json.dumps(t.params, sort_keys=True, separators=(',', ':')) for t in s.trials]}))`,
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  const parsed = JSON.parse(out) as { n: number; combos: string[] };
  // Python prints 0.0 where JavaScript prints 0: compare the parsed values.
  return { n: parsed.n, combos: parsed.combos.map((c) => key(JSON.parse(c))) };
}

describe('BruteForceSampler (Optuna 5.0)', () => {
  let reference: { n: number; combos: string[] };

  it('enumerates the same combinations of a conditional space as Optuna, each once, then stops the study', async () => {
    reference = optunaCombinations();
    assert.equal(reference.n, N_COMBINATIONS, 'Optuna visits every combination once, then stops');
    for (const storage of ['memory', `sqlite:///${join(dir, 'conditional.db')}`]) {
      const study = await createStudy({ storage, sampler: new BruteForceSampler({ seed: 0 }) });
      await study.optimize(objective, { nTrials: 100, showProgressBar: false });
      const ours = study.trials.map((t) => key(t.params));
      assert.equal(ours.length, N_COMBINATIONS, `${storage}: stops after ${N_COMBINATIONS} trials, ran ${ours.length}`);
      assert.equal(new Set(ours).size, N_COMBINATIONS, `${storage}: no combination twice`);
      assert.deepEqual([...ours].sort(), [...reference.combos].sort(), `${storage}: the same combinations as Optuna (0.1 steps exact)`);
      await study.storage.close();
    }
  });

  it('counts FAIL and PRUNED trials as evaluated', async () => {
    const study = await createStudy({ sampler: new BruteForceSampler({ seed: 1 }) });
    await study.optimize(
      (t) => {
        const a = t.suggestInt('a', 0, 3);
        const b = t.suggestCategorical('b', ['x', 'y']);
        if (a === 1) throw new Error('fails for a = 1');
        if (a === 2 && b === 'y') throw new TrialPruned();
        return a;
      },
      { nTrials: 50, showProgressBar: false, catch: [Error] },
    );
    assert.equal(study.trials.length, 8);
    assert.equal(new Set(study.trials.map((t) => key(t.params))).size, 8);
    assert.equal(study.trials.filter((t) => t.state === TrialState.FAIL).length, 2);
    assert.equal(study.trials.filter((t) => t.state === TrialState.PRUNED).length, 1);
  });

  for (const avoidPrematureStop of [false, true]) {
    it(`parallel jobs cover every combination (avoidPrematureStop: ${avoidPrematureStop})`, async () => {
      const study = await createStudy({ sampler: new BruteForceSampler({ seed: 2, avoidPrematureStop }) });
      await study.optimize(
        async (t) => {
          const v = objective(t);
          await new Promise((r) => setTimeout(r, 2 + (t.number % 3)));
          return v;
        },
        { nTrials: 200, nJobs: 3, showProgressBar: false },
      );
      const done = study.trials.filter((t) => t.state === TrialState.COMPLETE).map((t) => key(t.params));
      assert.equal(new Set(done).size, N_COMBINATIONS, `every combination finished (${study.trials.length} trials)`);
      assert.ok(study.trials.length < 200, 'the study stopped by itself');
      assert.ok(study.trials.every((t) => t.state !== TrialState.RUNNING));
    });
  }

  it('refuses a float without step, naming the parameter', async () => {
    const study = await createStudy({ sampler: new BruteForceSampler() });
    await assert.rejects(
      study.optimize((t) => t.suggestFloat('lr', 0, 1), { nTrials: 1, catch: false, showProgressBar: false }),
      (e: unknown) => e instanceof InvalidDistributionError && /'lr' has no step/.test(e.message),
    );
  });

  it('finishes a study Optuna half-enumerated on SQLite, without repeating a combination', async () => {
    const url = `sqlite:///${join(dir, 'handover.db')}`;
    execFileSync(
      PYTHON,
      [
        '-c',
        `import sys, warnings, optuna
warnings.simplefilter('ignore')
optuna.logging.set_verbosity(optuna.logging.ERROR)
${SPACE_PY}
s = optuna.create_study(study_name='handover', storage=sys.argv[1], sampler=optuna.samplers.BruteForceSampler(seed=3))
s.optimize(objective, n_trials=9)`,
        url,
      ],
      { timeout: 120_000 },
    );
    const study = await loadStudy({ studyName: 'handover', storage: url, sampler: new BruteForceSampler({ seed: 4 }) });
    assert.equal(study.trials.length, 9);
    await study.optimize(objective, { nTrials: 100, showProgressBar: false });
    const all = study.trials.map((t) => key(t.params));
    assert.equal(all.length, N_COMBINATIONS, `${all.length} trials in all`);
    assert.deepEqual([...all].sort(), [...reference.combos].sort());
    await study.storage.close();
  });
});
