import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { schedules } from '../../src';
import { PYTHON } from '../helpers/python';

type Case = { name: string; schedule: schedules.Schedule; torch: { kind: string; lr: number; args: Record<string, unknown> } };

const STEPS = 1000;
const cases: Case[] = [
  {
    name: 'constant (ConstantLR)',
    schedule: schedules.constant({ lr: 0.1, factor: 0.5, totalIters: 40 }),
    torch: { kind: 'ConstantLR', lr: 0.1, args: { factor: 0.5, total_iters: 40 } },
  },
  {
    name: 'step (StepLR)',
    schedule: schedules.step({ lr: 0.1, stepSize: 30, gamma: 0.7 }),
    torch: { kind: 'StepLR', lr: 0.1, args: { step_size: 30, gamma: 0.7 } },
  },
  {
    name: 'multiStep (MultiStepLR)',
    schedule: schedules.multiStep({ lr: 0.5, milestones: [100, 250, 600], gamma: 0.2 }),
    torch: { kind: 'MultiStepLR', lr: 0.5, args: { milestones: [100, 250, 600], gamma: 0.2 } },
  },
  {
    name: 'exponential (ExponentialLR)',
    schedule: schedules.exponential({ lr: 0.3, gamma: 0.995 }),
    torch: { kind: 'ExponentialLR', lr: 0.3, args: { gamma: 0.995 } },
  },
  {
    name: 'cosineAnnealing (CosineAnnealingLR), past tMax too',
    schedule: schedules.cosineAnnealing({ lr: 0.1, tMax: 300, etaMin: 0.001 }),
    torch: { kind: 'CosineAnnealingLR', lr: 0.1, args: { T_max: 300, eta_min: 0.001 } },
  },
  {
    name: 'cosineWarmRestarts tMult 1',
    schedule: schedules.cosineWarmRestarts({ lr: 0.1, t0: 70, etaMin: 0.002 }),
    torch: { kind: 'CosineAnnealingWarmRestarts', lr: 0.1, args: { T_0: 70, eta_min: 0.002 } },
  },
  {
    name: 'cosineWarmRestarts tMult 2',
    schedule: schedules.cosineWarmRestarts({ lr: 0.05, t0: 30, tMult: 2 }),
    torch: { kind: 'CosineAnnealingWarmRestarts', lr: 0.05, args: { T_0: 30, T_mult: 2 } },
  },
  {
    name: 'linearWarmup (LinearLR)',
    schedule: schedules.linearWarmup({ lr: 0.2, totalIters: 120, startFactor: 0.1, endFactor: 0.9 }),
    torch: { kind: 'LinearLR', lr: 0.2, args: { start_factor: 0.1, end_factor: 0.9, total_iters: 120 } },
  },
  {
    name: 'warmupCosine (SequentialLR of LinearLR + CosineAnnealingLR)',
    schedule: schedules.warmupCosine({ lr: 0.1, warmupSteps: 50, totalSteps: 1000, startFactor: 0.01, etaMin: 1e-4 }),
    torch: { kind: 'sequential_warmup_cosine', lr: 0.1, args: { warmup: 50, total: 1000, start_factor: 0.01, eta_min: 1e-4 } },
  },
  {
    name: 'cyclic triangular',
    schedule: schedules.cyclic({ baseLr: 0.001, maxLr: 0.1, stepSizeUp: 60 }),
    torch: { kind: 'CyclicLR', lr: 0.001, args: { base_lr: 0.001, max_lr: 0.1, step_size_up: 60 } },
  },
  {
    name: 'cyclic triangular2 asymmetric',
    schedule: schedules.cyclic({ baseLr: 0.001, maxLr: 0.1, stepSizeUp: 40, stepSizeDown: 90, mode: 'triangular2' }),
    torch: {
      kind: 'CyclicLR',
      lr: 0.001,
      args: { base_lr: 0.001, max_lr: 0.1, step_size_up: 40, step_size_down: 90, mode: 'triangular2' },
    },
  },
  {
    name: 'cyclic exp_range',
    schedule: schedules.cyclic({ baseLr: 0.001, maxLr: 0.1, stepSizeUp: 50, mode: 'exp_range', gamma: 0.998 }),
    torch: { kind: 'CyclicLR', lr: 0.001, args: { base_lr: 0.001, max_lr: 0.1, step_size_up: 50, mode: 'exp_range', gamma: 0.998 } },
  },
  {
    name: 'oneCycle cos',
    schedule: schedules.oneCycle({ maxLr: 0.1, totalSteps: STEPS }),
    torch: { kind: 'OneCycleLR', lr: 0.1, args: { max_lr: 0.1, total_steps: STEPS } },
  },
  {
    name: 'oneCycle linear three-phase',
    schedule: schedules.oneCycle({
      maxLr: 0.4,
      totalSteps: STEPS,
      pctStart: 0.25,
      annealStrategy: 'linear',
      divFactor: 10,
      finalDivFactor: 100,
      threePhase: true,
    }),
    torch: {
      kind: 'OneCycleLR',
      lr: 0.4,
      args: {
        max_lr: 0.4,
        total_steps: STEPS,
        pct_start: 0.25,
        anneal_strategy: 'linear',
        div_factor: 10,
        final_div_factor: 100,
        three_phase: true,
      },
    },
  },
];

function torchReference(): number[][] {
  const input = JSON.stringify(cases.map((c) => ({ ...c.torch, steps: STEPS })));
  const r = spawnSync(PYTHON, [join(__dirname, 'torch_schedules.py')], { input, encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as number[][];
}

describe('schedules equal PyTorch lr_scheduler over 1,000 steps (to 1e-9)', () => {
  const reference = torchReference();
  cases.forEach((c, i) => {
    it(c.name, () => {
      const ref = reference[i];
      assert.equal(ref.length, STEPS);
      for (let t = 0; t < STEPS; t++) {
        const got = c.schedule.at(t);
        assert.ok(Math.abs(got - ref[t]) <= 1e-9, `step ${t}: tunelab ${got} vs torch ${ref[t]}`);
      }
    });
  });
});

describe('schedule descriptions and validation', () => {
  it('describe() samples the schedule for the ScheduleView widget', () => {
    const s = schedules.step({ lr: 1, stepSize: 10, gamma: 0.5 });
    const d = schedules.describe(s, 1000, 101);
    assert.equal(d.name, 'step');
    assert.deepEqual(d.params, { lr: 1, stepSize: 10, gamma: 0.5 });
    assert.equal(d.values.length, 101);
    assert.deepEqual(d.values[0], [0, 1]);
    assert.equal(d.values[100][0], 999);
    for (const [t, lr] of d.values) assert.equal(lr, s.at(t));
    assert.equal(schedules.describe(s, 20).values.length, 20);
  });
  it('rejects bad arguments with a message naming the parameter', () => {
    assert.throws(() => schedules.step({ lr: 0.1, stepSize: 0 }), /stepSize must be an integer >= 1, got 0/);
    assert.throws(() => schedules.cyclic({ baseLr: 0.1, maxLr: 1, mode: 'saw' as never }), /mode must be/);
    assert.throws(() => schedules.oneCycle({ maxLr: 1, totalSteps: 10 }).at(11), /past totalSteps/);
    assert.throws(() => schedules.exponential({ lr: 1, gamma: 0.9 }).at(-1), /step must be an integer >= 0, got -1/);
  });
});
