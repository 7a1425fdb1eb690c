// The Hermite line (hermiteLine.ts) bounds the sum of g(x)'s crowded kernels in a space of one
// continuous parameter and categorical ones, each group of kernels (a combination of choices)
// times its own factor. The bounds must hold the sum formed term by term wherever the point is (in
// the crowd, far from it, on a bound of the range), be about as tight as asked, and stay right as
// kernels join, leave, change rank, widen beyond the floor and move between slots.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/rng';
import { removeKernel, shuffledSlots } from '../helpers/slots';
import { HermiteLine, type LineKernels } from '../../src/samplers/tpe/hermiteLine';

const LOW = -5;
const HIGH = 10;
const FLOOR = (HIGH - LOW) / 100;
const GROUPS = 6;

interface Kernel {
  number: number;
  mu: number;
  sigma: number;
  group: number;
  /** log of the kernel's truncation mass: 0 inside the range, below 0 near a bound. */
  logZ: number;
}

/** Kernels in slots 1.. (slot 0 the prior, as IncrementalJointAbove keeps them), by trial number in byTime. */
function layout(kernels: Kernel[], slotOrder: number[]): LineKernels {
  const count = kernels.length + 1;
  const mus = new Float64Array(count);
  const sigmas = new Float64Array(count);
  const logZs = new Float64Array(count);
  const groups = new Int32Array(count);
  const numbers = new Int32Array(count);
  mus[0] = 0.5 * (LOW + HIGH);
  sigmas[0] = HIGH - LOW;
  numbers[0] = -1;
  kernels.forEach((k, i) => {
    const slot = slotOrder[i];
    mus[slot] = k.mu;
    sigmas[slot] = k.sigma;
    logZs[slot] = k.logZ;
    groups[slot] = k.group;
    numbers[slot] = k.number;
  });
  const byTime = Int32Array.from(
    kernels.map((k, i) => [k.number, slotOrder[i]]).sort((x, y) => x[0] - y[0]),
    ([, slot]) => slot,
  );
  const rank = new Map(Array.from(byTime, (slot, r) => [slot, r]));
  return { count, mus, sigmas, logZs, groupOf: (slot) => groups[slot], numbers, byTime, rankOf: (slot) => rank.get(slot)! };
}

/** A crowded basin (most kernels in group 1, as a converging study's), a sparse rest, some on a bound, a few wide. */
function crowd(n: number, rng: Rng, firstNumber = 0): Kernel[] {
  return Array.from({ length: n }, (_, i) => {
    const basin = rng.random() < 0.8;
    const mu = basin ? 3 + 0.3 * rng.normal() : rng.random() < 0.1 ? LOW : rng.uniform(LOW, HIGH);
    const wide = rng.random() < 0.03;
    return {
      number: firstNumber + i,
      mu,
      sigma: wide ? FLOOR * rng.uniform(1.5, 6) : FLOOR,
      group: rng.random() < 0.6 ? 1 : rng.int(0, GROUPS - 1),
      logZ: mu === LOW ? Math.log(0.5) : 0,
    };
  });
}

/** The line's sum formed term by term: sum over ramp kernels at the floor of factor (a + b r) e e^-u^2. */
function exactSum(k: LineKernels, factors: Float64Array, y: number): number {
  const m = k.count - 1;
  const a = 1 / m;
  const b = (1 - 1 / m) / (m - 26);
  let sum = 0;
  for (let r = 0; r < m - 25; r++) {
    const slot = k.byTime[r];
    if (k.sigmas[slot] !== FLOOR) continue;
    const u = (y - k.mus[slot]) / (Math.SQRT2 * FLOOR);
    sum += factors[k.groupOf(slot)] * (a + b * r) * Math.exp(-k.logZs[slot] - u * u);
  }
  return sum;
}

/** The line's weight of the groups `factors` picks, term by term: sum over ramp kernels at the floor of factor (a + b r) e. */
function exactWeight(k: LineKernels, factors: Float64Array): number {
  const m = k.count - 1;
  let sum = 0;
  for (let r = 0; r < m - 25; r++) {
    const slot = k.byTime[r];
    if (k.sigmas[slot] === FLOOR) sum += factors[k.groupOf(slot)] * (1 / m + ((1 - 1 / m) / (m - 26)) * r) * Math.exp(-k.logZs[slot]);
  }
  return sum;
}

/** Per group, a factor as a candidate's categorical terms give it: the hit group's 1, the others' small. */
function factorsFor(rng: Rng): Float64Array {
  const hit = rng.int(0, GROUPS - 1);
  return Float64Array.from({ length: GROUPS }, (_, g) => (g === hit ? 1 : rng.random() < 0.5 ? 1e-3 : 0.2));
}

/**
 * Every point's bounds hold the exact sum; in the crowd they are within a small multiple of the
 * precision asked, down to the truncation's floor. Returns the points checked for tightness.
 */
function checkBounds(line: HermiteLine, k: LineKernels, rng: Rng, label: string): number {
  for (let g = 0; g < GROUPS; g++) {
    const unit = Float64Array.from({ length: GROUPS }, (_, h) => (h === g ? 1 : 0));
    const weight = exactWeight(k, unit);
    assert.ok(
      Math.abs(line.groupWeight(g) - weight) <= 1e-10 * weight,
      `${label}: group ${g} weighs ${line.groupWeight(g)}, its kernels ${weight}`,
    );
  }
  const out = new Float64Array(2);
  let tight = 0;
  for (let i = 0; i < 48; i++) {
    const kind = i % 4;
    const y = kind === 0 ? 3 + 0.25 * rng.normal() : kind === 1 ? rng.uniform(LOW, HIGH) : kind === 2 ? LOW : HIGH;
    const factors = factorsFor(rng);
    const exact = exactSum(k, factors, y);
    for (const precision of [3e-3, 1e-4, 1e-7]) {
      line.bounds(y, factors, precision, out);
      const where = `${label}: at ${y}, precision ${precision}`;
      assert.ok(out[0] <= exact && exact <= out[1], `${where}: ${exact} outside [${out[0]}, ${out[1]}]`);
      if (kind === 0 && exact > 1) {
        const width = (out[1] - out[0]) / exact;
        assert.ok(width <= 20 * Math.max(precision, 1e-6), `${where}: width ${width} of the sum`);
        tight++;
      }
    }
  }
  return tight;
}

/** The slots left to the caller, each once: the prior, the newest 25, and the wide kernels in the ramp. */
function checkDirect(line: HermiteLine, k: LineKernels, label: string): void {
  const m = k.count - 1;
  const want = [0];
  k.byTime.forEach((slot, r) => {
    if (r >= m - 25 || k.sigmas[slot] !== FLOOR) want.push(slot);
  });
  const got = Array.from(line.direct.subarray(0, line.directCount));
  assert.deepEqual(
    got.sort((x, y) => x - y),
    want.sort((x, y) => x - y),
    `${label}: the slots summed apart`,
  );
}

describe('Hermite line', () => {
  it("bounds the crowded kernels' sum, each group times its factor, at any point, about as tightly as asked", () => {
    for (const seed of [1, 2]) {
      const rng = new Rng(seed);
      const kernels = crowd(3000, rng);
      const k = layout(kernels, shuffledSlots(kernels.length, rng));
      const line = new HermiteLine(LOW, HIGH, FLOOR, GROUPS);
      line.sync(k);
      checkDirect(line, k, `seed ${seed}`);
      const tight = checkBounds(line, k, rng, `seed ${seed}`);
      assert.ok(tight >= 24, `${tight} points checked for tightness`);
    }
  });

  it('bounds what lies beyond the cells it expands by the weight there at the nearest distance', () => {
    // Kernels in one spot seen from 9 and 20 floors away (the line expands 8 floors each way).
    const rng = new Rng(4);
    const kernels: Kernel[] = Array.from({ length: 400 }, (_, i) => ({
      number: i,
      mu: 0.01 * rng.normal(),
      sigma: FLOOR,
      group: i % GROUPS,
      logZ: 0,
    }));
    const k = layout(kernels, shuffledSlots(kernels.length, rng));
    const line = new HermiteLine(LOW, HIGH, FLOOR, GROUPS);
    line.sync(k);
    const out = new Float64Array(2);
    const factors = Float64Array.from({ length: GROUPS }, (_, g) => 1 / (g + 1));
    for (const floors of [9, 20]) {
      const y = floors * FLOOR;
      const exact = exactSum(k, factors, y);
      line.bounds(y, factors, 1e-7, out);
      assert.ok(out[0] <= exact && exact <= out[1], `${floors} floors away: ${exact} outside [${out[0]}, ${out[1]}]`);
      assert.ok(out[1] > 0, 'the weight out there is counted');
    }
  });

  it('stays right as kernels join, leave, change rank, widen, narrow and move between slots', () => {
    const rng = new Rng(3);
    const kernels = crowd(1500, rng);
    let next = kernels.length;
    const slots = shuffledSlots(kernels.length, rng);
    const line = new HermiteLine(LOW, HIGH, FLOOR, GROUPS);
    line.sync(layout(kernels, slots));
    for (let step = 0; step < 40; step++) {
      const touched: number[] = [];
      let ranksMoved = false;
      // The newest trial joins in a new slot (the last).
      kernels.push(...crowd(1, rng, next++));
      slots.push(kernels.length);
      touched.push(kernels.length);
      if (step % 3 === 1) {
        // One widens or narrows in its slot.
        const i = rng.int(0, kernels.length - 30);
        kernels[i] = { ...kernels[i], sigma: kernels[i].sigma === FLOOR ? 2 * FLOOR : FLOOR };
        touched.push(slots[i]);
      }
      if (step % 4 === 2) {
        // One leaves from mid-history: the last slot moves into its hole, and later ranks move.
        removeKernel(kernels, slots, rng.int(0, kernels.length - 40));
        ranksMoved = true;
      }
      const k = layout(kernels, slots);
      line.sync(k, ranksMoved ? null : touched);
      const label = `step ${step}`;
      checkDirect(line, k, label);
      checkBounds(line, k, rng, label);
    }
    // And against a line built from the final kernels at once.
    const k = layout(kernels, slots);
    const fresh = new HermiteLine(LOW, HIGH, FLOOR, GROUPS);
    fresh.sync(k);
    const a = new Float64Array(2);
    const b = new Float64Array(2);
    for (let i = 0; i < 20; i++) {
      const y = 3 + 0.3 * rng.normal();
      const factors = factorsFor(rng);
      line.bounds(y, factors, 1e-7, a);
      fresh.bounds(y, factors, 1e-7, b);
      assert.ok(Math.abs(a[0] - b[0]) <= 1e-9 * b[0] && Math.abs(a[1] - b[1]) <= 1e-9 * b[1], `at ${y}: [${a}] against [${b}]`);
    }
  });
});
