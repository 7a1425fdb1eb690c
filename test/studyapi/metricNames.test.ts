/**
 * study.setMetricNames / metricNames against Optuna 5.0, on one SQLite study read by both: the same
 * refusal of a wrong count, trialsDataFrame value columns named as Optuna's trials_dataframe names
 * them, and plot labels (Pareto-front axes, parallel-coordinate objective axes with Pareto-rank colors, the
 * parameter importances' trace) as Optuna's plots label them.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createStudy, InvalidArgumentError, plotParallelCoordinate, plotParamImportances, plotParetoFront, RandomSampler } from '../../src';
import { paretoFrontLive } from '../../widgets/kernel/liveHistory';
import { PYTHON } from '../helpers/python';

const dir = mkdtempSync(join(tmpdir(), 'tunelab-metric-names-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Optuna's view of a study: metric names, flattened dataframe value columns, plot axis titles. */
const VIEW_PY = `
import json, sys, warnings, optuna
from optuna.study._dataframe import _create_records_and_aggregate_column, _flatten_columns
from optuna.visualization import plot_pareto_front, plot_param_importances
warnings.simplefilter('ignore')
s = optuna.load_study(study_name=sys.argv[2], storage=sys.argv[1])
attr = 'values' if len(s.directions) > 1 else 'value'
columns = _flatten_columns(_create_records_and_aggregate_column(s, ('number', attr))[1])
titles = {}
if len(s.directions) == 2:
    f = plot_pareto_front(s)
    titles['pareto'] = [f.layout.xaxis.title.text, f.layout.yaxis.title.text]
    f = plot_param_importances(s)
    titles['importancesByObjective'] = [d.name for d in f.data]
    from optuna.visualization._parallel_coordinate import _get_parallel_coordinate_info
    info = _get_parallel_coordinate_info(s)
    titles['parallel'] = {'objectives': [[d.label, list(d.values), list(d.range)] for d in info.dims_objectives],
                          'color': list(info.color_values), 'colorbar': info.colorbar_title, 'reverse': info.reverse_scale}
else:
    f = plot_param_importances(s)
    titles['importances'] = f.data[0].name
    titles['importancesAxis'] = f.layout.xaxis.title.text
try:
    s.set_metric_names(['only one'] * (len(s.directions) + 1))
    error = None
except ValueError as e:
    error = str(e)
print(json.dumps({'metric_names': s.metric_names, 'value_columns': [c for c in columns if c != 'number'], 'titles': titles, 'error': error}))
`;

function optunaView(
  url: string,
  name: string,
): { metric_names: string[] | null; value_columns: string[]; titles: Record<string, unknown>; error: string } {
  return JSON.parse(execFileSync(PYTHON, ['-c', VIEW_PY, url, name], { encoding: 'utf8', timeout: 120_000 }));
}

const valueColumns = (columns: string[]) => columns.filter((c) => c === 'value' || c.startsWith('value_') || c.startsWith('values_'));

describe('study.setMetricNames (Optuna 5.0)', () => {
  for (const named of [true, false]) {
    it(`two objectives ${named ? 'with' : 'without'} names: dataframe columns and Pareto-front axes as Optuna's`, async () => {
      const url = `sqlite:///${join(dir, `mo-${named}.db`)}`;
      const study = await createStudy({
        storage: url,
        studyName: 'mo',
        directions: ['minimize', 'maximize'],
        sampler: new RandomSampler({ seed: 1 }),
      });
      if (named) await study.setMetricNames(['latency ms', 'accuracy']);
      await study.optimize((t) => [t.suggestFloat('x', 0, 1), t.suggestFloat('y', 0, 1)], { nTrials: 12, showProgressBar: false });
      const optuna = optunaView(url, 'mo');
      assert.deepEqual(study.metricNames, optuna.metric_names);
      assert.deepEqual(valueColumns(study.trialsDataFrame().columns), optuna.value_columns);
      const layout = plotParetoFront(study).layout as unknown as { xaxis: { title: { text: string } }; yaxis: { title: { text: string } } };
      assert.deepEqual([layout.xaxis.title.text, layout.yaxis.title.text], optuna.titles.pareto);
      // Importances: one set of bars per objective, named as Optuna names them.
      assert.deepEqual(
        plotParamImportances(study).data.map((d) => d.name),
        optuna.titles.importancesByObjective,
      );
      // Parallel coordinates: one axis per objective, named the same, lines colored by Pareto rank.
      const parallel = plotParallelCoordinate(study).data[0] as {
        dimensions: Array<{ label: string; values: number[]; range: number[] }>;
        line: { color: number[]; reversescale: boolean; colorbar: { title: { text: string } } };
      };
      const ref = optuna.titles.parallel as {
        objectives: Array<[string, number[], number[]]>;
        color: number[];
        colorbar: string;
        reverse: boolean;
      };
      assert.deepEqual(
        parallel.dimensions.slice(0, 2).map((d) => [d.label, d.values, d.range]),
        ref.objectives,
      );
      assert.deepEqual(parallel.line.color, ref.color, 'Pareto ranks');
      assert.equal(parallel.line.colorbar.title.text, ref.colorbar);
      assert.equal(parallel.line.reversescale, ref.reverse);
      // The live Pareto-front widget titles its axes the same way while the study runs.
      const live = paretoFrontLive(study).plot.layout as { xaxis: { title: { text: string } }; yaxis: { title: { text: string } } };
      assert.deepEqual([live.xaxis.title.text, live.yaxis.title.text], optuna.titles.pareto);
      await assert.rejects(
        study.setMetricNames(['only one', 'only one', 'only one']),
        (e: unknown) => e instanceof InvalidArgumentError && e.message.startsWith(optuna.error),
      );
      await study.storage.close();
    });
  }

  it("one objective: the value column is value_<name> and the importances' axis names the metric, as Optuna's", async () => {
    const url = `sqlite:///${join(dir, 'so.db')}`;
    const study = await createStudy({ storage: url, studyName: 'so', sampler: new RandomSampler({ seed: 2 }) });
    await study.setMetricNames(['rmse']);
    await study.optimize((t) => t.suggestFloat('x', 0, 1) + 0.1 * t.suggestFloat('y', 0, 1), { nTrials: 12, showProgressBar: false });
    const optuna = optunaView(url, 'so');
    assert.deepEqual(study.metricNames, ['rmse']);
    assert.deepEqual(study.systemAttrs['study:metric_names'], ['rmse'], "kept in Optuna's system attribute");
    assert.deepEqual(valueColumns(study.trialsDataFrame().columns), optuna.value_columns);
    assert.equal(study.trialsDataFrame().rows[0]['value_rmse'], study.trials[0].value);
    // Optuna 5 names the bars' trace with the target name; its x axis reads 'Hyperparameter Importance'.
    const figure = plotParamImportances(study);
    assert.equal(figure.data[0].name, optuna.titles.importances);
    assert.equal((figure.layout as { xaxis: { title: { text: string } } }).xaxis.title.text, optuna.titles.importancesAxis);
    await assert.rejects(study.setMetricNames(['a', 'b']), /The number of objectives must match the length of the metric names/);
    await assert.rejects(study.setMetricNames('rmse' as unknown as string[]), InvalidArgumentError);
    await study.storage.close();
  });
});
