/**
 * Makes a cell's top-level loops interruptible. SIGINT can only break synchronous code while
 * vm.runInThisContext runs (`breakOnSigint`); once a cell has awaited, the rest of it runs from the
 * microtask queue where no signal reaches it. So each top-level loop of the compiled cell gets a
 * check that reads the interrupt counter the socket thread writes in shared memory and throws when a
 * new interrupt request has arrived.
 *
 * Loops inside functions are left alone: a check costs a few nanoseconds per iteration, which would
 * slow a tight numeric function several times over, and the usual long-running function, an
 * objective, is stopped between trials by the optimize check (interrupts.ts). Top-level loops are
 * already slow (tslab turns each update of a top-level variable into a property write), so there
 * the check does not show.
 *
 * Each loop keeps a local counter and calls the guard every `limit` iterations; the guard adapts
 * `limit` so checks happen every couple of milliseconds however long an iteration takes:
 *
 *   { let __tl_n = 0, __tl_lim = 1;
 *     for (...) { if (++__tl_n >= __tl_lim) { __tl_lim = GUARD(__tl_lim); __tl_n = 0; } body } }
 */
import type * as TS from 'typescript';

export const GUARD_NAME = '__tunelab_loop_guard__';
const COUNT = '__tl_n';
const LIMIT = '__tl_lim';

/** Adds the interrupt check to every loop of `js` (a compiled cell) that is not inside a function or class. */
export function instrumentLoops(ts: typeof TS, js: string): string {
  // Most cells have no loop: skip parsing and printing them (it would cost about half a millisecond).
  if (!/\b(?:for|while|do)\b/.test(js)) return js;
  const source = ts.createSourceFile('cell.js', js, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  let changed = false;
  const transformer: TS.TransformerFactory<TS.SourceFile> = (context) => {
    const f = context.factory;
    const check = () =>
      f.createIfStatement(
        f.createBinaryExpression(f.createPrefixIncrement(f.createIdentifier(COUNT)), ts.SyntaxKind.GreaterThanEqualsToken, f.createIdentifier(LIMIT)),
        f.createBlock([
          f.createExpressionStatement(
            f.createAssignment(f.createIdentifier(LIMIT), f.createCallExpression(f.createIdentifier(GUARD_NAME), undefined, [f.createIdentifier(LIMIT)])),
          ),
          f.createExpressionStatement(f.createAssignment(f.createIdentifier(COUNT), f.createNumericLiteral(0))),
        ]),
      );
    // Blocks made by withCounters: a loop whose body is itself a loop (`for (a) for (b) x;`) gets such
    // a block as its body, and its check must go in front of that block, not inside it before the
    // inner `let __tl_n` (that would read the inner counter in its temporal dead zone).
    const counterBlocks = new WeakSet<TS.Node>();
    const guardedBody = (body: TS.Statement): TS.Statement =>
      ts.isBlock(body) && !counterBlocks.has(body)
        ? f.updateBlock(body, [check(), ...body.statements])
        : f.createBlock([check(), body], true);
    const withCounters = (stmt: TS.Statement): TS.Statement => {
      changed = true;
      const decl = f.createVariableStatement(
        undefined,
        f.createVariableDeclarationList(
          [f.createVariableDeclaration(COUNT, undefined, undefined, f.createNumericLiteral(0)), f.createVariableDeclaration(LIMIT, undefined, undefined, f.createNumericLiteral(1))],
          ts.NodeFlags.Let,
        ),
      );
      const block = f.createBlock([decl, stmt], true);
      counterBlocks.add(block);
      return block;
    };
    const instrumentLoop = (n: TS.Node): TS.Statement | undefined => {
      if (ts.isWhileStatement(n)) return f.updateWhileStatement(n, n.expression, guardedBody(n.statement));
      if (ts.isDoStatement(n)) return f.updateDoStatement(n, guardedBody(n.statement), n.expression);
      if (ts.isForStatement(n)) return f.updateForStatement(n, n.initializer, n.condition, n.incrementor, guardedBody(n.statement));
      if (ts.isForInStatement(n)) return f.updateForInStatement(n, n.initializer, n.expression, guardedBody(n.statement));
      if (ts.isForOfStatement(n)) return f.updateForOfStatement(n, n.awaitModifier, n.initializer, n.expression, guardedBody(n.statement));
      return undefined;
    };
    const visit = (node: TS.Node): TS.Node => {
      if (ts.isFunctionLike(node) || ts.isClassLike(node)) return node;
      const n = ts.visitEachChild(node, visit, context);
      // A labelled loop keeps its label on the loop itself (`continue label` needs it there): the
      // counters' block goes around the label.
      if (ts.isLabeledStatement(n) && isLoopAfterLabels(ts, n.statement)) return withCounters(n);
      const loop = instrumentLoop(n);
      if (!loop) return n;
      return ts.isLabeledStatement(node.parent) ? loop : withCounters(loop);
    };
    return (sf) => ts.visitNode(sf, visit) as TS.SourceFile;
  };
  const result = ts.transform(source, [transformer]);
  const out = changed ? ts.createPrinter({ newLine: ts.NewLineKind.LineFeed }).printFile(result.transformed[0]) : js;
  result.dispose();
  return out;
}

function isLoopAfterLabels(ts: typeof TS, s: TS.Statement): boolean {
  while (ts.isLabeledStatement(s)) s = s.statement;
  return ts.isIterationStatement(s, false);
}

const TARGET_MS = 2;
const MAX_LIMIT = 1 << 22;

/**
 * The guard cells call. `interrupted()` says whether to throw (it consumes the request); the
 * returned number is how many iterations to run before the next check, doubled while checks come
 * faster than every TARGET_MS and halved when they come slower.
 */
export function createLoopGuard(interrupted: () => boolean, makeError: () => Error): (limit: number) => number {
  let last = performance.now();
  return (limit: number) => {
    if (interrupted()) throw makeError();
    const now = performance.now();
    const elapsed = now - last;
    last = now;
    if (elapsed < TARGET_MS) return Math.min(limit * 2, MAX_LIMIT);
    if (elapsed > 4 * TARGET_MS) return Math.max(1, Math.floor(limit / 2));
    return limit;
  };
}
