/**
 * Captures process.stdout / process.stderr writes and publishes them as Jupyter `stream` messages
 * to the request they belong to (see context.ts). Consecutive writes to the same stream and cell
 * are coalesced for a few milliseconds (as ipykernel does) so a loop of console.log calls does not
 * become thousands of messages, and a huge output is cut into bounded chunks.
 */
import { StringDecoder } from 'node:string_decoder';
import { currentParent } from './context';
import type { MessageHeader } from './wire';

export type StreamName = 'stdout' | 'stderr';
/** `urgent`: the buffer filled up while code runs, so the message should leave at once. */
export type PublishStream = (parent: MessageHeader | undefined, name: StreamName, text: string, urgent: boolean) => void;

const FLUSH_DELAY_MS = 20;
/** At most this much text per stream message: with iopub's high-water mark (iopubFlow.ts), it bounds what a stalled subscriber can hold. */
const MAX_CHUNK_CHARS = 1 << 16;

export class OutputStreams {
  private pending: { parent: MessageHeader | undefined; name: StreamName; parts: string[]; size: number } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  /** The real writes, for the kernel's own log lines. */
  readonly originalStderrWrite = process.stderr.write.bind(process.stderr);
  private installed = false;

  constructor(private readonly publish: PublishStream) {}

  install(): void {
    if (this.installed) return;
    this.installed = true;
    for (const name of ['stdout', 'stderr'] as const) {
      const stream = process[name];
      // Node's console looks up stream.write on every call, so replacing the method is enough.
      stream.write = ((chunk: unknown, encoding?: unknown, cb?: unknown): boolean => {
        const text =
          typeof chunk === 'string'
            ? chunk
            : chunk instanceof Uint8Array
              ? this.decoders[name].write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
              : String(chunk);
        this.write(name, text);
        const callback = typeof encoding === 'function' ? encoding : cb;
        if (typeof callback === 'function') process.nextTick(callback as () => void);
        return true;
      }) as typeof stream.write;
    }
  }

  write(name: StreamName, text: string): void {
    if (text.length === 0) return;
    const parent = currentParent();
    const p = this.pending;
    if (p && (p.name !== name || p.parent?.msg_id !== parent?.msg_id)) this.flush();
    if (!this.pending) this.pending = { parent, name, parts: [], size: 0 };
    const cur = this.pending!;
    cur.parts.push(text);
    cur.size += text.length;
    if (cur.size >= MAX_CHUNK_CHARS) {
      // Full chunks leave now; the remainder waits for more, so a long run of writes becomes
      // messages of MAX_CHUNK_CHARS each rather than one full and one small per flush.
      const joined = cur.parts.join('');
      let at = 0;
      while (joined.length - at >= MAX_CHUNK_CHARS) {
        const end = cutAt(joined, at + MAX_CHUNK_CHARS);
        this.publish(cur.parent, cur.name, joined.slice(at, end), true);
        at = end;
      }
      cur.parts = [joined.slice(at)];
      cur.size = joined.length - at;
      if (cur.size === 0) {
        this.pending = null;
        return;
      }
    }
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), FLUSH_DELAY_MS);
      this.timer.unref();
    }
  }

  /** Publishes what is buffered; called before any other output so ordering is preserved. */
  flush(urgent = false): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    const text = p.parts.join('');
    for (let i = 0; i < text.length;) {
      const end = cutAt(text, i + MAX_CHUNK_CHARS);
      this.publish(p.parent, p.name, text.slice(i, end), urgent);
      i = end;
    }
  }
}

/** `end`, or one before it so that a UTF-16 surrogate pair is not split between two messages. */
function cutAt(text: string, end: number): number {
  if (end >= text.length) return text.length;
  const c = text.charCodeAt(end - 1);
  return c >= 0xd800 && c <= 0xdbff ? end - 1 : end;
}
