// The interrupt counters of kernel/interrupt/counter.ts, both threads' sides in one: the socket
// thread raises SIGINT only into a run of cell code under Node's SIGINT watchdog that is still under
// way, for a request still not acted on, and every attempt is over before the next cell may start.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InterruptCounter, insideWatchdogRun } from '../../kernel/interrupt/counter';

/** Counts the SIGINTs this process receives while `body` runs (a listener keeps them from ending it). */
async function sigintsDuring(body: () => void): Promise<number> {
  let received = 0;
  const listener = () => received++;
  process.on('SIGINT', listener);
  try {
    body();
    // The handler runs from the event loop; a signal raised by kill() is pending by now.
    await new Promise((r) => setTimeout(r, 100));
    return received;
  } finally {
    process.off('SIGINT', listener);
  }
}

describe('interrupt counters', () => {
  it('marks the watchdog runs of the main thread: odd inside one, a new value for each', () => {
    const main = new InterruptCounter();
    const socket = new InterruptCounter(main.shared);
    assert.equal(insideWatchdogRun(socket.watchdogRun()), false);
    main.leaveWatchdogRun();
    assert.equal(insideWatchdogRun(socket.watchdogRun()), false, 'leaving without entering changes nothing');
    main.enterWatchdogRun();
    const first = socket.watchdogRun();
    assert.equal(insideWatchdogRun(first), true);
    main.leaveWatchdogRun();
    assert.equal(insideWatchdogRun(socket.watchdogRun()), false);
    main.enterWatchdogRun();
    assert.equal(insideWatchdogRun(socket.watchdogRun()), true);
    assert.notEqual(socket.watchdogRun(), first);
  });

  it('raises SIGINT for an untaken request into the run under way, and only then', async () => {
    const main = new InterruptCounter();
    const socket = new InterruptCounter(main.shared);
    const n = socket.request();
    main.enterWatchdogRun();
    const run = socket.watchdogRun();
    let raised = false;
    assert.equal(await sigintsDuring(() => (raised = socket.signal(n, run))), 1);
    assert.equal(raised, true);
    // That run is over: no signal into what follows it.
    main.leaveWatchdogRun();
    assert.equal(await sigintsDuring(() => (raised = socket.signal(n, run))), 0);
    assert.equal(raised, false);
    main.enterWatchdogRun();
    assert.equal(await sigintsDuring(() => (raised = socket.signal(n, run))), 0, 'a later run is not the one the signal was meant for');
    // Taken: no signal even into the run under way.
    assert.equal(main.onSignal(), true, 'the handler takes the request the socket thread signalled');
    assert.equal(await sigintsDuring(() => (raised = socket.signal(n, socket.watchdogRun()))), 0);
    assert.equal(raised, false);
    // Every attempt is over: a cell starting now does not wait.
    const started = Date.now();
    main.waitForRaisedSignals(5000);
    assert.ok(Date.now() - started < 1000, 'waitForRaisedSignals returned at once');
  });

  it('a SIGINT from outside is a new request; the one the socket thread raised is not', async () => {
    const main = new InterruptCounter();
    const socket = new InterruptCounter(main.shared);
    const n = socket.request();
    main.enterWatchdogRun();
    assert.equal(await sigintsDuring(() => socket.signal(n, socket.watchdogRun())), 1);
    // The kernel's handler sees that signal (it landed after the run, say): it takes request n, no new one.
    assert.equal(main.onSignal(), true);
    assert.equal(socket.isActedOn(n), true);
    assert.equal(main.requests, 1);
    // A signal nobody in the kernel raised: counted, and taken.
    assert.equal(main.onSignal(), true);
    assert.equal(main.requests, 2);
    assert.equal(main.takeRequest(), false, 'taken once');
  });
});
