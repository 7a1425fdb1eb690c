/**
 * Artifacts shared with Optuna 5.0 (optuna.artifacts): a file tunelab uploads to a study or a trial is
 * listed by Optuna's get_all_artifact_meta and downloaded by its download_artifact with the same bytes
 * and metadata, and the other way round, on a journal file and on SQLite; the MIME type and encoding
 * guessed from a file name are Python's.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  createStudy,
  downloadArtifact,
  FileSystemArtifactStore,
  getAllArtifactMeta,
  InvalidArgumentError,
  loadStudy,
  uploadArtifact,
} from '../../src';
import { ArtifactNotFoundError } from '../../src/entries/artifacts';
import { guessMimeType } from '../../src/artifacts/mimetypes';
import { PYTHON } from '../helpers/python';

const dir = mkdtempSync(join(tmpdir(), 'tunelab-artifacts-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Python: open the storage both sides use (a journal file, or an RDB URL). */
const OPEN_PY = `
import json, os, sys, warnings, optuna
warnings.simplefilter('ignore')
optuna.logging.set_verbosity(optuna.logging.ERROR)
from optuna.artifacts import FileSystemArtifactStore, upload_artifact, download_artifact, get_all_artifact_meta
def open_storage(spec):
    if spec.startswith('file:'):
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend
        return JournalStorage(JournalFileBackend(spec[5:]))
    return optuna.storages.get_storage(spec)
`;

const backends: [string, (name: string) => { tunelab: string; python: string }][] = [
  ['a journal file', (name) => ({ tunelab: `journal:///${join(dir, `${name}.log`)}`, python: `file:${join(dir, `${name}.log`)}` })],
  ['SQLite', (name) => ({ tunelab: `sqlite:///${join(dir, `${name}.db`)}`, python: `sqlite:///${join(dir, `${name}.db`)}` })],
];

type PyMeta = { artifact_id: string; filename: string; mimetype: string; encoding: string | null };

for (const [backend, urls] of backends) {
  describe(`Artifacts shared with Optuna 5.0 on ${backend}`, () => {
    it('Optuna lists and downloads what tunelab uploaded to a study and to trials (same bytes, same metadata)', async () => {
      const name = `tl-up-${backend.replace(/\W/g, '')}`;
      const { tunelab, python } = urls(name);
      const base = join(dir, `${name}-store`);
      mkdirSync(base);
      const store = new FileSystemArtifactStore(base);
      const files = join(dir, `${name}-files`);
      mkdirSync(files);
      const studyFile = join(files, 'report.csv.gz');
      writeFileSync(studyFile, randomBytes(50_000));
      const study = await createStudy({ storage: tunelab, studyName: name });
      const studyArtifact = await uploadArtifact({ artifactStore: store, filePath: studyFile, studyOrTrial: study });
      const uploaded = new Map<number, { id: string; bytes: Buffer }>();
      await study.optimize(
        async (trial) => {
          const x = trial.suggestFloat('x', 0, 1);
          const path = join(files, `model-${trial.number}.json`);
          const bytes = Buffer.from(JSON.stringify({ x, weights: [...randomBytes(64)] }));
          writeFileSync(path, bytes);
          const id = await uploadArtifact({ artifactStore: store, filePath: path, studyOrTrial: trial });
          uploaded.set(trial.number, { id, bytes });
          return x;
        },
        { nTrials: 3, showProgressBar: false },
      );
      // A trial snapshot needs its storage, as in Optuna; a custom MIME type is kept.
      const running = await study.ask();
      const blob = join(files, 'weights.bin');
      writeFileSync(blob, randomBytes(1000));
      const snapshotArtifact = await uploadArtifact({
        artifactStore: store,
        filePath: blob,
        studyOrTrial: await study.storage.getTrial(running.trialId),
        storage: study.storage,
        mimetype: 'application/x-weights',
      });
      await assert.rejects(
        uploadArtifact({ artifactStore: store, filePath: blob, studyOrTrial: await study.storage.getTrial(running.trialId) }),
        /FrozenTrial needs the storage/,
      );
      await study.tell(running, 0.5);
      await study.storage.close();

      const out = join(dir, `${name}-downloads`);
      mkdirSync(out);
      const theirs = JSON.parse(
        execFileSync(
          PYTHON,
          [
            '-c',
            `${OPEN_PY}
storage = open_storage(sys.argv[1]); store = FileSystemArtifactStore(sys.argv[2]); out = sys.argv[3]
study = optuna.load_study(study_name=sys.argv[4], storage=storage)
result = {'study': [m.__dict__ for m in get_all_artifact_meta(study)], 'trials': {}}
for t in study.trials:
    metas = get_all_artifact_meta(t, storage=storage)
    result['trials'][t.number] = [m.__dict__ for m in metas]
    for m in metas:
        download_artifact(artifact_store=store, artifact_id=m.artifact_id, file_path=os.path.join(out, m.artifact_id))
for m in result['study']:
    download_artifact(artifact_store=store, artifact_id=m['artifact_id'], file_path=os.path.join(out, m['artifact_id']))
print(json.dumps(result))`,
            python,
            base,
            out,
            name,
          ],
          { encoding: 'utf8', timeout: 60_000 },
        ),
      ) as { study: PyMeta[]; trials: Record<string, PyMeta[]> };
      assert.deepEqual(theirs.study, [{ artifact_id: studyArtifact, filename: 'report.csv.gz', mimetype: 'text/csv', encoding: 'gzip' }]);
      assert.deepEqual(readFileSync(join(out, studyArtifact)), readFileSync(studyFile));
      for (const [number, { id, bytes }] of uploaded) {
        assert.deepEqual(theirs.trials[number], [
          { artifact_id: id, filename: `model-${number}.json`, mimetype: 'application/json', encoding: null },
        ]);
        assert.deepEqual(readFileSync(join(out, id)), bytes);
      }
      assert.deepEqual(theirs.trials[3], [
        { artifact_id: snapshotArtifact, filename: 'weights.bin', mimetype: 'application/x-weights', encoding: null },
      ]);
      assert.deepEqual(readFileSync(join(out, snapshotArtifact)), readFileSync(blob));
    });

    it('tunelab lists and downloads what Optuna uploaded to a study and to a trial', async () => {
      const name = `py-up-${backend.replace(/\W/g, '')}`;
      const { tunelab, python } = urls(name);
      const base = join(dir, `${name}-store`);
      mkdirSync(base);
      const payload = join(dir, `${name}-payload.png`);
      writeFileSync(payload, randomBytes(30_000));
      const ids = JSON.parse(
        execFileSync(
          PYTHON,
          [
            '-c',
            `${OPEN_PY}
storage = open_storage(sys.argv[1]); store = FileSystemArtifactStore(sys.argv[2])
study = optuna.create_study(study_name=sys.argv[4], storage=storage)
ids = {'study': upload_artifact(artifact_store=store, file_path=sys.argv[3], study_or_trial=study)}
def objective(t):
    ids[t.number] = upload_artifact(artifact_store=store, file_path=sys.argv[3], study_or_trial=t, encoding='identity')
    return t.suggest_float('x', 0, 1)
study.optimize(objective, n_trials=2)
print(json.dumps(ids))`,
            python,
            base,
            payload,
            name,
          ],
          { encoding: 'utf8', timeout: 60_000 },
        ),
      ) as Record<string, string>;
      const study = await loadStudy({ studyName: name, storage: tunelab });
      const store = new FileSystemArtifactStore(base);
      const filename = `${name}-payload.png`;
      assert.deepEqual(await getAllArtifactMeta(study), [{ artifactId: ids.study, filename, mimetype: 'image/png', encoding: null }]);
      for (const trial of study.trials) {
        const metas = await getAllArtifactMeta(trial, { storage: study.storage });
        assert.deepEqual(metas, [{ artifactId: ids[trial.number], filename, mimetype: 'image/png', encoding: 'identity' }]);
      }
      for (const id of Object.values(ids)) {
        const target = join(dir, `${name}-${id}.png`);
        await downloadArtifact({ artifactStore: store, artifactId: id, filePath: target });
        assert.deepEqual(readFileSync(target), readFileSync(payload));
        await assert.rejects(downloadArtifact({ artifactStore: store, artifactId: id, filePath: target }), /File already exists/);
      }
      await study.storage.close();
    });
  });
}

describe('Artifact store and metadata details', () => {
  it("guesses the MIME type and encoding from a file name as Python's mimetypes does", () => {
    const names = [
      'a.json',
      'b.csv.gz',
      'c.tgz',
      'd.png',
      'e.pt',
      'f.onnx',
      'g.txt',
      'h.md',
      'i.js',
      'j.svgz',
      'k.tar.bz2',
      'l',
      'm.PNG',
      'n.pkl',
      'o.npy',
      'p.html',
      'q.JSON.GZ',
      'r.Z',
      's.mp4',
      't.webp',
      'u.yaml',
      'v.ipynb',
      'w.log',
      'x.br',
      '.bashrc',
      'y.tar.xz',
      'z.jpeg',
      'model.h5',
      'plot.svg',
      'data.parquet',
      'notes.',
      'archive.zip',
      'page.htm',
      'movie.webm',
    ];
    const theirs = JSON.parse(
      execFileSync(
        PYTHON,
        ['-c', 'import json, sys, mimetypes; print(json.dumps([list(mimetypes.guess_type(n)) for n in sys.argv[1:]]))', ...names],
        {
          encoding: 'utf8',
        },
      ),
    ) as [string | null, string | null][];
    assert.deepEqual(names.map(guessMimeType), theirs);
  });

  it('refuses artifact ids that leave the store directory, as Optuna does, and names a missing artifact', async () => {
    const base = join(dir, 'guarded');
    mkdirSync(base);
    const store = new FileSystemArtifactStore(base);
    for (const bad of ['../escape', '/etc/passwd', 'a/../../b']) {
      await assert.rejects(store.write(bad, Buffer.from('x')), InvalidArgumentError);
      await assert.rejects(store.openReader(bad), InvalidArgumentError);
    }
    const optunaRefuses = execFileSync(
      PYTHON,
      [
        '-c',
        `import sys
from optuna.artifacts import FileSystemArtifactStore
s = FileSystemArtifactStore(sys.argv[1]); out = []
for bad in ['../escape', '/etc/passwd', 'a/../../b']:
    try: s.open_reader(bad); out.append('accepted')
    except ValueError: out.append('refused')
print(','.join(out))`,
        base,
      ],
      { encoding: 'utf8' },
    ).trim();
    assert.equal(optunaRefuses, 'refused,refused,refused');
    await assert.rejects(store.openReader('no-such-id'), ArtifactNotFoundError);
    await assert.rejects(store.remove('no-such-id'), ArtifactNotFoundError);
    await store.write('kept', Buffer.from('bytes'));
    await store.remove('kept');
    await assert.rejects(store.openReader('kept'), ArtifactNotFoundError);
  });
});
