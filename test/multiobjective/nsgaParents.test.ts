/**
 * NSGA-II's parent populations recorded in the study, as Optuna 5.0 records them (the study system
 * attribute `NSGAIISampler:parent:<generation>`, the parents' trial ids): Optuna reads tunelab's
 * lists and tunelab reads Optuna's, on one SQLite study; a generation's parents are fixed when it
 * starts, and when two processes start it, the first to record them wins and the other breeds from
 * its list.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createStudy, frozenTrial, loadStudy, TrialState, type AlgorithmWrites, type Study, type StudyView, type Trial } from '../../src';
import { NSGAIIISampler, NSGAIISampler } from '../../src/samplers/nsgaii';
import { PYTHON } from '../helpers/python';

const dir = mkdtempSync(join(tmpdir(), 'tunelab-nsga-parents-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function twoObjectives(t: Trial): number[] {
  const x = t.suggestFloat('x', 0, 1);
  const y = t.suggestFloat('y', 0, 1);
  return [x, 1 + y - Math.sqrt(x)];
}

/** Generation -> recorded parent trial ids, from the study's system attributes. */
function recordedParents(attrs: Record<string, unknown>, prefix = 'NSGAIISampler:parent:'): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const [k, v] of Object.entries(attrs)) if (k.startsWith(prefix)) out.set(Number(k.slice(prefix.length)), v as number[]);
  return out;
}

const OPTUNA_PY = `
import json, sys, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
url, name, size, generations = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
sampler = optuna.samplers.NSGAIISampler(population_size=size, seed=1)
study = optuna.load_study(study_name=name, storage=url, sampler=sampler)
read = {g: sorted(t._trial_id for t in sampler.get_parent_population(study, g)) for g in range(1, generations + 1)}
def objective(t):
    x, y = t.suggest_float('x', 0, 1), t.suggest_float('y', 0, 1)
    return x, 1 + y - x ** 0.5
study.optimize(objective, n_trials=size)
attrs = study._storage.get_study_system_attrs(study._study_id)
print(json.dumps({'read': read, 'attrs': {k: v for k, v in attrs.items() if k.startswith('NSGAIISampler:parent:')},
                  'generations': [t.system_attrs.get('NSGAIISampler:generation') for t in study.trials]}))
`;

describe('NSGA parent populations recorded in the study (Optuna 5.0)', () => {
  it("Optuna breeds from tunelab's recorded parents, and tunelab from Optuna's", async () => {
    const url = `sqlite:///${join(dir, 'shared.db')}`;
    const size = 6;
    const sampler = new NSGAIISampler({ seed: 3, populationSize: size });
    const study = await createStudy({ storage: url, studyName: 'nsga', directions: ['minimize', 'minimize'], sampler });
    await study.optimize(twoObjectives, { nTrials: 4 * size, showProgressBar: false });
    const ours = recordedParents(await study.getSystemAttrs());
    assert.deepEqual([...ours.keys()].sort(), [1, 2, 3], 'one list per generation after the first');
    const byId = new Map(study.trials.map((t) => [t.trialId, t]));
    for (const [g, ids] of ours) {
      assert.equal(ids.length, size);
      for (const id of ids) {
        const t = byId.get(id)!;
        assert.equal(t.state, TrialState.COMPLETE);
        assert.ok((t.systemAttrs['NSGAIISampler:generation'] as number) < g, `a parent of generation ${g} is older`);
      }
    }
    await study.storage.close();

    // Optuna reads those lists as its own, then runs generation 4 and records its parents.
    const py = JSON.parse(
      execFileSync(PYTHON, ['-c', OPTUNA_PY, url, 'nsga', String(size), '3'], { encoding: 'utf8', timeout: 180_000 }),
    ) as {
      read: Record<string, number[]>;
      attrs: Record<string, number[]>;
      generations: number[];
    };
    for (const [g, ids] of ours)
      assert.deepEqual(
        py.read[g],
        [...ids].sort((a, b) => a - b),
        `Optuna reads generation ${g}'s parents`,
      );
    assert.deepEqual(py.generations.slice(-size), Array(size).fill(4), "Optuna's trials are generation 4");
    for (const [g, ids] of ours) assert.deepEqual(py.attrs[`NSGAIISampler:parent:${g}`], ids, 'Optuna left them as they were');
    const optunas = py.attrs['NSGAIISampler:parent:4'];
    assert.equal(optunas.length, size, 'Optuna recorded the parents of generation 4');

    // tunelab continues: it breeds generation 5 from the parents Optuna chose for generation 4.
    const next = new NSGAIISampler({ seed: 4, populationSize: size });
    const resumed = await loadStudy({ storage: url, studyName: 'nsga', sampler: next });
    await resumed.optimize(twoObjectives, { nTrials: size, showProgressBar: false });
    assert.deepEqual(
      next['parentsOf'](resumed.view, 4)
        .map((t) => t.trialId)
        .sort((a, b) => a - b),
      [...optunas].sort((a, b) => a - b),
      "tunelab's parents of generation 4 are Optuna's",
    );
    const fifth = recordedParents(await resumed.getSystemAttrs()).get(5)!;
    const pool = new Set([
      ...optunas,
      ...resumed.trials.filter((t) => t.systemAttrs['NSGAIISampler:generation'] === 4).map((t) => t.trialId),
    ]);
    assert.ok(fifth.length === size && fifth.every((id) => pool.has(id)), "generation 5's parents come from Optuna's and its children");
    await resumed.storage.close();
  });

  it('fixes a generation’s parents when it starts: the first process records them, a later one reads them', async () => {
    const url = `sqlite:///${join(dir, 'race.db')}`;
    const size = 4;
    const a = await createStudy({
      storage: url,
      studyName: 'race',
      directions: ['minimize', 'minimize'],
      sampler: new NSGAIISampler({ seed: 1, populationSize: size }),
    });
    const bSampler = new NSGAIISampler({ seed: 2, populationSize: size });
    const b = await loadStudy({ storage: url, studyName: 'race', sampler: bSampler });
    // Generation 0: five trials, four told; the fifth, the best of all, is still running.
    const first: Trial[] = [];
    for (let i = 0; i <= size; i++) first.push(await a.ask());
    for (const t of first) twoObjectives(t);
    for (const [i, t] of first.slice(0, size).entries()) await a.tell(t, [0.5 + i / 10, 0.9 - i / 10]);
    // B starts generation 1 and records its parents: the four told trials.
    const bTrial = await b.ask();
    const generationOf = async (study: Study, t: Trial) =>
      (await study.storage.getTrial(t.trialId)).systemAttrs['NSGAIISampler:generation'];
    assert.equal(await generationOf(b, bTrial), 1);
    assert.equal(
      bTrial.snapshot().systemAttrs['NSGAIISampler:generation'],
      1,
      "the running trial's own view holds what the sampler recorded",
    );
    const recorded = recordedParents(await b.getSystemAttrs()).get(1)!;
    assert.deepEqual(
      [...recorded].sort((x, y) => x - y),
      first.slice(0, size).map((t) => t.trialId),
    );
    // The fifth trial finishes, dominating every other; A's next trial (generation 1) breeds from B's list.
    await a.tell(first[size], [0, 0]);
    const aTrial = await a.ask();
    twoObjectives(aTrial);
    assert.equal(await generationOf(a, aTrial), 1);
    const aSampler = a.sampler as NSGAIISampler;
    const aParents = aSampler['parentsOf'](a.view, 1).map((t) => t.trialId);
    assert.deepEqual(
      aParents.sort((x, y) => x - y),
      [...recorded].sort((x, y) => x - y),
    );
    assert.ok(!aParents.includes(first[size].trialId), 'the late trial is not a parent of the generation that began without it');
    assert.deepEqual(recordedParents(await a.getSystemAttrs()).get(1), recorded, 'the list is recorded once');
    await a.tell(aTrial, [0.3, 0.3]);
    await b.tell(bTrial, [0.3, 0.3]);
    await a.storage.close();
    await b.storage.close();
  });

  it('reads the recorded list at the next trial when another process claimed the generation first', async () => {
    const study = await createStudy({ directions: ['minimize', 'minimize'], sampler: new NSGAIISampler({ seed: 1, populationSize: 4 }) });
    await study.optimize(twoObjectives, { nTrials: 4, showProgressBar: false });
    // The study as a second process sees it, with the study attributes that process reads.
    let attrs: Record<string, unknown> = {};
    const view = {
      studyKey: study.view.studyKey,
      directions: study.directions,
      get trials() {
        return study.trials;
      },
      getSystemAttrs: () => Promise.resolve(attrs),
    } as unknown as StudyView;
    const sampler = new NSGAIISampler({ seed: 2, populationSize: 4 });
    const next = (number: number) =>
      frozenTrial({ ...study.trials[0], trialId: 100 + number, number, state: TrialState.RUNNING, values: null, systemAttrs: {} });
    const first = (await sampler.beforeTrial(view, next(4))) as AlgorithmWrites;
    assert.deepEqual(first.claim?.keys, ['NSGAIISampler:parent:1'], 'the generation starts here: its parents are claimed');
    first.claim!.onClaimed(null); // another process recorded its list first
    assert.equal(sampler['parentsOf'](view, 1).length, 4, 'this trial breeds from the parents chosen here');
    const theirs = study.trials.slice(0, 2).map((t) => t.trialId);
    attrs = { 'NSGAIISampler:parent:1': theirs };
    const second = (await sampler.beforeTrial(view, next(5))) as AlgorithmWrites;
    assert.equal(second.claim, undefined, 'nothing is claimed again');
    assert.deepEqual(
      sampler['parentsOf'](view, 1).map((t) => t.trialId),
      theirs,
      'the next trial breeds from the recorded parents',
    );
  });

  it('NSGA-III records its parents under its own name', async () => {
    const study = await createStudy({
      directions: ['minimize', 'minimize'],
      sampler: new NSGAIIISampler({ seed: 1, populationSize: 5 }),
    });
    await study.optimize(twoObjectives, { nTrials: 15, showProgressBar: false });
    const attrs = await study.getSystemAttrs();
    assert.deepEqual([...recordedParents(attrs, 'NSGAIIISampler:parent:').keys()].sort(), [1, 2]);
    assert.equal(recordedParents(attrs).size, 0);
  });
});
