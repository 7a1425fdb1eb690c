/**
 * PartialFixedSampler against Optuna 5.0's: fixed parameters always take their value, the others
 * come from the base sampler exactly as without the fixed ones (same random stream), the base's
 * relative search space leaves the fixed ones out (TPE multivariate), an out-of-range fixed value is
 * used with Optuna's warning, and a value that is no categorical choice is refused as Optuna refuses it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { createStudy, InvalidDistributionError, PartialFixedSampler, RandomSampler, TPESampler } from '../../src';
import { PYTHON } from '../helpers/python';

const OPTUNA_PY = `
import json, warnings, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
out = {}
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter('always')
    s = optuna.create_study(sampler=optuna.samplers.PartialFixedSampler({'x': 5.0, 'c': 'b'}, optuna.samplers.RandomSampler(seed=0)))
    s.optimize(lambda t: t.suggest_float('x', 0, 1) + t.suggest_float('y', 0, 1) + len(t.suggest_categorical('c', ['a', 'b'])), n_trials=3)
    out['params'] = [t.params for t in s.trials]
    out['warnings'] = sorted({str(w.message) for w in caught if 'Fixed parameter' in str(w.message)})
s = optuna.create_study(sampler=optuna.samplers.PartialFixedSampler({'c': 'z'}, optuna.samplers.RandomSampler(seed=0)))
try:
    s.optimize(lambda t: len(t.suggest_categorical('c', ['a', 'b'])), n_trials=1)
    out['not_a_choice'] = None
except ValueError as e:
    out['not_a_choice'] = str(e)
print(json.dumps(out))
`;

describe('PartialFixedSampler (Optuna 5.0)', () => {
  it('uses out-of-range fixed values with a warning and refuses a value that is no choice, as Optuna', async () => {
    const optuna = JSON.parse(execFileSync(PYTHON, ['-c', OPTUNA_PY], { encoding: 'utf8', timeout: 120_000 })) as {
      params: Array<Record<string, unknown>>;
      warnings: string[];
      not_a_choice: string | null;
    };
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const study = await createStudy({ sampler: new PartialFixedSampler({ x: 5, c: 'b' }, new RandomSampler({ seed: 0 })) });
      await study.optimize((t) => t.suggestFloat('x', 0, 1) + t.suggestFloat('y', 0, 1) + t.suggestCategorical('c', ['a', 'b']).length, {
        nTrials: 3,
        showProgressBar: false,
      });
      await new Promise((r) => setImmediate(r)); // warnings are delivered on the next turn
      assert.deepEqual(
        study.trials.map((t) => [t.params.x, t.params.c]),
        optuna.params.map((p) => [p.x, p.c]),
        'the fixed values, the out-of-range one included',
      );
      assert.equal(optuna.warnings.length, 1);
      const prefix = optuna.warnings[0].split(' for distribution')[0].replace('5.0', '5');
      assert.ok(
        warnings.some((w) => w.startsWith(prefix)),
        `a warning like Optuna's '${optuna.warnings[0]}': ${JSON.stringify(warnings)}`,
      );
    } finally {
      process.off('warning', onWarning);
    }
    assert.ok(optuna.not_a_choice, 'Optuna refuses a fixed value that is no choice');
    const study = await createStudy({ sampler: new PartialFixedSampler({ c: 'z' }, new RandomSampler({ seed: 0 })) });
    await assert.rejects(
      study.optimize((t) => t.suggestCategorical('c', ['a', 'b']).length, { nTrials: 1, catch: false, showProgressBar: false }),
      InvalidDistributionError,
    );
  });

  it('the other parameters come from the base sampler as if the fixed ones did not exist', async () => {
    const fixed = await createStudy({ sampler: new PartialFixedSampler({ lr: 0.01 }, new RandomSampler({ seed: 9 })) });
    await fixed.optimize((t) => t.suggestFloat('lr', 1e-4, 1, { log: true }) * t.suggestInt('units', 8, 128), {
      nTrials: 12,
      showProgressBar: false,
    });
    const plain = await createStudy({ sampler: new RandomSampler({ seed: 9 }) });
    await plain.optimize((t) => t.suggestInt('units', 8, 128), { nTrials: 12, showProgressBar: false });
    assert.deepEqual(
      fixed.trials.map((t) => t.params.lr),
      Array(12).fill(0.01),
    );
    assert.deepEqual(
      fixed.trials.map((t) => t.params.units),
      plain.trials.map((t) => t.params.units),
    );
  });

  it('TPE as the base: its relative (multivariate) space leaves the fixed parameter out, and it still optimizes the others', async () => {
    const base = new TPESampler({ seed: 4, nStartupTrials: 5 });
    const sampler = new PartialFixedSampler({ y: 2 }, base);
    const study = await createStudy({ sampler });
    await study.optimize((t) => (t.suggestFloat('x', -5, 5) - 1) ** 2 + t.suggestFloat('y', 0, 4), { nTrials: 30, showProgressBar: false });
    assert.ok(study.trials.every((t) => t.params.y === 2));
    const last = study.trials[study.trials.length - 1];
    const baseSpace = Object.keys(base.inferRelativeSearchSpace(study)).sort();
    assert.deepEqual(baseSpace, ['x', 'y'], 'TPE alone would model both');
    assert.deepEqual(Object.keys(sampler.inferRelativeSearchSpace(study, last)), ['x']);
    assert.ok(Math.abs((study.bestParams.x as number) - 1) < 0.5, `TPE found x near 1: ${study.bestParams.x}`);
  });
});
