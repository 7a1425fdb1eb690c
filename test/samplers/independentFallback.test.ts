/**
 * The independent fallback of CmaEsSampler, GPSampler and QMCSampler, as Optuna 5.0's: which
 * parameters of which trials are drawn independently with a warning (compared with the warnings
 * Optuna 5.0's samplers log on the same objective), `warnIndependentSampling: false`, and an
 * `independentSampler` that draws them with its own hooks run beside the sampler's.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { addLogHandler, createStudy, RandomSampler, type FrozenTrial, type Sampler, type Trial } from '../../src';
import type { Distribution } from '../../src/distributions';
import { CmaEsSampler } from '../../src/samplers/cmaes';
import { GPSampler } from '../../src/samplers/gp';
import { QMCSampler } from '../../src/samplers/qmc';
import type { AlgorithmResult, StudyView } from '../../src/study/view';
import { PYTHON } from '../helpers/python';

const TRIALS = 14;

/** Two floats, a categorical, and a float only the odd trials suggest (a conditional parameter). */
function objective(t: Trial): number {
  const x = t.suggestFloat('x', 0, 1);
  const y = t.suggestFloat('y', 0, 1);
  const c = t.suggestCategorical('c', ['a', 'b']);
  const z = t.number % 2 === 1 ? t.suggestFloat('z', 0, 1) : 0;
  return (x - 0.3) ** 2 + (y - 0.6) ** 2 + (c === 'a' ? 0 : 0.1) + z;
}

const OPTUNA_PY = `
import json, logging, re, sys, warnings
warnings.simplefilter('ignore')
import optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
seen = []
class Collect(logging.Handler):
    def emit(self, record):
        m = re.search(r'The parameter \`(\\w+)\` in Trial#(\\d+) is sampled independently', record.getMessage())
        if m: seen.append([int(m.group(2)), m.group(1)])
optuna.logging.get_logger('optuna').addHandler(Collect())
def objective(t):
    x = t.suggest_float('x', 0, 1)
    y = t.suggest_float('y', 0, 1)
    c = t.suggest_categorical('c', ['a', 'b'])
    z = t.suggest_float('z', 0, 1) if t.number % 2 == 1 else 0
    return (x - 0.3) ** 2 + (y - 0.6) ** 2 + (0 if c == 'a' else 0.1) + z
out = {}
for name, make in [('CmaEsSampler', lambda: optuna.samplers.CmaEsSampler(seed=1)),
                   ('GPSampler', lambda: optuna.samplers.GPSampler(seed=1)),
                   ('QMCSampler', lambda: optuna.samplers.QMCSampler(seed=1))]:
    seen.clear()
    optuna.create_study(sampler=make()).optimize(objective, n_trials=${TRIALS})
    out[name] = sorted(seen)
print(json.dumps(out))
`;

/** The (trial number, parameter) pairs tunelab's samplers warn about while `run` runs. */
async function warnedPairs(run: () => Promise<void>): Promise<[number, string][]> {
  const pairs: [number, string][] = [];
  const remove = addLogHandler((record) => {
    const m = /The parameter `(\w+)` in Trial#(\d+) is sampled independently/.exec(record.message);
    if (m) pairs.push([Number(m[2]), m[1]]);
  });
  try {
    await run();
  } finally {
    remove();
  }
  return pairs.sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]));
}

async function study(sampler: Sampler): Promise<readonly FrozenTrial[]> {
  const s = await createStudy({ sampler });
  await s.optimize(objective, { nTrials: TRIALS, showProgressBar: false });
  return s.trials;
}

describe('the independent fallback of CMA-ES, GP and QMC, against Optuna 5.0', () => {
  it("warns for the parameters and trials Optuna 5.0's samplers warn for", async () => {
    const theirs = JSON.parse(execFileSync(PYTHON, ['-c', OPTUNA_PY], { encoding: 'utf8', timeout: 300_000 })) as Record<
      string,
      [number, string][]
    >;
    const samplers: Record<string, () => Sampler> = {
      CmaEsSampler: () => new CmaEsSampler({ seed: 1 }),
      GPSampler: () => new GPSampler({ seed: 1 }),
      QMCSampler: () => new QMCSampler({ seed: 1 }),
    };
    for (const [name, make] of Object.entries(samplers)) {
      const ours = await warnedPairs(async () => void (await study(make())));
      assert.ok(theirs[name].length > 0, `Optuna's ${name} warns on this objective`);
      assert.deepEqual(ours, theirs[name], `${name}: the (trial, parameter) pairs drawn independently with a warning`);
    }
  });

  it('says why and how to silence it; warnIndependentSampling: false silences it', async () => {
    const messages: string[] = [];
    const remove = addLogHandler((record) => messages.push(record.message));
    try {
      await study(new CmaEsSampler({ seed: 1 }));
    } finally {
      remove();
    }
    const warning = messages.find((m) => m.includes('in Trial#1 '));
    assert.ok(warning, 'a warning for trial 1');
    assert.match(warning, /The parameter `c` in Trial#1 is sampled independently using `RandomSampler` instead of `CmaEsSampler`/);
    assert.match(
      warning,
      /categorical parameters are not supported by `CmaEsSampler`.*setting `warnIndependentSampling` to `false` in the options of `CmaEsSampler`/,
    );
    for (const make of [
      () => new CmaEsSampler({ seed: 1, warnIndependentSampling: false }),
      () => new GPSampler({ seed: 1, warnIndependentSampling: false }),
      () => new QMCSampler({ seed: 1, warnIndependentSampling: false }),
    ]) {
      assert.deepEqual(await warnedPairs(async () => void (await study(make()))), []);
    }
    assert.throws(() => new CmaEsSampler({ warnIndependentSampling: 'no' as never }), /warnIndependentSampling must be true or false/);
    assert.throws(() => new GPSampler({ independentSampler: {} as never }), /GPSampler: independentSampler must be a sampler/);
  });

  it("draws through the independentSampler, whose hooks' writes are recorded beside the sampler's", async () => {
    const drawn: string[] = [];
    const inner = new RandomSampler({ seed: 5 });
    const spy: Sampler = {
      inferRelativeSearchSpace: () => ({}),
      sampleRelative: () => ({}),
      sampleIndependent(s: StudyView, t: FrozenTrial, name: string, d: Distribution): number {
        drawn.push(`${t.number}:${name}`);
        return inner.sampleIndependent(s, t, name, d);
      },
      beforeTrial: (_s: StudyView, t: FrozenTrial): AlgorithmResult => ({ trialSystemAttrs: { 'spy:before': t.number } }),
      afterTrial: async (_s: StudyView, t: FrozenTrial): Promise<AlgorithmResult> => ({ trialSystemAttrs: { 'spy:after': t.number } }),
    };
    const trials = await study(new CmaEsSampler({ seed: 1, independentSampler: spy, warnIndependentSampling: false }));
    // The categorical of every trial, the conditional float of the odd ones, and the floats of trial 0 (before CMA-ES starts).
    assert.ok(drawn.includes('0:x') && drawn.includes('5:c') && drawn.includes('5:z'), drawn.join(' '));
    assert.ok(!drawn.includes('5:x'), 'CMA-ES draws the floats it models');
    for (const t of trials) {
      assert.equal(t.systemAttrs['spy:before'], t.number, "the independent sampler's beforeTrial writes are recorded");
      assert.equal(t.systemAttrs['spy:after'], t.number, "and its afterTrial's");
      if (t.number > 0) assert.equal(typeof t.systemAttrs['cma:generation'], 'number', "beside CMA-ES's own");
    }
  });
});
