import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createStudy, RandomSampler, Rng, TPESampler, TrialState, type Sampler, type Trial } from '../../src';
import { hypervolume, isFeasible } from '../../src/multiobjective';
import { NSGAIISampler, NSGA2_GENERATION_KEY } from '../../src/samplers/nsgaii';

const N_VARS = 8;
function zdt1(t: Trial): number[] {
  const x = Array.from({ length: N_VARS }, (_, i) => t.suggestFloat(`x${i}`, 0, 1));
  const g = 1 + (9 / (N_VARS - 1)) * x.slice(1).reduce((a, b) => a + b, 0);
  return [x[0], g * (1 - Math.sqrt(x[0] / g))];
}
const REF = [1.1, 6];

async function run(sampler: Sampler, nTrials: number) {
  const study = await createStudy({ directions: ['minimize', 'minimize'], sampler });
  await study.optimize(zdt1, { nTrials, showProgressBar: false });
  return study;
}

describe('NSGAIISampler', () => {
  it('improves hypervolume on ZDT1 generation after generation and beats random search', async () => {
    const study = await run(new NSGAIISampler({ seed: 1, populationSize: 20 }), 240);
    const gens = study.trials.map((t) => t.systemAttrs[NSGA2_GENERATION_KEY] as number);
    assert.equal(gens[0], 0);
    assert.equal(gens[239], 11, 'twelve generations of 20');
    const hvUpTo = (k: number) =>
      hypervolume(
        study.trials.slice(0, k).map((t) => t.values as number[]),
        REF,
      );
    const hv0 = hvUpTo(20);
    const hvEnd = hvUpTo(240);
    assert.ok(hvEnd > hv0 * 1.3, `hypervolume grew from ${hv0} to ${hvEnd}`);
    const rnd = await run(new RandomSampler({ seed: 1 }), 240);
    const hvRandom = hypervolume(
      rnd.trials.map((t) => t.values as number[]),
      REF,
    );
    assert.ok(hvEnd > hvRandom, `NSGA-II ${hvEnd} vs random ${hvRandom}`);
  });

  it('respects constraints: later generations are mostly feasible and bestTrials are all feasible', async () => {
    // Feasible only where f1 = x0 >= 0.4.
    const sampler = new NSGAIISampler({
      seed: 2,
      populationSize: 16,
      crossover: 'sbx',
      constraintsFunc: (t) => [0.4 - (t.params.x0 as number)],
    });
    const study = await run(sampler, 160);
    const firstGen = study.trials.slice(0, 16).filter(isFeasible).length / 16;
    const lastGens = study.trials.slice(112).filter(isFeasible).length / 48;
    assert.ok(lastGens > 0.8 && lastGens > firstGen, `feasible share ${firstGen} -> ${lastGens}`);
    const front = study.bestTrials;
    assert.ok(front.length > 0);
    for (const t of front) assert.ok((t.params.x0 as number) >= 0.4, `front member x0=${t.params.x0} is infeasible`);
  });

  it('honours constraints set with trial.setConstraint (Optuna 5.0), without a constraintsFunc', async () => {
    const study = await createStudy({ directions: ['minimize', 'minimize'], sampler: new NSGAIISampler({ seed: 2, populationSize: 16 }) });
    await study.optimize(
      (t) => {
        const values = zdt1(t);
        t.setConstraint('x0_at_least_0.4', 0.4 - (t.params.x0 as number));
        return values;
      },
      { nTrials: 160, showProgressBar: false },
    );
    const firstGen = study.trials.slice(0, 16).filter(isFeasible).length / 16;
    const lastGens = study.trials.slice(112).filter(isFeasible).length / 48;
    assert.ok(lastGens > 0.8 && lastGens > firstGen, `feasible share ${firstGen} -> ${lastGens}`);
  });

  it('is reproducible with a seed; multi-objective studies default to TPE, as in Optuna 5.0', async () => {
    const a = await run(new NSGAIISampler({ seed: 7, populationSize: 10 }), 35);
    const b = await run(new NSGAIISampler({ seed: 7, populationSize: 10 }), 35);
    assert.deepEqual(
      a.trials.map((t) => t.params),
      b.trials.map((t) => t.params),
    );
    // Optuna 5.0's create_study(directions=[...]) picks TPESampler (Optuna 4 picked NSGAIISampler).
    const study = await createStudy({ directions: ['minimize', 'maximize'] });
    assert.ok(study.sampler instanceof TPESampler, `default multi-objective sampler: ${study.sampler.constructor.name}`);
    const single = await createStudy();
    assert.ok(single.sampler instanceof TPESampler);
  });

  it('assigns each trial the generation a pass over every trial gives, with trials finishing out of order', async () => {
    // The rule: the latest generation of any trial, or the next one once that generation has
    // populationSize COMPLETE trials. Five trials open, a random one told (some FAIL).
    const study = await createStudy({ directions: ['minimize', 'minimize'], sampler: new NSGAIISampler({ seed: 3, populationSize: 8 }) });
    const rng = new Rng(4);
    const open: Trial[] = [];
    const wanted: number[] = [];
    for (let i = 0; i < 300; i++) {
      let latest = 0;
      const complete = new Map<number, number>();
      for (const t of study.trials) {
        const g = t.systemAttrs[NSGA2_GENERATION_KEY];
        if (typeof g !== 'number') continue;
        latest = Math.max(latest, g);
        if (t.state === TrialState.COMPLETE) complete.set(g, (complete.get(g) ?? 0) + 1);
      }
      const want = (complete.get(latest) ?? 0) >= 8 ? latest + 1 : latest;
      const trial = await study.ask();
      wanted.push(want);
      open.push(trial);
      if (open.length === 5) {
        const t = open.splice(rng.int(0, 4), 1)[0];
        if (rng.random() < 0.1) await study.tell(t, null, { state: TrialState.FAIL });
        else await study.tell(t, zdt1(t));
      }
    }
    for (const t of open) await study.tell(t, zdt1(t));
    // (A trial's generation is stored with it; the study shows it once the trial is told.)
    assert.deepEqual(
      study.trials.map((t) => t.systemAttrs[NSGA2_GENERATION_KEY]),
      wanted,
    );
    assert.ok(wanted[299] >= 20, `${wanted[299]} generations`);
  });

  it('rejects invalid options with a clear message', () => {
    assert.throws(() => new NSGAIISampler({ populationSize: 1 }), /populationSize must be an integer >= 2/);
    assert.throws(() => new NSGAIISampler({ crossoverProb: 2 }), /crossoverProb must be in \[0, 1\]/);
    assert.throws(() => new NSGAIISampler({ crossover: 'blx' as 'sbx' }), /crossover must be one of 'uniform', 'blxAlpha', 'sbx'/);
    assert.throws(
      () => new NSGAIISampler({ mutation: 'gaussian' as 'polynomial' }),
      /mutation must be 'uniform', 'polynomial' or an object/,
    );
    assert.throws(() => new NSGAIISampler({ mutation: 'polynomial', mutationEta: -1 }), /mutationEta must be a number >= 0/);
  });
});
