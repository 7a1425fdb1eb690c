/**
 * createTrial + study.addTrial(s) against Optuna 5.0's create_trial / add_trial: the same inputs are
 * accepted or refused by both (same messages for the state and value rules); added trials are stored
 * as given on memory, SQLite and PostgreSQL and read back by Optuna; an added WAITING trial is
 * evaluated with its params; and TPE learns from added trials.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import {
  createStudy,
  createTrial,
  distributionFromJson,
  floatDistribution,
  categoricalDistribution,
  intDistribution,
  InvalidArgumentError,
  loadStudy,
  RandomSampler,
  TPESampler,
  TrialState,
  type CreateTrialOptions,
  type Storage,
} from '../../src';
import { InMemoryStorage } from '../../src/entries/storage';
import { trialConstraints } from '../../src/entries/multiobjective';
import { sqlalchemyUrl } from '../helpers/postgres';
import { PYTHON } from '../helpers/python';
import { useBackends } from './backends';

const backends = useBackends();

/** One createTrial input, in a JSON shape both sides read (NaN as the string 'NaN'). */
interface Case {
  label: string;
  state?: keyof typeof TrialState;
  value?: number | 'NaN';
  values?: Array<number | 'NaN'>;
  params?: Record<string, unknown>;
  distributions?: Record<string, string>;
  /** Whether tunelab's message must equal Optuna's word for word (the state/value rules). */
  sameMessage?: boolean;
}

const F = '{"name": "FloatDistribution", "attributes": {"low": 0.0, "high": 10.0, "log": false, "step": null}}';
const FSTEP = '{"name": "FloatDistribution", "attributes": {"low": 0.0, "high": 2.0, "log": false, "step": 0.5}}';
const ILOG = '{"name": "IntDistribution", "attributes": {"low": 1, "high": 64, "log": true, "step": 1}}';
const I2 = '{"name": "IntDistribution", "attributes": {"low": 0, "high": 10, "log": false, "step": 2}}';
const C = '{"name": "CategoricalDistribution", "attributes": {"choices": ["relu", "tanh", null, 3]}}';

const CASES: Case[] = [
  { label: 'complete with a value', value: 4, params: { x: 2 }, distributions: { x: F } },
  {
    label: 'complete, every kind of param',
    value: 1,
    params: { x: 2.5, s: 1.5, n: 37, e: 6, c: null },
    distributions: { x: F, s: FSTEP, n: ILOG, e: I2, c: C },
  },
  { label: 'complete without a value', sameMessage: true },
  { label: 'value and values', value: 1, values: [1], sameMessage: true },
  { label: 'FAIL with a value', state: 'FAIL', value: 1, sameMessage: true },
  { label: 'COMPLETE with NaN', value: 'NaN', sameMessage: true },
  { label: 'COMPLETE with NaN among values', values: [1, 'NaN'], sameMessage: true },
  { label: 'PRUNED with a value', state: 'PRUNED', value: 0.5 },
  { label: 'PRUNED without a value', state: 'PRUNED' },
  { label: 'FAIL without a value', state: 'FAIL' },
  { label: 'WAITING with params', state: 'WAITING', params: { x: 3 }, distributions: { x: F } },
  { label: 'RUNNING', state: 'RUNNING', params: { x: 3 }, distributions: { x: F } },
  { label: 'multi-objective values', values: [1, -Infinity] },
  { label: 'float above its high', value: 1, params: { x: 10.5 }, distributions: { x: F } },
  { label: 'float off its step', value: 1, params: { s: 0.7 }, distributions: { s: FSTEP } },
  { label: 'int off its step', value: 1, params: { e: 3 }, distributions: { e: I2 } },
  { label: 'int that is not whole', value: 1, params: { n: 2.5 }, distributions: { n: ILOG } },
  { label: 'int log below low', value: 1, params: { n: 0 }, distributions: { n: ILOG } },
  { label: 'not a categorical choice', value: 1, params: { c: 'gelu' }, distributions: { c: C } },
  { label: 'a param without distribution', value: 1, params: { x: 1, y: 2 }, distributions: { x: F } },
  { label: 'a distribution without param', value: 1, params: {}, distributions: { x: F } },
];

const CASES_PY = `
import json, sys, warnings, optuna
from optuna.distributions import json_to_distribution
from optuna.trial import TrialState, create_trial
warnings.simplefilter('ignore')
num = lambda v: float('nan') if v == 'NaN' else v
out = []
for c in json.loads(sys.argv[1]):
    kw = {}
    if 'state' in c: kw['state'] = TrialState[c['state']]
    if 'value' in c: kw['value'] = num(c['value'])
    if 'values' in c: kw['values'] = [num(v) for v in c['values']]
    if 'params' in c: kw['params'] = c['params']
    if 'distributions' in c: kw['distributions'] = {k: json_to_distribution(v) for k, v in c['distributions'].items()}
    try:
        create_trial(**kw)
        out.append({'ok': True})
    except ValueError as e:
        out.append({'ok': False, 'message': str(e)})
print(json.dumps(out))
`;

function tunelabOptions(c: Case): CreateTrialOptions {
  const num = (v: number | 'NaN') => (v === 'NaN' ? NaN : v);
  return {
    ...(c.state ? { state: TrialState[c.state] } : {}),
    ...(c.value !== undefined ? { value: num(c.value) } : {}),
    ...(c.values ? { values: c.values.map(num) } : {}),
    ...(c.params ? { params: c.params as CreateTrialOptions['params'] } : {}),
    ...(c.distributions
      ? { distributions: Object.fromEntries(Object.entries(c.distributions).map(([k, v]) => [k, distributionFromJson(v)])) }
      : {}),
  };
}

describe('createTrial validation, as Optuna 5.0 create_trial', () => {
  it('accepts and refuses the same inputs, with the same messages for the state and value rules', () => {
    // JSON cannot carry -Infinity: Python reads it from its own token.
    const json = JSON.stringify(CASES).replace('[1,null]', '[1,-Infinity]');
    const optuna = JSON.parse(execFileSync(PYTHON, ['-c', CASES_PY, json], { encoding: 'utf8', timeout: 120_000 })) as Array<{
      ok: boolean;
      message?: string;
    }>;
    assert.equal(optuna.length, CASES.length);
    let refused = 0;
    for (const [i, c] of CASES.entries()) {
      let ours: { ok: boolean; message?: string };
      try {
        createTrial(tunelabOptions(c));
        ours = { ok: true };
      } catch (e) {
        assert.ok(e instanceof InvalidArgumentError, `${c.label}: a typed error, got ${String(e)}`);
        ours = { ok: false, message: e.message };
      }
      assert.equal(ours.ok, optuna[i].ok, `${c.label}: tunelab ${JSON.stringify(ours)} vs Optuna ${JSON.stringify(optuna[i])}`);
      if (!ours.ok) refused++;
      if (c.sameMessage) assert.equal(ours.message, optuna[i].message, `${c.label}: same message`);
    }
    assert.ok(refused >= 10 && refused < CASES.length, `both refuse some cases and accept others (${refused} refused)`);
  });

  it('fills datetimes as Optuna does and records constraints as constraints:<key>', () => {
    const done = createTrial({ value: 1, constraints: { mem: 2, time: -1 } });
    assert.ok(done.datetimeStart instanceof Date);
    assert.equal(done.datetimeComplete, done.datetimeStart, 'a finished trial completes at its start');
    assert.equal(done.duration, 0);
    assert.deepEqual(trialConstraints(done), [2, -1]);
    const waiting = createTrial({ state: TrialState.WAITING });
    assert.equal(waiting.datetimeStart, null);
    assert.equal(waiting.datetimeComplete, null);
    const running = createTrial({ state: TrialState.RUNNING });
    assert.ok(running.datetimeStart instanceof Date);
    assert.equal(running.datetimeComplete, null);
    assert.equal(done.number, -1);
  });
});

for (const backend of backends) {
  describe(`study.addTrial(s) on ${backend.name}`, () => {
    it('stores added trials as given, numbered after the last one; refuses bad batches before writing any', async () => {
      const url = await backend.newStorage('add_trials');
      const study = await createStudy({ storage: url, studyName: 'added', sampler: new RandomSampler({ seed: 5 }) });
      await study.optimize((t) => 10 + t.suggestFloat('x', 0, 10), { nTrials: 2, showProgressBar: false });
      const lr = floatDistribution(1e-4, 1, { log: true });
      const act = categoricalDistribution(['relu', 'tanh', null]);
      const first = createTrial({
        params: { x: 2.5, lr: 0.01, act: null },
        distributions: { x: floatDistribution(0, 10), lr, act },
        value: 6.25,
        userAttrs: { source: 'spreadsheet', row: [1, 'a'] },
        systemAttrs: { origin: 'import' },
        intermediateValues: { 0: 9, 3: 7.5 },
        constraints: { budget: -0.5 },
      });
      const pruned = createTrial({
        state: TrialState.PRUNED,
        value: 8,
        params: { x: 9 },
        distributions: { x: floatDistribution(0, 10) },
        intermediateValues: new Map([[1, 8]]),
      });
      const failed = createTrial({ state: TrialState.FAIL, params: { n: 3 }, distributions: { n: intDistribution(1, 5) } });
      await study.addTrial(first);
      await study.addTrials([pruned, failed]);
      assert.deepEqual(
        study.trials.map((t) => t.number),
        [0, 1, 2, 3, 4],
      );
      const added = study.trials[2];
      assert.equal(added.state, TrialState.COMPLETE);
      assert.equal(added.value, 6.25);
      assert.deepEqual({ ...added.params }, { x: 2.5, lr: 0.01, act: null });
      assert.equal(added.internalParams.act, 2, 'categoricals stored as the index of the choice');
      assert.deepEqual(
        [...added.intermediateValues].sort((a, b) => a[0] - b[0]),
        [
          [0, 9],
          [3, 7.5],
        ],
      );
      assert.deepEqual({ ...added.userAttrs }, { source: 'spreadsheet', row: [1, 'a'] });
      assert.equal(added.systemAttrs.origin, 'import');
      assert.deepEqual(trialConstraints(added), [-0.5]);
      assert.equal(added.datetimeStart?.getTime(), first.datetimeStart?.getTime(), 'datetimes kept');
      assert.equal(study.trials[3].state, TrialState.PRUNED);
      assert.equal(study.trials[3].value, 8);
      assert.equal(study.trials[4].state, TrialState.FAIL);
      assert.equal(study.trials[4].values, null);
      assert.equal(study.bestTrial.number, 2, 'an added trial can be the best');

      // A batch with one bad trial adds nothing.
      const ok = createTrial({ value: 1, params: { x: 1 }, distributions: { x: floatDistribution(0, 10) } });
      await assert.rejects(
        study.addTrials([ok, createTrial({ values: [1, 2] })]),
        /2 values, which is different from the number of objectives 1/,
      );
      await assert.rejects(
        study.addTrial(createTrial({ value: 1, params: { x: 'a' }, distributions: { x: categoricalDistribution(['a']) } })),
        /Parameter 'x' of the added trial 0 is .*CategoricalDistribution.* but trial 0 has .*FloatDistribution/,
      );
      assert.equal(study.trials.length, 5);

      // Another study (or process) reads the same trials.
      if (url !== 'memory') {
        const again = await loadStudy({ studyName: 'added', storage: url });
        assert.deepEqual(
          again.trials.map((t) => [t.number, t.state, t.values, { ...t.params }]),
          study.trials.map((t) => [t.number, t.state, t.values, { ...t.params }]),
        );
        await again.storage.close();
      }
      await study.storage.close();
    });

    it('an added WAITING trial is the next one asked, with its params', async () => {
      const study = await createStudy({ storage: await backend.newStorage('add_waiting'), sampler: new RandomSampler({ seed: 2 }) });
      await study.addTrial(createTrial({ state: TrialState.WAITING, params: { x: 7.5 }, distributions: { x: floatDistribution(0, 10) } }));
      const seen: number[] = [];
      await study.optimize(
        (t) => {
          const x = t.suggestFloat('x', 0, 10);
          seen.push(x);
          return x;
        },
        { nTrials: 2, showProgressBar: false },
      );
      assert.equal(seen[0], 7.5);
      assert.notEqual(seen[1], 7.5);
      assert.deepEqual(
        study.trials.map((t) => t.state),
        [TrialState.COMPLETE, TrialState.COMPLETE],
      );
      await study.storage.close();
    });
  });
}

describe('study.addTrials on a storage without whole-trial writes', () => {
  it('replays each trial through the ordinary writes (a third-party Storage)', async () => {
    const inner = new InMemoryStorage();
    // Every Storage method but the optional addTrials.
    const storage = new Proxy(inner, {
      get: (target, prop, receiver) => (prop === 'addTrials' ? undefined : Reflect.get(target, prop, receiver)),
    }) as Storage;
    assert.equal(storage.addTrials, undefined);
    const study = await createStudy({ storage });
    await study.addTrials([
      createTrial({
        value: 2,
        params: { n: 4 },
        distributions: { n: intDistribution(1, 8) },
        intermediateValues: { 1: 3 },
        userAttrs: { a: 1 },
      }),
      createTrial({ state: TrialState.FAIL, params: { n: 5 }, distributions: { n: intDistribution(1, 8) } }),
      createTrial({ state: TrialState.WAITING }),
    ]);
    assert.deepEqual(
      study.trials.map((t) => [t.number, t.state, t.values, { ...t.params }]),
      [
        [0, TrialState.COMPLETE, [2], { n: 4 }],
        [1, TrialState.FAIL, null, { n: 5 }],
        [2, TrialState.WAITING, null, {}],
      ],
    );
    assert.deepEqual([...study.trials[0].intermediateValues], [[1, 3]]);
    assert.deepEqual({ ...study.trials[0].userAttrs }, { a: 1 });
  });
});

describe('added trials and Optuna 5.0', () => {
  it("Optuna's load_study reads trials tunelab added (PostgreSQL)", async () => {
    const url = await backends[2].newStorage('added_read_by_optuna');
    const study = await createStudy({ storage: url, studyName: 'seeded', direction: 'maximize' });
    await study.addTrials([
      createTrial({
        value: 0.9,
        params: { c: 'tanh', n: 8 },
        distributions: { c: categoricalDistribution(['relu', 'tanh']), n: intDistribution(1, 64, { log: true }) },
        userAttrs: { k: 'v' },
      }),
      createTrial({
        state: TrialState.PRUNED,
        value: 0.1,
        params: { n: 2 },
        distributions: { n: intDistribution(1, 64, { log: true }) },
        intermediateValues: { 4: 0.1 },
      }),
    ]);
    const read = JSON.parse(
      execFileSync(
        PYTHON,
        [
          '-c',
          `import json, sys, optuna
s = optuna.load_study(study_name='seeded', storage=sys.argv[1])
print(json.dumps([{'number': t.number, 'state': t.state.name, 'value': t.value, 'params': t.params, 'iv': t.intermediate_values, 'user_attrs': t.user_attrs, 'duration': t.duration.total_seconds()} for t in s.trials] + [s.best_trial.number]))`,
          sqlalchemyUrl(url),
        ],
        { encoding: 'utf8', timeout: 120_000 },
      ),
    );
    assert.deepEqual(read, [
      { number: 0, state: 'COMPLETE', value: 0.9, params: { c: 'tanh', n: 8 }, iv: {}, user_attrs: { k: 'v' }, duration: 0 },
      { number: 1, state: 'PRUNED', value: 0.1, params: { n: 2 }, iv: { '4': 0.1 }, user_attrs: {}, duration: 0 },
      0,
    ]);
    await study.storage.close();
  });

  it('TPE learns from added trials: its first proposals crowd the optimum the added trials show', async () => {
    // 30 evaluations made elsewhere of (x - 7)^2 on an even grid of [0, 10].
    const seeds = Array.from({ length: 30 }, (_, i) => (10 * i) / 29).map((x) =>
      createTrial({ params: { x }, distributions: { x: floatDistribution(0, 10) }, value: (x - 7) ** 2 }),
    );
    const distanceOfFirstTen = async (withSeeds: boolean) => {
      const study = await createStudy({ sampler: new TPESampler({ seed: 11 }) });
      if (withSeeds) await study.addTrials(seeds);
      const xs: number[] = [];
      await study.optimize(
        (t) => {
          const x = t.suggestFloat('x', 0, 10);
          xs.push(x);
          return (x - 7) ** 2;
        },
        { nTrials: 10, showProgressBar: false },
      );
      return xs.map((x) => Math.abs(x - 7)).sort((a, b) => a - b)[5]; // the median distance
    };
    const seeded = await distanceOfFirstTen(true);
    const cold = await distanceOfFirstTen(false);
    // Without added trials TPE's first 10 are its random startup trials (median distance ~2.5 on
    // [0, 10]); with 30 added trials it is past startup and models them from the first trial.
    assert.ok(seeded < 0.8, `median |x - 7| of the first 10 TPE proposals after 30 added trials: ${seeded}`);
    assert.ok(cold > 2 * seeded, `cold start ${cold} vs seeded ${seeded}`);
  });
});
