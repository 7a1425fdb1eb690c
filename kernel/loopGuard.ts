/**
 * Makes loops in cell code interruptible. SIGINT can only break synchronous code running at a
 * cell's top level (vm `breakOnSigint`); a loop that runs after an `await`, or inside a function
 * the cell defined and something else calls later (an objective inside study.optimize), runs from
 * the microtask queue where no signal reaches it. So each loop body in the compiled cell starts
 * with a call that reads the interrupt counter the socket thread writes in shared memory and
 * throws when a new interrupt request has arrived.
 */
import type * as TS from 'typescript';

export const GUARD_NAME = '__tunelab_loop_guard__';

/** Adds `GUARD_NAME();` at the start of every loop body of `js` (a compiled cell). */
export function instrumentLoops(ts: typeof TS, js: string): string {
  // Most cells have no loop: skip parsing and printing them (it would cost about half a millisecond).
  if (!/\b(?:for|while|do)\b/.test(js)) return js;
  const source = ts.createSourceFile('cell.js', js, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  let changed = false;
  const transformer: TS.TransformerFactory<TS.SourceFile> = (context) => {
    const f = context.factory;
    const guard = () => f.createExpressionStatement(f.createCallExpression(f.createIdentifier(GUARD_NAME), undefined, []));
    const guarded = (body: TS.Statement): TS.Statement => {
      changed = true;
      return ts.isBlock(body) ? f.updateBlock(body, [guard(), ...body.statements]) : f.createBlock([guard(), body], true);
    };
    const visit = (node: TS.Node): TS.Node => {
      const n = ts.visitEachChild(node, visit, context);
      if (ts.isWhileStatement(n)) return f.updateWhileStatement(n, n.expression, guarded(n.statement));
      if (ts.isDoStatement(n)) return f.updateDoStatement(n, guarded(n.statement), n.expression);
      if (ts.isForStatement(n)) return f.updateForStatement(n, n.initializer, n.condition, n.incrementor, guarded(n.statement));
      if (ts.isForInStatement(n)) return f.updateForInStatement(n, n.initializer, n.expression, guarded(n.statement));
      if (ts.isForOfStatement(n)) return f.updateForOfStatement(n, n.awaitModifier, n.initializer, n.expression, guarded(n.statement));
      return n;
    };
    return (sf) => ts.visitNode(sf, visit) as TS.SourceFile;
  };
  const result = ts.transform(source, [transformer]);
  const out = changed ? ts.createPrinter({ newLine: ts.NewLineKind.LineFeed }).printFile(result.transformed[0]) : js;
  result.dispose();
  return out;
}
