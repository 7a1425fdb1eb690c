/**
 * The one-run checks notebooks.test.ts applies to committed notebooks: they pass on the outputs of
 * one run and catch outputs stitched together from two.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkExecutedInOneGo, checkOneRunId, declaresRunId, STATE_MIME, type Cell, type Notebook } from './oneRun';

const stream = (lines: string[]) => ({ output_type: 'stream', name: 'stdout', text: lines.map((l) => l + '\n') });
const code = (source: string, lines: string[], extra: Partial<Cell> = {}): Cell => ({ cell_type: 'code', source, metadata: {}, outputs: [stream(lines)], ...extra });
const marker = (name: string, fields: Record<string, unknown>) => `${name} ${JSON.stringify(fields)}`;

/** A saved FULL run: parameters, injected parameters (as the note build.mjs writes), three code cells. */
function savedRun(ids: [string, string, string]): Notebook {
  const at = (s: number) => new Date(Date.UTC(2026, 11, 2, 11, 0, s)).toISOString();
  const timed = (k: number) => ({ execution: { 'iopub.status.busy': at(2 * k), 'iopub.status.idle': at(2 * k + 1) } });
  return {
    cells: [
      { cell_type: 'code', source: 'let FULL = false;', metadata: { tags: ['parameters'], ...timed(0) }, outputs: [], execution_count: 1 },
      { cell_type: 'markdown', source: 'injected FULL = true', metadata: { tags: ['injected-parameters'] } },
      code("const RUN_ID = 'x';\nmark('RUN', { id: RUN_ID });", [marker('RUN', { run: ids[0], id: ids[0] }), marker('DATA', { run: ids[0], n: 3 })], { execution_count: 3, metadata: timed(1) }),
      code('study();', [marker('SENSITIVITY', { run: ids[1], trials: 3 })], {
        execution_count: 4,
        metadata: timed(2),
        outputs: [stream([marker('SENSITIVITY', { run: ids[1], trials: 3 })]), { output_type: 'display_data', data: { 'application/vnd.jupyter.widget-view+json': { model_id: 'm1' } } }],
      }),
      code("mark('DONE', {});", [marker('DONE', { run: ids[2], full: true })], { execution_count: 5, metadata: timed(3) }),
    ],
    metadata: { widgets: { [STATE_MIME]: { state: { m1: {} } } } },
  };
}

describe('one-run checks of saved notebooks', () => {
  it('accept the outputs of one run', () => {
    const nb = savedRun(['r1', 'r1', 'r1']);
    assert.equal(declaresRunId(nb), true);
    checkOneRunId('nb', nb, 'test');
    checkExecutedInOneGo('nb', nb);
  });

  it('catch a cell whose output comes from another run, or carries no run id', () => {
    assert.throws(() => checkOneRunId('nb', savedRun(['r1', 'r2', 'r1']), 'test'), /SENSITIVITY line is from run r2, the first cell's from r1/);
    const silent = savedRun(['r1', 'r1', 'r1']);
    silent.cells[4].outputs = [];
    assert.throws(() => checkOneRunId('nb', silent, 'test'), /code cell 3 printed no marker line/);
    const noRun = savedRun(['r1', 'r1', 'r1']);
    noRun.cells[2].outputs = [stream([marker('DATA', { run: 'r1' })])];
    assert.throws(() => checkOneRunId('nb', noRun, 'test'), /the first cell prints one RUN line/);
  });

  it('catch cells not executed in one go, or widgets missing from the saved state', () => {
    const recounted = savedRun(['r1', 'r1', 'r1']);
    recounted.cells[3].execution_count = 9;
    assert.throws(() => checkExecutedInOneGo('nb', recounted), /execution counts of one uninterrupted run/);
    const overlapping = savedRun(['r1', 'r1', 'r1']);
    overlapping.cells[4].metadata.execution = { 'iopub.status.busy': '2026-12-02T10:00:00.000Z', 'iopub.status.idle': '2026-12-02T10:00:01.000Z' };
    assert.throws(() => checkExecutedInOneGo('nb', overlapping), /code cell 4 started/);
    const lostWidget = savedRun(['r1', 'r1', 'r1']);
    lostWidget.metadata = {};
    assert.throws(() => checkExecutedInOneGo('nb', lostWidget), /widget m1 shown in an output is not in the saved widget state/);
  });

  it('apply the run-id check only to notebooks whose first cell draws one', () => {
    const legacy = savedRun(['r1', 'r1', 'r1']);
    legacy.cells[2].source = 'const started = Date.now();';
    assert.equal(declaresRunId(legacy), false);
  });
});
