/**
 * trialsDataFrame({ attrs }) against Optuna 5.0's trials_dataframe(attrs=...), on one SQLite study
 * read by both: the same flattened columns in the same order, and the same cells (times aside:
 * tunelab writes them as ISO strings in UTC, and a duration as milliseconds under `duration_ms`).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createStudy, InvalidArgumentError, RandomSampler, TrialPruned, type Study, type TrialAttr } from '../../src';
import { PYTHON } from '../helpers/python';

const dir = mkdtempSync(join(tmpdir(), 'tunelab-dataframe-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Optuna's flattened columns and rows for each list of attributes (what trials_dataframe builds, without pandas). */
const FRAME_PY = `
import datetime, json, sys, warnings, optuna
from optuna.study._dataframe import _create_records_and_aggregate_column, _flatten_columns
warnings.simplefilter('ignore')
s = optuna.load_study(study_name=sys.argv[2], storage=sys.argv[1])
def cell(v):
    if isinstance(v, datetime.datetime): return v.isoformat()
    if isinstance(v, datetime.timedelta): return v.total_seconds() * 1000
    return v
out = []
for attrs in json.loads(sys.argv[3]):
    attrs = tuple(attrs)
    if 'value' in attrs and len(s.directions) > 1:
        attrs = tuple('values' if a == 'value' else a for a in attrs)
    records, columns = _create_records_and_aggregate_column(s, attrs)
    names = _flatten_columns(columns)
    out.append({'columns': names, 'rows': [[cell(r.get(c)) for c in columns] for r in records]})
print(json.dumps(out, allow_nan=True))
`;

interface Frame {
  columns: string[];
  rows: unknown[][];
}

function optunaFrames(url: string, name: string, attrLists: readonly (readonly string[])[]): Frame[] {
  return JSON.parse(execFileSync(PYTHON, ['-c', FRAME_PY, url, name, JSON.stringify(attrLists)], { encoding: 'utf8', timeout: 120_000 }));
}

const TIMES = new Set(['datetime_start', 'datetime_complete', 'duration', 'duration_ms']);

function assertSameFrame(study: Study, attrs: readonly TrialAttr[], optuna: Frame): void {
  const table = study.trialsDataFrame({ attrs });
  const expected = optuna.columns.map((c) => (c === 'duration' ? 'duration_ms' : c));
  assert.deepEqual(table.columns, expected, `columns for ${attrs.join(', ')}`);
  table.rows.forEach((row, r) => {
    table.columns.forEach((c, j) => {
      if (TIMES.has(c)) return assert.equal(row[c] === null, optuna.rows[r][j] === null, `${c} of row ${r} present in both or neither`);
      // Optuna's JSON attribute values are objects where tunelab's cells hold their JSON text.
      const theirs = optuna.rows[r][j];
      const mine = typeof theirs === 'object' && theirs !== null && typeof row[c] === 'string' ? JSON.parse(row[c] as string) : row[c];
      assert.deepEqual(mine, theirs, `${c} of row ${r}`);
    });
  });
}

const ATTR_LISTS: readonly (readonly TrialAttr[])[] = [
  ['number', 'value', 'datetime_start', 'datetime_complete', 'duration', 'params', 'user_attrs', 'system_attrs', 'state'],
  ['number', 'value', 'params', 'state'],
  ['state', 'params', 'number'],
  ['number', '_trial_id', 'intermediate_values', 'last_step'],
  ['values', 'user_attrs'],
];

describe("trialsDataFrame({ attrs }) as Optuna 5.0's trials_dataframe(attrs=...)", () => {
  it('one objective: complete, pruned and failed trials, conditional parameters, reports and attributes', async () => {
    const url = `sqlite:///${join(dir, 'so.db')}`;
    const study = await createStudy({ storage: url, studyName: 'so', sampler: new RandomSampler({ seed: 3 }) });
    await study.setMetricNames(['loss']);
    await study.optimize(
      (t) => {
        const x = t.suggestFloat('x', -2, 2);
        const kind = t.suggestCategorical('kind', ['a', 'b']);
        if (kind === 'b') t.suggestInt('depth', 1, 4);
        t.setUserAttr('note', t.number % 2 === 0 ? 'even' : { odd: [t.number] });
        t.report(x * x, 0);
        if (t.number % 3 === 1) t.report(x * x + 1, 2);
        if (t.number === 4) throw new TrialPruned();
        if (t.number === 5) throw new RangeError('planted');
        return x * x;
      },
      { nTrials: 8, catch: [RangeError], showProgressBar: false },
    );
    const frames = optunaFrames(url, 'so', ATTR_LISTS);
    ATTR_LISTS.forEach((attrs, i) => assertSameFrame(study, attrs, frames[i]));
    await study.storage.close();
  });

  it('two objectives without metric names, and an empty study', async () => {
    const url = `sqlite:///${join(dir, 'mo.db')}`;
    const study = await createStudy({
      storage: url,
      studyName: 'mo',
      directions: ['minimize', 'maximize'],
      sampler: new RandomSampler({ seed: 1 }),
    });
    await study.optimize((t) => [t.suggestFloat('x', 0, 1), t.suggestFloat('y', 0, 1)], { nTrials: 5, showProgressBar: false });
    const frames = optunaFrames(url, 'mo', ATTR_LISTS);
    ATTR_LISTS.forEach((attrs, i) => assertSameFrame(study, attrs, frames[i]));
    const empty = await createStudy({ storage: url, studyName: 'empty' });
    assert.deepEqual(
      empty.trialsDataFrame({ attrs: ['number', 'value'] }).columns,
      optunaFrames(url, 'empty', [['number', 'value']])[0].columns,
    );
    await study.storage.close();
  });

  it('refuses what it cannot give, naming it', async () => {
    const study = await createStudy();
    const untyped = study.trialsDataFrame.bind(study) as (o: unknown) => unknown;
    assert.throws(
      () => untyped({ attrs: ['number', 'datetimeStart'] }),
      (e: unknown) =>
        e instanceof InvalidArgumentError && /unknown attribute "datetimeStart"\. Did you mean datetime_start\?/.test(e.message),
    );
    assert.throws(() => untyped({ multiIndex: true }), /multiIndex: true is not available/);
    assert.throws(() => untyped({ atrs: ['number'] }), /trialsDataFrame: unknown option "atrs"\. Did you mean attrs\?/);
    assert.throws(() => untyped({ attrs: 'number' }), /attrs must be a list of trial attributes/);
    // The default table is tunelab's own (the README's), unchanged.
    assert.deepEqual(study.trialsDataFrame().columns.slice(0, 3), ['number', 'state', 'value']);
  });
});
