/**
 * plotTerminatorImprovement draws a terminator history (improvement and error after each trial).
 * Fed Optuna 5.0's own history as data (`_get_improvement_info` with BestValueStagnation and a static
 * error, on a study tunelab wrote to SQLite with pruned and failed trials), the figure must be the one
 * Optuna's plot_terminator_improvement draws from it: the lighter points up to minNTrials, the error
 * line, the y range. Given the same evaluators instead, the history tunelab's Terminator computes
 * must give that same figure.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createStudy,
  InvalidArgumentError,
  plotTerminatorImprovement,
  RandomSampler,
  TrialPruned,
  TrialState,
  type Study,
} from '../../src';
import { BestValueStagnationEvaluator, StaticErrorEvaluator } from '../../src/entries/terminator';
import type { TerminatorImprovementData } from '../../src/entries/visualization';
import { PYTHON } from '../helpers/python';

interface TerminatorRef {
  info: TerminatorImprovementData;
  traces: Array<{ x: number[]; y: number[]; name: string; color: string; showlegend: boolean | null }>;
  y_range: number[];
  title: string;
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b));

describe('plotTerminatorImprovement draws what Optuna 5.0 draws from the same history', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunelab-termplot-'));
  const url = `sqlite:///${join(dir, 't.db')}`;
  let study: Study;
  let ref: TerminatorRef[];
  const cases = [
    { plot_error: true, min_n_trials: 8, max_stagnation_trials: 6, error: 0.05 },
    { plot_error: false, min_n_trials: 50, max_stagnation_trials: 10, error: 0 }, // fewer trials than minNTrials
  ];

  before(async () => {
    study = await createStudy({ storage: url, studyName: 'term', sampler: new RandomSampler({ seed: 31 }) });
    await study.optimize(
      (t) => {
        const x = t.suggestFloat('x', -2, 2);
        if (t.number === 0) throw new Error('the first trial fails: the history starts at the first complete one');
        if (x > 1.6) throw new TrialPruned();
        return (x - 0.3) ** 2;
      },
      { nTrials: 30, showProgressBar: false, catch: [Error] },
    );
    const request = { terminator: cases.map((c) => ({ study: 'term', ...c })) };
    ref = JSON.parse(
      execFileSync(PYTHON, [join(__dirname, 'optuna_new_plots.py'), url], { input: JSON.stringify(request), encoding: 'utf8' }),
    ).terminator;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function assertSameFigure(fig: ReturnType<typeof plotTerminatorImprovement>, r: TerminatorRef): void {
    assert.equal(fig.title, r.title);
    assert.equal(fig.data.length, r.traces.length);
    fig.data.forEach((d, i) => {
      const want = r.traces[i];
      assert.deepEqual(d.x, want.x, `trace ${i} x`);
      assert.deepEqual(d.y, want.y, `trace ${i} y`);
      assert.equal(d.name, want.name);
      assert.equal((d.marker as { color: string }).color, want.color, `trace ${i} colour`);
      if (want.showlegend !== null) assert.equal(d.showlegend, want.showlegend, `trace ${i} legend`);
    });
    const range = (fig.layout.yaxis as { range: number[] }).range;
    range.forEach((v, i) => assert.ok(close(v, r.y_range[i]), `y range[${i}]: ${v} vs ${r.y_range[i]}`));
  }

  it('with the error, minNTrials within the history', () => {
    const states = new Set(study.trials.map((t) => t.state));
    assert.ok(states.has(TrialState.FAIL) && states.has(TrialState.PRUNED), 'the fixture has failed and pruned trials');
    const r = ref[0];
    assert.equal(r.info.trialNumbers[0], 1, "Optuna's history starts at the first complete trial");
    assertSameFigure(plotTerminatorImprovement(study, { history: r.info, plotError: true, minNTrials: cases[0].min_n_trials }), r);
  });

  it('without the error, fewer trials than minNTrials: one light trace with its legend', () => {
    const r = ref[1];
    assert.equal(r.info.errors, null);
    const fig = plotTerminatorImprovement(study, { history: r.info, minNTrials: cases[1].min_n_trials });
    assert.equal(fig.data.length, r.traces.length);
    assert.deepEqual(fig.data[0].y, r.traces[0].y);
    assert.equal((fig.data[0].marker as { color: string }).color, r.traces[0].color);
    assert.equal(fig.data[0].showlegend, true);
    const range = (fig.layout.yaxis as { range: number[] }).range;
    range.forEach((v, i) => assert.ok(close(v, r.y_range[i]), `y range[${i}]: ${v} vs ${r.y_range[i]}`));
  });

  it("from evaluators: tunelab's Terminator history gives Optuna's figure", () => {
    const c = cases[0];
    const fig = plotTerminatorImprovement(study, {
      improvementEvaluator: new BestValueStagnationEvaluator(c.max_stagnation_trials),
      errorEvaluator: new StaticErrorEvaluator(c.error),
      plotError: true,
      minNTrials: c.min_n_trials,
    });
    assertSameFigure(fig, ref[0]);
  });

  it('refuses multi-objective studies and ragged histories', async () => {
    const multi = await createStudy({ directions: ['minimize', 'minimize'] });
    assert.throws(() => plotTerminatorImprovement(multi, { history: ref[0].info }), InvalidArgumentError);
    assert.throws(
      () => plotTerminatorImprovement(study, { history: { trialNumbers: [1, 2], improvements: [1], errors: null } }),
      /one entry per trial/,
    );
  });
});
