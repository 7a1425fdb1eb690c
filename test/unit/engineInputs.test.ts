// Inputs at the edges of what numbers can represent, and seeds, are refused with a clear error
// (or sampled safely) instead of producing Infinity, NaN, collapsed ranges or silently unseeded runs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  categoricalDistribution,
  CmaEsSampler,
  createStudy,
  floatDistribution,
  GPSampler,
  GridSampler,
  intDistribution,
  InvalidArgumentError,
  InvalidDistributionError,
  NSGAIISampler,
  QMCSampler,
  RandomSampler,
  Rng,
  TPESampler,
  TrialState,
} from '../../src';

const MAX = Number.MAX_VALUE;

function throwsWith(fn: () => unknown, type: new (...a: never[]) => Error, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${String(e)}`);
    assert.match((e as Error).message, message);
    return true;
  });
}

describe('float and int ranges at the limits of doubles', () => {
  it('a float range whose width overflows (-MAX_VALUE..MAX_VALUE) is refused, from suggestFloat too', async () => {
    throwsWith(() => floatDistribution(-MAX, MAX), InvalidDistributionError, /wider than the largest number.*overflows to Infinity/);
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    const trial = await study.ask();
    throwsWith(() => trial.suggestFloat('x', -MAX, MAX), InvalidDistributionError, /'x'.*overflows/);
  });

  it('a float range as wide as doubles allow is sampled finite by every sampler', async () => {
    for (const sampler of [
      new RandomSampler({ seed: 1 }),
      new TPESampler({ seed: 1, nStartupTrials: 3 }),
      new GPSampler({ seed: 1, nStartupTrials: 3 }),
      new CmaEsSampler({ seed: 1 }),
      new QMCSampler({ seed: 1 }),
    ]) {
      const study = await createStudy({ sampler });
      await study.optimize((t) => Math.abs(t.suggestFloat('x', -MAX / 2, MAX / 2) / MAX), { nTrials: 8 });
      for (const t of study.trials) {
        assert.equal(t.state, TrialState.COMPLETE, `${sampler.constructor.name}: ${String(t.systemAttrs.fail_reason)}`);
        const x = t.params.x as number;
        assert.ok(Number.isFinite(x) && x >= -MAX / 2 && x <= MAX / 2, `${sampler.constructor.name} drew ${x}`);
      }
    }
  });

  it('Rng.uniform stays finite on a range wider than the largest double', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 1000; i++) {
      const v = rng.uniform(-MAX, MAX);
      assert.ok(Number.isFinite(v), `drew ${v}`);
    }
  });

  it('a step too small for its range (1e-320) is refused instead of giving NaN', () => {
    throwsWith(
      () => floatDistribution(0, 1, { step: 1e-320 }),
      InvalidDistributionError,
      /step 1e-320 is too small for the range \[0, 1\]/,
    );
    throwsWith(() => floatDistribution(0, 1e10, { step: 1e-10 }), InvalidDistributionError, /too small/);
    assert.equal(floatDistribution(0, 1, { step: 1e-12 }).high, 1);
  });

  it('int bounds beyond Number.MAX_SAFE_INTEGER are refused instead of collapsing', async () => {
    throwsWith(() => intDistribution(2 ** 60, 2 ** 60 + 10), InvalidDistributionError, /MAX_SAFE_INTEGER/);
    throwsWith(() => intDistribution(0, Number.MAX_SAFE_INTEGER + 1), InvalidDistributionError, /exactly/);
    throwsWith(() => intDistribution(-(2 ** 52), 2 ** 52), InvalidDistributionError, /distance/);
    throwsWith(() => intDistribution(0, 10, { step: 2 ** 60 }), InvalidDistributionError, /step must be a positive integer/);
    const study = await createStudy({ sampler: new RandomSampler({ seed: 2 }) });
    const trial = await study.ask();
    throwsWith(() => trial.suggestInt('n', 0, 2 ** 55), InvalidDistributionError, /'n'/);
    // The largest accepted range still gives distinct integers.
    const seen = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const t = await study.ask();
      const v = t.suggestInt('m', 0, Number.MAX_SAFE_INTEGER);
      assert.ok(Number.isSafeInteger(v));
      seen.add(v);
      await study.tell(t, 0);
    }
    assert.ok(seen.size > 15, `only ${seen.size} distinct values`);
  });
});

describe('categorical choices', () => {
  it('refuses Infinity, -Infinity and NaN with a clear error (JSON, the stored form, has none)', () => {
    for (const bad of [Infinity, -Infinity, NaN]) {
      throwsWith(() => categoricalDistribution([bad, 1]), InvalidDistributionError, /not a finite number.*JSON/);
    }
    assert.deepEqual(categoricalDistribution(['inf', 1e308, null, true]).choices, ['inf', 1e308, null, true]);
  });

  it('suggestCategorical with Infinity fails the trial with that message, and the study goes on', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 3 }) });
    await study.optimize((t) => (t.number === 0 ? Number(t.suggestCategorical('c', [Infinity, 1])) : t.suggestFloat('x', 0, 1)), {
      nTrials: 2,
      catch: [Error],
    });
    assert.equal(study.trials[0].state, TrialState.FAIL);
    assert.match(String(study.trials[0].systemAttrs.fail_reason), /not a finite number/);
    assert.equal(study.trials[1].state, TrialState.COMPLETE);
  });
});

describe('seeds', () => {
  const makers: Array<[string, (seed: unknown) => unknown]> = [
    ['RandomSampler', (seed) => new RandomSampler({ seed: seed as number })],
    ['TPESampler', (seed) => new TPESampler({ seed: seed as number })],
    ['GPSampler', (seed) => new GPSampler({ seed: seed as number })],
    ['CmaEsSampler', (seed) => new CmaEsSampler({ seed: seed as number })],
    ['QMCSampler', (seed) => new QMCSampler({ seed: seed as number })],
    ['NSGAIISampler', (seed) => new NSGAIISampler({ seed: seed as number })],
    ['GridSampler', (seed) => new GridSampler({ x: [1, 2] }, { seed: seed as number })],
  ];
  // Optuna 5.0 refuses all of these too (numpy: "Seed must be between 0 and 2**32 - 1", or a cast error).
  for (const [name, make] of makers) {
    it(`${name} refuses seeds "abc", NaN, {}, 1.5, -1 and 2**40, naming what to pass`, () => {
      for (const bad of ['abc', NaN, {}, 1.5, -1, 2 ** 40]) {
        throwsWith(
          () => make(bad),
          InvalidArgumentError,
          new RegExp(`^${name}: seed must be an integer from 0 to 4294967295.*Pass e\\.g\\. \\{ seed: 42 \\}`),
        );
      }
      for (const good of [undefined, 0, 42, 2 ** 32 - 1]) assert.doesNotThrow(() => make(good));
    });
  }

  it('reseedRng checks its seed the same way', () => {
    throwsWith(
      () => new RandomSampler({ seed: 1 }).reseedRng('abc' as unknown as number),
      InvalidArgumentError,
      /RandomSampler\.reseedRng: seed must be an integer/,
    );
  });

  it('Rng itself refuses objects and non-integer numbers', () => {
    assert.throws(() => new Rng({} as unknown as number), InvalidArgumentError);
    assert.throws(() => new Rng(NaN), InvalidArgumentError);
    assert.equal(new Rng(5).random(), new Rng(5).random());
  });
});
