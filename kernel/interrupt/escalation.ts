/**
 * The socket thread's side of interrupts: counts each interrupt_request in shared memory and drives
 * its escalation (stateMachine.ts `escalate`): SIGINT when the main thread has not taken it after
 * SIGNAL_AFTER_MS, a notice to the running cell when it still has not after the grace period.
 */
import { InterruptCounter } from './counter';
import { escalate, type EscalationAction, type EscalationEvent, type EscalationState } from './stateMachine';

/** How long the main thread has to act on an interrupt request before SIGINT is raised. */
export const SIGNAL_AFTER_MS = 250;

export interface EscalationOptions {
  /** InterruptCounter's shared memory (the main thread's MainThreadInterrupts.shared). */
  shared: SharedArrayBuffer;
  /** How long to wait after SIGINT before telling the running cell the interrupt cannot reach it. */
  graceMs: number;
  /** Asks the main thread to act on the request just counted. */
  askMainThread(): void;
  /** The request is unreachable: tell the running cell (through the main thread). */
  warnUnreachable(): void;
}

interface Pending {
  state: EscalationState;
  timer: NodeJS.Timeout | undefined;
}

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
    const p: Pending = { state: 'requested', timer: undefined };
    this.pending.add(p);
    this.after(p, SIGNAL_AFTER_MS, () => ({ kind: 'signal-deadline', taken: this.counter.isActedOn(n) }), n);
  }

  /** Shutting down: no escalation may fire any more. */
  cancelAll(): void {
    for (const p of this.pending) {
      clearTimeout(p.timer);
      p.state = escalate(p.state, { kind: 'closing' }).state;
    }
    this.pending.clear();
  }

  private after(p: Pending, ms: number, event: () => EscalationEvent, n: number): void {
    p.timer = setTimeout(() => {
      p.timer = undefined;
      const { state, actions } = escalate(p.state, event());
      p.state = state;
      for (const action of actions) this.perform(action, p, n);
      if (p.timer === undefined) this.pending.delete(p);
    }, ms);
  }

  private perform(action: EscalationAction, p: Pending, n: number): void {
    switch (action) {
      case 'raise-sigint':
        return this.counter.signal();
      case 'start-grace':
        return this.after(p, this.options.graceMs, () => ({ kind: 'grace-deadline', taken: this.counter.isActedOn(n) }), n);
      case 'warn-unreachable':
        return this.options.warnUnreachable();
    }
  }
}
