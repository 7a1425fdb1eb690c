/**
 * The conversions both ends of Optuna's gRPC storage API share: trial states and study directions
 * as the protocol's enum codes, attributes as (key, JSON text) entries, trials as its `Trial`
 * message, datetimes in its format.
 */
import { ownValue, setKey } from '../../dict';
import { InvalidArgumentError } from '../../errors';
import { checkOptionKeys } from '../../options';
import { containsInternal, toExternal, type Distribution, type ParamValue } from '../../distributions';
import { snapshotTrial, TrialState, type Direction, type FrozenTrial } from '../../frozenTrial';
import { microsecondDigits } from '../../datetime';
import { decodeJson, encodeJson } from '../rdb/codec';
import { journalDistributionJson, parseJournalDatetime } from '../journal/log';
import type { ProtoTrial, StringEntry } from './api';

/** The gRPC status codes both ends answer and read (grpc-js's `status` values, without loading it). */
export const STATUS = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

export const PROTO_STATE: Record<TrialState, number> = {
  [TrialState.RUNNING]: 0,
  [TrialState.COMPLETE]: 1,
  [TrialState.PRUNED]: 2,
  [TrialState.FAIL]: 3,
  [TrialState.WAITING]: 4,
};
const STATE_OF_PROTO = [TrialState.RUNNING, TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL, TrialState.WAITING];

export function stateOf(code: number): TrialState {
  const state = STATE_OF_PROTO[code];
  if (state === undefined) throw new InvalidArgumentError(`Unknown trial state code ${code}.`);
  return state;
}

export function directionOf(code: number): Direction {
  if (code !== 0 && code !== 1) throw new InvalidArgumentError(`Unknown study direction code ${code}.`);
  return code === 1 ? 'maximize' : 'minimize';
}

export function directionCode(d: Direction): number {
  return d === 'maximize' ? 1 : 0;
}

/** Attributes as the protocol's entries, each value as Python's json.dumps writes it. */
export function entries(attrs: Readonly<Record<string, unknown>>): StringEntry[] {
  return Object.keys(attrs).map((key) => ({ key, value: encodeJson(attrs[key]) }));
}

/** Attributes from the protocol's entries, set as own properties whatever their keys; text that is not JSON is refused. */
export function attrsOf(list: readonly StringEntry[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list) setKey(out, key, jsonValue(value));
  return out;
}

/** An attribute value's JSON text. */
export function jsonValue(text: unknown): unknown {
  try {
    return decodeJson(String(text));
  } catch {
    throw new InvalidArgumentError(`An attribute value must be JSON text, got ${JSON.stringify(String(text).slice(0, 80))}.`);
  }
}

/** A trial as Optuna's servicer sends it (and as its client sends a template for `add_trial`). */
export function protoTrial(t: FrozenTrial): ProtoTrial {
  return {
    trial_id: t.trialId,
    number: t.number,
    state: PROTO_STATE[t.state],
    values: t.values ? [...t.values] : [],
    datetime_start: t.datetimeStart ? formatLocalDatetime(t.datetimeStart) : '',
    datetime_complete: t.datetimeComplete ? formatLocalDatetime(t.datetimeComplete) : '',
    params: Object.keys(t.distributions).map((key) => ({ key, value: t.internalParams[key] })),
    distributions: Object.entries(t.distributions).map(([key, d]) => ({ key, value: journalDistributionJson(d) })),
    user_attributes: entries(t.userAttrs),
    system_attributes: entries(t.systemAttrs),
    intermediate_values: [...t.intermediateValues].map(([key, value]) => ({ key, value })),
  };
}

/**
 * A `Trial` message as a FrozenTrial: the server's answer on the client, a template trial on the
 * server. `distributionOf(json, name)` parses a distribution; `refuse(message)` makes the error for
 * a parameter without its distribution or with a value its distribution does not hold.
 */
export function trialFromProto(
  p: ProtoTrial,
  distributionOf: (json: string, name: string) => Distribution,
  refuse: (message: string) => Error,
): FrozenTrial {
  const distributions: Record<string, Distribution> = {};
  for (const { key, value } of p.distributions) setKey(distributions, key, distributionOf(value, key));
  const params: Record<string, ParamValue> = {};
  const internalParams: Record<string, number> = {};
  for (const { key, value } of p.params) {
    const d = ownValue(distributions, key);
    if (!d) throw refuse(`trial ${p.number}'s parameter '${key}' comes without its distribution`);
    if (!containsInternal(d, value)) throw refuse(`trial ${p.number}'s parameter '${key}' has ${value}, outside its distribution`);
    setKey(internalParams, key, value);
    setKey(params, key, toExternal(d, value));
  }
  return snapshotTrial(
    {
      trialId: p.trial_id,
      number: p.number,
      state: stateOf(p.state),
      values: p.values.length > 0 ? p.values : null,
      datetimeStart: p.datetime_start ? parseJournalDatetime(p.datetime_start) : null,
      datetimeComplete: p.datetime_complete ? parseJournalDatetime(p.datetime_complete) : null,
      params,
      internalParams,
      distributions,
      intermediateValues: new Map(p.intermediate_values.map(({ key, value }) => [key, value])),
      userAttrs: attrsOf(p.user_attributes),
      systemAttrs: attrsOf(p.system_attributes),
    },
    { copy: false },
  );
}

/**
 * Optuna's gRPC datetime format ("%Y-%m-%d %H:%M:%S.%f"), in this machine's local time: Python's
 * datetimes there carry no zone, and are the server's local time.
 */
export function formatLocalDatetime(d: Date): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${microsecondDigits(d)}`
  );
}

/**
 * The host and port options of `where` (Optuna's defaults: localhost, 13000), checked, and the
 * address they make (an IPv6 address bracketed, as in a URL). A server may take port 0 (a free one).
 */
export function checkAddress(
  where: string,
  opts: { host?: string; port?: number },
  lowestPort: 0 | 1,
): { host: string; port: number; address: string } {
  checkOptionKeys(where, opts, ['host', 'port']);
  const host = opts.host ?? 'localhost';
  const port = opts.port ?? 13000;
  if (typeof host !== 'string' || host === '' || /[\s/]/.test(host)) {
    throw new InvalidArgumentError(`${where}: host must be a host name or address, got ${JSON.stringify(host)}.`);
  }
  if (!Number.isInteger(port) || port < lowestPort || port > 65535) {
    throw new InvalidArgumentError(`${where}: port must be an integer from ${lowestPort} to 65535, got ${String(port)}.`);
  }
  return { host, port, address: `${host.includes(':') ? `[${host}]` : host}:${port}` };
}
