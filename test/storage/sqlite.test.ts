import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { copyStudy, createStudy, loadStudy, QMCSampler, StorageError, TrialState } from '../../src';
import { getStorage } from '../../src/entries/storage';
import { PYTHON } from '../helpers/python';
import { heartbeatContract, incrementalReadContract, storageContract } from './contract';

const dir = mkdtempSync(join(tmpdir(), 'tunelab-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

describe('SQLite storage: the Storage contract', () => {
  // A new file per test; the handles a test opens share it.
  const fresh = async () => {
    const url = `sqlite:///${join(dir, `contract-${counter++}.db`)}`;
    return () => getStorage(url);
  };
  storageContract(fresh);
  incrementalReadContract(fresh);
  heartbeatContract(fresh);
});

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const py = (code: string) => execFileSync(PYTHON, ['-c', code], { encoding: 'utf8' });

describe('SQLite storage: schema and errors', () => {
  it('creates exactly the schema Optuna 5.0 creates at v3.2.0.a (plus one index on trials)', async () => {
    const ours = join(dir, 'ours.db');
    const theirs = join(dir, 'theirs.db');
    await (await getStorage(`sqlite:///${ours}`)).close();
    py(`import optuna; optuna.storages.RDBStorage('sqlite:///${theirs}')`);
    const dump = (path: string) =>
      JSON.parse(
        py(`
import sqlite3, json
c = sqlite3.connect('${path}')
print(json.dumps({
  'schema': [list(r) for r in c.execute("select type, name, tbl_name, sql from sqlite_master where name not like 'tunelab_%' order by name")],
  'version_info': [list(r) for r in c.execute('select version_info_id, schema_version, library_version from version_info')],
  'alembic': [list(r) for r in c.execute('select * from alembic_version')],
}))`),
      );
    const [o, t] = [dump(ours), dump(theirs)];
    assert.deepEqual(o, t);
    assert.deepEqual([o.alembic, o.version_info], [[['v3.2.0.a']], [[1, 12, '5.0.0']]]);
    assert.ok(
      o.schema.some((r: string[]) => r[1] === 'ix_trials_study_id'),
      `Optuna 5's index on trials(study_id) is there: ${JSON.stringify(o.schema.map((r: string[]) => r[1]))}`,
    );
    const extra = py(
      `import sqlite3; print(sqlite3.connect('${ours}').execute("select sql from sqlite_master where name like 'tunelab_%'").fetchall())`,
    );
    assert.match(extra, /CREATE INDEX .* ON trials \(study_id, number\)/);
  });

  it('refuses a file that is not a database, and leaves it untouched', async () => {
    const path = join(dir, 'notes.db');
    writeFileSync(path, 'these are my notes, not a database\n'.repeat(200));
    const before = sha(path);
    await assert.rejects(getStorage(`sqlite:///${path}`), (e: unknown) => {
      assert.ok(e instanceof StorageError);
      assert.match((e as Error).message, /is not an SQLite database.*not modified/s);
      return true;
    });
    assert.equal(sha(path), before);
  });

  it('refuses a database of another schema version, saying how to upgrade, and changes nothing', async () => {
    const path = join(dir, 'old.db');
    py(`
import optuna, sqlite3
optuna.logging.set_verbosity(optuna.logging.ERROR)
s = optuna.create_study(storage='sqlite:///${path}', study_name='kept')
s.optimize(lambda t: t.suggest_float('x', 0, 1), n_trials=3)
c = sqlite3.connect('${path}'); c.execute("update alembic_version set version_num = 'v2.6.0.a'"); c.commit()`);
    const before = sha(path);
    await assert.rejects(getStorage(`sqlite:///${path}`), (e: unknown) => {
      assert.ok(e instanceof StorageError);
      assert.match(
        (e as Error).message,
        /schema 'v2\.6\.0\.a'.*'v3\.2\.0\.a'.*Optuna 5: 'optuna storage upgrade --storage URL'.*Nothing was changed/s,
      );
      return true;
    });
    assert.equal(sha(path), before, 'the file is byte-for-byte unchanged');
    const newer = join(dir, 'newer.db');
    py(`
import optuna, sqlite3
optuna.storages.RDBStorage('sqlite:///${newer}')
c = sqlite3.connect('${newer}'); c.execute("update alembic_version set version_num = 'v9.9.9.z'"); c.commit()`);
    await assert.rejects(getStorage(`sqlite:///${newer}`), /newer Optuna/);
  });

  it('waits for a database another process is still creating (tables, no revision yet), then opens it', async () => {
    // Optuna creates its tables, then stamps alembic_version: caught in between, the file has every
    // table and an empty (or no) alembic_version.
    const path = join(dir, 'creating.db');
    py(`
import optuna, sqlite3
optuna.storages.RDBStorage('sqlite:///${path}')
c = sqlite3.connect('${path}'); c.execute('delete from alembic_version'); c.commit()`);
    const started = Date.now();
    const opening = getStorage(`sqlite:///${path}`);
    // The other process finishes a second later.
    await new Promise((r) => setTimeout(r, 1_000));
    const db = new Database(path);
    db.prepare("INSERT INTO alembic_version (version_num) VALUES ('v3.2.0.a')").run();
    db.close();
    const storage = await opening;
    assert.ok(Date.now() - started >= 1_000, 'it waited for the revision');
    const id = await storage.createNewStudy(['minimize'], 'after-wait');
    assert.equal(await storage.getStudyNameFromId(id), 'after-wait');
    await storage.close();
    assert.match(py(`import optuna; print(optuna.get_all_study_names(storage='sqlite:///${path}'))`), /\['after-wait'\]/);
  });

  it('calls a database whose creation never completed half-initialised (not old, not newer) and changes nothing', async () => {
    const cases = [
      ['no-alembic.db', 'drop table alembic_version', /it has no 'alembic_version' table/],
      ['empty-alembic.db', 'delete from alembic_version', /its 'alembic_version' table is empty/],
    ] as const;
    // Both at once: each open waits a few seconds before it judges.
    await Promise.all(
      cases.map(async ([name, sql, what]) => {
        const path = join(dir, name);
        py(`
import optuna, sqlite3
optuna.storages.RDBStorage('sqlite:///${path}')
c = sqlite3.connect('${path}'); c.execute('${sql}'); c.commit()`);
        const before = sha(path);
        const started = Date.now();
        await assert.rejects(getStorage(`sqlite:///${path}`), (e: unknown) => {
          assert.ok(e instanceof StorageError);
          const message = (e as Error).message;
          assert.match(message, what);
          assert.match(
            message,
            /looks half-initialised.*may be creating it right now, or a creation was interrupted.*Nothing was changed/s,
          );
          assert.doesNotMatch(message, /older than 1\.0|newer Optuna|\(none\)|[Uu]pgrade/);
          return true;
        });
        assert.ok(Date.now() - started >= 4_500, 'it waited a few seconds before judging');
        assert.equal(sha(path), before, 'the file is byte-for-byte unchanged');
      }),
    );
    // A database from before alembic (version_info names Optuna 0.x) is judged at once, as before.
    const old = join(dir, 'optuna-0.x.db');
    py(`
import optuna, sqlite3
optuna.storages.RDBStorage('sqlite:///${old}')
c = sqlite3.connect('${old}'); c.execute('drop table alembic_version'); c.execute("update version_info set library_version = '0.19.0'"); c.commit()`);
    const started = Date.now();
    await assert.rejects(getStorage(`sqlite:///${old}`), /written by an Optuna release older than 1\.0/);
    assert.ok(Date.now() - started < 2_000);
  });

  it("keeps a trial's params in suggestion order, so QMC's dimensions are memory storage's (and Optuna reads that order)", async () => {
    const url = `sqlite:///${join(dir, 'qmc.db')}`;
    const points: Record<string, unknown>[][] = [];
    for (const storage of ['memory', url]) {
      const study = await createStudy({ storage, sampler: new QMCSampler({ qmcType: 'halton', scramble: false, seed: 0 }) });
      await study.optimize((t) => t.suggestFloat('x', 0, 1) + t.suggestFloat('b', 0, 1), { nTrials: 5, showProgressBar: false });
      for (const t of study.trials) assert.deepEqual(Object.keys(t.params), ['x', 'b'], `${storage}: trial ${t.number}`);
      points.push(study.trials.map((t) => ({ ...t.params })));
      if (storage !== 'memory') {
        const reloaded = await loadStudy({ studyName: study.studyName, storage: url });
        assert.deepEqual(
          reloaded.trials.map((t) => Object.keys(t.params)),
          Array(5).fill(['x', 'b']),
        );
        await reloaded.storage.close();
        await study.storage.close();
      }
    }
    assert.deepEqual(points[1], points[0]);
    // Halton's first dimension (base 2) is x's, the second (base 3) b's: trial 2 is (0.5, 1/3).
    assert.deepEqual(points[1][2], { x: 0.5, b: 1 / 3 });
    const optunaOrder = py(`
import optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
print([list(t.params) for t in optuna.load_study(study_name=None, storage='${url}').trials][:2])`);
    assert.equal(optunaOrder.trim(), "[['x', 'b'], ['x', 'b']]");
  });

  it("require('tunelab') loads neither database driver; opening a URL loads only its own", () => {
    const loaded = (code: string) =>
      JSON.parse(
        execFileSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: join(__dirname, '..', '..'), encoding: 'utf8' }),
      ) as string[];
    const drivers = (keys: string[]) => ({
      sqlite: keys.some((k) => k.includes('node_modules/better-sqlite3/')),
      pg: keys.some((k) => k.includes('node_modules/pg/')),
    });
    assert.deepEqual(drivers(loaded("require('./src'); console.log(JSON.stringify(Object.keys(require.cache)))")), {
      sqlite: false,
      pg: false,
    });
    const url = `sqlite:///${join(dir, 'lazy.db')}`;
    const afterOpen = loaded(
      `require('./src/entries/storage').getStorage(${JSON.stringify(url)}).then(async (s) => { await s.close(); console.log(JSON.stringify(Object.keys(require.cache))); })`,
    );
    assert.deepEqual(drivers(afterOpen), { sqlite: true, pg: false });
  });

  it('explains a missing directory and a malformed URL', async () => {
    await assert.rejects(getStorage(`sqlite:///${join(dir, 'no', 'such', 'dir', 'x.db')}`), /directory .* does not exist/);
    await assert.rejects(getStorage('sqlite://x.db'), /not a SQLite URL/);
  });

  it('copies a study with its trials, datetimes and attributes (copyStudy)', async () => {
    const from = `sqlite:///${join(dir, 'copy-from.db')}`;
    const to = `sqlite:///${join(dir, 'copy-to.db')}`;
    const study = await createStudy({ storage: from, studyName: 'orig', direction: 'maximize' });
    await study.setUserAttr('owner', 'me');
    await study.optimize(
      (t) => {
        const x = t.suggestFloat('x', 0, 1);
        t.report(x, 0);
        t.setUserAttr('double', 2 * x);
        if (x < 0.2) throw new Error('low');
        return x;
      },
      { nTrials: 12, showProgressBar: false, catch: [Error] },
    );
    await copyStudy({ fromStudyName: 'orig', fromStorage: from, toStorage: to, toStudyName: 'copy' });
    const copy = await loadStudy({ studyName: 'copy', storage: to });
    const strip = (t: (typeof study.trials)[number]) => ({ ...t, trialId: 0 });
    assert.deepEqual(copy.trials.map(strip), study.trials.map(strip));
    assert.deepEqual(await copy.getUserAttrs(), { owner: 'me' });
    assert.deepEqual(copy.directions, ['maximize']);
    assert.ok(copy.trials.some((t) => t.state === TrialState.FAIL) || study.trials.every((t) => t.state === TrialState.COMPLETE));
  });
});
