// The loop instrumentation that makes every loop of a cell interruptible, including loops inside
// functions that run after an await. Instrumented code must compute exactly what the original does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as path from 'node:path';
import { GUARD_NAME, createLoopGuard, instrumentLoops, type LoopGuard } from '../../kernel/interrupt/loopGuard';
import { ROOT } from './helpers';

// The TypeScript copy tslab (and so the kernel) uses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ts = require(
  require.resolve('@tslab/typescript-for-tslab', { paths: [path.join(ROOT, 'node_modules', 'tslab')] }),
) as typeof import('typescript');

const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as FunctionConstructor;

/** A guard that never interrupts and counts its checks per site. */
function countingGuard(): LoopGuard & { checks: number[] } {
  const checks: number[] = [];
  return {
    checks,
    sites: () => [],
    check: (_sites, site) => {
      checks[site] = (checks[site] ?? 0) + 1;
      return 0; // check again at the next iteration: every iteration is seen
    },
  };
}

/** Runs `js` as the executor does (the body of a function taking the guard), instrumented and not, and returns both results. */
async function runBoth(js: string): Promise<{ plain: unknown; instrumented: unknown; checks: number[]; code: string }> {
  const code = instrumentLoops(ts, js);
  assert.notEqual(code, js, 'the code has loops to instrument');
  const guard = countingGuard();
  const plain = await new AsyncFunction(GUARD_NAME, js)(undefined);
  const instrumented = await new AsyncFunction(GUARD_NAME, code)(guard);
  return { plain, instrumented, checks: guard.checks, code };
}

describe('loop guard instrumentation', () => {
  it('keeps labelled loops, continue/break label and single-statement bodies working', async () => {
    const r = await runBoth(
      [
        'const out = [];',
        'outer: for (let i = 0; i < 4; i++) { for (const j of [0, 1, 2]) { if (j === 1) continue outer; if (i === 3) break outer; out.push(`${i}${j}`); } }',
        'a: b: for (let i = 0; i < 3; i++) inner: while (true) { if (i === 1) continue b; out.push("w" + i); break inner; }',
        'let k = 0; if (true) while (k < 5) k++;',
        'do k--; while (k > 2);',
        'do k += 10\nwhile (k < 30)',
        'while (k++ < 40);',
        'for (const key in { a: 1, b: 2 }) out.push(key);',
        'for (const a of [1, 2]) for (const b of [10, 20]) out.push(a * b);',
        'let n = 0; while (n < 3) for (let i = 0; i < 2; i++) n++;',
        'for (let i = 0, j = 10; i < j; i++, j--) /* comment */ out.push(i + j) // trailing',
        'return { out, k, n };',
      ].join('\n'),
    );
    assert.deepEqual(r.instrumented, r.plain);
    assert.ok(r.checks.length >= 10, `every loop is guarded: ${r.checks.length} sites checked`);
  });

  it('guards loops inside functions, arrows, methods, getters, static blocks, generators and async functions', async () => {
    const r = await runBoth(
      [
        '"use strict";',
        'function sum(n) { let s = 0; for (let i = 0; i < n; i++) s += i; return s; }',
        'const arrow = (xs) => { let p = 1; for (const x of xs) { p *= x; } return p; };',
        'class Grid {',
        '  static cells = [];',
        '  static { for (let i = 0; i < 3; i++) Grid.cells.push(i * i); }',
        '  rows = [1, 2, 3].map((r) => { let t = 0; let i = 0; do { t += r; } while (++i < r); return t; });',
        '  get total() { let t = 0; for (const r of this.rows) t += r; return t; }',
        '  *walk() { for (const r of this.rows) { yield r; } }',
        '}',
        'async function* slowly(n) { for (let i = 0; i < n; i++) { await null; yield i; } }',
        'async function collect() { const got = []; for await (const v of slowly(4)) got.push(v); return got; }',
        'const g = new Grid();',
        'return { sum: sum(100), arrow: arrow([2, 3, 4]), cells: Grid.cells, total: g.total, walk: [...g.walk()], collected: await collect() };',
      ].join('\n'),
    );
    assert.deepEqual(r.instrumented, r.plain);
    assert.match(r.code, /^"use strict"; var __tunelab_loops__ = /, 'the directive prologue stays first');
    const sites = r.checks.filter((c) => c > 0).length;
    assert.equal(sites, 8, 'each of the eight loops checked');
  });

  it('keeps closures over loop variables, recursion and temporal dead zones as they were', async () => {
    const r = await runBoth(
      [
        'const fns = [];',
        'for (let i = 0; i < 3; i++) fns.push(() => i);',
        // A hoisted function called before the loop code that follows it in the source.
        'const early = count(4);',
        'function count(n) { let c = 0; while (c < n) c++; return c; }',
        // Recursion: every level shares the site's counter.
        'function perms(xs) { if (xs.length <= 1) return [xs]; const out = []; for (let i = 0; i < xs.length; i++) for (const p of perms([...xs.slice(0, i), ...xs.slice(i + 1)])) out.push([xs[i], ...p]); return out; }',
        'let tdz; try { for (const x of [1]) { tdz = later; } } catch (e) { tdz = e.name; } const later = 1;',
        'return { fns: fns.map((f) => f()), early, perms: perms([1, 2, 3]).map((p) => p.join("")), tdz };',
      ].join('\n'),
    );
    assert.deepEqual(r.instrumented, r.plain);
    assert.deepEqual((r.instrumented as { tdz: unknown }).tdz, 'ReferenceError');
  });

  it('keeps switch/continue, object methods, default parameters and bodiless for await working', async () => {
    const r = await runBoth(
      [
        'const out = [];',
        'rows: for (let i = 0; i < 5; i++) { switch (i % 3) { case 0: continue rows; case 1: for (;;) { out.push(i); break; } break; default: do { out.push(-i); continue rows; } while (false); } }',
        'const obj = { *keys() { for (const k of ["a", "b"]) yield k; }, get size() { let n = 0; for (const _ of this.keys()) n++; return n; } };',
        'function withDefault(xs = (() => { const a = []; for (let i = 0; i < 3; i++) a.push(i); return a; })()) { return xs; }',
        'const squares = async (n) => { const got = []; async function* gen() { for (let i = 0; i < n; i++) yield i * i; } for await (const v of gen()) got.push(v); return got; };',
        'let bodiless = 0; for await (const v of [1, 2, 3]) bodiless += v;',
        'return { out, size: obj.size, keys: [...obj.keys()], def: withDefault(), squares: await squares(4), bodiless };',
      ].join('\n'),
    );
    assert.deepEqual(r.instrumented, r.plain);
    assert.equal(r.checks.filter((c) => c > 0).length, 9, 'each of the nine loops checked');
  });

  it('checks at the entry of functions that call themselves, keeping their directives and expression bodies', async () => {
    const r = await runBoth(
      [
        'function fact(n) { "use strict"; return n <= 1 ? (this === undefined ? 1 : NaN) : n * fact(n - 1); }',
        'const fib = function (n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); };',
        'const tree = (d) => ({ d, kids: d > 0 ? [tree(d - 1), tree(d - 1)] : [] });',
        'const size = (t) => 1 + t.kids.reduce((a, k) => a + size(k), 0);',
        'class Walker { depth(n) { return n === 0 ? 0 : 1 + this.depth(n - 1); } }',
        // An arrow whose end is also the end of a bodiless loop body: `)` must close before `}`.
        'let g; let i = 0; while (i++ < 1) g = (n) => n > 0 ? g(n - 1) : "done";',
        'return { fact: fact(6), fib: fib(15), size: size(tree(5)), depth: new Walker().depth(7), g: g(3) };',
      ].join('\n'),
    );
    assert.deepEqual(r.instrumented, r.plain);
    assert.deepEqual(r.instrumented, { fact: 720, fib: 610, size: 63, depth: 7, g: 'done' });
    assert.equal(r.checks.filter((c) => c > 0).length, 7, 'five recursive functions, the loop and the arrow in it');
  });

  it('throws out of a recursion without loops once an interrupt arrives', async () => {
    let checks = 0;
    const guard = createLoopGuard(
      () => ++checks >= 20,
      () => new Error('interrupted'),
    );
    const js = 'await null;\nfunction fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }\nreturn fib(60);';
    await assert.rejects(new AsyncFunction(GUARD_NAME, instrumentLoops(ts, js))(guard) as Promise<unknown>, /interrupted/);
  });

  it('keeps every line of the compiled cell on its line (stack traces stay right)', () => {
    const js =
      'let a = 0;\nfunction f() {\n  for (;;) {\n    if (a++ > 3) break;\n  }\n  while (a < 9) a++;\n}\nf();\nthrow new Error("line 9");';
    const code = instrumentLoops(ts, js);
    assert.equal(code.split('\n').length, js.split('\n').length);
    js.split('\n').forEach((line, i) =>
      assert.ok(code.split('\n')[i].includes(line.replace(/^\s*(?:for \(;;\) \{|while \(a < 9\) )/, '').trim()), line),
    );
    let thrown: unknown;
    try {
      new Function(GUARD_NAME, code)(countingGuard());
    } catch (err) {
      thrown = err;
    }
    assert.match(String((thrown as Error).stack), /<anonymous>:11:/, 'line 9 of the cell, after the 2 lines new Function adds');
  });

  it('leaves a cell without loops alone', () => {
    assert.equal(instrumentLoops(ts, 'const x = 1 + 1;'), 'const x = 1 + 1;');
    const noLoop = 'const forest = "while"; // do for';
    assert.equal(instrumentLoops(ts, noLoop), noLoop);
  });

  it('throws out of an endless loop in a function called after an await once an interrupt arrives', async () => {
    // The request "arrives" on the guard's 20th check (in the kernel, the socket thread writes it).
    let checks = 0;
    const guard = createLoopGuard(
      () => ++checks >= 20,
      () => new Error('interrupted'),
    );
    const js = 'await new Promise((r) => setTimeout(r, 1));\n(function spin() { let n = 0; while (true) { n++; } })();';
    await assert.rejects(new AsyncFunction(GUARD_NAME, instrumentLoops(ts, js))(guard) as Promise<unknown>, /interrupted/);
    assert.equal(checks, 20);
  });

  it('stops a generator looping between yields and a method loop inside a class', () => {
    let checks = 0;
    const guard = createLoopGuard(
      () => ++checks >= 5,
      () => new Error('interrupted'),
    );
    const js =
      'class C { *forever() { let i = 0; for (;;) yield i++; } drain() { let last; for (const v of this.forever()) last = v; return last; } }\nreturn new C().drain();';
    assert.throws(() => new Function(GUARD_NAME, instrumentLoops(ts, js))(guard), /interrupted/);
  });

  it('refills a site by how fast its checks come: more iterations per check for fast loops, one for slow ones', () => {
    // A fake clock makes the adaptation deterministic.
    const realPerformance = globalThis.performance;
    let now = 0;
    let step = 0.001; // ms per check
    Object.defineProperty(globalThis, 'performance', { value: { now: () => (now += step) }, configurable: true });
    try {
      const guard = createLoopGuard(
        () => false,
        () => new Error('never'),
      );
      const sites = guard.sites(2);
      const refills: number[] = [];
      for (let i = 0; i < 12; i++) refills.push(guard.check(sites, 0));
      assert.ok(refills.at(-1)! > 1_000_000, `a fast site runs long stretches between checks: ${refills.join(', ')}`);
      assert.ok(
        refills.every((r, i) => i === 0 || r >= refills[i - 1]),
        'it ramps up monotonically',
      );
      // Iterations become slow (50 ms between checks): the refill drops at once, not halving step by step.
      step = 50;
      const afterSlow = guard.check(sites, 0);
      assert.ok(afterSlow < refills.at(-1)! / 20, `a slow stretch cuts the refill in proportion: ${afterSlow}`);
      let last = afterSlow;
      for (let i = 0; i < 5; i++) last = guard.check(sites, 0);
      assert.equal(last, 0, 'a site whose single iteration takes longer than the target checks every iteration');
      // Another site keeps its own rate.
      assert.equal(guard.check(sites, 1), 0, "a site's first check starts from one iteration");
    } finally {
      Object.defineProperty(globalThis, 'performance', { value: realPerformance, configurable: true });
    }
  });
});
