// Trial states are shown by name (console.log, the kernel's display, summaries, exports) while the
// value stays Optuna's number, which storages and comparisons use.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import {
  createStudy,
  frozenTrial,
  getVerbosity,
  logging,
  RandomSampler,
  setVerbosity,
  TrialPruned,
  TrialState,
  trialStateName,
} from '../../src';
import { PYTHON } from '../helpers/python';

describe('TrialState is shown by name', () => {
  it('names and numbers are Optuna 5.0 TrialState members', () => {
    const r = spawnSync(PYTHON, ['-c', 'import json, optuna; print(json.dumps({s.value: s.name for s in optuna.trial.TrialState}))'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const optuna = JSON.parse(r.stdout) as Record<string, string>;
    const ours = Object.fromEntries([0, 1, 2, 3, 4].map((n) => [String(n), trialStateName(n as TrialState)]));
    assert.deepEqual(ours, optuna);
    assert.equal(TrialState.COMPLETE, 1, 'the value stays the number Optuna stores');
  });

  it('console.log of a frozen trial, a running trial and a study shows state names', async () => {
    const before = getVerbosity();
    setVerbosity(logging.ERROR);
    try {
      const study = await createStudy({ sampler: new RandomSampler({ seed: 2 }) });
      await study.optimize(
        (t) => {
          const x = t.suggestFloat('x', 0, 1);
          if (t.number === 1) throw new TrialPruned();
          if (t.number === 2) return NaN;
          return x;
        },
        { nTrials: 5, showProgressBar: false },
      );
      const frozen = inspect(study.trials[0]);
      assert.match(frozen, /^FrozenTrial \{/);
      assert.match(frozen, /state: 'COMPLETE'/);
      assert.doesNotMatch(frozen, /state: 1\b/);
      assert.match(frozen, /params: \{ x: 0\.\d+ \}/, 'plain objects, not [Object: null prototype]');
      assert.match(inspect(study.trials), /state: 'PRUNED'[\s\S]*state: 'FAIL'/);
      const shown = inspect(study);
      assert.match(shown, /states: \{ COMPLETE: 3, PRUNED: 1, FAIL: 1 \}/, shown);
      assert.match(shown, new RegExp(`bestValue: ${study.bestValue}`));
      const running = await study.ask();
      running.suggestInt('n', 1, 3);
      assert.match(inspect(running), /^Trial \{ number: 5, state: 'RUNNING', params: \{ n: [123] \}/);
      // Only the display changed: equality, JSON and the state's value are as before.
      assert.deepStrictEqual(Object.getOwnPropertySymbols(study.trials[0]), [], 'the display lives on the shared prototype');
      assert.deepStrictEqual(frozenTrial({ ...study.trials[0] }), study.trials[0]);
      assert.equal(JSON.parse(JSON.stringify(study.trials[0])).state, 1);
      assert.equal(study.trials[0].state, TrialState.COMPLETE);
      // The export names states too.
      assert.deepEqual(
        study.trialsDataFrame().rows.map((r) => r.state),
        ['COMPLETE', 'PRUNED', 'FAIL', 'COMPLETE', 'COMPLETE', 'RUNNING'],
      );
    } finally {
      setVerbosity(before);
    }
  });
});
