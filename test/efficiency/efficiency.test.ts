import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bestTrialMixture, binomialStd, randomEfficiencyCurve, type ScoredTrial } from '../../src/entries/efficiency';
// The normal CDF the mixture weights use (module-private in efficiency.ts, which calls TPE's ndtr).
import { ndtr as normalCdf } from '../../src/samplers/tpe/truncnorm';

const near = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tolerance ${tol})`);

describe('random experiment efficiency (Bergstra & Bengio 2012)', () => {
  it('normalCdf matches tabulated values of the standard normal CDF', () => {
    // Tabulated: Phi(0) = 0.5, Phi(1) = 0.841344746, Phi(2) = 0.977249868, Phi(-1.96) = 0.024997895.
    near(normalCdf(0), 0.5, 1e-7, 'Phi(0)');
    near(normalCdf(1), 0.841344746, 1e-7, 'Phi(1)');
    near(normalCdf(2), 0.977249868, 1e-7, 'Phi(2)');
    near(normalCdf(-1.96), 0.024997895, 1e-7, 'Phi(-1.96)');
  });

  it('two trials: weights are Phi(difference / combined std), the mixture is computed by hand', () => {
    // valid 0.80 +- 0.03 vs 0.70 +- 0.04: P(first is best) = Phi(0.10 / sqrt(0.03^2 + 0.04^2)) = Phi(2).
    const trials: ScoredTrial[] = [
      { valid: 0.8, validStd: 0.03, test: 0.9, testStd: 0.01 },
      { valid: 0.7, validStd: 0.04, test: 0.6, testStd: 0.02 },
    ];
    const m = bestTrialMixture(trials);
    const w1 = 0.9772498680518208;
    near(m.weights[0], w1, 1e-6, 'w1');
    near(m.weights[1], 1 - w1, 1e-6, 'w2');
    const mean = w1 * 0.9 + (1 - w1) * 0.6; // 0.893175
    near(m.mean, mean, 1e-6, 'mixture mean');
    const variance = w1 * (0.81 + 0.0001) + (1 - w1) * (0.36 + 0.0004) - mean * mean; // 0.002140...
    near(m.variance, variance, 1e-6, 'mixture variance');
    // Minimising error rates instead: the lower validation score is the likely best.
    const e = bestTrialMixture(trials, { direction: 'minimize' });
    near(e.weights[1], w1, 1e-6, 'minimize: w2');
  });

  it('exact validation ties split the weight evenly; a clearly worse trial gets none', () => {
    const tied = bestTrialMixture([
      { valid: 0.9, validStd: 0.02, test: 0.8, testStd: 0 },
      { valid: 0.9, validStd: 0.02, test: 0.7, testStd: 0 },
      { valid: 0.9, validStd: 0.02, test: 0.9, testStd: 0 },
    ]);
    tied.weights.forEach((w, i) => near(w, 1 / 3, 1e-6, `w${i}`));
    near(tied.mean, 0.8, 1e-6, 'mean of the three tests');
    near(tied.variance, (0.64 + 0.49 + 0.81) / 3 - 0.64, 1e-6, 'spread of the three tests');
    const withLoser = bestTrialMixture([
      { valid: 0.9, validStd: 0.01, test: 0.8, testStd: 0 },
      { valid: 0.5, validStd: 0.01, test: 0.1, testStd: 0 },
      { valid: 0.9, validStd: 0.01, test: 0.6, testStd: 0 },
    ]);
    near(withLoser.weights[1], 0, 1e-12, 'the loser');
    near(withLoser.mean, 0.7, 1e-6, 'mean of the two tied');
    // Zero standard deviations (accuracies of exactly 1): a point-mass tie, still split evenly.
    const perfect = bestTrialMixture([
      { valid: 1, validStd: binomialStd(1, 200), test: 0.95, testStd: 0 },
      { valid: 1, validStd: binomialStd(1, 200), test: 0.85, testStd: 0 },
    ]);
    near(perfect.weights[0], 0.5, 1e-6, 'point-mass tie');
  });

  it('the curve splits the pool into S/s disjoint experiments in order; size 1 gives each trial its test score', () => {
    const pool: ScoredTrial[] = [0.6, 0.9, 0.7, 0.8, 0.5, 0.65, 0.75, 0.85].map((v, i) => ({
      valid: v,
      validStd: binomialStd(v, 10000),
      test: v - 0.01 * i,
      testStd: 0.001,
    }));
    const curve = randomEfficiencyCurve(pool);
    assert.deepEqual(
      curve.map((p) => p.size),
      [1, 2, 4, 8],
    );
    assert.deepEqual(
      curve.map((p) => p.experiments.length),
      [8, 4, 2, 1],
    );
    curve[0].experiments.forEach((e, i) => near(e.mean, pool[i].test, 1e-12, `size-1 experiment ${i}`));
    // With 10,000 validation examples the best trial of each block wins outright: blocks [0.6, 0.9], [0.7, 0.8], ...
    near(curve[1].experiments[0].mean, pool[1].test, 1e-6, 'block 0 of size 2');
    near(curve[1].experiments[1].mean, pool[3].test, 1e-6, 'block 1 of size 2');
    near(curve[3].experiments[0].mean, pool[1].test, 1e-6, 'the whole pool');
    const s2 = curve[1].experiments.map((e) => e.mean).sort((a, b) => a - b);
    near(curve[1].median, (s2[1] + s2[2]) / 2, 1e-12, 'median of four');
    assert.throws(
      () => randomEfficiencyCurve(pool, { sizes: [16] }),
      /each experiment size \(at most the pool size\) must be an integer from 1 to 8, got 16/,
    );
    assert.throws(() => bestTrialMixture([]), /at least one trial/);
  });
});
