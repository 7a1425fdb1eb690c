/**
 * Per-attribute schemas of widget models, checked when a frontend changes an attribute (as
 * traitlets validates every `set_state` in ipywidgets). The frontend is another program: what it
 * sends is checked like any outside input, and a value of the wrong type (`value: "abc"` on an
 * IntProgress, `min: "x"` on an IntSlider, a Dropdown `index` past its options) never reaches the
 * model. Code in the kernel sets attributes directly; these checks are for frontend updates.
 */

export type Validation = { ok: true; value: unknown } | { ok: false; reason: string };

/** Reads an attribute as it will be once the update being checked is applied (for cross checks). */
export type AttributeReader = (name: string) => unknown;

export interface Trait {
  /** What the attribute accepts, for log lines ("an integer", "null or an index into ..."). */
  readonly expects: string;
  validate(value: unknown, read: AttributeReader): Validation;
}

/** The attributes a model lets frontends change, by name. */
export type AttributeSchema = ReadonlyMap<string, Trait>;

export function schemaOf(traits: Record<string, Trait>): AttributeSchema {
  return new Map(Object.entries(traits));
}

const ok = (value: unknown): Validation => ({ ok: true, value });

function typed(expects: string, test: (v: unknown) => boolean): Trait {
  return { expects, validate: (v) => (test(v) ? ok(v) : { ok: false, reason: `expected ${expects}` }) };
}

export const int = typed('an integer', (v) => typeof v === 'number' && Number.isSafeInteger(v));
export const float = typed('a finite number', (v) => typeof v === 'number' && Number.isFinite(v));
export const bool = typed('true or false', (v) => typeof v === 'boolean');
export const str = typed('a string', (v) => typeof v === 'string');
/** A widget reference (an IPY_MODEL_ string the kernel resolved to one of its widgets). */
export const widgetRef = (isWidget: (v: unknown) => boolean): Trait => typed('a reference to a widget of this kernel', isWidget);

export function nullable(t: Trait): Trait {
  return {
    expects: `null or ${t.expects}`,
    validate: (v, read) => (v === null ? ok(null) : t.validate(v, read)),
  };
}

export function oneOf(...choices: ReadonlyArray<string>): Trait {
  return typed(`one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`, (v) => typeof v === 'string' && choices.includes(v));
}

export function arrayOf(t: Trait): Trait {
  return {
    expects: `an array of ${t.expects.replace(/^an? /, '')}s`,
    validate: (v, read) => {
      if (!Array.isArray(v)) return { ok: false, reason: `expected an array of ${t.expects}` };
      const out: unknown[] = [];
      for (const [i, x] of v.entries()) {
        const r = t.validate(x, read);
        if (!r.ok) return { ok: false, reason: `item ${i}: ${r.reason}` };
        out.push(r.value);
      }
      return ok(out);
    },
  };
}

/** A number kept within [read(minName), read(maxName)] by clamping, as ipywidgets' bounded traits do. */
export function clampedBetween(base: Trait, minName: string, maxName: string): Trait {
  return {
    expects: base.expects,
    validate: (v, read) => {
      const r = base.validate(v, read);
      if (!r.ok) return r;
      const n = r.value as number;
      const lo = read(minName);
      const hi = read(maxName);
      if (typeof lo === 'number' && n < lo) return ok(lo);
      if (typeof hi === 'number' && n > hi) return ok(hi);
      return r;
    },
  };
}

/** A bound that must stay on its side of the other bound (ipywidgets: "setting min > max"). */
export function bound(base: Trait, side: 'min' | 'max', otherName: string): Trait {
  return {
    expects: base.expects,
    validate: (v, read) => {
      const r = base.validate(v, read);
      if (!r.ok) return r;
      const other = read(otherName);
      if (typeof other !== 'number') return r;
      const n = r.value as number;
      if (side === 'min' ? n > other : n < other) {
        return { ok: false, reason: `${side} ${n} would be ${side === 'min' ? 'above' : 'below'} ${otherName} ${other}` };
      }
      return r;
    },
  };
}

/** An index into the array attribute `arrayName` (a Dropdown's selection, a Tab's selected tab). */
export function indexInto(arrayName: string): Trait {
  return {
    expects: `an index into ${arrayName}`,
    validate: (v, read) => {
      const list = read(arrayName);
      const n = Array.isArray(list) ? list.length : 0;
      if (typeof v !== 'number' || !Number.isInteger(v)) return { ok: false, reason: `expected an integer index into ${arrayName}` };
      if (v < 0 || v >= n) return { ok: false, reason: `index ${v} is out of range: ${arrayName} has ${n} entries` };
      return ok(v);
    },
  };
}

/** An attribute only the kernel sets: a frontend's value is refused (and the kernel's sent back). */
export const readOnly: Trait = {
  expects: 'no change from a frontend (the kernel sets it)',
  validate: () => ({ ok: false, reason: 'this attribute is set by the kernel only' }),
};

/**
 * The schema of models whose whole state belongs to the kernel: tunelab's own views (StudyMonitor,
 * Plot, CVResults, ScheduleView) talk back with custom messages only, never with state updates.
 */
export const KERNEL_OWNED: AttributeSchema = new (class extends Map<string, Trait> {
  override get(): Trait {
    return readOnly;
  }
})();

/**
 * Attribute names no frontend may set, whatever the schema: they would reach an object's
 * prototype wherever a plain object is used as a dictionary.
 */
export function isPrototypeKey(name: unknown): boolean {
  return name === '__proto__' || name === 'constructor' || name === 'prototype';
}
