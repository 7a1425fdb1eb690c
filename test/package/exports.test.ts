/**
 * The public API, pinned: the names 'tunelab' exports at its root and at each subpath entry of
 * package.json's "exports" ('tunelab/samplers', 'tunelab/storage', ...), read from the build (dist/)
 * the way a user's code reaches it: Node resolving the package name through "exports", and
 * TypeScript resolving it with Node10 (tslab's checker, which reads "typesVersions") and Node16
 * (which reads "exports"). Adding or removing a public name means updating publicApi.json in the
 * same commit, on purpose. Needs the build (`npm run build`).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..');
const PACKAGE = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  main: string;
  types: string;
  exports: Record<string, string | { types?: string; default?: string }>;
  typesVersions: Record<string, Record<string, string[]>>;
};
interface Names {
  values: string[];
  types: string[];
}
/** The pinned lists: '.' is the root, every other key a subpath ('./samplers'). */
const PINNED = JSON.parse(readFileSync(path.join(__dirname, 'publicApi.json'), 'utf8')) as Record<string, Names>;

/** Internals the kernel, the widgets and the tests import from their modules; never part of the API. */
const INTERNALS = [
  'completedRungKey',
  'GRID_ID_KEY',
  'stopAllStudies',
  'setDefaultObserverFactory',
  'registerStorageBackend',
  'checkOptionKeys',
  'isDisplayable',
  'fmix32',
  'sampleStd',
  'normalCdf',
  'quantileSorted',
  'resolveScoring',
  'PATH_SEPARATOR',
];

/** Subpaths of "exports" that are modules of the engine (not './package.json', not the widgets). */
const SUBPATHS = Object.keys(PACKAGE.exports).filter((k) => k !== '.' && k !== './package.json' && k !== './widgets');

let app: string;
let requireFromApp: NodeRequire;
before(() => {
  assert.ok(existsSync(path.join(ROOT, 'dist', 'src', 'index.d.ts')), 'dist/src is missing: run `npm run build` first');
  // A user's project with tunelab in its node_modules (a symlink to this package, as `npm link` makes).
  app = mkdtempSync(path.join(os.tmpdir(), 'tunelab-exports-'));
  mkdirSync(path.join(app, 'node_modules'));
  symlinkSync(ROOT, path.join(app, 'node_modules', 'tunelab'), 'dir');
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'tunelab-user', private: true }));
  writeFileSync(path.join(app, 'index.ts'), '');
  requireFromApp = createRequire(path.join(app, 'index.js'));
});
after(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

const TS_OPTIONS = (resolution: ts.ModuleResolutionKind): ts.CompilerOptions => ({
  module: resolution === ts.ModuleResolutionKind.Node16 ? ts.ModuleKind.Node16 : ts.ModuleKind.CommonJS,
  moduleResolution: resolution,
  target: ts.ScriptTarget.ES2022,
  strict: true,
  skipLibCheck: true,
  noEmit: true,
  types: [],
});

/** The declaration file TypeScript picks for `import ... from '<specifier>'` in the user's project. */
function resolveTypes(specifier: string, resolution: ts.ModuleResolutionKind): string | undefined {
  const r = ts.resolveModuleName(specifier, path.join(app, 'index.ts'), TS_OPTIONS(resolution), ts.sys);
  return r.resolvedModule?.resolvedFileName;
}

/** Value and type names a declaration file exports, sorted, as the type checker sees them. */
function declaredNames(dts: string): Names {
  const program = ts.createProgram([dts], TS_OPTIONS(ts.ModuleResolutionKind.Node10));
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(dts);
  assert.ok(file, `${dts} is in the program`);
  const moduleSymbol = checker.getSymbolAtLocation(file);
  assert.ok(moduleSymbol, `${dts} is a module`);
  const values: string[] = [];
  const types: string[] = [];
  for (const s of checker.getExportsOfModule(moduleSymbol)) {
    const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
    (target.flags & ts.SymbolFlags.Value ? values : types).push(s.name);
  }
  return { values: values.sort(), types: types.sort() };
}

function sortedKeys(module: unknown): string[] {
  return Object.keys(module as object).sort();
}

describe('the public API: the root and the subpath entries of package.json "exports"', () => {
  it('every "exports" entry points at built files, and "typesVersions" gives Node10 resolution the same declarations', () => {
    const entries = PACKAGE.exports;
    assert.deepEqual(entries['.'], { types: `./${PACKAGE.types}`, default: `./${PACKAGE.main}` }, 'the root entry matches main and types');
    for (const [key, target] of Object.entries(entries)) {
      const files = typeof target === 'string' ? [target] : [target.types, target.default];
      for (const f of files) {
        assert.ok(f, `${key} names its types and its code`);
        assert.ok(existsSync(path.join(ROOT, f)), `${key} -> ${f} exists (build first)`);
      }
    }
    const mapped = PACKAGE.typesVersions['*'];
    assert.deepEqual(
      Object.keys(mapped).sort(),
      SUBPATHS.map((k) => k.slice(2)).sort(),
      'typesVersions maps exactly the engine subpaths ("widgets" has its own widgets/package.json)',
    );
    for (const key of SUBPATHS) {
      const target = entries[key];
      assert.ok(typeof target === 'object');
      assert.deepEqual(mapped[key.slice(2)], [target.types?.slice(2)], `typesVersions and exports agree on ${key}`);
    }
    assert.deepEqual(Object.keys(PINNED).sort(), ['.', ...SUBPATHS].sort(), 'publicApi.json pins the root and every subpath');
  });

  it("the root's names are pinned, and what loads at run time is exactly its values", () => {
    const declared = declaredNames(path.join(ROOT, PACKAGE.types));
    assert.deepEqual(declared, PINNED['.'], 'the root declarations changed: update test/package/publicApi.json if on purpose');
    assert.deepEqual(sortedKeys(requireFromApp('tunelab')), PINNED['.'].values);
    console.log(
      `root: ${declared.values.length} values + ${declared.types.length} types = ${declared.values.length + declared.types.length} names`,
    );
  });

  it('known internals are not on the root (neither at run time nor in the declarations)', () => {
    const root = requireFromApp('tunelab') as Record<string, unknown>;
    const declared = declaredNames(path.join(ROOT, PACKAGE.types));
    const all = new Set([...declared.values, ...declared.types]);
    for (const name of [...INTERNALS, 'OptimizeObserver', 'ObserverFactory', 'Exactly']) {
      assert.equal(name in root, false, `${name} is exported at run time`);
      assert.equal(all.has(name), false, `${name} is in the root declarations`);
    }
    for (const sub of SUBPATHS) {
      const names = sortedKeys(requireFromApp(`tunelab/${sub.slice(2)}`));
      assert.deepEqual(
        names.filter((n) => INTERNALS.includes(n)),
        [],
        `tunelab/${sub.slice(2)} exports no internal`,
      );
    }
  });

  for (const key of Object.keys(PACKAGE.exports).filter((k) => k !== '.' && k !== './package.json' && k !== './widgets')) {
    const specifier = `tunelab/${key.slice(2)}`;
    it(`${specifier} loads from dist through "exports" and declares its pinned names for Node10 and Node16`, () => {
      const target = PACKAGE.exports[key];
      assert.ok(typeof target === 'object' && target.types && target.default);
      const code = realpathSync(path.join(ROOT, target.default));
      assert.equal(requireFromApp.resolve(specifier), code, `Node resolves ${specifier} to ${target.default}`);
      const dts = realpathSync(path.join(ROOT, target.types));
      assert.equal(resolveTypes(specifier, ts.ModuleResolutionKind.Node10), dts, `TypeScript (Node10, as tslab) resolves ${specifier}`);
      assert.equal(resolveTypes(specifier, ts.ModuleResolutionKind.Node16), dts, `TypeScript (Node16) resolves ${specifier}`);

      const declared = declaredNames(dts);
      assert.deepEqual(declared, PINNED[key], `${specifier}'s declarations changed: update test/package/publicApi.json if on purpose`);
      const loaded = requireFromApp(specifier) as Record<string, unknown>;
      assert.deepEqual(sortedKeys(loaded), PINNED[key].values, `${specifier} loads exactly its declared values`);

      // One copy of each class and function: a name on both the root and the subpath is the same object.
      const root = requireFromApp('tunelab') as Record<string, unknown>;
      const shared = PINNED[key].values.filter((n) => n in root);
      for (const n of shared) assert.equal(loaded[n], root[n], `${specifier}.${n} is the root's ${n}`);
    });
  }

  it("the root still resolves for both resolutions, and 'tunelab/widgets' keeps its entry", () => {
    const rootDts = realpathSync(path.join(ROOT, PACKAGE.types));
    assert.equal(resolveTypes('tunelab', ts.ModuleResolutionKind.Node10), rootDts);
    assert.equal(resolveTypes('tunelab', ts.ModuleResolutionKind.Node16), rootDts);
    const widgetsDts = realpathSync(path.join(ROOT, 'dist', 'widgets', 'kernel', 'index.d.ts'));
    assert.equal(resolveTypes('tunelab/widgets', ts.ModuleResolutionKind.Node10), widgetsDts);
    assert.equal(resolveTypes('tunelab/widgets', ts.ModuleResolutionKind.Node16), widgetsDts);
    assert.equal(requireFromApp.resolve('tunelab/widgets'), realpathSync(path.join(ROOT, 'dist', 'widgets', 'kernel', 'index.js')));
  });
});
