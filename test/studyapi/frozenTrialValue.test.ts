/**
 * FrozenTrial.value and FrozenTrial.duration against Optuna 5.0: the same study read by both sides
 * (SQLite) gives the same value, the same duration (Optuna's timedelta in ms), the same nulls for
 * RUNNING / FAIL trials, and the same error message for `value` on a multi-objective trial.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createStudy, frozenTrial, MultiObjectiveValueError, RandomSampler, TrialPruned, TrialState } from '../../src';
import { PYTHON } from '../helpers/python';

const dir = mkdtempSync(join(tmpdir(), 'tunelab-frozen-value-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Optuna's view of every trial: value (or its error), duration in ms. */
const READ_PY = `
import json, sys, optuna
s = optuna.load_study(study_name=sys.argv[2], storage=sys.argv[1])
out = []
for t in s.trials:
    try:
        v = {'value': t.value}
    except RuntimeError as e:
        v = {'error': str(e)}
    d = t.duration
    v['duration_ms'] = None if d is None else d / __import__('datetime').timedelta(milliseconds=1)
    out.append(v)
print(json.dumps(out))
`;

function optunaView(url: string, name: string): Array<{ value?: number | null; error?: string; duration_ms: number | null }> {
  return JSON.parse(execFileSync(PYTHON, ['-c', READ_PY, url, name], { encoding: 'utf8', timeout: 120_000 }));
}

describe('FrozenTrial.value and .duration (Optuna 5.0)', () => {
  it('single objective: value and duration agree with Optuna for COMPLETE, PRUNED, FAIL and RUNNING trials', async () => {
    const url = `sqlite:///${join(dir, 'single.db')}`;
    const study = await createStudy({ storage: url, studyName: 'single', sampler: new RandomSampler({ seed: 3 }) });
    await study.optimize(
      async (t) => {
        const x = t.suggestFloat('x', -2, 2);
        await new Promise((r) => setTimeout(r, 5)); // a duration that is not zero
        if (t.number === 1) throw new Error('fails on purpose');
        if (t.number === 2) {
          t.report(x * 10, 0);
          throw new TrialPruned();
        }
        return x * x;
      },
      { nTrials: 4, showProgressBar: false, catch: [Error] },
    );
    const running = await study.ask();
    await running.flush();
    await study.refresh();
    const theirs = optunaView(url, 'single');
    assert.equal(theirs.length, study.trials.length);
    for (const [i, t] of study.trials.entries()) {
      const py = theirs[i];
      assert.equal(t.value, py.value, `value of trial ${i} (${TrialState[t.state]}): ${JSON.stringify(py)}`);
      if (py.duration_ms === null) assert.equal(t.duration, null, `trial ${i} has no duration`);
      else assert.ok(Math.abs(t.duration! - py.duration_ms) < 1e-6, `duration of trial ${i}: ${t.duration} vs Optuna ${py.duration_ms}`);
    }
    assert.equal(study.trials[4].state, TrialState.RUNNING);
    assert.equal(study.trials[4].duration, null, 'null while running');
    assert.equal(study.trials[1].value, null, 'a FAIL trial has no value');
    assert.equal(study.trials[2].value, study.trials[2].intermediateValues.get(0), 'a PRUNED trial keeps its last report, as in Optuna');
    assert.ok(study.trials[0].duration! >= 5, `duration in ms: ${study.trials[0].duration}`);
    // The derived fields are not stored fields: JSON carries values/datetimes only.
    assert.ok(!('value' in JSON.parse(JSON.stringify(study.trials[0]))));
    await study.tell(running, 0);
    await study.storage.close();
  });

  it('multi-objective: value throws with Optuna 5.0’s message; values is unaffected', async () => {
    const url = `sqlite:///${join(dir, 'multi.db')}`;
    const study = await createStudy({
      storage: url,
      studyName: 'multi',
      directions: ['minimize', 'maximize'],
      sampler: new RandomSampler({ seed: 1 }),
    });
    await study.optimize((t) => [t.suggestFloat('x', 0, 1), 2], { nTrials: 2, showProgressBar: false });
    const theirs = optunaView(url, 'multi');
    const optunaMessage = theirs[0].error;
    assert.ok(optunaMessage, `Optuna raised: ${JSON.stringify(theirs[0])}`);
    const t = study.trials[0];
    assert.throws(
      () => t.value,
      (e: unknown) => e instanceof MultiObjectiveValueError && e.message.startsWith(optunaMessage),
      `tunelab's error starts with Optuna's message '${optunaMessage}'`,
    );
    assert.deepEqual(t.values, [t.params.x, 2]);
    await study.storage.close();
  });

  it('frozenTrial() builds snapshots with the derived fields; a trial with no values has value null', () => {
    const start = new Date(1_000);
    const t = frozenTrial({
      trialId: 1,
      number: 0,
      state: TrialState.COMPLETE,
      values: [0.25],
      datetimeStart: start,
      datetimeComplete: new Date(3_500),
      params: {},
      internalParams: {},
      distributions: {},
      intermediateValues: new Map(),
      userAttrs: {},
      systemAttrs: {},
    });
    assert.equal(t.value, 0.25);
    assert.equal(t.duration, 2_500);
    assert.ok(Object.isFrozen(t));
    const waiting = frozenTrial({ ...t, state: TrialState.WAITING, values: null, datetimeStart: null, datetimeComplete: null });
    assert.equal(waiting.value, null);
    assert.equal(waiting.duration, null);
  });
});
