/**
 * trial.setConstraint / trial.constraints, as Optuna 5's trial.set_constraint / trial.constraints:
 * stored as `constraints:<key>` system attributes, used by bestTrial, and read by Optuna 5 itself.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createStudy, InvalidArgumentError, RandomSampler, TrialState, type Trial } from '../../src';
import { PYTHON } from '../helpers/python';

const dir = mkdtempSync(join(tmpdir(), 'tunelab-constraint-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Minimise x^2 subject to x >= 0.5 (c = 0.5 - x <= 0) and a second, always satisfied constraint. */
function constrained(t: Trial): number {
  const x = t.suggestFloat('x', -1, 1);
  t.setConstraint('x_at_least_half', 0.5 - x);
  t.setConstraint('always', -1);
  return x * x;
}

describe('trial.setConstraint (Optuna 5.0)', () => {
  it('records constraints:<key> attributes, and bestTrial is the best feasible trial', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 3 }) });
    await study.optimize(constrained, { nTrials: 40, showProgressBar: false });
    const t0 = study.trials[0];
    assert.deepEqual(
      Object.keys(t0.systemAttrs)
        .filter((k) => k.startsWith('constraints:'))
        .sort(),
      ['constraints:always', 'constraints:x_at_least_half'],
    );
    const feasible = study.trials.filter((t) => (t.params.x as number) >= 0.5);
    const unconstrainedBest = Math.min(...study.trials.map((t) => t.values![0]));
    assert.ok(
      feasible.length > 0 && unconstrainedBest < Math.min(...feasible.map((t) => t.values![0])),
      'the constraint changes the answer',
    );
    assert.equal(study.bestValue, Math.min(...feasible.map((t) => t.values![0])));
    assert.ok((study.bestParams.x as number) >= 0.5);
  });

  it('trial.constraints reads them back by name; a key set twice keeps its first value', async () => {
    const study = await createStudy();
    const trial = await study.ask();
    trial.setConstraint('a', 2);
    trial.setConstraint('b', -3);
    trial.setConstraint('a', -100); // ignored, with a warning, as Optuna does
    assert.deepEqual(trial.constraints, { a: 2, b: -3 });
    await study.tell(trial, 1);
    assert.equal(study.trials[0].systemAttrs['constraints:a'], 2);
  });

  it('NaN or a non-number fails the trial with a message that says what to pass', async () => {
    const study = await createStudy();
    await study.optimize(
      (t) => {
        t.setConstraint('c', Number.NaN);
        return 0;
      },
      { nTrials: 1, showProgressBar: false, catch: [Error] },
    );
    assert.equal(study.trials[0].state, TrialState.FAIL);
    assert.match(String(study.trials[0].systemAttrs.fail_reason), /must be a number \(<= 0 means satisfied\), got NaN/);
    const trial = await study.ask();
    assert.throws(() => trial.setConstraint('c', '1' as unknown as number), InvalidArgumentError);
  });

  it("Optuna 5.0 reads them as the trial's constraints and picks the same best trial", async () => {
    const url = `sqlite:///${join(dir, 'c.db')}`;
    const study = await createStudy({ storage: url, studyName: 'c', sampler: new RandomSampler({ seed: 5 }) });
    await study.optimize(constrained, { nTrials: 30, showProgressBar: false });
    const out = JSON.parse(
      execFileSync(
        PYTHON,
        [
          '-c',
          [
            'import json, sys, optuna',
            'optuna.logging.set_verbosity(optuna.logging.ERROR)',
            "s = optuna.load_study(study_name='c', storage=sys.argv[1])",
            "print(json.dumps({'best': s.best_trial.number, 'constraints': [t.constraints for t in s.trials]}))",
          ].join('\n'),
          url,
        ],
        { encoding: 'utf8' },
      ),
    ) as { best: number; constraints: Array<Record<string, number>> };
    assert.equal(out.best, study.bestTrial.number);
    assert.deepEqual(
      out.constraints,
      study.trials.map((t) => ({ always: -1, x_at_least_half: 0.5 - (t.params.x as number) })),
    );
  });
});
