/**
 * Whether a compiled cell must run under Node's SIGINT watchdog (vm `breakOnSigint`).
 *
 * The watchdog is what lets SIGINT break synchronous code the loop guard cannot reach: a long call
 * into library code at a cell's top level. It is not free: Node starts a helper thread for it and
 * swaps the process's SIGINT listeners out and back around every run: about half a millisecond per
 * cell in the kernel, where that thread waits for a core while ZeroMQ's threads and the client
 * handle the round trip (a fifth of a trivial cell's round trip; bench/README.md). A cell that can only run its own code needs none of it: its loops and self-recursions are
 * checked by the loop guard, and without loops or calls it ends in microseconds.
 *
 * So a cell skips the watchdog when it cannot reach any code outside itself: it only declares
 * variables and assigns or shows values built from literals, its own variables and earlier cells'
 * variables (plain data properties of the cells' exports object). Anything that may call out does
 * not qualify: calls, `new`, templates, property reads other than `exports.<name>` (a getter),
 * iteration and spread (iterators), functions and classes, and every operator that converts an
 * object (`+`, `<`, `==`...: `valueOf`/`toString`), unless all its operands are literals. The test
 * is deliberately narrow; a cell it does not recognise keeps the watchdog.
 */
import type * as TS from 'typescript';

/** tslab's first line of every compiled cell (a call, but to a built-in on our own object). */
const ES_MODULE_MARKER = 'Object.defineProperty(exports, "__esModule", { value: true });';

/** Globals that are non-writable, non-configurable data properties: reading them runs nothing. */
const IMMUTABLE_GLOBALS = new Set(['undefined', 'NaN', 'Infinity']);

export function needsSigintWatchdog(ts: typeof TS | undefined, js: string): boolean {
  if (!ts) return true;
  const body = js.startsWith(ES_MODULE_MARKER) ? js.slice(ES_MODULE_MARKER.length) : js;
  // Cheap pre-check, so that cells doing real work are not parsed again: a call, an index, a
  // template, a block, an object literal or an arrow means "keep it" (in a string too: harmless).
  if (/[`[{]|=>|[\w$)\]]\s*\(/.test(body)) return true;
  const sf = ts.createSourceFile('cell.js', body, ts.ScriptTarget.ES2022, false, ts.ScriptKind.JS);
  const locals = new Set<string>();
  for (const statement of sf.statements) {
    if (!inertStatement(ts, statement, locals)) return true;
  }
  return false;
}

function inertStatement(ts: typeof TS, s: TS.Statement, locals: Set<string>): boolean {
  if (ts.isVariableStatement(s)) {
    for (const d of s.declarationList.declarations) {
      if (!ts.isIdentifier(d.name)) return false; // destructuring may run iterators or getters
      if (d.initializer && !inertExpression(ts, d.initializer, locals)) return false;
      locals.add(d.name.text);
    }
    return true;
  }
  return ts.isExpressionStatement(s) && inertExpression(ts, s.expression, locals);
}

/** Evaluating `e` runs no code but the cell's own. */
function inertExpression(ts: typeof TS, e: TS.Expression, locals: Set<string>): boolean {
  if (isLiteral(ts, e)) return true;
  if (ts.isParenthesizedExpression(e)) return inertExpression(ts, e.expression, locals);
  if (ts.isIdentifier(e)) return locals.has(e.text) || IMMUTABLE_GLOBALS.has(e.text);
  if (isExportsRead(ts, e)) return true;
  if (ts.isVoidExpression(e) || ts.isTypeOfExpression(e)) return inertExpression(ts, e.expression, locals);
  if (ts.isPrefixUnaryExpression(e)) {
    // `!x` converts to a boolean, which never calls out; `-x`, `+x`, `~x` may call valueOf.
    return e.operator === ts.SyntaxKind.ExclamationToken ? inertExpression(ts, e.operand, locals) : literalOnly(ts, e.operand);
  }
  if (ts.isConditionalExpression(e)) {
    return [e.condition, e.whenTrue, e.whenFalse].every((x) => inertExpression(ts, x, locals));
  }
  if (ts.isBinaryExpression(e)) {
    const op = e.operatorToken.kind;
    if (op === ts.SyntaxKind.EqualsToken) {
      return isAssignable(ts, e.left, locals) && inertExpression(ts, e.right, locals);
    }
    if (NON_CONVERTING.has(ts.SyntaxKind[op])) {
      return inertExpression(ts, e.left, locals) && inertExpression(ts, e.right, locals);
    }
    return CONVERTING.has(ts.SyntaxKind[op]) && literalOnly(ts, e.left) && literalOnly(ts, e.right);
  }
  return false;
}

/** Operators that never convert their operands to primitives. */
const NON_CONVERTING = new Set([
  'EqualsEqualsEqualsToken',
  'ExclamationEqualsEqualsToken',
  'AmpersandAmpersandToken',
  'BarBarToken',
  'QuestionQuestionToken',
  'CommaToken',
]);

/** Operators that do (valueOf / toString / Symbol.toPrimitive), safe only between literals. */
const CONVERTING = new Set([
  'PlusToken',
  'MinusToken',
  'AsteriskToken',
  'AsteriskAsteriskToken',
  'SlashToken',
  'PercentToken',
  'LessThanToken',
  'GreaterThanToken',
  'LessThanEqualsToken',
  'GreaterThanEqualsToken',
  'EqualsEqualsToken',
  'ExclamationEqualsToken',
  'AmpersandToken',
  'BarToken',
  'CaretToken',
  'LessThanLessThanToken',
  'GreaterThanGreaterThanToken',
  'GreaterThanGreaterThanGreaterThanToken',
]);

function isLiteral(ts: typeof TS, e: TS.Expression): boolean {
  return (
    ts.isNumericLiteral(e) ||
    ts.isBigIntLiteral(e) ||
    ts.isStringLiteral(e) ||
    e.kind === ts.SyntaxKind.TrueKeyword ||
    e.kind === ts.SyntaxKind.FalseKeyword ||
    e.kind === ts.SyntaxKind.NullKeyword
  );
}

/** Built from literals alone (primitives: converting them calls nothing). */
function literalOnly(ts: typeof TS, e: TS.Expression): boolean {
  if (isLiteral(ts, e)) return true;
  if (ts.isIdentifier(e)) return IMMUTABLE_GLOBALS.has(e.text);
  if (ts.isParenthesizedExpression(e)) return literalOnly(ts, e.expression);
  if (ts.isPrefixUnaryExpression(e)) return literalOnly(ts, e.operand);
  if (ts.isVoidExpression(e) || ts.isTypeOfExpression(e)) return literalOnly(ts, e.expression);
  if (ts.isConditionalExpression(e)) return [e.condition, e.whenTrue, e.whenFalse].every((x) => literalOnly(ts, x));
  if (ts.isBinaryExpression(e)) {
    const op = ts.SyntaxKind[e.operatorToken.kind];
    return (CONVERTING.has(op) || NON_CONVERTING.has(op)) && literalOnly(ts, e.left) && literalOnly(ts, e.right);
  }
  return false;
}

/** `exports.name`: the cells' variables, plain data properties of the kernel's own object. */
function isExportsRead(ts: typeof TS, e: TS.Expression): boolean {
  return ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'exports' && ts.isIdentifier(e.name);
}

function isAssignable(ts: typeof TS, e: TS.Expression, locals: Set<string>): boolean {
  return isExportsRead(ts, e) || (ts.isIdentifier(e) && locals.has(e.text));
}
