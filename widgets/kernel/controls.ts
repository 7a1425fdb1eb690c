/**
 * The standard ipywidgets 8 controls (model module @jupyter-widgets/controls 2.0.0) that a tuning
 * session needs, typed. Every DOM widget gets its own Layout model (and a Style model where the
 * frontend view reads one), exactly as ipywidgets creates them, so any Jupyter frontend renders them.
 */
import { inspect } from 'node:util';
import { BASE_MODULE, BASE_VERSION, CONTROLS_MODULE, CONTROLS_VERSION, OUTPUT_MODULE, OUTPUT_VERSION, type ModelSpec } from './protocol';
import { escapeHtml, Widget } from './widget';
import { formatPercent } from '../../src/format';
import { getCommTransport, type JsonObject } from './transport';
import {
  arrayOf,
  bool,
  bound,
  clampedBetween,
  float,
  indexInto,
  int,
  nullable,
  oneOf,
  schemaOf,
  str,
  widgetRef,
  type Trait,
} from './traits';

// What a frontend may set on these models, per attribute (checked in Widget.applyFromFrontend),
// after ipywidgets 8's traits for the same models.
const aWidget = widgetRef((v) => v instanceof Widget);
const COMMON_TRAITS: Record<string, Trait> = {
  layout: aWidget,
  style: aWidget,
  _dom_classes: arrayOf(str),
  tabbable: nullable(bool),
  tooltip: nullable(str),
  description: str,
  disabled: bool,
};
const typedObject: Trait = {
  expects: 'an object',
  validate: (v) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? { ok: true, value: v } : { ok: false, reason: 'expected an object' },
};
const BAR_STYLES = ['success', 'info', 'warning', 'danger', ''] as const;
const ORIENTATION = oneOf('horizontal', 'vertical');

/** value in [min, max] (clamped), min <= max, all of one numeric type. */
function boundedTraits(num: Trait): Record<string, Trait> {
  return { value: clampedBetween(num, 'min', 'max'), min: bound(num, 'min', 'max'), max: bound(num, 'max', 'min') };
}

function controlSpec(model: string, view: string | null): ModelSpec {
  return {
    modelName: model,
    modelModule: CONTROLS_MODULE,
    modelModuleVersion: CONTROLS_VERSION,
    viewName: view,
    viewModule: view ? CONTROLS_MODULE : null,
    viewModuleVersion: CONTROLS_VERSION,
  };
}

export class Layout extends Widget {
  constructor(props: Record<string, string | null> = {}) {
    super(
      {
        modelName: 'LayoutModel',
        modelModule: BASE_MODULE,
        modelModuleVersion: BASE_VERSION,
        viewName: 'LayoutView',
        viewModule: BASE_MODULE,
        viewModuleVersion: BASE_VERSION,
      },
      props,
    );
  }
}

/** Style models live in the controls module but are rendered by base's StyleView. */
export class Style extends Widget {
  constructor(modelName: string, props: Record<string, unknown> = {}) {
    super(
      {
        modelName,
        modelModule: CONTROLS_MODULE,
        modelModuleVersion: CONTROLS_VERSION,
        viewName: 'StyleView',
        viewModule: BASE_MODULE,
        viewModuleVersion: BASE_VERSION,
      },
      props,
    );
  }
}

export interface CommonOptions {
  description?: string;
  tooltip?: string | null;
  disabled?: boolean;
  layout?: Record<string, string | null>;
  /** Extra CSS classes on the widget's element. */
  domClasses?: string[];
}

function common(opts: CommonOptions, styleModel: string | null, style: Record<string, unknown> = {}): Record<string, unknown> {
  const state: Record<string, unknown> = {
    layout: new Layout(opts.layout),
    _dom_classes: opts.domClasses ?? [],
    tabbable: null,
    tooltip: opts.tooltip ?? null,
  };
  if (styleModel) state.style = new Style(styleModel, style);
  if (opts.description !== undefined) state.description = opts.description;
  if (opts.disabled !== undefined) state.disabled = opts.disabled;
  return state;
}

/** A widget with a `value` attribute, typed. */
export class ValueWidget<T> extends Widget {
  get value(): T {
    return this.get<T>('value');
  }
  set value(v: T) {
    this.set({ value: v });
  }
  /** Called with the new value whenever it changes (from code or from the user). */
  onChange(handler: (value: T) => void): () => void {
    return this.observe('value', (c) => handler(c.new as T));
  }
}

export type BarStyle = 'success' | 'info' | 'warning' | 'danger' | '';

export interface ProgressOptions<T> extends CommonOptions {
  value?: T;
  min?: T;
  max?: T;
  barStyle?: BarStyle;
  orientation?: 'horizontal' | 'vertical';
  barColor?: string | null;
}

class Progress<T extends number> extends ValueWidget<T> {
  constructor(model: string, opts: ProgressOptions<T>, defaults: { value: T; min: T; max: T }, num: Trait) {
    super(
      controlSpec(model, 'ProgressView'),
      {
        ...common(opts, 'ProgressStyleModel', { bar_color: opts.barColor ?? null, description_width: '' }),
        description: opts.description ?? '',
        value: opts.value ?? defaults.value,
        min: opts.min ?? defaults.min,
        max: opts.max ?? defaults.max,
        bar_style: opts.barStyle ?? '',
        orientation: opts.orientation ?? 'horizontal',
      },
      schemaOf({ ...COMMON_TRAITS, ...boundedTraits(num), bar_style: nullable(oneOf(...BAR_STYLES)), orientation: ORIENTATION }),
    );
  }
  /** Fraction done in [0, 1]. */
  get fraction(): number {
    const min = this.get<number>('min');
    const max = this.get<number>('max');
    return max > min ? Math.min(1, Math.max(0, (this.value - min) / (max - min))) : 0;
  }
  override toString(): string {
    return `${this.get('description') || 'Progress'}: ${formatPercent(this.fraction)}% (${this.value}/${this.get('max')})`;
  }
  override snapshotHtml(): string {
    const pct = formatPercent(this.fraction);
    return `<div style="font-family:sans-serif">${escapeHtml(String(this.get('description') ?? ''))} <progress value="${pct}" max="100"></progress> ${pct}%</div>`;
  }
}

export class IntProgress extends Progress<number> {
  constructor(opts: ProgressOptions<number> = {}) {
    super('IntProgressModel', opts, { value: 0, min: 0, max: 100 }, int);
  }
}

export class FloatProgress extends Progress<number> {
  constructor(opts: ProgressOptions<number> = {}) {
    super('FloatProgressModel', opts, { value: 0, min: 0, max: 1 }, float);
  }
}

export interface TextOptions extends CommonOptions {
  value?: string;
  placeholder?: string;
}

/** Raw HTML, rendered as is. */
export class HTML extends ValueWidget<string> {
  constructor(opts: TextOptions | string = {}) {
    const o = typeof opts === 'string' ? { value: opts } : opts;
    super(
      controlSpec('HTMLModel', 'HTMLView'),
      {
        ...common(o, 'HTMLStyleModel', { description_width: '', font_size: null, text_color: null, background: null }),
        description: o.description ?? '',
        value: o.value ?? '',
        placeholder: o.placeholder ?? '\u200b',
      },
      schemaOf({ ...COMMON_TRAITS, value: str, placeholder: str }),
    );
  }
  override snapshotHtml(): string {
    return this.value;
  }
  override toString(): string {
    return this.value.replace(/<[^>]*>/g, '');
  }
}

/** Plain text. */
export class Label extends ValueWidget<string> {
  constructor(opts: TextOptions | string = {}) {
    const o = typeof opts === 'string' ? { value: opts } : opts;
    super(
      controlSpec('LabelModel', 'LabelView'),
      {
        ...common(o, 'LabelStyleModel', { description_width: '', font_size: null, text_color: null, background: null }),
        description: o.description ?? '',
        value: o.value ?? '',
        placeholder: o.placeholder ?? '\u200b',
      },
      schemaOf({ ...COMMON_TRAITS, value: str, placeholder: str }),
    );
  }
  override toString(): string {
    return this.value;
  }
}

export interface ButtonOptions extends CommonOptions {
  buttonStyle?: 'primary' | 'success' | 'info' | 'warning' | 'danger' | '';
  icon?: string;
}

/** A button; `onClick` runs when the user clicks it in the frontend (a custom `click` event). */
export class Button extends Widget {
  private readonly clickHandlers: Array<() => void> = [];
  constructor(opts: ButtonOptions = {}) {
    super(
      controlSpec('ButtonModel', 'ButtonView'),
      {
        ...common(opts, 'ButtonStyleModel', { button_color: null, font_weight: '' }),
        description: opts.description ?? '',
        disabled: opts.disabled ?? false,
        button_style: opts.buttonStyle ?? '',
        icon: opts.icon ?? '',
      },
      schemaOf({ ...COMMON_TRAITS, button_style: oneOf('primary', ...BAR_STYLES), icon: str }),
    );
    this.onCustom((content) => {
      if (content.event === 'click') this.click();
    });
  }
  onClick(handler: () => void): void {
    this.clickHandlers.push(handler);
  }
  /** Run the click handlers as if the user clicked. */
  click(): void {
    for (const h of this.clickHandlers) h();
  }
  override toString(): string {
    return `[${this.get('description')}]`;
  }
}

export interface DropdownOptions<T> extends CommonOptions {
  /** Choices as values (labelled by String(value)) or [label, value] pairs. */
  options: ReadonlyArray<T | readonly [string, T]>;
  value?: T;
}

/** One choice among options. The protocol syncs the selected index; `value` maps it back. */
export class Dropdown<T = string> extends Widget {
  private readonly choices: Array<readonly [string, T]>;
  constructor(opts: DropdownOptions<T>) {
    const choices = opts.options.map((o) =>
      Array.isArray(o) && o.length === 2 && typeof o[0] === 'string' ? (o as readonly [string, T]) : ([String(o), o as T] as const),
    );
    const idx = opts.value === undefined ? (choices.length > 0 ? 0 : null) : choices.findIndex((c) => c[1] === opts.value);
    if (idx === -1) throw new RangeError(`Dropdown: value ${String(opts.value)} is not one of the options.`);
    super(
      controlSpec('DropdownModel', 'DropdownView'),
      {
        ...common(opts, 'DescriptionStyleModel', { description_width: '' }),
        description: opts.description ?? '',
        disabled: opts.disabled ?? false,
        _options_labels: choices.map((c) => c[0]),
        index: idx,
      },
      schemaOf({ ...COMMON_TRAITS, _options_labels: arrayOf(str), index: nullable(indexInto('_options_labels')) }),
    );
    this.choices = choices;
  }
  get index(): number | null {
    return this.get<number | null>('index');
  }
  get value(): T | null {
    const i = this.index;
    return i === null ? null : this.choices[i][1];
  }
  set value(v: T | null) {
    if (v === null) {
      this.set({ index: null });
      return;
    }
    const i = this.choices.findIndex((c) => c[1] === v);
    if (i === -1) throw new RangeError(`Dropdown: value ${String(v)} is not one of the options.`);
    this.set({ index: i });
  }
  get label(): string | null {
    const i = this.index;
    return i === null ? null : this.choices[i][0];
  }
  onChange(handler: (value: T | null) => void): () => void {
    return this.observe('index', () => handler(this.value));
  }
}

export interface SliderOptions extends CommonOptions {
  value?: number;
  min?: number;
  max?: number;
  step?: number;
  orientation?: 'horizontal' | 'vertical';
  readout?: boolean;
  readoutFormat?: string;
  continuousUpdate?: boolean;
}

class Slider extends ValueWidget<number> {
  constructor(model: string, view: string, opts: SliderOptions, d: { min: number; max: number; step: number; fmt: string }, num: Trait) {
    const min = opts.min ?? d.min;
    const max = opts.max ?? d.max;
    if (!(max >= min)) throw new RangeError(`${model.replace('Model', '')}: max (${max}) must be >= min (${min}).`);
    super(
      controlSpec(model, view),
      {
        ...common(opts, 'SliderStyleModel', { description_width: '', handle_color: null }),
        description: opts.description ?? '',
        disabled: opts.disabled ?? false,
        value: Math.min(max, Math.max(min, opts.value ?? min)),
        min,
        max,
        step: opts.step ?? d.step,
        orientation: opts.orientation ?? 'horizontal',
        readout: opts.readout ?? true,
        readout_format: opts.readoutFormat ?? d.fmt,
        continuous_update: opts.continuousUpdate ?? true,
        behavior: 'drag-tap',
      },
      schemaOf({
        ...COMMON_TRAITS,
        ...boundedTraits(num),
        step: nullable(num),
        orientation: ORIENTATION,
        readout: bool,
        readout_format: str,
        continuous_update: bool,
        behavior: oneOf('drag-tap', 'drag-snap', 'tap', 'drag', 'snap'),
      }),
    );
  }
  override toString(): string {
    return `${this.get('description') || 'value'}: ${this.value}`;
  }
}

export class IntSlider extends Slider {
  constructor(opts: SliderOptions = {}) {
    super('IntSliderModel', 'IntSliderView', opts, { min: 0, max: 100, step: 1, fmt: 'd' }, int);
  }
}

export class FloatSlider extends Slider {
  constructor(opts: SliderOptions = {}) {
    super('FloatSliderModel', 'FloatSliderView', opts, { min: 0, max: 10, step: 0.1, fmt: '.2f' }, float);
  }
}

export class Checkbox extends ValueWidget<boolean> {
  constructor(opts: CommonOptions & { value?: boolean; indent?: boolean } = {}) {
    super(
      controlSpec('CheckboxModel', 'CheckboxView'),
      {
        ...common(opts, 'CheckboxStyleModel', { description_width: '', background: null }),
        description: opts.description ?? '',
        disabled: opts.disabled ?? false,
        value: opts.value ?? false,
        indent: opts.indent ?? true,
      },
      schemaOf({ ...COMMON_TRAITS, value: bool, indent: bool }),
    );
  }
  override toString(): string {
    return `[${this.value ? 'x' : ' '}] ${this.get('description')}`;
  }
}

class Box extends Widget {
  constructor(model: string, view: string, children: Widget[], opts: CommonOptions & { boxStyle?: string } = {}) {
    super(
      controlSpec(model, view),
      {
        ...common(opts, null),
        children,
        box_style: opts.boxStyle ?? '',
      },
      schemaOf({ ...COMMON_TRAITS, children: arrayOf(aWidget), box_style: oneOf(...BAR_STYLES) }),
    );
    // A child's change shows in this box's snapshot too.
    this.setParts(children);
    this.observe('children', (c) => this.setParts((c.new as unknown[]) ?? []));
  }
  get children(): Widget[] {
    return this.get<Widget[]>('children');
  }
  set children(c: Widget[]) {
    this.set({ children: [...c] });
  }
  override flush(): void {
    for (const c of this.children) c.flush();
    super.flush();
  }
  override snapshotHtml(): string {
    const dir = this.spec.modelName === 'HBoxModel' ? 'row' : 'column';
    return `<div style="display:flex;flex-direction:${dir};gap:4px">${this.children.map((c) => `<div>${c.snapshotHtml()}</div>`).join('')}</div>`;
  }
  override toString(): string {
    return this.children.map((c) => c.toString()).join(this.spec.modelName === 'HBoxModel' ? ' | ' : '\n');
  }
}

export class VBox extends Box {
  constructor(children: Widget[] = [], opts: CommonOptions & { boxStyle?: string } = {}) {
    super('VBoxModel', 'VBoxView', children, opts);
  }
}

export class HBox extends Box {
  constructor(children: Widget[] = [], opts: CommonOptions & { boxStyle?: string } = {}) {
    super('HBoxModel', 'HBoxView', children, opts);
  }
}

export class Tab extends Widget {
  constructor(children: Widget[] = [], opts: CommonOptions & { titles?: string[]; selectedIndex?: number | null } = {}) {
    super(
      controlSpec('TabModel', 'TabView'),
      {
        ...common(opts, null),
        children,
        box_style: '',
        titles: opts.titles ?? children.map((_, i) => `Tab ${i + 1}`),
        selected_index: opts.selectedIndex ?? (children.length > 0 ? 0 : null),
      },
      schemaOf({
        ...COMMON_TRAITS,
        children: arrayOf(aWidget),
        box_style: oneOf(...BAR_STYLES),
        titles: arrayOf(nullable(str)),
        selected_index: nullable(indexInto('children')),
      }),
    );
    this.setParts(children);
    this.observe('children', (c) => this.setParts((c.new as unknown[]) ?? []));
  }
  get selectedIndex(): number | null {
    return this.get<number | null>('selected_index');
  }
  set selectedIndex(i: number | null) {
    this.set({ selected_index: i });
  }
  override flush(): void {
    for (const c of this.get<Widget[]>('children')) c.flush();
    super.flush();
  }
}

/** A Jupyter output item as nbformat stores it. */
export type OutputItem =
  | { output_type: 'stream'; name: 'stdout' | 'stderr'; text: string }
  | { output_type: 'display_data'; data: JsonObject; metadata: JsonObject };

/**
 * An output area whose content lives in the model (`outputs`), so it is saved with the notebook and
 * shown by every frontend. `capture(fn)` routes what `fn` prints (console.*, process.stdout / stderr
 * writes) and displays into the widget instead of the cell. While an async `fn` runs, printing from
 * other code running at the same time is captured too (there is one console).
 */
export class Output extends Widget {
  constructor(opts: CommonOptions = {}) {
    super(
      {
        modelName: 'OutputModel',
        modelModule: OUTPUT_MODULE,
        modelModuleVersion: OUTPUT_VERSION,
        viewName: 'OutputView',
        viewModule: OUTPUT_MODULE,
        viewModuleVersion: OUTPUT_VERSION,
      },
      { layout: new Layout(opts.layout), _dom_classes: [], msg_id: '', outputs: [] },
      schemaOf({ layout: aWidget, _dom_classes: arrayOf(str), msg_id: str, outputs: arrayOf(typedObject) }),
    );
  }
  get outputs(): readonly OutputItem[] {
    return this.get<OutputItem[]>('outputs');
  }
  appendStdout(text: string): void {
    this.appendStream('stdout', text);
  }
  appendStderr(text: string): void {
    this.appendStream('stderr', text);
  }
  appendDisplayData(data: JsonObject): void {
    this.set({ outputs: [...this.outputs, { output_type: 'display_data', data, metadata: {} }] });
  }
  clearOutput(): void {
    this.set({ outputs: [] });
  }
  /** Run fn (sync or async) with its printing captured into this widget. */
  async capture<T>(fn: () => T | Promise<T>): Promise<T> {
    const restore = this.hijackPrinting();
    try {
      return await fn();
    } finally {
      restore();
    }
  }
  override toString(): string {
    return this.outputs.map((o) => (o.output_type === 'stream' ? o.text : '[display]')).join('');
  }

  private appendStream(name: 'stdout' | 'stderr', text: string): void {
    const outs = [...this.outputs];
    const last = outs[outs.length - 1];
    // Consecutive writes to one stream merge into one item, as nbformat does.
    if (last && last.output_type === 'stream' && last.name === name) outs[outs.length - 1] = { ...last, text: last.text + text };
    else outs.push({ output_type: 'stream', name, text });
    this.set({ outputs: outs });
  }

  private hijackPrinting(): () => void {
    const fmt = (args: unknown[]) => args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' ') + '\n';
    const saved = {
      log: console.log,
      info: console.info,
      warn: console.warn,
      error: console.error,
      out: process.stdout.write,
      err: process.stderr.write,
    };
    console.log = console.info = (...a: unknown[]) => this.appendStdout(fmt(a));
    console.warn = console.error = (...a: unknown[]) => this.appendStderr(fmt(a));
    const writer = (name: 'stdout' | 'stderr') =>
      ((chunk: unknown, ...rest: unknown[]) => {
        this.appendStream(name, typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
        const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
        cb?.();
        return true;
      }) as typeof process.stdout.write;
    process.stdout.write = writer('stdout');
    process.stderr.write = writer('stderr');
    // Rich displays (display(x), figures, widgets) made inside fn land in this output too.
    const transport = getCommTransport();
    const savedDisplay = transport?.display;
    if (transport) transport.display = (bundle) => this.appendDisplayData(bundle);
    return () => {
      if (transport && savedDisplay) transport.display = savedDisplay;
      console.log = saved.log;
      console.info = saved.info;
      console.warn = saved.warn;
      console.error = saved.error;
      process.stdout.write = saved.out;
      process.stderr.write = saved.err;
    };
  }
}
