/**
 * optuna-dashboard 0.21 (pinned Python environment) on a journal file tunelab writes, with artifacts:
 * it lists the study and its trials, lists the artifacts tunelab uploaded and serves their bytes, and
 * the notes it writes (appended to the same journal under Optuna's lock file) reach tunelab, which
 * keeps appending trials meanwhile.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createStudy, FileSystemArtifactStore, loadStudy, RandomSampler, uploadArtifact, type Study } from '../../src';
import { startDashboard, type DashboardServer } from '../helpers/dashboard';

type ApiArtifact = { artifact_id: string; filename: string; mimetype: string; encoding: string | null };
type ApiTrial = {
  trial_id: number;
  number: number;
  state: string;
  values?: number[];
  params: { name: string; param_internal_value: number }[];
  artifacts: ApiArtifact[];
};
type ApiStudyDetail = { name: string; trials: ApiTrial[]; artifacts: ApiArtifact[] };

const WAIT_MS = 60_000;

describe('optuna-dashboard on a journal file tunelab writes, with artifacts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunelab-journal-dashboard-'));
  const journal = join(dir, 'study.log');
  const artifacts = join(dir, 'artifacts');
  const uploads = new Map<string, Buffer>();
  let studyArtifact = '';
  let study: Study;
  let server: DashboardServer | undefined;

  before(async () => {
    mkdirSync(artifacts);
    const store = new FileSystemArtifactStore(artifacts);
    study = await createStudy({ storage: `journal:///${journal}`, studyName: 'with-artifacts', sampler: new RandomSampler({ seed: 5 }) });
    const summary = join(dir, 'summary.txt');
    writeFileSync(summary, 'a study-level artifact\n');
    studyArtifact = await uploadArtifact({ artifactStore: store, filePath: summary, studyOrTrial: study });
    uploads.set(studyArtifact, readFileSync(summary));
    await study.optimize(
      async (trial) => {
        const x = trial.suggestFloat('x', -1, 1);
        const path = join(dir, `plot-${trial.number}.png`);
        writeFileSync(path, randomBytes(2048));
        uploads.set(await uploadArtifact({ artifactStore: store, filePath: path, studyOrTrial: trial }), readFileSync(path));
        return x * x;
      },
      { nTrials: 4, showProgressBar: false },
    );
    // A plain file path: the dashboard opens it as a JournalFileBackend (symlink lock), as Optuna's CLI does.
    server = await startDashboard(journal, WAIT_MS, ['--artifact-dir', artifacts]);
  });

  after(async () => {
    try {
      await server?.stop();
    } finally {
      await study?.storage.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists the study, its trials and the artifacts tunelab uploaded', async () => {
    const detail = await server!.getJson<ApiStudyDetail>(`/api/studies/${study.studyId}`);
    assert.equal(detail.name, 'with-artifacts');
    assert.deepEqual(
      detail.trials.map((t) => [t.number, t.state, t.values]),
      study.trials.map((t) => [t.number, 'Complete', t.values]),
    );
    assert.deepEqual(detail.artifacts, [{ artifact_id: studyArtifact, filename: 'summary.txt', mimetype: 'text/plain', encoding: null }]);
    for (const t of detail.trials) {
      assert.equal(t.artifacts.length, 1, `trial ${t.number}: ${JSON.stringify(t.artifacts)}`);
      assert.equal(t.artifacts[0].filename, `plot-${t.number}.png`);
      assert.equal(t.artifacts[0].mimetype, 'image/png');
      assert.ok(uploads.has(t.artifacts[0].artifact_id));
    }
  });

  it('serves the bytes of every artifact tunelab uploaded, with its MIME type', async () => {
    const detail = await server!.getJson<ApiStudyDetail>(`/api/studies/${study.studyId}`);
    const routes: [string, string][] = [[`/artifacts/${study.studyId}/${studyArtifact}`, studyArtifact]];
    for (const t of detail.trials)
      routes.push([`/artifacts/${study.studyId}/${t.trial_id}/${t.artifacts[0].artifact_id}`, t.artifacts[0].artifact_id]);
    for (const [route, id] of routes) {
      const res = await fetch(server!.baseUrl + route, { signal: AbortSignal.timeout(30_000) });
      assert.equal(res.status, 200, `${route}: ${res.status}\n${server!.log()}`);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), uploads.get(id));
      assert.equal(res.headers.get('content-type'), id === studyArtifact ? 'text/plain' : 'image/png');
    }
  });

  it("a note written through the dashboard is appended to the journal under Optuna's lock and tunelab reads it", async () => {
    const note = await server!.send('PUT', `/api/studies/${study.studyId}/note`, { version: 1, body: 'Written from the dashboard.' });
    assert.equal(note.status, 204, note.text);
    // tunelab appends trials meanwhile through the same file.
    await study.optimize((t) => t.suggestFloat('x', -1, 1), { nTrials: 3, showProgressBar: false });
    const reread = await loadStudy({ storage: `journal:///${journal}`, studyName: 'with-artifacts' });
    try {
      const sys = await reread.storage.getStudySystemAttrs(reread.studyId);
      assert.equal(sys['dashboard:note_ver'], 1);
      assert.equal(sys['dashboard:note_str:0'], 'Written from the dashboard.');
      assert.deepEqual(
        reread.trials.map((t) => t.number),
        [0, 1, 2, 3, 4, 5, 6],
      );
    } finally {
      await reread.storage.close();
    }
  });
});
