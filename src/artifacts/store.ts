/**
 * Artifact stores (Optuna 5.0's ArtifactStore protocol: open_reader, write, remove), holding the
 * bytes of files uploaded for studies and trials under their artifact ids. The metadata lives in the
 * study's storage (./upload.ts); a store only keeps bytes.
 */
import { createWriteStream, promises as fs } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InvalidArgumentError, TunelabError } from '../errors';

/** No artifact with that id in the store (Optuna's ArtifactNotFound). */
export class ArtifactNotFoundError extends TunelabError {}

export interface ArtifactStore {
  /** A stream of the artifact's bytes; rejects with ArtifactNotFoundError when there is none. */
  openReader(artifactId: string): Promise<Readable>;
  /** Store `content` under `artifactId` (replacing what was there). */
  write(artifactId: string, content: Readable | Uint8Array): Promise<void>;
  /** Delete the artifact; rejects with ArtifactNotFoundError when there is none. */
  remove(artifactId: string): Promise<void>;
}

/**
 * Artifacts as files named by their ids in one directory (Optuna's FileSystemArtifactStore: the same
 * layout, so Optuna, optuna-dashboard and tunelab can share the directory).
 */
export class FileSystemArtifactStore implements ArtifactStore {
  readonly basePath: string;

  constructor(basePath: string) {
    if (typeof basePath !== 'string' || basePath === '') {
      throw new InvalidArgumentError('FileSystemArtifactStore needs the path of a directory (basePath).');
    }
    this.basePath = basePath;
  }

  /** The file of an artifact; an id that is absolute or leaves the directory is refused (as in Optuna). */
  private filePath(artifactId: string): string {
    const base = resolve(this.basePath);
    const path = resolve(base, artifactId);
    const rel = relative(base, path);
    if (
      typeof artifactId !== 'string' ||
      artifactId === '' ||
      isAbsolute(artifactId) ||
      rel === '' ||
      rel.startsWith('..') ||
      isAbsolute(rel)
    ) {
      throw new InvalidArgumentError(`Invalid artifact id ${JSON.stringify(artifactId)}: an id names a file inside ${this.basePath}.`);
    }
    return path;
  }

  async openReader(artifactId: string): Promise<Readable> {
    const path = this.filePath(artifactId);
    const handle = await fs.open(path, 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new ArtifactNotFoundError(`No artifact ${artifactId} in ${this.basePath}.`);
      throw err;
    });
    return handle.createReadStream(); // closes the file when it ends or is destroyed
  }

  async write(artifactId: string, content: Readable | Uint8Array): Promise<void> {
    const path = this.filePath(artifactId);
    await fs.stat(this.basePath).catch(() => {
      throw new InvalidArgumentError(`The artifact directory ${this.basePath} does not exist. Create it first (mkdir -p).`);
    });
    const source = content instanceof Uint8Array ? Readable.from([content]) : content;
    await pipeline(source, createWriteStream(path));
  }

  async remove(artifactId: string): Promise<void> {
    await fs.unlink(this.filePath(artifactId)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new ArtifactNotFoundError(`No artifact ${artifactId} in ${this.basePath}.`);
      throw err;
    });
  }
}
