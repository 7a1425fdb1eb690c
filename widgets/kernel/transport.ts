/**
 * The contract between the kernel (which owns the Jupyter wire protocol) and the kernel-side widget
 * library (which speaks widget protocol 2.1 over comms). The kernel installs a transport when it
 * starts; outside a kernel there is none and widget code must degrade (no widget, no error).
 */
export type JsonObject = Record<string, unknown>;
export type BinaryBuffer = ArrayBuffer | ArrayBufferView;

export interface CommHandle {
  readonly commId: string;
  readonly targetName: string;
  /** comm_msg to the frontend. */
  send(data: JsonObject, metadata?: JsonObject, buffers?: BinaryBuffer[]): void;
  /** comm_close to the frontend. */
  close(data?: JsonObject): void;
  /** comm_msg from the frontend (buffers as Node Buffers). */
  onMsg(handler: (data: JsonObject, buffers: Buffer[]) => void): void;
  /** comm_close from the frontend. */
  onClose(handler: (data: JsonObject) => void): void;
}

export interface DisplayOptions {
  /** Give a display_id to update the output in place later with `updateDisplay`. */
  displayId?: string;
  metadata?: JsonObject;
}

export interface CommTransport {
  /** Open a comm from the kernel side (comm_open on iopub, parented to the current cell). */
  openComm(targetName: string, data: JsonObject, metadata?: JsonObject, buffers?: BinaryBuffer[]): CommHandle;
  /** Handle comm_open from the frontend for `targetName` (e.g. 'jupyter.widget.control'). */
  registerTarget(targetName: string, handler: (comm: CommHandle, data: JsonObject, buffers: Buffer[]) => void): void;
  /** display_data with a MIME bundle on the current cell. */
  display(bundle: JsonObject, opts?: DisplayOptions): void;
  /** update_display_data for an earlier display with that displayId. */
  updateDisplay(bundle: JsonObject, displayId: string, metadata?: JsonObject): void;
  /** clear_output on the current cell; `wait`: clear only when the next output arrives. */
  clearOutput?(opts?: { wait?: boolean }): void;
}

// Kept on globalThis under a registered symbol, not in module state: a notebook may load its own
// copy of tunelab (from its node_modules) and must still find the transport the kernel installed.
const TRANSPORT_KEY = Symbol.for('tunelab.commTransport');
type Holder = { [TRANSPORT_KEY]?: CommTransport | null };

/** Called by the kernel at start-up. */
export function setCommTransport(t: CommTransport | null): void {
  (globalThis as Holder)[TRANSPORT_KEY] = t;
  // A new transport is a new kernel session: no widget frontend has spoken on it yet.
  (globalThis as FrontendFlagHolder)[WIDGET_FRONTEND_KEY] = false;
}

/** The kernel's transport, or null when not running inside the tunelab kernel. */
export function getCommTransport(): CommTransport | null {
  return (globalThis as Holder)[TRANSPORT_KEY] ?? null;
}

/**
 * Clears the output of the cell the calling code belongs to (Jupyter's clear_output), as a cell's
 * own `clearOutput()` does; `wait: true` defers the clearing until new output arrives, so a
 * redrawn display does not flicker. Outside the tunelab kernel it does nothing.
 */
export function clearOutput(options: { wait?: boolean } = {}): void {
  getCommTransport()?.clearOutput?.(options);
}

/**
 * A displayable that wants its outputs to be updatable names the display_id to publish them with
 * under this key (a method). The kernel uses it for `display(x)` and for a cell's result, so a widget
 * can later refresh its static fallback with update_display_data. Calling it means "about to be
 * displayed". On a registered symbol so every loaded copy of tunelab agrees.
 */
export const DISPLAY_ID_KEY: unique symbol = Symbol.for('tunelab.displayId') as never;

/** The display_id a value asks to be displayed with, if any. */
export function displayIdOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const f = (value as Record<symbol, unknown>)[DISPLAY_ID_KEY];
  if (typeof f !== 'function') return undefined;
  const id = (f as () => unknown).call(value);
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/**
 * Whether a frontend with a widget manager has talked to this kernel. Widget managers (ipywidgets 8
 * in JupyterLab, Notebook 7, VS Code) open a `jupyter.widget.control` comm as soon as they connect,
 * to fetch the models that already exist; frontends without one (nbclient, nbconvert, a plain
 * console) never do. Until one has, live views keep their readable fallbacks up to date in place.
 */
const WIDGET_FRONTEND_KEY = Symbol.for('tunelab.widgetFrontendSeen');
type FrontendFlagHolder = { [WIDGET_FRONTEND_KEY]?: boolean };

export function widgetFrontendSeen(): boolean {
  return (globalThis as FrontendFlagHolder)[WIDGET_FRONTEND_KEY] === true;
}

export function noteWidgetFrontend(): void {
  (globalThis as FrontendFlagHolder)[WIDGET_FRONTEND_KEY] = true;
}
