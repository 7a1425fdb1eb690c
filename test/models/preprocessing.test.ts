import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PCA, StandardScaler, MinMaxScaler, datasets } from '../../src';
import { symmetricEigen } from '../../src/models/preprocessing';
import { python } from '../cv/python';

const SK = join(__dirname, '..', 'cv', 'sklearn_reference.py');

function close(a: number[][], b: number[][], tol: number, what: string): void {
  assert.equal(a.length, b.length);
  a.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - b[i][j]) <= tol, `${what}[${i}][${j}]: ${v} vs ${b[i][j]}`)));
}

describe('preprocessing equals scikit-learn', () => {
  const p = datasets.penguins();
  const train = p.X.slice(0, 200);
  const test = p.X.slice(200);

  for (const kind of ['standard', 'minmax'] as const) {
    it(`${kind} scaler fitted on one part transforms another as scikit-learn does`, () => {
      const ref = python<{ Z: number[][] }>(SK, { task: 'preprocess', kind, X: train, XTest: test });
      const scaler = kind === 'standard' ? new StandardScaler() : new MinMaxScaler();
      close(scaler.fit(train).transform(test), ref.Z, 1e-9, kind);
    });
  }

  for (const [name, X, k] of [
    ['PCA(3) on penguins', p.X, 3],
    ['PCA keeping 90% of the variance of 12x12 convex images', datasets.convex(150, { size: 12, seed: 3 }).X, 0.9],
  ] as const) {
    it(`${name}: same explained variance ratios, same projections up to each component's sign`, () => {
      const ref = python<{ ratio: number[]; Z: number[][] }>(SK, { task: 'preprocess', kind: 'pca', X, nComponents: k });
      const pca = new PCA({ nComponents: k }).fit(X as number[][]);
      assert.equal(pca.explainedVarianceRatio.length, ref.ratio.length);
      pca.explainedVarianceRatio.forEach((r, i) => assert.ok(Math.abs(r - ref.ratio[i]) < 1e-9, `ratio ${i}: ${r} vs ${ref.ratio[i]}`));
      const Z = pca.transform(X as number[][]);
      for (let c = 0; c < ref.ratio.length; c++) {
        const sign = Math.sign(Z[0][c] * ref.Z[0][c]) || 1;
        Z.forEach((row, i) =>
          assert.ok(Math.abs(sign * row[c] - ref.Z[i][c]) < 1e-6 * (1 + Math.abs(ref.Z[i][c])), `component ${c}, row ${i}`),
        );
      }
    });
  }

  it("whitened PCA keeping 70% of the variance of 16x16 rectangles (Bergstra & Bengio's PCA preprocessing) equals scikit-learn whiten=True", () => {
    const X = datasets.rectangles(200, { size: 16, seed: 5 }).X;
    const ref = python<{ ratio: number[]; Z: number[][] }>(SK, { task: 'preprocess', kind: 'pca', X, nComponents: 0.7, whiten: true });
    const pca = new PCA({ nComponents: 0.7, whiten: true }).fit(X);
    assert.equal(pca.explainedVarianceRatio.length, ref.ratio.length, 'components kept');
    const Z = pca.transform(X);
    for (let c = 0; c < ref.ratio.length; c++) {
      const sign = Math.sign(Z[0][c] * ref.Z[0][c]) || 1;
      Z.forEach((row, i) =>
        assert.ok(
          Math.abs(sign * row[c] - ref.Z[i][c]) < 1e-6 * (1 + Math.abs(ref.Z[i][c])),
          `component ${c}, row ${i}: ${sign * row[c]} vs ${ref.Z[i][c]}`,
        ),
      );
    }
    // Whitened components have unit variance on the training data (n - 1 denominator).
    for (let c = 0; c < Z[0].length; c++) {
      const v = Z.reduce((s, r) => s + r[c] ** 2, 0) / (Z.length - 1);
      assert.ok(Math.abs(v - 1) < 1e-9, `variance of component ${c}: ${v}`);
    }
  });

  it('symmetricEigen reconstructs the matrix from its eigenpairs', () => {
    const n = 30;
    const A = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => Math.cos(i * 7 + j * 7) + Math.cos(j * 7 + i * 7) + (i === j ? 3 : 0)),
    );
    const { values, vectors } = symmetricEigen(A);
    for (let i = 1; i < n; i++) assert.ok(values[i - 1] >= values[i]);
    const R = A.map((row, i) => row.map((_, j) => values.reduce((s, l, k) => s + l * vectors[k][i] * vectors[k][j], 0)));
    close(R, A, 1e-10, 'reconstruction');
  });
});
