/**
 * How the kernel's interrupts reach study.optimize: through the engine's one interrupt source
 * (src/optimizeSignal.ts), whatever the call's progress display. Every optimize started gets the
 * current signal; an interrupt aborts it, so every running optimize stops after its running trials,
 * and hands out a fresh one for the calls that start afterwards.
 *
 * An optimize over a synchronous objective with in-memory storage runs almost entirely in
 * microtasks, so the kernel's message and SIGINT handlers only run when it yields; `poll`, which
 * optimize calls after every finished trial, sees the request in shared memory at once.
 */
import { setOptimizeInterruptSource, type OptimizeInterruptSource } from '../../src/optimizeSignal';

/** The reason of the kernel's aborts: OptimizeInterruptedError names it. */
export class KernelInterrupt extends Error {
  override name = 'KernelInterrupt';
  constructor() {
    super('the tunelab kernel was interrupted (interrupt_request or SIGINT)');
  }
}

export class KernelOptimizeInterrupts implements OptimizeInterruptSource {
  private controller = new AbortController();

  /** `takeRequest`: takes a request nobody has acted on (mainThread.ts), which aborts this source. */
  constructor(private readonly takeRequest: () => void) {}

  /** Makes this the source every optimize in the process consults. */
  install(): void {
    setOptimizeInterruptSource(this);
  }

  signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Taking the request is also what tells the socket thread not to raise SIGINT. */
  poll(): void {
    this.takeRequest();
  }

  /** Stops every running optimize (each finishes its running trials, then throws). */
  interruptAll(): void {
    const interrupted = this.controller;
    this.controller = new AbortController();
    interrupted.abort(new KernelInterrupt());
  }
}
