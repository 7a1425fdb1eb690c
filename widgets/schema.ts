/**
 * The one declaration of tunelab's own widget models (module 'tunelab-widgets'): per model its
 * _model_name, _view_name, module and version, and every synced attribute with its type and default.
 *
 * Both sides of the widget protocol read it, as ipywidgets has one schema for its Python models and
 * its JavaScript ones: the kernel side (widgets/kernel) builds each model's comm_open state from it
 * and types `set` and `get` by it; the browser views (widgets/src) take their DOMWidgetModel defaults
 * from it and read attributes with its types (StateReader). esbuild bundles this file into embed.js,
 * live.js and the JupyterLab extension. A model whose two
 * sides disagree on a default or a version therefore cannot be written.
 *
 * It imports nothing: it is compiled as CommonJS for Node and bundled for the browser.
 * The standard controls (IntSlider, Output...) are not declared here: their browser side is
 * ipywidgets' own @jupyter-widgets/controls, whose schema the kernel side follows.
 */

/** The module name the frontends register tunelab's views under. */
export const TUNELAB_MODULE = 'tunelab-widgets';
/**
 * The module version of every tunelab model and view: the version the JupyterLab extension registers
 * (widgets/lab/package.json, the package's own version), which the kernel writes into each model.
 */
export const TUNELAB_MODULE_VERSION = '0.1.0';

/** The JSON kind of an attribute's value. */
export type AttributeKind = 'number' | 'string' | 'boolean' | 'array' | 'object';

/** One synced attribute. `T` is its TypeScript type on the kernel side. */
export interface Attribute<T> {
  readonly kind: AttributeKind;
  /** Whether null is a valid value besides the kind. */
  readonly nullable: boolean;
  /** For strings restricted to a few values (a status): those values. */
  readonly values?: readonly string[];
  /** The value a new model starts with (a fresh copy is handed out every time). */
  readonly default: T;
}

function attribute<T>(kind: AttributeKind, nullable: boolean, value: T, values?: readonly string[]): Attribute<T> {
  return values ? { kind, nullable, values, default: value } : { kind, nullable, default: value };
}

export const number = (value: number): Attribute<number> => attribute('number', false, value);
export const nullableNumber = (): Attribute<number | null> => attribute<number | null>('number', true, null);
export const string = (value: string): Attribute<string> => attribute('string', false, value);
export const nullableString = (): Attribute<string | null> => attribute<string | null>('string', true, null);
export const boolean = (value: boolean): Attribute<boolean> => attribute('boolean', false, value);
/** A string that is one of `values`. */
export function oneOf<V extends string>(values: readonly V[], value: V): Attribute<V> {
  return attribute('string', false, value, values);
}
/** A JSON array; `T` is what its items are (not checked at run time). */
export function array<T>(value: T[] = []): Attribute<T[]> {
  return attribute('array', false, value);
}
export function nullableArray<T>(): Attribute<T[] | null> {
  return attribute<T[] | null>('array', true, null);
}
/** A JSON object; `T` is its shape (not checked at run time). */
export function object<T extends object = Record<string, unknown>>(value: T = {} as T): Attribute<T> {
  return attribute('object', false, value);
}
export function nullableObject<T extends object = Record<string, unknown>>(): Attribute<T | null> {
  return attribute<T | null>('object', true, null);
}

export type Attributes = Record<string, Attribute<unknown>>;

/** One model: who defines it, which view draws it, what it syncs. */
export interface ModelSchema<A extends Attributes = Attributes> {
  readonly modelName: string;
  readonly viewName: string;
  readonly module: string;
  readonly version: string;
  readonly attributes: A;
}

function model<A extends Attributes>(modelName: string, viewName: string, attributes: A): ModelSchema<A> {
  return { modelName, viewName, module: TUNELAB_MODULE, version: TUNELAB_MODULE_VERSION, attributes };
}

/** A StudyMonitor's lifecycle ('stopped': the Stop button or study.stop(); see studyMonitor.ts). */
export const MONITOR_STATUSES = ['running', 'stopping', 'stopped', 'finished', 'interrupted', 'failed'] as const;

/** One outer fold of a CVResults table as it travels (the kernel's CVFoldRow in wire names). */
export type CVWireRow = {
  outer_fold: number;
  score: number;
  params: Record<string, unknown>;
  inner_results: unknown;
};

/** A JSON object of any keys (a plotly layout, parameters by name). */
export type JsonObject = Record<string, unknown>;

/** A plotly trace: a type, a name and any other plotly attribute. */
export type PlotTrace = { type?: string; name?: string; [attr: string]: unknown };

/**
 * What a PlotModel's kernel side sends its views in custom messages: incremental figure updates
 * that the views apply to their copy of the figure and to the drawing. One op per message, or
 * several as `{ batch: [...] }` when the kernel coalesced a flush interval's ops.
 */
export type PlotOp =
  /** Append points to a trace: per column (x, y, text...), the values to push. */
  | { op: 'extend'; trace: number; columns: Record<string, unknown[]> }
  | { op: 'addTrace'; trace: PlotTrace }
  /** Set attributes (dotted keys allowed) of the listed traces; an array value is the value itself. */
  | { op: 'restyle'; update: JsonObject; traces: number[] }
  /** Set layout attributes (dotted keys allowed), as Plotly.relayout. */
  | { op: 'relayout'; update: JsonObject };

/**
 * The ops of a PlotModel custom message, checked against `PlotOp`, or a reason it is not one. The
 * views apply nothing of a message that fails (a figure half-updated is worse than one left as it was).
 */
export function parsePlotMessage(content: unknown): { ops: PlotOp[] } | { error: string } {
  if (!isObject(content)) return { error: 'a plot message must be a JSON object' };
  const items: unknown[] = 'batch' in content ? (Array.isArray(content.batch) ? content.batch : [null]) : [content];
  const ops: PlotOp[] = [];
  for (const item of items) {
    const error = plotOpMismatch(item);
    if (error) return { error };
    ops.push(item as PlotOp);
  }
  return { ops };
}

function plotOpMismatch(op: unknown): string | undefined {
  if (!isObject(op)) return 'a plot op must be a JSON object';
  const index = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  switch (op.op) {
    case 'extend':
      if (!index(op.trace)) return 'extend: "trace" must be a trace index';
      if (!isObject(op.columns) || !Object.values(op.columns).every(Array.isArray)) return 'extend: "columns" must map names to arrays';
      return undefined;
    case 'addTrace':
      return isObject(op.trace) ? undefined : 'addTrace: "trace" must be an object';
    case 'restyle':
      if (!isObject(op.update)) return 'restyle: "update" must be an object';
      return Array.isArray(op.traces) && op.traces.every(index) ? undefined : 'restyle: "traces" must be trace indices';
    case 'relayout':
      return isObject(op.update) ? undefined : 'relayout: "update" must be an object';
    default:
      return `unknown plot op ${JSON.stringify(op.op)}`;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export const TUNELAB_MODELS = {
  // `plot_layout`, not `layout`: DOMWidgetModel's `layout` is the reference to its LayoutModel.
  PlotModel: model('PlotModel', 'PlotView', {
    data: array<PlotTrace>(),
    // Type arguments spelled out: inferred from the context (Attribute<unknown>) they would be `object`.
    plot_layout: object<JsonObject>(),
    height: number(360),
  }),
  StudyMonitorModel: model('StudyMonitorModel', 'StudyMonitorView', {
    study_name: string(''),
    directions: array<string>(['minimize']),
    n_trials: nullableNumber(),
    /** Seconds. */
    timeout: nullableNumber(),
    n_complete: number(0),
    n_pruned: number(0),
    n_fail: number(0),
    n_finished: number(0),
    best_value: nullableNumber(),
    best_number: nullableNumber(),
    best_params: nullableObject<JsonObject>(),
    /** ms since the epoch. */
    started_at: number(0),
    /** Seconds. */
    elapsed: number(0),
    eta: nullableNumber(),
    status: oneOf(MONITOR_STATUSES, 'running'),
    n_front: nullableNumber(),
    hypervolume: nullableNumber(),
    hv_reference: nullableArray<number>(),
    hv_reference_auto: boolean(true),
    last_failure: nullableString(),
  }),
  ScheduleViewModel: model('ScheduleViewModel', 'ScheduleViewView', {
    name: string(''),
    params: object<JsonObject>(),
    steps: array<number>(),
    lrs: array<number>(),
    current_step: nullableNumber(),
    height: number(280),
  }),
  CVResultsModel: model('CVResultsModel', 'CVResultsView', {
    metric: string('score'),
    n_folds: nullableNumber(),
    rows: array<CVWireRow>(),
  }),
};

export type TunelabModelName = keyof typeof TUNELAB_MODELS;

/** The synced state of a model as TypeScript sees it, from its attributes' types. */
export type StateOf<A extends Attributes> = { -readonly [K in keyof A]: A[K] extends Attribute<infer T> ? T : never };
export type ModelState<N extends TunelabModelName> = StateOf<(typeof TUNELAB_MODELS)[N]['attributes']>;

/**
 * A model read through the schema: `get` of an attribute name gives that attribute's type. The
 * browser views read their Backbone models through it (Backbone's own `get` returns any), as the
 * kernel side's TunelabModel types its `get`.
 */
export interface StateReader<N extends TunelabModelName> {
  get<K extends keyof ModelState<N> & string>(name: K): ModelState<N>[K];
}

/** The six identity keys every model's state starts with. */
export interface ModelIdentity {
  _model_name: string;
  _model_module: string;
  _model_module_version: string;
  _view_name: string;
  _view_module: string;
  _view_module_version: string;
}

export function modelIdentity(schema: ModelSchema): ModelIdentity {
  return {
    _model_name: schema.modelName,
    _model_module: schema.module,
    _model_module_version: schema.version,
    _view_name: schema.viewName,
    _view_module: schema.module,
    _view_module_version: schema.version,
  };
}

/** Every attribute at its default: fresh arrays and objects on each call (models mutate theirs). */
export function defaultState<N extends TunelabModelName>(name: N): ModelState<N> {
  const out: Record<string, unknown> = {};
  for (const [key, attr] of Object.entries(TUNELAB_MODELS[name].attributes as Attributes)) out[key] = copyJson(attr.default);
  return out as ModelState<N>;
}

/** What a browser model's `defaults()` adds to DOMWidgetModel's: identity plus every attribute's default. */
export function modelDefaults(name: TunelabModelName): Record<string, unknown> {
  return { ...modelIdentity(TUNELAB_MODELS[name]), ...defaultState(name) };
}

/**
 * Why `value` is not a valid value of `attr` (e.g. "expected a number, got a string"), or undefined
 * when it is. Checks the JSON kind, null, and the allowed values of a restricted string.
 */
export function attributeMismatch(attr: Attribute<unknown>, value: unknown): string | undefined {
  if (value === null) return attr.nullable ? undefined : `expected ${describeKind(attr)}, got null`;
  const kind = Array.isArray(value) ? 'array' : typeof value;
  if (kind !== attr.kind) return `expected ${describeKind(attr)}, got ${value === undefined ? 'undefined' : `a value of type ${kind}`}`;
  if (attr.values && !attr.values.includes(value as string))
    return `expected one of ${attr.values.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(value)}`;
  return undefined;
}

function describeKind(attr: Attribute<unknown>): string {
  const article = attr.kind === 'array' || attr.kind === 'object' ? 'an' : 'a';
  return `${attr.nullable ? 'null or ' : ''}${article} ${attr.kind}`;
}

function copyJson<T>(v: T): T {
  return v === null || typeof v !== 'object' ? v : (JSON.parse(JSON.stringify(v)) as T);
}
