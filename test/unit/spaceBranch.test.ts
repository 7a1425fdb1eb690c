// Conditional parameters in the typed space: branch() sampled define-by-run (only the chosen
// alternative's parameters are suggested, under path names), with every sampler, grids, enqueueing,
// and a round trip through SQLite that Optuna 5 reads as the same conditional trials.
// (The inferred TypeScript types are checked at compile time in test/types/spaceBranch.fixture.ts.)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  BruteForceSampler,
  CmaEsSampler,
  GPSampler,
  GridSampler,
  InvalidArgumentError,
  InvalidDistributionError,
  NSGAIISampler,
  QMCSampler,
  RandomSampler,
  TPESampler,
  TrialState,
  branch,
  categorical,
  createStudy,
  float,
  int,
  loadStudy,
  space,
  type FrozenTrial,
  type Sampler,
} from '../../src';
import { PYTHON } from '../helpers/python';

const dir = mkdtempSync(join(tmpdir(), 'tunelab-branch-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const s = space({
  lr: float(1e-4, 1e-1, { log: true }),
  model: branch({
    svm: { C: float(1e-3, 1e3, { log: true }), kernel: categorical(['rbf', 'linear']) },
    tree: { depth: int(1, 10) },
    none: {},
  }),
});

const KEYS: Record<string, string[]> = {
  svm: ['lr', 'model', 'model.svm.C', 'model.svm.kernel'],
  tree: ['lr', 'model', 'model.tree.depth'],
  none: ['lr', 'model'],
};

/** Lower is better: trees at depth 7 win, SVMs are mediocre, no model is bad. */
function loss(p: ReturnType<typeof s.suggest>): number {
  const m = p.model;
  if (m.kind === 'tree') return 0.1 * (m.depth - 7) ** 2 + Math.abs(Math.log10(p.lr) + 2);
  if (m.kind === 'svm') return 5 + Math.abs(Math.log10(m.C)) + (m.kernel === 'linear' ? 1 : 0);
  return 8;
}

/** Each trial holds exactly the chosen alternative's parameters, and fromParams gives back what suggest returned. */
function checkConditional(trials: readonly FrozenTrial[]): Set<string> {
  const seen = new Set<string>();
  for (const t of trials) {
    assert.equal(t.state, TrialState.COMPLETE, `trial ${t.number}: ${String(t.systemAttrs.fail_reason ?? '')}`);
    const kind = t.params.model as string;
    seen.add(kind);
    assert.deepEqual(Object.keys(t.params).sort(), [...KEYS[kind]].sort(), `trial ${t.number} params ${JSON.stringify(t.params)}`);
    assert.deepEqual(s.fromParams(t.params), t.userAttrs.value, `trial ${t.number}`);
  }
  return seen;
}

const objective = (trial: Parameters<typeof s.suggest>[0]): number => {
  const p = s.suggest(trial);
  trial.setUserAttr('value', p);
  return loss(p);
};

describe('branch(): conditional parameters in the typed space', () => {
  it('suggests the choice, then only the chosen alternative, under path names; the value is a tagged object', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    await study.optimize(objective, { nTrials: 30, showProgressBar: false });
    assert.deepEqual([...checkConditional(study.trials)].sort(), ['none', 'svm', 'tree']);
    const tree = study.trials.find((t) => t.params.model === 'tree') as FrozenTrial;
    assert.deepEqual(tree.userAttrs.value, { lr: tree.params.lr, model: { kind: 'tree', depth: tree.params['model.tree.depth'] } });
    assert.deepEqual(tree.distributions['model'], { kind: 'categorical', choices: ['svm', 'tree', 'none'] });
    assert.deepEqual(tree.distributions['model.tree.depth'], { kind: 'int', low: 1, high: 10, log: false, step: 1 });
  });

  it('nested branches extend the path; a custom tag names the discriminant', async () => {
    const nested = space({
      clf: branch(
        {
          svm: { C: float(0.1, 10), kernel: branch({ rbf: { gamma: float(1e-3, 1) }, poly: { degree: int(2, 5) } }) },
          knn: { k: int(1, 30) },
        },
        { tag: 'type' },
      ),
    });
    assert.deepEqual(Object.keys(nested.distributions()).sort(), [
      'clf',
      'clf.knn.k',
      'clf.svm.C',
      'clf.svm.kernel',
      'clf.svm.kernel.poly.degree',
      'clf.svm.kernel.rbf.gamma',
    ]);
    const study = await createStudy({ sampler: new RandomSampler({ seed: 4 }) });
    const shapes = new Set<string>();
    await study.optimize(
      (trial) => {
        const p = nested.suggest(trial);
        const names = Object.keys(trial.params).sort().join(',');
        if (p.clf.type === 'knn') assert.equal(names, 'clf,clf.knn.k');
        else if (p.clf.kernel.kind === 'poly') assert.equal(names, 'clf,clf.svm.C,clf.svm.kernel,clf.svm.kernel.poly.degree');
        else assert.equal(names, 'clf,clf.svm.C,clf.svm.kernel,clf.svm.kernel.rbf.gamma');
        assert.deepEqual(nested.fromParams(trial.params), p);
        shapes.add(names);
        return 0;
      },
      { nTrials: 25, showProgressBar: false },
    );
    assert.equal(shapes.size, 3);
  });

  const samplers: Array<[string, () => Sampler]> = [
    ['RandomSampler', () => new RandomSampler({ seed: 2 })],
    ['TPESampler (5.0 defaults: multivariate, constant liar)', () => new TPESampler({ seed: 2, nStartupTrials: 5 })],
    ['TPESampler independent', () => new TPESampler({ seed: 2, nStartupTrials: 5, multivariate: false })],
    ['TPESampler group', () => new TPESampler({ seed: 2, nStartupTrials: 5, group: true })],
    ['GPSampler', () => new GPSampler({ seed: 2, nStartupTrials: 5 })],
    ['CmaEsSampler', () => new CmaEsSampler({ seed: 2, nStartupTrials: 5 })],
    ['QMCSampler', () => new QMCSampler({ seed: 2 })],
    ['NSGAIISampler', () => new NSGAIISampler({ seed: 2, populationSize: 6 })],
  ];
  for (const [name, make] of samplers) {
    it(`works with ${name}: every trial completes with exactly its branch's parameters`, async () => {
      const study = await createStudy({ sampler: make() });
      await study.optimize(objective, { nTrials: 16, showProgressBar: false });
      assert.equal(study.trials.length, 16);
      const seen = checkConditional(study.trials);
      assert.ok(seen.size >= 2, `${name} explored ${[...seen].join(', ')}`);
    });
  }

  it('TPE learns which branch is good: it picks trees far more often than random search does', async () => {
    const share = async (sampler: Sampler) => {
      const study = await createStudy({ sampler });
      await study.optimize(objective, { nTrials: 60, showProgressBar: false });
      checkConditional(study.trials);
      const late = study.trials.slice(30);
      return { trees: late.filter((t) => t.params.model === 'tree').length / late.length, best: study.bestValue };
    };
    const tpe = await share(new TPESampler({ seed: 7 }));
    const random = await share(new RandomSampler({ seed: 7 }));
    assert.ok(tpe.trees >= 0.6 && tpe.trees > random.trees, `share of trees in trials 30-59: TPE ${tpe.trees}, random ${random.trees}`);
    assert.ok(tpe.best <= random.best, `best loss: TPE ${tpe.best}, random ${random.best}`);
  });

  it('grid(): every configuration once; enqueued, a study evaluates exactly that conditional grid', async () => {
    const g = space({
      model: branch({
        svm: { C: float(0.1, 1, { step: 0.3 }), kernel: categorical(['rbf', 'linear']) },
        tree: { depth: int(1, 3) },
        none: {},
      }),
    });
    const configs = g.grid();
    assert.equal(configs.length, 4 * 2 + 3 + 1);
    assert.equal(new Set(configs.map((c) => JSON.stringify(c))).size, configs.length);
    assert.deepEqual(configs[0], { model: { kind: 'svm', C: 0.1, kernel: 'rbf' } });
    assert.deepEqual(configs.at(-1), { model: { kind: 'none' } });
    const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
    for (const c of configs) await study.enqueueTrial(g.toParams(c));
    const evaluated: string[] = [];
    await study.optimize(
      (trial) => {
        evaluated.push(JSON.stringify(g.suggest(trial)));
        return 0;
      },
      { nTrials: configs.length, showProgressBar: false },
    );
    assert.deepEqual(evaluated.sort(), configs.map((c) => JSON.stringify(c)).sort());
    assert.throws(() => s.grid(), /float 'lr' has no step/);
    assert.throws(() => g.grid({ maxSize: 5 }), /more than 5 configurations/);
    // One fine step alone: the same advice, about grid (not the sampler that enumerates steps).
    assert.throws(
      () => space({ f: float(0, 1, { step: 1e-7 }) }).grid({ maxSize: 10 }),
      /^InvalidArgumentError: space\.grid: more than 10 configurations \(at 'f'/,
    );
  });

  it('BruteForceSampler enumerates a finite branch space define-by-run: exactly grid(), each configuration once', async () => {
    const g = space({
      model: branch({
        svm: { C: float(0.1, 1, { step: 0.3 }), kernel: categorical(['rbf', 'linear']) },
        tree: { depth: int(1, 3) },
        none: {},
      }),
    });
    const study = await createStudy({ sampler: new BruteForceSampler({ seed: 1 }) });
    const evaluated: string[] = [];
    await study.optimize(
      (trial) => {
        evaluated.push(JSON.stringify(g.suggest(trial)));
        return 0;
      },
      { nTrials: 100, showProgressBar: false },
    );
    assert.deepEqual(
      evaluated.sort(),
      g
        .grid()
        .map((c) => JSON.stringify(c))
        .sort(),
    );
  });

  it('GridSampler over the path names: a cartesian grid whose unchosen branches are not suggested', async () => {
    const sampler = new GridSampler(
      { lr: [0.01], model: ['svm', 'tree', 'none'], 'model.svm.C': [0.1, 10], 'model.svm.kernel': ['rbf'], 'model.tree.depth': [2, 7] },
      { seed: 3 },
    );
    const study = await createStudy({ sampler });
    await study.optimize(objective, { nTrials: 100, showProgressBar: false });
    assert.equal(study.trials.length, sampler.gridSize);
    checkConditional(study.trials);
    const distinct = new Set(study.trials.map((t) => JSON.stringify(t.userAttrs.value)));
    assert.equal(distinct.size, 2 + 2 + 1, 'every configuration reachable from the grid was evaluated');
    assert.equal(study.bestParams['model.tree.depth'], 7);
  });

  it('round-trips through SQLite, and Optuna 5 reads the same conditional parameters and distributions', async () => {
    const url = `sqlite:///${join(dir, 'branch.db')}`;
    const study = await createStudy({ storage: url, studyName: 'branch', sampler: new TPESampler({ seed: 5, nStartupTrials: 5 }) });
    await study.optimize(objective, { nTrials: 20, showProgressBar: false });
    const reloaded = await loadStudy({ storage: url, studyName: 'branch' });
    checkConditional(reloaded.trials);
    const best = s.fromParams(reloaded.bestParams);
    assert.deepEqual(best, reloaded.bestTrial.userAttrs.value);
    assert.equal(loss(best), reloaded.bestValue);
    const optuna = JSON.parse(
      execFileSync(
        PYTHON,
        [
          '-c',
          [
            'import json, sys, optuna',
            'optuna.logging.set_verbosity(optuna.logging.ERROR)',
            "s = optuna.load_study(study_name='branch', storage=sys.argv[1])",
            "print(json.dumps([{'params': t.params, 'dists': {k: type(d).__name__ for k, d in t.distributions.items()}} for t in s.trials]))",
          ].join('\n'),
          url,
        ],
        { encoding: 'utf8', timeout: 120_000 },
      ),
    ) as Array<{ params: Record<string, string | number>; dists: Record<string, string> }>;
    assert.equal(optuna.length, 20);
    const pythonName = { float: 'FloatDistribution', int: 'IntDistribution', categorical: 'CategoricalDistribution' } as const;
    optuna.forEach((o, i) => {
      const t = reloaded.trials[i];
      assert.deepEqual(o.params, { ...t.params }, `trial ${i}: Optuna ${JSON.stringify(o)} tunelab ${JSON.stringify(t.params)}`);
      assert.deepEqual(o.dists, Object.fromEntries(Object.entries(t.distributions).map(([k, d]) => [k, pythonName[d.kind]])));
      assert.deepEqual(s.fromParams(o.params), t.userAttrs.value, `trial ${i} as Optuna sees it`);
    });
  });

  it('toParams feeds enqueueTrial; fromParams refuses missing or out-of-range values and names them', async () => {
    const study = await createStudy();
    const wanted = { lr: 0.01, model: { kind: 'svm' as const, C: 3, kernel: 'linear' as const } };
    assert.deepEqual(s.toParams(wanted), { lr: 0.01, model: 'svm', 'model.svm.C': 3, 'model.svm.kernel': 'linear' });
    await study.enqueueTrial(s.toParams(wanted));
    await study.optimize(objective, { nTrials: 1, showProgressBar: false });
    assert.deepEqual(study.trials[0].userAttrs.value, wanted);
    assert.throws(
      () => s.fromParams({ lr: 0.01, model: 'tree' }),
      (e: unknown) => e instanceof InvalidArgumentError && /no value for 'model\.tree\.depth'.*chosen at 'model'/.test(e.message),
    );
    assert.throws(() => s.fromParams({ lr: 0.01, model: 'forest' }), /'model' = "forest" lies outside its distribution/);
    assert.throws(() => s.toParams({ lr: 0.01, model: { kind: 'forest' } } as never), /'model\.kind' must be one of svm, tree, none/);
    // Parameters outside the space (suggested by hand in the same objective) are ignored.
    assert.deepEqual(s.fromParams({ lr: 0.01, model: 'none', extra: 1 }), { lr: 0.01, model: { kind: 'none' } });
  });

  it('bad definitions fail when the space is built, naming the entry', () => {
    assert.throws(
      () => space({ m: branch({ a: { kind: float(0, 1) } }) }),
      (e: unknown) => e instanceof InvalidDistributionError && /alternative 'a' of 'm' has a parameter named 'kind'/.test(e.message),
    );
    assert.doesNotThrow(() => space({ m: branch({ a: { kind: float(0, 1) } }, { tag: 'type' }) }));
    assert.throws(() => space({ 'm.a.x': float(0, 1), m: branch({ a: { x: float(0, 1) } }) }), /two parameters are named 'm\.a\.x'/);
    assert.throws(() => branch({}), /at least one named alternative/);
    assert.throws(() => space({ m: branch({ a: { x: { kind: 'float', low: 2, high: 1, log: false, step: null } } }) }), /'m\.a\.x'/);
  });
});
