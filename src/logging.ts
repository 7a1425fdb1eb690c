/**
 * tunelab's log, shaped like `optuna.logging`: one line per finished trial at INFO, failures at
 * WARNING, a verbosity threshold with Python's numeric levels, and a default handler that writes
 * Optuna's line format (`[I 2026-12-02 09:57:07,025] Trial 0 finished with value: ...`) to stderr.
 * In the tunelab kernel stderr is the running cell's stderr stream, so the lines appear under it.
 *
 * The state lives in the runtime object (src/runtime.ts): a notebook that loads two copies of
 * tunelab (the kernel's and the user's) still has one verbosity and one set of handlers.
 */
import { InvalidArgumentError } from './errors';
import { pythonFloatRepr, pythonStrRepr } from './format';
import { runtime } from './runtime';

export const CRITICAL = 50;
export const FATAL = 50;
export const ERROR = 40;
export const WARNING = 30;
export const WARN = 30;
export const INFO = 20;
export const DEBUG = 10;
export const NOTSET = 0;

/** One log line as handlers receive it. */
export interface LogRecord {
  /** Python's numeric level (DEBUG 10 ... CRITICAL 50). */
  readonly level: number;
  /** 'DEBUG', 'INFO', 'WARNING', 'ERROR' or 'CRITICAL'. */
  readonly levelName: string;
  /** The message, without the `[I date]` prefix. */
  readonly message: string;
  readonly time: Date;
}

export type LogHandler = (record: LogRecord) => void;

const state = (runtime.logging ??= {
  verbosity: INFO,
  defaultHandler: true,
  handlers: [],
});

/** The current threshold: messages below it are dropped (INFO by default, as in Optuna). */
export function getVerbosity(): number {
  return state.verbosity;
}

/**
 * Set the threshold, e.g. `setVerbosity(WARNING)` to see only failures (Optuna's
 * `optuna.logging.set_verbosity(optuna.logging.WARNING)`). Levels are Python's numbers.
 */
export function setVerbosity(level: number): void {
  if (typeof level !== 'number' || !Number.isInteger(level) || level < 0) {
    throw new InvalidArgumentError(
      `setVerbosity(level): level must be a non-negative integer such as DEBUG (10), INFO (20), WARNING (30), ERROR (40) or CRITICAL (50); got ${String(level)}.`,
    );
  }
  state.verbosity = level;
}

/** Stop writing log lines to stderr (handlers added with addLogHandler still receive them). */
export function disableDefaultHandler(): void {
  state.defaultHandler = false;
}

/** Write log lines to stderr again (the default). */
export function enableDefaultHandler(): void {
  state.defaultHandler = true;
}

/**
 * Receive every log record at or above the verbosity (a notebook collecting failures, a test
 * capturing lines). Returns a function that removes the handler.
 */
export function addLogHandler(handler: LogHandler): () => void {
  if (typeof handler !== 'function') {
    throw new InvalidArgumentError('addLogHandler(handler): handler must be a function (record) => void.');
  }
  state.handlers.push(handler);
  return () => removeLogHandler(handler);
}

export function removeLogHandler(handler: LogHandler): void {
  const i = state.handlers.indexOf(handler);
  if (i >= 0) state.handlers.splice(i, 1);
}

export function isEnabledFor(level: number): boolean {
  return level >= state.verbosity;
}

/** Python's level name for a level number (its nearest standard level below, like `logging`). */
export function levelName(level: number): string {
  if (level >= CRITICAL) return 'CRITICAL';
  if (level >= ERROR) return 'ERROR';
  if (level >= WARNING) return 'WARNING';
  if (level >= INFO) return 'INFO';
  if (level >= DEBUG) return 'DEBUG';
  return 'NOTSET';
}

/** Optuna's default format: `[%(levelname)1.1s %(asctime)s] %(message)s`, local time with milliseconds. */
export function formatLogLine(record: LogRecord): string {
  const t = record.time;
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())} ${p(t.getHours())}:${p(t.getMinutes())}:${p(t.getSeconds())},${p(t.getMilliseconds(), 3)}`;
  return `[${record.levelName[0]} ${stamp}] ${record.message}`;
}

export function log(level: number, message: string): void {
  if (!isEnabledFor(level)) return;
  const record: LogRecord = Object.freeze({ level, levelName: levelName(level), message, time: new Date() });
  for (const h of [...state.handlers]) {
    try {
      h(record);
    } catch {
      // a broken handler must not fail the trial that is being logged
    }
  }
  if (state.defaultHandler) {
    // In a terminal, a progress bar may be drawn on the current line: clear it first (it is redrawn
    // under the log line at the next trial).
    const clear = process.stderr.isTTY ? '\r\x1b[K' : '';
    process.stderr.write(`${clear}${formatLogLine(record)}\n`);
    for (const f of state.afterStderrLine ?? []) f();
  }
}

/**
 * @internal The terminal progress bar: called after each line the default handler writes, so the bar
 * is redrawn under the log lines (as Optuna writes its log through tqdm). Returns the remover.
 */
export function afterStderrLine(f: () => void): () => void {
  (state.afterStderrLine ??= []).push(f);
  return () => {
    const list = state.afterStderrLine ?? [];
    const i = list.indexOf(f);
    if (i >= 0) list.splice(i, 1);
  };
}

export const logInfo = (message: string): void => log(INFO, message);
export const logWarning = (message: string): void => log(WARNING, message);

/** A number as Python's repr prints a float (`3.0`, `1e-05`, `nan`); see format.ts. */
export const pythonFloat = pythonFloatRepr;

/**
 * A parameter or attribute value as Python's repr prints it inside a dict, so that a log line reads
 * as Optuna's: strings quoted as Python quotes them, booleans `True`/`False`, null and undefined `None`.
 */
export function pythonValue(v: unknown, asFloat = false): string {
  if (typeof v === 'number') return asFloat ? pythonFloat(v) : Number.isInteger(v) ? String(v) : pythonFloat(v);
  if (typeof v === 'string') return pythonStrRepr(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null || v === undefined) return 'None';
  if (Array.isArray(v)) return `[${v.map((x) => pythonValue(x)).join(', ')}]`;
  return String(v);
}
