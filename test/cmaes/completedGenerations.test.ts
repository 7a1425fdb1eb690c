// CmaEsSampler finds a generation's finished trials through a record kept across trials
// (CompletedGenerations); at every step it must give what a filter of every trial gives, with
// trials finishing out of order, failing or pruned, and generations and restarts interleaved.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng, TrialState, type FrozenTrial } from '../../src';
import { CMA_GENERATION_KEY, CMA_RESTART_KEY, CompletedGenerations } from '../../src/samplers/cmaes/sampler';
import type { StudyView } from '../../src/study/view';
import { advanceHistory, bareTrial } from '../helpers/trialHistory';

describe('CompletedGenerations', () => {
  it('equals a filter of every trial at every step', () => {
    const rng = new Rng(12);
    const record = new CompletedGenerations();
    const studyKey = {};
    let trials: FrozenTrial[] = [];
    const running: number[] = [];
    // The generation (and, now and then, the restart) advances every few trials, as CMA-ES's do.
    let restart = 0;
    let generation = 0;
    const attrs = new Map<number, Record<string, unknown>>();
    for (let step = 0; step < 600; step++) {
      if (rng.random() < 0.15) generation++;
      if (rng.random() < 0.01) [restart, generation] = [restart + 1, 0];
      trials = advanceHistory(rng, trials, running, {
        outOfOrder: 0.3,
        start: (n, state) => {
          // A trial another sampler asked records no generation.
          attrs.set(n, rng.random() < 0.05 ? {} : { [CMA_RESTART_KEY]: restart, [CMA_GENERATION_KEY]: generation });
          return bareTrial(n, state, null, [], attrs.get(n));
        },
        finish: (n) => {
          const r = rng.random();
          const state = r < 0.8 ? TrialState.COMPLETE : r < 0.9 ? TrialState.PRUNED : TrialState.FAIL;
          return bareTrial(n, state, state === TrialState.COMPLETE ? [rng.random()] : null, [], attrs.get(n));
        },
      });
      const view = { studyKey, trials } as unknown as StudyView;
      const got = record.of(view);
      const complete = trials.filter((t) => t.state === TrialState.COMPLETE);
      assert.equal(got.count, complete.length, `step ${step}`);
      for (let g = Math.max(0, generation - 3); g <= generation; g++) {
        const want = complete.filter((t) => t.systemAttrs[CMA_RESTART_KEY] === restart && t.systemAttrs[CMA_GENERATION_KEY] === g);
        assert.deepEqual(
          got.members(restart, g).map((t) => t.number),
          want.map((t) => t.number),
          `step ${step}, generation ${g}`,
        );
      }
    }
  });

  it('starts over for another study', () => {
    const record = new CompletedGenerations();
    const done = (n: number) => bareTrial(n, TrialState.COMPLETE, [n], [], { [CMA_RESTART_KEY]: 0, [CMA_GENERATION_KEY]: 0 });
    const a = { studyKey: {}, trials: [done(0), done(1), done(2)] } as unknown as StudyView;
    const b = { studyKey: {}, trials: [done(0)] } as unknown as StudyView;
    assert.equal(record.of(a).count, 3);
    assert.deepEqual(
      record
        .of(b)
        .members(0, 0)
        .map((t) => t.number),
      [0],
    );
    assert.equal(record.of(b).count, 1);
  });
});
