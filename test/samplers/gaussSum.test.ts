import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/rng';
import { SortedGaussianSum } from '../../src/samplers/tpe/gaussSum';

function direct(mu: Float64Array, inv: Float64Array, c: Float64Array, x: number): number {
  let s = 0;
  for (let p = 0; p < mu.length; p++) s += c[p] * Math.exp(-0.5 * ((x - mu[p]) * inv[p]) ** 2);
  return s;
}

describe('SortedGaussianSum (blocked, Taylor-expanded mixture sums)', () => {
  it('equals the direct sum to 1e-12 relative on clustered and spread kernels', () => {
    const rng = new Rng(0);
    for (const [n, clusterShare] of [
      [10, 0],
      [300, 0.9],
      [3000, 0.97],
      [5000, 0.5],
    ] as const) {
      const pts: Array<[number, number]> = [];
      const sigmaMin = 0.15;
      for (let i = 0; i < n; i++) {
        const clustered = rng.random() < clusterShare;
        const m = clustered ? 3 + rng.normal(0, 0.2) : rng.uniform(-5, 10);
        pts.push([m, clustered ? sigmaMin : sigmaMin * (1 + 10 * rng.random())]);
      }
      pts.sort((a, b) => a[0] - b[0]);
      const mu = Float64Array.from(pts.map((p) => p[0]));
      const inv = Float64Array.from(pts.map((p) => 1 / p[1]));
      const c = Float64Array.from(pts.map(() => rng.uniform(0.1, 1) / n));
      const sum = new SortedGaussianSum(mu, inv, c);
      for (const x of [-5, -1, 2.9, 3, 3.05, 3.4, 7, 10, rng.uniform(-5, 10)]) {
        const want = direct(mu, inv, c, x);
        const got = sum.at(x);
        assert.ok(Math.abs(got - want) <= 1e-12 * want + 1e-300, `n=${n} x=${x}: ${got} vs ${want}`);
      }
    }
  });
});
