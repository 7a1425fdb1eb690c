/**
 * Stack traces that point at the line of the cell the user wrote.
 *
 * A cell does not run as written: tslab's converter compiles it (types, comments and blank lines
 * go; `exports.x = x` lines come), then to CommonJS, then the loop guard and the cell's wrapper are
 * added. tslab's converter has no source-map option, and its TypeScript's exports cannot be patched,
 * so the positions are mapped back by aligning the two texts' tokens: compiling keeps the tokens of
 * the code that runs (names, literals, punctuation) in order, and drops or adds others around them.
 * A diff of the two token lists (tokenAlignment.ts) pairs each token that runs with the one it came
 * from; a position V8 reports inside a paired token maps inside its pair, and one inside an added
 * token (a wrapper's) maps to the nearest paired token on its line.
 *
 * The frames are rewritten in `Error.prepareStackTrace`, where V8 formats every error's `stack`,
 * so a traceback is right wherever it is read: the cell's error message, a study's log of a failed
 * trial, or `console.error(err)` in a cell. There, too, the frames below the cell are dropped: the
 * call of the cell's function by the kernel's wrapper and everything under it (vm, the executor,
 * the kernel's dispatch), and the runtime's and the kernel's frames at the bottom of a stack that
 * reached a cell later (a timer, a promise continuation, a widget's callback). Frames above the
 * cell's, those of libraries it called (tunelab's engine included), stay.
 */
import * as path from 'node:path';
import type * as TS from 'typescript';
import { alignTokens } from './tokenAlignment';

/** One token of a text: where it lies and what it reads. */
interface Token {
  start: number;
  end: number;
  text: string;
}

/** A cell's source as written and the code that ran for it. */
interface CellTexts {
  source: string;
  code: string;
  sourceKind: TS.ScriptKind;
}

/** A cell's name as vm knows it (`cell[3]`) and a position, in a frame: `(cell[3]:5:12)` or `at cell[3]:5:12`. */
const CELL_POSITION = /(cell\[\d+\]):(\d+):(\d+)/;
const CELL_FRAME = new RegExp(CELL_POSITION.source, 'g');

/** Whether a stack line is a frame in a cell. */
export function isCellFrame(line: string): boolean {
  return /^\s+at /.test(line) && CELL_POSITION.test(line);
}

/** This module's directory: the kernel's own code (dist/kernel), never a library a cell called. */
const KERNEL_DIR = __dirname + path.sep;

/**
 * Whether a frame is the runtime's (`node:internal/...`, `node:vm`) or the kernel's: what lies
 * below a cell when the stack reaches it from the event loop or from the kernel's dispatch.
 */
function isBelowCellFrame(line: string): boolean {
  const location = /\(([^()]*)\)$/.exec(line)?.[1] ?? line.replace(/^\s+at (?:async )?/, '');
  return location.startsWith('node:') || location.startsWith(KERNEL_DIR);
}

/** Maps positions in the code that ran for each cell back to the cell's source. */
export class CellPositions {
  private readonly cells = new Map<string, CellTexts>();
  private readonly maps = new Map<string, PositionMap>();

  constructor(private readonly ts: typeof TS) {}

  /**
   * Records what ran under `cellName`; a later cell of the same name (a silent execution) replaces it.
   * `code` is the script the executor ran: the compiled cell inside the wrapper's function, whose
   * call (`})(exports, require, guard)`) is the script's last line.
   */
  register(cellName: string, source: string, code: string, isJs: boolean): void {
    this.cells.set(cellName, { source, code, sourceKind: isJs ? this.ts.ScriptKind.JS : this.ts.ScriptKind.TS });
    this.maps.delete(cellName);
  }

  /**
   * The 1-based line and column in the cell's source for a 1-based position in the code that ran;
   * 'wrapper' for a position in the cell's wrapper (where the script calls the cell's function);
   * undefined when the cell is not known.
   */
  sourcePosition(cellName: string, line: number, column: number): { line: number; column: number } | 'wrapper' | undefined {
    let map = this.maps.get(cellName);
    if (map === undefined) {
      const texts = this.cells.get(cellName);
      if (!texts) return undefined;
      map = PositionMap.align(this.ts, texts);
      this.maps.set(cellName, map);
    }
    return map.sourcePosition(line, column);
  }

  /**
   * A formatted stack with its cell frames pointed at the cells' sources and the frames below the
   * cell dropped (see the top of this file); a stack that reached no cell is left as it is (the
   * kernel's own errors keep every frame).
   */
  rewriteStack(stack: string): string {
    if (!stack.includes('cell[')) return stack;
    const lines: string[] = [];
    let cellFrames = 0;
    for (const line of stack.split('\n')) {
      if (!/^\s+at /.test(line)) {
        lines.push(line);
        continue;
      }
      const frame = this.rewriteFrame(line);
      // The kernel's wrapper calling the cell's function: it and every frame below it are the
      // kernel's (vm, the executor, the dispatch of execute_request), not the user's.
      if (frame === undefined) break;
      if (CELL_POSITION.test(frame)) cellFrames++;
      lines.push(frame);
    }
    if (cellFrames === 0) return lines.join('\n');
    // Reached from the event loop (a timer, after an await) or from the kernel (a widget's
    // callback): the runtime's and the kernel's frames under the last frame of the user or a library.
    let end = lines.length;
    while (end > 0 && /^\s+at /.test(lines[end - 1]) && isBelowCellFrame(lines[end - 1])) end--;
    return lines.slice(0, end).join('\n');
  }

  /** The frame with its cell positions mapped; undefined for the wrapper's call of the cell's function. */
  private rewriteFrame(frame: string): string | undefined {
    let inWrapper = false;
    const mapped = frame.replace(CELL_FRAME, (whole, name: string, line: string, column: string) => {
      const at = this.sourcePosition(name, Number(line), Number(column));
      if (at === 'wrapper') inWrapper = true;
      return at && at !== 'wrapper' ? `${name}:${at.line}:${at.column}` : whole;
    });
    // The script calling the cell's function is the kernel's doing, not a line of the cell.
    if (inWrapper) return undefined;
    // Cells call each other's functions through the cells' shared exports object, a Proxy, which V8
    // names as the receiver: `at Proxy.train (cell[2]:4:9)`. The user wrote `train(...)`.
    // V8 names an anonymous function after the statement around it, and tslab assigns a cell's last
    // expression to `exports.tsLastExpr`: an objective passed to `await study.optimize(...)` reads
    // `at exports.tsLastExpr.study.optimize.nTrials (cell[4]:5:21)`. Such a frame is anonymous.
    return mapped
      .replace(/^(\s+at (?:async )?)Proxy\.(?=[^\s(]+ \(cell\[\d+\]:)/, '$1')
      .replace(/^(\s+at (?:async )?)exports\.tsLastExpr[\w$.]* \((cell\[\d+\]:\d+:\d+)\)$/, '$1$2');
  }

  /**
   * Formats every error's stack as V8 does (Node's default: the error's string, then one
   * `    at <frame>` line per call site), with cell frames rewritten. An earlier hook keeps formatting;
   * its output is rewritten the same way.
   */
  installStackHook(): void {
    const previous = Error.prepareStackTrace;
    Error.prepareStackTrace = (error: Error, trace: NodeJS.CallSite[]): unknown => {
      const formatted = previous ? previous(error, trace) : defaultStack(error, trace);
      if (typeof formatted !== 'string') return formatted;
      try {
        return this.rewriteStack(formatted);
      } catch {
        // Never let mapping a position cost the user their error.
        return formatted;
      }
    };
  }
}

function defaultStack(error: Error, trace: NodeJS.CallSite[]): string {
  let head: string;
  try {
    head = Error.prototype.toString.call(error);
  } catch {
    head = '<error>';
  }
  return trace.length === 0 ? head : `${head}\n    at ${trace.map(String).join('\n    at ')}`;
}

/** One cell's alignment: for each token of the code that ran, the source token it came from. */
class PositionMap {
  private constructor(
    private readonly codeTokens: Token[],
    private readonly sourceTokens: Token[],
    /** Per code token, the index of its source token, or -1 for a token compiling added. */
    private readonly pairOf: Int32Array,
    private readonly codeLines: number[],
    private readonly sourceLines: number[],
  ) {}

  static align(ts: typeof TS, texts: CellTexts): PositionMap {
    const sourceTokens = tokensOf(ts, texts.source, texts.sourceKind);
    const codeTokens = tokensOf(ts, texts.code, ts.ScriptKind.JS);
    const codeLines = lineStarts(texts.code);
    // Export lines take no part: each repeats the names a cell declares, which would leave those
    // names, the best anchors of the alignment, unique nowhere.
    const aligned = withoutExportLines(codeTokens, codeLines, texts.code);
    const pairOfAligned = alignTokens(
      sourceTokens.map((t) => t.text),
      aligned.map((k) => codeTokens[k].text),
    );
    const pairOf = new Int32Array(codeTokens.length).fill(-1);
    aligned.forEach((k, n) => (pairOf[k] = pairOfAligned[n]));
    return new PositionMap(codeTokens, sourceTokens, pairOf, codeLines, lineStarts(texts.source));
  }

  sourcePosition(line: number, column: number): { line: number; column: number } | 'wrapper' | undefined {
    const lineStart = this.codeLines[line - 1];
    // Past the code: not this code's frame (a silent execution reused the name); left as it is.
    if (lineStart === undefined) return undefined;
    // The wrapper's call of the cell's function. Its tokens (`)`, `(`) could pair with the cell's
    // own last tokens, which made the call read as a frame on the cell's last line.
    if (line === this.codeLines.length) return 'wrapper';
    const offset = lineStart + column - 1;
    const lineEnd = this.codeLines[line] ?? Infinity;
    const k = this.tokenAt(offset);
    let sourceOffset: number | undefined;
    const paired = k >= 0 ? this.pairOf[k] : -1;
    if (k >= 0 && paired >= 0 && offset < this.codeTokens[k].end) {
      const from = this.codeTokens[k];
      const to = this.sourceTokens[paired];
      sourceOffset = to.start + Math.min(offset - from.start, to.end - to.start - 1);
    } else {
      // An added token (the wrapper's, an `exports.` prefix): the next paired token on its line,
      // else the previous one, else the next anywhere.
      const next = this.pairedFrom(k + 1, 1, lineEnd);
      const previous = next < 0 ? this.pairedFrom(k, -1, lineStart) : -1;
      const chosen = next >= 0 ? next : previous >= 0 ? previous : this.pairedFrom(k + 1, 1, Infinity);
      if (chosen >= 0) sourceOffset = this.sourceTokens[this.pairOf[chosen]].start;
    }
    if (sourceOffset === undefined) return 'wrapper';
    return positionOf(this.sourceLines, sourceOffset);
  }

  /** The last code token starting at or before `offset` (-1 if none). */
  private tokenAt(offset: number): number {
    let lo = 0;
    let hi = this.codeTokens.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.codeTokens[mid].start <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** The first paired code token from `k` in direction `step` whose start stays within `limit`. */
  private pairedFrom(k: number, step: 1 | -1, limit: number): number {
    for (let i = k; i >= 0 && i < this.codeTokens.length; i += step) {
      const start = this.codeTokens[i].start;
      if (step === 1 ? start >= limit : start < limit) return -1;
      if (this.pairOf[i] >= 0) return i;
    }
    return -1;
  }
}

/** The tokens of a text in order, as TypeScript's parser reads them (so regular expressions and templates are single tokens). */
function tokensOf(ts: typeof TS, text: string, kind: TS.ScriptKind): Token[] {
  const file = ts.createSourceFile('cell', text, ts.ScriptTarget.Latest, true, kind);
  const tokens: Token[] = [];
  const visit = (node: TS.Node): void => {
    if (node.kind >= ts.SyntaxKind.FirstJSDocNode && node.kind <= ts.SyntaxKind.LastJSDocNode) return;
    const children = node.getChildren(file);
    if (children.length === 0) {
      const start = node.getStart(file);
      if (node.end > start) tokens.push({ start, end: node.end, text: text.slice(start, node.end) });
      return;
    }
    for (const child of children) visit(child);
  };
  visit(file);
  return tokens;
}

/**
 * The lines TypeScript's CommonJS emit adds to export a cell's names: `exports.x = x;` after a
 * declaration and `exports.x = exports.y = void 0;` at the top.
 */
const EXPORT_LINE = /^\s*(?:exports\.([\w$]+) = \1;|(?:exports\.[\w$]+ = )+void 0;)$/;

/** Indices of the tokens that do not lie on an export line. */
function withoutExportLines(tokens: Token[], lines: number[], text: string): number[] {
  const exporting = lines.map((start, i) => EXPORT_LINE.test(text.slice(start, (lines[i + 1] ?? text.length + 1) - 1)));
  let line = 0;
  return tokens.flatMap((t, k) => {
    while (line + 1 < lines.length && lines[line + 1] <= t.start) line++;
    return exporting[line] ? [] : [k];
  });
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function positionOf(lines: number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = lines.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lines[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - lines[lo] + 1 };
}
