import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createStudy, InvalidArgumentError, Rng, WilcoxonPruner, type Direction } from '../../src';
import {
  wilcoxonSignedRank,
  type SignedRankAlternative,
  type SignedRankMethod,
  type SignedRankZeroMethod,
} from '../../src/entries/pruners';
import { PYTHON } from '../helpers/python';

function runPython<T>(script: string, request: unknown): T {
  const run = spawnSync(PYTHON, [join(__dirname, 'fixtures', script)], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    timeout: 240_000,
  });
  assert.equal(run.status, 0, `${script} failed (status ${run.status}, signal ${run.signal}): ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

interface SignedRankCase {
  d: number[];
  alternative: SignedRankAlternative;
  zeroMethod: SignedRankZeroMethod;
  correction: boolean;
  method: SignedRankMethod;
}

/**
 * Samples of every shape the test branches on: sizes around 13 and 50, ties, zeros, all zeros.
 * scipy enumerates 2^n sign flips for a tied sample of n <= 13, slowly (about a second at n = 13 on
 * this machine), so those sizes get fewer samples and only the zero method Optuna uses.
 */
function signedRankCases(rng: Rng): SignedRankCase[] {
  const cases: SignedRankCase[] = [];
  const everyOption = (d: number[]) => {
    for (const alternative of ['two-sided', 'less', 'greater'] as const) {
      for (const zeroMethod of ['wilcox', 'pratt', 'zsplit'] as const)
        cases.push({ d, alternative, zeroMethod, correction: false, method: 'auto' });
    }
    // The continuity correction and forced methods.
    cases.push({ d, alternative: 'greater', zeroMethod: 'zsplit', correction: true, method: 'asymptotic' });
    cases.push({ d, alternative: 'two-sided', zeroMethod: 'pratt', correction: true, method: 'asymptotic' });
    if (d.length <= 60) cases.push({ d, alternative: 'less', zeroMethod: 'zsplit', correction: false, method: 'exact' });
  };
  const zsplitOnly = (d: number[]) => {
    for (const alternative of ['two-sided', 'less', 'greater'] as const)
      cases.push({ d, alternative, zeroMethod: 'zsplit', correction: false, method: 'auto' });
  };
  const variants = (n: number) => {
    const shift = rng.uniform(-1, 1);
    const continuous = Array.from({ length: n }, () => rng.normal(shift, 1));
    return {
      continuous,
      // Rounding to a coarse grid makes ties and zeros.
      rounded: continuous.map((v) => Math.round(v * 2) / 2),
      // Exact zeros among continuous values.
      withZeros: continuous.map((v) => (rng.random() < 0.3 ? 0 : v)),
      // Integers: many ties of equal magnitude and opposite signs.
      integers: Array.from({ length: n }, () => rng.int(-3, 3)),
    };
  };
  for (const n of [2, 3, 4, 5, 6, 7, 14, 15, 20, 25, 30, 40, 49, 50, 51, 60, 80, 120]) {
    for (let rep = 0; rep < 4; rep++) {
      const v = variants(n);
      for (const d of [v.continuous, v.rounded, v.withZeros, v.integers]) everyOption(d);
    }
  }
  for (const n of [8, 9, 10, 11, 12, 13]) {
    const v = variants(n);
    everyOption(v.continuous);
    zsplitOnly(n % 2 ? v.rounded : v.integers);
  }
  // One difference: exact when it is non-zero; scipy refuses a permutation test of one zero.
  everyOption([0.7]);
  everyOption([-1.5]);
  zsplitOnly([0]);
  for (const d of [[0, 0, 0], new Array<number>(20).fill(0), [1e-300, -1e-300, 5e-324], [1, 1, 1, 1], new Array<number>(15).fill(-2)])
    everyOption(d);
  return cases;
}

describe('wilcoxonSignedRank', () => {
  it('gives the statistic and p-value scipy.stats.wilcoxon gives (to 1e-9) on random samples with ties and zeros', () => {
    const rng = new Rng(20261202);
    const cases = signedRankCases(rng);
    // scipy returns NaN (JSON null after the fixture's mapping) when nothing is left to rank, and
    // refuses some inputs (an error message).
    const reference = runPython<{ results: { statistic?: number | null; pvalue?: number | null; error?: string }[] }>('scipy_wilcoxon.py', {
      cases,
    });
    assert.equal(reference.results.length, cases.length);
    const methodsSeen = new Set<string>();
    let worst = 0;
    let refused = 0;
    cases.forEach((c, i) => {
      const expected = reference.results[i];
      const context = `case ${i}: ${JSON.stringify({ ...c, d: c.d.length > 20 ? `${c.d.length} values` : c.d })} scipy ${JSON.stringify(expected)}`;
      if (expected.error !== undefined) {
        assert.throws(() => wilcoxonSignedRank(c.d, c), InvalidArgumentError, context);
        refused++;
        return;
      }
      const got = wilcoxonSignedRank(c.d, c);
      methodsSeen.add(got.method);
      if (expected.pvalue === null) {
        assert.ok(Number.isNaN(got.pvalue), `${context} got ${JSON.stringify(got)}`);
        return;
      }
      assert.ok(
        Math.abs(got.statistic - expected.statistic!) <= 1e-9 * Math.max(1, Math.abs(expected.statistic!)),
        `${context} got ${JSON.stringify(got)}`,
      );
      const error = Math.abs(got.pvalue - expected.pvalue!);
      worst = Math.max(worst, error);
      assert.ok(error <= 1e-9, `${context} got ${JSON.stringify(got)}`);
    });
    assert.deepEqual([...methodsSeen].sort(), ['asymptotic', 'exact', 'permutation']);
    assert.ok(refused < 10, `scipy refused ${refused} cases`);
    console.log(
      `signed-rank: ${cases.length} cases agree with scipy (${refused} refused by both); largest p-value difference ${worst.toExponential(2)}`,
    );
  });

  it('refuses empty samples, non-finite differences and unknown options with a typed error', () => {
    assert.throws(() => wilcoxonSignedRank([]), InvalidArgumentError);
    assert.throws(() => wilcoxonSignedRank([1, NaN]), /difference 1 is NaN/);
    assert.throws(() => wilcoxonSignedRank([1, 2], { alternative: 'bigger' as SignedRankAlternative }), /alternative must be one of/);
  });
});

interface TrialHistory {
  /** Instance ids in the order this trial evaluates them. */
  order: number[];
  /** The trial's value on each instance id. */
  values: number[];
}

interface Scenario {
  direction: Direction;
  pThreshold: number;
  nStartupSteps: number;
  trials: TrialHistory[];
}

function shuffled(n: number, rng: Rng): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/**
 * Per-instance scores as in multi-seed or per-fold evaluation: an instance difficulty shared by all
 * trials, a per-trial quality, and noise. Three kinds of scenario reach the three ways the test is
 * computed (scipy's permutation test costs 2^n, so Optuna's side stays fast only if ties are kept
 * out of comparisons on 9 to 13 steps):
 * - 'continuous': no ties, exact (<= 50 steps) or normal (> 50 steps);
 * - 'rounded', at most 8 instances: ties and zeros, exact permutation;
 * - 'lateTies': the first 13 instances every trial evaluates are continuous, the rest rounded, so
 *   ties and zeros appear only beyond 13 paired steps (normal approximation with tie correction).
 */
function scenarios(rng: Rng): Scenario[] {
  const out: Scenario[] = [];
  const kinds = [
    ...[6, 10, 14, 25, 50, 51, 70].map((n) => ({ kind: 'continuous', n })),
    ...[4, 6, 8].map((n) => ({ kind: 'rounded', n })),
    ...[30, 60].map((n) => ({ kind: 'lateTies', n })),
  ];
  for (let s = 0; s < 3 * kinds.length; s++) {
    const { kind, n } = kinds[s % kinds.length];
    const difficulty = Array.from({ length: n }, () => rng.normal(0, 2));
    const roundAt = (id: number) => kind === 'rounded' || (kind === 'lateTies' && id >= 13);
    const grid = kind === 'rounded' && s % 2 === 0 ? 1 : 0.5;
    const trials: TrialHistory[] = [];
    for (let t = 0; t < 12; t++) {
      const quality = rng.uniform(-1.5, 1.5);
      const values = difficulty.map((dv, id) => {
        const v = dv + quality + rng.normal(0, 0.6);
        return roundAt(id) ? Math.round(v / grid) * grid : v;
      });
      const order = kind === 'lateTies' ? [...shuffled(13, rng), ...shuffled(n - 13, rng).map((i) => i + 13)] : shuffled(n, rng);
      trials.push({ order, values });
    }
    out.push({
      direction: s % 2 === 0 ? 'minimize' : 'maximize',
      pThreshold: [0.1, 0.05, 0.3][Math.floor(s / kinds.length)],
      nStartupSteps: [2, 0, 5][s % 3],
      trials,
    });
  }
  return out;
}

/** tunelab's side of optuna_wilcoxon_trace.py: the same reports, checks and told values. */
async function replay(sc: Scenario): Promise<(number | null)[]> {
  const study = await createStudy({
    direction: sc.direction,
    pruner: new WilcoxonPruner({ pThreshold: sc.pThreshold, nStartupSteps: sc.nStartupSteps }),
  });
  const trace: (number | null)[] = [];
  for (const spec of sc.trials) {
    const trial = await study.ask();
    const results: number[] = [];
    let prunedAt: number | null = null;
    for (let k = 0; k < spec.order.length; k++) {
      const value = spec.values[spec.order[k]];
      results.push(value);
      trial.report(value, spec.order[k]);
      if (trial.shouldPrune()) {
        prunedAt = k;
        break;
      }
    }
    await study.tell(trial, results.reduce((a, b) => a + b, 0) / results.length);
    trace.push(prunedAt);
  }
  return trace;
}

describe('WilcoxonPruner', () => {
  it('prunes exactly where Optuna 5.0 prunes on the same per-instance histories', async () => {
    const all = scenarios(new Rng(16));
    const reference = runPython<{ traces: (number | null)[][] }>('optuna_wilcoxon_trace.py', { scenarios: all });
    let pruned = 0;
    let total = 0;
    for (let i = 0; i < all.length; i++) {
      const ours = await replay(all[i]);
      const { direction, pThreshold, nStartupSteps } = all[i];
      assert.deepEqual(
        ours,
        reference.traces[i],
        `scenario ${i} (${direction}, p < ${pThreshold}, ${nStartupSteps} startup steps, ${all[i].trials[0].order.length} instances)`,
      );
      pruned += ours.filter((p) => p !== null).length;
      total += ours.length;
    }
    // The comparison means something only if both outcomes occur often.
    assert.ok(pruned >= total / 5 && pruned <= (4 * total) / 5, `pruned ${pruned} of ${total} trials`);
    console.log(`WilcoxonPruner: ${all.length} scenarios, ${total} trials, ${pruned} pruned, all at Optuna's step`);
  });

  it('does not prune trials with non-finite values, without a best trial, or before enough paired steps', async () => {
    const study = await createStudy({ pruner: new WilcoxonPruner({ nStartupSteps: 3 }) });
    const first = await study.ask();
    first.report(1, 0);
    assert.equal(first.shouldPrune(), false, 'no best trial yet');
    for (let i = 1; i < 5; i++) first.report(1, i);
    await study.tell(first, 1);
    const second = await study.ask();
    second.report(50, 0);
    second.report(60, 1);
    assert.equal(second.shouldPrune(), false, 'only 2 paired steps with nStartupSteps 3');
    second.report(70, 2);
    second.report(80, 3);
    second.report(90, 4);
    assert.equal(second.shouldPrune(), true, 'five steps all far worse than the best: exact p = 1/32');
    const third = await study.ask();
    for (let i = 0; i < 4; i++) third.report(100, i);
    third.report(Infinity, 4);
    assert.equal(third.shouldPrune(), false, 'an infinite value disables pruning, as in Optuna');
  });

  it('refuses a threshold outside [0, 1], negative startup steps and multi-objective studies', async () => {
    assert.throws(() => new WilcoxonPruner({ pThreshold: 1.5 }), InvalidArgumentError);
    assert.throws(() => new WilcoxonPruner({ nStartupSteps: -1 }), /nStartupSteps/);
    const study = await createStudy({ directions: ['minimize', 'maximize'], pruner: new WilcoxonPruner() });
    const trial = await study.ask();
    assert.throws(() => trial.report(1, 0), /multi-objective/);
    assert.throws(() => trial.shouldPrune(), /multi-objective/);
  });
});
