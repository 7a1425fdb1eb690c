// optimize({ signal }): an AbortSignal interrupts optimize as a kernel interrupt or Ctrl-C does. No
// new trial starts, the running ones finish (and stay COMPLETE), and optimize throws
// OptimizeInterruptedError naming the signal's reason. In one thread and with nJobs; also the host's
// interrupt source (the kernel's), consulted whatever the progress display. With worker threads:
// abortSignalThreads.test.ts (integration tier).
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { createStudy, InvalidArgumentError, RandomSampler, TrialState } from '../../src';
// The host hook (the kernel's) is not public API: hosts import it from its module, as the kernel does.
import { getOptimizeInterruptSource, setOptimizeInterruptSource } from '../../src/optimizeSignal';
import { quiet, rejection, states } from '../helpers/interrupted';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('optimize({ signal })', () => {
  it('aborting mid-study ends optimize after the running trial; the reason is the cause and in the message', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
    const controller = new AbortController();
    const reason = new Error('enough for today');
    const err = await rejection(
      study.optimize((t) => t.suggestFloat('x', 0, 1), {
        nTrials: 100,
        signal: controller.signal,
        callbacks: [(_, t) => (t.number === 2 ? controller.abort(reason) : undefined)],
        ...quiet,
      }),
    );
    assert.equal(err.trialsFinished, 3);
    assert.equal(err.cause, reason);
    assert.match(
      err.message,
      /interrupted after 3 trial\(s\) of this call finished; they are kept in the study\..* Abort reason: Error: enough for today$/,
    );
    assert.equal(states(study), 'COMPLETE,COMPLETE,COMPLETE', 'nothing recorded is lost');
    // The same signal, still aborted, stops the next call at once; a fresh one lets it run.
    await rejection(study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 2, signal: controller.signal, ...quiet }));
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 2, signal: new AbortController().signal, ...quiet });
    assert.equal(study.trials.length, 5);
  });

  it('an abort while an async trial runs lets that trial finish COMPLETE, and starts no other', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    const controller = new AbortController();
    const err = await rejection(
      study.optimize(
        async (t) => {
          const x = t.suggestFloat('x', 0, 1);
          // Trial 3 is running (suspended here) when the signal aborts.
          if (t.number === 3) setImmediate(() => controller.abort('stop requested by the test'));
          await sleep(20);
          return x;
        },
        { nTrials: 100, signal: controller.signal, ...quiet },
      ),
    );
    assert.equal(err.trialsFinished, 4);
    assert.equal(err.cause, 'stop requested by the test');
    assert.match(err.message, /Abort reason: stop requested by the test$/);
    assert.equal(states(study), 'COMPLETE,COMPLETE,COMPLETE,COMPLETE');
  });

  it('AbortSignal.timeout: TimeoutError is the cause; every trial recorded is COMPLETE', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 2 }) });
    const err = await rejection(
      study.optimize(
        async (t) => {
          await sleep(10);
          return t.suggestFloat('x', 0, 1);
        },
        { nTrials: 100_000, signal: AbortSignal.timeout(200), ...quiet },
      ),
    );
    assert.equal((err.cause as Error).name, 'TimeoutError');
    assert.match(err.message, /Abort reason: TimeoutError: /);
    assert.equal(err.trialsFinished, study.trials.length);
    assert.ok(study.trials.length < 100_000, 'stopped early');
    assert.ok(
      study.trials.every((t) => t.state === TrialState.COMPLETE),
      states(study),
    );
  });

  it('an already-aborted signal runs no trial', async () => {
    const study = await createStudy();
    let calls = 0;
    const signal = AbortSignal.abort(new Error('cancelled before the start'));
    const err = await rejection(study.optimize(() => ++calls, { nTrials: 10, signal, ...quiet }));
    assert.equal(err.trialsFinished, 0);
    assert.equal(err.cause, signal.reason);
    assert.equal(calls, 0, 'the objective never ran');
    assert.equal(study.trials.length, 0, 'no trial was created');
  });

  it('nJobs 2: the trials running when the signal aborts both finish; every trial is COMPLETE and counted', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 3 }) });
    const controller = new AbortController();
    let running = 0;
    let maxRunning = 0;
    let started = 0;
    let startedAtAbort = -1;
    const err = await rejection(
      study.optimize(
        async (t) => {
          started++;
          running++;
          maxRunning = Math.max(maxRunning, running);
          await sleep(5 + (t.number % 3) * 5);
          running--;
          return t.suggestFloat('x', 0, 1);
        },
        {
          nTrials: 1000,
          nJobs: 2,
          signal: controller.signal,
          callbacks: [
            (_, t) => {
              if (t.number !== 5) return;
              startedAtAbort = started;
              controller.abort(new Error('half time'));
            },
          ],
          ...quiet,
        },
      ),
    );
    assert.equal(maxRunning, 2, 'two trials ran at a time');
    assert.equal(study.getTrials({ states: [TrialState.RUNNING] }).length, 0, 'no trial left RUNNING');
    assert.ok(
      study.trials.every((t) => t.state === TrialState.COMPLETE),
      states(study),
    );
    assert.equal(err.trialsFinished, study.trials.length, 'every trial of the call is recorded');
    // The trials that had started when trial 5's callback aborted all finished. After the abort no job
    // starts another, except one that had already passed its start check and was creating its trial.
    assert.ok(startedAtAbort >= 6, `trial 5 and the ones before it had started (${startedAtAbort})`);
    assert.ok(study.trials.length - startedAtAbort <= 1, `${study.trials.length - startedAtAbort} trials started after the abort`);
    assert.match(err.message, /Abort reason: Error: half time$/);
  });

  it('a value that is not an AbortSignal is refused with a message saying what to pass', async () => {
    const study = await createStudy();
    for (const bad of [null, 'stop', { aborted: false }]) {
      await assert.rejects(
        study.optimize(() => 1, { nTrials: 1, signal: bad as unknown as AbortSignal, ...quiet }),
        (e: Error) =>
          e instanceof InvalidArgumentError &&
          /signal must be an AbortSignal \(new AbortController\(\)\.signal, AbortSignal\.timeout\(ms\)\)/.test(e.message),
      );
    }
    assert.equal(study.trials.length, 0);
  });

  it('optimize stops listening to the signal when it returns (a long-lived signal keeps no study)', async () => {
    const study = await createStudy();
    const target = new EventTarget();
    let listening = 0;
    const signal = {
      aborted: false,
      reason: undefined,
      addEventListener: (type: string, l: EventListener, o?: AddEventListenerOptions) => {
        listening++;
        target.addEventListener(type, l, o);
      },
      removeEventListener: (type: string, l: EventListener) => {
        listening--;
        target.removeEventListener(type, l);
      },
    } as unknown as AbortSignal;
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 3, signal, ...quiet });
    assert.equal(listening, 0, 'the abort listener was removed');
    await assert.rejects(
      study.optimize(() => Promise.reject(new RangeError('boom')), { nTrials: 3, signal, ...quiet }),
      RangeError,
    );
    assert.equal(listening, 0, 'removed after a failed optimize too');
  });
});

describe("the host's interrupt source (what the tunelab kernel installs)", () => {
  afterEach(() => setOptimizeInterruptSource(undefined));

  /** A host that learns of an interrupt by polling, as the kernel does from shared memory. */
  function pollingHost(interruptAtPoll: number) {
    let controller = new AbortController();
    const host = {
      polls: 0,
      signal: () => controller.signal,
      poll() {
        if (++host.polls !== interruptAtPoll) return;
        const interrupted = controller;
        controller = new AbortController();
        interrupted.abort(new Error('host interrupt'));
      },
    };
    return host;
  }

  for (const showProgressBar of [false, true]) {
    it(`is polled after every trial and interrupts optimize (showProgressBar: ${showProgressBar})`, async () => {
      const host = pollingHost(3);
      setOptimizeInterruptSource(host);
      assert.equal(getOptimizeInterruptSource(), host);
      const study = await createStudy();
      const err = await rejection(study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 100, showProgressBar }));
      assert.equal(err.trialsFinished, 3);
      assert.equal(host.polls, 3);
      assert.match(err.message, /Abort reason: Error: host interrupt$/);
      assert.equal(states(study), 'COMPLETE,COMPLETE,COMPLETE');
      // The host handed out a fresh signal: the next call runs.
      await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 2, showProgressBar });
      assert.equal(study.trials.length, 5);
    });
  }

  it("with a host, optimize leaves SIGINT to it (no Ctrl-C handler of its own); the user's signal still counts", async () => {
    setOptimizeInterruptSource(pollingHost(Infinity));
    const study = await createStudy();
    const before = process.listenerCount('SIGINT');
    const seen: number[] = [];
    const controller = new AbortController();
    await rejection(
      study.optimize(
        (t) => {
          seen.push(process.listenerCount('SIGINT'));
          if (t.number === 1) controller.abort(new Error('user stop'));
          return t.suggestFloat('x', 0, 1);
        },
        { nTrials: 10, signal: controller.signal, ...quiet },
      ),
    );
    assert.deepEqual(seen, [before, before]);
    // Without a host, the Ctrl-C handler is there while optimize runs (plain Node).
    setOptimizeInterruptSource(undefined);
    const seenWithout: number[] = [];
    await study.optimize(() => (seenWithout.push(process.listenerCount('SIGINT')), 1), { nTrials: 1, ...quiet });
    assert.deepEqual(seenWithout, [before + 1]);
  });
});
