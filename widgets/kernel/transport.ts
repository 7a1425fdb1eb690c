/**
 * The contract between the kernel (which owns the Jupyter wire protocol) and the kernel-side widget
 * library (which speaks widget protocol 2.1 over comms). The kernel installs a transport when it
 * starts; outside a kernel there is none and widget code must degrade (no widget, no error).
 */
import { runtimePart } from '../../src/runtime';

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

/** What the kernel and the widget library share through the runtime object. */
interface TransportState {
  /** The kernel's transport, null outside the tunelab kernel. */
  transport: CommTransport | null;
  /** Whether a widget manager has spoken on it (see widgetFrontendSeen). */
  frontendSeen: boolean;
}

// In the runtime object (src/runtime.ts), not in module state: a notebook may load its own copy of
// tunelab (from its node_modules) and must still find the transport the kernel installed.
const shared = runtimePart<TransportState>({
  name: 'widgets.transport',
  version: 1,
  create: () => ({ transport: null, frontendSeen: false }),
  accepts: (value): value is TransportState => {
    const transport: unknown = Reflect.get(value, 'transport');
    return (transport === null || typeof transport === 'object') && typeof Reflect.get(value, 'frontendSeen') === 'boolean';
  },
});

/** Called by the kernel at start-up. */
export function setCommTransport(t: CommTransport | null): void {
  shared.transport = t;
  // A new transport is a new kernel session: no widget frontend has spoken on it yet.
  shared.frontendSeen = false;
}

/** The kernel's transport, or null when not running inside the tunelab kernel. */
export function getCommTransport(): CommTransport | null {
  return shared.transport;
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
export function widgetFrontendSeen(): boolean {
  return shared.frontendSeen;
}

export function noteWidgetFrontend(): void {
  shared.frontendSeen = true;
}
