/**
 * Text widths without a DOM, for laying out the static SVG snapshot: Helvetica/Arial advance widths
 * (per 1000 units of the font size; Liberation Sans has the same metrics), padded by a safety factor
 * because a viewer without those fonts substitutes a wider sans-serif (DejaVu Sans is ~8% wider).
 */

// ASCII 32..126.
const ARIAL = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278,
  278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722,
  667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556,
  556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];
const SAFETY = 1.1;
/** Characters outside ASCII (CJK, symbols) are taken as a full em: too wide rather than clipped. */
const OTHER = 1000;

/** Estimated width in px of `text` set in a sans-serif at `fontSize` px. */
export function textWidth(text: string, fontSize: number): number {
  let units = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    units += code >= 32 && code <= 126 ? ARIAL[code - 32] : OTHER;
  }
  return (units / 1000) * fontSize * SAFETY;
}

/** `text` cut (with an ellipsis) to fit in `maxWidth` px; unchanged when it fits. */
export function fitText(text: string, fontSize: number, maxWidth: number): string {
  if (textWidth(text, fontSize) <= maxWidth) return text;
  const chars = [...text];
  let lo = 0;
  let hi = chars.length;
  // The longest prefix that fits together with the ellipsis.
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (textWidth(chars.slice(0, mid).join('') + '…', fontSize) <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return chars.slice(0, lo).join('') + '…';
}
