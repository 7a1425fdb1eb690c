/**
 * Storage hardening: what the reliability probe found, checked on every backend (memory, SQLite,
 * PostgreSQL) and against Optuna 5.0 where Optuna reads or writes the same data.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createStudy, loadStudy, StorageError, TrialState, type Storage } from '../../src';
import { getStorage, InMemoryStorage } from '../../src/entries/storage';
import { sqlalchemyUrl, startPostgres, type PostgresServer } from '../helpers/postgres';
import { PYTHON } from '../helpers/python';
import { namesContract, quotingContract, storableContract } from './contract';

const dir = mkdtempSync(join(tmpdir(), 'tunelab-hardening-'));
// Open to other users: some tests read files here as a user without write permission.
chmodSync(dir, 0o755);
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

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

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

describe('hardening: SQL quoting characters in names and values (every value a bound parameter, never SQL text)', () => {
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
      const rawSql = 'SELECT "key", value_json FROM trial_user_attributes ORDER BY "key"';
      const raw = py(
        backend === 'sqlite'
          ? `import sqlite3, json; print(json.dumps(sqlite3.connect('${url.slice('sqlite:///'.length)}').execute('${rawSql}').fetchall()))`
          : `import psycopg2, json; c = psycopg2.connect('${url}').cursor(); c.execute('${rawSql}'); print(json.dumps(c.fetchall()))`,
      );
      const expected = py(
        `import json; print(json.dumps([['list', json.dumps([float('inf'), -float('inf'), 1.5, {'x': float('nan')}])], ['nan', json.dumps(float('nan'))]]))`,
      );
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

describe("hardening: other people's SQLite files", () => {
  const root = join(__dirname, '..', '..');
  /** From the file header (bytes 18-19: 1 rollback journal, 2 WAL), without opening a connection. */
  const journalMode = (path: string) => {
    const header = readFileSync(path).subarray(18, 20);
    return header[0] === 2 && header[1] === 2 ? 'wal' : header[0] === 1 && header[1] === 1 ? 'delete' : `unknown ${[...header]}`;
  };
  /** An Optuna-written study file (rollback journal, Optuna's default) with 3 trials. */
  const optunaFile = (name: string) => {
    const sub = join(dir, `${name}-${counter++}`);
    mkdirSync(sub);
    const path = join(sub, 'optuna.db');
    py(`
import optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
s = optuna.create_study(study_name='theirs', storage='sqlite:///${path}')
s.optimize(lambda t: t.suggest_float('x', 0, 1), n_trials=3)`);
    return { sub, path, url: `sqlite:///${path}` };
  };

  it('tunelab studies and reading a study change nothing (no WAL switch, no index, no -wal/-shm); the first write switches to WAL', async () => {
    const { sub, path, url } = optunaFile('listing');
    const before = sha(path);
    assert.equal(journalMode(path), 'delete');
    const cli = execFileSync(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'cli.ts'), 'studies', '--storage', url], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.match(cli, /\| theirs +\| \('MINIMIZE',\) +\| +3 \|/);
    const study = await loadStudy({ studyName: 'theirs', storage: url });
    assert.equal(study.trials.length, 3);
    await (study.storage as Storage).close();
    assert.equal(sha(path), before, 'listing and loading left the file byte for byte as it was');
    assert.deepEqual(readdirSync(sub), ['optuna.db']);
    assert.equal(journalMode(path), 'delete');
    // A read-only storage refuses writes before touching anything.
    const ro = await getStorage(url, { readOnly: true });
    await assert.rejects(ro.createNewTrial(1), (err: Error) => err instanceof StorageError && /opened read-only/.test(err.message));
    await ro.close();
    assert.equal(sha(path), before);
    // Writing is what switches the file to WAL (as it always did when tunelab writes).
    const writer = await loadStudy({ studyName: 'theirs', storage: url });
    await writer.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 1, showProgressBar: false });
    await (writer.storage as Storage).close();
    assert.equal(journalMode(path), 'wal');
    assert.equal(py(`import optuna; print(len(optuna.load_study(study_name='theirs', storage='${url}').trials))`).trim(), '4');
  });

  it("refuses to add Optuna's tables to another application's non-empty database, changing nothing", async () => {
    const path = join(dir, `foreign-${counter++}.db`);
    const db = new Database(path);
    db.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('Ada');");
    db.close();
    const before = sha(path);
    for (const attempt of [() => getStorage(`sqlite:///${path}`), () => createStudy({ storage: `sqlite:///${path}`, studyName: 's' })]) {
      await assert.rejects(attempt(), (err: Error) => {
        assert.ok(err instanceof StorageError, String(err));
        assert.match(err.message, /database of another application \(tables: customers\) with no Optuna tables.*Nothing was changed/);
        return true;
      });
    }
    assert.equal(sha(path), before);
    assert.equal(journalMode(path), 'delete');
    // An empty file (0 bytes, or a database without tables) is still a new database tunelab may set up.
    const empty = join(dir, `empty-${counter++}.db`);
    writeFileSync(empty, '');
    const s = await getStorage(`sqlite:///${empty}`);
    await s.createNewStudy(['minimize'], 'mine');
    await s.close();
    assert.equal(journalMode(empty), 'wal');
  });

  /**
   * Runs the probe fixture as a user who may not write `path` (root ignores permissions, so a test
   * running as root runs it as nobody).
   */
  const asOtherUser = (url: string) => {
    const other = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'readonly-probe.ts'), url], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, HOME: tmpdir() },
      ...other,
    });
    return JSON.parse(out.trim().split('\n').pop()!) as {
      studies?: string[];
      trials?: number;
      writeError?: string;
      openError?: string;
      crash?: string;
    };
  };

  it('a read-only file (rollback journal) is read as Optuna reads it; a write names the file permission', async () => {
    const { sub, path, url } = optunaFile('rofile');
    chmodSync(sub, 0o755);
    chmodSync(path, 0o444);
    const before = sha(path);
    const got = asOtherUser(url);
    assert.deepEqual([got.studies, got.trials], [['theirs'], 3], JSON.stringify(got));
    assert.match(got.writeError!, /Cannot write to .*optuna\.db: the file .*optuna\.db is not writable by this process \(permissions\)/);
    assert.equal(sha(path), before);
    assert.deepEqual(readdirSync(sub), ['optuna.db']);
  });

  it('a read-only directory: a rollback-journal file is read and a write names the directory; a WAL file names the -shm it needs', async () => {
    const { sub, path, url } = optunaFile('rodir');
    chmodSync(path, 0o666); // the file itself is writable by anyone: only the directory is not
    chmodSync(sub, 0o555);
    const before = sha(path);
    const got = asOtherUser(url);
    assert.deepEqual([got.studies, got.trials], [['theirs'], 3], JSON.stringify(got));
    assert.match(
      got.writeError!,
      /the directory .* is not writable by this process \(permissions\), so SQLite cannot create the optuna\.db-journal/,
    );
    assert.equal(sha(path), before);
    // The same study in WAL mode (as tunelab leaves the files it writes) cannot be read without a -shm file.
    chmodSync(sub, 0o755);
    const wal = await getStorage(url);
    await wal.setStudyUserAttr(1, 'touched', true);
    await wal.close();
    assert.equal(journalMode(path), 'wal');
    chmodSync(sub, 0o555);
    const walGot = asOtherUser(url);
    assert.match(
      walGot.openError ?? JSON.stringify(walGot),
      /Cannot read .*optuna\.db: it is a WAL-mode database and SQLite must create optuna\.db-shm next to it to read it, but the directory .* is not writable by this process \(permissions\)/,
    );
    chmodSync(sub, 0o755);
  });
});

describe('hardening: a damaged SQLite file is never written to', () => {
  it('trial pages that fail PRAGMA quick_check: the first write is refused with what to do, and the file is unchanged', async () => {
    const path = join(dir, `damaged-${counter++}.db`);
    const url = `sqlite:///${path}`;
    const study = await createStudy({ storage: url, studyName: 'damaged' });
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 20, showProgressBar: false });
    await (study.storage as Storage).close();
    // Damage the b-tree page of trial_values where reads do not look but a write would: its count of
    // fragmented free bytes. Every row still reads; SQLite's quick_check sees the page is inconsistent.
    const db = new Database(path, { readonly: true });
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    const root = Number(
      (db.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'trial_values'").get() as { rootpage: number }).rootpage,
    );
    db.close();
    const bytes = readFileSync(path);
    const page = (root - 1) * pageSize;
    assert.equal(bytes[page], 0x0d, 'trial_values is one leaf table page');
    bytes[page + 7] = (bytes[page + 7] + 7) & 0xff;
    writeFileSync(path, bytes);
    const before = sha(path);
    // The damage is real: Python's sqlite3 (what Optuna uses) finds it too.
    assert.notEqual(py(`import sqlite3; print(sqlite3.connect('${path}').execute('PRAGMA quick_check').fetchone()[0])`).trim(), 'ok');
    const storage = await getStorage(url);
    await assert.rejects(
      (async () => {
        const resumed = await loadStudy({ studyName: 'damaged', storage: storage });
        assert.equal(resumed.trials.length, 20, 'the damage does not stop reading');
        await resumed.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 1, showProgressBar: false, catch: false });
      })(),
      (err: Error) => {
        assert.ok(err instanceof StorageError, String(err));
        assert.match(
          err.message,
          /damaged-\d+\.db is damaged: SQLite's integrity check \(PRAGMA quick_check\) reports: .*page.*tunelab does not write to a damaged database.*\.recover.*The file was not modified/,
        );
        return true;
      },
    );
    await storage.close();
    assert.equal(sha(path), before);
  });
});

describe('hardening: writers killed with SIGKILL lose no acknowledged trial', () => {
  const writer = join(__dirname, 'fixtures', 'kill-writer.ts');
  const KILLS = 8;

  /**
   * Start two writers on the study, let them run a random 100-700 ms after they first acknowledged a
   * trial, SIGKILL them at different moments; repeat. Returns what they acknowledged (number -> value).
   */
  async function killLoop(url: string, label: string): Promise<{ acknowledged: Map<number, number>; kills: number; log: string[] }> {
    const acknowledged = new Map<number, number>();
    const log: string[] = [];
    let kills = 0;
    for (let round = 0; round < KILLS / 2; round++) {
      const children = [0, 1].map(() => {
        const child = spawn(process.execPath, ['--import', 'tsx', writer, url, 'killed'], {
          cwd: join(__dirname, '..', '..'),
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        let firstTold: () => void = () => undefined;
        const told = new Promise<void>((resolve) => (firstTold = resolve));
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const lines = out.split('\n');
          out = lines.pop()!;
          for (const line of lines) {
            const m = /^told (\d+) (\S+)$/.exec(line);
            if (m) {
              acknowledged.set(Number(m[1]), Number(m[2]));
              firstTold();
            }
          }
        });
        child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
        const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
          child.on('exit', (code, signal) => resolve(signal ?? code)),
        );
        return { child, told, exited, stderr: () => err };
      });
      await Promise.all(
        children.map(async ({ child, told, exited, stderr }, i) => {
          const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 60_000).unref()); // a tsx start-up on a loaded machine can take tens of seconds
          const first = await Promise.race([told.then(() => 'told' as const), exited.then(() => 'exited' as const), timeout]);
          if (first !== 'told') {
            child.kill('SIGKILL');
            throw new Error(`${label} round ${round} writer ${i}: ${first} before acknowledging a trial. stderr:\n${stderr()}`);
          }
          const delay = 100 + Math.floor(Math.random() * 600);
          await new Promise((r) => setTimeout(r, delay));
          child.kill('SIGKILL');
          const how = await exited;
          assert.equal(how, 'SIGKILL', `${label} round ${round} writer ${i} ended by ${how}, not the kill. stderr:\n${stderr()}`);
          kills++;
          log.push(`round ${round} writer ${i}: killed after ${delay} ms`);
        }),
      );
    }
    return { acknowledged, kills, log };
  }

  for (const backend of ['SQLite', 'PostgreSQL'] as const) {
    it(`${backend}: ${KILLS} kills at random moments, every acknowledged trial is stored COMPLETE with its value`, async () => {
      const url =
        backend === 'SQLite' ? `sqlite:///${join(dir, `killed-${counter++}.db`)}` : await server.createDatabase(`killed_${counter++}`);
      const { acknowledged, kills, log } = await killLoop(url, backend);
      const storage = await getStorage(url);
      const trials = await storage.getAllTrials(await storage.getStudyIdFromName('killed'));
      await storage.close();
      const complete = new Map(trials.filter((t) => t.state === TrialState.COMPLETE).map((t) => [t.number, t.values![0]]));
      const lost = [...acknowledged.keys()].filter((n) => !complete.has(n));
      const wrong = [...acknowledged].filter(([n, x]) => complete.has(n) && complete.get(n) !== x);
      const running = trials.filter((t) => t.state === TrialState.RUNNING).length;
      const figures =
        `${backend}: ${kills} kills survived; ${acknowledged.size} trials acknowledged, ${complete.size} stored COMPLETE ` +
        `(all acknowledged among them: ${lost.length === 0}); ${running} left RUNNING by the kills; ${trials.length} trials in all`;
      console.log(figures);
      assert.equal(kills, KILLS);
      assert.deepEqual(lost, [], `${figures}\n${log.join('\n')}`);
      assert.deepEqual(wrong, [], figures);
      assert.deepEqual(
        trials.map((t) => t.number),
        trials.map((_, i) => i),
        'numbers stay consecutive and unique',
      );
      assert.ok(acknowledged.size >= KILLS, figures);
    });
  }
});
