/**
 * Interrupt bookkeeping shared by the main thread and the socket thread.
 *
 * A counter in shared memory counts interrupt requests. The socket thread bumps it (then raises
 * SIGINT) the moment interrupt_request arrives, even while the main thread is busy. The main thread
 * compares it with the value when the current cell started, which tells it (a) that the cell was
 * interrupted, however it ended, and (b) inside study.optimize, between trials, that it must stop:
 * an optimize over a synchronous objective with in-memory storage runs entirely in microtasks, so
 * the SIGINT handler would only run after it finished all its trials.
 */
export class InterruptCounter {
  readonly shared: SharedArrayBuffer;
  /** [0]: interrupt requests so far; [1]: SIGINTs the socket thread raised so far. */
  private readonly cells: Int32Array;
  /**
   * The socket thread's signal count when the main thread last saw a SIGINT. Signals are not
   * counted one by one: pending signals coalesce, and one consumed by vm's breakOnSigint never
   * reaches the handler. A signal is "from the socket thread" when that count moved since.
   */
  private signalsSeen = 0;
  /** The request count the main thread has acted on. */
  private actedOn = 0;

  constructor(shared?: SharedArrayBuffer) {
    this.shared = shared ?? new SharedArrayBuffer(8);
    this.cells = new Int32Array(this.shared);
  }

  get requests(): number {
    return Atomics.load(this.cells, 0);
  }

  /** Socket thread: interrupt_request arrived; count it, then raise SIGINT. */
  requestAndSignal(): void {
    Atomics.add(this.cells, 0, 1);
    Atomics.add(this.cells, 1, 1);
    process.kill(process.pid, 'SIGINT');
  }

  /**
   * Main thread, in the SIGINT handler. A signal the socket thread raised is already counted; a
   * signal from outside (Jupyter's interrupt_mode "signal", Ctrl-C) is a new request. Returns true
   * when there is a request nobody has acted on yet (a late-delivered signal for a request the
   * optimize check already handled returns false).
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
    this.actedOn = this.requests;
  }

  /** Main thread: true (once) when a request arrived that has not been acted on. */
  takeRequest(): boolean {
    const r = this.requests;
    if (r <= this.actedOn) return false;
    this.actedOn = r;
    return true;
  }
}
