// NSGAIIISampler against Optuna 5.0's NSGA-III: the reference points, the normalisation, the
// association with reference lines and the niche preservation are computed by Optuna's own functions
// (optuna.samplers._nsgaiii._elite_population_selection_strategy, from the pinned environment) on the
// same matrices; then the sampler itself on DTLZ2 with three objectives.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import {
  createStudy,
  InvalidArgumentError,
  NSGAIIISampler,
  NSGAIISampler,
  RandomSampler,
  Rng,
  type FrozenTrial,
  type Sampler,
  type StudyView,
  type Trial,
} from '../../src';
import { hypervolume } from '../../src/multiobjective';
import {
  associateWithReferences,
  clipInfinities,
  defaultReferencePoints,
  normalizeObjectives,
  preserveNiches,
} from '../../src/samplers/nsgaii/referencePoints';
import { PYTHON, pythonEnv } from '../helpers/python';

/** Runs Optuna's functions on JSON input; infinities travel as the strings "inf" / "-inf". */
function optuna<T>(script: string, input: unknown): T {
  const encode = (v: unknown): unknown =>
    typeof v === 'number' && !Number.isFinite(v) ? (v > 0 ? 'inf' : '-inf') : Array.isArray(v) ? v.map(encode) : v;
  const program = `
import json, sys
import numpy as np
from optuna.samplers._nsgaiii import _elite_population_selection_strategy as s
def decode(v):
    return float(v) if isinstance(v, str) else [decode(x) for x in v] if isinstance(v, list) else v
data = decode(json.loads(sys.stdin.read()))
${script}`;
  return JSON.parse(
    execFileSync(PYTHON, ['-c', program], { input: JSON.stringify(encode(input)), encoding: 'utf8', env: pythonEnv() }),
  ) as T;
}

function randomMatrix(rng: Rng, rows: number, columns: number): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: columns }, () => rng.random() * 10 - 2));
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

describe('NSGA-III survival, against Optuna 5.0', () => {
  it("makes Optuna's default reference points, in its order", () => {
    const cases: Array<[number, number]> = [
      [2, 3],
      [3, 3],
      [4, 2],
      [5, 1],
      [3, 6],
    ];
    const theirs = optuna<number[][][]>('print(json.dumps([s._generate_default_reference_point(m, p).tolist() for m, p in data]))', cases);
    assert.deepEqual(
      cases.map(([m, p]) => defaultReferencePoints(m, p)),
      theirs,
    );
  });

  it('clips infinities, normalises and associates as Optuna does, on random populations', () => {
    const rng = new Rng(20261207);
    const matrices = [2, 3, 4, 5].flatMap((m) => [randomMatrix(rng, 12, m), randomMatrix(rng, 30, m)]);
    // Infinite values, and a degenerate population (the extreme points span no hyperplane).
    matrices.push([
      [1, Infinity, 3],
      [2, 1, -Infinity],
      [0.5, 2, 1],
      [3, 0.25, 2],
    ]);
    matrices.push([
      [1, 1, 1],
      [1, 1, 1],
      [2, 2, 2],
    ]);
    const theirs = optuna<Array<{ normalized: number[][]; closest: number[]; distance: number[] }>>(
      `
class T:
    def __init__(self, values): self.values = values
out = []
for m in data:
    ref = s._generate_default_reference_point(len(m[0]), 3)
    normalized = s._normalize_objective_values(s._filter_inf([T(row) for row in m]))
    closest, distance = s._associate_individuals_with_reference_points(normalized, ref)
    out.append({"normalized": normalized.tolist(), "closest": closest.tolist(), "distance": distance.tolist()})
print(json.dumps(out))`,
      matrices,
    );
    matrices.forEach((m, k) => {
      const normalized = normalizeObjectives(clipInfinities(m));
      normalized.forEach((row, i) =>
        row.forEach((v, j) =>
          assert.ok(close(v, theirs[k].normalized[i][j]), `matrix ${k} [${i}][${j}]: ${v} vs ${theirs[k].normalized[i][j]}`),
        ),
      );
      const { closest, distance } = associateWithReferences(normalized, defaultReferencePoints(m[0].length, 3));
      assert.deepEqual(closest, theirs[k].closest, `matrix ${k}: closest reference points`);
      distance.forEach((d, i) => assert.ok(close(d, theirs[k].distance[i]), `matrix ${k}: distance ${i}`));
    });
  });

  it("keeps the same front members as Optuna's niche preservation where no random tie-break decides", () => {
    // No survivors yet and one place per occupied niche: every niche keeps its nearest member,
    // whatever order the niches are visited in (the only random choice then).
    const rng = new Rng(3);
    for (let round = 0; round < 20; round++) {
      const m = 3;
      const front = randomMatrix(rng, 25, m);
      const normalized = normalizeObjectives(clipInfinities(front));
      const { closest, distance } = associateWithReferences(normalized, defaultReferencePoints(m, 3));
      const places = new Set(closest).size;
      const ours = preserveNiches(places, 0, front.length, closest, distance, new Rng(round)).sort((a, b) => a - b);
      const theirs = optuna<number[]>(
        `
class T:
    def __init__(self, i): self.i = i
chosen = s._preserve_niche_individuals(data["places"], 0, [T(i) for i in range(data["n"])], np.asarray(data["closest"]), np.asarray(data["distance"]), np.random.RandomState(0))
print(json.dumps(sorted(t.i for t in chosen)))`,
        { places, n: front.length, closest, distance },
      );
      assert.deepEqual(ours, theirs, `round ${round}`);
    }
  });
});

function dtlz2(t: Trial): number[] {
  const x = Array.from({ length: 6 }, (_, i) => t.suggestFloat(`x${i}`, 0, 1));
  const g = x.slice(2).reduce((s, v) => s + (v - 0.5) ** 2, 0);
  const h = Math.PI / 2;
  return [
    (1 + g) * Math.cos(x[0] * h) * Math.cos(x[1] * h),
    (1 + g) * Math.cos(x[0] * h) * Math.sin(x[1] * h),
    (1 + g) * Math.sin(x[0] * h),
  ];
}

async function hypervolumeOf(sampler: Sampler, nTrials: number): Promise<{ hv: number; generations: unknown[] }> {
  const study = await createStudy({ directions: ['minimize', 'minimize', 'minimize'], sampler });
  await study.optimize(dtlz2, { nTrials, showProgressBar: false });
  return {
    hv: hypervolume(
      study.trials.map((t) => t.values as number[]),
      [1.1, 1.1, 1.1],
    ),
    generations: study.trials.map((t) => t.systemAttrs['NSGAIIISampler:generation']),
  };
}

describe('NSGAIIISampler', () => {
  it('runs generations under its own key, as Optuna 5.0 names it, and beats random search on DTLZ2', async () => {
    const ours = await hypervolumeOf(new NSGAIIISampler({ seed: 1, populationSize: 30 }), 450);
    assert.equal(ours.generations[0], 0);
    assert.equal(ours.generations[449], 14, 'fifteen generations of 30');
    const random = await hypervolumeOf(new RandomSampler({ seed: 1 }), 450);
    assert.ok(ours.hv > random.hv, `NSGA-III ${ours.hv} vs random ${random.hv}`);
  });

  it('chooses the same parents in every process, whatever its seed (ties are broken from the stored trials)', async () => {
    class Probe extends NSGAIIISampler {
      parents(study: StudyView, pool: readonly FrozenTrial[]): number[] {
        return this.selectElite(study, [...pool]).map((m) => m.trial.number);
      }
    }
    const study = await createStudy({ directions: ['minimize', 'minimize', 'minimize'], sampler: new RandomSampler({ seed: 4 }) });
    await study.optimize(dtlz2, { nTrials: 60, showProgressBar: false });
    const firstFront = study.bestTrials.length;
    assert.ok(firstFront > 10, `the niching step runs: ${firstFront} trials on the first front for 10 places`);
    const [a, b] = [new Probe({ seed: 1, populationSize: 10 }), new Probe({ seed: 2, populationSize: 10 })];
    const chosen = a.parents(study.view, study.trials);
    assert.equal(chosen.length, 10);
    assert.deepEqual(b.parents(study.view, study.trials), chosen);
  });

  it('takes reference points of the study’s dimension and refuses others with a clear error', async () => {
    const corners = [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
    const given = await hypervolumeOf(new NSGAIIISampler({ seed: 2, populationSize: 10, referencePoints: corners }), 60);
    assert.ok(given.hv > 0);
    const wrong = new NSGAIIISampler({ seed: 2, populationSize: 10, referencePoints: [[1, 0]] });
    await assert.rejects(hypervolumeOf(wrong, 30), /the reference points have 2 columns and the study 3 objectives/);
    assert.throws(() => new NSGAIIISampler({ referencePoints: [[0, 0, 0]] }), InvalidArgumentError);
    assert.throws(() => new NSGAIIISampler({ referencePoints: [] }), /non-empty list of rows/);
    assert.throws(() => new NSGAIIISampler({ dividingParameter: 0 }), InvalidArgumentError);
    // Misspelt options are named, as for every sampler.
    assert.throws(() => new NSGAIIISampler({ dividingParam: 3 } as never), /dividingParam.*dividingParameter/s);
    // NSGA-II keeps its own key.
    assert.throws(() => new NSGAIISampler({ referencePoints: corners } as never), /NSGAIISampler/);
  });
});
