#!/usr/bin/env node
// Builds notebooks/NN-name.ipynb from its readable source notebooks/src/NN-name.ts (percent format),
// so reviews read plain TypeScript and Markdown instead of JSON.
//
//   node notebooks/build.mjs            # every notebook
//   node notebooks/build.mjs 02 05      # only those whose name starts with 02 or 05
//
// Source format: jupytext's percent format for TypeScript, so jupytext (in the pinned Python
// environment) pairs each source with its notebook (`formats: ipynb,src//ts:percent`) and reads it
// into the same cells (test/notebooks/jupytext.test.ts). A line `// %%` starts a code cell,
// `// %% [markdown]` a Markdown cell (each of its lines starts with `// `, which is removed), and
// `// %% tags=["parameters"]` a code cell with tags. The file starts with jupytext's header: an
// optional `// -*- coding: utf-8 -*-` line, then YAML between `// ---` lines, whose `jupyter:` part
// is notebook metadata (the kernelspec and the pairing, `jupytext: formats:`); the build copies
// both into the notebook's metadata, as jupytext does.
//
// Saved outputs survive a rebuild only where they still describe one run: the code cells of the
// committed notebook (from a FULL run of `tunelab run`) keep their outputs as long as every code
// cell up to them is unchanged and in the same order; the note of the injected parameters and the
// saved widget state are kept only while every code cell keeps its outputs. Editing prose never throws a long run away; changing, adding, removing or
// moving a code cell clears the outputs from that cell on (a later cell's output may depend on it),
// and the saved widget state with them, until the notebook is run again.
import { readFileSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const srcDir = path.join(here, 'src');

const CODING_LINE = /^\/\/ -\*- coding: [\w-]+ -\*-$/;

/**
 * The YAML of jupytext's header as an object. Only what such a header holds is accepted: nested
 * mappings (two-space indents) of plain or quoted scalars; anything else is an error naming the line.
 */
function parseHeaderYaml(lines) {
  const root = {};
  const stack = [{ indent: -1, node: root }];
  for (const line of lines) {
    if (line.trim() === '') continue;
    const m = /^( *)([\w-]+):(?: (.*))?$/.exec(line);
    if (!m) throw new Error(`jupytext header: cannot read "${line}" (expected "key: value" or "key:")`);
    const indent = m[1].length;
    while (stack[stack.length - 1].indent >= indent) stack.pop();
    const parent = stack[stack.length - 1].node;
    if (m[3] === undefined) {
      parent[m[2]] = {};
      stack.push({ indent, node: parent[m[2]] });
    } else {
      const quoted = /^'(.*)'$|^"(.*)"$/.exec(m[3]);
      parent[m[2]] = quoted ? (quoted[1] ?? quoted[2]) : m[3];
    }
  }
  return root;
}

/** Split a source into jupytext's header (as an object; {} without one) and the cells' text. */
export function parseHeader(text) {
  const lines = text.split('\n');
  const start = CODING_LINE.test(lines[0]) ? 1 : 0;
  if (lines[start] !== '// ---') return { header: {}, body: lines.slice(start).join('\n') };
  const end = lines.indexOf('// ---', start + 1);
  if (end < 0) throw new Error('jupytext header: no closing "// ---" line');
  const yaml = lines.slice(start + 1, end).map((l) => {
    if (!/^\/\/( |$)/.test(l)) throw new Error(`jupytext header: every line must start with "// ", got "${l}"`);
    return l.slice(3);
  });
  return { header: parseHeaderYaml(yaml), body: lines.slice(end + 1).join('\n') };
}

/**
 * The notebook metadata a header gives, as jupytext puts it in the .ipynb: the kernelspec and the
 * pairing (`jupytext.formats`; the text file's own `text_representation` stays in the text file).
 */
export function headerMetadata(header) {
  const jupyter = header.jupyter ?? {};
  const out = {};
  if (jupyter.jupytext?.formats) out.jupytext = { formats: jupyter.jupytext.formats };
  if (jupyter.kernelspec) out.kernelspec = jupyter.kernelspec;
  return out;
}

export function parseSource(text) {
  const cells = [];
  let current = null;
  for (const line of parseHeader(text).body.split('\n')) {
    const m = /^\/\/ %%(.*)$/.exec(line);
    if (m) {
      const rest = m[1].trim();
      const markdown = rest.startsWith('[markdown]');
      const tags = /tags=(\[.*\])/.exec(rest);
      current = { kind: markdown ? 'markdown' : 'code', tags: tags ? JSON.parse(tags[1]) : [], lines: [] };
      cells.push(current);
      continue;
    }
    if (!current) {
      if (line.trim() === '') continue;
      throw new Error(`text before the first "// %%" marker: ${line}`);
    }
    current.lines.push(current.kind === 'markdown' ? line.replace(/^\/\/ ?/, '') : line);
  }
  // The note of a run's injected parameters is generated from the saved run (asNote); jupytext copies
  // it into the source when it syncs from the notebook, and it is dropped here so it is not doubled.
  return cells
    .filter((c) => !c.tags.includes('injected-parameters'))
    .map((c) => {
      while (c.lines.length && c.lines[c.lines.length - 1].trim() === '') c.lines.pop();
      while (c.lines.length && c.lines[0].trim() === '') c.lines.shift();
      return { ...c, source: c.lines.join('\n') };
    });
}

/** Jupyter stores sources as arrays of lines that keep their newline. */
function toLines(source) {
  const lines = source.split('\n');
  return lines.map((l, i) => (i < lines.length - 1 ? l + '\n' : l)).filter((l) => l !== '');
}
const joined = (src) => (Array.isArray(src) ? src.join('') : src ?? '');

/**
 * The parameters a long run injected (a code cell tagged injected-parameters, as `tunelab run` and
 * papermill write it) become a Markdown note: the saved outputs say which parameters produced them,
 * while running the notebook again (`npm run reproduce`, CI) uses the small default size.
 */
function asNote(cell) {
  if (cell.cell_type === 'markdown') return cell;
  const lets = joined(cell.source).split('\n').filter((l) => l.startsWith('let '));
  const text = `*The saved outputs of this notebook come from a run with these parameters injected here (running the notebook again uses the defaults above):* \`${lets.join(' ')}\``;
  return { cell_type: 'markdown', id: cell.id ?? 'injected-parameters', metadata: { tags: ['injected-parameters'] }, source: toLines(text) };
}

export function buildNotebook(cells, previous, notebookMetadata = {}) {
  // The old code cells in order: the k-th new code cell keeps its outputs only if it and every code
  // cell before it equal the old ones at the same positions.
  const oldCode = (previous?.cells ?? []).filter(
    (c) => c.cell_type === 'code' && !(c.metadata?.tags ?? []).includes('injected-parameters'),
  );
  const injected = (previous?.cells ?? []).find((c) => (c.metadata?.tags ?? []).includes('injected-parameters'));
  const out = [];
  let codeIndex = 0;
  let unchangedSoFar = true;
  cells.forEach((c, i) => {
    const id = `cell-${String(i).padStart(2, '0')}`;
    const metadata = c.tags.length ? { tags: c.tags } : {};
    if (c.kind === 'markdown') {
      out.push({ cell_type: 'markdown', id, metadata, source: toLines(c.source) });
      return;
    }
    const candidate = oldCode[codeIndex++];
    unchangedSoFar &&= candidate !== undefined && joined(candidate.source) === c.source;
    const old = unchangedSoFar ? candidate : undefined;
    const same = old !== undefined;
    out.push({
      cell_type: 'code',
      id,
      metadata: same ? { ...(old.metadata ?? {}), ...metadata } : metadata,
      source: toLines(c.source),
      outputs: same ? old.outputs ?? [] : [],
      execution_count: same ? old.execution_count ?? null : null,
    });
    if (c.tags.includes('parameters') && injected && same) out.push(asNote(injected));
  });
  // Widget state belongs to the whole run: kept only if every code cell kept its outputs.
  const wholeRunKept = unchangedSoFar && codeIndex === oldCode.length;
  // So does the note of the injected parameters: it describes outputs that are gone otherwise.
  const kept = wholeRunKept ? out : out.filter((c) => !(c.metadata.tags ?? []).includes('injected-parameters'));
  const metadata = {
    ...(notebookMetadata.jupytext ? { jupytext: notebookMetadata.jupytext } : {}),
    kernelspec: notebookMetadata.kernelspec ?? { name: 'tunelab', display_name: 'TypeScript (tunelab)', language: 'typescript' },
    language_info: previous?.metadata?.language_info ?? { name: 'typescript', file_extension: '.ts', mimetype: 'text/x-typescript' },
  };
  if (previous?.metadata?.widgets && wholeRunKept) metadata.widgets = previous.metadata.widgets;
  return { cells: kept, metadata, nbformat: 4, nbformat_minor: 5 };
}

function main() {
  const only = process.argv.slice(2);
  const sources = readdirSync(srcDir)
    .filter((f) => f.endsWith('.ts'))
    .filter((f) => only.length === 0 || only.some((p) => f.startsWith(p)))
    .sort();
  for (const file of sources) {
    const target = path.join(here, file.replace(/\.ts$/, '.ipynb'));
    const previous = existsSync(target) ? JSON.parse(readFileSync(target, 'utf8')) : undefined;
    const text = readFileSync(path.join(srcDir, file), 'utf8');
    const nb = buildNotebook(parseSource(text), previous, headerMetadata(parseHeader(text).header));
    writeFileSync(target, JSON.stringify(nb, null, 1) + '\n');
    const kept = nb.cells.filter((c) => c.cell_type === 'code' && c.outputs.length > 0).length;
    console.log(`wrote ${path.relative(process.cwd(), target)} (${nb.cells.length} cells, ${kept} with saved outputs)`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();
