/**
 * The Jupyter wire format (messaging protocol 5.3): framing, HMAC-SHA256 signing and verification,
 * and the connection file. Pure functions shared by the kernel's two threads and by the headless
 * runner's client.
 *
 * A message on a ROUTER/DEALER socket is
 *   [identity..., "<IDS|MSG>", signature, header, parent_header, metadata, content, buffer...]
 * and the signature covers only the four JSON frames, never the binary buffers.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

export const PROTOCOL_VERSION = '5.3';
export const DELIMITER: Buffer = Buffer.from('<IDS|MSG>');

export type JsonObject = Record<string, unknown>;

export interface MessageHeader {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
  [key: string]: unknown;
}

/** A decoded message. `identities` are the ZeroMQ routing prefix (empty on PUB/SUB). */
export interface JupyterMessage {
  identities: Buffer[];
  header: MessageHeader;
  parent_header: Partial<MessageHeader>;
  metadata: JsonObject;
  content: JsonObject;
  buffers: Buffer[];
}

export interface ConnectionInfo {
  transport: 'tcp' | 'ipc';
  ip: string;
  shell_port: number;
  control_port: number;
  iopub_port: number;
  stdin_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
  kernel_name?: string;
}

export class WireError extends Error {
  override name = 'WireError';
}

export function readConnectionFile(path: string): ConnectionInfo {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (err) {
    throw new WireError(`cannot read the connection file ${path}: ${(err as Error).message}`);
  }
  const info = JSON.parse(raw) as Partial<ConnectionInfo>;
  for (const k of ['shell_port', 'control_port', 'iopub_port', 'stdin_port', 'hb_port'] as const) {
    if (typeof info[k] !== 'number') throw new WireError(`connection file ${path} has no numeric "${k}"`);
  }
  const scheme = info.signature_scheme ?? 'hmac-sha256';
  if (info.key && scheme !== 'hmac-sha256') {
    throw new WireError(`unsupported signature_scheme "${scheme}" in ${path}: only hmac-sha256 is implemented`);
  }
  return {
    ...(info as ConnectionInfo),
    transport: info.transport ?? 'tcp',
    ip: info.ip ?? '127.0.0.1',
    key: info.key ?? '',
    signature_scheme: scheme,
  };
}

/** The zmq endpoint of one channel, exactly where the connection file says. */
export function endpoint(info: ConnectionInfo, port: number): string {
  // For ipc the "port" is a suffix of the socket path, as jupyter_client does it.
  return info.transport === 'ipc' ? `ipc://${info.ip}-${port}` : `tcp://${info.ip}:${port}`;
}

/** Hex HMAC-SHA256 over the JSON frames; the empty string when signing is disabled (empty key). */
export function sign(key: string, frames: ReadonlyArray<string | Buffer>): string {
  if (!key) return '';
  const h = createHmac('sha256', key);
  for (const f of frames) h.update(f);
  return h.digest('hex');
}

export function newHeader(msgType: string, session: string, username = 'kernel'): MessageHeader {
  return {
    msg_id: randomUUID(),
    session,
    username,
    date: new Date().toISOString(),
    msg_type: msgType,
    version: PROTOCOL_VERSION,
  };
}

/** The four JSON frames of a message, serialised once so signing and sending agree byte for byte. */
export interface SerializedParts {
  header: string;
  parent_header: string;
  metadata: string;
  content: string;
}

/** What is serialised: typed contents (messages.ts) as well as decoded JSON objects. */
export interface OutgoingMessage {
  header: MessageHeader;
  parent_header: Partial<MessageHeader>;
  metadata: object;
  content: object;
}

export function serializeParts(msg: OutgoingMessage): SerializedParts {
  return {
    header: JSON.stringify(msg.header),
    parent_header: JSON.stringify(msg.parent_header ?? {}),
    metadata: JSON.stringify(msg.metadata ?? {}),
    content: JSON.stringify(msg.content ?? {}),
  };
}

export function encodeFrames(key: string, identities: Buffer[], parts: SerializedParts, buffers: Buffer[]): Buffer[] {
  const json = [parts.header, parts.parent_header, parts.metadata, parts.content];
  return [...identities, DELIMITER, Buffer.from(sign(key, json)), ...json.map((s) => Buffer.from(s)), ...buffers];
}

/**
 * The frames of a message as handed to a zeromq.js socket: like encodeFrames, but the delimiter,
 * signature and JSON frames stay strings. zeromq.js copies a string into native memory once and
 * frees it natively, whereas a Buffer over 128 bytes goes out zero-copy and must be released later
 * by a callback on the sending thread's event loop: for the small frames of most messages that
 * release costs more than the copy. Binary buffers stay Buffers.
 */
export function framesToSend(key: string, identities: Buffer[], parts: SerializedParts, buffers: Buffer[]): Array<Buffer | string> {
  const json = [parts.header, parts.parent_header, parts.metadata, parts.content];
  return [...identities, DELIMITER_TEXT, sign(key, json), ...json, ...buffers];
}

const DELIMITER_TEXT = DELIMITER.toString();

/**
 * Splits and verifies raw frames. Throws WireError (with a reason fit for a log line) when the
 * delimiter is missing, the signature is missing or wrong, or a JSON frame does not parse.
 */
export function decodeFrames(key: string, frames: Buffer[]): JupyterMessage {
  const at = frames.findIndex((f) => f.equals(DELIMITER));
  if (at < 0) throw new WireError('message without the <IDS|MSG> delimiter');
  if (frames.length < at + 6) throw new WireError(`message with ${frames.length - at - 1} frames after the delimiter; need at least 5`);
  const identities = frames.slice(0, at);
  const signature = frames[at + 1];
  const json = frames.slice(at + 2, at + 6);
  if (key) {
    const expected = Buffer.from(sign(key, json));
    if (signature.length === 0) throw new WireError('message without a signature');
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
      throw new WireError('message with a bad signature');
    }
  }
  let parsed: unknown[];
  try {
    parsed = json.map((f) => JSON.parse(f.toString('utf8')) as unknown);
  } catch (err) {
    throw new WireError(`message with a frame that is not JSON: ${(err as Error).message}`);
  }
  const [header, parent, metadata, content] = parsed;
  if (!isObject(header) || typeof header.msg_type !== 'string' || typeof header.msg_id !== 'string') {
    throw new WireError('message whose header lacks msg_id or msg_type');
  }
  return {
    identities,
    header: header as MessageHeader,
    parent_header: (isObject(parent) ? parent : {}) as Partial<MessageHeader>,
    metadata: isObject(metadata) ? metadata : {},
    content: isObject(content) ? content : {},
    buffers: frames.slice(at + 6),
  };
}

/** The signature frame of raw frames (after the delimiter), or undefined when there is none. */
export function signatureFrame(frames: Buffer[]): Buffer | undefined {
  const at = frames.findIndex((f) => f.equals(DELIMITER));
  return at >= 0 ? frames[at + 1] : undefined;
}

/**
 * Decodes and verifies raw frames, then refuses a replay: a message whose signature `history`
 * already holds (it was accepted before in this session) throws WireError, as jupyter_client's
 * Session raises "Duplicate Signature".
 */
export function decodeFresh(key: string, frames: Buffer[], history: { add(signature: Buffer): boolean }): JupyterMessage {
  const msg = decodeFrames(key, frames);
  const signature = signatureFrame(frames);
  if (key && signature && !history.add(signature)) {
    throw new WireError(
      `replayed ${msg.header.msg_type} (msg_id ${msg.header.msg_id}): its signature was already accepted in this session`,
    );
  }
  return msg;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Converts any binary view to a Buffer without copying. */
export function toBuffer(b: ArrayBuffer | ArrayBufferView): Buffer {
  if (Buffer.isBuffer(b)) return b;
  if (ArrayBuffer.isView(b)) return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return Buffer.from(b);
}
