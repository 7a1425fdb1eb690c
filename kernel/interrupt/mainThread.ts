/**
 * The main thread's side of interrupts: it drives the machine of stateMachine.ts (`mainTransition`)
 * and performs its actions. Every way the main thread can learn of an interrupt comes through here:
 * the socket thread's message, SIGINT, the loop checks of cell code and study.optimize's poll.
 */
import type { MessageHeader } from '../wire';
import { InterruptCounter } from './counter';
import { createLoopGuard, type LoopGuard } from './loopGuard';
import { KernelOptimizeInterrupts } from './optimizeSource';
import { mainTransition, type CellInterruption, type MainAction, type MainEvent, type MainState, type TakenBy } from './stateMachine';

/** What the kernel stops or tells when the machine says so. */
export interface InterruptTargets {
  /** Rejects a pending input() with `err`. */
  rejectInput(err: Error): void;
  /** Rejects the promise an awaiting cell races with. */
  rejectAwaitingCell(): void;
  /** Tells the running cell (its request) that the interrupt cannot reach its code. */
  notifyUnreachable(cell: MessageHeader): void;
  /** The error a loop check throws, and input() is rejected with. */
  interruptedError(): Error;
}

export class MainThreadInterrupts {
  private readonly counter = new InterruptCounter();
  /** Every study.optimize of the cells obeys it (src/optimizeSignal.ts); an interrupt aborts it. */
  private readonly studies = new KernelOptimizeInterrupts(() => this.take('optimize-poll'));
  private current: MainState = 'idle';
  /** The execute_request of the running cell, while the state is not idle. */
  private runningCell: MessageHeader | undefined;

  constructor(private readonly targets: InterruptTargets) {}

  /** The shared memory the socket thread counts requests in. */
  get shared(): SharedArrayBuffer {
    return this.counter.shared;
  }

  /** Interrupt requests so far: a cell during which it grew was interrupted (executor.ts). */
  get requests(): number {
    return this.counter.requests;
  }

  get state(): MainState {
    return this.current;
  }

  /** Makes the studies obey interrupts and listens for SIGINT. */
  install(): void {
    this.studies.install();
    process.on('SIGINT', () => this.onSignal());
  }

  /** The guard every loop of cell code calls (loopGuard.ts): throws once it takes a request. */
  loopGuard(): LoopGuard {
    return createLoopGuard(
      () => this.take('loop-check'),
      () => this.targets.interruptedError(),
    );
  }

  /**
   * The executor runs a cell's code under Node's SIGINT watchdog (vm `breakOnSigint`): called from
   * inside that code, so the watchdog is armed; the socket thread raises SIGINT only from now on.
   */
  enteredSigintWatchdog(): void {
    this.counter.enterWatchdogRun();
  }

  /** vm has returned: the watchdog is off again. */
  leftSigintWatchdog(): void {
    this.counter.leaveWatchdogRun();
  }

  cellStarted(cell: MessageHeader): void {
    this.runningCell = cell;
    this.dispatch({ kind: 'cell-started' });
  }

  cellFinished(): void {
    this.runningCell = undefined;
    this.dispatch({ kind: 'cell-finished' });
  }

  cellReported(interrupted: CellInterruption): void {
    this.dispatch({ kind: 'cell-reported', interrupted });
  }

  /** The socket thread counted a request and asks this thread to act on it. */
  onRequestMessage(): void {
    this.take('message');
  }

  /**
   * interrupt_request that came on shell instead of control (the socket thread never sees it):
   * handled as a signal from outside, which counts it as a request.
   */
  raiseSignal(): void {
    process.kill(process.pid, 'SIGINT');
  }

  /** The socket thread found the running code out of the interrupt's reach. */
  onUnreachable(): void {
    this.dispatch({ kind: 'unreachable' });
  }

  /** SIGINT: sent by Jupyter or Ctrl-C, or raised by the socket thread for interrupt_request. */
  private onSignal(): void {
    // A signal from outside is counted as a new request; false when a loop check or the optimize
    // poll already took the request this signal was raised for.
    if (this.counter.onSignal()) this.dispatch({ kind: 'request-taken', by: 'signal' });
  }

  /** Takes a request nobody has acted on yet (true), which tells the socket thread not to escalate. */
  private take(by: Exclude<TakenBy, 'signal'>): boolean {
    if (!this.counter.takeRequest()) return false;
    this.dispatch({ kind: 'request-taken', by });
    return true;
  }

  private dispatch(event: MainEvent): void {
    const { state, actions } = mainTransition(this.current, event);
    this.current = state;
    for (const action of actions) this.perform(action);
  }

  private perform(action: MainAction): void {
    switch (action) {
      case 'wait-for-raised-signals':
        return this.counter.waitForRaisedSignals();
      case 'stop-studies':
        return this.studies.interruptAll();
      case 'reject-input':
        return this.targets.rejectInput(this.targets.interruptedError());
      case 'reject-awaiting-cell':
        return this.targets.rejectAwaitingCell();
      case 'acknowledge-signal':
        return this.counter.onSignalConsumedByCell();
      case 'discard-request':
        this.counter.takeRequest();
        return;
      case 'notify-unreachable':
        if (this.runningCell) this.targets.notifyUnreachable(this.runningCell);
        return;
    }
  }
}
