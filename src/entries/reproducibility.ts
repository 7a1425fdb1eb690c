/**
 * `tunelab/reproducibility`: seeds and the recorded environment: how study, trial and ambient seeds
 * derive from each other, the keys under which they are stored, the report of study.reproduce, and
 * multi-seed evaluation. evaluateSeeds, currentSeed and runWithSeed are also exported from 'tunelab'.
 */
export * from '../reproducibility';
