import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createStudy, floatDistribution, loadStudy, RandomSampler, StorageError, TrialState } from '../../src';
import { getStorage } from '../../src/entries/storage';
import { binDir, sqlalchemyUrl, startPostgres, type PostgresServer } from '../helpers/postgres';
import { PYTHON } from '../helpers/python';
import { heartbeatContract, incrementalReadContract, storageContract } from './contract';

let server: PostgresServer;
let counter = 0;
before(async () => {
  server = await startPostgres();
});
after(() => server?.destroy());

const py = (code: string) => execFileSync(PYTHON, ['-c', code], { encoding: 'utf8' });
const pgDump = (url: string) =>
  execFileSync(join(binDir(), 'pg_dump'), ['--schema-only', '--no-owner', '--no-privileges', url], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => !l.startsWith('--') && !l.startsWith('\\') && l.trim() !== '')
    .join('\n');

describe('PostgreSQL storage: the Storage contract', () => {
  const fresh = async () => {
    const url = await server.createDatabase(`contract_${counter++}`);
    return () => getStorage(url);
  };
  storageContract(fresh);
  incrementalReadContract(fresh);
  heartbeatContract(fresh);
});

describe('PostgreSQL storage: batched writes and reused reads keep their order', () => {
  it('a read made right after a write never misses a write this process saw complete', async () => {
    const url = await server.createDatabase('ordering');
    const [a, b] = [await getStorage(url), await getStorage(url)];
    const id = await a.createNewStudy(['minimize'], 'ordering');
    for (let round = 0; round < 25; round++) {
      // Both creations complete before the read is issued, whichever reply arrives last.
      const [ta, tb] = await Promise.all([a.createNewTrial(id), b.createNewTrial(id)]);
      const seen = new Set((await a.getAllTrials(id)).map((t) => t.trialId));
      assert.ok(seen.has(ta.trialId) && seen.has(tb.trialId), `round ${round}`);
      // A write-behind param followed at once by finishing the trial: both land, in order.
      await a.setTrialParam(ta.trialId, 'x', round, floatDistribution(0, 100));
      await a.setTrialState(ta.trialId, TrialState.COMPLETE, [round]);
      const [fromB] = (await b.getAllTrials(id)).filter((t) => t.trialId === ta.trialId);
      assert.deepEqual([fromB.state, fromB.params.x, fromB.values], [TrialState.COMPLETE, round, [round]]);
      await b.setTrialState(tb.trialId, TrialState.FAIL);
    }
    assert.deepEqual(
      (await b.getAllTrials(id)).map((t) => t.number),
      Array.from({ length: 50 }, (_, i) => i),
    );
    await a.close();
    await b.close();
  });
});

describe('PostgreSQL storage: user strings never enter SQL text', () => {
  it('parameter names, attribute keys and values, and study names reach the server only as bound values', async () => {
    // Observed where every statement leaves the process: pg's Client.prototype.query (the pool's
    // clients inherit it). A query given as text or as { text, values }: only `text` is SQL.
    const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
    const original = proto.query;
    const sqlTexts: string[] = [];
    const boundValues: unknown[] = [];
    proto.query = function (this: unknown, ...args: unknown[]) {
      const q = args[0];
      if (typeof q === 'string') sqlTexts.push(q);
      else if (q && typeof q === 'object' && 'text' in q) {
        sqlTexts.push(String((q as { text: unknown }).text));
        boundValues.push(...((q as { values?: unknown[] }).values ?? []));
      }
      if (Array.isArray(args[1])) boundValues.push(...(args[1] as unknown[]));
      return original.apply(this, args);
    };
    const marker = 'm4rk\'\\er";--';
    try {
      const url = await server.createDatabase('no_user_sql');
      const study = await createStudy({ storage: url, studyName: `study ${marker}` });
      await study.optimize(
        (t) => {
          const x = t.suggestFloat(`x ${marker}`, 0, 1);
          t.suggestCategorical(`c ${marker}`, [`choice ${marker}`, 'plain']);
          t.setUserAttr(`key ${marker}`, { note: `value ${marker}` });
          t.report(x, 0);
          return x;
        },
        { nTrials: 3 },
      );
      const loaded = await loadStudy({ storage: url, studyName: `study ${marker}` });
      assert.deepEqual(Object.keys(loaded.trials[2].params).sort(), [`c ${marker}`, `x ${marker}`]);
      assert.deepEqual(loaded.trials[2].userAttrs[`key ${marker}`], { note: `value ${marker}` });
    } finally {
      proto.query = original;
    }
    const leaks = sqlTexts.filter((t) => t.includes('m4rk'));
    assert.deepEqual(leaks, [], 'a user string appeared in SQL text');
    assert.ok(
      sqlTexts.some((t) => /jsonb_to_recordset/.test(t)),
      'the write-behind batch was used',
    );
    assert.ok(
      boundValues.some((v) => typeof v === 'string' && v.includes('m4rk')),
      'the strings were sent as bound values',
    );
  });
});

describe('PostgreSQL storage: write-behind round trips', () => {
  it('a trial of the Study loop costs the same round trips whatever it writes, its writes sent as one batch', async () => {
    const url = await server.createDatabase('round_trips');
    const study = await createStudy({ storage: url, studyName: 'round trips', sampler: new RandomSampler({ seed: 3 }) });
    const nTrials = 4;
    // Every query that leaves the process during one optimize call (pg's Client.prototype.query, as above).
    const queriesOf = async (writesPerTrial: number): Promise<string[]> => {
      const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
      const original = proto.query;
      const texts: string[] = [];
      proto.query = function (this: unknown, ...args: unknown[]) {
        const q = args[0];
        texts.push(typeof q === 'string' ? q : String((q as { text?: unknown }).text));
        return original.apply(this, args);
      };
      try {
        await study.optimize(
          (t) => {
            let sum = 0;
            for (let i = 0; i < writesPerTrial; i++) {
              sum += t.suggestFloat(`x${i}`, 0, 1);
              t.setUserAttr(`a${i}`, i);
              t.report(sum, i);
            }
            return sum;
          },
          { nTrials },
        );
      } finally {
        proto.query = original;
      }
      return texts;
    };
    const light = await queriesOf(1);
    const heavy = await queriesOf(12);
    assert.equal(heavy.length, light.length, 'a trial writing 36 times costs what a trial writing 3 times does');
    assert.ok(
      light.length <= 5 * nTrials,
      `at most 5 round trips per trial (refresh, create, writes, finish, read back), got ${light.length / nTrials}`,
    );
    for (const texts of [light, heavy]) {
      assert.equal(
        texts.filter((t) => t.includes('jsonb_to_recordset')).length,
        nTrials,
        "one write batch per trial, holding all of that trial's writes",
      );
    }
    const stored = (await loadStudy({ storage: url, studyName: 'round trips' })).trials;
    assert.equal(stored.length, 2 * nTrials);
    for (const t of stored.slice(nTrials)) {
      assert.equal(Object.keys(t.params).length, 12);
      assert.equal(Object.keys(t.userAttrs).length, 12);
      assert.equal(t.intermediateValues.size, 12);
      assert.equal(t.state, TrialState.COMPLETE);
    }
  });
});

describe('PostgreSQL storage: schema and errors', () => {
  it('creates exactly the schema Optuna 5.0 creates at v3.2.0.a (plus one index on trials)', async () => {
    const ours = await server.createDatabase('schema_ours');
    const theirs = await server.createDatabase('schema_theirs');
    await (await getStorage(ours)).close();
    py(`import optuna; optuna.storages.RDBStorage('${sqlalchemyUrl(theirs)}')`);
    const extra = /\nCREATE INDEX tunelab_ix_trials_study_id_number ON public\.trials USING btree \(study_id, number\);/;
    const oursDump = pgDump(ours);
    assert.match(oursDump, extra);
    const theirsDump = pgDump(theirs);
    assert.match(theirsDump, /CREATE INDEX ix_trials_study_id ON public\.trials USING btree \(study_id\);/);
    assert.equal(oursDump.replace(extra, ''), theirsDump);
    const rows = py(`
import sqlalchemy
e = sqlalchemy.create_engine('${sqlalchemyUrl(ours)}')
with e.connect() as c:
    print(list(c.execute(sqlalchemy.text('select version_info_id, schema_version, library_version from version_info'))), list(c.execute(sqlalchemy.text('select * from alembic_version'))))`);
    assert.equal(rows.trim(), "[(1, 12, '5.0.0')] [('v3.2.0.a',)]");
  });

  it('reports a wrong password clearly', async () => {
    await assert.rejects(getStorage(server.url('postgres', 'not-the-password')), (e: unknown) => {
      assert.ok(e instanceof StorageError, String(e));
      assert.match((e as Error).message, /rejected the login.*password/s);
      assert.doesNotMatch((e as Error).message, /not-the-password/);
      return true;
    });
  });

  it('reports a missing database and an unreachable server clearly', async () => {
    await assert.rejects(getStorage(server.url('no_such_db')), /does not exist.*createdb/s);
    await assert.rejects(getStorage(`postgresql://postgres:x@127.0.0.1:1/db`), (e: unknown) => {
      assert.ok(e instanceof StorageError);
      assert.match((e as Error).message, /Could not connect to PostgreSQL at 127\.0\.0\.1:1 .*pg_isready -h 127\.0\.0\.1 -p 1/s);
      assert.doesNotMatch((e as Error).message, /:x@/, 'the password is masked');
      return true;
    });
  });

  it('refuses a database of another schema version and changes nothing', async () => {
    const url = await server.createDatabase('old_schema');
    py(`
import optuna, sqlalchemy
optuna.logging.set_verbosity(optuna.logging.ERROR)
s = optuna.create_study(storage='${sqlalchemyUrl(url)}', study_name='kept')
s.optimize(lambda t: t.suggest_float('x', 0, 1), n_trials=3)
e = sqlalchemy.create_engine('${sqlalchemyUrl(url)}')
with e.begin() as c:
    c.execute(sqlalchemy.text("update alembic_version set version_num = 'v3.0.0.c'"))`);
    const before = pgDump(url);
    await assert.rejects(getStorage(url), /schema 'v3\.0\.0\.c'.*optuna storage upgrade.*Nothing was changed/s);
    assert.equal(pgDump(url), before);
    const count = py(`
import sqlalchemy
with sqlalchemy.create_engine('${sqlalchemyUrl(url)}').connect() as c:
    print(c.execute(sqlalchemy.text("select count(*) from trials where state = 'COMPLETE'")).scalar())`);
    assert.equal(count.trim(), '3');
  });

  it('a server that goes away mid-study gives a clear error; after a restart nothing is lost and the study resumes', async () => {
    const url = await server.createDatabase('goes_away');
    const study = await createStudy({ storage: url, studyName: 'fragile' });
    let calls = 0;
    const objective = (t: { suggestFloat: (n: string, a: number, b: number) => number }) => {
      calls++;
      if (calls === 11) server.stop('immediate'); // the server dies while trial 10 runs
      return t.suggestFloat('x', 0, 1);
    };
    await assert.rejects(study.optimize(objective, { nTrials: 30, showProgressBar: false }), (e: unknown) => {
      assert.ok(e instanceof StorageError, String(e));
      assert.match((e as Error).message, /connection to PostgreSQL database 'goes_away'.*committed is safe/s);
      return true;
    });
    const finishedBefore = study.trials.filter((t) => t.state === TrialState.COMPLETE).map((t) => [t.number, t.values![0]]);
    assert.equal(finishedBefore.length, 10);
    server.start();
    const resumed = await loadStudy({ studyName: 'fragile', storage: url });
    const stored = resumed.trials.filter((t) => t.state === TrialState.COMPLETE).map((t) => [t.number, t.values![0]]);
    assert.deepEqual(stored, finishedBefore, 'every trial finished before the outage is still there');
    assert.equal(resumed.trials[10].state, TrialState.RUNNING, 'the interrupted trial is left RUNNING (heartbeats fail it)');
    await resumed.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 5, showProgressBar: false });
    assert.deepEqual(
      resumed.trials.map((t) => t.number),
      Array.from({ length: 16 }, (_, i) => i),
    );
    await resumed.storage.close();
    await study.storage.close().catch(() => undefined);
  });
});
