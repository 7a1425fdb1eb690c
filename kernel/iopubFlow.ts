/**
 * Flow control on the iopub channel, so that a subscriber that reads slowly, or not at all, cannot
 * make the kernel hold everything a cell prints (before this, 400 MB printed with a stalled
 * subscriber took the kernel from 186 to 616 MB).
 *
 * The PUB socket has a send high-water mark (IOPUB_SEND_HWM messages per subscriber) and ZeroMQ's
 * "no drop" mode: a send that would go past a subscriber's mark fails (EAGAIN) instead of being
 * dropped silently, and this module decides what to do with it:
 *
 * - Status, execute_input, execute_result, error, display_data, clear_output and comm messages are
 *   never dropped by the kernel: they wait, in order, in a queue here and are retried until they fit.
 * - Stream output and display updates (`stream`, `update_display_data`) may be dropped: while the
 *   queue is not empty they wait in it up to QUEUE_DROPPABLE_BYTES, beyond which they are dropped
 *   and counted. When every subscriber has room again, one stderr notice says how much was dropped.
 * - A subscriber that has not made room for STUCK_AFTER_MS is treated as gone: messages then go out
 *   in "lossy" mode, reaching every subscriber that has room (ZeroMQ drops them for the stalled one
 *   only). A probe every PROBE_EVERY_MS returns to "no drop" mode as soon as everyone has room.
 *
 * Sends stay synchronous while nothing is congested (mainSockets.ts): output of a cell that runs
 * synchronously leaves at once. A failed send is learned a moment later (a rejected promise), so a
 * message sent in that moment may overtake one that failed just before it; once congestion is
 * known, everything goes through the queue in order.
 */
import type * as zmq from 'zeromq';

/** Messages queued per subscriber in ZeroMQ before sends fail (libzmq's default, as ipykernel has; a stream message holds at most 64 Ki characters). */
export const IOPUB_SEND_HWM = 1000;
/** Stream output and display updates kept in the queue while it drains; beyond this they are dropped. */
const QUEUE_DROPPABLE_BYTES = 8 << 20;
/** How long a subscriber may hold the queue up before it is treated as gone (lossy mode). */
const STUCK_AFTER_MS = 5000;
const RETRY_MS = 5;
const PROBE_EVERY_MS = 1000;

/** What may be dropped when a subscriber falls behind. */
const DROPPABLE_TYPES = new Set(['stream', 'update_display_data']);

export function isDroppable(msgType: string): boolean {
  return DROPPABLE_TYPES.has(msgType);
}

interface Entry {
  seq: number;
  frames: Array<Buffer | string>;
  droppable: boolean;
  bytes: number;
  /** The parent_header frame (JSON), for the notice. */
  parentHeader: string;
}

export interface DroppedOutput {
  /** Messages the kernel dropped (stream output, display updates). */
  dropped: number;
  droppedBytes: number;
  /** Messages sent in lossy mode, which a stalled subscriber missed. */
  missedByStalled: number;
  /** parent_header (JSON) of the last message concerned: where the notice goes. */
  parentHeader: string;
}

function frameBytes(frames: Array<Buffer | string>): number {
  let n = 0;
  for (const f of frames) n += typeof f === 'string' ? Buffer.byteLength(f) : f.byteLength;
  return n;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class IopubFlow {
  /** 'direct': send at once; 'queued': a send failed for lack of room, everything goes through the queue. */
  private mode: 'direct' | 'queued' = 'direct';
  private readonly queue: Entry[] = [];
  private queuedDroppableBytes = 0;
  private draining = false;
  /** When a send first failed for lack of room, since the last send every subscriber had room for. */
  private behindSince: number | undefined;
  /** Lossy mode: a subscriber has been stalled for STUCK_AFTER_MS. */
  private stalled = false;
  private probeTimer: NodeJS.Timeout | undefined;
  private seq = 0;
  private losses: DroppedOutput = { dropped: 0, droppedBytes: 0, missedByStalled: 0, parentHeader: '{}' };
  private closed = false;

  private readonly stuckAfterMs: number;
  private readonly probeEveryMs: number;

  constructor(
    private readonly socket: Pick<zmq.Publisher, 'send' | 'noDrop'>,
    private readonly log: (text: string) => void,
    /** Called once every subscriber has room again after messages were dropped or missed. */
    private readonly onCaughtUp: (losses: DroppedOutput) => void,
    timing: { stuckAfterMs?: number; probeEveryMs?: number } = {},
  ) {
    socket.noDrop = true;
    this.stuckAfterMs = timing.stuckAfterMs ?? STUCK_AFTER_MS;
    this.probeEveryMs = timing.probeEveryMs ?? PROBE_EVERY_MS;
  }

  /** `keep`: never drop this one, whatever its type (the kernel's own notice of dropped output). */
  send(msgType: string, frames: Array<Buffer | string>, parentHeader: string, keep = false): void {
    if (this.closed) return;
    const droppable = !keep && isDroppable(msgType);
    const entry: Entry = { seq: this.seq++, frames, droppable, bytes: droppable ? frameBytes(frames) : 0, parentHeader };
    if (this.mode === 'direct') {
      if (this.stalled) this.losses.missedByStalled++;
      // The failure is learned after the running code yields, which may be after thousands of
      // sends: a droppable message's frames must not be held until then (it is dropped anyway).
      const pending: Entry = droppable ? { ...entry, frames: [] } : entry;
      const sent = this.socket.send(frames);
      if (this.hasLosses())
        sent.then(
          () => this.reportLossesIfCaughtUp(),
          (err: unknown) => this.onDirectFailure(pending, err),
        );
      else sent.catch((err: unknown) => this.onDirectFailure(pending, err));
    } else {
      this.enqueue(entry);
    }
  }

  close(): void {
    this.closed = true;
    if (this.probeTimer) clearTimeout(this.probeTimer);
  }

  private isFull(err: unknown): boolean {
    return (err as NodeJS.ErrnoException).code === 'EAGAIN';
  }

  /** A direct send failed: from now on everything goes through the queue, the failed message first. */
  private onDirectFailure(entry: Entry, err: unknown): void {
    if (this.closed) return;
    if (!this.isFull(err)) {
      this.log(`iopub: send failed: ${(err as Error).message}`);
      return;
    }
    this.behindSince ??= Date.now();
    this.mode = 'queued';
    if (entry.droppable) this.drop(entry);
    else {
      // Failures arrive in send order, before anything queued after the switch: keep the order.
      const at = this.queue.findIndex((e) => e.seq > entry.seq);
      this.queue.splice(at < 0 ? this.queue.length : at, 0, entry);
    }
    this.kick();
  }

  private enqueue(entry: Entry): void {
    if (entry.droppable) {
      if (this.queuedDroppableBytes + entry.bytes > QUEUE_DROPPABLE_BYTES) {
        this.drop(entry);
        return;
      }
      this.queuedDroppableBytes += entry.bytes;
    }
    this.queue.push(entry);
    this.kick();
  }

  private drop(entry: Entry): void {
    this.losses.dropped++;
    this.losses.droppedBytes += entry.bytes;
    this.losses.parentHeader = entry.parentHeader;
  }

  private kick(): void {
    if (!this.draining) void this.drain();
  }

  /** Sets ZMQ_XPUB_NODROP; false when the socket is closed (the kernel is exiting). */
  private setNoDrop(noDrop: boolean): boolean {
    if (this.closed) return false;
    try {
      this.socket.noDrop = noDrop;
      return true;
    } catch {
      return false;
    }
  }

  private async trySend(frames: Array<Buffer | string>, noDrop: boolean): Promise<'sent' | 'full' | 'error'> {
    if (!this.setNoDrop(noDrop)) return 'error';
    try {
      await this.socket.send(frames);
      return 'sent';
    } catch (err) {
      if (this.isFull(err)) return 'full';
      if (!this.closed) this.log(`iopub: send failed: ${(err as Error).message}`);
      return 'error';
    }
  }

  private async drain(): Promise<void> {
    this.draining = true;
    /** Whether the last attempt found room for every subscriber (then losses can be reported). */
    let everyoneHadRoom = false;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const head = this.queue[0];
        const result = await this.trySend(head.frames, true);
        everyoneHadRoom = result === 'sent';
        if (result === 'full') {
          this.behindSince ??= Date.now();
          if (Date.now() - this.behindSince >= this.stuckAfterMs) {
            // A subscriber that makes no room is treated as gone: the others get the message.
            if (!this.stalled)
              this.log(
                `iopub: a subscriber has read nothing for ${this.stuckAfterMs / 1000} s; it misses what does not fit in its queue from now on`,
              );
            this.stalled = true;
            await this.trySend(head.frames, false);
            this.losses.missedByStalled++;
            this.losses.parentHeader = head.parentHeader;
          } else if (head.droppable) {
            this.drop(head);
          } else {
            await sleep(RETRY_MS);
            continue;
          }
        } else if (result === 'sent') {
          this.behindSince = undefined;
          this.stalled = false;
        }
        this.queue.shift();
        if (head.droppable) this.queuedDroppableBytes -= head.bytes;
      }
    } finally {
      this.draining = false;
    }
    if (this.closed) return;
    this.mode = 'direct';
    this.setNoDrop(!this.stalled);
    if (this.stalled) this.scheduleProbe();
    else if (everyoneHadRoom) this.reportLosses();
  }

  /** In lossy mode, sends periodically go through the queue again, whose first attempt is "no drop". */
  private scheduleProbe(): void {
    if (this.probeTimer) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      if (this.closed || !this.stalled) return;
      if (this.mode === 'direct') this.mode = 'queued';
    }, this.probeEveryMs);
    this.probeTimer.unref();
  }

  private hasLosses(): boolean {
    return this.losses.dropped > 0 || this.losses.missedByStalled > 0;
  }

  /** A "no drop" send went through while nothing is queued: every subscriber had room. */
  private reportLossesIfCaughtUp(): void {
    if (this.mode === 'direct' && !this.stalled && !this.closed) this.reportLosses();
  }

  private reportLosses(): void {
    const l = this.losses;
    if (l.dropped === 0 && l.missedByStalled === 0) return;
    this.losses = { dropped: 0, droppedBytes: 0, missedByStalled: 0, parentHeader: '{}' };
    this.onCaughtUp(l);
  }
}
