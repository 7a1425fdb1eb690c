/**
 * RetryHeartbeatStaleTrialCallback (Optuna 5.0's name; RetryFailedTrialCallback is its older alias):
 * the WAITING trial it adds for a trial whose worker died, as Optuna's adds it (the parameters and
 * distributions on the trial itself, the attributes, `failed_trial` and `retry_history`, the reports
 * with `inheritIntermediateValues`), run by tunelab's next `ask` and by Optuna 5.0's on one SQLite
 * study; `maxRetry`; and the heartbeat options' two names.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createStudy, RetryFailedTrialCallback, RetryHeartbeatStaleTrialCallback, TrialState, type Study } from '../../src';
import { PYTHON } from '../helpers/python';

const dir = mkdtempSync(join(tmpdir(), 'tunelab-retry-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A study whose trial 0 reported steps 0 and 1 and then failed, as a dead worker's trial is failed. */
async function studyWithFailure(storage?: string): Promise<Study> {
  const study = await createStudy({ storage, studyName: 'retry' });
  const trial = await study.ask();
  trial.suggestFloat('x', 0, 1);
  trial.suggestCategorical('kind', ['a', 'b']);
  trial.setUserAttr('note', 'first try');
  trial.report(0.5, 0);
  trial.report(0.25, 1);
  await study.tell(trial, null, { state: TrialState.FAIL });
  return study;
}

describe('RetryHeartbeatStaleTrialCallback', () => {
  it("adds the retry as Optuna's does, with the reports when asked, and the next ask runs it", async () => {
    const study = await studyWithFailure();
    const failed = study.trials[0];
    await new RetryHeartbeatStaleTrialCallback({ inheritIntermediateValues: true }).onTrialFailed(study, failed);
    await study.refresh();
    const waiting = study.trials[1];
    assert.equal(waiting.state, TrialState.WAITING);
    assert.deepEqual(waiting.params, failed.params, 'the parameters are on the trial itself');
    assert.deepEqual(waiting.distributions, failed.distributions);
    assert.equal(waiting.systemAttrs.fixed_params, undefined, 'not as an enqueued trial (Optuna does not write them so)');
    assert.deepEqual([...waiting.intermediateValues], [...failed.intermediateValues]);
    assert.deepEqual(waiting.userAttrs, { note: 'first try' });
    assert.equal(RetryHeartbeatStaleTrialCallback.retriedTrialNumber(waiting), 0);
    assert.deepEqual(RetryHeartbeatStaleTrialCallback.retryHistory(waiting), [0]);

    await study.optimize(
      (t) => {
        const x = t.suggestFloat('x', 0, 1);
        t.suggestCategorical('kind', ['a', 'b']);
        t.report(9, 1); // already reported: the inherited value is kept, as Optuna keeps it
        t.report(0.125, 2);
        return x;
      },
      { nTrials: 1, showProgressBar: false },
    );
    const retried = study.trials[1];
    assert.equal(retried.state, TrialState.COMPLETE);
    assert.deepEqual(retried.params, failed.params);
    assert.deepEqual(
      [...retried.intermediateValues],
      [
        [0, 0.5],
        [1, 0.25],
        [2, 0.125],
      ],
    );

    // Without inheritance the retry starts its reports afresh.
    const fresh = await studyWithFailure();
    await new RetryFailedTrialCallback().onTrialFailed(fresh, fresh.trials[0]);
    await fresh.refresh();
    assert.equal(fresh.trials[1].intermediateValues.size, 0);
  });

  it('stops after maxRetry retries of one trial, and checks its options', async () => {
    const study = await studyWithFailure();
    const callback = new RetryHeartbeatStaleTrialCallback({ maxRetry: 1 });
    await callback.onTrialFailed(study, study.trials[0]);
    await study.refresh();
    // The retry fails too: its history already holds one retry.
    const retry = study.trials[1];
    await callback.onTrialFailed(study, retry);
    await study.refresh();
    assert.equal(study.trials.length, 2, 'no second retry');
    assert.throws(
      () => new RetryHeartbeatStaleTrialCallback({ maxRetry: -1 }),
      /RetryHeartbeatStaleTrialCallback: maxRetry must be a non-negative integer/,
    );
    assert.throws(
      () => new RetryFailedTrialCallback({ inheritIntermediateValues: 'yes' as never }),
      /RetryFailedTrialCallback: inheritIntermediateValues must be true or false/,
    );
    await assert.rejects(
      createStudy({
        storage: `sqlite:///${join(dir, 'both.db')}`,
        heartbeatInterval: 1,
        heartbeatStaleTrialCallback: () => {},
        failedTrialCallback: () => {},
      }),
      /Give heartbeatStaleTrialCallback only: failedTrialCallback is its older name/,
    );
    await assert.rejects(createStudy({ heartbeatStaleTrialCallback: () => {} }), /need heartbeatInterval/);
  });

  it("is run by Optuna 5.0's next trial on a shared SQLite study with the same parameters, and reads as Optuna's", async () => {
    const url = `sqlite:///${join(dir, 'shared.db')}`;
    const study = await studyWithFailure(url);
    await new RetryHeartbeatStaleTrialCallback({ inheritIntermediateValues: true }).onTrialFailed(study, study.trials[0]);
    const out = execFileSync(
      PYTHON,
      [
        '-c',
        `
import json, sys, warnings
warnings.simplefilter('ignore')
import optuna
from optuna.storages import RetryHeartbeatStaleTrialCallback as R
optuna.logging.set_verbosity(optuna.logging.WARNING)
study = optuna.load_study(study_name='retry', storage=sys.argv[1])
trial = study.ask()
x, kind = trial.suggest_float('x', 0, 1), trial.suggest_categorical('kind', ['a', 'b'])
frozen = study.trials[trial.number]
print(json.dumps({'number': trial.number, 'x': x, 'kind': kind, 'retried': R.retried_trial_number(frozen),
                  'history': R.retry_history(frozen), 'reports': {str(k): v for k, v in frozen.intermediate_values.items()}}))
`,
        url,
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    const theirs = JSON.parse(out) as {
      number: number;
      x: number;
      kind: string;
      retried: number;
      history: number[];
      reports: Record<string, number>;
    };
    const failed = study.trials[0];
    assert.deepEqual(theirs, {
      number: 1,
      x: failed.params.x,
      kind: failed.params.kind,
      retried: 0,
      history: [0],
      reports: { '0': 0.5, '1': 0.25 },
    });
    await study.storage.close();
  });
});
