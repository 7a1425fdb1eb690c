/**
 * Expands shorthand object properties (`{ x }` to `{ x: x }`) in a cell's source before tslab
 * compiles it. tslab rewrites a reference to a variable from an earlier cell into `exports.x`, but it
 * looks identifiers up through the type checker, which resolves the name in `{ x }` to the new
 * object's property rather than to the variable, so the reference stayed bare and threw
 * "x is not defined" at run time. The long form means exactly the same in every position where the
 * shorthand is legal (object literals and destructuring assignment targets, with or without a default).
 */
import type * as TS from 'typescript';

export function expandShorthandProperties(ts: typeof TS, src: string): string {
  // Cheap pre-check: no brace, no shorthand.
  if (!src.includes('{')) return src;
  const sf = ts.createSourceFile('cell.tsx', src, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const insertions: Array<{ at: number; text: string }> = [];
  const visit = (node: TS.Node): void => {
    if (ts.isShorthandPropertyAssignment(node)) {
      insertions.push({ at: node.name.getEnd(), text: `: ${node.name.text}` });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  if (insertions.length === 0) return src;
  let out = src;
  for (const { at, text } of insertions.sort((a, b) => b.at - a.at)) out = out.slice(0, at) + text + out.slice(at);
  return out;
}
