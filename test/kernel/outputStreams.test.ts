// Stream output is cut into messages of at most 64 Ki UTF-16 units (which bounds what iopub's queue
// holds), full chunks leave as soon as they fill, and no cut falls inside a surrogate pair.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutputStreams } from '../../kernel/outputStreams';

describe('tunelab kernel: stream output chunks', () => {
  it('cuts long output into full chunks of at most 64 Ki units, never inside a surrogate pair', () => {
    const published: Array<{ text: string; urgent: boolean }> = [];
    const streams = new OutputStreams((_parent, _name, text, urgent) => published.push({ text, urgent }));
    const piece = 'a' + '😀'.repeat(999); // 1999 UTF-16 units: cuts land on every position in turn
    let all = '';
    for (let i = 0; i < 300; i++) {
      streams.write('stdout', piece);
      all += piece;
    }
    const beforeFlush = published.length;
    streams.flush();
    assert.equal(published.map((p) => p.text).join(''), all);
    assert.ok(beforeFlush >= Math.floor(all.length / 65536) - 1, `full chunks left while writing (${beforeFlush})`);
    for (const [i, p] of published.entries()) {
      assert.ok(p.text.length <= 65536, `chunk ${i}: ${p.text.length} units`);
      const last = p.text.charCodeAt(p.text.length - 1);
      assert.ok(!(last >= 0xd800 && last <= 0xdbff), `chunk ${i} ends inside a surrogate pair`);
    }
    // Only the last chunk, the remainder flushed at the end, is shorter than a full one (by at most one unit for a pair).
    for (const p of published.slice(0, -1)) assert.ok(p.text.length >= 65535, `a short chunk before the end: ${p.text.length}`);
  });
});
