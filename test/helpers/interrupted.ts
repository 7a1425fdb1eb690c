/** What the tests of interrupted runs (optimize, CV, PBT with a signal) share. */
import assert from 'node:assert/strict';
import { OptimizeInterruptedError, TrialState, type Study } from '../../src';

/** optimize options that keep the tests' output quiet. */
export const quiet = { showProgressBar: false } as const;

/** The study's trial states in trial order, e.g. "COMPLETE,COMPLETE,RUNNING". */
export function states(study: Study): string {
  return study.trials.map((t) => TrialState[t.state]).join(',');
}

/** The error `run` rejected with, checked to be an OptimizeInterruptedError (the test fails if it resolved). */
export async function rejection(run: Promise<unknown>): Promise<OptimizeInterruptedError> {
  const err = await run.then(
    () => assert.fail('the run returned normally instead of throwing OptimizeInterruptedError'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof OptimizeInterruptedError, `typed error: ${String(err)}`);
  return err;
}
