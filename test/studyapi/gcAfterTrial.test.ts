/**
 * optimize's `gcAfterTrial`, Optuna's `gc_after_trial`: a full garbage collection after each trial
 * (counted by Node's performance observer of collections), none without it, and no `gc` global left
 * for code that runs after (a notebook cell's context).
 */
import assert from 'node:assert/strict';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { runInNewContext } from 'node:vm';
import { createStudy, InvalidArgumentError } from '../../src';

/** The full (mark-compact) collections while `work` runs. */
async function majorCollections(work: () => Promise<void>): Promise<number> {
  const seen: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => seen.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  try {
    await work();
    // Collection entries are delivered after the collection, on a later turn.
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    observer.disconnect();
  }
  return seen.filter((e) => (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)
    .length;
}

describe('optimize: gcAfterTrial', () => {
  it('collects garbage after each trial when asked, and not otherwise', async () => {
    const run = (gcAfterTrial?: boolean) => async () => {
      const study = await createStudy({});
      await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 6, showProgressBar: false, gcAfterTrial });
    };
    const withGc = await majorCollections(run(true));
    const without = await majorCollections(run());
    assert.ok(withGc >= 6, `a full collection after each of the 6 trials, saw ${withGc}`);
    assert.ok(without < withGc, `fewer without it: ${without} against ${withGc}`);
    // The collector was taken without leaving a `gc` global to later contexts.
    assert.equal(runInNewContext('typeof gc'), 'undefined');
  });

  it('refuses a value that is not true or false', async () => {
    const study = await createStudy({});
    await assert.rejects(
      study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 1, gcAfterTrial: 'yes' as never }),
      (e: unknown) => e instanceof InvalidArgumentError && /gcAfterTrial must be true or false, got yes/.test((e as Error).message),
    );
  });
});
