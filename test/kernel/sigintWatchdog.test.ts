// Which compiled cells may skip Node's SIGINT watchdog (kernel/interrupt/sigintWatchdog.ts): only those that
// cannot reach code outside themselves. The cells are compiled by tslab's converter, as the kernel
// compiles them, with a variable from an earlier cell in scope.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as path from 'node:path';
import type * as TS from 'typescript';
import type { Converter } from 'tslab/dist/converter';
import { needsSigintWatchdog } from '../../kernel/interrupt/sigintWatchdog';

describe('kernel: the SIGINT watchdog is skipped only for cells that cannot call out', () => {
  let ts: typeof TS;
  let converter: Converter;
  let prevDecl = '';
  before(() => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const tslabDir = path.dirname(require.resolve('tslab/package.json'));
    ts = require(require.resolve('@tslab/typescript-for-tslab', { paths: [tslabDir] }));
    converter = (require('tslab/dist/converter') as typeof import('tslab/dist/converter')).createConverter({
      isJS: false,
      isBrowser: false,
    });
    /* eslint-enable @typescript-eslint/no-require-imports */
    prevDecl = compileDecl('const obj: any = { n: 1 };\nconst n = 5;');
  });
  after(() => converter?.close());

  function compileDecl(src: string): string {
    const c = converter.convert(prevDecl, src);
    assert.deepEqual(c.diagnostics, []);
    return c.declOutput ?? '';
  }

  function needs(src: string): boolean {
    const c = converter.convert(prevDecl, src);
    assert.deepEqual(c.diagnostics, [], src);
    assert.ok(c.output, `no output for ${src}`);
    return needsSigintWatchdog(ts, c.output);
  }

  it('skips it for literals, declarations and reading or assigning variables', () => {
    for (const src of [
      '1 + 1',
      '(1 + 2) * 3',
      '"text"',
      'true',
      'null',
      'const a = 5',
      'let u; u = 4',
      'n',
      'obj',
      'let m = n',
      'n === 5 ? 1 : 0',
      '!obj',
      'typeof obj',
      'obj ?? n',
      '-(2 ** 10)',
      'undefined',
    ]) {
      assert.equal(needs(src), false, src);
    }
  });

  it('keeps it for anything that may run code outside the cell', () => {
    const cells = [
      'Math.max(1, 2)', // a call
      'obj.n', // a property read: a getter
      'n * 2', // converts a variable: valueOf
      '-n', // the same, unary
      'obj < 3',
      'obj == 1',
      '`${n}`', // a template: toString
      '[1, 2]', // an array literal (and spread, destructuring)
      '({ a: 1 })',
      'new Date(0)',
      'const f = () => 1',
      'function g() { return 1; }',
      'class K {}',
      'let s = 0;\nfor (;;) { s++; break; }',
      'let t = 1;\nt += n;',
      "'n' in obj",
      'obj instanceof Object',
      'const { x } = obj',
      'delete obj.n',
      'await 1',
      'globalThis',
    ];
    for (const src of cells) assert.equal(needs(src), true, src);
  });

  it('keeps it when it cannot tell (no compiler at hand)', () => {
    assert.equal(needsSigintWatchdog(undefined, 'exports.x = 1;'), true);
  });
});
