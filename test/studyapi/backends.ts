/**
 * The three storages every study API test runs on: memory, SQLite (a file in a temporary directory)
 * and PostgreSQL (a private server started for the test file). Call `useBackends()` at the top level
 * of a test file; each backend's `newStorage(name)` gives a URL (or 'memory') for a fresh database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { startPostgres, type PostgresServer } from '../helpers/postgres';

export interface Backend {
  readonly name: 'memory' | 'SQLite' | 'PostgreSQL';
  /** A storage for a new, empty database: 'memory' means a new InMemoryStorage per createStudy. */
  newStorage(name: string): Promise<string>;
}

export function useBackends(): Backend[] {
  const dir = mkdtempSync(join(tmpdir(), 'tunelab-studyapi-'));
  let server: PostgresServer | undefined;
  before(async () => {
    server = await startPostgres();
  });
  after(() => {
    server?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  return [
    { name: 'memory', newStorage: async () => 'memory' },
    { name: 'SQLite', newStorage: async (name) => `sqlite:///${join(dir, `${name}.db`)}` },
    {
      name: 'PostgreSQL',
      newStorage: async (name) => {
        if (!server) throw new Error('the PostgreSQL server did not start (see the before hook)');
        return server.createDatabase(name.toLowerCase().replace(/[^a-z0-9_]/g, '_'));
      },
    },
  ];
}
