// optimize({ signal }) with the objective in worker threads (`workers`), and the kernel's interrupt
// source while the threads load: the integration half of abortSignal.test.ts (worker threads each
// load the objective module and tunelab anew, which is why these are not in the fast tier).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { createStudy, objectiveFromModule, RandomSampler, TrialState } from '../../src';
import { setOptimizeInterruptSource } from '../../src/optimizeSignal';
import { quiet, rejection, states } from '../helpers/interrupted';
import { LOAD_MS } from './fixtures/slowLoadingObjective';

describe('optimize({ signal }) with worker threads', () => {
  it('an already-aborted signal runs no trial in worker threads either', async () => {
    const study = await createStudy();
    const signal = AbortSignal.abort(new Error('cancelled before the start'));
    const module = join(__dirname, '..', 'storage', 'fixtures', 'objectives.ts');
    const err = await rejection(study.optimize(objectiveFromModule(module, 'quadratic'), { nTrials: 10, workers: 2, signal, ...quiet }));
    assert.equal(err.cause, signal.reason);
    assert.equal(study.trials.length, 0, 'no trial was created');
  });

  it('worker threads: the signal stops the study; the trials finished in threads are kept COMPLETE', async () => {
    const module = join(__dirname, '..', 'storage', 'fixtures', 'objectives.ts');
    const study = await createStudy({ sampler: new RandomSampler({ seed: 4 }) });
    const controller = new AbortController();
    const err = await rejection(
      study.optimize(objectiveFromModule(module, 'quadratic'), {
        nTrials: 1000,
        workers: 2,
        signal: controller.signal,
        callbacks: [
          (s) =>
            s.trials.filter((t) => t.state === TrialState.COMPLETE).length >= 4 ? controller.abort(new Error('threads done')) : undefined,
        ],
        ...quiet,
      }),
    );
    assert.equal(err.cause instanceof Error && err.cause.message, 'threads done');
    assert.equal(study.getTrials({ states: [TrialState.RUNNING] }).length, 0, 'no trial left RUNNING');
    assert.ok(
      study.trials.every((t) => t.state === TrialState.COMPLETE),
      states(study),
    );
    assert.equal(err.trialsFinished, study.trials.length);
    assert.ok(study.trials.length >= 4 && study.trials.length <= 6, `stopped at once: ${study.trials.length} trials`);
  });

  it('worker threads: an abort while the threads load the objective stops optimize without waiting for them', async () => {
    // The module sleeps LOAD_MS when a thread loads it; optimize used to wait for every thread first.
    const module = join(__dirname, 'fixtures', 'slowLoadingObjective.ts');
    const study = await createStudy();
    const started = performance.now();
    const err = await rejection(
      study.optimize(objectiveFromModule(module, 'objective'), { nTrials: 5, workers: 2, signal: AbortSignal.timeout(300), ...quiet }),
    );
    const elapsed = performance.now() - started;
    assert.equal((err.cause as Error).name, 'TimeoutError');
    assert.equal(err.trialsFinished, 0);
    assert.equal(study.trials.length, 0, 'no trial was created');
    // Well under LOAD_MS (10 s), also on a loaded machine: the loading threads were terminated, not awaited.
    assert.ok(elapsed < LOAD_MS / 2, `optimize returned after ${Math.round(elapsed)} ms`);
  });

  it('worker threads: an already-aborted signal starts no thread (nothing to wait for)', async () => {
    const module = join(__dirname, 'fixtures', 'slowLoadingObjective.ts');
    const study = await createStudy();
    const started = performance.now();
    const signal = AbortSignal.abort(new Error('not today'));
    const err = await rejection(study.optimize(objectiveFromModule(module, 'objective'), { nTrials: 5, workers: 4, signal, ...quiet }));
    assert.equal(err.cause, signal.reason);
    assert.ok(performance.now() - started < LOAD_MS / 2, 'no thread loading the module was waited for');
    assert.equal(study.trials.length, 0);
  });
});

describe("worker threads and the host's interrupt source (what the tunelab kernel installs)", () => {
  afterEach(() => setOptimizeInterruptSource(undefined));

  it('worker threads: a host interrupt while the threads load stops optimize, although the host then hands out a fresh signal', async () => {
    let controller = new AbortController();
    setOptimizeInterruptSource({ signal: () => controller.signal });
    // The kernel's way: abort the signal handed out, and hand out a new one for the calls that start afterwards.
    const interrupt = setTimeout(() => {
      const interrupted = controller;
      controller = new AbortController();
      interrupted.abort(new Error('kernel interrupt while loading'));
    }, 300);
    try {
      const study = await createStudy();
      const started = performance.now();
      const module = join(__dirname, 'fixtures', 'slowLoadingObjective.ts');
      const err = await rejection(study.optimize(objectiveFromModule(module, 'objective'), { nTrials: 5, workers: 2, ...quiet }));
      assert.match(err.message, /Abort reason: Error: kernel interrupt while loading$/);
      assert.equal(study.trials.length, 0, 'the fresh signal did not let trials start');
      assert.ok(performance.now() - started < LOAD_MS / 2, 'the loading threads were not waited for');
    } finally {
      clearTimeout(interrupt);
    }
  });
});
