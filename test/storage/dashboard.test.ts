/**
 * optuna-dashboard (0.21, the pinned Python environment) serves a study that tunelab wrote to SQLite:
 * its HTTP API lists the study and its trials as tunelab recorded them, its web page draws the
 * history chart in Chromium, and notes written through the dashboard survive tunelab adding trials
 * to the same file (and tunelab reads them back as the study system attributes the dashboard uses).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createStudy, loadStudy, RandomSampler, TrialPruned, TrialState, type FrozenTrial, type Trial } from '../../src';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { startDashboard, type DashboardServer } from '../helpers/dashboard';
import { launchBrowser, saveScreenshot } from '../widgets/browser';

/** The parts of optuna-dashboard's JSON (optuna_dashboard/_serializer.py) this test reads. */
interface ApiStudySummary {
  study_id: number;
  study_name: string;
  directions: string[];
  user_attrs: ApiAttr[];
}
interface ApiAttr {
  key: string;
  value: string;
}
interface ApiNote {
  version: number;
  body: string;
}
interface ApiParam {
  name: string;
  param_internal_value: number;
  param_external_value: string;
  param_external_pytyp: string;
  distribution: Record<string, unknown>;
}
interface ApiTrial {
  trial_id: number;
  number: number;
  state: string;
  params: ApiParam[];
  values?: Array<number | string>;
  intermediate_values: Array<{ step: number; value: number | string }>;
  user_attrs: ApiAttr[];
  note: ApiNote;
}
interface ApiStudyDetail {
  name: string;
  directions: string[];
  user_attrs: ApiAttr[];
  trials: ApiTrial[];
  note: ApiNote;
}
/** One plotly trace of the history chart, as the page holds it. */
interface ChartTrace {
  name: string;
  mode: string;
  x: number[];
  y: number[];
}

const STUDY_NAME = 'tunelab-in-dashboard';
const ACTIVATIONS = ['relu', 'tanh', 'gelu'] as const;
/** Optuna's state names as the dashboard spells them (`TrialState.name.capitalize()`). */
const DASHBOARD_STATE: Record<TrialState, string> = {
  [TrialState.RUNNING]: 'Running',
  [TrialState.COMPLETE]: 'Complete',
  [TrialState.PRUNED]: 'Pruned',
  [TrialState.FAIL]: 'Fail',
  [TrialState.WAITING]: 'Waiting',
};
/** Longer than one system attribute (2045 characters), so the dashboard splits it into several. */
const STUDY_NOTE = `# Study notes\n\nWritten through optuna-dashboard's API.\n\n${'lr matters most; '.repeat(150)}`;
const TRIAL_NOTE = 'Trial note: **best so far**, from the dashboard.';
const WAIT_MS = 60_000;

/**
 * The objective of both rounds: a float (log), an int and a categorical, three intermediate values,
 * user attributes; trial 3 is pruned and trial 5 fails.
 */
function objective(t: Trial): number {
  const lr = t.suggestFloat('lr', 1e-4, 1e-1, { log: true });
  const layers = t.suggestInt('layers', 1, 4);
  const act = t.suggestCategorical('act', [...ACTIVATIONS]);
  t.setUserAttr('fold', `fold-${t.number % 3}`);
  t.setUserAttr('epochs', 3);
  t.setUserAttr('curve', { act, layers });
  let loss = 1;
  for (let step = 0; step < 3; step++) {
    loss = Math.abs(Math.log10(lr) + 2.5) / (step + 1) + 0.1 * layers + ACTIVATIONS.indexOf(act) * 0.05;
    t.report(loss, step);
  }
  if (t.number === 3) throw new TrialPruned();
  if (t.number === 5) throw new Error('diverged on purpose');
  return loss;
}

/** The alembic revision stored in an SQLite file (what optuna-dashboard compares with Optuna's head). */
function alembicRevision(path: string): string {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT version_num FROM alembic_version').all() as Array<{ version_num: string }>;
    return rows.map((r) => r.version_num).join(', ');
  } finally {
    db.close();
  }
}

/** Poll `check` until it returns a value (not undefined), at most `ms`; the error says what was last seen. */
async function waitFor<T>(what: string, ms: number, check: () => Promise<T | undefined>, seen: () => string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}; last seen: ${seen()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Check one dashboard trial against the trial tunelab recorded. */
function assertSameTrial(api: ApiTrial, ours: FrozenTrial): void {
  const where = `trial ${ours.number}`;
  assert.equal(api.trial_id, ours.trialId, `${where}: trial_id`);
  assert.equal(api.number, ours.number);
  assert.equal(api.state, DASHBOARD_STATE[ours.state], `${where}: state`);
  if (ours.values) assert.deepEqual(api.values, [...ours.values], `${where}: values`);
  else assert.equal(api.values, undefined, `${where}: no values`);
  assert.deepEqual(
    api.intermediate_values,
    [...ours.intermediateValues].sort((a, b) => a[0] - b[0]).map(([step, value]) => ({ step, value })),
    `${where}: intermediate values`,
  );

  const params = Object.fromEntries(api.params.map((p) => [p.name, p]));
  assert.deepEqual(Object.keys(params).sort(), Object.keys(ours.params).sort(), `${where}: param names`);
  const lr = params.lr;
  assert.equal(lr.param_internal_value, ours.params.lr);
  assert.equal(Number(lr.param_external_value), ours.params.lr);
  assert.equal(lr.param_external_pytyp, "<class 'float'>");
  assert.deepEqual(lr.distribution, { type: 'FloatDistribution', low: 1e-4, high: 1e-1, step: null, log: true });
  const layers = params.layers;
  assert.equal(layers.param_external_value, String(ours.params.layers));
  assert.equal(layers.param_external_pytyp, "<class 'int'>");
  assert.deepEqual(layers.distribution, { type: 'IntDistribution', low: 1, high: 4, step: 1, log: false });
  const act = params.act;
  assert.equal(act.param_external_value, ours.params.act);
  assert.equal(act.param_internal_value, ACTIVATIONS.indexOf(ours.params.act as (typeof ACTIVATIONS)[number]));
  assert.equal(act.param_external_pytyp, "<class 'str'>");
  assert.deepEqual(act.distribution, {
    type: 'CategoricalDistribution',
    choices: ACTIVATIONS.map((value) => ({ pytype: "<class 'str'>", value })),
  });

  // The dashboard shows strings as they are and other values as Python's str / json.dumps.
  const attrs = Object.fromEntries(api.user_attrs.map((a) => [a.key, a.value]));
  assert.deepEqual(Object.keys(attrs).sort(), Object.keys(ours.userAttrs).sort(), `${where}: user attr keys`);
  for (const [key, value] of Object.entries(ours.userAttrs)) {
    if (typeof value === 'string') assert.equal(attrs[key], value, `${where}: user attr ${key}`);
    else assert.deepEqual(JSON.parse(attrs[key]), value, `${where}: user attr ${key}`);
  }
}

/** Trials the history chart draws by default: COMPLETE, and PRUNED with a (last reported) value. */
function chartedTrials(trials: readonly FrozenTrial[], withPruned: boolean): FrozenTrial[] {
  return trials.filter(
    (t) =>
      (t.state === TrialState.COMPLETE || (withPruned && t.state === TrialState.PRUNED)) &&
      t.values !== null &&
      Number.isFinite(t.values[0]),
  );
}

/** The history chart's traces: plotly keeps what it drew on the graph div (#plot-history) as `data`. */
async function historyTraces(page: Page): Promise<ChartTrace[]> {
  return page.evaluate(() => {
    const el = document.getElementById('plot-history') as (HTMLElement & { data?: ChartTrace[] }) | null;
    return (el?.data ?? []).map((t) => ({ name: t.name, mode: t.mode, x: [...t.x], y: [...t.y] }));
  });
}

/** The trace of the study's trials ("<objective> of <study>"; the infeasible and unselected ones are others). */
function trialsTrace(traces: ChartTrace[]): ChartTrace | undefined {
  return traces.find((t) => t.mode === 'markers' && t.name.endsWith(` of ${STUDY_NAME}`) && !/^(Infeasible|Unselected) /.test(t.name));
}

/**
 * The page's "Include PRUNED trials" switch, once the study has loaded: until then it is disabled and
 * unchecked whatever the setting (it is enabled when the study has intermediate values).
 */
async function includePrunedSwitch(page: Page): Promise<Locator> {
  const toggle = page.getByRole('checkbox', { name: 'Include PRUNED trials' });
  await waitFor(
    'the study to load (the "Include PRUNED trials" switch to be enabled)',
    WAIT_MS,
    async () => ((await toggle.count()) === 1 && (await toggle.isEnabled()) ? true : undefined),
    () => `${toggle} is missing or disabled`,
  );
  return toggle;
}

/** Wait (bounded) until the history chart shows exactly `expected`, at their numbers and values; returns all traces. */
async function expectHistoryPoints(page: Page, expected: FrozenTrial[], pageErrors: string[]): Promise<ChartTrace[]> {
  let last: ChartTrace[] = [];
  const trace = await waitFor(
    `${expected.length} points on the history chart`,
    WAIT_MS,
    async () => {
      last = await historyTraces(page);
      const t = trialsTrace(last);
      return t && t.x.length === expected.length ? t : undefined;
    },
    () => `${JSON.stringify(last)}; page errors: ${pageErrors.join(' | ') || 'none'}`,
  );
  assert.deepEqual(
    trace.x,
    expected.map((t) => t.number),
    'x: trial numbers',
  );
  assert.deepEqual(
    trace.y,
    expected.map((t) => t.values![0]),
    'y: objective values',
  );
  // ...and plotly really drew them: one SVG marker per point (the best-value trace is a line).
  const drawn = await page.locator('#plot-history .scatterlayer path.point').count();
  assert.equal(drawn, expected.length, 'SVG markers drawn');
  return last;
}

describe('optuna-dashboard serves a tunelab SQLite study', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunelab-dashboard-'));
  const dbPath = join(dir, 'study.db');
  const url = `sqlite:///${dbPath}`;
  let server: DashboardServer | undefined;
  let closeBrowser: (() => Promise<void>) | undefined;
  let context: BrowserContext | undefined;
  let studyId = -1;
  let firstRound: readonly FrozenTrial[] = [];

  before(async () => {
    const study = await createStudy({
      storage: url,
      studyName: STUDY_NAME,
      direction: 'minimize',
      sampler: new RandomSampler({ seed: 11 }),
    });
    await study.setUserAttr('dataset', 'iris');
    await study.setUserAttr('split', { folds: 3, shuffle: 'yes' });
    await study.optimize(objective, { nTrials: 8, showProgressBar: false, catch: [Error] });
    await study.refresh();
    firstRound = study.trials;
    studyId = study.studyId;
    await study.storage.close();
    const states = firstRound.map((t) => t.state);
    assert.equal(states.filter((s) => s === TrialState.COMPLETE).length, 6, `states: ${states}`);
    assert.equal(states[3], TrialState.PRUNED);
    assert.equal(states[5], TrialState.FAIL);
    server = await startDashboard(url, WAIT_MS);
  });

  after(async () => {
    // Each step runs even if an earlier one throws, so no browser or server outlives the test.
    try {
      await closeBrowser?.();
    } finally {
      try {
        await server?.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('lists the study with its name, direction and user attributes', async () => {
    const { study_summaries } = await server!.getJson<{ study_summaries: ApiStudySummary[] }>('/api/studies');
    assert.equal(study_summaries.length, 1, JSON.stringify(study_summaries));
    const s = study_summaries[0];
    assert.equal(s.study_id, studyId);
    assert.equal(s.study_name, STUDY_NAME);
    assert.deepEqual(s.directions, ['minimize']);
    const attrs = Object.fromEntries(s.user_attrs.map((a) => [a.key, a.value]));
    assert.equal(attrs.dataset, 'iris');
    assert.deepEqual(JSON.parse(attrs.split), { folds: 3, shuffle: 'yes' });
  });

  it('shows every trial with the number, state, params, values and intermediate values tunelab wrote', async () => {
    const detail = await server!.getJson<ApiStudyDetail>(`/api/studies/${studyId}`);
    assert.equal(detail.name, STUDY_NAME);
    assert.deepEqual(detail.directions, ['minimize']);
    assert.deepEqual(
      detail.trials.map((t) => t.number),
      firstRound.map((t) => t.number),
    );
    detail.trials.forEach((t, i) => assertSameTrial(t, firstRound[i]));
    assert.deepEqual(detail.note, { version: 0, body: '' }, 'no note yet');
  });

  /** A new page of the dashboard at `path` (the browser starts on first use and closes in `after`). */
  async function openDashboardPage(path: string): Promise<{ page: Page; pageErrors: string[] }> {
    if (!context) {
      const browser = await launchBrowser();
      closeBrowser = browser.close;
      context = browser.context;
    }
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${server!.baseUrl}${path}`, { timeout: WAIT_MS });
    // optuna-dashboard answers its pages with a "migrate your storage" page when the file's alembic
    // revision is not the head of the Optuna it runs on (its API does not check): say so plainly.
    if (new URL(page.url()).pathname === '/incompatible-rdb-schema') {
      assert.fail(
        `optuna-dashboard refused its pages: the database's alembic revision is ${alembicRevision(dbPath)}, not the ` +
          `head of the Optuna it runs on (5.0: v3.2.0.a); its API does not check, its pages do. Page text: ` +
          (await page.evaluate(() => document.body.innerText)),
      );
    }
    return { page, pageErrors };
  }

  it('draws the history chart in Chromium with a point per charted trial', async () => {
    const { page, pageErrors } = await openDashboardPage(`/dashboard/studies/${studyId}`);
    const pruned = await includePrunedSwitch(page);
    assert.equal(await pruned.isChecked(), true, 'PRUNED trials are included by default');

    // By default the dashboard also plots PRUNED trials at their last reported value (which tunelab
    // records as the trial's value, like Optuna).
    const all = await expectHistoryPoints(page, chartedTrials(firstRound, true), pageErrors);
    assert.ok(
      all.some((t) => t.mode === 'lines' && t.name === `Best Value of ${STUDY_NAME}`),
      `a best-value line: ${all.map((t) => t.name)}`,
    );
    await saveScreenshot(page, 'dashboard-history.png');

    // Switching "Include PRUNED trials" off leaves exactly one point per COMPLETE trial.
    await pruned.click({ timeout: WAIT_MS });
    const complete = chartedTrials(firstRound, false);
    assert.deepEqual(
      complete.map((t) => t.number),
      firstRound.filter((t) => t.state === TrialState.COMPLETE).map((t) => t.number),
    );
    await expectHistoryPoints(page, complete, pageErrors);
    await page.close();
  });

  it('keeps notes written through the dashboard while tunelab adds trials, and shows the new trials', async () => {
    const best = firstRound.filter((t) => t.state === TrialState.COMPLETE).sort((a, b) => a.values![0] - b.values![0])[0];
    // The dashboard's note routes: PUT with the next version number (1 for a first note), 204 on success.
    const studyNote = await server!.send('PUT', `/api/studies/${studyId}/note`, { version: 1, body: STUDY_NOTE });
    assert.equal(studyNote.status, 204, studyNote.text);
    const trialNote = await server!.send('PUT', `/api/studies/${studyId}/${best.trialId}/note`, { version: 1, body: TRIAL_NOTE });
    assert.equal(trialNote.status, 204, trialNote.text);
    // A stale version is refused with 409, which shows the route checks what is stored.
    const stale = await server!.send('PUT', `/api/studies/${studyId}/note`, { version: 1, body: 'overwrite' });
    assert.equal(stale.status, 409, stale.text);

    // tunelab resumes the study (a new process would do the same) and runs more trials.
    const resumed = await createStudy({
      storage: url,
      studyName: STUDY_NAME,
      direction: 'minimize',
      loadIfExists: true,
      sampler: new RandomSampler({ seed: 12 }),
    });
    assert.equal(resumed.studyId, studyId);
    await resumed.optimize(objective, { nTrials: 4, showProgressBar: false, catch: [Error] });
    await resumed.storage.close();

    // tunelab reads the notes back as the study system attributes the dashboard stored.
    const reread = await loadStudy({ storage: url, studyName: STUDY_NAME });
    try {
      const sys = await reread.storage.getStudySystemAttrs(studyId);
      assert.equal(sys['dashboard:note_ver'], 1);
      const chunks = Object.keys(sys)
        .filter((k) => k.startsWith('dashboard:note_str:'))
        .sort();
      assert.deepEqual(chunks, ['dashboard:note_str:0', 'dashboard:note_str:1'], 'a long note is split in 2045-character chunks');
      assert.equal(chunks.map((k) => sys[k]).join(''), STUDY_NOTE);
      assert.equal(sys[`dashboard:${best.trialId}:note_ver`], 1);
      assert.equal(sys[`dashboard:${best.trialId}:note_str:0`], TRIAL_NOTE);
      assert.equal(reread.trials.length, firstRound.length + 4);
      assert.deepEqual(
        reread.trials.slice(0, firstRound.length).map((t) => [t.number, t.state, t.values]),
        firstRound.map((t) => [t.number, t.state, t.values]),
        'the first round is unchanged',
      );

      // The dashboard caches trials for about 2 s; wait (bounded) until it shows the new ones.
      let last: ApiStudyDetail | undefined;
      const detail = await waitFor(
        `${reread.trials.length} trials in the dashboard`,
        WAIT_MS,
        async () => {
          last = await server!.getJson<ApiStudyDetail>(`/api/studies/${studyId}`);
          return last.trials.length === reread.trials.length ? last : undefined;
        },
        () => `${last?.trials.length} trials`,
      );
      detail.trials.forEach((t, i) => assertSameTrial(t, reread.trials[i]));
      assert.deepEqual(detail.note, { version: 1, body: STUDY_NOTE });
      const noted = detail.trials.find((t) => t.trial_id === best.trialId);
      assert.deepEqual(noted?.note, { version: 1, body: TRIAL_NOTE });
      for (const t of detail.trials) {
        if (t.trial_id !== best.trialId) assert.deepEqual(t.note, { version: 0, body: '' }, `trial ${t.number} has no note`);
      }

      // In Chromium: the history chart now has the new trials' points, and the note page shows the note.
      const history = await openDashboardPage(`/dashboard/studies/${studyId}`);
      const withPruned = await (await includePrunedSwitch(history.page)).isChecked();
      await expectHistoryPoints(history.page, chartedTrials(reread.trials, withPruned), history.pageErrors);
      await saveScreenshot(history.page, 'dashboard-history-resumed.png');
      await history.page.close();
      const notePage = await openDashboardPage(`/dashboard/studies/${studyId}/note`);
      await notePage.page.getByRole('heading', { name: 'Study notes' }).waitFor({ timeout: WAIT_MS });
      await notePage.page.getByText("Written through optuna-dashboard's API.").waitFor({ timeout: WAIT_MS });
      await saveScreenshot(notePage.page, 'dashboard-note.png');
      await notePage.page.close();
    } finally {
      await reread.storage.close();
    }
  });
});
