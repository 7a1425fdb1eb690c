// Objective failures follow Optuna 5.0's optimize: an error whose class is not listed in `catch` is
// recorded FAIL and then thrown out of optimize; listed ones are recorded and the study goes on;
// bad return values are FAIL with a warning and never thrown. In one thread, with nJobs and in
// worker threads. (Optuna's own behaviour for the same cases is checked in trialLog.test.ts.)
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  addLogHandler,
  createStudy,
  InvalidArgumentError,
  objectiveFromModule,
  OptimizeInterruptedError,
  RandomSampler,
  TrialState,
  type LogRecord,
} from '../../src';

const quiet = { showProgressBar: false } as const;

class DivergedError extends Error {
  override name = 'DivergedError';
}

async function captureLog<T>(body: () => Promise<T>): Promise<{ result: T | undefined; error: unknown; records: LogRecord[] }> {
  const records: LogRecord[] = [];
  const remove = addLogHandler((r) => records.push(r));
  try {
    return { result: await body(), error: undefined, records };
  } catch (error) {
    return { result: undefined, error, records };
  } finally {
    remove();
  }
}

describe('objective failures (Optuna 5.0 semantics)', () => {
  it('by default, the first error is recorded FAIL with its reason, logged, then thrown; nothing recorded is lost', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
    let calls = 0;
    const { error, records } = await captureLog(() =>
      study.optimize(
        (t) => {
          const x = t.suggestFloat('x', 0, 1);
          if (++calls === 3) throw new DivergedError('loss went to infinity');
          return x;
        },
        { nTrials: 10, ...quiet },
      ),
    );
    assert.ok(error instanceof DivergedError, `the objective's own error comes out of optimize: ${String(error)}`);
    assert.deepEqual(
      study.trials.map((t) => TrialState[t.state]),
      ['COMPLETE', 'COMPLETE', 'FAIL'],
    );
    assert.equal(study.trials[2].systemAttrs.fail_reason, 'DivergedError: loss went to infinity');
    const warning = records.find((r) => r.levelName === 'WARNING')!;
    assert.match(
      warning.message,
      new RegExp(
        `^Trial 2 failed with parameters: \\{'x': ${study.trials[2].params.x}\\} because of the following error: DivergedError\\('loss went to infinity'\\)\\.\\n\\s+at `,
      ),
    );
  });

  it('errors of a class listed in catch (or a subclass) are recorded and the study goes on; others are thrown', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
    await study.optimize(
      (t) => {
        if (t.number % 2 === 1) throw new DivergedError(`odd trial ${t.number}`);
        return t.suggestFloat('x', 0, 1);
      },
      { nTrials: 6, catch: [DivergedError], ...quiet },
    );
    assert.equal(study.getTrials({ states: [TrialState.FAIL] }).length, 3);
    assert.equal(study.trials.length, 6);
    await study.optimize(
      () => {
        throw new DivergedError('a subclass of Error');
      },
      { nTrials: 2, catch: [Error], ...quiet },
    );
    assert.equal(study.trials.length, 8);
    await assert.rejects(
      study.optimize(
        () => {
          throw new TypeError('not listed');
        },
        { nTrials: 5, catch: [DivergedError], ...quiet },
      ),
      TypeError,
    );
    assert.equal(study.trials.length, 9, 'stopped at the unlisted error');
    assert.equal(study.trials[8].state, TrialState.FAIL);
    await assert.rejects(
      study.optimize(() => 1, { nTrials: 1, catch: 'all' as never, ...quiet }),
      InvalidArgumentError,
    );
  });

  it('NaN, undefined, a string or the wrong number of values: FAIL with a warning, never thrown, even with no catch', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
    const returns: unknown[] = [NaN, undefined, 'oops', [1, 2], [NaN], 0.5];
    const { error, records } = await captureLog(() =>
      study.optimize((t) => returns[t.number] as number, { nTrials: returns.length, ...quiet }),
    );
    assert.equal(error, undefined);
    assert.deepEqual(
      study.trials.map((t) => TrialState[t.state]),
      ['FAIL', 'FAIL', 'FAIL', 'FAIL', 'FAIL', 'COMPLETE'],
    );
    const warnings = records.filter((r) => r.levelName === 'WARNING').map((r) => r.message);
    assert.deepEqual(
      warnings.filter((m) => /failed with value/.test(m)),
      [
        'Trial 0 failed with value nan.',
        'Trial 1 failed with value None.',
        "Trial 2 failed with value 'oops'.",
        'Trial 3 failed with value [1.0, 2.0].',
        'Trial 4 failed with value [nan].',
      ],
    );
    assert.match(warnings[2], /because of the following error: The objective returned undefined; it must return a number\.$/);
    assert.match(warnings[6], /because of the following error: The objective returned 2 values but the study has 1 direction\(s\)\.$/);
  });

  it('with nJobs, trials already running finish before the error is thrown (none left RUNNING)', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await assert.rejects(
      study.optimize(
        async (t) => {
          const x = t.suggestFloat('x', 0, 1);
          if (t.number === 1) {
            await sleep(5);
            throw new DivergedError('trial 1');
          }
          await sleep(40);
          return x;
        },
        { nTrials: 50, nJobs: 3, ...quiet },
      ),
      DivergedError,
    );
    assert.equal(study.getTrials({ states: [TrialState.RUNNING] }).length, 0, 'no trial left RUNNING');
    assert.equal(study.trials[1].state, TrialState.FAIL);
    assert.ok(study.trials.length < 50, `no new trial started after the error (${study.trials.length})`);
    assert.ok(study.getTrials({ states: [TrialState.COMPLETE] }).length >= 2, 'the trials running alongside completed');
  });

  it('in worker threads: an unlisted error is thrown with its class name; a listed class matches by name', async () => {
    const module = join(__dirname, '..', 'storage', 'fixtures', 'objectives.ts');
    const study = await createStudy({ sampler: new RandomSampler({ seed: 3 }) });
    await assert.rejects(
      study.optimize(objectiveFromModule(module, 'prunesAndFails'), { nTrials: 40, workers: 2, ...quiet }),
      (err: Error) => err.name === 'RangeError' && /k = 4 is not allowed/.test(err.message),
    );
    const failed = study.getTrials({ states: [TrialState.FAIL] });
    assert.ok(failed.length >= 1 && study.trials.length < 40, `stopped at the first failure (${study.trials.length} trials)`);
    assert.equal(study.getTrials({ states: [TrialState.RUNNING] }).length, 0);
    const before = study.trials.length;
    await study.optimize(objectiveFromModule(module, 'prunesAndFails'), { nTrials: 20, workers: 2, catch: [RangeError], ...quiet });
    assert.equal(study.trials.length, before + 20, 'RangeError listed in catch: the study went on');
  });

  it('study.stop() ends optimize normally; study.interrupt() (a kernel interrupt) throws OptimizeInterruptedError', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
    await study.optimize(
      (t) => {
        if (t.number === 2) study.stop();
        return t.suggestFloat('x', 0, 1);
      },
      { nTrials: 100, ...quiet },
    );
    assert.equal(study.trials.length, 3);
    const err = await study
      .optimize(
        (t) => {
          if (t.number === 5) study.interrupt();
          return t.suggestFloat('x', 0, 1);
        },
        { nTrials: 100, ...quiet },
      )
      .then(
        () => null,
        (e: unknown) => e,
      );
    assert.ok(err instanceof OptimizeInterruptedError, `typed error: ${String(err)}`);
    assert.equal(err.trialsFinished, 3);
    assert.match(err.message, /interrupted after 3 trial\(s\) of this call finished; they are kept in the study/);
    assert.equal(study.trials.length, 6, 'finished trials are kept');
    assert.ok(study.trials.every((t) => t.state === TrialState.COMPLETE));
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 2, ...quiet });
    assert.equal(study.trials.length, 8, 'the next optimize runs normally');
  });
});

describe('Ctrl-C in a plain Node script (Python: KeyboardInterrupt out of optimize)', () => {
  it('the first SIGINT stops after the running trials and throws OptimizeInterruptedError; none is left RUNNING', async () => {
    const { spawn } = await import('node:child_process');
    const root = join(__dirname, '..', '..');
    const program = `
      const { createStudy, setVerbosity, logging } = require(${JSON.stringify(join(root, 'src'))});
      setVerbosity(logging.WARNING);
      (async () => {
        const study = await createStudy();
        try {
          await study.optimize(async (t) => {
            const x = t.suggestFloat('x', 0, 1);
            if (t.number === 3) console.log('READY');
            await new Promise((r) => setTimeout(r, 20));
            return x;
          }, { nTrials: 100000, nJobs: 2, showProgressBar: false });
          console.log(JSON.stringify({ name: 'no error' }));
        } catch (e) {
          console.log(JSON.stringify({ name: e.name, states: study.trials.map((t) => t.state), sigintListeners: process.listenerCount('SIGINT') }));
        }
      })();
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', program], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('READY') && !child.killed) child.kill('SIGINT');
    });
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`no exit within 60 s; stdout: ${out}; stderr: ${err}`));
      }, 60_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    assert.equal(code, 0, `stderr: ${err}`);
    const result = JSON.parse(out.trim().split('\n').pop()!) as { name: string; states: number[]; sigintListeners: number };
    assert.equal(result.name, 'OptimizeInterruptedError', out);
    assert.ok(result.states.length >= 4 && result.states.length < 100000, `stopped early: ${result.states.length} trials`);
    assert.ok(
      result.states.every((s) => s === TrialState.COMPLETE),
      `none RUNNING or FAIL: ${result.states.join(',')}`,
    );
    assert.equal(result.sigintListeners, 0, 'the handler is removed when optimize ends');
    assert.match(err, /Interrupted: study\.optimize stops after the running trials/);
  });
});
