/**
 * The Storage contract (src/storage/base.ts) checked against a database backend. Each backend's test
 * file calls `storageContract` with a factory that opens a fresh storage on its own database.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  categoricalDistribution,
  createStudy,
  DuplicatedStudyError,
  floatDistribution,
  intDistribution,
  InvalidArgumentError,
  StudyNotFoundError,
  TrialFinishedError,
  TrialState,
  type Storage,
} from '../../src';

export type OpenStorage = () => Promise<Storage>;
/** Make a new empty database and return a function that opens handles on it. */
export type FreshDatabase = () => Promise<OpenStorage>;

export function storageContract(fresh: FreshDatabase): void {
  it('creates, finds, lists and deletes studies; refuses a duplicate name', async () => {
    const open = await fresh();
    const s = await open();
    const a = await s.createNewStudy(['minimize'], 'alpha');
    const b = await s.createNewStudy(['maximize', 'minimize'], 'beta');
    await assert.rejects(s.createNewStudy(['minimize'], 'alpha'), DuplicatedStudyError);
    assert.equal(await s.getStudyIdFromName('beta'), b);
    assert.equal(await s.getStudyNameFromId(a), 'alpha');
    assert.deepEqual(await s.getStudyDirections(b), ['maximize', 'minimize']);
    await s.setStudyUserAttr(a, 'note', { text: 'hi', n: [1, 2] });
    await s.setStudySystemAttr(a, 'sys', 3);
    assert.deepEqual(await s.getStudyUserAttrs(a), { note: { text: 'hi', n: [1, 2] } });
    assert.deepEqual(await s.getStudySystemAttrs(a), { sys: 3 });
    const t = await s.createNewTrial(a);
    await s.setTrialState(t.trialId, TrialState.COMPLETE, [2.5]);
    const t2 = await s.createNewTrial(a);
    await s.setTrialState(t2.trialId, TrialState.COMPLETE, [-1]);
    const summaries = await s.getAllStudies();
    const alpha = summaries.find((x) => x.studyName === 'alpha')!;
    assert.equal(alpha.nTrials, 2);
    assert.deepEqual(alpha.bestValues, [-1]);
    assert.ok(alpha.datetimeStart instanceof Date);
    assert.deepEqual(alpha.userAttrs, { note: { text: 'hi', n: [1, 2] } });
    assert.equal(summaries.find((x) => x.studyName === 'beta')!.nTrials, 0);
    await s.deleteStudy(a);
    await assert.rejects(s.getStudyIdFromName('alpha'), StudyNotFoundError);
    await assert.rejects(s.getAllTrials(a), StudyNotFoundError);
    assert.deepEqual(
      (await s.getAllStudies()).map((x) => x.studyName),
      ['beta'],
    );
    await s.close();
  });

  it('round-trips params, values, intermediate values (NaN, +-inf), attributes and datetimes', async () => {
    const open = await fresh();
    const s = await open();
    const id = await s.createNewStudy(['minimize'], 'roundtrip');
    const before = Date.now();
    const t = await s.createNewTrial(id, { userAttrs: { from: 'template' } });
    const dists = {
      f: floatDistribution(-1, 1),
      flog: floatDistribution(1e-5, 1, { log: true }),
      fstep: floatDistribution(0, 1, { step: 0.25 }),
      i: intDistribution(0, 10, { step: 2 }),
      ilog: intDistribution(1, 1024, { log: true }),
      c: categoricalDistribution(['a', 1, true, null]),
    };
    const internal = { f: -0.123456789012345, flog: 3.3e-4, fstep: 0.75, i: 6, ilog: 37, c: 3 };
    for (const [name, d] of Object.entries(dists)) await s.setTrialParam(t.trialId, name, internal[name as keyof typeof internal], d);
    await s.setTrialIntermediateValue(t.trialId, 0, 1.5);
    await s.setTrialIntermediateValue(t.trialId, 1, NaN);
    await s.setTrialIntermediateValue(t.trialId, 2, Infinity);
    await s.setTrialIntermediateValue(t.trialId, 3, -Infinity);
    await s.setTrialUserAttr(t.trialId, 'nested', { a: [1, { b: null }], s: 'x"y' });
    await s.setTrialSystemAttr(t.trialId, 'sys', [1, 2]);
    assert.equal(await s.setTrialState(t.trialId, TrialState.COMPLETE, [Infinity]), true);
    const after = Date.now();
    const [got] = await s.getAllTrials(id);
    assert.equal(got.number, 0);
    assert.equal(got.state, TrialState.COMPLETE);
    assert.deepEqual(got.values, [Infinity]);
    assert.deepEqual({ ...got.internalParams }, internal);
    assert.deepEqual({ ...got.params }, { f: -0.123456789012345, flog: 3.3e-4, fstep: 0.75, i: 6, ilog: 37, c: null });
    assert.deepEqual({ ...got.distributions }, dists);
    assert.deepEqual(
      [...got.intermediateValues].sort((x, y) => x[0] - y[0]),
      [
        [0, 1.5],
        [1, NaN],
        [2, Infinity],
        [3, -Infinity],
      ],
    );
    assert.deepEqual({ ...got.userAttrs }, { from: 'template', nested: { a: [1, { b: null }], s: 'x"y' } });
    assert.deepEqual({ ...got.systemAttrs }, { sys: [1, 2] });
    assert.ok(got.datetimeStart && got.datetimeComplete);
    // Stored with microseconds as naive local time: back to the same millisecond.
    assert.ok(got.datetimeStart.getTime() >= before - 1 && got.datetimeStart.getTime() <= after, String(got.datetimeStart));
    assert.ok(got.datetimeComplete.getTime() >= got.datetimeStart.getTime());
    assert.deepEqual(await s.getTrial(t.trialId), got);
    await s.close();
  });

  it("gives a trial's params in the order they were set, as Optuna does (param_id order), on every read", async () => {
    const open = await fresh();
    const s = await open();
    const id = await s.createNewStudy(['minimize'], 'param-order');
    // Not alphabetical, not by length: only the order of the writes gives this order back.
    const order = ['x', 'b', 'mid', 'a', 'zz', 'c'];
    for (const finish of [true, false]) {
      const t = await s.createNewTrial(id);
      for (const [i, name] of order.entries()) await s.setTrialParam(t.trialId, name, i / 10, floatDistribution(0, 1));
      if (finish) await s.setTrialState(t.trialId, TrialState.COMPLETE, [1]);
    }
    const other = await open();
    for (const handle of [s, other]) {
      const trials = await handle.getAllTrials(id);
      assert.equal(trials.length, 2);
      for (const t of trials) {
        assert.deepEqual(Object.keys(t.params), order, `params of trial ${t.number}`);
        assert.deepEqual(Object.keys(t.internalParams), order);
        assert.deepEqual(Object.keys(t.distributions), order);
        assert.deepEqual(Object.keys((await handle.getTrial(t.trialId)).params), order);
      }
    }
    if (other !== s) await other.close();
    await s.close();
  });

  it('protects finished trials: setTrialState is atomic on the expected state, later writes throw', async () => {
    const open = await fresh();
    const s = await open();
    const id = await s.createNewStudy(['minimize'], 'atomic');
    const t = await s.createNewTrial(id);
    assert.equal(await s.setTrialState(t.trialId, TrialState.COMPLETE, [1]), true);
    assert.equal(await s.setTrialState(t.trialId, TrialState.FAIL), false, 'a finished trial cannot be failed later');
    await assert.rejects(s.setTrialParam(t.trialId, 'x', 0.5, floatDistribution(0, 1)), TrialFinishedError);
    await assert.rejects(s.setTrialIntermediateValue(t.trialId, 0, 1), TrialFinishedError);
    await assert.rejects(s.setTrialUserAttr(t.trialId, 'k', 1), TrialFinishedError);
    // As Optuna's check_trial_is_updatable: system attributes too (Optuna's upload_artifact to a finished trial fails).
    await assert.rejects(s.setTrialSystemAttr(t.trialId, 'k', 1), TrialFinishedError);
    const [stored] = await s.getAllTrials(id);
    assert.deepEqual(stored.values, [1]);
    assert.equal(stored.state, TrialState.COMPLETE);
    await s.close();
  });

  it('claims a WAITING trial and a study system attribute exactly once across connections', async () => {
    const open = await fresh();
    const handles = await Promise.all([open(), open(), open(), open()]);
    const id = await handles[0].createNewStudy(['minimize'], 'claims');
    const waiting = await handles[0].createNewTrial(id, { state: TrialState.WAITING, systemAttrs: { fixed_params: { x: 1 } } });
    const claims = await Promise.all(handles.map((h) => h.setTrialState(waiting.trialId, TrialState.RUNNING, null, TrialState.WAITING)));
    assert.equal(claims.filter(Boolean).length, 1);
    const attrClaims = await Promise.all(handles.flatMap((h, i) => [0, 1, 2].map((k) => h.setStudySystemAttrIfAbsent(id, `grid:${k}`, i))));
    assert.equal(attrClaims.filter(Boolean).length, 3, 'each key claimed once');
    const attrs = await handles[1].getStudySystemAttrs(id);
    assert.deepEqual(Object.keys(attrs).sort(), ['grid:0', 'grid:1', 'grid:2']);
    await Promise.all(handles.map((h) => h.close()));
  });

  it('numbers trials consecutively and uniquely under concurrent writers', async () => {
    const open = await fresh();
    const handles = await Promise.all([open(), open(), open()]);
    const id = await handles[0].createNewStudy(['minimize'], 'numbering');
    const created = await Promise.all(Array.from({ length: 60 }, (_, i) => handles[i % 3].createNewTrial(id)));
    const numbers = created.map((t) => t.number).sort((a, b) => a - b);
    assert.deepEqual(
      numbers,
      Array.from({ length: 60 }, (_, i) => i),
    );
    const stored = await handles[2].getAllTrials(id);
    assert.deepEqual(
      stored.map((t) => t.number),
      numbers,
    );
    await Promise.all(handles.map((h) => h.close()));
  });

  it("refuses a parameter whose kind, log scale or choices change within a study (Optuna's check_distribution_compatibility)", async () => {
    const open = await fresh();
    const s = await open();
    const id = await s.createNewStudy(['minimize'], 'compat');
    const a = await s.createNewTrial(id);
    await s.setTrialParam(a.trialId, 'p', 0.5, floatDistribution(0, 1));
    await s.setTrialParam(a.trialId, 'c', 1, categoricalDistribution(['x', 'y']));
    await s.setTrialState(a.trialId, TrialState.COMPLETE, [0]);
    await s.getAllTrials(id);
    const b = await s.createNewTrial(id);
    await s.setTrialParam(b.trialId, 'p', 0.7, floatDistribution(0, 2)); // same kind, other range: allowed
    const c = await s.createNewTrial(id);
    await assert.rejects(
      s.setTrialParam(c.trialId, 'p', 1, categoricalDistribution(['x', 'y'])),
      (e: Error) => e instanceof InvalidArgumentError && /Parameter 'p' was a float parameter .* and is now categorical/.test(e.message),
    );
    await assert.rejects(
      s.setTrialParam(c.trialId, 'p', 0.5, floatDistribution(0.1, 1, { log: true })),
      (e: Error) =>
        e instanceof InvalidArgumentError && /Parameter 'p' was suggested with log: false .* and now with log: true/.test(e.message),
    );
    await assert.rejects(
      s.setTrialParam(c.trialId, 'c', 0, categoricalDistribution(['x', 'y', 'z'])),
      (e: Error) =>
        e instanceof InvalidArgumentError && /Parameter 'c' had the choices \["x","y"\] .* and now \["x","y","z"\]/.test(e.message),
    );
    await s.close();
  });

  it('runs a study end to end and resumes it from a new connection', async () => {
    const open = await fresh();
    const s = await open();
    const study = await createStudy({ storage: s, studyName: 'resume', direction: 'maximize' });
    await study.optimize(
      (t) => {
        const x = t.suggestFloat('x', 0, 1);
        t.report(x / 2, 0);
        return x;
      },
      { nTrials: 15, showProgressBar: false },
    );
    const other = await open();
    const again = await createStudy({ storage: other, studyName: 'resume', direction: 'maximize', loadIfExists: true });
    assert.equal(again.trials.length, 15);
    assert.equal(again.bestValue, study.bestValue);
    await again.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 5, showProgressBar: false });
    await study.refresh();
    assert.deepEqual(
      study.trials.map((t) => t.number),
      Array.from({ length: 20 }, (_, i) => i),
    );
    await s.close();
    await other.close();
  });
}

/**
 * Counts what a refresh of `storage` costs: round trips ("statements": SQL statements or scripts on
 * RDB storages, backend reads on journal storages, RPCs through the gRPC proxy) and records read
 * (rows, journal logs, or trials).
 */
function readCounter(storage: Storage): { statements: number; rows: number; reset(): void; restore(): void } {
  const counts = { statements: 0, rows: 0 };
  const restorers: (() => void)[] = [];
  const wrap = (target: Record<string, (...a: unknown[]) => Promise<unknown>>, name: string, rowsOf: (out: unknown) => number) => {
    const original = target[name];
    if (!original) return;
    target[name] = async (...args: unknown[]) => {
      counts.statements++;
      const out = await original.apply(target, args);
      counts.rows += rowsOf(out);
      return out;
    };
    restorers.push(() => {
      target[name] = original;
    });
  };
  const { db, backend } = storage as unknown as Record<string, Record<string, (...a: unknown[]) => Promise<unknown>> | undefined>;
  if (storage.url.startsWith('grpc://')) {
    // The gRPC proxy's round trips are its RPCs; the records, the trials a reply carries.
    wrap(
      storage as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>,
      'call',
      (out) => (out as { trials?: unknown[] }).trials?.length ?? 0,
    );
  } else if (db) {
    wrap(db, 'all', (out) => (out as unknown[]).length);
    wrap(db, 'script', (out) => (out as { rows: unknown[] }[]).reduce((n, r) => n + r.rows.length, 0));
  } else if (backend) {
    wrap(backend, 'readLogs', (out) => (out as unknown[]).length);
  } else {
    throw new Error(`readCounter: ${storage.url} has neither a database nor a journal backend to count reads on`);
  }
  return {
    get statements() {
      return counts.statements;
    },
    get rows() {
      return counts.rows;
    },
    reset() {
      counts.statements = 0;
      counts.rows = 0;
    },
    restore() {
      for (const r of restorers) r();
    },
  };
}

/**
 * For database and journal storages: a refresh re-reads only new and changed trials (counted on the
 * driver, or on the journal backend's reads).
 */
export function incrementalReadContract(fresh: FreshDatabase): void {
  it('reads incrementally: another connection’s new and finished trials appear, unchanged ones are not re-read', async () => {
    const open = await fresh();
    const reader = await open();
    const writer = await open();
    const id = await writer.createNewStudy(['minimize'], 'incremental');
    const running = await writer.createNewTrial(id);
    for (let i = 0; i < 20; i++) {
      const t = await writer.createNewTrial(id);
      await writer.setTrialParam(t.trialId, 'x', i, floatDistribution(0, 100));
      await writer.setTrialState(t.trialId, TrialState.COMPLETE, [i]);
    }
    assert.equal((await reader.getAllTrials(id)).length, 21);
    // Network storages answer reads made in the same tick from the read just done: step out of it.
    await new Promise((r) => setImmediate(r));
    // Count the round trips (statements, scripts or journal reads) and rows (or logs) a refresh costs.
    const counter = readCounter(reader);
    await reader.getAllTrials(id);
    assert.equal(counter.statements, 1, 'one statement per refresh, not one per trial');
    assert.ok(counter.rows <= 2, `only the running trial and the study row are re-read, got ${counter.rows} rows`);
    await writer.setTrialParam(running.trialId, 'x', 50, floatDistribution(0, 100));
    await writer.setTrialState(running.trialId, TrialState.COMPLETE, [50]);
    const extra = await writer.createNewTrial(id);
    await new Promise((r) => setImmediate(r));
    counter.reset();
    const trials = await reader.getAllTrials(id);
    assert.equal(counter.statements, 1);
    assert.equal(trials.length, 22);
    assert.equal(trials[0].state, TrialState.COMPLETE);
    assert.deepEqual({ ...trials[0].params }, { x: 50 });
    assert.equal(trials[21].trialId, extra.trialId);
    assert.deepEqual(
      (await reader.getAllTrials(id, [TrialState.RUNNING])).map((t) => t.number),
      [21],
    );
    counter.restore();
    await reader.close();
    await writer.close();
  });
}

/** For storages that detect crashed workers (the optional heartbeat methods of the contract). */
export function heartbeatContract(fresh: FreshDatabase): void {
  it('records heartbeats and fails only RUNNING trials whose heartbeat is older than the grace period', async () => {
    const open = await fresh();
    const s = await open();
    const id = await s.createNewStudy(['minimize'], 'heartbeat');
    const stale = await s.createNewTrial(id);
    const beating = await s.createNewTrial(id);
    const silent = await s.createNewTrial(id); // never beat: not judged, as in Optuna
    const done = await s.createNewTrial(id);
    await s.recordHeartbeat!(stale.trialId);
    await s.recordHeartbeat!(done.trialId);
    await s.setTrialState(done.trialId, TrialState.COMPLETE, [1]);
    await new Promise((r) => setTimeout(r, 2100)); // SQLite's CURRENT_TIMESTAMP has 1 s resolution
    await s.recordHeartbeat!(beating.trialId);
    const failed = await s.failStaleTrials!(id, 1);
    assert.deepEqual(failed, [stale.trialId]);
    const byId = new Map((await s.getAllTrials(id)).map((t) => [t.trialId, t.state]));
    assert.equal(byId.get(stale.trialId), TrialState.FAIL);
    assert.equal(byId.get(beating.trialId), TrialState.RUNNING);
    assert.equal(byId.get(silent.trialId), TrialState.RUNNING);
    assert.equal(byId.get(done.trialId), TrialState.COMPLETE);
    assert.deepEqual(await s.failStaleTrials!(id, 1), [], 'a trial is failed once');
    await s.close();
  });
}

/**
 * What every backend (memory included) accepts and refuses as names and attribute values, checked
 * before anything is written (src/storage/storable.ts). The same inputs give the same outcome
 * everywhere, so a study behaves alike whatever storage holds it.
 */
export function storableContract(fresh: FreshDatabase): void {
  const cycle: Record<string, unknown> = { a: 1 };
  cycle.self = cycle;
  const unstorable: [string, unknown, RegExp][] = [
    ['bigint', 10n ** 20n, /BigInt .*Pass a Number/],
    ['cycle', cycle, /cycle.*Pass a copy without the cycle/],
    ['nested bigint', { a: [1, 2n] }, /at \["a"\]\[1\] is a BigInt/],
    ['function', () => 1, /function.*instead/],
    ['symbol', Symbol('s'), /symbol.*Pass a string/],
    ['undefined', undefined, /undefined.*Pass null instead/],
    ['date', new Date(0), /Date object.*toISOString/],
    ['map', new Map([['a', 1]]), /Map object.*Object\.fromEntries/],
  ];

  it('refuses attribute values JSON cannot hold, naming the key and what to pass, before writing anything', async () => {
    const open = await fresh();
    const s = await open();
    const id = await s.createNewStudy(['minimize'], 'unstorable');
    const t = await s.createNewTrial(id);
    for (const [what, value, pattern] of unstorable) {
      const setters: [string, () => Promise<unknown>][] = [
        ['User attribute', () => s.setTrialUserAttr(t.trialId, `k_${what}`, value)],
        ['System attribute', () => s.setTrialSystemAttr(t.trialId, `k_${what}`, value)],
        ['Study user attribute', () => s.setStudyUserAttr(id, `k_${what}`, value)],
        ['Study system attribute', () => s.setStudySystemAttr(id, `k_${what}`, value)],
        ['Study system attribute', () => s.setStudySystemAttrIfAbsent(id, `k_${what}`, value)],
        ['User attribute', () => s.createNewTrial(id, { userAttrs: { [`k_${what}`]: value } })],
      ];
      for (const [label, set] of setters) {
        await assert.rejects(set(), (err: Error) => {
          assert.ok(err instanceof InvalidArgumentError, `${what}: ${err}`);
          assert.ok(err.message.startsWith(`${label} "k_${what}" cannot be stored`), `${what}: ${err.message}`);
          assert.match(err.message, pattern);
          return true;
        });
      }
    }
    // Nothing was written: no attribute, no extra trial, and the trial is still usable.
    await s.setTrialUserAttr(t.trialId, 'ok', 1);
    assert.equal(await s.setTrialState(t.trialId, TrialState.COMPLETE, [1]), true);
    const other = await open();
    const trials = await other.getAllTrials(id);
    assert.equal(trials.length, 1);
    assert.deepEqual({ ...trials[0].userAttrs }, { ok: 1 });
    assert.deepEqual({ ...trials[0].systemAttrs }, {});
    assert.deepEqual(await other.getStudyUserAttrs(id), {});
    assert.deepEqual(await other.getStudySystemAttrs(id), {});
    await s.close();
    await other.close();
  });

  it('keeps NaN, Infinity and -Infinity in attribute values (as Optuna does), never null', async () => {
    const open = await fresh();
    const s = await open();
    const id = await s.createNewStudy(['minimize'], 'nonfinite');
    const t = await s.createNewTrial(id, { systemAttrs: { tmpl: -Infinity } });
    const nested = { v: [NaN, Infinity, -Infinity, 1.5, 'NaN', 'Infinity'], o: { x: NaN } };
    await s.setTrialUserAttr(t.trialId, 'nan', NaN);
    await s.setTrialUserAttr(t.trialId, 'nested', nested);
    await s.setTrialSystemAttr(t.trialId, 'inf', Infinity);
    await s.setStudyUserAttr(id, 'ninf', -Infinity);
    await s.setStudySystemAttr(id, 'nested', nested);
    await s.setTrialState(t.trialId, TrialState.COMPLETE, [0]);
    const other = await open();
    const [got] = await other.getAllTrials(id);
    assert.ok(Number.isNaN(got.userAttrs.nan));
    assert.deepEqual(got.userAttrs.nested, nested);
    assert.equal(got.systemAttrs.inf, Infinity);
    assert.equal(got.systemAttrs.tmpl, -Infinity);
    assert.deepEqual(await other.getStudyUserAttrs(id), { ninf: -Infinity });
    assert.deepEqual(await other.getStudySystemAttrs(id), { nested });
    await s.close();
    await other.close();
  });

  it('an objective that sets an unstorable attribute fails its trial (never left RUNNING) and the study goes on', async () => {
    const open = await fresh();
    const s = await open();
    const study = await createStudy({ storage: s, studyName: 'bigint-objective' });
    await study.optimize(
      (trial) => {
        trial.setUserAttr('size', BigInt(trial.number));
        return 1;
      },
      { nTrials: 3, showProgressBar: false, catch: [Error] },
    );
    const other = await open();
    const trials = await other.getAllTrials(await other.getStudyIdFromName('bigint-objective'));
    assert.deepEqual(
      trials.map((t) => t.state),
      [TrialState.FAIL, TrialState.FAIL, TrialState.FAIL],
    );
    for (const t of trials) {
      assert.deepEqual(Object.keys(t.userAttrs), [], 'nothing of the refused attribute was stored');
      assert.match(String(t.systemAttrs.fail_reason), /User attribute "size" cannot be stored.*BigInt/);
    }
    await s.close();
    await other.close();
  });
}

/** Names and values made of SQL quoting characters, each stored and read back exactly. */
export const QUOTING_NAMES = [
  'lr$tl',
  '$tl$',
  'a$tlx$b',
  '$$',
  "it's",
  'back\\slash',
  "'); DROP TABLE trials; --",
  "E'\\x41'",
  '?',
  '$1',
  'ünï©ødé 🎯',
];

export function quotingContract(fresh: FreshDatabase): void {
  it('stores parameter names, attribute keys and values made of SQL quoting characters exactly', async () => {
    const open = await fresh();
    const s = await open();
    const id = await s.createNewStudy(['minimize'], "study $tl$ 'q'");
    const t = await s.createNewTrial(id);
    const choices = [...QUOTING_NAMES];
    for (const [i, name] of QUOTING_NAMES.entries()) {
      await s.setTrialParam(t.trialId, name, i, categoricalDistribution(choices));
      await s.setTrialUserAttr(t.trialId, name, { [name]: name });
      await s.setTrialSystemAttr(t.trialId, name, name);
      await s.setStudyUserAttr(id, name, [name]);
    }
    await s.setTrialState(t.trialId, TrialState.COMPLETE, [0]);
    const other = await open();
    assert.equal(await other.getStudyIdFromName("study $tl$ 'q'"), id);
    const [got] = await other.getAllTrials(id);
    assert.deepEqual(Object.keys(got.params).sort(), [...QUOTING_NAMES].sort());
    for (const [i, name] of QUOTING_NAMES.entries()) {
      assert.equal(got.params[name], QUOTING_NAMES[i], name);
      assert.deepEqual(got.userAttrs[name], { [name]: name });
      assert.equal(got.systemAttrs[name], name);
    }
    const studyAttrs = await other.getStudyUserAttrs(id);
    for (const name of QUOTING_NAMES) assert.deepEqual(studyAttrs[name], [name]);
    await s.close();
    await other.close();
  });
}

/** Lone surrogates, NUL and names over Optuna's VARCHAR(512): refused alike everywhere, before writing. */
export function namesContract(fresh: FreshDatabase): void {
  const lone = ['\uD800', 'a\uDC00b', 'x\uD83D'];
  const refused = async (p: Promise<unknown>, pattern: RegExp) =>
    assert.rejects(p, (err: Error) => {
      assert.ok(err instanceof InvalidArgumentError, String(err));
      assert.match(err.message, pattern);
      return true;
    });

  it('refuses lone surrogates in study names, parameter names, choices, attribute keys and string values', async () => {
    const open = await fresh();
    const s = await open();
    const id = await s.createNewStudy(['minimize'], 'ok');
    const t = await s.createNewTrial(id);
    for (const bad of lone) {
      const surrogate = /lone UTF-16 surrogate .*toWellFormed/;
      await refused(s.createNewStudy(['minimize'], bad), /The study name .* lone UTF-16 surrogate/);
      await refused(s.getStudyIdFromName(bad), surrogate);
      await refused(s.setTrialParam(t.trialId, bad, 0, floatDistribution(0, 1)), /The parameter name .* lone/);
      await refused(s.setTrialParam(t.trialId, 'c', 0, categoricalDistribution(['a', bad])), /categorical choice .* lone/);
      await refused(s.setTrialUserAttr(t.trialId, bad, 1), /The attribute key .* lone/);
      await refused(s.setStudyUserAttr(id, 'k', { nested: [bad] }), /at \["nested"\]\[0\] is a string that contains a lone/);
      await refused(s.setTrialSystemAttr(t.trialId, 'k', { [bad]: 1 }), /has a key that contains a lone/);
    }
    // Well-formed pairs are fine, and nothing of the refused calls was written.
    await s.setTrialParam(t.trialId, 'emoji 🎯', 0.5, floatDistribution(0, 1));
    await s.setTrialState(t.trialId, TrialState.COMPLETE, [1]);
    const other = await open();
    assert.deepEqual(
      (await other.getAllStudies()).map((x) => x.studyName),
      ['ok'],
    );
    const [got] = await other.getAllTrials(id);
    assert.deepEqual({ ...got.params }, { 'emoji 🎯': 0.5 });
    assert.deepEqual({ ...got.userAttrs }, {});
    assert.deepEqual({ ...got.systemAttrs }, {});
    assert.deepEqual(await other.getStudyUserAttrs(id), {});
    await s.close();
    await other.close();
  });

  it('an objective that suggests a malformed name fails its trial and the study goes on', async () => {
    const open = await fresh();
    const s = await open();
    const study = await createStudy({ storage: s, studyName: 'malformed-objective' });
    await study.optimize((trial) => trial.suggestFloat(trial.number === 1 ? 'x\uD800' : 'x', 0, 1), {
      nTrials: 3,
      showProgressBar: false,
      catch: [Error],
    });
    const other = await open();
    const trials = await other.getAllTrials(await other.getStudyIdFromName('malformed-objective'));
    assert.deepEqual(
      trials.map((t) => t.state),
      [TrialState.COMPLETE, TrialState.FAIL, TrialState.COMPLETE],
    );
    assert.match(String(trials[1].systemAttrs.fail_reason), /parameter name "x\\ud800" contains a lone/);
    await s.close();
    await other.close();
  });

  it('accepts names of 512 characters (emoji count once), refuses 513 and NUL, naming the limit', async () => {
    const open = await fresh();
    const s = await open();
    const longest = '🎯'.repeat(512); // 1024 UTF-16 units, 512 characters as VARCHAR(512) counts them
    const id = await s.createNewStudy(['minimize'], longest);
    const t = await s.createNewTrial(id);
    await s.setTrialParam(t.trialId, longest, 0.25, floatDistribution(0, 1));
    await s.setTrialUserAttr(t.trialId, longest, 'v');
    await s.setStudySystemAttr(id, longest, 'v');
    const tooLong = 'n'.repeat(513);
    const limit = /is 513 characters long; Optuna's storage schema \(VARCHAR\(512\)\) holds at most 512/;
    await refused(s.createNewStudy(['minimize'], tooLong), /The study name .*is 513 characters/);
    await refused(s.setTrialParam(t.trialId, tooLong, 0, floatDistribution(0, 1)), limit);
    await refused(s.setTrialUserAttr(t.trialId, tooLong, 1), limit);
    await refused(s.setStudyUserAttr(id, tooLong, 1), limit);
    for (const nul of ['a\u0000b', '\u0000']) {
      const why = /NUL character .*PostgreSQL cannot store/;
      await refused(s.createNewStudy(['minimize'], nul), why);
      await refused(s.setTrialParam(t.trialId, nul, 0, floatDistribution(0, 1)), why);
      await refused(s.setTrialSystemAttr(t.trialId, nul, 1), why);
      await refused(s.setStudyUserAttr(id, nul, 1), why);
    }
    // NUL inside a value is data, stored as the JSON escape \u0000 and read back as is.
    await s.setTrialUserAttr(t.trialId, 'nul-in-value', 'a\u0000b');
    await s.setTrialState(t.trialId, TrialState.COMPLETE, [0]);
    const other = await open();
    assert.equal(await other.getStudyIdFromName(longest), id);
    const [got] = await other.getAllTrials(id);
    assert.deepEqual({ ...got.params }, { [longest]: 0.25 });
    assert.deepEqual({ ...got.userAttrs }, { [longest]: 'v', 'nul-in-value': 'a\u0000b' });
    assert.deepEqual(await other.getStudySystemAttrs(id), { [longest]: 'v' });
    assert.deepEqual(
      (await other.getAllStudies()).map((x) => x.studyName),
      [longest],
    );
    await s.close();
    await other.close();
  });
}
