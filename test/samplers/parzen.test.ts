// The Parzen estimators are checked against Optuna 5.0's own `_ParzenEstimator` on the same
// observations: same kernels (neighbour-rule bandwidths over the observations, the prior kernel
// appended), weights and normalised truncated normals must give the same log densities, for the
// univariate and the joint (multivariate) estimator, with Optuna's defaults and with the other
// settings of its options.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { categoricalDistribution, floatDistribution, intDistribution, type Distribution } from '../../src';
import { ParzenEstimator, paramModel } from '../../src/samplers/tpe/parzenEstimator';
import { defaultWeights } from '../../src/samplers/tpe/sampler';
import { erfc, logGaussMass, ndtri } from '../../src/samplers/tpe/truncnorm';
import { Rng } from '../../src/rng';
import { PYTHON } from '../helpers/python';

const PY = `
import json, sys, numpy as np
from optuna.distributions import FloatDistribution, IntDistribution, CategoricalDistribution
from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator, _ParzenEstimatorParameters
from optuna.samplers._tpe.sampler import default_weights
def dist(d):
    if d['kind'] == 'float': return FloatDistribution(d['low'], d['high'], log=d['log'], step=d['step'])
    if d['kind'] == 'int': return IntDistribution(d['low'], d['high'], log=d['log'], step=d['step'])
    return CategoricalDistribution(d['choices'])
out = []
for case in json.load(sys.stdin):
    space = {k: dist(v) for k, v in case['space'].items()}
    o = case['options']
    params = _ParzenEstimatorParameters(prior_weight=o['priorWeight'], consider_magic_clip=o['considerMagicClip'], consider_endpoints=o['considerEndpoints'], weights=default_weights, multivariate=case['multivariate'])
    obs = {k: np.asarray(v, dtype=float) for k, v in case['obs'].items()}
    pe = _ParzenEstimator(obs, space, params)
    samples = {k: np.asarray(v, dtype=int if space[k].__class__.__name__ == 'CategoricalDistribution' else float) for k, v in case['samples'].items()}
    out.append(pe.log_pdf(samples).tolist())
print(json.dumps(out))
`;

interface Options {
  priorWeight: number;
  considerMagicClip: boolean;
  considerEndpoints: boolean;
}

/** Optuna 5.0's defaults. */
const DEFAULTS: Options = { priorWeight: 1, considerMagicClip: true, considerEndpoints: false };

interface Case {
  space: Record<string, Distribution>;
  multivariate: boolean;
  options: Options;
  obs: Record<string, number[]>;
  samples: Record<string, number[]>;
}

function makeCase(space: Record<string, Distribution>, n: number, multivariate: boolean, seed: number, options: Options = DEFAULTS): Case {
  const rng = new Rng(seed);
  const draw = (d: Distribution, clustered: boolean): number => {
    if (d.kind === 'categorical') return rng.int(0, d.choices.length - 1);
    const lo = d.log ? Math.log(d.low) : d.low;
    const hi = d.log ? Math.log(d.high) : d.high;
    // Cluster half the observations to get uneven bandwidths, like a real TPE history.
    const u = clustered ? 0.3 + 0.05 * rng.random() : rng.random();
    let v = lo + u * (hi - lo);
    if (d.log) v = Math.exp(v);
    if (d.kind === 'int' || (d.kind === 'float' && d.step !== null)) {
      const step = d.step as number;
      v = d.low + Math.round((v - d.low) / step) * step;
    }
    return Math.min(d.high, Math.max(d.low, v));
  };
  const names = Object.keys(space);
  const obs: Record<string, number[]> = {};
  const samples: Record<string, number[]> = {};
  for (const k of names) {
    obs[k] = Array.from({ length: n }, (_, i) => draw(space[k], i % 2 === 0));
    samples[k] = Array.from({ length: 15 }, () => draw(space[k], false));
  }
  return { space, multivariate, options, obs, samples };
}

// Discrete cases use fewer than 25 observations: with tied values, which tied kernel gets which
// bandwidth follows the sort's tie order (unspecified in Optuna, whose argsort is unstable), and only
// equal weights make the mixture independent of it.
const toPy = (d: Distribution) =>
  d.kind === 'categorical' ? { kind: d.kind, choices: d.choices } : { kind: d.kind, low: d.low, high: d.high, log: d.log, step: d.step };

describe('ParzenEstimator matches Optuna 5.0', () => {
  const mixed = {
    x: floatDistribution(-5, 10),
    lr: floatDistribution(1e-4, 1, { log: true }),
    // A wide int: tied values would make the joint density depend on the sort's tie order, which
    // Optuna leaves unspecified (in a joint kernel, which of two tied observations gets which
    // bandwidth matters even with equal weights).
    n: intDistribution(1, 5000),
    c: categoricalDistribution(['a', 'b', 'c']),
  };
  const cases: Array<[string, Case]> = [
    ['univariate float, 0 observations', makeCase({ x: floatDistribution(-5, 10) }, 0, false, 1)],
    ['univariate float, 1 observation', makeCase({ x: floatDistribution(-5, 10) }, 1, false, 11)],
    ['univariate float, 2 observations', makeCase({ x: floatDistribution(-5, 10) }, 2, false, 12)],
    ['univariate float, 3 observations', makeCase({ x: floatDistribution(-5, 10) }, 3, false, 2)],
    ['univariate float, 150 observations (ramped weights, magic clip)', makeCase({ x: floatDistribution(-5, 10) }, 150, false, 3)],
    ['univariate log float', makeCase({ lr: floatDistribution(1e-5, 1, { log: true }) }, 40, false, 4)],
    ['univariate int', makeCase({ n: intDistribution(1, 12) }, 20, false, 5)],
    ['univariate int with step', makeCase({ n: intDistribution(0, 100, { step: 5 }) }, 20, false, 6)],
    ['univariate float with step', makeCase({ q: floatDistribution(0, 1, { step: 0.1 }) }, 20, false, 7)],
    ['univariate log int', makeCase({ u: intDistribution(1, 1024, { log: true }) }, 30, false, 8)],
    ['univariate categorical', makeCase({ c: categoricalDistribution(['a', 'b', 'c', 'd']) }, 30, false, 9)],
    ['univariate log int with step 1, few observations', makeCase({ u: intDistribution(2, 64, { log: true }) }, 4, false, 13)],
    ['multivariate mixed', makeCase(mixed, 40, true, 10)],
    ['multivariate mixed, 1 observation', makeCase(mixed, 1, true, 14)],
    ['multivariate two floats, 120 observations', makeCase({ x: floatDistribution(-5, 10), y: floatDistribution(0, 15) }, 120, true, 15)],
    ['multivariate mixed, considerEndpoints', makeCase(mixed, 40, true, 16, { ...DEFAULTS, considerEndpoints: true })],
    ['multivariate mixed, no magic clip', makeCase(mixed, 40, true, 17, { ...DEFAULTS, considerMagicClip: false })],
    ['multivariate mixed, prior weight 2.5', makeCase(mixed, 40, true, 18, { ...DEFAULTS, priorWeight: 2.5 })],
    [
      'univariate float, 150 observations, considerEndpoints',
      makeCase({ x: floatDistribution(-5, 10) }, 150, false, 19, { ...DEFAULTS, considerEndpoints: true }),
    ],
  ];
  const input = cases.map(([, c]) => ({ ...c, space: Object.fromEntries(Object.entries(c.space).map(([k, d]) => [k, toPy(d)])) }));
  const r = spawnSync(PYTHON, ['-c', PY], { input: JSON.stringify(input), encoding: 'utf8' });
  const reference = r.status === 0 ? (JSON.parse(r.stdout) as number[][]) : null;
  it('the Optuna reference ran', () => assert.ok(reference, r.stderr));

  cases.forEach(([name, c], idx) => {
    it(name, () => {
      const names = Object.keys(c.space);
      const pe = new ParzenEstimator(
        names.map((k) => Float64Array.from(c.obs[k])),
        names.map((k) => paramModel(c.space[k])),
        { ...c.options, weights: defaultWeights },
      );
      const ours = pe.logPdf(names.map((k) => Float64Array.from(c.samples[k])));
      const ref = reference![idx];
      assert.equal(ours.length, ref.length);
      for (let i = 0; i < ref.length; i++) {
        assert.ok(Math.abs(ours[i] - ref[i]) < 1e-5 * Math.max(1, Math.abs(ref[i])), `sample ${i}: ours ${ours[i]} vs Optuna ${ref[i]}`);
      }
    });
  });

  it('draws samples inside every distribution', () => {
    const c = cases.find(([name]) => name === 'multivariate mixed')![1];
    const names = Object.keys(c.space);
    const pe = new ParzenEstimator(
      names.map((k) => Float64Array.from(c.obs[k])),
      names.map((k) => paramModel(c.space[k])),
      { ...DEFAULTS, weights: defaultWeights },
    );
    const s = pe.sample(new Rng(0), 500);
    for (let i = 0; i < 500; i++) {
      assert.ok(s[0][i] >= -5 && s[0][i] <= 10);
      assert.ok(s[1][i] >= 1e-4 && s[1][i] <= 1);
      assert.ok(Number.isInteger(s[2][i]) && s[2][i] >= 1 && s[2][i] <= 5000);
      assert.ok([0, 1, 2].includes(s[3][i]));
    }
  });
});

describe('normal distribution helpers match SciPy', () => {
  it('erfc, ndtri and log mass of intervals, including tails', () => {
    const xs = [-6, -3, -1, -0.3, 0, 0.2, 1, 2.5, 4, 8, 20];
    const ps = [1e-300, 1e-20, 1e-5, 0.01, 0.3, 0.5, 0.77, 0.99, 1 - 1e-9];
    const ivs = [
      [-1, 1],
      [2, 2.001],
      [5, 6],
      [-30, -29],
      [-0.5, 3],
      [10, 10.5],
      [0, 1e-6],
    ];
    const r = spawnSync(
      PYTHON,
      [
        '-c',
        `
import json, sys, numpy as np
from scipy import special, stats
d = json.load(sys.stdin)
print(json.dumps([[float(special.erfc(x)) for x in d['xs']], [float(special.ndtri(p)) for p in d['ps']],
  [float(np.log(stats.norm.cdf(b) - stats.norm.cdf(a)) if b <= 0 or a < 0 else stats.norm.logsf(a) + np.log1p(-np.exp(stats.norm.logsf(b) - stats.norm.logsf(a)))) for a, b in d['ivs']]]))
`,
      ],
      { input: JSON.stringify({ xs, ps, ivs }), encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const [e, n, m] = JSON.parse(r.stdout) as number[][];
    xs.forEach((x, i) => assert.ok(Math.abs(erfc(x) - e[i]) <= 2e-7 * e[i] + 1e-300, `erfc(${x}) = ${erfc(x)} vs ${e[i]}`));
    ps.forEach((p, i) =>
      assert.ok(Math.abs(ndtri(p) - n[i]) <= 1e-7 * Math.max(1, Math.abs(n[i])), `ndtri(${p}) = ${ndtri(p)} vs ${n[i]}`),
    );
    ivs.forEach(([a, b], i) =>
      assert.ok(
        Math.abs(logGaussMass(a, b) - m[i]) < 1e-5 * Math.max(1, Math.abs(m[i])),
        `logmass(${a}, ${b}) = ${logGaussMass(a, b)} vs ${m[i]}`,
      ),
    );
  });
});

describe('ParzenEstimator with sorted positions given (joint estimators from sorted columns)', () => {
  it('equals the estimator that sorts for itself, bit for bit, with ties', () => {
    const rng = new Rng(5);
    const n = 300;
    const models = [
      paramModel(intDistribution(0, 12)),
      paramModel(floatDistribution(1e-4, 1, { log: true })),
      paramModel(categoricalDistribution(['a', 'b'])),
    ];
    const obs = [
      Float64Array.from({ length: n }, () => rng.int(0, 12)),
      Float64Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 0.01 : Math.exp(Math.log(1e-4) + rng.random() * Math.log(1e4)))),
      Float64Array.from({ length: n }, () => rng.int(0, 1)),
    ];
    // Stable ascending positions, computed independently here.
    const positions = obs.map((o, j) => {
      if (j === 2) return null;
      const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => o[a] - o[b] || a - b);
      const pos = new Int32Array(n);
      idx.forEach((i, p) => (pos[i] = p));
      return pos;
    });
    const params = { priorWeight: 1, considerMagicClip: true, considerEndpoints: false, weights: defaultWeights };
    const samples = [
      Float64Array.from({ length: 40 }, () => rng.int(0, 12)),
      Float64Array.from({ length: 40 }, () => Math.exp(Math.log(1e-4) + rng.random() * Math.log(1e4))),
      Float64Array.from({ length: 40 }, () => rng.int(0, 1)),
    ];
    const a = new ParzenEstimator(obs, models, params).logPdf(samples);
    const b = new ParzenEstimator(obs, models, params, undefined, positions).logPdf(samples);
    assert.deepEqual(Array.from(b), Array.from(a));
  });
});

describe('ParzenEstimator for one discrete parameter (masses once per distinct kernel)', () => {
  it('sums kernel by kernel to the bit, with many equal kernels, sorted or not', () => {
    const params = { priorWeight: 1, considerMagicClip: true, considerEndpoints: false, weights: defaultWeights };
    for (const dist of [intDistribution(1, 64), intDistribution(16, 1024, { log: true }), intDistribution(0, 100, { step: 5 })]) {
      const model = paramModel(dist);
      assert.ok(model.kind === 'numeric' && model.q !== null);
      const rng = new Rng(31);
      // Values crowding four of the grid's (equal kernels), and spread ones.
      const steps = (dist.high - dist.low) / dist.step;
      const value = () => dist.low + dist.step * (rng.random() < 0.7 ? rng.int(3, 6) : rng.int(0, steps));
      const obs = Float64Array.from({ length: 700 }, value);
      const sorted = Float64Array.from(obs).sort();
      const xs = Float64Array.from({ length: 40 }, value);
      for (const [values, presorted] of [
        [obs, false],
        [sorted, true],
      ] as const) {
        const pe: ParzenEstimator = new ParzenEstimator([values], [model], params, undefined, presorted);
        const got: Float64Array = pe.logPdf([xs]);
        // The definition: each kernel's mass of the candidate's cell, summed in the kernels' order.
        const internals = pe as unknown as {
          kernels: { mus: Float64Array; sigmas: Float64Array; logZ: Float64Array }[];
          weights: Float64Array;
        };
        const { mus, sigmas, logZ } = internals.kernels[0];
        const w = internals.weights;
        for (let s = 0; s < xs.length; s++) {
          const lo = model.log ? Math.log(xs[s] - 0.5 * model.q) : xs[s] - 0.5 * model.q;
          const hi = model.log ? Math.log(xs[s] + 0.5 * model.q) : xs[s] + 0.5 * model.q;
          let sum = 0;
          for (let i = 0; i < pe.nComponents; i++) {
            const inv = 1 / sigmas[i];
            const a = (lo - mus[i]) * inv;
            const b = (hi - mus[i]) * inv;
            if (a > 10 || b < -10) continue;
            sum += w[i] * Math.exp(logGaussMass(a, b) - logZ[i]);
          }
          assert.equal(got[s], Math.log(sum), `${dist.log ? 'log ' : ''}int, step ${dist.step}, sorted ${presorted}, candidate ${xs[s]}`);
        }
      }
    }
  });
});

describe('SortedUnivariateDensity (the fused fast path for large histories)', () => {
  it('equals ParzenEstimator.logPdf on the same sorted observations and weights', async () => {
    const { SortedUnivariateDensity } = await import('../../src/samplers/tpe/parzenEstimator');
    const rng = new Rng(42);
    for (const [dist, n] of [
      [floatDistribution(-5, 10), 300],
      [floatDistribution(-5, 10), 2],
      [floatDistribution(1e-4, 10, { log: true }), 200],
      [floatDistribution(1e-3, 4096, { log: true }), 150],
    ] as const) {
      const model = paramModel(dist);
      if (model.kind !== 'numeric') throw new Error('numeric expected');
      const values = Float64Array.from({ length: n }, (_, i) => {
        // Clusters, duplicates and a value equal to the prior mean, to exercise ties.
        if (i === 0) return model.log ? Math.exp(0.5 * (model.low + model.high)) : 0.5 * (model.low + model.high);
        const u = i % 3 === 0 ? 0.3 : rng.random();
        const y = model.low + u * (model.high - model.low);
        const v = model.log ? Math.exp(y) : y;
        return Math.min(dist.high, Math.max(dist.low, v));
      }).sort();
      const w = Float64Array.from(defaultWeights(n)).map((v, i) => v * (1 + (i % 5)));
      for (const considerEndpoints of [false, true]) {
        const params = { priorWeight: 1, considerMagicClip: true, considerEndpoints, weights: defaultWeights };
        const generic = new ParzenEstimator([values], [model], params, w);
        const fast = new SortedUnivariateDensity(model, values, w, params);
        const xs = Float64Array.from({ length: 50 }, () => {
          const y = model.low + rng.random() * (model.high - model.low);
          return model.log ? Math.exp(y) : y;
        });
        const a = generic.logPdf([xs]);
        const b = fast.logPdf([xs]);
        for (let i = 0; i < xs.length; i++)
          assert.ok(Math.abs(a[i] - b[i]) < 1e-10 * Math.max(1, Math.abs(a[i])), `${JSON.stringify(dist)} x=${xs[i]}: ${a[i]} vs ${b[i]}`);
      }
    }
  });
});
