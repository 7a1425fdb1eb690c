import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  createStudy,
  crossValidate,
  evaluateSeeds,
  datasets,
  DecisionTreeClassifier,
  KFold,
  loadStudy,
  mlp,
  RandomForestClassifier,
  Rng,
  TrialPruned,
  TrialState,
  type Trial,
} from '../../src';
import {
  captureEnvironment,
  deriveSeed,
  ENVIRONMENT_KEY,
  STUDY_SEED_KEY,
  TRIAL_SEED_KEY,
  type Environment,
} from '../../src/entries/reproducibility';
import { InMemoryStorage } from '../../src/entries/storage';

/** Small two-moons data, generated inside the objective without a seed: it follows the trial's seed. */
function moons() {
  const { X, y } = datasets.twoMoons(120, { noise: 0.25 });
  return { Xtr: X.slice(0, 90), ytr: y.slice(0, 90), Xva: X.slice(90), yva: y.slice(90) };
}

async function mlpObjective(trial: Trial): Promise<number> {
  const units = trial.suggestInt('units', 4, 16);
  const lr = trial.suggestFloat('lr', 1e-3, 1e-1, { log: true });
  const { Xtr, ytr, Xva, yva } = moons();
  const net = mlp({ hiddenUnits: units, learningRate: lr, epochs: 3, batchSize: 16 });
  await net.fit(Xtr, ytr, { validationData: [Xva, yva], metric: 'loss', trial });
  const loss = net.history[net.history.length - 1].valLoss!;
  trial.setUserAttr('modelSeed', net.getParams().seed);
  net.dispose();
  return loss;
}

async function cvObjective(trial: Trial): Promise<number> {
  const depth = trial.suggestInt('maxDepth', 1, 6);
  const { X, y } = datasets.twoMoons(150, { noise: 0.35 });
  // No seeds anywhere: the splitter's shuffle and the forest's bootstrap follow the trial's seed.
  const forest = new RandomForestClassifier({ maxDepth: depth, nEstimators: 5 });
  const r = await crossValidate(forest, X, y, { cv: new KFold({ nSplits: 3, shuffle: true }) });
  return 1 - r.mean;
}

describe('study and trial seeds', () => {
  it('records the study seed, the environment and each trial seed = deriveSeed(study seed, number)', async () => {
    const study = await createStudy({ seed: 1234 });
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 3, showProgressBar: false });
    const attrs = await study.storage.getStudySystemAttrs(study.studyId);
    assert.equal(attrs[STUDY_SEED_KEY], 1234);
    assert.equal(study.seed, 1234);
    const env = attrs[ENVIRONMENT_KEY] as Environment;
    assert.equal(env.node, process.version, JSON.stringify(env));
    assert.equal(env.platform, process.platform);
    assert.equal(env.tunelab, (await import('../../package.json')).version);
    for (const t of study.trials) assert.equal(t.systemAttrs[TRIAL_SEED_KEY], deriveSeed(1234, t.number));
    assert.equal(new Set(study.trials.map((t) => t.systemAttrs[TRIAL_SEED_KEY])).size, 3);
  });

  it('a study created without a seed records a random one; loading it keeps it', async () => {
    const storage = new InMemoryStorage();
    const a = await createStudy({ storage, studyName: 's' });
    const b = await createStudy({ storage, studyName: 't' });
    assert.notEqual(a.seed, b.seed);
    const again = await loadStudy({ storage, studyName: 's' });
    assert.equal(again.seed, a.seed);
  });

  it('createStudy({ seed }) makes the whole run repeatable: sampler, models and data', async () => {
    const run = async () => {
      const study = await createStudy({ seed: 7 });
      await study.optimize(cvObjective, { nTrials: 4, showProgressBar: false });
      return study.trials.map((t) => [t.params.maxDepth, t.values![0]]);
    };
    assert.deepEqual(await run(), await run());
  });

  it('rejects a seed that is not a 32-bit unsigned integer, saying what to pass', async () => {
    await assert.rejects(createStudy({ seed: -1 }), /seed must be an integer from 0 to 4294967295/);
    await assert.rejects(createStudy({ seed: 1.5 }), /Pass e\.g\. \{ seed: 42 \}/);
  });
});

describe('study.reproduce', () => {
  it('re-runs a seeded tfjs MLP trial bit-identically (models and data without explicit seeds)', async () => {
    const study = await createStudy({ seed: 99 });
    await study.optimize(mlpObjective, { nTrials: 3, showProgressBar: false });
    const seeds = study.trials.map((t) => t.userAttrs.modelSeed);
    assert.equal(new Set(seeds).size, 3, `each trial's model got its own seed: ${JSON.stringify(seeds)}`);
    const report = await study.reproduce(1, mlpObjective);
    assert.equal(report.identical, true, report.toString());
    assert.equal(report.reproduced, study.trials[1].values![0]);
    assert.equal(report.absDiff, 0);
    assert.equal(report.seed, deriveSeed(99, 1));
    assert.deepEqual(report.intermediateDifferences, []);
    assert.equal(study.trials.length, 3, 'the study itself is not changed');
    assert.match(report.toString(), /reproduced bit-identically/);
  });

  it('re-runs a cross-validation trial (shuffled KFold, random forest) bit-identically', async () => {
    const study = await createStudy({ seed: 5 });
    await study.optimize(cvObjective, { nTrials: 4, showProgressBar: false });
    for (const n of [0, 3]) {
      const report = await study.reproduce(n, cvObjective);
      assert.equal(report.identical, true, report.toString());
      assert.equal(report.recorded, study.trials[n].values![0]);
    }
  });

  it('reports an objective reading Math.random() as not identical, with the difference', async () => {
    const noisy = (t: Trial) => t.suggestFloat('x', 0, 1) + Math.random();
    const study = await createStudy({ seed: 3 });
    await study.optimize(noisy, { nTrials: 2, showProgressBar: false });
    const report = await study.reproduce(1, noisy);
    assert.equal(report.identical, false, report.toString());
    const recorded = report.recorded as number;
    const reproduced = report.reproduced as number;
    assert.equal(recorded, study.trials[1].values![0]);
    const x = report.params.x as number;
    assert.ok(reproduced - x >= 0 && reproduced - x < 1, `x + Math.random() with x = ${x}`);
    assert.equal(report.absDiff, Math.abs(recorded - reproduced));
    assert.equal(report.relDiff, Math.abs(recorded - reproduced) / Math.abs(recorded));
    assert.match(report.toString(), /NOT identical: recorded .*\(abs diff/);
  });

  it('names an environment field that differs from the one recorded with the study', async () => {
    const study = await createStudy({ seed: 11 });
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 1, showProgressBar: false });
    const recorded = (await study.storage.getStudySystemAttrs(study.studyId))[ENVIRONMENT_KEY] as Environment;
    await study.setSystemAttr(ENVIRONMENT_KEY, { ...recorded, node: 'v18.0.0', tfjsBackend: 'cpu' });
    const report = await study.reproduce(0, (t) => t.suggestFloat('x', 0, 1));
    assert.equal(report.identical, true, 'the value itself reproduces');
    const keys = report.environmentDifferences.map((d) => d.key);
    assert.ok(keys.includes('node'), JSON.stringify(report.environmentDifferences));
    const node = report.environmentDifferences.find((d) => d.key === 'node')!;
    assert.equal(node.recorded, 'v18.0.0');
    assert.equal(node.current, process.version);
    if (recorded.tfjsBackend !== 'cpu') assert.ok(keys.includes('tfjsBackend'));
    assert.match(report.toString(), /environment differs: node: recorded "v18\.0\.0"/);
  });

  it('names a changed git commit and a dirty working tree', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'tunelab-repro-git-'));
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: repo, encoding: 'utf8' }).trim();
    const home = process.cwd();
    try {
      git('init', '-q');
      writeFileSync(join(repo, 'objective.txt'), 'v1\n');
      git('add', 'objective.txt');
      git('commit', '-q', '-m', 'v1');
      const first = git('rev-parse', 'HEAD');
      assert.deepEqual(captureEnvironment({ cwd: repo }).git, { commit: first, dirty: false });
      process.chdir(repo);
      const study = await createStudy({ seed: 1 });
      process.chdir(home);
      await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 1, showProgressBar: false });
      writeFileSync(join(repo, 'objective.txt'), 'v2\n');
      git('commit', '-q', '-am', 'v2');
      writeFileSync(join(repo, 'objective.txt'), 'v3 (uncommitted)\n');
      const second = git('rev-parse', 'HEAD');
      const report = await study.reproduce(0, (t) => t.suggestFloat('x', 0, 1), { cwd: repo });
      const byKey = new Map(report.environmentDifferences.map((d) => [d.key, d]));
      assert.deepEqual(byKey.get('git.commit'), { key: 'git.commit', recorded: first, current: second });
      assert.deepEqual(byKey.get('git.dirty'), { key: 'git.dirty', recorded: false, current: true });
    } finally {
      process.chdir(home);
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it('re-runs a pruned trial up to the step it was pruned at', async () => {
    const objective = (t: Trial) => {
      const x = t.suggestFloat('x', 0, 1);
      const rng = new Rng(); // no seed: follows the trial's
      for (let step = 0; step < 5; step++) {
        t.report(x + rng.random(), step);
        if (t.shouldPrune()) throw new TrialPruned();
      }
      return x;
    };
    // A pruner of our own stops trial 1 at step 2.
    const study = await createStudy({ seed: 2, pruner: { prune: (_s, t) => t.number === 1 && t.intermediateValues.has(2) } });
    await study.optimize(objective, { nTrials: 2, showProgressBar: false });
    assert.equal(study.trials[1].state, TrialState.PRUNED);
    const report = await study.reproduce(1, objective);
    assert.equal(report.reproducedState, 'PRUNED');
    assert.equal(report.identical, true, report.toString());
    assert.equal(report.recorded, study.trials[1].intermediateValues.get(2));
  });

  it('re-runs pruned trials whose steps were reported out of order (shuffled instances) where they were pruned', async () => {
    // Instances in a shuffled order, as the Wilcoxon pruner's documentation does: step ids are not
    // reported in ascending order, so the step pruned at is not the largest one.
    const objective = (t: Trial) => {
      const x = t.suggestFloat('x', 0, 1);
      const order = new Rng().shuffle(Array.from({ length: 10 }, (_, i) => i)); // no seed: follows the trial's
      for (const instance of order) {
        t.report(x + instance / 10, instance);
        if (t.shouldPrune()) throw new TrialPruned();
      }
      return x;
    };
    // Prunes every trial but the first after its fourth report.
    const study = await createStudy({ seed: 5, pruner: { prune: (_s, t) => t.number > 0 && t.intermediateValues.size >= 4 } });
    await study.optimize(objective, { nTrials: 4, showProgressBar: false });
    for (const n of [1, 2, 3]) {
      assert.equal(study.trials[n].state, TrialState.PRUNED);
      const report = await study.reproduce(n, objective);
      assert.equal(report.identical, true, report.toString());
      assert.equal(report.reproducedState, 'PRUNED');
    }
  });

  it('re-runs a trial that returned its mean when told to stop (evaluateSeeds returnMean) up to the same seed', async () => {
    const objective = (t: Trial) => {
      const x = t.suggestFloat('x', 0, 1);
      return evaluateSeeds(t, 8, (seed) => x + (seed % 1000) / 1000, { whenPruned: 'returnMean' });
    };
    const study = await createStudy({ seed: 3, pruner: { prune: (_s, t) => t.number === 1 && t.intermediateValues.size >= 3 } });
    await study.optimize(objective, { nTrials: 2, showProgressBar: false });
    assert.equal(study.trials[1].state, TrialState.COMPLETE);
    assert.equal(study.trials[1].intermediateValues.size, 3, 'stopped after three of eight seeds');
    const report = await study.reproduce(1, objective);
    assert.equal(report.identical, true, report.toString());
    // A trial the pruner let run to the end is not stopped early by the re-run.
    const full = await study.reproduce(0, objective);
    assert.equal(full.identical, true, full.toString());
    assert.equal(study.trials[0].intermediateValues.size, 8);
  });

  it('refuses a trial that has no result, naming its state', async () => {
    const study = await createStudy({ seed: 2 });
    await study.optimize(() => Number.NaN, { nTrials: 1, showProgressBar: false });
    await assert.rejects(
      study.reproduce(0, () => 1),
      /trial 0 is FAIL; only COMPLETE and PRUNED/,
    );
    await assert.rejects(
      study.reproduce(5, () => 1),
      /has no trial 5 \(it has 1 trials/,
    );
  });
});

describe('concurrent trials', () => {
  it('two trials running at once (nJobs: 2) draw from their own seed streams', async () => {
    const draws = new Map<number, number[]>();
    const objective = async (t: Trial) => {
      const values: number[] = [];
      for (let k = 0; k < 4; k++) {
        values.push(new Rng().random()); // no seed: the next seed of this trial's stream
        // Hand the event loop to the other trial between draws, so the two interleave.
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      draws.set(t.number, values);
      return values.reduce((a, b) => a + b, 0);
    };
    const study = await createStudy({ seed: 21 });
    await study.optimize(objective, { nTrials: 4, nJobs: 2, showProgressBar: false });
    for (const t of study.trials) {
      const seed = t.systemAttrs[TRIAL_SEED_KEY] as number;
      // The k-th component seed of a trial is deriveSeed(trial.seed, k) whatever the other trial did meanwhile.
      const expected = [0, 1, 2, 3].map((k) => new Rng(deriveSeed(seed, k)).random());
      assert.deepEqual(draws.get(t.number), expected, `trial ${t.number}`);
    }
    assert.notDeepEqual(draws.get(0), draws.get(1));
    const report = await study.reproduce(2, objective);
    assert.equal(report.identical, true, report.toString());
  });

  it('outside a trial, a model without a seed keeps its default (0)', () => {
    assert.equal(new DecisionTreeClassifier().getParams().seed, 0);
  });
});
