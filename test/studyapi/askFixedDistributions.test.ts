/**
 * `study.ask(fixedDistributions)` checks its argument before it creates a trial: what is not a
 * distribution (a plain `{ low, high }`, null, a number) is refused with an error naming the
 * parameter, and no trial is left RUNNING; real distributions are suggested at once, as before.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  categoricalDistribution,
  createStudy,
  distributionFromJson,
  floatDistribution,
  intDistribution,
  type Distribution,
} from '../../src';
import { float } from '../../src/space';

describe('study.ask(fixedDistributions)', () => {
  it('refuses what is not a distribution before creating a trial', async () => {
    const study = await createStudy();
    const refused: Array<[unknown, RegExp]> = [
      [
        { x: { low: 0, high: 1 } },
        /'x' is not a distribution: got an object with the keys low, high \(no kind\)\. Build one with floatDistribution/,
      ],
      [{ x: null }, /'x' is not a distribution: got null\./],
      [{ x: 3 }, /'x' is not a distribution: got number 3\./],
      [{ x: { kind: 'uniform', low: 0, high: 1 } }, /'x' is not a distribution: got an object with the keys kind, low, high\./],
      [
        { x: { kind: 'float', low: 0, high: 1, log: 'yes', step: null } },
        /'x' \(a float distribution\) has log = "yes"; it must be true or false/,
      ],
      [{ x: { kind: 'float', low: 1, high: 0, log: false, step: null } }, /Float distribution 'x': low \(1\) is greater than high \(0\)/],
      [{ n: { kind: 'int', low: 0, high: 5, log: false, step: 0.5 } }, /Int distribution 'n': step must be a positive integer/],
      [{ n: { kind: 'int', low: 0, high: 5, log: 1, step: 1 } }, /'n' \(an int distribution\) has log = 1; it must be true or false/],
      [{ c: { kind: 'categorical', choices: [] } }, /Categorical distribution 'c': choices must be a non-empty array/],
      [{ y: float(1, 0) }, /Float distribution 'y': low \(1\) is greater than high \(0\)/],
      [[floatDistribution(0, 1)], /pass an object of parameter names to distributions.*got an array/],
      // A valid first entry does not start a trial when a later one is refused.
      [{ ok: floatDistribution(0, 1), x: { low: 0, high: 1 } }, /'x' is not a distribution/],
    ];
    for (const [fixed, message] of refused) {
      await assert.rejects(study.ask(fixed as Record<string, Distribution>), message, JSON.stringify(fixed));
    }
    assert.deepEqual(study.trials, [], 'no trial was created (none left RUNNING)');
    const none = await study.ask(undefined);
    assert.deepEqual(none.params, {});
  });

  it('suggests real distributions at once; a literal with log and step left out reads as their defaults', async () => {
    const study = await createStudy({ seed: 3 });
    const trial = await study.ask({
      x: floatDistribution(0, 1),
      n: intDistribution(1, 9, { step: 2 }),
      c: categoricalDistribution(['a', 'b']),
      lit: { kind: 'float', low: 2, high: 3 } as unknown as Distribution,
    });
    assert.deepEqual(Object.keys(trial.params), ['x', 'n', 'c', 'lit']);
    const { x, n, c, lit } = trial.params as { x: number; n: number; c: string; lit: number };
    assert.ok(
      x >= 0 && x <= 1 && [1, 3, 5, 7, 9].includes(n) && ['a', 'b'].includes(c) && lit >= 2 && lit <= 3,
      JSON.stringify(trial.params),
    );
    await trial.flush();
    const [stored] = await study.storage.getAllTrials(study.studyId);
    assert.deepEqual(stored.distributions.lit, floatDistribution(2, 3));
  });

  it("keeps a distribution read from Optuna's JSON as it is: its float choices are stored as floats", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tunelab-ask-'));
    try {
      const path = join(dir, 'marks.db');
      const study = await createStudy({ storage: `sqlite:///${path}` });
      const drop = distributionFromJson('{"name": "CategoricalDistribution", "attributes": {"choices": [0.0, 1.0]}}');
      const trial = await study.ask({ drop });
      await trial.flush();
      await study.storage.close();
      const db = new Database(path, { readonly: true });
      const json = db.prepare('SELECT distribution_json FROM trial_params').pluck().get() as string;
      db.close();
      assert.match(json, /"choices": ?\[0\.0, ?1\.0\]/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
