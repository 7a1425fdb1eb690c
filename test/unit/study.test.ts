import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createStudy,
  loadStudy,
  floatDistribution,
  intDistribution,
  categoricalDistribution,
  InvalidDistributionError,
  ParameterConflictError,
  RandomSampler,
  TrialPruned,
  TrialState,
  space,
  float,
  int,
  categorical,
} from '../../src';
import { InMemoryStorage } from '../../src/entries/storage';
import { reprSymbol } from '../../src/display';
import { inspect } from 'node:util';

describe('distributions reject invalid definitions with a clear error', () => {
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['low > high', () => floatDistribution(2, 1), /low \(2\) is greater than high \(1\)/],
    ['log with low <= 0', () => floatDistribution(0, 1, { log: true }), /log scale needs low > 0/],
    ['log with step', () => floatDistribution(1, 2, { log: true, step: 0.1 }), /log and step cannot be used together/],
    ['NaN bound', () => floatDistribution(NaN, 1), /finite/],
    ['infinite bound', () => intDistribution(0, Infinity), /finite/],
    ['int log with step', () => intDistribution(1, 8, { log: true, step: 2 }), /log and step/],
    ['non-integer int bounds', () => intDistribution(0.5, 3), /must be integers/],
    ['empty choices', () => categoricalDistribution([]), /non-empty/],
    ['duplicate choices', () => categoricalDistribution(['a', 'b', 'a']), /duplicate choice "a"/],
  ];
  for (const [name, make, message] of cases) {
    it(name, () => assert.throws(make, (e: unknown) => e instanceof InvalidDistributionError && message.test((e as Error).message)));
  }

  it('float step lowers high to the last grid point, as Optuna does', () => {
    assert.ok(Math.abs(floatDistribution(0, 1, { step: 0.3 }).high - 0.9) < 1e-12);
    assert.equal(intDistribution(0, 10, { step: 3 }).high, 9);
  });
});

describe('Trial', () => {
  it('returns the same value when a name is suggested again (another range of its kind too), and refuses another kind', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 3 }) });
    const trial = await study.ask();
    const x = trial.suggestFloat('x', 0, 1);
    assert.equal(trial.suggestFloat('x', 0, 1), x);
    assert.equal(trial.suggestFloat('x', 0, 2), x, 'as Optuna: the first value, with a warning');
    assert.throws(() => trial.suggestInt('x', 0, 1), ParameterConflictError);
  });

  it('draws values inside each distribution, honouring step and log', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 5 }) });
    await study.optimize(
      (t) => {
        const a = t.suggestFloat('a', 0, 1, { step: 0.25 });
        const b = t.suggestInt('b', 2, 11, { step: 3 });
        const c = t.suggestFloat('c', 1e-4, 1, { log: true });
        const d = t.suggestInt('d', 1, 1000, { log: true });
        const e = t.suggestCategorical('e', [null, true, 'x', 2]);
        assert.ok([0, 0.25, 0.5, 0.75, 1].includes(a), `a=${a}`);
        assert.ok([2, 5, 8, 11].includes(b), `b=${b}`);
        assert.ok(c >= 1e-4 && c <= 1);
        assert.ok(Number.isInteger(d) && d >= 1 && d <= 1000);
        assert.ok([null, true, 'x', 2].includes(e));
        return 0;
      },
      { nTrials: 200 },
    );
    // Log sampling puts about half the mass of [1e-4, 1] below 1e-2.
    const below = study.trials.filter((t) => (t.params.c as number) < 1e-2).length;
    assert.ok(below > 70 && below < 130, `${below} of 200 below 1e-2`);
  });

  it('supports conditional parameters with plain if', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    await study.optimize(
      (t) => {
        const kind = t.suggestCategorical('kind', ['svm', 'tree']);
        return kind === 'svm' ? t.suggestFloat('C', 1e-3, 1e3, { log: true }) : t.suggestInt('depth', 1, 10);
      },
      { nTrials: 40 },
    );
    for (const t of study.trials) {
      assert.deepEqual(Object.keys(t.params).sort(), t.params.kind === 'svm' ? ['C', 'kind'] : ['depth', 'kind']);
    }
  });
});

describe('Study', () => {
  it('records FAIL with the reason for a throw, NaN or a non-number, and goes on; infinity is a value (Optuna: same)', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
    const outcomes: Array<() => unknown> = [
      () => {
        throw new Error('diverged');
      },
      () => NaN,
      () => 'oops',
      () => Infinity,
      () => 1.5,
    ];
    let i = 0;
    await study.optimize(() => outcomes[i++]() as number, { nTrials: outcomes.length, catch: [Error] });
    const states = study.trials.map((t) => TrialState[t.state]);
    assert.deepEqual(states, ['FAIL', 'FAIL', 'FAIL', 'COMPLETE', 'COMPLETE']);
    const reasons = study.trials.slice(0, 3).map((t) => String(t.systemAttrs.fail_reason));
    assert.match(reasons[0], /Error: diverged/);
    assert.match(reasons[1], /NaN/);
    assert.match(reasons[2], /string "oops"/);
    assert.equal(study.trials[3].value, Infinity);
    assert.equal(study.bestValue, 1.5);
    // Maximising, -Infinity marks a configuration that could not run and never wins.
    const maximised = await createStudy({ direction: 'maximize', sampler: new RandomSampler({ seed: 0 }) });
    await maximised.optimize((t) => (t.suggestFloat('x', 0, 1) > 0.5 ? -Infinity : 1), { nTrials: 20 });
    assert.ok(maximised.trials.some((t) => t.value === -Infinity) && maximised.trials.every((t) => t.state === TrialState.COMPLETE));
    assert.equal(maximised.bestValue, 1);
  });

  it('stops at the first error when catch is false, keeping what was recorded', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
    let n = 0;
    await assert.rejects(
      study.optimize(
        () => {
          if (++n === 3) throw new RangeError('bad');
          return n;
        },
        { nTrials: 10, catch: false },
      ),
      RangeError,
    );
    assert.equal(study.trials.length, 3);
    assert.equal(study.trials[2].state, TrialState.FAIL);
  });

  it('records TrialPruned as PRUNED with the last reported value', async () => {
    const study = await createStudy();
    await study.optimize(
      (t) => {
        t.report(0.7, 0);
        t.report(0.4, 1);
        throw new TrialPruned();
      },
      { nTrials: 1 },
    );
    assert.equal(study.trials[0].state, TrialState.PRUNED);
    assert.deepEqual(study.trials[0].values, [0.4]);
    assert.deepEqual(
      [...study.trials[0].intermediateValues],
      [
        [0, 0.7],
        [1, 0.4],
      ],
    );
  });

  it('evaluates enqueued trials first, with their fixed values', async () => {
    const study = await createStudy({ direction: 'maximize' });
    await study.enqueueTrial({ x: 0.25, k: 'b' });
    await study.enqueueTrial({ x: 0.5 });
    await study.optimize((t) => t.suggestFloat('x', 0, 1) + (t.suggestCategorical('k', ['a', 'b']) === 'b' ? 1 : 0), {
      nTrials: 3,
    });
    assert.equal(study.trials[0].params.x, 0.25);
    assert.equal(study.trials[0].params.k, 'b');
    assert.equal(study.trials[1].params.x, 0.5);
    assert.ok(['a', 'b'].includes(study.trials[1].params.k as string), 'unfixed params are sampled');
    assert.equal(study.trials.filter((t) => t.state === TrialState.WAITING).length, 0);
  });

  it('supports ask and tell', async () => {
    const study = await createStudy({ direction: 'maximize' });
    for (let i = 0; i < 5; i++) {
      const t = await study.ask();
      await study.tell(t, t.suggestInt('n', 0, 100));
    }
    assert.equal(study.trials.length, 5);
    assert.equal(study.bestValue, Math.max(...study.trials.map((t) => t.values![0])));
    const t = await study.ask();
    await study.tell(t.number, null, { state: TrialState.PRUNED });
    await assert.rejects(study.tell(t, 1), /no running trial|already finished/);
  });

  it('tells a trial by number that another Study object asked (as optuna tell does), once', async () => {
    const storage = new InMemoryStorage();
    const asker = await createStudy({ storage, studyName: 'shared', direction: 'maximize' });
    const teller = await loadStudy({ storage, studyName: 'shared' });
    const t = await asker.ask({ x: floatDistribution(0, 1) });
    const x = t.params.x as number;
    const told = await teller.tell(t.number, 2 * x);
    assert.deepEqual([told.state, told.values, told.params], [TrialState.COMPLETE, [2 * x], { x }]);
    await assert.rejects(teller.tell(t.number, 5), /trial 0 is COMPLETE, not RUNNING; pass skipIfFinished/);
    assert.deepEqual((await teller.tell(t.number, 5, { skipIfFinished: true })).values, [2 * x]);
    await assert.rejects(teller.tell(7, 1), /has no trial number 7/);
    await asker.refresh();
    assert.equal(asker.bestValue, 2 * x);
  });

  it('runs nJobs async trials concurrently', async () => {
    const study = await createStudy();
    let inFlight = 0;
    let peak = 0;
    await study.optimize(
      async (t) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return t.suggestFloat('x', 0, 1);
      },
      { nTrials: 12, nJobs: 4 },
    );
    assert.equal(peak, 4);
    assert.equal(study.trials.length, 12);
    assert.deepEqual(
      study.trials.map((t) => t.number),
      [...Array(12).keys()],
    );
  });

  it('stop() ends optimize after the running trials settle', async () => {
    const study = await createStudy();
    await study.optimize((t) => t.suggestFloat('x', 0, 1), {
      nTrials: 100,
      callbacks: [(s, ft) => (ft.number === 9 ? s.stop() : undefined)],
    });
    assert.equal(study.trials.length, 10);
  });

  it('lets timers and messages run during a synchronous objective, so stop() from a timer works', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    setTimeout(() => study.stop(), 100);
    await study.optimize(
      (t) => {
        const end = Date.now() + 1;
        while (Date.now() < end); // a CPU-bound objective that never awaits
        return t.suggestFloat('x', 0, 1);
      },
      { nTrials: 100_000, showProgressBar: false },
    );
    clearInterval(timer);
    assert.ok(ticks > 0, 'the interval timer ran while optimize was busy');
    assert.ok(study.trials.length > 0 && study.trials.length < 100_000, `${study.trials.length} trials`);
    assert.ok(
      study.trials.every((t) => t.state === TrialState.COMPLETE),
      'no trial left RUNNING',
    );
  });

  it('finds the Pareto front of a multi-objective study', async () => {
    const study = await createStudy({ directions: ['minimize', 'maximize'] });
    const points = [
      [1, 1],
      [2, 3],
      [3, 2],
      [0, 0],
      [4, 4],
    ];
    for (const p of points) await study.tell(await study.ask(), p);
    assert.deepEqual(
      study.bestTrials.map((t) => t.values).sort(),
      [
        [0, 0],
        [1, 1],
        [2, 3],
        [4, 4],
      ].sort(),
    );
    assert.throws(() => study.bestTrial, /bestTrials/);
  });

  it('exports one row per trial to CSV and JSON', async () => {
    const study = await createStudy();
    await study.optimize(
      (t) => {
        t.setUserAttr('note', 'a,"b"');
        return t.suggestFloat('x', 0, 1);
      },
      { nTrials: 3 },
    );
    const table = study.trialsDataFrame();
    assert.deepEqual(table.columns.slice(0, 3), ['number', 'state', 'value']);
    assert.ok(table.columns.includes('params_x') && table.columns.includes('user_attrs_note'));
    const csv = table.toCSV().trim().split('\n');
    assert.equal(csv.length, 4);
    assert.ok(csv[1].includes('"a,""b"""'));
    assert.equal(JSON.parse(table.toJSON()).length, 3);
  });

  it('shows the table as pandas shows a DataFrame: head, tail, aligned text and HTML, long tables shortened', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
    await study.optimize(
      (t) => {
        t.setUserAttr('note', '<b>&');
        return t.suggestInt('x', 0, 1000);
      },
      { nTrials: 70 },
    );
    const table = study.trialsDataFrame();
    assert.deepEqual(
      table.head().rows.map((r) => r.number),
      [0, 1, 2, 3, 4],
    );
    assert.deepEqual(
      table.tail(2).rows.map((r) => r.number),
      [68, 69],
    );
    assert.equal(table.head(-65).rows.length, 5, 'a negative n keeps all but the last -n, as pandas');
    assert.equal(table.tail(-68).rows[0].number, 68);
    assert.deepEqual(table.head(3).columns, table.columns);
    assert.throws(() => table.head(1.5), /trialsDataFrame\(\)\.head\(n\): n must be an integer/);

    // Text: a header and the rows, each column as wide as its widest cell, right-aligned.
    const short = table.head(3).toString().split('\n');
    assert.equal(short.length, 4);
    assert.equal(new Set(short.map((l) => l.length)).size, 1, short.join('\n'));
    assert.match(short[0], /^number\s+state\s+value\s+datetime_start/);
    assert.match(short[1], /^\s+0\s+COMPLETE\s+\d+/);
    assert.equal(inspect(table.head(3)), table.head(3).toString(), 'console.log prints the table');
    // Past 60 rows: the first and last five, a row of dots, and the size, as pandas shortens a long frame.
    const long = table.toString().split('\n');
    assert.equal(long.length, 1 + 11 + 2);
    assert.match(long[6], /^\s*\.\.\.\s+\.\.\./);
    assert.match(long[11], /^\s+69\s+COMPLETE/);
    assert.equal(long.at(-1), `[70 rows x ${table.columns.length} columns]`);

    const bundle = (table as unknown as Record<symbol, () => Record<string, string>>)[reprSymbol]();
    assert.equal(bundle['text/plain'], table.toString());
    const html = bundle['text/html'];
    assert.equal((html.match(/<tr>/g) ?? []).length, 1 + 11);
    assert.ok(html.includes('<td>&lt;b&gt;&amp;</td>'), 'cells are escaped');
    assert.ok(html.includes(`70 rows × ${table.columns.length} columns`));
  });
});

describe('typed declarative space', () => {
  it('suggests every parameter with inferred types', async () => {
    const s = space({ lr: float(1e-5, 1e-1, { log: true }), layers: int(1, 4), act: categorical(['relu', 'tanh']) });
    const study = await createStudy({ sampler: new RandomSampler({ seed: 2 }) });
    await study.optimize(
      (trial) => {
        const p = s.suggest(trial);
        const act: 'relu' | 'tanh' = p.act; // compile-time check of the inferred type
        assert.ok(['relu', 'tanh'].includes(act));
        assert.ok(p.lr >= 1e-5 && p.lr <= 1e-1 && Number.isInteger(p.layers));
        return p.lr * p.layers;
      },
      { nTrials: 10 },
    );
    assert.equal(study.trials.length, 10);
  });

  it('validates the definition with the parameter name in the message', () => {
    assert.throws(() => space({ bad: { kind: 'float', low: 2, high: 1, log: false, step: null } }), /'bad'/);
  });
});
