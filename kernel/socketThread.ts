/**
 * The kernel's socket thread (a worker_thread) for the heartbeat and the control channel: they must
 * keep working while the main thread is stuck in a synchronous loop inside a cell. The shell, stdin
 * and iopub sockets live in the main thread (mainSockets.ts), which serves a cell's round trip
 * without crossing threads.
 *
 * Interrupts: on `interrupt_request` this thread answers on control at once and hands the request
 * to its escalation (interrupt/escalation.ts; the states are in interrupt/stateMachine.ts): counted
 * in shared memory, the main thread asked to act, SIGINT raised if nobody has acted in time, and
 * the running cell told when even that does not reach its code. (Ending that code through the
 * inspector's Runtime.terminateExecution would work, but it aborts Node when async_hooks are on,
 * and the kernel needs them to route output to the right cell.)
 *
 * iopub belongs to the main thread, so the busy/idle status around an interrupt_request and that
 * notice are handed to it, with the interrupt itself, on a dedicated port. It handles them as soon
 * as it is free; when it is not (the notice's case), this thread asks it through the inspector
 * protocol to drain the port: V8 runs an inspector request between two steps of the running
 * JavaScript, so the messages go out while the cell's code still runs.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { RateLimitedLog, writeLogLine } from './kernelLog';
import * as zmq from 'zeromq';
import { DigestHistory } from './digestHistory';
import { InterruptEscalation } from './interrupt/escalation';
import { isAddressInUse } from './exitStatus';
import { endKernelAndChildren, parentGone, type ParentWatch } from './processTree';
import {
  decodeFresh,
  framesToSend,
  endpoint,
  newHeader,
  readConnectionFile,
  serializeParts,
  WireError,
  type JupyterMessage,
  type MessageHeader,
  type SerializedParts,
} from './wire';

/** Main thread -> socket thread. */
export type ToSocketThread =
  /** A reply on the control channel, already serialised (the thread signs it). */
  { kind: 'send'; identities: Uint8Array[]; parts: SerializedParts } | { kind: 'close' };

/** Socket thread -> main thread (on the worker's own port). */
export type FromSocketThread =
  | { kind: 'ready' }
  /** A verified control message other than interrupt_request (shutdown, kernel_info, ...). */
  | { kind: 'message'; msg: JupyterMessage }
  /** The thread could not start; `addressInUse` when a port of the connection file was taken. */
  | { kind: 'fatal'; message: string; addressInUse: boolean }
  | { kind: 'closed' };

/** Socket thread -> main thread, on `requestPort`: what the main thread must do or publish for it. */
export type MainThreadRequest =
  | { kind: 'status'; state: 'busy' | 'idle'; parent: MessageHeader }
  /** An interrupt request was counted: act on it unless something already did. */
  | { kind: 'interrupt' }
  /** The interrupt did not reach the running code: warn in the running cell. */
  | { kind: 'interrupt-unreachable' }
  /** shutdown_request was answered and this thread's sockets are closed: exit now, even mid-cell. */
  | { kind: 'shutdown' };

/** After shutdown_request, how long the main thread has to exit before this thread kills the process. */
const SHUTDOWN_GRACE_MS = 2000;
/** After shutdown_request, how long an idle main thread has to exit by itself before the inspector is used to reach it. */
const SHUTDOWN_DRAIN_DELAY_MS = 200;

/** How often the parent process is checked (ipykernel's parent poller checks every second). */
const PARENT_POLL_MS = 500;

/**
 * Like ipykernel's parent poller, but on this thread, which a cell's synchronous code cannot block:
 * when the process that started the kernel dies without shutting it down (a killed `jupyter
 * nbconvert`, a crashed server), the kernel and the processes its cells started end, instead of
 * lingering as orphans (possibly spinning in a cell).
 */
function watchParent(watch: ParentWatch): void {
  const timer = setInterval(() => {
    const why = parentGone(watch);
    if (!why) return;
    clearInterval(timer);
    log(`${why}; ending the kernel and the processes it started`);
    endKernelAndChildren();
  }, PARENT_POLL_MS);
  timer.unref();
}

/**
 * Control-channel requests handed to the main thread: queries that run no user code and are
 * answered at once even while a cell runs. ipykernel accepts every shell request on control (its
 * control handlers are its shell handlers plus debug/usage/subshell ones), run one at a time in its
 * control thread. tunelab runs cells on one executor that is not re-entrant, so an execute_request
 * on control could only run beside the shell's cell (corrupting it) or queue behind it (defeating
 * the point of control); it is refused with an error reply instead. Comm messages on control are
 * not handled by ipykernel either (its comm handlers are shell handlers): they are ignored.
 */
const FORWARDED_CONTROL_REQUESTS = new Set([
  'kernel_info_request',
  'is_complete_request',
  'complete_request',
  'inspect_request',
  'history_request',
  'comm_info_request',
  'debug_request',
  'usage_request',
]);

export interface SocketThreadData {
  connectionFile: string;
  session: string;
  /** How long to wait for the main thread to act on an interrupt before warning the running cell. */
  interruptGraceMs: number;
  /** The interrupt counters' shared memory (interrupt/counter.ts). */
  interruptCounter: SharedArrayBuffer;
  /** DigestHistory's shared memory (one history for every channel). */
  digestHistory: SharedArrayBuffer;
  /** Where MainThreadRequests go (transferred to this thread). */
  requestPort: MessagePort;
  /** What the main thread drains `iopubPort` with, as a global function (see drainOnMainThread). */
  drainHookKey: string;
  /** The process that started the kernel: when it dies, the kernel and its children end (see watchParent). */
  parentWatch: ParentWatch;
}

function log(text: string): void {
  // Straight to fd 2: console output of a worker is piped through the main thread's process.stderr,
  // which the kernel redirects into notebook cells.
  writeLogLine(text);
}

/** Refused and ignored control messages: a flood of them must not flood stderr. */
const refusals = new RateLimitedLog();

/** Serialises sends on the control socket: a zeromq.js socket allows one pending send at a time. */
class SendQueue {
  private tail: Promise<void> = Promise.resolve();
  constructor(private readonly socket: zmq.Writable) {}
  send(frames: Array<Buffer | string>): Promise<void> {
    this.tail = this.tail.then(() => this.socket.send(frames)).catch((err: unknown) => log(`send failed: ${(err as Error).message}`));
    return this.tail;
  }
  drain(): Promise<void> {
    return this.tail;
  }
}

/**
 * Runs the main thread's drain hook even while it executes synchronous code. The inspector session
 * is opened on first use: an idle session costs nothing, but most kernels never need one.
 */
function mainThreadDrainer(hookKey: string): () => void {
  let session: import('node:inspector').Session | undefined;
  let unavailable = false;
  return () => {
    if (unavailable) return;
    try {
      if (!session) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const inspector = require('node:inspector') as typeof import('node:inspector');
        session = new inspector.Session();
        session.connectToMainThread();
      }
      session.post('Runtime.evaluate', { expression: `globalThis[Symbol.for(${JSON.stringify(hookKey)})]?.()` }, (err) => {
        if (err) log(`could not reach the main thread: ${err.message}`);
      });
    } catch (err) {
      // Node built without the inspector: the messages go out when the main thread is free.
      unavailable = true;
      log(`inspector unavailable (${(err as Error).message}); interrupt notices wait for the main thread`);
    }
  };
}

async function run(data: SocketThreadData): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('socketThread must run as a worker thread');
  watchParent(data.parentWatch);
  const info = readConnectionFile(data.connectionFile);
  const key = info.key;

  // Handover, as on shell and stdin (mainSockets.ts): a reconnecting frontend reuses its identity.
  const control = new zmq.Router({ linger: 1000, handover: true });
  const heartbeat = new zmq.Reply({ linger: 0 });
  const binds = await Promise.allSettled([control.bind(endpoint(info, info.control_port)), heartbeat.bind(endpoint(info, info.hb_port))]);
  const failed = binds.find((b): b is PromiseRejectedResult => b.status === 'rejected');
  if (failed) {
    // Closed before the thread reports: open ZeroMQ sockets at exit abort the process (mainSockets.ts).
    control.close();
    heartbeat.close();
    throw failed.reason;
  }
  const controlQueue = new SendQueue(control);
  const toMain = data.requestPort;
  const drainOnMainThread = mainThreadDrainer(data.drainHookKey);

  let closing = false;

  const sendControl = (identities: Buffer[], parts: SerializedParts) => controlQueue.send(framesToSend(key, identities, parts, []));

  const reply = (req: JupyterMessage, msgType: string, content: Record<string, unknown>) =>
    sendControl(
      req.identities,
      serializeParts({ header: newHeader(msgType, data.session), parent_header: req.header, metadata: {}, content }),
    );

  const digests = new DigestHistory(data.digestHistory);

  const warnUnreachable = () => {
    log('interrupt: the main thread is busy in synchronous code that SIGINT cannot break');
    toMain.postMessage({ kind: 'interrupt-unreachable' } satisfies MainThreadRequest);
    drainOnMainThread();
  };

  const interrupts = new InterruptEscalation({
    shared: data.interruptCounter,
    graceMs: data.interruptGraceMs,
    askMainThread: () => toMain.postMessage({ kind: 'interrupt' } satisfies MainThreadRequest),
    warnUnreachable,
  });

  const handleInterrupt = (req: JupyterMessage) => {
    toMain.postMessage({ kind: 'status', state: 'busy', parent: req.header } satisfies MainThreadRequest);
    interrupts.request();
    void reply(req, 'interrupt_reply', { status: 'ok' });
    toMain.postMessage({ kind: 'status', state: 'idle', parent: req.header } satisfies MainThreadRequest);
  };

  /**
   * Answered here, not by the main thread, which may be running a cell for as long as the cell
   * likes: the reply leaves at once, then the main thread is told to exit (through the inspector if
   * it is busy, see drainOnMainThread), and if it still has not after SHUTDOWN_GRACE_MS the process
   * is ended from here.
   */
  const handleShutdown = async (req: JupyterMessage) => {
    toMain.postMessage({ kind: 'status', state: 'busy', parent: req.header } satisfies MainThreadRequest);
    void reply(req, 'shutdown_reply', { status: 'ok', restart: Boolean(req.content.restart) });
    toMain.postMessage({ kind: 'status', state: 'idle', parent: req.header } satisfies MainThreadRequest);
    closing = true;
    interrupts.cancelAll();
    await controlQueue.drain();
    control.close();
    heartbeat.close();
    setTimeout(() => {
      log(`shutdown: the main thread did not exit within ${SHUTDOWN_GRACE_MS} ms; ending the process`);
      process.kill(process.pid, 'SIGKILL');
    }, SHUTDOWN_GRACE_MS);
    toMain.postMessage({ kind: 'shutdown' } satisfies MainThreadRequest);
    // An idle main thread reads the message at once and exits; only a busy one needs the inspector.
    // (Exiting with an inspector session open makes Node print "Waiting for the debugger to
    // disconnect..." into the server's log, so none is opened when it is not needed.)
    setTimeout(drainOnMainThread, SHUTDOWN_DRAIN_DELAY_MS);
  };

  /** A request control does not serve: an error reply (never run), or for other messages a log line. */
  const refuse = (req: JupyterMessage) => {
    const type = req.header.msg_type;
    refusals.log(`control: refused ${type} (msg_id ${req.header.msg_id}): it is not a control-channel request; send it on shell`);
    if (!type.endsWith('_request')) return;
    toMain.postMessage({ kind: 'status', state: 'busy', parent: req.header } satisfies MainThreadRequest);
    void reply(req, type.replace(/_request$/, '_reply'), {
      status: 'error',
      ename: 'ControlChannelError',
      evalue: `${type} is not accepted on the control channel; send it on the shell channel`,
      traceback: [],
    });
    toMain.postMessage({ kind: 'status', state: 'idle', parent: req.header } satisfies MainThreadRequest);
  };

  port.on('message', (m: ToSocketThread) => {
    if (m.kind === 'send') {
      void sendControl(
        m.identities.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)),
        m.parts,
      );
    } else if (m.kind === 'close') {
      closing = true;
      interrupts.cancelAll();
      void (async () => {
        await controlQueue.drain();
        control.close();
        heartbeat.close();
        port.postMessage({ kind: 'closed' } satisfies FromSocketThread);
      })();
    }
  });

  const listenControl = async () => {
    try {
      for await (const frames of control) {
        let msg: JupyterMessage;
        try {
          msg = decodeFresh(key, frames, digests);
        } catch (err) {
          // Never act on a message we cannot authenticate or parse; say so on the kernel's stderr.
          refusals.log(`control: ignored ${err instanceof WireError ? err.message : String(err)}`);
          continue;
        }
        try {
          const type = msg.header.msg_type;
          if (closing) refusals.log(`control: ignored ${type}: shutting down`);
          else if (type === 'interrupt_request') handleInterrupt(msg);
          else if (type === 'shutdown_request') void handleShutdown(msg);
          else if (FORWARDED_CONTROL_REQUESTS.has(type)) port.postMessage({ kind: 'message', msg } satisfies FromSocketThread);
          else refuse(msg);
        } catch (err) {
          // A failing handler costs this message only: the channel must keep serving the next.
          log(`control: error while handling ${msg.header.msg_type}: ${(err as Error).stack ?? String(err)}`);
        }
      }
    } catch (err) {
      if (!closing) log(`control socket stopped: ${(err as Error).message}`);
    }
  };

  const echoHeartbeat = async () => {
    try {
      for await (const frames of heartbeat) await heartbeat.send(frames);
    } catch (err) {
      if (!closing) log(`heartbeat stopped: ${(err as Error).message}`);
    }
  };

  void listenControl();
  void echoHeartbeat();
  port.postMessage({ kind: 'ready' } satisfies FromSocketThread);
}

run(workerData as SocketThreadData).catch((err: unknown) => {
  parentPort?.postMessage({
    kind: 'fatal',
    message: (err as Error).stack ?? String(err),
    addressInUse: isAddressInUse(err),
  } satisfies FromSocketThread);
});
