import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createStudy } from '../../src';
import forest, { noisy } from './fixtures/objectives';

// Runs the built CLI (npm run build first), which loads the objective module through tsx.
const BIN = join(__dirname, '..', '..', 'bin', 'tunelab.js');
const FIXTURE = join(__dirname, 'fixtures', 'objectives.ts');
const dir = mkdtempSync(join(tmpdir(), 'tunelab-reproduce-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'reproduce', ...args], { encoding: 'utf8', timeout: 120_000 });
  // The report goes to stdout; the re-run's trial log line (Optuna's format) to stderr.
  return { status: r.status, stdout: r.stdout, out: `${r.stdout}${r.stderr}` };
}

describe('tunelab reproduce', () => {
  it('re-runs a trial stored in SQLite from its module: bit-identical, exit 0; the database is not changed', async () => {
    const storage = `sqlite:///${join(dir, 'forest.db')}`;
    const study = await createStudy({ storage, studyName: 'forest', seed: 17 });
    await study.optimize(forest, { nTrials: 3, showProgressBar: false });
    const before = study.trials.length;
    await study.storage.close();
    const r = cli('--storage', storage, '--study-name', 'forest', '--trial', '2', FIXTURE);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /Trial 2 \(seed \d+\): reproduced bit-identically/);
    const json = cli('--storage', storage, '--study-name', 'forest', '--trial', '1', '--json', FIXTURE);
    assert.equal(json.status, 0, json.out);
    const report = JSON.parse(json.stdout) as { identical: boolean; trialNumber: number; absDiff: number };
    assert.deepEqual([report.identical, report.trialNumber, report.absDiff], [true, 1, 0]);
    const again = await createStudy({ storage, studyName: 'forest', loadIfExists: true });
    assert.equal(again.trials.length, before);
    await again.storage.close();
  });

  it('exits 1 and shows the difference when the objective reads Math.random()', async () => {
    const storage = `sqlite:///${join(dir, 'noisy.db')}`;
    const study = await createStudy({ storage, studyName: 'noisy', seed: 4 });
    await study.optimize(noisy, { nTrials: 1, showProgressBar: false });
    await study.storage.close();
    const r = cli('--storage', storage, '--study-name', 'noisy', '--trial', '0', '--export', 'noisy', FIXTURE);
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /NOT identical: recorded [\d.]+, reproduced [\d.]+ \(abs diff/);
  });

  it('explains bad usage with exit 2', () => {
    const r = cli('--storage', 'sqlite:///x.db', '--trial', 'one', FIXTURE);
    assert.equal(r.status, 2, r.out);
    assert.match(r.out, /--study-name NAME is required/);
    const t = cli('--storage', 'sqlite:///x.db', '--study-name', 's', '--trial', 'one', FIXTURE);
    assert.match(t.out, /--trial must be a trial number/);
  });
});
