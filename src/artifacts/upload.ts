/**
 * Uploading, listing and downloading artifacts as Optuna 5.0 does (optuna.artifacts), so Optuna,
 * optuna-dashboard and tunelab see each other's artifacts: the bytes go to an ArtifactStore under a
 * new UUID, and the metadata is a system attribute `artifacts:<id>` of the study or trial whose value
 * is the JSON *string* `{"artifact_id": ..., "filename": ..., "mimetype": ..., "encoding": ...}`
 * (Python's json.dumps text).
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { InvalidArgumentError } from '../errors';
import type { FrozenTrial } from '../frozenTrial';
import type { Storage } from '../storage/base';
import { pyJsonDumps } from '../storage/journal/pyjson';
import { Study } from '../study';
import { StudyTrial, type Trial } from '../trial';
import { guessMimeType } from './mimetypes';
import type { ArtifactStore } from './store';

/** Prefix of the system attributes that hold artifact metadata (Optuna's ARTIFACTS_ATTR_PREFIX). */
export const ARTIFACTS_ATTR_PREFIX = 'artifacts:';
/** The MIME type recorded when none is given and none can be guessed from the file name. */
export const DEFAULT_MIME_TYPE = 'application/octet-stream';

/** What is recorded about one artifact (Optuna's ArtifactMeta). */
export interface ArtifactMeta {
  artifactId: string;
  /** The base name of the uploaded file. */
  filename: string;
  mimetype: string;
  /** A Content-Encoding such as 'gzip', or null. */
  encoding: string | null;
}

/** A study, a running trial (inside an objective), or a trial snapshot (needs `storage`). */
export type StudyOrTrial = Study | Trial | FrozenTrial;

export interface UploadArtifactOptions {
  artifactStore: ArtifactStore;
  /** The file to upload; its base name is recorded as the artifact's filename. */
  filePath: string;
  studyOrTrial: StudyOrTrial;
  /** Required when `studyOrTrial` is a FrozenTrial (a trial snapshot knows no storage). */
  storage?: Storage;
  /** Default: guessed from the file name as Python's mimetypes does, else application/octet-stream. */
  mimetype?: string;
  /** Default: guessed from the file name (e.g. 'gzip' for .gz), else null. */
  encoding?: string;
}

function storageFor(target: StudyOrTrial, storage: Storage | undefined, what: string): Storage {
  if (target instanceof Study) return storage ?? target.storage;
  if (target instanceof StudyTrial) return storage ?? target.study.storage;
  if (typeof (target as Partial<Trial>).suggest === 'function') {
    // A trial object no study started (a FixedTrial): it has no stored trial to attach the artifact to.
    throw new InvalidArgumentError(`${what}: this trial belongs to no study (a FixedTrial); pass the study, or a trial a study ran.`);
  }
  if (!storage) {
    throw new InvalidArgumentError(`${what} of a FrozenTrial needs the storage that holds it: pass { storage }.`);
  }
  return storage;
}

/** Upload a file as an artifact of a study or trial; resolves with the new artifact id. */
export async function uploadArtifact(options: UploadArtifactOptions): Promise<string> {
  const { artifactStore, filePath, studyOrTrial } = options;
  const storage = storageFor(studyOrTrial, options.storage, 'uploadArtifact');
  const stat = await fs.stat(filePath).catch(() => null);
  if (!stat?.isFile()) throw new InvalidArgumentError(`uploadArtifact: ${filePath} is not a file that can be read.`);
  const filename = basename(filePath);
  const artifactId = randomUUID();
  const [guessedType, guessedEncoding] = guessMimeType(filename);
  const meta = {
    artifact_id: artifactId,
    filename,
    mimetype: options.mimetype || guessedType || DEFAULT_MIME_TYPE,
    encoding: options.encoding || guessedEncoding,
  };
  const key = ARTIFACTS_ATTR_PREFIX + artifactId;
  const value = pyJsonDumps(meta, 'default');
  if (studyOrTrial instanceof Study) {
    await storage.setStudySystemAttr(studyOrTrial.studyId, key, value);
  } else if (studyOrTrial instanceof StudyTrial) {
    studyOrTrial.setSystemAttr(key, value); // the trial's own view has it too
    await studyOrTrial.flush();
  } else {
    await storage.setTrialSystemAttr(studyOrTrial.trialId, key, value);
  }
  await artifactStore.write(artifactId, createReadStream(filePath));
  return artifactId;
}

/** The metadata of every artifact uploaded to a study (not its trials) or to a trial. */
export async function getAllArtifactMeta(studyOrTrial: StudyOrTrial, options: { storage?: Storage } = {}): Promise<ArtifactMeta[]> {
  const storage = storageFor(studyOrTrial, options.storage, 'getAllArtifactMeta');
  let attrs: Readonly<Record<string, unknown>>;
  if (studyOrTrial instanceof Study) {
    attrs = await storage.getStudySystemAttrs(studyOrTrial.studyId);
  } else {
    if (studyOrTrial instanceof StudyTrial) await studyOrTrial.flush();
    attrs = (await storage.getTrial(studyOrTrial.trialId)).systemAttrs;
  }
  const metas: ArtifactMeta[] = [];
  for (const [key, value] of Object.entries(attrs)) {
    if (!key.startsWith(ARTIFACTS_ATTR_PREFIX)) continue;
    const m = (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown>;
    metas.push({
      artifactId: String(m.artifact_id),
      filename: String(m.filename),
      mimetype: String(m.mimetype),
      encoding: m.encoding === null || m.encoding === undefined ? null : String(m.encoding),
    });
  }
  return metas;
}

export interface DownloadArtifactOptions {
  artifactStore: ArtifactStore;
  artifactId: string;
  /** Where to save it; must not exist yet (as in Optuna). */
  filePath: string;
}

/** Save an artifact's bytes to a new file. */
export async function downloadArtifact(options: DownloadArtifactOptions): Promise<void> {
  const { artifactStore, artifactId, filePath } = options;
  const exists = await fs.stat(filePath).then(
    () => true,
    () => false,
  );
  if (exists) throw new InvalidArgumentError(`File already exists: ${filePath}. Remove it or download to another path.`);
  const reader = await artifactStore.openReader(artifactId);
  // 'wx': fail rather than overwrite a file created in the meantime.
  await pipeline(reader, createWriteStream(filePath, { flags: 'wx' }));
}
