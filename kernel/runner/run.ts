/**
 * `tunelab run`: executes a notebook headlessly with the tunelab kernel (no Python or Jupyter
 * needed), like `jupyter nbconvert --execute` / papermill: cells in order, progress on stderr,
 * stop at the first error, executed notebook and an offline HTML report written at the end.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { RunArgs } from '../cli';
import { stripAnsi, renderReport } from './htmlReport';
import { KernelClient, type StartOptions } from './client';
import { cellSource, injectParameters, NotebookFormatError, OutputRecorder, parseNotebook, type Notebook } from './notebook';
import type { JsonObject, JupyterMessage } from '../wire';

export interface RunResult {
  notebook: Notebook;
  /** Index of the cell that failed (error or timeout), if any. */
  failedCell?: number;
  error?: { ename: string; evalue: string; traceback: string[] };
}

export interface ExecuteOptions {
  params?: Array<[string, string]>;
  timeoutSeconds?: number;
  /** The directory the kernel runs in (default: the notebook's). */
  cwd: string;
  log?: (line: string) => void;
  kernel?: Omit<StartOptions, 'cwd'>;
}

function firstLine(src: string): string {
  const line = src.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.length > 60 ? line.slice(0, 57) + '...' : line;
}

/** After a timeout's interrupt, how long to wait for the cell to stop before killing the kernel. */
const KILL_AFTER_INTERRUPT_MS = 10_000;

/** Executes `nb` in place; never throws for a failing cell (see RunResult). */
export async function executeNotebook(nb: Notebook, opts: ExecuteOptions): Promise<RunResult> {
  const log = opts.log ?? (() => undefined);
  if (opts.params && opts.params.length > 0) {
    const { afterTaggedCell } = injectParameters(nb, opts.params);
    if (!afterTaggedCell) log('note: no cell is tagged "parameters"; parameters were injected as the first cell');
  }
  const recorder = new OutputRecorder(nb);
  const kernel = await KernelClient.start({ ...opts.kernel, cwd: opts.cwd });
  kernel.keepIopubLog = false;
  const result: RunResult = { notebook: nb };
  try {
    const info = await kernel.request('shell', 'kernel_info_request', {});
    nb.metadata.language_info = info.reply.content.language_info as JsonObject;
    nb.metadata.kernelspec ??= { name: 'tunelab', display_name: 'TypeScript (tunelab)', language: 'typescript' };
    kernel.onIopub = (m) => recorder.handle(m);

    const codeCells = nb.cells.map((c, i) => [c, i] as const).filter(([c]) => c.cell_type === 'code' && cellSource(c).trim() !== '');
    for (const c of nb.cells) if (c.cell_type === 'code') c.outputs = c.outputs ?? [];
    let n = 0;
    for (const [cell, index] of codeCells) {
      n++;
      const src = cellSource(cell);
      const started = Date.now();
      const timing: JsonObject = {};
      const timeoutMs = opts.timeoutSeconds ? opts.timeoutSeconds * 1000 : undefined;
      let timer: NodeJS.Timeout | undefined;
      let timedOut = false;
      const exec = kernel.request(
        'shell',
        'execute_request',
        { code: src, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true },
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
        const died = !kernel.isAlive;
        result.failedCell = index;
        result.error = timedOut
          ? {
              ename: 'CellTimeoutError',
              evalue: `the cell did not finish within ${opts.timeoutSeconds} s and did not respond to an interrupt; the kernel was stopped`,
              traceback: [],
            }
          : {
              ename: died ? 'DeadKernelError' : 'RunnerError',
              evalue: died ? 'the kernel died while running this cell' : (err as Error).message,
              traceback: [],
            };
        cell.outputs!.push({ output_type: 'error', ...result.error });
        log(`FAILED [${n}/${codeCells.length}] cell ${index + 1}: ${result.error.evalue}`);
        break;
      } finally {
        if (timer) clearTimeout(timer);
        if (killer) clearTimeout(killer);
      }
      timing['shell.execute_reply'] = reply.header.date;
      cell.metadata.execution = timing;
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      const status = reply.content.status;
      if (status === 'ok') {
        log(`ok     [${n}/${codeCells.length}] cell ${index + 1} (${secs}s)  ${firstLine(src)}`);
        continue;
      }
      result.failedCell = index;
      if (timedOut) {
        result.error = { ename: 'CellTimeoutError', evalue: `the cell did not finish within ${opts.timeoutSeconds} s and was interrupted`, traceback: [] };
        cell.outputs!.push({ output_type: 'error', ...result.error });
      } else {
        const c = reply.content as { ename?: string; evalue?: string; traceback?: string[] };
        result.error = { ename: c.ename ?? 'Error', evalue: c.evalue ?? '', traceback: c.traceback ?? [] };
      }
      log(`FAILED [${n}/${codeCells.length}] cell ${index + 1} (${secs}s)  ${firstLine(src)}`);
      break;
    }
    // Let output from async tasks that are still finishing arrive before the state is saved.
    await new Promise((r) => setTimeout(r, 100));
  } finally {
    await kernel.shutdown().catch(() => kernel.kill());
  }
  const widgets = recorder.widgetsMetadata();
  if (widgets) nb.metadata.widgets = widgets;
  return result;
}

export async function runNotebook(args: RunArgs): Promise<number> {
  const file = path.resolve(args.notebook);
  let nb: Notebook;
  try {
    nb = parseNotebook(readFileSync(file, 'utf8'), file);
  } catch (err) {
    if (err instanceof NotebookFormatError || (err as NodeJS.ErrnoException).code === 'ENOENT') {
      console.error(`tunelab run: ${(err as Error).message}`);
      return 2;
    }
    throw err;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(`tunelab run: ${path.relative(process.cwd(), file) || file}`);
  const started = Date.now();
  const result = await executeNotebook(nb, {
    params: args.params,
    timeoutSeconds: args.timeoutSeconds,
    cwd: path.dirname(file),
    log,
  });
  const out = path.resolve(args.output ?? file);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(nb, null, 1) + '\n');
  log(`wrote ${path.relative(process.cwd(), out) || out}`);
  if (args.html) {
    const html = path.resolve(args.html);
    mkdirSync(path.dirname(html), { recursive: true });
    writeFileSync(html, renderReport(nb, { title: path.basename(file, '.ipynb') }));
    log(`wrote ${path.relative(process.cwd(), html) || html}`);
  }
  if (result.error) {
    const e = result.error;
    log('');
    log(`Error in cell ${(result.failedCell ?? 0) + 1}: ${e.ename}: ${e.evalue}`);
    if (e.traceback.length > 0) log(stripAnsi(e.traceback.join('\n')));
    return 1;
  }
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return 0;
}
