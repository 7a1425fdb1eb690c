/**
 * Rate limiting of widget messages. A study can finish thousands of trials per second; sending one
 * comm message per change would flood the kernel's iopub socket and the browser. A Throttle runs its
 * flush function at most once per interval: the first change after a quiet period goes out at once
 * (so a slow study feels live), later changes are merged by the caller and go out on a trailing
 * timer, so the last state always arrives.
 */

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // A pending flush must not keep a plain Node process (or a test) alive; the kernel lives anyway.
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** 20 messages per second per widget. */
export const DEFAULT_INTERVAL_MS = 50;

/**
 * A displayed widget's static fallback (the HTML/SVG snapshot in its display_data) is re-sent with
 * update_display_data only when widgets are flushed (the end of each cell), not while a cell runs:
 * each update replaces the output, so a widget frontend would tear down and rebuild the live view
 * (losing zoom and scroll) every time. A finite interval (setThrottleDefaults) re-sends it at most
 * that often during a cell as well.
 */
export const DEFAULT_FALLBACK_INTERVAL_MS = Infinity;

/**
 * While no frontend with a widget manager is attached (see widgetFrontendSeen), a live view's
 * fallback is all the user sees, so it is refreshed during a cell too, at this modest rate: a
 * monitor that updates about once a second instead of sitting at 0% until the cell ends.
 */
export const NO_WIDGET_FRONTEND_FALLBACK_INTERVAL_MS = 1000;

let defaultClock: Clock = realClock;
let defaultInterval = DEFAULT_INTERVAL_MS;
let defaultFallbackInterval = DEFAULT_FALLBACK_INTERVAL_MS;

/** Tests and benchmarks swap the clock (and intervals) every new widget uses. */
export function setThrottleDefaults(opts: { clock?: Clock; intervalMs?: number; fallbackIntervalMs?: number }): void {
  if (opts.clock) defaultClock = opts.clock;
  if (opts.intervalMs !== undefined) defaultInterval = opts.intervalMs;
  if (opts.fallbackIntervalMs !== undefined) defaultFallbackInterval = opts.fallbackIntervalMs;
}

export function getThrottleDefaults(): { clock: Clock; intervalMs: number; fallbackIntervalMs: number } {
  return { clock: defaultClock, intervalMs: defaultInterval, fallbackIntervalMs: defaultFallbackInterval };
}

export class Throttle {
  private lastFlush = -Infinity;
  private timer: unknown = null;
  private dueAt = 0;

  constructor(
    /** Sends what is pending; returns whether anything was sent. */
    private readonly flush: () => boolean,
    readonly intervalMs: number = defaultInterval,
    private readonly clock: Clock = defaultClock,
  ) {}

  /** Something changed: flush now if the last flush is old enough, else once the interval has passed. */
  request(): void {
    // An infinite interval means: only flushNow() sends (the caller keeps what is pending).
    if (this.intervalMs === Infinity) return;
    const now = this.clock.now();
    if (this.timer !== null) {
      // A trailing flush is scheduled and will carry this change. But a study whose trials never
      // yield to the event loop (synchronous objectives: only microtasks) starves timers, so an
      // overdue flush runs here, from the change itself.
      if (now >= this.dueAt) this.flushNow();
      return;
    }
    const wait = this.lastFlush + this.intervalMs - now;
    if (wait <= 0) {
      this.run();
    } else {
      this.dueAt = now + wait;
      this.timer = this.clock.setTimeout(() => {
        this.timer = null;
        this.run();
      }, wait);
    }
  }

  /** Flush pending changes right away (study end, cell end, close). */
  flushNow(): void {
    if (this.timer !== null) {
      this.clock.clearTimeout(this.timer);
      this.timer = null;
    }
    this.run();
  }

  /** Forget a pending flush without running it (the widget was closed). */
  cancel(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  get pending(): boolean {
    return this.timer !== null;
  }

  private run(): void {
    if (this.flush()) this.lastFlush = this.clock.now();
  }
}
