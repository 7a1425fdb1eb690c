/**
 * PostgreSQL storage (`postgresql://user:password@host:port/database`), the engine for many workers
 * on many machines. Optuna's schema (native enum types included); a connection pool from `pg`.
 */
import type * as PgTypes from 'pg';
import { StorageError } from '../errors';
import { requireOptional } from '../optionalDependency';
import type { Storage } from './base';
import type { Row, ScriptConnection, ScriptResult, SqlRunner } from './rdb/connection';
import { RdbStorage } from './rdb/storage';
import { WriteBehindStorage } from './rdb/writeBehind';

export interface PostgresOptions {
  /** Only read: no schema or index is created and every write throws. */
  readOnly?: boolean;
  /** Connections this process may open (default 4: a worker runs one trial at a time). */
  poolSize?: number;
  /** Give up connecting after this many ms (default 10 s). */
  connectTimeoutMs?: number;
}

function parseUrl(url: string): URL | null {
  try {
    return new URL(url.replace(/^postgres(ql)?(\+\w+)?:/, 'postgresql:'));
  } catch {
    return null;
  }
}

/** The database and server of the URL, for messages (never its password). */
function describeUrl(url: string): string {
  const u = parseUrl(url);
  return u ? `PostgreSQL database '${u.pathname.slice(1) || u.username}' at ${u.hostname}:${u.port || 5432}` : 'the PostgreSQL database';
}

/** The URL with its password masked: what a message may quote. */
export function redactedUrl(url: string): string {
  const u = parseUrl(url);
  if (!u) return url.replace(/:[^:@/]*@/, ':***@');
  if (u.password) u.password = '***';
  return u.toString();
}

function isConnectionFailure(code: string, msg: string): boolean {
  return (
    CONNECTION_CODES.has(code) ||
    code.startsWith('08') ||
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(msg)
  );
}

/**
 * The first connection failed: say which server could not be reached and what to check (a
 * connection lost later, during a study, is reported by translate()).
 */
function couldNotConnect(err: unknown, url: string): unknown {
  const e = err as { code?: string; message?: string; errors?: Array<{ message?: string }> };
  const code = e.code ?? '';
  // Node reports a refused "localhost" (tried on ::1 and 127.0.0.1) as an AggregateError with no message.
  const msg = e.message || e.errors?.map((x) => x.message).join('; ') || code || String(err);
  if (!isConnectionFailure(code, msg)) return translate(err, describeUrl(url));
  const u = parseUrl(url);
  const host = u?.hostname || 'localhost';
  const port = u?.port || '5432';
  const reason =
    code === 'ENOTFOUND' || code === 'EAI_AGAIN'
      ? `the host name '${host}' does not resolve; check the host in the URL`
      : code === 'ECONNREFUSED'
        ? `nothing is listening at ${host}:${port}; check that the PostgreSQL server is running (pg_isready -h ${host} -p ${port}) and that the port in the URL is the one it listens on`
        : /timeout/i.test(msg) || code === 'ETIMEDOUT'
          ? `no answer within the connection timeout; check that ${host}:${port} is reachable from this machine (firewall, listen_addresses, pg_hba.conf)`
          : `check that the server at ${host}:${port} is running and accepts connections from this machine (listen_addresses, pg_hba.conf)`;
  return new StorageError(
    `Could not connect to PostgreSQL at ${host}:${port} (${redactedUrl(url)}): ${msg}. ${reason.charAt(0).toUpperCase()}${reason.slice(1)}.`,
  );
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
]);

function translate(err: unknown, where: string): unknown {
  const e = err as { code?: string; message?: string };
  const code = e.code ?? '';
  const msg = e.message ?? String(err);
  if (code === '28P01' || code === '28000') {
    return new StorageError(
      `${where} rejected the login (${msg}). Check the user name and password in the storage URL ` +
        '(postgresql://USER:PASSWORD@host:port/db; percent-encode special characters).',
    );
  }
  if (code === '3D000') {
    return new StorageError(`${where} does not exist (${msg}). Create it first, e.g. 'createdb NAME', then retry.`);
  }
  if (isConnectionFailure(code, msg)) {
    return new StorageError(
      `Lost the connection to ${where} (${msg}). Everything already committed is safe in the database. Restart ` +
        'the server (or fix the address) and run again: loadStudy (or createStudy with loadIfExists) resumes the study; ' +
        'trials this process left RUNNING are failed by heartbeats when heartbeatInterval is set.',
    );
  }
  return err;
}

/**
 * `?` placeholders to PostgreSQL's `$1, $2, ...` (our statements never put `?` inside literals), as a
 * named prepared statement: each connection parses and plans a statement once, not on every call
 * (planning the trial-loading UNION costs more than running it).
 */
const prepared = new Map<string, PgTypes.QueryConfig>();
function toPg(sql: string, values: readonly unknown[]): PgTypes.QueryConfig {
  let config = prepared.get(sql);
  if (config === undefined) {
    let i = 0;
    const text = sql.replace(/\?/g, () => `$${++i}`);
    // Statements with literals baked in (rare maintenance statements) stay unnamed once many exist.
    config = prepared.size < 500 ? { name: `tunelab_${prepared.size}`, text } : { text };
    prepared.set(sql, config);
  }
  return { ...config, values: values as unknown[] };
}

/** Statements and scripts completed by every PostgreSQL connection of this process. */
let operationsCompleted = 0;

function runnerFor(client: PgTypes.Pool | PgTypes.PoolClient, where: string): SqlRunner {
  return {
    async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
      try {
        return (await client.query(toPg(sql, params))).rows as T[];
      } catch (err) {
        throw translate(err, where);
      } finally {
        operationsCompleted++;
      }
    },
    async run(sql: string, params: readonly unknown[] = []): Promise<number> {
      try {
        return (await client.query(toPg(sql, params))).rowCount ?? 0;
      } catch (err) {
        throw translate(err, where);
      } finally {
        operationsCompleted++;
      }
    },
  };
}

const ignore = () => undefined;

class PostgresConnection implements ScriptConnection {
  readonly dialect = 'postgres' as const;
  private readonly direct: SqlRunner;

  get operationsCompleted(): number {
    return operationsCompleted;
  }

  constructor(
    private readonly pool: PgTypes.Pool,
    readonly description: string,
  ) {
    this.direct = runnerFor(pool, description);
  }

  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.direct.all<T>(sql, params);
  }

  run(sql: string, params?: readonly unknown[]): Promise<number> {
    return this.direct.run(sql, params);
  }

  async transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    let client: PgTypes.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw translate(err, this.description);
    }
    // A checked-out client whose server dies emits 'error' besides failing its query; unheard, that
    // event would crash the process. The failed query reports it.
    client.on('error', ignore);
    const tx = runnerFor(client, this.description);
    let broken: unknown = undefined;
    try {
      await tx.run('BEGIN');
      const out = await fn(tx);
      await tx.run('COMMIT');
      return out;
    } catch (err) {
      broken = err;
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      // A connection that failed mid-transaction is discarded rather than reused.
      client.off('error', ignore);
      client.release(broken instanceof StorageError ? (broken as Error) : undefined);
    }
  }

  /** BEGIN; ...; COMMIT as one simple-protocol query: a single round trip, atomic. */
  async script(statements: readonly string[]): Promise<ScriptResult[]> {
    const text = ['BEGIN', ...statements, 'COMMIT'].join(';\n');
    let client: PgTypes.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw translate(err, this.description);
    }
    client.on('error', ignore);
    let failed: unknown = undefined;
    try {
      const results = (await client.query(text).finally(() => operationsCompleted++)) as unknown as
        PgTypes.QueryResult | PgTypes.QueryResult[];
      const list = Array.isArray(results) ? results : [results];
      return list.slice(1, 1 + statements.length).map((r) => ({ rows: r.rows as Row[], rowCount: r.rowCount ?? 0 }));
    } catch (err) {
      failed = translate(err, this.description);
      // A failed statement leaves the session inside an aborted transaction: end it before reuse.
      await client.query('ROLLBACK').catch(() => undefined);
      throw failed;
    } finally {
      client.off('error', ignore);
      client.release(failed instanceof StorageError ? failed : undefined);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * Open an Optuna-schema PostgreSQL database (creating the tables in an empty one). Every round trip to
 * a server costs more than the SQL it carries, so the RdbStorage is wrapped in write-behind.
 */
export async function openPostgresStorage(url: string, options: PostgresOptions = {}): Promise<Storage> {
  const db = await openPostgresConnection(url, options);
  return new WriteBehindStorage(await RdbStorage.openWith(url, db, { readOnly: options.readOnly }), db);
}

/**
 * A connection pool to the database of `url`, checked with one query, without looking at its schema.
 * RdbStorage and `tunelab storage upgrade` build on it.
 */
export async function openPostgresConnection(url: string, options: PostgresOptions = {}): Promise<ScriptConnection> {
  // Loaded here, not at the top: `require('tunelab')` must not load database drivers.
  const pg = requireOptional<typeof PgTypes>('pg', 'PostgreSQL storage (postgresql:// URLs)', StorageError);
  const where = describeUrl(url);
  // Timestamps as text: they are naive local times (Optuna's convention) and parsed by the codec; the
  // global pg type parsers stay untouched for the user's own code.
  const types = {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === 1114 || oid === 1184) return (v: string) => v;
      if (oid === 20) return (v: string) => Number(v);
      return pg.types.getTypeParser(oid, format as 'text');
    },
  };
  const pool = new pg.Pool({
    connectionString: url.replace(/^postgres(ql)?\+\w+:/, 'postgresql:'),
    max: options.poolSize ?? 4,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
    // Idle connections must not keep a finished script alive (e.g. after getAllStudySummaries(url)).
    allowExitOnIdle: true,
    types: types as PgTypes.CustomTypesConfig,
  });
  // An idle client whose server went away emits 'error' on the pool; without a listener Node would
  // crash the process. The next query reports the problem as a StorageError instead.
  pool.on('error', () => undefined);
  const connection = new PostgresConnection(pool, where);
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw couldNotConnect(err, url);
  }
  return connection;
}
