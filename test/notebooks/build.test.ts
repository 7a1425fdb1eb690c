/**
 * notebooks/build.mjs keeps saved outputs only where they still come from one run: a code cell
 * keeps its outputs while every code cell up to it is unchanged and in place.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';

type Cell = { cell_type: string; source: string[]; outputs?: unknown[]; metadata: Record<string, unknown> };
type Notebook = { cells: Cell[]; metadata: Record<string, unknown> };
type Build = {
  parseSource: (t: string) => Array<{ kind: string; source: string; tags: string[] }>;
  buildNotebook: (cells: ReturnType<Build['parseSource']>, previous?: Notebook, notebookMetadata?: Record<string, unknown>) => Notebook;
  parseHeader: (t: string) => { header: Record<string, unknown>; body: string };
  headerMetadata: (header: Record<string, unknown>) => Record<string, unknown>;
};

const SOURCE = ['// %% [markdown]', '// # Title', '// %%', 'const a = 1;', '// %%', 'const b = a + 1;', '// %%', 'console.log(b);'].join('\n');

async function load(): Promise<Build> {
  return (await import(join(__dirname, '..', '..', 'notebooks', 'build.mjs'))) as Build;
}

/** A previous build whose code cells all carry an output and whose metadata has widget state. */
function ran(nb: Notebook): Notebook {
  return {
    ...nb,
    cells: nb.cells.map((c, i) => (c.cell_type === 'code' ? { ...c, outputs: [{ output_type: 'stream', name: 'stdout', text: `run-1 cell ${i}\n` }] } : c)),
    metadata: { ...nb.metadata, widgets: { 'application/vnd.jupyter.widget-state+json': { state: {} } } },
  };
}

const kept = (nb: Notebook) => nb.cells.filter((c) => c.cell_type === 'code').map((c) => (c.outputs ?? []).length > 0);

describe('notebooks/build.mjs keeps outputs of one run only', () => {
  it('editing prose keeps every output and the widget state', async () => {
    const { parseSource, buildNotebook } = await load();
    const previous = ran(buildNotebook(parseSource(SOURCE)));
    const rebuilt = buildNotebook(parseSource(SOURCE.replace('# Title', '# A better title')), previous);
    assert.deepEqual(kept(rebuilt), [true, true, true]);
    assert.ok(rebuilt.metadata.widgets);
  });

  it('changing a code cell clears its outputs and those of every later cell, and the widget state', async () => {
    const { parseSource, buildNotebook } = await load();
    const previous = ran(buildNotebook(parseSource(SOURCE)));
    const rebuilt = buildNotebook(parseSource(SOURCE.replace('a + 1', 'a + 2')), previous);
    assert.deepEqual(kept(rebuilt), [true, false, false]);
    assert.equal(rebuilt.metadata.widgets, undefined);
  });

  it('the note of the injected parameters stays only while the whole run is kept', async () => {
    const { parseSource, buildNotebook } = await load();
    const source = SOURCE.replace('// %%\nconst a = 1;', '// %% tags=["parameters"]\nlet FULL = false;\n// %%\nconst a = 1;');
    const built = ran(buildNotebook(parseSource(source)));
    // What `tunelab run --param FULL=true` leaves after the parameters cell.
    built.cells.splice(2, 0, { cell_type: 'code', source: ['let FULL = true;'], outputs: [], metadata: { tags: ['injected-parameters'] } });
    const notes = (nb: Notebook) => nb.cells.filter((c) => ((c.metadata.tags as string[] | undefined) ?? []).includes('injected-parameters'));
    const prose = buildNotebook(parseSource(source.replace('# Title', '# Another title')), built);
    assert.deepEqual(notes(prose).map((c) => c.cell_type), ['markdown']);
    const changed = buildNotebook(parseSource(source.replace('a + 1', 'a + 2')), built);
    assert.deepEqual(notes(changed), []);
  });

  it('inserting or removing a code cell clears the outputs from there on', async () => {
    const { parseSource, buildNotebook } = await load();
    const previous = ran(buildNotebook(parseSource(SOURCE)));
    const inserted = buildNotebook(parseSource(SOURCE.replace('// %%\nconst b', '// %%\nconst z = 0;\n// %%\nconst b')), previous);
    assert.deepEqual(kept(inserted), [true, false, false, false]);
    const removed = buildNotebook(parseSource(SOURCE.replace('// %%\nconst b = a + 1;\n', '')), previous);
    assert.deepEqual(kept(removed), [true, false]);
    assert.equal(removed.metadata.widgets, undefined);
  });

  it("reads jupytext's header into the notebook metadata and drops a synced copy of the injected-parameters note", async () => {
    const { parseSource, buildNotebook, parseHeader, headerMetadata } = await load();
    const header = [
      '// -*- coding: utf-8 -*-',
      '// ---',
      '// jupyter:',
      '//   jupytext:',
      '//     formats: ipynb,src//ts:percent',
      '//     text_representation:',
      '//       extension: .ts',
      "//       format_version: '1.3'",
      '//   kernelspec:',
      '//     display_name: TypeScript (tunelab)',
      '//     language: typescript',
      '//     name: tunelab',
      '// ---',
      '',
    ].join('\n');
    // What jupytext writes into the source when it syncs from a notebook that holds the note.
    const synced = `${header}\n${SOURCE}\n\n// %% [markdown] tags=["injected-parameters"]\n// *The saved outputs ...* \`let FULL = true;\``;
    const parsed = parseHeader(synced);
    assert.deepEqual(parsed.header, {
      jupyter: {
        jupytext: { formats: 'ipynb,src//ts:percent', text_representation: { extension: '.ts', format_version: '1.3' } },
        kernelspec: { display_name: 'TypeScript (tunelab)', language: 'typescript', name: 'tunelab' },
      },
    });
    assert.deepEqual(parseSource(synced), parseSource(SOURCE), 'the header and the synced note are not cells');
    const nb = buildNotebook(parseSource(synced), undefined, headerMetadata(parsed.header));
    assert.deepEqual(nb.metadata.jupytext, { formats: 'ipynb,src//ts:percent' });
    assert.deepEqual(nb.metadata.kernelspec, { display_name: 'TypeScript (tunelab)', language: 'typescript', name: 'tunelab' });
    assert.throws(() => parseHeader('// ---\n// jupyter:\n'), /no closing "\/\/ ---" line/);
    assert.throws(() => parseHeader('// ---\n// - a list item\n// ---\n'), /cannot read "- a list item"/);
  });
});
