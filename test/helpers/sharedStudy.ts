/**
 * What the interop tests of the database and journal storages share: the encodings of the neutral
 * JSON in which both libraries dump a study, and the TypeScript half of "a Python and a TypeScript
 * worker on one study".
 */
import type { Study } from '../../src';

/** A float as the neutral JSON holds it: non-finite values as the strings Python's json prints. */
export const enc = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v);
const pad = (n: number, w = 2) => String(n).padStart(w, '0');
/** Local wall-clock time, as Python's naive datetime.isoformat(timespec='milliseconds') prints it. */
export const iso = (d: Date | null) =>
  d
    ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:` +
      `${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
    : null;

/**
 * Waits until the Python worker has created a trial, so the two really interleave, then runs
 * tunelab's worker with the same objective Python runs.
 */
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
