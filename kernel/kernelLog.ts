/**
 * The kernel's own log lines on stderr (fd 2, not process.stderr, which the kernel routes into
 * cells), written so that logging can never take the kernel down.
 *
 * stderr is usually a pipe read by whoever started the kernel. A flood of messages the kernel
 * refuses (unsigned garbage from anyone who can reach its ports) used to write one line each, fill
 * the pipe faster than it was read, and end the kernel (a synchronous write that fails with EAGAIN
 * throws). Now a line waits a little for room, is dropped when there is none, and lines about
 * refused messages are rate-limited.
 */
import { writeSync } from 'node:fs';

/** How long one line may wait for room in a full stderr pipe before it is dropped. */
const FULL_PIPE_WAIT_MS = 20;
const sleepCell = new Int32Array(new SharedArrayBuffer(4));
/** Set after a line could not be written: later lines do not wait until one gets through. */
let stderrStalled = false;

/** Writes one line to fd 2; never throws, never blocks for more than FULL_PIPE_WAIT_MS. */
export function writeLogLine(text: string): void {
  const bytes = Buffer.from(`[tunelab kernel] ${text}\n`);
  let offset = 0;
  let waited = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(2, bytes, offset);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN' || stderrStalled || waited >= FULL_PIPE_WAIT_MS) {
        stderrStalled = (err as NodeJS.ErrnoException).code === 'EAGAIN';
        return;
      }
      Atomics.wait(sleepCell, 0, 0, 1);
      waited++;
    }
  }
  stderrStalled = false;
}

/**
 * Lines about refused or ignored messages: at most `perSecond` a second, then one line saying how
 * many were left out, so that a flood of bad messages costs a few lines a second.
 */
export class RateLimitedLog {
  private windowStart = 0;
  private written = 0;
  private suppressed = 0;

  constructor(
    private readonly perSecond = 20,
    private readonly write: (text: string) => void = writeLogLine,
  ) {}

  log(text: string): void {
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      if (this.suppressed > 0) this.write(`(${this.suppressed} more lines about refused or ignored messages were left out)`);
      this.windowStart = now;
      this.written = 0;
      this.suppressed = 0;
    }
    if (this.written < this.perSecond) {
      this.written++;
      this.write(text);
    } else {
      this.suppressed++;
    }
  }
}
