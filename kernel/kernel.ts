/**
 * The tunelab kernel's main thread: dispatches Jupyter requests, runs cells, publishes output.
 * It owns the shell, stdin and iopub sockets (mainSockets.ts), so a cell's round trip never
 * crosses threads; the heartbeat and the control channel live in a worker thread (socketThread.ts)
 * that keeps answering, and acts on interrupt_request, while a cell blocks this thread.
 */
import { randomUUID } from 'node:crypto';
import type { KernelMessage } from '@jupyterlab/services';
import { RateLimitedLog, writeLogLine } from './kernelLog';
import * as path from 'node:path';
import { loadTslabTypeScript } from './tslabTypeScript';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { flushAllWidgets, installWidgetSupport } from '../widgets/kernel/install';
import { displayIdOf } from '../widgets/kernel/transport';
import { MainThreadInterrupts } from './interrupt/mainThread';
import { CommManager, type IopubPublisher } from './comms';
import { currentParent, requestContext, setLastParent } from './context';
import { isCellFrame } from './cellPositions';
import { CellExecutor, errorOutcome, InterruptedError, toCellError, type CellError } from './executor';
import { installRuntimeResolution, installTypeCheckerResolution, PACKAGE_ROOT } from './moduleResolution';
import { History, HistoryRequestError, historyFile } from './history';
import { InputRequests } from './inputRequests';
import { DigestHistory } from './digestHistory';
import { MainSockets } from './mainSockets';
import type { DroppedOutput } from './iopubFlow';
import { OutputStreams } from './outputStreams';
import { parentWatchAtStart } from './processTree';
import { bundleFor, type MimeBundle } from './richDisplay';
import { isAddressInUse, PORT_TAKEN_EXIT_STATUS } from './exitStatus';
import type { FromSocketThread, MainThreadRequest, SocketThreadData, ToSocketThread } from './socketThread';
import {
  newHeader,
  PROTOCOL_VERSION,
  readConnectionFile,
  serializeParts,
  type JsonObject,
  type JupyterMessage,
  type MessageHeader,
} from './wire';
import {
  isRequestType,
  replyType,
  RequestFieldError,
  toRequest,
  type AnsweredType,
  type IopubContents,
  type IopubType,
  type ReplyContents,
  type Request,
  type RequestContents,
  type RequestType,
} from './messages';

type Channel = 'shell' | 'control' | 'stdin' | 'iopub';

/** The global the socket thread has the main thread call to publish its pending iopub requests. */
/** Read when this module loads, before anything can be slow: a parent that dies during start-up still counts. */
const PARENT_AT_START = parentWatchAtStart();

const DRAIN_HOOK_KEY = 'tunelab.kernel.drainSocketThreadIopub';

export interface KernelOptions {
  connectionFile: string;
  /** Working directory cells resolve relative paths from (default: process.cwd()). */
  rootDir?: string;
  /** How long the socket thread waits for SIGINT to be acknowledged before warning the cell. */
  signalGraceMs?: number;
  /** After an interrupt, how long a stopping study.optimize may take to finish its current trial. */
  studyStopGraceMs?: number;
}

const SILENT_RESULT = Symbol.for('tunelab.silentResult');
function isSilentResult(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[SILENT_RESULT] === true;
}

export function kernelLog(text: string): void {
  writeLogLine(text);
}

/** Messages of unknown types and the like: a flood of them must not flood stderr. */
const ignoredLog = new RateLimitedLog();

/** What cells see as the global `display`. */
export interface DisplayHandle {
  readonly displayId: string;
  update(value: unknown): void;
}

const GLOBAL_DECLARATIONS = `
declare global {
  interface TunelabDisplayHandle { readonly displayId: string; update(value: unknown): void; }
  /** Shows a value below the cell: a MIME bundle, an object with a [Symbol.for('tunelab.repr')] method, or anything (as text). */
  function display(value: unknown, options?: { displayId?: string; metadata?: Record<string, unknown> }): TunelabDisplayHandle;
  /** Asks the frontend for a line of text; rejects at once if it does not accept input (nbclient, \`tunelab run\`). */
  function input(prompt?: string, options?: { password?: boolean }): Promise<string>;
  /** Clears this cell's output (Jupyter's clear_output); with wait: true, only once new output arrives, so nothing flickers. */
  function clearOutput(options?: { wait?: boolean }): void;
}
`;

/** The msg_types served on shell and control (input_reply belongs to stdin). */
type ShellType = Exclude<RequestType, 'input_reply'>;

function isShellType(type: string): type is ShellType {
  return type !== 'input_reply' && isRequestType(type);
}

/** A handler of one msg_type: it receives that type's validated content (messages.ts). */
type Handler<T extends ShellType> = (req: Request<T>, channel: Channel) => void | Promise<void>;
type Handlers = { [T in ShellType]: Handler<T> };

/** Where a reply goes: the request's sender, parented to its header. */
interface ReplyTarget {
  readonly identities: Buffer[];
  readonly header: MessageHeader;
}

function packageVersion(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(path.join(PACKAGE_ROOT, 'package.json')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** Runs `use` on a bundle now, or once its promise settles (bundleFor never rejects). */
function whenReady(bundle: MimeBundle | Promise<MimeBundle>, use: (bundle: MimeBundle) => void): void {
  if (bundle instanceof Promise) void bundle.then(use);
  else use(bundle);
}

export class Kernel implements IopubPublisher {
  private readonly session = randomUUID();
  private readonly worker: Worker;
  /** The process's exit status once the socket thread has closed: 0 after a shutdown, else why start-up failed. */
  private exitStatusWhenClosed = 0;
  private executor!: CellExecutor;
  private readonly comms: CommManager;
  private readonly inputs: InputRequests;
  private readonly streams: OutputStreams;
  private readonly history = new History(historyFile(), kernelLog);
  private executionCount = 0;
  private executeQueue: Promise<void> = Promise.resolve();
  /** execute_requests received but not started; an error aborts them (Jupyter's stop_on_error). */
  private readonly queuedExecutes = new Set<string>();
  private readonly abortedExecutes = new Set<string>();
  private closed = false;
  private readyResolve!: () => void;
  readonly ready: Promise<void>;
  private readonly tsVersion: string;
  private readonly typescript: typeof import('typescript');
  /** Interrupts on this thread (interrupt/stateMachine.ts): what stops, and when, on an interrupt. */
  private readonly interrupts = new MainThreadInterrupts({
    rejectInput: (err) => this.inputs.interrupt(err),
    rejectAwaitingCell: () => this.executor.interrupt(),
    notifyUnreachable: (cell) => this.notifyUnreachable(cell),
    interruptedError: () => new InterruptedError(),
  });
  /** Signatures accepted so far, shared with the socket thread (replays are refused). */
  private readonly digests = new DigestHistory();
  private sockets: MainSockets | undefined;
  private workerReady = false;
  /** Where the socket thread's requests (MainThreadRequest) arrive. */
  private readonly socketThreadRequests: MessagePort;
  /** Requests (by header) answered already (so a failing handler is answered once, see replyWithError). */
  private readonly repliedTo = new WeakSet<MessageHeader>();

  constructor(private readonly options: KernelOptions) {
    this.ready = new Promise((r) => (this.readyResolve = r));
    readConnectionFile(options.connectionFile); // fail early, with a clear message
    installRuntimeResolution();
    const ts = loadTslabTypeScript();
    this.typescript = ts;
    this.tsVersion = ts.version;
    installTypeCheckerResolution(ts.sys as Parameters<typeof installTypeCheckerResolution>[0]);

    // Sends are synchronous (mainSockets.ts), so a full buffer flushed from inside running code
    // leaves at once, urgent or not.
    this.streams = new OutputStreams((parent, name, text) => this.publishRaw('stream', { name, text }, { parent }));
    this.comms = new CommManager(this);
    this.inputs = new InputRequests((target, content) => {
      this.streams.flush(); // what the cell printed comes before its prompt
      return this.send('stdin', target.identities, 'input_request', content, target.parent);
    }, currentParent);

    const channel = new MessageChannel();
    this.socketThreadRequests = channel.port1;
    this.socketThreadRequests.on('message', (r: MainThreadRequest) => this.doForSocketThread(r));
    const data: SocketThreadData = {
      connectionFile: options.connectionFile,
      session: this.session,
      interruptGraceMs: options.signalGraceMs ?? 2000,
      interruptCounter: this.interrupts.shared,
      digestHistory: this.digests.shared,
      requestPort: channel.port2,
      drainHookKey: DRAIN_HOOK_KEY,
      parentWatch: PARENT_AT_START,
    };
    this.worker = new Worker(path.join(__dirname, 'socketThread.js'), {
      workerData: data,
      transferList: [channel.port2],
      stdout: false,
      stderr: false,
    });
    this.worker.on('message', (m: FromSocketThread) => this.onSocketMessage(m));
    this.worker.on('error', (err) => {
      kernelLog(`socket thread failed: ${err.stack ?? err.message}`);
      process.exit(1);
    });
  }

  /** Creates the executor and installs the hooks cells rely on; then starts serving. */
  start(): void {
    this.executor = new CellExecutor({
      rootDir: this.options.rootDir ?? process.cwd(),
      globals: {
        declarations: GLOBAL_DECLARATIONS,
        values: {
          display: this.displayFunction(),
          input: this.inputs.ask,
          clearOutput: (options?: { wait?: boolean }) => this.comms.clearOutput(options),
        },
      },
      interruptGraceMs: this.options.studyStopGraceMs ?? 10_000,
      interruptRequests: () => this.interrupts.requests,
      loopGuard: { guard: this.interrupts.loopGuard(), typescript: this.typescript },
      sigintWatchdog: { entered: () => this.interrupts.enteredSigintWatchdog(), left: () => this.interrupts.leftSigintWatchdog() },
    });
    installWidgetSupport(this.comms);
    this.interrupts.install();
    this.installTslabDisplayCompat();
    this.streams.install();
    // Node prints a process warning as "(node:PID) Warning: ..." followed, once, by a hint about
    // --trace-warnings: noise in a cell's output. The cell shows the warning alone, as Jupyter shows
    // Python's ("UserWarning: ..."), in the stderr of the cell it came from.
    process.removeAllListeners('warning');
    process.on('warning', (w: Error & { code?: string }) =>
      process.stderr.write(`${w.code ? `[${w.code}] ` : ''}${w.name}: ${w.message}\n`),
    );
    // However the process ends (shutdown, parent gone), the cells not yet written reach the history.
    process.on('exit', () => this.history.close());
    process.on('uncaughtException', (err) => this.reportAsyncError('Uncaught exception in an async task of this cell', err));
    process.on('unhandledRejection', (reason) => this.reportAsyncError('Unhandled promise rejection in this cell', reason));
    // Called by the socket thread through the inspector, possibly in the middle of running code:
    // it only sends (no stream flush, no shared state beyond the sockets).
    (globalThis as Record<symbol, unknown>)[Symbol.for(DRAIN_HOOK_KEY)] = () => {
      for (let m = receiveMessageOnPort(this.socketThreadRequests); m; m = receiveMessageOnPort(this.socketThreadRequests)) {
        const r = m.message as MainThreadRequest;
        // Acting on an interrupt waits until this thread is free, as it would have without the drain.
        // Taken here, in the middle of a cell's compiling or its synchronous code, the request would
        // tell the socket thread not to raise the SIGINT that code needs, and nothing would stop it.
        if (r.kind === 'interrupt') setImmediate(() => this.doForSocketThread(r));
        else this.doForSocketThread(r);
      }
    };
    void this.openSockets();
  }

  private async openSockets(): Promise<void> {
    try {
      this.sockets = await MainSockets.bind(readConnectionFile(this.options.connectionFile), kernelLog, this.digests, (losses) =>
        this.reportDroppedOutput(losses),
      );
    } catch (err) {
      kernelLog(`could not bind the shell, stdin and iopub sockets: ${(err as Error).message}`);
      // The socket thread closes its sockets first ('closed' then exits with this status): a process
      // ending with ZeroMQ sockets open in a thread aborts, which would hide the status.
      this.exitStatusWhenClosed = isAddressInUse(err) ? PORT_TAKEN_EXIT_STATUS : 1;
      this.worker.postMessage({ kind: 'close' } satisfies ToSocketThread);
      setTimeout(() => process.exit(this.exitStatusWhenClosed), 3000).unref();
      return;
    }
    this.sockets.listen('shell', (msg) => this.dispatch('shell', msg));
    this.sockets.listen('stdin', (msg) => this.dispatch('stdin', msg));
    this.becomeReadyWhenAllBound();
  }

  private becomeReadyWhenAllBound(): void {
    if (!this.sockets || !this.workerReady) return;
    this.status('starting');
    this.readyResolve();
    // The history's session starts now, in the order kernels start, but off the first reply's path.
    setImmediate(() => this.history.open());
  }

  /** Acts on an interrupt request, and publishes what the socket thread cannot (iopub belongs to this thread). */
  private doForSocketThread(r: MainThreadRequest): void {
    if (r.kind === 'status') {
      this.publishRaw('status', { execution_state: r.state }, { parent: r.parent });
      return;
    }
    if (r.kind === 'interrupt') {
      this.interrupts.onRequestMessage();
      return;
    }
    if (r.kind === 'shutdown') {
      this.exitNow();
      return;
    }
    this.interrupts.onUnreachable();
  }

  private notifyUnreachable(cell: MessageHeader): void {
    const text =
      'Interrupt requested, but this cell is running code the interrupt cannot break (after an ' +
      '`await`: a long call into library code, or a mutual recursion without loops); it stops when ' +
      'that code returns. Restart the kernel to stop it now.\n';
    this.publishRaw('stream', { name: 'stderr', text }, { parent: cell });
  }

  // ---- output ------------------------------------------------------------------------------

  /** A subscriber fell behind and has caught up (iopubFlow.ts): say once what it did not get. */
  private reportDroppedOutput(l: DroppedOutput): void {
    const mb = (l.droppedBytes / 1e6).toFixed(1);
    const parts = [
      l.dropped > 0 ? `${l.dropped} output message(s) (${mb} MB of printed output and display updates) were dropped` : '',
      l.missedByStalled > 0
        ? `${l.dropped > 0 ? '; ' : ''}${l.missedByStalled} message(s) were not delivered to a frontend that had stopped reading`
        : '',
    ];
    const what = `${parts.join('')}: a frontend was not reading the kernel's output fast enough.`;
    kernelLog(`iopub: ${what}`);
    const text = `[tunelab kernel] ${what}\n`;
    let parent: MessageHeader | undefined;
    try {
      parent = JSON.parse(l.parentHeader) as MessageHeader;
    } catch {
      parent = undefined;
    }
    this.publishRaw('stream', { name: 'stderr', text }, { parent, keep: true });
  }

  publish<T extends IopubType>(msgType: T, content: IopubContents[T], opts: { metadata?: JsonObject; buffers?: Buffer[] } = {}): void {
    this.streams.flush();
    this.publishRaw(msgType, content, { ...opts, parent: currentParent() });
  }

  reportHandlerError(what: string, err: unknown): void {
    const e = toCellError(err);
    // The frames in cells say where a handler a cell registered (a widget's callback) went wrong.
    const cellFrames = e.traceback.slice(1).filter(isCellFrame);
    this.streams.write('stderr', `${what} failed: ${e.ename}: ${e.evalue}\n${cellFrames.map((line) => `${line}\n`).join('')}`);
  }

  private publishRaw<T extends IopubType>(
    msgType: T,
    content: IopubContents[T],
    /** `keep`: never dropped when a subscriber falls behind (iopubFlow.ts), even if it is stream output. */
    opts: { parent?: MessageHeader; metadata?: JsonObject; buffers?: Buffer[]; keep?: boolean },
  ): void {
    this.send('iopub', [], msgType, content, opts.parent, opts.metadata, opts.buffers, opts.keep);
  }

  private send(
    channel: Channel,
    identities: Buffer[],
    msgType: string,
    content: object,
    parent?: Partial<MessageHeader>,
    metadata: JsonObject = {},
    buffers: Buffer[] = [],
    keep = false,
  ): string {
    if (this.closed) return '';
    const header = newHeader(msgType, this.session);
    const parts = serializeParts({ header, parent_header: parent ?? {}, metadata, content });
    if (channel === 'control') {
      // Replies to control requests (shutdown, kernel_info, ...) go out through the socket thread.
      this.worker.postMessage({ kind: 'send', identities, parts } satisfies ToSocketThread);
    } else if (this.sockets) {
      this.sockets.send(channel, identities, parts, buffers, msgType, keep);
    } else {
      kernelLog(`dropped ${msgType}: the sockets are not bound yet`);
    }
    return header.msg_id;
  }

  /** Answers `req` with its own reply type (`x_request` -> `x_reply`) and that reply's content. */
  private reply<T extends AnsweredType>(channel: Channel, req: Request<T>, content: ReplyContents[T], metadata: JsonObject = {}): void {
    this.sendReply(channel, req, replyType(req.header.msg_type), content, metadata);
  }

  private sendReply(channel: Channel, req: ReplyTarget, msgType: string, content: object, metadata: JsonObject = {}): void {
    this.repliedTo.add(req.header);
    this.streams.flush();
    this.send(channel, req.identities, msgType, content, req.header, metadata);
  }

  /**
   * A request whose handler failed before replying still gets its reply, with status "error"
   * (messaging spec: every *_reply may carry ename/evalue/traceback): a frontend waiting for it
   * must never hang.
   */
  private replyWithError(channel: Channel, req: JupyterMessage, err: unknown): void {
    const type = req.header.msg_type;
    if (this.repliedTo.has(req.header) || !type.endsWith('_request')) return;
    const e = toCellError(err);
    const content: KernelMessage.IReplyErrorContent = { status: 'error', ename: e.ename, evalue: e.evalue, traceback: e.traceback };
    this.sendReply(channel, req, replyType(type), content);
  }

  private status(state: 'busy' | 'idle' | 'starting', parent?: MessageHeader): void {
    this.streams.flush();
    this.publishRaw('status', { execution_state: state }, { parent });
  }

  private displayFunction(): (value: unknown, options?: { displayId?: string; metadata?: JsonObject }) => DisplayHandle {
    const comms = () => this.comms;
    return function display(value, options = {}) {
      // A widget names its own display_id, so it can refresh its static fallback later.
      const displayId = options.displayId ?? displayIdOf(value) ?? randomUUID().replace(/-/g, '');
      whenReady(bundleFor(value), (bundle) => comms().display(bundle, { displayId, metadata: options.metadata }));
      return {
        displayId,
        update(next: unknown) {
          whenReady(bundleFor(next), (bundle) => comms().updateDisplay(bundle, displayId, options.metadata));
        },
        // `display(x)` as a cell's last line must not echo its handle as the cell's result.
        [SILENT_RESULT]: true,
      };
    };
  }

  /** `import { display } from 'tslab'` keeps working: tslab's display writes through this hook. */
  private installTslabDisplayCompat(): void {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const jupyter = require('tslab/dist/jupyter') as { lastWriteDisplayData: unknown };
      jupyter.lastWriteDisplayData = (
        data: { data: MimeBundle; metadata?: JsonObject; transient?: { display_id?: string } },
        update: boolean,
      ) => {
        const id = data.transient?.display_id;
        if (update && id) this.comms.updateDisplay(data.data, id, data.metadata);
        else this.comms.display(data.data, { displayId: id, metadata: data.metadata });
      };
    } catch {
      // tslab's layout changed: only its display helper is affected.
    }
  }

  private reportAsyncError(what: string, err: unknown): void {
    const e = toCellError(err);
    this.publish('error', { ename: e.ename, evalue: e.evalue, traceback: [`${what}:`, ...e.traceback] });
  }

  // ---- requests -----------------------------------------------------------------------------

  private onSocketMessage(m: FromSocketThread): void {
    switch (m.kind) {
      case 'ready':
        this.workerReady = true;
        this.becomeReadyWhenAllBound();
        return;
      case 'fatal':
        kernelLog(`socket thread could not start: ${m.message}`);
        this.sockets?.close();
        void this.worker.terminate().finally(() => process.exit(m.addressInUse ? PORT_TAKEN_EXIT_STATUS : 1));
        return;
      case 'closed':
        this.sockets?.close();
        void this.worker.terminate().finally(() => process.exit(this.exitStatusWhenClosed));
        return;
      case 'message': {
        const msg = m.msg;
        // Structured cloning turns Buffers into Uint8Arrays; the comm API promises Buffers.
        msg.identities = msg.identities.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength));
        msg.buffers = msg.buffers.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength));
        this.dispatch('control', msg);
        return;
      }
    }
  }

  private dispatch(channel: Channel, msg: JupyterMessage): void {
    const type = msg.header.msg_type;
    if (channel === 'stdin') {
      // Frontends answer input_request here; there is no busy/idle around stdin messages.
      if (type === 'input_reply') {
        const reply = this.validated('input_reply', msg);
        if (reply) this.inputs.onReply(reply.parent_header.msg_id, reply.content.value);
      } else ignoredLog.log(`ignored "${type}" on stdin`);
      return;
    }
    if (type === 'execute_request' && channel === 'shell') {
      this.queuedExecutes.add(msg.header.msg_id);
      this.executeQueue = this.executeQueue.then(() => this.handleWrapped(channel, msg));
      return;
    }
    // Everything else is answered right away, even while a cell runs, so widgets stay live.
    void this.handleWrapped(channel, msg);
  }

  /** The message with its content validated, or undefined (logged) when a field is wrong. */
  private validated<T extends RequestType>(type: T, msg: JupyterMessage): Request<T> | undefined {
    try {
      return toRequest(type, msg);
    } catch (err) {
      if (!(err instanceof RequestFieldError)) throw err;
      ignoredLog.log(`refused ${err.message}`);
      return undefined;
    }
  }

  /** busy / handler / idle, with the request as parent of everything in between. */
  private async handleWrapped(channel: Channel, msg: JupyterMessage): Promise<void> {
    setLastParent(msg.header);
    await requestContext.run({ parent: msg.header }, async () => {
      this.status('busy', msg.header);
      try {
        await this.handle(channel, msg);
      } catch (err) {
        if (err instanceof RequestFieldError) this.refuseContent(msg, err);
        else kernelLog(`error while handling ${msg.header.msg_type}: ${(err as Error).stack ?? String(err)}`);
        this.replyWithError(channel, msg, err);
      } finally {
        this.status('idle', msg.header);
      }
    });
  }

  /**
   * Content that failed validation: logged (rate-limited); a request also gets an error reply
   * (replyWithError), and a comm_open, which has no reply, is reported in the requesting cell.
   */
  private refuseContent(msg: JupyterMessage, err: RequestFieldError): void {
    ignoredLog.log(`refused ${err.message}`);
    if (msg.header.msg_type === 'comm_open') this.reportHandlerError('comm_open', err);
  }

  /** Dispatch on msg_type: its handler from the table, with its content validated for it. */
  private handle(channel: Channel, msg: JupyterMessage): void | Promise<void> {
    const type = msg.header.msg_type;
    if (!isShellType(type)) {
      ignoredLog.log(`ignored unknown message type "${type}" on ${channel}`);
      return;
    }
    return this.runHandler(type, channel, msg);
  }

  private runHandler<T extends ShellType>(type: T, channel: Channel, msg: JupyterMessage): void | Promise<void> {
    const handler: Handler<T> = this.handlers[type];
    return handler(toRequest(type, msg), channel);
  }

  private readonly handlers: Handlers = {
    kernel_info_request: (req, channel) => this.reply(channel, req, this.kernelInfo()),
    execute_request: (req, channel) => this.handleExecute(channel, req),
    is_complete_request: (req, channel) => this.reply(channel, req, this.isComplete(req.content.code)),
    complete_request: (req, channel) => this.reply(channel, req, this.complete(req.content.code, req.content.cursor_pos)),
    inspect_request: (req, channel) => this.reply(channel, req, this.inspect(req.content.code, req.content.cursor_pos)),
    history_request: (req, channel) => this.reply(channel, req, this.answerHistory(req.content)),
    comm_info_request: (req, channel) => this.reply(channel, req, this.comms.info(req.content.target_name)),
    comm_open: (req) => this.comms.handleOpen(req.content, req.buffers),
    comm_msg: (req) => this.comms.handleMsg(req.content, req.buffers),
    comm_close: (req) => this.comms.handleClose(req.content),
    shutdown_request: (req, channel) => {
      this.reply(channel, req, { status: 'ok', restart: req.content.restart });
      this.shutdown();
    },
    interrupt_request: (req, channel) => {
      // Normally handled by the socket thread; reached only if it arrived on the shell channel.
      this.reply(channel, req, { status: 'ok' });
      this.interrupts.raiseSignal();
    },
    // No debugger (kernel_info and the kernelspec say so), but a frontend that asks anyway gets a
    // failed Debug Adapter Protocol response instead of waiting for one that never comes.
    debug_request: (req, channel) =>
      this.reply(channel, req, {
        seq: 0,
        type: 'response',
        request_seq: req.content.seq,
        success: false,
        command: req.content.command,
        message: 'The tunelab kernel has no debugger.',
      }),
  };

  private kernelInfo(): ReplyContents['kernel_info_request'] {
    return {
      status: 'ok',
      protocol_version: PROTOCOL_VERSION,
      implementation: 'tunelab',
      implementation_version: packageVersion(),
      language_info: {
        name: 'typescript',
        version: this.tsVersion,
        mimetype: 'text/typescript',
        file_extension: '.ts',
        // The codemirror settings tslab found to highlight TypeScript in both Notebook and Lab.
        codemirror_mode: { mode: 'typescript', name: 'javascript', typescript: true },
      },
      banner: `tunelab ${packageVersion()}: TypeScript ${this.tsVersion} on Node ${process.version}`,
      help_links: [],
      debugger: false,
    };
  }

  private answerHistory(request: RequestContents['history_request']): ReplyContents['history_request'] {
    try {
      return { status: 'ok', history: this.history.query(request) };
    } catch (err) {
      const e = err instanceof HistoryRequestError ? err : new HistoryRequestError(`history_request failed: ${(err as Error).message}`);
      return { status: 'error', ename: e.name, evalue: e.message, traceback: [], history: [] };
    }
  }

  private isComplete(code: string): ReplyContents['is_complete_request'] {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { isCompleteCode } = require('tslab/dist/converter') as typeof import('tslab/dist/converter');
    try {
      const r = isCompleteCode(code);
      if (!r.completed) return { status: 'incomplete', indent: r.indent ?? '' };
      // Finished but not TypeScript (a syntax error no further line can fix): 'invalid', as IPython
      // answers, so a console runs it and shows the error rather than waiting for more lines.
      return this.hasSyntaxError(code) ? { status: 'invalid' } : { status: 'complete' };
    } catch (err) {
      // The parser can overflow its stack on deeply nested input: the kernel cannot tell.
      kernelLog(`is_complete_request: the parser failed (${(err as Error).message}); answering "unknown"`);
      return { status: 'unknown' };
    }
  }

  private hasSyntaxError(code: string): boolean {
    const ts = this.typescript;
    // transpileModule reports syntax errors only (no type checking): cheap enough for every keystroke.
    const out = ts.transpileModule(code, {
      fileName: 'cell.ts',
      reportDiagnostics: true,
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS },
    });
    return (out.diagnostics ?? []).some((d) => d.category === ts.DiagnosticCategory.Error);
  }

  private complete(code: string, cursor: number): ReplyContents['complete_request'] {
    try {
      const info = this.executor.complete(code, cursor);
      return { status: 'ok', matches: info.candidates, cursor_start: info.start, cursor_end: info.end, metadata: {} };
    } catch (err) {
      return { status: 'ok', matches: [], cursor_start: cursor, cursor_end: cursor, metadata: {}, note: String(err) };
    }
  }

  private inspect(code: string, cursor: number): ReplyContents['inspect_request'] {
    const info = this.executor.inspect(code, cursor);
    if (!info) return { status: 'ok', found: false, data: {}, metadata: {} };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { printQuickInfo } = require('tslab/dist/inspect') as { printQuickInfo(i: unknown): string };
    return { status: 'ok', found: true, data: { 'text/plain': printQuickInfo(info) }, metadata: {} };
  }

  private async handleExecute(channel: Channel, msg: Request<'execute_request'>): Promise<void> {
    const id = msg.header.msg_id;
    this.queuedExecutes.delete(id);
    const c = msg.content;
    const { code, silent } = c;
    if (this.abortedExecutes.delete(id)) {
      this.reply(channel, msg, { status: 'aborted', execution_count: this.executionCount }, { status: 'aborted' });
      return;
    }
    const storeHistory = !silent && c.store_history;
    if (storeHistory) this.executionCount++;
    const count = this.executionCount;
    if (storeHistory) this.history.record(count, code);
    if (!silent) this.publish('execute_input', { code, execution_count: count });

    this.interrupts.cellStarted(msg.header);
    this.inputs.cellStarted({ parent: msg.header, identities: msg.identities, allowStdin: c.allow_stdin });
    let outcome: Awaited<ReturnType<CellExecutor['execute']>>;
    try {
      outcome = await this.executor.execute(code, `cell[${count}]`);
    } catch (err) {
      // The executor reports a cell's failures itself; anything else still ends in an error reply.
      outcome = errorOutcome(err);
    } finally {
      this.interrupts.cellFinished();
      this.inputs.cellFinished();
    }
    // Widget changes made by the cell go out now, parented to it (nbclient records them).
    try {
      flushAllWidgets();
    } catch (err) {
      this.reportHandlerError('flushing widgets', err);
    }
    if (outcome.status === 'ok') {
      if (outcome.hasValue && !silent && !isSilentResult(outcome.value)) {
        const displayId = displayIdOf(outcome.value);
        // A display method may return a promise of its bundle (Deno's protocol): the result waits for it.
        const data = await bundleFor(outcome.value);
        if (storeHistory && typeof data['text/plain'] === 'string') this.history.recordOutput(count, data['text/plain']);
        this.publish('execute_result', {
          execution_count: count,
          data,
          metadata: {},
          // A widget's result can then be updated (update_display_data) like a display_data.
          ...(displayId ? { transient: { display_id: displayId } } : {}),
        });
      }
      this.reply(channel, msg, { status: 'ok', execution_count: count, user_expressions: {}, payload: [] }, { status: 'ok' });
      return;
    }
    // SIGINT that broke the cell is acknowledged, and a request still untaken cannot stop the next cell.
    this.interrupts.cellReported(outcome.interrupted);
    this.publishError(outcome.error);
    if (c.stop_on_error) {
      // Like ipykernel: cells already queued behind a failed one are aborted, not run.
      for (const queued of this.queuedExecutes) this.abortedExecutes.add(queued);
    }
    this.reply(channel, msg, { status: 'error', execution_count: count, ...outcome.error }, { status: 'error' });
  }

  private publishError(e: CellError): void {
    this.publish('error', { ename: e.ename, evalue: e.evalue, traceback: e.traceback });
  }

  shutdown(): void {
    if (this.closed) return;
    this.streams.flush();
    this.worker.postMessage({ kind: 'close' } satisfies ToSocketThread);
    this.closed = true;
    this.history.close();
    try {
      this.executor.close();
    } catch {
      // closing TypeScript's watcher cannot fail in a way that matters at exit
    }
    // The main thread's sockets close once the socket thread has sent the shutdown reply
    // ('closed'); if it cannot within a few seconds, exit anyway.
    setTimeout(() => process.exit(0), 3000).unref();
  }

  /**
   * shutdown_request on control, already answered by the socket thread: exit now. This may run in
   * the middle of a cell's synchronous code (through the inspector), where no timer or message would
   * be served again, so nothing here waits.
   */
  private exitNow(): void {
    if (!this.closed) this.streams.flush();
    this.closed = true;
    this.sockets?.close();
    process.exit(0);
  }
}

/** `tunelab kernel --connection-file F`. */
export async function runKernel(connectionFile: string): Promise<void> {
  const kernel = new Kernel({ connectionFile });
  kernel.start();
  await kernel.ready;
}
