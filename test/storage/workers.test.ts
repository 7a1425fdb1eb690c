/**
 * Worker processes and threads on a shared database: a worker killed with SIGKILL mid-trial, eight
 * concurrent worker processes on PostgreSQL, and `optimize({ workers })` threads.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createStudy, loadStudy, objectiveFromModule, RetryFailedTrialCallback, TrialState, type Study } from '../../src';
import { getStorage } from '../../src/entries/storage';
import { startPostgres, type PostgresServer } from '../helpers/postgres';

const root = resolve(__dirname, '..', '..');
const fixtures = join(__dirname, 'fixtures');
const dir = mkdtempSync(join(tmpdir(), 'tunelab-workers-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start `tunelab <command> ...` from the TypeScript sources. */
function tunelab(args: string[]): ChildProcess & { done: Promise<{ code: number | null; output: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(fixtures, 'cli.ts'), ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const done = new Promise<{ code: number | null; output: string }>((res) => child.on('exit', (code) => res({ code, output })));
  return Object.assign(child, { done });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('a worker process killed with SIGKILL mid-study', () => {
  it('loses no finished trial; its running trial becomes FAIL by heartbeat, is retried, and numbering stays consecutive', async () => {
    const url = `sqlite:///${join(dir, 'crash.db')}`;
    const observer = await createStudy({ storage: url, studyName: 'crash' });
    const worker = tunelab([
      'worker',
      '--storage',
      url,
      '--study',
      'crash',
      '--heartbeat-interval',
      '0.5',
      '--grace-period',
      '2',
      join(fixtures, 'crash-objective.ts'),
    ]);
    // Trials 0-7 finish quickly; trial 8 hangs (with heartbeats) until we kill the process. A
    // trial is RUNNING in storage before its parameter is written, so wait for the parameter and
    // the user attribute written after it: killing earlier leaves nothing for the retry to repeat.
    await waitFor('trial 8 to be running with its parameter recorded', async () => {
      await observer.refresh();
      const eighth = observer.trials[8];
      return (
        observer.trials.length === 9 &&
        eighth.state === TrialState.RUNNING &&
        eighth.params.x !== undefined &&
        eighth.userAttrs.pid !== undefined
      );
    });
    const finished = observer.trials.slice(0, 8).map((t) => ({ number: t.number, state: t.state, values: t.values, params: t.params }));
    assert.ok(finished.every((t) => t.state === TrialState.COMPLETE));
    const victim = observer.trials[8];
    worker.kill('SIGKILL');
    const { code } = await worker.done;
    assert.equal(code, null, 'killed by a signal');
    const killedAt = Date.now();

    const resumed = await loadStudy({
      studyName: 'crash',
      storage: url,
      heartbeatInterval: 0.5,
      gracePeriod: 2,
      failedTrialCallback: new RetryFailedTrialCallback({ maxRetry: 2 }),
    });
    assert.equal(resumed.trials[8].state, TrialState.RUNNING, 'within the grace period the trial still looks alive');
    await sleep(Math.max(0, killedAt + 3500 - Date.now())); // grace 2 s + SQLite's 1 s clock resolution
    await resumed.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 5, showProgressBar: false });

    const trials = resumed.trials;
    assert.deepEqual(
      trials.map((t) => t.number),
      Array.from({ length: 14 }, (_, i) => i),
      'consecutive numbering',
    );
    assert.deepEqual(
      trials.slice(0, 8).map((t) => ({ number: t.number, state: t.state, values: t.values, params: t.params })),
      finished,
      'every trial finished before the kill is intact',
    );
    assert.equal(trials[8].state, TrialState.FAIL);
    assert.equal(trials[8].trialId, victim.trialId);
    const retry = trials[9];
    assert.equal(retry.state, TrialState.COMPLETE);
    assert.equal(RetryFailedTrialCallback.retriedTrialNumber(retry), 8);
    assert.deepEqual(RetryFailedTrialCallback.retryHistory(retry), [8]);
    assert.equal(retry.params.x, victim.params.x, 'the retry evaluates the same parameters');
    assert.ok(trials.slice(10).every((t) => t.state === TrialState.COMPLETE));
    await resumed.storage.close();
    await observer.storage.close();
  });
});

describe('eight worker processes x 250 trials on PostgreSQL', () => {
  let server: PostgresServer;
  before(async () => {
    server = await startPostgres();
  });
  after(() => server?.destroy());

  it('gives exactly 2,000 trials, unique consecutive numbers, no grid point twice and no lost intermediate value', async () => {
    const url = await server.createDatabase('many_workers');
    const study = await createStudy({ storage: url, studyName: 'grid' });
    const workers = Array.from({ length: 8 }, () =>
      tunelab(['worker', '--storage', url, '--study', 'grid', '--n-trials', '250', join(fixtures, 'grid-objective.ts')]),
    );
    const results = await Promise.all(workers.map((w) => w.done));
    for (const r of results) assert.equal(r.code, 0, r.output);
    await study.refresh();
    const trials = study.trials;
    assert.equal(trials.length, 2000);
    assert.deepEqual(
      trials.map((t) => t.number),
      Array.from({ length: 2000 }, (_, i) => i),
    );
    assert.ok(trials.every((t) => t.state === TrialState.COMPLETE));
    const points = new Set(trials.map((t) => `${t.params.a},${t.params.b}`));
    assert.equal(points.size, 2000, 'every grid point evaluated exactly once');
    const gridIds = new Set(trials.map((t) => t.systemAttrs.grid_id));
    assert.equal(gridIds.size, 2000);
    assert.ok(trials.every((t) => t.systemAttrs.grid_duplicate === undefined));
    for (const t of trials) {
      const a = t.params.a as number;
      const b = t.params.b as number;
      assert.deepEqual(
        [...t.intermediateValues].sort((x, y) => x[0] - y[0]),
        [
          [0, a + b],
          [1, a + b + 1],
          [2, a + b + 2],
        ],
      );
      assert.deepEqual(t.values, [a * 100 + b]);
    }
    const claims = await study.storage.getStudySystemAttrs(study.studyId);
    assert.equal(Object.keys(claims).filter((k) => k.startsWith('grid:')).length, 2000);
    await study.storage.close();
  });
});

describe('optimize({ workers }) runs a module objective in worker threads', () => {
  it('uses every thread, records params, reports and attributes, and handles pruning and failures', async () => {
    const url = `sqlite:///${join(dir, 'threads.db')}`;
    const study: Study = await createStudy({ storage: url, studyName: 'threads' });
    const module = join(fixtures, 'objectives.ts');
    await study.optimize(objectiveFromModule(module, 'quadratic'), { nTrials: 24, workers: 2, showProgressBar: false });
    assert.equal(study.trials.length, 24);
    assert.ok(study.trials.every((t) => t.state === TrialState.COMPLETE));
    const threads = new Set(study.trials.map((t) => t.userAttrs.thread));
    assert.equal(threads.size, 2, 'both threads ran trials');
    assert.ok(![...threads].includes(0), 'not on the main thread');
    for (const t of study.trials) {
      const x = t.params.x as number;
      assert.equal(t.intermediateValues.get(2), x * x + 2);
      assert.ok(Math.abs(t.values![0] - (x * x + (t.params.k as number) + (t.params.kind === 'a' ? 1 : 0))) < 1e-6);
    }
    // RangeError is caught by name: the error thrown in a worker thread reaches this thread as a copy.
    await study.optimize(objectiveFromModule(module, 'prunesAndFails'), {
      nTrials: 30,
      workers: 3,
      showProgressBar: false,
      catch: [RangeError],
    });
    const later = study.trials.slice(24);
    for (const t of later) {
      const x = t.params.x as number;
      const expected = x < 0 ? TrialState.PRUNED : t.params.k === 4 ? TrialState.FAIL : TrialState.COMPLETE;
      assert.equal(t.state, expected, `trial ${t.number}`);
      if (expected === TrialState.FAIL) assert.match(String(t.systemAttrs.fail_reason), /RangeError: k = 4/);
    }
    await assert.rejects(
      study.optimize(() => 1, { workers: 2 }),
      /objectiveFromModule/,
    );
    const reopened = await getStorage(url);
    assert.equal((await reopened.getAllTrials(study.studyId)).length, 54);
    await reopened.close();
    await study.storage.close();
  });

  it('gives the objective a whole Trial: constraints, system attributes, its record of the run; an attribute no storage holds fails the trial', async () => {
    const url = `sqlite:///${join(dir, 'threads-trial.db')}`;
    const study: Study = await createStudy({ storage: url, studyName: 'threads-trial', seed: 5 });
    const module = join(fixtures, 'objectives.ts');
    await study.optimize(objectiveFromModule(module, 'constrained'), { nTrials: 12, workers: 2, showProgressBar: false, catch: true });
    const reopened = await loadStudy({ storage: url, studyName: 'threads-trial' });
    assert.equal(reopened.trials.length, 12);
    for (const t of reopened.trials) {
      const x = t.params.x as number;
      const seen = t.userAttrs.seen as Record<string, unknown>;
      assert.deepEqual(t.constraints, { budget: x - 0.5 }, `trial ${t.number}: the constraint recorded as Optuna 5 records it`);
      assert.equal(t.systemAttrs['thread:checked'], true);
      assert.deepEqual(seen, {
        params: { ...t.params },
        kinds: ['float', 'int'],
        constraints: { budget: x - 0.5 },
        snapshotStep0: x,
        studySeed: study.seed,
      });
      if (t.params.n === 3) {
        assert.equal(t.state, TrialState.FAIL, 'the Map attribute failed the objective');
        assert.match(String(t.systemAttrs.fail_reason), /User attribute/);
        assert.match(String(t.userAttrs.studyNameError), /trial\.study\.studyName cannot be read in a worker thread/);
      } else {
        assert.equal(t.state, TrialState.COMPLETE);
      }
    }
    assert.ok(
      reopened.trials.some((t) => t.params.n === 3),
      'some trial failed on purpose',
    );
    assert.ok(reopened.bestTrial.constraints.budget <= 0, 'the best trial is a feasible one');
    await reopened.storage.close();
    await study.storage.close();
  });
});
