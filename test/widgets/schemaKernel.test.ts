/**
 * The shared widget schema through the real tunelab kernel (built dist/, ZeroMQ): the comm_open a
 * notebook cell's widget sends holds the schema's defaults plus what its constructor set, and a
 * cell setting a misspelt attribute is refused by the kernel's type check before it runs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KernelClient } from '../../kernel/runner/client';
import { defaultState, modelIdentity, TUNELAB_MODELS, type TunelabModelName } from '../../widgets/schema';
import { ofType, run, startKernel } from '../kernel/helpers';

describe('the shared widget schema in the tunelab kernel', { timeout: 180_000 }, () => {
  let k: KernelClient;
  const notebookDir = mkdtempSync(path.join(os.tmpdir(), 'tunelab-schema-nb-'));
  before(async () => {
    k = await startKernel({ cwd: notebookDir });
  });
  after(async () => {
    await k?.shutdown();
    rmSync(notebookDir, { recursive: true, force: true });
  });

  it("each tunelab model opens its comm with the schema's defaults plus what its constructor set", async () => {
    const r = await run(
      k,
      [
        "import { CVResults, Plot, ScheduleView, StudyMonitor } from 'tunelab/widgets';",
        "const cv = new CVResults({ metric: 'accuracy', nFolds: 3 });",
        "const plot = new Plot({ data: [{ type: 'bar', x: ['a'], y: [1] }], layout: {} });",
        "const schedule = new ScheduleView({ name: 'linear', values: [[0, 1], [10, 0]] }, { height: 300 });",
        "const monitor = new StudyMonitor({ studyName: 'in-kernel', directions: ['minimize'], stop() {} }, { nTrials: 7, now: () => 99 });",
      ].join('\n'),
    );
    const sets: Record<TunelabModelName, Record<string, unknown>> = {
      CVResultsModel: { metric: 'accuracy', n_folds: 3 },
      PlotModel: { data: [{ type: 'bar', x: ['a'], y: [1] }] },
      ScheduleViewModel: { name: 'linear', steps: [0, 10], lrs: [1, 0], height: 300 },
      StudyMonitorModel: { study_name: 'in-kernel', n_trials: 7, started_at: 99 },
    };
    const opened = ofType(r, 'comm_open');
    const names = opened.map((m) => (m.content.data as { state: { _model_name: string } }).state._model_name);
    assert.deepEqual([...names].sort(), Object.keys(TUNELAB_MODELS).sort(), 'one comm per model, nothing else');
    for (const m of opened) {
      const state = (m.content.data as { state: Record<string, unknown> }).state;
      const name = state._model_name as TunelabModelName;
      assert.equal(m.content.target_name, 'jupyter.widget');
      assert.deepEqual(m.metadata, { version: '2.1.0' });
      assert.deepEqual(
        state,
        { ...modelIdentity(TUNELAB_MODELS[name]), ...defaultState(name), ...sets[name] },
        `${name}'s comm_open state`,
      );
    }
  });

  it('a cell setting a misspelt attribute does not compile, and the widget keeps its state', async () => {
    const r = await k.execute("cv.set({ metrc: 'f1' })", { timeoutMs: 60_000, stopOnError: false });
    assert.equal(r.reply.content.status, 'error', JSON.stringify(r.reply.content));
    assert.equal(r.reply.content.ename, 'TypeScriptError', JSON.stringify(r.reply.content));
    assert.match(String(r.reply.content.evalue), /metrc/, JSON.stringify(r.reply.content));
    const after = await run(k, 'cv.get("metric")');
    const result = ofType(after, 'execute_result')[0];
    assert.equal((result.content.data as Record<string, unknown>)['text/plain'], "'accuracy'");
  });
});
