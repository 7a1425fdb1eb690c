/**
 * Runs notebook cells: TypeScript is type-checked and compiled by tslab's converter (kept across
 * cells so declarations carry over), then executed in this process's main context.
 *
 * Execution uses vm.runInThisContext with `breakOnSigint`, so SIGINT breaks synchronous code at a
 * cell's top level (cells that cannot call out of themselves skip that watchdog, see
 * interrupt/sigintWatchdog.ts); an awaiting cell is stopped by racing its promise with an interrupt
 * promise; and every loop of the cell checks for interrupts (interrupt/loopGuard.ts), which stops
 * code that runs after an await, where no signal reaches it.
 */
import Module from 'node:module';
import * as path from 'node:path';
import * as util from 'node:util';
import * as vm from 'node:vm';
import type { Converter, Diagnostic } from 'tslab/dist/converter';
import { runtime } from '../src/runtime';
import { requestContext, type RequestContext } from './context';
import { CellPositions } from './cellPositions';
import { cellLoopGuard, type CellsUnderInterrupt } from './interrupt/cellLoopGuard';
import { GUARD_NAME, instrumentLoops, type LoopGuard } from './interrupt/loopGuard';
import { expandShorthandProperties } from './shorthand';
import { needsSigintWatchdog } from './interrupt/sigintWatchdog';

/** What a failed cell reports (the fields of a Jupyter `error` message). */
export interface CellError {
  ename: string;
  evalue: string;
  traceback: string[];
}

export type ExecutionOutcome =
  | { status: 'ok'; hasValue: boolean; value?: unknown }
  | {
      status: 'error';
      error: CellError;
      /** 'signal': SIGINT broke synchronous code; 'request': an interrupt ended an awaiting or cooperating cell. */
      interrupted: false | 'signal' | 'request';
    };

export interface ExecutorOptions {
  /** Directory relative imports and `require` resolve from (the notebook's directory). */
  rootDir: string;
  /** JavaScript instead of TypeScript. */
  isJs?: boolean;
  /**
   * Names every cell sees (e.g. `display`): TypeScript declarations for the checker plus their
   * values. tslab compiles references to checker-visible declarations into `exports.<name>`, so the
   * values live on the cells' shared exports object.
   */
  globals: { declarations: string; values: Record<string, unknown> };
  /** After an interrupt, how long an awaiting cell may take to wind down (e.g. optimize finishing its trial). */
  interruptGraceMs?: number;
  /** Interrupt requests so far (shared with the socket thread); a cell during which it grew was interrupted. */
  interruptRequests?: () => number;
  /**
   * Checked now and then by every loop in cell code (see interrupt/loopGuard.ts); throws to interrupt.
   * `typescript` is the compiler used to instrument the compiled cell.
   */
  loopGuard?: { guard: LoopGuard; typescript: typeof import('typescript') };
  /**
   * Told when a cell's code starts under Node's SIGINT watchdog (from inside the code vm runs, where
   * the watchdog is armed) and when vm has returned: the socket thread raises SIGINT only in between
   * (interrupt/escalation.ts).
   */
  sigintWatchdog?: { entered(): void; left(): void };
}

const SCOPE_KEY = '__tunelab_cell_scope__';
/** The virtual module holding the globals' declarations (tslab adds `.ts`). */
const GLOBALS_MODULE = '__tunelab_globals__';

interface CodeMetadata {
  mode?: 'node' | 'browser';
  module?: string;
}

export class CellExecutor {
  private converter: Converter;
  private readonly createConverter: () => Converter;
  /** Modules added to the converter (cells with a `module` metadata), replayed into a rebuilt one. */
  private readonly addedModules = new Map<string, { src: string; meta: CodeMetadata | undefined }>();
  private readonly exportsTarget: Record<string, unknown> = {};
  private readonly cellExports: Record<string, unknown>;
  private readonly cellRequire: NodeJS.Require;
  private readonly sideOutputs = new Map<string, string>();
  private readonly sideModules = new Map<string, Module>();
  private prevDecl = '';
  private rejectInterrupt: ((err: Error) => void) | null = null;
  private running = false;
  /** Interrupt requests counted when the running cell started. */
  private requestsAtStart = 0;
  /**
   * Which cell a piece of code belongs to is the request it runs under (context.ts: async
   * continuations and timers inherit it). The running cell's, and those of cells the interrupt
   * ended while they awaited: what they awaited may still settle and run the rest of the cell,
   * which must then stop at its first loop check rather than run for ever.
   */
  private runningRequest: RequestContext | undefined;
  private readonly abandonedRequests = new WeakSet<RequestContext>();
  /** True while vm runs a cell's synchronous part (SIGINT's reach; see interrupt/cellLoopGuard.ts). */
  private inSyncSection = false;
  private readonly getCodeMetadata: (src: string) => CodeMetadata;
  /** What is appended to the previous cells' declarations for every cell (see declareGlobals). */
  private readonly globalDeclarations: string;
  /** Maps stack frames in cells back to the lines the user wrote (none without tslab's TypeScript). */
  private readonly positions: CellPositions | undefined;

  constructor(private readonly options: ExecutorOptions) {
    // Loaded lazily (and after moduleResolution has patched TypeScript's sys): creating the
    // converter starts a TypeScript watch program, which takes most of a second.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createConverter } = require('tslab/dist/converter') as typeof import('tslab/dist/converter');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    this.getCodeMetadata = (require('tslab/dist/metadata') as { getCodeMetadata: (s: string) => CodeMetadata }).getCodeMetadata;
    this.createConverter = () => createConverter({ isJS: options.isJs ?? false, isBrowser: false });
    this.converter = this.createConverter();
    this.globalDeclarations = this.declareGlobals(options.globals.declarations);
    this.cellExports = this.createExportsProxy();
    this.cellRequire = this.wrapRequire(Module.createRequire(path.join(options.rootDir, '__tunelab_cell__.js')), options.rootDir);
    (globalThis as Record<string, unknown>)[SCOPE_KEY] = {
      exports: this.cellExports,
      require: this.cellRequire,
      guard: options.loopGuard ? this.guardForCells(options.loopGuard.guard) : undefined,
      enteredWatchdog: () => options.sigintWatchdog?.entered(),
    };
    this.installGlobals();
    if (options.loopGuard) {
      this.positions = new CellPositions(options.loopGuard.typescript);
      this.positions.installStackHook();
    }
  }

  private guardForCells(guard: LoopGuard): LoopGuard {
    const cells: CellsUnderInterrupt = {
      inSyncSection: () => this.inSyncSection,
      isDoomed: (request) => this.isDoomed(request),
    };
    return cellLoopGuard(guard, cells, () => new InterruptedError());
  }

  /** The variables cells have defined (for tests and introspection). */
  get locals(): Record<string, unknown> {
    return this.exportsTarget;
  }

  get isRunning(): boolean {
    return this.running;
  }

  async execute(src: string, cellName: string): Promise<ExecutionOutcome> {
    this.running = true;
    this.runningRequest = requestContext.getStore();
    try {
      return await this.executeUnguarded(src, cellName);
    } catch (err) {
      // Whatever fails while compiling or running (the compiler's own stack overflowing on a deeply
      // nested cell, a loop instrumentation bug...) is this cell's error, never the kernel's.
      return errorOutcome(err);
    } finally {
      this.running = false;
      this.runningRequest = undefined;
      this.rejectInterrupt = null;
    }
  }

  /** Stops the current cell if it is awaiting. (A synchronous cell is broken by SIGINT itself.) */
  interrupt(): void {
    this.rejectInterrupt?.(new InterruptedError());
  }

  complete(src: string, cursor: number): { start: number; end: number; candidates: string[] } {
    return this.withConverter((c) => c.complete(this.prevDecl + this.globalDeclarations, src, cursor));
  }

  inspect(src: string, cursor: number): ReturnType<Converter['inspect']> {
    return this.withConverter((c) => c.inspect(this.prevDecl + this.globalDeclarations, src, cursor));
  }

  /** Forgets every variable (kernel restart without a new process). */
  reset(): void {
    this.prevDecl = '';
    for (const name of Object.keys(this.exportsTarget)) delete this.exportsTarget[name];
    this.installGlobals();
  }

  close(): void {
    this.converter.close();
  }

  /**
   * Gives the type checker the globals' declarations. In TypeScript they go once into a virtual
   * module of their own (a root file of tslab's program, `declare global` inside), which the checker
   * reuses from cell to cell; appended to the declarations every cell carries, they would be parsed
   * and bound again for each cell. Returns what must still be appended per cell: nothing, or, for
   * JavaScript (where a virtual module would not be a declaration file), the declarations.
   */
  private declareGlobals(declarations: string): string {
    if (this.options.isJs || declarations.trim() === '') return declarations;
    const diagnostics = this.addModule(GLOBALS_MODULE, declarations, undefined);
    if (diagnostics.length > 0) {
      throw new Error(`the kernel's global declarations do not compile: ${diagnostics.map((d) => d.messageText).join('; ')}`);
    }
    return '';
  }

  private addModule(name: string, src: string, meta: CodeMetadata | undefined): Diagnostic[] {
    const diagnostics = this.converter.addModule(name, src, meta as never);
    // Recorded once added without the compiler failing: a module that breaks it is not replayed.
    this.addedModules.set(name, { src, meta });
    return diagnostics;
  }

  /**
   * Runs one operation of tslab's converter. TypeScript can throw from inside it (a stack overflow
   * parsing a cell nested a thousand levels deep); its watch program is then left half-updated
   * (its rebuild timer still pending) and every later cell would fail the same way. So the
   * converter is rebuilt, with the modules added so far, and the failure is reported as this
   * operation's error. Rebuilding takes about as long as the kernel's start (under a second).
   */
  private withConverter<T>(op: (converter: Converter) => T): T {
    try {
      return op(this.converter);
    } catch (err) {
      this.rebuildConverter();
      throw new CompilerFailure(err);
    }
  }

  private rebuildConverter(): void {
    try {
      this.converter.close();
    } catch {
      // the broken watch program may fail to close; it is dropped either way
    }
    this.converter = this.createConverter();
    for (const [name, { src, meta }] of this.addedModules) {
      try {
        this.converter.addModule(name, src, meta as never);
      } catch {
        this.addedModules.delete(name);
      }
    }
  }

  private installGlobals(): void {
    Object.assign(this.exportsTarget, this.options.globals.values);
    Object.assign(globalThis, this.options.globals.values);
  }

  private async executeUnguarded(src: string, cellName: string): Promise<ExecutionOutcome> {
    this.requestsAtStart = this.options.interruptRequests?.() ?? 0;
    const outcome = await this.compileAndRun(src, cellName);
    // An interrupt that stopped work cooperatively (study.optimize ending early) lets the cell end
    // normally, but the cell was interrupted all the same.
    if (outcome.status === 'ok' && this.runningCellInterrupted()) {
      return errorOutcome(new InterruptedError());
    }
    return outcome;
  }

  private runningCellInterrupted(): boolean {
    return this.running && (this.options.interruptRequests?.() ?? 0) > this.requestsAtStart;
  }

  /** Code of the running cell stops once the cell is interrupted; so does code of an abandoned cell. */
  private isDoomed(request: RequestContext | undefined): boolean {
    if (request && this.abandonedRequests.has(request)) return true;
    return (!request || request === this.runningRequest) && this.runningCellInterrupted();
  }

  private async compileAndRun(src: string, cellName: string): Promise<ExecutionOutcome> {
    const meta = this.getCodeMetadata(src);
    if (meta.module) {
      const diags = this.withConverter(() => this.addModule(meta.module!, src, meta));
      if (diags.length > 0) return { status: 'error', error: diagnosticsError(diags, cellName), interrupted: false };
      return { status: 'ok', hasValue: false };
    }
    // tslab's own TypeScript, which the kernel hands over with the loop guard.
    const ts = this.options.loopGuard?.typescript;
    const source = ts ? expandShorthandProperties(ts, src) : src;
    const converted = this.withConverter((c) => c.convert(this.prevDecl + this.globalDeclarations, source));
    for (const out of converted.sideOutputs ?? []) {
      this.sideModules.delete(out.path);
      this.sideOutputs.set(out.path, out.data);
    }
    if (converted.diagnostics.length > 0) {
      return { status: 'error', error: diagnosticsError(converted.diagnostics, cellName), interrupted: false };
    }
    if (!converted.output) {
      this.prevDecl = converted.declOutput ?? '';
      return { status: 'ok', hasValue: false };
    }
    const interruptPromise = new Promise<never>((_, reject) => {
      this.rejectInterrupt = reject;
    });
    interruptPromise.catch(() => undefined);

    const guard = this.options.loopGuard;
    const body = guard ? instrumentLoops(guard.typescript, converted.output) : converted.output;
    const params = `exports, require, ${GUARD_NAME}`;
    const prefix = converted.hasToplevelAwait ? `(async function (${params}) { ` : `(function (${params}) { `;
    const scope = `globalThis.${SCOPE_KEY}`;
    const watchdog = needsSigintWatchdog(guard?.typescript, body);
    // Under the watchdog, the cell's arguments say so first: evaluated inside the code vm runs, they
    // cannot say it before vm has armed the watchdog (a SIGINT raised earlier would be lost).
    const guardArgument = watchdog ? `(${scope}.enteredWatchdog(), ${scope}.guard)` : `${scope}.guard`;
    const wrapped = `${prefix}${body}\n})(${scope}.exports, ${scope}.require, ${guardArgument})`;
    // A cell that fails at run time still declared its names (as in Python, what ran before the
    // error has happened), so later cells type-check against them.
    const declOutput = converted.declOutput ?? '';
    this.positions?.register(cellName, src, wrapped, this.options.isJs ?? false);
    let result: unknown;
    this.inSyncSection = true;
    try {
      result = vm.runInThisContext(wrapped, {
        filename: cellName,
        breakOnSigint: watchdog,
        displayErrors: false,
      });
    } catch (err) {
      this.prevDecl = declOutput;
      return errorOutcome(err);
    } finally {
      this.inSyncSection = false;
      if (watchdog) this.options.sigintWatchdog?.left();
    }
    if (converted.hasToplevelAwait) {
      const cellPromise = Promise.resolve(result);
      // Registered before the race, so it has run by the time the race settles.
      let cellSettled = false;
      const settle = () => (cellSettled = true);
      cellPromise.then(settle, settle);
      try {
        await Promise.race([cellPromise, interruptPromise]);
      } catch (err) {
        if (!cellSettled && this.runningRequest) this.abandonedRequests.add(this.runningRequest);
        let reported = err;
        if (err instanceof InterruptedError && runningStudies() > 0) {
          // Give study.optimize (asked to stop by the kernel) time to finish its current trial, so
          // the study is complete and idle before the next cell runs; then report the interrupt,
          // with optimize's own account of it (how many trials it kept) when it threw one.
          const grace = this.options.interruptGraceMs ?? 10_000;
          await Promise.race([
            cellPromise.then(
              () => undefined,
              (e: unknown) => {
                if (isOptimizeInterrupted(e)) reported = e;
              },
            ),
            new Promise((r) => setTimeout(r, grace).unref()),
          ]);
        }
        this.prevDecl = declOutput;
        return errorOutcome(reported);
      }
    }
    this.prevDecl = declOutput;
    const lastVar = converted.lastExpressionVar;
    if (lastVar && Object.prototype.hasOwnProperty.call(this.exportsTarget, lastVar)) {
      const value = this.exportsTarget[lastVar];
      delete this.exportsTarget[lastVar];
      return { status: 'ok', hasValue: value !== undefined, value };
    }
    return { status: 'ok', hasValue: false };
  }

  private createExportsProxy(): Record<string, unknown> {
    const target = this.exportsTarget;
    // TypeScript emits named imports as defineProperty getters; store plain values instead so that
    // a later cell can reassign them.
    return new Proxy(target, {
      defineProperty: (_t, prop, attrs) => {
        if (prop === '__esModule') return true;
        (target as Record<string | symbol, unknown>)[prop] = attrs.get ? attrs.get() : attrs.value;
        return true;
      },
    });
  }

  /** A `require` that also loads .ts files next to the notebook, which tslab compiled alongside the cell. */
  private wrapRequire(req: NodeJS.Require, dirname: string): NodeJS.Require {
    const loadSide = (id: string): unknown => {
      if (!id.startsWith('.') && !path.isAbsolute(id)) return undefined;
      let filename = path.join(dirname, id).split(path.sep).join('/');
      if (path.extname(filename) === '') filename += '.js';
      const cached = this.sideModules.get(filename);
      if (cached) return cached.exports;
      const code = this.sideOutputs.get(filename);
      if (code === undefined) return undefined;
      const mod = new Module(filename, module) as Module & {
        _compile(code: string, filename: string): void;
        paths: string[];
      };
      mod.filename = filename;
      mod.paths = (Module as unknown as { _nodeModulePaths(d: string): string[] })._nodeModulePaths(path.dirname(filename));
      const ownRequire = Module.createRequire(filename);
      (mod as unknown as { require: NodeJS.Require }).require = this.wrapRequire(ownRequire, path.dirname(filename));
      this.sideModules.set(filename, mod);
      mod._compile(code, filename);
      return mod.exports;
    };
    return new Proxy(req, {
      apply: (_target, thisArg, args: unknown[]) => {
        if (args.length === 1 && typeof args[0] === 'string') {
          const side = loadSide(args[0]);
          if (side !== undefined) return side;
        }
        return Reflect.apply(req, thisArg, args);
      },
    });
  }
}

/** Studies inside optimize() right now, in any copy of tunelab (src/study/activeStudies.ts keeps them in the runtime object). */
function runningStudies(): number {
  return runtime.activeStudies?.size ?? 0;
}

/** TypeScript itself failed (threw) while compiling a cell, as opposed to reporting diagnostics. */
export class CompilerFailure extends Error {
  override name = 'CompilerError';
  constructor(cause: unknown) {
    const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    const hint =
      cause instanceof RangeError && /call stack/i.test(cause.message)
        ? ' (the cell nests expressions or statements too deeply for the compiler; split it into smaller parts)'
        : '';
    super(`the TypeScript compiler failed on this cell: ${what}${hint}. The compiler was restarted; variables of earlier cells are kept.`);
  }
}

export class InterruptedError extends Error {
  override name = 'Interrupted';
  constructor() {
    super('the cell was interrupted');
  }
}

function diagnosticsError(diags: Diagnostic[], cellName: string): CellError {
  const lines = diags.map(
    (d) => `${d.fileName ? d.fileName + ' ' : `${cellName} `}${d.start.line + 1}:${d.start.character + 1} - ${d.messageText}`,
  );
  return {
    ename: 'TypeScriptError',
    evalue: diags.length === 1 ? diags[0].messageText : `${diags.length} errors: ${diags[0].messageText}`,
    traceback: lines,
  };
}

/** Our own frames are noise in a user's traceback. */
const INTERNAL_FRAME = new RegExp([path.join(__dirname).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'node:internal', '\\(node:'].join('|'));

export function errorOutcome(err: unknown): ExecutionOutcome {
  const interrupted = err instanceof InterruptedError || isOptimizeInterrupted(err) ? 'request' : isInterrupt(err) ? 'signal' : false;
  return { status: 'error', error: toCellError(err), interrupted };
}

/**
 * study.optimize ended by an interrupt (src/errors.ts OptimizeInterruptedError, matched by name: a
 * notebook may load its own copy of tunelab). The cell reports it as Interrupted, with its message.
 */
function isOptimizeInterrupted(err: unknown): err is Error {
  return err instanceof Error && err.name === 'OptimizeInterruptedError';
}

export function isInterrupt(err: unknown): boolean {
  return (
    err instanceof InterruptedError ||
    (typeof err === 'object' && err !== null && (err as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED')
  );
}

export function toCellError(err: unknown): CellError {
  if (isOptimizeInterrupted(err)) {
    const evalue = `the cell was interrupted: ${err.message}`;
    return { ename: 'Interrupted', evalue, traceback: [`Interrupted: ${evalue}`] };
  }
  if (isInterrupt(err)) {
    return { ename: 'Interrupted', evalue: 'the cell was interrupted', traceback: ['Interrupted: the cell was interrupted'] };
  }
  if (err instanceof Error) {
    const stack = (err.stack ?? `${err.name}: ${err.message}`).split('\n');
    const traceback = stack.filter((line, i) => i === 0 || !INTERNAL_FRAME.test(line));
    return { ename: err.name || 'Error', evalue: err.message, traceback };
  }
  const text = util.inspect(err);
  return { ename: 'Uncaught', evalue: text, traceback: [`Uncaught ${text}`] };
}
