/**
 * The kernel's socket thread (a worker_thread). It owns every ZeroMQ socket so that the heartbeat
 * is answered and `interrupt_request` on the control channel is acted on even while the main thread
 * is stuck in a synchronous loop inside a cell. Verified, decoded messages are posted to the main
 * thread; the main thread posts back pre-serialised messages to sign and send.
 *
 * Interrupts: the thread raises SIGINT in its own process. A cell running synchronously at top level
 * breaks (vm `breakOnSigint`); an idle or awaiting main thread runs its SIGINT handler. If the main
 * thread does not acknowledge within a grace period it is busy in synchronous code the signal cannot
 * reach (a loop after an `await`); the thread then tells the user so in the running cell. (Ending
 * that code through the inspector's Runtime.terminateExecution would work, but it aborts Node when
 * async_hooks are on, and the kernel needs them to route output to the right cell.)
 */
import { parentPort, workerData } from 'node:worker_threads';
import { writeSync } from 'node:fs';
import * as zmq from 'zeromq';
import { InterruptCounter } from './interruptCounter';
import {
  decodeFrames,
  encodeFrames,
  endpoint,
  newHeader,
  readConnectionFile,
  serializeParts,
  WireError,
  type JupyterMessage,
  type SerializedParts,
} from './wire';

export type Channel = 'shell' | 'control' | 'stdin' | 'iopub';

/** Main thread -> socket thread. */
export interface SendItem {
  channel: Channel;
  identities: Uint8Array[];
  parts: SerializedParts;
  buffers: Uint8Array[];
}

export type ToSocketThread =
  | ({ kind: 'send' } & SendItem)
  | { kind: 'sendMany'; items: SendItem[] }
  | { kind: 'interrupt-handled' }
  | { kind: 'close' };

/** Socket thread -> main thread. */
export type FromSocketThread =
  | { kind: 'ready' }
  | { kind: 'message'; channel: Channel; msg: JupyterMessage }
  | { kind: 'fatal'; message: string }
  | { kind: 'closed' };

export interface SocketThreadData {
  connectionFile: string;
  session: string;
  /** How long to wait for the main thread to acknowledge SIGINT before warning the running cell. */
  interruptGraceMs: number;
  /** InterruptCounter's shared memory. */
  interruptCounter: SharedArrayBuffer;
}

function log(text: string): void {
  // Straight to fd 2: console output of a worker is piped through the main thread's process.stderr,
  // which the kernel redirects into notebook cells.
  writeSync(2, `[tunelab kernel] ${text}\n`);
}

/** Serialises sends per socket: a zeromq.js socket allows one pending send at a time. */
class SendQueue {
  private tail: Promise<void> = Promise.resolve();
  constructor(private readonly socket: zmq.Writable) {}
  send(frames: Buffer[]): Promise<void> {
    this.tail = this.tail
      .then(() => this.socket.send(frames))
      .catch((err: unknown) => log(`send failed: ${(err as Error).message}`));
    return this.tail;
  }
  drain(): Promise<void> {
    return this.tail;
  }
}

async function run(data: SocketThreadData): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('socketThread must run as a worker thread');
  const info = readConnectionFile(data.connectionFile);
  const key = info.key;

  const shell = new zmq.Router({ linger: 1000 });
  const control = new zmq.Router({ linger: 1000 });
  const stdin = new zmq.Router({ linger: 1000 });
  const iopub = new zmq.Publisher({ linger: 1000, sendHighWaterMark: 0 });
  const heartbeat = new zmq.Reply({ linger: 0 });
  await Promise.all([
    shell.bind(endpoint(info, info.shell_port)),
    control.bind(endpoint(info, info.control_port)),
    stdin.bind(endpoint(info, info.stdin_port)),
    iopub.bind(endpoint(info, info.iopub_port)),
    heartbeat.bind(endpoint(info, info.hb_port)),
  ]);
  const queues: Record<Channel, SendQueue> = {
    shell: new SendQueue(shell),
    control: new SendQueue(control),
    stdin: new SendQueue(stdin),
    iopub: new SendQueue(iopub),
  };

  let interruptTimer: NodeJS.Timeout | undefined;
  /** The execute_request most recently passed to the main thread (where an interrupt warning goes). */
  let lastExecute: JupyterMessage | undefined;
  let closing = false;

  const sendFrom = (channel: Channel, identities: Buffer[], parts: SerializedParts, buffers: Buffer[]) =>
    queues[channel].send(encodeFrames(key, identities, parts, buffers));

  const reply = (channel: Channel, req: JupyterMessage, msgType: string, content: Record<string, unknown>) =>
    sendFrom(
      channel,
      req.identities,
      serializeParts({ header: newHeader(msgType, data.session), parent_header: req.header, metadata: {}, content }),
      [],
    );

  const handleInterrupt = async (req: JupyterMessage) => {
    await reply('iopub', { ...req, identities: [] }, 'status', { execution_state: 'busy' });
    raiseInterrupt();
    await reply('control', req, 'interrupt_reply', { status: 'ok' });
    await reply('iopub', { ...req, identities: [] }, 'status', { execution_state: 'idle' });
  };

  const interrupts = new InterruptCounter(data.interruptCounter);
  const raiseInterrupt = () => {
    interrupts.requestAndSignal();
    if (interruptTimer) clearTimeout(interruptTimer);
    interruptTimer = setTimeout(warnUnreachable, data.interruptGraceMs);
  };

  const warnUnreachable = () => {
    interruptTimer = undefined;
    log('interrupt: the main thread is busy in synchronous code that SIGINT cannot break');
    if (!lastExecute) return;
    const text =
      'Interrupt requested, but this cell is running synchronous code after an `await`, which the ' +
      'interrupt cannot break; it stops when that code returns. Restart the kernel to stop it now.\n';
    void sendFrom(
      'iopub',
      [],
      serializeParts({ header: newHeader('stream', data.session), parent_header: lastExecute.header, metadata: {}, content: { name: 'stderr', text } }),
      [],
    );
  };

  const sendItem = (m: SendItem) => {
    const ids = m.identities.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    const bufs = m.buffers.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    void sendFrom(m.channel, ids, m.parts, bufs);
  };

  port.on('message', (m: ToSocketThread) => {
    if (m.kind === 'send') {
      sendItem(m);
    } else if (m.kind === 'sendMany') {
      for (const item of m.items) sendItem(item);
    } else if (m.kind === 'interrupt-handled') {
      if (interruptTimer) clearTimeout(interruptTimer);
      interruptTimer = undefined;
    } else if (m.kind === 'close') {
      closing = true;
      void (async () => {
        await Promise.all(Object.values(queues).map((q) => q.drain()));
        for (const s of [shell, control, stdin, iopub, heartbeat]) s.close();
        port.postMessage({ kind: 'closed' } satisfies FromSocketThread);
      })();
    }
  });

  const listen = async (channel: Channel, socket: zmq.Router) => {
    try {
      for await (const frames of socket) {
        let msg: JupyterMessage;
        try {
          msg = decodeFrames(key, frames);
        } catch (err) {
          // Never act on a message we cannot authenticate or parse; say so on the kernel's stderr.
          log(`${channel}: ignored ${err instanceof WireError ? err.message : String(err)}`);
          continue;
        }
        if (channel === 'control' && msg.header.msg_type === 'interrupt_request') {
          void handleInterrupt(msg);
          continue;
        }
        if (msg.header.msg_type === 'execute_request') lastExecute = msg;
        port.postMessage({ kind: 'message', channel, msg } satisfies FromSocketThread);
      }
    } catch (err) {
      if (!closing) log(`${channel} socket stopped: ${(err as Error).message}`);
    }
  };

  const echoHeartbeat = async () => {
    try {
      for await (const frames of heartbeat) await heartbeat.send(frames);
    } catch (err) {
      if (!closing) log(`heartbeat stopped: ${(err as Error).message}`);
    }
  };

  void listen('shell', shell);
  void listen('control', control);
  void listen('stdin', stdin);
  void echoHeartbeat();
  port.postMessage({ kind: 'ready' } satisfies FromSocketThread);
}

run(workerData as SocketThreadData).catch((err: unknown) => {
  parentPort?.postMessage({ kind: 'fatal', message: (err as Error).stack ?? String(err) } satisfies FromSocketThread);
});
