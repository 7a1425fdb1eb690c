import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { addLogHandler, createStudy, InvalidArgumentError } from '../../src';
import { QMCSampler } from '../../src/samplers/qmc';
import { HaltonSequence } from '../../src/samplers/halton';
import { SobolSequence } from '../../src/samplers/sobol';
import { Rng } from '../../src/rng';
import { PYTHON } from '../helpers/python';

function python(script: string, input: string): string {
  const r = spawnSync(PYTHON, ['-c', script], { input, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout;
}

/** Both sequences, each against SciPy's: its unscrambled points bit for bit, and its scrambled points' discrepancy. */
const SEQUENCES = [
  {
    name: 'Sobol',
    make: (d: number, opts: { scramble?: boolean; seed?: number }) => new SobolSequence(d, opts),
    // The first and last dimensions of SciPy's table.
    dimensions: 1024,
    pick: [0, 1, 2, 3, 4, 5, 6, 7, 1016, 1017, 1018, 1019, 1020, 1021, 1022, 1023],
  },
  {
    name: 'Halton',
    make: (d: number, opts: { scramble?: boolean; seed?: number }) => new HaltonSequence(d, opts),
    dimensions: 1000,
    pick: [0, 1, 2, 3, 4, 5, 6, 7, 996, 997, 998, 999],
  },
];

for (const seq of SEQUENCES) {
  describe(`${seq.name} sequence`, () => {
    it(`matches SciPy unscrambled ${seq.name} bit for bit (first 512 points, dimensions ${seq.pick.join(', ')})`, () => {
      const s = seq.make(seq.dimensions, { scramble: false });
      const pts = Array.from({ length: 512 }, (_, i) => {
        const p = s.point(i);
        return seq.pick.map((d) => p[d]);
      });
      const out = python(
        `import json,sys,numpy as np
from scipy.stats import qmc
ours=np.array(json.load(sys.stdin))
ref=qmc.${seq.name}(${seq.dimensions}, scramble=False).random(512)[:, ${JSON.stringify(seq.pick)}]
print(float(np.abs(ours-ref).max()))`,
        JSON.stringify(pts),
      );
      assert.equal(Number(out.trim()), 0);
    });

    it(`scrambled points lie in [0,1)^d, depend on the seed, and have the discrepancy of SciPy's scrambled ${seq.name}`, () => {
      const n = 128;
      const d = 4;
      const designs = Array.from({ length: 8 }, (_, seed) => {
        const s = seq.make(d, { seed });
        return Array.from({ length: n }, (_, i) => s.point(i));
      });
      for (const pts of designs) for (const p of pts) for (const x of p) assert.ok(x >= 0 && x < 1);
      assert.deepEqual(seq.make(d, { seed: 3 }).point(5), designs[3][5]);
      assert.notDeepEqual(designs[0][5], designs[1][5]);
      // A dimension's scrambling does not depend on how many there are (a sampler's space may grow).
      assert.deepEqual(
        seq
          .make(d + 3, { seed: 3 })
          .point(5)
          .slice(0, d),
        designs[3][5],
      );
      const randoms = Array.from({ length: 8 }, (_, seed) => {
        const rng = new Rng(seed);
        return Array.from({ length: n }, () => Array.from({ length: d }, () => rng.random()));
      });
      const out = python(
        `import json,sys,numpy as np
from scipy.stats import qmc
data=json.load(sys.stdin)
ours=np.mean([qmc.discrepancy(np.array(p)) for p in data['ours']])
rand=np.mean([qmc.discrepancy(np.array(p)) for p in data['random']])
ref=np.mean([qmc.discrepancy(qmc.${seq.name}(${d}, scramble=True, seed=s).random(${n})) for s in range(8)])
print(json.dumps([ours, rand, ref]))`,
        JSON.stringify({ ours: designs, random: randoms }),
      );
      const [ours, rand, ref] = JSON.parse(out) as number[];
      assert.ok(ours < rand / 3, `${seq.name} discrepancy ${ours} should be far below random ${rand}`);
      assert.ok(ours < ref * 1.5, `${seq.name} discrepancy ${ours} should be close to SciPy's scrambled ${seq.name} ${ref}`);
    });
  });
}

describe('QMCSampler', () => {
  it('maps the unit cube onto float/log/int/step/categorical parameters, inside their ranges', async () => {
    const study = await createStudy({ sampler: new QMCSampler({ seed: 0 }) });
    await study.optimize(
      (t) => {
        const a = t.suggestFloat('a', -2, 3);
        const b = t.suggestFloat('b', 1e-4, 1, { log: true });
        const c = t.suggestInt('c', 0, 7);
        const d = t.suggestInt('d', 1, 1000, { log: true });
        const e = t.suggestFloat('e', 0, 1, { step: 0.25 });
        const f = t.suggestCategorical('f', ['w', 'x', 'y', 'z']);
        assert.ok(a >= -2 && a <= 3 && b >= 1e-4 && b <= 1 && Number.isInteger(c) && c >= 0 && c <= 7);
        assert.ok(Number.isInteger(d) && d >= 1 && d <= 1000 && [0, 0.25, 0.5, 0.75, 1].includes(e));
        return a + b + c + d + e + f.length;
      },
      { nTrials: 65, showProgressBar: false },
    );
    // Trials 1..64 are the first 64 Sobol points, stratified in every dimension: each of the
    // 8 integer values of c appears exactly 8 times, each of the 4 choices of f exactly 16 times.
    const counts = new Array(8).fill(0);
    for (const t of study.trials.slice(1)) counts[t.params.c as number]++;
    assert.deepEqual(counts, new Array(8).fill(8));
    const cats = { w: 0, x: 0, y: 0, z: 0 } as Record<string, number>;
    for (const t of study.trials.slice(1)) cats[t.params.f as string]++;
    assert.deepEqual(cats, { w: 16, x: 16, y: 16, z: 16 });
  });

  for (const qmcType of ['sobol', 'halton'] as const)
    it(`draws Optuna 5.0's unscrambled ${qmcType} design trial for trial: the first trial's space in its suggestion order`, async () => {
      // Trial 0 is enqueued (Optuna's and tunelab's draw it at random, differently), and takes the
      // branch that suggests 'extra', so 'extra' is in the space; 'other', on another branch, is not,
      // and is drawn at random on each side (left out of the comparison, its presence compared). The
      // names are suggested out of alphabetical order, with a single-valued parameter among them,
      // which takes a dimension as in Optuna. 'drop' (a float with a step) hits exact ties at the
      // points 0.25 and 0.75, which Optuna rounds half to even.
      const FIRST = { lr: 0.01, units: 64, act: 'relu', fixed: 2, drop: 0.25, depth: 3, extra: 0.5 };
      const OBJECTIVE_PY = `
import json, sys, warnings, optuna
warnings.filterwarnings('ignore')
optuna.logging.set_verbosity(optuna.logging.ERROR)
def objective(t):
    lr = t.suggest_float('lr', 1e-4, 1, log=True)
    units = t.suggest_int('units', 16, 512, log=True)
    act = t.suggest_categorical('act', ['relu', 'tanh', 'gelu'])
    t.suggest_float('fixed', 2, 2)
    drop = t.suggest_float('drop', 0, 0.75, step=0.25)
    depth = t.suggest_int('depth', 1, 8)
    extra = t.suggest_float('extra', -1, 1) if act == 'relu' else 0
    other = t.suggest_float('other', 0, 1) if act == 'gelu' else 0
    return lr * units + drop + depth + extra + other
study = optuna.create_study(sampler=optuna.samplers.QMCSampler(qmc_type='${qmcType}', scramble=False, seed=0))
study.enqueue_trial(json.loads(sys.stdin.read()))
study.optimize(objective, n_trials=40)
print(json.dumps([t.params for t in study.trials]))
`;
      const theirs = JSON.parse(python(OBJECTIVE_PY, JSON.stringify(FIRST))) as Record<string, number | string>[];
      const study = await createStudy({ sampler: new QMCSampler({ qmcType, scramble: false, seed: 0, warnIndependentSampling: false }) });
      await study.enqueueTrial(FIRST);
      await study.optimize(
        (t) => {
          const lr = t.suggestFloat('lr', 1e-4, 1, { log: true });
          const units = t.suggestInt('units', 16, 512, { log: true });
          const act = t.suggestCategorical('act', ['relu', 'tanh', 'gelu']);
          t.suggestFloat('fixed', 2, 2);
          const drop = t.suggestFloat('drop', 0, 0.75, { step: 0.25 });
          const depth = t.suggestInt('depth', 1, 8);
          const extra = act === 'relu' ? t.suggestFloat('extra', -1, 1) : 0;
          const other = act === 'gelu' ? t.suggestFloat('other', 0, 1) : 0;
          return lr * units + drop + depth + extra + other;
        },
        { nTrials: 40, showProgressBar: false },
      );
      const ours = study.trials.map((t) => t.params as Record<string, number | string>);
      assert.equal(ours.length, theirs.length);
      assert.ok(theirs.some((p) => p.act === 'gelu') && theirs.some((p) => p.act === 'relu'), 'both branches taken');
      for (let i = 0; i < ours.length; i++) {
        const [o, t] = [ours[i], theirs[i]];
        assert.deepEqual(Object.keys(o), Object.keys(t), `trial ${i}: the same parameters`);
        for (const name of Object.keys(t)) {
          if (name === 'other') continue;
          if (typeof t[name] === 'number' && !Number.isInteger(t[name])) {
            assert.ok(
              Math.abs((o[name] as number) - (t[name] as number)) <= 1e-12 * Math.max(1, Math.abs(t[name] as number)),
              `trial ${i} ${name}: ${o[name]} vs ${t[name]}`,
            );
          } else {
            assert.equal(o[name], t[name], `trial ${i} ${name}`);
          }
        }
      }
    });

  it('draws from the sequence for trials started side by side before any has finished, as Optuna 5.0', async () => {
    const study = await createStudy({ sampler: new QMCSampler({ scramble: false }) });
    await study.optimize(
      async (t) => {
        const x = t.suggestFloat('x', 0, 8);
        const y = t.suggestInt('y', 0, 3);
        await new Promise((resolve) => setTimeout(resolve, 30));
        return x + y;
      },
      { nTrials: 4, nJobs: 4, showProgressBar: false },
    );
    assert.ok(
      study.trials.every((t) => t.datetimeComplete! > study.trials[3].datetimeStart!),
      'the four trials ran side by side',
    );
    // Trials 1-3 take the unscrambled points (0, 0), (0.5, 0.5), (0.75, 0.25): the running trial 0's
    // parameters are the space.
    assert.deepEqual(
      study.trials.slice(1).map((t) => [t.params.x, t.params.y]),
      [
        [0, 0],
        [4, 2],
        [6, 1],
      ],
    );
  });

  it('is reproducible with a seed and differs across seeds', async () => {
    const run = async (seed: number) => {
      const study = await createStudy({ sampler: new QMCSampler({ seed }) });
      await study.optimize((t) => t.suggestFloat('x', 0, 1) + t.suggestFloat('y', 0, 1), { nTrials: 10, showProgressBar: false });
      return study.trials.map((t) => [t.params.x, t.params.y]);
    };
    assert.deepEqual(await run(1), await run(1));
    assert.notDeepEqual(await run(1), await run(2));
  });

  it("warns as Optuna's QMCSampler does when a scrambled sequence has no seed", () => {
    const logged: string[] = [];
    const remove = addLogHandler((r) => logged.push(r.message));
    try {
      new QMCSampler();
      assert.equal(logged.length, 1);
      assert.match(
        logged[0],
        /No seed is provided for `QMCSampler` and the seed is set randomly\. .*the same seed must be used in all samplers/,
      );
      new QMCSampler({ seed: 1 });
      new QMCSampler({ scramble: false });
      new QMCSampler({ warnAsynchronousSeeding: false });
      assert.equal(logged.length, 1, 'seeded, unscrambled or silenced: no warning');
    } finally {
      remove();
    }
  });

  it('rejects unsupported options clearly', () => {
    assert.throws(
      () => new QMCSampler({ qmcType: 'faure' as 'sobol' }),
      (e: unknown) => e instanceof InvalidArgumentError && /'faure' is not supported; use 'sobol' or 'halton'/.test((e as Error).message),
    );
    assert.throws(() => new SobolSequence(0), /dimensions must be an integer/);
  });
});
