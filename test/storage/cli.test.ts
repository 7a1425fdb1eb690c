/** The `tunelab studies` and `tunelab worker` commands (run from the TypeScript sources). */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createStudy, loadStudy, TrialState } from '../../src';

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
  it('lists name, direction, trials, best value and start of every study', async () => {
    const url = `sqlite:///${join(dir, 'list.db')}`;
    const a = await createStudy({ storage: url, studyName: 'first', direction: 'maximize' });
    await a.optimize((t) => t.suggestInt('n', 1, 9), { nTrials: 6, showProgressBar: false });
    const b = await createStudy({ storage: url, studyName: 'second-empty' });
    const { code, stdout } = await tunelab('studies', '--storage', url);
    assert.equal(code, 0);
    const lines = stdout.trim().split('\n');
    assert.match(lines[0], /^name\s+direction\s+trials\s+best value\s+start$/);
    const first = lines.find((l) => l.startsWith('first'))!;
    const cells = first.split(/\s{2,}/);
    assert.deepEqual(cells.slice(0, 4), ['first', 'maximize', '6', String(a.bestValue)]);
    assert.match(cells[4], /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.match(lines.find((l) => l.startsWith('second-empty'))!, /second-empty\s+minimize\s+0\s+-\s+-/);
    const json = JSON.parse((await tunelab('studies', '--storage', url, '--json')).stdout);
    assert.deepEqual(json.map((s: { studyName: string; nTrials: number }) => [s.studyName, s.nTrials]), [['first', 6], ['second-empty', 0]]);
    await a.storage.close();
    await b.storage.close();
  });

  it('explains bad usage and storage errors with an exit status', async () => {
    const usage = await tunelab('studies');
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--storage URL is required/);
    const missing = await tunelab('studies', '--storage', `sqlite:///${join(dir, 'nope', 'x.db')}`);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /directory .* does not exist/);
  });
});

describe('tunelab worker', () => {
  it('creates the study with --direction, runs --n-trials with the module’s objective, and resumes', async () => {
    const url = `sqlite:///${join(dir, 'worker.db')}`;
    const objective = join(__dirname, 'fixtures', 'objectives.ts');
    const first = await tunelab('worker', '--storage', url, '--study', 'w', '--direction', 'minimize', '--n-trials', '5', '--export', 'quadratic', objective);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /study 'w' has 5 trials; best value/);
    const second = await tunelab('worker', '--storage', url, '--study', 'w', '--n-trials', '3', '--workers', '2', '--export', 'quadratic', objective);
    assert.equal(second.code, 0, second.stderr);
    const study = await loadStudy({ studyName: 'w', storage: url });
    assert.deepEqual(study.trials.map((t) => t.number), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.ok(study.trials.every((t) => t.state === TrialState.COMPLETE && t.intermediateValues.size === 3));
    await study.storage.close();
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
  });
});
