// optimize's log lines against Optuna 5.0's for the same trials (same parameters, same values, same
// outcomes), the verbosity levels, handlers, and the default handler writing to stderr.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  addLogHandler,
  createStudy,
  getVerbosity,
  logging,
  RandomSampler,
  setVerbosity,
  TrialPruned,
  TrialState,
  type LogRecord,
} from '../../src';
import { pythonFloat } from '../../src/logging';
import { PYTHON } from '../helpers/python';

const root = join(__dirname, '..', '..');

/** The trials both libraries run, in order (enqueued, so both see the same parameters). */
const PARAMS = [
  { x: 1.5, n: 3, act: 'relu' },
  { x: 0.25, n: 1, act: 'tanh' },
  { x: -2.0, n: 2, act: 'relu' }, // throws ValueError('boom'), caught
  { x: 1e-5, n: 0, act: 'tanh' }, // pruned
  { x: 3.0, n: 5, act: 'relu' }, // returns NaN
  { x: 12345678.5, n: 4, act: 'tanh' },
  { x: 0.1, n: 0, act: 'relu' }, // returns two values to a one-objective study
];
/** Categorical choices whose Python repr differs from JavaScript's printing. */
const REPR_CHOICES = [true, false, null, "it's", 'say "hi"', 'both \' and "', 'back\\slash', 'tab\there'];
const FLOATS = [
  1.5,
  3,
  1e-5,
  1e-4,
  0.0001234,
  1e16,
  1.5e16,
  123456789012345.6,
  1e22,
  -0.5,
  2.5e-7,
  100,
  0.1 + 0.2,
  5e-324,
  1.7976931348623157e308,
];

/** The same study in tunelab, in a child process whose stderr is what a terminal would show. */
const TUNELAB_PROGRAM = `
  const { createStudy, RandomSampler, TrialPruned } = require(${JSON.stringify(join(root, 'src'))});
  class ValueError extends Error { constructor(m) { super(m); this.name = 'ValueError'; } }
  (async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
    const params = ${JSON.stringify(PARAMS)};
    for (const p of params) await study.enqueueTrial(p);
    await study.optimize((t) => {
      const x = t.suggestFloat('x', -1e8, 1e8);
      const n = t.suggestInt('n', 0, 5);
      const act = t.suggestCategorical('act', ['relu', 'tanh']);
      if (t.number === 2) throw new ValueError('boom');
      if (t.number === 3) throw new TrialPruned();
      if (t.number === 4) return NaN;
      if (t.number === 6) return [1.0, 2.0];
      return x * x + n + (act === 'tanh' ? 0.5 : 0);
    }, { nTrials: params.length, catch: [ValueError], showProgressBar: false });
    const mo = await createStudy({ directions: ['minimize', 'maximize'], sampler: new RandomSampler({ seed: 0 }) });
    await mo.enqueueTrial({ a: 0.5 });
    await mo.optimize((t) => [t.suggestFloat('a', 0, 1), 2.0], { nTrials: 1, showProgressBar: false });
    const named = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
    await named.setMetricNames(['loss']);
    await named.enqueueTrial({ a: 0.25 });
    await named.optimize((t) => t.suggestFloat('a', 0, 1) * 2, { nTrials: 1, showProgressBar: false });
    const namedMo = await createStudy({ directions: ['minimize', 'maximize'], sampler: new RandomSampler({ seed: 0 }) });
    await namedMo.setMetricNames(['loss', 'accuracy']);
    await namedMo.enqueueTrial({ a: 0.75 });
    await namedMo.optimize((t) => [t.suggestFloat('a', 0, 1), 0.5], { nTrials: 1, showProgressBar: false });
    // Values Python prints its own way: True, False, None, and strings with quotes or backslashes.
    const reprs = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
    const choices = ${JSON.stringify(REPR_CHOICES)};
    for (const c of choices) await reprs.enqueueTrial({ c });
    await reprs.optimize((t) => {
      t.suggestCategorical('c', choices);
      if (t.number === 1) throw new ValueError("it's \\\\ bad");
      return 1.0;
    }, { nTrials: choices.length, catch: [ValueError], showProgressBar: false });
  })();
`;

interface OptunaReference {
  lines: string[];
  reprs: string[];
  uncaught: { raised: string; trials: number; state: string };
}

function optunaReference(): OptunaReference {
  const args = [join(__dirname, 'optuna_log_reference.py'), JSON.stringify(PARAMS), JSON.stringify(FLOATS), JSON.stringify(REPR_CHOICES)];
  const r = spawnSync(PYTHON, args, {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `Optuna reference failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as OptunaReference;
}

/** Log lines (the `[L date] ...` ones, not traceback lines under them), split into level and message. */
function logLines(text: string): Array<{ level: string; message: string }> {
  const out: Array<{ level: string; message: string }> = [];
  for (const line of text.split('\n')) {
    const m = /^\[([DIWEC]) \d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] (.*)$/.exec(line);
    if (m) out.push({ level: m[1], message: m[2] });
  }
  return out;
}

describe('trial log lines, as Optuna 5.0 writes them', () => {
  const reference = optunaReference();

  it('prints floats as Python repr does', () => {
    assert.deepEqual(FLOATS.map(pythonFloat), reference.reprs);
  });

  it('logs the same lines as Optuna for the same trials, on stderr of a plain Node script', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', TUNELAB_PROGRAM], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '', 'log lines go to stderr, not stdout');
    const ours = logLines(r.stderr).filter((l) => l.message.startsWith('Trial '));
    const theirs = logLines(reference.lines.join('\n')).filter((l) => l.message.startsWith('Trial '));
    const show = `\ntunelab:\n${ours.map((l) => `${l.level} ${l.message}`).join('\n')}\nOptuna:\n${theirs.map((l) => `${l.level} ${l.message}`).join('\n')}`;
    assert.equal(ours.length, theirs.length, `one line per line of Optuna's${show}`);
    assert.deepEqual(
      ours.map((l) => l.level),
      theirs.map((l) => l.level),
      `same levels${show}`,
    );
    // Optuna's own words for its own checks of returned values ("The value nan is not acceptable")
    // differ from tunelab's (which say what to return instead); everything else is the same text.
    const ownReason = /because of the following error: (The value|The number of the values|The objective returned).*$/;
    for (let i = 0; i < ours.length; i++) {
      // Optuna's "Trial 3 pruned. " ends with the (empty) TrialPruned message after a space.
      const a = ours[i].message.replace(ownReason, 'because of the following error: <value check>').trimEnd();
      const b = theirs[i].message.replace(ownReason, 'because of the following error: <value check>').trimEnd();
      assert.equal(a, b, `line ${i}${show}`);
    }
    // The objective's traceback follows the caught error's line, as Optuna prints it.
    assert.match(r.stderr, /ValueError\('boom'\)\.\n\s+at /);
  });

  it('an error not listed in catch is recorded FAIL, logged, then thrown out of optimize (Optuna: same)', async () => {
    assert.deepEqual(reference.uncaught, { raised: 'ZeroDivisionError', trials: 1, state: 'FAIL' });
    const records: LogRecord[] = [];
    const remove = addLogHandler((r) => records.push(r));
    try {
      const study = await createStudy();
      await assert.rejects(
        study.optimize(
          () => {
            throw new RangeError('division by zero');
          },
          { nTrials: 3, showProgressBar: false },
        ),
        RangeError,
      );
      assert.equal(study.trials.length, reference.uncaught.trials);
      assert.equal(study.trials[0].state, TrialState.FAIL);
      assert.equal(String(study.trials[0].systemAttrs.fail_reason), 'RangeError: division by zero');
      const failed = records.filter((r) => r.levelName === 'WARNING').map((r) => r.message.split('\n')[0]);
      assert.deepEqual(failed, [
        "Trial 0 failed with parameters: {} because of the following error: RangeError('division by zero').",
        'Trial 0 failed with value None.',
      ]);
    } finally {
      remove();
    }
  });
});

describe('logging verbosity and handlers (optuna.logging)', () => {
  it('uses Python logging levels and INFO by default', () => {
    assert.equal(getVerbosity(), logging.INFO);
    assert.deepEqual(
      [logging.CRITICAL, logging.FATAL, logging.ERROR, logging.WARNING, logging.WARN, logging.INFO, logging.DEBUG],
      [50, 50, 40, 30, 30, 20, 10],
    );
    assert.throws(() => setVerbosity(-1), /non-negative integer such as DEBUG \(10\)/);
  });

  it('WARNING keeps failures and drops finished/pruned lines; handlers receive records; the default handler can be disabled', async () => {
    const records: LogRecord[] = [];
    const remove = addLogHandler((r) => records.push(r));
    const before = getVerbosity();
    try {
      const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
      const objective = (t: { number: number; suggestFloat(n: string, a: number, b: number): number }) => {
        const x = t.suggestFloat('x', 0, 1);
        if (t.number === 1) throw new TrialPruned();
        if (t.number === 2) return NaN;
        return x;
      };
      await study.optimize(objective, { nTrials: 3, showProgressBar: false });
      assert.deepEqual(
        records.map((r) => [r.levelName, r.message.replace(/\{.*\}/, '{...}').replace(/(value: )[^ ]+?(\.?)( |$)/g, '$1v$2$3')]),
        [
          // As Optuna's in-memory storage logs it.
          ['INFO', `A new study created in memory with name: ${study.studyName}`],
          ['INFO', 'Trial 0 finished with value: v and parameters: {...}. Best is trial 0 with value: v.'],
          ['INFO', 'Trial 1 pruned.'],
          [
            'WARNING',
            'Trial 2 failed with parameters: {...} because of the following error: The objective returned NaN; values must be numbers (NaN is not accepted).',
          ],
          ['WARNING', 'Trial 2 failed with value nan.'],
        ],
      );
      records.length = 0;
      setVerbosity(logging.WARNING);
      await study.optimize(objective, { nTrials: 3, showProgressBar: false });
      assert.deepEqual(
        records.map((r) => r.levelName),
        [],
        'trials 3-5 complete: nothing at WARNING',
      );
      setVerbosity(logging.ERROR);
      await study.optimize(() => NaN, { nTrials: 1, showProgressBar: false });
      assert.deepEqual(records, [], 'a value failure is a WARNING, below ERROR');
    } finally {
      setVerbosity(before);
      remove();
    }
  });

  it('disableDefaultHandler silences stderr while handlers still receive lines', () => {
    const program = `
      const tl = require(${JSON.stringify(join(root, 'src'))});
      tl.disableDefaultHandler();
      const got = [];
      tl.addLogHandler((r) => got.push(r.message));
      (async () => {
        const study = await tl.createStudy();
        await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 2, showProgressBar: false });
        tl.enableDefaultHandler();
        await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 1, showProgressBar: false });
        console.log(JSON.stringify(got.map((m) => m.split(' finished')[0])));
      })();
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', program], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [
      'A new study created in memory with name: ' + r.stdout.match(/no-name-[0-9a-f-]+/)![0],
      'Trial 0',
      'Trial 1',
      'Trial 2',
    ]);
    assert.deepEqual(
      logLines(r.stderr).map((l) => l.message.split(' finished')[0]),
      ['Trial 2'],
      `stderr: ${r.stderr}`,
    );
  });
});
