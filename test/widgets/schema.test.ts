/**
 * The shared widget schema (widgets/schema.ts) on the kernel side: every model it declares opens its
 * comm with exactly the schema's defaults plus what the constructor was given, the values have the
 * declared types, and `set` takes only declared attributes (checked at compile time).
 * The browser side of the same check is schemaBundle.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import {
  attributeMismatch,
  defaultState,
  modelDefaults,
  modelIdentity,
  TUNELAB_MODELS,
  TUNELAB_MODULE,
  TUNELAB_MODULE_VERSION,
  type Attributes,
  type StateReader,
  type TunelabModelName,
} from '../../widgets/schema';
import { CVResults, Plot, ScheduleView, setCommTransport, StudyMonitor, widgetRegistry, type Widget } from '../../widgets/kernel';
import { initialState } from '../../widgets/kernel/tunelabModel';
import { FakeTransport } from './fakeTransport';

const ROOT = join(__dirname, '..', '..');

/** One way of constructing a model, and the attributes that construction sets (written out by hand). */
interface Construction {
  what: string;
  make: () => Widget;
  sets: Record<string, unknown>;
}

const study = (directions: Array<'minimize' | 'maximize'>) => ({ studyName: 'schema-study', directions, stop: () => undefined });

const CONSTRUCTIONS: Record<TunelabModelName, Construction[]> = {
  PlotModel: [
    { what: 'new Plot()', make: () => new Plot(), sets: {} },
    {
      what: 'new Plot(figure, {height})',
      make: () => new Plot({ data: [{ type: 'scatter', x: [1, 2], y: [3, 4] }], layout: { title: { text: 'loss' } } }, { height: 500 }),
      sets: { data: [{ type: 'scatter', x: [1, 2], y: [3, 4] }], plot_layout: { title: { text: 'loss' } }, height: 500 },
    },
  ],
  StudyMonitorModel: [
    {
      what: 'a one-objective monitor by trials',
      make: () => new StudyMonitor(study(['maximize']), { nTrials: 10, now: () => 1_700_000_000_000 }),
      sets: { study_name: 'schema-study', directions: ['maximize'], n_trials: 10, started_at: 1_700_000_000_000 },
    },
    {
      what: 'a two-objective monitor by time with a reference point',
      make: () => new StudyMonitor(study(['minimize', 'maximize']), { timeoutSeconds: 30, referencePoint: [10, 0], now: () => 5 }),
      sets: { study_name: 'schema-study', directions: ['minimize', 'maximize'], timeout: 30, started_at: 5, hv_reference_auto: false },
    },
  ],
  ScheduleViewModel: [
    {
      what: 'a schedule description',
      make: () =>
        new ScheduleView({
          name: 'constant',
          values: [
            [0, 0.1],
            [9, 0.1],
          ],
        }),
      sets: { name: 'constant', steps: [0, 9], lrs: [0.1, 0.1] },
    },
    {
      what: 'a description with params and a current step, and a height',
      make: () =>
        new ScheduleView(
          {
            name: 'step',
            params: { gamma: 0.5 },
            points: [
              [0, 1],
              [5, 0.5],
            ],
            currentStep: 3,
          },
          { height: 200 },
        ),
      sets: { name: 'step', params: { gamma: 0.5 }, steps: [0, 5], lrs: [1, 0.5], current_step: 3, height: 200 },
    },
  ],
  CVResultsModel: [
    { what: 'new CVResults()', make: () => new CVResults(), sets: {} },
    {
      what: 'CVResults with a metric, a fold count and a first row',
      make: () => new CVResults({ metric: 'accuracy', nFolds: 5, rows: [{ outerFold: 0, score: 0.9, params: { C: 1 } }] }),
      sets: { metric: 'accuracy', n_folds: 5, rows: [{ outer_fold: 0, score: 0.9, params: { C: 1 }, inner_results: null }] },
    },
  ],
};

function openedState(t: FakeTransport, w: Widget): { state: Record<string, unknown>; metadata: unknown; bufferPaths: unknown } {
  const open = t.messagesFor(w.modelId).find((m) => m.kind === 'open');
  assert.ok(open, `no comm_open for ${w.spec.modelName}; sent: ${JSON.stringify(t.sent.map((m) => [m.kind, m.commId]))}`);
  return { state: open.data.state as Record<string, unknown>, metadata: open.metadata, bufferPaths: open.data.buffer_paths };
}

describe('the shared widget schema, kernel side', () => {
  afterEach(() => {
    for (const w of [...widgetRegistry().values()]) w.close();
    setCommTransport(null);
  });

  it("declares exactly the models the kernel side constructs here, in module tunelab-widgets at the extension's version", () => {
    assert.deepEqual(Object.keys(CONSTRUCTIONS).sort(), Object.keys(TUNELAB_MODELS).sort());
    const extension = JSON.parse(readFileSync(join(ROOT, 'widgets', 'lab', 'package.json'), 'utf8')) as { name: string; version: string };
    assert.equal(TUNELAB_MODULE, extension.name, "the module name is the JupyterLab extension's package name");
    assert.equal(TUNELAB_MODULE_VERSION, extension.version, 'the module version is the version the JupyterLab extension registers');
    for (const [name, schema] of Object.entries(TUNELAB_MODELS)) {
      assert.equal(schema.modelName, name);
      assert.equal(schema.module, TUNELAB_MODULE);
      assert.equal(schema.version, TUNELAB_MODULE_VERSION);
      for (const [attr, spec] of Object.entries(schema.attributes as Attributes)) {
        assert.equal(
          attributeMismatch(spec, spec.default),
          undefined,
          `${name}.${attr}: the default ${JSON.stringify(spec.default)} has the declared type`,
        );
      }
    }
  });

  for (const [name, constructions] of Object.entries(CONSTRUCTIONS) as Array<[TunelabModelName, Construction[]]>) {
    for (const c of constructions) {
      it(`${name}: comm_open state of ${c.what} is the schema's defaults plus what the constructor set`, () => {
        const t = new FakeTransport();
        setCommTransport(t);
        const w = c.make();
        const { state, metadata, bufferPaths } = openedState(t, w);
        assert.deepEqual(metadata, { version: '2.1.0' });
        assert.deepEqual(bufferPaths, []);
        const unknown = Object.keys(c.sets).filter((k) => !(k in TUNELAB_MODELS[name].attributes));
        assert.deepEqual(unknown, [], 'the test only expects declared attributes');
        assert.deepEqual(state, { ...modelIdentity(TUNELAB_MODELS[name]), ...defaultState(name), ...c.sets });
        const attributes = TUNELAB_MODELS[name].attributes as Attributes;
        for (const [attr, value] of Object.entries(state)) {
          if (attr.startsWith('_')) continue;
          assert.equal(
            attributeMismatch(attributes[attr], value),
            undefined,
            `${name}.${attr} = ${JSON.stringify(value)} has the declared type`,
          );
        }
        // The state a frontend asks for later (request_state / update_states) starts from the same.
        assert.deepEqual(w.serializedModel().model.state, state);
      });
    }
  }

  it("hands out fresh defaults: a model that mutates its arrays does not change the next one's", () => {
    const first = defaultState('StudyMonitorModel');
    first.directions.push('maximize');
    assert.deepEqual(defaultState('StudyMonitorModel').directions, ['minimize']);
    const plotDefaults = modelDefaults('PlotModel');
    (plotDefaults.data as unknown[]).push({ type: 'bar' });
    assert.deepEqual(modelDefaults('PlotModel').data, []);
  });

  it("set takes only the schema's attributes: a misspelt one does not compile; constructors refuse undeclared ones", () => {
    const cv = new CVResults();
    // @ts-expect-error -- `metrc` is not an attribute of CVResultsModel (tsc -p tsconfig.check.json fails if this compiles)
    cv.set({ metrc: 'accuracy' }); // at run time a widget stays a forgiving state holder (protocol.test.ts)
    assert.equal(cv.get('metric'), 'score', 'the misspelt name did not change the real attribute');
    cv.set({ metric: 'accuracy' });
    assert.equal(cv.get('metric'), 'accuracy');
    assert.throws(() => initialState('PlotModel', { layout: {} } as never), {
      name: 'TypeError',
      message: /PlotModel has no attribute "layout"/,
    });
  });

  it("StateReader, through which the browser views read their models, has the schema's types; a misspelt name does not compile", () => {
    const state = defaultState('StudyMonitorModel');
    const monitor: StateReader<'StudyMonitorModel'> = { get: (name) => state[name] };
    // Annotated with the types the views rely on (tsc -p tsconfig.check.json fails if the schema's differ).
    const nTrials: number | null = monitor.get('n_trials');
    const status: 'running' | 'stopping' | 'stopped' | 'finished' | 'interrupted' | 'failed' = monitor.get('status');
    const reference: number[] | null = monitor.get('hv_reference');
    assert.deepEqual([nTrials, status, reference], [null, 'running', null]);
    // @ts-expect-error -- `n_trial` is not an attribute of StudyMonitorModel
    assert.equal(monitor.get('n_trial'), undefined);
    // The kernel side's models read the same way.
    const cv: StateReader<'CVResultsModel'> = new CVResults();
    const rows: Array<{ outer_fold: number; score: number }> = cv.get('rows');
    assert.deepEqual([cv.get('metric'), rows], ['score', []]);
  });
});
