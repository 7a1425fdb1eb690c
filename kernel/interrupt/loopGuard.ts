/**
 * Makes every loop of a cell interruptible. SIGINT can only break synchronous code while
 * vm.runInThisContext runs (`breakOnSigint`); once a cell has awaited, the rest of it (and every
 * function it calls, an async objective included) runs from the microtask queue where no signal
 * reaches it. So each loop of the compiled cell, wherever it is (top level, functions, arrows,
 * methods, class static blocks, async functions, generators), counts its iterations and now and
 * then calls the guard, which reads the interrupt requests the socket thread writes in shared
 * memory and throws when one has arrived.
 *
 * Each loop (a "site") has a counter, a variable declared first thing in the cell (a `var`, so no
 * temporal dead zone), decremented at the start of each iteration:
 *
 *   var __tunelab_loops__ = __tunelab_loop_guard__.sites(1), __tunelab_loop0 = 0; ...
 *   while (c) { if (--__tunelab_loop0 < 0) __tunelab_loop0 = __tunelab_loop_guard__.check(__tunelab_loops__, 0) | 0; body }
 *
 * Why a variable of the cell rather than a counter local to each loop or function: a local counter
 * restarts with every call, so a function whose short loop runs once per call, or a recursion whose
 * every level loops a few times, would never reach a check (or would check on every call, which
 * costs more than the loop). A variable of the cell lives as long as the cell's functions:
 * recursion, closures, generators and async functions share it and need no state of their own.
 * bench/loop-guard.ts measures the cost (a closure variable beat slots of a shared Int32Array: a
 * store into a typed array makes V8 reload the other typed arrays a numeric loop reads).
 *
 * A function that calls itself (by name, or a method through `this`) gets the same check at its
 * entry, since a recursion need not loop to run for ever; mutual recursion is not recognised.
 *
 * The guard adapts each site's refill so a site checks about every TARGET_MS however long its
 * iterations take. Code is edited as text (insertions only), so the compiled cell keeps its lines.
 * Only the cell's own code is instrumented: library code (and `.ts` modules next to the notebook,
 * which tslab compiles separately) is never seen here.
 */
import type * as TS from 'typescript';

export const GUARD_NAME = '__tunelab_loop_guard__';
const SITES = '__tunelab_loops__';
const COUNTER = '__tunelab_loop';

/** The guard's record of one cell's loop sites (opaque to cells). */
export type LoopSites = Array<{ limit: number; last: number } | undefined>;

/** What instrumented code calls. The kernel makes one (createLoopGuard); every cell shares it. */
export interface LoopGuard {
  /** The record of a cell's `count` loop sites. */
  sites(count: number): LoopSites;
  /**
   * A site's counter ran out: throws if the code must stop, else returns the site's next refill.
   * With `mayInterrupt` false it only refills (the caller leaves the interrupt to someone else).
   */
  check(sites: LoopSites, site: number, mayInterrupt?: boolean): number;
}

/**
 * Adds the interrupt check to every loop of `js`, the compiled code of a cell, which the executor
 * runs as the body of a function, and to the entry of every function that calls itself (a
 * recursion need not loop to run for ever). Returns `js` itself when there is neither.
 */
export function instrumentLoops(ts: typeof TS, js: string): string {
  // Most cells have no loop and no function: skip parsing them.
  if (!/\b(?:for|while|do|function)\b|=>|\(\)\s*\{/.test(js)) return js;
  const source = ts.createSourceFile('cell.js', js, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const edits: Array<{ at: number; text: string; closes: boolean }> = [];
  let sites = 0;
  const check = (site: number) => `if (--${COUNTER}${site} < 0) ${COUNTER}${site} = ${GUARD_NAME}.check(${SITES}, ${site}) | 0;`;
  const visit = (node: TS.Node): void => {
    if (ts.isIterationStatement(node, false)) {
      const body = node.statement;
      const site = sites++;
      if (ts.isBlock(body)) {
        edits.push({ at: body.getStart(source) + 1, text: ` ${check(site)}`, closes: false });
      } else {
        // A single-statement body (`while (c) x++;`, or a loop: `for (a) for (b) x;`) gets braces.
        // A labelled loop keeps its label: the check goes inside the body, which `continue label`
        // re-enters, so that path checks too.
        edits.push({ at: body.getStart(source), text: `{ ${check(site)} `, closes: false });
        edits.push({ at: body.getEnd(), text: ' }', closes: true });
      }
    }
    const recursive = selfCallingBody(ts, node);
    if (recursive) {
      const site = sites++;
      if (ts.isBlock(recursive)) {
        // After the function's own "use strict", which must stay its first statement.
        const prologue = prologueEnd(ts, recursive.statements);
        edits.push({ at: prologue > 0 ? prologue : recursive.getStart(source) + 1, text: ` ${check(site)}`, closes: false });
      } else {
        // An arrow's expression body: (check, expression).
        const entry = `--${COUNTER}${site} < 0 && (${COUNTER}${site} = ${GUARD_NAME}.check(${SITES}, ${site}) | 0)`;
        edits.push({ at: recursive.getStart(source), text: `(${entry}, `, closes: false });
        edits.push({ at: recursive.getEnd(), text: ')', closes: true });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  if (sites === 0) return js;
  // The counters come first (after a "use strict" prologue, which must stay first), on the first
  // line, so every line keeps its number in stack traces.
  // Counters start at 0, so each site checks at its first iteration and gets its refill.
  const counters = Array.from({ length: sites }, (_, i) => `, ${COUNTER}${i} = 0`).join('');
  edits.push({ at: prologueEnd(ts, source.statements), text: ` var ${SITES} = ${GUARD_NAME}.sites(${sites})${counters};`, closes: false });
  // At one position, what closes goes before what opens; closers close the innermost (the last
  // pushed, since nodes are visited outside-in) first, and openers open the outermost first.
  const order = new Map(edits.map((e, i) => [e, e.closes ? -i : i]));
  edits.sort((a, b) => a.at - b.at || Number(b.closes) - Number(a.closes) || order.get(a)! - order.get(b)!);
  let out = '';
  let from = 0;
  for (const e of edits) {
    out += js.slice(from, e.at) + e.text;
    from = e.at;
  }
  return out + js.slice(from);
}

/** Where the directive prologue ("use strict"; ...) of a body ends (0 when there is none). */
function prologueEnd(ts: typeof TS, statements: readonly TS.Statement[]): number {
  let end = 0;
  for (const s of statements) {
    if (!(ts.isExpressionStatement(s) && ts.isStringLiteral(s.expression))) break;
    end = s.getEnd();
  }
  return end;
}

/**
 * The body of a function that calls itself by name: `function f() { f() }`, `const f = (n) => f(n)`,
 * a method calling `this.m()`. (Mutual recursion is not recognised.)
 */
function selfCallingBody(ts: typeof TS, node: TS.Node): TS.ConciseBody | undefined {
  let name: string | undefined;
  let viaThis = false;
  let body: TS.ConciseBody | undefined;
  if ((ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node)) && node.body) {
    body = node.body;
    name = node.name?.text;
  } else if (ts.isArrowFunction(node)) {
    body = node.body;
  } else if (ts.isMethodDeclaration(node) && node.body && ts.isIdentifier(node.name)) {
    body = node.body;
    name = node.name.text;
    viaThis = true;
  }
  if (!body) return undefined;
  // An anonymous function or arrow given to a variable: `const f = () => f()`, `f = () => f()`.
  const parent = node.parent;
  if (!name && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) name = parent.name.text;
  if (!name && ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken && ts.isIdentifier(parent.left)) {
    name = parent.left.text;
  }
  if (!name) return undefined;
  const callee = name;
  const callsItself = (n: TS.Node): boolean => {
    if (ts.isCallExpression(n)) {
      const e = n.expression;
      if (!viaThis && ts.isIdentifier(e) && e.text === callee) return true;
      if (viaThis && ts.isPropertyAccessExpression(e) && e.expression.kind === ts.SyntaxKind.ThisKeyword && e.name.text === callee)
        return true;
    }
    return ts.forEachChild(n, callsItself) ?? false;
  };
  return callsItself(body) ? body : undefined;
}

/** How often a loop site should check, in milliseconds. */
const TARGET_MS = 2;
/** Largest refill: an interrupt is seen after at most this many iterations of a site (about 2 ms of a tight loop). */
const MAX_LIMIT = 1 << 22;
/** How much faster than the last stretch the next may be: bounds the ramp when a site's iterations get slower. */
const MAX_GROWTH = 8;

/**
 * The guard the kernel hands to cells. `interrupted()` says whether to throw (it consumes the
 * request); otherwise it returns how many iterations the site runs before its next check: grown (up to MAX_GROWTH times) while that site's checks come faster than TARGET_MS, cut in
 * proportion when they come slower. Each site keeps its own rate, since a cell's loops differ by
 * orders of magnitude in what an iteration costs.
 */
export function createLoopGuard(interrupted: () => boolean, makeError: () => Error): LoopGuard {
  return {
    sites: () => [],
    check: (sites, site, mayInterrupt = true) => {
      if (mayInterrupt && interrupted()) throw makeError();
      const now = performance.now();
      const state = sites[site];
      if (!state) {
        sites[site] = { limit: 1, last: now };
        return 0;
      }
      const elapsed = now - state.last;
      state.last = now;
      if (elapsed < TARGET_MS / 2) {
        const factor = elapsed > 0 ? Math.min(MAX_GROWTH, TARGET_MS / elapsed) : MAX_GROWTH;
        state.limit = Math.min(MAX_LIMIT, Math.ceil(state.limit * factor));
      } else if (elapsed > 2 * TARGET_MS) {
        state.limit = Math.max(1, Math.floor((state.limit * TARGET_MS) / elapsed));
      }
      // This iteration was one of them.
      return state.limit - 1;
    },
  };
}
