/**
 * Turns values into Jupyter MIME bundles: objects implementing the display protocol
 * (`[reprSymbol]()` from src/display.ts), explicit MIME bundles, and everything else as
 * `util.inspect` text.
 */
import * as util from 'node:util';
import { isDisplayable, reprSymbol } from '../src/display';

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

/**
 * The bundle for a value. A `[reprSymbol]` method that throws is reported in the text/plain so a
 * broken renderer never breaks the cell.
 */
export function bundleFor(value: unknown, opts: { rawBundles: boolean } = { rawBundles: true }): MimeBundle {
  if (isDisplayable(value)) {
    let bundle: MimeBundle;
    try {
      bundle = normalizeBundle(value[reprSymbol]());
    } catch (err) {
      return { 'text/plain': `${textPlain(value)}\n(its display method threw: ${(err as Error).message})` };
    }
    if (!('text/plain' in bundle)) bundle['text/plain'] = textPlain(value);
    return bundle;
  }
  if (opts.rawBundles && isMimeBundle(value)) {
    const bundle = normalizeBundle(value);
    return bundle;
  }
  return { 'text/plain': textPlain(value) };
}
