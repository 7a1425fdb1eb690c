import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createStudy, RandomSampler, TrialState } from '../../src';
import { GroupDecomposedSearchSpace, IntersectionSearchSpace, intersectionSearchSpace } from '../../src/samplers/searchSpace';

describe('IntersectionSearchSpace', () => {
  it('keeps only parameters with identical distributions in every finished trial, incrementally', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    const calc = new IntersectionSearchSpace();
    assert.deepEqual(calc.calculate(study), {});
    await study.optimize(
      (t) => t.suggestFloat('x', 0, 1) + t.suggestInt('n', 1, 5) + (t.suggestCategorical('c', ['a', 'b']) === 'a' ? 0 : 1),
      { nTrials: 3, showProgressBar: false },
    );
    assert.deepEqual(Object.keys(calc.calculate(study)), ['c', 'n', 'x']);
    // A trial where n has a different range and c is absent removes both.
    await study.optimize((t) => t.suggestFloat('x', 0, 1) + t.suggestInt('n', 1, 6), { nTrials: 1, showProgressBar: false });
    assert.deepEqual(Object.keys(calc.calculate(study)), ['x']);
    assert.deepEqual(Object.keys(intersectionSearchSpace(study.trials)), ['x']);
    // A running trial does not count until it finishes; a FAIL trial never counts.
    const running = await study.ask();
    running.suggestFloat('y', 0, 1);
    assert.deepEqual(Object.keys(calc.calculate(study)), ['x']);
    await study.tell(running, null, { state: TrialState.FAIL });
    assert.deepEqual(Object.keys(calc.calculate(study)), ['x']);
  });

  it('handles trials finishing out of order', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 2 }) });
    const calc = new IntersectionSearchSpace();
    const a = await study.ask();
    a.suggestFloat('x', 0, 1);
    const b = await study.ask();
    b.suggestFloat('x', 0, 1);
    b.suggestFloat('y', 0, 1);
    await study.tell(b, 1);
    assert.deepEqual(Object.keys(calc.calculate(study)), ['x', 'y']);
    await study.tell(a, 1);
    assert.deepEqual(Object.keys(calc.calculate(study)), ['x']);
  });

  it('counts PRUNED trials only when asked to', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 3 }) });
    const t = await study.ask();
    t.suggestFloat('x', 0, 1);
    await study.tell(t, null, { state: TrialState.PRUNED });
    assert.deepEqual(new IntersectionSearchSpace().calculate(study), {});
    assert.deepEqual(Object.keys(new IntersectionSearchSpace({ includePruned: true }).calculate(study)), ['x']);
  });
});

describe('GroupDecomposedSearchSpace', () => {
  it('splits conditional branches into disjoint groups', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 4 }) });
    const calc = new GroupDecomposedSearchSpace();
    await study.optimize(
      (t) => {
        const kind = t.suggestCategorical('kind', ['svm', 'tree']);
        if (kind === 'svm') return t.suggestFloat('C', 1e-3, 1, { log: true }) + t.suggestFloat('gamma', 1e-3, 1, { log: true });
        return t.suggestInt('depth', 1, 10);
      },
      { nTrials: 30, showProgressBar: false },
    );
    const groups = calc.calculate(study).map((g) => Object.keys(g));
    assert.deepEqual(groups, [['C', 'gamma'], ['depth'], ['kind']]);
  });
});
