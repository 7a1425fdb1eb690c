/**
 * The shell, stdin and iopub sockets, owned by the kernel's main thread. They carry every message of
 * a cell's round trip (execute_request in; busy, execute_input, results, execute_reply and idle
 * out), so keeping them on the thread that runs the cell means no hand-off between threads on that
 * path. The heartbeat and the control channel live in the socket thread (socketThread.ts), which
 * keeps answering while a cell blocks this thread.
 *
 * Sends are synchronous: `sendTimeout: 0` makes zeromq.js hand each message to libzmq at once
 * instead of waiting for the event loop, so output published by a cell that is still running
 * synchronously leaves immediately. A ROUTER never blocks on send (it drops a message for an
 * unknown peer). iopub has a bounded queue per subscriber and an explicit policy for a subscriber
 * that falls behind (iopubFlow.ts).
 */
import * as zmq from 'zeromq';
import type { DigestHistory } from './digestHistory';
import { RateLimitedLog } from './kernelLog';
import { IopubFlow, IOPUB_SEND_HWM, type DroppedOutput } from './iopubFlow';
import { decodeFresh, framesToSend, endpoint, WireError, type ConnectionInfo, type JupyterMessage, type SerializedParts } from './wire';

export type MainChannel = 'shell' | 'stdin' | 'iopub';

export class MainSockets {
  private closing = false;
  /** Refused and ignored messages: a flood of them must not flood stderr. */
  private readonly refusals: RateLimitedLog;

  private constructor(
    private readonly key: string,
    private readonly shell: zmq.Router,
    private readonly stdin: zmq.Router,
    private readonly iopub: zmq.Publisher,
    private readonly log: (text: string) => void,
    private readonly history: DigestHistory,
    private readonly iopubFlow: IopubFlow,
  ) {
    this.refusals = new RateLimitedLog(20, log);
  }

  /** `onIopubCaughtUp`: every subscriber has room again after output was dropped (see iopubFlow.ts). */
  static async bind(
    info: ConnectionInfo,
    log: (text: string) => void,
    history: DigestHistory,
    onIopubCaughtUp: (losses: DroppedOutput) => void,
  ): Promise<MainSockets> {
    if (!info.key) {
      // As jupyter_client warns: with an empty key nothing is signed, so anyone who can reach the
      // ports can run code, and replays cannot be told apart.
      log('Message signing is disabled.  This is insecure and not recommended! (the connection file has an empty "key")');
    }
    // Handover: a frontend that reconnects reuses its identity (Jupyter's server names its sockets
    // after the browser's session), often before libzmq has noticed the old connection close;
    // without handover the newcomer's connection is refused and its requests vanish. ipykernel sets
    // it for the same reason (ipykernel#270, libzmq#2892).
    const shell = new zmq.Router({ linger: 1000, sendTimeout: 0, handover: true });
    const stdin = new zmq.Router({ linger: 1000, sendTimeout: 0, handover: true });
    const iopub = new zmq.Publisher({ linger: 1000, sendHighWaterMark: IOPUB_SEND_HWM, sendTimeout: 0, noDrop: true });
    const binds = await Promise.allSettled([
      shell.bind(endpoint(info, info.shell_port)),
      stdin.bind(endpoint(info, info.stdin_port)),
      iopub.bind(endpoint(info, info.iopub_port)),
    ]);
    const failed = binds.find((b): b is PromiseRejectedResult => b.status === 'rejected');
    if (failed) {
      // Closed before the error leaves: a process exiting with ZeroMQ sockets open aborts in libzmq,
      // which would hide the exit status that tells the launcher a port was taken.
      for (const socket of [shell, stdin, iopub]) socket.close();
      throw failed.reason;
    }
    return new MainSockets(info.key, shell, stdin, iopub, log, history, new IopubFlow(iopub, log, onIopubCaughtUp));
  }

  /** Signs and sends one message now (see the note above on synchronous sends). */
  send(channel: MainChannel, identities: Buffer[], parts: SerializedParts, buffers: Buffer[], msgType: string, keep = false): void {
    if (this.closing) return;
    const frames = framesToSend(this.key, identities, parts, buffers);
    if (channel === 'iopub') {
      this.iopubFlow.send(msgType, frames, parts.parent_header, keep);
      return;
    }
    const socket = channel === 'shell' ? this.shell : this.stdin;
    socket.send(frames).catch((err: unknown) => {
      if (!this.closing) this.log(`${channel}: send failed: ${(err as Error).message}`);
    });
  }

  /**
   * Delivers verified, decoded messages of one channel. A message that fails verification (bad or
   * missing signature, bad framing, a signature already accepted: a replay) is logged and dropped:
   * nothing acts on it.
   */
  listen(channel: 'shell' | 'stdin', onMessage: (msg: JupyterMessage) => void): void {
    const socket = channel === 'shell' ? this.shell : this.stdin;
    void (async () => {
      try {
        for await (const frames of socket) {
          let msg: JupyterMessage;
          try {
            msg = decodeFresh(this.key, frames, this.history);
          } catch (err) {
            this.refusals.log(`${channel}: ignored ${err instanceof WireError ? err.message : String(err)}`);
            continue;
          }
          try {
            onMessage(msg);
          } catch (err) {
            // A failing handler costs this message only: the channel must keep serving the next.
            this.log(`${channel}: error while handling ${msg.header.msg_type}: ${(err as Error).stack ?? String(err)}`);
          }
        }
      } catch (err) {
        if (!this.closing) this.log(`${channel} socket stopped: ${(err as Error).message}`);
      }
    })();
  }

  /** Closes the sockets; libzmq still delivers what was sent within the linger time. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.iopubFlow.close();
    for (const s of [this.shell, this.stdin, this.iopub]) s.close();
  }
}
