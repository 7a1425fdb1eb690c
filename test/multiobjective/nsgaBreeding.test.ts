/**
 * NSGA-II's breeding against Optuna 5.0's own (`NSGAIIChildGenerationStrategy` with its default
 * uniform crossover): from one parent population, how often a child takes each parent's value of
 * each parameter, and how often a parameter is left to mutation, over thousands of children on each
 * side. That distribution is what the tournament (Optuna's: two parents drawn at random, the first
 * wins if it dominates), the crossover probability, the copy of a random parent without crossover,
 * the swap direction and the mutation rate make together; on a constrained population, constrained
 * domination decides the tournament. With Optuna 5.0's PolynomialMutation, the values it moves are
 * compared by a Kolmogorov-Smirnov test.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { createStudy, createTrial } from '../../src';
import { categoricalDistribution, floatDistribution, intDistribution, type Distribution } from '../../src/distributions';
import { NSGAIISampler } from '../../src/samplers/nsgaii';
import { breedChildren } from '../helpers/breeding';
import { ksTest } from '../helpers/ks';
import { PYTHON } from '../helpers/python';

interface Parent {
  x: number;
  n: number;
  c: string;
  values: [number, number];
  constraints?: number[];
}

/** Eight parents: distinct values per parameter, and objectives where domination and fronts disagree. */
const PARENTS: Parent[] = [
  { x: 0.05, n: 1, c: 'a', values: [0, 5] },
  { x: 0.15, n: 2, c: 'b', values: [1, 3] },
  { x: 0.25, n: 3, c: 'c', values: [2, 2] },
  { x: 0.35, n: 4, c: 'd', values: [5, 0] },
  { x: 0.45, n: 5, c: 'e', values: [2, 4] },
  { x: 0.55, n: 6, c: 'f', values: [3, 3] },
  { x: 0.65, n: 7, c: 'g', values: [6, 1] },
  { x: 0.75, n: 8, c: 'h', values: [6, 6] },
];
const CONSTRAINED: Parent[] = PARENTS.map((p, i) => ({ ...p, constraints: [i % 3 === 0 ? 0.5 * i + 0.25 : -1] }));
/** The same parents with x near the bounds, where the polynomial mutation's two sides differ most. */
const NEAR_BOUNDS: Parent[] = PARENTS.map((p, i) => ({ ...p, x: [0.01, 0.03, 0.06, 0.1, 0.9, 0.94, 0.97, 0.99][i] }));
const CHOICES = PARENTS.map((p) => p.c);
const DRAWS = 4000;
const SWAPPING = 0.2;

const OPTUNA_PY = `
import json, sys, optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.samplers._lazy_random_state import LazyRandomState
from optuna.samplers.nsgaii import UniformCrossover
from optuna.samplers.nsgaii._child_generation_strategy import NSGAIIChildGenerationStrategy
optuna.logging.set_verbosity(optuna.logging.ERROR)
from optuna.samplers.nsgaii import PolynomialMutation
parents, draws, swapping, polynomial = json.loads(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4] == 'polynomial'
space = {'x': FloatDistribution(0, 1), 'n': IntDistribution(1, 9), 'c': CategoricalDistribution([p['c'] for p in parents])}
study = optuna.create_study(directions=['minimize', 'minimize'])
for p in parents:
    attrs = {'constraints': p['constraints']} if 'constraints' in p else {}
    study.add_trial(optuna.trial.create_trial(params={'x': p['x'], 'n': p['n'], 'c': p['c']}, distributions=space, values=p['values'], system_attrs=attrs))
mutation = {'mutation': PolynomialMutation(), 'mutation_prob': 0.5} if polynomial else {}
strategy = NSGAIIChildGenerationStrategy(crossover=UniformCrossover(swapping), crossover_prob=0.9, swapping_prob=swapping, rng=LazyRandomState(0), **mutation)
population = study.get_trials()
print(json.dumps([strategy(study, space, population) for _ in range(draws)]))
`;

type Child = Partial<Record<'x' | 'n' | 'c', number | string>>;

/**
 * Per parameter, the share of children holding each parent's value (by parent index), then the
 * share left to be drawn afresh (absent), then the share moved by a polynomial mutation (a value no
 * parent has); and the moved values of x.
 */
function shares(children: Child[], parents: Parent[]): { shares: Record<string, number[]>; movedX: number[] } {
  const out: Record<string, number[]> = {};
  const movedX: number[] = [];
  for (const name of ['x', 'n', 'c'] as const) {
    const counts = new Array<number>(parents.length + 2).fill(0);
    for (const child of children) {
      let i = name in child ? parents.findIndex((p) => p[name] === child[name]) : parents.length;
      if (i < 0) {
        i = parents.length + 1;
        if (name === 'x') movedX.push(child.x as number);
      }
      counts[i]++;
    }
    out[name] = counts.map((c) => c / children.length);
  }
  return { shares: out, movedX };
}

async function tunelabChildren(parents: Parent[], polynomial = false): Promise<Child[]> {
  const space: Record<string, Distribution> = {
    x: floatDistribution(0, 1),
    n: intDistribution(1, 9),
    c: categoricalDistribution(CHOICES),
  };
  const mutation = polynomial ? { mutation: 'polynomial' as const, mutationProb: 0.5 } : {};
  const sampler = new NSGAIISampler({ seed: 7, populationSize: parents.length, swappingProb: SWAPPING, ...mutation });
  const study = await createStudy({ directions: ['minimize', 'minimize'], sampler });
  await study.addTrials(
    parents.map((p) =>
      createTrial({
        params: { x: p.x, n: p.n, c: p.c },
        distributions: space,
        values: p.values,
        systemAttrs: { 'NSGAIISampler:generation': 0, ...(p.constraints ? { constraints: p.constraints } : {}) },
      }),
    ),
  );
  return (await breedChildren(sampler, study, space, DRAWS)).map((internal) => {
    const child: Child = {};
    if ('x' in internal) child.x = internal.x;
    if ('n' in internal) child.n = internal.n;
    if ('c' in internal) child.c = CHOICES[internal.c];
    return child;
  });
}

function optunaChildren(parents: Parent[], polynomial = false): Child[] {
  return JSON.parse(
    execFileSync(PYTHON, ['-c', OPTUNA_PY, JSON.stringify(parents), String(DRAWS), String(SWAPPING), polynomial ? 'polynomial' : 'none'], {
      encoding: 'utf8',
      timeout: 180_000,
      maxBuffer: 64 * 1024 * 1024,
    }),
  ) as Child[];
}

/** Every share within four standard errors of the two samples' difference. */
function assertSameShares(ours: Record<string, number[]>, theirs: Record<string, number[]>, what: string): void {
  for (const name of Object.keys(theirs)) {
    theirs[name].forEach((q, i) => {
      const p = ours[name][i];
      const pooled = (p + q) / 2;
      const tolerance = 4 * Math.sqrt((pooled * (1 - pooled) * 2) / DRAWS) + 1e-9;
      const from = i < PARENTS.length ? `parent ${i}` : i === PARENTS.length ? 'a fresh draw' : 'a polynomial mutation';
      assert.ok(Math.abs(p - q) <= tolerance, `${what}: ${name} from ${from}: ${p} vs Optuna ${q}`);
    });
  }
}

describe("NSGA-II's breeding, against Optuna 5.0's", () => {
  for (const [what, parents] of [
    ['by Pareto domination', PARENTS],
    ['by constrained domination', CONSTRAINED],
  ] as const) {
    it(`takes each parent's values as often as Optuna's children do (tournament ${what})`, async () => {
      const ours = shares(await tunelabChildren(parents), parents).shares;
      const theirs = shares(optunaChildren(parents), parents).shares;
      assertSameShares(ours, theirs, what);
      // The population is one where the tournament matters: its winners are not drawn uniformly.
      const spread = Math.max(...theirs.x.slice(0, PARENTS.length)) - Math.min(...theirs.x.slice(0, PARENTS.length));
      assert.ok(spread > 0.05, `the parents' shares differ (${spread})`);
    });
  }

  it("mutates as Optuna 5.0's PolynomialMutation does: the same shares, and moved values from the same distribution", async () => {
    const ours = shares(await tunelabChildren(NEAR_BOUNDS, true), NEAR_BOUNDS);
    const theirs = shares(optunaChildren(NEAR_BOUNDS, true), NEAR_BOUNDS);
    assertSameShares(ours.shares, theirs.shares, 'polynomial mutation');
    assert.ok(theirs.shares.x[PARENTS.length + 1] > 0.3, 'about half the values of x are moved');
    assert.equal(theirs.shares.c[PARENTS.length + 1], 0, 'a categorical value is drawn afresh, never moved');
    const { d, p } = ksTest(ours.movedX, theirs.movedX);
    assert.ok(p > 0.001, `the moved values of x follow Optuna's distribution (KS D = ${d.toFixed(4)}, p = ${p.toFixed(4)})`);
  });
});
