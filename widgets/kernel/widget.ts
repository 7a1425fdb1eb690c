/**
 * The kernel side of one widget model (protocol 2.1): its state, the comm that mirrors it in the
 * frontend, two-way sync (update / echo_update / request_state), custom messages, and display.
 *
 * Outside the tunelab kernel there is no comm transport: a widget is then a plain state holder that
 * never throws and never sends anything, so library code can create widgets unconditionally.
 */
import { randomUUID } from 'node:crypto';
import { reprSymbol, type MimeBundle } from '../../src/display';
import { DISPLAY_ID_KEY, getCommTransport, widgetFrontendSeen, type BinaryBuffer, type CommHandle, type JsonObject } from './transport';
import { modelRef, PROTOCOL_VERSION, VIEW_MIME, WIDGET_TARGET, type ModelSpec, type SerializedModel } from './protocol';
import { getThrottleDefaults, NO_WIDGET_FRONTEND_FALLBACK_INTERVAL_MS, Throttle } from './throttle';

export interface Change {
  name: string;
  old: unknown;
  new: unknown;
}

type ChangeHandler = (change: Change) => void;
type CustomHandler = (content: JsonObject, buffers: Buffer[]) => void;

// All open widgets of this process, on globalThis so that every loaded copy of tunelab answers the
// frontend's request_states with the complete set.
const REGISTRY_KEY = Symbol.for('tunelab.widgetRegistry');
type RegistryHolder = { [REGISTRY_KEY]?: Map<string, Widget> };
export function widgetRegistry(): Map<string, Widget> {
  return ((globalThis as RegistryHolder)[REGISTRY_KEY] ??= new Map());
}

export class Widget {
  readonly modelId: string;
  readonly spec: ModelSpec;
  private readonly values: Record<string, unknown>;
  private comm: CommHandle | null = null;
  private readonly dirty = new Set<string>();
  private customQueue: JsonObject[] = [];
  private readonly throttle: Throttle;
  private readonly changeHandlers = new Map<string, ChangeHandler[]>();
  private readonly customHandlers: CustomHandler[] = [];
  private closed = false;
  // The static fallback of this widget's displays (see refreshFallback).
  private displayed = false;
  private liveFallback = true;
  private fallbackDirty = false;
  private refreshingFallback = false;
  private lastFallback: string | null = null;
  private readonly fallbackThrottle: Throttle;
  /** Refreshes a live view's fallback during a cell while no widget frontend is attached. */
  private readonly headlessFallbackThrottle: Throttle;
  /** Widgets whose snapshot contains this one (boxes), and the widgets this one contains. */
  private readonly containers = new Set<Widget>();
  private readonly parts = new Set<Widget>();

  constructor(spec: ModelSpec, state: Record<string, unknown>) {
    this.spec = spec;
    this.values = { ...state };
    this.throttle = new Throttle(() => this.sendPending());
    const defaults = getThrottleDefaults();
    this.fallbackThrottle = new Throttle(() => this.refreshFallback(), defaults.fallbackIntervalMs, defaults.clock);
    this.headlessFallbackThrottle = new Throttle(
      () => this.refreshFallback(),
      Math.min(defaults.fallbackIntervalMs, NO_WIDGET_FRONTEND_FALLBACK_INTERVAL_MS),
      defaults.clock,
    );
    const transport = getCommTransport();
    if (transport) {
      try {
        // Not fullState(): subclasses override it and are not initialised yet.
        const { state: wire, buffers, bufferPaths } = this.serialize(this.ownState());
        this.comm = transport.openComm(
          WIDGET_TARGET,
          { state: wire, buffer_paths: bufferPaths },
          { version: PROTOCOL_VERSION },
          buffers,
        );
        this.comm.onMsg((data, bufs) => this.handleMessage(data, bufs));
        this.comm.onClose(() => this.forget());
      } catch (err) {
        // A broken transport must not break the user's study: keep working as a detached widget.
        this.comm = null;
        process.emitWarning(`tunelab widgets: could not open a comm (${(err as Error).message}); the widget will not sync.`);
      }
    }
    this.modelId = this.comm?.commId ?? randomUUID().replace(/-/g, '');
    // Only live widgets are registered: the registry answers frontends, and a plain Node process
    // creating widgets must not accumulate them.
    if (this.comm) widgetRegistry().set(this.modelId, this);
  }

  /** Whether the widget is connected to a frontend through the kernel. */
  get isLive(): boolean {
    return this.comm !== null && !this.closed;
  }

  get<T = unknown>(name: string): T {
    return this.values[name] as T;
  }

  /** Change attributes; the frontend gets them in the next (rate-limited) update message. */
  set(patch: Record<string, unknown>): void {
    for (const [name, value] of Object.entries(patch)) {
      const old = this.values[name];
      if (sameValue(old, value)) continue;
      this.values[name] = value;
      this.dirty.add(name);
      this.emitChange({ name, old, new: value });
    }
    if (this.dirty.size > 0) {
      this.requestFlush();
      this.contentChanged(true);
    }
  }

  /** Listen to changes of one attribute ('*' for all), whether made here or in the frontend. */
  observe(name: string, handler: ChangeHandler): () => void {
    const list = this.changeHandlers.get(name) ?? [];
    list.push(handler);
    this.changeHandlers.set(name, list);
    return () => {
      const l = this.changeHandlers.get(name);
      if (l) l.splice(l.indexOf(handler), 1);
    };
  }

  /** Custom messages from the frontend views (e.g. button clicks). */
  onCustom(handler: CustomHandler): void {
    this.customHandlers.push(handler);
  }

  /**
   * Queue a custom message to the views. Messages queued within one interval go out together as one
   * comm message `{method: 'custom', content: {batch: [...]}}`, in order, after the state update.
   */
  sendCustom(content: JsonObject): void {
    this.queueCustom(content);
  }

  /** Queue a custom message, or fold it into the last queued one when `tryMerge(last)` says it did. */
  protected queueCustom(content: JsonObject, tryMerge?: (last: JsonObject) => boolean): void {
    if (!this.isLive) return;
    const last = this.customQueue[this.customQueue.length - 1];
    if (!(last && tryMerge?.(last))) this.customQueue.push(content);
    this.requestFlush();
    this.contentChanged(true);
  }

  /** Drop queued custom messages (a full state update is about to supersede them). */
  protected clearCustomQueue(): void {
    this.customQueue = [];
  }

  /** Send everything pending now, ignoring the rate limit (study end, cell end). */
  flush(): void {
    this.throttle.flushNow();
  }

  /** The full state as the protocol sends it (widget references as IPY_MODEL_ strings). */
  fullState(): Record<string, unknown> {
    return this.ownState();
  }

  private ownState(): Record<string, unknown> {
    return {
      _model_name: this.spec.modelName,
      _model_module: this.spec.modelModule,
      _model_module_version: this.spec.modelModuleVersion,
      _view_name: this.spec.viewName,
      _view_module: this.spec.viewModule,
      _view_module_version: this.spec.viewModuleVersion,
      ...this.values,
    };
  }

  /** The entry of this widget in `update_states` / saved notebook state. */
  serializedModel(): { model: SerializedModel; buffers: BinaryBuffer[]; bufferPaths: (string | number)[][] } {
    const { state, buffers, bufferPaths } = this.serialize(this.fullState());
    return {
      model: {
        model_name: this.spec.modelName,
        model_module: this.spec.modelModule,
        model_module_version: this.spec.modelModuleVersion,
        state,
      },
      buffers,
      bufferPaths,
    };
  }

  /**
   * Show the widget in the current cell's output (a no-op outside the kernel). The display gets this
   * widget's display_id, so its static fallback follows later changes (see refreshFallback).
   * `liveFallback: false` refreshes the fallback only at flushes (cell end, `flushFallback()`), for
   * widgets that change continuously while a frontend shows them live; as long as no frontend with a
   * widget manager is attached (nothing would be rebuilt), it is still refreshed about once a second.
   */
  display(opts: { liveFallback?: boolean } = {}): void {
    const transport = getCommTransport();
    if (!transport) return;
    if (opts.liveFallback === false) this.liveFallback = false;
    const displayId = this[DISPLAY_ID_KEY]();
    transport.display(this[reprSymbol](), displayId ? { displayId } : {});
  }

  /** The display_id of every display of this widget; asked by the kernel right before displaying it. */
  [DISPLAY_ID_KEY](): string | undefined {
    if (!this.isLive) return undefined;
    this.displayed = true;
    return this.displayId;
  }

  get displayId(): string {
    return `tunelab-${this.modelId}`;
  }

  /** The display bundle: the widget view plus a readable fallback for frontends without widgets. */
  [reprSymbol](): MimeBundle {
    this.flush();
    const bundle = this.fallbackBundle();
    if (this.displayed) {
      this.lastFallback = bundle['text/html'] as string;
      this.fallbackDirty = false;
    }
    return bundle;
  }

  private fallbackBundle(): MimeBundle {
    const bundle: MimeBundle = { 'text/plain': this.toString(), 'text/html': this.snapshotHtml() };
    if (this.isLive) bundle[VIEW_MIME] = { model_id: this.modelId, version_major: 2, version_minor: 0 };
    return bundle;
  }

  /**
   * Re-send the fallback of a pending change now (cell end, study end), not rate-limited. A saved
   * notebook thus ends with a snapshot of the final state, not of the moment of display.
   */
  flushFallback(): void {
    if (this.fallbackDirty) this.fallbackThrottle.flushNow();
    this.headlessFallbackThrottle.cancel();
  }

  /**
   * Something this widget's snapshot shows changed (its state, a custom op, a contained widget):
   * schedule update_display_data for its displays, rate-limited, and tell its containers.
   * `live` is false for changes made by a frontend: re-rendering the output would rebuild the very
   * view the user is dragging, so those wait for the next flush.
   */
  private contentChanged(live: boolean, seen?: Set<Widget>): void {
    if (seen?.has(this)) return;
    if (this.displayed && this.isLive && !this.refreshingFallback) {
      this.fallbackDirty = true;
      // One of the two, so a widget never refreshes at twice the rate: the configured interval for
      // widgets that follow changes live (infinite by default), else the modest headless rate.
      if (live && this.liveFallback && this.fallbackThrottle.intervalMs !== Infinity) this.fallbackThrottle.request();
      else if (live && !widgetFrontendSeen()) this.headlessFallbackThrottle.request();
    }
    if (this.containers.size === 0) return; // the common case: no allocation per change
    const visited = seen ?? new Set<Widget>();
    visited.add(this);
    for (const c of this.containers) c.contentChanged(live, visited);
  }

  /** Declare the widgets this one shows inside it (boxes, tabs): their changes refresh its fallback. */
  protected setParts(children: readonly unknown[]): void {
    for (const p of this.parts) p.containers.delete(this);
    this.parts.clear();
    for (const c of children) {
      if (c instanceof Widget && c !== this) {
        this.parts.add(c);
        c.containers.add(this);
      }
    }
  }

  /**
   * Bring the model state up to date with what the kernel holds (e.g. a Plot's appended points),
   * since a frontend that re-renders an updated output builds fresh views from the model state.
   */
  protected prepareForRerender(seen = new Set<Widget>()): void {
    if (seen.has(this)) return;
    seen.add(this);
    for (const p of this.parts) p.prepareForRerender(seen);
  }

  /** Send update_display_data with the current fallback; false when nothing changed. */
  private refreshFallback(): boolean {
    const transport = getCommTransport();
    if (!transport || !this.displayed || !this.isLive || !this.fallbackDirty) return false;
    this.refreshingFallback = true;
    try {
      this.prepareForRerender();
      this.flush();
      const bundle = this.fallbackBundle();
      this.fallbackDirty = false;
      const html = bundle['text/html'] as string;
      if (html === this.lastFallback) return false;
      this.lastFallback = html;
      transport.updateDisplay(bundle, this.displayId);
      return true;
    } finally {
      this.refreshingFallback = false;
    }
  }

  /** A static HTML picture of the current state, shown where widgets cannot render. */
  snapshotHtml(): string {
    return `<pre>${escapeHtml(this.toString())}</pre>`;
  }

  toString(): string {
    return `${this.spec.modelName.replace(/Model$/, '')}(${this.modelId.slice(0, 8)})`;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.comm?.close({});
    this.forget();
  }

  private forget(): void {
    this.closed = true;
    this.throttle.cancel();
    this.fallbackThrottle.cancel();
    this.headlessFallbackThrottle.cancel();
    this.setParts([]);
    widgetRegistry().delete(this.modelId);
  }

  private requestFlush(): void {
    if (!this.isLive) {
      this.dirty.clear();
      this.customQueue = [];
      return;
    }
    this.throttle.request();
  }

  private sendPending(): boolean {
    if (!this.isLive) return false;
    let sent = false;
    if (this.dirty.size > 0) {
      const patch: Record<string, unknown> = {};
      for (const k of this.dirty) patch[k] = this.values[k];
      this.dirty.clear();
      this.sendState('update', patch);
      sent = true;
    }
    if (this.customQueue.length > 0) {
      const batch = this.customQueue;
      this.customQueue = [];
      this.comm!.send({ method: 'custom', content: batch.length === 1 ? batch[0] : { batch } });
      sent = true;
    }
    return sent;
  }

  private sendState(method: 'update' | 'echo_update', patch: Record<string, unknown>): void {
    const { state, buffers, bufferPaths } = this.serialize(patch);
    this.comm!.send({ method, state, buffer_paths: bufferPaths }, undefined, buffers);
  }

  private handleMessage(data: JsonObject, buffers: Buffer[]): void {
    switch (data.method) {
      case 'update': {
        const state = { ...((data.state as JsonObject) ?? {}) };
        const paths = (data.buffer_paths as (string | number)[][] | undefined) ?? [];
        paths.forEach((path, i) => setAtPath(state, path, buffers[i]));
        this.applyFromFrontend(state);
        break;
      }
      case 'request_state':
        // Pending partial updates are part of the full state we are about to send.
        this.dirty.clear();
        this.sendState('update', this.fullState());
        break;
      case 'custom':
        for (const h of this.customHandlers) h((data.content as JsonObject) ?? {}, buffers);
        break;
      default:
        process.emitWarning(`tunelab widgets: ignored a comm message with unknown method ${String(data.method)}.`);
    }
  }

  /** A frontend changed attributes: echo them (protocol 2.1) so other frontends follow, then notify. */
  private applyFromFrontend(state: Record<string, unknown>): void {
    const received: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(state)) received[k] = this.deserialize(v);
    this.sendState('echo_update', state);
    let changed = false;
    for (const [name, value] of Object.entries(received)) {
      const old = this.values[name];
      if (sameValue(old, value)) continue;
      this.values[name] = value;
      changed = true;
      this.emitChange({ name, old, new: value });
    }
    if (changed) this.contentChanged(false);
    // Handlers may have set other values; a value equal to what the frontend sent needs no update.
    for (const name of [...this.dirty]) if (name in received && sameValue(received[name], this.values[name])) this.dirty.delete(name);
  }

  private emitChange(change: Change): void {
    for (const key of [change.name, '*']) {
      for (const h of this.changeHandlers.get(key) ?? []) {
        try {
          h(change);
        } catch (err) {
          process.emitWarning(`tunelab widgets: a change handler for '${change.name}' threw: ${(err as Error).message}`);
        }
      }
    }
  }

  /** Widget references become IPY_MODEL_ strings; binary values become buffers (top level). */
  private serialize(values: Record<string, unknown>): {
    state: JsonObject;
    buffers: BinaryBuffer[];
    bufferPaths: (string | number)[][];
  } {
    const state: JsonObject = {};
    const buffers: BinaryBuffer[] = [];
    const bufferPaths: (string | number)[][] = [];
    for (const [k, v] of Object.entries(values)) {
      if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) {
        buffers.push(v);
        bufferPaths.push([k]);
        state[k] = null;
      } else {
        state[k] = toWire(v);
      }
    }
    return { state, buffers, bufferPaths };
  }

  private deserialize(v: unknown): unknown {
    if (typeof v === 'string' && v.startsWith('IPY_MODEL_')) return widgetRegistry().get(v.slice(10)) ?? v;
    if (Array.isArray(v)) return v.map((x) => this.deserialize(x));
    return v;
  }
}

function toWire(v: unknown): unknown {
  if (v instanceof Widget) return modelRef(v.modelId);
  if (Array.isArray(v)) return v.map(toWire);
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toWire(x);
    return out;
  }
  if (typeof v === 'number' && !Number.isFinite(v)) return null; // JSON has no NaN/Infinity
  return v;
}

function setAtPath(obj: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  let cur: Record<string | number, unknown> = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const next = cur[path[i]];
    if (next === null || typeof next !== 'object') cur[path[i]] = {};
    cur = cur[path[i]] as Record<string | number, unknown>;
  }
  cur[path[path.length - 1]] = value;
}

/** Primitive equality; objects and arrays always count as changed (callers pass fresh ones). */
function sameValue(a: unknown, b: unknown): boolean {
  return Object.is(a, b) && (a === null || typeof a !== 'object');
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
