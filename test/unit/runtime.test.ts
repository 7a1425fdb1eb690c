// The runtime object (src/runtime.ts): every copy of tunelab loaded in one process shares one, so a
// second copy (loaded here by clearing Node's module cache, as a notebook's own install would be)
// sees the first copy's seed, logging, running studies and kernel hooks. A copy that finds a runtime
// object of another protocol version, something malformed, or the slots of a tunelab from before the
// runtime object refuses to load with an error naming both copies and what to do.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as first from '../../src';
import { getOptimizeInterruptSource, setOptimizeInterruptSource } from '../../src/optimizeSignal';
import { getDefaultObserverFactory, setDefaultObserverFactory, terminalProgressFactory } from '../../src/progress';
import {
  attachRuntime,
  IncompatibleTunelabCopiesError,
  runtime,
  runtimePart,
  RUNTIME_PROTOCOL_VERSION,
  type RuntimePartSpec,
  type TunelabRuntime,
} from '../../src/runtime';
import { stopAllStudies } from '../../src/study';
import { getCommTransport, setCommTransport, type CommTransport } from '../../widgets/kernel/transport';
import { widgetRegistry } from '../../widgets/kernel/widget';

const ROOT = path.resolve(__dirname, '..', '..');
const RUNTIME_KEY = Symbol.for('tunelab.runtime');
// Node's loader for this file; its cache is the process's module cache.
const load = createRequire(__filename);

type Engine = typeof import('../../src');
type RuntimeModule = typeof import('../../src/runtime');
type Progress = typeof import('../../src/progress');
type OptimizeSignal = typeof import('../../src/optimizeSignal');
type Transport = typeof import('../../widgets/kernel/transport');
type WidgetModule = typeof import('../../widgets/kernel/widget');

/**
 * Loads `ids` as a second copy of tunelab: every module of this repository is evaluated afresh (the
 * first copy's cache entries are set aside, then put back), as when a notebook's `import 'tunelab'`
 * resolves to another install. The typed result is what `require` returned for each id.
 */
function secondCopy<T extends unknown[]>(...ids: { [K in keyof T]: string }): T {
  const ours = (file: string) => file.startsWith(ROOT + path.sep) && !file.includes(`${path.sep}node_modules${path.sep}`);
  const saved = Object.entries(load.cache).filter(([file]) => ours(file));
  for (const [file] of saved) delete load.cache[file];
  try {
    // The cast names what these modules export; `require` itself returns an untyped value.
    return ids.map((id) => load(id)) as T;
  } finally {
    for (const file of Object.keys(load.cache)) if (ours(file)) delete load.cache[file];
    for (const [file, mod] of saved) load.cache[file] = mod;
  }
}

/** Runs `fn` with globalThis's runtime slot replaced by `value`, then puts the real one back. */
function withSlot(value: unknown, fn: () => void): void {
  const real = Object.getOwnPropertyDescriptor(globalThis, RUNTIME_KEY);
  assert.ok(real, 'the first copy created the runtime object when it loaded');
  Object.defineProperty(globalThis, RUNTIME_KEY, { value, configurable: true });
  try {
    fn();
  } finally {
    Object.defineProperty(globalThis, RUNTIME_KEY, real);
  }
}

function incompatibleError(pattern: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof Error, `an Error, got ${String(err)}`);
    assert.equal(err.name, 'IncompatibleTunelabCopiesError');
    assert.match(err.message, /Two incompatible copies of tunelab are loaded in this process/);
    assert.match(err.message, pattern);
    assert.match(err.message, /npm ls tunelab/, 'says how to find the copies');
    assert.match(err.message, /restart the kernel/, 'says what to do afterwards');
    return true;
  };
}

describe('the runtime object shared by the copies of tunelab in one process', () => {
  // Trial lines go to the handlers the tests add, not to the test's stderr.
  before(() => first.disableDefaultHandler());
  after(() => first.enableDefaultHandler());

  it('a second copy adopts the first copy’s runtime object instead of creating its own', () => {
    const [other] = secondCopy<[RuntimeModule]>('../../src/runtime');
    assert.notEqual(other.attachRuntime, attachRuntime, 'the module really was loaded twice');
    assert.equal(other.runtime, runtime);
    assert.equal(Reflect.get(globalThis, RUNTIME_KEY), runtime);
    assert.equal(runtime.version, RUNTIME_PROTOCOL_VERSION);
    assert.equal(runtime.loadedFrom, path.join(ROOT, 'src', 'runtime.ts'), 'it names the copy that created it');
  });

  it('the second copy sees the first copy’s logging, seed, hooks and running studies, and the other way round', async () => {
    const [engine, progress, signal] = secondCopy<[Engine, Progress, OptimizeSignal]>(
      '../../src',
      '../../src/progress',
      '../../src/optimizeSignal',
    );
    assert.notEqual(engine.createStudy, first.createStudy, 'the engine really was loaded twice');

    const verbosity = first.getVerbosity();
    try {
      engine.setVerbosity(first.logging.WARNING);
      assert.equal(first.getVerbosity(), first.logging.WARNING, 'one verbosity');
    } finally {
      first.setVerbosity(verbosity);
    }
    const seen: string[] = [];
    const remove = first.addLogHandler((record) => seen.push(record.message));
    try {
      const study = await engine.createStudy({ studyName: 'logged by the second copy' });
      await study.optimize(() => 1, { nTrials: 1, showProgressBar: false });
      assert.deepEqual(
        seen,
        [
          'A new study created in memory with name: logged by the second copy',
          'Trial 0 finished with value: 1.0 and parameters: {}. Best is trial 0 with value: 1.0.',
        ],
        'a handler added through one copy receives the other copy’s lines',
      );
    } finally {
      remove();
    }

    assert.equal(
      first.runWithSeed(1234, () => engine.currentSeed()),
      1234,
      'the ambient seed set by one copy is the other’s',
    );

    const source = { signal: () => undefined };
    const factory = () => undefined;
    try {
      setOptimizeInterruptSource(source);
      setDefaultObserverFactory(factory);
      assert.equal(signal.getOptimizeInterruptSource(), source, 'the kernel’s interrupt source');
      assert.equal(progress.getDefaultObserverFactory(), factory, 'the kernel’s progress display');
    } finally {
      setOptimizeInterruptSource(undefined);
      progress.setDefaultObserverFactory(terminalProgressFactory);
    }
    assert.equal(getOptimizeInterruptSource(), undefined);
    assert.equal(getDefaultObserverFactory(), terminalProgressFactory);

    // An interrupt through the first copy (as the kernel's) stops an optimize of the second.
    const study = await engine.createStudy();
    let trials = 0;
    const running = study.optimize(
      async () => {
        trials++;
        if (trials === 2) {
          assert.equal(runtime.activeStudies?.size, 1, 'the running study is listed where the kernel counts them');
          stopAllStudies();
        }
        await new Promise((r) => setTimeout(r, 1));
        return trials;
      },
      { nTrials: 50, showProgressBar: false },
    );
    await assert.rejects(running, (err: unknown) => {
      assert.ok(err instanceof Error && err.name === 'OptimizeInterruptedError', `interrupted, got ${String(err)}`);
      return true;
    });
    assert.equal(study.trials.length, 2, 'no trial started after the interrupt');
    assert.equal(runtime.activeStudies?.size, 0, 'a finished optimize leaves the list');
  });

  it('the kernel’s comm transport and the open widgets are shared with a second copy of the widget library', () => {
    const [transport, widgets] = secondCopy<[Transport, WidgetModule]>('../../widgets/kernel/transport', '../../widgets/kernel/widget');
    assert.notEqual(transport.setCommTransport, setCommTransport);
    const fake: CommTransport = {
      openComm: () => assert.fail('not opened in this test'),
      registerTarget: () => undefined,
      display: () => undefined,
      updateDisplay: () => undefined,
    };
    try {
      setCommTransport(fake);
      assert.equal(transport.getCommTransport(), fake);
      transport.noteWidgetFrontend();
      assert.equal(transport.widgetFrontendSeen(), true);
      setCommTransport(null);
      assert.equal(transport.widgetFrontendSeen(), false, 'a new transport starts without a frontend, for both copies');
    } finally {
      setCommTransport(null);
    }
    assert.equal(getCommTransport(), null);
    assert.equal(widgets.widgetRegistry(), widgetRegistry(), 'one registry of open widgets');
  });

  it('a copy that finds a runtime object of another protocol version refuses to load, naming both copies', () => {
    const elsewhere = '/srv/notebooks/node_modules/tunelab/dist/src/runtime.js';
    withSlot({ version: RUNTIME_PROTOCOL_VERSION + 1, loadedFrom: elsewhere, parts: new Map() }, () => {
      assert.throws(
        () => secondCopy<[RuntimeModule]>('../../src/runtime'),
        incompatibleError(new RegExp(`runtime protocol ${RUNTIME_PROTOCOL_VERSION + 1}, loaded from ${elsewhere}`)),
      );
      // This copy is named by its package directory and version.
      assert.throws(
        () => secondCopy<[Engine]>('../../src'),
        incompatibleError(new RegExp(`tunelab \\d+\\.\\d+\\.\\d+\\S* at ${ROOT} \\(runtime protocol ${RUNTIME_PROTOCOL_VERSION}\\)`)),
      );
    });
  });

  it('a malformed runtime slot is refused, not misread', () => {
    for (const value of [
      42,
      null,
      {},
      { version: 'one', loadedFrom: '/x', parts: new Map() },
      { version: RUNTIME_PROTOCOL_VERSION, loadedFrom: '/x', parts: [] },
    ]) {
      withSlot(value, () => {
        assert.throws(
          () => secondCopy<[RuntimeModule]>('../../src/runtime'),
          incompatibleError(/not a tunelab runtime object/),
          JSON.stringify(value),
        );
      });
    }
    const holder = { [RUNTIME_KEY]: 'runtime' };
    assert.throws(() => attachRuntime(holder, '/here/src/runtime.js'), incompatibleError(/not a tunelab runtime object \(string\)/));
  });

  it('the slots of a tunelab from before the runtime object are recognised', () => {
    const holder = { [Symbol.for('tunelab.logging')]: { verbosity: 20, defaultHandler: true, handlers: [] } };
    assert.throws(
      () => attachRuntime(holder, '/here/src/runtime.js'),
      incompatibleError(
        /a copy of tunelab from before the shared runtime object \(it keeps its state under Symbol\.for\('tunelab\.logging'\)\)/,
      ),
    );
    assert.equal(Reflect.get(holder, RUNTIME_KEY), undefined, 'nothing was created');
  });

  it('attaching to an empty holder creates a versioned object there, which the next attach adopts', () => {
    const holder = {};
    const created = attachRuntime(holder, '/a/src/runtime.js');
    assert.deepEqual(
      { version: created.version, loadedFrom: created.loadedFrom, parts: created.parts.size },
      {
        version: RUNTIME_PROTOCOL_VERSION,
        loadedFrom: '/a/src/runtime.js',
        parts: 0,
      },
    );
    assert.equal(attachRuntime(holder, '/b/src/runtime.js'), created);
  });

  describe('parts of the kernel and the widget library (runtimePart)', () => {
    interface Counter {
      count: number;
    }
    const spec = (version: number): RuntimePartSpec<Counter> => ({
      name: 'test.counter',
      version,
      create: () => ({ count: 0 }),
      accepts: (value): value is Counter => typeof Reflect.get(value, 'count') === 'number',
    });
    const fresh = (): TunelabRuntime => attachRuntime({}, '/a/src/runtime.js');

    it('the first copy to ask creates a part; a copy asking under the same name and version shares it', () => {
      const rt = fresh();
      const a = runtimePart(spec(1), rt);
      a.count = 5;
      assert.equal(runtimePart(spec(1), rt).count, 5);
    });

    it('another version of a part, or a shape its check refuses, is an error naming the part', () => {
      const rt = fresh();
      runtimePart(spec(1), rt);
      assert.throws(() => runtimePart(spec(2), rt), incompatibleError(/runtime part 'test\.counter' is version 1, not 2/));
      rt.parts.set('test.counter', { version: 1, value: { count: 'many' } });
      assert.throws(
        () => runtimePart(spec(1), rt),
        incompatibleError(/runtime part 'test\.counter' has another shape \(an object with count\)/),
      );
    });

    it('the widget library keeps its parts there', () => {
      assert.deepEqual([...runtime.parts.keys()].filter((name) => name.startsWith('widgets.')).sort(), [
        'widgets.registry',
        'widgets.transport',
      ]);
      assert.ok(runtime.parts.get('widgets.registry')?.value instanceof Map);
    });
  });

  it('IncompatibleTunelabCopiesError is a TunelabError', () => {
    assert.ok(new IncompatibleTunelabCopiesError('x') instanceof first.TunelabError);
  });
});
