/**
 * Optuna 5.0's JournalRedisBackend: log n is the string key `<prefix>:log:<n>` holding
 * `json.dumps(log)` (default separators), and `<prefix>:log_number` holds the number of the last log
 * (-1 before the first). Optuna's prefix is "" by default, so the keys are `:log_number`, `:log:0`...
 * A log is appended by a Lua script that increments `:log_number` and sets the log key in one atomic
 * step (the same script Optuna sends); with `useCluster` the two commands are sent separately, as
 * Optuna does on a Redis cluster, where scripts may not touch keys of several slots.
 *
 * Snapshots: Optuna also stores a pickled replay state under `<prefix>:snapshot` every 100 studies or
 * trials, to start faster. It never removes logs, so tunelab replays the logs from 0 and ignores the
 * snapshot (a Python pickle); Optuna's snapshots stay valid because they record how many logs they
 * cover, and tunelab writes none.
 */
import { StorageError } from '../../errors';
import { decodeJson } from '../rdb/codec';
import type { JournalBackend } from './backend';
import type { JournalLog } from './log';
import { pyJsonDumps } from './pyjson';
import { parseRedisUrl, RespClient, type RespReply } from './resp';

export interface JournalRedisOptions {
  /** Prefix of every key (Optuna's `prefix`, default ""), so several journals can share one server. */
  prefix?: string;
  /** A Redis cluster: append with two commands instead of one script (Optuna's `use_cluster`). */
  useCluster?: boolean;
}

/** The script Optuna 5.0 evaluates to append one log (ARGV[1]: prefix, ARGV[2]: the log). */
const APPEND_SCRIPT =
  "local i = redis.call('incr', string.format('%s:log_number', ARGV[1])) " +
  "redis.call('set', string.format('%s:log:%d', ARGV[1], i), ARGV[2])";

/** Append only while `:log_number` is still ARGV[3] (nobody appended since the caller read). */
const APPEND_IF_SCRIPT =
  "if redis.call('get', string.format('%s:log_number', ARGV[1])) ~= ARGV[3] then return 0 end " + APPEND_SCRIPT + ' return 1';

const MGET_CHUNK = 1000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class JournalRedisBackend implements JournalBackend {
  readonly url: string;
  private readonly client: RespClient;
  private readonly prefix: string;
  private readonly useCluster: boolean;

  constructor(url: string, options: JournalRedisOptions = {}) {
    const address = parseRedisUrl(url);
    this.url = url;
    this.prefix = options.prefix ?? '';
    this.useCluster = options.useCluster ?? false;
    this.client = new RespClient(address, `${address.host}:${address.port}/${address.db}`);
  }

  private get counterKey(): string {
    return `${this.prefix}:log_number`;
  }

  private logKey(n: number): string {
    return `${this.prefix}:log:${n}`;
  }

  async readLogs(from: number): Promise<JournalLog[]> {
    const last = await this.client.command(['GET', this.counterKey]);
    if (last === null) return [];
    const max = Number(last);
    const logs: JournalLog[] = [];
    for (let start = from; start <= max; start += MGET_CHUNK) {
      const numbers = Array.from({ length: Math.min(MGET_CHUNK, max - start + 1) }, (_, i) => start + i);
      let texts = (await this.client.command(['MGET', ...numbers.map((n) => this.logKey(n))])) as (string | null)[];
      // On a cluster the counter may be ahead of the log for a moment: wait for it, as Optuna does.
      for (let delay = 100; texts.includes(null); delay = Math.min(delay * 2, 10_000)) {
        if (delay >= 10_000) {
          throw new StorageError(
            `Log ${numbers[texts.indexOf(null)]} is missing from the Redis journal at ${this.url}, though ${this.counterKey} counts it.`,
          );
        }
        await sleep(delay);
        texts = (await this.client.command(['MGET', ...numbers.map((n) => this.logKey(n))])) as (string | null)[];
      }
      for (const [i, text] of texts.entries()) {
        try {
          const log = decodeJson(text);
          if (log === null || typeof log !== 'object' || Array.isArray(log)) throw new Error('not a JSON object');
          logs.push(log as JournalLog);
        } catch (err) {
          if (numbers[i] === max) return logs; // Optuna leaves an unreadable last log for later too
          throw new StorageError(`Log ${numbers[i]} of the Redis journal at ${this.url} is not a JSON log (${(err as Error).message}).`);
        }
      }
    }
    return logs;
  }

  async appendLogs(logs: readonly JournalLog[]): Promise<void> {
    const commands: (string | number)[][] = [['SETNX', this.counterKey, -1]];
    for (const log of logs) {
      const text = pyJsonDumps(log, 'default');
      if (this.useCluster) {
        // Two commands: the number first, then the log under it (the log number comes back first).
        const n = (await this.client.pipeline([...commands.splice(0), ['INCR', this.counterKey]])).at(-1) as number;
        await this.client.command(['SET', this.logKey(n), text]);
      } else {
        commands.push(['EVAL', APPEND_SCRIPT, 0, this.prefix, text]);
      }
    }
    if (commands.length) await this.client.pipeline(commands);
  }

  async appendLogsIfCount(logs: readonly JournalLog[], known: number): Promise<boolean> {
    if (logs.length !== 1) throw new StorageError('A conditional append takes one log.');
    const replies: RespReply[] = await this.client.pipeline([
      ['SETNX', this.counterKey, -1],
      ['EVAL', APPEND_IF_SCRIPT, 0, this.prefix, pyJsonDumps(logs[0], 'default'), known - 1],
    ]);
    return replies[1] === 1;
  }

  async close(): Promise<void> {
    this.client.close();
  }
}
