/**
 * Turns values into Jupyter MIME bundles: objects implementing a display protocol, explicit MIME
 * bundles, and everything else as `util.inspect` text. Two protocols are honoured:
 * - tunelab's `[Symbol.for('tunelab.repr')]()` (src/display.ts), returning a bundle;
 * - Deno's `[Symbol.for('Jupyter.display')]()` (`Deno.jupyter.$display`), returning a bundle or a
 *   promise of one, so objects written for Deno's kernel display here too.
 */
import * as util from 'node:util';
import { reprSymbol } from '../src/display';
import { isThenable } from '../src/thenable';

/** Deno's display symbol (`Deno.jupyter.$display`). */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for('Jupyter.display') as never;

export type MimeBundle = Record<string, unknown>;

const MIME_KEY = /^[a-z]+\/[-+.\w]+$/i;

/** A plain object whose keys all look like MIME types, e.g. {'text/html': '<b>hi</b>'}. */
export function isMimeBundle(v: unknown): v is MimeBundle {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => MIME_KEY.test(k));
}

export function textPlain(value: unknown): string {
  if (typeof value === 'string') return util.inspect(value);
  return util.inspect(value, { depth: 4, maxArrayLength: 100, maxStringLength: 10_000, breakLength: 100 });
}

/** Binary payloads (e.g. image/png as a Buffer) are base64 on the wire, as Jupyter expects. */
function normalizeBundle(bundle: MimeBundle): MimeBundle {
  const out: MimeBundle = {};
  for (const [mime, data] of Object.entries(bundle)) {
    if (data instanceof Uint8Array) out[mime] = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
    else out[mime] = data;
  }
  return out;
}

/** The value's display method (tunelab's first, then Deno's), bound to it; undefined if it has none. */
function displayMethod(value: unknown): (() => unknown) | undefined {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined;
  for (const key of [reprSymbol, JUPYTER_DISPLAY] as const) {
    const method = (value as Record<symbol, unknown>)[key];
    if (typeof method === 'function') return () => (method as () => unknown).call(value);
  }
  return undefined;
}

/**
 * The bundle a display method returned, completed with text/plain. What is not a bundle (a method
 * that threw, or returned something else) is reported in the text/plain, so a broken renderer never
 * breaks the cell.
 */
function completeBundle(value: unknown, result: { ok: true; bundle: unknown } | { ok: false; error: unknown }): MimeBundle {
  if (!result.ok) {
    const message = result.error instanceof Error ? result.error.message : String(result.error);
    return { 'text/plain': `${textPlain(value)}\n(its display method threw: ${message})` };
  }
  if (typeof result.bundle !== 'object' || result.bundle === null || Array.isArray(result.bundle)) {
    return {
      'text/plain': `${textPlain(value)}\n(its display method returned ${textPlain(result.bundle)}, not a MIME bundle such as { 'text/html': '...' })`,
    };
  }
  const bundle = normalizeBundle(result.bundle as MimeBundle);
  if (!('text/plain' in bundle)) bundle['text/plain'] = textPlain(value);
  return bundle;
}

/**
 * The bundle for a value: a promise only when the value's display method returned one (Deno's
 * protocol allows it); callers publish a plain bundle at once.
 */
export function bundleFor(value: unknown, opts: { rawBundles: boolean } = { rawBundles: true }): MimeBundle | Promise<MimeBundle> {
  const method = displayMethod(value);
  if (method) {
    let returned: unknown;
    try {
      returned = method();
    } catch (error) {
      return completeBundle(value, { ok: false, error });
    }
    if (isThenable(returned)) {
      return Promise.resolve(returned).then(
        (bundle) => completeBundle(value, { ok: true, bundle }),
        (error: unknown) => completeBundle(value, { ok: false, error }),
      );
    }
    return completeBundle(value, { ok: true, bundle: returned });
  }
  if (opts.rawBundles && isMimeBundle(value)) {
    const bundle = normalizeBundle(value);
    return bundle;
  }
  return { 'text/plain': textPlain(value) };
}
