/**
 * The READMEs' TypeScript snippets (README.md's and widgets/README.md's) as files that type-check
 * the way a notebook cell runs each one (`typecheck.test.ts` compiles them): top-level `await`, and
 * names from the cells before it. Each file imports from the sources what the snippet imports from
 * 'tunelab' or its entries (`tunelab/widgets`, ...), imports the package's other exports the
 * snippet names without importing (a snippet continues the cells above it), declares the names it
 * takes from the reader's own cells (`CONTEXT`: the study, the objective, the training functions,
 * typed as the README says they are), and runs the snippet's statements in an async function.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Names the snippets take from the reader's own cells. The training functions' parameters are the
 * types the README says a typed space infers (`train(p)`, `trainSvm(C, kernel)`), so a snippet whose
 * inferred type drifts from its comment no longer compiles.
 */
const CONTEXT: Record<string, string> = {
  study: 'declare const study: ReadmeStudy;',
  trial: 'declare const trial: ReadmeTrial;',
  objective: 'declare function objective(trial: ReadmeTrial): number;',
  train: "declare function train(p: { lr: number; layers: number; activation: 'relu' | 'tanh' }): number;",
  trainSvm: "declare function trainSvm(C: number, kernel: 'rbf' | 'linear'): number;",
  trainTree: 'declare function trainTree(depth: number): number;',
  trainAndScore: 'declare function trainAndScore(lr: number): Promise<number>;',
  net: 'declare const net: ReadmeMLP;',
};

/** The Markdown files whose snippets are checked, relative to the repository. */
export const DOCUMENTS = ['README.md', 'widgets/README.md'];

export interface Snippet {
  document: string;
  /** 1-based line of the document where the snippet's first line is. */
  readmeLine: number;
  file: string;
  /** Lines of the file before the snippet's statements: its imports, hoisted, then the declarations. */
  preludeLines: number;
  /** Per import of the snippet (the file's first lines), its line in the document. */
  importReadmeLines: number[];
  /** Per statement line of the file after the prelude, its line in the document. */
  bodyReadmeLines: number[];
}

/** The names the package's main entry exports, values and types (`test/package/publicApi.json`). */
function packageNames(): { values: Set<string>; types: Set<string> } {
  const api = JSON.parse(readFileSync(path.join(ROOT, 'test', 'package', 'publicApi.json'), 'utf8')) as Record<
    string,
    { values: string[]; types: string[] }
  >;
  return { values: new Set(api['.'].values), types: new Set(api['.'].types) };
}

/** Every ```ts block of `document`, with the line its code starts on. */
export function readmeBlocks(document: string): Array<{ line: number; code: string }> {
  const lines = readFileSync(path.join(ROOT, document), 'utf8').split('\n');
  const blocks: Array<{ line: number; code: string }> = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```ts') continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end].trim() !== '```') end++;
    blocks.push({ line: start + 1, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return blocks;
}

/** The document's line for line `fileLine` (1-based) of a snippet's file, or null for a declaration added here. */
export function readmeLineOf(snippet: Snippet, fileLine: number): number | null {
  if (fileLine <= snippet.importReadmeLines.length) return snippet.importReadmeLines[fileLine - 1];
  return snippet.bodyReadmeLines[fileLine - snippet.preludeLines - 1] ?? null;
}

/**
 * Where an import of the package resolves in the sources: 'tunelab' is src/, an entry
 * ('tunelab/widgets', ...) the source of the declarations its `exports` name. Another package
 * resolves from the repository's node_modules, as from a notebook beside it (the files are written
 * outside the repository).
 */
function sourceOf(specifier: string): string {
  const posix = (p: string) => p.split(path.sep).join('/');
  if (specifier === 'tunelab') return posix(path.join(ROOT, 'src'));
  if (specifier.startsWith('tunelab/')) {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, { types: string }> };
    const entry = pkg.exports[`./${specifier.slice('tunelab/'.length)}`];
    if (!entry) throw new Error(`the package exports no ${specifier}`);
    return posix(path.join(ROOT, entry.types.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '')));
  }
  if (specifier.startsWith('node:')) return specifier;
  return posix(path.join(ROOT, 'node_modules', specifier));
}

/** Write each snippet of `DOCUMENTS` into `dir` as a file to type-check. */
export function writeReadmeSnippets(dir: string): Snippet[] {
  const src = sourceOf('tunelab');
  const { values, types } = packageNames();
  const blocks = DOCUMENTS.flatMap((document) => readmeBlocks(document).map((b) => ({ document, ...b })));
  return blocks.map(({ document, line, code }, n) => {
    const imports: string[] = [];
    const importReadmeLines: number[] = [];
    const body: string[] = [];
    const bodyReadmeLines: number[] = [];
    code.split('\n').forEach((l, i) => {
      if (/^import\s/.test(l)) {
        // Hoisted line by line: an import written over several lines would be cut in two.
        if (!/ from '[^']+';/.test(l)) throw new Error(`${document}:${line + i}: write the import on one line: ${l}`);
        imports.push(l);
        importReadmeLines.push(line + i);
      } else {
        body.push(l);
        bodyReadmeLines.push(line + i);
      }
    });
    const own = imports.map((l) => l.replace(/from '([^']+)'/, (_, specifier: string) => `from '${sourceOf(specifier)}'`));
    const imported = new Set(
      imports.flatMap((l) => [...(/\{([^}]*)\}/.exec(l)?.[1] ?? '').matchAll(/([A-Za-z_$][\w$]*)/g)].map((m) => m[1])),
    );
    const declared = new Set([...code.matchAll(/\b(?:const|let|var|class|function)\s+([A-Za-z_$][\w$]*)/g)].map((m) => m[1]));
    const used = new Set([...code.matchAll(/[A-Za-z_$][\w$]*/g)].map((m) => m[0]));
    const free = (name: string) => used.has(name) && !imported.has(name) && !declared.has(name);
    const valueNames = [...values].filter(free).sort();
    const typeNames = [...types].filter((t) => free(t) && !values.has(t)).sort();
    const prelude = [
      ...own,
      `import type { Study as ReadmeStudy, Trial as ReadmeTrial, MLP as ReadmeMLP } from '${src}';`,
      ...(valueNames.length > 0 ? [`import { ${valueNames.join(', ')} } from '${src}';`] : []),
      ...(typeNames.length > 0 ? [`import type { ${typeNames.join(', ')} } from '${src}';`] : []),
      ...(free('fs') ? ["import * as fs from 'node:fs';"] : []),
      ...Object.entries(CONTEXT)
        .filter(([name]) => free(name))
        .map(([, declaration]) => declaration),
      `export async function readmeSnippet${n + 1}(): Promise<void> {`,
    ];
    const text = [...prelude, ...body, '}', ''].join('\n');
    const file = path.join(dir, `readme-snippet-${n + 1}.ts`);
    writeFileSync(file, text);
    return { document, readmeLine: line, file, preludeLines: prelude.length, importReadmeLines, bodyReadmeLines };
  });
}
