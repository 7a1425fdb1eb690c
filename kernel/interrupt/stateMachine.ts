/**
 * The kernel's interrupts as two explicit state machines, one per thread, with every transition
 * here. They are pure (state + event -> next state + actions); the drivers (mainThread.ts,
 * escalation.ts) perform the actions.
 *
 * Why two: an interrupt_request arrives on the socket thread, which keeps serving while a cell
 * blocks the main thread, and only the main thread can stop the cell. The threads share one thing,
 * the request counters in shared memory (counter.ts): the socket thread counts a request; the main
 * thread "takes" it (records it as acted on) wherever it first notices it. Taking is a guard both
 * machines read: the socket thread escalates only a request nobody has taken.
 *
 * ## One request, on the socket thread (escalation.ts)
 *
 *   requested ──(SIGNAL_AFTER_MS, not taken)──> signalled ──(grace, not taken)──> unreachable
 *       │                                           │                                 │
 *       └──(taken)──> handled        (taken)──> handled                (taken)──> handled
 *
 *   requested: counted in shared memory; the main thread is asked to act (a port message) and the
 *     frontend gets interrupt_reply at once. An idle or awaiting main thread takes it at once; a
 *     cell's loop checks and study.optimize (between trials) see the count.
 *   signalled: nobody took it in time, so the main thread is busy: in synchronous code without a
 *     check, or still compiling the cell. Checked again every SIGNAL_AFTER_MS: whenever the main
 *     thread runs a cell's code under Node's SIGINT watchdog (vm `breakOnSigint`), SIGINT is raised,
 *     once per such run, which breaks it. Only then: a signal raised while the main thread compiles
 *     the cell is caught by Node's listener, which vm removes, the signal undelivered, when it arms
 *     the watchdog (counter.ts).
 *   unreachable: still not taken after the grace period: code no signal reaches (a long library
 *     call or a mutual recursion without loops, after an `await`). The running cell is told so; it
 *     stops when that code returns. Checks go on as in signalled: the cell may still be compiling.
 *   Shutting down cancels every pending escalation.
 *
 * ## The main thread (mainThread.ts)
 *
 *   idle ──(cell started)──> running ──(request taken)──> interrupted
 *    ^                          │                             │
 *    └──────(cell finished)─────┴─────────(cell finished)─────┘
 *
 *   A request is taken by: the socket thread's message (`message`), the SIGINT handler (`signal`:
 *   raised by the socket thread, or from outside: Ctrl-C, interrupt_mode "signal"), a loop check of
 *   cell code (`loop-check`), or study.optimize between trials (`optimize-poll`). Taking it by message
 *   or signal stops everything a cell may wait on (studies, a pending input(), an awaiting cell);
 *   a loop check throws by itself and optimize stops itself, so they only stop the studies.
 *   When a cell ends interrupted, any request still untaken is discarded, so it cannot stop the next
 *   cell; when SIGINT broke the cell's synchronous code, the signal is acknowledged as handled (its
 *   handler never ran) and the studies are stopped as the handler would have.
 */

/** Where a request is on the socket thread. */
export type EscalationState = 'requested' | 'signalled' | 'unreachable' | 'handled' | 'cancelled';

export type EscalationEvent =
  /**
   * SIGNAL_AFTER_MS passed since the request arrived or since the last check. taken: whether the
   * main thread took it; inWatchdogRun: whether the main thread runs a cell's code under Node's
   * SIGINT watchdog, in a run no SIGINT was raised into yet for this request.
   */
  | { kind: 'signal-deadline'; taken: boolean; inWatchdogRun: boolean }
  /** The grace period passed since the first signal deadline. */
  | { kind: 'grace-deadline'; taken: boolean }
  /** The kernel is shutting down. */
  | { kind: 'closing' };

export type EscalationAction = 'raise-sigint' | 'start-grace' | 'check-again' | 'warn-unreachable';

export interface Transition<S, A> {
  state: S;
  actions: readonly A[];
}

const stay = <S, A>(state: S): Transition<S, A> => ({ state, actions: [] });

const PENDING: ReadonlySet<EscalationState> = new Set(['requested', 'signalled', 'unreachable']);

/** The socket thread's machine for one request; a final state ignores every event. */
export function escalate(state: EscalationState, event: EscalationEvent): Transition<EscalationState, EscalationAction> {
  if (!PENDING.has(state)) return stay(state);
  if (event.kind === 'closing') return stay('cancelled');
  if (event.taken) return stay('handled');
  if (event.kind === 'grace-deadline') {
    return state === 'signalled' ? { state: 'unreachable', actions: ['warn-unreachable'] } : stay(state);
  }
  const raise: EscalationAction[] = event.inWatchdogRun ? ['raise-sigint'] : [];
  if (state === 'requested') return { state: 'signalled', actions: [...raise, 'start-grace', 'check-again'] };
  return { state, actions: [...raise, 'check-again'] };
}

/** The main thread's state. */
export type MainState = 'idle' | 'running' | 'interrupted';

/** Who took a request on the main thread. */
export type TakenBy = 'message' | 'signal' | 'loop-check' | 'optimize-poll';

/** How a cell's run ended, as far as interrupts go (executor.ts ExecutionOutcome.interrupted). */
export type CellInterruption = false | 'signal' | 'request';

export type MainEvent =
  | { kind: 'cell-started' }
  | { kind: 'request-taken'; by: TakenBy }
  /** The cell's code has returned (or thrown); its reply is not out yet. */
  | { kind: 'cell-finished' }
  /** The cell's outcome is known (reported just before its error goes out). */
  | { kind: 'cell-reported'; interrupted: CellInterruption }
  /** The socket thread found the running code out of reach (escalation's `unreachable`). */
  | { kind: 'unreachable' };

export type MainAction =
  /** Before a cell runs: SIGINTs raised for the previous cell must have landed (counter.ts). */
  | 'wait-for-raised-signals'
  /** Abort the signal every study.optimize obeys (optimizeSource.ts). */
  | 'stop-studies'
  /** Reject a pending input() (inputRequests.ts). */
  | 'reject-input'
  /** Reject the promise an awaiting cell races with (executor.ts). */
  | 'reject-awaiting-cell'
  /** SIGINT broke the cell's synchronous code, so its handler did not run: record it as handled. */
  | 'acknowledge-signal'
  /** Drop a request nobody took: it belonged to the cell that just ended. */
  | 'discard-request'
  /** Tell the running cell the interrupt cannot reach its code. */
  | 'notify-unreachable';

const STOP_EVERYTHING: readonly MainAction[] = ['stop-studies', 'reject-input', 'reject-awaiting-cell'];

export function mainTransition(state: MainState, event: MainEvent): Transition<MainState, MainAction> {
  switch (event.kind) {
    case 'cell-started':
      return { state: 'running', actions: ['wait-for-raised-signals'] };
    case 'request-taken': {
      const actions = event.by === 'message' || event.by === 'signal' ? STOP_EVERYTHING : (['stop-studies'] as const);
      return { state: state === 'idle' ? 'idle' : 'interrupted', actions };
    }
    case 'cell-finished':
      return stay('idle');
    case 'cell-reported':
      if (event.interrupted === 'signal') return { state, actions: ['acknowledge-signal', 'stop-studies', 'discard-request'] };
      if (event.interrupted === 'request') return { state, actions: ['discard-request'] };
      return stay(state);
    case 'unreachable':
      return { state, actions: state === 'idle' ? [] : ['notify-unreachable'] };
  }
}
