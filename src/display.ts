/**
 * The display protocol: an object with a method under `reprSymbol` renders itself as a MIME bundle
 * (e.g. {'text/html': ..., 'text/plain': ...}). The tunelab kernel calls it for `display(obj)` and for
 * the value of a cell's last expression; plain Node ignores it. It lives in src/ because figures and
 * tables built by the engine render themselves without depending on Jupyter.
 */
export const reprSymbol: unique symbol = Symbol.for('tunelab.repr') as never;

export type MimeBundle = Record<string, unknown>;

export interface Displayable {
  [reprSymbol](): MimeBundle;
}

export function isDisplayable(v: unknown): v is Displayable {
  return typeof v === 'object' && v !== null && typeof (v as Record<symbol, unknown>)[reprSymbol] === 'function';
}

const HTML_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe inside HTML (and SVG) elements and quoted attribute values: the one escaper the engine, kernel and widgets share. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]);
}
