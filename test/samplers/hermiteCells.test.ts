// The Hermite cells (hermiteCells.ts) bound the sum of g(x)'s crowded kernels without visiting
// them. The bounds must hold the sum formed term by term, whatever the point (in the crowd, at its
// edge, far from it, on a bound of the range), be about as tight as asked, and stay right as the
// kernels join, leave, change rank, widen beyond the floor and move between slots.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../../src/rng';
import { removeKernel, shuffledSlots } from '../helpers/slots';
import { HermiteCells, type CellKernels } from '../../src/samplers/tpe/hermiteCells';

const LOW = [-5, 0];
const HIGH = [10, 15];
const FLOOR = [(HIGH[0] - LOW[0]) / 100, (HIGH[1] - LOW[1]) / 100];

interface Kernel {
  number: number;
  mu: [number, number];
  sigma: [number, number];
  /** log of the kernel's truncation mass (both parameters): 0 inside the range, below 0 near a bound. */
  logZ: number;
  /** With groups: the kernel's (a combination of categorical choices). */
  group?: number;
}

/** Kernels in slots 1.. (slot 0 the prior, as IncrementalJointAbove keeps them), by trial number in byTime. */
function layout(kernels: Kernel[], slotOrder: number[]): CellKernels {
  const count = kernels.length + 1;
  const mus = [new Float64Array(count), new Float64Array(count)];
  const sigmas = [new Float64Array(count), new Float64Array(count)];
  const logHeights = new Float64Array(count);
  const numbers = new Int32Array(count);
  for (let j = 0; j < 2; j++) {
    mus[j][0] = 0.5 * (LOW[j] + HIGH[j]);
    sigmas[j][0] = HIGH[j] - LOW[j];
  }
  logHeights[0] = -Math.log(2 * Math.PI * sigmas[0][0] * sigmas[1][0]);
  numbers[0] = -1;
  kernels.forEach((k, i) => {
    const slot = slotOrder[i];
    for (let j = 0; j < 2; j++) {
      mus[j][slot] = k.mu[j];
      sigmas[j][slot] = k.sigma[j];
    }
    logHeights[slot] = -Math.log(2 * Math.PI * k.sigma[0] * k.sigma[1]) - k.logZ;
    numbers[slot] = k.number;
  });
  const byTime = Int32Array.from(
    kernels.map((k, i) => [k.number, slotOrder[i]]).sort((x, y) => x[0] - y[0]),
    ([, slot]) => slot,
  );
  const rank = new Map(Array.from(byTime, (slot, r) => [slot, r]));
  const groups = new Int32Array(count);
  kernels.forEach((k, i) => (groups[slotOrder[i]] = k.group ?? 0));
  return { count, mus, sigmas, logHeights, numbers, byTime, rankOf: (slot) => rank.get(slot)!, groupOf: (slot) => groups[slot] };
}

/** A crowded basin with a sparse rest, some kernels on the bounds (truncated), a few wide ones. */
function crowd(n: number, rng: Rng, firstNumber = 0): Kernel[] {
  return Array.from({ length: n }, (_, i) => {
    const basin = rng.random() < 0.8;
    const mu: [number, number] = basin
      ? [3 + 0.5 * rng.normal(), Math.min(15, Math.max(0, 2.3 + 0.4 * rng.normal()))]
      : [rng.uniform(-5, 10), rng.random() < 0.1 ? 0 : rng.uniform(0, 15)];
    const wide = rng.random() < 0.03;
    const onBound = mu[1] === 0 || mu[1] === 15;
    return {
      number: firstNumber + i,
      mu,
      sigma: [FLOOR[0], wide ? FLOOR[1] * rng.uniform(1.5, 6) : FLOOR[1]],
      logZ: onBound ? Math.log(0.5) : 0,
    };
  });
}

/** The cells' total weight formed term by term: sum over ramp kernels at the floor of (a + b r) e. */
function exactWeight(k: CellKernels, logFloorHeight: number): number {
  const m = k.count - 1;
  let sum = 0;
  for (let r = 0; r < m - 25; r++) {
    const slot = k.byTime[r];
    if (k.sigmas[0][slot] === FLOOR[0] && k.sigmas[1][slot] === FLOOR[1]) {
      sum += (1 / m + ((1 - 1 / m) / (m - 26)) * r) * Math.exp(k.logHeights[slot] - logFloorHeight);
    }
  }
  return sum;
}

/**
 * The cells' sum formed term by term: sum over ramp kernels at the floor of f (a + b r) e
 * e^-(u0^2 + u1^2), f the kernel's group's factor (1 without factors).
 */
function exactCellSum(k: CellKernels, logFloorHeight: number, y: [number, number], factors?: Float64Array): number {
  const m = k.count - 1;
  const a = 1 / m;
  const b = (1 - 1 / m) / (m - 26);
  let sum = 0;
  for (let r = 0; r < m - 25; r++) {
    const slot = k.byTime[r];
    if (k.sigmas[0][slot] !== FLOOR[0] || k.sigmas[1][slot] !== FLOOR[1]) continue;
    const u0 = (y[0] - k.mus[0][slot]) / (Math.SQRT2 * FLOOR[0]);
    const u1 = (y[1] - k.mus[1][slot]) / (Math.SQRT2 * FLOOR[1]);
    const f = factors ? factors[k.groupOf!(slot)] : 1;
    sum += f * (a + b * r) * Math.exp(k.logHeights[slot] - logFloorHeight - u0 * u0 - u1 * u1);
  }
  return sum;
}

/** Points in the crowd (where the candidates mostly are: `crowded` true), anywhere, on a bound, at the range's ends. */
function points(rng: Rng, count: number): { y: [number, number]; crowded: boolean }[] {
  const out: { y: [number, number]; crowded: boolean }[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 4;
    const y: [number, number] =
      kind === 0
        ? [3 + 0.4 * rng.normal(), Math.min(15, Math.max(0, 2.3 + 0.3 * rng.normal()))]
        : kind === 1
          ? [rng.uniform(-5, 10), rng.uniform(0, 15)]
          : kind === 2
            ? [3 + 0.5 * rng.normal(), 0]
            : [rng.random() < 0.5 ? -5 : 10, rng.uniform(0, 15)];
    out.push({ y, crowded: kind === 0 });
  }
  return out;
}

/**
 * Every point's bounds hold the exact sum; in the crowd they are within a small multiple of the
 * precision asked, down to the truncation's floor (ORDER terms: about 1e-5 of the sum).
 * @returns the points checked for tightness
 */
function checkBounds(cells: HermiteCells, k: CellKernels, rng: Rng, label: string, at: [number, number][] = []): number {
  const weight = exactWeight(k, cells.logFloorHeight);
  assert.ok(Math.abs(cells.weight - weight) <= 1e-10 * weight, `${label}: the cells weigh ${cells.weight}, the kernels ${weight}`);
  const out = new Float64Array(2);
  let tight = 0;
  for (const { y, crowded } of [...points(rng, 40), ...at.map((y) => ({ y, crowded: false }))]) {
    const exact = exactCellSum(k, cells.logFloorHeight, y);
    for (const precision of [3e-3, 1e-4, 1e-7]) {
      cells.bounds(y[0], y[1], precision, out);
      const where = `${label}: at (${y[0]}, ${y[1]}), precision ${precision}`;
      assert.ok(out[0] <= exact && exact <= out[1], `${where}: ${exact} outside [${out[0]}, ${out[1]}]`);
      if (crowded && exact > 1) {
        const width = (out[1] - out[0]) / exact;
        assert.ok(width <= 20 * Math.max(precision, 1e-6), `${where}: width ${width} of the sum`);
        tight++;
      }
    }
  }
  return tight;
}

/** The slots left to the caller, each once: the prior, the newest 25, and the wide kernels in the ramp. */
function checkDirect(cells: HermiteCells, k: CellKernels, label: string): void {
  const m = k.count - 1;
  const want = [0];
  k.byTime.forEach((slot, r) => {
    if (r >= m - 25 || k.sigmas[0][slot] !== FLOOR[0] || k.sigmas[1][slot] !== FLOOR[1]) want.push(slot);
  });
  const got = Array.from(cells.direct.subarray(0, cells.directCount));
  assert.deepEqual(
    got.sort((x, y) => x - y),
    want.sort((x, y) => x - y),
    `${label}: the slots summed apart`,
  );
}

describe('Hermite cells', () => {
  it("bound the crowded kernels' sum at any point, about as tightly as asked", () => {
    for (const seed of [1, 2]) {
      const rng = new Rng(seed);
      const kernels = crowd(3000, rng);
      const k = layout(kernels, shuffledSlots(kernels.length, rng));
      const cells = new HermiteCells(LOW[0], HIGH[0], LOW[1], HIGH[1], FLOOR[0], FLOOR[1]);
      cells.sync(k);
      checkDirect(cells, k, `seed ${seed}`);
      const tight = checkBounds(cells, k, rng, `seed ${seed}`);
      assert.ok(tight >= 24, `${tight} points checked for tightness`);
    }
  });

  it('bound what lies beyond the cells they expand, far from every kernel', () => {
    // Kernels in one spot, seen from 9 and 20 floors away: beyond the cells read (8 floors each
    // way), so the sum is only bounded, by the weight out there at the nearest distance.
    const rng = new Rng(4);
    const kernels: Kernel[] = Array.from({ length: 400 }, (_, i) => ({
      number: i,
      mu: [0 + 0.01 * rng.normal(), 5 + 0.01 * rng.normal()],
      sigma: [FLOOR[0], FLOOR[1]],
      logZ: 0,
    }));
    const k = layout(kernels, shuffledSlots(kernels.length, rng));
    const cells = new HermiteCells(LOW[0], HIGH[0], LOW[1], HIGH[1], FLOOR[0], FLOOR[1]);
    cells.sync(k);
    const out = new Float64Array(2);
    for (const floors of [9, 20]) {
      for (const y of [
        [floors * FLOOR[0], 5],
        [0, 5 - floors * FLOOR[1]],
      ] as [number, number][]) {
        const exact = exactCellSum(k, cells.logFloorHeight, y);
        assert.ok(exact > 0, `a sum that is not 0 in doubles at ${floors} floors`);
        cells.bounds(y[0], y[1], 1e-7, out);
        assert.ok(out[0] <= exact && exact <= out[1], `at (${y}): ${exact} outside [${out[0]}, ${out[1]}]`);
      }
    }
  });

  it('stay right as kernels join, leave, change rank, widen and move between slots', () => {
    const rng = new Rng(3);
    let kernels = crowd(2600, rng);
    let slots = shuffledSlots(kernels.length, rng);
    const cells = new HermiteCells(LOW[0], HIGH[0], LOW[1], HIGH[1], FLOOR[0], FLOOR[1]);
    cells.sync(layout(kernels, slots));
    let nextNumber = kernels.length;
    for (let step = 0; step < 12; step++) {
      // New trials join (the newest, at the end of the time order); not every step, so that the
      // slot moved into a hole is sometimes an old kernel the cells hold.
      const joined = step % 4 === 0 ? [] : crowd(1 + rng.int(0, 3), rng, nextNumber);
      nextNumber += joined.length;
      kernels = kernels.concat(joined);
      slots = slots.concat(joined.map((_, i) => slots.length + 1 + i));
      // Checked at the kernels that changed too (a kernel counted twice or not at all shows there).
      const changed: [number, number][] = joined.map((j) => j.mu);
      // The slots that changed, told to the cells when no kernel left (IncrementalJointAbove's way).
      const touched = joined.map((_, i) => slots.length - joined.length + 1 + i);
      const left = step % 2 === 0;
      if (left) {
        // An older trial leaves (it became one of the good ones): every later trial's rank drops by
        // one, and the last slot moves into its hole.
        const i = rng.int(0, kernels.length - 30);
        changed.push(kernels[i].mu, kernels[slots.indexOf(slots.length)].mu);
        removeKernel(kernels, slots, i);
      }
      if (step % 3 === 0) {
        // Some kernels widen beyond the floor (a neighbour left) and some narrow back to it.
        for (let n = 0; n < 20; n++) {
          const kernel = kernels[rng.int(0, kernels.length - 1)];
          if (n < 3) changed.push(kernel.mu);
          touched.push(slots[kernels.indexOf(kernel)]);
          kernel.sigma = [kernel.sigma[0], kernel.sigma[1] === FLOOR[1] ? FLOOR[1] * 2 : FLOOR[1]];
        }
      }
      const k = layout(kernels, slots);
      cells.sync(k, left ? null : touched);
      checkDirect(cells, k, `step ${step}`);
      checkBounds(cells, k, rng, `step ${step}`, changed);
      // About the same bounds as cells built from scratch for this state.
      const fresh = new HermiteCells(LOW[0], HIGH[0], LOW[1], HIGH[1], FLOOR[0], FLOOR[1]);
      fresh.sync(k);
      const a = new Float64Array(2);
      const b = new Float64Array(2);
      for (const { y } of points(rng, 8)) {
        cells.bounds(y[0], y[1], 1e-7, a);
        fresh.bounds(y[0], y[1], 1e-7, b);
        // (Not equal: the order each cell is expanded to may differ where rounding tips a choice.)
        for (const i of [0, 1])
          assert.ok(Math.abs(a[i] - b[i]) <= b[1] - b[0] + 1e-12 * b[1], `step ${step}: [${a}] against [${b}] from scratch`);
      }
    }
  });

  it("with groups (combinations of categorical choices), bound each group's sum times its factor, and follow the kernels", () => {
    const GROUPS = 6;
    const rng = new Rng(6);
    const grouped = (kernels: Kernel[]) => kernels.map((k) => ({ ...k, group: rng.random() < 0.6 ? 1 : rng.int(0, GROUPS - 1) }));
    let kernels = grouped(crowd(2600, rng));
    let slots = shuffledSlots(kernels.length, rng);
    const cells = new HermiteCells(LOW[0], HIGH[0], LOW[1], HIGH[1], FLOOR[0], FLOOR[1], GROUPS);
    cells.sync(layout(kernels, slots));
    let nextNumber = kernels.length;
    const out = new Float64Array(2);
    let tight = 0;
    for (let step = 0; step < 10; step++) {
      const joined = grouped(crowd(1 + rng.int(0, 3), rng, nextNumber));
      nextNumber += joined.length;
      kernels = kernels.concat(joined);
      slots = slots.concat(joined.map((_, i) => slots.length + 1 + i));
      const touched = joined.map((_, i) => slots.length - joined.length + 1 + i);
      const left = step % 2 === 0;
      if (left) {
        // An older trial leaves: later ranks drop by one, the last slot moves into its hole.
        removeKernel(kernels, slots, rng.int(0, kernels.length - 30));
      }
      const k = layout(kernels, slots);
      cells.sync(k, left ? null : touched);
      checkDirect(cells, k, `step ${step}`);
      for (let g = 0; g < GROUPS; g++) {
        const unit = Float64Array.from({ length: GROUPS }, (_, h) => (h === g ? 1 : 0));
        const m = k.count - 1;
        let weight = 0;
        for (let r = 0; r < m - 25; r++) {
          const slot = k.byTime[r];
          if (k.sigmas[0][slot] === FLOOR[0] && k.sigmas[1][slot] === FLOOR[1] && unit[k.groupOf!(slot)] === 1)
            weight += (1 / m + ((1 - 1 / m) / (m - 26)) * r) * Math.exp(k.logHeights[slot] - cells.logFloorHeight);
        }
        assert.ok(
          Math.abs(cells.groupWeight(g) - weight) <= 1e-10 * weight,
          `step ${step}: group ${g} weighs ${cells.groupWeight(g)}, not ${weight}`,
        );
      }
      for (const { y, crowded } of points(rng, 16)) {
        // A candidate's factors: its own group's 1, the others' small (a miss in some parameter).
        const hit = rng.int(0, GROUPS - 1);
        const factors = Float64Array.from({ length: GROUPS }, (_, g) => (g === hit ? 1 : rng.random() < 0.5 ? 1e-3 : 0.2));
        const exact = exactCellSum(k, cells.logFloorHeight, y, factors);
        for (const precision of [3e-3, 1e-7]) {
          cells.bounds(y[0], y[1], precision, out, factors);
          const where = `step ${step}: at (${y}), precision ${precision}`;
          assert.ok(out[0] <= exact && exact <= out[1], `${where}: ${exact} outside [${out[0]}, ${out[1]}]`);
          if (crowded && exact > 1) {
            assert.ok((out[1] - out[0]) / exact <= 20 * Math.max(precision, 1e-6), `${where}: width ${(out[1] - out[0]) / exact}`);
            tight++;
          }
        }
      }
    }
    assert.ok(tight >= 20, `${tight} points checked for tightness`);
  });
});
