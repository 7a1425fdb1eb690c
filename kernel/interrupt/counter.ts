/**
 * Interrupt bookkeeping shared by the main thread and the socket thread.
 *
 * A counter in shared memory counts interrupt requests. The socket thread bumps it the moment
 * interrupt_request arrives, even while the main thread is busy, and asks the main thread to act.
 * The main thread compares the count with the value when the current cell started, which tells it
 * (a) that the cell was interrupted, however it ended, and (b) in the loop checks of cell code and
 * inside study.optimize, between trials, that it must stop. What the main thread has acted on is
 * in shared memory too: the socket thread raises SIGINT only for a request still not acted on after
 * a moment, i.e. when the main thread is stuck in synchronous code without a check, where only the
 * signal (vm's breakOnSigint) can break it. Raising SIGINT for every request would race with the
 * checks: a signal that lands just as a check ended the cell's synchronous code is kept by Node's
 * SIGINT watchdog and breaks the next cell instead.
 *
 * The socket thread raises SIGINT only while the main thread runs a cell's code under Node's SIGINT
 * watchdog (a "watchdog run", which the main thread marks here), and once per run. A signal raised
 * at any other time breaks nothing: while the main thread compiles the cell, Node's listener catches
 * it, and vm, arming the watchdog, drops the listener with the signal still undelivered; the cell's
 * loop then ran for ever (a loaded machine compiles slowly enough for the request's first signal to
 * land there every time).
 */

/** Indexes of the shared Int32Array. */
const REQUESTS = 0;
/** SIGINTs the socket thread raised (signals from outside are not counted). */
const RAISED = 1;
/** Attempts to raise SIGINT that are over (raised, with kill() returned, or given up). */
const ATTEMPTS_OVER = 2;
const ACTED_ON = 3;
/** Attempts to raise SIGINT begun. */
const ATTEMPTS = 4;
/** The main thread's watchdog runs: odd while one is under way (2k - 1 during the k-th), even otherwise. */
const WATCHDOG_RUN = 5;
const CELLS = 6;

/** Whether a value of `watchdogRun()` says the main thread is inside a watchdog run. */
export function insideWatchdogRun(run: number): boolean {
  return run % 2 !== 0;
}

export class InterruptCounter {
  readonly shared: SharedArrayBuffer;
  private readonly cells: Int32Array;
  /**
   * The socket thread's signal count when the main thread last saw a SIGINT. Signals are not
   * counted one by one: pending signals coalesce, and one consumed by vm's breakOnSigint never
   * reaches the handler. A signal is "from the socket thread" when that count moved since.
   */
  private signalsSeen = 0;
  /** Main thread: watchdog runs begun so far. */
  private watchdogRuns = 0;

  constructor(shared?: SharedArrayBuffer) {
    this.shared = shared ?? new SharedArrayBuffer(CELLS * Int32Array.BYTES_PER_ELEMENT);
    this.cells = new Int32Array(this.shared);
  }

  get requests(): number {
    return Atomics.load(this.cells, REQUESTS);
  }

  private get actedOn(): number {
    return Atomics.load(this.cells, ACTED_ON);
  }

  /** Socket thread: interrupt_request arrived; returns its number. */
  request(): number {
    return Atomics.add(this.cells, REQUESTS, 1) + 1;
  }

  /** Socket thread: has the main thread acted on request number `n` (or a later one)? */
  isActedOn(n: number): boolean {
    return this.actedOn >= n;
  }

  /** Socket thread: the main thread's current watchdog run (see insideWatchdogRun). */
  watchdogRun(): number {
    return Atomics.load(this.cells, WATCHDOG_RUN);
  }

  /**
   * Socket thread: raises SIGINT for request `n` into the main thread's watchdog run `run` (a value
   * of watchdogRun() saying it is inside one), unless the request has been acted on or that run is
   * over by now. The attempt is counted before it checks both, so that a main thread starting its
   * next cell either waits for the attempt to be over (waitForRaisedSignals) or has already made
   * the check fail: no signal raised for one cell can land in the next one's code. Returns whether
   * it raised the signal.
   */
  signal(n: number, run: number): boolean {
    Atomics.add(this.cells, ATTEMPTS, 1);
    try {
      if (this.isActedOn(n) || this.watchdogRun() !== run) return false;
      Atomics.add(this.cells, RAISED, 1);
      process.kill(process.pid, 'SIGINT');
      return true;
    } finally {
      Atomics.add(this.cells, ATTEMPTS_OVER, 1);
      Atomics.notify(this.cells, ATTEMPTS_OVER);
    }
  }

  /**
   * Main thread, before a cell runs: waits (briefly) until every attempt of the socket thread to
   * raise SIGINT is over, so that a signal raised for the previous cell cannot reach this one's code.
   */
  waitForRaisedSignals(timeoutMs = 1000): void {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const over = Atomics.load(this.cells, ATTEMPTS_OVER);
      const remaining = deadline - Date.now();
      if (over >= Atomics.load(this.cells, ATTEMPTS) || remaining <= 0) return;
      Atomics.wait(this.cells, ATTEMPTS_OVER, over, remaining);
    }
  }

  /**
   * Main thread: a cell's code is running under Node's SIGINT watchdog. Called from inside the
   * code vm runs, where the watchdog is already armed, never before: a signal raised earlier would
   * be lost (see the top of this file).
   */
  enterWatchdogRun(): void {
    this.watchdogRuns++;
    Atomics.store(this.cells, WATCHDOG_RUN, 2 * this.watchdogRuns - 1);
  }

  /** Main thread: vm has returned (the watchdog is disarmed); harmless when no run was entered. */
  leaveWatchdogRun(): void {
    Atomics.store(this.cells, WATCHDOG_RUN, 2 * this.watchdogRuns);
  }

  /**
   * Main thread, in the SIGINT handler. A signal the socket thread raised is already counted; a
   * signal from outside (Jupyter's interrupt_mode "signal", Ctrl-C) is a new request. Returns true
   * when there is a request nobody has acted on yet (a late-delivered signal for a request a loop
   * check or the optimize check already handled returns false).
   */
  onSignal(): boolean {
    const sent = Atomics.load(this.cells, RAISED);
    if (sent > this.signalsSeen) this.signalsSeen = sent;
    else Atomics.add(this.cells, REQUESTS, 1);
    return this.takeRequest();
  }

  /** Main thread: a cell's synchronous code was broken by SIGINT (the handler did not run). */
  onSignalConsumedByCell(): void {
    this.signalsSeen = Atomics.load(this.cells, RAISED);
    this.takeRequest();
  }

  /** Main thread: true (once) when a request arrived that has not been acted on. */
  takeRequest(): boolean {
    const r = this.requests;
    if (r <= this.actedOn) return false;
    Atomics.store(this.cells, ACTED_ON, r);
    return true;
  }
}
