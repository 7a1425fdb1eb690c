/**
 * Learning-rate schedules as pure functions of the step (step 0 is the learning rate before the
 * first update). Each one follows the closed form of its PyTorch `torch.optim.lr_scheduler`
 * counterpart, named in its doc comment, so a schedule tuned in a tunelab notebook means the same
 * thing as in a PyTorch paper. "Step" is whatever unit you call it with: a batch or an epoch.
 *
 * The tfjs callback that applies a schedule during training lives in ./callback.ts (it loads tfjs
 * lazily); this module has no dependency at all.
 */
import { checkOptionKeys, optionKeys } from '../options';
import { InvalidArgumentError } from '../errors';
import { requireInt } from '../validate';

export type ScheduleParam = number | string | boolean | readonly number[];

export interface Schedule {
  /** Machine name, e.g. 'cosineAnnealing'. */
  readonly name: string;
  /** The hyperparameters that define the schedule (shown by the ScheduleView widget). */
  readonly params: Readonly<Record<string, ScheduleParam>>;
  /** Learning rate at `step` (a non-negative integer). */
  at(step: number): number;
}

/** What the ScheduleView widget draws: the schedule's name, its params, and sampled (step, lr) points. */
export interface ScheduleDescription {
  name: string;
  params: Record<string, ScheduleParam>;
  values: Array<[number, number]>;
}

function make(name: string, params: Record<string, ScheduleParam>, at: (step: number) => number): Schedule {
  return {
    name,
    params,
    at(step: number): number {
      return at(requireInt(`${name}.at(step)`, 'step', step, 0));
    },
  };
}

/** A schedule's options: an object (its required keys named when it is missing) with no unknown key. */
function checkScheduleOptions(where: string, opts: unknown, keys: readonly string[], required: readonly string[]): void {
  if (opts === undefined || opts === null) {
    throw new InvalidArgumentError(`${where}: pass its options, e.g. ${where}({ ${required.map((k) => `${k}: ...`).join(', ')} }).`);
  }
  checkOptionKeys(where, opts, keys);
}

function positive(where: string, name: string, v: number): void {
  if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) {
    throw new InvalidArgumentError(`${where}: ${name} must be a positive number, got ${v}.`);
  }
}
function nonNegative(where: string, name: string, v: number): void {
  if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
    throw new InvalidArgumentError(`${where}: ${name} must be a number >= 0, got ${v}.`);
  }
}

export interface ConstantOptions {
  lr: number;
  factor?: number;
  totalIters?: number;
}
const CONSTANT_OPTION_KEYS = optionKeys<ConstantOptions>({ lr: true, factor: true, totalIters: true });

/** `lr * factor` for the first `totalIters` steps, then `lr` (PyTorch ConstantLR; factor 1 = a constant rate). */
export function constant(opts: ConstantOptions): Schedule {
  checkScheduleOptions('constant', opts, CONSTANT_OPTION_KEYS, ['lr']);
  const { lr, factor = 1, totalIters = 0 } = opts;
  positive('constant', 'lr', lr);
  if (!(factor > 0 && factor <= 1)) throw new InvalidArgumentError(`constant: factor must be in (0, 1], got ${factor}.`);
  nonNegative('constant', 'totalIters', totalIters);
  return make('constant', { lr, factor, totalIters }, (t) => (t < totalIters ? lr * factor : lr));
}

export interface StepOptions {
  lr: number;
  stepSize: number;
  gamma?: number;
}
const STEP_OPTION_KEYS = optionKeys<StepOptions>({ lr: true, stepSize: true, gamma: true });

/** `lr * gamma^floor(step / stepSize)` (PyTorch StepLR). */
export function step(opts: StepOptions): Schedule {
  checkScheduleOptions('step', opts, STEP_OPTION_KEYS, ['lr', 'stepSize']);
  const { lr, stepSize, gamma = 0.1 } = opts;
  positive('step', 'lr', lr);
  requireInt('step', 'stepSize', stepSize, 1);
  positive('step', 'gamma', gamma);
  return make('step', { lr, stepSize, gamma }, (t) => lr * gamma ** Math.floor(t / stepSize));
}

export interface MultiStepOptions {
  lr: number;
  milestones: readonly number[];
  gamma?: number;
}
const MULTI_STEP_OPTION_KEYS = optionKeys<MultiStepOptions>({ lr: true, milestones: true, gamma: true });

/** `lr * gamma^(number of milestones <= step)` (PyTorch MultiStepLR). */
export function multiStep(opts: MultiStepOptions): Schedule {
  checkScheduleOptions('multiStep', opts, MULTI_STEP_OPTION_KEYS, ['lr', 'milestones']);
  const { lr, gamma = 0.1 } = opts;
  positive('multiStep', 'lr', lr);
  positive('multiStep', 'gamma', gamma);
  const milestones = [...opts.milestones].sort((a, b) => a - b);
  for (const m of milestones) requireInt('multiStep', 'each milestone', m, 1);
  return make('multiStep', { lr, milestones, gamma }, (t) => lr * gamma ** milestones.filter((m) => m <= t).length);
}

export interface ExponentialOptions {
  lr: number;
  gamma: number;
}
const EXPONENTIAL_OPTION_KEYS = optionKeys<ExponentialOptions>({ lr: true, gamma: true });

/** `lr * gamma^step` (PyTorch ExponentialLR). */
export function exponential(opts: ExponentialOptions): Schedule {
  checkScheduleOptions('exponential', opts, EXPONENTIAL_OPTION_KEYS, ['lr', 'gamma']);
  const { lr, gamma } = opts;
  positive('exponential', 'lr', lr);
  positive('exponential', 'gamma', gamma);
  return make('exponential', { lr, gamma }, (t) => lr * gamma ** t);
}

export interface CosineAnnealingOptions {
  lr: number;
  tMax: number;
  etaMin?: number;
}
const COSINE_ANNEALING_OPTION_KEYS = optionKeys<CosineAnnealingOptions>({ lr: true, tMax: true, etaMin: true });

/**
 * `etaMin + (lr - etaMin) (1 + cos(pi step / tMax)) / 2` (PyTorch CosineAnnealingLR). Past tMax the
 * cosine keeps going (back up to lr over the next tMax steps), exactly as PyTorch does.
 */
export function cosineAnnealing(opts: CosineAnnealingOptions): Schedule {
  checkScheduleOptions('cosineAnnealing', opts, COSINE_ANNEALING_OPTION_KEYS, ['lr', 'tMax']);
  const { lr, tMax, etaMin = 0 } = opts;
  positive('cosineAnnealing', 'lr', lr);
  requireInt('cosineAnnealing', 'tMax', tMax, 1);
  nonNegative('cosineAnnealing', 'etaMin', etaMin);
  return make('cosineAnnealing', { lr, tMax, etaMin }, (t) => etaMin + ((lr - etaMin) * (1 + Math.cos((Math.PI * t) / tMax))) / 2);
}

export interface CosineWarmRestartsOptions {
  lr: number;
  t0: number;
  tMult?: number;
  etaMin?: number;
}
const COSINE_WARM_RESTARTS_OPTION_KEYS = optionKeys<CosineWarmRestartsOptions>({ lr: true, t0: true, tMult: true, etaMin: true });

/**
 * SGDR: cosine annealing restarted after t0 steps, each period tMult times longer than the last
 * (PyTorch CosineAnnealingWarmRestarts, Loshchilov & Hutter 2017).
 */
export function cosineWarmRestarts(opts: CosineWarmRestartsOptions): Schedule {
  checkScheduleOptions('cosineWarmRestarts', opts, COSINE_WARM_RESTARTS_OPTION_KEYS, ['lr', 't0']);
  const { lr, t0, tMult = 1, etaMin = 0 } = opts;
  positive('cosineWarmRestarts', 'lr', lr);
  requireInt('cosineWarmRestarts', 't0', t0, 1);
  requireInt('cosineWarmRestarts', 'tMult', tMult, 1);
  nonNegative('cosineWarmRestarts', 'etaMin', etaMin);
  return make('cosineWarmRestarts', { lr, t0, tMult, etaMin }, (t) => {
    let tCur = t;
    let period = t0;
    // Integer arithmetic: walk whole periods (there are only O(log t) of them when tMult > 1).
    if (tMult === 1) tCur = t % t0;
    else {
      while (tCur >= period) {
        tCur -= period;
        period *= tMult;
      }
    }
    return etaMin + ((lr - etaMin) * (1 + Math.cos((Math.PI * tCur) / period))) / 2;
  });
}

export interface LinearWarmupOptions {
  lr: number;
  totalIters: number;
  startFactor?: number;
  endFactor?: number;
}
const LINEAR_WARMUP_OPTION_KEYS = optionKeys<LinearWarmupOptions>({ lr: true, totalIters: true, startFactor: true, endFactor: true });

/**
 * Linear warmup: the factor goes linearly from startFactor to endFactor over totalIters steps,
 * then stays (PyTorch LinearLR).
 */
export function linearWarmup(opts: LinearWarmupOptions): Schedule {
  checkScheduleOptions('linearWarmup', opts, LINEAR_WARMUP_OPTION_KEYS, ['lr', 'totalIters']);
  const { lr, totalIters, startFactor = 1 / 3, endFactor = 1 } = opts;
  positive('linearWarmup', 'lr', lr);
  requireInt('linearWarmup', 'totalIters', totalIters, 1);
  if (!(startFactor > 0 && startFactor <= 1) || !(endFactor >= 0 && endFactor <= 1)) {
    throw new InvalidArgumentError(
      `linearWarmup: startFactor must be in (0, 1] and endFactor in [0, 1], got ${startFactor}, ${endFactor}.`,
    );
  }
  return make(
    'linearWarmup',
    { lr, totalIters, startFactor, endFactor },
    (t) => lr * (startFactor + ((endFactor - startFactor) * Math.min(t, totalIters)) / totalIters),
  );
}

export interface WarmupCosineOptions {
  lr: number;
  warmupSteps: number;
  totalSteps: number;
  startFactor?: number;
  etaMin?: number;
}
const WARMUP_COSINE_OPTION_KEYS = optionKeys<WarmupCosineOptions>({
  lr: true,
  warmupSteps: true,
  totalSteps: true,
  startFactor: true,
  etaMin: true,
});

/**
 * Linear warmup for warmupSteps steps, then cosine annealing down to etaMin at totalSteps
 * (PyTorch SequentialLR of LinearLR(startFactor, 1, warmupSteps) and CosineAnnealingLR(totalSteps - warmupSteps)).
 */
export function warmupCosine(opts: WarmupCosineOptions): Schedule {
  checkScheduleOptions('warmupCosine', opts, WARMUP_COSINE_OPTION_KEYS, ['lr', 'warmupSteps', 'totalSteps']);
  const { lr, warmupSteps, totalSteps, startFactor = 1 / 3, etaMin = 0 } = opts;
  positive('warmupCosine', 'lr', lr);
  requireInt('warmupCosine', 'warmupSteps', warmupSteps, 1);
  requireInt('warmupCosine', 'totalSteps (more than warmupSteps)', totalSteps, warmupSteps + 1);
  const warm = linearWarmup({ lr, totalIters: warmupSteps, startFactor });
  const cos = cosineAnnealing({ lr, tMax: totalSteps - warmupSteps, etaMin });
  return make('warmupCosine', { lr, warmupSteps, totalSteps, startFactor, etaMin }, (t) =>
    t < warmupSteps ? warm.at(t) : cos.at(t - warmupSteps),
  );
}

export type CyclicMode = 'triangular' | 'triangular2' | 'exp_range';

export interface CyclicOptions {
  baseLr: number;
  maxLr: number;
  stepSizeUp?: number;
  stepSizeDown?: number;
  mode?: CyclicMode;
  gamma?: number;
}
const CYCLIC_OPTION_KEYS = optionKeys<CyclicOptions>({
  baseLr: true,
  maxLr: true,
  stepSizeUp: true,
  stepSizeDown: true,
  mode: true,
  gamma: true,
});

/**
 * Cyclical learning rates (Smith 2017; PyTorch CyclicLR): the rate climbs from baseLr to maxLr in
 * stepSizeUp steps and falls back in stepSizeDown; 'triangular2' halves the amplitude every cycle,
 * 'exp_range' scales it by gamma^step.
 */
export function cyclic(opts: CyclicOptions): Schedule {
  checkScheduleOptions('cyclic', opts, CYCLIC_OPTION_KEYS, ['baseLr', 'maxLr']);
  const { baseLr, maxLr, stepSizeUp = 2000, mode = 'triangular', gamma = 1 } = opts;
  const stepSizeDown = opts.stepSizeDown ?? stepSizeUp;
  positive('cyclic', 'baseLr', baseLr);
  positive('cyclic', 'maxLr', maxLr);
  requireInt('cyclic', 'stepSizeUp', stepSizeUp, 1);
  requireInt('cyclic', 'stepSizeDown', stepSizeDown, 1);
  if (!['triangular', 'triangular2', 'exp_range'].includes(mode)) {
    throw new InvalidArgumentError(`cyclic: mode must be 'triangular', 'triangular2' or 'exp_range', got ${String(mode)}.`);
  }
  const total = stepSizeUp + stepSizeDown;
  const upRatio = stepSizeUp / total;
  return make('cyclic', { baseLr, maxLr, stepSizeUp, stepSizeDown, mode, gamma }, (t) => {
    const cycle = Math.floor(1 + t / total);
    const x = 1 + t / total - cycle;
    const fraction = x <= upRatio ? x / upRatio : (x - 1) / (upRatio - 1);
    const scale = mode === 'triangular' ? 1 : mode === 'triangular2' ? 1 / 2 ** (cycle - 1) : gamma ** t;
    return baseLr + (maxLr - baseLr) * fraction * scale;
  });
}

export interface OneCycleOptions {
  maxLr: number;
  totalSteps: number;
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  divFactor?: number;
  finalDivFactor?: number;
  threePhase?: boolean;
}
const ONE_CYCLE_OPTION_KEYS = optionKeys<OneCycleOptions>({
  maxLr: true,
  totalSteps: true,
  pctStart: true,
  annealStrategy: true,
  divFactor: true,
  finalDivFactor: true,
  threePhase: true,
});

/**
 * One-cycle policy (Smith & Topin 2018; PyTorch OneCycleLR): warm up from maxLr/divFactor to maxLr
 * over pctStart of totalSteps, then anneal to maxLr/(divFactor*finalDivFactor). With threePhase the
 * rate first returns symmetrically to the initial rate before the final annealing.
 */
export function oneCycle(opts: OneCycleOptions): Schedule {
  checkScheduleOptions('oneCycle', opts, ONE_CYCLE_OPTION_KEYS, ['maxLr', 'totalSteps']);
  const { maxLr, totalSteps, pctStart = 0.3, annealStrategy = 'cos', divFactor = 25, finalDivFactor = 1e4, threePhase = false } = opts;
  positive('oneCycle', 'maxLr', maxLr);
  requireInt('oneCycle', 'totalSteps', totalSteps, 1);
  if (!(pctStart > 0 && pctStart < 1)) throw new InvalidArgumentError(`oneCycle: pctStart must be in (0, 1), got ${pctStart}.`);
  positive('oneCycle', 'divFactor', divFactor);
  positive('oneCycle', 'finalDivFactor', finalDivFactor);
  const initial = maxLr / divFactor;
  const min = initial / finalDivFactor;
  const phases: Array<{ end: number; from: number; to: number }> = threePhase
    ? [
        { end: pctStart * totalSteps - 1, from: initial, to: maxLr },
        { end: 2 * pctStart * totalSteps - 2, from: maxLr, to: initial },
        { end: totalSteps - 1, from: initial, to: min },
      ]
    : [
        { end: pctStart * totalSteps - 1, from: initial, to: maxLr },
        { end: totalSteps - 1, from: maxLr, to: min },
      ];
  const anneal =
    annealStrategy === 'cos'
      ? (a: number, b: number, pct: number) => b + ((a - b) / 2) * (Math.cos(Math.PI * pct) + 1)
      : (a: number, b: number, pct: number) => (b - a) * pct + a;
  return make('oneCycle', { maxLr, totalSteps, pctStart, annealStrategy, divFactor, finalDivFactor, threePhase }, (t) => {
    if (t > totalSteps) {
      throw new InvalidArgumentError(`oneCycle: step ${t} is past totalSteps (${totalSteps}); raise totalSteps to cover the whole run.`);
    }
    let start = 0;
    for (let i = 0; i < phases.length; i++) {
      const p = phases[i];
      if (t <= p.end || i === phases.length - 1) return anneal(p.from, p.to, (t - start) / (p.end - start));
      start = p.end;
    }
    /* c8 ignore next */ throw new Error('unreachable');
  });
}

/**
 * Sample a schedule for the ScheduleView widget: `points` evenly spaced steps over [0, steps)
 * (every step when steps <= points), always including the last step.
 */
export function describe(schedule: Schedule, steps = 100, points = 200): ScheduleDescription {
  requireInt('describe', 'steps', steps, 1);
  requireInt('describe', 'points', points, 1);
  const at = new Set<number>();
  if (steps <= points) for (let s = 0; s < steps; s++) at.add(s);
  else for (let i = 0; i < points; i++) at.add(Math.round((i * (steps - 1)) / (points - 1)));
  const values = [...at].sort((a, b) => a - b).map((s): [number, number] => [s, schedule.at(s)]);
  return { name: schedule.name, params: { ...schedule.params }, values };
}
export {
  scheduleCallback,
  setOptimizerLearningRate,
  type ScheduleCallback,
  type ScheduleCallbackOptions,
  type LearningRateOwner,
} from './callback';
