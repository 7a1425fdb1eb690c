/**
 * The record of a study's unfinished trials (`UnfinishedTrials`), which the trial cache (enqueued
 * trials), constant liar (running trials), the search spaces and the best trial read instead of
 * walking the history: against a walk over every trial, whatever order trials finish in.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createStudy, createTrial, TrialState, type FrozenTrial } from '../../src';
import { Rng } from '../../src/rng';
import { bestTrialOf } from '../../src/study/best';
import { UnfinishedTrials } from '../../src/study/unfinishedTrials';

const FINISHED = [TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL];

function trialAt(number: number, state: TrialState): FrozenTrial {
  return { ...createTrial({ state, ...(state === TrialState.COMPLETE ? { value: number } : {}) }), number };
}

describe('UnfinishedTrials', () => {
  it('reports each trial once, when first seen finished, and lists the unfinished by number', () => {
    const rng = new Rng(3);
    for (let run = 0; run < 30; run++) {
      const record = new UnfinishedTrials();
      const trials: FrozenTrial[] = [];
      const reported = new Set<number>();
      for (let step = 0; step < 80; step++) {
        const unfinished = trials.filter((t) => t.state === TrialState.RUNNING || t.state === TrialState.WAITING);
        const r = rng.random();
        if (unfinished.length === 0 || r < 0.4) {
          trials.push(trialAt(trials.length, r < 0.1 ? TrialState.WAITING : TrialState.RUNNING));
        } else if (r < 0.5) {
          trials.push(trialAt(trials.length, FINISHED[Math.floor(rng.random() * 3)])); // added finished
        } else {
          const t = unfinished[Math.floor(rng.random() * unfinished.length)];
          const next = t.state === TrialState.WAITING && r < 0.7 ? TrialState.RUNNING : FINISHED[Math.floor(rng.random() * 3)];
          trials[t.number] = trialAt(t.number, next);
        }
        if (rng.random() < 0.3) continue; // not every change is read
        const now: number[] = [];
        record.update(trials, (t) => now.push(t.number));
        assert.deepEqual(
          now,
          [...now].sort((a, b) => a - b),
          'reported by ascending number',
        );
        for (const n of now) {
          assert.ok(!reported.has(n), `trial ${n} reported twice`);
          reported.add(n);
        }
        const finished = trials.filter((t) => FINISHED.includes(t.state)).map((t) => t.number);
        assert.deepEqual(
          [...reported].sort((a, b) => a - b),
          finished,
          `run ${run}, step ${step}: every finished trial reported`,
        );
        assert.deepEqual(
          [...record.of(trials)].map((t) => t.number),
          trials.filter((t) => !FINISHED.includes(t.state)).map((t) => t.number),
        );
      }
    }
  });

  it('lets a study run its enqueued trials, and finds its best, past a trial left running', async () => {
    const study = await createStudy();
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 3 });
    const left = await study.ask(); // never told
    left.suggestFloat('x', 0, 1);
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 20 });
    await study.enqueueTrial({ x: 0.25 });
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 1 });
    const last = study.trials[study.trials.length - 1];
    assert.equal(last.params.x, 0.25, 'the enqueued trial ran');
    assert.equal(study.trials[3].state, TrialState.RUNNING);
    assert.equal(study.bestTrial, bestTrialOf(study.trials, 'minimize'));
  });
});
