/** The `tunelab studies`, `tunelab worker` and `tunelab storage upgrade` commands (run from the TypeScript sources). */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { createStudy, loadStudy, StorageError, TrialState } from '../../src';
import { getStorage } from '../../src/entries/storage';
import { createSchemaStatements } from '../../src/storage/rdb/schema';

const run = promisify(execFile);
const root = resolve(__dirname, '..', '..');
const cli = join(__dirname, 'fixtures', 'cli.ts');
const dir = mkdtempSync(join(tmpdir(), 'tunelab-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function tunelab(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('tunelab studies', () => {
  it('lists name, direction, n_trials and datetime_start of every study, as optuna studies does', async () => {
    const url = `sqlite:///${join(dir, 'list.db')}`;
    const a = await createStudy({ storage: url, studyName: 'first', direction: 'maximize' });
    await a.optimize((t) => t.suggestInt('n', 1, 9), { nTrials: 6, showProgressBar: false });
    const b = await createStudy({ storage: url, studyName: 'second-empty' });
    const { code, stdout } = await tunelab('studies', '--storage', url);
    assert.equal(code, 0);
    const lines = stdout.trim().split('\n');
    assert.match(lines[1], /^\| name +\| direction +\| n_trials \| datetime_start +\|$/);
    const cells = (name: string) =>
      lines
        .find((l) => l.startsWith(`| ${name} `))!
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
    assert.deepEqual(cells('first').slice(0, 3), ['first', "('MAXIMIZE',)", '6']);
    assert.match(cells('first')[3], /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.deepEqual(cells('second-empty'), ['second-empty', "('MINIMIZE',)", '0', '']);
    const json = JSON.parse((await tunelab('studies', '--storage', url, '--json')).stdout);
    assert.deepEqual(
      json.map((s: { name: string; n_trials: number }) => [s.name, s.n_trials]),
      [
        ['first', 6],
        ['second-empty', 0],
      ],
    );
    await a.storage.close();
    await b.storage.close();
  });

  it('explains bad usage and storage errors with an exit status', async () => {
    const usage = await tunelab('studies');
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /Storage URL is not specified/);
    const missing = await tunelab('studies', '--storage', `sqlite:///${join(dir, 'nope', 'x.db')}`);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /directory .* does not exist/);
  });
});

describe('tunelab worker', () => {
  it('creates the study with --direction, runs --n-trials with the module’s objective, and resumes', async () => {
    const url = `sqlite:///${join(dir, 'worker.db')}`;
    const objective = join(__dirname, 'fixtures', 'objectives.ts');
    const first = await tunelab(
      'worker',
      '--storage',
      url,
      '--study',
      'w',
      '--direction',
      'minimize',
      '--n-trials',
      '5',
      '--export',
      'quadratic',
      objective,
    );
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /study 'w' has 5 trials; best value/);
    const second = await tunelab(
      'worker',
      '--storage',
      url,
      '--study',
      'w',
      '--n-trials',
      '3',
      '--workers',
      '2',
      '--export',
      'quadratic',
      objective,
    );
    assert.equal(second.code, 0, second.stderr);
    const study = await loadStudy({ studyName: 'w', storage: url });
    assert.deepEqual(
      study.trials.map((t) => t.number),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    assert.ok(study.trials.every((t) => t.state === TrialState.COMPLETE && t.intermediateValues.size === 3));
    await study.storage.close();
  });

  it('an objective error ends the worker unless --catch names its class (in this thread and in worker threads)', async () => {
    const url = `sqlite:///${join(dir, 'worker-catch.db')}`;
    const objective = join(__dirname, 'fixtures', 'objectives.ts');
    // prunesAndFails throws RangeError when k = 4 (one value in four).
    const stopped = await tunelab(
      'worker',
      '--storage',
      url,
      '--study',
      'c',
      '--direction',
      'minimize',
      '--n-trials',
      '60',
      '--export',
      'prunesAndFails',
      objective,
    );
    assert.equal(stopped.code, 1, stopped.stdout);
    assert.match(stopped.stderr, /stopped by an error of the objective \(recorded as a FAIL trial\):\nRangeError: k = 4 is not allowed/);
    assert.match(stopped.stderr, /Pass --catch with its class name/);
    assert.match(
      stopped.stderr,
      /\[W [^\]]+\] Trial \d+ failed with parameters: .* because of the following error: RangeError\('k = 4 is not allowed'\)\./,
    );
    let study = await loadStudy({ studyName: 'c', storage: url });
    const firstRun = study.trials.length;
    assert.ok(firstRun < 60 && study.trials.at(-1)!.state === TrialState.FAIL, `stopped at the failure (${firstRun} trials)`);
    await study.storage.close();
    for (const extra of [[], ['--workers', '2']]) {
      const going = await tunelab(
        'worker',
        '--storage',
        url,
        '--study',
        'c',
        '--n-trials',
        '30',
        '--catch',
        'TypeError,RangeError',
        ...extra,
        '--export',
        'prunesAndFails',
        objective,
      );
      assert.equal(going.code, 0, going.stderr);
    }
    study = await loadStudy({ studyName: 'c', storage: url });
    assert.equal(study.trials.length, firstRun + 60, 'with --catch RangeError both runs went on to their 30 trials');
    assert.ok(
      study.trials.slice(firstRun).some((t) => t.state === TrialState.FAIL),
      'failures were recorded on the way',
    );
    // The module's TrialPruned (its own copy of tunelab, loaded apart from the CLI's) prunes, not fails.
    assert.ok(
      study.trials.some((t) => t.state === TrialState.PRUNED),
      'pruned trials are PRUNED',
    );
    assert.ok(
      study.trials.filter((t) => t.state === TrialState.FAIL).every((t) => /RangeError: k = 4/.test(String(t.systemAttrs.fail_reason))),
      'every FAIL is the RangeError',
    );
    await study.storage.close();
    const badCatch = await tunelab('worker', '--storage', url, '--study', 'c', '--catch', 'Range Error', objective);
    assert.equal(badCatch.code, 2);
    assert.match(badCatch.stderr, /--catch takes error class names separated by commas/);
  });

  it('says what is wrong: unknown study, missing export, bad options', async () => {
    const url = `sqlite:///${join(dir, 'worker-errors.db')}`;
    const objective = join(__dirname, 'fixtures', 'objectives.ts');
    const noStudy = await tunelab('worker', '--storage', url, '--study', 'ghost', objective);
    assert.equal(noStudy.code, 1);
    assert.match(noStudy.stderr, /No study named 'ghost'/);
    const noExport = await tunelab('worker', '--storage', url, '--study', 'x', '--direction', 'minimize', '--export', 'nope', objective);
    assert.equal(noExport.code, 1);
    assert.match(noExport.stderr, /no function export 'nope'/);
    const bad = await tunelab('worker', '--storage', url, '--study', 'x', '--n-trials', 'many', objective);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--n-trials must be an integer/);
    const negative = await tunelab('worker', '--storage', url, '--study', 'x', '--timeout', '-5', objective);
    assert.equal(negative.code, 2);
    assert.match(negative.stderr, /--timeout must be a number >= 0, got '-5'/);
    const misspelt = await tunelab('worker', '--storage', url, '--study', 'x', '--n-trails', '3', objective);
    assert.equal(misspelt.code, 2);
    assert.match(
      misspelt.stderr,
      /^tunelab worker: unknown option --n-trails\. Did you mean --n-trials\? Run with --help to see the options\.\n\nusage:/,
    );
  });
});

/**
 * A SQLite database as Optuna 3.0/3.1 left it (schema v3.0.0.d, written here statement by statement)
 * holding one study with two finished trials.
 */
function legacyDatabase(name: string, revision = 'v3.0.0.d'): { path: string; url: string } {
  const path = join(dir, name);
  const db = new Database(path);
  for (const statement of createSchemaStatements('sqlite', 'v3.0.0.d')) db.exec(statement);
  db.exec(`INSERT INTO studies (study_name) VALUES ('old');
    INSERT INTO study_directions (direction, study_id, objective) VALUES ('MINIMIZE', 1, 0);
    INSERT INTO trials (number, study_id, state, datetime_start, datetime_complete) VALUES
      (0, 1, 'COMPLETE', '2023-01-02 03:04:05.000000', '2023-01-02 03:04:06.000000'),
      (1, 1, 'COMPLETE', '2023-01-02 03:05:05.000000', '2023-01-02 03:05:06.000000');
    INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES (1, 0, 0.5, 'FINITE'), (2, 0, 0.25, 'FINITE');
    UPDATE alembic_version SET version_num = '${revision}';`);
  db.close();
  return { path, url: `sqlite:///${path}` };
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const revisionOf = (path: string) => {
  const db = new Database(path, { readonly: true });
  try {
    return {
      alembic: db.prepare('SELECT version_num FROM alembic_version').pluck().all(),
      versionInfo: db.prepare('SELECT schema_version, library_version FROM version_info').raw().all(),
      indexes: db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'trials' ORDER BY name").raw().all(),
    };
  } finally {
    db.close();
  }
};

describe('tunelab storage upgrade', () => {
  it('moves a v3.0.0.d database to v3.2.0.a (index, alembic_version, version_info), then says there is nothing to do', async () => {
    const { path, url } = legacyDatabase('upgrade.db');
    // Before: readable, not writable.
    const before = await loadStudy({ studyName: 'old', storage: url });
    assert.deepEqual(
      before.trials.map((t) => t.values),
      [[0.5], [0.25]],
    );
    await assert.rejects(
      before.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 1, showProgressBar: false }),
      /tunelab storage upgrade/,
    );
    await before.storage.close();

    const first = await tunelab('storage', 'upgrade', url);
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stdout,
      new RegExp(`Upgraded ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} from Optuna storage schema v3\\.0\\.0\\.d to v3\\.2\\.0\\.a`),
    );
    assert.deepEqual(revisionOf(path), {
      alembic: ['v3.2.0.a'],
      versionInfo: [[12, '5.0.0']],
      indexes: [['trials_study_id_key', 'CREATE INDEX trials_study_id_key ON trials (study_id)']],
    });

    const study = await loadStudy({ studyName: 'old', storage: url });
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 2, showProgressBar: false });
    assert.deepEqual(
      study.trials.map((t) => t.number),
      [0, 1, 2, 3],
    );
    await study.storage.close();

    const second = await tunelab('storage', 'upgrade', '--storage', url);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /already at schema v3\.2\.0\.a.*nothing to do/);
  });

  it('refuses revisions it does not migrate, a missing file and an empty database, changing nothing', async () => {
    const newer = legacyDatabase('newer.db', 'v9.9.9.z');
    const older = legacyDatabase('older.db', 'v2.6.0.a');
    for (const [db, expected] of [
      [newer, /schema 'v9\.9\.9\.z'.*newer Optuna than tunelab knows.*Nothing was changed/s],
      [older, /schema 'v2\.6\.0\.a'.*older than 3\.0.*optuna storage upgrade --storage URL.*Nothing was changed/s],
    ] as const) {
      const hash = sha(db.path);
      const r = await tunelab('storage', 'upgrade', db.url);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, expected);
      assert.equal(sha(db.path), hash, 'the file is unchanged');
    }
    const missing = join(dir, 'missing.db');
    const r = await tunelab('storage', 'upgrade', `sqlite:///${missing}`);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /There is no database at .*missing\.db/);
    assert.equal(existsSync(missing), false, 'no file was created');
    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    const e = await tunelab('storage', 'upgrade', `sqlite:///${empty}`);
    assert.equal(e.code, 1);
    assert.match(e.stderr, /holds no Optuna storage.*nothing to upgrade/s);
    assert.equal(readFileSync(empty).length, 0);
  });

  it('runs as one transaction: a failing step leaves the database at v3.0.0.d', async () => {
    const { path, url } = legacyDatabase('clash.db');
    const db = new Database(path);
    db.exec('CREATE INDEX trials_study_id_key ON trials (number)'); // not Optuna's
    db.close();
    const r = await tunelab('storage', 'upgrade', url);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /failed at 'CREATE INDEX trials_study_id_key.*rolled back; nothing was changed/s);
    assert.deepEqual(revisionOf(path).alembic, ['v3.0.0.d']);
    assert.deepEqual(revisionOf(path).versionInfo, [[12, '3.1.0']]);
    // Still opened read-only, with the advice.
    const storage = await getStorage(url);
    await assert.rejects(
      storage.createNewStudy(['minimize']),
      (err: unknown) => err instanceof StorageError && /tunelab storage upgrade/.test((err as Error).message),
    );
    await storage.close();
  });

  it('explains bad usage with status 2, and bin/tunelab lists the command', async () => {
    for (const [args, message] of [
      [['storage'], /a sub-command is required: 'upgrade'/],
      [['storage', 'downgrade', 'sqlite:///x.db'], /unknown sub-command 'downgrade'/],
      [['storage', 'upgrade'], /the storage URL is required/],
      [['storage', 'upgrade', 'sqlite:///a.db', 'sqlite:///b.db'], /give one storage URL, got 2/],
      [['storage', 'upgrade', '--storge', 'sqlite:///a.db'], /unknown option --storge\. Did you mean --storage\? Run with --help/],
      [['storage', 'upgrade', '--storage'], /--storage needs a value/],
    ] as const) {
      const r = await tunelab(...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, message);
      assert.match(r.stderr, /usage: tunelab storage upgrade URL/);
    }
    const help = await tunelab('storage', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /v3\.0\.0\.d \(Optuna 3\.0\/3\.1\) to v3\.2\.0\.a \(Optuna 3\.2 to 5\.0\)/);
    const top = execFileSync(process.execPath, [join(root, 'bin', 'tunelab.js'), '--help'], { encoding: 'utf8' });
    assert.match(top, /\n {2}storage +'upgrade URL': upgrade a database from Optuna 3\.0\/3\.1's schema/);
  });
});
