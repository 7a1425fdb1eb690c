import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createStudy, objectiveFromModule, Rng } from '../../src';
import { deriveSeed, TRIAL_SEED_KEY } from '../../src/entries/reproducibility';
import { threadSeeds } from './fixtures/objectives';

describe('seeds in worker threads', () => {
  it('a trial run in a worker thread (workers: 2) follows its seed, and reproduces on the main thread', async () => {
    const study = await createStudy({ seed: 31 });
    await study.optimize(objectiveFromModule(join(__dirname, 'fixtures', 'objectives.ts'), 'threadSeeds'), {
      workers: 2,
      nTrials: 4,
      showProgressBar: false,
    });
    assert.equal(study.trials.length, 4);
    for (const t of study.trials) {
      const seed = t.systemAttrs[TRIAL_SEED_KEY] as number;
      assert.equal(seed, deriveSeed(31, t.number));
      const expected = (t.params.x as number) + new Rng(deriveSeed(seed, 0)).random() + new Rng(deriveSeed(seed, 1)).random();
      assert.equal(t.values![0], expected, `trial ${t.number}`);
      const report = await study.reproduce(t.number, threadSeeds);
      assert.equal(report.identical, true, report.toString());
    }
  });
});
