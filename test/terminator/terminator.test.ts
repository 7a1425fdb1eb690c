import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  createStudy,
  InvalidArgumentError,
  RandomSampler,
  Rng,
  Terminator,
  TerminatorCallback,
  TrialState,
  type Direction,
  type FrozenTrial,
  type Study,
} from '../../src';
import {
  BestValueStagnationEvaluator,
  CrossValidationErrorEvaluator,
  EMMREvaluator,
  MedianErrorEvaluator,
  RegretBoundEvaluator,
  reportCrossValidationScores,
  StaticErrorEvaluator,
  terminatorImprovementHistory,
} from '../../src/entries/terminator';
import { distributionToJson } from '../../src/distributions';
import { PYTHON } from '../helpers/python';

const MAX_STAGNATION = 6;
const STATIC_CONSTANT = 3;
const MIN_N_TRIALS = 8;
const MEDIAN = { warmUpTrials: 3, nInitialTrials: 5, thresholdRatio: 0.5 };
const REGRET_PREFIXES = [10, 20, 30, 45];
const REGRET_SEEDS = [0, 1, 2];
const EMMR_PREFIXES = [5, 10, 20, 30, 45];

/**
 * A study of a noisy 4-parameter objective (float, log float, int, categorical) run by random search,
 * with some PRUNED and FAIL trials and 5-fold CV scores on every complete trial.
 */
async function history(direction: Direction, seed: number, nTrials: number): Promise<Study> {
  const study = await createStudy({ direction, sampler: new RandomSampler({ seed }) });
  const rng = new Rng(seed + 1000);
  const sign = direction === 'minimize' ? 1 : -1;
  for (let i = 0; i < nTrials; i++) {
    const trial = await study.ask();
    const x = trial.suggestFloat('x', -5, 5);
    const lr = trial.suggestFloat('lr', 1e-4, 1, { log: true });
    const layers = trial.suggestInt('layers', 1, 8);
    const kind = trial.suggestCategorical('kind', ['a', 'b', 'c']);
    const loss = (x - 1) ** 2 + (Math.log10(lr) + 2) ** 2 + 0.2 * layers + { a: 0, b: 0.5, c: 1.5 }[kind as 'a' | 'b' | 'c'];
    const folds = Array.from({ length: 5 }, () => sign * (loss + rng.normal(0, 0.3)));
    const value = folds.reduce((a, b) => a + b, 0) / folds.length;
    const roll = rng.random();
    if (roll < 0.08) {
      await study.tell(trial, null, { state: TrialState.PRUNED });
    } else if (roll < 0.12) {
      await study.tell(trial, null, { state: TrialState.FAIL });
    } else {
      reportCrossValidationScores(trial, folds);
      await study.tell(trial, value);
    }
  }
  return study;
}

interface OptunaAnswer {
  history: { trialNumbers: number[]; improvements: number[]; errors: number[] };
  stagnationDecisions: boolean[];
  staticDecisions: boolean[];
  median: number;
  regret: number[][];
  regretTerminate: { prefix: number; constant: number; decision: boolean }[];
  emmr: number[][];
}

function askOptuna(study: Study): OptunaAnswer {
  const trials = study.trials.map((t) => ({
    state: TrialState[t.state],
    params: t.params,
    distributions: Object.fromEntries(Object.entries(t.distributions).map(([k, d]) => [k, distributionToJson(d)])),
    value: t.values ? t.values[0] : null,
    cvScores: (t.systemAttrs['terminator:cv_scores'] as number[] | undefined) ?? null,
  }));
  const request = {
    direction: study.direction,
    trials,
    maxStagnationTrials: MAX_STAGNATION,
    staticConstant: STATIC_CONSTANT,
    minNTrials: MIN_N_TRIALS,
    median: MEDIAN,
    regretPrefixes: REGRET_PREFIXES,
    regretSeeds: REGRET_SEEDS,
    // Clear cases: an error 4x above and 4x below Optuna's own bound.
    regretTerminateFactors: [4, 0.25],
    emmrPrefixes: EMMR_PREFIXES,
  };
  const run = spawnSync(PYTHON, [join(__dirname, 'fixtures', 'optuna_terminator.py')], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    timeout: 300_000,
  });
  assert.equal(run.status, 0, `optuna_terminator.py failed (status ${run.status}, signal ${run.signal}): ${run.stderr.slice(-4000)}`);
  return JSON.parse(run.stdout) as OptunaAnswer;
}

function prefixStudy(study: Study, k: number) {
  return { directions: study.directions, trials: study.trials.slice(0, k) };
}

function completePrefix(study: Study, k: number): FrozenTrial[] {
  return study.trials.filter((t) => t.state === TrialState.COMPLETE).slice(0, k);
}

for (const direction of ['minimize', 'maximize'] as const) {
  describe(`Terminator against Optuna 5.0 (${direction})`, () => {
    // One history and one Optuna run (importing Optuna and torch dominates) for both tests.
    let shared: Promise<{ study: Study; optuna: OptunaAnswer }> | undefined;
    const reference = () =>
      (shared ??= history(direction, direction === 'minimize' ? 3 : 4, 60).then((study) => ({ study, optuna: askOptuna(study) })));

    it('gives Optuna’s stagnation improvements, CV errors, median error and termination decisions', async () => {
      const { study, optuna } = await reference();
      const ours = terminatorImprovementHistory(study, {
        improvementEvaluator: new BestValueStagnationEvaluator(MAX_STAGNATION),
        errorEvaluator: new CrossValidationErrorEvaluator(),
        withError: true,
      });
      assert.deepEqual(ours.trialNumbers, optuna.history.trialNumbers);
      assert.deepEqual(ours.improvements, optuna.history.improvements);
      ours.errors!.forEach((e, i) => {
        assert.ok(
          Math.abs(e - optuna.history.errors[i]) <= 1e-12 * Math.max(1, Math.abs(e)),
          `CV error after trial ${ours.trialNumbers[i]}: ${e} vs Optuna ${optuna.history.errors[i]}`,
        );
      });
      const stagnation: boolean[] = [];
      const withStatic: boolean[] = [];
      for (let k = 1; k <= study.trials.length; k++) {
        const s = prefixStudy(study, k);
        stagnation.push(
          new Terminator({
            improvementEvaluator: new BestValueStagnationEvaluator(MAX_STAGNATION),
            minNTrials: MIN_N_TRIALS,
          }).shouldTerminate(s),
        );
        withStatic.push(
          new Terminator({
            improvementEvaluator: new BestValueStagnationEvaluator(MAX_STAGNATION),
            errorEvaluator: new StaticErrorEvaluator(STATIC_CONSTANT),
            minNTrials: MIN_N_TRIALS,
          }).shouldTerminate(s),
        );
      }
      assert.deepEqual(stagnation, optuna.stagnationDecisions);
      assert.deepEqual(withStatic, optuna.staticDecisions);
      // Both outcomes occur, or the comparison would prove little.
      for (const decisions of [stagnation, withStatic])
        assert.ok(decisions.includes(true) && decisions.includes(false), JSON.stringify(decisions));
      const median = new MedianErrorEvaluator(new BestValueStagnationEvaluator(MAX_STAGNATION), MEDIAN).evaluate(study.trials, direction);
      assert.equal(median, optuna.median);
    });

    it('gives regret bounds close to Optuna’s (different GP fits) and the same decision in clear cases', async () => {
      const { study, optuna } = await reference();
      const report: string[] = [];
      let worstRatio = 1;
      REGRET_PREFIXES.forEach((k, p) => {
        const trials = completePrefix(study, k);
        const ours = REGRET_SEEDS.map((seed) => new RegretBoundEvaluator({ seed }).evaluate(trials, direction));
        const theirs = optuna.regret[p];
        const meanOurs = ours.reduce((a, b) => a + b, 0) / ours.length;
        const meanTheirs = theirs.reduce((a, b) => a + b, 0) / theirs.length;
        const ratio = meanOurs / meanTheirs;
        worstRatio = Math.max(worstRatio, ratio, 1 / ratio);
        report.push(`${k} trials: tunelab ${ours.map((v) => v.toFixed(3)).join('/')} Optuna ${theirs.map((v) => v.toFixed(3)).join('/')}`);
        for (const v of ours) assert.ok(Number.isFinite(v) && v > 0, `regret bound ${v} at ${k} trials`);
      });
      console.log(`RegretBound (${direction}): ${report.join('; ')}; worst ratio of means ${worstRatio.toFixed(3)}`);
      assert.ok(worstRatio <= 1.5, `regret bounds differ from Optuna's by more than 50%: ${report.join('; ')}`);
      for (const c of optuna.regretTerminate) {
        const ours = new Terminator({
          improvementEvaluator: new RegretBoundEvaluator({ seed: 0 }),
          errorEvaluator: new StaticErrorEvaluator(c.constant),
          minNTrials: MIN_N_TRIALS,
        }).shouldTerminate({ directions: study.directions, trials: completePrefix(study, c.prefix) });
        assert.equal(ours, c.decision, `error ${c.constant} at ${c.prefix} trials`);
      }
      assert.deepEqual(
        optuna.regretTerminate.map((c) => c.decision),
        [true, false],
      );
    });

    it('gives EMMR criteria close to Optuna’s (two GP fits and an inner regret bound each)', async () => {
      const { study, optuna } = await reference();
      const report: string[] = [];
      let worstRatio = 1;
      EMMR_PREFIXES.forEach((k, p) => {
        const trials = completePrefix(study, k);
        const ours = REGRET_SEEDS.map((seed) => new EMMREvaluator({ seed }).evaluate(trials, direction));
        const theirs = optuna.emmr[p];
        const ratio = ours.reduce((a, b) => a + b, 0) / theirs.reduce((a, b) => a + b, 0);
        worstRatio = Math.max(worstRatio, ratio, 1 / ratio);
        report.push(`${k} trials: tunelab ${ours.map((v) => v.toFixed(4)).join('/')} Optuna ${theirs.map((v) => v.toFixed(4)).join('/')}`);
        for (const v of ours) assert.ok(Number.isFinite(v), `EMMR ${v} at ${k} trials`);
      });
      console.log(`EMMR (${direction}): ${report.join('; ')}; worst ratio of means ${worstRatio.toFixed(3)}`);
      assert.ok(worstRatio <= 1.3, `EMMR differs from Optuna's by more than 30%: ${report.join('; ')}`);
      // Fewer than minNTrials complete trials: "never terminate", as Optuna's huge finite value.
      assert.equal(new EMMREvaluator().evaluate(completePrefix(study, 1), direction), Number.MAX_VALUE * 0.1);
    });
  });
}

describe('Terminator in a study', () => {
  it('TerminatorCallback stops optimize once the best value stagnates, as Optuna would', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 7 }) });
    const callback = new TerminatorCallback(new Terminator({ improvementEvaluator: new BestValueStagnationEvaluator(5), minNTrials: 3 }));
    // The objective improves for 4 trials and then gets worse for ever.
    await study.optimize(
      (trial) => {
        trial.suggestFloat('x', 0, 1);
        return Math.abs(trial.number - 3);
      },
      { nTrials: 50, callbacks: [callback] },
    );
    // Best at trial 3; stagnation 5 - (n - 1 - 3) < 0 first when n = 10 complete trials.
    assert.equal(study.trials.length, 10);
    assert.equal(typeof callback, 'function');
    assert.ok(callback.terminator instanceof Terminator);
  });

  it('reads cross-validation scores Optuna-style and refuses bad input with typed errors', async () => {
    const study = await createStudy();
    const trial = await study.ask();
    assert.throws(() => reportCrossValidationScores(trial, [1]), /at least two fold scores/);
    assert.throws(() => reportCrossValidationScores(trial, [1, NaN]), InvalidArgumentError);
    reportCrossValidationScores(trial, [1, 2, 3]);
    await study.tell(trial, 2);
    assert.equal(study.trials[0].systemAttrs['terminator:cv_scores'] instanceof Array, true);
    // sqrt((1/3 + 1/2) * var([1, 2, 3])) = sqrt(5/6 * 2/3)
    assert.ok(Math.abs(new CrossValidationErrorEvaluator().evaluate(study.trials, 'minimize') - Math.sqrt((5 / 6) * (2 / 3))) < 1e-15);
    assert.throws(() => new Terminator({ minNTrials: 0 }), InvalidArgumentError);
    assert.throws(() => new BestValueStagnationEvaluator(-1), InvalidArgumentError);
    assert.throws(() => new RegretBoundEvaluator().evaluate([], 'minimize'), /no trial has completed/);
    const noCv = await createStudy();
    await noCv.optimize(() => 1, { nTrials: 2 });
    assert.throws(() => new CrossValidationErrorEvaluator().evaluate(noCv.trials, 'minimize'), /reportCrossValidationScores/);
    const multi = await createStudy({ directions: ['minimize', 'minimize'] });
    assert.throws(() => new Terminator().shouldTerminate(multi), /single-objective/);
  });
});
