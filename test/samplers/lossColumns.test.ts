// A multi-objective split keeps its first front's loss vectors in columns (lossColumns.ts), in the
// front's lexicographic order, as points join it and leave it: the columns must hold the same
// vectors as a plain list changed the same way, and answer dominance as the vectors do.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src';
import { dominates } from '../../src/multiobjective/pareto';
import { LossColumns } from '../../src/samplers/tpe/lossColumns';

describe('LossColumns', () => {
  for (const d of [2, 3, 4]) {
    it(`follows a list of ${d}-objective vectors through insertions, replacements and removals`, () => {
      const rng = new Rng(40 + d);
      // On a grid (ties), now and then an infinite loss.
      const loss = () => {
        const roll = rng.random();
        return roll < 0.02 ? Infinity : roll < 0.04 ? -Infinity : Math.round(rng.uniform(0, 1) * 10) / 10;
      };
      const vector = () => Array.from({ length: d }, loss);
      const list: number[][] = [];
      const columns = new LossColumns(d, 4);
      for (let step = 0; step < 400; step++) {
        const roll = rng.random();
        if (roll < 0.6 || list.length < 3) {
          const at = rng.int(0, list.length);
          const v = vector();
          // Replaces a run now and then (a point joining a two-objective front drops those it dominates).
          const removed = roll < 0.1 ? Math.min(rng.int(0, 3), list.length - at) : 0;
          list.splice(at, removed, v);
          columns.splice(at, removed, v);
        } else if (roll < 0.7) {
          // Another list's vector after the others.
          const v = vector();
          list.push(v);
          columns.pushFrom(LossColumns.of([vector(), v]), 1);
        } else {
          const drop = Uint8Array.from(list, () => (rng.random() < 0.1 ? 1 : 0));
          columns.compact(drop);
          for (let r = list.length - 1; r >= 0; r--) if (drop[r]) list.splice(r, 1);
        }
        assert.equal(columns.length, list.length);
        for (let r = 0; r < list.length; r++) for (let k = 0; k < d; k++) assert.equal(columns.columns[k][r], list[r][k], `step ${step}`);
        const v = vector();
        const r = rng.int(0, list.length - 1);
        assert.equal(columns.dominates(r, v), dominates(list[r], v));
        assert.equal(columns.dominatedBy(v, r), dominates(v, list[r]));
        const end = rng.int(0, list.length);
        assert.equal(
          columns.firstDominating(v, end),
          list.slice(0, end).findIndex((u) => dominates(u, v)),
        );
        const from = rng.int(0, list.length);
        const next = list.slice(from).findIndex((u) => dominates(v, u));
        assert.equal(columns.nextDominatedBy(v, from), next < 0 ? list.length : from + next);
        if (r > 0)
          assert.equal(
            columns.equal(r - 1, r),
            list[r - 1].every((x, k) => x === list[r][k]),
          );
        // The largest losses, kept as vectors join and found again once some leave.
        const largest = Array.from({ length: d }, (_, k) => Math.max(-Infinity, ...list.map((u) => u[k])));
        assert.deepEqual(columns.worst(), largest, `step ${step}`);
      }
      assert.deepEqual(
        columns.worst(),
        Array.from({ length: d }, (_, k) => Math.max(...list.map((v) => v[k]))),
      );
      const copy = columns.copy();
      assert.deepEqual(
        Array.from(copy.columns[0].subarray(0, copy.length)),
        list.map((v) => v[0]),
      );
      assert.deepEqual(LossColumns.of(list).worst(), columns.worst());
      // A copy keeps its own largest losses.
      const before = copy.worst();
      columns.splice(
        0,
        0,
        Array.from({ length: d }, () => 1e9),
      );
      assert.deepEqual(copy.worst(), before);
      assert.deepEqual(
        columns.worst(),
        before.map((w) => Math.max(w, 1e9)),
      );
    });
  }
});
