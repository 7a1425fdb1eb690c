/**
 * A private PostgreSQL server for tests: initdb into a temporary directory, start it on a free
 * loopback port with password authentication, and stop it when the test process ends.
 *
 * PostgreSQL refuses to run as root, so when the tests run as root (CI) the data directory is given to
 * the `postgres` OS user (created by Debian's package) and the server binaries run as that user.
 * No system service is assumed or touched.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { cleanupWhenGone, freeLoopbackPort as freePort } from './async';

export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** URL of a database on this server (default: the `postgres` database). */
  url(database?: string, password?: string): string;
  /** Create an empty database and return its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stop the server (fast shutdown, or `immediate` to simulate a crash). */
  stop(mode?: 'fast' | 'immediate'): void;
  /** Start it again on the same port and data directory. */
  start(): void;
  /** Stop and delete the data directory. */
  destroy(): void;
}

/** Directory of the newest installed PostgreSQL server binaries (initdb, pg_ctl, psql, pg_dump). */
export function binDir(): string {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql). Run scripts/system-deps.sh.');
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('No PostgreSQL server binaries under /usr/lib/postgresql/*/bin.');
  return join(root, versions[0], 'bin');
}

/** Who runs the server binaries: ourselves, or the `postgres` user when we are root. */
function serverUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const passwd = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!passwd) throw new Error("Running as root but there is no 'postgres' OS user to run the test server as.");
  const [, , uid, gid] = passwd.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

const running = new Set<{ stopNow: () => void }>();
process.once('exit', () => {
  for (const r of running) r.stopNow();
});
// A test run interrupted or timed out must not leave servers behind: stop them, then die of the signal.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    for (const r of running) r.stopNow();
    running.clear();
    process.kill(process.pid, signal);
  });
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = binDir();
  const owner = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'tunelab-pg-'));
  const data = join(dir, 'data');
  const password = 'tunelab-test-pw';
  const user = 'postgres';
  const port = await freePort();
  const host = '127.0.0.1';
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chmodSync(dir, 0o700);
  }
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, password + '\n');
  if (owner) chownSync(pwfile, owner.uid, owner.gid);

  const run = (cmd: string, args: string[]) => {
    const opts: SpawnSyncOptions = {
      encoding: 'utf8',
      env: { ...process.env, LC_ALL: 'C', HOME: dir },
      cwd: dir,
      timeout: 60_000,
    };
    if (owner) Object.assign(opts, { uid: owner.uid, gid: owner.gid });
    const r = spawnSync(join(bin, cmd), args, opts);
    if (r.status !== 0) {
      throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
    }
    return r;
  };

  run('initdb', [
    '-D',
    data,
    '-U',
    user,
    '--pwfile',
    pwfile,
    '--auth-host=scram-sha-256',
    '--auth-local=trust',
    '--encoding=UTF8',
    '--no-sync',
  ]);
  const serverOptions = [
    `-p ${port}`,
    `-c listen_addresses=${host}`,
    `-k ${dir}`, // unix socket inside our private directory, never the system one
    // Test data: no fsync (an OS crash may lose it), but commits are still written to the WAL before
    // they are acknowledged, so a killed server (stop('immediate')) keeps every committed row.
    '-c fsync=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  let started = false;
  const start = () => {
    run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', '-o', serverOptions, 'start']);
    started = true;
  };
  const stop = (mode: 'fast' | 'immediate' = 'fast') => {
    if (!started) return;
    run('pg_ctl', ['-D', data, '-w', '-m', mode, 'stop']);
    started = false;
  };
  start();
  // Should this process be killed outright, the server is stopped and its directory removed anyway
  // (by its owner; paths travel as arguments, never inside the script).
  const cancelWatchdog = cleanupWhenGone(
    '"$1" -D "$2" -m immediate stop; rm -rf "$3"',
    [join(bin, 'pg_ctl'), data, dir],
    owner ?? undefined,
  );

  const entry = {
    stopNow: () => {
      cancelWatchdog();
      try {
        stop('immediate');
      } catch {
        /* already gone */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  running.add(entry);

  const url = (database = 'postgres', pw = password) => `postgresql://${user}:${encodeURIComponent(pw)}@${host}:${port}/${database}`;

  return {
    host,
    port,
    user,
    password,
    url,
    async createDatabase(name: string) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad test database name ${name}`);
      run('psql', [
        '-h',
        dir,
        '-p',
        String(port),
        '-U',
        user,
        '-d',
        'postgres',
        '-v',
        'ON_ERROR_STOP=1',
        '-q',
        '-c',
        `CREATE DATABASE ${name}`,
      ]);
      return url(name);
    },
    stop,
    start,
    destroy() {
      running.delete(entry);
      entry.stopNow();
    },
  };
}

/** Whoever runs the tests, for messages. */
export function currentUser(): string {
  return userInfo().username;
}

/**
 * The same database as SQLAlchemy 2.1 (Optuna 5's engine) must be told it: a bare `postgresql://`
 * there means the psycopg 3 driver, and the pinned environment has psycopg2 (tunelab accepts both
 * spellings).
 */
export function sqlalchemyUrl(url: string): string {
  return url.replace(/^postgres(ql)?:\/\//, 'postgresql+psycopg2://');
}
