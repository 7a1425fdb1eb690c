/**
 * What an Optuna 5.0 user relies on without thinking about it, checked against Optuna where it can
 * be: a misspelt option is an error (never ignored), a parameter that changes kind fails its trial
 * where the objective suggests it, a stepped float range ends where Optuna's ends, enqueued and
 * added values are used as Optuna uses them, `tell` refuses values with PRUNED or FAIL and warns on
 * NaN, +-Infinity is a value, and a trial snapshot answers `constraints` and `seed`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  addLogHandler,
  CmaEsSampler,
  createStudy,
  createTrial,
  crossValidate,
  DecisionTreeClassifier,
  float,
  floatDistribution,
  GPSampler,
  gridSearchCV,
  halvingGridSearchCV,
  HyperbandPruner,
  InvalidArgumentError,
  loadStudy,
  MaxTrialsCallback,
  MedianPruner,
  NSGAIISampler,
  ParameterConflictError,
  PatientPruner,
  RandomSampler,
  randomizedSearchCV,
  Terminator,
  TPESampler,
  TrialState,
  WilcoxonPruner,
  type LogRecord,
} from '../../src';
import { PYTHON } from '../helpers/python';

const dir = mkdtempSync(join(tmpdir(), 'tunelab-optuna-semantics-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Run `f` with log records captured. */
async function withLog<T>(f: () => Promise<T>): Promise<{ result: T; records: LogRecord[] }> {
  const records: LogRecord[] = [];
  const remove = addLogHandler((r) => records.push(r));
  try {
    return { result: await f(), records };
  } finally {
    remove();
  }
}

/** Plain JavaScript's view: options built where TypeScript cannot check them. */
const untyped = <T>(o: Record<string, unknown>) => o as T;

describe('option objects: a misspelt key is an error, as in Optuna (a TypeError there)', () => {
  it('createStudy, loadStudy, optimize, tell, enqueueTrial, suggest and createTrial name the key and the nearest valid one', async () => {
    await assert.rejects(
      createStudy(untyped({ directon: 'maximize' })),
      /createStudy: unknown option "directon"\. Did you mean direction\?/,
    );
    await assert.rejects(
      loadStudy(untyped({ studyName: 's', storage: 'x', samplr: null })),
      /loadStudy: unknown option "samplr"\. Did you mean sampler\?/,
    );
    const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
    // Optuna's spelling, the mistake most likely from an Optuna user: without the check it never stops.
    await assert.rejects(
      study.optimize(() => 1, untyped({ n_trials: 3 })),
      /optimize: unknown option "n_trials"\. Did you mean nTrials\?/,
    );
    assert.equal(study.trials.length, 0, 'refused before any trial ran');
    await assert.rejects(study.enqueueTrial({ x: 1 }, untyped({ skipIfExist: true })), /enqueueTrial: unknown option "skipIfExist"/);
    const trial = await study.ask();
    assert.throws(
      () => trial.suggestFloat('lr', 1e-5, 1, untyped({ logg: true })),
      /Float distribution 'lr': unknown option "logg"\. Did you mean log\?/,
    );
    assert.throws(
      () => trial.suggestInt('n', 1, 9, untyped({ stp: 2 })),
      /Int distribution 'n': unknown option "stp"\. Did you mean step\?/,
    );
    await assert.rejects(
      study.tell(trial, 1, untyped({ sate: TrialState.COMPLETE })),
      /tell: unknown option "sate"\. Did you mean state\?/,
    );
    assert.throws(() => createTrial(untyped({ value: 1, param: { x: 1 } })), /createTrial: unknown option "param"\. Did you mean params\?/);
  });

  it('every sampler, pruner, callback, the terminator, the searches and importance refuse an unknown option', async () => {
    const cases: Array<[string, () => unknown, RegExp]> = [
      [
        'TPESampler',
        () => new TPESampler(untyped({ nStartupTrial: 3 })),
        /TPESampler: unknown option "nStartupTrial"\. Did you mean nStartupTrials\?/,
      ],
      [
        'TPESampler, an option Optuna deprecates',
        () => new TPESampler(untyped({ considerPrior: false })),
        /TPESampler: considerPrior is not an option here: Optuna deprecates consider_prior \(4\.3\) and always uses the prior.*Leave it out\./,
      ],
      ['RandomSampler', () => new RandomSampler(untyped({ sed: 1 })), /RandomSampler: unknown option "sed"\. Did you mean seed\?/],
      ['CmaEsSampler', () => new CmaEsSampler(untyped({ sigma: 0.1 })), /CmaEsSampler: unknown option "sigma"/],
      ['GPSampler', () => new GPSampler(untyped({ nStartup: 5 })), /GPSampler: unknown option "nStartup"/],
      ['NSGAIISampler', () => new NSGAIISampler(untyped({ population_size: 10 })), /NSGAIISampler: unknown option "population_size"/],
      [
        'MedianPruner',
        () => new MedianPruner(untyped({ nWarmupStep: 2 })),
        /MedianPruner: unknown option "nWarmupStep"\. Did you mean nWarmupSteps\?/,
      ],
      [
        'HyperbandPruner',
        () => new HyperbandPruner(untyped({ reduction_factor: 3 })),
        /HyperbandPruner: unknown option "reduction_factor"/,
      ],
      ['PatientPruner', () => new PatientPruner(null, untyped({ patience: 2, min_delta: 0 })), /PatientPruner: unknown option "min_delta"/],
      ['WilcoxonPruner', () => new WilcoxonPruner(untyped({ p_threshold: 0.1 })), /WilcoxonPruner: unknown option "p_threshold"/],
      [
        'MaxTrialsCallback',
        () => MaxTrialsCallback(10, untyped({ state: [TrialState.COMPLETE] })),
        /MaxTrialsCallback: unknown option "state"\. Did you mean states\?/,
      ],
      ['Terminator', () => new Terminator(untyped({ minTrials: 5 })), /Terminator: unknown option "minTrials"/],
    ];
    for (const [what, make, message] of cases)
      assert.throws(make, (e: unknown) => e instanceof InvalidArgumentError && message.test(e.message), what);
    // The searches, importance and multi-seed evaluation too (a misspelt nIter would run the default ten).
    const X = Array.from({ length: 20 }, (_, i) => [i]);
    const y = X.map((_, i) => i % 2);
    const tree = new DecisionTreeClassifier();
    const searches: Array<[string, () => Promise<unknown>, RegExp]> = [
      [
        'randomizedSearchCV',
        () => randomizedSearchCV(tree, { maxDepth: [1, 2] }, X, y, untyped({ n_iter: 50 })),
        /randomizedSearchCV: unknown option "n_iter"\. Did you mean nIter\?/,
      ],
      [
        'gridSearchCV',
        () => gridSearchCV(tree, { maxDepth: [1, 2] }, X, y, untyped({ cv_: 3 })),
        /gridSearchCV: unknown option "cv_"\. Did you mean cv\?/,
      ],
      [
        'crossValidate',
        () => crossValidate(tree, X, y, untyped({ returnTrainScores: true })),
        /crossValidate: unknown option "returnTrainScores"\. Did you mean returnTrainScore\?/,
      ],
      [
        'halvingGridSearchCV',
        () => halvingGridSearchCV(tree, { maxDepth: [1, 2] }, X, y, untyped({ factr: 2 })),
        /halvingGridSearchCV: unknown option "factr"/,
      ],
    ];
    for (const [what, run, message] of searches) await assert.rejects(run(), message, what);
    const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
    await study.optimize((t) => t.suggestFloat('x', 0, 1) + t.suggestFloat('y', 0, 1), { nTrials: 4 });
    assert.throws(
      () => study.importances(untyped({ evaluater: 'fanova' })),
      /getParamImportances: unknown option "evaluater"\. Did you mean evaluator\?/,
    );
    // The valid spellings still pass.
    assert.ok(new TPESampler({ nStartupTrials: 3 }));
    assert.ok(new MedianPruner({ nWarmupSteps: 2 }));
  });
});

describe('parameters across trials, as Optuna', () => {
  it('a name suggested as another kind than before fails its trial at the suggest call, so catch and the log see it', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
    const { records } = await withLog(() =>
      study.optimize((t) => (t.number === 1 ? t.suggestInt('x', 0, 3) : t.suggestFloat('x', 0, 1)), {
        nTrials: 3,
        catch: [ParameterConflictError],
      }),
    );
    assert.deepEqual(
      study.trials.map((t) => TrialState[t.state]),
      ['COMPLETE', 'FAIL', 'COMPLETE'],
    );
    assert.match(String(study.trials[1].systemAttrs.fail_reason), /Parameter 'x' was a float parameter in trial 0 and is now int/);
    assert.ok(
      records.some((r) => /^Trial 1 failed with parameters: \{\} because of the following error: ParameterConflictError/.test(r.message)),
    );
    // Not listed in catch: recorded FAIL, then thrown out of optimize, as any objective error.
    await assert.rejects(
      study.optimize((t) => (t.suggestCategorical('x', ['a', 'b']) === 'a' ? 0 : 1), { nTrials: 1 }),
      /Parameter 'x' was a float parameter in trial 0 and is now categorical/,
    );
    assert.equal(study.trials[3].state, TrialState.FAIL);
    // The rest of Optuna's rule, on every storage: the log scale and a categorical's choices stay.
    for (const storage of [undefined, `sqlite:///${join(dir, 'compat.db')}`]) {
      const s = await createStudy({ storage, sampler: new RandomSampler({ seed: 0 }) });
      await s.optimize((t) => t.suggestFloat('lr', 1e-4, 1, { log: true }) + (t.suggestCategorical('c', ['a', 'b']) === 'a' ? 0 : 1), {
        nTrials: 1,
      });
      await assert.rejects(
        s.optimize((t) => t.suggestFloat('lr', 1e-4, 1), { nTrials: 1 }),
        /'lr' was suggested with log: true in trial 0 and now with log: false/,
      );
      await assert.rejects(
        s.optimize((t) => (t.suggestCategorical('c', ['a', 'b', 'c']) === 'a' ? 0 : 1), { nTrials: 1 }),
        /'c' had the choices \["a","b"\] in trial 0 and now \["a","b","c"\]/,
      );
      // A range may change.
      await s.optimize((t) => t.suggestFloat('lr', 1e-5, 10, { log: true }), { nTrials: 1 });
      assert.deepEqual(
        s.trials.map((t) => TrialState[t.state]),
        ['COMPLETE', 'FAIL', 'FAIL', 'COMPLETE'],
      );
    }
  });

  it('a stepped float range ends where Optuna’s ends (decimal arithmetic: [0, 1] by 0.3 ends at 0.9)', () => {
    const cases: Array<[number, number, number]> = [
      [0, 1, 0.3],
      [0, 0.5, 0.15],
      [0, 1, 0.1],
      [-1, 1, 0.7],
      [1e-7, 3e-7, 0.7e-7],
      [0.1, 0.75, 0.2],
      [-5, -1, 1.5],
      [0, 1e20, 3e18],
      [2.5, 7.3, 0.25],
      [0.001, 0.01, 0.003],
    ];
    const code = `
import json, sys, warnings
warnings.simplefilter('ignore')
from optuna.distributions import FloatDistribution
print(json.dumps([FloatDistribution(l, h, step=s).high for l, h, s in json.loads(sys.argv[1])]))`;
    const r = spawnSync(PYTHON, ['-c', code, JSON.stringify(cases)], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const optunaHighs = JSON.parse(r.stdout) as number[];
    assert.deepEqual(
      cases.map(([low, high, step]) => floatDistribution(low, high, { step }).high),
      optunaHighs,
    );
  });

  it('an enqueued value outside the range is used with a warning; a WAITING trial’s value is used whatever the range', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
    await study.enqueueTrial({ x: 20 });
    const { records } = await withLog(() => study.optimize((t) => t.suggestFloat('x', 0, 10), { nTrials: 1 }));
    assert.equal(study.trials[0].state, TrialState.COMPLETE);
    assert.equal(study.trials[0].params.x, 20);
    assert.ok(records.some((r) => r.levelName === 'WARNING' && /Fixed parameter 'x' with value 20 is out of range/.test(r.message)));

    const added = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
    await added.addTrial(createTrial({ state: TrialState.WAITING, params: { x: 1 }, distributions: { x: floatDistribution(0, 5) } }));
    await added.optimize((t) => t.suggestFloat('x', 0, 10), { nTrials: 1 });
    assert.equal(added.trials[0].state, TrialState.COMPLETE);
    assert.equal(added.trials[0].params.x, 1);
    // Within one run, suggesting a name twice as two kinds is a mistake (another range of its kind
    // keeps the first value, with a warning: test/studyapi/optunaParity.test.ts).
    await assert.rejects(
      added.optimize(
        (t) => {
          t.suggestFloat('y', 0, 1);
          return t.suggestInt('y', 0, 2);
        },
        { nTrials: 1 },
      ),
      ParameterConflictError,
    );
  });
});

describe('values and states, as Optuna', () => {
  it('tell refuses values with PRUNED or FAIL and warns on values it records as FAIL', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
    const t0 = await study.ask();
    await assert.rejects(study.tell(t0, 1, { state: TrialState.PRUNED }), /values were given with state PRUNED/);
    await assert.rejects(study.tell(t0, [1], { state: TrialState.FAIL }), /values were given with state FAIL/);
    assert.equal(study.trials[0].state, TrialState.RUNNING, 'the trial is left as it was');
    const { records } = await withLog(() => study.tell(t0, NaN));
    assert.equal(study.trials[0].state, TrialState.FAIL);
    assert.deepEqual(
      records.filter((r) => r.levelName === 'WARNING').map((r) => r.message),
      ['Trial 0 failed: The objective returned NaN; values must be numbers (NaN is not accepted).'],
    );
    const t1 = await study.ask();
    await study.tell(t1, -Infinity);
    assert.equal(study.trials[1].state, TrialState.COMPLETE);
    assert.equal(study.bestValue, -Infinity);
  });

  it('bestTrial says when every COMPLETE trial is infeasible; snapshots answer constraints and seed as Optuna reads them', async () => {
    const url = `sqlite:///${join(dir, 'constraints.db')}`;
    const study = await createStudy({ storage: url, studyName: 'c', sampler: new RandomSampler({ seed: 0 }), seed: 7 });
    await study.optimize(
      (t) => {
        t.setConstraint('memory', 1);
        t.setConstraint('latency', -2);
        return t.suggestFloat('x', 0, 1);
      },
      { nTrials: 2 },
    );
    assert.throws(() => study.bestTrial, /has no feasible COMPLETE trial yet \(every one violates a constraint\)/);
    const code = `
import json, sys, optuna
s = optuna.load_study(study_name='c', storage=sys.argv[1])
print(json.dumps([t.constraints for t in s.trials]))`;
    const r = spawnSync(PYTHON, ['-c', code, url], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      study.trials.map((t) => ({ ...t.constraints })),
      JSON.parse(r.stdout),
    );
    const seeds = study.trials.map((t) => t.seed);
    assert.ok(seeds.every((s) => Number.isInteger(s)));
    // The live trial's seed is the snapshot's.
    let live: number | null = null;
    await study.optimize(
      (t) => {
        live = t.seed;
        return 0;
      },
      { nTrials: 1 },
    );
    assert.equal(study.trials[2].seed, live);
    assert.deepEqual({ ...study.trials[2].constraints }, {});
    assert.equal(createTrial({ value: 1 }).seed, null);
  });
});

describe('storage URLs read as Optuna reads them', () => {
  it('a SQLite URL with %-escapes opens the file Optuna opens (my%20db.db is "my db.db")', async () => {
    const url = `sqlite:///${join(dir, 'my%20db.db')}`;
    const study = await createStudy({ storage: url, studyName: 'escaped' });
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 2 });
    await study.storage.close();
    assert.ok(existsSync(join(dir, 'my db.db')), 'the decoded name is the file');
    const code = `
import sys, optuna
print(len(optuna.load_study(study_name='escaped', storage=sys.argv[1]).trials))`;
    const r = spawnSync(PYTHON, ['-c', code, url], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '2');
  });
});

describe('searches check their distributions as space() does', () => {
  it('randomizedSearchCV refuses an invalid float() or int() under its key', async () => {
    const X = Array.from({ length: 20 }, (_, i) => [i]);
    const y = X.map((_, i) => i % 2);
    const model = { getParams: () => ({ C: 1 }), setParams: () => model, clone: () => model } as never;
    await assert.rejects(
      randomizedSearchCV(model, { C: float(10, 0.1, { log: true }) }, X, y, { nIter: 2 }),
      /'C'.*low \(10\) is greater than high \(0\.1\)/,
    );
  });
});
