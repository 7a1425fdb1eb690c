/**
 * Storage hardening: what the reliability probe found, checked on every backend (memory, SQLite,
 * PostgreSQL) and against Optuna 5.0 where Optuna reads or writes the same data.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getStorage, InMemoryStorage, TrialState, type Storage } from '../../src';
import { sqlalchemyUrl, startPostgres, type PostgresServer } from '../helpers/postgres';
import { PYTHON } from '../helpers/python';
import { namesContract, quotingContract, storableContract } from './contract';

const dir = mkdtempSync(join(tmpdir(), 'tunelab-hardening-'));
let server: PostgresServer;
let counter = 0;
before(async () => {
  server = await startPostgres();
});
after(() => {
  server?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const py = (code: string, env: NodeJS.ProcessEnv = {}) =>
  execFileSync(PYTHON, ['-c', code], { encoding: 'utf8', env: { ...process.env, ...env } });

/** Memory storage: every "connection" is the one in-process storage (closing it is a no-op). */
function sharedMemory(): () => Promise<Storage> {
  const storage = new InMemoryStorage();
  return async () => storage;
}

describe('hardening: names and attribute values, the same on every backend', () => {
  describe('memory', () => storableContract(async () => sharedMemory()));
  describe('SQLite', () =>
    storableContract(async () => {
      const url = `sqlite:///${join(dir, `storable-${counter++}.db`)}`;
      return () => getStorage(url);
    }));
  describe('PostgreSQL', () =>
    storableContract(async () => {
      const url = await server.createDatabase(`storable_${counter++}`);
      return () => getStorage(url);
    }));
});

describe('hardening: lone surrogates, NUL and name lengths, refused alike on every backend', () => {
  describe('memory', () => namesContract(async () => sharedMemory()));
  describe('SQLite', () =>
    namesContract(async () => {
      const url = `sqlite:///${join(dir, `names-${counter++}.db`)}`;
      return () => getStorage(url);
    }));
  describe('PostgreSQL', () =>
    namesContract(async () => {
      const url = await server.createDatabase(`names_${counter++}`);
      return () => getStorage(url);
    }));
  it('SQLite: after tunelab refused a malformed study name, Optuna and tunelab still list every study of the file', async () => {
    const path = join(dir, `listing-${counter++}.db`);
    const s = await getStorage(`sqlite:///${path}`);
    await s.createNewStudy(['minimize'], 'first');
    await assert.rejects(s.createNewStudy(['minimize'], 'bad\uD800'), /lone UTF-16 surrogate/);
    await s.createNewStudy(['minimize'], 'second');
    await s.close();
    const listed = py(`
import optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
print(sorted(s.study_name for s in optuna.get_all_study_summaries('sqlite:///${path}')))`);
    assert.equal(listed.trim(), "['first', 'second']");
  });
});

describe('hardening: SQL quoting characters in names and values (every value bound or escaped by the driver)', () => {
  describe('memory', () => quotingContract(async () => sharedMemory()));
  describe('SQLite', () =>
    quotingContract(async () => {
      const url = `sqlite:///${join(dir, `quoting-${counter++}.db`)}`;
      return () => getStorage(url);
    }));
  describe('PostgreSQL (write-behind)', () =>
    quotingContract(async () => {
      const url = await server.createDatabase(`quoting_${counter++}`);
      return () => getStorage(url);
    }));
});

describe('hardening: non-finite attribute values are the tokens Optuna writes, both ways', () => {
  const readBack = `
import json, math, optuna, sys
optuna.logging.set_verbosity(optuna.logging.WARNING)
s = optuna.load_study(study_name='nf', storage=sys.argv[1] if len(sys.argv) > 1 else URL)
t = s.trials[0]
print(json.dumps({k: repr(v) for k, v in {**t.user_attrs, **{'study_' + k: v for k, v in s.user_attrs.items()}}.items()}))
`;
  for (const backend of ['sqlite', 'postgres'] as const) {
    it(`${backend}: Optuna reads tunelab's NaN/Infinity and tunelab reads Optuna's`, async () => {
      const url = backend === 'sqlite' ? `sqlite:///${join(dir, `nf-${counter++}.db`)}` : await server.createDatabase(`nf_${counter++}`);
      const s = await getStorage(url);
      const id = await s.createNewStudy(['minimize'], 'nf');
      const t = await s.createNewTrial(id);
      await s.setTrialUserAttr(t.trialId, 'nan', NaN);
      await s.setTrialUserAttr(t.trialId, 'list', [Infinity, -Infinity, 1.5, { x: NaN }]);
      await s.setStudyUserAttr(id, 'ninf', -Infinity);
      await s.setTrialState(t.trialId, TrialState.COMPLETE, [1]);
      // The raw text is what Python's json.dumps writes for the same values.
      const rawSql = "SELECT \"key\", value_json FROM trial_user_attributes ORDER BY \"key\"";
      const raw = py(
        backend === 'sqlite'
          ? `import sqlite3, json; print(json.dumps(sqlite3.connect('${url.slice('sqlite:///'.length)}').execute('${rawSql}').fetchall()))`
          : `import psycopg2, json; c = psycopg2.connect('${url}').cursor(); c.execute('${rawSql}'); print(json.dumps(c.fetchall()))`,
      );
      const expected = py(`import json; print(json.dumps([['list', json.dumps([float('inf'), -float('inf'), 1.5, {'x': float('nan')}])], ['nan', json.dumps(float('nan'))]]))`);
      assert.deepEqual(JSON.parse(raw), JSON.parse(expected));
      const seen = JSON.parse(py(readBack.replace('URL', JSON.stringify(backend === 'sqlite' ? url : sqlalchemyUrl(url)))));
      assert.deepEqual(seen, { nan: 'nan', list: "[inf, -inf, 1.5, {'x': nan}]", study_ninf: '-inf' });
      // Optuna writes; tunelab reads.
      py(`
import optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
s = optuna.load_study(study_name='nf', storage=${JSON.stringify(backend === 'sqlite' ? url : sqlalchemyUrl(url))})
t = s.ask(); t.set_user_attr('py', [float('nan'), float('inf'), -float('inf')]); s.set_user_attr('pyinf', float('inf')); s.tell(t, 0)
`);
      const again = await getStorage(url);
      const trials = await again.getAllTrials(id);
      assert.deepEqual(trials[1].userAttrs.py, [NaN, Infinity, -Infinity]);
      assert.equal((await again.getStudyUserAttrs(id)).pyinf, Infinity);
      await s.close();
      await again.close();
    });
  }
});
