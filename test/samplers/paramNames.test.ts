// Any string is a parameter name, including the names of Object.prototype's members: a plain object
// used as a dictionary would answer `params.constructor` with Object itself ("conflict ... with
// undefined"), and `params.__proto__ = v` would replace its prototype instead of storing a value.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  CmaEsSampler,
  createStudy,
  GPSampler,
  GridSampler,
  loadStudy,
  NSGAIISampler,
  plotSlice,
  QMCSampler,
  RandomSampler,
  TPESampler,
  TrialState,
  type Sampler,
  type Trial,
} from '../../src';
import { InMemoryStorage } from '../../src/entries/storage';

/** A record's own entry by a name held in a string, so TypeScript does not resolve the name to an
 * Object.prototype member (`params.valueOf` types as the method; the stored value is what we read). */
function own<V>(record: Readonly<Record<string, V>>, name: string): V | undefined {
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

const NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf'] as const;

/** Floats under the first names, an int and a categorical under the last: every kind of distribution. */
function objective(t: Trial): number {
  let sum = 0;
  for (const name of NAMES.slice(0, 4)) sum += (t.suggestFloat(name, -1, 1) as number) ** 2;
  sum += t.suggestInt('__proto__', 0, 5);
  sum += t.suggestCategorical('isPrototypeOf', ['a', 'b']) === 'a' ? 0 : 1;
  // Suggesting a name again returns the same value (no conflict with Object.prototype's member).
  assert.equal(t.suggestFloat('constructor', -1, 1), t.params.constructor);
  return sum;
}

function checkTrials(trials: readonly { state: TrialState; params: Record<string, unknown> }[], what: string): void {
  assert.ok(trials.length > 0, `${what}: no trials`);
  for (const t of trials) {
    assert.equal(t.state, TrialState.COMPLETE, `${what}: a trial ended ${TrialState[t.state]}`);
    for (const name of NAMES) assert.ok(Object.hasOwn(t.params, name), `${what}: trial lacks own param "${name}"`);
    for (const name of NAMES.slice(0, 4)) {
      const v = t.params[name];
      assert.ok(typeof v === 'number' && v >= -1 && v <= 1, `${what}: ${name} = ${String(v)}`);
    }
    assert.ok(
      Number.isInteger(t.params.__proto__) && (t.params.__proto__ as number) <= 5,
      `${what}: __proto__ = ${String(t.params.__proto__)}`,
    );
    assert.ok(['a', 'b'].includes(own(t.params, 'isPrototypeOf') as string));
  }
  assert.equal(({} as Record<string, unknown>).constructor, Object, 'Object.prototype was changed');
}

const samplers: Array<[string, () => Sampler, number]> = [
  ['RandomSampler', () => new RandomSampler({ seed: 1 }), 12],
  ['TPESampler (multivariate, the default)', () => new TPESampler({ seed: 1, nStartupTrials: 4 }), 14],
  ['TPESampler (independent)', () => new TPESampler({ seed: 1, nStartupTrials: 4, multivariate: false }), 14],
  ['GPSampler', () => new GPSampler({ seed: 1, nStartupTrials: 4 }), 8],
  ['CmaEsSampler', () => new CmaEsSampler({ seed: 1 }), 14],
  ['QMCSampler', () => new QMCSampler({ seed: 1 }), 10],
];

describe('parameter names that are Object.prototype members work everywhere', () => {
  for (const [name, make, nTrials] of samplers) {
    it(`${name} suggests and models them`, async () => {
      const study = await createStudy({ sampler: make() });
      await study.optimize(objective, { nTrials });
      checkTrials(study.trials, name);
      assert.ok(Object.hasOwn(study.bestParams, 'constructor'));
      assert.ok(Object.hasOwn(study.bestParams, '__proto__'));
    });
  }

  it('NSGAIISampler (two objectives) suggests and evolves them', async () => {
    const study = await createStudy({ sampler: new NSGAIISampler({ seed: 1, populationSize: 4 }), directions: ['minimize', 'maximize'] });
    await study.optimize(
      (t) => {
        const v = objective(t);
        return [v, v * (own(t.params, 'valueOf') as number)];
      },
      { nTrials: 14 },
    );
    checkTrials(study.trials, 'NSGAIISampler');
  });

  it('GridSampler takes them as grid keys (a search space built from entries)', async () => {
    const grid = Object.fromEntries([
      ['constructor', [0, 0.5]],
      ['toString', [0]],
      ['valueOf', [1]],
      ['hasOwnProperty', [-1]],
      ['__proto__', [2, 3]],
      ['isPrototypeOf', ['a']],
    ]) as Record<string, number[] | string[]>;
    const study = await createStudy({ sampler: new GridSampler(grid, { seed: 1 }) });
    await study.optimize(objective, { nTrials: 10 });
    checkTrials(study.trials, 'GridSampler');
    assert.equal(study.trials.length, 4);
    const points = study.trials.map((t) => `${String(t.params.constructor)}/${String(t.params.__proto__)}`).sort();
    assert.deepEqual(points, ['0.5/2', '0.5/3', '0/2', '0/3']);
  });

  it('importances and plots name them', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 5 }) });
    await study.optimize(objective, { nTrials: 30 });
    const importances = study.importances({ evaluator: 'mdi' });
    for (const name of NAMES) assert.ok(Object.hasOwn(importances, name), `no importance for "${name}": ${JSON.stringify(importances)}`);
    const slice = plotSlice(study, { params: ['constructor', '__proto__'] });
    assert.equal(slice.data.length, 2);
    assert.ok(slice.data.every((trace) => Array.isArray(trace.x) && trace.x.length === 30));
  });

  it('enqueueTrial with such names fixes their values', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 2 }) });
    study.enqueueTrial(
      Object.fromEntries([
        ['constructor', 0.25],
        ['__proto__', 4],
      ]),
    );
    await study.optimize(objective, { nTrials: 1 });
    assert.equal(study.trials[0].params.constructor, 0.25);
    assert.equal(study.trials[0].params.__proto__, 4);
  });

  it('the dataframe export has a column per name and no inherited values', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 3 }) });
    await study.optimize((t) => (t.number === 0 ? objective(t) : t.suggestFloat('x', 0, 1)), { nTrials: 2 });
    const table = study.trialsDataFrame();
    for (const name of NAMES) assert.ok(table.columns.includes(`params_${name}`), `no column params_${name}: ${table.columns.join(', ')}`);
    // Trial 1 did not suggest them: empty cells, never Object.prototype's functions.
    for (const name of NAMES) assert.equal(table.rows[1][`params_${name}`], null, `params_${name} of trial 1`);
    assert.equal(typeof table.rows[0].params_constructor, 'number');
    assert.doesNotMatch(table.toCSV(), /function|\[native code\]/);
  });

  const dir = mkdtempSync(path.join(os.tmpdir(), 'tunelab-names-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('memory storage keeps them when the study is loaded again (resumed by a TPE sampler)', async () => {
    const storage = new InMemoryStorage();
    const study = await createStudy({ storage, studyName: 'names', sampler: new RandomSampler({ seed: 4 }) });
    await study.optimize(objective, { nTrials: 5 });
    const reloaded = await loadStudy({ studyName: 'names', storage, sampler: new TPESampler({ seed: 4, nStartupTrials: 2 }) });
    checkTrials(reloaded.trials, 'memory storage');
    assert.deepEqual(
      reloaded.trials.map((t) => ({ ...t.params })),
      study.trials.map((t) => ({ ...t.params })),
    );
    for (const t of reloaded.trials) {
      assert.equal(own(t.distributions, '__proto__')?.kind, 'int');
      assert.equal(own(t.distributions, 'constructor')?.kind, 'float');
    }
    await reloaded.optimize(objective, { nTrials: 3 });
    checkTrials(reloaded.trials, 'memory storage, resumed');
  });

  it('SQLite storage keeps every Object.prototype name, "__proto__" included, across a reload in a new connection', async () => {
    const storage = `sqlite:///${path.join(dir, 'names.db')}`;
    const names = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf'];
    const sqliteObjective = (t: Trial) => {
      let sum = 0;
      for (const name of names.slice(0, 5)) sum += (t.suggestFloat(name, -1, 1) as number) ** 2;
      return sum + t.suggestInt('isPrototypeOf', 0, 5);
    };
    const study = await createStudy({ storage, studyName: 'names', sampler: new RandomSampler({ seed: 4 }) });
    await study.optimize(sqliteObjective, { nTrials: 5 });
    const reloaded = await loadStudy({ studyName: 'names', storage, sampler: new TPESampler({ seed: 4, nStartupTrials: 2 }) });
    assert.deepEqual(
      reloaded.trials.map((t) => ({ ...t.params })),
      study.trials.map((t) => ({ ...t.params })),
    );
    for (const t of reloaded.trials) {
      for (const name of names) assert.ok(Object.hasOwn(t.params, name), `reloaded trial lacks "${name}"`);
      assert.equal(own(t.distributions, 'constructor')?.kind, 'float');
      assert.equal(own(t.distributions, 'isPrototypeOf')?.kind, 'int');
    }
    await reloaded.optimize(sqliteObjective, { nTrials: 4 });
    assert.ok(reloaded.trials.every((t) => t.state === TrialState.COMPLETE));
    assert.equal(reloaded.trials.length, 9);
  });
});
