/**
 * A minimal Redis client: RESP2 over one TCP connection, commands pipelined (replies come back in
 * order), just enough for Optuna's journal keys (GET, MGET, SETNX, EVAL, INCR, SET, plus AUTH and
 * SELECT from the URL). No npm dependency: the journal needs six commands, not a full client.
 *
 * URL: `redis://[[user]:password@]host[:port][/db]` (Optuna passes the same URL to redis-py's
 * `Redis.from_url`). TLS (`rediss://`) and Unix sockets are not supported.
 */
import { connect, type Socket } from 'node:net';
import { StorageError } from '../../errors';

export type RespReply = string | number | null | RespReply[];

export interface RedisAddress {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
}

export function parseRedisUrl(url: string): RedisAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new StorageError(`'${url}' is not a Redis URL. Write redis://host:port/db, e.g. 'redis://localhost:6379/0'.`);
  }
  if (u.protocol !== 'redis:') {
    throw new StorageError(`'${url}': only redis:// URLs are supported (no TLS, no Unix sockets). Write redis://host:port/db.`);
  }
  const dbText = u.pathname.replace(/^\//, '') || '0';
  const db = Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new StorageError(`'${url}': the database number '${dbText}' is not a non-negative integer.`);
  return {
    host: u.hostname.replace(/^\[|\]$/g, '') || 'localhost',
    port: u.port ? Number(u.port) : 6379,
    db,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
  };
}

interface Pending {
  resolve: (r: RespReply) => void;
  reject: (e: Error) => void;
}

/** Why a reply could not be parsed yet: more bytes are needed. */
const INCOMPLETE = Symbol('incomplete');

export class RespClient {
  private socket: Socket | null = null;
  private connecting: Promise<Socket> | null = null;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending: Pending[] = [];
  private closed = false;

  constructor(
    private readonly address: RedisAddress,
    private readonly label: string,
  ) {}

  /** Send one command; resolves with its reply, rejects with the server's error as a StorageError. */
  async command(args: readonly (string | number)[]): Promise<RespReply> {
    return (await this.pipeline([args]))[0];
  }

  /** Send several commands at once and wait for all their replies (in order). */
  async pipeline(commands: readonly (readonly (string | number)[])[]): Promise<RespReply[]> {
    if (this.closed) throw new StorageError(`The Redis connection to ${this.label} is closed.`);
    const socket = await this.open();
    // The connection keeps the process alive only while replies are awaited: a script that used a
    // Redis storage exits when it is done, as with the other storages, without closing it.
    socket.ref();
    const replies = commands.map(() => new Promise<RespReply>((resolve, reject) => this.pending.push({ resolve, reject })));
    socket.write(Buffer.concat(commands.map(encodeCommand)));
    // Settle all before reporting the first error, so no rejection goes unhandled.
    const settled = await Promise.allSettled(replies);
    if (this.pending.length === 0) socket.unref();
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<RespReply>).value);
  }

  close(): void {
    this.closed = true;
    this.socket?.end();
    this.socket = null;
  }

  private open(): Promise<Socket> {
    if (this.socket) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host: this.address.host, port: this.address.port });
      socket.setNoDelay(true);
      socket.once('connect', () => {
        this.socket = socket;
        this.connecting = null;
        resolve(socket);
      });
      socket.on('data', (chunk: Buffer) => this.receive(chunk));
      socket.on('error', (err) => {
        if (this.socket !== socket) {
          this.connecting = null;
          reject(new StorageError(`Cannot connect to Redis at ${this.label}: ${err.message}. Is redis-server running there?`));
        }
        this.fail(new StorageError(`The Redis connection to ${this.label} failed: ${err.message}.`));
      });
      socket.once('close', () => {
        if (this.socket === socket) this.socket = null;
        this.fail(new StorageError(`The Redis connection to ${this.label} was closed by the server.`));
      });
    }).then(async (socket) => {
      const { username, password, db } = this.address;
      const setup: (string | number)[][] = [];
      if (password !== undefined) setup.push(username ? ['AUTH', username, password] : ['AUTH', password]);
      if (db !== 0) setup.push(['SELECT', db]);
      if (setup.length) {
        const replies = setup.map(() => new Promise<RespReply>((resolve, reject) => this.pending.push({ resolve, reject })));
        socket.write(Buffer.concat(setup.map(encodeCommand)));
        await Promise.all(replies);
      }
      return socket;
    });
    return this.connecting;
  }

  private fail(err: Error): void {
    for (const p of this.pending.splice(0)) p.reject(err);
    this.buffer = Buffer.alloc(0);
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      let parsed: Parsed | typeof INCOMPLETE;
      try {
        parsed = parseReply(this.buffer, 0);
      } catch (err) {
        this.fail(err as Error);
        this.socket?.destroy();
        return;
      }
      if (parsed === INCOMPLETE) return;
      this.buffer = this.buffer.subarray(parsed.end);
      const p = this.pending.shift();
      if (!p) continue; // a reply nobody waits for (cannot happen with ordered pipelining)
      if (parsed.error !== undefined) p.reject(new StorageError(`Redis at ${this.label} refused a command: ${parsed.error}`));
      else p.resolve(parsed.value);
    }
  }
}

function encodeCommand(args: readonly (string | number)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.from(String(a), 'utf8');
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

type Parsed = { value: RespReply; error?: string; end: number };

function parseReply(buf: Buffer, at: number): Parsed | typeof INCOMPLETE {
  const lineEnd = buf.indexOf('\r\n', at);
  if (lineEnd < 0) return INCOMPLETE;
  const type = String.fromCharCode(buf[at]);
  const line = buf.toString('utf8', at + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: null, error: line, end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const n = Number(line);
      if (n < 0) return { value: null, end: next };
      if (buf.length < next + n + 2) return INCOMPLETE;
      return { value: buf.toString('utf8', next, next + n), end: next + n + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, end: next };
      const items: RespReply[] = [];
      let pos = next;
      let error: string | undefined;
      for (let i = 0; i < n; i++) {
        const item = parseReply(buf, pos);
        if (item === INCOMPLETE) return INCOMPLETE;
        items.push(item.value);
        error ??= item.error;
        pos = item.end;
      }
      return { value: items, error, end: pos };
    }
    default:
      throw new StorageError(`Unexpected reply from Redis (type byte ${JSON.stringify(type)}); is this a Redis server?`);
  }
}
