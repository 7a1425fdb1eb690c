// The modules behind the Study class (src/study/) take the study as a parameter and import study.ts
// for its types only. The class imports them, so a value import back would be a load-order cycle,
// which CommonJS resolves by handing one side a half-initialised module. lifecycle.ts is the one
// exception by design: it constructs studies (createStudy, loadStudy).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

const SRC = path.join(__dirname, '..', '..', 'src');
const STUDY_DIR = path.join(SRC, 'study');

/** The modules `file` imports at run time (not `import type`, not imports of types only), resolved to paths under src/. */
function valueImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022);
  const out: string[] = [];
  for (const s of source.statements) {
    if (!ts.isImportDeclaration(s) && !ts.isExportDeclaration(s)) continue;
    if (!s.moduleSpecifier || !ts.isStringLiteral(s.moduleSpecifier) || !s.moduleSpecifier.text.startsWith('.')) continue;
    if (ts.isImportDeclaration(s) ? typeOnlyImport(s) : s.isTypeOnly) continue;
    out.push(path.resolve(path.dirname(file), s.moduleSpecifier.text));
  }
  return out;
}

/** The file a resolved import path names: `x.ts`, else `x/index.ts`. */
function moduleFile(p: string): string | undefined {
  for (const f of [`${p}.ts`, path.join(p, 'index.ts')]) {
    try {
      readFileSync(f);
      return f;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** Every module under src/ that loading `file` loads, following value imports only. */
function valueClosure(file: string): Set<string> {
  const seen = new Set([file]);
  const stack = [file];
  while (stack.length > 0) {
    for (const p of valueImports(stack.pop()!)) {
      const f = moduleFile(p);
      if (f !== undefined && !seen.has(f)) {
        seen.add(f);
        stack.push(f);
      }
    }
  }
  return seen;
}

function typeOnlyImport(s: ts.ImportDeclaration): boolean {
  const clause = s.importClause;
  if (!clause) return false; // `import './x'`: loaded for its effects
  if (clause.isTypeOnly) return true;
  const named = clause.namedBindings;
  return (
    !clause.name &&
    named !== undefined &&
    ts.isNamedImports(named) &&
    named.elements.length > 0 &&
    named.elements.every((e) => e.isTypeOnly)
  );
}

describe('the modules behind Study', () => {
  it('import study.ts for its types only (lifecycle.ts, which constructs studies, aside)', () => {
    const modules = readdirSync(STUDY_DIR).filter((f) => f.endsWith('.ts') && f !== 'lifecycle.ts');
    assert.ok(
      modules.includes('optimize.ts') && modules.includes('ask.ts') && modules.includes('tell.ts'),
      `src/study/ holds ${modules.join(', ')}`,
    );
    const studyModule = path.join(SRC, 'study');
    const offenders = modules.filter((f) => valueImports(path.join(STUDY_DIR, f)).includes(studyModule));
    assert.deepEqual(offenders, [], 'these modules import a value from src/study.ts; take what they need as a parameter instead');
  });

  it('loading study.ts loads no algorithm: no sampler or pruner but their base classes, no importance, reproduction, thread workers or lifecycle', () => {
    const loaded = [...valueClosure(path.join(SRC, 'study.ts'))].map((f) => path.relative(SRC, f).split(path.sep).join('/'));
    assert.ok(loaded.includes('study/optimize.ts') && loaded.includes('trial.ts'), `study.ts loads ${loaded.join(', ')}`);
    const algorithms = loaded.filter(
      (f) =>
        (/^(samplers|pruners)\//.test(f) && !/\/base\.ts$/.test(f)) ||
        /^(importance|reproducibility\/reproduce|parallel\/threads|study\/lifecycle)/.test(f),
    );
    assert.deepEqual(
      algorithms,
      [],
      'study.ts reaches these through value imports; have lifecycle.ts pass them in (src/study/services.ts)',
    );
  });
});
