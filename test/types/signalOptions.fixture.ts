// Compile-time checks of the `signal` option (compiled by typecheck.test.ts): every run that can be
// interrupted takes an AbortSignal under the one name optimize uses; a misspelt key or another type
// is refused, as for every other option.
import { createStudy, crossValidate, gridSearchCV, halvingGridSearchCV, nestedCV, randomizedSearchCV, SVC, tuneCV } from '../../src';
import { pbt } from '../../src/pbt';

declare const X: number[][];
declare const y: number[];
const signal = AbortSignal.timeout(1000);

void createStudy().then((study) => study.optimize(() => 1, { signal }));
void crossValidate(new SVC(), X, y, { signal });
void gridSearchCV(new SVC(), { C: [1, 10] }, X, y, { signal });
void randomizedSearchCV(new SVC(), { C: [1, 10] }, X, y, { nIter: 2, signal });
void halvingGridSearchCV(new SVC(), { C: [1, 10] }, X, y, { signal });
void tuneCV(new SVC(), (t) => ({ C: t.suggestFloat('C', 0.1, 10) }), X, y, { signal });
void nestedCV(new SVC(), { kind: 'grid', paramGrid: { C: [1] } }, X, y, { signal });
void pbt({
  createMember: () => ({ train() {}, evaluate: () => 0, getWeights: () => 0, setWeights() {} }),
  hyperparameters: {},
  rounds: 1,
  signal,
});

// @ts-expect-error names abortSignal
void crossValidate(new SVC(), X, y, { abortSignal: signal });
// @ts-expect-error names AbortSignal
void gridSearchCV(new SVC(), { C: [1] }, X, y, { signal: 'stop' });
// @ts-expect-error names cancel
void nestedCV(new SVC(), { kind: 'grid', paramGrid: { C: [1] } }, X, y, { cancel: signal });
void pbt({
  createMember: () => ({ train() {}, evaluate: () => 0, getWeights: () => 0, setWeights() {} }),
  hyperparameters: {},
  rounds: 1,
  // @ts-expect-error names AbortSignal
  signal: true,
});
