/**
 * The TypeScript half of "a Python and a TypeScript worker on one study" (the interop tests of the
 * database and journal storages): waits until the Python worker has created a trial, so the two
 * really interleave, then runs tunelab's worker with the same objective Python runs.
 */
import type { Study } from '../../src';

export async function runTypeScriptWorkerBesidePython(study: Study, nTrials: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    await study.refresh();
    if (study.trials.length > 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await study.optimize(
    async (t) => {
      const x = t.suggestFloat('x', -3, 3);
      t.setUserAttr('who', 'typescript');
      t.report(x, 0);
      await new Promise((r) => setTimeout(r, 20));
      return x * x;
    },
    { nTrials, showProgressBar: false },
  );
}
