/**
 * NSGA-II's strategy hooks, Optuna 5.0's `elite_population_selection_strategy`,
 * `child_generation_strategy` and `after_trial_strategy`, against Optuna's. With the first
 * generation enqueued and strategies that draw nothing at random, a whole study is determined by
 * when and with what each hook is called, so both libraries run the same study and must agree on
 * every trial's parameters and generation, every population the elite strategy was given (its
 * trials, in order), every parent list recorded in the study, and every call of the after-trial
 * strategy. Then the checks Optuna does not make: a child or an elite that cannot be used is an
 * error that names what was wrong, and options the strategies replace are refused.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { createStudy, TrialState, type FrozenTrial, type StudyView, type Trial } from '../../src';
import {
  NSGAIIISampler,
  NSGAIISampler,
  type ChildGenerationStrategy,
  type ElitePopulationSelectionStrategy,
} from '../../src/samplers/nsgaii';
import { PYTHON } from '../helpers/python';

const SIZE = 4;
const TRIALS = 22;
const CHOICES = ['a', 'b', 'c'];
const FIRST_GENERATION = [
  { x: 0.1, y: 0.9, c: 'a' },
  { x: 0.7, y: 0.2, c: 'b' },
  { x: 0.4, y: 0.4, c: 'c' },
  { x: 0.95, y: 0.05, c: 'a' },
];

interface Record_ {
  trials: { number: number; params: Record<string, number | string>; generation: number; state: string }[];
  pools: number[][];
  parents: Record<string, number[]>;
  afterTrial: [number, string, number[] | null][];
}

/**
 * The Python side: the same objective and strategies, written out as the TypeScript ones below
 * (the same arithmetic in the same order, so the same doubles). The objective fails at trial 9 to
 * show the after-trial strategy its FAIL. It suggests one more parameter, 'd', that the child leaves
 * out (so it is drawn at random, and left out of the comparison): an enqueued trial that suggests no
 * other parameter never asks Optuna's sampler for anything and so joins no generation there, where
 * tunelab puts every trial in one.
 */
const OPTUNA_PY = `
import json, warnings, optuna
warnings.filterwarnings('ignore')
optuna.logging.set_verbosity(optuna.logging.ERROR)
SIZE, TRIALS, CHOICES = ${SIZE}, ${TRIALS}, ${JSON.stringify(CHOICES)}
pools, after = [], []
def elite(study, population):
    pools.append([t.number for t in population])
    ranked = sorted(population, key=lambda t: (t.values[0] + t.values[1], t.number))
    return ranked[:SIZE]
def child(study, space, parents):
    parents = sorted(parents, key=lambda t: t.number)
    k = len(study.trials)
    mean = sum(t.params['x'] for t in parents) / len(parents)
    return {'x': (mean + 0.137 * k) % 1, 'y': parents[k % len(parents)].params['y'],
            'c': parents[(k + 1) % len(parents)].params['c']}
def after_trial(study, trial, state, values):
    after.append([trial.number, state.name, None if values is None else list(values)])
sampler = optuna.samplers.NSGAIISampler(population_size=SIZE, seed=0, elite_population_selection_strategy=elite,
                                        child_generation_strategy=child, after_trial_strategy=after_trial)
study = optuna.create_study(directions=['minimize', 'minimize'], sampler=sampler)
for params in ${JSON.stringify(FIRST_GENERATION)}:
    study.enqueue_trial(params)
def objective(t):
    x, y, c = t.suggest_float('x', 0, 1), t.suggest_float('y', 0, 1), t.suggest_categorical('c', CHOICES)
    t.suggest_float('d', 0, 1)
    if t.number == 9:
        raise ValueError('planted failure')
    return x + 0.1 * CHOICES.index(c), (1 - x) ** 2 + y
study.optimize(objective, n_trials=TRIALS, catch=(ValueError,))
ids = {t._trial_id: t.number for t in study.trials}
attrs = study._storage.get_study_system_attrs(study._study_id)
print(json.dumps({
    'trials': [{'number': t.number, 'params': {k: v for k, v in t.params.items() if k != 'd'}, 'generation': t.system_attrs['NSGAIISampler:generation'],
                'state': t.state.name} for t in study.trials],
    'pools': pools,
    'parents': {k.split(':')[-1]: [ids[i] for i in v] for k, v in attrs.items() if k.startswith('NSGAIISampler:parent:')},
    'afterTrial': after,
}))
`;

async function tunelabRun(): Promise<Record_> {
  const pools: number[][] = [];
  const afterTrial: Record_['afterTrial'] = [];
  const elite: ElitePopulationSelectionStrategy = (_study, population) => {
    pools.push(population.map((t) => t.number));
    const ranked = [...population].sort((p, q) => p.values![0] + p.values![1] - (q.values![0] + q.values![1]) || p.number - q.number);
    return ranked.slice(0, SIZE);
  };
  const child: ChildGenerationStrategy = (study, _space, parentPopulation) => {
    const parents = [...parentPopulation].sort((p, q) => p.number - q.number);
    const k = study.trials.length;
    let sum = 0;
    for (const t of parents) sum += t.params.x as number;
    const mean = sum / parents.length;
    return { x: (mean + 0.137 * k) % 1, y: parents[k % parents.length].params.y, c: parents[(k + 1) % parents.length].params.c };
  };
  const sampler = new NSGAIISampler({
    populationSize: SIZE,
    seed: 0,
    elitePopulationSelectionStrategy: elite,
    childGenerationStrategy: child,
    afterTrialStrategy: (_study, trial, state, values) => {
      afterTrial.push([trial.number, TrialState[state], values === null ? null : [...values]]);
    },
  });
  const study = await createStudy({ directions: ['minimize', 'minimize'], sampler });
  for (const params of FIRST_GENERATION) await study.enqueueTrial(params);
  await study.optimize(
    (t: Trial) => {
      const x = t.suggestFloat('x', 0, 1);
      const y = t.suggestFloat('y', 0, 1);
      const c = t.suggestCategorical('c', CHOICES);
      t.suggestFloat('d', 0, 1);
      if (t.number === 9) throw new Error('planted failure');
      return [x + 0.1 * CHOICES.indexOf(c), (1 - x) ** 2 + y];
    },
    { nTrials: TRIALS, catch: [Error] },
  );
  const number = new Map(study.trials.map((t) => [t.trialId, t.number]));
  const attrs = await study.getSystemAttrs();
  const parents: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('NSGAIISampler:parent:')) parents[k.split(':').at(-1)!] = (v as number[]).map((id) => number.get(id)!);
  }
  return {
    trials: study.trials.map((t) => ({
      number: t.number,
      params: Object.fromEntries(Object.entries(t.params).filter(([k]) => k !== 'd')) as Record<string, number | string>,
      generation: t.systemAttrs['NSGAIISampler:generation'] as number,
      state: TrialState[t.state],
    })),
    pools,
    parents,
    afterTrial,
  };
}

describe("NSGA-II's strategy hooks against Optuna 5.0's", () => {
  it('runs the same study as Optuna given the same elite, child and after-trial strategies', async () => {
    const theirs = JSON.parse(execFileSync(PYTHON, ['-c', OPTUNA_PY], { encoding: 'utf8' })) as Record_;
    const ours = await tunelabRun();
    // The study is not trivial: several generations bred, a failure among them.
    assert.ok(Math.max(...theirs.trials.map((t) => t.generation)) >= 3, 'the run reaches generation 3');
    assert.equal(theirs.trials[9].state, 'FAIL');
    assert.ok(theirs.pools.length >= 3 && Object.keys(theirs.parents).length >= 3, 'parents chosen for three generations or more');
    assert.ok(theirs.afterTrial.some(([n, state, values]) => n === 9 && state === 'FAIL' && values === null));
    assert.deepEqual(ours.trials, theirs.trials);
    assert.deepEqual(ours.pools, theirs.pools);
    assert.deepEqual(ours.parents, theirs.parents);
    assert.deepEqual(ours.afterTrial, theirs.afterTrial);
  });
});

describe('NSGA-II strategies: what cannot be used is refused', () => {
  const objective = (t: Trial): number[] => {
    const x = t.suggestFloat('x', 0, 1);
    const n = t.suggestInt('n', 1, 5);
    return [x, n - x];
  };
  async function run(opts: ConstructorParameters<typeof NSGAIISampler>[0]): Promise<StudyView> {
    const study = await createStudy({
      directions: ['minimize', 'minimize'],
      sampler: new NSGAIISampler({ populationSize: 2, seed: 3, ...opts }),
    });
    await study.optimize(objective, { nTrials: 6 });
    return study;
  }

  it("maps a child's external values and draws what it leaves out", async () => {
    const study = await run({ childGenerationStrategy: () => ({ n: 4 }) });
    const bred = study.trials.filter((t) => (t.systemAttrs['NSGAIISampler:generation'] as number) > 0);
    assert.ok(bred.length >= 2);
    assert.ok(bred.every((t) => t.params.n === 4));
    assert.ok(new Set(bred.map((t) => t.params.x)).size === bred.length, 'x is drawn afresh for each child');
  });

  for (const [what, child, message] of [
    ['a name outside the space', { x: 0.5, z: 1 }, /'z', which is not in the search space it was given \(n, x\)/],
    ['a value off the distribution', { x: 1.5 }, /1\.5 for 'x', which its distribution does not hold \(float \[0, 1\]\)/],
    ['a fraction for an integer', { n: 2.5 }, /2\.5 for 'n'.*int \[1, 5\]/],
    ['no object', 0.5, /childGenerationStrategy returned 0\.5; it must return the child's parameter values by name/],
  ] as const) {
    it(`refuses a child with ${what}`, async () => {
      await assert.rejects(run({ childGenerationStrategy: () => child as never }), message);
    });
  }

  it('refuses an elite that is not COMPLETE trials of the study', async () => {
    await assert.rejects(
      run({ elitePopulationSelectionStrategy: (_s, population) => [population[0], { number: 99 } as unknown as FrozenTrial] }),
      /at index 1, something that is not a trial of this study; parents must be COMPLETE trials/,
    );
    await assert.rejects(
      run({ elitePopulationSelectionStrategy: (async () => []) as unknown as ElitePopulationSelectionStrategy }),
      /elitePopulationSelectionStrategy returned a promise/,
    );
  });

  it('an elite strategy that returns no parents leaves the children at random', async () => {
    const study = await run({ elitePopulationSelectionStrategy: () => [] });
    assert.equal(study.trials.filter((t) => t.state === TrialState.COMPLETE).length, 6);
  });

  it('records what an after-trial strategy returns, as data', async () => {
    const study = await run({
      afterTrialStrategy: (_s, trial, state) => (state === TrialState.COMPLETE ? { trialSystemAttrs: { seen: trial.number } } : undefined),
    });
    assert.deepEqual(
      study.trials.map((t) => t.systemAttrs.seen),
      study.trials.map((t) => t.number),
    );
  });

  it('refuses options a strategy replaces, naming each, and a strategy that is not a function', () => {
    assert.throws(
      () => new NSGAIISampler({ childGenerationStrategy: () => ({}), crossover: 'sbx', mutationProb: 0.2 }),
      /NSGAIISampler: mutationProb \(replaced by childGenerationStrategy\), crossover \(replaced by childGenerationStrategy\) would have no effect/,
    );
    assert.throws(
      () => new NSGAIIISampler({ afterTrialStrategy: () => undefined, constraintsFunc: () => [0] }),
      /NSGAIIISampler: constraintsFunc \(replaced by afterTrialStrategy\) would have no effect; .*trial\.setConstraint/,
    );
    assert.throws(
      () => new NSGAIISampler({ elitePopulationSelectionStrategy: 'crowding' as never }),
      /NSGAIISampler: elitePopulationSelectionStrategy must be a function, got string/,
    );
  });
});
