/**
 * plotRank and plotHypervolumeHistory against Optuna 5.0: the studies are created by tunelab on a
 * SQLite file, Optuna 5.0 loads that file and draws its own figures (test/widgets/optuna_new_plots.py),
 * and the figures' data must agree: points, colours, axis ranges and types, colour-bar ticks, and the
 * hypervolume after every trial.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createStudy,
  loadStudy,
  plotParetoFront,
  InvalidArgumentError,
  plotHypervolumeHistory,
  plotRank,
  RandomSampler,
  type Study,
} from '../../src';
import { hypervolumeHistory, type Trace } from '../../src/entries/visualization';
import { averagedRanks } from '../../src/visualization/rank';
import { PYTHON } from '../helpers/python';

interface RankRef {
  title: string;
  panels: Array<{ x: unknown[]; y: unknown[]; colors: number[][]; xaxis: string; yaxis: string }>;
  layout_axes: Record<string, { range: number[] | null; type: string | null; title: string | null }>;
  ticktext: string[];
  tickvals: number[];
}
interface Reference {
  rank: RankRef[];
  hypervolume: Array<{ x: number[]; y: number[] }>;
  pareto: Array<{ x_title: string; y_title: string }>;
}

const close = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));
const rgbOf = (s: string) => s.match(/[\d.]+/g)!.map(Number);

describe('plotRank and plotHypervolumeHistory match Optuna 5.0 on the same SQLite study', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunelab-newplots-'));
  const url = `sqlite:///${join(dir, 'plots.db')}`;
  let rank2: Study;
  let rank3: Study;
  let hv2: Study;
  let hv3: Study;
  let ref: Reference;
  const REF2 = [1.5, -0.2];
  const REF3 = [1, 1, 1];

  before(async () => {
    rank2 = await createStudy({ storage: url, studyName: 'rank2', sampler: new RandomSampler({ seed: 21 }) });
    await rank2.optimize(
      (t) => {
        const lr = t.suggestFloat('lr', 1e-5, 1e-1, { log: true });
        const units = t.suggestInt('units', 8, 256);
        t.setConstraint('small', units - 200); // some trials infeasible: Optuna draws them grey
        // Rounded so that some values tie (tied trials share the mean of their ranks).
        return Math.round((Math.abs(Math.log10(lr) + 3) + 32 / units) * 4) / 4;
      },
      { nTrials: 30, showProgressBar: false },
    );
    rank3 = await createStudy({ storage: url, studyName: 'rank3', direction: 'maximize', sampler: new RandomSampler({ seed: 22 }) });
    await rank3.optimize(
      (t) => {
        const x = t.suggestFloat('x', -2, 2);
        const act = t.suggestCategorical('act', ['relu', 'tanh', 'gelu']);
        const batch = t.suggestCategorical('batch', [16, 32, 64]);
        return -x * x + (act === 'tanh' ? 0.5 : 0) + batch / 64;
      },
      { nTrials: 25, showProgressBar: false },
    );
    hv2 = await createStudy({
      storage: url,
      studyName: 'hv2',
      directions: ['minimize', 'maximize'],
      sampler: new RandomSampler({ seed: 23 }),
    });
    await hv2.optimize(
      (t) => {
        const x = t.suggestFloat('x', 0, 1);
        const y = t.suggestFloat('y', 0, 1);
        t.setConstraint('c', x - 0.8);
        return [x * x + 0.5 * y, Math.sqrt(x) - y * y];
      },
      { nTrials: 40, showProgressBar: false },
    );
    hv3 = await createStudy({
      storage: url,
      studyName: 'hv3',
      directions: ['minimize', 'minimize', 'minimize'],
      sampler: new RandomSampler({ seed: 24 }),
    });
    await hv3.optimize(
      (t) => {
        const a = t.suggestFloat('a', 0, 1);
        const b = t.suggestFloat('b', 0, 1);
        return [a, b * (1 - a) + 0.1, (1 - a) * (1 - b) + 0.2];
      },
      { nTrials: 30, showProgressBar: false },
    );
    const request = {
      rank: [
        { study: 'rank2', params: null },
        { study: 'rank3', params: null },
      ],
      hypervolume: [
        { study: 'hv2', reference_point: REF2 },
        { study: 'hv3', reference_point: REF3 },
      ],
      pareto: [{ study: 'hv2', metric_names: ['cost', 'accuracy'] }],
    };
    ref = JSON.parse(
      execFileSync(PYTHON, [join(__dirname, 'optuna_new_plots.py'), url], { input: JSON.stringify(request), encoding: 'utf8' }),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function assertRankMatches(study: Study, expected: RankRef): void {
    const fig = plotRank(study);
    assert.equal(fig.title, expected.title);
    const panels = fig.data.filter((d) => Array.isArray(d.marker && (d.marker as { color?: unknown }).color));
    assert.equal(panels.length, expected.panels.length, 'one panel per parameter pair');
    for (const want of expected.panels) {
      const got = panels.find((p) => (p.xaxis ?? 'x') === want.xaxis && (p.yaxis ?? 'y') === want.yaxis) as Trace;
      assert.ok(got, `a panel on ${want.xaxis}/${want.yaxis}`);
      assert.deepEqual(got.x, want.x, `${want.xaxis} x`);
      assert.deepEqual(got.y, want.y, `${want.yaxis} y`);
      const colors = (got.marker as { color: string[] }).color.map(rgbOf);
      assert.deepEqual(colors, want.colors, `${want.xaxis}/${want.yaxis} colours`);
    }
    for (const [name, axis] of Object.entries(expected.layout_axes)) {
      const mine = fig.layout[name] as { range?: number[]; type?: string; title?: { text: string } } | undefined;
      assert.ok(mine, `layout.${name}`);
      if (axis.range) {
        assert.ok(mine.range, `${name} has a range`);
        mine.range!.forEach((v, i) => assert.ok(close(v, axis.range![i]), `${name}.range[${i}]: ${v} vs ${axis.range![i]}`));
      }
      assert.equal(mine.type ?? null, axis.type === 'linear' ? null : axis.type, `${name}.type`);
      assert.equal(mine.title?.text ?? null, axis.title, `${name}.title`);
    }
    const bar = fig.data[fig.data.length - 1] as { marker: { colorbar: { ticktext: string[]; tickvals: number[] } } };
    assert.deepEqual(bar.marker.colorbar.ticktext, expected.ticktext);
    assert.deepEqual(bar.marker.colorbar.tickvals, expected.tickvals);
  }

  it('plotRank, two parameters (log and int axes, tied values, infeasible trials grey)', () => {
    assert.ok(
      rank2.trials.some((t) => (t.params.units as number) > 200),
      'the fixture has infeasible trials',
    );
    const values = rank2.trials.map((t) => t.values![0]);
    assert.ok(new Set(values).size < values.length, 'the fixture has tied values');
    assertRankMatches(rank2, ref.rank[0]);
  });

  it('plotRank, three parameters (a 3x3 grid with string and numeric categoricals, maximised)', () => {
    assertRankMatches(rank3, ref.rank[1]);
  });

  it('averagedRanks gives tied values the mean of their positions', () => {
    assert.deepEqual(averagedRanks([3, 1, 3, 2]), [2.5, 0, 2.5, 1]);
  });

  it('plotHypervolumeHistory: the same value after every trial (two objectives, one maximised, constraints)', () => {
    assert.ok(
      hv2.trials.some((t) => (t.params.x as number) > 0.8),
      'the fixture has infeasible trials',
    );
    const fig = plotHypervolumeHistory(hv2, REF2);
    assert.deepEqual(fig.data[0].x, ref.hypervolume[0].x);
    const ys = fig.data[0].y as number[];
    ys.forEach((v, i) => assert.ok(close(v, ref.hypervolume[0].y[i]), `after trial ${i}: ${v} vs ${ref.hypervolume[0].y[i]}`));
    assert.ok(ys[ys.length - 1] > 0, 'the hypervolume grows above 0');
    assert.equal((fig.layout.yaxis as { title: { text: string } }).title.text, 'Hypervolume');
  });

  it('plotHypervolumeHistory: three objectives', () => {
    const h = hypervolumeHistory(hv3, REF3);
    assert.deepEqual(h.trialNumbers, ref.hypervolume[1].x);
    h.values.forEach((v, i) => assert.ok(close(v, ref.hypervolume[1].y[i]), `after trial ${i}: ${v} vs ${ref.hypervolume[1].y[i]}`));
  });

  it("plotParetoFront titles its axes with the metric names Optuna's set_metric_names stored", async () => {
    const before = plotParetoFront(hv2);
    assert.equal((before.layout.xaxis as { title: { text: string } }).title.text, 'Objective 0', 'this Study object has not seen them yet');
    const loaded = await loadStudy({ studyName: 'hv2', storage: url });
    const fig = plotParetoFront(loaded);
    const titles = [fig.layout.xaxis, fig.layout.yaxis].map((a) => (a as { title: { text: string } }).title.text);
    assert.deepEqual(titles, [ref.pareto[0].x_title, ref.pareto[0].y_title]);
    assert.deepEqual(titles, ['cost', 'accuracy']);
    await hv2.refreshAttrs();
    assert.equal((plotParetoFront(hv2).layout.xaxis as { title: { text: string } }).title.text, 'cost', 'refreshAttrs() picks them up');
  });

  it('plotHypervolumeHistory refuses a single-objective study and a reference point of the wrong size', () => {
    assert.throws(() => plotHypervolumeHistory(rank2, [1]), InvalidArgumentError);
    assert.throws(() => plotHypervolumeHistory(hv2, [1, 2, 3]), /one per objective/);
  });
});
