/** Artifacts (files attached to studies and trials) in Optuna 5.0's layout and metadata. */
export { ArtifactNotFoundError, FileSystemArtifactStore, type ArtifactStore } from './store';
export { Backoff, type BackoffOptions } from './backoff';
export {
  downloadArtifact,
  getAllArtifactMeta,
  uploadArtifact,
  type ArtifactMeta,
  type DownloadArtifactOptions,
  type StudyOrTrial,
  type UploadArtifactOptions,
} from './upload';
