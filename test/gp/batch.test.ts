import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { createStudy, objectiveFromModule, TrialState } from '../../src';
import { GPSampler } from '../../src/samplers/gp';
import { GaussianProcess, type GPData } from '../../src/samplers/gp/gp';
import { LogEHVIAcquisition, QLogEHVIAcquisition } from '../../src/samplers/gp/ehvi';
import { QLogEIAcquisition, RunningConditional } from '../../src/samplers/gp/qbatch';
import { nonDominatedBoxes, normalBaseSamples, referencePoint } from '../../src/samplers/gp/boxes';
import type { Acquisition } from '../../src/samplers/gp/acquisition';
import { Rng } from '../../src/rng';

/**
 * Two proposals this close are the same point: one that ignores a running trial lands within 1e-6
 * of it (checked below, trials asked by hand). Two that take each other in may still come within
 * 1e-3 once both polish a sharp optimum (0.00099 apart, trials 24 and 25 of an nJobs run on a busy
 * machine), where this test's bound of 1e-3 failed.
 */
const SAME_POINT = 1e-5;

function data(seed: number, n: number, dim: number, f: (x: Float64Array) => number): GPData {
  const rng = new Rng(seed);
  const x = new Float64Array(n * dim);
  for (let i = 0; i < x.length; i++) x[i] = rng.random();
  const y = Float64Array.from({ length: n }, (_, i) => f(x.subarray(i * dim, i * dim + dim)));
  return { x, y, n, dim, categorical: new Uint8Array(dim) };
}

function gradientError(acq: Acquisition, x: Float64Array): { worst: number; grad: number[]; fd: number[] } {
  const g = new Float64Array(acq.dim);
  acq.value(x, g);
  const fd: number[] = [];
  let worst = 0;
  for (let d = 0; d < acq.dim; d++) {
    const h = 1e-6;
    const a = Float64Array.from(x);
    const b = Float64Array.from(x);
    a[d] += h;
    b[d] -= h;
    fd.push((acq.value(a) - acq.value(b)) / (2 * h));
    worst = Math.max(worst, Math.abs(fd[d] - g[d]) / Math.max(1, Math.abs(fd[d])));
  }
  return { worst, grad: Array.from(g), fd };
}

describe('GPSampler batch acquisitions', () => {
  const theta = Float64Array.from([Math.log(4), Math.log(9), 0, Math.log(1e-4)]);
  const d1 = data(1, 15, 2, (x) => Math.sin(6 * x[0]) + x[1] * x[1]);
  const d2 = data(1, 15, 2, (x) => Math.cos(5 * x[1]) - x[0]);
  const gp1 = new GaussianProcess(d1, theta);
  const gp2 = new GaussianProcess({ ...d2, x: d1.x }, theta);

  it('log EHVI, qLogEI and qLogEHVI input gradients match central finite differences', () => {
    const ys = Array.from({ length: d1.n }, (_, i) => [d1.y[i], d2.y[i]]);
    const boxes = nonDominatedBoxes(ys, referencePoint(ys, 2));
    const ehvi = new LogEHVIAcquisition([gp1, gp2], boxes, normalBaseSamples(128, 2, new Rng(3)), [], 2);
    const best = Math.max(...d1.y);
    const running = Float64Array.from([0.2, 0.7, 0.8, 0.3]);
    const qei = new QLogEIAcquisition(gp1, best, running, normalBaseSamples(128, 3, new Rng(4)), [], 2);
    const feasibleY = ys.map((v) => Float64Array.from(v));
    const qehvi = new QLogEHVIAcquisition(
      [gp1, gp2].map((gp, i) => new RunningConditional(gp, running, normalBaseSamples(128, 3, new Rng(10 + i)))),
      feasibleY,
      referencePoint(feasibleY, 2),
      [],
      2,
    );
    const rng = new Rng(9);
    for (const [name, acq] of [
      ['logEHVI', ehvi],
      ['qLogEI', qei],
      ['qLogEHVI', qehvi],
    ] as const) {
      for (let k = 0; k < 5; k++) {
        const x = Float64Array.from([rng.random(), rng.random()]);
        const e = gradientError(acq, x);
        assert.ok(e.worst < 1e-3, `${name} at ${Array.from(x)}: analytic ${e.grad} vs finite differences ${e.fd}`);
      }
    }
  });

  it('qLogEI gives no improvement at a running point and equals log EI far from the running points', () => {
    const best = Math.max(...d1.y);
    const running = Float64Array.from([0.5, 0.5]);
    const samples = normalBaseSamples(128, 2, new Rng(5));
    const qei = new QLogEIAcquisition(gp1, best, running, samples, [], 2);
    // At the running point the candidate reproduces the fantasy: improvement only from the fantasy.
    const qAt = qei.value(Float64Array.from([0.5, 0.5]));
    const qNear = qei.value(Float64Array.from([0.5, 0.52]));
    const qFar = qei.value(Float64Array.from([0.05, 0.95]));
    const without = new QLogEIAcquisition(gp1, best, Float64Array.from([0.05, 0.95]), samples, [], 2);
    assert.ok(qFar > qAt && qNear >= qAt - 1e-9, `qLogEI at running ${qAt}, near ${qNear}, far ${qFar}`);
    // A running point far away barely changes the value at (0.5, 0.5) beyond the fantasy's own EI.
    assert.ok(Number.isFinite(without.value(Float64Array.from([0.5, 0.5]))));
  });

  it('a trial asked while another runs is proposed away from it; with that one failed instead, at the same point', async () => {
    // Asked and told by hand, so which trial runs when does not depend on timing. The second ask
    // draws the same random numbers either way: only the running trial differs.
    const f = (x: number, y: number) => -Math.exp(-((x - 0.3) ** 2 + (y - 0.6) ** 2) / 0.02);
    const proposals = async (seed: number, history: number, firstFails: boolean) => {
      const study = await createStudy({ sampler: new GPSampler({ seed, nStartupTrials: 6 }) });
      const point = async () => {
        const trial = await study.ask();
        return { trial, x: trial.suggestFloat('x', 0, 1), y: trial.suggestFloat('y', 0, 1) };
      };
      for (let i = 0; i < history; i++) {
        const { trial, x, y } = await point();
        await study.tell(trial, f(x, y));
      }
      const first = await point();
      if (firstFails) await study.tell(first.trial, null, { state: TrialState.FAIL });
      const second = await point();
      return Math.hypot(first.x - second.x, first.y - second.y);
    };
    for (const seed of [1, 2, 3]) {
      for (const history of [8, 20]) {
        const apart = await proposals(seed, history, false);
        const alone = await proposals(seed, history, true);
        assert.ok(apart > 1e-3, `seed ${seed}, ${history} trials: ${apart} from the running trial`);
        assert.ok(alone < SAME_POINT, `seed ${seed}, ${history} trials: ${alone} from the failed trial`);
      }
    }
  });

  it('optimize({ nJobs: 2 }) never runs two trials at the same point', async (t) => {
    // A sharp optimum: with the running trial ignored, both workers would polish to the same point.
    const f = (x: number, y: number) => -Math.exp(-((x - 0.3) ** 2 + (y - 0.6) ** 2) / 0.02);
    const study = await createStudy({ sampler: new GPSampler({ seed: 11, nStartupTrials: 6 }) });
    const live = new Map<number, number[]>();
    const clashes: string[] = [];
    let overlaps = 0;
    let closest = Infinity;
    await study.optimize(
      async (trial) => {
        const x = trial.suggestFloat('x', 0, 1);
        await new Promise((r) => setTimeout(r, 2));
        const y = trial.suggestFloat('y', 0, 1);
        for (const [other, p] of live) {
          overlaps++;
          const dist = Math.hypot(p[0] - x, p[1] - y);
          if (trial.number >= 6 && other >= 6) closest = Math.min(closest, dist);
          if (trial.number >= 6 && other >= 6 && dist < SAME_POINT) clashes.push(`#${trial.number} (${x}, ${y}) vs #${other} (${p})`);
        }
        live.set(trial.number, [x, y]);
        await new Promise((r) => setTimeout(r, 5));
        live.delete(trial.number);
        return f(x, y);
      },
      { nTrials: 26, nJobs: 2, showProgressBar: false },
    );
    t.diagnostic(`closest pair of concurrent GP trials: ${closest.toFixed(4)} apart (${overlaps} overlaps)`);
    assert.equal(study.getTrials({ states: [TrialState.COMPLETE] }).length, 26);
    assert.ok(overlaps >= 10, `trials overlapped ${overlaps} times`);
    assert.deepEqual(clashes, [], 'concurrent trials proposed at the same point');
    assert.ok(study.bestValue < -0.9, `best value ${study.bestValue}`);
  });

  for (const constrained of [false, true]) {
    it(`multi-objective optimize({ nJobs: 2 }) never runs two trials at the same point${constrained ? ' (constrained)' : ''}`, async () => {
      const sampler = new GPSampler({
        seed: 2,
        nStartupTrials: 6,
        constraintsFunc: constrained ? (t) => [0.2 - (t.params.x as number)] : undefined,
      });
      const study = await createStudy({ directions: ['minimize', 'minimize'], sampler });
      const live = new Map<number, number[]>();
      const clashes: string[] = [];
      await study.optimize(
        async (trial) => {
          const x = trial.suggestFloat('x', 0, 1);
          const y = trial.suggestFloat('y', 0, 1);
          for (const [other, p] of live) {
            // (Within 1e-3: two of these proposals that ignore each other land 1e-5 to 1e-3 apart.)
            if (trial.number >= 6 && other >= 6 && Math.hypot(p[0] - x, p[1] - y) < 1e-3) clashes.push(`#${trial.number} vs #${other}`);
          }
          live.set(trial.number, [x, y]);
          await new Promise((r) => setTimeout(r, 5));
          live.delete(trial.number);
          return [x * x + y, (1 - x) ** 2 + y];
        },
        { nTrials: 16, nJobs: 2, showProgressBar: false },
      );
      assert.equal(study.getTrials({ states: [TrialState.COMPLETE] }).length, 16);
      assert.deepEqual(clashes, [], 'concurrent trials proposed at the same point');
    });
  }

  it('optimize({ workers: 2 }) never runs two trials at the same point', { timeout: 120_000 }, async () => {
    const study = await createStudy({ sampler: new GPSampler({ seed: 4, nStartupTrials: 6 }) });
    await study.optimize(objectiveFromModule(join(__dirname, 'fixtures', 'objectives.ts'), 'sharpPeak'), {
      nTrials: 20,
      workers: 2,
      showProgressBar: false,
    });
    const trials = study.getTrials({ states: [TrialState.COMPLETE] });
    assert.equal(trials.length, 20);
    const clashes: string[] = [];
    let overlaps = 0;
    for (const a of trials) {
      for (const b of trials) {
        if (b.number <= a.number || a.number < 6) continue;
        // Lifetimes overlap: b started before a completed.
        if (b.datetimeStart!.getTime() >= a.datetimeComplete!.getTime()) continue;
        overlaps++;
        const d = Math.hypot((a.params.x as number) - (b.params.x as number), (a.params.y as number) - (b.params.y as number));
        if (d < SAME_POINT) clashes.push(`#${a.number} ${JSON.stringify(a.params)} vs #${b.number} ${JSON.stringify(b.params)}`);
      }
    }
    assert.ok(overlaps >= 5, `GP trials overlapped ${overlaps} times`);
    assert.deepEqual(clashes, [], 'concurrent trials proposed at the same point');
  });
});
