/**
 * Optuna's gRPC storage proxy, both ways, against Optuna 5.0:
 * - tunelab's GrpcStorageProxy (and the `grpc://host:port` URL) as a worker of Optuna's own
 *   `run_grpc_proxy_server` in front of a SQLite database: tunelab's study read back by Optuna
 *   through its GrpcStorageProxy, field for field; Optuna's trials read back by tunelab; the
 *   protocol's errors as tunelab's errors.
 * - tunelab's runGrpcProxyServer in front of a tunelab storage, used by Optuna's GrpcStorageProxy:
 *   an Optuna study optimized, enqueued, added to and deleted through it, then read by tunelab
 *   from the storage itself; requests a client should not send are refused and the server goes on.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createStudy, DuplicatedStudyError, loadStudy, StudyNotFoundError, TrialPruned, TrialState, type Trial } from '../../src';
import { StorageError, TrialFinishedError } from '../../src/errors';
import { getStorage, GrpcStorageProxy, runGrpcProxyServer, type GrpcProxyServer } from '../../src/storage';
import { storageService } from '../../src/storage/grpc/api';
import { freeLoopbackPort } from '../helpers/async';
import { startOptunaGrpcServer, type OptunaGrpcServer } from '../helpers/optunaGrpcServer';
import { PYTHON } from '../helpers/python';
import { incrementalReadContract, namesContract, quotingContract, storableContract, storageContract, type FreshDatabase } from './contract';

const dir = mkdtempSync(join(tmpdir(), 'tunelab-grpc-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PY_PRELUDE = `
import json, math, sys, warnings, optuna
warnings.filterwarnings('ignore')
optuna.logging.set_verbosity(optuna.logging.ERROR)
from optuna.storages import GrpcStorageProxy
def trial_json(t):
    return {'number': t.number, 'state': t.state.name, 'values': t.values, 'params': t.params,
            'distributions': {k: optuna.distributions.distribution_to_json(d) for k, d in t.distributions.items()},
            'user_attrs': t.user_attrs, 'system_attrs': {k: v for k, v in t.system_attrs.items() if not k.startswith('tunelab:')},
            'intermediate_values': {str(k): v for k, v in t.intermediate_values.items()},
            'start': t.datetime_start.timestamp() if t.datetime_start else None,
            'complete': t.datetime_complete.timestamp() if t.datetime_complete else None}
`;

/** A trial of tunelab's as trial_json prints one of Optuna's. */
function trialJson(t: {
  number: number;
  state: TrialState;
  values: readonly number[] | null;
  params: Record<string, unknown>;
  distributions: Record<string, unknown>;
  userAttrs: Record<string, unknown>;
  systemAttrs: Record<string, unknown>;
  intermediateValues: ReadonlyMap<number, number>;
  datetimeStart: Date | null;
  datetimeComplete: Date | null;
}): Record<string, unknown> {
  return {
    number: t.number,
    state: TrialState[t.state],
    values: t.values ? [...t.values] : null,
    params: { ...t.params },
    user_attrs: { ...t.userAttrs },
    system_attrs: Object.fromEntries(Object.entries(t.systemAttrs).filter(([k]) => !k.startsWith('tunelab:'))),
    intermediate_values: Object.fromEntries([...t.intermediateValues].map(([k, v]) => [String(k), v])),
    start: t.datetimeStart ? t.datetimeStart.getTime() / 1000 : null,
    complete: t.datetimeComplete ? t.datetimeComplete.getTime() / 1000 : null,
  };
}

function withoutDistributions(t: Record<string, unknown>): Record<string, unknown> {
  const { distributions: _d, ...rest } = t;
  return rest;
}

/** The objective both libraries' studies run: floats, an integer, a categorical, reports, attributes, a pruned and a failed trial. */
function objective(t: Trial): number {
  const x = t.suggestFloat('x', -3, 3);
  const lr = t.suggestFloat('lr', 1e-4, 1, { log: true });
  const n = t.suggestInt('n', 1, 9, { step: 2 });
  const kind = t.suggestCategorical('kind', ['a', 'b', null]);
  t.setUserAttr('tags', { kind, nested: [1, 2.5, 'x'] });
  t.report(x * x, 0);
  t.report(x * x + lr, 3);
  if (t.number === 4) throw new TrialPruned();
  if (t.number === 6) throw new Error('planted failure');
  return x * x + lr + n + (kind === 'a' ? 0 : 1);
}

describe("tunelab's GrpcStorageProxy with Optuna 5.0's run_grpc_proxy_server", () => {
  let server: OptunaGrpcServer;
  let port: number;
  const db = `sqlite:///${join(dir, 'optuna-served.db')}`;

  before(async () => {
    server = await startOptunaGrpcServer(db);
    port = server.port;
  });
  after(() => server.stop());

  it('writes a study that Optuna reads back field for field, and reads what Optuna adds', async () => {
    const study = await createStudy({ storage: `grpc://localhost:${port}`, studyName: 'from-tunelab' });
    await study.setUserAttr('note', { nan: NaN, inf: -Infinity, list: [1, 2] });
    await study.enqueueTrial({ x: 1.5, kind: null });
    await study.optimize(objective, { nTrials: 10, catch: [Error] });
    assert.deepEqual(
      study.trials.map((t) => TrialState[t.state]),
      ['COMPLETE', 'COMPLETE', 'COMPLETE', 'COMPLETE', 'PRUNED', 'COMPLETE', 'FAIL', 'COMPLETE', 'COMPLETE', 'COMPLETE'],
    );

    const theirs = JSON.parse(
      execFileSync(
        PYTHON,
        [
          '-c',
          `${PY_PRELUDE}
storage = GrpcStorageProxy(host='localhost', port=int(sys.argv[1]))
study = optuna.load_study(study_name='from-tunelab', storage=storage)
before = [trial_json(t) for t in study.trials]
note = study.user_attrs['note']
study.sampler = optuna.samplers.RandomSampler(seed=1)
def objective(t):
    t.set_user_attr('by', 'optuna')
    t.report(0.5, 2)
    return t.suggest_float('x', -3, 3) ** 2 + t.suggest_float('lr', 1e-4, 1, log=True) + t.suggest_int('n', 1, 9, step=2) + 1
study.optimize(objective, n_trials=3)
study.add_trial(optuna.trial.create_trial(params={'x': 0.25, 'lr': 0.01, 'n': 3, 'kind': 'b'},
    distributions={'x': optuna.distributions.FloatDistribution(-3, 3), 'lr': optuna.distributions.FloatDistribution(1e-4, 1, log=True),
                   'n': optuna.distributions.IntDistribution(1, 9, step=2), 'kind': optuna.distributions.CategoricalDistribution(['a', 'b', None])},
    value=4.26, intermediate_values={1: 2.0}, user_attrs={'added': True}))
print(json.dumps({'before': before, 'note': [repr(note['nan']), repr(note['inf']), note['list']],
                  'after': [trial_json(t) for t in study.trials[10:]]}))
storage.close()
`,
          String(port),
        ],
        { encoding: 'utf8' },
      ),
    ) as { before: Record<string, unknown>[]; note: unknown[]; after: Record<string, unknown>[] };

    const ours = study.trials.map(trialJson);
    assert.equal(theirs.before.length, ours.length);
    for (let i = 0; i < ours.length; i++) {
      const [o, t] = [ours[i], theirs.before[i]];
      // Datetimes cross as local time (to the millisecond here: a Date's precision).
      for (const k of ['start', 'complete'] as const) {
        if (o[k] === null) assert.equal(t[k], null);
        else assert.ok(Math.abs((o[k] as number) - (t[k] as number)) < 1e-3, `trial ${i} ${k}: ${o[k]} vs ${t[k]}`);
      }
      assert.deepEqual({ ...withoutDistributions(t), start: 0, complete: 0 }, { ...o, start: 0, complete: 0 }, `trial ${i}`);
    }
    assert.deepEqual(theirs.note, ['nan', '-inf', [1, 2]]);

    // What Optuna added through the proxy, read by tunelab through it.
    await study.refresh();
    const added = study.trials.slice(10).map(trialJson);
    assert.equal(added.length, 4);
    for (let i = 0; i < added.length; i++) {
      assert.deepEqual(
        { ...added[i], start: 0, complete: 0 },
        { ...withoutDistributions(theirs.after[i]), start: 0, complete: 0 },
        `Optuna's trial ${10 + i}`,
      );
    }
    assert.deepEqual(study.trials[13].userAttrs, { added: true });
    assert.equal(study.trials[13].value, 4.26);
  });

  it("answers the protocol's errors as tunelab's errors", async () => {
    const storage = await getStorage(`grpc://localhost:${port}`);
    try {
      await createStudy({ storage, studyName: 'taken' });
      await assert.rejects(createStudy({ storage, studyName: 'taken' }), DuplicatedStudyError);
      await assert.rejects(loadStudy({ storage, studyName: 'no-such-study' }), StudyNotFoundError);
      const study = await loadStudy({ storage, studyName: 'taken' });
      const trial = await study.ask();
      trial.suggestFloat('x', 0, 1);
      await study.tell(trial, 1);
      await assert.rejects(storage.setTrialUserAttr(trial.trialId, 'late', 1), TrialFinishedError);
      assert.equal(await storage.setTrialState(trial.trialId, TrialState.FAIL), false, 'a finished trial is not changed');
      assert.equal((await storage.getTrial(trial.trialId)).state, TrialState.COMPLETE);
      await assert.rejects(storage.getTrial(123456), /No trial with id 123456 in grpc:\/\/localhost:/);
      // Optuna's server has no atomic claim (tunelab's extension answers UNIMPLEMENTED there): read, then write.
      assert.equal(await storage.setStudySystemAttrIfAbsent(study.studyId, 'claim', 1), true);
      assert.equal(await storage.setStudySystemAttrIfAbsent(study.studyId, 'claim', 2), false);
      assert.equal((await storage.getStudySystemAttrs(study.studyId)).claim, 1);
    } finally {
      await storage.close();
    }
    const nobody = new GrpcStorageProxy({ port: await freeLoopbackPort() });
    try {
      await assert.rejects(
        nobody.waitServerReady(300),
        (e: unknown) =>
          e instanceof StorageError && /No gRPC storage proxy answered at grpc:\/\/localhost:\d+ within 300 ms/.test((e as Error).message),
      );
      await assert.rejects(
        nobody.getAllStudies(),
        /No gRPC storage proxy answered at .*Start one \(`optuna\.storages\.run_grpc_proxy_server`, or tunelab's `runGrpcProxyServer`\)/,
      );
    } finally {
      await nobody.close();
    }
    await assert.rejects(getStorage('grpc://localhost'), /A gRPC storage proxy URL is grpc:\/\/host:port/);
  });
});

describe("tunelab's runGrpcProxyServer with Optuna 5.0's GrpcStorageProxy", () => {
  let server: GrpcProxyServer;
  const url = `sqlite:///${join(dir, 'tunelab-served.db')}`;

  before(async () => {
    server = await runGrpcProxyServer(url, { port: 0 });
  });
  after(async () => {
    await server.close();
  });

  it('serves an Optuna study that tunelab then reads from the storage itself', async () => {
    // (Not execFileSync: the server runs in this process, whose event loop must go on.)
    const printed = JSON.parse(
      (
        await promisify(execFile)(
          PYTHON,
          [
            '-c',
            `${PY_PRELUDE}
storage = GrpcStorageProxy(host='localhost', port=int(sys.argv[1]))
storage.wait_server_ready(timeout=30)
study = optuna.create_study(study_name='from-optuna', storage=storage, directions=['minimize', 'maximize'],
                            sampler=optuna.samplers.NSGAIISampler(population_size=4, seed=0))
study.set_user_attr('owner', 'optuna')
study.enqueue_trial({'x': 0.5, 'c': 'q'})
def objective(t):
    x = t.suggest_float('x', 0, 1)
    c = t.suggest_categorical('c', ['p', 'q'])
    t.set_user_attr('__proto__', {'polluted': True})
    if t.number == 5:
        raise ValueError('planted failure')
    return x, (1 - x) ** 2 + (c == 'q')
study.optimize(objective, n_trials=12, catch=(ValueError,))
study.add_trial(optuna.trial.create_trial(params={'x': 0.75, 'c': 'p'},
    distributions={'x': optuna.distributions.FloatDistribution(0, 1), 'c': optuna.distributions.CategoricalDistribution(['p', 'q'])},
    values=[0.75, 0.0625]))
codes = []
try:
    optuna.create_study(study_name='from-optuna', storage=storage)
except optuna.exceptions.DuplicatedStudyError:
    codes.append('duplicated')
try:
    optuna.load_study(study_name='nowhere', storage=storage)
except KeyError:
    codes.append('not found')
doomed = optuna.create_study(study_name='doomed', storage=storage)
optuna.delete_study(study_name='doomed', storage=storage)
print(json.dumps({'trials': [trial_json(t) for t in study.trials], 'codes': codes,
                  'studies': sorted(s.study_name for s in optuna.get_all_study_summaries(storage))}))
storage.close()
`,
            String(server.port),
          ],
          { encoding: 'utf8' },
        )
      ).stdout,
    ) as { trials: Record<string, unknown>[]; codes: string[]; studies: string[] };

    assert.deepEqual(printed.codes, ['duplicated', 'not found']);
    assert.deepEqual(printed.studies, ['from-optuna']);
    const study = await loadStudy({ storage: url, studyName: 'from-optuna' });
    try {
      assert.deepEqual(study.directions, ['minimize', 'maximize']);
      assert.deepEqual(study.userAttrs, { owner: 'optuna' });
      const ours = study.trials.map(trialJson);
      assert.equal(ours.length, 13);
      assert.equal(ours[5].state, 'FAIL');
      assert.equal(ours[12].state, 'COMPLETE');
      for (let i = 0; i < ours.length; i++) {
        const t = printed.trials[i];
        for (const k of ['start', 'complete'] as const) {
          if (t[k] === null) assert.equal(ours[i][k], null);
          else assert.ok(Math.abs((ours[i][k] as number) - (t[k] as number)) < 1e-3, `trial ${i} ${k}: ${ours[i][k]} vs ${t[k]}`);
        }
        assert.deepEqual({ ...ours[i], start: 0, complete: 0 }, { ...withoutDistributions(t), start: 0, complete: 0 }, `trial ${i}`);
      }
      // NSGA-II's generations and parents went through the proxy as attributes (trial 0, enqueued
      // whole, and the added trial 12 asked the sampler nothing, so Optuna gave them no generation).
      assert.ok(study.trials.slice(1, 12).every((t) => typeof t.systemAttrs['NSGAIISampler:generation'] === 'number'));
      assert.ok(Object.keys(await study.getSystemAttrs()).some((k) => k.startsWith('NSGAIISampler:parent:')));
      // A '__proto__' key is an attribute like any other, on both sides.
      assert.deepEqual(Object.getOwnPropertyDescriptor(study.trials[0].userAttrs, '__proto__')?.value, { polluted: true });
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    } finally {
      await study.storage.close();
    }
  });

  it('refuses requests a client should not send, and goes on serving', async () => {
    const grpc = await import('@grpc/grpc-js');
    const { client: Client } = storageService();
    const raw = new Client(`localhost:${server.port}`, grpc.credentials.createInsecure()) as unknown as Record<
      string,
      (request: object, done: (err: { code: number; details: string } | null, reply: unknown) => void) => void
    > & { close(): void };
    const call = (rpc: string, request: object) =>
      new Promise<{ code: number; details: string } | null>((resolve) => raw[rpc](request, (err) => resolve(err)));
    try {
      const proxy = new GrpcStorageProxy({ port: server.port });
      const studyId = await proxy.createNewStudy(['minimize'], 'raw');
      const trial = await proxy.createNewTrial(studyId);
      await proxy.close();
      const refused = [
        await call('SetTrialParameter', {
          trial_id: trial.trialId,
          param_name: 'x',
          param_value_internal: 0.5,
          distribution: '{"name": "Nope"}',
        }),
        await call('SetTrialParameter', { trial_id: trial.trialId, param_name: 'x', param_value_internal: 7, distribution: 'not json' }),
        await call('SetTrialUserAttribute', { trial_id: trial.trialId, key: 'k', value: '{not json' }),
        await call('SetTrialStateValues', { trial_id: trial.trialId, state: 9, values: [] }),
        await call('CreateNewStudy', { directions: [5], study_name: 'bad-direction' }),
        await call('CreateNewStudy', { directions: [0], study_name: 'bad\u0000name' }),
      ];
      assert.deepEqual(
        refused.map((e) => e?.code),
        [3, 3, 3, 3, 3, 3],
        JSON.stringify(refused),
      );
      assert.equal((await call('GetTrial', { trial_id: 987654 }))?.code, 5, 'NOT_FOUND for an unknown trial');
      assert.equal((await call('GetStudyNameFromId', { study_id: 987654 }))?.code, 5, 'NOT_FOUND for an unknown study');
      assert.equal(await call('SetTrialStateValues', { trial_id: trial.trialId, state: 1, values: [1] }), null);
      assert.equal(
        (await call('SetTrialStateValues', { trial_id: trial.trialId, state: 3, values: [] }))?.code,
        9,
        'FAILED_PRECONDITION once finished',
      );
      assert.equal(await call('GetAllStudies', {}), null, 'the server still answers');
    } finally {
      raw.close();
    }
  });
});

describe('GrpcStorageProxy through runGrpcProxyServer over a fresh SQLite database: the Storage contract', () => {
  const servers: GrpcProxyServer[] = [];
  after(async () => {
    for (const server of servers) await server.close();
  });
  let databases = 0;
  const fresh: FreshDatabase = async () => {
    const server = await runGrpcProxyServer(`sqlite:///${join(dir, `contract-${databases++}.db`)}`, { port: 0 });
    servers.push(server);
    return async () => new GrpcStorageProxy({ port: server.port });
  };
  storageContract(fresh);
  incrementalReadContract(fresh);
  storableContract(fresh);
  quotingContract(fresh);
  namesContract(fresh);
});

describe('tunelab grpc-proxy: the server from the command line', () => {
  const cli = join(__dirname, 'fixtures', 'cli.ts');

  it("serves a storage to Optuna's GrpcStorageProxy until SIGTERM, then exits 0 with the storage closed", async () => {
    const url = `sqlite:///${join(dir, 'cli-served.db')}`;
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'grpc-proxy', '--storage', url, '--port', '0'], {
      cwd: join(__dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d;
          const m = /Serving sqlite:\/\/\/.*cli-served\.db over Optuna's gRPC storage API at grpc:\/\/localhost:(\d+); Ctrl-C stops\./.exec(
            out,
          );
          if (m) resolve(Number(m[1]));
        });
        child.once('exit', () => reject(new Error(`grpc-proxy exited before serving:\n${out}`)));
      });
      await promisify(execFile)(PYTHON, [
        '-c',
        `import sys, warnings, optuna; warnings.filterwarnings('ignore'); optuna.logging.set_verbosity(optuna.logging.ERROR)
from optuna.storages import GrpcStorageProxy
study = optuna.create_study(study_name='cli', storage=GrpcStorageProxy(host='localhost', port=int(sys.argv[1])))
study.optimize(lambda t: t.suggest_float('x', 0, 1), n_trials=5)`,
        String(port),
      ]);
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.match(out, /Stopped \(SIGTERM\)\./);
    } finally {
      child.kill('SIGKILL');
    }
    const study = await loadStudy({ storage: url, studyName: 'cli' });
    assert.equal(study.trials.filter((t) => t.state === TrialState.COMPLETE).length, 5);
    await study.storage.close();
  });

  it('explains bad usage with status 2', async () => {
    const run = promisify(execFile);
    const failed = await run(process.execPath, ['--import', 'tsx', cli, 'grpc-proxy', '--storage', 'memory', '--port', '70000'], {
      cwd: join(__dirname, '..', '..'),
    }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(failed?.code, 2);
    assert.match(failed!.stderr, /--port must be an integer from 0 to 65535, got '70000'/);
  });
});
