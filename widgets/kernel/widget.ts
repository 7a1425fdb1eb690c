/**
 * The kernel side of one widget model (protocol 2.1): its state, the comm that mirrors it in the
 * frontend, two-way sync (update / echo_update / request_state), custom messages, and display.
 *
 * Outside the tunelab kernel there is no comm transport: a widget is then a plain state holder that
 * never throws and never sends anything, so library code can create widgets unconditionally.
 */
import { randomUUID } from 'node:crypto';
import { writeSync } from 'node:fs';
import { escapeHtml, reprSymbol, type MimeBundle } from '../../src/display';
import { runtimePart } from '../../src/runtime';
import { DISPLAY_ID_KEY, getCommTransport, widgetFrontendSeen, type BinaryBuffer, type CommHandle, type JsonObject } from './transport';
import { modelRef, PROTOCOL_VERSION, VIEW_MIME, WIDGET_TARGET, type ModelSpec, type SerializedModel } from './protocol';
import { getThrottleDefaults, NO_WIDGET_FRONTEND_FALLBACK_INTERVAL_MS, Throttle } from './throttle';
import { isPrototypeKey, type AttributeSchema } from './traits';

export interface Change {
  name: string;
  old: unknown;
  new: unknown;
}

type ChangeHandler = (change: Change) => void;
type CustomHandler = (content: JsonObject, buffers: Buffer[]) => void;

/**
 * Where the widget library reports what it refused from a frontend: the process's own stderr (the
 * kernel's log), not the cell's output. Replaceable (tests).
 */
export const widgetLog = {
  write(text: string): void {
    writeSync(2, `[tunelab widgets] ${text}\n`);
  },
};

// All open widgets of this process by model id, in the runtime object (src/runtime.ts) so that every
// loaded copy of tunelab answers the frontend's request_states with the complete set.
const registry = runtimePart<Map<string, Widget>>({
  name: 'widgets.registry',
  version: 1,
  create: () => new Map(),
  accepts: (value): value is Map<string, Widget> => value instanceof Map,
});
export function widgetRegistry(): Map<string, Widget> {
  return registry;
}

export class Widget {
  readonly modelId: string;
  readonly spec: ModelSpec;
  /** Attribute values by name; no prototype, so any name is just a key. */
  private readonly values: Record<string, unknown>;
  /** What a frontend may set, per attribute (traits.ts); attributes not listed take any JSON value. */
  private readonly schema: AttributeSchema;
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

  constructor(spec: ModelSpec, state: Record<string, unknown>, schema: AttributeSchema = new Map()) {
    this.spec = spec;
    this.values = Object.assign(Object.create(null) as Record<string, unknown>, state);
    this.schema = schema;
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
        this.comm = transport.openComm(WIDGET_TARGET, { state: wire, buffer_paths: bufferPaths }, { version: PROTOCOL_VERSION }, buffers);
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
        const state = isPlainRecord(data.state) ? { ...data.state } : {};
        const paths = data.buffer_paths ?? [];
        const bad = invalidBufferPaths(paths, buffers.length);
        if (bad) {
          widgetLog.write(`${this.toString()}: ignored an update with ${bad}`);
          break;
        }
        (paths as (string | number)[][]).forEach((path, i) => setAtPath(state, path, buffers[i]));
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

  /**
   * A frontend changed attributes. Each is checked against the model's schema (traits.ts), as
   * traitlets does in ipywidgets: a value of the wrong type is refused (logged), the model keeps its
   * value and the frontend is sent it back, so the views show what the kernel holds; an attribute
   * the model does not have is ignored. Accepted values are echoed (protocol 2.1) so other
   * frontends follow, then observers are notified.
   */
  private applyFromFrontend(state: Record<string, unknown>): void {
    const received = new Map<string, unknown>();
    const resync: string[] = [];
    const read = (name: string): unknown => (received.has(name) ? received.get(name) : this.values[name]);
    for (const [name, wire] of Object.entries(state)) {
      if (isPrototypeKey(name) || !Object.hasOwn(this.values, name)) {
        widgetLog.write(`${this.toString()}: ignored an update of "${name}", which this ${this.spec.modelName} does not have`);
        continue;
      }
      const value = this.deserialize(wire);
      const trait = this.schema.get(name);
      const check = trait ? trait.validate(value, read) : { ok: true as const, value };
      if (!check.ok) {
        widgetLog.write(
          `${this.toString()}: refused ${name} = ${describeValue(wire)} from the frontend (${check.reason}); ` +
            `kept ${describeValue(toWire(this.values[name]))} and sent it back`,
        );
        resync.push(name);
        continue;
      }
      received.set(name, check.value);
      // A value the schema adjusted (clamped into [min, max]) goes back as ipywidgets sends it.
      if (check.value !== value) resync.push(name);
    }
    if (received.size > 0) {
      const echo: Record<string, unknown> = {};
      for (const name of received.keys()) if (!resync.includes(name)) echo[name] = state[name];
      if (Object.keys(echo).length > 0) this.sendState('echo_update', echo);
    }
    let changed = false;
    for (const [name, value] of received) {
      const old = this.values[name];
      if (sameValue(old, value)) continue;
      this.values[name] = value;
      changed = true;
      this.emitChange({ name, old, new: value });
    }
    if (changed) this.contentChanged(false);
    // Handlers may have set other values; a value equal to what the frontend sent needs no update.
    for (const name of [...this.dirty]) if (received.has(name) && sameValue(received.get(name), this.values[name])) this.dirty.delete(name);
    if (resync.length > 0) {
      const kept: Record<string, unknown> = {};
      for (const name of resync) {
        kept[name] = this.values[name];
        this.dirty.delete(name);
      }
      this.sendState('update', kept);
    }
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

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Why a frontend's buffer_paths cannot be applied, or undefined when they can: one non-empty path
 * of strings and non-negative integers per buffer, never through a prototype key (a path such as
 * ["__proto__", "polluted"] would otherwise write onto Object.prototype for the whole kernel).
 */
function invalidBufferPaths(paths: unknown, bufferCount: number): string | undefined {
  if (!Array.isArray(paths)) return 'buffer_paths that is not an array';
  if (paths.length > bufferCount) return `${paths.length} buffer_paths but ${bufferCount} buffers`;
  for (const p of paths) {
    if (!Array.isArray(p) || p.length === 0) return `a buffer path that is not a non-empty array: ${describeValue(p)}`;
    for (const seg of p) {
      const isIndex = typeof seg === 'number' && Number.isSafeInteger(seg) && seg >= 0;
      if (!isIndex && typeof seg !== 'string') return `a buffer path segment that is neither a string nor an index: ${describeValue(seg)}`;
      if (isPrototypeKey(seg)) return `a buffer path through "${String(seg)}", which is never a widget attribute`;
    }
  }
  return undefined;
}

/** Puts a buffer at a checked path (invalidBufferPaths), creating plain containers on the way. */
function setAtPath(obj: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  let cur: Record<string | number, unknown> = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i];
    const next = Object.hasOwn(cur, key) ? cur[key] : undefined;
    if (next === null || typeof next !== 'object')
      Object.defineProperty(cur, key, { value: {}, writable: true, enumerable: true, configurable: true });
    cur = cur[key] as Record<string | number, unknown>;
  }
  Object.defineProperty(cur, path[path.length - 1], { value, writable: true, enumerable: true, configurable: true });
}

/** A short rendering of a frontend's value for a log line. */
function describeValue(v: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Primitive equality; objects and arrays always count as changed (callers pass fresh ones). */
function sameValue(a: unknown, b: unknown): boolean {
  return Object.is(a, b) && (a === null || typeof a !== 'object');
}

export { escapeHtml };
