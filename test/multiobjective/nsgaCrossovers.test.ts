/**
 * NSGA-II's crossovers against Optuna 5.0's (`UniformCrossover`, `BLXAlphaCrossover`,
 * `SBXCrossover`, `VSBXCrossover`, `SPXCrossover`, `UNDXCrossover`): from one parent population,
 * thousands of children on each side with crossover always on and mutation off, so what is compared
 * is the crossover with everything around it (the tournament for two or three parents, Optuna's
 * transformed space: a log parameter's logarithm, an integer's range widened by half a step; the
 * way a child is mapped back and drawn again when a linear float falls below its range; the uniform
 * crossover of a categorical between the first and last parent). The parents sit near the bounds so
 * that children leave the range on both sides. Compared: each numeric parameter's values and one
 * joint projection of them by Kolmogorov-Smirnov tests, the integer's and the categorical's shares
 * of each value within four standard errors.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { createStudy, createTrial, TrialState } from '../../src';
import { categoricalDistribution, floatDistribution, intDistribution, type Distribution } from '../../src/distributions';
import {
  BLXAlphaCrossover,
  NSGAIISampler,
  PolynomialMutation,
  SBXCrossover,
  SPXCrossover,
  UNDXCrossover,
  UniformCrossover,
  VSBXCrossover,
  type Crossover,
  type Mutation,
} from '../../src/samplers/nsgaii';
import { breedChildren } from '../helpers/breeding';
import { ksTest } from '../helpers/ks';
import { PYTHON } from '../helpers/python';

interface Parent {
  x: number;
  l: number;
  n: number;
  c: string;
  values: number[];
}

/** Eight parents near the bounds of x (linear, 0 to 1) and n (1 to 9), spread over l (log, 0.001 to 10). */
const PARENTS: Parent[] = [
  { x: 0.01, l: 0.002, n: 1, c: 'a', values: [0, 5] },
  { x: 0.04, l: 0.03, n: 2, c: 'b', values: [1, 3] },
  { x: 0.08, l: 0.5, n: 1, c: 'c', values: [2, 2] },
  { x: 0.2, l: 4, n: 3, c: 'd', values: [5, 0] },
  { x: 0.85, l: 0.01, n: 8, c: 'e', values: [2, 4] },
  { x: 0.93, l: 1.5, n: 9, c: 'f', values: [3, 3] },
  { x: 0.97, l: 0.2, n: 7, c: 'g', values: [6, 1] },
  { x: 0.995, l: 8, n: 9, c: 'h', values: [6, 6] },
];
const CHOICES = PARENTS.map((p) => p.c);
const DRAWS = 4000;
const SWAPPING = 0.3;

/** Each case: tunelab's crossover and the Python expression of Optuna's; `single` runs a one-objective study (SBX's default eta differs). */
const CASES: { name: string; ours: () => Crossover; theirs: string; single?: boolean }[] = [
  { name: 'UniformCrossover', ours: () => new UniformCrossover({ swappingProb: SWAPPING }), theirs: `UniformCrossover(${SWAPPING})` },
  { name: 'BLXAlphaCrossover', ours: () => new BLXAlphaCrossover(), theirs: 'BLXAlphaCrossover()' },
  { name: 'BLXAlphaCrossover (alpha 0.2)', ours: () => new BLXAlphaCrossover({ alpha: 0.2 }), theirs: 'BLXAlphaCrossover(alpha=0.2)' },
  { name: 'SBXCrossover', ours: () => new SBXCrossover(), theirs: 'SBXCrossover()' },
  { name: 'SBXCrossover, one objective', ours: () => new SBXCrossover(), theirs: 'SBXCrossover()', single: true },
  {
    name: 'SBXCrossover (eta 5, uniformCrossoverProb 0.2, useChildGeneProb 0.8)',
    ours: () => new SBXCrossover({ eta: 5, uniformCrossoverProb: 0.2, useChildGeneProb: 0.8 }),
    theirs: 'SBXCrossover(eta=5, uniform_crossover_prob=0.2, use_child_gene_prob=0.8)',
  },
  { name: 'VSBXCrossover', ours: () => new VSBXCrossover(), theirs: 'VSBXCrossover()' },
  { name: 'VSBXCrossover, one objective', ours: () => new VSBXCrossover(), theirs: 'VSBXCrossover()', single: true },
  { name: 'SPXCrossover', ours: () => new SPXCrossover(), theirs: 'SPXCrossover()' },
  { name: 'UNDXCrossover', ours: () => new UNDXCrossover(), theirs: 'UNDXCrossover()' },
  {
    name: 'UNDXCrossover (sigmaXi 0.8, sigmaEta 0.5)',
    ours: () => new UNDXCrossover({ sigmaXi: 0.8, sigmaEta: 0.5 }),
    theirs: 'UNDXCrossover(sigma_xi=0.8, sigma_eta=0.5)',
  },
];

const OPTUNA_PY = `
import json, sys, warnings, optuna
warnings.simplefilter('ignore')  # Optuna marks these crossovers experimental
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.samplers._lazy_random_state import LazyRandomState
from optuna.samplers.nsgaii import BLXAlphaCrossover, SBXCrossover, SPXCrossover, UNDXCrossover, UniformCrossover, VSBXCrossover
from optuna.samplers.nsgaii._child_generation_strategy import NSGAIIChildGenerationStrategy
optuna.logging.set_verbosity(optuna.logging.ERROR)
parents, draws, swapping, cases = json.loads(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), json.loads(sys.argv[4])
space = {'x': FloatDistribution(0, 1), 'l': FloatDistribution(0.001, 10, log=True), 'n': IntDistribution(1, 9), 'c': CategoricalDistribution([p['c'] for p in parents])}
out = []
for case in cases:
    objectives = 1 if case['single'] else 2
    study = optuna.create_study(directions=['minimize'] * objectives)
    for p in parents:
        study.add_trial(optuna.trial.create_trial(params={k: p[k] for k in space}, distributions=space, values=p['values'][:objectives]))
    strategy = NSGAIIChildGenerationStrategy(crossover=eval(case['crossover']), crossover_prob=1.0, mutation_prob=0.0, swapping_prob=swapping, rng=LazyRandomState(0))
    population = study.get_trials()
    out.append([strategy(study, space, population) for _ in range(draws)])
print(json.dumps(out))
`;

type Child = { x: number; l: number; n: number; c: string };

async function tunelabChildren(crossover: Crossover, single: boolean): Promise<Child[]> {
  const space: Record<string, Distribution> = {
    x: floatDistribution(0, 1),
    l: floatDistribution(0.001, 10, { log: true }),
    n: intDistribution(1, 9),
    c: categoricalDistribution(CHOICES),
  };
  const objectives = single ? 1 : 2;
  const sampler = new NSGAIISampler({
    seed: 7,
    populationSize: PARENTS.length,
    crossover,
    crossoverProb: 1,
    mutationProb: 0,
    swappingProb: SWAPPING,
  });
  const study = await createStudy({ directions: single ? ['minimize'] : ['minimize', 'minimize'], sampler });
  await study.addTrials(
    PARENTS.map((p) =>
      createTrial({
        params: { x: p.x, l: p.l, n: p.n, c: p.c },
        distributions: space,
        values: p.values.slice(0, objectives),
        systemAttrs: { 'NSGAIISampler:generation': 0 },
      }),
    ),
  );
  return (await breedChildren(sampler, study, space, DRAWS)).map((internal) => {
    assert.deepEqual(Object.keys(internal).sort(), ['c', 'l', 'n', 'x'], 'every parameter is bred (mutation is off)');
    return { x: internal.x, l: internal.l, n: internal.n, c: CHOICES[internal.c] };
  });
}

function optunaChildren(): Child[][] {
  const cases = CASES.map((c) => ({ crossover: c.theirs, single: c.single === true }));
  return JSON.parse(
    execFileSync(PYTHON, ['-c', OPTUNA_PY, JSON.stringify(PARENTS), String(DRAWS), String(SWAPPING), JSON.stringify(cases)], {
      encoding: 'utf8',
      timeout: 300_000,
      maxBuffer: 256 * 1024 * 1024,
    }),
  ) as Child[][];
}

/** Within four standard errors, the share of children of each value of `key` (over the values either side holds). */
function assertSameShares(label: string, key: (child: Child) => number | string, ours: Child[], theirs: Child[], what: string): void {
  const values = [...new Set([...ours, ...theirs].map(key))].sort();
  const share = (children: Child[], v: number | string): number => children.filter((child) => key(child) === v).length / children.length;
  for (const v of values) {
    const [p, q] = [share(ours, v), share(theirs, v)];
    const pooled = (p + q) / 2;
    const tolerance = 4 * Math.sqrt((pooled * (1 - pooled) * 2) / DRAWS) + 1e-9;
    assert.ok(Math.abs(p - q) <= tolerance, `${what}: share of ${label} = ${v}: ${p} vs Optuna ${q}`);
  }
}

/** A value rounded to 12 significant digits: Optuna clamps a linear float to one ulp below its high, tunelab to its high. */
const rounded = (v: number): number => Number(v.toPrecision(12));

function assertSameValues(name: string, ours: number[], theirs: number[], what: string): void {
  const { d, p } = ksTest(ours.map(rounded), theirs.map(rounded));
  assert.ok(p > 0.001, `${what}: ${name} follows Optuna's distribution (KS D = ${d.toFixed(4)}, p = ${p.toFixed(5)})`);
}

describe("NSGA-II's crossovers, against Optuna 5.0's", () => {
  let optuna: Child[][] | undefined;
  const theirs = (i: number): Child[] => (optuna ??= optunaChildren())[i];

  CASES.forEach((c, i) => {
    it(`breeds as Optuna's ${c.name}`, async () => {
      const ours = await tunelabChildren(c.ours(), c.single === true);
      const them = theirs(i);
      assertSameValues(
        'x',
        ours.map((child) => child.x),
        them.map((child) => child.x),
        c.name,
      );
      assertSameValues(
        'log l',
        ours.map((child) => Math.log(child.l)),
        them.map((child) => Math.log(child.l)),
        c.name,
      );
      // A joint projection: the multi-parent crossovers (SPX, UNDX) correlate the parameters.
      const joint = (child: Child): number => child.x + 0.2 * Math.log(child.l) + 0.05 * child.n;
      assertSameValues('x + 0.2 log l + 0.05 n', ours.map(joint), them.map(joint), c.name);
      assertSameShares('n', (child) => child.n, ours, them, c.name);
      assertSameShares('c', (child) => child.c, ours, them, c.name);
      // Which parents the categorical comes from, beside the numeric values (the first and last of
      // SPX's and UNDX's three parents, whose roles in the numeric child differ).
      assertSameShares('(c, x > 0.5)', (child) => `${child.c} ${child.x > 0.5}`, ours, them, c.name);
      for (const child of ours) {
        assert.ok(
          child.x >= 0 && child.x <= 1 && child.l >= 0.001 && child.l <= 10 && Number.isInteger(child.n) && child.n >= 1 && child.n <= 9,
        );
      }
    });
  });

  it('the comparison sees the bounds: children leave the range of x on both sides under BLX-alpha', () => {
    const them = theirs(CASES.findIndex((c) => c.name === 'BLXAlphaCrossover'));
    // Optuna clamps x above 1 to just below 1 and draws again below 0; a share of children sits at the top.
    const atTop = them.filter((child) => child.x > 1 - 1e-9).length / them.length;
    assert.ok(atTop > 0.01, `${atTop} of Optuna's children clamped at x's high`);
  });
});

describe('NSGA-II crossover and mutation options', () => {
  it('takes a crossover by name, refuses an unknown one, and a population smaller than its parents', () => {
    for (const name of ['uniform', 'blxAlpha', 'sbx', 'vsbx', 'spx', 'undx'] as const) assert.ok(new NSGAIISampler({ crossover: name }));
    assert.throws(() => new NSGAIISampler({ crossover: 'blx' as 'blxAlpha' }), /crossover must be one of 'uniform', 'blxAlpha'/);
    assert.throws(
      () => new NSGAIISampler({ crossover: 'spx', populationSize: 2 }),
      /populationSize 2 is too small for SPXCrossover, which takes 3 parents/,
    );
    assert.throws(() => new BLXAlphaCrossover({ alpha: -1 }), /BLXAlphaCrossover: alpha must be a finite number >= 0, got -1/);
    assert.throws(() => new SBXCrossover({ useChildGeneProb: 0 }), /useChildGeneProb must be in \(0, 1\]/);
    assert.throws(() => new UNDXCrossover({ sigma_xi: 1 } as never), /UNDXCrossover.*sigma_xi/);
  });

  it("runs a user's own crossover, and says so when it returns the wrong number of values", async () => {
    const midpoint: Crossover = {
      name: 'Midpoint',
      nParents: 2,
      crossover: ([a, b]) => a.map((v, d) => (v + b[d]) / 2),
    };
    const run = async (crossover: Crossover): Promise<number[]> => {
      const sampler = new NSGAIISampler({ seed: 1, populationSize: 4, crossover, crossoverProb: 1, mutationProb: 0 });
      const study = await createStudy({ directions: ['minimize', 'minimize'], sampler });
      await study.optimize(
        (t) => {
          const x = t.suggestFloat('x', 0, 1);
          return [x, 1 - x];
        },
        { nTrials: 12, showProgressBar: false },
      );
      return study.trials.map((t) => t.params.x as number);
    };
    const xs = await run(midpoint);
    // Generation 1 and 2's children are midpoints of parents, so each lies within the parents' range.
    const first = xs.slice(0, 4);
    for (const x of xs.slice(4, 8)) assert.ok(x >= Math.min(...first) && x <= Math.max(...first), `${x} within generation 0's range`);
    const broken: Crossover = { name: 'Broken', nParents: 2, crossover: () => new Float64Array(0) };
    const sampler = new NSGAIISampler({ seed: 1, populationSize: 4, crossover: broken, crossoverProb: 1 });
    const study = await createStudy({ directions: ['minimize', 'minimize'], sampler });
    await assert.rejects(
      study.optimize((t) => [t.suggestFloat('x', 0, 1), t.suggestFloat('y', 0, 1)], { nTrials: 8, showProgressBar: false }),
      /Broken\.crossover returned 0 values; it must return one value per numeric parameter \(2\)/,
    );
    assert.equal(study.trials.filter((t) => t.state === TrialState.COMPLETE).length, 4, "the first generation's trials are kept");

    // A crossover whose children never fit the space is drawn again 100 times, then the child copies a parent (Optuna's loop would not end).
    let calls = 0;
    const hopeless: Crossover = { name: 'Hopeless', nParents: 2, crossover: ([a]) => (calls++, a.map(() => -1)) };
    const copies = await run(hopeless);
    assert.equal(calls, 100 * 8, 'each of the 8 children was drawn 100 times');
    for (const x of copies.slice(4)) assert.ok(copies.slice(0, 8).includes(x), `${x} is a parent's x`);
  });

  /** The x values of a two-objective study's 24 trials (three generations of 8) under `sampler`. */
  async function xs(sampler: NSGAIISampler): Promise<number[]> {
    const study = await createStudy({ directions: ['minimize', 'minimize'], sampler });
    await study.optimize(
      (t) => {
        const x = t.suggestFloat('x', 0, 1);
        const y = t.suggestFloat('y', 1, 100, { log: true });
        return [x + Math.log(y), 1 - x];
      },
      { nTrials: 24, showProgressBar: false },
    );
    return study.trials.map((t) => t.params.x as number);
  }

  it("takes a mutation object: PolynomialMutation({ eta }) breeds as mutation: 'polynomial' with mutationEta, draw for draw", async () => {
    const byName = await xs(new NSGAIISampler({ seed: 3, populationSize: 8, mutation: 'polynomial', mutationEta: 5, mutationProb: 0.5 }));
    const byObject = await xs(
      new NSGAIISampler({ seed: 3, populationSize: 8, mutation: new PolynomialMutation({ eta: 5 }), mutationProb: 0.5 }),
    );
    assert.deepEqual(byObject, byName);
    const otherEta = await xs(
      new NSGAIISampler({ seed: 3, populationSize: 8, mutation: new PolynomialMutation({ eta: 50 }), mutationProb: 0.5 }),
    );
    assert.notDeepEqual(otherEta.slice(8), byName.slice(8), 'eta changes the children');
  });

  it("runs a user's own mutation in the transformed space, clipped to the bounds, and refuses what cannot work", async () => {
    const seen: { value: number; bounds: readonly [number, number] }[] = [];
    const upByTenth: Mutation = {
      name: 'UpByTenth',
      mutation: (value, { bounds }) => {
        seen.push({ value, bounds });
        return value + 0.1;
      },
    };
    const children = await xs(new NSGAIISampler({ seed: 4, populationSize: 8, crossoverProb: 0, mutation: upByTenth, mutationProb: 1 }));
    const parents = children.slice(0, 8);
    // Without crossover a child copies a parent, then every value moves up by a tenth (x is linear), or to 1.
    for (const x of children.slice(8, 16))
      assert.ok(
        parents.some((p) => Math.abs(Math.min(1, p + 0.1) - x) < 1e-12),
        `${x} is a parent's x moved up`,
      );
    // y is on a log scale: the mutation sees its logarithm and the log bounds.
    assert.ok(
      seen.some((s) => s.bounds[0] === Math.log(1) && s.bounds[1] === Math.log(100)),
      "y's bounds are given on the log scale",
    );
    assert.ok(
      seen.some((s) => s.bounds[0] === 0 && s.bounds[1] === 1),
      "x's bounds are its own",
    );

    assert.throws(() => new NSGAIISampler({ mutationEta: 5 }), /mutationEta applies to mutation: 'polynomial' only/);
    assert.throws(
      () => new NSGAIISampler({ mutation: new PolynomialMutation(), mutationEta: 5 }),
      /give a mutation object its own options/,
    );
    assert.throws(
      () => new NSGAIISampler({ mutation: 'gauss' as 'polynomial' }),
      /mutation must be 'uniform', 'polynomial' or an object with mutation\(value, context\)/,
    );
    assert.throws(() => new PolynomialMutation({ eta: -1 }), /PolynomialMutation: eta must be a finite number >= 0, got -1/);
    const broken: Mutation = { name: 'Broken', mutation: () => NaN };
    await assert.rejects(
      xs(new NSGAIISampler({ seed: 4, populationSize: 8, mutation: broken, mutationProb: 1 })),
      /Broken\.mutation returned NaN for (x|y); it must return a number/,
    );
  });
});
