/**
 * A CommTransport that records what the widget library sends and lets a test play the frontend.
 * It keeps the comm_open / comm_msg log in the shape nbclient turns into saved widget state.
 */
import type { BinaryBuffer, CommHandle, CommTransport, DisplayOptions, JsonObject } from '../../widgets/kernel/transport';

export interface SentMessage {
  kind: 'open' | 'msg' | 'close';
  commId: string;
  targetName: string;
  data: JsonObject;
  metadata?: JsonObject;
  buffers?: BinaryBuffer[];
}

export class FakeComm implements CommHandle {
  msgHandlers: Array<(d: JsonObject, b: Buffer[]) => void> = [];
  closeHandlers: Array<(d: JsonObject) => void> = [];
  constructor(
    readonly commId: string,
    readonly targetName: string,
    private readonly log: SentMessage[],
  ) {}
  send(data: JsonObject, metadata?: JsonObject, buffers?: BinaryBuffer[]): void {
    this.log.push({ kind: 'msg', commId: this.commId, targetName: this.targetName, data, metadata, buffers });
  }
  close(data: JsonObject = {}): void {
    this.log.push({ kind: 'close', commId: this.commId, targetName: this.targetName, data });
  }
  onMsg(h: (d: JsonObject, b: Buffer[]) => void): void {
    this.msgHandlers.push(h);
  }
  onClose(h: (d: JsonObject) => void): void {
    this.closeHandlers.push(h);
  }
  /** The frontend sends a comm_msg. */
  receive(data: JsonObject, buffers: Buffer[] = []): void {
    for (const h of this.msgHandlers) h(data, buffers);
  }
}

export class FakeTransport implements CommTransport {
  readonly sent: SentMessage[] = [];
  readonly comms = new Map<string, FakeComm>();
  readonly displays: Array<{ bundle: JsonObject; opts?: DisplayOptions }> = [];
  readonly displayUpdates: Array<{ bundle: JsonObject; displayId: string }> = [];
  readonly targets = new Map<string, (comm: CommHandle, data: JsonObject, buffers: Buffer[]) => void>();
  private next = 0;

  openComm(targetName: string, data: JsonObject, metadata?: JsonObject, buffers?: BinaryBuffer[]): CommHandle {
    const id = `comm${++this.next}`;
    const comm = new FakeComm(id, targetName, this.sent);
    this.comms.set(id, comm);
    this.sent.push({ kind: 'open', commId: id, targetName, data, metadata, buffers });
    return comm;
  }
  registerTarget(targetName: string, handler: (comm: CommHandle, data: JsonObject, buffers: Buffer[]) => void): void {
    this.targets.set(targetName, handler);
  }
  display(bundle: JsonObject, opts?: DisplayOptions): void {
    this.displays.push({ bundle, opts });
  }
  updateDisplay(bundle: JsonObject, displayId: string): void {
    this.displayUpdates.push({ bundle, displayId });
  }
  /** The frontend opens a comm to a registered target (e.g. jupyter.widget.control). */
  frontendOpen(targetName: string, data: JsonObject = {}): FakeComm {
    const comm = new FakeComm(`front${++this.next}`, targetName, this.sent);
    const h = this.targets.get(targetName);
    if (!h) throw new Error(`no target ${targetName} registered`);
    h(comm, data, []);
    return comm;
  }
  messagesFor(commId: string): SentMessage[] {
    return this.sent.filter((m) => m.commId === commId);
  }
  /**
   * The widget state a notebook would save, rebuilt from the messages exactly as nbclient 0.7 does
   * (client.py handle_comm_msg): every comm message whose data has a `state` (comm_open, update,
   * echo_update) merges into that comm's state; custom messages are ignored; closes are not applied.
   */
  savedState(): Record<string, { model_name: string; model_module: string; model_module_version: string; state: JsonObject }> {
    const out: Record<string, { model_name: string; model_module: string; model_module_version: string; state: JsonObject }> = {};
    for (const m of this.sent) {
      if (m.kind === 'close' || m.targetName !== 'jupyter.widget' || !('state' in m.data)) continue;
      const prev = out[m.commId]?.state ?? {};
      const state = { ...prev, ...(m.data.state as JsonObject) };
      out[m.commId] = {
        model_name: state._model_name as string,
        model_module: state._model_module as string,
        model_module_version: state._model_module_version as string,
        state,
      };
    }
    return out;
  }
}

/** A manual clock for the throttle: time moves only when the test says so. */
export class ManualClock {
  t = 1_000_000;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private ids = 0;
  now = (): number => this.t;
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = ++this.ids;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (h: unknown): void => {
    this.timers = this.timers.filter((x) => x.id !== h);
  };
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
    }
    this.t = end;
  }
  get pendingTimers(): number {
    return this.timers.length;
  }
}
