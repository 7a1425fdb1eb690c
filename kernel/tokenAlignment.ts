/**
 * Pairs the tokens of a cell's source with those of the code compiled from it: a patience diff.
 *
 * A plain Myers diff (jsdiff) costs about (N + M) x D, where D, the tokens compiling drops and adds
 * (types, export lines, loop guards), grows with the cell: a 2,400-line cell took over 2 s. Patience
 * diffing (Bram Cohen's) first pairs the tokens that occur once in each side, kept in the order both
 * sides agree on (the longest increasing run), then does the same within each gap between two such
 * anchors, where tokens rare in the whole cell become unique; only a gap with no unique token left
 * goes to jsdiff, and gaps are a few tokens long. Names and literals a cell writes once (function
 * names, strings) anchor nearly every statement.
 */

/** A gap this long without any unique token is left unpaired rather than diffed (bounded time). */
const MAX_MYERS_GAP = 4_000;

/** Source tokens [s0, s1) against code tokens [c0, c1). */
type Range = [s0: number, s1: number, c0: number, c1: number];

/**
 * For each token of `code`, the index of the `source` token it was paired with, or -1. Pairs are
 * in order in both sequences and join equal tokens only.
 */
export function alignTokens(source: readonly string[], code: readonly string[]): Int32Array {
  const pairOf = new Int32Array(code.length).fill(-1);
  const pending: Range[] = [[0, source.length, 0, code.length]];
  for (let range = pending.pop(); range; range = pending.pop()) {
    let [s0, s1, c0, c1] = range;
    while (s0 < s1 && c0 < c1 && source[s0] === code[c0]) pairOf[c0++] = s0++;
    while (s0 < s1 && c0 < c1 && source[s1 - 1] === code[c1 - 1]) pairOf[--c1] = --s1;
    if (s0 === s1 || c0 === c1) continue;
    const anchors = uniqueAnchors(source, code, [s0, s1, c0, c1]);
    if (anchors.length === 0) {
      diffGap(source, code, [s0, s1, c0, c1], pairOf);
      continue;
    }
    let s = s0;
    let c = c0;
    for (const [i, j] of anchors) {
      pending.push([s, i, c, j]);
      pairOf[j] = i;
      s = i + 1;
      c = j + 1;
    }
    pending.push([s, s1, c, c1]);
  }
  return pairOf;
}

/** Tokens that occur once in each range, as (source, code) index pairs, thinned to the longest run in order on both sides. */
function uniqueAnchors(source: readonly string[], code: readonly string[], [s0, s1, c0, c1]: Range): Array<[number, number]> {
  const inSource = onlyOnce(source, s0, s1);
  const pairs: Array<[number, number]> = [];
  for (const [text, j] of onlyOnce(code, c0, c1)) {
    const i = inSource.get(text);
    if (i !== undefined && i >= 0 && j >= 0) pairs.push([i, j]);
  }
  pairs.sort((p, q) => p[0] - q[0]);
  return longestIncreasingInCode(pairs);
}

/** Each text of the range with its index, or -1 when it occurs more than once. */
function onlyOnce(tokens: readonly string[], from: number, to: number): Map<string, number> {
  const seen = new Map<string, number>();
  for (let k = from; k < to; k++) seen.set(tokens[k], seen.has(tokens[k]) ? -1 : k);
  return seen;
}

/** The longest subsequence of `pairs` (sorted by source index) whose code indices increase (patience sorting). */
function longestIncreasingInCode(pairs: Array<[number, number]>): Array<[number, number]> {
  const tails: number[] = []; // tails[k]: index in pairs of the smallest end of a run of length k + 1
  const previous = new Int32Array(pairs.length).fill(-1);
  for (let p = 0; p < pairs.length; p++) {
    const j = pairs[p][1];
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pairs[tails[mid]][1] < j) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) previous[p] = tails[lo - 1];
    tails[lo] = p;
  }
  const run: Array<[number, number]> = [];
  for (let p = tails.length > 0 ? tails[tails.length - 1] : -1; p >= 0; p = previous[p]) run.push(pairs[p]);
  return run.reverse();
}

/** A gap without unique tokens: jsdiff's Myers diff, or nothing paired when the gap is very long. */
function diffGap(source: readonly string[], code: readonly string[], [s0, s1, c0, c1]: Range, pairOf: Int32Array): void {
  if (s1 - s0 + (c1 - c0) > MAX_MYERS_GAP) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { diffArrays } = require('diff') as typeof import('diff');
  let s = s0;
  let c = c0;
  for (const change of diffArrays(source.slice(s0, s1), code.slice(c0, c1))) {
    const n = change.count ?? change.value.length;
    if (change.added) c += n;
    else if (change.removed) s += n;
    else for (let k = 0; k < n; k++) pairOf[c++] = s++;
  }
}
