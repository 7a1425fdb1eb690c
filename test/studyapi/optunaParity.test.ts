/**
 * Behaviours an Optuna 5.0 user found different, now as Optuna's (each checked against what Optuna
 * 5.0 does in the pinned environment when the difference was found): pruning calls on a study of
 * several objectives, a step reported twice, a parameter suggested again with another range, a
 * pruned trial's infinite last value, enqueued values of the wrong type, nJobs -1, and the
 * callbacks of a trial whose error ends optimize.
 */
import assert from 'node:assert/strict';
import { cpus } from 'node:os';
import { describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import {
  addLogHandler,
  CmaEsSampler,
  createStudy,
  getAllStudyNames,
  GridSampler,
  getAllStudySummaries,
  loadStudy,
  TrialPruned,
  TrialState,
  type LogRecord,
} from '../../src';

const dir = mkdtempSync(join(tmpdir(), 'tunelab-optuna-parity-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Run `f`, collecting process warnings (Optuna's warnings.warn) and log records. */
async function collecting<T>(f: () => Promise<T>): Promise<{ result: T; warnings: string[]; logs: LogRecord[] }> {
  const warnings: string[] = [];
  const logs: LogRecord[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  const remove = addLogHandler((r) => logs.push(r));
  try {
    const result = await f();
    await new Promise((r) => setImmediate(r)); // process warnings are emitted on the next tick
    return { result, warnings, logs };
  } finally {
    remove();
    process.off('warning', onWarning);
  }
}

describe('Optuna 5.0 parity of the trial API', () => {
  it('report and shouldPrune are refused on a study of several objectives (Optuna: NotImplementedError)', async () => {
    const study = await createStudy({ directions: ['minimize', 'maximize'] });
    const trial = await study.ask();
    assert.throws(() => trial.report(1, 0), /Trial\.report is not supported for multi-objective optimization/);
    assert.throws(() => trial.shouldPrune(), /Trial\.shouldPrune is not supported for multi-objective optimization/);
    assert.equal(trial.intermediateValues.size, 0);
  });

  it('a step reported twice keeps its first value and warns, as Optuna', async () => {
    const study = await createStudy();
    const trial = await study.ask();
    const { warnings } = await collecting(async () => {
      trial.report(1, 0);
      trial.report(2, 0);
    });
    assert.deepEqual([...trial.intermediateValues], [[0, 1]]);
    assert.deepEqual(warnings, ['Warning: The reported value is ignored because this `step=0` is already reported.']);
  });

  it('a parameter suggested again with another range of its kind keeps its first value and warns; another kind is an error', async () => {
    const study = await createStudy();
    const trial = await study.ask();
    const { result, warnings } = await collecting(async () => [trial.suggestFloat('x', 0, 1), trial.suggestFloat('x', 0, 2)]);
    assert.equal(result[0], result[1]);
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0],
      /^RuntimeWarning: Parameter 'x' was suggested again in trial 0 with float \[0, 2\]; the value of its first suggestion/,
    );
    assert.throws(
      () => trial.suggestInt('x', 0, 5),
      /Parameter 'x' was already suggested in trial 0 with float \[0, 1\]; it cannot be suggested again with int/,
    );
  });

  it('a pruned trial keeps an infinite last value as its value (only NaN is dropped), as Optuna', async () => {
    const study = await createStudy();
    await study.optimize(
      (t) => {
        t.report(5, 0);
        t.report(Infinity, 1);
        throw new TrialPruned();
      },
      { nTrials: 1, showProgressBar: false },
    );
    assert.equal(study.trials[0].state, TrialState.PRUNED);
    assert.deepEqual(study.trials[0].values, [Infinity]);
  });

  it('enqueued values: a non-number fails the trial, log scale needs a positive value, an int drops its fraction', async () => {
    const study = await createStudy();
    await study.enqueueTrial({ n: 'abc' } as never);
    await study.enqueueTrial({ lr: 0 });
    await study.enqueueTrial({ k: 2.7, s: '0.5' } as never);
    const { logs } = await collecting(() =>
      study.optimize(
        (t) => {
          if (t.number === 0) return t.suggestFloat('n', 0, 1);
          if (t.number === 1) return t.suggestFloat('lr', 1e-3, 1, { log: true });
          return t.suggestInt('k', 0, 5) + t.suggestFloat('s', 0, 1);
        },
        { nTrials: 3, showProgressBar: false, catch: [Error] },
      ),
    );
    const [a, b, c] = study.trials;
    assert.equal(a.state, TrialState.FAIL);
    assert.match(
      String(a.systemAttrs.fail_reason),
      /Fixed parameter 'n' has the value "abc", which is not a number: a float parameter takes a number/,
    );
    assert.equal(b.state, TrialState.FAIL);
    assert.match(
      String(b.systemAttrs.fail_reason),
      /Fixed parameter 'lr' has the value 0, but a parameter on a log scale takes a positive value/,
    );
    assert.equal(c.state, TrialState.COMPLETE);
    assert.deepEqual(c.params, { k: 2, s: 0.5 });
    assert.ok(logs.some((r) => /Fixed parameter 'k' has the value 2\.7, which is not an integer; 2 is used/.test(r.message)));
  });

  it('nJobs: -1 runs one trial per CPU side by side, as Optuna; other values below 1 are refused', async () => {
    const study = await createStudy();
    let running = 0;
    let most = 0;
    await study.optimize(
      async (t) => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 20));
        running--;
        return t.suggestFloat('x', 0, 1);
      },
      { nTrials: 2 * cpus().length, nJobs: -1, showProgressBar: false },
    );
    assert.equal(most, cpus().length);
    await assert.rejects(
      study.optimize(() => 1, { nTrials: 1, nJobs: 0 }),
      /nJobs must be an integer >= 1, or -1 for one per CPU; got 0/,
    );
  });

  it('a trial whose error ends optimize reaches no callback (as Optuna); caught ones do', async () => {
    const study = await createStudy();
    const seen: string[] = [];
    const callbacks = [(_: unknown, t: { state: TrialState }) => void seen.push(TrialState[t.state])];
    await assert.rejects(
      study.optimize(
        () => {
          throw new RangeError('no');
        },
        { nTrials: 3, callbacks, showProgressBar: false },
      ),
      /no/,
    );
    assert.deepEqual(seen, []);
    await study.optimize(
      () => {
        throw new RangeError('no');
      },
      { nTrials: 2, callbacks, catch: [RangeError], showProgressBar: false },
    );
    assert.deepEqual(seen, ['FAIL', 'FAIL']);
  });

  it('enqueueTrial with skipIfExists logs the skip, and a stepped range that does not divide warns once, as Optuna', async () => {
    const study = await createStudy();
    const { logs, warnings } = await collecting(async () => {
      await study.enqueueTrial({ x: 1, name: 'a' }, { skipIfExists: true });
      await study.enqueueTrial({ x: 1, name: 'a' }, { skipIfExists: true });
      const trial = await study.ask();
      for (let i = 0; i < 3; i++) trial.suggestInt(`k${i}`, 0, 10, { step: 3 });
    });
    assert.equal(study.trials.length, 1);
    assert.ok(logs.some((r) => r.message === "Trial with params {'x': 1, 'name': 'a'} already exists. Skipping enqueue."));
    assert.deepEqual(warnings, ['Warning: The range [0, 10] is not divisible by step=3; it is replaced by [0, 9], as Optuna does.']);
  });

  it('study.stop() outside optimize is refused, as Optuna; a sampler that asks to stop during a tell of ask and tell is not', async () => {
    const study = await createStudy({ sampler: new GridSampler({ x: [0, 1] }) });
    assert.throws(() => study.stop(), /study\.stop\(\) ends a running optimize of '.*': call it from the objective or a callback/);
    for (let i = 0; i < 2; i++) {
      const trial = await study.ask();
      await study.tell(trial, trial.suggestFloat('x', 0, 1)); // the second tell exhausts the grid
    }
    assert.equal(study.trials.length, 2);
    await study.optimize((t) => (t.number === 2 ? (t.study.stop(), 0) : 1), { nTrials: 5, showProgressBar: false });
    assert.equal(study.trials.length, 3);
  });

  it('CmaEsSampler refuses useSeparableCma with withMargin, as Optuna 5.0', () => {
    assert.throws(() => new CmaEsSampler({ useSeparableCma: true, withMargin: true }), /useSeparableCma and withMargin cannot be combined/);
  });

  it("loadStudy without a name loads the storage's only study (and logs it), or names the studies to choose from, as Optuna 5", async () => {
    const url = `sqlite:///${join(dir, 'one.db')}`;
    await createStudy({ storage: url, studyName: 'only' });
    const { result, logs } = await collecting(() => loadStudy({ storage: url }));
    assert.equal(result.studyName, 'only');
    assert.ok(
      logs.some(
        (r) =>
          r.message ===
          "Study name was omitted but trying to load `study_name='only'` because that was the only study found in the storage.",
      ),
    );
    await createStudy({ storage: url, studyName: 'second' });
    await assert.rejects(loadStudy({ storage: url }), /holds 2 studies, not exactly one; pass studyName, one of \["only","second"\]/);
    // The listing functions take the storage positionally (Optuna's form) or as { storage }.
    assert.deepEqual(await getAllStudyNames(url), ['only', 'second']);
    assert.deepEqual(await getAllStudyNames({ storage: url }), ['only', 'second']);
    assert.equal((await getAllStudySummaries({ storage: url })).length, 2);
    await assert.rejects(getAllStudyNames({ storag: url } as never), /unknown option "storag"/);
  });
});
