import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createStudy, loadStudy, TrialState } from '../../src';
import { floatDistribution } from '../../src/distributions';
import { InMemoryStorage } from '../../src/entries/storage';
import { storageContract } from './contract';

describe('In-memory storage: the Storage contract', () => {
  // One storage per test; the "handles" a test opens are that one object, as two studies in one
  // process share an InMemoryStorage.
  storageContract(async () => {
    const storage = new InMemoryStorage();
    return async () => storage;
  });
});

describe('In-memory storage: the write log', () => {
  it('names the trials written since a cursor, once each, by number, and only the study’s own', async () => {
    const storage = new InMemoryStorage();
    const ops = storage.immediate;
    const a = await storage.createNewStudy(['minimize'], 'a');
    const b = await storage.createNewStudy(['minimize'], 'b');
    const t0 = ops.createNewTrial(a);
    const start = storage.writeLog.trialsWrittenSince(a, null)!;
    assert.deepEqual(
      start.trials.map((t) => t.number),
      [0],
    );
    const t1 = ops.createNewTrial(a);
    ops.createNewTrial(b);
    // Trial 1 first, then 0, then 1 again: each is named once, in order of number.
    ops.setTrialParam(t1.trialId, 'x', 0.5, floatDistribution(0, 1));
    ops.setTrialState(t0.trialId, TrialState.COMPLETE, [1]);
    ops.setTrialUserAttr(t1.trialId, 'k', 'v');
    const since = storage.writeLog.trialsWrittenSince(a, start.cursor)!;
    assert.deepEqual(
      since.trials.map((t) => [t.number, t.state]),
      [
        [0, TrialState.COMPLETE],
        [1, TrialState.RUNNING],
      ],
    );
    // The snapshots are the current ones, as getTrial returns them.
    assert.equal(since.trials[1], ops.getTrial(t1.trialId));
    assert.deepEqual({ ...since.trials[1].userAttrs }, { k: 'v' });
    // Nothing written since: nothing named.
    assert.deepEqual(storage.writeLog.trialsWrittenSince(a, since.cursor)!.trials, []);
    assert.deepEqual(
      storage.writeLog.trialsWrittenSince(b, null)!.trials.map((t) => t.number),
      [0],
    );
  });

  it('forgets the older half of a long log: a cursor from before it gets null, not a partial answer', async () => {
    const storage = new InMemoryStorage();
    const ops = storage.immediate;
    const id = await storage.createNewStudy(['minimize']);
    const first = ops.createNewTrial(id);
    const second = ops.createNewTrial(id);
    const cursor = storage.writeLog.trialsWrittenSince(id, null)!.cursor;
    // Two trials reporting in turn log every write (a write to the trial logged last is not logged again).
    for (let step = 0; step < 3000; step++) {
      ops.setTrialIntermediateValue(first.trialId, step, step);
      ops.setTrialIntermediateValue(second.trialId, step, -step);
    }
    assert.equal(storage.writeLog.trialsWrittenSince(id, cursor), null);
    const all = storage.writeLog.trialsWrittenSince(id, null)!;
    assert.deepEqual(
      all.trials.map((t) => t.intermediateValues.size),
      [3000, 3000],
    );
    assert.deepEqual(storage.writeLog.trialsWrittenSince(id, all.cursor)!.trials, []);
  });
});

describe('A study’s trial cache on memory storage', () => {
  it('hands out arrays that never change under their holder, and copies only when read after a change', async () => {
    const study = await createStudy();
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 3 });
    const held = study.trials;
    assert.equal(study.trials, held, 'unchanged trials: the same array');
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 2 });
    assert.equal(held.length, 3);
    assert.deepEqual(
      held.map((t) => t.state),
      [TrialState.COMPLETE, TrialState.COMPLETE, TrialState.COMPLETE],
    );
    assert.equal(study.trials.length, 5);
    assert.notEqual(study.trials, held);
  });

  it('sees the trials another study object wrote to the same storage, also after the log forgot its cursor', async () => {
    const storage = new InMemoryStorage();
    const one = await createStudy({ storage, studyName: 's' });
    const two = await loadStudy({ storage, studyName: 's' });
    await one.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 4 });
    await two.refresh();
    assert.deepEqual(
      two.trials.map((t) => t.params.x),
      one.trials.map((t) => t.params.x),
    );
    // Two trials reporting in turn: enough writes for the log to forget where `two` last read.
    const a = await one.ask();
    const b = await one.ask();
    for (let step = 0; step < 3000; step++) {
      a.report(step, step);
      b.report(-step, step);
    }
    await one.tell(a, 1);
    await one.tell(b, 2);
    await two.refresh();
    assert.deepEqual(
      two.trials.map((t) => [t.number, t.state, t.intermediateValues.size]),
      one.trials.map((t) => [t.number, t.state, t.intermediateValues.size]),
    );
    assert.equal(two.trials.length, 6);
    assert.equal(two.trials[5].intermediateValues.size, 3000);
  });
});
