/**
 * FixedTrial against Optuna 5.0's `optuna.trial.FixedTrial`: the same suggest calls on the same given
 * values return the same values, warn for the same out-of-range values and refuse the same ones. Then
 * what tunelab adds: an objective typed for a study's trials runs on one, `fromTrial` re-runs a
 * study's trial with its parameters and seed to the same value, and a FixedTrial cannot be told to a
 * study or given an artifact (nor can a study be told another study's trial).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  FileSystemArtifactStore,
  FixedTrial,
  InvalidArgumentError,
  ParameterConflictError,
  RandomSampler,
  Rng,
  TrialState,
  TunelabError,
  createStudy,
  loadStudy,
  runWithSeed,
  uploadArtifact,
  type Trial,
} from '../../src';
import { PYTHON } from '../helpers/python';

const dir = mkdtempSync(join(tmpdir(), 'tunelab-fixed-trial-'));
after(() => rmSync(dir, { recursive: true, force: true }));

type Call =
  | { kind: 'float'; name: string; low: number; high: number; log?: boolean; step?: number }
  | { kind: 'int'; name: string; low: number; high: number; log?: boolean; step?: number }
  | { kind: 'categorical'; name: string; choices: Array<string | number | boolean | null> };

/** A given value that JSON cannot carry. */
const NAN = '__nan__';

/** Each case: the given parameters, then suggest calls made in order on one FixedTrial. */
const CASES: Array<{ what: string; params: Record<string, unknown>; calls: Call[] }> = [
  { what: 'a float in its range', params: { x: 0.5 }, calls: [{ kind: 'float', name: 'x', low: 0, high: 1 }] },
  { what: 'a float above its range', params: { x: 5 }, calls: [{ kind: 'float', name: 'x', low: 0, high: 1 }] },
  { what: 'a float off its step', params: { x: 0.25 }, calls: [{ kind: 'float', name: 'x', low: 0, high: 1, step: 0.1 }] },
  { what: 'a float on its step', params: { x: 0.3 }, calls: [{ kind: 'float', name: 'x', low: 0, high: 1, step: 0.1 }] },
  { what: 'NaN', params: { x: NAN }, calls: [{ kind: 'float', name: 'x', low: 0, high: 1 }] },
  { what: 'zero on a log scale', params: { x: 0 }, calls: [{ kind: 'float', name: 'x', low: 1e-3, high: 1, log: true }] },
  { what: 'a string for a float', params: { x: 'a' }, calls: [{ kind: 'float', name: 'x', low: 0, high: 1 }] },
  { what: 'an integer in its range', params: { n: 3 }, calls: [{ kind: 'int', name: 'n', low: 1, high: 5 }] },
  { what: 'a fraction for an integer', params: { n: 2.6 }, calls: [{ kind: 'int', name: 'n', low: 1, high: 5 }] },
  { what: 'a negative fraction for an integer', params: { n: -2.6 }, calls: [{ kind: 'int', name: 'n', low: -5, high: 5 }] },
  { what: 'an integer above its range', params: { n: 20 }, calls: [{ kind: 'int', name: 'n', low: 1, high: 5 }] },
  { what: 'an integer off its step', params: { n: 4 }, calls: [{ kind: 'int', name: 'n', low: 1, high: 9, step: 2 }] },
  { what: 'zero for a log integer', params: { n: 0 }, calls: [{ kind: 'int', name: 'n', low: 1, high: 8, log: true }] },
  { what: 'a choice', params: { c: 'b' }, calls: [{ kind: 'categorical', name: 'c', choices: ['a', 'b'] }] },
  { what: 'a number choice', params: { c: 1 }, calls: [{ kind: 'categorical', name: 'c', choices: [1, 2.5, null] }] },
  { what: 'a null choice', params: { c: null }, calls: [{ kind: 'categorical', name: 'c', choices: [null, 'a'] }] },
  { what: 'no choice', params: { c: 'z' }, calls: [{ kind: 'categorical', name: 'c', choices: ['a', 'b'] }] },
  { what: 'a missing parameter', params: { x: 0.5 }, calls: [{ kind: 'float', name: 'y', low: 0, high: 1 }] },
  {
    what: 'a name suggested again with a new range',
    params: { x: 0.5 },
    calls: [
      { kind: 'float', name: 'x', low: 0, high: 1 },
      { kind: 'float', name: 'x', low: 0, high: 2 },
    ],
  },
  {
    what: 'a name suggested again on a log scale',
    params: { x: 0.5 },
    calls: [
      { kind: 'float', name: 'x', low: 0.1, high: 1 },
      { kind: 'float', name: 'x', low: 0.1, high: 1, log: true },
    ],
  },
  {
    what: 'a name suggested again as another kind',
    params: { x: 2 },
    calls: [
      { kind: 'float', name: 'x', low: 0, high: 5 },
      { kind: 'int', name: 'x', low: 0, high: 5 },
    ],
  },
];

const OPTUNA_PY = `
import json, sys, warnings, optuna
from optuna.trial import FixedTrial
out = []
for case in json.loads(sys.argv[1]):
    params = {k: float('nan') if v == '${NAN}' else v for k, v in case['params'].items()}
    trial = FixedTrial(params)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        try:
            values = []
            for c in case['calls']:
                if c['kind'] == 'float':
                    values.append(trial.suggest_float(c['name'], c['low'], c['high'], log=c.get('log', False), step=c.get('step')))
                elif c['kind'] == 'int':
                    values.append(trial.suggest_int(c['name'], c['low'], c['high'], log=c.get('log', False), step=c.get('step', 1)))
                else:
                    values.append(trial.suggest_categorical(c['name'], c['choices']))
            outcome = {'values': values}
        except Exception as e:
            outcome = {'error': type(e).__name__}
    outcome['warned'] = any('out of the range' in str(w.message) for w in caught)
    out.append(outcome)
print(json.dumps(out))
`;

type Outcome = { values?: unknown[]; error?: string; warned: boolean };

function tunelabOutcome(params: Record<string, unknown>, calls: Call[]): Outcome {
  const given = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v === NAN ? NaN : v])) as Record<string, number>;
  const warnings: string[] = [];
  const trial = new FixedTrial(given);
  const warn = process.emitWarning;
  process.emitWarning = ((w: string | Error) => void warnings.push(String(w))) as typeof process.emitWarning;
  try {
    const values = calls.map((c) =>
      c.kind === 'float'
        ? trial.suggestFloat(c.name, c.low, c.high, { log: c.log, step: c.step })
        : c.kind === 'int'
          ? trial.suggestInt(c.name, c.low, c.high, { log: c.log, step: c.step })
          : trial.suggestCategorical(c.name, c.choices),
    );
    return { values, warned: warnings.length > 0 };
  } catch (err) {
    assert.ok(err instanceof TunelabError, `a tunelab error, with a message: ${String(err)}`);
    return { error: err.name, warned: warnings.length > 0 };
  } finally {
    process.emitWarning = warn;
  }
}

describe('FixedTrial (Optuna 5.0)', () => {
  it("returns, warns and refuses as Optuna's FixedTrial does, call for call", () => {
    const optuna = JSON.parse(
      execFileSync(PYTHON, ['-c', OPTUNA_PY, JSON.stringify(CASES)], { encoding: 'utf8', timeout: 120_000 }),
    ) as Outcome[];
    assert.equal(optuna.length, CASES.length);
    let refused = 0;
    let warned = 0;
    for (const [i, c] of CASES.entries()) {
      const theirs = optuna[i];
      const ours = tunelabOutcome(c.params, c.calls);
      assert.equal(
        ours.error !== undefined,
        theirs.error !== undefined,
        `${c.what}: refused by both or by neither (${JSON.stringify({ ours, theirs })})`,
      );
      if (theirs.values) assert.deepEqual(ours.values, theirs.values, `${c.what}: the same values`);
      assert.equal(ours.warned, theirs.warned, `${c.what}: an out-of-range warning from both or from neither`);
      if (theirs.error) refused++;
      if (theirs.warned) warned++;
    }
    assert.ok(refused >= 6 && warned >= 5, `the cases cover refusals (${refused}) and warnings (${warned})`);
  });

  it('names what was wrong and what to do', () => {
    const trial = new FixedTrial({ lr: 0.1, opt: 'adam' });
    assert.throws(() => trial.suggestFloat('units', 1, 2), {
      name: 'InvalidArgumentError',
      message: /no value for parameter 'units'.*new FixedTrial\(\{ "units": \.\.\. \}\)/,
    });
    assert.throws(() => trial.suggestCategorical('opt', ['sgd', 'rmsprop']), {
      name: 'InvalidArgumentError',
      message: /"adam" of parameter 'opt' is not one of its choices \["sgd","rmsprop"\]/,
    });
    trial.suggestFloat('lr', 1e-4, 1, { log: true });
    assert.throws(() => trial.suggestFloat('lr', 1e-4, 1), ParameterConflictError);
    assert.throws(() => new FixedTrial({ x: 1 }, { numbr: 3 } as never), { name: 'InvalidArgumentError', message: /numbr.*number/ });
    assert.throws(() => new FixedTrial([1] as never), InvalidArgumentError);
    assert.throws(() => trial.study, { message: /FixedTrial belongs to no study/ });
    assert.throws(() => trial.trialId, { message: /not stored/ });
    assert.throws(() => trial.seed, { message: /given no seed.*FixedTrial\.fromTrial/ });
  });

  it("takes a parameter named '__proto__' as any other name, and no options as the defaults", () => {
    const trial = new FixedTrial(JSON.parse('{"__proto__": 0.25}') as Record<string, number>, null as never);
    assert.equal(trial.suggestFloat('__proto__', 0, 1), 0.25);
    assert.deepEqual(Object.keys(trial.params), ['__proto__']);
    assert.equal(Object.getPrototypeOf(trial.params), Object.prototype, 'no prototype was replaced');
    assert.equal(trial.number, 0);
  });

  it('keeps reports, attributes and constraints, and never prunes', () => {
    const trial = new FixedTrial({ x: 1 }, { number: 7, seed: 42 });
    assert.equal(trial.number, 7);
    assert.equal(trial.seed, 42);
    assert.equal(trial.state, TrialState.RUNNING);
    trial.report(0.5, 0);
    trial.report(0.9, 0); // the first value of a step is kept, as in a study
    trial.report(0.3, 1);
    assert.throws(() => trial.report(0.1, -1), InvalidArgumentError);
    assert.deepEqual(
      [...trial.intermediateValues],
      [
        [0, 0.5],
        [1, 0.3],
      ],
    );
    assert.equal(trial.shouldPrune(), false);
    trial.setUserAttr('note', { a: 1 });
    assert.deepEqual(trial.userAttrs, { note: { a: 1 } });
    trial.setConstraint('memory', -3);
    assert.deepEqual(trial.constraints, { memory: -3 });
    const snap = trial.snapshot();
    assert.equal(snap.number, 7);
    assert.deepEqual(snap.intermediateValues.get(1), 0.3);
    assert.deepEqual(snap.systemAttrs, { 'constraints:memory': -3 });
  });

  it('runs an objective typed for a study, and fromTrial re-runs a trial to the same value with its seed', async () => {
    // Typed with Trial, as objectives passed to optimize are; its noise comes from the trial's seed.
    const objective = (trial: Trial): number => {
      const x = trial.suggestFloat('x', -3, 3);
      const kind = trial.suggestCategorical('kind', ['square', 'abs']);
      const noise = new Rng(trial.seed).uniform(0, 0.1);
      trial.report(noise, 0);
      return (kind === 'square' ? x * x : Math.abs(x)) + noise;
    };
    const study = await createStudy({ sampler: new RandomSampler({ seed: 4 }), seed: 11 });
    await study.optimize(objective, { nTrials: 8, showProgressBar: false });
    for (const t of study.trials) {
      const fixed = FixedTrial.fromTrial(t);
      assert.equal(objective(fixed), t.value, `trial ${t.number} re-run to the bit`);
      assert.deepEqual(fixed.params, t.params);
      assert.equal(fixed.number, t.number);
    }
    assert.equal(objective(new FixedTrial({ x: 2, kind: 'abs' }, { seed: 1 })), 2 + new Rng(1).uniform(0, 0.1));
  });

  it("runWithSeed(fixed.seed, ...) gives unseeded components the study's draws, as the README says", async () => {
    // `new Rng()` without a seed draws from the running trial's stream (a model's initial weights would).
    const objective = (trial: Trial): number => trial.suggestFloat('x', 0, 1) + new Rng().uniform(0, 1);
    const study = await createStudy({ sampler: new RandomSampler({ seed: 2 }), seed: 5 });
    await study.optimize(objective, { nTrials: 5, showProgressBar: false });
    const best = FixedTrial.fromTrial(study.bestTrial);
    assert.equal(
      runWithSeed(best.seed, () => objective(best)),
      study.bestValue,
    );
    const unseeded = objective(FixedTrial.fromTrial(study.bestTrial));
    assert.notEqual(unseeded, study.bestValue, 'outside runWithSeed the draw is a fresh one');
  });

  it("cannot be told to a study, nor another study's trial, nor given an artifact", async () => {
    const study = await createStudy();
    const fixed = new FixedTrial({ x: 1 });
    await assert.rejects(study.tell(fixed, 1), { name: 'InvalidArgumentError', message: /not started by a study.*study\.ask\(\)/ });
    assert.equal(study.trials.length, 0, 'nothing was recorded');
    // Nor is another study's trial; another Study object of the same stored study may tell it.
    const storage = study.storage;
    const other = await createStudy({ storage, studyName: 'other' });
    const elsewhere = await other.ask();
    await assert.rejects(study.tell(elsewhere, 1), { name: 'InvalidArgumentError', message: /belongs to study 'other'/ });
    const again = await loadStudy({ storage, studyName: 'other' });
    assert.equal((await again.tell(elsewhere, 1)).state, TrialState.COMPLETE);
    const file = join(dir, 'model.txt');
    writeFileSync(file, 'weights');
    await assert.rejects(
      uploadArtifact({ artifactStore: new FileSystemArtifactStore(join(dir, 'artifacts')), filePath: file, studyOrTrial: fixed }),
      { name: 'InvalidArgumentError', message: /belongs to no study/ },
    );
  });
});
