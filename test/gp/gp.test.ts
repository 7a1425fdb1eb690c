import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { GaussianProcess, logExpectedImprovement, logMarginalLikelihood, type GPData } from '../../src/samplers/gp';
import { logPrior } from '../../src/samplers/gp/gp';
import { cholesky, choleskyInverse, choleskySolve } from '../../src/samplers/gp/linalg';
import { Rng } from '../../src/rng';
import { PYTHON } from '../helpers/python';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the reference's JSON has a different shape per request
function reference(request: unknown): any {
  const out = execFileSync(PYTHON, [join(__dirname, 'reference.py')], { input: JSON.stringify(request) });
  return JSON.parse(out.toString());
}

function randomData(seed: number, n: number, dim: number): GPData {
  const rng = new Rng(seed);
  const x = Float64Array.from({ length: n * dim }, () => rng.random());
  const y = Float64Array.from({ length: n }, (_, i) => Math.sin(6 * x[i * dim]) + x[i * dim + 1] ** 2 + 0.1 * rng.normal());
  return { x, y, n, dim, categorical: new Uint8Array(dim) };
}

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

describe('linear algebra', () => {
  it('Cholesky solve and inverse reproduce the identity', () => {
    const n = 12;
    const rng = new Rng(1);
    const b = Float64Array.from({ length: n * n }, () => rng.normal());
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = i === j ? n : 0;
        for (let k = 0; k < n; k++) s += b[i * n + k] * b[j * n + k];
        a[i * n + j] = s;
      }
    const l = cholesky(a, n)!;
    const inv = choleskyInverse(l, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += a[i * n + k] * inv[k * n + j];
        close(s, i === j ? 1 : 0, 1e-10, `A A^-1 [${i},${j}]`);
      }
    const rhs = Float64Array.from({ length: n }, (_, i) => i - 3);
    const x = choleskySolve(l, n, rhs);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k] * x[k];
      close(s, rhs[i], 1e-10, `A x [${i}]`);
    }
  });
});

describe('GP regression matches scikit-learn (Matern 5/2 ARD, fixed hyperparameters)', () => {
  it('posterior mean, variance and log marginal likelihood', () => {
    const dim = 3;
    const data = randomData(7, 25, dim);
    const lengthScales = [0.3, 0.7, 2.0];
    const s2 = 1.7;
    const noise = 0.05;
    const theta = Float64Array.from([...lengthScales.map((l) => Math.log(1 / (l * l))), Math.log(s2), Math.log(noise - 1e-6)]);
    const gp = new GaussianProcess(data, theta);
    const rng = new Rng(3);
    const test = Array.from({ length: 8 }, () => Array.from({ length: dim }, () => rng.random()));
    const ref = reference({
      gp: {
        x: Array.from({ length: data.n }, (_, i) => Array.from(data.x.subarray(i * dim, i * dim + dim))),
        y: Array.from(data.y),
        lengthScales,
        signalVariance: s2,
        noise,
        test,
      },
    });
    test.forEach((p, i) => {
      const { mean, variance } = gp.predict(p);
      close(mean, ref.mean[i], 1e-8, `mean ${i}`);
      close(variance, ref.variance[i], 1e-7, `variance ${i}`);
    });
    close(logMarginalLikelihood(data, theta), ref.logMarginalLikelihood, 1e-9, 'log marginal likelihood');
  });
});

describe('batched prediction', () => {
  it('predictBatch equals predict point by point, categorical dimensions included', () => {
    const data = randomData(13, 30, 3);
    data.categorical[2] = 1;
    for (let i = 0; i < data.n; i++) data.x[i * 3 + 2] = i % 4;
    const gp = new GaussianProcess(data, Float64Array.from([1, 0.2, -0.5, 0.3, Math.log(0.02)]));
    const rng = new Rng(4);
    const m = 17;
    const xs = Float64Array.from({ length: m * 3 }, (_, k) => (k % 3 === 2 ? rng.int(0, 3) : rng.random()));
    const mean = new Float64Array(m);
    const variance = new Float64Array(m);
    gp.predictBatch(xs, m, mean, variance);
    for (let j = 0; j < m; j++) {
      const p = gp.predict(xs.subarray(j * 3, j * 3 + 3));
      close(mean[j], p.mean, 1e-10, `mean ${j}`);
      close(variance[j], p.variance, 1e-10, `variance ${j}`);
    }
  });
});

describe('gradients', () => {
  it('marginal-likelihood (+ prior) gradient matches central finite differences', () => {
    const data = randomData(11, 20, 4);
    data.categorical[3] = 1; // one Hamming dimension
    for (let i = 0; i < data.n; i++) data.x[i * 4 + 3] = i % 3;
    const theta = Float64Array.from([0.3, -0.5, 1.2, 0.1, 0.2, Math.log(0.03)]);
    const grad = new Float64Array(theta.length);
    logMarginalLikelihood(data, theta, grad);
    logPrior(theta, 4, grad);
    const f = (t: Float64Array) => logMarginalLikelihood(data, t) + logPrior(t, 4);
    for (let j = 0; j < theta.length; j++) {
      const h = 1e-5;
      const tp = Float64Array.from(theta);
      const tm = Float64Array.from(theta);
      tp[j] += h;
      tm[j] -= h;
      const fd = (f(tp) - f(tm)) / (2 * h);
      assert.ok(Math.abs(fd - grad[j]) < 1e-5 * Math.max(1, Math.abs(fd)), `theta[${j}]: analytic ${grad[j]} vs fd ${fd}`);
    }
  });

  it('posterior mean and variance input gradients match finite differences', () => {
    const data = randomData(5, 15, 2);
    const gp = new GaussianProcess(data, Float64Array.from([1.5, 0.5, 0, Math.log(0.01)]));
    const x = Float64Array.from([0.37, 0.61]);
    const dm = new Float64Array(2);
    const dv = new Float64Array(2);
    gp.predict(x, dm, dv);
    for (let d = 0; d < 2; d++) {
      const h = 1e-6;
      const xp = Float64Array.from(x);
      const xm = Float64Array.from(x);
      xp[d] += h;
      xm[d] -= h;
      const p = gp.predict(xp);
      const m = gp.predict(xm);
      close(dm[d], (p.mean - m.mean) / (2 * h), 1e-5, `dmean/dx${d}`);
      close(dv[d], (p.variance - m.variance) / (2 * h), 1e-5, `dvar/dx${d}`);
    }
  });
});

describe('log expected improvement', () => {
  it('equals log(EI) computed by scipy where EI is representable', () => {
    const cases: Array<[number, number, number]> = [];
    for (const z of [-6, -4, -3.2, -3, -2.5, -1, -0.2, 0, 0.5, 2, 5, 9])
      for (const sd of [0.01, 1, 30]) cases.push([z * sd + 0.3, sd, 0.3]);
    const ref = reference({ ei: cases });
    cases.forEach(([m, s, b], i) => close(logExpectedImprovement(m, s, b), ref.logEI[i], 1e-9, `logEI(${m}, ${s}, ${b})`));
  });

  it('stays finite, decreasing and close to the asymptote deep in the tail where EI underflows', () => {
    let prev = Infinity;
    for (const z of [-10, -40, -100, -1e3, -1e5]) {
      const v = logExpectedImprovement(z, 1, 0);
      assert.ok(Number.isFinite(v), `logEI at z=${z} is ${v}`);
      assert.ok(v < prev);
      prev = v;
      // h(z) ~ phi(z)/z^2 for z -> -inf
      const asym = -0.5 * z * z - 0.5 * Math.log(2 * Math.PI) - 2 * Math.log(-z);
      assert.ok(Math.abs(v - asym) < 3 / (z * z) + 1e-9 * Math.abs(asym), `z=${z}: ${v} vs ${asym}`);
    }
  });
});
