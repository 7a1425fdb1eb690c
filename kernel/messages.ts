/**
 * The typed seam between the wire (wire.ts: frames, signatures, JSON) and the kernel's handlers:
 * for every message type the kernel serves, the content its handler receives, the content of its
 * reply, and the one place where what a frontend sent is checked before a handler sees it.
 *
 * The shapes are `@jupyterlab/services`' KernelMessage types, the frontend's own definition of the
 * protocol, imported as types only (nothing of that package is loaded at run time). Where tunelab
 * sends more than those types name, the difference is spelled out next to it.
 *
 * Types are not validation: a frontend (or anyone holding the key) may send any JSON. So each
 * handled type has a validator, run by `toRequest` before dispatch, that turns the untyped content
 * into its typed form: a field of the wrong type is refused with a RequestFieldError naming it, an
 * absent optional field takes the protocol's default, and nothing of the sender's objects is kept
 * except plain data (`data` of comm messages, which widget code reads as plain data).
 */
import type { KernelMessage } from '@jupyterlab/services';
import type { HistoryItem, HistoryQuery } from './history';
import { isObject, type JsonObject, type JupyterMessage, type MessageHeader } from './wire';

/** A request field of the wrong type: the error reply says which and what it should be. */
export class RequestFieldError extends Error {
  override name = 'RequestFieldError';
}

/**
 * What each handler receives, by msg_type. `execute_request`'s flags arrive with their protocol
 * defaults applied; `history_request` keeps its fields untyped because History.query checks them
 * and answers a bad one with its own error reply (HistoryRequestError, an empty history).
 */
export interface RequestContents {
  kernel_info_request: KernelMessage.IInfoRequestMsg['content'];
  execute_request: Required<Omit<KernelMessage.IExecuteRequestMsg['content'], 'user_expressions'>>;
  is_complete_request: KernelMessage.IIsCompleteRequestMsg['content'];
  complete_request: KernelMessage.ICompleteRequestMsg['content'];
  /** detail_level is not read: inspection answers the same at both levels. */
  inspect_request: Omit<KernelMessage.IInspectRequestMsg['content'], 'detail_level'>;
  history_request: HistoryQuery;
  comm_info_request: KernelMessage.ICommInfoRequestMsg['content'];
  comm_open: CommContent<KernelMessage.ICommOpenMsg>;
  comm_msg: CommContent<KernelMessage.ICommMsgMsg>;
  comm_close: CommContent<KernelMessage.ICommCloseMsg>;
  /** Not in KernelMessage (its frontends send shutdown through the REST API). */
  shutdown_request: { restart: boolean };
  interrupt_request: KernelMessage.IInterruptRequestMsg['content'];
  /** Only what the refusal echoes (there is no debugger). */
  debug_request: Pick<KernelMessage.IDebugRequestMsg['content'], 'seq' | 'command'>;
  /** On stdin: the answer to input(). */
  input_reply: Pick<KernelMessage.IInputReply, 'value'>;
}

/**
 * A comm message's content, with `data` as the widget layer types it (widgets/kernel/transport.ts):
 * a plain object whose values it checks itself.
 */
type CommContent<M extends { content: { data: unknown } }> = Omit<M['content'], 'data'> & { data: JsonObject };

export type RequestType = keyof RequestContents;

/** A message whose content has been validated for its type. */
export interface Request<T extends RequestType> {
  readonly identities: Buffer[];
  readonly header: MessageHeader & { msg_type: T };
  readonly parent_header: Partial<MessageHeader>;
  readonly content: RequestContents[T];
  readonly buffers: Buffer[];
}

/** An execute_reply's content: KernelMessage's, whose error and abort forms also carry the count. */
type ExecuteReply =
  | KernelMessage.IExecuteReply
  | (KernelMessage.IReplyErrorContent & KernelMessage.IExecuteCount)
  | { status: 'aborted'; execution_count: number };

/** The reply's content for each request type; any of them may also be an error (replyWithError). */
export interface ReplyContents {
  /** `debugger: false` is the 5.3 field KernelMessage lacks: the frontend then shows no debugger. */
  kernel_info_request: KernelMessage.IInfoReply & { debugger: boolean };
  execute_request: ExecuteReply;
  is_complete_request: KernelMessage.IIsCompleteReplyIncomplete | KernelMessage.IIsCompleteReplyOther;
  /** `note`: why there are no matches when completion itself failed. */
  complete_request: Extract<KernelMessage.ICompleteReplyMsg['content'], { status: 'ok' }> & { note?: string };
  inspect_request: KernelMessage.IInspectReply;
  /** `output` may be null (a cell without a result), and an error keeps an empty history. */
  history_request: { status: 'ok'; history: HistoryItem[] } | (KernelMessage.IReplyErrorContent & { history: [] });
  comm_info_request: KernelMessage.ICommInfoReply;
  shutdown_request: { status: 'ok'; restart: boolean };
  interrupt_request: KernelMessage.IInterruptReply;
  debug_request: KernelMessage.IDebugReplyMsg['content'];
}

/** Request types that are answered with a `_reply`. */
export type AnsweredType = keyof ReplyContents & RequestType;

/** `x_request` -> `x_reply`, as the protocol names every reply. */
export type ReplyType<T extends string> = T extends `${infer Base}_request` ? `${Base}_reply` : never;

export function replyType<T extends string>(requestType: T): ReplyType<T> {
  return requestType.replace(/_request$/, '_reply') as ReplyType<T>;
}

/** The content of the iopub messages the kernel and its comms publish. */
export interface IopubContents {
  status: { execution_state: 'busy' | 'idle' | 'starting' };
  stream: KernelMessage.IStreamMsg['content'];
  execute_input: KernelMessage.IExecuteInputMsg['content'];
  execute_result: { execution_count: number; data: JsonObject; metadata: JsonObject; transient?: { display_id: string } };
  error: KernelMessage.IErrorMsg['content'];
  display_data: { data: JsonObject; metadata: JsonObject; transient: { display_id?: string } };
  update_display_data: { data: JsonObject; metadata: JsonObject; transient: { display_id: string } };
  clear_output: KernelMessage.IClearOutputMsg['content'];
  comm_open: CommContent<KernelMessage.ICommOpenMsg>;
  comm_msg: CommContent<KernelMessage.ICommMsgMsg>;
  comm_close: CommContent<KernelMessage.ICommCloseMsg>;
}

export type IopubType = keyof IopubContents;

// ---- validation ----------------------------------------------------------------------------

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`;
}

/** content[key] as a string ('' when absent). */
function stringField(type: string, content: JsonObject, key: string): string {
  const v = content[key];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new RequestFieldError(`${type}: content.${key} must be a string, got ${describeValue(v)}`);
  return v;
}

/** content[key] as a string, which the message cannot do without. */
function requiredString(type: string, content: JsonObject, key: string): string {
  const v = content[key];
  if (typeof v !== 'string')
    throw new RequestFieldError(`${type}: content.${key} must be a string, got ${v === undefined ? 'nothing' : describeValue(v)}`);
  return v;
}

/** content.cursor_pos as a position in the code (0 when absent). */
function cursorField(type: string, content: JsonObject): number {
  const v = content.cursor_pos;
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new RequestFieldError(`${type}: content.cursor_pos must be a number, got ${describeValue(v)}`);
  return v;
}

/** What input() resolves with: the text, or for anything else what it reads as (never throws). */
function inputValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  try {
    return String(v);
  } catch {
    return ''; // an object without a usable toString (JSON can say {"toString": null})
  }
}

function commData(content: JsonObject): JsonObject {
  return isObject(content.data) ? content.data : {};
}

type Validators = { [T in RequestType]: (content: JsonObject, type: T) => RequestContents[T] };

/**
 * One validator per handled type. Flags follow the protocol's defaults as the kernel has always
 * read them: only `true` turns `silent` and `allow_stdin` on, only `false` turns `store_history` and
 * `stop_on_error` off.
 */
const VALIDATORS: Validators = {
  kernel_info_request: () => ({}),
  execute_request: (c) => ({
    // A code that is not a string runs as an empty cell (as it always has).
    code: typeof c.code === 'string' ? c.code : '',
    silent: c.silent === true,
    store_history: c.store_history !== false,
    allow_stdin: c.allow_stdin === true,
    stop_on_error: c.stop_on_error !== false,
  }),
  is_complete_request: (c, t) => ({ code: stringField(t, c, 'code') }),
  complete_request: (c, t) => ({ code: stringField(t, c, 'code'), cursor_pos: cursorField(t, c) }),
  inspect_request: (c, t) => ({ code: stringField(t, c, 'code'), cursor_pos: cursorField(t, c) }),
  history_request: (c) => ({
    hist_access_type: c.hist_access_type,
    output: c.output,
    session: c.session,
    start: c.start,
    stop: c.stop,
    n: c.n,
    pattern: c.pattern,
    unique: c.unique,
  }),
  comm_info_request: (c) => (typeof c.target_name === 'string' ? { target_name: c.target_name } : {}),
  comm_open: (c, t) => ({ comm_id: requiredString(t, c, 'comm_id'), target_name: requiredString(t, c, 'target_name'), data: commData(c) }),
  comm_msg: (c, t) => ({ comm_id: requiredString(t, c, 'comm_id'), data: commData(c) }),
  comm_close: (c, t) => ({ comm_id: requiredString(t, c, 'comm_id'), data: commData(c) }),
  shutdown_request: (c) => ({ restart: Boolean(c.restart) }),
  interrupt_request: () => ({}),
  debug_request: (c) => ({ seq: typeof c.seq === 'number' ? c.seq : 0, command: typeof c.command === 'string' ? c.command : '' }),
  input_reply: (c) => ({ value: inputValue(c.value) }),
};

/** Whether the kernel serves this msg_type (an own key: "__proto__" or "toString" are not). */
export function isRequestType(type: string): type is RequestType {
  return Object.hasOwn(VALIDATORS, type);
}

/** The message with its content validated for `type`; throws RequestFieldError naming a bad field. */
export function toRequest<T extends RequestType>(type: T, msg: JupyterMessage): Request<T> {
  const validate = VALIDATORS[type] as (content: JsonObject, type: T) => RequestContents[T];
  return {
    identities: msg.identities,
    header: msg.header as MessageHeader & { msg_type: T },
    parent_header: msg.parent_header,
    content: validate(msg.content, type),
    buffers: msg.buffers,
  };
}
