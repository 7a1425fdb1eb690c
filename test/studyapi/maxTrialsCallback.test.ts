/**
 * MaxTrialsCallback against Optuna 5.0's: the same deterministic objective under the same limit and
 * states stops after the same trials; and with several workers on one SQLite study (two tunelab
 * studies, and an Optuna worker beside a tunelab one) the combined count stops everyone.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  createStudy,
  InvalidArgumentError,
  loadStudy,
  MaxTrialsCallback,
  RandomSampler,
  TrialPruned,
  TrialState,
  type Trial,
} from '../../src';
import { getStorage } from '../../src/entries/storage';
import { PYTHON } from '../helpers/python';

const dir = mkdtempSync(join(tmpdir(), 'tunelab-maxtrials-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const NAMES = ['RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'WAITING'];

/** Trial n fails when n % 3 == 1, is pruned when n % 5 == 4, else completes: the same on both sides. */
const OUTCOME_PY = `
import json, sys, optuna
from optuna.study import MaxTrialsCallback
from optuna.trial import TrialState
optuna.logging.set_verbosity(optuna.logging.ERROR)
def objective(t):
    x = t.suggest_float('x', 0, 1)
    if t.number % 3 == 1: raise ValueError('fail')
    if t.number % 5 == 4: raise optuna.TrialPruned()
    return x
out = {}
for label, n, states in json.loads(sys.argv[1]):
    s = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    st = None if states is None else tuple(TrialState[x] for x in states)
    s.optimize(objective, n_trials=100, catch=(ValueError,), callbacks=[MaxTrialsCallback(n, states=st)])
    out[label] = [t.state.name for t in s.trials]
print(json.dumps(out))
`;

const CONFIGS: Array<[string, number, string[] | null]> = [
  ['default (COMPLETE)', 5, ['COMPLETE']],
  ['FAIL', 3, ['FAIL']],
  ['COMPLETE or PRUNED', 6, ['COMPLETE', 'PRUNED']],
  ['every state', 7, null],
];

describe('MaxTrialsCallback (Optuna 5.0)', () => {
  it('stops after the same trials as Optuna for each choice of states', async () => {
    const optuna = JSON.parse(
      execFileSync(PYTHON, ['-c', OUTCOME_PY, JSON.stringify(CONFIGS)], { encoding: 'utf8', timeout: 120_000 }),
    ) as Record<string, string[]>;
    for (const [label, n, states] of CONFIGS) {
      const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
      const callback =
        label === 'default (COMPLETE)'
          ? MaxTrialsCallback(n)
          : new MaxTrialsCallback(n, { states: states === null ? null : states.map((s) => TrialState[s as keyof typeof TrialState]) });
      await study.optimize(
        (t) => {
          const x = t.suggestFloat('x', 0, 1);
          if (t.number % 3 === 1) throw new Error('fail');
          if (t.number % 5 === 4) throw new TrialPruned();
          return x;
        },
        { nTrials: 100, callbacks: [callback], showProgressBar: false, catch: [Error] },
      );
      assert.deepEqual(
        study.trials.map((t) => NAMES[t.state]),
        optuna[label],
        label,
      );
    }
  });

  it('refuses a limit that is not a count', () => {
    assert.throws(() => MaxTrialsCallback(-1), InvalidArgumentError);
    assert.throws(() => MaxTrialsCallback(2.5), InvalidArgumentError);
    assert.deepEqual(MaxTrialsCallback(4).states, [TrialState.COMPLETE]);
  });

  it('two tunelab workers on one SQLite study stop at the combined count', async () => {
    const url = `sqlite:///${join(dir, 'two.db')}`;
    const a = await createStudy({ storage: url, studyName: 'shared', sampler: new RandomSampler({ seed: 1 }) });
    const b = await loadStudy({ studyName: 'shared', storage: url, sampler: new RandomSampler({ seed: 2 }) });
    const objective = (worker: string) => async (t: Trial) => {
      t.setUserAttr('worker', worker);
      const x = t.suggestFloat('x', 0, 1);
      await new Promise((r) => setTimeout(r, 10));
      return x;
    };
    const limit = 12;
    await Promise.all(
      [a, b].map((s, i) => s.optimize(objective(`w${i}`), { nTrials: 500, callbacks: [MaxTrialsCallback(limit)], showProgressBar: false })),
    );
    await a.refresh();
    const complete = a.getTrials({ states: [TrialState.COMPLETE] }).length;
    // Each worker stops after the trial that reached the limit; the other's running trial still finishes.
    assert.ok(complete >= limit && complete <= limit + 1, `${complete} COMPLETE trials for a limit of ${limit}`);
    assert.equal(a.trials.length, complete, 'no trial left running');
    assert.deepEqual([...new Set(a.trials.map((t) => t.userAttrs.worker))].sort(), ['w0', 'w1'], 'both workers ran trials');
    await a.storage.close();
    await b.storage.close();
  });

  it('an Optuna worker and a tunelab worker, each with MaxTrialsCallback, stop at the combined count', async () => {
    const url = `sqlite:///${join(dir, 'mixed.db')}`;
    const limit = 16;
    const study = await createStudy({ storage: url, studyName: 'mixed', sampler: new RandomSampler({ seed: 3 }) });
    const py = spawn(
      PYTHON,
      [
        '-c',
        `import sys, time, optuna
from optuna.study import MaxTrialsCallback
optuna.logging.set_verbosity(optuna.logging.ERROR)
s = optuna.load_study(study_name='mixed', storage=sys.argv[1], sampler=optuna.samplers.RandomSampler(seed=4))
def objective(t):
    t.set_user_attr('worker', 'optuna')
    time.sleep(0.05)
    return t.suggest_float('x', 0, 1)
s.optimize(objective, n_trials=500, callbacks=[MaxTrialsCallback(${limit})])`,
        url,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    py.stderr.on('data', (d) => (stderr += d));
    const pyDone = new Promise<number | null>((resolve) => py.on('exit', resolve));
    try {
      // Start the tunelab worker once Optuna's has written its first trial (bounded wait).
      const storage = await getStorage(url);
      for (let i = 0; i < 600 && (await storage.getAllTrials(study.studyId)).length === 0; i++)
        await new Promise((r) => setTimeout(r, 100));
      await storage.close();
      await study.optimize(
        async (t) => {
          t.setUserAttr('worker', 'tunelab');
          await new Promise((r) => setTimeout(r, 50));
          return t.suggestFloat('x', 0, 1);
        },
        { nTrials: 500, callbacks: [MaxTrialsCallback(limit)], showProgressBar: false },
      );
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([pyDone, new Promise<string>((r) => (timer = setTimeout(() => r('timeout'), 120_000)))]);
      clearTimeout(timer);
      assert.equal(code, 0, `the Optuna worker exits cleanly: ${stderr}`);
    } finally {
      py.kill();
    }
    await study.refresh();
    const complete = study.getTrials({ states: [TrialState.COMPLETE] });
    assert.ok(complete.length >= limit && complete.length <= limit + 1, `${complete.length} COMPLETE for a limit of ${limit}`);
    const workers = new Set(complete.map((t) => t.userAttrs.worker));
    assert.deepEqual([...workers].sort(), ['optuna', 'tunelab'], 'both workers ran trials');
    await study.storage.close();
  });
});
