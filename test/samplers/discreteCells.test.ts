// A discrete parameter's kernels' cell masses kept across trials (`KernelCellMasses`) must be the
// very doubles `cellMass` gives, whatever order kernels and values are asked for in, through a
// fresh start; and a from-scratch estimator reading them must give the log densities it gives
// without them, to the bit.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { floatDistribution, intDistribution } from '../../src';
import { Rng } from '../../src/rng';
import { cellHigh, cellLow, cellMass, KernelCellMasses } from '../../src/samplers/tpe/discreteCells';
import { ParzenEstimator, paramModel, type NumericModel } from '../../src/samplers/tpe/parzenEstimator';
import { logNormalMass } from '../../src/samplers/tpe/truncnorm';

const dists = [intDistribution(1, 64), intDistribution(16, 1024, { log: true }), floatDistribution(0, 10, { step: 0.5 })];

function numericModel(d: (typeof dists)[number]): NumericModel & { q: number } {
  const m = paramModel(d);
  if (m.kind !== 'numeric' || m.q === null) throw new Error('a discrete model expected');
  return m as NumericModel & { q: number };
}

/** A grid value of `d` drawn uniformly. */
function gridValue(d: (typeof dists)[number], rng: Rng): number {
  const step = d.step ?? 1;
  return d.low + step * rng.int(0, Math.round((d.high - d.low) / step));
}

describe('KernelCellMasses', () => {
  it('gives cellMass to the bit for every kernel and value, asked in any order, also after starting afresh', () => {
    for (const d of dists) {
      const m = numericModel(d);
      const range = m.high - m.low;
      const rng = new Rng(3);
      // Kernels at grid values, with the clip's floor, wider, and on the bounds (truncated).
      const kernels = Array.from({ length: 60 }, (_, i) => {
        const x = i % 10 === 0 ? d.low : i % 10 === 1 ? d.high : gridValue(d, rng);
        const mu = m.log ? Math.log(x) : x;
        const sigma = i % 3 === 0 ? range / 100 : range * rng.uniform(0.01, 0.5);
        return { mu, sigma, logZ: logNormalMass(m.low, m.high, mu, sigma) };
      });
      const table = new KernelCellMasses(m, m.q);
      assert.ok(table.fits(numericModel(d)) && !table.fits(numericModel(floatDistribution(0, 11, { step: 0.5 }))));
      for (let round = 0; round < 3; round++) {
        const ids = Int32Array.from(kernels, (k) => table.idOf(k.mu, k.sigma, k.logZ));
        // The same kernel keeps its number; distinct kernels get distinct ones.
        assert.deepEqual(
          Array.from(kernels, (k) => table.idOf(k.mu, k.sigma, k.logZ)),
          Array.from(ids),
        );
        const distinct = new Set(kernels.map((k) => `${k.mu} ${k.sigma}`)).size;
        assert.equal(new Set(ids).size, distinct);
        for (let v = 0; v < 40; v++) {
          const x = v < 2 ? (v === 0 ? d.low : d.high) : gridValue(d, rng);
          // A random part of the kernels first, then all of them: masses asked for earlier are kept.
          const some = ids.filter(() => rng.random() < 0.5);
          table.at(x, some, some.length);
          const masses = table.at(x, ids, ids.length);
          const lo = cellLow(m, x, m.q);
          const hi = cellHigh(m, x, m.q);
          for (let i = 0; i < kernels.length; i++) {
            const k = kernels[i];
            assert.ok(Object.is(masses[ids[i]], cellMass(lo, hi, k.mu, k.sigma, k.logZ)), `${JSON.stringify(d)} x=${x} kernel ${i}`);
          }
        }
        const epoch = table.epoch;
        table.clear();
        assert.equal(table.epoch, epoch + 1);
        assert.equal(table.idOf(kernels[5].mu, kernels[5].sigma, kernels[5].logZ), 0, 'numbers start afresh');
        table.clear();
      }
    }
  });
});

describe('KernelCellMasses, kernels numbered after a value was asked for', () => {
  it("keeps a value's masses and computes the new kernels' ones, to the bit", () => {
    const d = dists[1];
    const m = numericModel(d);
    const rng = new Rng(4);
    const table = new KernelCellMasses(m, m.q);
    const xs = [d.low, 300, d.high];
    const ids: number[] = [];
    const kernels: { mu: number; sigma: number; logZ: number }[] = [];
    // One kernel at a time, as a long study's history changes them, up to well past the first
    // value's room.
    for (let i = 0; i < 300; i++) {
      const mu = Math.log(gridValue(d, rng));
      const sigma = (m.high - m.low) * rng.uniform(0.01, 0.3);
      kernels.push({ mu, sigma, logZ: logNormalMass(m.low, m.high, mu, sigma) });
      ids.push(table.idOf(mu, sigma, kernels[i].logZ));
      for (const x of xs) {
        const masses = table.at(x, Int32Array.from(ids), ids.length);
        for (let k = 0; k <= i; k += 1 + (i >> 3)) {
          const want = cellMass(cellLow(m, x, m.q), cellHigh(m, x, m.q), kernels[k].mu, kernels[k].sigma, kernels[k].logZ);
          assert.ok(Object.is(masses[ids[k]], want), `x=${x} kernel ${k} of ${i + 1}`);
        }
      }
    }
  });
});

describe('ParzenEstimator.shareCellMasses', () => {
  it('gives the log densities the estimator gives alone, to the bit, for estimators sharing one table', () => {
    for (const d of dists) {
      const m = numericModel(d);
      const rng = new Rng(11);
      const params = { priorWeight: 1, considerMagicClip: true, considerEndpoints: false, weights: () => new Float64Array(0) };
      const table = new KernelCellMasses(m, m.q);
      const other = new KernelCellMasses(numericModel(floatDistribution(0, 11, { step: 0.5 })), 0.5);
      // A group that changes a few observations at a time, as a good group does, with ties.
      let obs = Array.from({ length: 150 }, () => (rng.random() < 0.6 ? gridValue(d, rng) : d.low + (d.step ?? 1) * 3));
      for (let g = 0; g < 8; g++) {
        for (let c = 0; c < 5; c++) obs[rng.int(0, obs.length - 1)] = gridValue(d, rng);
        if (g === 4) obs = obs.concat(obs.slice(0, 20));
        const values = Float64Array.from(obs);
        const weights = Float64Array.from(obs, () => rng.uniform(0.2, 1));
        const xs = Float64Array.from({ length: 24 }, (_, s) => (s < 12 ? obs[rng.int(0, obs.length - 1)] : gridValue(d, rng)));
        const alone = new ParzenEstimator([values], [m], params, weights).logPdf([xs]);
        const sharing = new ParzenEstimator([values], [m], params, weights).shareCellMasses(table);
        const shared = sharing.logPdf([xs]);
        // A table of another parameter's model is not read.
        const mismatched = new ParzenEstimator([values], [m], params, weights).shareCellMasses(other).logPdf([xs]);
        for (let s = 0; s < xs.length; s++) {
          assert.ok(Object.is(shared[s], alone[s]), `${JSON.stringify(d)} group ${g} x=${xs[s]}: ${shared[s]} vs ${alone[s]}`);
          assert.ok(Object.is(mismatched[s], alone[s]));
        }
        if (g === 6) {
          // Numbers void: a kept estimator (a good group that did not change) numbers its kernels afresh.
          table.clear();
          table.idOf(0.123, 0.456, 0); // another kernel takes number 0
          const again = sharing.logPdf([xs]);
          for (let s = 0; s < xs.length; s++) assert.ok(Object.is(again[s], alone[s]), `after a fresh start, x=${xs[s]}`);
        }
      }
    }
  });
});
