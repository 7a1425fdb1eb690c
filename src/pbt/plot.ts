import { InvalidArgumentError } from '../errors';
import { Figure, type Trace } from '../visualization/figure';
import type { PbtResult } from './pbt';

/**
 * The discovered schedule of one hyperparameter: one line per member over rounds, exploit events
 * (a member copying a better one) as markers, and the lineage of the best final member highlighted.
 */
export function plotPbtSchedule(result: PbtResult, hyperparameter: string): Figure {
  const first = result.records[0]?.[0];
  if (!first || !(hyperparameter in first.hyperparameters)) {
    throw new InvalidArgumentError(
      `plotPbtSchedule: '${hyperparameter}' is not a hyperparameter of this run (${Object.keys(first?.hyperparameters ?? {}).join(', ')}).`,
    );
  }
  const traces: Trace[] = result.records.map((recs, member) => ({
    type: 'scatter',
    mode: 'lines',
    name: `member ${member}`,
    x: recs.map((r) => r.round),
    y: recs.map((r) => r.hyperparameters[hyperparameter]),
    line: { width: 1, color: 'rgba(99,110,250,0.35)' },
    showlegend: false,
  }));
  const ex: number[] = [];
  const ey: unknown[] = [];
  for (const recs of result.records) {
    for (const r of recs) {
      if (r.copiedFrom === null || r.round + 1 >= recs.length) continue;
      ex.push(r.round + 1);
      ey.push(recs[r.round + 1].hyperparameters[hyperparameter]);
    }
  }
  traces.push({ type: 'scatter', mode: 'markers', name: 'exploit + explore', x: ex, y: ey, marker: { color: '#FFA15A', size: 6 } });
  traces.push({
    type: 'scatter',
    mode: 'lines+markers',
    name: 'best lineage',
    x: result.bestSchedule.map((s) => s.round),
    y: result.bestSchedule.map((s) => s.hyperparameters[hyperparameter]),
    line: { color: '#EF553B', width: 3 },
  });
  return new Figure({
    data: traces,
    layout: { title: { text: `PBT schedule: ${hyperparameter}` }, xaxis: { title: 'Round' }, yaxis: { title: hyperparameter } },
  });
}

/** Score of every member per round, with the best lineage highlighted. */
export function plotPbtScores(result: PbtResult): Figure {
  const traces: Trace[] = result.records.map((recs, member) => ({
    type: 'scatter',
    mode: 'lines',
    name: `member ${member}`,
    x: recs.map((r) => r.round),
    y: recs.map((r) => r.score),
    line: { width: 1, color: 'rgba(99,110,250,0.35)' },
    showlegend: false,
  }));
  traces.push({
    type: 'scatter',
    mode: 'lines+markers',
    name: 'best lineage',
    x: result.bestSchedule.map((s) => s.round),
    y: result.bestSchedule.map((s) => s.score),
    line: { color: '#EF553B', width: 3 },
  });
  return new Figure({ data: traces, layout: { title: { text: 'PBT scores' }, xaxis: { title: 'Round' }, yaxis: { title: 'Score' } } });
}
