/**
 * What `tunelab run` checks in a notebook before it starts a kernel: the parts of the nbformat 4
 * schema (nbformat's `nbformat.v4.schema.json`) the runner reads or writes back, each with the path
 * of the offending value and the type it should have, and that the notebook is meant for tunelab's
 * TypeScript kernel at all.
 *
 * The checks are written out rather than run through a JSON-schema validator: the runner uses a
 * dozen fields, and the messages can say what to do. The tests hold them against nbformat's own
 * validator.
 */
import type { Notebook } from './notebook';

export class NotebookFormatError extends Error {
  override name = 'NotebookFormatError';
}

type Json = unknown;

function describe(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const shown = JSON.stringify(v);
  return `${typeof v} ${shown.length > 40 ? shown.slice(0, 37) + '...' : shown}`;
}

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isString = (v: Json): v is string => typeof v === 'string';
const isMultiline = (v: Json) => isString(v) || (Array.isArray(v) && v.every(isString));
const isNonNegativeInt = (v: Json) => Number.isInteger(v) && (v as number) >= 0;

class Checker {
  readonly problems: string[] = [];

  expect(ok: boolean, path: string, expected: string, found: Json): boolean {
    if (!ok) this.problems.push(`${path}: expected ${expected}, found ${describe(found)}`);
    return ok;
  }

  object(v: Json, path: string): v is Record<string, Json> {
    return this.expect(isObject(v), path, 'an object', v);
  }

  /** A field that must be present with the given type. */
  required(obj: Record<string, Json>, path: string, key: string, test: (v: Json) => boolean, expected: string): void {
    if (!Object.hasOwn(obj, key)) this.problems.push(`${path}: missing "${key}" (${expected})`);
    else this.expect(test(obj[key]), `${path}.${key}`, expected, obj[key]);
  }

  /** A field that may be absent but, when present, has the given type. */
  optional(obj: Record<string, Json>, path: string, key: string, test: (v: Json) => boolean, expected: string): void {
    if (Object.hasOwn(obj, key)) this.expect(test(obj[key]), `${path}.${key}`, expected, obj[key]);
  }
}

const OUTPUT_TYPES = ['stream', 'display_data', 'execute_result', 'error'];
const CELL_TYPES = ['code', 'markdown', 'raw'];
const MULTILINE = 'a string or an array of strings';

function checkOutput(c: Checker, o: Json, path: string): void {
  if (!c.object(o, path)) return;
  if (
    !c.expect(
      isString(o.output_type) && OUTPUT_TYPES.includes(o.output_type),
      `${path}.output_type`,
      `one of ${OUTPUT_TYPES.join(', ')}`,
      o.output_type,
    )
  )
    return;
  switch (o.output_type) {
    case 'stream':
      c.required(o, path, 'name', isString, 'a string ("stdout" or "stderr")');
      c.required(o, path, 'text', isMultiline, MULTILINE);
      break;
    case 'execute_result':
    case 'display_data':
      if (o.output_type === 'execute_result') {
        c.required(o, path, 'execution_count', (v) => v === null || isNonNegativeInt(v), 'an integer >= 0 or null');
      }
      c.required(o, path, 'data', isObject, 'an object (a MIME bundle)');
      c.required(o, path, 'metadata', isObject, 'an object');
      break;
    case 'error':
      c.required(o, path, 'ename', isString, 'a string');
      c.required(o, path, 'evalue', isString, 'a string');
      c.required(o, path, 'traceback', (v) => Array.isArray(v) && v.every(isString), 'an array of strings');
      break;
  }
}

function checkCell(c: Checker, cell: Json, path: string): void {
  if (!c.object(cell, path)) return;
  if (
    !c.expect(
      isString(cell.cell_type) && CELL_TYPES.includes(cell.cell_type),
      `${path}.cell_type`,
      `one of ${CELL_TYPES.join(', ')}`,
      cell.cell_type,
    )
  )
    return;
  c.required(cell, path, 'source', isMultiline, MULTILINE);
  c.optional(cell, path, 'id', isString, 'a string');
  // nbformat requires cell metadata; the runner tolerates its absence (parseNotebook adds it).
  if (Object.hasOwn(cell, 'metadata') && c.object(cell.metadata, `${path}.metadata`)) {
    c.optional(cell.metadata, `${path}.metadata`, 'tags', (v) => Array.isArray(v) && v.every(isString), 'an array of strings');
  }
  if (cell.cell_type !== 'code') return;
  c.optional(cell, path, 'execution_count', (v) => v === null || isNonNegativeInt(v), 'an integer >= 0 or null');
  if (Object.hasOwn(cell, 'outputs') && c.expect(Array.isArray(cell.outputs), `${path}.outputs`, 'an array', cell.outputs)) {
    (cell.outputs as Json[]).forEach((o, i) => checkOutput(c, o, `${path}.outputs[${i}]`));
  }
}

/**
 * Checks the parsed JSON of a notebook file; throws a NotebookFormatError listing every problem
 * found (at most 10), each as `path: expected TYPE, found VALUE`.
 */
export function checkNotebookFormat(doc: Json, file: string): asserts doc is Notebook {
  const c = new Checker();
  if (!c.object(doc, 'notebook')) throw new NotebookFormatError(`${file} is not a notebook: ${c.problems[0]}`);
  if (doc.nbformat !== 4) {
    throw new NotebookFormatError(
      `${file} is not an nbformat 4 notebook (nbformat=${describe(doc.nbformat)}); upgrade it with "jupyter nbconvert --to notebook"`,
    );
  }
  c.required(doc, 'notebook', 'nbformat_minor', isNonNegativeInt, 'an integer >= 0');
  if (Object.hasOwn(doc, 'metadata') && c.object(doc.metadata, 'metadata')) {
    const m = doc.metadata;
    if (Object.hasOwn(m, 'kernelspec') && c.object(m.kernelspec, 'metadata.kernelspec')) {
      c.required(m.kernelspec, 'metadata.kernelspec', 'name', isString, 'a string');
      c.optional(m.kernelspec, 'metadata.kernelspec', 'display_name', isString, 'a string');
      c.optional(m.kernelspec, 'metadata.kernelspec', 'language', isString, 'a string');
    }
    if (Object.hasOwn(m, 'language_info') && c.object(m.language_info, 'metadata.language_info')) {
      c.required(m.language_info, 'metadata.language_info', 'name', isString, 'a string');
    }
  }
  if (c.expect(Array.isArray(doc.cells), 'notebook.cells', 'an array of cells', doc.cells)) {
    (doc.cells as Json[]).forEach((cell, i) => checkCell(c, cell, `cells[${i}]`));
  }
  if (c.problems.length > 0) {
    const shown = c.problems.slice(0, 10);
    const more = c.problems.length > shown.length ? `\n  ... and ${c.problems.length - shown.length} more` : '';
    throw new NotebookFormatError(`${file} does not follow the nbformat 4 schema:\n  ${shown.join('\n  ')}${more}`);
  }
}

export class WrongKernelError extends Error {
  override name = 'WrongKernelError';
}

/**
 * `tunelab run` executes TypeScript with tunelab's kernel. A notebook that names another kernel or
 * language (Python, R...) is refused rather than run as TypeScript; one that names none is run.
 */
export function checkNotebookKernel(nb: Notebook, file: string): void {
  const spec = nb.metadata.kernelspec as { name?: string; language?: string } | undefined;
  const lang = (nb.metadata.language_info as { name?: string } | undefined)?.name;
  const specOk = !spec || spec.name === 'tunelab' || spec.language?.toLowerCase() === 'typescript';
  const langOk = lang === undefined || lang.toLowerCase() === 'typescript';
  if (specOk && langOk) return;
  const found = [
    spec ? `kernelspec "${spec.name}"${spec.language ? ` (language ${spec.language})` : ''}` : undefined,
    lang !== undefined ? `language_info "${lang}"` : undefined,
  ].filter(Boolean);
  throw new WrongKernelError(
    `${file} is a notebook for another kernel: its metadata names ${found.join(' and ')}, not tunelab's TypeScript kernel ` +
      `(kernelspec "tunelab", language "typescript"). tunelab run executes TypeScript notebooks only; ` +
      `run this one with its own kernel (e.g. jupyter nbconvert --execute), or change its kernel to tunelab if it holds TypeScript.`,
  );
}
