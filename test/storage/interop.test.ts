/**
 * Interoperability with Optuna 5.0 (the pinned Python environment), both ways, on SQLite and
 * PostgreSQL: Optuna's load_study reads a tunelab study, tunelab reads an Optuna study (constraints in
 * both of Optuna's formats included), a Python worker and a TypeScript worker optimize one study at
 * the same time, and a database at Optuna 3.0/3.1's schema (v3.0.0.d) is read by tunelab without
 * being changed and made usable by Optuna 5 with `tunelab storage upgrade`, exactly as
 * `optuna storage upgrade` would.
 *
 * Everything runs in a time zone away from UTC by a fraction of an hour: Optuna 5 stores trial
 * datetimes as naive UTC and shows them in local time, and both sides must agree on the instant.
 */
process.env.TZ = 'Asia/Kolkata'; // before any Date is made; inherited by the Python children
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  createStudy,
  distributionToJson,
  floatDistribution,
  loadStudy,
  NSGAIISampler,
  RandomSampler,
  StorageError,
  TrialPruned,
  TrialState,
  type FrozenTrial,
  type Storage,
  type Study,
} from '../../src';
import { trialConstraints } from '../../src/entries/multiobjective';
import { binDir, sqlalchemyUrl, startPostgres, type PostgresServer } from '../helpers/postgres';
import { PYTHON, pythonBin, pythonEnv } from '../helpers/python';
import { enc, iso, runTypeScriptWorkerBesidePython } from '../helpers/sharedStudy';

const execFileAsync = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const CLI = join(__dirname, 'fixtures', 'cli.ts');
const STATE_NAMES = ['RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'WAITING'];

/** Python: load a study with Optuna and print it in a neutral JSON shape (non-finite floats as strings). */
const DUMP_PY = `
import json, math, sys, optuna
from optuna.distributions import distribution_to_json
def enc(v):
    if isinstance(v, float) and math.isnan(v): return 'NaN'
    if isinstance(v, float) and math.isinf(v): return 'Infinity' if v > 0 else '-Infinity'
    return v
storage = sys.argv[1]
if len(sys.argv) > 3 and sys.argv[3] == 'skip-compatibility-check':  # how optuna-dashboard reads old schemas
    storage = optuna.storages.RDBStorage(storage, skip_compatibility_check=True)
s = optuna.load_study(study_name=sys.argv[2], storage=storage)
print(json.dumps({
  'directions': [d.name.lower() for d in s.directions],
  'user_attrs': s.user_attrs,
  'trials': [{
    'number': t.number, 'state': t.state.name,
    'values': [enc(v) for v in t.values] if t.values is not None else None,
    'params': t.params,
    'distributions': {k: json.loads(distribution_to_json(d)) for k, d in t.distributions.items()},
    'intermediate': {str(k): enc(v) for k, v in sorted(t.intermediate_values.items())},
    'user_attrs': t.user_attrs, 'system_attrs': t.system_attrs,
    'constraints': [enc(v) for v in t.constraints.values()],
    'start': t.datetime_start.isoformat(timespec='milliseconds') if t.datetime_start else None,
    'complete': t.datetime_complete.isoformat(timespec='milliseconds') if t.datetime_complete else None,
  } for t in s.get_trials(deepcopy=False)],
  'best': [t.number for t in s.best_trials] if any(t.state == optuna.trial.TrialState.COMPLETE for t in s.trials) else [],
}))
`;

/** Python: write a study with Optuna that exercises every kind of value tunelab must read. */
const WRITE_PY = `
import math, sys, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
s = optuna.create_study(storage=sys.argv[1], study_name=sys.argv[2], direction='maximize', sampler=optuna.samplers.RandomSampler(seed=1))
s.set_user_attr('dataset', {'name': 'iris', 'rows': 150})
def objective(t):
    a = t.suggest_float('a', 1e-4, 1.0, log=True)
    b = t.suggest_float('b', 0.0, 1.0, step=0.1)
    n = t.suggest_int('n', 2, 64, log=True)
    c = t.suggest_categorical('c', ['relu', None, True, 3])
    t.set_user_attr('tag', ['x', t.number])
    t.report(a, 0); t.report(float('inf'), 1); t.report(float('nan'), 2)
    if t.number % 5 == 3: raise optuna.TrialPruned()
    if t.number % 7 == 6: raise ValueError('boom')
    return a + b + n if t.number != 4 else float('inf')
s.optimize(objective, n_trials=15, catch=(ValueError,))
s.enqueue_trial({'a': 0.5, 'n': 8})
m = optuna.create_study(storage=sys.argv[1], study_name=sys.argv[2] + '-mo', directions=['minimize', 'maximize'])
m.optimize(lambda t: (t.suggest_float('x', 0, 1), t.suggest_float('y', 0, 1)), n_trials=4)
`;

/**
 * Python: print a tunelab study's user attributes and metric names as Optuna 5 reads them (NaN as the
 * string 'NaN'), then write another study's with Optuna's own calls.
 */
const STUDY_ATTRS_PY = `
import json, math, sys, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
s = optuna.load_study(study_name=sys.argv[2], storage=sys.argv[1])
enc = lambda v: 'NaN' if isinstance(v, float) and math.isnan(v) else [enc(x) for x in v] if isinstance(v, list) else {k: enc(x) for k, x in v.items()} if isinstance(v, dict) else v
print(json.dumps({'user_attrs': enc(s.user_attrs), 'metric_names': s.metric_names}))
o = optuna.create_study(study_name=sys.argv[3], storage=sys.argv[1])
o.set_user_attr('dataset', {'name': 'iris', 'rows': 150})
o.set_user_attr('inf', float('inf'))
o.set_user_attr('list', ['a', 1, None])
import warnings; warnings.simplefilter('ignore')
o.set_metric_names(['error'])
`;

type Dump = {
  directions: string[];
  user_attrs: Record<string, unknown>;
  trials: Array<Record<string, unknown>>;
  /** Optuna's best_trials (feasible Pareto front; for one objective, the best feasible trials). */
  best: number[];
};

/** tunelab's view of a study in the same JSON shape as DUMP_PY. */
function dumpTunelab(study: Study, userAttrs: Record<string, unknown>): Dump {
  return {
    directions: [...study.directions],
    user_attrs: userAttrs,
    trials: study.trials.map((t: FrozenTrial) => ({
      number: t.number,
      state: STATE_NAMES[t.state],
      values: t.values ? t.values.map(enc) : null,
      params: { ...t.params },
      distributions: Object.fromEntries(Object.entries(t.distributions).map(([k, d]) => [k, JSON.parse(distributionToJson(d))])),
      intermediate: Object.fromEntries([...t.intermediateValues].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), enc(v)])),
      user_attrs: { ...t.userAttrs },
      system_attrs: { ...t.systemAttrs },
      constraints: (trialConstraints(t) ?? []).map(enc),
      start: iso(t.datetimeStart),
      complete: iso(t.datetimeComplete),
    })),
    best: study.trials.some((t) => t.state === TrialState.COMPLETE) ? study.bestTrials.map((t) => t.number).sort((a, b) => a - b) : [],
  };
}

/** The study as Optuna 5 loads it (its best_trials sorted by number, as tunelab's are). */
function pyDump(url: string, name: string, opts: { skipCompatibilityCheck?: boolean } = {}): Dump {
  const args = ['-c', DUMP_PY, sqlalchemyUrl(url), name, ...(opts.skipCompatibilityCheck ? ['skip-compatibility-check'] : [])];
  const dump = JSON.parse(execFileSync(PYTHON, args, { encoding: 'utf8' })) as Dump;
  dump.best.sort((a, b) => a - b);
  return dump;
}

function interop(backend: string, newUrl: (name: string) => Promise<string>): void {
  describe(`Optuna 5.0 interoperability on ${backend}`, () => {
    it("Optuna's load_study reads a tunelab study exactly", async () => {
      const url = await newUrl('tl_to_optuna');
      const study = await createStudy({ storage: url, studyName: 'from-tunelab', sampler: new RandomSampler({ seed: 7 }) });
      await study.setUserAttr('owner', { team: 'ml', size: 3 });
      await study.optimize(
        (t) => {
          const lr = t.suggestFloat('lr', 1e-5, 1, { log: true });
          const drop = t.suggestFloat('drop', 0, 0.5, { step: 0.05 });
          const units = t.suggestInt('units', 16, 256, { step: 16 });
          const act = t.suggestCategorical('act', ['relu', 'tanh', null, false, 2]);
          t.setUserAttr('note', { act, list: [1, 'two'] });
          t.report(lr, 0);
          t.report(Infinity, 1);
          t.report(NaN, 2);
          if (t.number % 4 === 1) throw new TrialPruned();
          if (t.number % 5 === 2) throw new Error('diverged');
          return lr * units + drop;
        },
        { nTrials: 14, showProgressBar: false, catch: [Error] },
      );
      await study.enqueueTrial({ lr: 0.01, units: 32 });
      const running = await study.ask();
      running.suggestFloat('lr', 1e-5, 1, { log: true });
      await running.flush();
      await study.refresh();
      const ours = dumpTunelab(study, await study.getUserAttrs());
      const theirs = pyDump(url, 'from-tunelab');
      assert.deepEqual(theirs, ours);
      const states = new Set(theirs.trials.map((t) => t.state));
      for (const s of ['COMPLETE', 'PRUNED', 'FAIL', 'RUNNING']) assert.ok(states.has(s), `has a ${s} trial`);
      await study.tell(running, 1);
      await study.storage.close();
    });

    it('tunelab reads a study Optuna wrote exactly (single and multi-objective)', async () => {
      const url = await newUrl('optuna_to_tl');
      execFileSync(PYTHON, ['-c', WRITE_PY, sqlalchemyUrl(url), 'from-optuna']);
      for (const name of ['from-optuna', 'from-optuna-mo']) {
        const study = await loadStudy({ studyName: name, storage: url });
        const ours = dumpTunelab(study, await study.getUserAttrs());
        assert.deepEqual(ours, pyDump(url, name));
        await study.storage.close();
      }
      const study = await loadStudy({ studyName: 'from-optuna', storage: url });
      assert.equal(study.bestValue, Infinity, 'an infinite objective value round-trips');
      assert.equal(study.trials.filter((t) => t.state === TrialState.WAITING).length, 1);
      // The enqueued trial (fixed_params written by Optuna) is picked up by tunelab's ask.
      const t = await study.ask();
      assert.equal(t.suggestFloat('a', 1e-4, 1, { log: true }), 0.5);
      assert.equal(t.suggestInt('n', 2, 64, { log: true }), 8);
      await study.tell(t, 1);
      await study.storage.close();
    });

    it("study user attributes and metric names agree both ways (Optuna's study_user_attributes and 'study:metric_names')", async () => {
      const url = await newUrl('study_attrs');
      const study = await createStudy({ storage: url, studyName: 'attrs-from-tunelab', directions: ['minimize', 'maximize'] });
      const ours = { owner: { team: 'ml', size: 3 }, seeds: [1, 2, NaN], note: 'naïve ✓', flag: false, none: null };
      for (const [k, v] of Object.entries(ours)) await study.setUserAttr(k, v);
      await study.setMetricNames(['loss', 'accuracy']);
      const py = JSON.parse(
        execFileSync(PYTHON, ['-c', STUDY_ATTRS_PY, sqlalchemyUrl(url), 'attrs-from-tunelab', 'attrs-from-optuna'], { encoding: 'utf8' }),
      ) as { user_attrs: Record<string, unknown>; metric_names: string[] | null };
      assert.deepEqual(
        py,
        { user_attrs: { ...ours, seeds: [1, 2, 'NaN'] }, metric_names: ['loss', 'accuracy'] },
        'Optuna reads what tunelab wrote',
      );
      const theirs = await loadStudy({ studyName: 'attrs-from-optuna', storage: url });
      assert.deepEqual(
        theirs.userAttrs,
        { dataset: { name: 'iris', rows: 150 }, inf: Infinity, list: ['a', 1, null] },
        'tunelab reads what Optuna wrote',
      );
      assert.deepEqual(theirs.metricNames, ['error']);
      await theirs.storage.close();
      await study.storage.close();
    });

    it('a Python worker and a TypeScript worker optimize the same study at once', async () => {
      const url = await newUrl('mixed_workers');
      const study = await createStudy({ storage: url, studyName: 'mixed', direction: 'minimize' });
      const python = execFileAsync(PYTHON, [
        '-c',
        `
import sys, time, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
s = optuna.load_study(study_name='mixed', storage=sys.argv[1])
def objective(t):
    x = t.suggest_float('x', -3, 3)
    t.set_user_attr('who', 'python')
    t.report(x, 0)
    time.sleep(0.02)
    return x * x
s.optimize(objective, n_trials=40)
`,
        sqlalchemyUrl(url),
      ]);
      await runTypeScriptWorkerBesidePython(study, 30);
      await python;
      await study.refresh();
      const trials = study.trials;
      assert.equal(trials.length, 70);
      assert.deepEqual(
        trials.map((t) => t.number),
        Array.from({ length: 70 }, (_, i) => i),
      );
      assert.ok(trials.every((t) => t.state === TrialState.COMPLETE && t.intermediateValues.size === 1));
      const who = (w: string) => trials.filter((t) => t.userAttrs.who === w).map((t) => t.number);
      assert.equal(who('python').length, 40);
      assert.equal(who('typescript').length, 30);
      assert.ok(Math.min(...who('typescript')) < Math.max(...who('python')), 'the workers overlapped');
      assert.deepEqual(pyDump(url, 'mixed').trials.length, 70);
      await study.storage.close();
    });

    it("constraints agree both ways: tunelab's list, Optuna 5's set_constraint, feasibility and best trials", async () => {
      const url = await newUrl('constraints');
      // tunelab records constraintsFunc values as the list Optuna's own constraints_func writes.
      const single = await createStudy({
        storage: url,
        studyName: 'tl-constrained',
        direction: 'minimize',
        sampler: new NSGAIISampler({ seed: 3, populationSize: 6, constraintsFunc: (t) => [0.5 - (t.params.x as number), -1] }),
      });
      await single.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 14, showProgressBar: false });
      const multi = await createStudy({
        storage: url,
        studyName: 'tl-constrained-mo',
        directions: ['minimize', 'minimize'],
        sampler: new NSGAIISampler({ seed: 4, populationSize: 6, constraintsFunc: (t) => [(t.params.y as number) - 0.6] }),
      });
      await multi.optimize(
        (t) => {
          const [x, y] = [t.suggestFloat('x', 0, 1), t.suggestFloat('y', 0, 1)];
          return [x, 1 - x + y];
        },
        { nTrials: 14, showProgressBar: false },
      );
      for (const study of [single, multi]) {
        const theirs = pyDump(url, study.studyName);
        assert.deepEqual(theirs, dumpTunelab(study, {}));
        assert.ok(
          theirs.trials.some((t) => (t.constraints as number[]).some((c) => c > 0)),
          'some trial is infeasible',
        );
        assert.ok(
          theirs.trials.some((t) => (t.constraints as number[]).every((c) => c <= 0)),
          'some trial is feasible',
        );
        assert.ok(theirs.best.length > 0);
        await study.storage.close();
      }
      // Optuna 5 writes both formats: trial.set_constraint (one system attr per key) and constraints_func (the list).
      execFileSync(PYTHON, [
        '-c',
        `
import sys, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
s = optuna.create_study(storage=sys.argv[1], study_name='py-set-constraint', sampler=optuna.samplers.RandomSampler(seed=5))
def objective(t):
    x = t.suggest_float('x', 0, 1)
    t.set_constraint('budget', x - 0.7)
    t.set_constraint('floor', 0.2 - x)
    return -x
s.optimize(objective, n_trials=12)
m = optuna.create_study(storage=sys.argv[1], study_name='py-constraints-func', directions=['minimize', 'maximize'],
    sampler=optuna.samplers.NSGAIISampler(seed=6, population_size=4, constraints_func=lambda t: [t.params['x'] - 0.5]))
m.optimize(lambda t: (t.suggest_float('x', 0, 1), t.suggest_float('y', 0, 1)), n_trials=10)
`,
        sqlalchemyUrl(url),
      ]);
      for (const name of ['py-set-constraint', 'py-constraints-func']) {
        const study = await loadStudy({ studyName: name, storage: url });
        const theirs = pyDump(url, name);
        assert.deepEqual(dumpTunelab(study, {}), theirs);
        if (name === 'py-set-constraint') {
          // The unconstrained best (x near 1) is infeasible: both pick the best x <= 0.7.
          assert.ok(Object.keys(study.trials[0].systemAttrs).includes('constraints:budget'));
          assert.equal(study.bestTrial.number, theirs.best[0]);
          assert.ok((study.bestTrial.params.x as number) <= 0.7);
          assert.ok(
            study.trials.some((t) => (t.params.x as number) > 0.7 && t.state === TrialState.COMPLETE),
            'an infeasible better trial exists',
          );
        }
        await study.storage.close();
      }
    });

    it('a v3.0.0.d database (Optuna 3.0/3.1): tunelab reads it, refuses every write naming the upgrade command, changes nothing', async () => {
      const url = await newUrl('legacy_read');
      makeLegacy(url);
      const before = snapshot(url);
      // Optuna 5 itself refuses it until it is upgraded.
      const refused = optunaLoad(url);
      assert.notEqual(refused.status, 0);
      assert.match(refused.stderr, /no longer compatible.*optuna storage upgrade/s);

      const study = await loadStudy({ studyName: 'legacy', storage: url });
      assert.deepEqual(dumpTunelab(study, await study.getUserAttrs()), pyDump(url, 'legacy', { skipCompatibilityCheck: true }));
      assert.equal(study.trials.length, 6);
      const storage = study.storage as Storage & { addTrials(id: number, t: readonly FrozenTrial[]): Promise<void> };
      const [summary] = await storage.getAllStudies();
      assert.deepEqual([summary.studyName, summary.nTrials], ['legacy', 6]);

      const command = new RegExp(
        `v3\\.0\\.0\\.d.*read-only.*'tunelab storage upgrade ${escape(shown(url))}' \\(or 'optuna storage upgrade --storage ${escape(shown(url))}'\\).*Nothing was changed`,
        's',
      );
      const id = study.studyId;
      const trialId = study.trials[0].trialId;
      const writes: Record<string, () => Promise<unknown>> = {
        createNewStudy: () => storage.createNewStudy(['minimize'], 'another'),
        deleteStudy: () => storage.deleteStudy(id),
        setStudyUserAttr: () => storage.setStudyUserAttr(id, 'k', 1),
        setStudySystemAttr: () => storage.setStudySystemAttr(id, 'k', 1),
        setStudySystemAttrIfAbsent: () => storage.setStudySystemAttrIfAbsent(id, 'fresh-key', 1),
        createNewTrial: () => storage.createNewTrial(id),
        setTrialParam: () => storage.setTrialParam(trialId, 'x', 0.5, floatDistribution(-1, 1)),
        setTrialState: () => storage.setTrialState(trialId, TrialState.FAIL, null, TrialState.COMPLETE),
        setTrialIntermediateValue: () => storage.setTrialIntermediateValue(trialId, 9, 1),
        setTrialUserAttr: () => storage.setTrialUserAttr(trialId, 'k', 1),
        setTrialSystemAttr: () => storage.setTrialSystemAttr(trialId, 'k', 1),
        recordHeartbeat: () => storage.recordHeartbeat!(trialId),
        failStaleTrials: () => storage.failStaleTrials!(id, 0),
        addTrials: () => storage.addTrials(id, study.trials.slice(0, 1)),
        'study.optimize': () => study.optimize((t) => t.suggestFloat('x', -1, 1), { nTrials: 1, showProgressBar: false }),
        'createStudy (new)': () => createStudy({ storage: url, studyName: 'new-one' }),
        // Opening for write: createStudy, even of the existing study, because it is about to be written.
        'createStudy (loadIfExists)': () => createStudy({ storage: url, studyName: 'legacy', loadIfExists: true }),
      };
      for (const [name, write] of Object.entries(writes)) {
        await assert.rejects(write(), (e: unknown) => {
          assert.ok(e instanceof StorageError, `${name}: ${String(e)}`);
          assert.match((e as Error).message, command, name);
          return true;
        });
      }
      await storage.close();
      assert.equal(snapshot(url), before, 'the database is exactly as it was');
    });

    it("'tunelab storage upgrade' makes Optuna 5 accept a v3.0.0.d database, exactly as 'optuna storage upgrade' does", async () => {
      const [ours, theirs] = [await newUrl('legacy_ours'), await newUrl('legacy_theirs')];
      makeLegacy(ours);
      makeLegacy(theirs);
      // A tunelab process that has the old database open keeps reading, and may write once it is upgraded.
      const open = await loadStudy({ studyName: 'legacy', storage: ours });
      const upgraded = tunelabCli('storage', 'upgrade', ours);
      assert.equal(upgraded.status, 0, upgraded.stderr);
      assert.match(upgraded.stdout, /Upgraded .* from Optuna storage schema v3\.0\.0\.d to v3\.2\.0\.a/);
      const optunaUpgrade = spawnSync(pythonBin('optuna'), ['storage', 'upgrade', '--storage', sqlalchemyUrl(theirs)], {
        encoding: 'utf8',
        env: pythonEnv(),
        timeout: 120_000,
      });
      assert.equal(optunaUpgrade.status, 0, optunaUpgrade.stderr);
      assert.deepEqual(schemaOf(ours), schemaOf(theirs), 'same tables, indexes and version rows as Optuna made');
      assert.match(JSON.stringify(schemaOf(ours)), /trials_study_id_key/);

      assert.equal(optunaLoad(ours).status, 0, optunaLoad(ours).stderr);
      assert.deepEqual(pyDump(ours, 'legacy'), dumpTunelab(open, await open.getUserAttrs()));
      await open.optimize((t) => t.suggestFloat('x', -1, 1), { nTrials: 3, showProgressBar: false });
      const after = pyDump(ours, 'legacy');
      assert.deepEqual(
        after.trials.map((t) => [t.number, t.state]),
        [0, 1, 2, 3, 4, 5, 6, 7, 8].map((n) => [n, 'COMPLETE']),
      );
      await open.storage.close();
      const again = tunelabCli('storage', 'upgrade', ours);
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stdout, /already at schema v3\.2\.0\.a.*nothing to do/);
    });
  });
}

/** A database at Optuna 3.0/3.1's head: written by Optuna 5, then taken back to v3.0.0.d by hand. */
function makeLegacy(url: string): void {
  execFileSync(PYTHON, [
    '-c',
    `
import sys, optuna, sqlalchemy
optuna.logging.set_verbosity(optuna.logging.ERROR)
s = optuna.create_study(storage=sys.argv[1], study_name='legacy', sampler=optuna.samplers.RandomSampler(seed=2))
s.set_user_attr('owner', 'old-team')
def objective(t):
    x = t.suggest_float('x', -1, 1)
    t.report(x, 0)
    t.set_user_attr('sq', x * x)
    return x * x
s.optimize(objective, n_trials=6)
del s
# What alembic's downgrade to v3.0.0.d does (the index Optuna 5's model declares), plus the release Optuna 3.1 would record.
with sqlalchemy.create_engine(sys.argv[1]).begin() as c:
    c.execute(sqlalchemy.text('DROP INDEX ix_trials_study_id'))
    c.execute(sqlalchemy.text("UPDATE alembic_version SET version_num = 'v3.0.0.d'"))
    c.execute(sqlalchemy.text("UPDATE version_info SET library_version = '3.1.0'"))
`,
    sqlalchemyUrl(url),
  ]);
}

/** Optuna 5's load_study of the 'legacy' study: its exit status and messages. */
function optunaLoad(url: string): { status: number | null; stderr: string } {
  const r = spawnSync(
    PYTHON,
    ['-c', "import sys, optuna; optuna.load_study(study_name='legacy', storage=sys.argv[1])", sqlalchemyUrl(url)],
    {
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  return { status: r.status, stderr: r.stderr };
}

const isPostgres = (url: string) => url.startsWith('postgres');
const sqlitePath = (url: string) => url.replace(/^sqlite:\/\/\//, '');

/** Everything in the database: the file's bytes (SQLite), or a full dump, schema and rows (PostgreSQL). */
function snapshot(url: string): string {
  if (!isPostgres(url))
    return createHash('sha256')
      .update(readFileSync(sqlitePath(url)))
      .digest('hex');
  return execFileSync(join(binDir(), 'pg_dump'), ['--no-owner', '--no-privileges', url], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => !l.startsWith('--') && !l.startsWith('\\') && l.trim() !== '')
    .join('\n');
}

/** Tables, indexes and version rows (tunelab's own extra index left out). */
function schemaOf(url: string): unknown {
  const out = execFileSync(
    PYTHON,
    [
      '-c',
      `
import sys, json, sqlalchemy
e = sqlalchemy.create_engine(sys.argv[1])
i = sqlalchemy.inspect(e)
with e.connect() as c:
    print(json.dumps({
      'tables': {t: {'columns': [[col['name'], str(col['type']), col['nullable']] for col in i.get_columns(t)],
                     'indexes': sorted([[x['name'], x['column_names'], bool(x['unique'])] for x in i.get_indexes(t) if not x['name'].startswith('tunelab_')]),
                     'unique': sorted([[u['column_names']] for u in i.get_unique_constraints(t)]),
                     'fks': [[f['constrained_columns'], f['referred_table']] for f in i.get_foreign_keys(t)]}
                 for t in sorted(i.get_table_names())},
      'version_info': [list(r) for r in c.execute(sqlalchemy.text('select * from version_info'))],
      'alembic': [list(r) for r in c.execute(sqlalchemy.text('select * from alembic_version'))],
    }))
`,
      sqlalchemyUrl(url),
    ],
    { encoding: 'utf8' },
  );
  return JSON.parse(out);
}

/** `tunelab ...` from the TypeScript sources. */
function tunelabCli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The URL as tunelab's messages show it (password replaced). */
const shown = (url: string) => url.replace(/^(postgresql:\/\/[^:/@]*):[^@/]*@/, '$1:PASSWORD@');
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

const dir = mkdtempSync(join(tmpdir(), 'tunelab-interop-'));
after(() => rmSync(dir, { recursive: true, force: true }));
interop('SQLite', async (name) => `sqlite:///${join(dir, `${name}.db`)}`);

let server: PostgresServer;
before(async () => {
  server = await startPostgres();
});
after(() => server?.destroy());
interop('PostgreSQL', (name) => server.createDatabase(name));
