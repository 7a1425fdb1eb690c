// What a frontend sends on a widget comm is outside input: it never reaches a prototype, and widget
// state of the wrong type is refused per attribute (as traitlets does in ipywidgets), logged, and
// the frontend is sent back the value the kernel kept.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  CVResults,
  Dropdown,
  FloatSlider,
  installWidgetSupport,
  IntProgress,
  IntSlider,
  setCommTransport,
  setThrottleDefaults,
  Tab,
  Label,
  Layout,
  Plot,
  widgetRegistry,
  type Widget,
} from '../../widgets/kernel';
import { realClock } from '../../widgets/kernel/throttle';
import { widgetLog } from '../../widgets/kernel/widget';
import { FakeTransport, ManualClock } from './fakeTransport';

describe('widget updates from a frontend are checked', () => {
  let t: FakeTransport;
  let clock: ManualClock;
  let log: string[];
  const originalWrite = widgetLog.write;
  beforeEach(() => {
    t = new FakeTransport();
    clock = new ManualClock();
    setThrottleDefaults({ clock, intervalMs: 50 });
    installWidgetSupport(t);
    log = [];
    widgetLog.write = (text) => log.push(text);
  });
  afterEach(() => {
    widgetLog.write = originalWrite;
    for (const w of [...widgetRegistry().values()]) w.close();
    setCommTransport(null);
    setThrottleDefaults({ clock: realClock, intervalMs: 50 });
    for (const key of ['polluted', 'x']) delete (Object.prototype as Record<string, unknown>)[key];
  });

  const receive = (w: Widget, data: Record<string, unknown>, buffers: Buffer[] = []) => t.comms.get(w.modelId)!.receive(data, buffers);
  const sentAfter = (w: Widget, n: number) =>
    t
      .messagesFor(w.modelId)
      .slice(n)
      .map((m) => m.data);

  for (const key of ['__proto__', 'constructor', 'prototype']) {
    it(`buffer_paths through "${key}" reach no prototype; the update is refused and logged`, () => {
      const s = new IntSlider({ value: 3 });
      const before = t.messagesFor(s.modelId).length;
      receive(s, { method: 'update', state: { value: 4 }, buffer_paths: [[key, 'polluted']] }, [Buffer.from('x')]);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
      assert.equal(Object.getPrototypeOf(s.get('constructor') ?? {}), Object.prototype);
      assert.equal(s.value, 3, 'an update with a bad buffer path must not be applied at all');
      assert.deepEqual(sentAfter(s, before), []);
      assert.match(log.join('\n'), new RegExp(`buffer path through "${key}"`));
    });
  }

  it('state keys "__proto__" / "constructor" and unknown attributes are ignored; known ones apply', () => {
    const s = new FloatSlider({ value: 1 });
    const state = JSON.parse('{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"x": 1}}, "nope": 2, "value": 2.5}') as Record<
      string,
      unknown
    >;
    receive(s, { method: 'update', state, buffer_paths: [] });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>).x, undefined);
    assert.equal(s.value, 2.5);
    assert.equal(s.get('nope'), undefined);
    assert.equal(s.get('__proto__'), undefined);
    assert.match(log.join('\n'), /ignored an update of "__proto__"/);
    assert.match(log.join('\n'), /ignored an update of "nope"/);
    const echo = t.messagesFor(s.modelId).at(-1)!.data;
    assert.deepEqual(echo, { method: 'echo_update', state: { value: 2.5 }, buffer_paths: [] });
  });

  it('a buffer at a valid nested path still arrives', () => {
    const layout = new Layout({ width: '10px' });
    receive(layout, { method: 'update', state: { width: { shape: [1] } }, buffer_paths: [['width', 'data']] }, [Buffer.from([7])]);
    const width = layout.get<{ shape: number[]; data: Buffer }>('width');
    assert.deepEqual(width.shape, [1]);
    assert.deepEqual([...width.data], [7]);
  });

  it('IntProgress value "abc" is refused: logged, old value kept and sent back to the frontend', () => {
    const p = new IntProgress({ value: 3, max: 10 });
    const changes: unknown[] = [];
    p.onChange((v) => changes.push(v));
    const before = t.messagesFor(p.modelId).length;
    receive(p, { method: 'update', state: { value: 'abc' }, buffer_paths: [] });
    assert.equal(p.value, 3);
    assert.deepEqual(changes, []);
    assert.deepEqual(sentAfter(p, before), [{ method: 'update', state: { value: 3 }, buffer_paths: [] }]);
    assert.match(log.join('\n'), /refused value = "abc" from the frontend \(expected an integer\); kept 3/);
    // A float is not an integer either.
    receive(p, { method: 'update', state: { value: 2.5 }, buffer_paths: [] });
    assert.equal(p.value, 3);
  });

  it('IntSlider min "x" is refused while a valid attribute of the same update applies', () => {
    const s = new IntSlider({ value: 5, min: 0, max: 10 });
    const before = t.messagesFor(s.modelId).length;
    receive(s, { method: 'update', state: { min: 'x', value: 7 }, buffer_paths: [] });
    assert.equal(s.get('min'), 0);
    assert.equal(s.value, 7);
    assert.deepEqual(sentAfter(s, before), [
      { method: 'echo_update', state: { value: 7 }, buffer_paths: [] },
      { method: 'update', state: { min: 0 }, buffer_paths: [] },
    ]);
    assert.match(log.join('\n'), /refused min = "x"/);
    // min above max is refused as ipywidgets does ("setting min > max").
    receive(s, { method: 'update', state: { min: 11 }, buffer_paths: [] });
    assert.equal(s.get('min'), 0);
    assert.match(log.join('\n'), /min 11 would be above max 10/);
  });

  it('a value beyond max is clamped, as ipywidgets does, and the clamped value is sent back', () => {
    const s = new IntSlider({ value: 5, min: 0, max: 10 });
    const before = t.messagesFor(s.modelId).length;
    receive(s, { method: 'update', state: { value: 500 }, buffer_paths: [] });
    assert.equal(s.value, 10);
    assert.deepEqual(sentAfter(s, before), [{ method: 'update', state: { value: 10 }, buffer_paths: [] }]);
  });

  it('a Dropdown index out of range (or not an integer) is refused; a valid one applies', () => {
    const d = new Dropdown({ options: ['a', 'b', 'c'], value: 'b' });
    for (const index of [3, -1, 1.5, '0', true]) {
      const before = t.messagesFor(d.modelId).length;
      receive(d, { method: 'update', state: { index }, buffer_paths: [] });
      assert.equal(d.value, 'b', `index ${JSON.stringify(index)} was accepted`);
      assert.deepEqual(sentAfter(d, before), [{ method: 'update', state: { index: 1 }, buffer_paths: [] }]);
    }
    assert.match(log.join('\n'), /index 3 is out of range: _options_labels has 3 entries/);
    receive(d, { method: 'update', state: { index: 2 }, buffer_paths: [] });
    assert.equal(d.value, 'c');
    receive(d, { method: 'update', state: { index: null }, buffer_paths: [] });
    assert.equal(d.value, null);
  });

  it('a Tab selected_index must point at a child; children must be widgets of this kernel', () => {
    const tab = new Tab([new Label('a'), new Label('b')]);
    receive(tab, { method: 'update', state: { selected_index: 2 }, buffer_paths: [] });
    assert.equal(tab.selectedIndex, 0);
    receive(tab, { method: 'update', state: { children: ['IPY_MODEL_doesnotexist'] }, buffer_paths: [] });
    assert.equal(tab.get<Widget[]>('children').length, 2);
    receive(tab, { method: 'update', state: { selected_index: 1 }, buffer_paths: [] });
    assert.equal(tab.selectedIndex, 1);
  });

  it("tunelab's own views (Plot, CVResults...) take no state from a frontend: refused and sent back", () => {
    const plot = new Plot({ data: [{ type: 'scatter', x: [1], y: [2] }] });
    const before = t.messagesFor(plot.modelId).length;
    receive(plot, { method: 'update', state: { data: 'not a list of traces', height: 10 }, buffer_paths: [] });
    assert.equal(plot.get<unknown[]>('data').length, 1);
    assert.equal(plot.get('height'), 360);
    const sent = sentAfter(plot, before);
    assert.equal(sent.length, 1);
    assert.equal(sent[0].method, 'update');
    assert.deepEqual(Object.keys(sent[0].state as object).sort(), ['data', 'height']);
    assert.match(log.join('\n'), /refused data = "not a list of traces" from the frontend \(this attribute is set by the kernel only\)/);
    const cv = new CVResults();
    receive(cv, { method: 'update', state: { rows: 5 }, buffer_paths: [] });
    assert.deepEqual(cv.rows, []);
  });
});
