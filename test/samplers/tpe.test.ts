import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  createStudy,
  InvalidArgumentError,
  RandomSampler,
  TPESampler,
  TrialState,
  type FrozenTrial,
  type Sampler,
  type Trial,
} from '../../src';
import type { TPESamplerOptions } from '../../src/entries/samplers';
import { CONSTRAINTS_KEY } from '../../src/samplers/base';
import { computeSplit } from '../../src/samplers/tpe/observations';
import { defaultGamma, defaultWeights } from '../../src/samplers/tpe/sampler';
import { PYTHON } from '../helpers/python';

const branin = (x: number, y: number) =>
  (y - (5.1 / (4 * Math.PI ** 2)) * x * x + (5 / Math.PI) * x - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x) + 10;
const braninObjective = (t: Trial) => branin(t.suggestFloat('x', -5, 10), t.suggestFloat('y', 0, 15));
const quiet = { showProgressBar: false } as const;

async function best(sampler: Sampler, objective: (t: Trial) => number, nTrials: number): Promise<number> {
  const study = await createStudy({ sampler });
  await study.optimize(objective, { nTrials, ...quiet });
  return study.bestValue;
}

describe('TPESampler defaults (Optuna 5.0)', () => {
  it('gamma(n) = min(ceil(0.1 n), 25) and the weights ramp', () => {
    assert.deepEqual([0, 1, 10, 11, 100, 250, 251, 1000].map(defaultGamma), [0, 1, 1, 2, 10, 25, 25, 25]);
    assert.deepEqual(Array.from(defaultWeights(3)), [1, 1, 1]);
    const w = defaultWeights(30);
    assert.equal(w.length, 30);
    assert.ok(Math.abs(w[0] - 1 / 30) < 1e-15 && Math.abs(w[4] - 1) < 1e-15 && w.slice(5).every((v) => v === 1));
    assert.ok(w[1] > w[0] && w[2] > w[1]);
  });

  it('matches numpy for the weights ramp', () => {
    const r = spawnSync(
      PYTHON,
      ['-c', 'import json; from optuna.samplers._tpe.sampler import default_weights as w; print(json.dumps(w(60).tolist()))'],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const ref = JSON.parse(r.stdout) as number[];
    const ours = defaultWeights(60);
    ref.forEach((v, i) => assert.ok(Math.abs(v - ours[i]) < 1e-15, `w[${i}]`));
  });

  it('as Optuna 5.0: multivariate for one objective, one parameter at a time for several', async () => {
    const sampler = new TPESampler({ seed: 0 });
    const single = await createStudy({ sampler });
    await single.optimize(braninObjective, { nTrials: 3, ...quiet });
    assert.deepEqual(Object.keys(sampler.inferRelativeSearchSpace(single)).sort(), ['x', 'y']);
    const multi = await createStudy({ directions: ['minimize', 'minimize'], sampler });
    await multi.optimize((t) => [t.suggestFloat('x', 0, 1), t.suggestFloat('y', 0, 1)], { nTrials: 3, ...quiet });
    assert.deepEqual(sampler.inferRelativeSearchSpace(multi), {});
    const forced = new TPESampler({ seed: 0, multivariate: false });
    assert.deepEqual(forced.inferRelativeSearchSpace(single), {});
  });

  it('is the default sampler of single-objective studies', async () => {
    const study = await createStudy();
    assert.ok(study.sampler instanceof TPESampler);
  });
});

describe('TPESampler search', () => {
  it('reaches below 0.5 on Branin within 200 trials with seed 0', async () => {
    const v = await best(new TPESampler({ seed: 0 }), braninObjective, 200);
    assert.ok(v < 0.5, `best ${v}`);
  });

  it('beats random search on a 2-D function over several seeds', async () => {
    let wins = 0;
    const tpe: number[] = [];
    const rnd: number[] = [];
    const sphere = (t: Trial) => (t.suggestFloat('x', -10, 10) - 3) ** 2 + (t.suggestFloat('y', -10, 10) + 2) ** 2;
    for (let seed = 0; seed < 6; seed++) {
      const a = await best(new TPESampler({ seed }), sphere, 60);
      const b = await best(new RandomSampler({ seed }), sphere, 60);
      tpe.push(a);
      rnd.push(b);
      if (a < b) wins++;
    }
    const median = (v: number[]) => [...v].sort((p, q) => p - q)[v.length >> 1];
    assert.ok(wins >= 5, `TPE won ${wins}/6: ${tpe} vs ${rnd}`);
    assert.ok(median(tpe) < median(rnd) / 2, `medians ${median(tpe)} vs ${median(rnd)}`);
  });

  it('multivariate TPE models the intersection space jointly and finds the optimum', async () => {
    const v = await best(new TPESampler({ seed: 1, multivariate: true }), braninObjective, 150);
    assert.ok(v < 0.6, `best ${v}`);
  });

  it('handles int/log/step/categorical parameters with legal values', async () => {
    const study = await createStudy({ sampler: new TPESampler({ seed: 2 }) });
    await study.optimize(
      (t) => {
        const lr = t.suggestFloat('lr', 1e-5, 1, { log: true });
        const n = t.suggestInt('n', 1, 256, { log: true });
        const k = t.suggestInt('k', 0, 30, { step: 3 });
        const q = t.suggestFloat('q', 0, 1, { step: 0.25 });
        const act = t.suggestCategorical('act', ['relu', 'tanh', 'gelu']);
        assert.ok(lr >= 1e-5 && lr <= 1 && Number.isInteger(n) && n >= 1 && n <= 256 && k % 3 === 0 && [0, 0.25, 0.5, 0.75, 1].includes(q));
        return (Math.log10(lr) + 3) ** 2 + Math.abs(n - 32) / 32 + Math.abs(k - 12) / 3 + q + (act === 'tanh' ? 0 : 1);
      },
      { nTrials: 80, ...quiet },
    );
    // The categorical estimator learns the good choice: it dominates the modelled trials.
    const late = study.trials.slice(40).filter((t) => t.params.act === 'tanh').length;
    assert.ok(late >= 25, `tanh chosen ${late}/40 times after startup`);
    assert.ok(study.bestValue < 3, `best ${study.bestValue}`);
  });

  it('group: models each branch of a conditional space jointly', async () => {
    const sampler = new TPESampler({ seed: 3, multivariate: true, group: true });
    let independentAfterStartup = 0;
    const original = sampler.sampleIndependent.bind(sampler);
    sampler.sampleIndependent = (study, trial, name, dist) => {
      if (trial.number >= 20) independentAfterStartup++;
      return original(study, trial, name, dist);
    };
    const study = await createStudy({ sampler });
    await study.optimize(
      (t) => {
        const kind = t.suggestCategorical('kind', ['quadratic', 'abs']);
        if (kind === 'quadratic') return (t.suggestFloat('a', -10, 10) - 3) ** 2 + (t.suggestFloat('b', -10, 10) + 1) ** 2;
        return Math.abs(t.suggestInt('c', -20, 20) - 7) + 0.5;
      },
      { nTrials: 80, ...quiet },
    );
    const groups = Object.keys(sampler.inferRelativeSearchSpace(study)).sort();
    assert.deepEqual(groups, ['a', 'b', 'c', 'kind']);
    assert.equal(independentAfterStartup, 0, 'every branch parameter came from its group model');
    assert.ok(study.bestValue < 0.6, `best ${study.bestValue}`);
  });

  it('constant liar: running trials rank last, and parallel optimisation works', async () => {
    const study = await createStudy({ sampler: new TPESampler({ seed: 4, constantLiar: true }) });
    await study.optimize(braninObjective, { nTrials: 15, ...quiet });
    const running = await study.ask();
    running.suggestFloat('x', -5, 10);
    running.suggestFloat('y', 0, 15);
    await running.flush();
    await study.refresh();
    const split = computeSplit(study.trials, { directions: ['minimize'], constantLiar: true, constraints: false, gamma: defaultGamma });
    assert.equal(split.nFinished, 15);
    assert.equal(split.trials.length, 16);
    const idx = split.trials.findIndex((t) => t.state === TrialState.RUNNING);
    assert.ok(Array.from(split.above).includes(idx), 'the running trial is in the bad group');
    const without = computeSplit(study.trials, { directions: ['minimize'], constantLiar: false, constraints: false, gamma: defaultGamma });
    assert.equal(without.trials.length, 15);
    await study.tell(running, 1);

    const parallel = await createStudy({ sampler: new TPESampler({ seed: 5, constantLiar: true }) });
    await parallel.optimize(
      async (t) => {
        const v = braninObjective(t);
        await new Promise((r) => setTimeout(r, 1));
        return v;
      },
      { nTrials: 120, nJobs: 4, ...quiet },
    );
    assert.equal(parallel.trials.filter((t) => t.state === TrialState.COMPLETE).length, 120);
    assert.ok(parallel.bestValue < 1, `best ${parallel.bestValue}`);
  });

  it('constant liar: a trial running since early in a long study is found, and none once all have finished', async () => {
    const sampler = new TPESampler({ seed: 1 });
    const study = await createStudy({ sampler });
    const splitAt = async (t: { snapshot(): FrozenTrial }) => {
      await study.refresh();
      return (sampler as unknown as { split(s: typeof study, t: FrozenTrial): ReturnType<typeof computeSplit> }).split(study, t.snapshot());
    };
    await study.optimize(braninObjective, { nTrials: 20, ...quiet });
    const early = await study.ask();
    early.suggestFloat('x', -5, 10);
    early.suggestFloat('y', 0, 15);
    await early.flush();
    await study.optimize(braninObjective, { nTrials: 30, ...quiet });
    const late = await study.ask();
    let split = await splitAt(late);
    assert.deepEqual(
      split.trials.filter((t) => t.state === TrialState.RUNNING).map((t) => t.number),
      [early.number],
    );
    await study.tell(early, 1);
    await study.tell(late, 1);
    await study.optimize(braninObjective, { nTrials: 5, ...quiet });
    const last = await study.ask();
    split = await splitAt(last);
    assert.equal(split.trials.length, split.nFinished);
    assert.equal(split.nFinished, 57);
    await study.tell(last, 1);
  });

  it('constant liar: a running trial counts with the relative proposals it has not suggested yet (its own, or shared by Optuna)', async () => {
    const sampler = new TPESampler({ seed: 4 });
    const study = await createStudy({ sampler });
    await study.optimize(braninObjective, { nTrials: 12, ...quiet });
    const a = await study.ask();
    a.suggestFloat('x', -5, 10); // the joint proposal for x and y is drawn now; y is not suggested yet
    await a.flush();
    // A running trial of an Optuna worker: its proposal in chunks of the system attribute.
    const other = await study.storage.createNewTrial(study.studyId);
    await study.storage.setTrialSystemAttr(other.trialId, 'tpe:relative_params:0', '{"x": 1.5, "y"');
    await study.storage.setTrialSystemAttr(other.trialId, 'tpe:relative_params:1', ': 7.25}');
    const b = await study.ask();
    await study.refresh();
    const split = (sampler as unknown as { split(s: typeof study, t: FrozenTrial): ReturnType<typeof computeSplit> }).split(
      study,
      b.snapshot(),
    );
    const seen = (n: number) => split.trials.find((t) => t.number === n);
    assert.equal(seen(b.number), undefined, 'the trial being sampled is left out');
    const yOfA = a.suggestFloat('y', 0, 15);
    assert.deepEqual(seen(a.number)?.internalParams, { x: a.params.x, y: yOfA });
    assert.deepEqual(seen(other.number)?.internalParams, { x: 1.5, y: 7.25 });
    for (const n of [a.number, other.number]) {
      const i = split.trials.findIndex((t) => t.number === n);
      assert.ok(Array.from(split.above).includes(i), `running trial ${n} is in the bad group`);
    }
    await study.tell(a, 1);
    await study.tell(b, null, { state: TrialState.FAIL });
  });

  it('constraints: stores the values and prefers feasible trials', async () => {
    const sampler = new TPESampler({ seed: 6, constraintsFunc: (t: FrozenTrial) => [1 - (t.params.x as number)] });
    const study = await createStudy({ sampler });
    await study.optimize((t) => (t.suggestFloat('x', -5, 5) as number) ** 2, { nTrials: 80, ...quiet });
    for (const t of study.trials) assert.deepEqual(t.systemAttrs[CONSTRAINTS_KEY], [1 - (t.params.x as number)]);
    const late = study.trials.slice(40);
    const feasible = late.filter((t) => (t.params.x as number) >= 1);
    // Random search puts 40% of the trials in the feasible region; Optuna 5.0's TPE with the same
    // constraint puts 22-25 of the last 40 there (seeds 0-5), so we ask for clearly more than random.
    assert.ok(feasible.length >= 21, `${feasible.length}/40 late trials feasible`);
    const bestFeasible = Math.min(...study.trials.filter((t) => (t.params.x as number) >= 1).map((t) => t.values![0]));
    assert.ok(bestFeasible < 1.1, `best feasible ${bestFeasible}`);
  });

  it('multi-objective (MOTPE split): finds a spread Pareto front on a 2-objective problem', async () => {
    const study = await createStudy({ directions: ['minimize', 'minimize'], sampler: new TPESampler({ seed: 7 }) });
    await study.optimize(
      (t) => {
        const x = t.suggestFloat('x', 0, 1);
        const y = t.suggestFloat('y', 0, 1);
        return [x, (1 + 9 * y) * (1 - Math.sqrt(x / (1 + 9 * y)))];
      },
      { nTrials: 60, ...quiet },
    );
    const front = study.bestTrials;
    assert.ok(front.length >= 5, `front size ${front.length}`);
    // Later trials concentrate on y near 0 (the Pareto set).
    const late = study.trials.slice(30).map((t) => t.params.y as number);
    assert.ok(late.filter((y) => y < 0.2).length >= 15, `late y: ${late.map((v) => v.toFixed(2))}`);
  });
});

describe('TPESampler with a changing space', () => {
  it('keeps learning when a range changes mid-study; refuses changed choices, as Optuna does', async () => {
    const study = await createStudy({ sampler: new TPESampler({ seed: 8 }) });
    let wide = false;
    const objective = (t: Trial) => {
      const x = t.suggestFloat('x', 0, wide ? 4 : 2);
      const c = t.suggestCategorical('c', ['a', 'b']);
      if (wide) assert.ok(x >= 0 && x <= 4);
      return (x - 1) ** 2 + (c === 'a' ? 0 : 1);
    };
    await study.optimize(objective, { nTrials: 30, ...quiet });
    wide = true;
    await study.optimize(objective, { nTrials: 30, ...quiet });
    assert.equal(study.trials.filter((t) => t.state === TrialState.COMPLETE).length, 60);
    // History from the narrow range still informs the model: 'a' dominates.
    assert.ok(study.trials.slice(30).filter((t) => t.params.c === 'a').length >= 18);
    // A categorical parameter keeps its choices across a study (Optuna: "does not support dynamic
    // value space"), on every storage: the trial fails at the suggest call.
    await assert.rejects(
      study.optimize((t) => (t.suggestCategorical('c', ['b', 'a', 'z']) === 'a' ? 0 : 1), { nTrials: 1, ...quiet }),
      /Parameter 'c' had the choices \["a","b"\] in trial 0 and now \["b","a","z"\]/,
    );
    assert.equal(study.trials[60].state, TrialState.FAIL);
  });
});

describe('TPESampler inputs', () => {
  it('bad options give clear errors', () => {
    const bad: Array<[() => unknown, RegExp]> = [
      [() => new TPESampler({ nStartupTrials: -1 }), /nStartupTrials must be an integer >= 0/],
      [() => new TPESampler({ nEiCandidates: 0 }), /nEiCandidates must be an integer >= 1/],
      [() => new TPESampler({ priorWeight: 0 }), /priorWeight must be a positive/],
      [() => new TPESampler({ group: true, multivariate: false }), /group: true needs multivariate/],
      [() => new TPESampler({ normalizeKernels: true } as unknown as TPESamplerOptions), /normalizeKernels no longer exists/],
      [() => new TPESampler({ gamma: 3 as unknown as (n: number) => number }), /gamma must be a function/],
      [() => new TPESampler({ seed: NaN }), /seed must be an integer from 0 to 4294967295/],
    ];
    for (const [make, re] of bad) assert.throws(make, (e: unknown) => e instanceof InvalidArgumentError && re.test((e as Error).message));
  });

  it('a weights function returning negative values fails the trial with the reason', async () => {
    const study = await createStudy({ sampler: new TPESampler({ seed: 0, nStartupTrials: 2, weights: (n) => new Array(n).fill(-1) }) });
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 4, ...quiet, catch: [Error] });
    const failed = study.trials.filter((t) => t.state === TrialState.FAIL);
    assert.ok(failed.length > 0);
    assert.match(String(failed[0].systemAttrs.fail_reason), /weights function must return finite non-negative values/);
  });

  it('a constraints function returning NaN fails the trial with the reason', async () => {
    const study = await createStudy({ sampler: new TPESampler({ seed: 0, constraintsFunc: () => [NaN] }) });
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 1, ...quiet, catch: [Error] });
    assert.equal(study.trials[0].state, TrialState.FAIL);
    assert.match(
      String(study.trials[0].systemAttrs.fail_reason),
      /TPESampler: constraint values cannot be NaN; constraintsFunc returned \[NaN\] for trial 0/,
    );
  });
});

describe('seeded reproducibility across processes', () => {
  it('Random, QMC and TPE give bit-identical parameter sequences in two separate processes', () => {
    const script = join(__dirname, 'fixtures', 'seededRun.ts');
    const run = (seed: number) => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', script, String(seed)], {
        encoding: 'utf8',
        cwd: join(__dirname, '..', '..'),
      });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const a = run(11);
    const b = run(11);
    assert.ok(a.length > 1000);
    assert.equal(a, b);
    const parsed = JSON.parse(a) as Record<string, Array<Record<string, unknown>>>;
    for (const name of ['random', 'qmc', 'tpe', 'tpeMultivariate']) assert.equal(parsed[name].length, 40);
    assert.notEqual(run(12), a);
  });
});
