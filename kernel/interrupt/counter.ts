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
 */
export class InterruptCounter {
  readonly shared: SharedArrayBuffer;
  /**
   * [0]: interrupt requests so far; [1]: SIGINTs the socket thread is raising or raised so far;
   * [2]: SIGINTs whose kill() has returned (the signal is pending or delivered); [3]: the request
   * count the main thread has acted on.
   */
  private readonly cells: Int32Array;
  /**
   * The socket thread's signal count when the main thread last saw a SIGINT. Signals are not
   * counted one by one: pending signals coalesce, and one consumed by vm's breakOnSigint never
   * reaches the handler. A signal is "from the socket thread" when that count moved since.
   */
  private signalsSeen = 0;

  constructor(shared?: SharedArrayBuffer) {
    this.shared = shared ?? new SharedArrayBuffer(16);
    this.cells = new Int32Array(this.shared);
  }

  get requests(): number {
    return Atomics.load(this.cells, 0);
  }

  private get actedOn(): number {
    return Atomics.load(this.cells, 3);
  }

  /** Socket thread: interrupt_request arrived; returns its number. */
  request(): number {
    return Atomics.add(this.cells, 0, 1) + 1;
  }

  /** Socket thread: has the main thread acted on request number `n` (or a later one)? */
  isActedOn(n: number): boolean {
    return this.actedOn >= n;
  }

  /** Socket thread: raise SIGINT for a request the main thread has not acted on. */
  signal(): void {
    Atomics.add(this.cells, 1, 1);
    process.kill(process.pid, 'SIGINT');
    Atomics.add(this.cells, 2, 1);
    Atomics.notify(this.cells, 2);
  }

  /**
   * Main thread, before a cell runs: waits (briefly) until every SIGINT the socket thread counted
   * has been raised, so that a signal raised for the previous cell cannot reach this one's code.
   */
  waitForRaisedSignals(timeoutMs = 1000): void {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const raised = Atomics.load(this.cells, 2);
      const remaining = deadline - Date.now();
      if (raised >= Atomics.load(this.cells, 1) || remaining <= 0) return;
      Atomics.wait(this.cells, 2, raised, remaining);
    }
  }

  /**
   * Main thread, in the SIGINT handler. A signal the socket thread raised is already counted; a
   * signal from outside (Jupyter's interrupt_mode "signal", Ctrl-C) is a new request. Returns true
   * when there is a request nobody has acted on yet (a late-delivered signal for a request a loop
   * check or the optimize check already handled returns false).
   */
  onSignal(): boolean {
    const sent = Atomics.load(this.cells, 1);
    if (sent > this.signalsSeen) this.signalsSeen = sent;
    else Atomics.add(this.cells, 0, 1);
    return this.takeRequest();
  }

  /** Main thread: a cell's synchronous code was broken by SIGINT (the handler did not run). */
  onSignalConsumedByCell(): void {
    this.signalsSeen = Atomics.load(this.cells, 1);
    this.takeRequest();
  }

  /** Main thread: true (once) when a request arrived that has not been acted on. */
  takeRequest(): boolean {
    const r = this.requests;
    if (r <= this.actedOn) return false;
    Atomics.store(this.cells, 3, r);
    return true;
  }
}
