// The alignment that maps positions in a cell's compiled code back to its source
// (kernel/cellPositions.ts), on code compiled by tslab's own converter and instrumented by the
// kernel's loop guard, as the kernel runs it. Each probe is a name written once in the source; the
// position of its compiled copy must map to its position in the source.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { CellPositions } from '../../kernel/cellPositions';
import { instrumentLoops } from '../../kernel/interrupt/loopGuard';
import { ROOT } from './helpers';

const tslabDir = path.join(ROOT, 'node_modules', 'tslab');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ts = require(require.resolve('@tslab/typescript-for-tslab', { paths: [tslabDir] })) as typeof import('typescript');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createConverter } = require(path.join(tslabDir, 'dist', 'converter')) as typeof import('tslab/dist/converter');

/** Every construct compiling rewrites round a name: types, enums, parameter properties, templates, regexes, loops. */
const SOURCE = `/* a block comment
   over two lines */
type Pair<T> = [T, T];
interface Shape { area(): number }

enum Direction { Up = 1, Down }
namespace Geometry {
  export const unit = 1;
}

// Blank lines and comments go, and so do annotations.

class Square implements Shape {
  static count: number = 0;
  constructor(private readonly side: number, public name = 'sq') {}
  area(): number { return probeArea(this.side) }
}
function probeArea(side: number): number { return side * side; }

const pair: Pair<number> = [1, 2] as Pair<number>;
const note = \`first line
second \${probeTemplate(pair[0]!)} line
third\`;
function probeTemplate(n: number) { return n satisfies number; }
const pattern = /[a-z]+\\/(\\d+)/g;
const [first, ...rest] = [probeSpread(), 2, 3];
function probeSpread(): number { return Geometry.unit + Direction.Down; }
let sum = 0;
for (let i = 0; i < rest.length; i++) { sum += probeLoop(rest[i]); }
function probeLoop(v: number) { while (v > 100) { v -= 1; } return v; }
const maybe: { deep?: { value: number } } = {};
const v = maybe.deep?.value ?? probeOptional(first);
function probeOptional(n: number) { return n; }
const sq = new Square(3);
const shorthand = { sq, pattern, note, sum, v };
probeLast(shorthand);
function probeLast(x: object) { return x; }
`;

const PROBES = ['probeArea', 'probeTemplate', 'probeSpread', 'probeLoop', 'probeOptional', 'probeLast'];

function positionIn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** The lines compiling adds to export a cell's names: `exports.x = x;` and `exports.x = exports.y = void 0;`. */
const EXPORT_LINE = /^\s*(?:exports\.(\w+) = \1;|(?:exports\.\w+ = )+void 0;)$/;

/** Offsets of `name` as a whole word in `text`, outside export lines. */
function occurrences(text: string, name: string): number[] {
  const lines = text.split('\n');
  return [...text.matchAll(new RegExp(`\\b${name}\\b`, 'g'))]
    .map((m) => m.index)
    .filter((offset) => !EXPORT_LINE.test(lines[positionIn(text, offset).line - 1]));
}

describe('cell positions: compiled code maps back to the source', () => {
  const converter = createConverter({ isJS: false, isBrowser: false });
  let converted: ReturnType<typeof converter.convert>;
  try {
    converted = converter.convert('', SOURCE);
  } finally {
    // A watch program left open keeps the test process alive.
    converter.close();
  }
  assert.deepEqual(converted.diagnostics, []);
  const body = instrumentLoops(ts, converted.output!);
  // The executor's wrapper: the function header on the first line, the call on the last.
  const code = `(function (exports, require, guard) { ${body}\n})(scope.exports, scope.require, scope.guard)`;
  const positions = new CellPositions(ts);
  positions.register('cell[7]', SOURCE, code, false);

  it('compiling moved the probes (the test would be empty otherwise)', () => {
    const moved = PROBES.filter((p) => {
      const [inSource] = occurrences(SOURCE, p);
      const [inCode] = occurrences(code, p);
      return positionIn(SOURCE, inSource).line !== positionIn(code, inCode).line;
    });
    assert.deepEqual(moved, PROBES);
  });

  it('maps every occurrence of every probe, and positions inside it, to the same occurrence in the source', () => {
    for (const probe of PROBES) {
      const inSource = occurrences(SOURCE, probe);
      const inCode = occurrences(code, probe);
      assert.equal(inCode.length, inSource.length, `${probe} occurs as often in the compiled code`);
      inCode.forEach((offset, i) => {
        for (const within of [0, 3]) {
          const at = positionIn(code, offset + within);
          const expected = positionIn(SOURCE, inSource[i] + within);
          assert.deepEqual(positions.sourcePosition('cell[7]', at.line, at.column), expected, `${probe} #${i} +${within}`);
        }
      });
    }
  });

  it("maps a position in code compiling added (the loop guard's check, where an interrupt throws) to the loop's line", () => {
    const checks = [...code.matchAll(/\.check\(/g)].map((m) => m.index + 1);
    assert.equal(checks.length, 2, 'one check per loop');
    const loopLines = SOURCE.split('\n').flatMap((line, i) => (/\b(?:for|while) \(/.test(line) ? [i + 1] : []));
    const mapped = checks.map((offset) => {
      const at = positionIn(code, offset);
      const source = positions.sourcePosition('cell[7]', at.line, at.column);
      assert.ok(source !== undefined && source !== 'wrapper');
      return source.line;
    });
    assert.deepEqual(mapped, loopLines);
  });

  it('rewrites frames of known cells only, drops the wrapper call and the frames below it and names V8 guessed from tslab, and leaves message lines and other files alone', () => {
    const last = code.split('\n').length;
    const probe = positionIn(code, occurrences(code, 'probeArea')[1]);
    const kernelDir = path.join(ROOT, 'dist', 'kernel');
    const stack = [
      'Error: see cell[7]:1:1 and cell[7]:2:2',
      `    at Proxy.probeArea (cell[7]:${probe.line}:${probe.column})`,
      `    at exports.tsLastExpr.study.optimize.nTrials (cell[7]:${probe.line}:${probe.column})`,
      '    at other (cell[8]:4:5)',
      '    at run (/somewhere/file.js:10:2)',
      `    at cell[7]:${last}:3`,
      '    at sigintHandlersWrap (node:vm:280:12)',
      '    at Script.runInThisContext (node:vm:135:14)',
      `    at CellExecutor.compileAndRun (${kernelDir}/executor.js:296:25)`,
    ].join('\n');
    const source = positionIn(SOURCE, occurrences(SOURCE, 'probeArea')[1]);
    assert.equal(
      positions.rewriteStack(stack),
      [
        'Error: see cell[7]:1:1 and cell[7]:2:2',
        `    at probeArea (cell[7]:${source.line}:${source.column})`,
        `    at cell[7]:${source.line}:${source.column}`,
        '    at other (cell[8]:4:5)',
        '    at run (/somewhere/file.js:10:2)',
      ].join('\n'),
    );
  });

  it('drops the runtime and kernel frames at the bottom of a stack that reached a cell from the event loop, keeping those above', () => {
    const probe = positionIn(code, occurrences(code, 'probeArea')[1]);
    const source = positionIn(SOURCE, occurrences(SOURCE, 'probeArea')[1]);
    // The stack hook is this module's, compiled or not: its own directory is the kernel's.
    const kernelDir = path.join(ROOT, 'kernel');
    const stack = [
      'Error: late',
      `    at probeArea (cell[7]:${probe.line}:${probe.column})`,
      '    at AsyncLocalStorage.run (node:async_hooks:346:14)',
      '    at runWithSeed (/pkg/dist/src/reproducibility/context.js:28:18)',
      `    at Comms.dispatch (${kernelDir}/comms.js:10:2)`,
      '    at listOnTimeout (node:internal/timers:581:17)',
      '    at process.processTimers (node:internal/timers:519:7)',
    ].join('\n');
    assert.equal(
      positions.rewriteStack(stack),
      [
        'Error: late',
        `    at probeArea (cell[7]:${source.line}:${source.column})`,
        '    at AsyncLocalStorage.run (node:async_hooks:346:14)',
        '    at runWithSeed (/pkg/dist/src/reproducibility/context.js:28:18)',
      ].join('\n'),
    );
    // A stack that reached no cell (the kernel's own errors) keeps every frame.
    const own = [
      'Error: own',
      `    at Comms.dispatch (${kernelDir}/comms.js:10:2)`,
      '    at listOnTimeout (node:internal/timers:581:17)',
    ].join('\n');
    assert.equal(positions.rewriteStack(own), own);
  });

  it('maps a cell of 2,400 lines, where every name is repeated by an export line, declaration by declaration', () => {
    const blocks = Array.from(
      { length: 300 },
      (_, i) =>
        `// block ${i}\ninterface I${i} { a: number; b: string }\nfunction f${i}(x: I${i}, y: number = ${i}): number {\n` +
        `  for (let k = 0; k < y; k++) { x.a += k as number; }\n  return x.a + y;\n}\nconst v${i}: I${i} = { a: ${i}, b: 'q' };\n`,
    );
    const big = blocks.join('\n');
    const bigConverter = createConverter({ isJS: false, isBrowser: false });
    let output: string;
    try {
      output = bigConverter.convert('', big).output!;
    } finally {
      bigConverter.close();
    }
    const bigCode = `(function (exports, require, guard) { ${instrumentLoops(ts, output)}\n})(scope.exports, scope.require, scope.guard)`;
    const map = new CellPositions(ts);
    map.register('cell[9]', big, bigCode, false);
    const codeLines = bigCode.split('\n');
    const sourceLines = big.split('\n');
    for (let i = 0; i < 300; i += 1) {
      const declaration = `function f${i}(`;
      const line = codeLines.findIndex((l) => l.startsWith(declaration));
      const mapped = map.sourcePosition('cell[9]', line + 1, declaration.length - 1);
      assert.ok(mapped !== undefined && mapped !== 'wrapper', `f${i}`);
      assert.ok(
        sourceLines[mapped.line - 1].startsWith(declaration),
        `f${i} mapped to line ${mapped.line}: ${sourceLines[mapped.line - 1]}`,
      );
    }
  });
});
