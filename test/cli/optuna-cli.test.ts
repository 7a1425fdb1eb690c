/**
 * `tunelab create-study / delete-study / study set-user-attr / study-names / studies / trials /
 * best-trial / best-trials / ask / tell` against Optuna 5.0's CLI (the pinned env's `optuna.cli`) on
 * one SQLite database: the same output text (durations to the microsecond), ask with one tool and
 * tell with the other.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { sqlalchemyUrl, startPostgres, type PostgresServer } from '../helpers/postgres';
import { PYTHON, pythonBin, pythonEnv } from '../helpers/python';

const exec = promisify(execFile);
const root = resolve(__dirname, '..', '..');
// The real command (bin/tunelab.js runs dist/, built by npm's pretest or `npm run build`).
const BIN = join(root, 'bin', 'tunelab.js');
const dir = mkdtempSync(join(tmpdir(), 'tunelab-optuna-cli-'));
const url = `sqlite:///${join(dir, 'shared.db')}`;
after(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function tunelab(...args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], { cwd: root, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Several `optuna` commands in one interpreter (test/cli/optuna_cli_batch.py). */
async function optuna(...commands: string[][]): Promise<Run[]> {
  const child = execFile(PYTHON, [join(__dirname, 'optuna_cli_batch.py')], { env: pythonEnv(), timeout: 120_000, maxBuffer: 64 << 20 });
  const done = new Promise<string>((ok, fail) => {
    let out = '';
    let errText = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (errText += d));
    child.on('close', (code) => (code === 0 ? ok(out) : fail(new Error(`optuna batch exited ${code}: ${errText.slice(-2000)}`))));
  });
  child.stdin!.end(JSON.stringify(commands));
  return (JSON.parse(await done) as { code: number; stdout: string }[]).map((r) => ({ ...r, stderr: '' }));
}

/** The real `optuna` command (its own process), for what it logs on stderr. */
async function optunaProcess(...args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await exec(pythonBin('optuna'), args, { env: pythonEnv(), timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Log lines without their `[I 2026-12-02 09:57:07,025] ` prefix. */
const logLines = (stderr: string) =>
  stderr
    .split('\n')
    .filter((l) => /^\[[A-Z] /.test(l))
    .map((l) => l.replace(/^\[[A-Z] [^\]]+\] /, ''));

/** At most two tunelab processes at a time (the machine is shared). */
async function tunelabAll(commands: string[][]): Promise<Run[]> {
  const results: Run[] = new Array(commands.length);
  let next = 0;
  const lane = async () => {
    while (next < commands.length) {
      const i = next++;
      results[i] = await tunelab(...commands[i]);
    }
  };
  await Promise.all([lane(), lane()]);
  return results;
}

async function yamlToJson(texts: string[]): Promise<unknown[]> {
  const script = 'import json, sys, yaml; print(json.dumps([yaml.safe_load(t) for t in json.load(sys.stdin)]))';
  const child = execFile(PYTHON, ['-c', script], { env: pythonEnv(), timeout: 60_000 });
  const out = new Promise<string>((ok, fail) => {
    let text = '';
    child.stdout!.on('data', (d) => (text += d));
    child.on('close', (code) => (code === 0 ? ok(text) : fail(new Error(`yaml.safe_load failed (${code})`))));
  });
  child.stdin!.end(JSON.stringify(texts));
  return JSON.parse(await out) as unknown[];
}

// Written as Python writes it: `drop`'s choices are Python floats with integral values, which both
// CLIs must print as floats (`0.0`), and `act`'s 7 an int.
const SPACE = `{
  "x": {"name": "FloatDistribution", "attributes": {"low": -2.0, "high": 3.0, "log": false, "step": null}},
  "lr": {"name": "FloatDistribution", "attributes": {"low": 1e-05, "high": 1.0, "log": true, "step": null}},
  "layers": {"name": "IntDistribution", "attributes": {"low": 1, "high": 6, "log": false, "step": 1}},
  "act": {"name": "CategoricalDistribution", "attributes": {"choices": ["relu", "tanh", 7]}},
  "drop": {"name": "CategoricalDistribution", "attributes": {"choices": [0.0, 1.0]}}
}`;
const storage = ['--storage', url];

function parseJson(run: Run, what: string): Record<string, unknown> {
  assert.equal(run.code, 0, `${what} failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

describe('tunelab and optuna CLIs on one SQLite database', () => {
  before(async () => {
    // Studies from both tools: single objective (optuna), two objectives (tunelab), a scratch one.
    const [single] = await optuna(['create-study', ...storage, '--study-name', 'single', '--direction', 'maximize']);
    assert.equal(single.stdout.trim(), 'single');
    const multi = await tunelab('create-study', ...storage, '--study-name', 'multi', '--directions', 'minimize', 'maximize');
    assert.deepEqual([multi.code, multi.stdout.trim()], [0, 'multi'], multi.stderr);
    assert.equal((await tunelab('create-study', ...storage, '--study-name', 'scratch', '-q')).code, 0);

    // Ask with tunelab, tell with optuna; ask with optuna, tell with tunelab; states other than COMPLETE too.
    for (let i = 0; i < 3; i++) {
      const asked = parseJson(
        await tunelab(
          'ask',
          ...storage,
          '--study-name',
          'single',
          '--search-space',
          SPACE,
          '--sampler',
          'RandomSampler',
          '--sampler-kwargs',
          `{"seed": ${i}}`,
        ),
        'tunelab ask',
      );
      const [told] = await optuna([
        'tell',
        ...storage,
        '--study-name',
        'single',
        '--trial-number',
        String(asked.number),
        '--values',
        String(1.5 * i - 0.25),
      ]);
      assert.equal(told.code, 0, `optuna tell of tunelab's trial ${String(asked.number)}`);
      const [askedByOptuna] = await optuna([
        'ask',
        ...storage,
        '--study-name',
        'single',
        '--search-space',
        SPACE,
        '--sampler',
        'RandomSampler',
        '--sampler-kwargs',
        `{"seed": ${10 + i}}`,
      ]);
      const number = String((JSON.parse(askedByOptuna.stdout) as { number: number }).number);
      const tellArgs = i === 1 ? ['--state', 'pruned'] : i === 2 ? ['--state', 'fail'] : ['--values', '2e-07'];
      const tunelabTold = await tunelab('tell', ...storage, '--study-name', 'single', '--trial-number', number, ...tellArgs);
      assert.equal(tunelabTold.code, 0, tunelabTold.stderr);
    }
    // A trial left RUNNING, and a trial of the multi-objective study per tool.
    assert.equal((await tunelab('ask', ...storage, '--study-name', 'single', '--search-space', SPACE)).code, 0);
    const m0 = parseJson(await tunelab('ask', ...storage, '--study-name', 'multi', '--search-space', SPACE), 'tunelab ask (multi)');
    await optuna(['tell', ...storage, '--study-name', 'multi', '--trial-number', String(m0.number), '--values', '1.0', '-3.5']);
    const [m1] = await optuna(['ask', ...storage, '--study-name', 'multi', '--search-space', SPACE]);
    const m1Told = await tunelab(
      'tell',
      ...storage,
      '--study-name',
      'multi',
      '--trial-number',
      String((JSON.parse(m1.stdout) as { number: number }).number),
      '--values',
      '0.5',
      '-1',
    );
    assert.equal(m1Told.code, 0, m1Told.stderr);
    const attr = await tunelab('study', 'set-user-attr', ...storage, '--study-name', 'multi', '-k', 'owner', '--value', 'lab 3');
    assert.equal(attr.code, 0, attr.stderr);
  });

  it('prints what optuna prints for study-names, studies, trials, best-trial and best-trials in every format', async () => {
    const commands: string[][] = [];
    for (const format of ['json', 'table', 'value', 'yaml']) {
      commands.push(['study-names', ...storage, '-f', format]);
      for (const flatten of [[], ['--flatten']]) {
        commands.push(['studies', ...storage, '-f', format, ...flatten]);
        for (const study of ['single', 'multi']) commands.push(['trials', ...storage, '--study-name', study, '-f', format, ...flatten]);
        commands.push(['best-trial', ...storage, '--study-name', 'single', '-f', format, ...flatten]);
        commands.push(['best-trials', ...storage, '--study-name', 'multi', '-f', format, ...flatten]);
      }
    }
    commands.push(['trials', ...storage, '--study-name', 'single'], ['studies', ...storage]); // the default formats
    const [theirs, ours] = await Promise.all([optuna(...commands), tunelabAll(commands)]);
    const yamlPairs: [string, string, string][] = [];
    commands.forEach((command, i) => {
      const what = `${command.filter((a) => a !== url).join(' ')}`;
      assert.equal(theirs[i].code, 0, `optuna ${what} failed`);
      assert.equal(ours[i].code, 0, `tunelab ${what}: ${ours[i].stderr}`);
      if (command.includes('yaml')) yamlPairs.push([what, theirs[i].stdout, ours[i].stdout]);
      else assert.equal(ours[i].stdout, theirs[i].stdout, `tunelab ${what}`);
      if (command.includes('json')) assert.deepEqual(JSON.parse(ours[i].stdout), JSON.parse(theirs[i].stdout), what);
    });
    // YAML: PyYAML's quoting choices are its own; the documents must load to the same data.
    const loaded = await yamlToJson(yamlPairs.flatMap(([, a, b]) => [a, b]));
    yamlPairs.forEach(([what], i) => assert.deepEqual(loaded[2 * i + 1], loaded[2 * i], `tunelab ${what} -f yaml`));
    // The data really is there: 7 trials, the first three told by optuna, the last RUNNING.
    const trials = JSON.parse(
      ours[commands.findIndex((c) => c.includes('trials') && c.includes('single') && c.includes('json') && !c.includes('--flatten'))]
        .stdout,
    ) as {
      state: string;
      params: Record<string, unknown>;
    }[];
    assert.deepEqual(
      trials.map((t) => t.state),
      ['COMPLETE', 'COMPLETE', 'COMPLETE', 'PRUNED', 'COMPLETE', 'FAIL', 'RUNNING'],
    );
    assert.deepEqual(Object.keys(trials[0].params), ['act', 'drop', 'layers', 'lr', 'x']);
    // Python's float choices print as floats in every trial, as optuna prints them (compared above).
    const table = ours[commands.findIndex((c) => c.includes('trials') && c.includes('single') && c.includes('table'))].stdout;
    assert.match(table, /'drop': [01]\.0,/, 'a float choice is printed as 0.0 or 1.0 in the table');
  });

  it('csv holds the flattened columns and values of optuna -f json --flatten', async () => {
    const args = ['trials', ...storage, '--study-name', 'multi'];
    const [[theirs], ours] = await Promise.all([optuna([...args, '-f', 'json', '--flatten']), tunelab(...args, '-f', 'csv')]);
    assert.equal(ours.code, 0, ours.stderr);
    const rows = JSON.parse(theirs.stdout) as Record<string, unknown>[];
    const [header, ...lines] = ours.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    assert.deepEqual(header, Object.keys(rows[0]));
    assert.equal(lines.length, rows.length);
    rows.forEach((row, i) => {
      const cells = lines[i].map((cell, j) => (typeof row[header[j]] === 'number' ? Number(cell) : cell));
      assert.deepEqual(
        cells,
        header.map((h) => (row[h] === null || row[h] === undefined ? '' : row[h])),
        `row ${i}: ${lines[i].join(',')}`,
      );
    });
  });

  it('ask prints {number, params} as optuna ask does, nested or flattened, and the trial is stored', async () => {
    const [theirs] = await optuna(['ask', ...storage, '--study-name', 'scratch', '--search-space', SPACE, '--flatten']);
    const ours = await tunelab(
      'ask',
      ...storage,
      '--study-name',
      'scratch',
      '--search-space',
      SPACE,
      '--flatten',
      '--sampler',
      'TPESampler',
      '--sampler-kwargs',
      '{"seed": 0, "n_startup_trials": 2}',
    );
    const a = JSON.parse(theirs.stdout) as Record<string, unknown>;
    const b = parseJson(ours, 'tunelab ask --flatten');
    assert.deepEqual([Object.keys(b), b.number], [Object.keys(a), 1]);
    assert.deepEqual(Object.keys(b), ['number', 'params_x', 'params_lr', 'params_layers', 'params_act', 'params_drop']);
    assert.match(ours.stdout, /"params_drop": [01]\.0\b/, 'the float choice printed as Python prints it');
    const empty = parseJson(await tunelab('ask', ...storage, '--study-name', 'scratch'), 'tunelab ask without a space');
    const [emptyTheirs] = await optuna(['ask', ...storage, '--study-name', 'scratch']);
    assert.deepEqual([Object.keys(empty), empty.params], [Object.keys(JSON.parse(emptyTheirs.stdout)), {}]);
    // Optuna sees the params tunelab suggested (and they lie in the space).
    const [listed] = await optuna(['trials', ...storage, '--study-name', 'scratch', '-f', 'json', '--flatten']);
    const stored = (JSON.parse(listed.stdout) as Record<string, unknown>[])[1];
    for (const key of ['params_x', 'params_lr', 'params_layers', 'params_act', 'params_drop']) assert.equal(stored[key], b[key], key);
    assert.ok((b.params_x as number) >= -2 && (b.params_x as number) <= 3 && Number.isInteger(b.params_layers));
  });

  it('tell refuses a finished trial unless --skip-if-finished, like optuna', async () => {
    const [theirs, theirsSkip] = await optuna(
      ['tell', ...storage, '--study-name', 'single', '--trial-number', '0', '--values', '9'],
      ['tell', ...storage, '--study-name', 'single', '--trial-number', '0', '--values', '9', '--skip-if-finished'],
    );
    const ours = await tunelab('tell', ...storage, '--study-name', 'single', '--trial-number', '0', '--values', '9');
    const oursSkip = await tunelab(
      'tell',
      ...storage,
      '--study-name',
      'single',
      '--trial-number',
      '0',
      '--values',
      '9',
      '--skip-if-finished',
    );
    assert.deepEqual([theirs.code, theirsSkip.code], [1, 0]);
    assert.deepEqual([ours.code, oursSkip.code], [1, 0], ours.stderr + oursSkip.stderr);
    assert.match(ours.stderr, /already finished|COMPLETE, not RUNNING/);
    // The advice is the command line's flag, not the API's option.
    assert.match(ours.stderr, /pass --skip-if-finished/);
    assert.doesNotMatch(ours.stderr, /skipIfFinished/);
    const best = JSON.parse((await tunelab('best-trial', ...storage, '--study-name', 'single', '-f', 'json')).stdout) as {
      number: number;
      value: number;
    };
    assert.notEqual(best.value, 9);
    const missing = await tunelab('tell', ...storage, '--study-name', 'single', '--trial-number', '99', '--values', '1');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no trial number 99/);
  });

  it('tell --skip-if-finished logs that it skipped, in optuna’s words, and not that it told', async () => {
    const multi = JSON.parse((await tunelab('trials', ...storage, '--study-name', 'multi', '-f', 'json')).stdout) as { number: number }[];
    const cases = [
      ['--study-name', 'single', '--trial-number', '0', '--values', '9', '--skip-if-finished'],
      [
        '--study-name',
        'multi',
        '--trial-number',
        String(multi[0].number),
        '--values',
        '1',
        '2',
        '--state',
        'complete',
        '--skip-if-finished',
      ],
      ['--study-name', 'single', '--trial-number', '1', '--state', 'fail', '--skip-if-finished'],
    ];
    for (const args of cases) {
      const [theirs, ours] = await Promise.all([optunaProcess('tell', ...storage, ...args), tunelab('tell', ...storage, ...args)]);
      assert.deepEqual([theirs.code, ours.code], [0, 0], ours.stderr);
      const skipped = logLines(theirs.stderr).filter((l) => l.startsWith('Skipped telling'));
      assert.equal(skipped.length, 1, theirs.stderr);
      // Optuna logs "Told trial ..." after it as well, though nothing was told: tunelab does not.
      assert.deepEqual(logLines(ours.stderr), skipped, ours.stderr);
    }
    assert.match(
      logLines((await tunelab('tell', ...storage, ...cases[1])).stderr)[0],
      /^Skipped telling trial \d+ with values \[1\.0, 2\.0\] and state TrialState\.COMPLETE since trial was already finished\. Finished trial has values \[1\.0, -3\.5\] and state TrialState\.COMPLETE\.$/,
    );
    // Telling a running trial logs optuna's line: the --state as given (None without one).
    const asked = parseJson(await tunelab('ask', ...storage, '--study-name', 'multi'), 'tunelab ask');
    const told = await tunelab('tell', ...storage, '--study-name', 'multi', '--trial-number', String(asked.number), '--values', '2', 'inf');
    assert.deepEqual(logLines(told.stderr), [`Told trial ${String(asked.number)} with values [2.0, inf] and state None.`]);
  });

  it('ask --search-space refuses a misspelt attribute, an unknown distribution and a quoted number, naming what is valid', async () => {
    const count = async () =>
      (JSON.parse((await tunelab('trials', ...storage, '--study-name', 'single', '-f', 'json')).stdout) as unknown[]).length;
    const trialsBefore = await count();
    const space = (attributes: string, name = 'FloatDistribution') => `{"z": {"name": "${name}", "attributes": ${attributes}}}`;
    const cases: Array<[string, RegExp]> = [
      [
        space('{"low": 0, "high": 10, "lgo": true}'),
        /parameter 'z': FloatDistribution has no attribute 'lgo' \(did you mean 'log'\?\); its attributes are low, high, log, step/,
      ],
      [
        space('{"low": 0, "high": 10}', 'FloatDist'),
        /parameter 'z': unknown distribution 'FloatDist'\. Did you mean FloatDistribution\? The names are FloatDistribution, IntDistribution, CategoricalDistribution \(and Optuna's older UniformDistribution, /,
      ],
      [
        space('{"low": "0", "high": 10}'),
        /parameter 'z': FloatDistribution attribute 'low' is the string "0", but it must be a number; write 0 without quotes/,
      ],
      [
        space('{"low": 1, "high": 10, "log": "true"}', 'IntDistribution'),
        /attribute 'log' is the string "true", but it must be true or false/,
      ],
      [space('{"high": 10}', 'IntDistribution'), /parameter 'z': IntDistribution needs the attribute low\./],
      [
        space('{"choices": ["a"], "weights": [1]}', 'CategoricalDistribution'),
        /CategoricalDistribution has no attribute 'weights'; its attributes are choices/,
      ],
    ];
    const [ours, theirs] = await Promise.all([
      tunelabAll(cases.map(([json]) => ['ask', ...storage, '--study-name', 'single', '--search-space', json])),
      optuna(...cases.map(([json]) => ['ask', ...storage, '--study-name', 'single', '--search-space', json])),
    ]);
    for (const [i, [json, message]] of cases.entries()) {
      assert.equal(ours[i].code, 1, `${json}: ${ours[i].stderr}`);
      assert.match(ours[i].stderr, message, json);
      assert.doesNotMatch(ours[i].stderr, /stored JSON/);
    }
    // Optuna refuses each with a TypeError or ValueError but one: it takes "log": "true" as true (a
    // non-empty string is truthy in Python, "false" too), and asks a trial on a log scale.
    assert.deepEqual(
      theirs.map((r) => r.code),
      [1, 1, 1, 0, 1, 1],
    );
    // tunelab created no trial.
    assert.equal(await count(), trialsBefore + 1);
  });

  it('create-study --skip-if-exists and delete-study behave as optuna’s', async () => {
    const [dupTheirs, skipTheirs] = await optuna(
      ['create-study', ...storage, '--study-name', 'single'],
      ['create-study', ...storage, '--study-name', 'single', '--skip-if-exists'],
    );
    const dupOurs = await tunelab('create-study', ...storage, '--study-name', 'single');
    const skipOurs = await tunelab('create-study', ...storage, '--study-name', 'single', '--skip-if-exists', '-q');
    assert.deepEqual([dupTheirs.code, skipTheirs.code, skipTheirs.stdout], [1, 0, 'single\n']);
    assert.deepEqual([dupOurs.code, skipOurs.code, skipOurs.stdout], [1, 0, 'single\n'], dupOurs.stderr);
    const generated = await tunelab('create-study', ...storage);
    assert.match(generated.stdout, /^no-name-[0-9a-f-]{36}\n$/);
    assert.equal((await tunelab('delete-study', ...storage, '--study-name', generated.stdout.trim())).code, 0);
    assert.equal((await tunelab('delete-study', ...storage, '--study-name', 'scratch')).code, 0);
    const [names] = await optuna(['study-names', ...storage, '-f', 'json']);
    assert.deepEqual(JSON.parse(names.stdout), [{ name: 'single' }, { name: 'multi' }]);
    // As with optuna, the storage may come before the command.
    const before = await tunelab(...storage, 'study-names', '-f', 'json');
    assert.equal(before.stdout, names.stdout, before.stderr);
  });

  it('-q, -v and --log-file as optuna’s: the log lines at the verbosity go to stderr and are appended to the file, with errors', async () => {
    const log = join(dir, 'commands.log');
    const lines = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);
    // Before the command, as optuna takes its common options.
    const created = await tunelab('--log-file', log, ...storage, 'create-study', '--study-name', 'logged');
    assert.equal(created.code, 0, created.stderr);
    const kept = await tunelab('create-study', ...storage, '--study-name', 'logged', '--skip-if-exists', '--log-file', log);
    const info = /^\[I \d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] Using an existing study with name 'logged' instead of creating a new one\.$/;
    assert.match(kept.stderr.trim(), info);
    assert.deepEqual(lines().length, 1);
    assert.match(lines()[0], info);
    // -q: warnings and errors only, on stderr and in the file.
    const quiet = await tunelab('-q', 'create-study', ...storage, '--study-name', 'logged', '--skip-if-exists', '--log-file', log);
    assert.deepEqual([quiet.code, quiet.stderr, lines().length], [0, '', 1]);
    const failed = await tunelab('create-study', ...storage, '--study-name', 'logged', '--log-file', log);
    assert.equal(failed.code, 1);
    assert.match(lines()[1], /^\[E [^\]]+\] A study named 'logged' already exists/);
    const verbose = await tunelab('-v', 'create-study', ...storage, '--study-name', 'logged', '--skip-if-exists');
    assert.match(verbose.stderr.trim(), info);
    const unwritable = await tunelab('study-names', ...storage, '--log-file', join(dir, 'missing', 'x.log'));
    assert.equal(unwritable.code, 2);
    assert.match(unwritable.stderr, /--log-file: cannot open '.*x\.log' for appending \(ENOENT\)/);
    assert.equal((await tunelab('delete-study', ...storage, '--study-name', 'logged')).code, 0);
  });

  it('takes every common option before the command (bin/tunelab.js moves them after it)', async () => {
    const { COMMON_OPTIONS } = await import('../../src/cli/options');
    const values: Record<string, string> = { storage: url, 'storage-class': 'RDBStorage', 'log-file': join(dir, 'common.log') };
    for (const [name, spec] of Object.entries(COMMON_OPTIONS)) {
      const option = spec.type === 'string' ? [`--${name}`, values[name]] : [`--${name}`];
      assert.ok(
        option.every((o) => o !== undefined),
        `a value for --${name}`,
      );
      const run = await tunelab(...option, ...(name === 'storage' ? [] : storage), 'study-names');
      assert.equal(run.code, 0, `--${name} before the command: ${run.stderr}`);
    }
  });

  it('explains bad usage with the command’s options and exit status 2; --help lists the commands and flags', async () => {
    const top = await tunelab('--help');
    for (const name of [
      'create-study',
      'delete-study',
      'study ',
      'study-names',
      'studies',
      'trials',
      'best-trial',
      'best-trials',
      'ask',
      'tell',
      'storage',
    ]) {
      assert.ok(top.stdout.includes(`  ${name}`), `${name} in\n${top.stdout}`);
    }
    const bad = await tunelab('create-study', ...storage, '--direction', 'up');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--direction: invalid choice 'up' \(choose from minimize, maximize\)/);
    const noStorage = await tunelab('trials', '--study-name', 'single');
    assert.equal(noStorage.code, 2);
    assert.match(noStorage.stderr, /Storage URL is not specified/);
    const help = await tunelab('ask', '--help');
    assert.equal(help.code, 0);
    for (const flag of ['--study-name', '--sampler', '--sampler-kwargs', '--search-space', '--format', '--flatten', '--storage'])
      assert.ok(help.stdout.includes(flag), `${flag} in\n${help.stdout}`);
    // As argparse: an unambiguous prefix stands for its option; a misspelt one is answered with the nearest.
    const [theirPrefix] = await optuna(['trials', ...storage, '--study', 'single', '-f', 'json']);
    const prefix = await tunelab('trials', ...storage, '--study', 'single', '-f', 'json');
    assert.equal(prefix.code, 0, prefix.stderr);
    assert.equal(prefix.stdout, theirPrefix.stdout);
    const typo = await tunelab('trials', ...storage, '--stuy-name', 'single');
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /unknown option '--stuy-name'\. Did you mean --study-name\?/);
    const ambiguous = await tunelab('trials', '--s', 'single');
    assert.equal(ambiguous.code, 2);
    assert.match(ambiguous.stderr, /ambiguous option: --s could match --study-name, --storage, --storage-class/);
    // Optuna's common options before the command, as `optuna -q --storage URL study-names` takes them.
    const [theirNames] = await optuna(['-q', ...storage, 'study-names']);
    const ourNames = await tunelab('-q', ...storage, 'study-names');
    assert.equal(ourNames.code, 0, ourNames.stderr);
    assert.equal(ourNames.stdout, theirNames.stdout);
    const tellHelp = await tunelab('tell', '-h');
    for (const flag of ['--trial-number', '--values', '--state {complete,pruned,fail}', '--skip-if-finished'])
      assert.ok(tellHelp.stdout.includes(flag), `${flag} in\n${tellHelp.stdout}`);
  });
});

describe('tunelab and optuna CLIs on one journal file, named as optuna’s CLI names it', () => {
  it('opens the path of an existing file, or --storage-class JournalFileBackend, as a journal; -inf is a value', async () => {
    const path = join(dir, 'cli.log');
    const [created] = await optuna(['create-study', '--storage', path, '--storage-class', 'JournalFileBackend', '--study-name', 'j']);
    assert.equal(created.code, 0);
    const asked = parseJson(await tunelab('ask', '--storage', path, '--study-name', 'j', '--search-space', SPACE), 'tunelab ask');
    const told = await tunelab(
      ...['tell', '--storage', path, '--storage-class', 'JournalFileBackend', '--study-name', 'j'],
      ...['--trial-number', String(asked.number), '--values', '-inf'],
    );
    assert.equal(told.code, 0, told.stderr);
    const listing = ['trials', '--storage', path, '--study-name', 'j', '-f', 'json'];
    const [[theirs], ours] = await Promise.all([optuna(listing), tunelab(...listing)]);
    assert.equal(ours.code, 0, ours.stderr);
    assert.equal(ours.stdout, theirs.stdout);
    assert.match(ours.stdout, /"state": "COMPLETE"/);
  });

  it('refuses the path of an SQLite database (or any file that is not a journal) without writing to it', async () => {
    const path = join(dir, 'victim.db');
    assert.equal((await tunelab('create-study', '--storage', `sqlite:///${path}`, '--study-name', 'kept', '-q')).code, 0);
    const notes = join(dir, 'notes.txt');
    await exec(process.execPath, ['-e', `require('fs').writeFileSync(${JSON.stringify(notes)}, 'my notes\\n')`]);
    const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
    const before = [sha(path), sha(notes)];
    const [onDb, onNotes, asJournal] = await tunelabAll([
      ['create-study', '--storage', path, '--study-name', 'x'],
      ['create-study', '--storage', notes, '--study-name', 'x'],
      ['trials', '--storage', path, '--storage-class', 'JournalFileBackend', '--study-name', 'kept'],
    ]);
    assert.equal(onDb.code, 1);
    assert.match(onDb.stderr, /victim\.db is an SQLite database, not an Optuna journal file; use sqlite:\/\/\/.*victim\.db to open it/);
    assert.equal(asJournal.code, 1);
    assert.match(asJournal.stderr, /is an SQLite database/);
    assert.equal(onNotes.code, 1);
    assert.match(onNotes.stderr, /notes\.txt is not an Optuna journal file: its first line is not JSON \(it starts with "my notes"\)/);
    for (const r of [onDb, onNotes, asJournal]) assert.doesNotMatch(r.stderr, /damaged|backup/);
    assert.deepEqual([sha(path), sha(notes)], before, 'both files are byte-for-byte unchanged');
    const listed = await tunelab('study-names', '--storage', `sqlite:///${path}`);
    assert.equal(listed.stdout, 'kept\n', listed.stderr);
  });
});

describe('tunelab and optuna CLIs on one PostgreSQL database', () => {
  let server: PostgresServer | undefined;
  after(() => server?.destroy());

  it('asks with one tool, tells with the other, and lists the same trials', async () => {
    server = await startPostgres();
    const pg = ['--storage', sqlalchemyUrl(await server.createDatabase('cli'))];
    assert.equal((await tunelab('create-study', ...pg, '--study-name', 'pg', '-q')).stdout, 'pg\n');
    const asked = parseJson(await tunelab('ask', ...pg, '--study-name', 'pg', '--search-space', SPACE), 'tunelab ask');
    const [told, askedByOptuna] = await optuna(
      ['tell', ...pg, '--study-name', 'pg', '--trial-number', String(asked.number), '--values', '0.75'],
      ['ask', ...pg, '--study-name', 'pg', '--search-space', SPACE],
    );
    assert.equal(told.code, 0);
    const number = String((JSON.parse(askedByOptuna.stdout) as { number: number }).number);
    const tunelabTold = await tunelab('tell', ...pg, '--study-name', 'pg', '--trial-number', number, '--values', '-1.5');
    assert.equal(tunelabTold.code, 0, tunelabTold.stderr);
    const listing = ['trials', ...pg, '--study-name', 'pg', '-f', 'json'];
    const [[theirs], ours] = await Promise.all([optuna(listing), tunelab(...listing)]);
    assert.equal(ours.code, 0, ours.stderr);
    assert.equal(ours.stdout, theirs.stdout);
    const trials = JSON.parse(ours.stdout) as { state: string; value: number }[];
    assert.deepEqual(
      trials.map((t) => [t.state, t.value]),
      [
        ['COMPLETE', 0.75],
        ['COMPLETE', -1.5],
      ],
    );
  });
});
