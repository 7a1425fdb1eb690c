// The loop instrumentation that makes a cell's top-level loops interruptible after an await.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as path from 'node:path';
import { GUARD_NAME, createLoopGuard, instrumentLoops } from '../../kernel/loopGuard';
import { ROOT } from './helpers';

// The TypeScript copy tslab (and so the kernel) uses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ts = require(require.resolve('@tslab/typescript-for-tslab', { paths: [path.join(ROOT, 'node_modules', 'tslab')] })) as typeof import('typescript');

function runWith(js: string, guard: (limit: number) => number): unknown {
  return new Function(GUARD_NAME, js)(guard);
}

describe('loop guard instrumentation', () => {
  it('keeps labelled loops, continue/break and single-statement bodies working', () => {
    const js = [
      'const out = [];',
      'outer: for (let i = 0; i < 4; i++) { for (const j of [0, 1, 2]) { if (j === 1) continue outer; if (i === 3) break outer; out.push(`${i}${j}`); } }',
      'let k = 0; if (true) while (k < 5) k++;',
      'do k--; while (k > 2);',
      'for (const key in { a: 1, b: 2 }) out.push(key);',
      'return { out, k };',
    ].join('\n');
    const instrumented = instrumentLoops(ts, js);
    assert.notEqual(instrumented, js);
    let calls = 0;
    assert.deepEqual(runWith(instrumented, (l) => (calls++, l)), runWith(js, (l) => l));
    assert.ok(calls > 0, 'the guard was consulted');
  });

  it('guards a loop whose body is another loop without braces (nested counters)', () => {
    const js = [
      'const out = [];',
      'for (const a of [1, 2]) for (const b of [10, 20]) out.push(a * b);',
      'let n = 0; while (n < 3) for (let i = 0; i < 2; i++) n++;',
      'return { out, n };',
    ].join('\n');
    const instrumented = instrumentLoops(ts, js);
    assert.notEqual(instrumented, js);
    assert.deepEqual(runWith(instrumented, (l) => l), { out: [10, 20, 20, 40], n: 4 });
  });

  it('leaves loops inside functions and classes untouched (their speed matters)', () => {
    const js = 'function f(n) { let s = 0; for (let i = 0; i < n; i++) s += i; return s; }\nclass C { m() { while (false) {} } }\nconst g = () => { do {} while (false); };';
    assert.equal(instrumentLoops(ts, js), js);
    assert.equal(instrumentLoops(ts, 'const x = 1 + 1;'), 'const x = 1 + 1;');
  });

  it('throws out of an endless top-level loop once an interrupt is requested', () => {
    // The request "arrives" on the guard's 20th check (in the kernel, the socket thread writes it).
    let checks = 0;
    const guard = createLoopGuard(
      () => ++checks >= 20,
      () => new Error('interrupted'),
    );
    assert.throws(() => runWith(instrumentLoops(ts, 'let n = 0; while (true) { n++; }'), guard), /interrupted/);
    assert.equal(checks, 20);
  });
});
