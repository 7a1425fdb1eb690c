/**
 * `tunelab run`: executes a notebook headlessly with the tunelab kernel (no Python or Jupyter
 * needed), like `jupyter nbconvert --execute` / papermill: outputs of an earlier run cleared, cells
 * in order, progress on stderr, stop at the first error (unless the cell is tagged
 * `raises-exception` or --allow-errors is given, as nbclient), executed notebook and an offline
 * HTML report written at the end.
 */
import { accessSync, constants as fsConstants, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import * as path from 'node:path';
import type { RunArgs } from '../cli';
import { stripAnsi, renderReport } from './htmlReport';
import { KernelClient, type StartOptions } from './client';
import {
  cellSource,
  clearExecution,
  injectParameters,
  NotebookFormatError,
  OutputRecorder,
  parseNotebook,
  type Notebook,
  type NotebookCell,
} from './notebook';
import { parameterWarnings } from './parameters';
import { checkNotebookKernel, WrongKernelError } from './notebookCheck';
import type { JsonObject, JupyterMessage } from '../wire';
import { formatSeconds } from '../../src/format';

export interface RunError {
  ename: string;
  evalue: string;
  traceback: string[];
}

export interface RunResult {
  notebook: Notebook;
  /** Index of the cell that failed (error or timeout), if any. */
  failedCell?: number;
  error?: RunError;
  /** Indices of the cells whose errors were allowed (tag `raises-exception`, or --allow-errors), in order. */
  allowedErrors: number[];
}

export interface ExecuteOptions {
  params?: Array<[string, string]>;
  timeoutSeconds?: number;
  /** nbclient's allow_errors: a cell's error is recorded and the run goes on. */
  allowErrors?: boolean;
  /** The directory the kernel runs in (default: the notebook's). */
  cwd: string;
  log?: (line: string) => void;
  kernel?: Omit<StartOptions, 'cwd'>;
  /**
   * Aborting stops the run at once: the kernel's process group (the kernel and every process its
   * cells started) is killed, the running cell gets an error output naming `signal.reason`, and
   * the notebook so far is returned.
   */
  signal?: AbortSignal;
}

function firstLine(src: string): string {
  const line = src.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.length > 60 ? line.slice(0, 57) + '...' : line;
}

/**
 * An error of the runner's own (a timeout, a dead kernel, a stopped run) as an error output. Its
 * traceback holds the `ename: evalue` line, as IPython writes one: renderers such as nbconvert's
 * HTML show an error output's traceback only, so an empty one would hide why the run stopped.
 */
function runnerError(ename: string, evalue: string): RunError {
  return { ename, evalue, traceback: [`${ename}: ${evalue}`] };
}

/** The cell's tag `raises-exception` (nbclient's): its error is expected, the run goes on. */
function raisesException(cell: NotebookCell): boolean {
  return (cell.metadata.tags ?? []).includes('raises-exception');
}

/** The first error output of a cell, if it has one. */
function errorOutput(cell: NotebookCell): RunError | undefined {
  const out = cell.outputs?.find((o) => o.output_type === 'error');
  return out?.output_type === 'error' ? { ename: out.ename, evalue: out.evalue, traceback: out.traceback } : undefined;
}

/** After a timeout's interrupt, how long to wait for the cell to stop before killing the kernel. */
const KILL_AFTER_INTERRUPT_MS = 10_000;

/** Why the kernel is gone, in words: its exit status or signal and the last lines of its stderr. */
export function deathReport(kernel: KernelClient): string {
  const st = kernel.exitStatus;
  const how = !st
    ? 'the kernel stopped answering'
    : st.signal
      ? `the kernel was killed by ${st.signal}${st.signal === 'SIGKILL' ? ' (possibly by the system for lack of memory)' : ''}`
      : `the kernel exited with status ${st.code}`;
  const tail = kernel.stderrTail();
  const outOfMemory = tail.some((l) => /heap out of memory|Allocation failed/.test(l));
  return [
    `${how}${outOfMemory ? ': it ran out of memory (JavaScript heap); raise the limit with NODE_OPTIONS=--max-old-space-size=MB' : ''}`,
    ...(tail.length > 0 ? ['last lines of its stderr:', ...tail.map((l) => `  ${l}`)] : []),
  ].join('\n');
}

/** Executes `nb` in place; never throws for a failing cell (see RunResult). */
export async function executeNotebook(nb: Notebook, opts: ExecuteOptions): Promise<RunResult> {
  const log = opts.log ?? (() => undefined);
  clearExecution(nb);
  if (opts.params && opts.params.length > 0) {
    for (const warning of parameterWarnings(nb, opts.params)) log(`warning: ${warning}`);
    injectParameters(nb, opts.params);
  }
  const recorder = new OutputRecorder(nb);
  // Its own process group, so that a timeout or a signal ends whatever the cells started too; its
  // stderr is kept to say why, should it die.
  const kernel = await KernelClient.start({ stderr: 'tail', processGroup: true, ...opts.kernel, cwd: opts.cwd });
  kernel.keepIopubLog = false;
  const result: RunResult = { notebook: nb, allowedErrors: [] };
  let abortReason: string | undefined;
  const onAbort = () => {
    abortReason = String(opts.signal?.reason ?? 'aborted');
    kernel.killNow();
  };
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const info = await kernel.request('shell', 'kernel_info_request', {});
    nb.metadata.language_info = info.reply.content.language_info as JsonObject;
    nb.metadata.kernelspec ??= { name: 'tunelab', display_name: 'TypeScript (tunelab)', language: 'typescript' };
    kernel.onIopub = (m) => recorder.handle(m);

    const codeCells = nb.cells.map((c, i) => [c, i] as const).filter(([c]) => c.cell_type === 'code' && cellSource(c).trim() !== '');
    const allowsErrors = (cell: NotebookCell) => opts.allowErrors === true || raisesException(cell);
    // Cells that replied ok and may not fail: an error output reaching one later (thrown by a timer
    // it set, an unhandled rejection of a promise it started and did not await) fails the run too.
    // nbclient looks at the reply only; a CI job would then pass with an error in its notebook.
    const mustNotFail: number[] = [];
    const lateError = (): [number, RunError] | undefined => {
      for (const i of mustNotFail) {
        const e = errorOutput(nb.cells[i]);
        if (e) return [i, e];
      }
      return undefined;
    };
    const LATE = 'reported after the cell had finished (by a timer or a promise it started)';
    let n = 0;
    for (const [cell, index] of codeCells) {
      n++;
      const src = cellSource(cell);
      const allowed = allowsErrors(cell);
      const started = Date.now();
      const timing: JsonObject = {};
      const timeoutMs = opts.timeoutSeconds ? opts.timeoutSeconds * 1000 : undefined;
      let timer: NodeJS.Timeout | undefined;
      let timedOut = false;
      const exec = kernel.request(
        'shell',
        'execute_request',
        // As nbclient: a cell allowed to fail does not abort the requests queued behind it.
        { code: src, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: !allowed },
        {
          // A cell may run as long as --timeout allows (enforced by the timer below), or without
          // limit when none is given, as nbclient does: never the client's default reply timeout.
          timeoutMs: Infinity,
          onMessage: (m: JupyterMessage) => {
            const type = m.header.msg_type;
            if (type === 'status') timing[`iopub.status.${String(m.content.execution_state)}`] = m.header.date;
            if (type === 'execute_input') timing['iopub.execute_input'] = m.header.date;
          },
        },
      );
      // The recorder needs the request id before the first output arrives; request() has just
      // generated it and not yet sent the message.
      recorder.beginCell(index, kernel.lastRequestId);
      let killer: NodeJS.Timeout | undefined;
      if (timeoutMs) {
        timer = setTimeout(() => {
          timedOut = true;
          void kernel.interrupt().catch(() => undefined);
          // Code the interrupt cannot reach (a synchronous loop inside a function after an await)
          // would hang the run: like nbclient, give up on the kernel.
          killer = setTimeout(() => void kernel.kill(), KILL_AFTER_INTERRUPT_MS);
        }, timeoutMs);
      }
      let reply: JupyterMessage;
      try {
        reply = (await exec).reply;
      } catch (err) {
        // The runner's own errors fail the run whatever the cell allows (as nbclient's timeout and
        // dead kernel do): the kernel is gone.
        const died = !kernel.isAlive || kernel.exitStatus !== undefined;
        if (died && !abortReason && !timedOut) await kernel.stderrSettled();
        result.failedCell = index;
        result.error = abortReason
          ? runnerError(
              'RunAborted',
              `${abortReason}: the run was stopped during this cell; the kernel and the processes it started were killed`,
            )
          : timedOut
            ? runnerError(
                'CellTimeoutError',
                `the cell did not finish within ${opts.timeoutSeconds} s and did not respond to an interrupt; the kernel and the processes it started were killed`,
              )
            : died
              ? runnerError('DeadKernelError', `the kernel died while running this cell: ${deathReport(kernel)}`)
              : runnerError('RunnerError', (err as Error).message);
        cell.outputs!.push({ output_type: 'error', ...result.error });
        log(`FAILED [${n}/${codeCells.length}] cell ${index + 1}: ${result.error.evalue.split('\n')[0]}`);
        break;
      } finally {
        if (timer) clearTimeout(timer);
        if (killer) clearTimeout(killer);
      }
      timing['shell.execute_reply'] = reply.header.date;
      cell.metadata.execution = timing;
      const took = formatSeconds((Date.now() - started) / 1000);
      const progress = `[${n}/${codeCells.length}] cell ${index + 1} (${took})  ${firstLine(src)}`;
      if (reply.content.status === 'ok') {
        if (!allowed) mustNotFail.push(index);
      } else if (timedOut) {
        // Interrupted by the timeout: a failure even where errors are allowed.
        result.failedCell = index;
        result.error = runnerError('CellTimeoutError', `the cell did not finish within ${opts.timeoutSeconds} s and was interrupted`);
        cell.outputs!.push({ output_type: 'error', ...result.error });
        log(`FAILED ${progress}`);
        break;
      } else if (!allowed) {
        const c = reply.content as { ename?: string; evalue?: string; traceback?: string[] };
        result.failedCell = index;
        result.error = { ename: c.ename ?? 'Error', evalue: c.evalue ?? '', traceback: c.traceback ?? [] };
        log(`FAILED ${progress}`);
        break;
      }
      const late = lateError();
      if (late?.[0] === index) {
        [result.failedCell, result.error] = late;
        log(`FAILED ${progress}: ${late[1].ename}: ${late[1].evalue}, ${LATE}`);
        break;
      }
      if (reply.content.status === 'ok') log(`ok     ${progress}`);
      else log(`error  ${progress}  (allowed: ${raisesException(cell) ? 'tagged raises-exception' : '--allow-errors'})`);
      if (late) {
        [result.failedCell, result.error] = late;
        log(`FAILED cell ${late[0] + 1}: ${late[1].ename}: ${late[1].evalue}, ${LATE}`);
        break;
      }
    }
    // Let output from async tasks that are still finishing arrive before the state is saved.
    if (!abortReason && kernel.isAlive) await new Promise((r) => setTimeout(r, 100));
    const late = result.error ? undefined : lateError();
    if (late) {
      [result.failedCell, result.error] = late;
      log(`FAILED cell ${late[0] + 1}: ${late[1].ename}: ${late[1].evalue}, ${LATE}`);
    }
    result.allowedErrors = codeCells.flatMap(([c, i]) => (allowsErrors(c) && errorOutput(c) ? [i] : []));
  } catch (err) {
    // Only a kernel that died or was stopped between cells gets here (kernel_info failed).
    if (!abortReason && kernel.isAlive) throw err;
    if (!abortReason) await kernel.stderrSettled();
    result.error = abortReason
      ? runnerError('RunAborted', `${abortReason}: the run was stopped; the kernel was killed`)
      : runnerError('DeadKernelError', `the kernel died before running any cell: ${deathReport(kernel)}`);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await kernel.shutdown().catch(() => kernel.kill());
  }
  const widgets = recorder.widgetsMetadata();
  if (widgets) nb.metadata.widgets = widgets;
  return result;
}

/** Where the run writes; a problem is reported before the notebook runs, not after. */
export class OutputPathError extends Error {
  override name = 'OutputPathError';
}

/**
 * Makes sure `file` can be written: not a directory, its directory exists (created if missing) and
 * is writable, the file itself writable if it exists.
 */
export function prepareOutputPath(file: string, what: string): void {
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(file);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory())
    throw new OutputPathError(`${what} ${file} is a directory; give a file name (e.g. ${path.join(file, 'out.ipynb')})`);
  const dir = path.dirname(file);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new OutputPathError(
      `${what} ${file}: cannot create its directory ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  try {
    accessSync(st ? file : dir, fsConstants.W_OK);
  } catch (err) {
    throw new OutputPathError(
      `${what} ${file}: ${st ? 'the file' : `its directory ${dir}`} is not writable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
}

/** The signals `tunelab run` turns into a clean stop (kernel group killed, partial notebook written). */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function runNotebook(args: RunArgs): Promise<number> {
  const file = path.resolve(args.notebook);
  let nb: Notebook;
  const out = path.resolve(args.output ?? file);
  const html = args.html ? path.resolve(args.html) : undefined;
  try {
    nb = parseNotebook(readFileSync(file, 'utf8'), file);
    checkNotebookKernel(nb, file);
    prepareOutputPath(out, '--output');
    if (html) prepareOutputPath(html, '--html');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (
      err instanceof NotebookFormatError ||
      err instanceof WrongKernelError ||
      err instanceof OutputPathError ||
      code === 'ENOENT' ||
      code === 'EISDIR' ||
      code === 'EACCES'
    ) {
      console.error(`tunelab run: ${(err as Error).message}`);
      return 2;
    }
    throw err;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(`tunelab run: ${path.relative(process.cwd(), file) || file}`);
  const started = Date.now();

  // A signal stops the run like a failing cell: the kernel's whole group is killed and what ran so
  // far is written. A second signal of the same kind meets Node's default handler and ends us.
  const stop = new AbortController();
  let stoppedBy: (typeof STOP_SIGNALS)[number] | undefined;
  const handlers = STOP_SIGNALS.map((sig) => {
    const handler = () => {
      if (stoppedBy) return;
      stoppedBy = sig;
      log(`tunelab run: received ${sig}; stopping the kernel and writing the notebook so far`);
      stop.abort(`tunelab run received ${sig}`);
    };
    process.once(sig, handler);
    return [sig, handler] as const;
  });
  let result: RunResult;
  try {
    result = await executeNotebook(nb, {
      params: args.params,
      timeoutSeconds: args.timeoutSeconds,
      allowErrors: args.allowErrors,
      cwd: path.dirname(file),
      log,
      signal: stop.signal,
    });
  } finally {
    for (const [sig, handler] of handlers) process.removeListener(sig, handler);
  }
  writeFileSync(out, JSON.stringify(nb, null, 1) + '\n');
  log(`wrote ${path.relative(process.cwd(), out) || out}`);
  if (html) {
    writeFileSync(html, renderReport(nb, { title: path.basename(file, '.ipynb') }));
    log(`wrote ${path.relative(process.cwd(), html) || html}`);
  }
  if (result.error) {
    const e = result.error;
    log('');
    log(
      result.failedCell === undefined
        ? `Error: ${e.ename}: ${e.evalue}`
        : `Error in cell ${result.failedCell + 1}: ${e.ename}: ${e.evalue}`,
    );
    // The runner's own errors' traceback is the line just printed.
    const saysMore = e.traceback.length > 1 || (e.traceback.length === 1 && e.traceback[0] !== `${e.ename}: ${e.evalue}`);
    if (saysMore) log(stripAnsi(e.traceback.join('\n')));
    // As a shell reports a process ended by a signal: 128 + its number.
    return stoppedBy ? 128 + osConstants.signals[stoppedBy] : 1;
  }
  const allowed = result.allowedErrors.map((i) => i + 1);
  const errors = allowed.length === 0 ? '' : `; errors allowed in cell${allowed.length > 1 ? 's' : ''} ${allowed.join(', ')}`;
  log(`done in ${formatSeconds((Date.now() - started) / 1000)}${errors}`);
  // With errors allowed (--allow-errors, tag raises-exception), the run succeeds, as nbconvert's does.
  return 0;
}
