/**
 * Checks that a notebook's saved outputs come from one run (used by notebooks.test.ts, tested in
 * oneRun.test.ts): by the run id its first cell draws and prints on every marker line, and, for any
 * notebook saved by `tunelab run`, by execution counts, timestamps and widget state.
 */
import assert from 'node:assert/strict';

export interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
}
export interface Cell {
  cell_type: string;
  source: string | string[];
  metadata: { tags?: string[]; execution?: Record<string, string> };
  outputs?: Output[];
  execution_count?: number | null;
}
export interface Notebook {
  cells: Cell[];
  metadata: Record<string, unknown>;
}

export const STATE_MIME = 'application/vnd.jupyter.widget-state+json';
const text = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join('') : v ?? '');

/** `MARKER {json}` rows printed by one cell. */
export function cellMarkers(cell: Cell): Array<{ marker: string; row: Record<string, unknown> }> {
  return (cell.outputs ?? [])
    .filter((o) => o.output_type === 'stream')
    .flatMap((o) => text(o.text).split('\n'))
    .map((line) => /^([A-Z][A-Z0-9_]+) (\{.*\})\s*$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ marker: m[1], row: JSON.parse(m[2]) as Record<string, unknown> }));
}

const isInjected = (c: Cell) => (c.metadata.tags ?? []).includes('injected-parameters');
/** The code cells that ran, in order, without the parameters cell and any injected parameters. */
export const workCells = (nb: Notebook) =>
  nb.cells.filter((c) => c.cell_type === 'code' && !isInjected(c) && !(c.metadata.tags ?? []).includes('parameters') && text(c.source).trim() !== '');

/** Whether a notebook's source draws a run id in its first cell (`RUN {"id": ...}` and a `run` field on every marker). */
export const declaresRunId = (nb: Notebook) => /\bRUN_ID\b/.test(text(workCells(nb)[0]?.source));

/**
 * The outputs of the notebook come from one run: the first cell printed `RUN {"id": ...}`, and every
 * later code cell printed at least one marker line carrying that id, and no line carries another.
 */
export function checkOneRunId(name: string, nb: Notebook, how: string): void {
  const cells = workCells(nb);
  const runs = cellMarkers(cells[0]).filter((m) => m.marker === 'RUN');
  assert.equal(runs.length, 1, `${name} (${how}): the first cell prints one RUN line`);
  const id = runs[0].row.id;
  assert.ok(typeof id === 'string' && id.length > 0 && runs[0].row.run === id, `${name} (${how}): RUN line ${JSON.stringify(runs[0].row)}`);
  cells.forEach((cell, i) => {
    const rows = cellMarkers(cell);
    assert.ok(rows.length > 0, `${name} (${how}): code cell ${i + 1} printed no marker line with the run id`);
    for (const { marker, row } of rows) {
      assert.equal(row.run, id, `${name} (${how}): code cell ${i + 1}'s ${marker} line is from run ${String(row.run)}, the first cell's from ${id}`);
    }
  });
}

/**
 * What any saved run of `tunelab run` shows, run id or not: the code cells were executed in order,
 * one after the other (execution counts step by one, the injected-parameters cell taking the count
 * after the parameters cell; each cell started after the previous one finished), and every widget
 * shown in an output is in the saved widget state of the same run.
 */
export function checkExecutedInOneGo(name: string, nb: Notebook): void {
  const code = nb.cells.filter((c) => c.cell_type === 'code' && !isInjected(c));
  const injected = nb.cells.some(isInjected);
  const counts = code.map((c) => c.execution_count);
  const expected = code.map((c, i) => i + 1 + (injected && i > 0 ? 1 : 0));
  assert.deepEqual(counts, expected, `${name}: execution counts of one uninterrupted run`);
  for (let i = 1; i < code.length; i++) {
    const prev = code[i - 1].metadata.execution?.['iopub.status.idle'];
    const start = code[i].metadata.execution?.['iopub.status.busy'];
    assert.ok(prev && start, `${name}: code cell ${i + 1} has execution timestamps`);
    assert.ok(Date.parse(start) >= Date.parse(prev), `${name}: code cell ${i + 1} started (${start}) before the previous one ended (${prev})`);
  }
  const state = (nb.metadata.widgets as Record<string, { state: Record<string, unknown> }> | undefined)?.[STATE_MIME]?.state ?? {};
  for (const c of code) {
    for (const o of c.outputs ?? []) {
      const view = o.data?.['application/vnd.jupyter.widget-view+json'] as { model_id?: string } | undefined;
      if (view) assert.ok(view.model_id && view.model_id in state, `${name}: widget ${view.model_id} shown in an output is not in the saved widget state`);
    }
  }
}

