/**
 * Interoperability with Optuna 5.0's JournalStorage (the pinned Python environment), on a journal
 * file and on Redis: Optuna reads a journal tunelab wrote and the other way round (params,
 * distributions, values, states, attributes, intermediate values, datetimes), a Python worker and a
 * TypeScript worker optimize one study through one journal at the same time, every log tunelab
 * writes is the text Python's json.dumps would write with the fields Optuna writes, the lock files
 * exclude each other both ways, and a Redis journal with Optuna's snapshot reads the same.
 *
 * Everything runs in a time zone away from UTC by a fraction of an hour: the journal holds UTC
 * datetimes with an offset and Optuna shows them in local time; both sides must agree on the instant.
 */
process.env.TZ = 'Asia/Kolkata'; // before any Date is made; inherited by the Python children
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  copyStudy,
  createStudy,
  distributionToJson,
  JournalFileBackend,
  JournalRedisBackend,
  JournalStorage,
  loadStudy,
  RandomSampler,
  Rng,
  TrialPruned,
  TrialState,
  type FrozenTrial,
  type Study,
} from '../../src';
import { JournalFileOpenLock, JournalFileSymlinkLock } from '../../src/entries/storage';
import { pyFloatRepr } from '../../src/storage/journal/pyjson';
import { decodeJson } from '../../src/storage/rdb/codec';
import { within } from '../helpers/async';
import { PYTHON } from '../helpers/python';
import { startRedis, type RedisServer } from '../helpers/redis';
import { enc, iso, runTypeScriptWorkerBesidePython } from '../helpers/sharedStudy';

const execFileAsync = promisify(execFile);
const STATE_NAMES = ['RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'WAITING'];

/**
 * A journal both sides can open: `file:<path>` or `redis:<url>#<prefix>`. Python's open_storage and
 * openJournal below turn it into Optuna's and tunelab's JournalStorage.
 */
type Spec = string;

const OPEN_PY = `
import sys, warnings, optuna
warnings.simplefilter('ignore')  # JournalRedisBackend's ExperimentalWarning
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend, JournalRedisBackend
optuna.logging.set_verbosity(optuna.logging.ERROR)
def open_storage(spec):
    kind, _, where = spec.partition(':')
    if kind == 'file':
        return JournalStorage(JournalFileBackend(where))
    url, _, prefix = where.partition('#')
    return JournalStorage(JournalRedisBackend(url, prefix=prefix))
`;

function openJournal(spec: Spec): JournalStorage {
  const [kind, ...rest] = spec.split(':');
  const where = rest.join(':');
  if (kind === 'file') return new JournalStorage(new JournalFileBackend(where));
  const [url, prefix] = where.split('#');
  return new JournalStorage(new JournalRedisBackend(url, { prefix }));
}

/** Python: load a study with Optuna from a journal and print it in a neutral JSON shape. */
const DUMP_PY = `${OPEN_PY}
import json, math
from optuna.distributions import distribution_to_json
def enc(v):
    if isinstance(v, float) and math.isnan(v): return 'NaN'
    if isinstance(v, float) and math.isinf(v): return 'Infinity' if v > 0 else '-Infinity'
    return v
s = optuna.load_study(study_name=sys.argv[2], storage=open_storage(sys.argv[1]))
print(json.dumps({
  'directions': [d.name.lower() for d in s.directions],
  'user_attrs': s.user_attrs,
  'system_attrs': s._storage.get_study_system_attrs(s._study_id),
  'trials': [{
    'id': t._trial_id, 'number': t.number, 'state': t.state.name,
    'values': [enc(v) for v in t.values] if t.values is not None else None,
    'params': t.params,
    'distributions': {k: json.loads(distribution_to_json(d)) for k, d in t.distributions.items()},
    'intermediate': {str(k): enc(v) for k, v in sorted(t.intermediate_values.items())},
    'user_attrs': t.user_attrs, 'system_attrs': t.system_attrs,
    'start': t.datetime_start.isoformat(timespec='milliseconds') if t.datetime_start else None,
    'complete': t.datetime_complete.isoformat(timespec='milliseconds') if t.datetime_complete else None,
  } for t in s.get_trials(deepcopy=False)],
}))
`;

/** Python: write studies with Optuna that exercise every kind of log and value tunelab must read. */
const WRITE_PY = `${OPEN_PY}
storage = open_storage(sys.argv[1])
s = optuna.create_study(storage=storage, study_name=sys.argv[2], direction='maximize', sampler=optuna.samplers.RandomSampler(seed=1))
s.set_user_attr('dataset', {'name': 'iris', 'rows': 150, 'ünï': [1e-05, 1e16, 0.1]})
storage.set_study_system_attr(s._study_id, 'sys', {'k': [1, None]})
def objective(t):
    a = t.suggest_float('a', 1e-4, 1.0, log=True)
    b = t.suggest_float('b', 0.0, 1.0, step=0.1)
    n = t.suggest_int('n', 2, 64, log=True)
    c = t.suggest_categorical('c', ['relu', None, True, 3])
    t.set_user_attr('tag', ['x', t.number])
    t.storage.set_trial_system_attr(t._trial_id, 'sampler_note', {'n': n})
    t.report(a, 0); t.report(float('inf'), 1); t.report(float('nan'), 2)
    if t.number % 5 == 3: raise optuna.TrialPruned()
    if t.number % 7 == 6: raise ValueError('boom')
    return a + b + n if t.number != 4 else float('inf')
s.optimize(objective, n_trials=15, catch=(ValueError,))
s.enqueue_trial({'a': 0.5, 'n': 8})
s.optimize(objective, n_trials=1)  # claims the enqueued trial (a RUNNING state log)
s.enqueue_trial({'a': 0.25, 'n': 4})
m = optuna.create_study(storage=storage, study_name=sys.argv[2] + '-mo', directions=['minimize', 'maximize'])
m.optimize(lambda t: (t.suggest_float('x', 0, 1), t.suggest_float('y', 0, 1)), n_trials=4)
`;

type Dump = {
  directions: string[];
  user_attrs: Record<string, unknown>;
  system_attrs: Record<string, unknown>;
  trials: Array<Record<string, unknown>>;
};

async function dumpTunelab(study: Study): Promise<Dump> {
  await study.refresh();
  return {
    directions: [...study.directions],
    user_attrs: await study.getUserAttrs(),
    system_attrs: await study.storage.getStudySystemAttrs(study.studyId),
    trials: study.trials.map((t: FrozenTrial) => ({
      id: t.trialId,
      number: t.number,
      state: STATE_NAMES[t.state],
      values: t.values ? t.values.map(enc) : null,
      params: { ...t.params },
      distributions: Object.fromEntries(Object.entries(t.distributions).map(([k, d]) => [k, JSON.parse(distributionToJson(d))])),
      intermediate: Object.fromEntries([...t.intermediateValues].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), enc(v)])),
      user_attrs: { ...t.userAttrs },
      system_attrs: { ...t.systemAttrs },
      start: iso(t.datetimeStart),
      complete: iso(t.datetimeComplete),
    })),
  };
}

function pyDump(spec: Spec, name: string): Dump {
  return JSON.parse(execFileSync(PYTHON, ['-c', DUMP_PY, spec, name], { encoding: 'utf8', timeout: 60_000 })) as Dump;
}

/** A study written by tunelab with every kind of log: params of each distribution, reports, attrs, all states. */
async function writeTunelabStudy(spec: Spec, name: string): Promise<Study> {
  const study = await createStudy({ storage: openJournal(spec), studyName: name, sampler: new RandomSampler({ seed: 7 }) });
  await study.setUserAttr('owner', { team: 'ml', 'ünï 🎯': [1e-5, 1e16, 123456789.125, 0.1, -0, 3] });
  await study.storage.setStudySystemAttr(study.studyId, 'sys', { k: [1, null] });
  await study.optimize(
    (t) => {
      const lr = t.suggestFloat('lr', 1e-5, 1, { log: true });
      const drop = t.suggestFloat('drop', 0, 0.5, { step: 0.05 });
      const units = t.suggestInt('units', 16, 256, { step: 16 });
      const act = t.suggestCategorical('act', ['relu', 'tanh', null, false, 2]);
      t.setUserAttr('note', { act, list: [1, 'two'], big: 2 ** 60 });
      t.report(lr, 0);
      t.report(Infinity, 1);
      t.report(NaN, 2);
      if (t.number % 4 === 1) throw new TrialPruned();
      if (t.number % 5 === 2) throw new Error('diverged');
      return t.number === 3 ? 2 : lr * units + drop;
    },
    { nTrials: 14, showProgressBar: false, catch: [Error] },
  );
  await study.enqueueTrial({ lr: 0.01, units: 32 });
  await study.enqueueTrial({ lr: 0.02, units: 48 });
  const claimed = await study.ask(); // claims the first enqueued trial
  assert.equal(claimed.suggestFloat('lr', 1e-5, 1, { log: true }), 0.01);
  await study.tell(claimed, 5);
  const running = await study.ask(); // claims the second
  running.suggestFloat('lr', 1e-5, 1, { log: true });
  await running.flush();
  await study.enqueueTrial({ lr: 0.03 }); // stays WAITING
  const mo = await createStudy({ storage: study.storage, studyName: `${name}-mo`, directions: ['minimize', 'maximize'] });
  await mo.optimize((t) => [t.suggestFloat('x', 0, 1), t.suggestFloat('y', 0, 1)], { nTrials: 3, showProgressBar: false });
  return study;
}

function interop(backend: string, newSpec: (name: string) => Spec): void {
  describe(`Optuna 5.0 JournalStorage interoperability on ${backend}`, () => {
    it('Optuna reads a journal tunelab wrote exactly (ids, numbers, states, params, values, reports, attrs, datetimes)', async () => {
      const spec = newSpec('tl-to-optuna');
      const study = await writeTunelabStudy(spec, 'from-tunelab');
      for (const name of ['from-tunelab', 'from-tunelab-mo']) {
        const ours = await dumpTunelab(name === 'from-tunelab' ? study : await loadStudy({ studyName: name, storage: study.storage }));
        assert.deepEqual(pyDump(spec, name), ours);
      }
      const states = new Set((await dumpTunelab(study)).trials.map((t) => t.state));
      for (const s of ['COMPLETE', 'PRUNED', 'FAIL', 'RUNNING', 'WAITING']) assert.ok(states.has(s), `has a ${s} trial`);
      await study.storage.close();
    });

    it('tunelab reads a journal Optuna wrote exactly, and claims the trial Optuna enqueued', async () => {
      const spec = newSpec('optuna-to-tl');
      execFileSync(PYTHON, ['-c', WRITE_PY, spec, 'from-optuna'], { timeout: 120_000 });
      const storage = openJournal(spec);
      for (const name of ['from-optuna', 'from-optuna-mo']) {
        const study = await loadStudy({ studyName: name, storage });
        assert.deepEqual(await dumpTunelab(study), pyDump(spec, name));
      }
      const study = await loadStudy({ studyName: 'from-optuna', storage });
      assert.equal(study.bestValue, Infinity, 'an infinite objective value round-trips');
      assert.deepEqual(await study.getUserAttrs(), { dataset: { name: 'iris', rows: 150, ünï: [1e-5, 1e16, 0.1] } });
      assert.equal(study.trials.filter((t) => t.state === TrialState.WAITING).length, 1);
      const t = await study.ask();
      assert.equal(t.suggestFloat('a', 1e-4, 1, { log: true }), 0.25);
      assert.equal(t.suggestInt('n', 2, 64, { log: true }), 4);
      await study.tell(t, 1);
      const theirs = pyDump(spec, 'from-optuna');
      assert.deepEqual(theirs.trials.at(-1)!.state, 'COMPLETE');
      assert.deepEqual(theirs.trials.at(-1)!.params, { a: 0.25, n: 4 });
      await storage.close();
    });

    it('a Python worker and a TypeScript worker optimize one study through one journal at once', async () => {
      const spec = newSpec('mixed');
      const study = await createStudy({ storage: openJournal(spec), studyName: 'mixed', direction: 'minimize' });
      const python = execFileAsync(
        PYTHON,
        [
          '-c',
          `${OPEN_PY}
import time
s = optuna.load_study(study_name='mixed', storage=open_storage(sys.argv[1]))
def objective(t):
    x = t.suggest_float('x', -3, 3)
    t.set_user_attr('who', 'python')
    t.report(x, 0)
    time.sleep(0.02)
    return x * x
s.optimize(objective, n_trials=40)
print(len(s.trials))
`,
          spec,
        ],
        { timeout: 120_000 },
      );
      await runTypeScriptWorkerBesidePython(study, 30);
      const { stdout } = await python;
      assert.ok(Number(stdout.trim()) >= 40, `Python saw ${stdout.trim()} trials when it finished`);
      const ours = await dumpTunelab(study);
      assert.equal(ours.trials.length, 70);
      assert.deepEqual(
        ours.trials.map((t) => t.number),
        Array.from({ length: 70 }, (_, i) => i),
      );
      assert.ok(ours.trials.every((t) => t.state === 'COMPLETE' && Object.keys(t.intermediate as object).length === 1));
      const who = (w: string) => ours.trials.filter((t) => (t.user_attrs as { who: string }).who === w).map((t) => t.number as number);
      assert.equal(who('python').length, 40);
      assert.equal(who('typescript').length, 30);
      assert.ok(Math.min(...who('typescript')) < Math.max(...who('python')), 'the workers overlapped');
      assert.deepEqual(pyDump(spec, 'mixed'), ours, 'Optuna reads the same 70 trials');
      await study.storage.close();
    });
  });
}

/**
 * Python checks each line: parsed and dumped again by json.dumps it is the same text (floats in repr
 * form, ASCII escapes, separators), its keys, in order, are keys Optuna itself writes for that op, and
 * a distribution is the text Optuna's distribution_to_json writes.
 */
const CHECK_LINES_PY = `
import json, sys
ours, theirs, compact = sys.argv[1], sys.argv[2], sys.argv[3] == 'compact'
seps = (',', ':') if compact else (', ', ': ')
optuna_keys = {}
for line in open(theirs, encoding='utf-8'):
    log = json.loads(line)
    optuna_keys.setdefault(log['op_code'], set()).add(tuple(log.keys()))
problems, ops = [], set()
for i, line in enumerate(open(ours, encoding='utf-8')):
    text = line.rstrip('\\n')
    log = json.loads(text)
    ops.add(log['op_code'])
    again = json.dumps(log, separators=seps)
    if again != text: problems.append(f'line {i}: {text!r} != {again!r}')
    if 'distribution' in log:
        from optuna.distributions import distribution_to_json, json_to_distribution
        d = log['distribution']
        if distribution_to_json(json_to_distribution(d)) != d: problems.append(f'line {i}: distribution {d!r} is not the text Optuna writes')
    if tuple(log.keys()) not in optuna_keys.get(log['op_code'], ()):
        problems.append(f'line {i}: keys {list(log.keys())} are not keys Optuna writes for op {log["op_code"]}: {optuna_keys.get(log["op_code"])}')
print(json.dumps({'problems': problems[:10], 'ops': sorted(ops)}))
`;

describe('Journal file: the log text and the lock files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunelab-journal-interop-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("writes floats as Python's repr does, over every magnitude", () => {
    const rng = new Rng(11);
    const xs: number[] = [
      0,
      -0,
      1,
      -1,
      0.1,
      1e-4,
      1e-5,
      9.999e-5,
      1e15,
      1e16,
      2 ** 53,
      2 ** 53 + 2,
      1.5e300,
      5e-324,
      Number.MAX_VALUE,
      123456789.125,
    ];
    for (let i = 0; i < 3000; i++) xs.push((rng.random() - 0.5) * 10 ** Math.floor(rng.random() * 60 - 30));
    const ours = xs.map(pyFloatRepr);
    const theirs = JSON.parse(
      execFileSync(PYTHON, ['-c', 'import json, sys; print(json.dumps([repr(float(x)) for x in json.load(sys.stdin)]))'], {
        input: JSON.stringify(xs.map((x) => (Object.is(x, -0) ? '-0.0' : String(x)))),
        encoding: 'utf8',
      }),
    ) as string[];
    assert.deepEqual(ours, theirs);
  });

  interop('a journal file', (name) => `file:${join(dir, `${name}.log`)}`);

  it("every line tunelab writes is json.dumps' own text, with the keys Optuna writes for that operation", async () => {
    const ours = join(dir, 'lines-ours.log');
    const theirs = join(dir, 'lines-theirs.log');
    const study = await writeTunelabStudy(`file:${ours}`, 'lines');
    await study.storage.deleteStudy(await study.storage.getStudyIdFromName('lines-mo'));
    await study.storage.close();
    execFileSync(PYTHON, ['-c', `${WRITE_PY}\nstorage.delete_study(m._study_id)`, `file:${theirs}`, 'lines'], { timeout: 120_000 });
    const report = JSON.parse(execFileSync(PYTHON, ['-c', CHECK_LINES_PY, ours, theirs, 'compact'], { encoding: 'utf8' })) as {
      problems: string[];
      ops: number[];
    };
    assert.deepEqual(report.problems, []);
    assert.deepEqual(report.ops, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'every operation but DISCARD_TRIALS was checked');
    assert.match(readFileSync(ours, 'utf8'), /\\u00fcn\\u00ef \\ud83c\\udfaf/, 'non-ASCII written as Python escapes it');
  });

  it("copyStudy into a journal writes the very CREATE_TRIAL logs Optuna's copy_study writes", async () => {
    const source = `sqlite:///${join(dir, 'copy-source.db')}`;
    const study = await createStudy({ storage: source, studyName: 'copied', sampler: new RandomSampler({ seed: 3 }) });
    await study.setUserAttr('owner', 'me');
    await study.optimize(
      (t) => {
        const x = t.suggestFloat('x', 0, 1);
        t.suggestInt('n', 1, 8, { log: true });
        t.suggestCategorical('c', ['a', null, 2]);
        t.report(x, 0);
        t.report(NaN, 1);
        t.setUserAttr('u', { x });
        if (x < 0.3) throw new TrialPruned();
        if (x > 0.8) throw new Error('high');
        return x;
      },
      { nTrials: 12, showProgressBar: false, catch: [Error] },
    );
    await study.enqueueTrial({ x: 0.5 });
    await study.storage.close();
    const ours = join(dir, 'copy-ours.log');
    const theirs = join(dir, 'copy-theirs.log');
    await copyStudy({ fromStudyName: 'copied', fromStorage: source, toStorage: `journal:///${ours}` });
    execFileSync(
      PYTHON,
      [
        '-c',
        `${OPEN_PY}\noptuna.copy_study(from_study_name='copied', from_storage=sys.argv[1], to_storage=open_storage(sys.argv[2]))`,
        source,
        `file:${theirs}`,
      ],
      {
        timeout: 60_000,
      },
    );
    // The same logs, field for field and value for value (distribution texts included); only the
    // worker ids differ, and the order of parameters, which follows each storage's reading order.
    const createTrialLogs = (path: string) =>
      readFileSync(path, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{"op_code":4,'))
        .map((l) => ({ ...(decodeJson(l) as Record<string, unknown>), worker_id: '-' }));
    const [a, b] = [createTrialLogs(ours), createTrialLogs(theirs)];
    assert.equal(a.length, 13);
    assert.deepEqual(a, b);
    assert.deepEqual(
      a.map((l) => Object.keys(l)),
      b.map((l) => Object.keys(l)),
      'fields in the same order',
    );
    assert.deepEqual(pyDump(`file:${ours}`, 'copied'), pyDump(`file:${theirs}`, 'copied'));
  });

  for (const [kind, Lock, pyLock] of [
    ['symlink', JournalFileSymlinkLock, 'JournalFileSymlinkLock'],
    ['open', JournalFileOpenLock, 'JournalFileOpenLock'],
  ] as const) {
    it(`Optuna's ${pyLock} and tunelab's exclude each other: an append waits while the other side holds the lock`, async () => {
      const path = join(dir, `lock-${kind}.log`);
      const storage = new JournalStorage(new JournalFileBackend(path, { lock: new Lock(path) }));
      const id = await storage.createNewStudy(['minimize'], 'locked');
      const lines = () => readFileSync(path, 'utf8').split('\n').filter(Boolean).length;

      // Python holds the lock; tunelab's append waits for it.
      const holder = spawn(PYTHON, [
        '-c',
        `import sys
from optuna.storages.journal import ${pyLock}
lock = ${pyLock}(sys.argv[1]); lock.acquire(); print('locked', flush=True)
sys.stdin.readline(); lock.release(); print('released', flush=True)`,
        path,
      ]);
      let out = '';
      holder.stdout.on('data', (d) => (out += d));
      holder.stderr.on('data', (d) => (out += d));
      await within(
        60_000,
        `Python taking the lock (${out})`,
        new Promise<void>((resolve) => {
          const check = (): unknown => (out.includes('locked') ? resolve() : setTimeout(check, 20));
          check();
        }),
      );
      const before = lines();
      let done = false;
      const append = storage.setStudyUserAttr(id, 'by', 'tunelab').then(() => (done = true));
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(done, false, 'the append waits while Python holds the lock');
      assert.equal(lines(), before, 'nothing was written meanwhile');
      holder.stdin.write('\n');
      await within(20_000, 'the append after Python released the lock', append);
      assert.equal(lines(), before + 1);
      await within(20_000, 'the Python holder exiting', new Promise((r) => holder.once('exit', r)));

      // tunelab holds the lock; Optuna's append waits for it.
      const lock = new Lock(path);
      await lock.acquire();
      const writer = spawn(PYTHON, [
        '-c',
        `${OPEN_PY}
from optuna.storages.journal import ${pyLock}
storage = JournalStorage(JournalFileBackend(sys.argv[1], lock_obj=${pyLock}(sys.argv[1])))
sid = storage.get_study_id_from_name('locked')
print('appending', flush=True)
storage.set_study_user_attr(sid, 'by', 'optuna')
print('done', flush=True)`,
        path,
      ]);
      let wout = '';
      writer.stdout.on('data', (d) => (wout += d));
      writer.stderr.on('data', (d) => (wout += d));
      try {
        await within(
          60_000,
          `Python reaching its append (${wout})`,
          new Promise<void>((resolve) => {
            const check = (): unknown => (wout.includes('appending') ? resolve() : setTimeout(check, 20));
            check();
          }),
        );
        await new Promise((r) => setTimeout(r, 500));
        assert.ok(!wout.includes('done'), `Optuna's append waits while tunelab holds the lock: ${wout}`);
        assert.equal(lines(), before + 1);
      } finally {
        await lock.release();
      }
      await within(30_000, `Optuna's append after the release (${wout})`, new Promise((r) => writer.once('exit', r)));
      assert.match(wout, /done/);
      assert.equal(lines(), before + 2);
      assert.deepEqual(await storage.getStudyUserAttrs(id), { by: 'optuna' });
      await storage.close();
    });
  }
});

describe('Redis journal', () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedis();
  });
  after(() => redis?.destroy());

  interop('Redis', (name) => `redis:${redis.url()}#${name}`);

  it("uses Optuna's keys and log text, and reads a journal for which Optuna saved a snapshot", async () => {
    const spec = `redis:${redis.url()}#snap`;
    // 105 trials: Optuna pickles its replay state under :snapshot when trial id 100 is created.
    execFileSync(
      PYTHON,
      [
        '-c',
        `${OPEN_PY}\ns = optuna.create_study(study_name='snap', storage=open_storage(sys.argv[1]))\ns.optimize(lambda t: t.suggest_float('x', 0, 1), n_trials=105)`,
        spec,
      ],
      { timeout: 120_000 },
    );
    const keys = JSON.parse(
      execFileSync(
        PYTHON,
        [
          '-c',
          `import json, sys, redis
r = redis.Redis.from_url(sys.argv[1])
print(json.dumps({'snapshot': r.exists('snap:snapshot'), 'n': int(r.get('snap:log_number')), 'first': r.get('snap:log:0').decode()}))`,
          redis.url(),
        ],
        { encoding: 'utf8' },
      ),
    ) as { snapshot: number; n: number; first: string };
    assert.equal(keys.snapshot, 1, 'Optuna saved a snapshot');
    const storage = openJournal(spec);
    const study = await loadStudy({ studyName: 'snap', storage });
    assert.equal(study.trials.length, 105);
    assert.ok(study.trials.every((t) => t.state === TrialState.COMPLETE));
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 5, showProgressBar: false });
    // A new Optuna process starts from its snapshot and reads tunelab's logs after it.
    const theirs = pyDump(spec, 'snap');
    assert.equal(theirs.trials.length, 110);
    assert.deepEqual(theirs, await dumpTunelab(study));
    // tunelab's logs sit under Optuna's keys, as json.dumps(log) (default separators) text.
    const check = JSON.parse(
      execFileSync(
        PYTHON,
        [
          '-c',
          `import json, sys, redis
r = redis.Redis.from_url(sys.argv[1])
n = int(r.get('snap:log_number'))
bad = []
for i in range(n - 15, n + 1):
    text = r.get(f'snap:log:{i}').decode()
    if json.dumps(json.loads(text)) != text: bad.append(text)
print(json.dumps({'n': n, 'bad': bad}))`,
          redis.url(),
        ],
        { encoding: 'utf8' },
      ),
    ) as { n: number; bad: string[] };
    assert.ok(check.n > keys.n, 'tunelab appended after the logs Optuna wrote');
    assert.deepEqual(check.bad, []);
    await storage.close();
  });
});
