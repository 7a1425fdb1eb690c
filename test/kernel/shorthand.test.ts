// Shorthand properties are expanded before tslab compiles a cell, so `{ x }` finds a variable that an
// earlier cell defined (tslab alone leaves that reference bare and it throws at run time).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as path from 'node:path';
import { expandShorthandProperties } from '../../kernel/shorthand';
import { ROOT } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ts = require(
  require.resolve('@tslab/typescript-for-tslab', { paths: [path.join(ROOT, 'node_modules', 'tslab')] }),
) as typeof import('typescript');

describe('shorthand property expansion', () => {
  it('expands object literals, nested ones and destructuring assignment targets with defaults', () => {
    const src = 'const o = { x, y: 2, nested: { z } };\n({ a, b = 3 } = other);';
    assert.equal(expandShorthandProperties(ts, src), 'const o = { x: x, y: 2, nested: { z: z } };\n({ a: a, b: b = 3 } = other);');
  });

  it('leaves declarations with binding patterns, methods and code without shorthand unchanged', () => {
    for (const src of ['const { x, y = 1 } = o;', 'const o = { f() { return 1; }, [k]: 2, ...rest };', 'let a = 1;']) {
      assert.equal(expandShorthandProperties(ts, src), src);
    }
  });

  it('keeps the meaning: the expanded code evaluates to the same objects', () => {
    const src = 'const x = 1, z = 3; let a, b; const other = { a: 10 }; ({ a, b = 3 } = other); return { x, nested: { z }, a, b };';
    const run = (code: string) => new Function(code)();
    assert.deepEqual(run(expandShorthandProperties(ts, src)), run(src));
  });
});
