// Compile-fail tests: fixtures under test/types/*.fixture.ts are compiled by the project's two
// compilers (strict): the `tsc` that `npm run build` runs, which is tslab's TypeScript 5.0 that also
// type-checks notebook cells, and the `typescript` package (5.9). Each compiles them twice in one
// program: as written, where every `// @ts-expect-error names <what>` directive must be used (tsc
// reports an unused one), and with the directives removed, where each marked line must fail with an
// error that mentions <what>. So the test fails if an expected error disappears, moves, or is about
// something else. The READMEs' TypeScript snippets go in the same program, each as a notebook cell
// runs it (readmeSnippets.ts), and must compile without errors: a renamed API or an inferred type
// that drifts from what a README says fails here, with the README's line.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { readmeLineOf, writeReadmeSnippets } from './readmeSnippets';

const ROOT = path.resolve(__dirname, '..', '..');
const COMPILERS: Array<[name: string, tsc: string]> = [
  ['build tsc (tslab TypeScript 5.0, as notebook cells)', path.join(ROOT, 'node_modules', '.bin', 'tsc')],
  ['typescript package', path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')],
];
const dir = mkdtempSync(path.join(os.tmpdir(), 'tunelab-typecheck-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** `// @ts-expect-error names <what>`: the next line must fail with an error mentioning <what>. */
const DIRECTIVE = /^\s*\/\/ @ts-expect-error\b(?: names (\S+))?/;

interface Expectation {
  /** 1-based line of the statement that must fail, in the stripped copy. */
  line: number;
  what: string;
}

/** Write the fixture and its stripped copy (imports of src/ and its entries pointed at src/), returning the expectations. */
function prepare(fixture: string): { asWritten: string; stripped: string; expected: Expectation[] } {
  const src = path.join(ROOT, 'src').split(path.sep).join('/');
  const text = readFileSync(path.join(__dirname, fixture), 'utf8').replace(
    /'\.\.\/\.\.\/src(\/[^']*)?'/g,
    (_, sub: string | undefined) => `'${src}${sub ?? ''}'`,
  );
  const expected: Expectation[] = [];
  const kept: string[] = [];
  let pending: string | null = null;
  for (const line of text.split('\n')) {
    const m = DIRECTIVE.exec(line);
    if (m) {
      assert.ok(m[1], `${fixture}: write "// @ts-expect-error names <what the error mentions>", not: ${line.trim()}`);
      pending = m[1];
      continue;
    }
    kept.push(line);
    if (pending !== null) {
      expected.push({ line: kept.length, what: pending });
      pending = null;
    }
  }
  const base = fixture.replace(/\.fixture\.ts$/, '');
  const asWritten = path.join(dir, `${base}.written.ts`);
  const stripped = path.join(dir, `${base}.stripped.ts`);
  writeFileSync(asWritten, text);
  writeFileSync(stripped, kept.join('\n'));
  return { asWritten, stripped, expected };
}

interface Diagnostic {
  file: string;
  line: number;
  text: string;
}

/** Compile the given files with the project's tsc; return its diagnostics (one per error, continuation lines joined). */
function tsc(compiler: string, files: string[]): { diagnostics: Diagnostic[]; output: string; version: string } {
  const config = path.join(dir, 'tsconfig.json');
  writeFileSync(
    config,
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'commonjs',
        moduleResolution: 'node10',
        lib: ['ES2022'],
        types: ['node'],
        typeRoots: [path.join(ROOT, 'node_modules', '@types')],
        strict: true,
        noEmit: true,
        esModuleInterop: true,
        skipLibCheck: true,
        resolveJsonModule: true,
        ignoreDeprecations: '5.0',
      },
      files,
    }),
  );
  const version = spawnSync(process.execPath, [compiler, '-v'], { encoding: 'utf8', timeout: 60_000 }).stdout.trim();
  const r = spawnSync(process.execPath, [compiler, '-p', config, '--pretty', 'false'], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
  assert.equal(r.error, undefined, `tsc did not run: ${String(r.error)}`);
  const output = `${r.stdout}${r.stderr}`;
  const diagnostics: Diagnostic[] = [];
  for (const line of output.split('\n')) {
    const m = /^(.*)\((\d+),\d+\): error (TS\d+: .*)$/.exec(line);
    if (m) diagnostics.push({ file: path.resolve(ROOT, m[1]), line: Number(m[2]), text: m[3] });
    else if (diagnostics.length > 0 && line.startsWith(' ')) diagnostics[diagnostics.length - 1].text += `\n${line}`;
  }
  return { diagnostics, output, version };
}

const fixtures = readdirSync(__dirname)
  .filter((f) => f.endsWith('.fixture.ts'))
  .sort();

const prepared = fixtures.map((f) => ({ fixture: f, ...prepare(f) }));
// The READMEs' TypeScript snippets, compiled in the same program (see readmeSnippets.ts).
const snippets = writeReadmeSnippets(dir);

for (const [name, compiler] of COMPILERS) {
  describe(`compile-time checks (${name})`, () => {
    const result = tsc(compiler, [...prepared.flatMap((p) => [p.asWritten, p.stripped]), ...snippets.map((s) => s.file)]);

    it('finds the fixtures and the compiler', () => {
      assert.ok(fixtures.includes('modelOptions.fixture.ts'), `fixtures: ${fixtures.join(', ')}`);
      assert.match(result.version, /^Version \d+\.\d+/);
    });

    for (const p of prepared) {
      it(`${p.fixture}: compiles as written (every @ts-expect-error is used, the valid lines type-check)`, () => {
        const errors = result.diagnostics.filter((d) => d.file === p.asWritten);
        assert.deepEqual(
          errors,
          [],
          `tsc errors in ${p.fixture} as written:\n${errors.map((d) => `line ${d.line}: ${d.text}`).join('\n')}`,
        );
      });

      it(`${p.fixture}: each marked line fails, for the marked reason (${p.expected.length} expectations)`, () => {
        assert.ok(p.expected.length > 0);
        const errors = result.diagnostics.filter((d) => d.file === p.stripped);
        for (const e of p.expected) {
          const here = errors.filter((d) => d.line === e.line);
          assert.ok(here.length > 0, `line ${e.line} (${e.what}) compiled without error; tsc output:\n${result.output}`);
          assert.ok(
            here.some((d) => d.text.includes(e.what)),
            `line ${e.line}: expected an error mentioning "${e.what}", got:\n${here.map((d) => d.text).join('\n')}`,
          );
        }
        const unexpected = errors.filter((d) => !p.expected.some((e) => e.line === d.line));
        assert.deepEqual(unexpected, [], 'errors on lines without a directive');
      });
    }

    it(`finds the READMEs' TypeScript snippets (${snippets.length})`, () => {
      assert.ok(snippets.filter((s) => s.document === 'README.md').length >= 10, `${snippets.length} snippets`);
      assert.ok(snippets.some((s) => s.document === 'widgets/README.md'));
    });

    for (const s of snippets) {
      it(`${s.document}'s snippet at line ${s.readmeLine} type-checks as a notebook cell`, () => {
        const errors = result.diagnostics.filter((d) => d.file === s.file);
        assert.deepEqual(
          errors.map((d) => {
            const at = readmeLineOf(s, d.line);
            return `${at === null ? `${s.file}:${d.line} (a declaration of the test's)` : `${s.document}:${at}`}: ${d.text}`;
          }),
          [],
        );
      });
    }
  });
}
