/**
 * The notebook sources (notebooks/src/NN-name.ts) are jupytext's percent format, paired with their
 * notebooks (`formats: ipynb,src//ts:percent`): jupytext from the pinned Python environment must read
 * each source into the cells of the committed notebook (types, sources, tags such as `parameters`)
 * that notebooks/build.mjs built from it, with the same kernelspec and pairing, and must write the
 * source back unchanged, so `jupytext --sync` or editing the notebook in Jupyter with jupytext does
 * not churn the source.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PYTHON, pythonEnv } from '../helpers/python';

const NOTEBOOKS = join(__dirname, '..', '..', 'notebooks');

interface JupytextView {
  cells: Array<[string, string, string[]]>;
  metadata: Record<string, unknown>;
  writtenBack: string;
  pairedWith: string[];
}

// Reads every source in one interpreter (jupytext's import is the slow part).
const READ_ALL = `
import json, sys, jupytext
from jupytext.paired_paths import paired_paths
out = {}
for path in sys.argv[1:]:
    text = open(path, encoding='utf-8').read()
    nb = jupytext.reads(text, fmt='ts:percent')
    formats = nb.metadata.get('jupytext', {}).get('formats', '')
    out[path] = {
        'cells': [[c.cell_type, c.source, list(c.metadata.get('tags', []))] for c in nb.cells],
        'metadata': {k: v for k, v in nb.metadata.items() if k != 'jupytext'} | {'jupytext': {'formats': formats}},
        'writtenBack': jupytext.writes(nb, fmt='ts:percent'),
        'pairedWith': [p for p, _ in paired_paths(path, 'ts:percent', formats)] if formats else [],
    }
print(json.dumps(out))
`;

interface NotebookCell {
  cell_type: string;
  source: string | string[];
  metadata: { tags?: string[] };
}

const text = (s: string | string[]) => (Array.isArray(s) ? s.join('') : s);

describe('notebook sources are paired with their notebooks by jupytext (percent format)', () => {
  const names = readdirSync(join(NOTEBOOKS, 'src'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
  const paths = names.map((n) => join(NOTEBOOKS, 'src', `${n}.ts`));
  let views: Record<string, JupytextView> | undefined;
  const view = (path: string): JupytextView => {
    views ??= JSON.parse(execFileSync(PYTHON, ['-c', READ_ALL, ...paths], { encoding: 'utf8', env: pythonEnv(), timeout: 120_000, maxBuffer: 64 << 20 })) as Record<
      string,
      JupytextView
    >;
    const v = views[path];
    assert.ok(v, `jupytext returned nothing for ${path}`);
    return v;
  };

  it('finds every notebook source', () => assert.ok(names.length >= 9, `sources: ${names.join(', ')}`));

  for (const [i, name] of names.entries()) {
    it(`${name}: jupytext reads the cells, kernelspec and pairing of the committed notebook and writes the source back as it is`, () => {
      const source = paths[i];
      const target = join(NOTEBOOKS, `${name}.ipynb`);
      const nb = JSON.parse(readFileSync(target, 'utf8')) as { cells: NotebookCell[]; metadata: Record<string, unknown> };
      const v = view(source);
      // The note of a saved run's injected parameters is written by build.mjs from the run, not kept in the source.
      const committed = nb.cells
        .filter((c) => !(c.metadata.tags ?? []).includes('injected-parameters'))
        .map((c) => [c.cell_type, text(c.source), c.metadata.tags ?? []]);
      assert.deepEqual(v.cells, committed, `jupytext reads ${source} into other cells than ${target} holds: run \`node notebooks/build.mjs\`, or fix the source`);
      assert.ok(
        v.cells.some(([type, , tags]) => type === 'code' && tags.includes('parameters')),
        'jupytext sees the cell tagged parameters',
      );
      assert.deepEqual(v.metadata.kernelspec, nb.metadata.kernelspec, 'kernelspec');
      assert.deepEqual(v.metadata.jupytext, { formats: 'ipynb,src//ts:percent' }, 'the source declares the pairing');
      assert.deepEqual(nb.metadata.jupytext, { formats: 'ipynb,src//ts:percent' }, 'the notebook declares the pairing');
      assert.deepEqual(v.pairedWith.sort(), [source, target].sort(), 'jupytext pairs the source with its notebook');
      assert.equal(v.writtenBack, readFileSync(source, 'utf8'), 'jupytext would rewrite the source: keep it in the form jupytext writes');
    });
  }
});
