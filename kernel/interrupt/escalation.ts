/**
 * The socket thread's side of interrupts: counts each interrupt_request in shared memory and drives
 * its escalation (stateMachine.ts `escalate`): from SIGNAL_AFTER_MS on, while the main thread has
 * not taken it, SIGINT into each of the main thread's runs of cell code under Node's SIGINT
 * watchdog, checked every SIGNAL_AFTER_MS; a notice to the running cell when it still has not
 * taken it after the grace period.
 */
import { InterruptCounter, insideWatchdogRun } from './counter';
import { escalate, type EscalationAction, type EscalationEvent, type EscalationState } from './stateMachine';

/** How long the main thread has to act on an interrupt request before SIGINT is raised (and how often that is checked again). */
export const SIGNAL_AFTER_MS = 250;

export interface EscalationOptions {
  /** InterruptCounter's shared memory (the main thread's MainThreadInterrupts.shared). */
  shared: SharedArrayBuffer;
  /** How long to wait after the first signal deadline before telling the running cell the interrupt cannot reach it. */
  graceMs: number;
  /** Asks the main thread to act on the request just counted. */
  askMainThread(): void;
  /** The request is unreachable: tell the running cell (through the main thread). */
  warnUnreachable(): void;
}

interface Pending {
  /** The request's number (InterruptCounter.request). */
  n: number;
  state: EscalationState;
  timers: Set<NodeJS.Timeout>;
  /** The main thread's watchdog run SIGINT was last raised into for this request (0: none). */
  signalledRun: number;
}

type Deadline = 'signal-deadline' | 'grace-deadline';

export class InterruptEscalation {
  private readonly counter: InterruptCounter;
  private readonly pending = new Set<Pending>();

  constructor(private readonly options: EscalationOptions) {
    this.counter = new InterruptCounter(options.shared);
  }

  /** interrupt_request arrived: count it, ask the main thread to act, and escalate if it does not. */
  request(): void {
    const n = this.counter.request();
    this.options.askMainThread();
    const p: Pending = { n, state: 'requested', timers: new Set(), signalledRun: 0 };
    this.pending.add(p);
    this.after(p, SIGNAL_AFTER_MS, 'signal-deadline');
  }

  /** Shutting down: no escalation may fire any more. */
  cancelAll(): void {
    for (const p of this.pending) {
      for (const timer of p.timers) clearTimeout(timer);
      p.state = escalate(p.state, { kind: 'closing' }).state;
    }
    this.pending.clear();
  }

  private after(p: Pending, ms: number, deadline: Deadline): void {
    const timer = setTimeout(() => {
      p.timers.delete(timer);
      this.reached(p, deadline);
    }, ms);
    p.timers.add(timer);
  }

  private reached(p: Pending, deadline: Deadline): void {
    const taken = this.counter.isActedOn(p.n);
    const run = this.counter.watchdogRun();
    const event: EscalationEvent =
      deadline === 'signal-deadline'
        ? { kind: deadline, taken, inWatchdogRun: insideWatchdogRun(run) && run !== p.signalledRun }
        : { kind: deadline, taken };
    const { state, actions } = escalate(p.state, event);
    p.state = state;
    for (const action of actions) this.perform(action, p, run);
    if (state === 'handled' || state === 'cancelled') {
      for (const timer of p.timers) clearTimeout(timer);
      this.pending.delete(p);
    }
  }

  private perform(action: EscalationAction, p: Pending, run: number): void {
    switch (action) {
      case 'raise-sigint':
        // Into this run at most once, whether the counter raises it or finds the run over.
        p.signalledRun = run;
        this.counter.signal(p.n, run);
        return;
      case 'start-grace':
        return this.after(p, this.options.graceMs, 'grace-deadline');
      case 'check-again':
        return this.after(p, SIGNAL_AFTER_MS, 'signal-deadline');
      case 'warn-unreachable':
        return this.options.warnUnreachable();
    }
  }
}
