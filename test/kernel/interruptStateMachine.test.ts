// The interrupt state machines of kernel/interrupt/stateMachine.ts: a request's escalation on the
// socket thread, and what the main thread does, by state, when it learns of an interrupt.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  escalate,
  mainTransition,
  type EscalationEvent,
  type EscalationState,
  type MainEvent,
  type MainState,
} from '../../kernel/interrupt/stateMachine';

function escalateAll(events: EscalationEvent[]): { state: EscalationState; actions: string[] } {
  let state: EscalationState = 'requested';
  const actions: string[] = [];
  for (const e of events) {
    const t = escalate(state, e);
    state = t.state;
    actions.push(...t.actions);
  }
  return { state, actions };
}

function runMain(events: MainEvent[], from: MainState = 'idle'): { state: MainState; actions: string[] } {
  let state = from;
  const actions: string[] = [];
  for (const e of events) {
    const t = mainTransition(state, e);
    state = t.state;
    actions.push(...t.actions);
  }
  return { state, actions };
}

describe('interrupt state machines', () => {
  it('a request the main thread takes in time is never escalated', () => {
    assert.deepEqual(escalateAll([{ kind: 'signal-deadline', taken: true, inWatchdogRun: true }]), { state: 'handled', actions: [] });
  });

  it('a request nobody takes gets SIGINT, checked again until taken, then, still untaken after the grace period, the unreachable notice', () => {
    assert.deepEqual(escalateAll([{ kind: 'signal-deadline', taken: false, inWatchdogRun: true }]), {
      state: 'signalled',
      actions: ['raise-sigint', 'start-grace', 'check-again'],
    });
    assert.deepEqual(
      escalateAll([
        { kind: 'signal-deadline', taken: false, inWatchdogRun: true },
        { kind: 'grace-deadline', taken: true },
      ]),
      {
        state: 'handled',
        actions: ['raise-sigint', 'start-grace', 'check-again'],
      },
    );
    assert.deepEqual(
      escalateAll([
        { kind: 'signal-deadline', taken: false, inWatchdogRun: true },
        { kind: 'grace-deadline', taken: false },
      ]),
      {
        state: 'unreachable',
        actions: ['raise-sigint', 'start-grace', 'check-again', 'warn-unreachable'],
      },
    );
    assert.deepEqual(
      escalateAll([
        { kind: 'signal-deadline', taken: false, inWatchdogRun: true },
        { kind: 'signal-deadline', taken: true, inWatchdogRun: false },
      ]),
      { state: 'handled', actions: ['raise-sigint', 'start-grace', 'check-again'] },
    );
  });

  it('SIGINT is raised only into a run of cell code under the watchdog, once per run: never while the cell is still being compiled', () => {
    // Compiling (no watchdog run) through the first deadline and past the grace period: checks go on,
    // no signal; the cell then runs under the watchdog and gets one.
    assert.deepEqual(
      escalateAll([
        { kind: 'signal-deadline', taken: false, inWatchdogRun: false },
        { kind: 'signal-deadline', taken: false, inWatchdogRun: false },
        { kind: 'grace-deadline', taken: false },
        { kind: 'signal-deadline', taken: false, inWatchdogRun: true },
        { kind: 'signal-deadline', taken: false, inWatchdogRun: false },
        { kind: 'signal-deadline', taken: true, inWatchdogRun: false },
      ]),
      {
        state: 'handled',
        actions: ['start-grace', 'check-again', 'check-again', 'warn-unreachable', 'raise-sigint', 'check-again', 'check-again'],
      },
    );
    // Within the grace period, the same: a signal per new watchdog run, none while there is none.
    assert.deepEqual(
      escalateAll([
        { kind: 'signal-deadline', taken: false, inWatchdogRun: false },
        { kind: 'signal-deadline', taken: false, inWatchdogRun: true },
      ]),
      { state: 'signalled', actions: ['start-grace', 'check-again', 'raise-sigint', 'check-again'] },
    );
  });

  it('closing cancels a pending escalation, and a finished one ignores every later event', () => {
    assert.deepEqual(escalateAll([{ kind: 'closing' }, { kind: 'signal-deadline', taken: false, inWatchdogRun: true }]), {
      state: 'cancelled',
      actions: [],
    });
    assert.deepEqual(
      escalateAll([
        { kind: 'signal-deadline', taken: false, inWatchdogRun: true },
        { kind: 'closing' },
        { kind: 'grace-deadline', taken: false },
      ]),
      {
        state: 'cancelled',
        actions: ['raise-sigint', 'start-grace', 'check-again'],
      },
    );
    assert.deepEqual(
      escalateAll([
        { kind: 'signal-deadline', taken: false, inWatchdogRun: false },
        { kind: 'grace-deadline', taken: false },
        { kind: 'closing' },
        { kind: 'signal-deadline', taken: false, inWatchdogRun: true },
      ]),
      { state: 'cancelled', actions: ['start-grace', 'check-again', 'warn-unreachable'] },
    );
    assert.deepEqual(
      escalateAll([
        { kind: 'signal-deadline', taken: true, inWatchdogRun: true },
        { kind: 'signal-deadline', taken: false, inWatchdogRun: true },
      ]),
      { state: 'handled', actions: [] },
    );
  });

  it('a cell runs between idle states, waiting first for signals raised for the previous one', () => {
    assert.deepEqual(runMain([{ kind: 'cell-started' }]), { state: 'running', actions: ['wait-for-raised-signals'] });
    assert.deepEqual(runMain([{ kind: 'cell-started' }, { kind: 'cell-finished' }, { kind: 'cell-reported', interrupted: false }]), {
      state: 'idle',
      actions: ['wait-for-raised-signals'],
    });
  });

  it('a request taken by message or signal stops everything a cell waits on; a loop check or the optimize poll only the studies', () => {
    for (const by of ['message', 'signal'] as const) {
      assert.deepEqual(runMain([{ kind: 'request-taken', by }], 'running'), {
        state: 'interrupted',
        actions: ['stop-studies', 'reject-input', 'reject-awaiting-cell'],
      });
    }
    for (const by of ['loop-check', 'optimize-poll'] as const) {
      assert.deepEqual(runMain([{ kind: 'request-taken', by }], 'running'), { state: 'interrupted', actions: ['stop-studies'] });
    }
    // While idle the same work is stopped (a study a timer runs), and the kernel stays idle.
    assert.deepEqual(runMain([{ kind: 'request-taken', by: 'message' }]), {
      state: 'idle',
      actions: ['stop-studies', 'reject-input', 'reject-awaiting-cell'],
    });
  });

  it('a cell ended by SIGINT acknowledges the signal and stops the studies; any interrupted cell discards the untaken request', () => {
    assert.deepEqual(runMain([{ kind: 'cell-finished' }, { kind: 'cell-reported', interrupted: 'signal' }], 'running'), {
      state: 'idle',
      actions: ['acknowledge-signal', 'stop-studies', 'discard-request'],
    });
    assert.deepEqual(runMain([{ kind: 'cell-finished' }, { kind: 'cell-reported', interrupted: 'request' }], 'interrupted'), {
      state: 'idle',
      actions: ['discard-request'],
    });
  });

  it('the unreachable notice goes to a running cell only', () => {
    assert.deepEqual(runMain([{ kind: 'unreachable' }], 'interrupted').actions, ['notify-unreachable']);
    assert.deepEqual(runMain([{ kind: 'unreachable' }], 'running').actions, ['notify-unreachable']);
    assert.deepEqual(runMain([{ kind: 'unreachable' }], 'idle').actions, []);
  });
});
