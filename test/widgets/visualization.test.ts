/**
 * The figure builders against Optuna 5.0: the same trials are loaded into an Optuna study (via
 * create_trial) and Optuna's own plot-data functions (test/widgets/optuna_plots.py) say what each
 * plot must contain.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import {
  addLogHandler,
  createStudy,
  distributionToJson,
  plotContour,
  plotEdf,
  plotIntermediateValues,
  plotOptimizationHistory,
  plotParallelCoordinate,
  plotParamImportances,
  plotParetoFront,
  plotRank,
  plotSlice,
  plotTimeline,
  RandomSampler,
  reprSymbol,
  TrialPruned,
  TrialState,
  type FrozenTrial,
  type LogRecord,
  type Study,
} from '../../src';
import { formatG } from '../../src/format';
import { figureSnapshotSvg, type Trace } from '../../src/visualization/figure';
import { optimizationHistoryLive } from '../../widgets/kernel/liveHistory';
import { PYTHON } from '../helpers/python';

function trialsJson(trials: readonly FrozenTrial[]): unknown[] {
  return trials.map((t) => ({
    number: t.number,
    state: TrialState[t.state],
    // JSON has no Infinity: sent as the text 'Infinity', which Python's float() reads.
    values: t.values && t.values.map((v) => (Number.isFinite(v) ? v : String(v))),
    params: t.params,
    distributions: Object.fromEntries(Object.entries(t.distributions).map(([k, d]) => [k, distributionToJson(d)])),
    intermediate: Object.fromEntries(t.intermediateValues),
    constraints: t.constraints,
  }));
}

const close = (a: number, b: number) => a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
function assertClose(actual: readonly number[], expected: readonly number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((v, i) => assert.ok(close(v, expected[i]), `${what}[${i}]: ${v} vs ${expected[i]}`));
}

describe('visualizations match Optuna 5.0 plot data', { timeout: 120_000 }, () => {
  let single: Study;
  let single2: Study;
  let multi: Study;
  let special: Study;
  let specialMulti: Study;
  let four: Study;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let ref: any;

  before(async () => {
    single = await createStudy({ studyName: 'single', sampler: new RandomSampler({ seed: 11 }) });
    await single.optimize(
      (trial) => {
        const lr = trial.suggestFloat('lr', 1e-4, 1e-1, { log: true });
        const units = trial.suggestInt('units', 4, 64);
        const act = trial.suggestCategorical('act', ['relu', 'tanh', 'gelu']);
        if (act === 'gelu' && units > 56) throw new Error('fails on purpose');
        let loss = 1;
        for (let step = 0; step < 5; step++) {
          loss = Math.abs(Math.log10(lr) + 2.5) + 10 / units + (act === 'tanh' ? 0.3 : 0) + 1 / (step + 1);
          trial.report(loss, step);
          if (step === 2 && loss > 2.2) throw new TrialPruned();
        }
        return loss;
      },
      { nTrials: 40, showProgressBar: false, catch: [Error] },
    );
    single2 = await createStudy({ studyName: 'single2', sampler: new RandomSampler({ seed: 12 }) });
    await single2.optimize((t) => t.suggestFloat('x', -3, 3) ** 2, { nTrials: 25, showProgressBar: false });
    multi = await createStudy({ studyName: 'multi', directions: ['minimize', 'maximize'], sampler: new RandomSampler({ seed: 13 }) });
    await multi.optimize(
      (t) => {
        const x = t.suggestFloat('x', 0, 1);
        const y = t.suggestFloat('y', 0, 1);
        return [x * x + y, Math.sqrt(x) - y * y];
      },
      { nTrials: 30, showProgressBar: false },
    );
    // Constraints (trials 1 and 4 violate one), a conditional parameter, numeric choices, an infinite value.
    special = await createStudy({ studyName: 'special', sampler: new RandomSampler({ seed: 14 }) });
    await special.optimize(
      (t) => {
        const model = t.suggestCategorical('model', ['svm', 'forest']);
        const batch = t.suggestCategorical('batch_size', [256, 32, 128, 64]);
        const c = model === 'svm' ? t.suggestFloat('svm_c', 1e-3, 1e3, { log: true }) : t.suggestInt('forest_max_depth', 2, 12);
        t.setConstraint('memory', t.number === 1 || t.number === 4 ? 1 : -1);
        return t.number === 6 ? Infinity : Math.log10(c) ** 2 + batch / 256 - t.number / 10;
      },
      { nTrials: 14, showProgressBar: false },
    );
    specialMulti = await createStudy({
      studyName: 'special_multi',
      directions: ['minimize', 'minimize'],
      sampler: new RandomSampler({ seed: 15 }),
    });
    await specialMulti.optimize(
      (t) => {
        const x = t.suggestFloat('x', 0, 1);
        // The infeasible trial 0 would dominate every other one.
        t.setConstraint('c', t.number === 0 ? 1 : -1);
        return t.number === 0 ? [-1, -1] : [x, 1 - x * x];
      },
      { nTrials: 12, showProgressBar: false },
    );
    four = await createStudy({
      studyName: 'four',
      directions: ['minimize', 'maximize', 'minimize', 'minimize'],
      sampler: new RandomSampler({ seed: 16 }),
    });
    await four.optimize(
      (t) => {
        const x = t.suggestFloat('x', 0, 1);
        const y = t.suggestFloat('y', 0, 1);
        return [x, y, x * y, (1 - x) ** 2 + y];
      },
      { nTrials: 25, showProgressBar: false },
    );
    const input = {
      four: { directions: ['minimize', 'maximize', 'minimize', 'minimize'], trials: trialsJson(four.trials) },
      special: { direction: 'minimize', trials: trialsJson(special.trials) },
      specialMulti: { directions: ['minimize', 'minimize'], trials: trialsJson(specialMulti.trials) },
      single: { direction: 'minimize', trials: trialsJson(single.trials) },
      single2: { direction: 'minimize', trials: trialsJson(single2.trials) },
      multi: { directions: ['minimize', 'maximize'], trials: trialsJson(multi.trials) },
    };
    const states = new Set(single.trials.map((t) => t.state));
    assert.ok(
      states.has(TrialState.PRUNED) && states.has(TrialState.FAIL) && states.has(TrialState.COMPLETE),
      'the fixture has all three end states',
    );
    ref = JSON.parse(execFileSync(PYTHON, [join(__dirname, 'optuna_plots.py')], { input: JSON.stringify(input), encoding: 'utf8' }));
  });

  it('plotOptimizationHistory of several studies: each its own values and best line, named after it', () => {
    const fig = plotOptimizationHistory([single, special]);
    const numbers = (d: Trace) => d.x as number[];
    const ys = (d: Trace) => (d.y as number[]).map((v) => (Number.isNaN(v) ? null : v));
    const fromJson = (vs: Array<number | string | null>) => vs.map((v) => (typeof v === 'string' ? Number(v) : v));
    ref.histories.forEach((h: Record<string, never>) => {
      const values = fig.data.find((d) => d.name === h.name)!;
      assert.deepEqual(numbers(values), h.feasible, `${h.name}: trials`);
      assert.deepEqual(ys(values), fromJson(h.y), `${h.name}: values`);
      const best = fig.data.find((d) => d.name === h.best_name)!;
      assert.deepEqual(numbers(best), h.best_x, `${h.best_name}: every trial number`);
      assert.deepEqual(ys(best), fromJson(h.best), `${h.best_name}: the feasible best so far (infinite before the first)`);
    });
    // As Optuna, every study has its infeasible trials' trace, empty when there are none, out of the legend.
    const infeasible = fig.data.filter((d) => d.name === 'Infeasible Trial');
    assert.deepEqual(
      infeasible.map(numbers),
      ref.histories.map((h: { infeasible: number[] }) => h.infeasible),
    );
    assert.ok(infeasible.every((d) => d.showlegend === false));
  });

  it('plotOptimizationHistory({ errorBar }): the mean and standard deviation per trial number, as Optuna 5.0', () => {
    const fig = plotOptimizationHistory([single, single2, special], { errorBar: true });
    const e = ref.error_bar;
    const num = (vs: Array<number | string>) => vs.map(Number);
    assert.deepEqual(fig.data[0].x, e.x);
    assertClose(fig.data[0].y as number[], num(e.y), 'means');
    assertClose((fig.data[0].error_y as { array: number[] }).array, num(e.std), 'standard deviations');
    assert.equal(fig.data[1].name, 'Best Value');
    assertClose(fig.data[1].y as number[], num(e.best), 'best means');
    const upper = fig.data[2].y as number[];
    const lower = fig.data[3].y as number[];
    assertClose(
      upper.map((u, i) => (u - lower[i]) / 2),
      num(e.best_std),
      'the band is the best values mean plus and minus their standard deviation',
    );
    assert.equal(fig.data[3].fill, 'tonexty');
    // The SVG fallback draws the error bars and the band (the band's upper edge, a 0.01-wide line, not at all).
    const svg = figureSnapshotSvg(fig);
    assert.equal(
      (svg.match(/class="error"/g) ?? []).length,
      (fig.data[0].error_y as { array: number[] }).array.filter((sd) => sd > 0).length,
    );
    assert.equal((svg.match(/class="fill" d="M[^"]+Z" fill="rgba\(255,0,0,0\.2\)"/g) ?? []).length, 1);
    assert.equal((svg.match(/stroke-width="0\.01"/g) ?? []).length, 0);
    assert.equal(
      plotOptimizationHistory([single, single2], { errorBar: true, target: (t) => t.values![0], targetName: 'loss' }).data.length,
      1,
    );
  });

  it('plotTimeline({ nRecentTrials }) draws only the most recent trials, as Optuna 5.0', () => {
    const bars = plotTimeline(single, { nRecentTrials: 7 }).data.flatMap((d) => d.y as number[]);
    assert.deepEqual(
      bars.sort((a, b) => a - b),
      ref.timeline_recent,
    );
    assert.throws(() => plotTimeline(single, { nRecentTrials: 0 }), /nRecentTrials must be a positive integer or null, got 0/);
  });

  it('plotOptimizationHistory: objective values and the best-so-far line', () => {
    const fig = plotOptimizationHistory(single);
    assert.deepEqual(fig.data[0].x, ref.history.x);
    assertClose(fig.data[0].y as number[], ref.history.y, 'values');
    assert.deepEqual(fig.data[1].x, ref.history.best_x, 'the best line runs over every trial number');
    assertClose(fig.data[1].y as number[], (ref.history.best as Array<number | string>).map(Number), 'best');
    assert.equal(fig.data[1].name, 'Best Value');
    assert.deepEqual([fig.data[2].name, fig.data[2].x, fig.data[2].showlegend], ['Infeasible Trial', [], false]);
  });

  it('plotIntermediateValues: one curve per trial with reports, pruned trials included and marked', () => {
    const fig = plotIntermediateValues(single);
    const curves = fig.data.map((d) => ({ number: Number(String(d.name).match(/\d+/)![0]), x: d.x as number[], y: d.y as number[] }));
    assert.deepEqual(
      curves.map((c) => c.number),
      ref.intermediate.map((t: { number: number }) => t.number),
    );
    ref.intermediate.forEach((t: { points: [number, number][] }, i: number) => {
      assert.deepEqual(
        curves[i].x,
        t.points.map((p) => p[0]),
      );
      assertClose(
        curves[i].y,
        t.points.map((p) => p[1]),
        `trial ${curves[i].number}`,
      );
    });
    const prunedNames = fig.data.filter((d) => String(d.name).includes('(pruned)')).length;
    assert.equal(prunedNames, single.trials.filter((t) => t.state === TrialState.PRUNED).length);
    assert.ok(prunedNames > 0);
  });

  it('plotEdf: the same 100 x positions and cumulative fractions for two studies', () => {
    const fig = plotEdf([single, single2]);
    assert.equal(fig.data.length, 2);
    fig.data.forEach((d, i) => {
      assert.equal(d.name, ref.edf.lines[i].name);
      assertClose(d.x as number[], ref.edf.x, 'x');
      assertClose(d.y as number[], ref.edf.lines[i].y, `y of ${d.name}`);
    });
  });

  it('plotSlice: one panel per parameter with the same points', () => {
    const fig = plotSlice(single);
    assert.deepEqual(
      fig.data.map((d) => d.name),
      ref.slice.map((s: { param: string }) => s.param),
    );
    ref.slice.forEach((s: { param: string; x: unknown[]; y: number[]; is_log: boolean }, i: number) => {
      assert.deepEqual(fig.data[i].x, s.x);
      assertClose(fig.data[i].y as number[], s.y, s.param);
      const axis = fig.layout[`xaxis${i === 0 ? '' : i + 1}`] as { type: string };
      assert.equal(axis.type === 'log', s.is_log, `${s.param} log axis`);
    });
  });

  it('plotParallelCoordinate: dimensions, values, ranges and log ticks', () => {
    const fig = plotParallelCoordinate(single);
    const trace = fig.data[0] as {
      dimensions: Array<{ label: string; values: number[]; range?: number[]; tickvals?: number[]; ticktext?: string[] }>;
      line: { reversescale: boolean };
    };
    const [objective, ...params] = trace.dimensions;
    assert.equal(objective.label, ref.parallel.objective.label);
    assertClose(objective.values, ref.parallel.objective.values, 'objective');
    assertClose(objective.range!, ref.parallel.objective.range, 'objective range');
    assert.deepEqual(
      params.map((p) => p.label),
      ref.parallel.params.map((p: { label: string }) => p.label),
    );
    ref.parallel.params.forEach(
      (p: { label: string; values: number[]; range: number[]; tickvals: number[]; ticktext: string[] }, i: number) => {
        assertClose(params[i].values, p.values, p.label);
        if (params[i].range) assertClose(params[i].range!, p.range, `${p.label} range`);
        if (p.ticktext.length) {
          assertClose(params[i].tickvals!, p.tickvals, `${p.label} tickvals`);
          assert.deepEqual(params[i].ticktext, p.ticktext);
        }
      },
    );
    assert.equal(trace.line.reversescale, ref.parallel.reverse_scale);
  });

  it('plotParetoFront: the same Pareto-optimal trials', () => {
    const fig = plotParetoFront(multi);
    const numbers = (t: Record<string, unknown>) =>
      ((t.text as string[]) ?? []).map((s) => Number(s.replace('Trial ', ''))).sort((a, b) => a - b);
    const best = fig.data.find((d) => d.name === 'Best Trial')!;
    const others = fig.data.find((d) => d.name === 'Trial')!;
    assert.deepEqual(numbers(best), ref.pareto.best);
    assert.deepEqual(numbers(others), ref.pareto.others);
  });

  it("plotParetoFront({ targets }) draws a four-objective study's front through two of its objectives, as Optuna 5.0", () => {
    const fig = plotParetoFront(four, { targets: (t) => [t.values![0], t.values![2]], targetNames: ['x', 'xy'] });
    const byName = (name: string) => fig.data.find((d) => d.name === name)!;
    const trialsOf = (d: Trace) => (d.text as string[]).map((s) => Number(s.replace('Trial ', '')));
    const points = (d: Trace) =>
      trialsOf(d)
        .map((n, i) => [n, (d.x as number[])[i], (d.y as number[])[i]])
        .sort((a, b) => a[0] - b[0]);
    assert.deepEqual(points(byName('Best Trial')), ref.four.best);
    assert.deepEqual(points(byName('Trial')), ref.four.others);
    assert.equal((fig.layout as { xaxis: { title: { text: string } } }).xaxis.title.text, 'x');
    assert.throws(() => plotParetoFront(four), /this study has 4\. Pass targets/);
    assert.throws(() => plotParetoFront(four, { targets: (t) => [...t.values!] }), /draws 2 or 3 targets; targets returned 4 values/);
    // Optuna's deprecated constraints_func: feasibility from the function, the infeasible trials apart.
    const constrained = plotParetoFront(multi, { constraintsFunc: (t) => [t.values![1] - 0.5] });
    assert.deepEqual(
      trialsOf(constrained.data.find((d) => d.name === 'Infeasible Trial')!).sort((a, b) => a - b),
      ref.constrained.infeasible,
    );
    assert.deepEqual(
      trialsOf(constrained.data.find((d) => d.name === 'Best Trial')!).sort((a, b) => a - b),
      ref.constrained.best,
    );
  });

  it('plotContour, plotTimeline and plotParamImportances build displayable figures', () => {
    const contour = plotContour(single, { params: ['lr', 'units'] });
    const complete = single.trials.filter((t) => t.state === TrialState.COMPLETE);
    assert.equal((contour.data[0].z as number[]).length, complete.length);
    assert.equal((contour.layout.xaxis as { type: string }).type, 'log');
    const timeline = plotTimeline(single);
    const bars = timeline.data.reduce((n, d) => n + (d.y as number[]).length, 0);
    assert.equal(bars, single.trials.length);
    assert.deepEqual(timeline.data.map((d) => d.name).sort(), ['COMPLETE', 'FAIL', 'PRUNED']);
    const imp = plotParamImportances(single, { importances: { lr: 0.7, units: 0.2, act: 0.1 } });
    assert.deepEqual(imp.data[0].y, ['act', 'units', 'lr']);
    const computed = plotParamImportances(single);
    assert.deepEqual([...(computed.data[0].y as string[])].sort(), ['act', 'lr', 'units']);
    for (const f of [contour, timeline, imp]) {
      const bundle = f[reprSymbol]();
      assert.ok(bundle['application/vnd.plotly.v1+json']);
      assert.match(String(bundle['image/svg+xml']), /^<svg/);
    }
  });

  it('constraints, conditional parameters, numeric choices and infinite values are drawn as Optuna 5.0 draws them', () => {
    const numbers = (d: Record<string, unknown>) => d.x as number[];
    // History: infeasible trials apart, the best line over feasible trials only.
    const history = plotOptimizationHistory(special);
    assert.deepEqual(numbers(history.data[0]), ref.special.history.feasible);
    assert.deepEqual(numbers(history.data.find((d) => d.name === 'Infeasible Trial')!), ref.special.history.infeasible);
    assert.deepEqual(history.data[1].x, ref.special.history.best_x);
    assert.deepEqual(history.data[1].y, (ref.special.history.best as Array<number | string>).map(Number));
    // Parallel coordinate: the infinite trial left out, every other one drawn, a conditional
    // parameter's missing values on a 'None' tick, numeric choices in order of value.
    const trace = plotParallelCoordinate(special).data[0] as {
      dimensions: Array<{ label: string; values: number[]; range: number[]; tickvals?: number[]; ticktext?: string[] }>;
    };
    const [objective, ...params] = trace.dimensions;
    assertClose(objective.range, ref.special.parallel.objective.range, 'objective range');
    assert.equal(objective.values.length, ref.special.parallel.objective.values.length);
    ref.special.parallel.params.forEach(
      (p: { label: string; values: number[]; range: number[]; tickvals: number[]; ticktext: string[] }, i: number) => {
        assert.equal(params[i].label, p.label);
        // Optuna reorders the rows by the numeric choices; the set of values is what is drawn.
        assertClose(
          [...params[i].values].sort((a, b) => a - b),
          p.values,
          `${p.label} values`,
        );
        assertClose(params[i].range, p.range, `${p.label} range`);
        if (p.ticktext.length) {
          assertClose(params[i].tickvals!, p.tickvals, `${p.label} tickvals`);
          assert.deepEqual(params[i].ticktext, p.ticktext, `${p.label} ticktext`);
        }
      },
    );
    assert.ok(
      params.some((p) => p.ticktext?.[0] === 'None'),
      'a conditional parameter has a None tick',
    );
    // EDF: the infinite value left out.
    assertClose(plotEdf(special).data[0].x as number[], ref.special.edf, 'edf x');
    // Pareto front: among feasible trials only, the infeasible ones apart.
    const pareto = plotParetoFront(specialMulti);
    const trialNumbers = (name: string) =>
      ((pareto.data.find((d) => d.name === name)!.text as string[]) ?? [])
        .map((s) => Number(s.replace('Trial ', '')))
        .sort((a, b) => a - b);
    assert.deepEqual(trialNumbers('Best Trial'), ref.special.pareto.best);
    assert.deepEqual(trialNumbers('Feasible Trial'), ref.special.pareto.others);
    assert.deepEqual(trialNumbers('Infeasible Trial'), ref.special.pareto.infeasible);
    // Timeline: infeasible COMPLETE trials apart; bars one trial high; text kept for the hover box.
    const timeline = plotTimeline(special);
    assert.deepEqual(timeline.data.map((d) => d.name).sort(), ['COMPLETE', 'INFEASIBLE']);
    for (const d of timeline.data) {
      assert.equal(d.textposition, 'none');
      assert.ok((d.width as number[]).every((w) => w === 0.8));
    }
  });

  it('the live history matches plotOptimizationHistory, its "Infeasible Trial" trace empty until a trial violates a constraint', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 2 }) });
    const live = optimizationHistoryLive(study);
    const names = () => live.plot.data.map((d) => d.name);
    const run = (violates: boolean) =>
      study.optimize(
        (t) => {
          t.setConstraint('c', violates ? 1 : -1);
          return t.suggestFloat('x', 0, 1);
        },
        { nTrials: 1, showProgressBar: false, callbacks: [(_s, trial) => live.add(trial)] },
      );
    await run(false);
    assert.deepEqual(names(), ['Objective Value', 'Best Value', 'Infeasible Trial']);
    assert.deepEqual(live.plot.data[2].x, []);
    await run(true);
    assert.deepEqual(live.plot.data[2].x, [1]);
    // A failed trial's number carries the best so far, as in the figure builder's line.
    await study.optimize(
      () => {
        throw new RangeError('no');
      },
      { nTrials: 1, catch: [RangeError], showProgressBar: false, callbacks: [(_s, trial) => live.add(trial)] },
    );
    // The best line follows the feasible trial only, over every trial number, as the figure builder's does.
    const built = plotOptimizationHistory(study).data[1];
    assert.deepEqual([live.plot.data[1].x, live.plot.data[1].y], [built.x, built.y]);
    assert.deepEqual(built.x, [0, 1, 2]);
  });

  it('the colour scales are explicit stops, the same as Python plotly expands Optuna’s named scale into', () => {
    const code = `
import json
import plotly.graph_objects as go
print(json.dumps([list(map(list, go.Scatter(marker=dict(colorscale='Blues')).marker.colorscale))]))`;
    const [blues] = JSON.parse(execFileSync(PYTHON, ['-c', code], { encoding: 'utf8' })) as Array<Array<[number, string]>>;
    const parallel = plotParallelCoordinate(single).data[0] as { line: { colorscale: unknown } };
    assert.deepEqual(parallel.line.colorscale, blues);
    assert.deepEqual((plotContour(single, { params: ['lr', 'units'] }).data[0] as { colorscale: unknown }).colorscale, blues);
  });

  it('plotContour of more than two parameters is Optuna 5.0’s grid: every ordered pair off the diagonal, with its trials', () => {
    const fig = plotContour(single);
    const n = ref.contour3.params.length;
    const layout = fig.layout as Record<string, { title?: { text: string } }>;
    assert.equal(Object.keys(layout).filter((k) => k.startsWith('xaxis')).length, n * n);
    // Panel k of the grid (axes x{k+1}, y{k+1}) plots column k % n on x and row k / n on y.
    const names = ref.contour3.params as string[];
    const byPosition = fig.data
      .filter((d) => d.type === 'contour')
      .map((d) => {
        const k = Number(String(d.xaxis ?? 'x').slice(1) || 1) - 1;
        return [names[k % n], names[Math.floor(k / n)], (d.x as unknown[]).length];
      });
    assert.deepEqual(
      byPosition.map((p) => JSON.stringify(p)).sort(),
      (ref.contour3.panels as unknown[][]).map((p) => JSON.stringify(p)).sort(),
    );
    assert.equal(byPosition.length, n * (n - 1));
    assert.equal(fig.data.filter((d) => d.type === 'contour' && d.showscale).length, 1, 'one colour bar');
  });

  it('a three-objective Pareto front is a figure Python’s plotly accepts (no 2-D-only properties on 3-D axes)', async () => {
    const study = await createStudy({ directions: ['minimize', 'minimize', 'minimize'], sampler: new RandomSampler({ seed: 1 }) });
    await study.optimize(
      (t) => {
        const x = t.suggestFloat('x', 0, 1);
        return [x, 1 - x, x * x];
      },
      { nTrials: 10, showProgressBar: false },
    );
    const code = `
import sys, plotly.io as pio
print(len(pio.from_json(sys.stdin.read()).data))`;
    assert.equal(execFileSync(PYTHON, ['-c', code], { input: JSON.stringify(plotParetoFront(study)), encoding: 'utf8' }).trim(), '2');
  });

  it('the SVG fallback draws a 3-D scatter as plotly’s default camera shows it: every point, the axis titles, z up, x towards the left', async () => {
    const study = await createStudy({ directions: ['minimize', 'minimize', 'minimize'], sampler: new RandomSampler({ seed: 1 }) });
    study.setMetricNames(['error', 'latency', 'size']);
    await study.optimize(
      (t) => {
        const x = t.suggestFloat('x', 0, 1);
        const y = t.suggestFloat('y', 0, 1);
        return [x, y, 2 - x - y];
      },
      { nTrials: 12, showProgressBar: false },
    );
    const svg = figureSnapshotSvg(plotParetoFront(study));
    assert.doesNotMatch(svg, /not drawn in this snapshot/);
    assert.equal((svg.match(/<circle class="point/g) ?? []).length, 12);
    for (const name of ['error', 'latency', 'size']) assert.match(svg, new RegExp(`class="[xyz]title"[^>]*>${name}<`));
    // Points that differ in one coordinate only: a larger z is higher, a larger x further left, a larger y further right.
    // The box's range is set by a first trace's corners; the probe is the second trace's one point.
    const at = (x: number, y: number, z: number): [number, number] => {
      const corners = { type: 'scatter3d', x: [0, 1], y: [0, 1], z: [0, 1] };
      const one = figureSnapshotSvg({ data: [corners, { type: 'scatter3d', x: [x], y: [y], z: [z] }] });
      const m = /<circle class="point trace-1" cx="([\d.-]+)" cy="([\d.-]+)"/.exec(one)!;
      return [Number(m[1]), Number(m[2])];
    };
    const base = at(0.5, 0.5, 0.5);
    assert.ok(at(0.5, 0.5, 0.9)[1] < base[1], 'z up');
    assert.ok(at(0.9, 0.5, 0.5)[0] < base[0], 'x to the left');
    assert.ok(at(0.5, 0.9, 0.5)[0] > base[0], 'y to the right');
  });

  it('a plot with nothing to draw is an empty figure and a warning that says why, as Optuna 5.0', async () => {
    const empty = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
    const records: LogRecord[] = [];
    const remove = addLogHandler((r) => records.push(r));
    try {
      const plots: Array<[string, () => { data: unknown[] }]> = [
        ['plotOptimizationHistory', () => plotOptimizationHistory(empty)],
        ['plotIntermediateValues', () => plotIntermediateValues(empty)],
        ['plotParallelCoordinate', () => plotParallelCoordinate(empty)],
        ['plotSlice', () => plotSlice(empty)],
        ['plotContour', () => plotContour(empty)],
        ['plotEdf', () => plotEdf(empty)],
        ['plotRank', () => plotRank(empty)],
        ['plotTimeline', () => plotTimeline(empty)],
        // Optuna 5.0 logs "Study instance does not contain completed trials." and draws no bars.
        ['plotParamImportances', () => plotParamImportances(empty)],
      ];
      for (const [name, draw] of plots) {
        records.length = 0;
        const figure = draw();
        const warned = records.filter((r) => r.levelName === 'WARNING' && r.message.startsWith(`${name}: `));
        assert.equal(warned.length, 1, `${name} warns once: ${JSON.stringify(records.map((r) => r.message))}`);
        assert.match(warned[0].message, /so the figure is empty\.$/);
        assert.ok(
          figure.data.every((d) => ((d as { x?: unknown[] }).x ?? []).length === 0),
          `${name}: nothing drawn`,
        );
      }
      // A study with trials draws without a warning.
      records.length = 0;
      plotOptimizationHistory(single);
      plotSlice(single);
      assert.deepEqual(
        records.filter((r) => r.levelName === 'WARNING'),
        [],
      );
    } finally {
      remove();
    }
  });

  it('plotIntermediateValues draws a trial that violates a recorded constraint in grey, as Optuna 5.0', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
    await study.optimize(
      (t) => {
        t.setConstraint('c', t.number === 1 ? 1 : -1);
        t.report(t.number, 0);
        return t.suggestFloat('x', 0, 1);
      },
      { nTrials: 2, showProgressBar: false },
    );
    const colors = plotIntermediateValues(study).data.map((d) => (d.marker as { color?: string }).color);
    assert.deepEqual(colors, [undefined, '#CCCCCC']);
  });

  it('params given to plotSlice and plotContour are drawn sorted by name and once each (as Optuna 5.0); plotRank keeps their order (as its)', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
    await study.optimize((t) => t.suggestFloat('x', 0, 1) + t.suggestInt('n', 0, 5) + t.suggestFloat('lr', 1e-3, 1, { log: true }), {
      nTrials: 10,
      showProgressBar: false,
    });
    type Axes = Record<string, { title?: { text?: string } } | undefined>;
    const title = (f: { layout: unknown }, axis: string) => (f.layout as Axes)[axis]?.title?.text;
    const slice = plotSlice(study, { params: ['x', 'n', 'lr', 'x'] });
    assert.deepEqual(
      ['xaxis', 'xaxis2', 'xaxis3', 'xaxis4'].map((a) => title(slice, a)),
      ['lr', 'n', 'x', undefined],
    );
    const contour = plotContour(study, { params: ['x', 'n'] });
    assert.deepEqual([title(contour, 'xaxis'), title(contour, 'yaxis')], ['n', 'x']);
    const rank = plotRank(study, { params: ['x', 'n'] });
    assert.deepEqual([title(rank, 'xaxis'), title(rank, 'yaxis')], ['x', 'n']);
  });

  it('plotContour on a study with fewer than two parameters is an empty figure, as Optuna 5.0 (not an error)', async () => {
    const empty = await createStudy({ sampler: new RandomSampler({ seed: 0 }) });
    assert.equal(plotContour(empty).data.length, 0);
    await empty.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 3, showProgressBar: false });
    assert.equal(plotContour(empty).data.length, 0);
  });

  it('the SVG fallback draws subplots as panels where their domains put them, and timeline bars from their start', () => {
    // Slice: one panel per parameter, side by side, each with its own plot area and its own points.
    const slice = figureSnapshotSvg(plotSlice(single));
    const panels = [
      ...slice.matchAll(/<g class="panel" transform="translate\((\d+) (\d+)\)">(.*?)<\/g><\/g>(?=<g class="panel"|<\/svg>)/g),
    ];
    const params = ['act', 'lr', 'units'];
    assert.equal(panels.length, params.length);
    const lefts = panels.map((p) => Number(p[1]));
    assert.deepEqual(
      lefts,
      [...lefts].sort((a, b) => a - b),
      'left to right',
    );
    assert.ok(new Set(lefts).size === params.length, 'one column each');
    panels.forEach((p, i) => {
      assert.equal((p[3].match(/class="plotarea"/g) ?? []).length, 1, `panel ${i} has one plot area`);
      const complete = single.trials.filter((t) => t.state === TrialState.COMPLETE && params[i] in t.params).length;
      assert.equal((p[3].match(/class="point"/g) ?? []).length, complete, `panel ${params[i]}: one point per complete trial`);
    });
    // Parallel coordinate: one axis per dimension, one line per drawn trial, darkest (best) drawn last.
    const parallel = plotParallelCoordinate(special);
    const parallelSvg = figureSnapshotSvg(parallel);
    const dimensions = (parallel.data[0] as { dimensions: unknown[] }).dimensions.length;
    assert.equal((parallelSvg.match(/<g class="axis">/g) ?? []).length, dimensions);
    const lines = parallelSvg.match(/<path d="[^"]*" fill="none" stroke="rgb\(\d+,\d+,\d+\)"/g) ?? [];
    assert.equal(lines.length, (parallel.data[0] as { dimensions: Array<{ values: unknown[] }> }).dimensions[0].values.length);
    assert.doesNotMatch(parallelSvg, /not drawn in this snapshot/);
    // Contour: the filled grid (plotly grids the points and, with connectgaps, fills the crossings
    // without a trial), one cell per crossing of the distinct values, coloured on the trace's scale.
    const contour = plotContour(single, { params: ['lr', 'units'] });
    const contourSvg = figureSnapshotSvg(contour);
    assert.doesNotMatch(contourSvg, /not drawn in this snapshot/);
    const trace = contour.data.find((d) => d.type === 'contour')!;
    const distinct = (k: 'x' | 'y') => new Set(trace[k] as number[]).size;
    const grid = /<g class="trace trace-\d+ heatmap"[^>]*>(.*?)<\/g>/.exec(contourSvg)![1];
    const fills = [...grid.matchAll(/<rect [^>]*fill="(rgb\(\d+,\d+,\d+\))"\/>/g)].map((m) => m[1]);
    assert.equal(fills.length, distinct('x') * distinct('y'));
    const scale = (trace.colorscale as Array<[number, string]>).map(([, c]) => c.replace(/\s/g, ''));
    // The best and worst trials' cells take the scale's two ends (reversed: the best is the dark end).
    assert.ok(fills.includes(scale[0]) && fills.includes(scale[scale.length - 1]), `${scale[0]} and ${scale.at(-1)} among the fills`);
    // Markers at the ends of a range are drawn whole (the axes are padded as plotly pads them).
    const history = figureSnapshotSvg(plotOptimizationHistory(single));
    const area = /class="plotarea" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/.exec(history)!.slice(1).map(Number);
    const points = [...history.matchAll(/<circle class="point" cx="([\d.]+)" cy="([\d.]+)" r="3"/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    assert.ok(points.length > 0);
    for (const [cx, cy] of points) {
      assert.ok(
        cx - 3 >= area[0] && cx + 3 <= area[0] + area[2] && cy - 3 >= area[1] && cy + 3 <= area[1] + area[3],
        `point ${cx},${cy} inside ${area}`,
      );
    }
    // Learning curves: a pruned trial's is dotted, as plotly draws it.
    const curves = figureSnapshotSvg(plotIntermediateValues(single));
    const prunedCount = single.trials.filter((t) => t.state === TrialState.PRUNED && t.intermediateValues.size > 0).length;
    assert.equal((curves.match(/stroke-dasharray="2,3"/g) ?? []).length, prunedCount);
    // Timeline: bars start at the trials' start times, so later trials' bars start further right.
    const timeline = figureSnapshotSvg(plotTimeline(single2));
    const starts = [...timeline.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="[\d.]+" height="[\d.]+"\/>/g)].map((m) => Number(m[1]));
    assert.equal(starts.length, single2.trials.length);
    assert.ok(
      starts[starts.length - 1] > starts[0],
      `the last trial's bar starts right of the first's (${starts[0]} .. ${starts[starts.length - 1]})`,
    );
  });

  it("formatG matches Python's %.3g", () => {
    const cases: Array<[number, string]> = [
      [0.0001, '0.0001'],
      [0.00012345, '0.000123'],
      [0.000012345, '1.23e-05'],
      [1, '1'],
      [12.5, '12.5'],
      [1234.5, '1.23e+03'],
      [100, '100'],
      [0.1, '0.1'],
    ];
    const py = JSON.parse(
      execFileSync(
        PYTHON,
        ['-c', `import json,sys; print(json.dumps(["{:.3g}".format(x) for x in ${JSON.stringify(cases.map((c) => c[0]))}]))`],
        { encoding: 'utf8' },
      ),
    );
    assert.deepEqual(
      cases.map((c) => formatG(c[0], 3)),
      py,
    );
  });
});
