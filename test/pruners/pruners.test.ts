import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  createStudy,
  HyperbandPruner,
  InvalidArgumentError,
  MedianPruner,
  NopPruner,
  PatientPruner,
  PercentilePruner,
  RandomSampler,
  Rng,
  SuccessiveHalvingPruner,
  ThresholdPruner,
  TrialPruned,
  TrialState,
  type Direction,
  type FrozenTrial,
  type Pruner,
  type Study,
  type Trial,
} from '../../src';
import { completedRungKey } from '../../src/pruners/successiveHalving';
import { crc32 } from '../../src/pruners/hyperband';
import { PYTHON } from '../helpers/python';

/** A pruner described as plain data, so the same description builds a tunelab and an Optuna pruner. */
type PrunerSpec =
  | { kind: 'median'; nStartupTrials?: number; nWarmupSteps?: number; intervalSteps?: number; nMinTrials?: number }
  | { kind: 'percentile'; percentile: number; nStartupTrials?: number; nWarmupSteps?: number; intervalSteps?: number; nMinTrials?: number }
  | { kind: 'threshold'; lower?: number; upper?: number; nWarmupSteps?: number; intervalSteps?: number }
  | { kind: 'patient'; wrapped: PrunerSpec | null; patience: number; minDelta?: number }
  | { kind: 'sha'; minResource?: number | 'auto'; reductionFactor?: number; minEarlyStoppingRate?: number; bootstrapCount?: number }
  | { kind: 'hyperband'; minResource?: number; maxResource?: number | 'auto'; reductionFactor?: number; bootstrapCount?: number };

function build(spec: PrunerSpec): Pruner {
  // The spec's own fields (kind, and what the constructors take as arguments) are not options.
  switch (spec.kind) {
    case 'median': {
      const { kind: _, ...opts } = spec;
      return new MedianPruner(opts);
    }
    case 'percentile': {
      const { kind: _, percentile, ...opts } = spec;
      return new PercentilePruner(percentile, opts);
    }
    case 'threshold': {
      const { kind: _, ...opts } = spec;
      return new ThresholdPruner(opts);
    }
    case 'patient': {
      const { kind: _, wrapped, ...opts } = spec;
      return new PatientPruner(wrapped ? build(wrapped) : null, opts);
    }
    case 'sha': {
      const { kind: _, ...opts } = spec;
      return new SuccessiveHalvingPruner(opts);
    }
    case 'hyperband': {
      const { kind: _, ...opts } = spec;
      return new HyperbandPruner(opts);
    }
  }
}

/**
 * Runs trials one after another; trial i reports curves[i][step] at each step and stops as soon as
 * the pruner says so. Returns, per trial, the step it was pruned at (null = completed).
 */
async function replay(pruner: Pruner, direction: Direction, curves: number[][], studyName?: string) {
  const study = await createStudy({ pruner, direction, studyName });
  const trace: (number | null)[] = [];
  for (const curve of curves) {
    const trial = await study.ask();
    let prunedAt: number | null = null;
    let value = NaN;
    for (let step = 0; step < curve.length; step++) {
      value = curve[step];
      trial.report(value, step);
      if (trial.shouldPrune()) {
        prunedAt = step;
        break;
      }
    }
    if (prunedAt === null) await study.tell(trial, Number.isNaN(value) ? 0 : value);
    else await study.tell(trial, null, { state: TrialState.PRUNED });
    trace.push(prunedAt);
  }
  return { trace, study };
}

function lastReportStep(t: { intermediateValues: ReadonlyMap<number, number> }): number {
  return Math.max(-1, ...t.intermediateValues.keys());
}

/** Learning-curve-like sequences: each trial has its own quality and speed, plus noise. */
function makeCurves(seed: number, nTrials: number, nSteps: number, nanRate = 0): number[][] {
  const curves = decayingCurves(seed, nTrials, nSteps, nanRate);
  return curves;
}

/** The same curves turned upside down, for maximised studies (accuracy-like: rising). */
function risingCurves(seed: number, nTrials: number, nSteps: number, nanRate = 0): number[][] {
  return decayingCurves(seed, nTrials, nSteps, nanRate).map((c) => c.map((v) => 1 - v));
}

function decayingCurves(seed: number, nTrials: number, nSteps: number, nanRate: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: nTrials }, () => {
    const floor = rng.uniform(0, 1);
    const speed = rng.uniform(0.05, 0.5);
    return Array.from({ length: nSteps }, (_, k) => {
      if (rng.random() < nanRate) return NaN;
      return floor + (1 - floor) * Math.exp(-speed * k) + 0.05 * rng.normal();
    });
  });
}

/**
 * Four of `trials` trials open at a time, a random one reporting its next step (values on a grid of
 * 0.05: ties; NaN at rate `nanRate`), so trials advance and finish in any order; at each report the
 * study's pruner must decide as `expected` says for the trial as it is, and a trial not pruned
 * completes after `steps` steps. Returns the decisions made and how many pruned.
 */
async function checkInterleaved(
  study: Study,
  rng: Rng,
  trials: number,
  steps: number,
  expected: (trial: FrozenTrial) => boolean,
  label = '',
  nanRate = 0,
): Promise<{ decisions: number; pruned: number }> {
  const open: Array<{ trial: Trial; x: number; step: number }> = [];
  let asked = 0;
  let decisions = 0;
  let pruned = 0;
  while (asked < trials || open.length > 0) {
    if (open.length < 4 && asked < trials) {
      const trial = await study.ask();
      asked++;
      open.push({ trial, x: trial.suggestFloat('x', 0, 1), step: 0 });
      continue;
    }
    const k = rng.int(0, open.length - 1);
    const o = open[k];
    const value = nanRate > 0 && rng.random() < nanRate ? NaN : Math.round((o.x + 1 / (o.step + 1) + 0.3 * rng.random()) * 20) / 20;
    o.trial.report(value, o.step);
    const want = expected(o.trial.snapshot());
    const prune = o.trial.shouldPrune();
    assert.equal(prune, want, `${label}trial ${o.trial.number}, step ${o.step}`);
    decisions++;
    if (prune) {
      pruned++;
      open.splice(k, 1);
      await study.tell(o.trial, null, { state: TrialState.PRUNED });
    } else if (++o.step === steps) {
      open.splice(k, 1);
      await study.tell(o.trial, Number.isNaN(value) ? 0 : value);
    }
  }
  return { decisions, pruned };
}

describe('MedianPruner', () => {
  it('prunes exactly the trial whose value is worse than the median of completed trials at that step', async () => {
    const study = await createStudy({ pruner: new MedianPruner({ nStartupTrials: 5 }) });
    // Five completed trials with values 1..5 at step 0: the median is 3.
    for (const v of [1, 2, 3, 4, 5]) {
      const t = await study.ask();
      t.report(v, 0);
      assert.equal(t.shouldPrune(), false, 'no pruning during the startup trials');
      await study.tell(t, v);
    }
    // The three trials run side by side, so none of them moves the median for the others.
    const running = await Promise.all([study.ask(), study.ask(), study.ask()]);
    const values = { good: 2.5, 'at-median': 3, bad: 3.5 };
    const decisions: Record<string, boolean> = {};
    Object.entries(values).forEach(([name, v], i) => {
      running[i].report(v, 0);
      decisions[name] = running[i].shouldPrune();
    });
    for (const [i, v] of Object.values(values).entries()) await study.tell(running[i], v);
    assert.deepEqual(decisions, { good: false, 'at-median': false, bad: true });
  });

  it('judges a trial by its best value so far, honours warmup, interval and nMinTrials', async () => {
    const study = await createStudy({
      pruner: new MedianPruner({ nStartupTrials: 1, nWarmupSteps: 1, intervalSteps: 2, nMinTrials: 2 }),
    });
    for (const v of [1, 2]) {
      const t = await study.ask();
      for (let s = 0; s < 6; s++) t.report(v, s);
      await study.tell(t, v);
    }
    const t = await study.ask();
    t.report(9, 0);
    assert.equal(t.shouldPrune(), false, 'step 0 is in the warmup');
    t.report(9, 1);
    assert.equal(t.shouldPrune(), true, 'step 1 is the first checked step; 9 > median 1.5');
    t.report(9, 2);
    assert.equal(t.shouldPrune(), false, 'step 2 is between checks (interval 2)');
    const u = await study.ask();
    u.report(0.5, 0);
    u.report(9, 1);
    assert.equal(u.shouldPrune(), false, 'its best value so far (0.5) beats the median');
    const w = await study.ask();
    w.report(9, 7);
    assert.equal(w.shouldPrune(), false, 'fewer than nMinTrials completed trials reported step 7');
  });

  it('is the default pruner of a study, as in Optuna', async () => {
    const study = await createStudy();
    assert.ok(study.pruner instanceof MedianPruner);
  });

  it('records a trial that throws TrialPruned as PRUNED with its last value', async () => {
    const curves = makeCurves(4, 12, 8);
    const study = await createStudy({ pruner: new MedianPruner({ nStartupTrials: 3 }) });
    let i = 0;
    await study.optimize(
      (trial) => {
        const curve = curves[i++];
        for (let s = 0; s < curve.length; s++) {
          trial.report(curve[s], s);
          if (trial.shouldPrune()) throw new TrialPruned();
        }
        return curve[curve.length - 1];
      },
      { nTrials: curves.length, showProgressBar: false },
    );
    const pruned = study.getTrials({ states: [TrialState.PRUNED] });
    assert.ok(pruned.length > 0, 'some of the 12 curves are pruned');
    for (const t of pruned) assert.equal(t.values?.[0], [...t.intermediateValues.values()].at(-1));
  });
});

describe('PercentilePruner', () => {
  it('at percentile 50 makes the same decisions as MedianPruner', async () => {
    const curves = makeCurves(11, 40, 12);
    for (const direction of ['minimize', 'maximize'] as const) {
      const median = await replay(new MedianPruner({ nStartupTrials: 3 }), direction, curves);
      const p50 = await replay(new PercentilePruner(50, { nStartupTrials: 3 }), direction, curves);
      assert.deepEqual(p50.trace, median.trace);
      assert.ok(median.trace.some((s) => s !== null));
    }
  });

  it('a lower percentile prunes at least as often (minimize)', async () => {
    const curves = makeCurves(12, 40, 12);
    const strict = await replay(new PercentilePruner(10, { nStartupTrials: 3 }), 'minimize', curves);
    const lax = await replay(new PercentilePruner(90, { nStartupTrials: 3 }), 'minimize', curves);
    const count = (t: (number | null)[]) => t.filter((s) => s !== null).length;
    assert.ok(count(strict.trace) > count(lax.trace), `${count(strict.trace)} vs ${count(lax.trace)}`);
  });

  it('rejects a percentile outside [0, 100]', () => {
    assert.throws(() => new PercentilePruner(101), InvalidArgumentError);
    assert.throws(() => new MedianPruner({ intervalSteps: 0 }), /intervalSteps must be an integer >= 1/);
  });
});

describe('PercentilePruner with its completed trials kept across checks', () => {
  it('decides as a pruner reading every trial afresh, with trials completing in any order, NaNs, and a second study', async () => {
    // Four trials open, a random one reporting its next step (values on a grid: ties; now and then
    // NaN), so trials complete out of order; each decision is compared with a fresh pruner's, which
    // has nothing kept. The same pruners then serve another study.
    for (const [direction, percentile, opts] of [
      ['minimize', 50, { nStartupTrials: 3, nMinTrials: 8 }],
      ['maximize', 25, { nWarmupSteps: 2, intervalSteps: 2 }],
    ] as const) {
      const pruner = new PercentilePruner(percentile, opts);
      let decisions = 0;
      let pruned = 0;
      for (const name of ['first', 'second']) {
        const study = await createStudy({ studyName: name, direction, sampler: new RandomSampler({ seed: 2 }), pruner });
        const rng = new Rng(name === 'first' ? 6 : 7);
        const fresh = (trial: FrozenTrial) => new PercentilePruner(percentile, opts).prune(study.view, trial);
        const counted = await checkInterleaved(study, rng, 200, 12, fresh, `${name}: `, 0.1);
        decisions += counted.decisions;
        pruned += counted.pruned;
      }
      assert.ok(decisions > 800 && pruned > 50 && pruned < decisions / 2, `${direction}: ${decisions} decisions, ${pruned} pruned`);
    }
  });

  it("counts NaN values towards nMinTrials, as Optuna's does, and takes the percentile of the others", async () => {
    const pruner = new MedianPruner({ nStartupTrials: 1, nMinTrials: 3 });
    const study = await createStudy({ pruner, sampler: new RandomSampler({ seed: 1 }) });
    for (const v of [NaN, NaN, 1]) {
      const t = await study.ask();
      t.report(v, 0);
      await study.tell(t, 0);
    }
    const t = await study.ask();
    t.report(5, 0);
    // Three values at step 0, two of them NaN: the median of the rest is 1, and 5 is worse.
    assert.equal(t.shouldPrune(), true);
    t.report(0.5, 1);
    // None at step 1.
    assert.equal(t.shouldPrune(), false);
  });
});

describe('ThresholdPruner', () => {
  it('prunes outside [lower, upper] and on NaN, after the warmup', async () => {
    const study = await createStudy({ pruner: new ThresholdPruner({ lower: 0, upper: 1, nWarmupSteps: 1 }) });
    const t = await study.ask();
    t.report(5, 0);
    assert.equal(t.shouldPrune(), false, 'warmup');
    t.report(0.5, 1);
    assert.equal(t.shouldPrune(), false);
    t.report(1.5, 2);
    assert.equal(t.shouldPrune(), true);
    const u = await study.ask();
    u.report(NaN, 1);
    assert.equal(u.shouldPrune(), true);
    const v = await study.ask();
    v.report(-0.1, 3);
    assert.equal(v.shouldPrune(), true);
  });

  it('needs a bound, and lower <= upper', () => {
    assert.throws(() => new ThresholdPruner({}), /give lower, upper or both/);
    assert.throws(() => new ThresholdPruner({ lower: 2, upper: 1 }), InvalidArgumentError);
  });
});

describe('PatientPruner', () => {
  it('prunes (without a wrapped pruner) once patience steps pass without improvement', async () => {
    const study = await createStudy({ pruner: new PatientPruner(null, { patience: 2 }) });
    const t = await study.ask();
    const curve = [5, 4, 3, 3.5, 3.2, 3.1, 2];
    const decisions = curve.map((v, s) => {
      t.report(v, s);
      return t.shouldPrune();
    });
    // At step 5 the last three values (3.5, 3.2, 3.1) do not beat the best before them (3).
    assert.deepEqual(decisions, [false, false, false, false, false, true, false]);
  });

  it('respects minDelta and defers to the wrapped pruner', async () => {
    const study = await createStudy({ pruner: new PatientPruner(new NopPruner(), { patience: 1 }) });
    const t = await study.ask();
    for (const [s, v] of [10, 20, 30].entries()) t.report(v, s);
    assert.equal(t.shouldPrune(), false, 'stalled, but the wrapped NopPruner never prunes');
    // Maximising: after a best of 2, the last two values peak at 1.7, a drop of 0.3.
    for (const [minDelta, expected] of [
      [0.5, false],
      [0.2, true],
    ] as const) {
      const s2 = await createStudy({ pruner: new PatientPruner(null, { patience: 1, minDelta }), direction: 'maximize' });
      const u = await s2.ask();
      for (const [s, v] of [2, 1.6, 1.7].entries()) u.report(v, s);
      assert.equal(u.shouldPrune(), expected, `minDelta ${minDelta} tolerates a drop of ${minDelta}`);
    }
  });
});

describe('SuccessiveHalvingPruner', () => {
  it('records rungs in system attributes and promotes only the top 1/eta of each rung', async () => {
    const pruner = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 });
    const study = await createStudy({ pruner });
    const outcome: boolean[] = [];
    for (const v of [5, 3, 4, 1, 6]) {
      const t = await study.ask();
      t.report(v, 1); // step 1 = rung 0
      outcome.push(t.shouldPrune());
      await study.tell(t, v);
    }
    // Rung 0 values arrive 5, 3, 4, 1, 6: with n values the top floor(n/2) (at least the best) go on.
    // 5: alone -> on; 3: best of 2 -> on; 4: not top 1 of 3 -> pruned; 1: top 2 of 4 -> on; 6 -> pruned.
    assert.deepEqual(outcome, [false, false, true, false, true]);
    assert.deepEqual(
      study.trials.map((t) => t.systemAttrs[completedRungKey(0)]),
      [5, 3, 4, 1, 6],
    );
  });

  it('moves a trial up several rungs in one check when it skipped steps', async () => {
    const study = await createStudy({ pruner: new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 }) });
    const t = await study.ask();
    t.report(1, 5); // rungs at 1, 2, 4 are all passed
    assert.equal(t.shouldPrune(), false);
    const done = await study.tell(t, 1);
    assert.deepEqual(
      [0, 1, 2, 3].map((r) => done.systemAttrs[completedRungKey(r)]),
      [1, 1, 1, undefined],
    );
  });

  it('sees the rungs of trials still running in this process (nJobs > 1)', async () => {
    const study = await createStudy({ pruner: new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 }) });
    const a = await study.ask();
    const b = await study.ask();
    a.report(1, 1);
    assert.equal(a.shouldPrune(), false);
    b.report(5, 1);
    // Neither trial has been told, yet b competes with a's recorded rung value and loses.
    assert.equal(b.shouldPrune(), true);
    await study.tell(b, null, { state: TrialState.PRUNED });
    await study.tell(a, 1);
  });

  it('decides by the rule (each rung keeps its top 1/eta) with trials advancing in any order, its rung record kept across calls', async () => {
    // The rule, from every trial as it is now: rung after rung, the trial goes on while its value
    // is within the top max(floor(n / eta), 1) of the n values recorded there (its own included).
    const expected = (
      study: Study,
      trial: FrozenTrial,
      eta: number,
      minResource: number,
      rate: number,
      bootstrap: number,
      member: (n: number) => boolean,
    ) => {
      const steps = [...trial.intermediateValues.keys()];
      const step = Math.max(...steps);
      const value = trial.intermediateValues.get(step)!;
      const live = new Map(study.runningTrials().map((t) => [t.number, t]));
      const others = study.trials.map((t) => live.get(t.number) ?? t).filter((t) => t.number !== trial.number && member(t.number));
      let rung = 0;
      while (completedRungKey(rung) in trial.systemAttrs) rung++;
      for (; ; rung++) {
        if (step < minResource * eta ** (rate + rung)) return false;
        const key = completedRungKey(rung);
        const competing = others.filter((t) => key in t.systemAttrs).map((t) => t.systemAttrs[key] as number);
        competing.push(value);
        if (competing.length <= bootstrap) return true;
        const sorted = competing.sort((x, y) => x - y);
        if (value > sorted[Math.max(Math.floor(competing.length / eta) - 1, 0)]) return true;
      }
    };
    // Four trials open, a random one reporting its next step (values on a grid: ties), so rungs
    // fill from running and finished trials in every order; Hyperband's brackets too.
    const cases: Array<{
      pruner: Pruner;
      eta: number;
      bootstrap: number;
      rate: (n: number) => number;
      member: (n: number, of: number) => boolean;
    }> = [];
    cases.push({
      pruner: new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 }),
      eta: 3,
      bootstrap: 0,
      rate: () => 0,
      member: () => true,
    });
    cases.push({
      pruner: new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2, bootstrapCount: 2 }),
      eta: 2,
      bootstrap: 2,
      rate: () => 0,
      member: () => true,
    });
    const hyperband = new HyperbandPruner({ minResource: 1, maxResource: 27, reductionFactor: 3 });
    cases.push({
      pruner: hyperband,
      eta: 3,
      bootstrap: 0,
      rate: (n) => hyperband.bracketOf('rungs', n)!,
      member: (n, of) => hyperband.bracketOf('rungs', n) === hyperband.bracketOf('rungs', of),
    });
    for (const c of cases) {
      const study = await createStudy({ studyName: 'rungs', sampler: new RandomSampler({ seed: 2 }), pruner: c.pruner });
      const rng = new Rng(6);
      const { decisions, pruned } = await checkInterleaved(study, rng, 300, 27, (trial) => {
        const n = trial.number;
        return expected(study, trial, c.eta, 1, c.rate(n), c.bootstrap, (m) => c.member(m, n));
      });
      assert.ok(decisions > 600 && pruned > 100, `${decisions} decisions, ${pruned} pruned`);
    }
  });

  it('runs inside optimize with concurrent async trials', async () => {
    const curves = makeCurves(21, 24, 16);
    const pruner = new HyperbandPruner({ maxResource: 16, reductionFactor: 2 });
    const study = await createStudy({ pruner });
    let next = 0;
    await study.optimize(
      async (trial) => {
        const curve = curves[next++];
        for (let s = 0; s < curve.length; s++) {
          await new Promise((r) => setImmediate(r));
          trial.report(curve[s], s);
          if (trial.shouldPrune()) throw new TrialPruned();
        }
        return curve[curve.length - 1];
      },
      { nTrials: curves.length, nJobs: 3, showProgressBar: false },
    );
    const pruned = study.getTrials({ states: [TrialState.PRUNED] }).length;
    const complete = study.getTrials({ states: [TrialState.COMPLETE] }).length;
    assert.equal(pruned + complete, curves.length);
    assert.ok(pruned > 0 && complete > 0, `${pruned} pruned, ${complete} complete`);
    // Every trial that reached its bracket's first rung has the rung value stored with it.
    const firstRung = pruner.brackets().map((b) => b.r);
    for (const t of study.trials) {
      const reached = lastReportStep(t) >= firstRung[pruner.bracketOf(study.studyName, t.number)!];
      assert.equal(completedRungKey(0) in t.systemAttrs, reached, `trial ${t.number}`);
    }
  });

  it("estimates minResource 'auto' from the first completed trial and checks options", async () => {
    const pruner = new SuccessiveHalvingPruner();
    const study = await createStudy({ pruner });
    assert.equal(pruner.rungStep(study, 0), undefined);
    const t = await study.ask();
    for (let s = 0; s <= 450; s += 50) t.report(1, s);
    assert.equal(t.shouldPrune(), false, "no pruning before 'auto' can be estimated");
    await study.tell(t, 1);
    assert.equal(pruner.rungStep(study, 0), 4); // floor(450 / 100)
    assert.equal(pruner.rungStep(study, 1), 16);
    assert.throws(() => new SuccessiveHalvingPruner({ bootstrapCount: 1 }), /needs a fixed minResource/);
    assert.throws(() => new SuccessiveHalvingPruner({ reductionFactor: 1 }), InvalidArgumentError);
  });
});

describe('HyperbandPruner', () => {
  it('has brackets 81@1, 34@3, 15@9, 8@27, 5@81 for R = 81, eta = 3', () => {
    const b = new HyperbandPruner({ minResource: 1, maxResource: 81, reductionFactor: 3 }).brackets();
    assert.deepEqual(
      b.map((x) => x.n),
      [81, 34, 15, 8, 5],
    );
    assert.deepEqual(
      b.map((x) => x.r),
      [1, 3, 9, 27, 81],
    );
  });

  it('follows n = ceil((B/R) eta^s / (s+1)), r = R eta^-s for other settings', () => {
    for (const [minR, maxR, eta] of [
      [1, 27, 3],
      [2, 500, 4],
      [1, 243, 3],
      [1, 1000, 2],
    ]) {
      const ratio = maxR / minR;
      let sMax = 0;
      while (eta ** (sMax + 1) <= ratio + 1e-9) sMax++;
      const bOverR = sMax + 1;
      const rTop = minR * eta ** sMax; // the largest resource the brackets reach
      const expected = [];
      for (let s = sMax; s >= 0; s--) expected.push({ n: Math.ceil((bOverR * eta ** s) / (s + 1)), r: rTop / eta ** s });
      const got = new HyperbandPruner({ minResource: minR, maxResource: maxR, reductionFactor: eta }).brackets();
      assert.deepEqual(
        got.map(({ n, r }) => ({ n, r })),
        expected,
        `(${minR}, ${maxR}, ${eta})`,
      );
    }
  });

  it("with maxResource 'auto' fixes the brackets once a trial completes", async () => {
    const pruner = new HyperbandPruner();
    assert.throws(() => pruner.brackets(), /no trial has completed yet/);
    const study = await createStudy({ pruner });
    const t = await study.ask();
    for (let s = 0; s < 27; s++) t.report(1, s);
    await study.tell(t, 1);
    const u = await study.ask();
    u.report(1, 0);
    u.shouldPrune();
    assert.deepEqual(
      pruner.brackets().map((b) => b.n),
      [27, 12, 6, 4],
    ); // R = 27 steps
  });

  it('assigns brackets by a CRC-32 hash weighted by bracket budget', () => {
    assert.equal(crc32('The quick brown fox jumps over the lazy dog'), 0x414fa339);
    const pruner = new HyperbandPruner({ maxResource: 81 });
    const counts = [0, 0, 0, 0, 0];
    for (let i = 0; i < 14300; i++) counts[pruner.bracketOf('hb', i)!]++;
    const budgets = pruner.brackets().map((b) => b.n);
    const total = budgets.reduce((a, b) => a + b, 0);
    budgets.forEach((n, i) => assert.ok(Math.abs(counts[i] / 14300 - n / total) < 0.02, `bracket ${i}: ${counts[i]}`));
  });

  it('compares a trial only with the trials of its own bracket', async () => {
    const make = () => new HyperbandPruner({ minResource: 1, maxResource: 9, reductionFactor: 3 });
    const curves = makeCurves(5, 40, 9);
    const bracketOf = (i: number) => make().bracketOf('bracketed', i)!;
    // Make every trial outside bracket 0 far better than anything in it: if brackets leaked into
    // each other, bracket 0's trials would now all be pruned at their first rung.
    const altered = curves.map((c, i) => (bracketOf(i) === 0 ? c : c.map((v) => v - 100)));
    const before = await replay(make(), 'minimize', curves, 'bracketed');
    const after = await replay(make(), 'minimize', altered, 'bracketed');
    const inBracket0 = (trace: (number | null)[]) => trace.filter((_, i) => bracketOf(i) === 0);
    assert.ok(inBracket0(before.trace).length >= 5);
    assert.deepEqual(inBracket0(after.trace), inBracket0(before.trace));
    assert.ok(
      inBracket0(before.trace).some((s) => s === null),
      'some bracket-0 trials survive',
    );
  });
});

describe('multi-objective studies refuse pruning with a clear error', () => {
  it('the trial refuses report and shouldPrune, as Optuna 5.0 (whatever the pruner)', async () => {
    for (const pruner of [new MedianPruner({ nStartupTrials: 0 }), new SuccessiveHalvingPruner({ minResource: 1 })]) {
      const study = await createStudy({ directions: ['minimize', 'maximize'], pruner });
      const t = await study.ask();
      assert.throws(() => t.report(1, 1), /Trial\.report is not supported for multi-objective optimization/);
      assert.throws(() => t.shouldPrune(), /Trial\.shouldPrune is not supported for multi-objective optimization/);
    }
  });
});

describe('prune decisions match Optuna 5.0 on identical intermediate values', () => {
  const scenarios: Array<{ id: string; pruner: PrunerSpec; direction: Direction; curves: number[][]; studyName: string }> = [
    { id: 'median-default', pruner: { kind: 'median' }, direction: 'minimize', curves: makeCurves(1, 30, 10), studyName: 's1' },
    {
      id: 'median-options-max',
      pruner: { kind: 'median', nStartupTrials: 2, nWarmupSteps: 3, intervalSteps: 2, nMinTrials: 3 },
      direction: 'maximize',
      curves: risingCurves(2, 30, 12),
      studyName: 's2',
    },
    {
      id: 'p25-min',
      pruner: { kind: 'percentile', percentile: 25, nStartupTrials: 3 },
      direction: 'minimize',
      curves: makeCurves(3, 30, 10, 0.05),
      studyName: 's3',
    },
    {
      id: 'p70-max',
      pruner: { kind: 'percentile', percentile: 70, nStartupTrials: 3 },
      direction: 'maximize',
      curves: risingCurves(4, 30, 10),
      studyName: 's4',
    },
    {
      id: 'threshold',
      pruner: { kind: 'threshold', lower: 0.2, upper: 1.0, nWarmupSteps: 2, intervalSteps: 2 },
      direction: 'minimize',
      curves: makeCurves(5, 20, 10, 0.05),
      studyName: 's5',
    },
    {
      id: 'patient-median',
      pruner: { kind: 'patient', wrapped: { kind: 'median', nStartupTrials: 2 }, patience: 2, minDelta: 0.01 },
      direction: 'minimize',
      curves: makeCurves(6, 30, 15),
      studyName: 's6',
    },
    {
      id: 'patient-alone-max',
      pruner: { kind: 'patient', wrapped: null, patience: 1 },
      direction: 'maximize',
      curves: risingCurves(7, 10, 10),
      studyName: 's7',
    },
    { id: 'sha-auto', pruner: { kind: 'sha' }, direction: 'minimize', curves: makeCurves(8, 50, 30), studyName: 's8' },
    {
      id: 'sha-options-max',
      pruner: { kind: 'sha', minResource: 2, reductionFactor: 3, minEarlyStoppingRate: 1, bootstrapCount: 2 },
      direction: 'maximize',
      curves: risingCurves(9, 40, 30),
      studyName: 's9',
    },
    {
      id: 'hyperband-27',
      pruner: { kind: 'hyperband', minResource: 1, maxResource: 27, reductionFactor: 3 },
      direction: 'minimize',
      curves: makeCurves(10, 80, 27),
      studyName: 'hb-study',
    },
    {
      id: 'hyperband-auto',
      pruner: { kind: 'hyperband' },
      direction: 'maximize',
      curves: risingCurves(11, 60, 20, 0.02),
      studyName: 'hb-auto',
    },
  ];
  const hyperbandConfigs = [
    { minResource: 1, maxResource: 81, reductionFactor: 3 },
    { minResource: 2, maxResource: 500, reductionFactor: 4 },
    { minResource: 1, maxResource: 1000, reductionFactor: 2 },
  ];

  const request = {
    scenarios: scenarios.map((s) => ({ ...s, curves: s.curves.map((c) => c.map((v) => (Number.isNaN(v) ? null : v))) })),
    hyperband: hyperbandConfigs,
    crc: ['hb-study_0', 'hb-study_17', 'näive_3'],
  };
  const run = spawnSync(PYTHON, [join(__dirname, 'fixtures', 'optuna_pruner_trace.py')], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const optuna = () => {
    assert.equal(run.status, 0, `Optuna run failed: ${run.stderr}`);
    return JSON.parse(run.stdout) as {
      traces: Record<string, (number | null)[]>;
      hyperband: number[][];
      crc: Record<string, number>;
    };
  };

  for (const s of scenarios) {
    it(s.id, async () => {
      const { trace } = await replay(build(s.pruner), s.direction, s.curves, s.studyName);
      assert.deepEqual(trace, optuna().traces[s.id]);
      const nPruned = trace.filter((x) => x !== null).length;
      assert.ok(nPruned > 0 && nPruned < trace.length, `${s.id}: a meaningful mix (${nPruned} of ${trace.length} pruned)`);
    });
  }

  it('Hyperband bracket budgets and the bracket hash', () => {
    const got = hyperbandConfigs.map((c) => new HyperbandPruner(c).brackets().map((b) => b.n));
    assert.deepEqual(got, optuna().hyperband);
    for (const [text, crc] of Object.entries(optuna().crc)) assert.equal(crc32(text), crc, text);
  });
});
