// Compile-time checks of the data generators' options and result types (compiled by typecheck.test.ts).
import { datasets, makeBlobs, makeClassification, makeRegression } from '../../src';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | void {}

const c = makeClassification({ nSamples: 10, weights: [0.7], seed: 1 });
assertType<Equal<typeof c.y, number[]>>();
const one = makeRegression({ coef: true });
assertType<Equal<typeof one.y, number[]>>();
assertType<Equal<typeof one.coef, number[]>>();
const many = makeRegression({ nTargets: 3, coef: true });
assertType<Equal<typeof many.y, number[][]>>();
assertType<Equal<typeof many.coef, number[][]>>();
declare const targets: number;
const unknownCount = makeRegression({ nTargets: targets });
assertType<Equal<typeof unknownCount.y, number[] | number[][]>>();
const explicitOne = makeRegression({ nTargets: 1 });
assertType<Equal<typeof explicitOne.y, number[]>>();
const blobs = makeBlobs({
  centers: [
    [0, 0],
    [1, 1],
  ],
  returnCenters: true,
});
assertType<Equal<typeof blobs.centers, number[][]>>();
datasets.makeBlobs({ nSamples: [5, 5], clusterStd: [1, 2] });
void [c, one, many, unknownCount, explicitOne, blobs];

// @ts-expect-error names coef
void makeRegression({ nSamples: 5 }).coef;
// @ts-expect-error names centers
void makeBlobs({ nSamples: 5 }).centers;
// @ts-expect-error names n_samples
makeClassification({ n_samples: 10 });
const opts = { nSamples: 10, class_sep: 2 };
// @ts-expect-error names class_sep
makeClassification(opts);
// @ts-expect-error names clusterSTD
makeBlobs({ clusterSTD: 2 });
// A variable whose only key is misspelt.
const onlyTypo = { nSample: 10 };
// @ts-expect-error names nSample
makeClassification(onlyTypo);
