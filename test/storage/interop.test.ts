/**
 * Interoperability with Optuna 3.1 (Debian's python3-optuna), both ways, on SQLite and PostgreSQL:
 * Optuna's load_study reads a tunelab study, tunelab reads an Optuna study, and a Python worker and a
 * TypeScript worker optimize one study at the same time.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  createStudy,
  distributionToJson,
  loadStudy,
  RandomSampler,
  TrialPruned,
  TrialState,
  type FrozenTrial,
  type Study,
} from '../../src';
import { formatDatetime } from '../../src/storage/rdb/codec';
import { startPostgres, type PostgresServer } from '../helpers/postgres';
import { PYTHON } from '../helpers/python';

const execFileAsync = promisify(execFile);
const STATE_NAMES = ['RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'WAITING'];

/** Python: load a study with Optuna and print it in a neutral JSON shape (non-finite floats as strings). */
const DUMP_PY = `
import json, math, sys, optuna
from optuna.distributions import distribution_to_json
def enc(v):
    if isinstance(v, float) and math.isnan(v): return 'NaN'
    if isinstance(v, float) and math.isinf(v): return 'Infinity' if v > 0 else '-Infinity'
    return v
s = optuna.load_study(study_name=sys.argv[2], storage=sys.argv[1])
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
    'start': t.datetime_start.isoformat(timespec='milliseconds') if t.datetime_start else None,
    'complete': t.datetime_complete.isoformat(timespec='milliseconds') if t.datetime_complete else None,
  } for t in s.get_trials(deepcopy=False)],
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

type Dump = {
  directions: string[];
  user_attrs: Record<string, unknown>;
  trials: Array<Record<string, unknown>>;
};

const enc = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v);
const iso = (d: Date | null) => (d ? formatDatetime(d).replace(' ', 'T').slice(0, 23) : null);

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
      start: iso(t.datetimeStart),
      complete: iso(t.datetimeComplete),
    })),
  };
}

const pyDump = (url: string, name: string): Dump =>
  JSON.parse(execFileSync(PYTHON, ['-c', DUMP_PY, url, name], { encoding: 'utf8' }));

function interop(backend: string, newUrl: (name: string) => Promise<string>): void {
  describe(`Optuna 3.1 interoperability on ${backend}`, () => {
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
        { nTrials: 14, showProgressBar: false },
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
      execFileSync(PYTHON, ['-c', WRITE_PY, url, 'from-optuna']);
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
        url,
      ]);
      // Start once Python has begun, so the two really interleave.
      for (let i = 0; i < 300; i++) {
        await study.refresh();
        if (study.trials.length > 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await study.optimize(
        async (t) => {
          const x = t.suggestFloat('x', -3, 3);
          t.setUserAttr('who', 'typescript');
          t.report(x, 0);
          await new Promise((r) => setTimeout(r, 20));
          return x * x;
        },
        { nTrials: 30, showProgressBar: false },
      );
      await python;
      await study.refresh();
      const trials = study.trials;
      assert.equal(trials.length, 70);
      assert.deepEqual(trials.map((t) => t.number), Array.from({ length: 70 }, (_, i) => i));
      assert.ok(trials.every((t) => t.state === TrialState.COMPLETE && t.intermediateValues.size === 1));
      const who = (w: string) => trials.filter((t) => t.userAttrs.who === w).map((t) => t.number);
      assert.equal(who('python').length, 40);
      assert.equal(who('typescript').length, 30);
      assert.ok(Math.min(...who('typescript')) < Math.max(...who('python')), 'the workers overlapped');
      assert.deepEqual(pyDump(url, 'mixed').trials.length, 70);
      await study.storage.close();
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'tunelab-interop-'));
after(() => rmSync(dir, { recursive: true, force: true }));
interop('SQLite', async (name) => `sqlite:///${join(dir, `${name}.db`)}`);

let server: PostgresServer;
before(async () => {
  server = await startPostgres();
});
after(() => server?.destroy());
interop('PostgreSQL', (name) => server.createDatabase(name));
