import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { datasets } from '../../src';
import { python } from '../cv/python';

const REF = join(__dirname, 'reference.py');

describe('shipped data sets', () => {
  it('iris equals scikit-learn load_iris (values and labels)', () => {
    const ref = python<{ X: number[][]; y: number[] }>(REF, { task: 'iris' });
    const d = datasets.iris();
    assert.deepEqual(d.X, ref.X);
    assert.deepEqual(d.y, ref.y);
    assert.deepEqual(d.classNames, ['setosa', 'versicolor', 'virginica']);
  });

  it('penguins drops the 11 birds with a missing value: 333 rows, 146 Adelie, 68 Chinstrap, 119 Gentoo', () => {
    const d = datasets.penguins();
    assert.equal(d.X.length, 333);
    assert.deepEqual(d.classNames, ['Adelie', 'Chinstrap', 'Gentoo']);
    assert.deepEqual(
      [0, 1, 2].map((k) => d.y.filter((v) => v === k).length),
      [146, 68, 119],
    );
    for (const row of d.X) assert.ok(row.length === 4 && row.every(Number.isFinite));
    assert.ok(d.sex.every((s) => s === 'MALE' || s === 'FEMALE'));
  });
});

describe('seeded generators', () => {
  it('twoMoons without noise holds exactly scikit-learn make_moons points (shuffled)', () => {
    const ref = python<{ X: number[][]; y: number[] }>(REF, { task: 'moons', n: 101 });
    const d = datasets.twoMoons(101, { seed: 1 });
    const key = (x: number[], y: number) => `${y}:${x[0].toFixed(12)}:${x[1].toFixed(12)}`;
    assert.deepEqual(d.X.map((x, i) => key(x, d.y[i])).sort(), ref.X.map((x, i) => key(x, ref.y[i])).sort());
  });

  it('generators are reproducible from a seed and differ across seeds', () => {
    assert.deepEqual(datasets.rectangles(20, { seed: 3 }), datasets.rectangles(20, { seed: 3 }));
    assert.notDeepEqual(datasets.rectangles(20, { seed: 3 }).X, datasets.rectangles(20, { seed: 4 }).X);
    assert.deepEqual(datasets.convex(10, { seed: 3, size: 16 }), datasets.convex(10, { seed: 3, size: 16 }));
    assert.deepEqual(datasets.toyChorales(3, { seed: 1 }), datasets.toyChorales(3, { seed: 1 }));
    assert.deepEqual(datasets.addingProblem(5, { seed: 2 }), datasets.addingProblem(5, { seed: 2 }));
  });

  it('rectangles: the label says whether the drawn outline is taller than wide, at any size', () => {
    for (const size of [12, 28, 40]) {
      const d = datasets.rectangles(60, { size, seed: size });
      d.X.forEach((img, k) => {
        assert.equal(img.length, size * size);
        let top = size,
          bottom = -1,
          left = size,
          right = -1;
        img.forEach((v, i) => {
          if (!v) return;
          const r = Math.floor(i / size);
          const c = i % size;
          top = Math.min(top, r);
          bottom = Math.max(bottom, r);
          left = Math.min(left, c);
          right = Math.max(right, c);
        });
        const h = bottom - top + 1;
        const w = right - left + 1;
        assert.notEqual(h, w);
        assert.equal(d.y[k], h > w ? 1 : 0);
      });
      assert.ok(d.y.includes(0) && d.y.includes(1));
    }
  });

  it('convex: labels agree with an independent convexity check (scipy Qhull)', () => {
    const size = 20;
    const d = datasets.convex(60, { size, seed: 7 });
    const convexByScipy = python<boolean[]>(REF, { task: 'convexity', size, images: d.X });
    assert.deepEqual(
      d.y.map((v) => v === 1),
      convexByScipy,
    );
    const positives = d.y.filter((v) => v === 1).length;
    assert.ok(positives > 15 && positives < 45, `balanced classes (${positives}/60 convex)`);
  });

  it("at the paper's 28x28 and split sizes: balanced classes, convex labels checked by scipy, rectangles never square", () => {
    // Bergstra & Bengio's (Larochelle et al.'s) rectangles train set has 1,000 images; a binomial share
    // of 1,000 fair labels lies within 0.5 +- 0.05 with probability above 0.998.
    const rect = datasets.rectangles(1000, { seed: 11 });
    const rectShare = rect.y.reduce((a, b) => a + b, 0) / rect.y.length;
    assert.ok(Math.abs(rectShare - 0.5) < 0.05, `rectangles 28x28: tall share ${rectShare}`);
    assert.ok(rect.X.every((img) => img.length === 784 && img.every((v) => v === 0 || v === 1)));
    const conv = datasets.convex(1000, { seed: 12 });
    const convShare = conv.y.reduce((a, b) => a + b, 0) / conv.y.length;
    assert.ok(Math.abs(convShare - 0.5) < 0.05, `convex 28x28: convex share ${convShare}`);
    const sample = conv.X.slice(0, 80);
    const convexByScipy = python<boolean[]>(REF, { task: 'convexity', size: 28, images: sample });
    assert.deepEqual(
      conv.y.slice(0, 80).map((v) => v === 1),
      convexByScipy,
      'convex labels at 28x28 agree with scipy Qhull',
    );
  });

  it('adding problem: two markers, one per half, target = sum of the marked values', () => {
    const d = datasets.addingProblem(50, { length: 16, seed: 9 });
    d.X.forEach((seq, k) => {
      assert.equal(seq.length, 16);
      const marked = seq.map((s, t) => [s, t] as const).filter(([s]) => s[1] === 1);
      assert.equal(marked.length, 2);
      assert.ok(marked[0][1] < 8 && marked[1][1] >= 8);
      assert.equal(d.y[k], marked[0][0][0] + marked[1][0][0]);
    });
  });

  it('toy chorales: root-position triads of 2-4 distinct pitches per frame, next-frame targets, ending on a major tonic', () => {
    const d = datasets.toyChorales(10, { length: 24, seed: 2 });
    const relative = (frame: number[]) => {
      const pitches = frame.map((v, i) => (v ? i + d.lowestPitch : -1)).filter((p) => p >= 0);
      return { pitches, classes: new Set(pitches.map((p) => (p - pitches[0]) % 12)) };
    };
    for (let s = 0; s < 10; s++) {
      const frames = d.frames[s];
      assert.equal(frames.length, 24);
      for (const f of frames) {
        assert.equal(f.length, 48);
        const { pitches, classes } = relative(f);
        assert.ok(pitches.length >= 2 && pitches.length <= 4, `distinct pitches sounding: ${pitches.length}`);
        // Major (0, 4, 7) or minor (0, 3, 7) triad over its root in the bass.
        const major = [...classes].every((c) => [0, 4, 7].includes(c));
        const minor = [...classes].every((c) => [0, 3, 7].includes(c));
        assert.ok(major || minor, `frame classes ${[...classes]}`);
      }
      assert.deepEqual(d.X[s], frames.slice(0, -1));
      assert.deepEqual(d.Y[s], frames.slice(1));
      const end = relative(frames[23]).classes;
      assert.ok(
        [...end].every((c) => [0, 4, 7].includes(c)),
        'the final chord is the major tonic',
      );
    }
  });
});
