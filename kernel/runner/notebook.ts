/**
 * Notebook documents (nbformat 4) and the bookkeeping nbclient does while executing one: outputs
 * from iopub messages, display-id updates, clear_output, execution counts, and the widget state
 * recorded from comm messages, so the executed notebook matches what Jupyter's own tools write.
 */
import type { JsonObject, JupyterMessage } from '../wire';
import { checkNotebookFormat, NotebookFormatError } from './notebookCheck';

export interface NotebookCell {
  cell_type: 'code' | 'markdown' | 'raw';
  id?: string;
  metadata: JsonObject & { tags?: string[] };
  source: string | string[];
  outputs?: NotebookOutput[];
  execution_count?: number | null;
  attachments?: JsonObject;
}

export type NotebookOutput =
  | { output_type: 'stream'; name: string; text: string }
  | { output_type: 'display_data'; data: JsonObject; metadata: JsonObject }
  | { output_type: 'execute_result'; data: JsonObject; metadata: JsonObject; execution_count: number | null }
  | { output_type: 'error'; ename: string; evalue: string; traceback: string[] };

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: JsonObject;
  cells: NotebookCell[];
}

export const WIDGET_STATE_MIME = 'application/vnd.jupyter.widget-state+json';
export const WIDGET_VIEW_MIME = 'application/vnd.jupyter.widget-view+json';

export function cellSource(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}

export { NotebookFormatError };

/** Parses and checks a notebook file's text (notebookCheck.ts); throws NotebookFormatError saying what is wrong. */
export function parseNotebook(text: string, file: string): Notebook {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new NotebookFormatError(`${file} is not JSON: ${(err as Error).message}`);
  }
  checkNotebookFormat(doc, file);
  const nb = doc;
  nb.metadata ??= {};
  for (const c of nb.cells) c.metadata ??= {};
  return nb;
}

/** Parses a --param value the papermill way: JSON when it parses, else the string itself. */
export function parseParamValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Papermill's convention: a new cell tagged `injected-parameters` right after the cell tagged
 * `parameters` (or first when there is none), replacing one injected by an earlier run. `let`
 * redeclares the names for all later cells (tslab allows redeclaring across cells). A name given
 * twice is declared once, with its last value (two `let`s of one name in a cell do not compile;
 * papermill's parameters are a dict, where the last value wins too).
 */
export function injectParameters(nb: Notebook, params: ReadonlyArray<readonly [string, string]>): { afterTaggedCell: boolean } {
  if (params.length === 0) return { afterTaggedCell: true };
  nb.cells = nb.cells.filter((c) => !(c.metadata.tags ?? []).includes('injected-parameters'));
  const values = new Map<string, string>();
  for (const [name, raw] of params) values.set(name, raw);
  const lines = [
    '// Parameters injected by tunelab run',
    ...[...values].map(([name, raw]) => `let ${name} = ${JSON.stringify(parseParamValue(raw))};`),
  ];
  const cell: NotebookCell = {
    cell_type: 'code',
    id: `injected-parameters-${Date.now().toString(36)}`,
    metadata: { tags: ['injected-parameters'] },
    source: lines.join('\n'),
    outputs: [],
    execution_count: null,
  };
  const at = nb.cells.findIndex((c) => (c.metadata.tags ?? []).includes('parameters'));
  nb.cells.splice(at + 1, 0, cell);
  return { afterTaggedCell: at >= 0 };
}

/**
 * Forgets an earlier run before this one, as papermill does: every code cell's outputs and
 * execution count, the timing metadata the runner records (`metadata.execution`), and the saved
 * widget state, which describes outputs that are gone. Without this, a run that stops at a failing
 * cell leaves the cells after it showing the earlier run's results, in the notebook and the report.
 */
export function clearExecution(nb: Notebook): void {
  for (const cell of nb.cells) {
    if (cell.cell_type !== 'code') continue;
    cell.outputs = [];
    cell.execution_count = null;
    delete cell.metadata.execution;
  }
  const widgets = nb.metadata.widgets as JsonObject | undefined;
  if (widgets && typeof widgets === 'object') {
    delete widgets[WIDGET_STATE_MIME];
    if (Object.keys(widgets).length === 0) delete nb.metadata.widgets;
  }
}

/** nbclient's output_from_msg. */
export function outputFromMessage(msg: JupyterMessage): NotebookOutput | undefined {
  const c = msg.content as Record<string, unknown>;
  switch (msg.header.msg_type) {
    case 'stream':
      return { output_type: 'stream', name: String(c.name), text: String(c.text) };
    case 'display_data':
      return { output_type: 'display_data', data: (c.data ?? {}) as JsonObject, metadata: (c.metadata ?? {}) as JsonObject };
    case 'execute_result':
      return {
        output_type: 'execute_result',
        data: (c.data ?? {}) as JsonObject,
        metadata: (c.metadata ?? {}) as JsonObject,
        execution_count: (c.execution_count as number) ?? null,
      };
    case 'error':
      return { output_type: 'error', ename: String(c.ename), evalue: String(c.evalue), traceback: (c.traceback as string[]) ?? [] };
    default:
      return undefined;
  }
}

interface WidgetBuffer {
  path: Array<string | number>;
  encoding: 'base64';
  data: string;
}

/**
 * Applies iopub messages to the notebook like nbclient: each message goes to the cell whose
 * execute_request it is parented to (including output that arrives after that cell finished).
 */
export class OutputRecorder {
  private readonly cellByMsgId = new Map<string, number>();
  private readonly displayIds = new Map<string, Array<[number, number]>>();
  private readonly clearPending = new Set<number>();
  readonly widgetState = new Map<string, JsonObject>();
  private readonly widgetBuffers = new Map<string, Map<string, WidgetBuffer>>();

  constructor(private readonly nb: Notebook) {}

  beginCell(index: number, msgId: string): void {
    this.cellByMsgId.set(msgId, index);
    const cell = this.nb.cells[index];
    cell.outputs = [];
    cell.execution_count = null;
    this.clearPending.delete(index);
    for (const entries of this.displayIds.values()) {
      for (let i = entries.length - 1; i >= 0; i--) if (entries[i][0] === index) entries.splice(i, 1);
    }
  }

  handle(msg: JupyterMessage): void {
    const type = msg.header.msg_type;
    const parentId = msg.parent_header.msg_id;
    if (type.startsWith('comm_')) {
      this.recordComm(msg);
      return;
    }
    const index = parentId ? this.cellByMsgId.get(parentId) : undefined;
    const c = msg.content as Record<string, unknown>;
    const displayId = (c.transient as { display_id?: string } | undefined)?.display_id;
    if (displayId && (type === 'display_data' || type === 'update_display_data' || type === 'execute_result')) {
      this.updateDisplay(displayId, c);
    }
    if (index === undefined) return;
    const cell = this.nb.cells[index];
    const outputs = (cell.outputs ??= []);
    if (typeof c.execution_count === 'number') cell.execution_count = c.execution_count;
    if (type === 'clear_output') {
      if (c.wait) this.clearPending.add(index);
      else this.clearCell(index);
      return;
    }
    if (type === 'update_display_data') return;
    const out = outputFromMessage(msg);
    if (!out) return;
    if (this.clearPending.delete(index)) this.clearCell(index);
    if (displayId) {
      const list = this.displayIds.get(displayId) ?? [];
      list.push([index, outputs.length]);
      this.displayIds.set(displayId, list);
    }
    outputs.push(out);
  }

  private clearCell(index: number): void {
    this.nb.cells[index].outputs = [];
    for (const entries of this.displayIds.values()) {
      for (let i = entries.length - 1; i >= 0; i--) if (entries[i][0] === index) entries.splice(i, 1);
    }
  }

  private updateDisplay(displayId: string, c: Record<string, unknown>): void {
    for (const [cellIndex, outIndex] of this.displayIds.get(displayId) ?? []) {
      const out = this.nb.cells[cellIndex].outputs?.[outIndex];
      if (out && (out.output_type === 'display_data' || out.output_type === 'execute_result')) {
        out.data = (c.data ?? {}) as JsonObject;
        out.metadata = (c.metadata ?? {}) as JsonObject;
      }
    }
  }

  /** nbclient's handle_comm_msg: merge `state` from comm_open and update messages. */
  private recordComm(msg: JupyterMessage): void {
    const c = msg.content as { comm_id?: string; data?: { state?: JsonObject; buffer_paths?: Array<Array<string | number>> } };
    const data = c.data;
    if (!c.comm_id || !data || typeof data.state !== 'object' || data.state === null) return;
    const state = this.widgetState.get(c.comm_id) ?? {};
    Object.assign(state, data.state);
    this.widgetState.set(c.comm_id, state);
    const paths = data.buffer_paths ?? [];
    if (paths.length > 0) {
      const buffers = this.widgetBuffers.get(c.comm_id) ?? new Map<string, WidgetBuffer>();
      paths.forEach((p, i) => {
        const b = msg.buffers[i];
        if (b) buffers.set(JSON.stringify(p), { path: p, encoding: 'base64', data: b.toString('base64') });
      });
      this.widgetBuffers.set(c.comm_id, buffers);
    }
  }

  /** nbclient's set_widgets_metadata. */
  widgetsMetadata(): JsonObject | undefined {
    if (this.widgetState.size === 0) return undefined;
    const state: Record<string, JsonObject> = {};
    for (const [modelId, s] of this.widgetState) {
      if (!('_model_name' in s)) continue;
      const entry: JsonObject = {
        model_name: s._model_name,
        model_module: s._model_module,
        model_module_version: s._model_module_version,
        state: s,
      };
      const buffers = this.widgetBuffers.get(modelId);
      if (buffers && buffers.size > 0) entry.buffers = [...buffers.values()];
      state[modelId] = entry;
    }
    return { [WIDGET_STATE_MIME]: { version_major: 2, version_minor: 0, state } };
  }
}
