/**
 * Comms (Jupyter messaging "custom messages"): the kernel side of the CommTransport contract the
 * widget library builds on. Comms opened by the kernel and by the frontend share one registry;
 * messages the kernel sends are parented to the request in progress (context.ts).
 */
import { randomUUID } from 'node:crypto';
import type { BinaryBuffer, CommHandle, CommTransport, DisplayOptions, JsonObject } from '../widgets/kernel/transport';
import type { IopubContents, IopubType, RequestContents } from './messages';
import { toBuffer } from './wire';

/** What the comm layer needs from the kernel: publish an iopub message. */
export interface IopubPublisher {
  publish<T extends IopubType>(msgType: T, content: IopubContents[T], opts?: { metadata?: JsonObject; buffers?: Buffer[] }): void;
  /** Reports a failure inside a handler on the current request's stderr, without failing anything. */
  reportHandlerError(what: string, err: unknown): void;
}

type OpenHandler = (comm: CommHandle, data: JsonObject, buffers: Buffer[]) => void;

class Comm implements CommHandle {
  private readonly msgHandlers: Array<(data: JsonObject, buffers: Buffer[]) => void> = [];
  private readonly closeHandlers: Array<(data: JsonObject) => void> = [];
  closed = false;

  constructor(
    private readonly manager: CommManager,
    readonly commId: string,
    readonly targetName: string,
  ) {}

  send(data: JsonObject, metadata?: JsonObject, buffers?: BinaryBuffer[]): void {
    if (this.closed) throw new Error(`comm ${this.commId} (${this.targetName}) is closed; open a new one to send`);
    this.manager.out.publish('comm_msg', { comm_id: this.commId, data }, { metadata, buffers: buffers?.map(toBuffer) });
  }

  close(data: JsonObject = {}): void {
    if (this.closed) return;
    this.closed = true;
    this.manager.forget(this.commId);
    this.manager.out.publish('comm_close', { comm_id: this.commId, data });
  }

  onMsg(handler: (data: JsonObject, buffers: Buffer[]) => void): void {
    this.msgHandlers.push(handler);
  }

  onClose(handler: (data: JsonObject) => void): void {
    this.closeHandlers.push(handler);
  }

  deliverMsg(data: JsonObject, buffers: Buffer[]): void {
    for (const h of this.msgHandlers) {
      try {
        h(data, buffers);
      } catch (err) {
        this.manager.out.reportHandlerError(`comm_msg handler of ${this.targetName}`, err);
      }
    }
  }

  deliverClose(data: JsonObject): void {
    this.closed = true;
    for (const h of this.closeHandlers) {
      try {
        h(data);
      } catch (err) {
        this.manager.out.reportHandlerError(`comm_close handler of ${this.targetName}`, err);
      }
    }
  }
}

export class CommManager implements CommTransport {
  private readonly comms = new Map<string, Comm>();
  private readonly targets = new Map<string, OpenHandler>();

  constructor(readonly out: IopubPublisher) {}

  openComm(targetName: string, data: JsonObject, metadata?: JsonObject, buffers?: BinaryBuffer[]): CommHandle {
    const comm = new Comm(this, randomUUID().replace(/-/g, ''), targetName);
    this.comms.set(comm.commId, comm);
    this.out.publish('comm_open', { comm_id: comm.commId, target_name: targetName, data }, { metadata, buffers: buffers?.map(toBuffer) });
    return comm;
  }

  registerTarget(targetName: string, handler: OpenHandler): void {
    this.targets.set(targetName, handler);
  }

  display(bundle: JsonObject, opts: DisplayOptions = {}): void {
    this.out.publish('display_data', {
      data: bundle,
      metadata: opts.metadata ?? {},
      transient: opts.displayId ? { display_id: opts.displayId } : {},
    });
  }

  updateDisplay(bundle: JsonObject, displayId: string, metadata: JsonObject = {}): void {
    this.out.publish('update_display_data', { data: bundle, metadata, transient: { display_id: displayId } });
  }

  clearOutput(opts: { wait?: boolean } = {}): void {
    this.out.publish('clear_output', { wait: opts.wait === true });
  }

  forget(commId: string): void {
    this.comms.delete(commId);
  }

  /**
   * comm_open from the frontend: an unknown target is refused with comm_close at once. (A comm_open
   * without comm_id or target_name never gets here: the kernel reports it, see messages.ts.)
   */
  handleOpen(content: RequestContents['comm_open'], buffers: Buffer[]): void {
    const { comm_id: commId, target_name: targetName, data } = content;
    const handler = this.targets.get(targetName);
    if (!handler) {
      this.out.publish('comm_close', { comm_id: commId, data: {} });
      return;
    }
    const comm = new Comm(this, commId, targetName);
    this.comms.set(commId, comm);
    try {
      handler(comm, data, buffers);
    } catch (err) {
      this.out.reportHandlerError(`comm target ${targetName}`, err);
    }
  }

  handleMsg(content: RequestContents['comm_msg'], buffers: Buffer[]): void {
    const comm = this.comms.get(content.comm_id);
    if (!comm) return; // A message for a comm we closed or never had: nothing to route it to.
    comm.deliverMsg(content.data, buffers);
  }

  handleClose(content: RequestContents['comm_close']): void {
    const comm = this.comms.get(content.comm_id);
    if (!comm) return;
    this.comms.delete(comm.commId);
    comm.deliverClose(content.data);
  }

  /** comm_info_reply content: the open comms, optionally only those of one target. */
  info(targetName?: string): { status: 'ok'; comms: Record<string, { target_name: string }> } {
    // fromEntries defines own keys: a frontend's comm_id such as "__proto__" stays a plain key.
    const comms = Object.fromEntries(
      [...this.comms]
        .filter(([, comm]) => !targetName || comm.targetName === targetName)
        .map(([id, comm]) => [id, { target_name: comm.targetName }]),
    );
    return { status: 'ok', comms };
  }
}
