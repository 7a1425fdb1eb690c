// Every option object a user passes is checked at run time: the splitters, trainTestSplit, the
// schedules, the data generators, branch(), the efficiency curves, the plots, reproduce() and a
// network's fit() name a misspelt key (and the nearest valid one) instead of ignoring it. (Models,
// samplers, pruners, studies and searches: test/models/options.test.ts, test/studyapi.) And
// scikit-learn's `randomState` seeds whatever takes a `seed` in scikit-learn's vocabulary.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  copyStudy,
  createStudy,
  datasets,
  deleteStudy,
  getAllStudySummaries,
  TrialState,
  DecisionTreeClassifier,
  float,
  GradientBoostingRegressor,
  halvingRandomSearchCV,
  InvalidArgumentError,
  InvalidDistributionError,
  KFold,
  MLP,
  mlp,
  plotContour,
  plotEdf,
  plotOptimizationHistory,
  plotParallelCoordinate,
  plotParamImportances,
  plotRank,
  plotSlice,
  plotTerminatorImprovement,
  RandomForestClassifier,
  randomizedSearchCV,
  schedules,
  ShuffleSplit,
  space,
  branch,
  StratifiedKFold,
  trainTestSplit,
  TPESampler,
  type Study,
} from '../../src';
import { plotParetoFront } from '../../src/visualization';
import { InMemoryStorage } from '../../src/storage';
import { bestTrialMixture, randomEfficiencyCurve } from '../../src/entries/efficiency';

/** Call `f` as plain JavaScript would, with options TypeScript would refuse. */
const untyped = <F>(f: F) => f as unknown as (...args: unknown[]) => unknown;

async function rejectsKey(call: () => unknown, where: string, key: string, suggestion: string | null): Promise<void> {
  await assert.rejects(
    async () => call(),
    (e: unknown) => {
      assert.ok(e instanceof InvalidArgumentError, `${where}: expected InvalidArgumentError, got ${String(e)}`);
      assert.ok(e.message.startsWith(`${where}: unknown option "${key}".`), e.message);
      if (suggestion === null) assert.doesNotMatch(e.message, /Did you mean/, e.message);
      else assert.ok(e.message.includes(`Did you mean ${suggestion}?`), e.message);
      return true;
    },
  );
}

async function smallStudy(objectives = 1): Promise<Study> {
  const study = await createStudy({
    directions: objectives === 1 ? ['minimize'] : ['minimize', 'minimize'],
    sampler: new TPESampler({ seed: 0 }),
  });
  await study.optimize(
    (t) => {
      const x = t.suggestFloat('x', 0, 1);
      const y = t.suggestFloat('y', 0, 1);
      return objectives === 1 ? x + y : [x, y];
    },
    { nTrials: 6, showProgressBar: false },
  );
  return study;
}

describe('every option object is checked at run time', () => {
  const X = [
    [1, 2],
    [2, 1],
    [3, 4],
    [4, 3],
    [5, 6],
    [6, 5],
  ];
  const y = [0, 1, 0, 1, 0, 1];

  it('the splitters and trainTestSplit', async () => {
    await rejectsKey(() => untyped((o: unknown) => new KFold(o as never))({ shufle: true }), 'KFold', 'shufle', 'shuffle');
    await rejectsKey(
      () => untyped((o: unknown) => new StratifiedKFold(o as never))({ n_splits: 3 }),
      'StratifiedKFold',
      'n_splits',
      'nSplits',
    );
    await rejectsKey(
      () => untyped((o: unknown) => new ShuffleSplit(o as never))({ testsize: 0.2 }),
      'ShuffleSplit',
      'testsize',
      'testSize',
    );
    await rejectsKey(() => untyped(trainTestSplit)(X, y, { test_size: 0.5 }), 'trainTestSplit', 'test_size', 'testSize');
    await rejectsKey(() => untyped(trainTestSplit)(X, y, { random_state: 0 }), 'trainTestSplit', 'random_state', 'randomState');
  });

  it('every schedule, and the schedule callback', async () => {
    const s = untyped(schedules.step);
    await rejectsKey(() => s({ lr: 0.1, stepSize: 2, gama: 0.5 }), 'step', 'gama', 'gamma');
    const cases: Array<[string, Record<string, unknown>, string, string | null]> = [
      ['constant', { lr: 0.1, factr: 0.5 }, 'factr', 'factor'],
      ['multiStep', { lr: 0.1, milestones: [2], gama: 0.5 }, 'gama', 'gamma'],
      ['exponential', { lr: 0.1, gamma: 0.9, step: 1 }, 'step', null],
      ['cosineAnnealing', { lr: 0.1, tMax: 10, etamin: 0 }, 'etamin', 'etaMin'],
      ['cosineWarmRestarts', { lr: 0.1, t0: 5, t_mult: 2 }, 't_mult', 'tMult'],
      ['linearWarmup', { lr: 0.1, totalIters: 5, startfactor: 0.1 }, 'startfactor', 'startFactor'],
      ['warmupCosine', { lr: 0.1, warmupSteps: 2, totalSteps: 10, warmup: 1 }, 'warmup', null],
      ['cyclic', { baseLr: 0.01, maxLr: 0.1, stepSizeup: 4 }, 'stepSizeup', 'stepSizeUp'],
      ['oneCycle', { maxLr: 0.1, totalSteps: 10, pct_start: 0.3 }, 'pct_start', 'pctStart'],
    ];
    for (const [name, opts, key, suggestion] of cases) {
      await rejectsKey(() => untyped((schedules as unknown as Record<string, unknown>)[name])(opts), name, key, suggestion);
    }
    const optimizer = { learningRate: 0.1 };
    await rejectsKey(
      () => untyped(schedules.scheduleCallback)(schedules.constant({ lr: 0.1 }), optimizer, { pre: 'epoch' }),
      'scheduleCallback',
      'pre',
      'per',
    );
    // Called with no options at all (plain JavaScript): the required ones are named.
    assert.throws(
      () => untyped(schedules.step)(),
      /^InvalidArgumentError: step: pass its options, e\.g\. step\(\{ lr: \.\.\., stepSize: \.\.\. \}\)\.$/,
    );
    assert.throws(
      () => untyped(schedules.oneCycle)(null),
      /oneCycle: pass its options, e\.g\. oneCycle\(\{ maxLr: \.\.\., totalSteps: \.\.\. \}\)/,
    );
    // Valid options still build the schedule PyTorch's closed form gives.
    assert.equal(schedules.step({ lr: 0.1, stepSize: 2, gamma: 0.5 }).at(4), 0.025);
  });

  it('the data generators', async () => {
    await rejectsKey(() => untyped(datasets.twoMoons)(20, { noize: 0.1 }), 'twoMoons', 'noize', 'noise');
    await rejectsKey(() => untyped(datasets.rectangles)(2, { sise: 12 }), 'rectangles', 'sise', 'size');
    await rejectsKey(() => untyped(datasets.convex)(2, { sede: 1 }), 'convex', 'sede', 'seed');
    await rejectsKey(() => untyped(datasets.addingProblem)(2, { lenght: 5 }), 'addingProblem', 'lenght', 'length');
    await rejectsKey(() => untyped(datasets.toyChorales)(2, { pitch: 40 }), 'toyChorales', 'pitch', 'pitches');
    // Checked before the optional data packages are loaded.
    await rejectsKey(() => untyped(datasets.cmudictPhonemes)({ lenght: 5 }), 'cmudictPhonemes', 'lenght', 'length');
    await rejectsKey(() => untyped(datasets.firstNamesNextChar)({ name: 'male' }), 'firstNamesNextChar', 'name', 'names');
  });

  it("branch(), the efficiency curves, reproduce() and a network's fit()", async () => {
    await rejectsKey(() => untyped(branch)({ a: {} }, { tg: 'model' }), 'branch', 'tg', 'tag');
    const pool = [
      { valid: 0.9, test: 0.8 },
      { valid: 0.7, test: 0.6 },
    ];
    await rejectsKey(() => untyped(bestTrialMixture)(pool, { dir: 'minimize' }), 'bestTrialMixture', 'dir', null);
    await rejectsKey(() => untyped(randomEfficiencyCurve)(pool, { size: [1, 2] }), 'randomEfficiencyCurve', 'size', 'sizes');
    const study = await smallStudy();
    await rejectsKey(() => untyped(study.reproduce.bind(study))(0, () => 1, { cdw: '.' }), 'reproduce', 'cdw', 'cwd');
    // Before tfjs is loaded: a misspelt training option fails at once, not after an epoch's work.
    await rejectsKey(() => new MLP().fit(X, y, untyped(Object)({ epocs: 3 }) as never), 'MLP.fit', 'epocs', null);
    await rejectsKey(
      () => mlp().fit(X, y, untyped(Object)({ validationsplit: 0.2 }) as never),
      'MLP.fit',
      'validationsplit',
      'validationSplit',
    );
  });

  it('the study functions and getTrials, and a storage that is not one', async () => {
    const study = await smallStudy();
    await rejectsKey(() => untyped(study.getTrials.bind(study))({ stats: [TrialState.COMPLETE] }), 'getTrials', 'stats', 'states');
    assert.equal(
      study.getTrials({ deepcopy: false, states: [TrialState.COMPLETE] }).length,
      6,
      "Optuna's deepcopy is taken and changes nothing",
    );
    await rejectsKey(() => untyped(deleteStudy)({ studyName: 'x', storage: 'memory', storge: 1 }), 'deleteStudy', 'storge', 'storage');
    await rejectsKey(
      () => untyped(copyStudy)({ fromStudyName: 'x', fromStorage: 'memory', toStorage: 'memory', to_study_name: 'y' }),
      'copyStudy',
      'to_study_name',
      'toStudyName',
    );
    // Optuna's keyword form, get_all_study_summaries(storage=...), written as an object, is taken;
    // a misspelt key is named.
    assert.deepEqual(await untyped(getAllStudySummaries)({ storage: 'memory' }), []);
    await assert.rejects(
      untyped(getAllStudySummaries)({ storge: 'memory' }) as Promise<unknown>,
      /unknown option "storge"\. Did you mean storage\?/,
    );
    // Something that is not a storage at all is said plainly.
    await assert.rejects(
      untyped(getAllStudySummaries)(42) as Promise<unknown>,
      /A storage is a URL such as 'sqlite:\/\/\/studies\.db' or a Storage object/,
    );
    assert.deepEqual(await getAllStudySummaries(new InMemoryStorage()), []);
  });

  it('every plot that takes options', async () => {
    const study = await smallStudy();
    const cases: Array<[(s: Study, o: never) => unknown, string, Record<string, unknown>, string, string | null]> = [
      [plotOptimizationHistory, 'plotOptimizationHistory', { targetname: 'loss' }, 'targetname', 'targetName'],
      [plotParallelCoordinate, 'plotParallelCoordinate', { param: ['x'] }, 'param', 'params'],
      [plotSlice, 'plotSlice', { param: ['x'] }, 'param', 'params'],
      [plotContour, 'plotContour', { param: ['x', 'y'] }, 'param', 'params'],
      [plotEdf, 'plotEdf', { tragetName: 'loss' }, 'tragetName', 'targetName'],
      [plotRank, 'plotRank', { parms: ['x'] }, 'parms', 'params'],
      [plotParamImportances, 'plotParamImportances', { evaluater: 'fanova' }, 'evaluater', 'evaluator'],
      [plotTerminatorImprovement, 'plotTerminatorImprovement', { ploterror: true }, 'ploterror', 'plotError'],
    ];
    for (const [plot, where, opts, key, suggestion] of cases) await rejectsKey(() => plot(study, opts as never), where, key, suggestion);
    const two = await smallStudy(2);
    await rejectsKey(
      () => plotParetoFront(two, untyped(Object)({ includeDominated: true }) as never),
      'plotParetoFront',
      'includeDominated',
      null,
    );
    // The figures themselves are unchanged for valid options.
    assert.equal(plotSlice(study, { params: ['x'] }).data.length, 1);
  });

  it("a misspelt option in space()'s float() names the parameter, as its other faults do", () => {
    assert.throws(
      () => space({ lr: float(1e-5, 1, untyped(Object)({ logg: true }) as never) }),
      (e: unknown) =>
        e instanceof InvalidDistributionError && /^Float distribution 'lr': unknown option "logg"\. Did you mean log\?/.test(e.message),
    );
  });
});

describe("scikit-learn's randomState seeds what seed seeds", () => {
  const iris = datasets.iris();

  it('models: the same parameters and predictions as seed, and clone() maps it too', async () => {
    const a = await new RandomForestClassifier({ nEstimators: 5, seed: 11 }).fit(iris.X, iris.y);
    const b = await new RandomForestClassifier({ nEstimators: 5, randomState: 11 }).fit(iris.X, iris.y);
    assert.deepEqual(b.getParams(), a.getParams());
    assert.deepEqual(b.predictProba(iris.X), a.predictProba(iris.X));
    assert.equal(new GradientBoostingRegressor().clone({ randomState: 4 }).getParams().seed, 4);
    assert.equal(mlp({ randomState: 9 }).getParams().seed, 9);
    assert.ok(!('randomState' in b.getParams()), 'getParams() shows the seed under one name');
  });

  it('a model given randomState inside a trial keeps it (the trial seeds only models given no seed)', async () => {
    const study = await createStudy({ sampler: new TPESampler({ seed: 0 }) });
    const seeds: Array<[number, number]> = [];
    await study.optimize(
      (t) => {
        t.suggestFloat('x', 0, 1);
        seeds.push([new DecisionTreeClassifier({ randomState: 5 }).getParams().seed, new DecisionTreeClassifier().getParams().seed]);
        return 0;
      },
      { nTrials: 2, showProgressBar: false },
    );
    assert.deepEqual(
      seeds.map(([given]) => given),
      [5, 5],
    );
    assert.notEqual(seeds[0][1], seeds[1][1], 'models given no seed draw from each trial seed');
  });

  it('splitters, trainTestSplit and the random searches', async () => {
    const folds = (s: { split(X: number): Iterable<{ test: number[] }> }) => [...s.split(30)].map((f) => f.test);
    assert.deepEqual(
      folds(new KFold({ nSplits: 3, shuffle: true, randomState: 3 })),
      folds(new KFold({ nSplits: 3, shuffle: true, seed: 3 })),
    );
    assert.notDeepEqual(
      folds(new KFold({ nSplits: 3, shuffle: true, randomState: 3 })),
      folds(new KFold({ nSplits: 3, shuffle: true, seed: 4 })),
    );
    assert.deepEqual(folds(new ShuffleSplit({ nSplits: 2, randomState: 1 })), folds(new ShuffleSplit({ nSplits: 2, seed: 1 })));
    const labels = Array.from({ length: 30 }, (_, i) => i % 2);
    const strat = (o: ConstructorParameters<typeof StratifiedKFold>[0]) => [...new StratifiedKFold(o).split(30, labels)].map((f) => f.test);
    assert.deepEqual(strat({ shuffle: true, randomState: 2 }), strat({ shuffle: true, seed: 2 }));
    const rows = Array.from({ length: 20 }, (_, i) => [i]);
    const ys = rows.map((_, i) => i % 2);
    assert.deepEqual(trainTestSplit(rows, ys, { randomState: 7 }).testIndex, trainTestSplit(rows, ys, { seed: 7 }).testIndex);
    const distributions = { maxDepth: [1, 2, 3, 4], minSamplesLeaf: [1, 2, 5] };
    const r1 = await randomizedSearchCV(new DecisionTreeClassifier({ seed: 0 }), distributions, iris.X, iris.y, {
      nIter: 4,
      cv: 3,
      randomState: 8,
    });
    const r2 = await randomizedSearchCV(new DecisionTreeClassifier({ seed: 0 }), distributions, iris.X, iris.y, {
      nIter: 4,
      cv: 3,
      seed: 8,
    });
    assert.deepEqual(
      r1.cvResults.map((c) => c.params),
      r2.cvResults.map((c) => c.params),
    );
    const h1 = await halvingRandomSearchCV(new DecisionTreeClassifier({ seed: 0 }), distributions, iris.X, iris.y, {
      cv: 3,
      randomState: 8,
    });
    const h2 = await halvingRandomSearchCV(new DecisionTreeClassifier({ seed: 0 }), distributions, iris.X, iris.y, { cv: 3, seed: 8 });
    assert.deepEqual(h1.cvResults, h2.cvResults);
  });

  it('the data generators', () => {
    assert.deepEqual(datasets.twoMoons(20, { noise: 0.1, randomState: 3 }), datasets.twoMoons(20, { noise: 0.1, seed: 3 }));
    assert.notDeepEqual(datasets.twoMoons(20, { noise: 0.1, randomState: 3 }), datasets.twoMoons(20, { noise: 0.1, seed: 4 }));
    assert.deepEqual(datasets.rectangles(3, { size: 12, randomState: 1 }), datasets.rectangles(3, { size: 12, seed: 1 }));
    assert.deepEqual(datasets.addingProblem(3, { randomState: 2 }), datasets.addingProblem(3, { seed: 2 }));
    assert.deepEqual(datasets.makeClassification({ nSamples: 20, randomState: 5 }), datasets.makeClassification({ nSamples: 20, seed: 5 }));
  });

  it('seed and randomState with different values are refused, naming both', () => {
    for (const make of [
      () => new RandomForestClassifier({ seed: 1, randomState: 2 }),
      () => new KFold({ shuffle: true, seed: 1, randomState: 2 }),
      () => trainTestSplit([[1], [2]], [0, 1], { seed: 1, randomState: 2 }),
      () => datasets.makeBlobs({ seed: 1, randomState: 2 }),
      () => datasets.twoMoons(10, { seed: 1, randomState: 2 }),
    ]) {
      assert.throws(make, /give seed or randomState \(the same thing under scikit-learn's name\), not two different values \(1 and 2\)/);
    }
    assert.equal(new RandomForestClassifier({ seed: 3, randomState: 3 }).getParams().seed, 3);
  });
});
