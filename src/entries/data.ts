/**
 * `tunelab/data`: the data sets and generators, the same functions as the `datasets` namespace of
 * 'tunelab' (which also exports makeClassification, makeRegression and makeBlobs at its top level).
 */
export * from '../data';
