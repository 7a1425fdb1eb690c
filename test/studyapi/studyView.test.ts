/**
 * Samplers and pruners see a read-only view of the study and return what they want recorded as data
 * (issue 13): the study writes it. A user-written sampler and pruner, written against the public
 * interfaces only, check what they receive and that what they return is stored.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InMemoryStorage } from '../../src/entries/storage';
import {
  CmaEsSampler,
  createStudy,
  loadStudy,
  NopPruner,
  RandomSampler,
  SuccessiveHalvingPruner,
  TPESampler,
  TrialPruned,
  TrialState,
  TunelabError,
  type AlgorithmResult,
  type Distribution,
  type FrozenTrial,
  type PruneDecision,
  type Pruner,
  type Sampler,
  type StudyView,
} from '../../src';
import { TrialCache } from '../../src/study/trialCache';

/** Members a view must not have: every way to write to the study or its storage. */
const WRITERS = [
  'storage',
  'sampler',
  'pruner',
  'optimize',
  'ask',
  'tell',
  'stop',
  'setSystemAttr',
  'setUserAttr',
  'enqueueTrial',
  'addTrial',
  'liveTrial',
];

function assertReadOnlyView(view: StudyView, where: string): void {
  for (const name of WRITERS) assert.ok(!(name in view), `${where}: the view exposes '${name}'`);
  assert.ok(Object.isFrozen(view), `${where}: the view is not frozen`);
  // A sampler written against the full study gets told what to do instead of reading undefined.
  const asFullStudy = view as unknown as { storage: unknown; stop(): void };
  assert.throws(
    () => asFullStudy.storage,
    (e: unknown) => e instanceof TunelabError && /read-only StudyView, which has no 'storage': return the attributes/.test(e.message),
  );
  assert.throws(
    () => asFullStudy.stop(),
    (e: unknown) => e instanceof TunelabError && /return \{ stopStudy: true \}/.test(e.message),
  );
}

/** A sampler written as a user would: random values, bookkeeping returned as data. */
class BookkeepingSampler implements Sampler {
  private readonly random = new RandomSampler({ seed: 1 });
  readonly viewsSeen = new Set<StudyView>();
  readonly runningSeen: number[][] = [];

  inferRelativeSearchSpace(study: StudyView): Record<string, Distribution> {
    this.viewsSeen.add(study);
    return {};
  }

  sampleRelative(): Record<string, number> {
    return {};
  }

  sampleIndependent(study: StudyView, trial: FrozenTrial, name: string, d: Distribution): number {
    this.viewsSeen.add(study);
    this.runningSeen.push(study.runningTrials().map((t) => t.number));
    return this.random.sampleIndependent(study, trial, name, d);
  }

  beforeTrial(study: StudyView, trial: FrozenTrial): AlgorithmResult {
    this.viewsSeen.add(study);
    return {
      trialSystemAttrs: {
        'mine:asked': trial.number,
        'mine:seen': { finished: study.getTrials({ states: [TrialState.COMPLETE] }).length },
      },
      studySystemAttrs: { 'mine:last_asked': trial.number },
    };
  }

  async afterTrial(study: StudyView, trial: FrozenTrial, state: TrialState, values: readonly number[] | null): Promise<AlgorithmResult> {
    this.viewsSeen.add(study);
    const stored = await study.getSystemAttrs();
    return {
      trialSystemAttrs: { 'mine:value': values?.[0] ?? null, 'mine:study_attr_then': stored['mine:last_asked'] },
      stopStudy: trial.number === 4,
    };
  }
}

describe('StudyView: what samplers and pruners see, and what they return', () => {
  it('a user-written sampler receives only the read-only view, and the study records what it returns', async () => {
    const sampler = new BookkeepingSampler();
    const study = await createStudy({ sampler, pruner: new NopPruner() });
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 20, showProgressBar: false });

    // stopStudy from afterTrial of trial 4 ends optimize after it, as study.stop() does.
    assert.equal(study.trials.length, 5, `trials: ${study.trials.map((t) => t.number).join(',')}`);
    assert.equal(sampler.viewsSeen.size, 1, 'one view object per study');
    const [view] = sampler.viewsSeen;
    assert.equal(view, study.view);
    assertReadOnlyView(view, 'sampler');
    assert.equal(view.studyName, study.studyName);
    assert.deepEqual(view.directions, ['minimize']);
    assert.equal(view.trials.length, 5);
    // The running trial (and only it, nJobs 1) is visible while it suggests.
    assert.deepEqual(sampler.runningSeen, [[0], [1], [2], [3], [4]]);

    for (const t of study.trials) {
      assert.equal(t.systemAttrs['mine:asked'], t.number);
      assert.deepEqual(t.systemAttrs['mine:seen'], { finished: t.number });
      assert.equal(t.systemAttrs['mine:value'], t.values![0]);
      assert.equal(t.systemAttrs['mine:study_attr_then'], t.number, 'beforeTrial writes are stored before afterTrial runs');
    }
    assert.equal((await study.getSystemAttrs())['mine:last_asked'], 4);
  });

  it('a claim takes the first key no one holds, across two studies on one storage, reading keys lazily', async () => {
    const storage = new InMemoryStorage();
    const keysRead: string[] = [];
    const claimer = (): Sampler => ({
      inferRelativeSearchSpace: () => ({}),
      sampleRelative: () => ({}),
      sampleIndependent: () => 0,
      beforeTrial: (_study, trial) => ({
        claim: {
          keys: (function* () {
            for (const key of ['slot:a', 'slot:b', 'slot:c']) {
              keysRead.push(key);
              yield key;
            }
          })(),
          value: trial.number,
          onClaimed: (key) =>
            key === null ? { trialSystemAttrs: { slot: 'none' }, stopStudy: true } : { trialSystemAttrs: { slot: key } },
        },
      }),
    });
    const first = await createStudy({ storage, studyName: 'claims', sampler: claimer() });
    const second = await loadStudy({ storage, studyName: 'claims', sampler: claimer() });
    assert.equal(first.studyKey, second.studyKey, 'two Study objects on one stored study share its key');
    assert.equal(first.view.studyKey, first.studyKey);
    const other = await createStudy({ storage, studyName: 'other' });
    assert.notEqual(other.studyKey, first.studyKey);

    const asked = [await first.ask(), await second.ask(), await first.ask(), await second.ask()];
    assert.deepEqual(keysRead, ['slot:a', 'slot:a', 'slot:b', 'slot:a', 'slot:b', 'slot:c', 'slot:a', 'slot:b', 'slot:c']);
    const stored = await storage.getAllTrials(first.studyId);
    assert.deepEqual(
      stored.map((t) => t.systemAttrs.slot),
      ['slot:a', 'slot:b', 'slot:c', 'none'],
    );
    const claims = await first.getSystemAttrs();
    assert.deepEqual([claims['slot:a'], claims['slot:b'], claims['slot:c']], [0, 1, 2]);
    for (const t of asked) await (t.number % 2 === 0 ? first : second).tell(t, 1);
  });

  it("a pruner's decision is recorded on the trial, and the pruner sees the view", async () => {
    const views = new Set<StudyView>();
    const pruner: Pruner = {
      prune(study, trial): PruneDecision {
        views.add(study);
        const steps = [...trial.intermediateValues.keys()];
        const last = Math.max(...steps);
        return { prune: last >= 2 && trial.number === 1, trialSystemAttrs: { [`checked:${last}`]: trial.intermediateValues.get(last) } };
      },
    };
    const study = await createStudy({ sampler: new RandomSampler({ seed: 3 }), pruner });
    await study.optimize(
      (t) => {
        for (let step = 0; step < 4; step++) {
          t.report(10 * t.number + step, step);
          if (t.shouldPrune()) throw new TrialPruned();
        }
        return t.number;
      },
      { nTrials: 3, showProgressBar: false },
    );
    assert.equal(views.size, 1);
    assertReadOnlyView([...views][0], 'pruner');
    assert.deepEqual(
      study.trials.map((t) => t.state),
      [TrialState.COMPLETE, TrialState.PRUNED, TrialState.COMPLETE],
    );
    const checked = (t: FrozenTrial) => Object.fromEntries(Object.entries(t.systemAttrs).filter(([k]) => k.startsWith('checked:')));
    assert.deepEqual(checked(study.trials[0]), { 'checked:0': 0, 'checked:1': 1, 'checked:2': 2, 'checked:3': 3 });
    assert.deepEqual(checked(study.trials[1]), { 'checked:0': 10, 'checked:1': 11, 'checked:2': 12 });
    assert.deepEqual(checked(study.trials[2]), { 'checked:0': 20, 'checked:1': 21, 'checked:2': 22, 'checked:3': 23 });
  });

  it('SuccessiveHalvingPruner returns its rung values as data and leaves the trial it is given untouched', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 4 }) });
    await study.optimize(
      (t) => {
        for (let step = 0; step < 8; step++) t.report((t.number + 1) * (8 - step), step);
        return t.number;
      },
      { nTrials: 4, showProgressBar: false },
    );
    const pruner = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 });
    const trial = study.trials[3];
    const before = JSON.stringify(trial.systemAttrs);
    const decision = pruner.prune(study.view, trial);
    assert.equal(JSON.stringify(trial.systemAttrs), before, 'the frozen trial was modified');
    // Trial 3 reported (3 + 1) * (8 - step) up to step 7, so its last value is 4. No other trial has a
    // rung value (they ran without this pruner), so it leads rungs 0, 1 and 2 (steps 1, 2, 4), each
    // recorded with its last value, as Optuna records them, and rung 3 (step 8) is not reached yet.
    assert.deepEqual(decision, { prune: false, trialSystemAttrs: { completed_rung_0: 4, completed_rung_1: 4, completed_rung_2: 4 } });
  });

  it('peekTrials gives the trials without a copy, and how many times they changed', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 3 }) });
    await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 5, showProgressBar: false });
    const copy = study.trials;
    for (const reader of [study as StudyView, study.view]) {
      const first = reader.peekTrials!();
      assert.deepEqual(first.trials, copy, 'the entries `trials` lists');
      assert.ok(
        first.trials.every((t, i) => t === copy[i]),
        'the same snapshots',
      );
      const again = reader.peekTrials!();
      assert.equal(again.trials, first.trials, 'no copy while nothing changed');
      assert.equal(again.changes, first.changes);
    }
    const before = study.view.peekTrials!();
    const trial = await study.ask();
    const asked = study.view.peekTrials!();
    assert.ok(asked.changes! > before.changes!, 'an ask is a change');
    assert.equal(asked.trials.length, 6);
    await study.tell(trial, 0.5);
    assert.ok(study.view.peekTrials!().changes! > asked.changes!, 'a tell is a change');
    assert.equal(copy.length, 5, 'a copy handed out by `trials` does not change under its holder');
  });

  it('TPE and CMA-ES read the trials without a copy a trial (TPE with one objective or two)', async () => {
    const cache = TrialCache.prototype as unknown as Record<string, unknown>;
    const all = Object.getOwnPropertyDescriptor(cache, 'all')!;
    let listReads = 0;
    Object.defineProperty(cache, 'all', {
      ...all,
      get(this: unknown) {
        listReads++;
        return all.get!.call(this);
      },
    });
    try {
      for (const [directions, sampler] of [
        [['minimize'], new TPESampler({ seed: 4 })],
        [['minimize', 'minimize'], new TPESampler({ seed: 4 })],
        [['minimize'], new CmaEsSampler({ seed: 4 })],
      ] as const) {
        const study = await createStudy({ sampler, directions: [...directions] });
        listReads = 0;
        await study.optimize(
          (t) => {
            const x = t.suggestFloat('x', 0, 1);
            const y = t.suggestFloat('y', 0, 1);
            return directions.length === 1 ? (x - 0.3) ** 2 + y : [x + y, 1 - x + y * y];
          },
          { nTrials: 60, showProgressBar: false },
        );
        assert.equal(
          listReads,
          0,
          `${sampler.constructor.name}, ${directions.length} objective(s): the list read through 'trials' ${listReads} times (a copy after each change)`,
        );
        assert.equal(study.trials.length, 60);
      }
    } finally {
      Object.defineProperty(cache, 'all', all);
    }
  });

  it("TPE reads a trial's split afresh when another trial finished between two of its suggestions", async () => {
    // Univariate TPE samples each parameter at its suggestion, from a split it keeps for the trial:
    // the trials peeked at are the same array before and after another trial is told, so the split
    // must follow the study's count of changes. A study whose view cannot peek (each change a new
    // copy, compared by identity) gives the proposals to compare with.
    // (The view's members, read through it as a prototype: its getters read the study they close over.)
    const withoutPeek = (view: StudyView): StudyView => Object.create(view, { peekTrials: { value: undefined } }) as StudyView;
    /** TPE, seeing each study through `wrap` (one wrapped view per view, as a study passes one). */
    const through = (wrap: (view: StudyView) => StudyView): Sampler => {
      const tpe = new TPESampler({ seed: 5, multivariate: false });
      const views = new WeakMap<StudyView, StudyView>();
      const seen = (view: StudyView) => {
        if (!views.has(view)) views.set(view, wrap(view));
        return views.get(view)!;
      };
      return {
        inferRelativeSearchSpace: (view) => tpe.inferRelativeSearchSpace(seen(view)),
        sampleRelative: (view, trial, space) => tpe.sampleRelative(seen(view), trial, space),
        sampleIndependent: (view, trial, name, d) => tpe.sampleIndependent(seen(view), trial, name, d),
        afterTrial: (view, trial, state, values) => tpe.afterTrial(seen(view), trial, state, values),
      };
    };
    const run = async (sampler: Sampler) => {
      const study = await createStudy({ sampler });
      for (let i = 0; i < 80; i++) {
        const other = await study.ask();
        const u = other.suggestFloat('x', -2, 2);
        const v = other.suggestFloat('y', -2, 2);
        const trial = await study.ask();
        const x = trial.suggestFloat('x', -2, 2);
        await study.tell(other, (u - 1) ** 2 + v * v);
        // The split this trial kept for 'x' no longer holds: the other trial finished.
        const y = trial.suggestFloat('y', -2, 2);
        await study.tell(trial, (x - 1) ** 2 + y * y);
      }
      return study.trials.map((t) => t.params);
    };
    const peeking = await run(through((view) => view));
    assert.ok(peeking.length === 160);
    assert.deepEqual(peeking, await run(through(withoutPeek)));
  });
});
