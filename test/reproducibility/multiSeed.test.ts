import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  createStudy,
  datasets,
  DecisionTreeClassifier,
  evaluateSeeds,
  plotOptimizationHistory,
  runWithSeed,
  TrialState,
  WilcoxonPruner,
  type Trial,
} from '../../src';
import { sampleStd } from '../../src/reproducibility/multiSeed';
import { studySeedSet } from '../../src/entries/reproducibility';
import { PYTHON } from '../helpers/python';

const K = 10;

/**
 * Held-out error of a decision tree on two-moons data drawn (without a seed) inside the seed's
 * context: each seed gives a different sample of the task, the same for every configuration.
 */
async function treeError(maxDepth: number): Promise<number> {
  const { X, y } = datasets.twoMoons(200, { noise: 0.3 });
  const tree = await new DecisionTreeClassifier({ maxDepth }).fit(X.slice(0, 120), y.slice(0, 120));
  return 1 - tree.score(X.slice(120), y.slice(120));
}

const objective = (trial: Trial) => {
  const maxDepth = trial.suggestInt('maxDepth', 1, 8);
  return evaluateSeeds(trial, K, () => treeError(maxDepth));
};

describe('evaluateSeeds', () => {
  it('with WilcoxonPruner, stops a hopeless configuration after a few seeds instead of all k', async () => {
    const study = await createStudy({ seed: 3, pruner: new WilcoxonPruner({ pThreshold: 0.1 }) });
    await study.enqueueTrial({ maxDepth: 6 }); // a good tree
    await study.enqueueTrial({ maxDepth: 1 }); // a stump: worse on every sample of the task
    await study.optimize(objective, { nTrials: 2, showProgressBar: false });
    const [good, stump] = study.trials;
    assert.equal(good.state, TrialState.COMPLETE);
    assert.equal(good.intermediateValues.size, K);
    assert.equal(
      stump.state,
      TrialState.PRUNED,
      `stump scores ${JSON.stringify(stump.userAttrs.seed_scores)} vs ${JSON.stringify(good.userAttrs.seed_scores)}`,
    );
    const evaluated = (stump.userAttrs.seed_scores as number[]).length;
    assert.ok(evaluated >= 2 && evaluated < K, `the stump was evaluated on ${evaluated} of ${K} seeds`);
    assert.equal(stump.intermediateValues.size, evaluated);
    // Common random numbers: seed i is the same in every trial, so step i pairs like with like.
    assert.deepEqual(stump.userAttrs.seeds, studySeedSet(3, K).slice(0, evaluated));
    assert.deepEqual(good.userAttrs.seeds, studySeedSet(3, K));
    const scores = good.userAttrs.seed_scores as number[];
    assert.deepEqual(
      scores,
      [...good.intermediateValues.keys()].sort((a, b) => a - b).map((s) => good.intermediateValues.get(s)),
    );
    assert.equal(good.values![0], scores.reduce((a, b) => a + b, 0) / K);
    assert.equal(good.userAttrs.seed_mean, good.values![0]);
    assert.equal(good.userAttrs.seed_std, sampleStd(scores));
    assert.ok((good.userAttrs.seed_std as number) > 0, 'the seeds give different scores');
    // The same study re-run gives the same scores: every seed is reproducible.
    const report = await study.reproduce(0, objective);
    assert.equal(report.identical, true, report.toString());
  });

  it("whenPruned: 'returnMean' records the partial mean as a COMPLETE value, pruned at the seed Optuna 5.0 prunes at", async () => {
    const study = await createStudy({ seed: 3, pruner: new WilcoxonPruner() });
    await study.enqueueTrial({ maxDepth: 6 });
    await study.enqueueTrial({ maxDepth: 1 });
    await study.optimize((t) => evaluateSeeds(t, K, () => treeError(t.suggestInt('maxDepth', 1, 8)), { whenPruned: 'returnMean' }), {
      nTrials: 2,
      showProgressBar: false,
    });
    const [good, stump] = study.trials;
    assert.equal(stump.state, TrialState.COMPLETE);
    const scores = stump.userAttrs.seed_scores as number[];
    assert.ok(scores.length < K);
    assert.equal(stump.values![0], scores.reduce((a, b) => a + b, 0) / scores.length);

    // Optuna 5.0's WilcoxonPruner, given the same per-seed scores (the stump's on all K seeds, each
    // re-computed under its seed), stops the stump after the same number of seeds.
    const stumpAll: number[] = [];
    for (const seed of studySeedSet(3, K)) stumpAll.push(await runWithSeed(seed, () => treeError(1)));
    assert.deepEqual(stumpAll.slice(0, scores.length), scores, 'a seed gives the same score every time');
    const order = [...Array(K).keys()];
    const request = {
      scenarios: [
        {
          direction: 'minimize',
          pThreshold: 0.1,
          nStartupSteps: 2,
          trials: [
            { order, values: good.userAttrs.seed_scores },
            { order, values: stumpAll },
          ],
        },
      ],
    };
    const run = spawnSync(PYTHON, [join(__dirname, '..', 'pruners', 'fixtures', 'optuna_wilcoxon_trace.py')], {
      input: JSON.stringify(request),
      encoding: 'utf8',
      timeout: 240_000,
    });
    assert.equal(run.status, 0, `optuna_wilcoxon_trace.py failed: ${run.stderr}`);
    const [[goodPrunedAt, stumpPrunedAt]] = (JSON.parse(run.stdout) as { traces: Array<Array<number | null>> }).traces;
    assert.equal(goodPrunedAt, null);
    assert.equal(
      stumpPrunedAt,
      scores.length - 1,
      `Optuna pruned the stump after ${String(stumpPrunedAt)} + 1 seeds, tunelab after ${scores.length}`,
    );
  });

  it('shows each trial’s spread over seeds as error bars in plotOptimizationHistory', async () => {
    const study = await createStudy({ seed: 8 });
    await study.optimize((t) => evaluateSeeds(t, 3, () => treeError(t.suggestInt('maxDepth', 1, 8))), {
      nTrials: 3,
      showProgressBar: false,
    });
    const fig = plotOptimizationHistory(study).toJSON();
    const errorY = fig.data[0].error_y as { array: number[]; visible: boolean };
    assert.deepEqual(
      errorY.array,
      study.trials.map((t) => t.userAttrs.seed_std),
    );
    assert.equal(errorY.visible, true);
    const plain = await createStudy({ seed: 8 });
    await plain.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 2, showProgressBar: false });
    assert.equal(plotOptimizationHistory(plain).toJSON().data[0].error_y, undefined);
  });

  it('rejects bad arguments with what to pass', async () => {
    const study = await createStudy({ seed: 1 });
    const trial = await study.ask();
    await assert.rejects(
      evaluateSeeds(trial, 0, () => 1),
      /k \(the number of seeds\) must be an integer >= 1, got 0/,
    );
    await assert.rejects(
      evaluateSeeds(trial, 3, () => 1, { seeds: [1] }),
      /3 seeds requested but opts.seeds lists only 1/,
    );
    await assert.rejects(
      evaluateSeeds(trial, 2, () => Number.NaN),
      /must be a finite number/,
    );
  });
});
