// The patience diff that pairs a cell's source tokens with its compiled code's
// (kernel/tokenAlignment.ts): pairs join equal tokens, in order on both sides, and a source that is
// a subsequence of the code is paired with the tokens it appears as.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alignTokens } from '../../kernel/tokenAlignment';

/** A small seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function assertValidPairs(source: string[], code: string[], pairOf: Int32Array): void {
  let last = -1;
  pairOf.forEach((i, j) => {
    if (i < 0) return;
    assert.equal(code[j], source[i], `code ${j} is paired with an unequal source token ${i}`);
    assert.ok(i > last, `pairs out of order at code ${j}`);
    last = i;
  });
}

describe('token alignment: a patience diff', () => {
  it('pairs the tokens compiling kept and leaves the ones it added (a loop guard, a type annotation)', () => {
    const source = 'for ( let i : number = 0 ; ; ) { body ( i ) ; }'.split(' ');
    const code = 'for ( let i = 0 ; ; ) { if ( -- c < 0 ) c = guard ( ) ; body ( i ) ; }'.split(' ');
    const pairOf = alignTokens(source, code);
    assertValidPairs(source, code, pairOf);
    const unpaired = [...pairOf].flatMap((i, j) => (i < 0 ? [code[j]] : []));
    assert.deepEqual(unpaired, 'if ( -- c < 0 ) c = guard ( ) ;'.split(' '));
    const unused = source.filter((_, i) => !pairOf.includes(i));
    assert.deepEqual(unused, [':', 'number']);
  });

  it('on random token lists with insertions and deletions: valid pairs, and every kept token paired when the source is a subsequence', () => {
    const next = random(20261207);
    for (let round = 0; round < 300; round++) {
      const alphabet = 2 + Math.floor(next() * 30);
      const token = () => `t${Math.floor(next() * alphabet)}`;
      const source = Array.from({ length: Math.floor(next() * 200) }, token);
      // The code: the source with tokens added (types never go the other way in this round).
      const code = source.flatMap((t) => (next() < 0.3 ? [token(), t] : [t]));
      const pairOf = alignTokens(source, code);
      assertValidPairs(source, code, pairOf);
      const pairedCount = [...pairOf].filter((i) => i >= 0).length;
      assert.equal(pairedCount, source.length, `round ${round}: a subsequence is paired whole`);
      // And with tokens dropped as well: still valid.
      const dropped = code.filter(() => next() > 0.2);
      assertValidPairs(source, dropped, alignTokens(source, dropped));
    }
  });
});
